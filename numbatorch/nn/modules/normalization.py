"""Normalization layers: `BatchNorm1d`, `BatchNorm2d` (running statistics, momentum,
num_batches_tracked) and `LayerNorm`."""

from __future__ import annotations

from ... import _creation, _dtype
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class _BatchNorm(Module):
    _version = 2

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        factory = {"device": device, "dtype": dtype}
        if affine:
            self.weight = Parameter(_creation.empty(num_features, **factory))
            self.bias = Parameter(_creation.empty(num_features, **factory))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, **factory))
            self.register_buffer("running_var", _creation.ones(num_features, **factory))
            self.register_buffer(
                "num_batches_tracked", _creation.tensor(0, dtype=_dtype.int64, device=device)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input_dim(self, input) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )

    def _load_from_state_dict(
        self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
    ) -> None:
        # checkpoints from before num_batches_tracked existed load with the current count
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict:
            state_dict[key] = self.num_batches_tracked
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average
                factor = 1.0 / float(self.num_batches_tracked)
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        keep_stats = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if keep_stats else None,
            self.running_var if keep_stats else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a 2-D or 3-D input: each feature normalised by the batch's mean and
    (biased) variance in training, by the running statistics (updated with the unbiased variance) in
    evaluation.

    Args:
        num_features: :math:`C`, the number of features or channels
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average). Default:
            ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var`` for evaluation; without them
            batch statistics are used in both modes. Default: ``True``

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.BatchNorm1d(100)
        >>> output = m(torch.randn(20, 100))
    """

    def _check_input_dim(self, input) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"expected 2D or 3D input (got {input.ndim}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a 4-D input, per channel over :math:`(N, H, W)`, as ``BatchNorm1d``.

    Args:
        num_features: :math:`C`, the number of features or channels
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average). Default:
            ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var`` for evaluation; without them
            batch statistics are used in both modes. Default: ``True``

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.BatchNorm2d(100)
        >>> output = m(torch.randn(20, 100, 35, 45))
    """

    def _check_input_dim(self, input) -> None:
        if input.ndim != 4:
            raise ValueError(f"expected 4D input (got {input.ndim}D input)")


class LayerNorm(Module):
    """Layer normalization over the last dimensions (``normalized_shape``): each sample's mean and
    biased variance there, then an elementwise affine map.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dimension)
        eps: added to the variance for stability. Default: ``1e-5``
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape. Default:
            ``True``
        bias: learn the bias too (with ``elementwise_affine``). Default: ``True``

    Shape:
        - Input: :math:`(N, *)`, ending in ``normalized_shape``.
        - Output: the input's shape.

    Example::

        >>> m = nn.LayerNorm(10)
        >>> output = m(torch.randn(20, 5, 10))
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        factory = {"device": device, "dtype": dtype}
        if elementwise_affine:
            self.weight = Parameter(_creation.empty(*self.normalized_shape, **factory))
            if bias:
                self.bias = Parameter(_creation.empty(*self.normalized_shape, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
