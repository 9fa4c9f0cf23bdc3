"""Adamax (Kingma and Ba, 2015): Adam with the infinity norm of past gradients."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import AdamaxOptions
from .optimizer import Optimizer, hyper_parameters


class Adamax(Optimizer):
    """PyTorch's Adamax: with g the gradient (negated with `maximize`, plus
    weight_decay * param), exp_avg = lerp(exp_avg, g, 1 - beta1),
    exp_inf = max(beta2 * exp_inf, |g| + eps),
    param -= lr / (1 - beta1^step) * exp_avg / exp_inf."""

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            capturable=capturable,
        )
        super().__init__(params, defaults)

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            if not state:
                state["step"] = _creation.tensor(0.0)
                state["exp_avg"] = self._zeros_like(param)
                state["exp_inf"] = self._zeros_like(param)
            step = self._increment(state["step"])
            beta1, beta2 = group["betas"]
            self._run(
                param,
                "adamax_step",
                grad,
                state["exp_avg"],
                state["exp_inf"],
                AdamaxOptions(
                    lr=group["lr"],
                    beta1=beta1,
                    beta2=beta2,
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    step=step,
                    maximize=group["maximize"],
                ),
            )

        return update
