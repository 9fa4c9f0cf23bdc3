"""Rprop (Riedmiller and Braun, 1993): per-element step sizes driven by gradient signs."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import RpropOptions
from .optimizer import Optimizer, hyper_parameters


class Rprop(Optimizer):
    """PyTorch's Rprop: each element's step size (starting at lr) is multiplied by etaplus
    when its gradient keeps its sign, by etaminus when the sign flips (and that gradient
    is then taken as 0), and clamped to step_sizes; param -= sign(g) * step_size."""

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            etas=etas,
            step_sizes=step_sizes,
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
                state["prev"] = self._zeros_like(param)
                state["step_size"] = _creation.full_like(param.detach(), group["lr"])
            self._increment(state["step"])
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            self._run(
                param,
                "rprop_step",
                grad,
                state["prev"],
                state["step_size"],
                RpropOptions(
                    etaminus=etaminus,
                    etaplus=etaplus,
                    step_size_min=step_size_min,
                    step_size_max=step_size_max,
                    maximize=group["maximize"],
                ),
            )

        return update
