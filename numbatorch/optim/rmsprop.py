"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import RMSpropOptions
from .optimizer import Optimizer, hyper_parameters


class RMSprop(Optimizer):
    r"""RMSprop, steps scaled by a running average :math:`v = \alpha v + (1 - \alpha) g^2`:
    :math:`\theta \mathrel{-}= \gamma g / (\sqrt{v} + \epsilon)`. ``centered`` subtracts the
    squared running mean of :math:`g` from :math:`v`; ``momentum`` :math:`\mu` steps by the
    buffer :math:`b = \mu b + g / (\sqrt{v} + \epsilon)` instead.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: ``1e-2``
        alpha: the smoothing constant :math:`\alpha`. Default: ``0.99``
        eps: added to the denominator for stability. Default: ``1e-8``
        weight_decay: the L2 penalty, added to the gradient. Default: ``0``
        momentum: the momentum factor :math:`\mu`. Default: ``0``
        centered: normalize by the estimated variance of the gradient. Default: ``False``
        maximize: ascend the objective instead of descending it. Default: ``False``
        foreach: accepted as in PyTorch; capturable or differentiable raise NotImplementedError.

    Example::

        >>> optimizer = optim.RMSprop(model.parameters(), lr=0.01)
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
                RMSpropOptions(
                    lr=group["lr"],
                    alpha=group["alpha"],
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    momentum=group["momentum"],
                    centered=group["centered"],
                    maximize=group["maximize"],
                ),
            )

        return update
