"""The ops that take floating-point numbers apart or put them together: `frexp` (its own
kernel, kernels/*/floating.py) and `ldexp` (input * 2**other, on the elementwise kernels),
with PyTorch's dtypes, gradients and errors."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import _dtype, return_types
from ..autograd.function import BuiltinFunction
from . import elementwise as ew
from ._common import TYPE_WORD, check_device, empty, kernels, shape_of, sum_to_shape, write_out

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


class Ldexp(BuiltinFunction):
    @staticmethod
    def forward(ctx, input, other):
        scale = ew.pow(2.0, other)
        ctx.save_for_backward(input, scale)
        ctx.meta = (shape_of(input), shape_of(other), input.dtype, other.dtype)
        return ew.mul(input, scale)

    @staticmethod
    def backward(ctx, grad):
        input, scale = ctx.saved_tensors
        input_shape, other_shape, input_dtype, other_dtype = ctx.meta
        need_input, need_other = ctx.needs_input_grad
        grad_input = sum_to_shape(grad * scale, input_shape, input_dtype) if need_input else None
        # d(x * 2**e)/de = x * 2**e * log 2
        grad_other = (
            sum_to_shape(grad * input * scale * math.log(2.0), other_shape, other_dtype)
            if need_other
            else None
        )
        return grad_input, grad_other


def ldexp(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input * 2**other, broadcast; integer operands give the default float dtype."""
    for name, t in (("input", input), ("other", other)):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"ldexp(): argument '{name}' (position {1 if name == 'input' else 2}) must be "
                f"Tensor, not {type(t).__name__}"
            )
    check_device(input, other)
    result = Ldexp.apply(input, other)
    return result if out is None else write_out(out, result)


class Frexp(BuiltinFunction):
    @staticmethod
    def forward(ctx, x):
        source = x.contiguous()
        mantissa = empty(x.shape, x.dtype, x.device)
        exponent = empty(x.shape, _dtype.int32, x.device)
        kernels(x).frexp(source._array, mantissa._array, exponent._array)
        ctx.save_for_backward(exponent)
        return mantissa, exponent

    @staticmethod
    def backward(ctx, grad_mantissa, grad_exponent):
        # mantissa = x / 2**exponent, the exponent constant between powers of two
        (exponent,) = ctx.saved_tensors
        return grad_mantissa / ew.pow(2.0, exponent).to(grad_mantissa.dtype)


def frexp(input: Tensor, *, out: tuple | None = None) -> return_types.frexp:
    """(mantissa, exponent): input = mantissa * 2**exponent with 0.5 <= |mantissa| < 1 and
    exponent int32 (0, inf and NaN give themselves and 0)."""
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if out is not None and out[1].dtype is not _dtype.int32:
        raise RuntimeError(
            "torch.frexp() expects exponent to have int dtype but got "
            f"{TYPE_WORD[out[1].dtype.name].lower()}"
        )
    if input.dtype in _dtype.HALF_TYPES:  # no half arithmetic in Numba; mantissas fit
        mantissa, exponent = Frexp.apply(input.float())
        mantissa = mantissa.to(input.dtype)
    else:
        mantissa, exponent = Frexp.apply(input)
    if out is None:
        return return_types.frexp(mantissa, exponent)
    return return_types.frexp_out(write_out(out[0], mantissa), write_out(out[1], exponent))
