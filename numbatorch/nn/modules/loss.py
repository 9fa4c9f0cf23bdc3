"""Loss layers, each a thin wrapper over its `nn.functional` twin with a `reduction`."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = F._reduction(size_average, reduce, reduction)


class _WeightedLoss(_Loss):
    def __init__(
        self, weight=None, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """The mean absolute error :math:`|x - y|` between input and target.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.L1Loss()
        >>> output = loss(torch.randn(3, 5, requires_grad=True), torch.randn(3, 5))
        >>> output.backward()
    """

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """The mean squared error :math:`(x - y)^2` between input and target.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MSELoss()
        >>> output = loss(torch.randn(3, 5, requires_grad=True), torch.randn(3, 5))
        >>> output.backward()
    """

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    r"""Squared error below ``beta``, absolute error above: :math:`0.5 (x-y)^2/\beta` where
    :math:`|x-y| < \beta`, else :math:`|x-y| - 0.5\beta`.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        beta: where the loss turns from quadratic to linear. Default: ``1.0``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.SmoothL1Loss()
        >>> output = loss(torch.randn(3, 5, requires_grad=True), torch.randn(3, 5))
        >>> output.backward()
    """

    def __init__(
        self, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    r"""The Huber loss: :math:`0.5 (x-y)^2` where :math:`|x-y| < \delta`, else :math:`\delta (|x-y|
    - 0.5\delta)`.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        delta: where the loss turns from quadratic to linear. Default: ``1.0``

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.HuberLoss()
        >>> output = loss(torch.randn(3, 5, requires_grad=True), torch.randn(3, 5))
        >>> output.backward()
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class NLLLoss(_WeightedLoss):
    """The negative log likelihood of the target classes, given log-probabilities (e.g. from
    ``LogSoftmax``).

    Args:
        weight: a rescaling weight per class, shape :math:`(C)`. Default: ``None``
        ignore_index: a target value that contributes nothing (nor to the mean's denominator).
            Default: ``-100``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`, or :math:`(N, C, d_1, ...)`.
        - Target: :math:`(N)` or :math:`()`, or :math:`(N, d_1, ...)`, class indices in :math:`[0,
          C)`.
        - Output: a scalar, or the target's shape with ``reduction='none'``.

    Example::

        >>> m = nn.LogSoftmax(dim=1)
        >>> loss = nn.NLLLoss()
        >>> output = loss(m(torch.randn(3, 5, requires_grad=True)), torch.tensor([1, 0, 4]))
        >>> output.backward()
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy between the logits and class indices (or class probabilities): ``log_softmax``
    then ``nll_loss``, in one kernel pass each way.

    Args:
        weight: a rescaling weight per class, shape :math:`(C)`. Default: ``None``
        ignore_index: a target index that contributes nothing. Default: ``-100``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        label_smoothing: in [0, 1], mixes the target with the uniform distribution. Default: ``0.0``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`, or :math:`(N, C, d_1, ...)`: unnormalised logits.
        - Target: class indices of shape :math:`(N)` (or :math:`()`, :math:`(N, d_1, ...)`), or
          probabilities of the input's shape.
        - Output: a scalar, or the target's batch shape with ``reduction='none'``.

    Example::

        >>> loss = nn.CrossEntropyLoss()
        >>> output = loss(torch.randn(3, 5, requires_grad=True), torch.tensor([1, 0, 4]))
        >>> output.backward()
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities and targets in [0, 1]; the log is clamped at -100
    as in PyTorch.

    Args:
        weight: a rescaling weight broadcast over the elements. Default: ``None``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.BCELoss()
        >>> output = loss(torch.rand(3, requires_grad=True), torch.tensor([0.0, 1.0, 1.0]))
        >>> output.backward()
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """``Sigmoid`` then binary cross-entropy, fused and stable for large logits.

    Args:
        weight: a rescaling weight broadcast over the elements. Default: ``None``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        pos_weight: a weight of the positive term per class. Default: ``None``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.BCEWithLogitsLoss()
        >>> output = loss(torch.randn(3, requires_grad=True), torch.tensor([0.0, 1.0, 1.0]))
        >>> output.backward()
    """

    def __init__(
        self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, pos_weight=self.pos_weight, reduction=self.reduction
        )


class KLDivLoss(_Loss):
    r"""The Kullback-Leibler divergence :math:`y (\log y - x)` with the input :math:`x` given as
    log-probabilities.

    Args:
        reduction: ``'none'`` | ``'batchmean'`` (PyTorch's recommended mean) | ``'sum'`` |
            ``'mean'``. Default: ``'mean'``
        log_target: whether the target is given as log-probabilities too. Default: ``False``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.KLDivLoss(reduction='batchmean')
        >>> output = loss(torch.randn(3, 5).log_softmax(1), torch.rand(3, 5).softmax(1))
    """

    def __init__(
        self, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
