"""The functional forms of the normalization, resampling, activation and pooling layers
added to `nn.functional` (re-exported there): group/instance/local-response norm,
interpolate, pixel (un)shuffle, fold/unfold, the shrink and gated activations, adaptive
max and power-average pooling, bilinear and embedding_bag, with PyTorch's signatures,
defaults and errors."""

from __future__ import annotations

import math
import warnings

from .. import _creation, _dtype
from ..ops import elementwise as ew
from ..ops import shape as sh
from ..ops._common import check_device
from ..ops.indexing import OUT_OF_RANGE, _check_index_range
from ..ops.layers import AdaptiveMaxPool2D, Col2Im, EmbeddingBagMax, Im2Col, NativeGroupNorm
from ..ops.linalg import linear
from ..ops.pool import adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d
from ..tensor import Tensor

# --- normalization -------------------------------------------------------------------------


def _check_affine(name: str, t: Tensor | None, input: Tensor) -> None:
    channels = input.shape[1]
    if t is not None and (t.ndim != 1 or t.shape[0] != channels):
        raise RuntimeError(
            f"Expected {name} to be a vector of size equal to the number of channels in "
            f"input, but got {name} of shape {list(t.shape)} and input of shape "
            f"{list(input.shape)}"
        )


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each group of num_groups channels of each sample to zero mean and unit
    variance, then scale and shift each channel by weight and bias."""
    if input.ndim < 2:
        raise RuntimeError(
            f"Expected at least 2 dimensions for input tensor but received {input.ndim}"
        )
    if num_groups <= 0 or input.shape[1] % num_groups:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {list(input.shape)} and num_groups={num_groups}"
        )
    _check_affine("weight", weight, input)
    _check_affine("bias", bias, input)
    check_device(input, weight, bias)
    return NativeGroupNorm.apply(input, num_groups, weight, bias, eps)


def instance_norm(
    input: Tensor,
    running_mean: Tensor | None = None,
    running_var: Tensor | None = None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel of each sample over its spatial positions (group norm with a
    group per channel); with running statistics given, they are updated in place from the
    batch's average instance mean and unbiased variance. Without use_input_stats the
    running statistics normalise, as batch norm in evaluation."""
    from .functional import batch_norm

    if use_input_stats:
        spatial = input.numel() // max(input.shape[0] * input.shape[1], 1) if input.ndim > 1 else 0
        if spatial <= 1:
            raise ValueError(
                f"Expected more than 1 spatial element when training, got input size {input.shape}"
            )
    else:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    out = group_norm(input, input.shape[1], weight, bias, eps)
    if running_mean is not None or running_var is not None:
        from ..autograd import grad_mode

        with grad_mode.no_grad():
            per_instance = input.reshape(input.shape[0], input.shape[1], -1)
            if running_mean is not None:
                mean = per_instance.mean(2).mean(0).to(running_mean.dtype)
                running_mean.mul_(1 - momentum).add_(mean * momentum)
            if running_var is not None:
                var = per_instance.var(2, correction=1).mean(0).to(running_var.dtype)
                running_var.mul_(1 - momentum).add_(var * momentum)
    return out


def local_response_norm(
    input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0
) -> Tensor:
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (PyTorch's
    composition: an average pool over the channel axis of the zero-padded squares)."""
    from .functional import pad

    dim = input.ndim
    if dim < 3:
        raise ValueError(
            f"Expected 3D or higher dimensionality                          input (got {dim} "
            "dimensions)"
        )
    if input.numel() == 0:
        return input
    # the channels as the height of a one-channel image; every other dim folded into its
    # width, since the window spans channels only
    div = (input * input).reshape(input.shape[0], 1, input.shape[1], -1)
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).reshape(input.shape)
    return input / (div * alpha + k) ** beta


# --- resampling ----------------------------------------------------------------------------


def _ntuple(value, n: int, name: str, input: Tensor | None = None) -> tuple:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            spatial = list(input.shape[2:]) if input is not None else n
            raise ValueError(
                f"Input and {name} must have the same number of spatial dimensions, but got "
                f"input with spatial dimensions of {spatial} and {name} of {tuple(value)}. "
                f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and {name} in "
                "(o1, o2, ...,oK) format."
            )
        return tuple(value)
    return (value,) * n


_MODES_DIM = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def interpolate(
    input: Tensor,
    size=None,
    scale_factor=None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample the spatial dims (all dims after the first two) to `size` or by
    `scale_factor`: nearest, nearest-exact, linear, bilinear and trilinear, each
    separable, one index_select (nearest) or two with weights (linear) per dim; area
    (1-D and 2-D) is adaptive average pooling, as in PyTorch."""
    spatial = input.ndim - 2
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: "
            "linear | bilinear | bicubic | trilinear"
        )
    if align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        out_size = _ntuple(size, spatial, "output size", input)
        scales = (None,) * spatial
    elif scale_factor is not None:
        scales = tuple(float(s) for s in _ntuple(scale_factor, spatial, "scale_factor", input))
        out_size = tuple(math.floor(float(input.shape[2 + i]) * scales[i]) for i in range(spatial))
        if recompute_scale_factor:
            scales = (None,) * spatial
    else:
        raise ValueError("either size or scale_factor should be defined")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    supported = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear")
    if spatial < 1 or spatial > 3 or mode not in supported + ("bicubic", "area", "lanczos"):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) "
            "for the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | "
            f"area | nearest-exact (got {mode})"
        )
    if mode in _MODES_DIM and spatial != _MODES_DIM[mode]:
        expected = _MODES_DIM[mode] + 2
        raise NotImplementedError(
            f"Got {input.ndim}D input, but {mode} mode needs {expected}D input"
        )
    if mode not in supported and not (mode == "area" and spatial < 3):
        raise NotImplementedError(f"interpolate: mode '{mode}' is not supported")
    if any(s <= 0 for s in out_size):
        axes = "DHW"[3 - spatial :]
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{a}: {n}" for a, n in zip(axes, input.shape[2:]))
            + ") output ("
            + ", ".join(f"{a}: {n}" for a, n in zip(axes, out_size))
            + ")"
        )
    if mode == "area":
        pool = adaptive_avg_pool1d if spatial == 1 else adaptive_avg_pool2d
        return pool(input, out_size if spatial > 1 else out_size[0])
    out = input
    for i in range(spatial):
        dim = 2 + i
        size_in, size_out = input.shape[dim], out_size[i]
        if mode.startswith("nearest"):
            index = _nearest_index(size_in, size_out, scales[i], mode == "nearest-exact")
            out = out.index_select(dim, _long(index, input))
        else:
            out = _linear_along(out, dim, size_in, size_out, scales[i], align_corners)
    return out


def _source_scale(size_in: int, size_out: int, scale, align_corners: bool) -> float:
    """PyTorch's area_pixel_compute_scale: input pixels per output pixel."""
    if align_corners:
        return (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else size_in / size_out


def _nearest_index(size_in: int, size_out: int, scale, exact: bool) -> list:
    step = _source_scale(size_in, size_out, scale, False)
    if exact:
        return [min(int(math.floor((o + 0.5) * step)), size_in - 1) for o in range(size_out)]
    return [min(int(math.floor(o * step)), size_in - 1) for o in range(size_out)]


def _long(index: list, like: Tensor) -> Tensor:
    return _creation.tensor(index, dtype=_dtype.int64, device=like.device)


def _linear_along(x: Tensor, dim: int, size_in: int, size_out: int, scale, align_corners):
    """Linear interpolation of x along `dim` (PyTorch's source-index rule): two gathers
    and a weighted sum, so the gradient is index_select's."""
    step = _source_scale(size_in, size_out, scale, align_corners)
    lo, hi, frac = [], [], []
    for o in range(size_out):
        src = o * step if align_corners else max((o + 0.5) * step - 0.5, 0.0)
        i0 = min(int(src), size_in - 1)
        i1 = min(i0 + 1, size_in - 1)
        lo.append(i0)
        hi.append(i1)
        frac.append(src - i0)
    shape = [1] * x.ndim
    shape[dim] = size_out
    dtype = x.dtype if x.dtype.is_floating_point else _dtype.get_default_dtype()
    weight = _creation.tensor(frac, dtype=dtype, device=x.device).reshape(shape)
    low = x.index_select(dim, _long(lo, x))
    high = x.index_select(dim, _long(hi, x))
    return low + (high - low) * weight


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    warnings.warn(
        "`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
        stacklevel=2,
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    if input.ndim < 3:
        raise RuntimeError(
            f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    r = upscale_factor
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
            f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}"
        )
    lead = tuple(input.shape[:-3])
    k = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    order = (*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return x.permute(*order).reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle."""
    if input.ndim < 3:
        raise RuntimeError(
            "pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
            f"{input.ndim} dimension(s)"
        )
    r = downscale_factor
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    c, h, w = input.shape[-3:]
    if h % r:
        raise RuntimeError(
            "pixel_unshuffle expects height to be divisible by downscale_factor, but "
            f"input.size(-2)={h} is not divisible by {r}"
        )
    if w % r:
        raise RuntimeError(
            "pixel_unshuffle expects width to be divisible by downscale_factor, but "
            f"input.size(-1)={w} is not divisible by {r}"
        )
    lead = tuple(input.shape[:-3])
    k = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    order = (*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return x.permute(*order).reshape(*lead, c * r * r, h // r, w // r)


def _pair_arg(value, name: str) -> tuple:
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2:
        raise RuntimeError(f"{name} must be an int or a tuple of two ints")
    return pair


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The sliding blocks of (N, C, H, W) (or unbatched (C, H, W)) as columns
    (N, C*kh*kw, L)."""
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)"
        )
    kernel = _pair_arg(kernel_size, "kernel_size")
    dil, pad, stride = _block_args(dilation, padding, stride)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    _check_block_args(kernel, dil, pad, stride)
    blocks = [
        (x.shape[2 + i] + 2 * pad[i] - dil[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        for i in range(2)
    ]
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size ({x.shape[2]}, {x.shape[3]}), kernel_size="
            f"({kernel[0]}, {kernel[1]}), dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, "
            f"{pad[1]}), calculated shape of the array of sliding blocks as ({blocks[0]}, "
            f"{blocks[1]}), but its components must be at least one."
        )
    cols = Im2Col.apply(x, kernel, dil, pad, stride, blocks[0] * blocks[1])
    return cols.squeeze(0) if unbatched else cols


def _block_args(dilation, padding, stride) -> tuple:
    return (_pair_arg(dilation, "dilation"), _pair_arg(padding, "padding"),
            _pair_arg(stride, "stride"))  # fmt: skip


def _check_block_args(kernel, dil, pad, stride) -> None:
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
            f"kernel_width: {kernel[1]}"
        )
    if any(d <= 0 for d in dil):
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilation_height: {dil[0]} "
            f"dilation_width: {dil[1]}"
        )
    if any(p < 0 for p in pad):
        raise RuntimeError(
            f"padding should be non-negative, but got pad_height: {pad[0]} pad_width: {pad[1]}"
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError(
            f"stride should be greater than zero, but got stride_height: {stride[0]} "
            f"stride_width: {stride[1]}"
        )


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns (N, C*kh*kw, L) (or unbatched (C*kh*kw, L)) back into (N, C, H, W)."""
    if input.ndim not in (2, 3):
        raise NotImplementedError(
            f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
            f"(got {input.ndim}D)"
        )
    out_size = _pair_arg(output_size, "output_size")
    kernel = _pair_arg(kernel_size, "kernel_size")
    dil, pad, stride = _block_args(dilation, padding, stride)
    _check_block_args(kernel, dil, pad, stride)
    unbatched = input.ndim == 2
    cols = input.unsqueeze(0) if unbatched else input
    taps = kernel[0] * kernel[1]
    if cols.shape[1] % taps:
        raise RuntimeError(
            "Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={cols.shape[1]} and kernel_size="
            f"({kernel[0]}, {kernel[1]})"
        )
    blocks = [
        (out_size[i] + 2 * pad[i] - dil[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(2)
    ]
    if blocks[0] * blocks[1] != cols.shape[2] or min(blocks) < 1:
        raise RuntimeError(
            "Given output_size=({}, {}), kernel_size=({}, {}), dilation=({}, {}), padding=({}, "
            "{}), stride=({}, {}), expected size of input's dimension 2 to match the calculated "
            "number of sliding blocks {} * {} = {}, but got input.size(2)={}.".format(
                *out_size, *kernel, *dil, *pad, *stride, blocks[0], blocks[1],
                blocks[0] * blocks[1], cols.shape[2],
            )
        )  # fmt: skip
    out = Col2Im.apply(cols, out_size, kernel, dil, pad, stride)
    return out.squeeze(0) if unbatched else out


# --- activations ---------------------------------------------------------------------------


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) = alpha * elu(x / alpha)."""
    from .functional import _maybe_inplace

    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _maybe_inplace(lambda x: ew.Elu.apply(x / alpha, 1.0, 0.0) * alpha, input, inplace)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    from .functional import _maybe_inplace

    return _maybe_inplace(
        lambda x: ew.where(x > threshold, x, _creation.tensor(value, dtype=x.dtype,
                                                              device=x.device)),
        input,
        inplace,
    )  # fmt: skip


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


_threshold = threshold  # the parameter of threshold_ below shadows the name, as in PyTorch


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _threshold(input, threshold, value, inplace=True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0."""
    return ew.where(ew.abs(input) > lambd, input, input.new_zeros(()))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, else 0."""
    if lambd < 0:
        kind = "Double" if input.dtype is _dtype.float64 else "Float"
        raise RuntimeError(
            f"lambda must be in range [0, 3.40282e+38] for input dtype {kind}, but found {lambd:g}"
        )
    return input - ew.Clamp.apply(input, -float(lambd), float(lambd))


def tanhshrink(input: Tensor) -> Tensor:
    return input - ew.tanh(input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) for the two halves a, b of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        wrapped = dim % input.ndim
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {wrapped} is size {size}"
        )
    first, second = input.chunk(2, dim)
    return first * ew.sigmoid(second)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x, weight one value or one per channel (dim 1)."""
    if weight.numel() != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter "
                f"numbers = {weight.numel()} and channel size = {channels}."
            )
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")  # fmt: skip
    if weight.numel() == 1 or input.ndim < 2:
        slope = weight.reshape(())
    else:
        slope = weight.reshape([-1 if d == 1 else 1 for d in range(input.ndim)])
    return ew.where(input > 0, input, input * slope)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Leaky ReLU whose negative slope is drawn uniformly from [lower, upper] per element
    in training, and is (lower + upper) / 2 in evaluation."""
    from .functional import _maybe_inplace, leaky_relu

    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def draw(x):
        slope = _creation.rand(*x.shape, dtype=x.dtype, device=x.device) * (upper - lower)
        return ew.where(x >= 0, x, x * (slope + lower))

    return _maybe_inplace(draw, input, inplace)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    return rrelu(input, lower, upper, training, inplace=True)


# --- pooling -------------------------------------------------------------------------------


def _adaptive_size(output_size, input: Tensor, n: int) -> tuple:
    """The n output sizes (their count checked by the caller); None keeps the input's."""
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * n
    return tuple(input.shape[input.ndim - n + i] if s is None else int(s)
                 for i, s in enumerate(sizes))  # fmt: skip


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    if isinstance(output_size, (tuple, list)) and len(output_size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}"
        )
    for d in range(1, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch "
                f"dimensions, but input has sizes {list(input.shape)} with dimension {d} "
                "being empty"
            )
    size = _adaptive_size(output_size, input, 2)
    if any(s < 0 for s in size):
        raise RuntimeError(
            f"adaptive_max_pool2d: elements of output_size must be greater than or equal to 0 "
            f"but received {{{', '.join(map(str, size))}}}"
        )
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    out, indices = AdaptiveMaxPool2D.apply(x, size)
    if unbatched:
        return out.squeeze(0), indices.squeeze(0)
    return out, indices


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    out, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"Expected 2 to 3 dimensions, but got {input.ndim}-dimensional tensor for argument "
            "#1 'self' (while checking arguments for adaptive_max_pool1d)"
        )
    if isinstance(output_size, (tuple, list)) and len(output_size) != 1:
        raise RuntimeError(
            "adaptive_max_pool1d() argument 'output_size' should contain one int (got "
            f"{len(output_size)})"
        )
    size = _adaptive_size(output_size, input, 1)
    out, indices = adaptive_max_pool2d_with_indices(input.unsqueeze(-2), (1, size[0]))
    return out.squeeze(-2), indices.squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    out, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def lp_pool2d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
    """(sum over each window of x^p)^(1/p), PyTorch's composition of avg_pool2d."""
    kw, kh = _pair_arg(kernel_size, "kernel_size")
    pooled = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (ew.sign(pooled) * ew.relu(ew.abs(pooled))).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type, kernel_size, stride=None, ceil_mode: bool = False):
    if isinstance(kernel_size, (tuple, list)):
        kernel_size = kernel_size[0]
    if stride is not None and isinstance(stride, (tuple, list)):
        stride = stride[0]
    pooled = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (ew.sign(pooled) * ew.relu(ew.abs(pooled))).mul(kernel_size).pow(1.0 / norm_type)


# --- bilinear, embedding_bag ---------------------------------------------------------------


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None):
    """y[..., o] = x1 W[o] x2 + b[o]: one matmul of x1 with W laid out (in1, out*in2), then
    a product with x2 summed over in2."""
    if input1.ndim != input2.ndim:
        raise RuntimeError(
            f"bilinear(): input dimensions do not match: got {input1.ndim} and {input2.ndim}"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(
            "bilinear(): input batch dimensions do not match: got "
            f"{list(input1.shape[:-1])} and {list(input2.shape[:-1])}"
        )
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, got {weight.ndim}")
    out_features, in1, in2 = weight.shape
    if input1.shape[-1] != in1:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
            f"expected {in1}"
        )
    if input2.shape[-1] != in2:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
            f"expected {in2}"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_features):
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but "
            f"expected {out_features}"
        )
    lead = tuple(input1.shape[:-1])
    rows1 = input1.reshape(-1, in1)
    rows2 = input2.reshape(-1, 1, in2)
    projected = linear(rows1, weight.permute(0, 2, 1).reshape(out_features * in2, in1))
    out = (projected.reshape(-1, out_features, in2) * rows2).sum(2)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_features)


def embedding_bag(
    input: Tensor,
    weight: Tensor,
    offsets: Tensor | None = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """Sums, means or maxima of bags of embedding rows: input 2-D (B, n) gives B bags of n;
    1-D input is cut into bags at `offsets`. padding_idx rows take no part (a bag of only
    padding gives zeros); per_sample_weights scale each row (mode 'sum')."""
    from .functional import _renorm_rows

    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding_bag)"
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag: scale_grad_by_freq and sparse are not supported")
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, but got {mode}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                "on GitHub."
            )
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not "
                f"None, then it must have the same shape as the input ({input.shape})"
            )
    check_device(input, weight, offsets, per_sample_weights)
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("padding_idx must be within the number of embeddings")
        padding_idx %= rows
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets)}"
            )
        bags, length = input.shape
        flat = input.reshape(-1)
        starts = _creation.arange(bags, dtype=_dtype.int64, device=input.device) * length
        ends = starts + length
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    elif input.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat, psw = input, per_sample_weights
        bounds = offsets.to(_dtype.int64)
        if not include_last_offset:
            bounds = sh.cat([bounds, bounds.new_tensor([flat.shape[0]])])
        if bounds.shape[0] < 1 or (bounds.numel() and int(bounds[0].item()) != 0):
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                "start from position 0. However, got "
                f"{int(bounds[0].item()) if bounds.numel() else 'none'}"
            )
        if int(bounds[-1].item()) > flat.shape[0]:
            raise RuntimeError(
                f"offsets[-1] can not be greater than input's length {flat.shape[0]}, but got "
                f"offsets[-1] of {int(bounds[-1].item())}"
            )
        used = int(bounds[-1].item())  # with include_last_offset, indices past it are unused
        flat = flat[:used]
        psw = psw[:used] if psw is not None else None
        starts, ends = bounds[:-1].contiguous(), bounds[1:].contiguous()
        if starts.numel() and bool((ends < starts).any()):
            raise RuntimeError("offsets must be non-decreasing")
    else:
        raise ValueError(
            f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}"
        )
    flat = _check_index_range(flat.to(_dtype.int64).contiguous(), rows, negative=False,
                              message=OUT_OF_RANGE)  # fmt: skip
    if max_norm is not None:
        _renorm_rows(weight, flat, max_norm, norm_type)
    if mode == "max":
        return EmbeddingBagMax.apply(weight, flat, starts.contiguous(), ends.contiguous(),
                                     -1 if padding_idx is None else padding_idx)[0]  # fmt: skip
    counts = ends - starts
    bag_of = _creation.arange(counts.shape[0], dtype=_dtype.int64, device=input.device)
    bag_of = bag_of.repeat_interleave(counts)
    picked = weight.index_select(0, flat)
    keep = None
    if padding_idx is not None:
        keep = (flat != padding_idx).to(weight.dtype)
        picked = picked * keep.unsqueeze(1)
    if psw is not None:
        picked = picked * psw.to(weight.dtype).unsqueeze(1)
    out = weight.new_zeros((counts.shape[0], weight.shape[1])).index_add(0, bag_of, picked)
    if mode == "mean":
        if keep is not None:
            members = weight.new_zeros(counts.shape[0]).index_add(0, bag_of, keep)
        else:
            members = counts.to(weight.dtype)
        out = out / ew.clamp(members, min=1.0).unsqueeze(1)
    return out
