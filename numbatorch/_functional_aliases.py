"""torch-level names of nn.functional ops (torch.conv2d, torch.dropout, torch.layer_norm,
...), with PyTorch's torch-level argument orders where they differ from F's, and the
torch-level in-place functions (torch.relu_(x) is x.relu_())."""

from __future__ import annotations

import warnings

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
    return _feature_dropout(input, p, train, False)


def _feature_dropout(input: Tensor, p: float, train: bool, inplace: bool) -> Tensor:
    """ATen's feature dropout: whole channels, any rank; none of F.dropout2d's advice about
    3-D inputs, which PyTorch gives only from Python."""
    _check_probability(p)
    if input.ndim > 4:
        return F.dropout3d(input, p, train, inplace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return F.dropout2d(input, p, train, inplace)


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


# --- torch-level losses: ATen's signatures, the reduction as its enum (1 mean, 2 sum, any
# other value none); PyTorch 2.13's torch-level losses default to no reduction
_REDUCTIONS = {1: "mean", 2: "sum"}


def _reduction(reduction) -> str:
    return _REDUCTIONS.get(reduction, "none")


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    pos_weight: Tensor | None = None,
    reduction: int = 0,
) -> Tensor:
    return F.binary_cross_entropy_with_logits(
        input, target, weight, reduction=_reduction(reduction), pos_weight=pos_weight
    )


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def hinge_embedding_loss(input, target, margin: float = 1.0, reduction: int = 0):
    return F.hinge_embedding_loss(input, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input: bool, full: bool, eps: float, reduction: int):
    return F.poisson_nll_loss(
        input, target, log_input, full, eps=eps, reduction=_reduction(reduction)
    )


def triplet_margin_loss(
    anchor,
    positive,
    negative,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: int = 0,
):
    return F.triplet_margin_loss(
        anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction)
    )


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False):
    """ATen's kl_div: 'mean' is the mean over every element (F.kl_div's, without its
    advice to use 'batchmean')."""
    loss = F.kl_div(input, target, reduction="none", log_target=log_target)
    mode = _reduction(reduction)
    return loss if mode == "none" else loss.sum() if mode == "sum" else loss.mean()


def ctc_loss(
    log_probs,
    targets,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: int = 0,
    zero_infinity: bool = False,
):
    return F.ctc_loss(
        log_probs, targets, input_lengths, target_lengths, blank, _reduction(reduction),
        zero_infinity,
    )  # fmt: skip


# --- torch-level in-place activations and dropouts ----------------------------------------


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return F.celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return F.selu(input, inplace=True)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    return F.rrelu(input, lower, upper, training, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return F.threshold(input, threshold, value, inplace=True)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    _check_probability(p)
    return F.dropout(input, p, train, inplace=True)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    return _feature_dropout(input, p, train, True)


INPLACE += ["gcd_", "lcm_", "ldexp_", "log2_"]
for _name in INPLACE[-4:]:
    globals()[_name] = _inplace(_name)
