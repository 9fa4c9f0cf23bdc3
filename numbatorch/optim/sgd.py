"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""

from __future__ import annotations

from .. import _dtype
from ..kernels.contract import SGDOptions
from ..ops._common import kernels
from .optimizer import Optimizer


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (Nesterov's or heavy-ball).

    With :math:`g = \nabla + \lambda\theta`: :math:`b = \mu b + (1 - \tau) g`, then
    :math:`\theta \mathrel{-}= \gamma b` (:math:`\gamma (g + \mu b)` with ``nesterov``);
    :math:`b = g` on the first step; plain :math:`\theta \mathrel{-}= \gamma g` without momentum.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: ``1e-3``
        momentum: the momentum factor :math:`\mu`. Default: ``0``
        dampening: the dampening :math:`\tau` of the momentum. Default: ``0``
        weight_decay: the L2 penalty :math:`\lambda`. Default: ``0``
        nesterov: use Nesterov momentum (needs momentum and zero dampening). Default: ``False``
        maximize: ascend the objective instead of descending it. Default: ``False``
        foreach, fused: accepted as in PyTorch. ``differentiable=True`` raises
            NotImplementedError.

    Example::

        >>> optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> for input, target in dataset:
        ...     optimizer.zero_grad()
        ...     loss = loss_fn(model(input), target)
        ...     loss.backward()
        ...     optimizer.step()
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        if differentiable:
            raise NotImplementedError("differentiable optimizers are not supported")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)

    def _group_updates(self, group, params):
        grads = [self._checked_grad(param) for param in params]
        device = params[0]._storage.device
        if any(
            p.dtype in _dtype.HALF_TYPES or not p.is_contiguous() or p._storage.device is not device
            for p in params
        ):
            return [self._update(group, p, g) for p, g in zip(params, grads)]

        def update():
            # the whole group in one launcher call per first_step value (a momentum buffer
            # starts as the first gradient): the per-parameter path's Python cost ~4 us a
            # parameter, about as much as a small parameter's arithmetic
            momentum = group["momentum"]
            batches: dict[bool, tuple[list, list, list]] = {}
            for param, grad in zip(params, grads):
                state = self.state[param]
                buffer = state.get("momentum_buffer")
                first_step = buffer is None
                if momentum == 0:
                    buffer = self._empty_like(param)
                elif first_step:
                    buffer = state["momentum_buffer"] = self._zeros_like(param)
                batch = batches.setdefault(first_step and momentum != 0, ([], [], []))
                batch[0].append(param._array)
                batch[1].append(grad._array)
                batch[2].append(buffer._array)
            launcher = kernels(params[0]).sgd_foreach
            for first_step, arrays in batches.items():
                launcher(*arrays, self._options(group, first_step))
            for param in params:
                param._bump_version()

        return [update]

    @staticmethod
    def _options(group, first_step: bool) -> SGDOptions:
        return SGDOptions(
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
            first_step=first_step,
        )

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            momentum = group["momentum"]
            buffer = state.get("momentum_buffer")
            first_step = buffer is None
            if momentum != 0 and first_step:
                buffer = state["momentum_buffer"] = self._zeros_like(param)
            self._run(
                param,
                "sgd_step",
                grad,
                buffer if momentum != 0 else self._empty_like(param),
                self._options(group, first_step),
            )

        return update
