"""Elementwise ops: one autograd Function per op (forward and backward side by side), the
functional API (`add(input, other, alpha=1, out=None)`) and in-place variants."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import _dtype, _trace
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..kernels.common import elementwise as E  # opcodes only; kernels come from the backend
from . import _lane
from ._common import (
    TYPE_WORD,
    broadcast_shapes,
    cast,
    check_device,
    check_inplace,
    check_internal_overlap,
    empty,
    kernels,
    operand,
    promote,
    shape_of,
    sum_to_shape,
    tracking,
    write_into,
    write_out,
)

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def binary(op: int, a, b, out_dtype=None, compute_dtype=None) -> Tensor:
    """Run binary kernel `op` on tensors/scalars a and b with broadcasting and promotion."""
    if op in _SAME_DTYPE_OPS and out_dtype is None and compute_dtype is None:
        # inside a Function's forward nothing records: the lane serves plain operands
        if (y := _lane.binary(op, a, b)) is not None:
            return y
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._storage.device is not b._storage.device:
            check_device(a, b)
        t = a
        dtype = compute_dtype or (a.dtype if a.dtype is b.dtype and a.ndim else promote(a, b))
        shape_a, shape_b = a._array.shape, b._array.shape
        shape = shape_a if shape_a == shape_b else broadcast_shapes(shape_a, shape_b)
    else:
        t = a if isinstance(a, Tensor) else b
        dtype = compute_dtype or promote(a, b)
        shape = t._array.shape
    if dtype in _dtype.HALF_TYPES:  # Numba has no half arithmetic: compute in float32
        wide_out = _dtype.float32 if out_dtype in (None, dtype) else out_dtype
        return cast(binary(op, a, b, wide_out, _dtype.float32), out_dtype or dtype)
    out = empty(shape, out_dtype or dtype, t._storage.device)
    kernels(t).binary(op, operand(a, dtype, shape), operand(b, dtype, shape), out._array)
    return out


def unary(op: int, x: Tensor, p0: float = 0.0, p1: float = 0.0, dtype=None) -> Tensor:
    if dtype is None and (y := _lane.unary(op, x, p0, p1)) is not None:
        return y
    src = x if dtype is None or x.dtype is dtype else x.to(dtype)
    if src.dtype in _dtype.HALF_TYPES:  # Numba has no half arithmetic: compute in float32
        return cast(unary(op, cast(src, _dtype.float32), p0, p1), src.dtype)
    out = empty(x.shape, src.dtype, x.device)
    kernels(x).unary(op, src._array, out._array, p0, p1)
    return out


# binary ops whose result has their (float) operands' dtype: the ones the lane may serve,
# the fused activation backwards (grad * dy/dx in one pass) among them
_SAME_DTYPE_OPS = frozenset(
    {E.ADD, E.SUB, E.MUL, E.DIV, E.RELU_BACKWARD, E.TANH_BACKWARD, E.SIGMOID_BACKWARD,
     E.SILU_BACKWARD, E.GELU_BACKWARD, E.GELU_TANH_BACKWARD}
)  # fmt: skip


def _float_dtype(*operands):
    """The dtype of an op that always returns floats (true division, exp, ...)."""
    dtype = promote(*operands)
    return dtype if dtype.is_floating_point else _dtype.get_default_dtype()


# --- binary arithmetic ------------------------------------------------------------------


class Add(BuiltinFunction):
    """a + alpha * b (Sub: a - alpha * b, the same op with the sign of b flipped)."""

    op, sign = E.ADD, 1

    @classmethod
    def forward(cls, ctx, a, b, alpha=1):
        if True in ctx.needs_input_grad:  # what backward needs, only when it will run
            ctx.shapes = (shape_of(a), shape_of(b))
            ctx.dtypes = (getattr(a, "dtype", None), getattr(b, "dtype", None))
        ctx.alpha = alpha
        if alpha != 1:
            b = binary(E.MUL, b, alpha) if isinstance(b, Tensor) else b * alpha
        return binary(cls.op, a, b)

    @classmethod
    def backward(cls, ctx, grad):
        scale = cls.sign * ctx.alpha
        grad_b = grad if scale == 1 else grad * scale
        return (
            sum_to_shape(grad, ctx.shapes[0], ctx.dtypes[0]),
            sum_to_shape(grad_b, ctx.shapes[1], ctx.dtypes[1]),
            None,
        )


class Sub(Add):
    op, sign = E.SUB, -1

    @classmethod
    def forward(cls, ctx, a, b, alpha=1):
        if _dtype.bool in (getattr(a, "dtype", None), getattr(b, "dtype", None)):
            raise RuntimeError(
                "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return super().forward(ctx, a, b, alpha)


class Mul(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)))
        ctx.scalars = (a, b)
        return binary(E.MUL, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a = a if a is not None else ctx.scalars[0]
        b = b if b is not None else ctx.scalars[1]
        need_a, need_b = ctx.needs_input_grad
        return (
            sum_to_shape(grad * b, shape_of(a), getattr(a, "dtype", None)) if need_a else None,
            sum_to_shape(grad * a, shape_of(b), getattr(b, "dtype", None)) if need_b else None,
        )


class Div(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)))
        ctx.scalars = (a, b)
        return binary(E.DIV, a, b, compute_dtype=_float_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a = a if a is not None else ctx.scalars[0]
        b = b if b is not None else ctx.scalars[1]
        need_a, need_b = ctx.needs_input_grad
        grad_a = sum_to_shape(grad / b, shape_of(a), getattr(a, "dtype", None)) if need_a else None
        grad_b = (
            sum_to_shape(-grad * a / (b * b), shape_of(b), getattr(b, "dtype", None))
            if need_b
            else None
        )
        return grad_a, grad_b


class Pow(BuiltinFunction):
    """tensor ** scalar, scalar ** tensor and tensor ** tensor."""

    @staticmethod
    def forward(ctx, a, b):
        result = binary(E.POW, a, b)
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)), result)
        ctx.scalars = (a, b)
        return result

    @staticmethod
    def backward(ctx, grad):
        a, b, result = ctx.saved_tensors
        a = a if a is not None else ctx.scalars[0]
        b = b if b is not None else ctx.scalars[1]
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:
            if isinstance(b, Tensor):
                da = b * a ** (b - 1)
            else:
                da = b * a ** (b - 1) if b != 0 else a * 0
            grad_a = sum_to_shape(grad * da, shape_of(a), a.dtype)
        if need_b:
            log_a = log(a) if isinstance(a, Tensor) else math.log(a)
            grad_b = sum_to_shape(grad * result * log_a, shape_of(b), b.dtype)
        return grad_a, grad_b


class Maximum(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary(E.MAXIMUM, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # ties split the gradient evenly, as PyTorch does
        share = (a > b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return (
            sum_to_shape(grad * share, a.shape, a.dtype),
            sum_to_shape(grad * (1 - share), b.shape, b.dtype),
        )


def _picks_first(a, b, is_max: bool):
    """Where fmax (fmin) takes a: a wins or ties, or b is NaN."""
    return logical_or(ge(a, b) if is_max else le(a, b), isnan(b))


class FmaxFmin(BuiltinFunction):
    """max (min) of a and b that ignores a NaN (NaN only when both are); the gradient goes
    to the picked operand, all of it on ties (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, a, b, is_max):
        ctx.save_for_backward(a, b)
        ctx.is_max = is_max
        return where(_picks_first(a, b, is_max), a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        picks_a = _picks_first(a, b, ctx.is_max)
        return (
            sum_to_shape(where(picks_a, grad, 0.0), a.shape, a.dtype),
            sum_to_shape(where(picks_a, 0.0, grad), b.shape, b.dtype),
            None,
        )


class Fmax(FmaxFmin):
    pass


class Fmin(FmaxFmin):
    pass


class Minimum(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary(E.MINIMUM, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        share = (a < b).to(grad.dtype) + (a == b).to(grad.dtype) * 0.5
        return (
            sum_to_shape(grad * share, a.shape, a.dtype),
            sum_to_shape(grad * (1 - share), b.shape, b.dtype),
        )


class Atan2(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary(E.ATAN2, a, b, compute_dtype=_float_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        denominator = a * a + b * b
        return (
            sum_to_shape(grad * b / denominator, a.shape, a.dtype),
            sum_to_shape(-grad * a / denominator, b.shape, b.dtype),
        )


class Remainder(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)))
        ctx.scalars = (a, b)
        return binary(E.REMAINDER, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a = a if a is not None else ctx.scalars[0]
        b = b if b is not None else ctx.scalars[1]
        grad_b = None
        if ctx.needs_input_grad[1]:
            grad_b = sum_to_shape(-grad * floor_divide(a, b), b.shape, b.dtype)
        return sum_to_shape(grad, shape_of(a), getattr(a, "dtype", None)), grad_b


# --- unary --------------------------------------------------------------------------------


class _Unary(BuiltinFunction):
    """A unary op: `op` is the kernel opcode; `derivative(x, y, params)` gives dy/dx
    as a tensor expression (differentiable again for higher-order gradients).
    `fused_backward`, where set, is (binary opcode, "x" or "y"): the whole
    grad * dy/dx in one kernel pass, used when the backward builds no graph."""

    op: int
    floating = True  # integer inputs give float outputs (exp, log, ...)
    fused_backward: tuple[int, str] | None = None
    bool_error: Exception | None = None  # what PyTorch raises for a bool input, if it does

    @classmethod
    def forward(cls, ctx, x, p0=0.0, p1=0.0):
        if cls.bool_error is not None and x.dtype is _dtype.bool:
            raise cls.bool_error
        dtype = (
            _dtype.get_default_dtype() if cls.floating and not x.dtype.is_floating_point else None
        )
        y = unary(cls.op, x, p0, p1, dtype)
        ctx.save_for_backward(x, y)
        ctx.params = (p0, p1)
        return y

    @classmethod
    def backward(cls, ctx, grad):
        x, y = ctx.saved_tensors
        if cls.fused_backward is not None and not grad_mode._state.enabled:
            # one pass instead of three (derivative, cast, multiply): ReLU's backward on
            # LeNet's 64x6x28x28 activations 150 -> ~30 us
            opcode, operand = cls.fused_backward
            return (binary(opcode, grad, x if operand == "x" else y), None, None)
        return (grad * cls.derivative(x, y, ctx.params), None, None)


def _unary_op(
    name: str, opcode: int, derivative, floating=True, node_name=None, fused=None, bool_kernel=None
):
    """bool_kernel: PyTorch's kernel name in its "... not implemented for 'Bool'" error,
    for the ops it refuses on bool tensors."""
    attributes = {"op": opcode, "floating": floating, "derivative": staticmethod(derivative),
                  "fused_backward": fused}  # fmt: skip
    if node_name:
        attributes["node_name"] = node_name
    if bool_kernel:
        attributes["bool_error"] = NotImplementedError(
            f"\"{bool_kernel}\" not implemented for 'Bool'"
        )
    return type(name, (_Unary,), attributes)


Neg = _unary_op("Neg", E.NEG, lambda x, y, p: -1, floating=False)
Abs = _unary_op("Abs", E.ABS, lambda x, y, p: sign(x), floating=False, bool_kernel="abs_cpu")
Exp = _unary_op("Exp", E.EXP, lambda x, y, p: y)
Expm1 = _unary_op("Expm1", E.EXPM1, lambda x, y, p: y + 1)
Log = _unary_op("Log", E.LOG, lambda x, y, p: 1 / x)
Log2 = _unary_op("Log2", E.LOG2, lambda x, y, p: 1 / (x * math.log(2)))
Log1p = _unary_op("Log1p", E.LOG1P, lambda x, y, p: 1 / (x + 1))
Sqrt = _unary_op("Sqrt", E.SQRT, lambda x, y, p: 0.5 / y)
Rsqrt = _unary_op("Rsqrt", E.RSQRT, lambda x, y, p: -0.5 * y / x)
Sin = _unary_op("Sin", E.SIN, lambda x, y, p: cos(x))
Cos = _unary_op("Cos", E.COS, lambda x, y, p: -sin(x))
Tanh = _unary_op("Tanh", E.TANH, lambda x, y, p: 1 - y * y, fused=(E.TANH_BACKWARD, "y"))
Sigmoid = _unary_op(
    "Sigmoid", E.SIGMOID, lambda x, y, p: y * (1 - y), fused=(E.SIGMOID_BACKWARD, "y")
)
Relu = _unary_op(
    "Relu", E.RELU, lambda x, y, p: (x > 0).to(x.dtype), floating=False,
    fused=(E.RELU_BACKWARD, "x"),
)  # fmt: skip
Relu.bool_error = RuntimeError("Boolean inputs not supported for relu")
Reciprocal = _unary_op("Reciprocal", E.RECIPROCAL, lambda x, y, p: -y * y)
Erf = _unary_op("Erf", E.ERF, lambda x, y, p: exp(-x * x) * (2 / math.sqrt(math.pi)))
Square = _unary_op(
    "Square", E.SQUARE, lambda x, y, p: 2 * x, floating=False, node_name="PowBackward0"
)
Clamp = _unary_op(
    "Clamp",
    E.CLAMP,
    lambda x, y, p: ((x >= p[0]) & (x <= p[1])).to(x.dtype),
    floating=False,
    node_name="ClampBackward1",
)
LeakyRelu = _unary_op(
    "LeakyRelu",
    E.LEAKY_RELU,
    lambda x, y, p: where(x > 0, 1.0, p[0]).to(x.dtype),
    bool_kernel="leaky_relu_cpu",
)
Elu = _unary_op(
    "Elu", E.ELU, lambda x, y, p: where(x > 0, 1.0, y + p[0]).to(x.dtype), bool_kernel="elu_cpu"
)
Silu = _unary_op(
    "Silu",
    E.SILU,
    lambda x, y, p: sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    fused=(E.SILU_BACKWARD, "x"),
    bool_kernel="silu_cpu",
)
Gelu = _unary_op(
    "Gelu",
    E.GELU,
    lambda x, y, p: (
        0.5 * (1 + erf(x * 0.7071067811865476)) + x * exp(-0.5 * x * x) * 0.3989422804014327
    ),
    fused=(E.GELU_BACKWARD, "x"),
    bool_kernel="GeluKernelImpl",
)


def _gelu_tanh_derivative(x, y, p):
    """d/dx of x sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3)."""
    s = sigmoid((x + x * x * x * 0.044715) * 1.5957691216057308)
    return s + x * s * (1 - s) * (1 + x * x * 0.134145) * 1.5957691216057308


GeluTanh = _unary_op(
    "GeluTanh",
    E.GELU_TANH,
    _gelu_tanh_derivative,
    node_name="GeluBackward0",
    fused=(E.GELU_TANH_BACKWARD, "x"),
    bool_kernel="GeluKernelImpl",
)
Softplus = _unary_op(
    "Softplus",
    E.SOFTPLUS,
    lambda x, y, p: where(x * p[0] > p[1], 1.0, sigmoid(x * p[0])).to(x.dtype),
)
_ZERO = lambda x, y, p: x * 0  # noqa: E731 - the derivative of piecewise-constant ops
Sign = _unary_op("Sign", E.SIGN, _ZERO, floating=False)
Floor = _unary_op("Floor", E.FLOOR, _ZERO, floating=False, bool_kernel="floor_vml_cpu")
Ceil = _unary_op("Ceil", E.CEIL, _ZERO, floating=False, bool_kernel="ceil_vml_cpu")
Round = _unary_op("Round", E.ROUND, _ZERO, floating=False, bool_kernel="round_vml_cpu")
Trunc = _unary_op("Trunc", E.TRUNC, _ZERO, floating=False, bool_kernel="trunc_vml_cpu")


class Where(BuiltinFunction):
    @staticmethod
    def forward(ctx, condition, a, b):
        from ._common import expanded_array

        check_device(condition, a, b)
        ctx.save_for_backward(condition)
        ctx.shapes = (shape_of(a), shape_of(b))
        ctx.dtypes = (getattr(a, "dtype", None), getattr(b, "dtype", None))
        dtype = promote(a, b)
        shape = broadcast_shapes(condition.shape, shape_of(a) or (), shape_of(b) or ())
        out = empty(shape, dtype, condition.device)
        cond = condition if condition.dtype is _dtype.bool else condition.to(_dtype.bool)
        operands = [operand(x, dtype, shape) for x in (a, b)]
        operands = [
            o if isinstance(x, Tensor) else expanded_array(full_like_scalar(x, dtype, out), shape)
            for o, x in zip(operands, (a, b))
        ]
        kernels(condition).where(expanded_array(cond, shape), *operands, out._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = grad * 0
        return (
            None,
            sum_to_shape(where(condition, grad, zero), ctx.shapes[0], ctx.dtypes[0]),
            sum_to_shape(where(condition, zero, grad), ctx.shapes[1], ctx.dtypes[1]),
        )


def full_like_scalar(value, dtype, like: Tensor) -> Tensor:
    t = empty((), dtype, like.device)
    kernels(like).fill(t._array, value)
    return t


class ToCopy(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, device, dtype):
        from .._dispatch import backend

        ctx.source = (x.device, x.dtype)
        if device == x.device:
            return _cast_copy(x, dtype)
        host = backend(x.device).to_host(x.contiguous()._array)
        moved = _from_host(host, device, x.dtype)
        return _cast_copy(moved, dtype) if moved.dtype is not dtype else moved

    @staticmethod
    def backward(ctx, grad):
        device, dtype = ctx.source
        return grad.to(device, dtype if dtype.is_floating_point else grad.dtype), None, None


def _cast_copy(x: Tensor, dtype) -> Tensor:
    out = empty(x.shape, dtype, x.device)
    kernels(x).copy(x._array, out._array)
    return out


def _from_host(host, device, dtype) -> Tensor:
    from .._dispatch import backend
    from ..tensor import from_array

    return from_array(
        backend(device).from_host(host.copy() if device.type == "cpu" else host), device, dtype
    )


class Fill(BuiltinFunction):
    """x.fill_(value) under autograd: the new values do not depend on x; a tensor value
    receives the sum of the gradient."""

    @staticmethod
    def forward(ctx, x, value):
        ctx.value_shape = shape_of(value)
        out = empty(x.shape, x.dtype, x.device)
        kernels(x).fill(out._array, value.item() if isinstance(value, Tensor) else value)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_value = grad.sum().reshape(ctx.value_shape) if ctx.value_shape is not None else None
        return grad * 0, grad_value


class Clone(BuiltinFunction):
    @staticmethod
    def forward(ctx, x):
        return _cast_copy(x, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad


# --- the functional API ---------------------------------------------------------------------


def _with_out(result: Tensor, out: Tensor | None) -> Tensor:
    return result if out is None else write_out(out, result)


def _same_view(x: Tensor, y: Tensor) -> bool:
    return (
        x._offset == y._offset
        and x._array.strides == y._array.strides
        and x._array.shape == y._array.shape
    )


def binary_into(op: int, a, b, out: Tensor) -> bool:
    """Compute op(a, b) straight into `out` (an `out=` argument or an in-place op) when no
    temporary is needed: autograd not recording, dtype and shape already out's, and no
    operand overlapping out other than out itself. False when it cannot."""
    if tracking(a, b, out) or _trace.recording():  # a trace sees only Function calls
        return False
    check_internal_overlap(out)
    if promote(a, b) is not out.dtype or out.dtype in _dtype.HALF_TYPES:
        return False
    shape = tuple(out._array.shape)
    for x in (a, b):
        if isinstance(x, Tensor):
            if x._storage is out._storage and not _same_view(x, out):
                return False
            if x._storage.device != out._storage.device:
                return False
    if broadcast_shapes(shape_of(a) or (), shape_of(b) or ()) != shape:
        return False
    kernels(out).binary(op, operand(a, out.dtype, shape), operand(b, out.dtype, shape), out._array)
    out._bump_version()
    return True


def add(input, other, *, alpha=1, out=None):
    if out is None and alpha == 1 and (y := _lane.binary(E.ADD, input, other)) is not None:
        return y
    if out is not None and alpha == 1 and binary_into(E.ADD, input, other, out):
        return out
    return _with_out(Add.apply(input, other, alpha), out)


def sub(input, other, *, alpha=1, out=None):
    if out is None and alpha == 1 and (y := _lane.binary(E.SUB, input, other)) is not None:
        return y
    if out is not None and alpha == 1 and binary_into(E.SUB, input, other, out):
        return out
    return _with_out(Sub.apply(input, other, alpha), out)


subtract = sub


def rsub(input, other, alpha=1):
    return Sub.apply(other, input * alpha if alpha != 1 else input, 1)


def mul(input, other, *, out=None):
    if out is None and (y := _lane.binary(E.MUL, input, other)) is not None:
        return y
    if out is not None and binary_into(E.MUL, input, other, out):
        return out
    return _with_out(Mul.apply(input, other), out)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if out is None and rounding_mode is None:
        if (y := _lane.binary(E.DIV, input, other)) is not None:
            return y
    if rounding_mode == "floor":
        return _with_out(floor_divide(input, other), out)
    if rounding_mode == "trunc":
        _check_divisor(input, other)
        return _with_out(trunc(Div.apply(input, other)).to(promote(input, other)), out)
    return _with_out(Div.apply(input, other), out)


divide = true_divide = div


def _check_divisor(input, other) -> None:
    """Integer division by zero has no value: PyTorch raises RuntimeError('ZeroDivisionError')
    (floating division gives inf or nan instead)."""
    if promote(input, other).is_floating_point:
        return
    zero = bool(eq(other, 0).any()) if isinstance(other, Tensor) else other == 0
    if zero:
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other, *, out=None):
    _check_divisor(input, other)
    return _with_out(binary(E.FLOOR_DIVIDE, input, other), out)


def remainder(input, other, *, out=None):
    _check_divisor(input, other)
    return _with_out(Remainder.apply(input, other), out)


def fmod(input, other):
    return input - div(input, other, rounding_mode="trunc") * other


def pow(input, exponent, *, out=None):  # noqa: A001 - PyTorch's public name
    if (
        isinstance(input, Tensor)
        and not input.dtype.is_floating_point
        and isinstance(exponent, int)
        and exponent < 0
    ):
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool) and exponent == 2:
        if isinstance(input, Tensor):
            return _with_out(square(input), out)
    return _with_out(Pow.apply(input, exponent), out)


def square(input):
    if input.dtype is _dtype.bool:  # bool ** 2 promotes to int64 in PyTorch
        input = input.to(_dtype.int64)
    return Square.apply(input)


def _tensor_operand(name: str, other) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )


def maximum(input, other, *, out=None):
    _tensor_operand("maximum", other)
    return _with_out(Maximum.apply(input, other), out)


def minimum(input, other, *, out=None):
    _tensor_operand("minimum", other)
    return _with_out(Minimum.apply(input, other), out)


def fmax(input, other, *, out=None):
    return _with_out(Fmax.apply(input, other, True), out)


def fmin(input, other, *, out=None):
    return _with_out(Fmin.apply(input, other, False), out)


def atan2(input, other):
    return Atan2.apply(input, other)


def _comparison(op):
    def compare(input, other, *, out=None):
        return _with_out(binary(op, input, other, out_dtype=_dtype.bool), out)

    return compare


eq, ne, lt, le, gt, ge = (_comparison(op) for op in (E.EQ, E.NE, E.LT, E.LE, E.GT, E.GE))
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def logical_and(input, other):
    return binary(E.LOGICAL_AND, input, other, out_dtype=_dtype.bool)


def logical_or(input, other):
    return binary(E.LOGICAL_OR, input, other, out_dtype=_dtype.bool)


def logical_xor(input, other):
    return binary(E.LOGICAL_XOR, input, other, out_dtype=_dtype.bool)


def logical_not(input):
    out = empty(input.shape, _dtype.bool, input.device)
    kernels(input).unary(E.LOGICAL_NOT, input._array, out._array, 0.0, 0.0)
    return out


def _bitwise(op, name):
    def bitwise(input, other):
        dtype = promote(input, other)
        if dtype.is_floating_point:
            raise NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{TYPE_WORD[dtype.name]}'"
            )
        if dtype is _dtype.bool:
            logical = {
                E.BITWISE_AND: E.LOGICAL_AND,
                E.BITWISE_OR: E.LOGICAL_OR,
                E.BITWISE_XOR: E.LOGICAL_XOR,
            }[op]
            return binary(logical, input, other, out_dtype=_dtype.bool)
        return binary(op, input, other)

    return bitwise


bitwise_and = _bitwise(E.BITWISE_AND, "bitwise_and")
bitwise_or = _bitwise(E.BITWISE_OR, "bitwise_or")
bitwise_xor = _bitwise(E.BITWISE_XOR, "bitwise_xor")


def bitwise_not(input):
    if input.dtype is _dtype.bool:
        return logical_not(input)
    return -input - 1


def _unary_api(function):
    op = function.op

    def api(input, *, out=None):
        if out is None and (y := _lane.unary(op, input)) is not None:
            return y
        return _with_out(function.apply(input), out)

    api.__name__ = function.__name__.lower()
    return api


def neg(input, *, out=None):
    if input.dtype is _dtype.bool:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return _with_out(Neg.apply(input), out)


negative = neg
abs = absolute = _unary_api(Abs)  # noqa: A001
sign = _unary_api(Sign)
exp = _unary_api(Exp)
expm1 = _unary_api(Expm1)
log = _unary_api(Log)
log2 = _unary_api(Log2)
log1p = _unary_api(Log1p)
sqrt = _unary_api(Sqrt)
rsqrt = _unary_api(Rsqrt)
sin = _unary_api(Sin)
cos = _unary_api(Cos)
tanh = _unary_api(Tanh)
sigmoid = _unary_api(Sigmoid)
relu = _unary_api(Relu)
reciprocal = _unary_api(Reciprocal)
erf = _unary_api(Erf)
floor = _unary_api(Floor)
ceil = _unary_api(Ceil)
round = _unary_api(Round)  # noqa: A001
trunc = _unary_api(Trunc)


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, min)
        if max is not None:
            result = minimum(result, max)
        return _with_out(result, out)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    dtype = promote(input, *(bound for bound in (min, max) if bound is not None))
    if dtype is _dtype.bool:
        kernel = "clamp_min" if max is None else "clamp_max" if min is None else "clamp"
        raise NotImplementedError(f"\"{kernel}_scalar_cpu\" not implemented for 'Bool'")
    low = -math.inf if min is None else min
    high = math.inf if max is None else max
    return _with_out(Clamp.apply(input.to(dtype), float(low), float(high)), out)


clip = clamp


def clamp_min(input, min, *, out=None):  # noqa: A002
    return clamp(input, min=min, out=out)


def clamp_max(input, max, *, out=None):  # noqa: A002
    return clamp(input, max=max, out=out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2."""
    return _with_out(add(input, mul(tensor1, tensor2), alpha=value), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (a true division: integer operands are refused,
    as in PyTorch)."""
    if not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    return _with_out(add(input, div(tensor1, tensor2), alpha=value), out)


def where(condition, input=None, other=None):
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    return Where.apply(condition, input, other)


def clone(input, *, memory_format=None):
    return Clone.apply(input)


def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input); weight a number or a tensor of input's dtype."""
    kind = "tensor" if isinstance(weight, Tensor) else "scalar"
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"lerp_kernel_{kind}\" not implemented for '{TYPE_WORD[input.dtype.name]}'"
        )
    for name, other in (("end", end), ("weight", weight)):
        if isinstance(other, Tensor) and other.dtype is not input.dtype:
            raise RuntimeError(
                f"expected dtype {TYPE_WORD[input.dtype.name].lower()} for `{name}` but got "
                f"dtype {TYPE_WORD[other.dtype.name].lower()}"
            )
    return _with_out(input + weight * (end - input), out)


def isnan(input):
    return ne(input, input)


def isinf(input):
    return eq(abs(input), math.inf) if input.dtype.is_floating_point else input != input


def isfinite(input):
    return logical_not(logical_or(isnan(input), isinf(input)))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    if not input.dtype.is_floating_point:  # integers hold no NaN or infinity
        return _with_out(input.clone(), out)
    info = _finfo(input.dtype)
    result = where(isnan(input), nan, input)
    result = where(eq(result, math.inf), info[1] if posinf is None else posinf, result)
    return _with_out(
        where(eq(result, -math.inf), info[0] if neginf is None else neginf, result), out
    )


def _finfo(dtype):
    import numpy as np

    info = np.finfo(dtype.numpy)
    return float(info.min), float(info.max)


def inplace_binary(function, op: int):
    """The in-place twin of a binary arithmetic op: straight into x's memory when
    nothing needs a temporary, else as `inplace`."""

    def method(self, other, **kwargs):
        check_inplace(self, other)
        if kwargs.get("alpha", 1) == 1 and binary_into(op, self, other, self):
            return self
        return _compute_inplace(function, self, (other,), kwargs)

    method.__name__ = function.__name__ + "_"
    return method


def inplace(function):
    """The in-place twin `x.op_(...)` of `op(x, ...)`: computes into x's memory; when
    autograd records, x's old values are kept in a clone and x takes the new history."""

    def method(self, *args, **kwargs):
        # no overlap check of the arguments: the result is computed into a temporary first
        check_inplace(self)
        return _compute_inplace(function, self, args, kwargs)

    method.__name__ = function.__name__ + "_"
    return method


def _compute_inplace(function, self, args, kwargs):
    if tracking(self, *args):
        result = function(self.clone(), *args, **kwargs)
    else:
        result = function(self, *args, **kwargs)
    return write_into(self, result)
