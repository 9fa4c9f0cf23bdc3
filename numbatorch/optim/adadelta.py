"""Adadelta (Zeiler, 2012): per-element steps scaled by RMS(past steps) / RMS(gradients)."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import AdadeltaOptions
from .optimizer import Optimizer, hyper_parameters


class Adadelta(Optimizer):
    """PyTorch's Adadelta: with g the gradient (negated with `maximize`, plus
    weight_decay * param), square_avg = rho * square_avg + (1 - rho) * g^2,
    delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g,
    acc_delta = rho * acc_delta + (1 - rho) * delta^2, param -= lr * delta."""

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach=None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            rho=rho,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
            capturable=capturable,
            foreach=foreach,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            if not state:
                state["step"] = _creation.tensor(0.0)
                state["square_avg"] = self._zeros_like(param)
                state["acc_delta"] = self._zeros_like(param)
            self._increment(state["step"])
            self._run(
                param,
                "adadelta_step",
                grad,
                state["square_avg"],
                state["acc_delta"],
                AdadeltaOptions(
                    lr=group["lr"],
                    rho=group["rho"],
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    maximize=group["maximize"],
                ),
            )

        return update
