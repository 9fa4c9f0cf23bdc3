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
    r"""Whether two inputs are alike by their cosine: :math:`1 - \cos(x_1, x_2)` where the
    target is 1, :math:`\max(0, \cos(x_1, x_2) - \text{margin})` where it is -1.

    Args:
        margin: best in :math:`[-1, 1]`; 0 to 0.5 is a common choice. Default: ``0.0``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input1, Input2: :math:`(N, D)` or :math:`(D)`.
        - Target: :math:`(N)` or :math:`()`, values 1 or -1.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> loss = nn.CosineEmbeddingLoss(margin=0.2)
        >>> output = loss(torch.randn(3, 5), torch.randn(3, 5), torch.tensor([1.0, -1.0, 1.0]))
    """

    def forward(self, input1, input2, target):
        return F.cosine_embedding_loss(input1, input2, target, margin=self.margin,
                                       reduction=self.reduction)  # fmt: skip


class MarginRankingLoss(_MarginLoss):
    r"""A ranking loss, :math:`\max(0, -y (x_1 - x_2) + \text{margin})`: a target :math:`y = 1`
    asks for :math:`x_1` to rank above :math:`x_2`, :math:`y = -1` for the opposite.

    Args:
        margin: the gap required between the two. Default: ``0.0``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input1, Input2, Target: :math:`(N)` or :math:`()`.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MarginRankingLoss()
        >>> output = loss(torch.randn(3), torch.randn(3), torch.tensor([1.0, -1.0, 1.0]))
    """

    def forward(self, input1, input2, target):
        return F.margin_ranking_loss(input1, input2, target, margin=self.margin,
                                     reduction=self.reduction)  # fmt: skip


class HingeEmbeddingLoss(_Loss):
    r""":math:`x` where the target is 1 and :math:`\max(0, \text{margin} - x)` where it is -1,
    for :math:`x` usually a distance between two inputs.

    Args:
        margin: the distance beyond which a dissimilar pair costs nothing. Default: ``1.0``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape, values 1 or -1.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.HingeEmbeddingLoss()
        >>> output = loss(torch.rand(4), torch.tensor([1.0, -1.0, -1.0, 1.0]))
    """

    def __init__(
        self, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean"
    ) -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return F.hinge_embedding_loss(input, target, margin=self.margin, reduction=self.reduction)


class SoftMarginLoss(_Loss):
    r"""The two-class logistic loss :math:`\log(1 + e^{-y x})` for targets :math:`y` of 1 or -1.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.SoftMarginLoss()
        >>> output = loss(torch.randn(3, 2), torch.tensor([[1.0, -1.0]] * 3))
    """

    def forward(self, input, target):
        return F.soft_margin_loss(input, target, reduction=self.reduction)


class TripletMarginLoss(_Loss):
    r""":math:`\max(0, d(a, p) - d(a, n) + \text{margin})` with :math:`d` the p-norm distance
    (plus ``eps``): pulls the anchor :math:`a` to the positive :math:`p` and away from the
    negative :math:`n`.

    Args:
        margin: must be greater than 0. Default: ``1.0``
        p: the norm degree of the distance. Default: ``2.0``
        eps: added to the differences before the norm. Default: ``1e-6``
        swap: use :math:`d(p, n)` instead of :math:`d(a, n)` where it is smaller.
            Default: ``False``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Anchor, Positive, Negative: :math:`(N, D)` or :math:`(D)`, the same rank.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> loss = nn.TripletMarginLoss(margin=1.0, p=2)
        >>> output = loss(torch.randn(8, 16), torch.randn(8, 16), torch.randn(8, 16))
    """

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
    r""":class:`TripletMarginLoss` with any distance:
    :math:`\max(0, d(a, p) - d(a, n) + \text{margin})`.

    Args:
        distance_function: maps two tensors to their distances, one per sample.
            Default: ``None`` (the 2-norm pairwise distance)
        margin: must be greater than 0. Default: ``1.0``
        swap: use :math:`d(p, n)` instead of :math:`d(a, n)` where it is smaller.
            Default: ``False``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``

    All arguments are keyword-only.

    Shape:
        - Anchor, Positive, Negative: :math:`(N, *)` or :math:`(*)`, whatever the distance
          function takes.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> l1 = lambda x, y: (x - y).abs().sum(-1)
        >>> loss = nn.TripletMarginWithDistanceLoss(distance_function=l1, margin=0.5)
        >>> output = loss(torch.randn(8, 16), torch.randn(8, 16), torch.randn(8, 16))
    """

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
    r"""Multi-label one-versus-all loss: the binary logistic loss of each class,
    :math:`-(y \log\sigma(x) + (1 - y) \log\sigma(-x))`, averaged over the classes.

    Args:
        weight: a rescaling weight for each class, shape :math:`(C)`. Default: ``None``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`.
        - Target: the input's shape, values 0 or 1.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MultiLabelSoftMarginLoss()
        >>> output = loss(torch.randn(3, 4), torch.tensor([[0.0, 1, 1, 0]] * 3))
    """

    def forward(self, input, target):
        return F.multilabel_soft_margin_loss(input, target, weight=self.weight,
                                             reduction=self.reduction)  # fmt: skip


class MultiLabelMarginLoss(_Loss):
    r"""Multi-label hinge loss:
    :math:`\sum_{j, k} \max(0, 1 - (x[j] - x[k])) / C` over the target classes :math:`j` and
    the other classes :math:`k`.

    The target row lists class indices and ends at its first -1.

    Args:
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`.
        - Target: the input's shape, integer class indices padded with -1.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MultiLabelMarginLoss()
        >>> output = loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([[3, 0, -1, 1]]))
    """

    def forward(self, input, target):
        return F.multilabel_margin_loss(input, target, reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    r"""Multi-class hinge loss:
    :math:`\sum_{j \neq y} \max(0, \text{margin} - x[y] + x[j])^p / C` for the target class
    :math:`y`, times ``weight[y]`` when given.

    Args:
        p: ``1`` or ``2`` (anything else raises ValueError). Default: ``1``
        margin: the gap required. Default: ``1.0``
        weight: a 1-D rescaling weight per class. Default: ``None``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-sample losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(N, C)` or :math:`(C)`.
        - Target: :math:`(N)` or :math:`()`, class indices in :math:`[0, C)`.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> loss = nn.MultiMarginLoss()
        >>> output = loss(torch.tensor([[0.1, 0.2, 0.4, 0.8]]), torch.tensor([3]))
    """

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
    r"""Negative log likelihood of a Poisson target :math:`t`: :math:`e^x - t x` when the input
    is the log rate (``log_input=True``), else :math:`x - t \log(x + \text{eps})`.

    Args:
        log_input: whether the input is the log of the rate. Default: ``True``
        full: add Stirling's approximation of :math:`\log(t!)` where :math:`t > 1`.
            Default: ``False``
        eps: keeps the log finite when ``log_input=False``. Default: ``1e-8``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``
        size_average, reduce: deprecated, as in PyTorch (they set ``reduction`` with a warning)

    Shape:
        - Input: :math:`(*)`, any number of dimensions.
        - Target: :math:`(*)`, the input's shape.
        - Output: a scalar, or :math:`(*)` with ``reduction='none'``.

    Example::

        >>> loss = nn.PoissonNLLLoss()
        >>> output = loss(torch.randn(5, 2), torch.randn(5, 2).abs())
    """

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
    r"""Negative log likelihood of a Gaussian target with predicted mean and variance:
    :math:`\frac{1}{2}(\log v + (x - t)^2 / v)` with :math:`v = \max(\text{var}, \text{eps})`.

    Args:
        full: add the constant :math:`\frac{1}{2}\log(2\pi)`. Default: ``False``
        eps: the floor on the variance (it does not take part in the gradient).
            Default: ``1e-6``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``: how the per-element losses are combined.
            Default: ``'mean'``

    All arguments are keyword-only; ``forward(input, target, var)``.

    Shape:
        - Input: :math:`(N, *)` or :math:`(*)`; Target: the input's shape.
        - Var: the input's shape, that shape without its last dimension, the input's shape
          with one dimension of size 1, or a ``float``; no negative entries.
        - Output: a scalar, or the input's shape with ``reduction='none'``.

    Example::

        >>> loss = nn.GaussianNLLLoss()
        >>> output = loss(torch.randn(5, 2), torch.randn(5, 2), torch.ones(5, 1))
    """

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean"):
        super().__init__(None, None, reduction)
        self.full, self.eps = full, eps

    def forward(self, input, target, var):
        return F.gaussian_nll_loss(input, target, var, full=self.full, eps=self.eps,
                                   reduction=self.reduction)  # fmt: skip


class CTCLoss(_Loss):
    r"""The Connectionist Temporal Classification loss: the negative log probability of a target
    sequence summed over all its alignments to the (longer) input sequence.

    Args:
        blank: the index of the blank class. Default: ``0``
        reduction: ``'none'`` | ``'mean'`` | ``'sum'``; ``'mean'`` divides each loss by its
            target length, then averages over the batch. Default: ``'mean'``
        zero_infinity: replace infinite losses (impossible alignments) and their gradients
            by zero. Default: ``False``

    Shape:
        - Log_probs: :math:`(T, N, C)` or :math:`(T, C)`, log-softmax outputs.
        - Targets: :math:`(N, S)` padded, or all targets concatenated, :math:`(\sum_i S_i)`.
        - Input_lengths, Target_lengths: :math:`(N)` tensors, ints or lists of ints.
        - Output: a scalar, or :math:`(N)` with ``reduction='none'``.

    Example::

        >>> ctc = nn.CTCLoss()
        >>> log_probs = torch.randn(50, 2, 20).log_softmax(2).requires_grad_()
        >>> targets = torch.randint(1, 20, (2, 10))
        >>> loss = ctc(log_probs, targets, [50, 50], [10, 8])
        >>> loss.backward()
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False):
        super().__init__(reduction=reduction)
        self.blank, self.zero_infinity = blank, zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                          self.reduction, self.zero_infinity)  # fmt: skip
