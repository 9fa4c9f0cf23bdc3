"""Convolutions: one autograd Function, `Convolution` (ConvolutionBackward0), for conv2d,
conv3d and their transposes, and the functional API (conv1d/2d/3d, conv_transpose1d/2d/3d).
The 1-D forms run as 2-D convolutions over a unit height; an unbatched input gets a batch
of one.

A transposed convolution is the input-gradient of a convolution with the same weight, so
both directions share the two kernels: `conv2d_forward` and `conv2d_backward`.
"""

from __future__ import annotations

from .. import _dtype
from .._autocast import LOWER, autocast_op
from ..autograd.function import BuiltinFunction
from ..kernels.common import elementwise as E  # opcodes only
from ..tensor import Tensor
from ._common import TYPE_WORD, check_device, empty, expanded_array, kernels
from .shape import cat


def transposed_output_size(size, k, s, p, d, output_padding):
    return (size - 1) * s - 2 * p + d * (k - 1) + output_padding + 1


class Convolution(BuiltinFunction):
    """out = conv2d(x, weight) + bias, or with `transposed` its adjoint in x (the
    transposed convolution); x (N, C, H, W), weight (OC, C/groups, KH, KW), or
    (C, OC/groups, KH, KW) when transposed; conv3d likewise with a depth before H."""

    @staticmethod
    def forward(
        ctx, x, weight, bias, stride, padding, dilation, transposed, output_padding, groups
    ):
        ctx.save_for_backward(x, weight)
        ctx.meta = (stride, padding, dilation, transposed, groups)
        backend = kernels(x)
        x_c, w_c = x.contiguous(), weight.contiguous()
        kernel = weight.shape[2:]
        if transposed:
            out_channels = weight.shape[1] * groups
            out = empty(
                (x.shape[0], out_channels)
                + tuple(
                    transposed_output_size(
                        x.shape[2 + i],
                        kernel[i],
                        stride[i],
                        padding[i],
                        dilation[i],
                        output_padding[i],
                    )
                    for i in range(len(kernel))
                ),
                x.dtype,
                x.device,
            )
            # the transposed convolution is the input-gradient of the convolution that maps
            # `out`'s shape onto x's; only the shape of its first argument is read
            backend.conv2d_backward(
                out._array,
                w_c._array,
                x_c._array,
                stride,
                padding,
                dilation,
                groups,
                out._array,
                None,
                None,
            )
            if bias is not None:
                shape = tuple(out.shape)
                bias_view = bias.to(x.dtype).reshape(1, out_channels, *(1,) * len(kernel))
                backend.binary(E.ADD, out._array, expanded_array(bias_view, shape), out._array)
            return out
        sizes = tuple(
            backend.conv_output_size(x.shape[2 + i], kernel[i], stride[i], padding[i], dilation[i])
            for i in range(len(kernel))
        )
        out = empty((x.shape[0], weight.shape[0], *sizes), x.dtype, x.device)
        bias_array = None if bias is None else bias.to(x.dtype).contiguous()._array
        # the weight's gradient needs x's im2col columns: kept from here when they fit
        ctx.columns = backend.conv2d_forward(
            x_c._array,
            w_c._array,
            bias_array,
            stride,
            padding,
            dilation,
            groups,
            out._array,
            ctx.needs_input_grad[1],
        )
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        stride, padding, dilation, transposed, groups = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        backend = kernels(grad)
        grad = grad.contiguous()
        w_c = weight.contiguous()
        grad_x = empty(x.shape, x.dtype, x.device) if need_x else None
        grad_w = empty(weight.shape, weight.dtype, weight.device) if need_w else None
        grad_b = None
        if not transposed:
            grad_b = empty((weight.shape[0],), grad.dtype, grad.device) if need_b else None
            backend.conv2d_backward(
                x.contiguous()._array,
                w_c._array,
                grad._array,
                stride,
                padding,
                dilation,
                groups,
                _array(grad_x),
                _array(grad_w),
                _array(grad_b),
                ctx.columns,
            )
        else:
            # out = A^T x for the convolution A of `weight`: grad_x = A grad, and the weight
            # gradient is that of <A grad, x>, a convolution's weight gradient
            if need_x:
                backend.conv2d_forward(
                    grad._array, w_c._array, None, stride, padding, dilation, groups, grad_x._array
                )
            if need_w:
                backend.conv2d_backward(
                    grad._array,
                    w_c._array,
                    x.contiguous()._array,
                    stride,
                    padding,
                    dilation,
                    groups,
                    None,
                    grad_w._array,
                    None,
                )
            if need_b:
                grad_b = grad.sum(dim=(0, *range(2, grad.ndim)))
        return grad_x, grad_w, grad_b, None, None, None, None, None, None


def _array(t: Tensor | None):
    return None if t is None else t._array


# --- argument checks with PyTorch's messages --------------------------------------------------


def _tuple(value, n: int, name: str = "") -> tuple:
    if isinstance(value, int):
        return (value,) * n
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {n} "
            f"values to match the convolution dimensions, but got {name}="
            f"{list(value)}"
        )
    return value


def _sizes(t: Tensor) -> str:
    return str(list(t.shape))


def _check(input, weight, bias, stride, padding, dilation, groups, transposed, dims):
    """PyTorch's check_shape_forward for a `dims`-D convolution of a batched input."""
    check_device(input, weight, bias)
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight "
            f"{_sizes(weight)}, but got {input.ndim}-dimensional input of size "
            f"{_sizes(input)} instead"
        )
    w = list(weight.shape)
    if w[0] < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at "
            f"dimension 0, but got weight of size {w} instead"
        )
    if w[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} "
            f"at dimension 0, but got weight of size {w} instead"
        )
    if not transposed:
        if input.shape[1] != w[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {w}, expected input{_sizes(input)} to "
                f"have {w[1] * groups} channels, but got {input.shape[1]} channels instead"
            )
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != w[0]):
            raise RuntimeError(
                f"Given weight of size {w}, expected bias to be 1-dimensional with {w[0]} "
                f"elements, but got bias of size {_sizes(bias)} instead"
            )
        padded = [input.shape[2 + i] + 2 * padding[i] for i in range(dims)]
        kernel = [dilation[i] * (w[2 + i] - 1) + 1 for i in range(dims)]
        if any(k > p for k, p in zip(kernel, padded)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater "
                "than actual input size"
            )
    else:
        if input.shape[1] != w[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {w}, expected input{_sizes(input)} to have "
                f"{w[0]} channels, but got {input.shape[1]} channels instead"
            )
        if bias is not None and (bias.ndim != 1 or bias.shape[0] != w[1] * groups):
            raise RuntimeError(
                f"Given transposed=1, weight of size {w}, expected bias to be 1-dimensional "
                f"with {w[1] * groups} elements, but got bias of size {_sizes(bias)} instead"
            )
    if input.dtype is _dtype.bool:
        raise RuntimeError(
            f'"slow_conv2d_cpu" not implemented for '
            f"'{TYPE_WORD.get(input.dtype.name, input.dtype.name)}'"
        )
    if input.dtype is not weight.dtype:
        raise RuntimeError(
            f"Input type ({input.type()}) and weight type ({weight.type()}) should be the same"
        )
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(
            f"Input type ({input.type()}) and bias type ({bias.type()}) should be the same"
        )


def _batched(input: Tensor, dims: int, name: str) -> tuple[Tensor, bool]:
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {name}, but got "
            f"input of size: {_sizes(input)}"
        )
    if input.ndim == dims + 1:
        return input.unsqueeze(0), True
    return input, False


def _same_padding(input, weight, stride, dilation, dims):
    """padding='same': the symmetric padding, and the input with one extra zero row/column
    on the far side of each dim whose total padding is odd (as PyTorch does)."""
    if any(s != 1 for s in stride):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    padding = []
    for i in range(dims):
        total = dilation[i] * (weight.shape[2 + i] - 1)
        padding.append(total // 2)
        if total % 2:
            axis = 2 + i
            zeros_shape = list(input.shape)
            zeros_shape[axis] = 1
            input = cat([input, input.new_zeros(zeros_shape)], axis)
    return input, tuple(padding)


def _convolution(input, weight, bias, stride, padding, dilation, groups, dims, name):
    input, unbatched = _batched(input, dims, name)
    stride = _tuple(stride, dims, "stride")
    dilation = _tuple(dilation, dims, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * dims
        elif padding == "same":
            input, padding = _same_padding(input, weight, stride, dilation, dims)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    padding = _tuple(padding, dims, "padding")
    _check(input, weight, bias, stride, padding, dilation, groups, False, dims)
    if dims == 1:
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
        stride, padding, dilation = (1, *stride), (0, *padding), (1, *dilation)
    out = _apply(input, weight, bias, stride, padding, dilation, False, (0, 0), groups)
    if dims == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def _apply(input, weight, bias, *geometry):
    if input.dtype in _dtype.HALF_TYPES:  # Numba has no half arithmetic: run in float32
        wide = [None if t is None else t.float() for t in (input, weight, bias)]
        return Convolution.apply(*wide, *geometry).to(input.dtype)
    if input.dtype.is_floating_point:
        return Convolution.apply(input, weight, bias, *geometry)
    # integer tensors (no gradients): the float64 kernels are exact while every partial sum
    # stays below 2**53
    wide = [None if t is None else t.to(_dtype.float64) for t in (input, weight, bias)]
    return Convolution.apply(*wide, *geometry).to(input.dtype)


def _transposed(input, weight, bias, stride, padding, output_padding, groups, dilation, dims, name):
    input, unbatched = _batched(input, dims, name)
    stride = _tuple(stride, dims, "stride")
    padding = _tuple(padding, dims, "padding")
    dilation = _tuple(dilation, dims, "dilation")
    output_padding = _tuple(output_padding, dims, "output_padding")
    _check(input, weight, bias, stride, padding, dilation, groups, True, dims)
    for op, s, d in zip(output_padding, stride, dilation):
        if op < 0 or (op >= s and op >= d):
            # PyTorch names each axis; a 1-D convolution runs as 2-D over a unit height
            axes = ("depth", "height", "width")[-max(dims, 2) :]
            got = [
                f"{name}_{axis}: {value}"
                for name, values, unit in (
                    ("output_padding", output_padding, 0),
                    ("stride", stride, 1),
                    ("dilation", dilation, 1),
                )
                for axis, value in zip(axes, (unit,) * (len(axes) - dims) + tuple(values))
            ]
            raise RuntimeError(
                "output padding must be smaller than either stride or dilation, but got "
                + " ".join(got)
            )
        if op >= s:
            raise NotImplementedError("output_padding >= stride is not supported")
    if dims == 1:
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
        stride, padding, dilation = (1, *stride), (0, *padding), (1, *dilation)
        output_padding = (0, *output_padding)
    out = _apply(input, weight, bias, stride, padding, dilation, True, output_padding, groups)
    if dims == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


# --- the functional API ---------------------------------------------------------------------


@autocast_op(cpu=LOWER, cuda=LOWER)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


@autocast_op(cpu=LOWER, cuda=LOWER)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


@autocast_op(cpu=LOWER, cuda=LOWER)
def conv_transpose2d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    return _transposed(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        2,
        "conv_transpose2d",
    )


@autocast_op(cpu=LOWER, cuda=LOWER)
def conv_transpose1d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    return _transposed(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        1,
        "conv_transpose1d",
    )


@autocast_op(cpu=LOWER, cuda=LOWER)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


@autocast_op(cpu=LOWER, cuda=LOWER)
def conv_transpose3d(
    input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1
):
    return _transposed(
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        3,
        "conv_transpose3d",
    )


__all__ = [
    "Convolution",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
]
