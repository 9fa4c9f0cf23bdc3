"""Normalization layers: `BatchNorm1d`, `BatchNorm2d` (running statistics, momentum,
num_batches_tracked) and `LayerNorm`."""

from __future__ import annotations

import warnings

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


class BatchNorm3d(_BatchNorm):
    """Batch normalization over a 5-D input, per channel over :math:`(N, D, H, W)`, as
    ``BatchNorm1d``.

    Args:
        num_features: :math:`C`, the number of channels
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average). Default:
            ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var`` for evaluation; without them
            batch statistics are used in both modes. Default: ``True``

    Shape:
        - Input: :math:`(N, C, D, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.BatchNorm3d(100)
        >>> output = m(torch.randn(20, 100, 35, 45, 10))
    """

    def _check_input_dim(self, input) -> None:
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")


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


class GroupNorm(Module):
    r"""Group normalization: splits each sample's channels into ``num_groups`` groups and
    normalizes each group over its channels and positions,
    :math:`y = (x - \mathrm{E}[x]) / \sqrt{\mathrm{Var}[x] + \epsilon} \cdot \gamma + \beta`,
    with a per-channel :math:`\gamma, \beta`. The statistics are the same in training and
    evaluation.

    Args:
        num_groups: how many groups the channels are split into.
        num_channels: the number of channels :math:`C`; must be divisible by ``num_groups``.
        eps: added to the variance for stability. Default: ``1e-5``
        affine: learn the per-channel scale (ones) and shift (zeros). Default: ``True``
        bias: with ``affine``, whether to learn the shift too (keyword-only). Default: ``True``

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: :math:`(N, C, *)`, the input's shape.

    Example::

        >>> m = nn.GroupNorm(3, 6)
        >>> output = m(torch.randn(20, 6, 10, 10))
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        factory = {"device": device, "dtype": dtype}
        if affine:
            self.weight = Parameter(_creation.empty(num_channels, **factory))
            if bias:
                self.bias = Parameter(_creation.empty(num_channels, **factory))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class _InstanceNorm(_BatchNorm):
    """Instance normalization: each channel of each sample normalised over its positions;
    PyTorch's defaults (no affine, no running statistics) and state_dict keys."""

    _version = 2
    _spatial = 0

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def _check_input_dim(self, input) -> None:
        if input.ndim not in (self._spatial + 1, self._spatial + 2):
            raise ValueError(
                f"expected {self._spatial + 1}D or {self._spatial + 2}D input "
                f"(got {input.ndim}D input)"
            )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.ndim - (self._spatial + 1)
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(
                    f"expected input's size at dim={feature_dim} to match num_features "
                    f"({self.num_features}), but got: {input.shape[feature_dim]}."
                )
            warnings.warn(
                f"input's size at dim={feature_dim} does not match num_features. You can "
                "silence this warning by not passing in num_features, which is not used "
                "because affine=False",
                stacklevel=2,
            )
        unbatched = input.ndim == self._spatial + 1
        x = input.unsqueeze(0) if unbatched else input
        out = F.instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization: each channel of each sample normalized over its 1-D positions
    to zero mean and unit variance (biased variance), optionally scaled and shifted.

    Args:
        num_features: the number of channels :math:`C`.
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the weight of each new value in the running statistics. Default: ``0.1``
        affine: learn a per-channel scale and shift. Default: ``False``
        track_running_stats: keep running mean and variance and use them in evaluation
            (otherwise each input's own statistics are used in both modes). Default: ``False``

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.InstanceNorm1d(100, affine=True)
        >>> output = m(torch.randn(20, 100, 40))
    """

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization: each channel of each sample normalized over its 2-D positions
    to zero mean and unit variance (biased variance), optionally scaled and shifted.

    Args:
        num_features: the number of channels :math:`C`.
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the weight of each new value in the running statistics. Default: ``0.1``
        affine: learn a per-channel scale and shift. Default: ``False``
        track_running_stats: keep running mean and variance and use them in evaluation
            (otherwise each input's own statistics are used in both modes). Default: ``False``

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.InstanceNorm2d(100, affine=True)
        >>> output = m(torch.randn(20, 100, 35, 45))
    """

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization: each channel of each sample normalized over its 3-D positions
    to zero mean and unit variance (biased variance), optionally scaled and shifted.

    Args:
        num_features: the number of channels :math:`C`.
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the weight of each new value in the running statistics. Default: ``0.1``
        affine: learn a per-channel scale and shift. Default: ``False``
        track_running_stats: keep running mean and variance and use them in evaluation
            (otherwise each input's own statistics are used in both modes). Default: ``False``

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.InstanceNorm3d(100, affine=True)
        >>> output = m(torch.randn(20, 100, 35, 45, 10))
    """

    _spatial = 3


class LocalResponseNorm(Module):
    r"""Local response normalization across channels:
    :math:`b_c = a_c \big(k + \frac{\alpha}{n} \sum_{c'} a_{c'}^2\big)^{-\beta}`, the sum over
    the ``size`` channels around :math:`c` (zero-padded at the ends).

    Args:
        size: :math:`n`, how many neighbouring channels enter each sum.
        alpha: the multiplicative factor. Default: ``1e-4``
        beta: the exponent. Default: ``0.75``
        k: the additive factor. Default: ``1.0``

    Shape:
        - Input: :math:`(N, C, *)`, at least 3 dimensions.
        - Output: :math:`(N, C, *)`, the input's shape.

    Example::

        >>> lrn = nn.LocalResponseNorm(2)
        >>> output = lrn(torch.randn(32, 5, 24, 24))
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class RMSNorm(Module):
    """Root-mean-square normalization over the last dimensions (``normalized_shape``):
    each sample divided by the root of its mean square there (plus ``eps``), times a
    learned ``weight``; no centring and no bias.

    Args:
        normalized_shape: the trailing shape to normalise over (an int for the last dimension)
        eps: added to the mean square. Default: the dtype's machine epsilon
        elementwise_affine: learn ``weight`` (ones) of that shape. Default: ``True``

    Example::

        >>> m = nn.RMSNorm(10)
        >>> output = m(torch.randn(20, 5, 10))
    """

    def __init__(
        self,
        normalized_shape,
        eps: float | None = None,
        elementwise_affine: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            factory = {"device": device, "dtype": dtype}
            self.weight = Parameter(_creation.ones(*self.normalized_shape, **factory))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
