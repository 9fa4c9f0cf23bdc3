"""Adam and AdamW (decoupled weight decay), with amsgrad and maximize."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import AdamOptions
from .optimizer import Optimizer, hyper_parameters


class Adam(Optimizer):
    r"""Adam: per-parameter steps from bias-corrected running moments of the gradient.

    :math:`m = \beta_1 m + (1 - \beta_1) g`, :math:`v = \beta_2 v + (1 - \beta_2) g^2`, then
    :math:`\theta \mathrel{-}= \gamma \hat m / (\sqrt{\hat v} + \epsilon)`, with
    :math:`\hat m = m / (1 - \beta_1^t)`, :math:`\hat v = v / (1 - \beta_2^t)`.

    Args:
        params: the parameters to optimize, or dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`. Default: ``1e-3``
        betas: :math:`(\beta_1, \beta_2)`, the moments' decay rates. Default: ``(0.9, 0.999)``
        eps: added to the denominator for stability. Default: ``1e-8``
        weight_decay: the L2 penalty, added to the gradient. Default: ``0``
        amsgrad: use the running maximum of :math:`\hat v` (AMSGrad). Default: ``False``
        maximize: ascend the objective instead of descending it. Default: ``False``
        decoupled_weight_decay: decay the weights directly, as AdamW. Default: ``False``
        foreach, fused: accepted as in PyTorch; capturable/differentiable raise NotImplementedError.

    Example::

        >>> optimizer = optim.Adam(model.parameters(), lr=1e-3)
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
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused=None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            if not state:
                state["step"] = _creation.tensor(0.0)
                state["exp_avg"] = self._zeros_like(param)
                state["exp_avg_sq"] = self._zeros_like(param)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = self._zeros_like(param)
            step = self._increment(state["step"])
            beta1, beta2 = group["betas"]
            max_exp_avg_sq = (
                state["max_exp_avg_sq"] if group["amsgrad"] else self._empty_like(param)
            )
            self._run(
                param,
                "adam_step",
                grad,
                state["exp_avg"],
                state["exp_avg_sq"],
                max_exp_avg_sq,
                AdamOptions(
                    lr=group["lr"],
                    beta1=beta1,
                    beta2=beta2,
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    step=step,
                    amsgrad=group["amsgrad"],
                    maximize=group["maximize"],
                    decoupled_weight_decay=group["decoupled_weight_decay"],
                ),
            )

        return update


class AdamW(Adam):
    """Adam with decoupled weight decay: param *= 1 - lr * weight_decay before the step."""

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        capturable: bool = False,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )
