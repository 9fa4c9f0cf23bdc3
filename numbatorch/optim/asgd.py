"""ASGD (Polyak and Juditsky, 1992): SGD with a decaying step and a running average of
the iterates."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import ASGDOptions
from .optimizer import Optimizer, hyper_parameters


class ASGD(Optimizer):
    """PyTorch's ASGD: with g the gradient (negated with `maximize`, plus
    weight_decay * param), param = param (1 - lambd eta) - eta g, then
    ax += (param - ax) mu (ax = param while mu is 1); after step t,
    eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0), kept as 0-d state
    tensors of the default dtype as PyTorch keeps them."""

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            lambd=lambd,
            alpha=alpha,
            t0=t0,
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
                state["step"] = _creation.tensor(0.0, device=param.device)
                state["eta"] = _creation.tensor(float(group["lr"]), device=param.device)
                state["mu"] = _creation.tensor(1.0, device=param.device)
                state["ax"] = self._zeros_like(param)
            step = self._increment(state["step"])
            lr, lambd = group["lr"], group["lambd"]
            self._run(
                param,
                "asgd_step",
                grad,
                state["ax"],
                ASGDOptions(
                    eta=state["eta"].item(),
                    lambd=lambd,
                    mu=state["mu"].item(),
                    weight_decay=group["weight_decay"],
                    maximize=group["maximize"],
                ),
            )
            self._assign(state["eta"], lr / ((1 + lambd * lr * step) ** group["alpha"]))
            self._assign(state["mu"], 1 / max(1, step - group["t0"]))

        return update
