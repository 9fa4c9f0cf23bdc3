"""Adagrad with learning-rate decay, weight decay and an initial accumulator value."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import AdagradOptions
from .optimizer import Optimizer, hyper_parameters


class Adagrad(Optimizer):
    r"""Adagrad: each element's step shrinks with the sum of its squared gradients.

    :math:`s \mathrel{+}= g^2`, then
    :math:`\theta \mathrel{-}= \tilde\gamma g / (\sqrt{s} + \epsilon)`,
    with :math:`\tilde\gamma = \gamma / (1 + (t - 1) \eta)` for the step count :math:`t`.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: ``1e-2``
        lr_decay: the learning-rate decay :math:`\eta`. Default: ``0``
        weight_decay: the L2 penalty, added to the gradient. Default: ``0``
        initial_accumulator_value: the starting value of :math:`s`. Default: ``0``
        eps: added to the denominator for stability. Default: ``1e-10``
        maximize: ascend the objective instead of descending it. Default: ``False``
        foreach, fused: accepted as in PyTorch. ``differentiable=True`` raises
            NotImplementedError.

    Example::

        >>> optimizer = optim.Adagrad(model.parameters(), lr=0.01)
        >>> for input, target in dataset:
        ...     optimizer.zero_grad()
        ...     loss = loss_fn(model(input), target)
        ...     loss.backward()
        ...     optimizer.step()
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach=None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            foreach=foreach,
            maximize=maximize,
            differentiable=differentiable,
            fused=fused,
        )
        super().__init__(params, defaults)
        # like PyTorch, Adagrad's state exists from construction
        for group in self.param_groups:
            for param in group["params"]:
                self._init_state(group, param)

    def _init_state(self, group, param) -> dict:
        state = self.state[param]
        if not state:
            state["step"] = _creation.tensor(0.0)
            state["sum"] = _creation.full_like(param.detach(), group["initial_accumulator_value"])
        return state

    def _update(self, group, param, grad):
        def update():
            state = self._init_state(group, param)
            step = self._increment(state["step"])
            clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
            self._run(
                param,
                "adagrad_step",
                grad,
                state["sum"],
                AdagradOptions(
                    clr=clr,
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    maximize=group["maximize"],
                ),
            )

        return update
