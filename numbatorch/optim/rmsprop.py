"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from .. import _creation
from .optimizer import Optimizer, hyper_parameters


class RMSprop(Optimizer):
    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach=None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            eps=eps,
            momentum=momentum,
            weight_decay=weight_decay,
            alpha=alpha,
            centered=centered,
            capturable=capturable,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            if not state:
                state["step"] = _creation.tensor(0.0)
                state["square_avg"] = self._zeros_like(param)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = self._zeros_like(param)
                if group["centered"]:
                    state["grad_avg"] = self._zeros_like(param)
            self._increment(state["step"])
            empty = self._empty_like(param)
            self._run(
                param,
                "rmsprop_step",
                grad,
                state["square_avg"],
                state.get("grad_avg", empty) if group["centered"] else empty,
                state.get("momentum_buffer", empty) if group["momentum"] > 0 else empty,
                group["lr"],
                group["alpha"],
                group["eps"],
                group["weight_decay"],
                group["momentum"],
                group["centered"],
                group["maximize"],
            )

        return update
