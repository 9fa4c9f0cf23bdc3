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


class _MarginLoss(_Loss):
    def __init__(
        self, margin: float = 0.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin


class CosineEmbeddingLoss(_MarginLoss):
    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)  # fmt: skip


class MarginRankingLoss(_MarginLoss):
    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)  # fmt: skip


class HingeEmbeddingLoss(_Loss):
    def __init__(
        self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    def __init__(
        self,
        margin: float = 1.0,
        p: float = 2.0,
        eps: float = 1e-6,
        swap: bool = False,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead"
            )
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_loss(anchor, positive, negative, margin=self.margin, p=self.p,
                                     eps=self.eps, swap=self.swap,
                                     reduction=self.reduction)  # fmt: skip


class TripletMarginWithDistanceLoss(_Loss):
    def __init__(
        self,
        *,
        distance_function=None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(
                f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got "
                f"{margin} instead"
            )
        self.distance_function = distance_function
        self.margin, self.swap = margin, swap

    def forward(self, anchor, positive, negative):
        return F.triplet_margin_with_distance_loss(
            anchor, positive, negative, distance_function=self.distance_function,
            margin=self.margin, swap=self.swap, reduction=self.reduction,
        )  # fmt: skip


class MultiLabelSoftMarginLoss(_WeightedLoss):
    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)  # fmt: skip


class MultiLabelMarginLoss(_Loss):
    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    def __init__(
        self,
        p: int = 1,
        margin: float = 1.0,
        weight=None,
        size_average=None,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.ndim != 1:
            raise ValueError(
                f"MultiMarginLoss: expected weight to be None or 1D tensor, got {weight.ndim}D "
                "instead"
            )
        self.p, self.margin = p, margin

    def forward(self, input, target):
        return F.multi_margin_loss(input, target, p=self.p, margin=self.margin,
                                   weight=self.weight, reduction=self.reduction)  # fmt: skip


class PoissonNLLLoss(_Loss):
    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        size_average=None,
        eps: float = 1e-8,
        reduce=None,
        reduction: str = "mean",
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input, self.full, self.eps = log_input, full, eps

    def forward(self, log_input, target):
        return F.poisson_nll_loss(log_input, target, log_input=self.log_input, full=self.full,
                                  eps=self.eps, reduction=self.reduction)  # fmt: skip


class GaussianNLLLoss(_Loss):
    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)  # fmt: skip


class CTCLoss(_Loss):
    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)  # fmt: skip
