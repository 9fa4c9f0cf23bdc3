"""torch-level names of nn.functional ops (torch.conv2d, torch.dropout, torch.layer_norm,
...), with PyTorch's torch-level argument orders where they differ from F's, and the
torch-level in-place functions (torch.relu_(x) is x.relu_())."""

from __future__ import annotations

from .nn import functional as F
from .tensor import Tensor

# the same signature as in F
conv1d = F.conv1d
conv2d = F.conv2d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
avg_pool1d = F.avg_pool1d
max_pool1d = F.max_pool1d
max_pool2d = F.max_pool2d
pixel_shuffle = F.pixel_shuffle
pixel_unshuffle = F.pixel_unshuffle
prelu = F.prelu
bilinear = F.bilinear


def selu(input: Tensor) -> Tensor:
    return F.selu(input)


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    return F.celu(input, alpha)


def threshold(input: Tensor, threshold: float, value: float) -> Tensor:
    return F.threshold(input, threshold, value)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return F.hardshrink(input, lambd)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    return F.rrelu(input, lower, upper, training)


def _check_probability(p: float) -> None:
    """ATen's check of torch.dropout and its kin: a RuntimeError (F's is a ValueError),
    whether training or not."""
    if p < 0 or p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    _check_probability(p)
    return F.dropout(input, p, train)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """Dropout of whole channels (dim 1), as nn.Dropout2d/3d."""
    _check_probability(p)
    return F.dropout2d(input, p, train) if input.ndim <= 4 else F.dropout3d(input, p, train)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    return F.adaptive_avg_pool1d(input, output_size)


def adaptive_max_pool1d(input: Tensor, output_size) -> tuple[Tensor, Tensor]:
    """(values, indices): torch.adaptive_max_pool1d always returns the indices."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enable: bool = True,
) -> Tensor:
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
    cudnn_enabled: bool = True,
) -> Tensor:
    return F.group_norm(input, num_groups, weight, bias, eps)


def batch_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    training: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    """F.batch_norm with torch.batch_norm's order: weight and bias before the statistics."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(
    input: Tensor,
    weight: Tensor | None,
    bias: Tensor | None,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    use_input_stats: bool,
    momentum: float,
    eps: float,
    cudnn_enabled: bool,
) -> Tensor:
    return F.instance_norm(
        input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps
    )


def embedding(
    weight: Tensor,
    input: Tensor,
    padding_idx: int = -1,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """F.embedding with torch.embedding's order: the weight first; padding_idx -1 is none."""
    return F.embedding(
        input,
        weight,
        padding_idx if padding_idx >= 0 else None,
        scale_grad_by_freq=scale_grad_by_freq,
        sparse=sparse,
    )


def _inplace(name: str):
    def function(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"In-place version of torch.{name[:-1]}: input.{name}(...)."
    return function


# torch.<op>_(input, ...) for the in-place Tensor methods PyTorch also exposes at top level
INPLACE = [
    "abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_",
    "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_",
    "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_",
    "expm1_", "fill_", "fix_", "floor_", "frac_", "i0_", "log10_", "log1p_", "log_",
    "logit_", "nan_to_num_", "neg_", "rad2deg_", "reciprocal_", "relu_",
    "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_",
    "tanh_", "trunc_", "xlogy_", "zero_", "addmv_", "index_put_",
]  # fmt: skip
for _name in INPLACE:
    globals()[_name] = _inplace(_name)

# the 3-D volume layers of issue 15
conv3d = F.conv3d
conv_transpose3d = F.conv_transpose3d
max_pool3d = F.max_pool3d
max_pool1d_with_indices = F.max_pool1d_with_indices
channel_shuffle = F.channel_shuffle
native_channel_shuffle = F.channel_shuffle


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    _check_probability(p)
    return F.alpha_dropout(input, p, train)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    _check_probability(p)
    return F.alpha_dropout(input, p, train, inplace=True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    _check_probability(p)
    return F.feature_alpha_dropout(input, p, train)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    _check_probability(p)
    return F.feature_alpha_dropout(input, p, train, inplace=True)
