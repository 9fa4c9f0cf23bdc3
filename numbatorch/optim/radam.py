"""RAdam (Liu et al., 2019): Adam whose adaptive step is rectified by the variance of
its learning rate, and plain momentum while that variance is intractable."""

from __future__ import annotations

import math

from .. import _creation
from ..kernels.contract import RAdamOptions
from .optimizer import Optimizer, hyper_parameters


class RAdam(Optimizer):
    """PyTorch's RAdam: exp_avg/exp_avg_sq as in Adam; rho_inf = 2 / (1 - beta2) - 1,
    rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t); while rho_t <= 5,
    param -= lr exp_avg / (1 - beta1^t), else that step is multiplied by
    sqrt(1 - beta2^t) / (sqrt(exp_avg_sq) + eps) and the rectification
    sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)).
    `decoupled_weight_decay` multiplies param by 1 - lr * weight_decay instead."""

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            decoupled_weight_decay=decoupled_weight_decay,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            if not state:
                state["step"] = _creation.tensor(0.0)
                state["exp_avg"] = self._zeros_like(param)
                state["exp_avg_sq"] = self._zeros_like(param)
            step = self._increment(state["step"])
            beta1, beta2 = group["betas"]
            rho_inf = 2 / (1 - beta2) - 1
            rho_t = rho_inf - 2 * step * (beta2**step) / (1 - beta2**step)
            rect = 0.0  # the kernel's signal for the unrectified step
            if rho_t > 5.0:
                rect = math.sqrt(
                    (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
                )
            self._run(
                param,
                "radam_step",
                grad,
                state["exp_avg"],
                state["exp_avg_sq"],
                RAdamOptions(
                    lr=group["lr"],
                    beta1=beta1,
                    beta2=beta2,
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    step=step,
                    rect=rect,
                    maximize=group["maximize"],
                    decoupled_weight_decay=group["decoupled_weight_decay"],
                ),
            )

        return update
