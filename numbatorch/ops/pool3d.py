"""3-D pooling over (N, C, D, H, W) volumes: max (with indices) and its inverse, average,
adaptive average and adaptive max, under PyTorch's 3-D names, checks and messages. They run
the 2-D pooling's Functions and kernels, whose rules loop over volumes (an image is a volume
of depth 1); the subclasses below only give the autograd nodes PyTorch's 3-D names. An
unbatched (C, D, H, W) input gets a batch of one."""

from __future__ import annotations

from .. import _dtype
from ..tensor import Tensor
from ._common import half_in_float32, kernels
from .layers import AdaptiveMaxPool2D
from .pool import (
    AdaptiveAvgPool2D,
    AvgPool2D,
    MaxPool2DWithIndices,
    MaxUnpool2D,
    _unpool,
    _unpool_output_size,
)


class MaxPool3DWithIndices(MaxPool2DWithIndices):
    """Max pooling of x (N, C, D, H, W); also returns the flat index (d*H + h)*W + w of
    each maximum in its volume."""


class MaxUnpool3D(MaxUnpool2D):
    """The inverse of 3-D max pooling: x (N, C, D, H, W) put at its flat indices."""


class AvgPool3D(AvgPool2D):
    """Average pooling of x (N, C, D, H, W)."""


class AdaptiveAvgPool3D(AdaptiveAvgPool2D):
    """Adaptive average pooling of x (N, C, D, H, W)."""


class AdaptiveMaxPool3D(AdaptiveMaxPool2D):
    """Adaptive max pooling of x (N, C, D, H, W), with the flat index of each maximum."""


# --- argument checks with PyTorch's messages --------------------------------------------------


def _triple(value, message: str) -> tuple:
    """An int or a sequence of 1 or 3 ints as 3 ints; anything else raises `message`."""
    if isinstance(value, int):
        return (value,) * 3
    value = tuple(int(v) for v in value)
    if len(value) not in (1, 3):
        raise RuntimeError(message)
    return value * 3 if len(value) == 1 else value


def _omitted(stride) -> bool:
    return stride is None or stride == [] or stride == ()


def _batched(input: Tensor, name: str) -> tuple[Tensor, bool]:
    """(input with a batch dim, whether one was added); PyTorch's checks of the rank and
    of the non-batch sizes."""
    if input.ndim not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    for d in range(input.ndim - 4, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{name}(): Expected input's non-batch dimensions to have positive length, but "
                f"input has a shape of {list(input.shape)} and non-batch dimension "
                f"{d - (input.ndim - 4)} has length zero!"
            )
    if input.ndim == 4:
        return input.unsqueeze(0), True
    return input, False


def _output_sizes(x, kernel, stride, padding, dilation, ceil_mode, check_input_size) -> tuple:
    """PyTorch's pooling_output_shape per axis, then pool3d_shape_check."""
    for k, s, p, d in zip(kernel, stride, padding, dilation):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            "kernel size should be greater than zero, but got kT: {} kH: {} kW: {}".format(*kernel)
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError(
            "stride should be greater than zero, but got dT: {} dH: {} dW: {}".format(*stride)
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            "dilation should be greater than zero, but got dilationT: {} dilationH: {} "
            "dilationW: {}".format(*dilation)
        )
    c, *size = x.shape[1:]
    if check_input_size and any(n < k for n, k in zip(size, kernel)):
        raise RuntimeError(
            "input image (T: {} H: {} W: {}) smaller than kernel size ".format(*size)
            + "(kT: {} kH: {} kW: {})".format(*kernel)
        )
    backend = kernels(x)
    sizes = tuple(
        backend.pool_output_size(size[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
        for i in range(3)
    )
    if any(s < 1 for s in sizes):
        raise RuntimeError(
            f"Given input size: ({c}x{'x'.join(map(str, size))}). Calculated output size: "
            f"({c}x{'x'.join(map(str, sizes))}). Output size is too small"
        )
    return sizes


def _unbatch(result, unbatched: bool):
    if not unbatched:
        return result
    if isinstance(result, tuple):
        return tuple(t.squeeze(0) for t in result)
    return result.squeeze(0)


# --- the functional API ---------------------------------------------------------------------


def max_pool3d_with_indices(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> tuple[Tensor, Tensor]:
    """(max pooling of input (N, C, D, H, W) or (C, D, H, W), the flat index
    (d*H + h)*W + w of each maximum in its volume)."""
    kernel = _triple(
        kernel_size, "max_pool3d: kernel_size must either be a single int, or a tuple of three ints"
    )
    stride = (
        kernel
        if _omitted(stride)
        else _triple(
            stride,
            "max_pool3d: stride must either be omitted, a single int, or a tuple of three ints",
        )
    )
    padding = _triple(
        padding, "max_pool3d: padding must either be a single int, or a tuple of three ints"
    )
    dilation = _triple(
        dilation, "max_pool3d: dilation must be either a single int, or a tuple of three ints"
    )
    x, unbatched = _batched(input, "max_pool3d_with_indices_out_cpu_template")
    sizes = _output_sizes(x, kernel, stride, padding, dilation, ceil_mode, False)
    result = half_in_float32(
        MaxPool3DWithIndices.apply, x, kernel, stride, padding, dilation, sizes
    )
    return _unbatch(result, unbatched)


def max_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    dilation=1,
    ceil_mode: bool = False,
    return_indices: bool = False,
):
    out, indices = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def avg_pool3d(
    input: Tensor,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    kernel = _triple(
        kernel_size, "avg_pool3d: kernel_size must be a single int, or a tuple of three ints"
    )
    stride = (
        kernel
        if _omitted(stride)
        else _triple(
            stride, "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints"
        )
    )
    padding = _triple(padding, "avg_pool3d: padding must be a single int, or a tuple of three ints")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    x, unbatched = _batched(input, "avg_pool3d")
    sizes = _output_sizes(x, kernel, stride, padding, (1, 1, 1), ceil_mode, True)
    out = half_in_float32(
        AvgPool3D.apply,
        x,
        kernel,
        stride,
        padding,
        bool(ceil_mode),
        bool(count_include_pad),
        int(divisor_override or 0),
        sizes,
    )
    return _unbatch(out, unbatched)


def _adaptive_sizes(input: Tensor, output_size, name: str, got: str, count_message: str) -> tuple:
    """The three output sizes (None keeps the input's), checked as PyTorch does; `got`
    ends the rank error's message."""
    if input.ndim not in (4, 5):
        raise RuntimeError(f"{name}(): Expected 4D or 5D tensor, but {got} {list(input.shape)}")
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(sizes) != 3:
        raise RuntimeError(count_message)
    for d in range(1, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                f"{name}(): Expected input to have non-zero size for non-batch dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {d} being empty"
            )
    return tuple(
        input.shape[input.ndim - 3 + i] if s is None else int(s) for i, s in enumerate(sizes)
    )


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    sizes = _adaptive_sizes(
        input,
        output_size,
        "adaptive_avg_pool3d",
        "got",
        "adaptive_avg_pool3d: output_size must be 3",
    )
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but "
            "received {{{}, {},{}}}".format(*sizes)
        )
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)
    return _unbatch(half_in_float32(AdaptiveAvgPool3D.apply, x, sizes), unbatched)


def adaptive_max_pool3d_with_indices(
    input: Tensor, output_size, return_indices: bool = False
) -> tuple[Tensor, Tensor]:
    sizes = _adaptive_sizes(
        input,
        output_size,
        "adaptive_max_pool3d",
        "got:",
        "adaptive_max_pool3d(): internal error: output_size.size() must be 3",
    )
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {next(s for s in sizes if s < 0)}: "
            f"{[*input.shape[:-3], *sizes]}"
        )
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 4 else (input, False)
    return _unbatch(AdaptiveMaxPool3D.apply(x, sizes), unbatched)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    out, indices = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, indices) if return_indices else out


def max_unpool3d(
    input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None
) -> Tensor:
    """The inverse of `max_pool3d`: input's values put at their flat `indices` in zero
    volumes of PyTorch's default output size, or `output_size`."""
    kernel = _as_triple(kernel_size)
    stride = kernel if stride is None else _as_triple(stride)
    padding = _as_triple(padding)
    sizes = _unpool_output_size(input, kernel, stride, padding, output_size)
    # ATen's max_unpool3d checks, in its order
    if indices.dtype is not _dtype.int64:
        raise RuntimeError("elements in indices should be type int64")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    if input.ndim not in (4, 5):
        raise RuntimeError(
            "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with "
            f"{input.ndim} dimensions."
        )
    for what, values in (("output_size", sizes), ("stride", stride), ("padding", padding)):
        if len(values) != 3:
            raise RuntimeError(
                f"There should be exactly three elements (depth, height, width) in {what}, but "
                f"got {len(values)} elements."
            )
    if any(s <= 0 for s in sizes):
        raise RuntimeError(
            "output_size should be greater than zero, but got ({}, {}, {})".format(*sizes)
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(stride)}")
    for d in range(1, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                "max_unpooling3d_forward_out_cpu(): Expected input to have non-zero size for "
                f"non-batch dimensions, but got{list(input.shape)} with dimension {d} being empty."
            )
    unbatched = input.ndim == 4
    return _unpool(input.unsqueeze(0) if unbatched else input, indices, sizes, unbatched,
                   MaxUnpool3D)  # fmt: skip


def lp_pool3d(
    input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False
) -> Tensor:
    """(sum over each window of x^p)^(1/p), PyTorch's composition of avg_pool3d."""
    kd, kh, kw = _as_triple(kernel_size)
    pooled = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (pooled.sign() * pooled.abs().relu()).mul(kd * kh * kw).pow(1.0 / norm_type)


def _as_triple(value) -> tuple:
    """PyTorch's _triple: an int thrice, a sequence as it is."""
    return (value,) * 3 if isinstance(value, int) else tuple(value)


__all__ = [
    "AdaptiveAvgPool3D",
    "AdaptiveMaxPool3D",
    "AvgPool3D",
    "MaxPool3DWithIndices",
    "MaxUnpool3D",
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool3d",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_unpool3d",
    "lp_pool3d",
]
