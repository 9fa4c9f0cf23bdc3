"""Pooling: max (with indices), average and adaptive average over 2-D windows, each an
autograd Function, and the functional API. 1-D pooling runs as 2-D over a unit height; an
unbatched (C, H, W) input gets a batch of one."""

from __future__ import annotations

import math

from .. import _dtype
from ..autograd.function import BuiltinFunction
from ..kernels.contract import Window, Window3d
from ..tensor import Tensor
from ._common import TYPE_WORD, check_device, empty, half_in_float32, kernels
from .indexing import _check_index_range


def _window(kernel_size, stride, padding, dilation=None) -> Window | Window3d:
    """The kernels' record of a 2-D or 3-D pooling window (by the kernel's rank)."""
    record = Window if len(kernel_size) == 2 else Window3d
    return record.of(kernel_size, stride, padding, dilation or (1,) * len(kernel_size))


class MaxPool2DWithIndices(BuiltinFunction):
    """Max pooling of x (N, C, H, W); also returns the flat index h*W + w of each maximum
    in its plane (PyTorch's `return_indices`). 3-D pooling (ops/pool3d.py) runs it on
    (N, C, D, H, W) volumes."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride, padding, dilation, output_size):
        out = empty((*x.shape[:2], *output_size), x.dtype, x.device)
        indices = empty(out.shape, _dtype.int64, x.device)
        window = _window(kernel_size, stride, padding, dilation)
        kernels(x).max_pool2d_forward(x.contiguous()._array, window, out._array, indices._array)
        ctx.save_for_backward(indices)
        ctx.input_meta = (x.shape, x.dtype)
        ctx.mark_non_differentiable(indices)
        return out, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        (indices,) = ctx.saved_tensors
        shape, dtype = ctx.input_meta
        grad_in = empty(shape, dtype, grad.device)
        kernels(grad).max_pool2d_backward(grad.contiguous()._array, indices._array, grad_in._array)
        return grad_in, None, None, None, None, None


class MaxUnpool2D(BuiltinFunction):
    """The inverse of max pooling: x (N, C, H, W) put at the flat positions `indices`
    (as `max_pool2d` returns them, checked by `_check_index_range`) of zero planes of
    `output_size`."""

    @staticmethod
    def forward(ctx, x, indices, output_size):
        out = empty((*x.shape[:2], *output_size), x.dtype, x.device)
        indices = indices.contiguous()
        kernels(x).max_unpool2d_forward(x.contiguous()._array, indices._array, out._array)
        ctx.save_for_backward(indices)
        ctx.input_meta = (x.shape, x.dtype)
        return out

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        shape, dtype = ctx.input_meta
        grad_in = empty(shape, dtype, grad.device)
        kernels(grad).max_unpool2d_backward(grad.contiguous()._array, indices._array,
                                            grad_in._array)  # fmt: skip
        return grad_in, None, None


class AvgPool2D(BuiltinFunction):
    @staticmethod
    def forward(
        ctx,
        x,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        output_size,
    ):
        out = empty((*x.shape[:2], *output_size), x.dtype, x.device)
        ctx.meta = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
        ctx.input_meta = (x.shape, x.dtype)
        kernels(x).avg_pool2d_forward(
            x.contiguous()._array,
            _window(kernel_size, stride, padding),
            ceil_mode,
            count_include_pad,
            divisor_override,
            out._array,
        )
        return out

    @staticmethod
    def backward(ctx, grad):
        kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override = ctx.meta
        shape, dtype = ctx.input_meta
        grad_in = empty(shape, dtype, grad.device)
        kernels(grad).avg_pool2d_backward(
            grad.contiguous()._array,
            _window(kernel_size, stride, padding),
            ceil_mode,
            count_include_pad,
            divisor_override,
            grad_in._array,
        )
        return grad_in, None, None, None, None, None, None, None


class AdaptiveAvgPool2D(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, output_size):
        out = empty((*x.shape[:2], *output_size), x.dtype, x.device)
        ctx.input_meta = (x.shape, x.dtype)
        kernels(x).adaptive_avg_pool2d_forward(x.contiguous()._array, out._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        shape, dtype = ctx.input_meta
        grad_in = empty(shape, dtype, grad.device)
        kernels(grad).adaptive_avg_pool2d_backward(grad.contiguous()._array, grad_in._array)
        return grad_in, None


# --- argument checks ----------------------------------------------------------------------


def _pair(value, name: str) -> tuple:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * 2
    if len(value) != 2:
        raise RuntimeError(f"{name} must either be a single int, or a tuple of two ints")
    return value


def _batched(input: Tensor, name: str) -> tuple[Tensor, bool]:
    if input.ndim not in (3, 4) or input.numel() == 0 and input.ndim == 3:
        raise RuntimeError(
            f"{name}: Expected 3D or 4D (batch mode) tensor for input, but got "
            f"input of size: {list(input.shape)}"
        )
    if input.ndim == 3:
        return input.unsqueeze(0), True
    return input, False


def _output_sizes(name, x, kernel, stride, padding, dilation, ceil_mode):
    if any(k <= 0 for k in kernel):
        raise RuntimeError(
            f"{name}: kernel_size must be greater than zero, but got kH: "
            f"{kernel[0]} kW: {kernel[1]}"
        )
    if any(s <= 0 for s in stride):
        raise RuntimeError(
            f"{name}: stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}"
        )
    if any(d <= 0 for d in dilation):
        raise RuntimeError(
            f"{name}: dilation should be greater than zero, but got dilationH: "
            f"{dilation[0]} dilationW: {dilation[1]}"
        )
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0 or p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got "
                f"pad={p}, kernel_size={k} and dilation={d}"
            )
    backend = kernels(x)
    sizes = tuple(
        backend.pool_output_size(
            x.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode
        )
        for i in range(2)
    )
    if any(s < 1 for s in sizes):
        c, h, w = x.shape[1:]
        raise RuntimeError(
            f"Given input size: ({c}x{h}x{w}). Calculated output size: "
            f"({c}x{sizes[0]}x{sizes[1]}). Output size is too small"
        )
    return sizes


# --- the functional API ---------------------------------------------------------------------


def max_pool2d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False
):
    x, unbatched = _batched(input, "max_pool2d")
    kernel = _pair(kernel_size, "max_pool2d: kernel_size")
    stride = (
        kernel
        if stride is None or stride == [] or stride == ()
        else _pair(stride, "max_pool2d: stride")
    )
    padding = _pair(padding, "max_pool2d: padding")
    dilation = _pair(dilation, "max_pool2d: dilation")
    sizes = _output_sizes("max_pool2d", x, kernel, stride, padding, dilation, ceil_mode)
    out, indices = half_in_float32(
        MaxPool2DWithIndices.apply, x, kernel, stride, padding, dilation, sizes
    )
    if unbatched:
        return out.squeeze(0), indices.squeeze(0)
    return out, indices


def max_pool2d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    out, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def _unpool_output_size(x, kernel, stride, padding, output_size) -> tuple:
    """PyTorch's default (size - 1)*stride - 2*padding + kernel over x's last len(kernel)
    dims, or the asked size when it lies within one stride of that default."""
    dims = len(kernel)
    default = tuple(
        (x.shape[x.ndim - dims + i] - 1) * stride[i] - 2 * padding[i] + kernel[i]
        for i in range(dims)
    )
    if output_size is None:
        return default
    output_size = tuple(int(s) for s in output_size)
    if len(output_size) == dims + 2:
        output_size = output_size[2:]
    if len(output_size) != dims:
        raise ValueError(
            f"output_size should be a sequence containing {dims} or {dims + 2} elements, but it "
            f"has a length of '{len(output_size)}'"
        )
    for i in range(dims):
        low, high = default[i] - stride[i], default[i] + stride[i]
        if not low < output_size[i] < high:
            raise ValueError(
                f'invalid output_size "{output_size}" (dim {i} must be between {low} and {high})'
            )
    return output_size


def _unpool(x: Tensor, indices: Tensor, sizes: tuple, unbatched: bool, function) -> Tensor:
    """`function` (MaxUnpool2D or its 3-D name) of x with its checked indices into zero
    planes of `sizes`; a batch of one was added to an unbatched x and not to indices."""
    check_device(x, indices)
    indices = _check_index_range(
        indices,
        math.prod(sizes),
        error=RuntimeError,
        negative=False,
        message=f"Found an invalid max index: {{index}} (output volumes are of size "
        f"{'x'.join(map(str, sizes))})",
        last=True,
    )
    out = half_in_float32(function.apply, x, indices.unsqueeze(0) if unbatched else indices, sizes)
    return out.squeeze(0) if unbatched else out


def _max_unpool2d(input: Tensor, indices: Tensor, sizes: tuple) -> Tensor:
    """ATen's max_unpool2d: its checks, in its order, then the unpooling to `sizes`."""
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(
            f"elements in indices should be type int64 but got: {TYPE_WORD[indices.dtype.name]}"
        )
    if input.ndim not in (3, 4):
        raise RuntimeError(
            "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with "
            f"{input.ndim} dimensions."
        )
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            "Expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}"
        )
    unbatched = input.ndim == 3
    return _unpool(input.unsqueeze(0) if unbatched else input, indices, sizes, unbatched,
                   MaxUnpool2D)  # fmt: skip


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    kernel = _pair(kernel_size, "max_unpool2d: kernel_size")
    stride = kernel if stride is None else _pair(stride, "max_unpool2d: stride")
    padding = _pair(padding, "max_unpool2d: padding")
    sizes = _unpool_output_size(input, kernel, stride, padding, output_size)
    return _max_unpool2d(input, indices, sizes)


def avg_pool2d(
    input,
    kernel_size,
    stride=None,
    padding=0,
    ceil_mode=False,
    count_include_pad=True,
    divisor_override=None,
):
    x, unbatched = _batched(input, "avg_pool2d")
    kernel = _pair(kernel_size, "avg_pool2d: kernel_size")
    stride = (
        kernel
        if stride is None or stride == [] or stride == ()
        else _pair(stride, "avg_pool2d: stride")
    )
    padding = _pair(padding, "avg_pool2d: padding")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise RuntimeError(
                "pad should be smaller than or equal to half of kernel size, but got "
                f"padW = {padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}"
            )
    sizes = _output_sizes("avg_pool2d", x, kernel, stride, padding, (1, 1), ceil_mode)
    out = half_in_float32(
        AvgPool2D.apply,
        x,
        kernel,
        stride,
        padding,
        bool(ceil_mode),
        bool(count_include_pad),
        int(divisor_override or 0),
        sizes,
    )
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool2d(input, output_size):
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {list(input.shape)}"
        )
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    output_size = tuple(output_size)
    if len(output_size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    x, unbatched = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    sizes = tuple(x.shape[2 + i] if s is None else int(s) for i, s in enumerate(output_size))
    if any(s < 0 for s in sizes):
        raise RuntimeError(
            f"adaptive_avg_pool2d: elements of output_size must be greater than "
            f"or equal to 0 but received {{{sizes[0]}, {sizes[1]}}}"
        )
    out = half_in_float32(AdaptiveAvgPool2D.apply, x, sizes)
    return out.squeeze(0) if unbatched else out


def _as_2d(input: Tensor, name: str) -> Tensor:
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"{name}: Expected 2D or 3D (batch mode) tensor for input, but got "
            f"input of size: {list(input.shape)}"
        )
    return input.unsqueeze(-2)


def _single(value) -> int:
    return value if isinstance(value, int) else int(tuple(value)[0])


def max_pool1d_with_indices(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    stride = kernel_size if stride is None or stride == [] or stride == () else stride
    out, indices = max_pool2d_with_indices(
        _as_2d(input, "max_pool1d"),
        (1, _single(kernel_size)),
        (1, _single(stride)),
        (0, _single(padding)),
        (1, _single(dilation)),
        ceil_mode,
    )
    return out.squeeze(-2), indices.squeeze(-2)


def max_pool1d(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False
):
    out, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, indices) if return_indices else out


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """As PyTorch: max_unpool2d over a unit width."""
    kernel = (_single(kernel_size),)
    stride = kernel if stride is None else (_single(stride),)
    sizes = _unpool_output_size(input, kernel, stride, (_single(padding),), output_size)
    return _max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), (*sizes, 1)).squeeze(-1)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    stride = kernel_size if stride is None or stride == [] or stride == () else stride
    return avg_pool2d(
        _as_2d(input, "avg_pool1d"),
        (1, _single(kernel_size)),
        (1, _single(stride)),
        (0, _single(padding)),
        ceil_mode,
        count_include_pad,
    ).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    return adaptive_avg_pool2d(
        _as_2d(input, "adaptive_avg_pool1d"), (1, _single(output_size))
    ).squeeze(-2)


__all__ = [
    "AdaptiveAvgPool2D",
    "AvgPool2D",
    "MaxPool2DWithIndices",
    "MaxUnpool2D",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "max_pool1d",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_unpool2d",
    "max_pool1d_with_indices",
    "max_unpool1d",
]
