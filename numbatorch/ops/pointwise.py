"""Pointwise math beyond ops/elementwise.py: inverse trig and hyperbolic functions, other
bases, the special functions losses use (torch.special), and the binary ops hypot,
logaddexp, xlogy and copysign. Each is one opcode of the elementwise kernels (the scalar
math in kernels/cpu/elementwise.py and kernels/common/special.py, shared by both
devices) and one Function whose backward sits beside it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import _dtype
from ..autograd.function import BuiltinFunction
from ..kernels.common import elementwise as E  # opcodes only; kernels come from the backend
from ._common import TYPE_WORD, cast, empty, kernels, promote, shape_of, sum_to_shape
from .elementwise import (
    _float_dtype,
    _unary_api,
    _unary_op,
    _with_out,
    atan2,
    binary,
    eq,
    trunc,
    where,
)

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


# --- unary --------------------------------------------------------------------------------

Tan = _unary_op("Tan", E.TAN, lambda x, y, p: 1 + y * y)
Asin = _unary_op("Asin", E.ASIN, lambda x, y, p: (1 - x * x).rsqrt())
Acos = _unary_op("Acos", E.ACOS, lambda x, y, p: -(1 - x * x).rsqrt())
Atan = _unary_op("Atan", E.ATAN, lambda x, y, p: 1 / (1 + x * x))
Sinh = _unary_op("Sinh", E.SINH, lambda x, y, p: cosh(x))
Cosh = _unary_op("Cosh", E.COSH, lambda x, y, p: sinh(x))
Asinh = _unary_op("Asinh", E.ASINH, lambda x, y, p: (x * x + 1).rsqrt())
Acosh = _unary_op("Acosh", E.ACOSH, lambda x, y, p: (x * x - 1).rsqrt())
Atanh = _unary_op("Atanh", E.ATANH, lambda x, y, p: 1 / (1 - x * x))
Exp2 = _unary_op("Exp2", E.EXP2, lambda x, y, p: y * math.log(2))
Log10 = _unary_op("Log10", E.LOG10, lambda x, y, p: 1 / (x * math.log(10)))
Erfc = _unary_op("Erfc", E.ERFC, lambda x, y, p: (-x * x).exp() * (-2 / math.sqrt(math.pi)))
Erfinv = _unary_op("Erfinv", E.ERFINV, lambda x, y, p: (y * y).exp() * (math.sqrt(math.pi) / 2))
Lgamma = _unary_op("Lgamma", E.LGAMMA, lambda x, y, p: digamma(x))
Digamma = _unary_op("Digamma", E.DIGAMMA, lambda x, y, p: _trigamma(x))


def _no_trigamma_derivative(x, y, p):
    raise RuntimeError("the derivative for 'polygamma' with n = 1 is not implemented")


Trigamma = _unary_op(
    "Trigamma", E.TRIGAMMA, _no_trigamma_derivative, node_name="PolygammaBackward0"
)
I0 = _unary_op("I0", E.I0, lambda x, y, p: i1(x))
# d/dx I1(x) = I0(x) - I1(x) / x, which is 1/2 at x = 0
I1 = _unary_op("I1", E.I1, lambda x, y, p: where(x == 0, 0.5, i0(x) - y / x).to(x.dtype))
Frac = _unary_op("Frac", E.FRAC, lambda x, y, p: 1, floating=False)
# d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, 0 at x = 0
Sinc = _unary_op(
    "Sinc", E.SINC, lambda x, y, p: where(x == 0, 0.0, ((x * math.pi).cos() - y) / x).to(x.dtype)
)

# d/dx log Phi(x) = phi(x) / Phi(x) = exp(-x^2 / 2 - log Phi(x)) / sqrt(2 pi)
LogNdtr = _unary_op(
    "LogNdtr", E.LOG_NDTR, lambda x, y, p: (x * x * -0.5 - y).exp() * (1 / math.sqrt(2 * math.pi))
)


def _logit_derivative(x, y, p):
    slope = 1 / (x * (1 - x))
    if p[1]:  # clamped to [eps, 1 - eps]: flat outside, as PyTorch's logit_backward
        return where((x < p[0]) | (x > 1 - p[0]), 0.0, slope).to(x.dtype)
    return slope


Logit = _unary_op("Logit", E.LOGIT, _logit_derivative)

tan = _unary_api(Tan)
asin = arcsin = _unary_api(Asin)
acos = arccos = _unary_api(Acos)
atan = arctan = _unary_api(Atan)
sinh = _unary_api(Sinh)
cosh = _unary_api(Cosh)
asinh = arcsinh = _unary_api(Asinh)
acosh = arccosh = _unary_api(Acosh)
atanh = arctanh = _unary_api(Atanh)
exp2 = _unary_api(Exp2)
log10 = _unary_api(Log10)
erfc = _unary_api(Erfc)
erfinv = _unary_api(Erfinv)
lgamma = _unary_api(Lgamma)
digamma = _unary_api(Digamma)
_trigamma = _unary_api(Trigamma)
i0 = _unary_api(I0)
i1 = _unary_api(I1)
sinc = _unary_api(Sinc)
log_ndtr = _unary_api(LogNdtr)


def frac(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """input - trunc(input), for floating tensors (PyTorch has no integer kernel)."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"frac_cpu\" not implemented for '{TYPE_WORD[input.dtype.name]}'"
        )
    return _with_out(Frac.apply(input), out)


def logit(input: Tensor, eps: float | None = None, *, out: Tensor | None = None) -> Tensor:
    """log(p / (1 - p)); with `eps`, p is first clamped to [eps, 1 - eps]."""
    if eps is None:
        return _with_out(Logit.apply(input, 0.0, 0.0), out)
    return _with_out(Logit.apply(input, float(eps), 1.0), out)


def polygamma(n: int, input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The n-th derivative of digamma; n = 0 (digamma) and n = 1 (trigamma) only."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if n > 1:
        raise NotImplementedError(f"numbatorch: polygamma of order n = {n} (only 0 and 1)")
    return digamma(input, out=out) if n == 0 else _trigamma(input, out=out)


def signbit(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """True where the sign bit is set: negative numbers and -0.0."""
    source = cast(input, _dtype.float32) if input.dtype is _dtype.float16 else input
    result = empty(input.shape, _dtype.bool, input.device)
    kernels(input).unary(E.SIGNBIT, source._array, result._array, 0.0, 0.0)
    return _with_out(result, out)


def isposinf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _with_out(eq(input, math.inf), out)


def isneginf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _with_out(eq(input, -math.inf), out)


def deg2rad(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _with_out(input * (math.pi / 180), out)


def rad2deg(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _with_out(input * (180 / math.pi), out)


# --- binary -------------------------------------------------------------------------------


class _Binary(BuiltinFunction):
    """A binary op with float results: `op` is the kernel opcode; `derivatives(a, b, out)`
    gives (d out/d a, d out/d b) as tensor expressions, either None when not needed."""

    op: int

    @classmethod
    def forward(cls, ctx, a, b):
        out = binary(cls.op, a, b, compute_dtype=_float_dtype(a, b))
        ctx.save_for_backward(*(x if isinstance(x, Tensor) else None for x in (a, b)), out)
        ctx.scalars = (a, b)
        return out

    @classmethod
    def backward(cls, ctx, grad):
        a, b, out = ctx.saved_tensors
        a = a if a is not None else ctx.scalars[0]
        b = b if b is not None else ctx.scalars[1]
        need_a, need_b = ctx.needs_input_grad
        da, db = cls.derivatives(a, b, out, need_a, need_b)
        return (
            sum_to_shape(grad * da, shape_of(a), a.dtype) if need_a else None,
            sum_to_shape(grad * db, shape_of(b), b.dtype) if need_b and db is not None else None,
        )


class Hypot(_Binary):
    op = E.HYPOT

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        return (a / out if need_a else None), (b / out if need_b else None)


class Logaddexp(_Binary):
    op = E.LOGADDEXP

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        # d/da log(e^a + e^b) = e^a / (e^a + e^b) = sigmoid(a - b)
        return ((a - b).sigmoid() if need_a else None), ((b - a).sigmoid() if need_b else None)


class Logaddexp2(_Binary):
    op = E.LOGADDEXP2

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        scale = math.log(2)
        da = ((a - b) * scale).sigmoid() if need_a else None
        return da, (((b - a) * scale).sigmoid() if need_b else None)


class Xlogy(_Binary):
    op = E.XLOGY

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        # d/da = log(b), except 0 where a = 0 (PyTorch's xlogy(a != 0, b))
        da = xlogy((a != 0).to(out.dtype), b) if need_a else None
        return da, (a / b if need_b else None)


class Xlog1py(_Binary):
    op = E.XLOG1PY

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        da = xlog1py((a != 0).to(out.dtype), b) if need_a else None
        return da, (a / (b + 1) if need_b else None)


class Copysign(_Binary):
    op = E.COPYSIGN

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        # +-1: whether the sign flipped; 0 at a = 0 (PyTorch's rule); b gets no gradient
        da = where(a == 0, 0.0, out / a).to(out.dtype) if need_a else None
        return da, (out * 0 if need_b else None)


def _binary_api(function, name, floats_only=False):
    """The functional form; `floats_only` refuses integer operands (PyTorch has no integer
    kernel for hypot and logaddexp)."""

    def api(input, other, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor")
        dtype = promote(input, other)
        if floats_only and not dtype.is_floating_point:
            raise NotImplementedError(
                f"\"{name}_cpu\" not implemented for '{TYPE_WORD[dtype.name]}'"
            )
        return _with_out(function.apply(input, other), out)

    api.__name__ = name
    return api


hypot = _binary_api(Hypot, "hypot", floats_only=True)
logaddexp = _binary_api(Logaddexp, "logaddexp", floats_only=True)
logaddexp2 = _binary_api(Logaddexp2, "logaddexp2", floats_only=True)
xlogy = _binary_api(Xlogy, "xlogy")
xlog1py = _binary_api(Xlog1py, "xlog1py")
copysign = _binary_api(Copysign, "copysign")


def _integer_api(op: int, name: str, kernel: str):
    """gcd, lcm and the shifts: integer operands only, no gradient (as in PyTorch)."""

    def api(input, other, *, out=None):
        if not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor")
        dtype = promote(input, other)
        if dtype.is_floating_point or (dtype is _dtype.bool and op in (E.GCD, E.LCM)):
            raise NotImplementedError(
                f"\"{kernel}_cpu\" not implemented for '{TYPE_WORD[dtype.name]}'"
            )
        return _with_out(binary(op, input, other), out)

    api.__name__ = name
    return api


gcd = _integer_api(E.GCD, "gcd", "gcd")
lcm = _integer_api(E.LCM, "lcm", "lcm")
bitwise_left_shift = _integer_api(E.LEFT_SHIFT, "bitwise_left_shift", "lshift")
bitwise_right_shift = _integer_api(E.RIGHT_SHIFT, "bitwise_right_shift", "rshift")


def nextafter(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The next float after input in the direction of other, elementwise (no gradient)."""
    if promote(input, other) not in (_dtype.float32, _dtype.float64):
        raise NotImplementedError(
            f"\"nextafter_cpu\" not implemented for '{TYPE_WORD[promote(input, other).name]}'"
        )
    return _with_out(binary(E.NEXTAFTER, input, other), out)


def arctan2(input: Tensor, other: Tensor, *, out: Tensor | None = None) -> Tensor:
    return _with_out(atan2(input, other), out)


def fix(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    return trunc(input, out=out)


# --- issue 15: ndtri, erfcx, i0e, i1e, bessel_j0/j1 and zeta (torch.special) ----------------

# d/dp ndtri(p) = 1 / phi(ndtri(p)) = sqrt(2 pi) exp(y^2 / 2)
SpecialNdtri = _unary_op(
    "SpecialNdtri", E.NDTRI, lambda x, y, p: (y * y * 0.5).exp() * math.sqrt(2 * math.pi)
)
# d/dx exp(x^2) erfc(x) = 2 x erfcx(x) - 2 / sqrt(pi)
SpecialErfcx = _unary_op(
    "SpecialErfcx", E.ERFCX, lambda x, y, p: 2 * x * y - 2 / math.sqrt(math.pi)
)
# d/dx exp(-|x|) I0(x) = i1e(x) - sign(x) i0e(x)
SpecialI0E = _unary_op("SpecialI0E", E.I0E, lambda x, y, p: i1e(x) - x.sign() * y)
# d/dx exp(-|x|) I1(x) = i0e(x) - i1e(x) (sign(x) + 1 / x), which is 1/2 at x = 0
SpecialI1E = _unary_op(
    "SpecialI1E",
    E.I1E,
    lambda x, y, p: where(x == 0, 0.5, i0e(x) - y * (x.sign() + 1 / x)).to(x.dtype),
)


def _no_bessel_derivative(x, y, p):
    raise RuntimeError("the derivative of the Bessel functions J0 and J1 is not implemented")


_BesselJ0 = _unary_op("_BesselJ0", E.BESSEL_J0, _no_bessel_derivative)
_BesselJ1 = _unary_op("_BesselJ1", E.BESSEL_J1, _no_bessel_derivative)

ndtri = _unary_api(SpecialNdtri)
erfcx = _unary_api(SpecialErfcx)
i0e = _unary_api(SpecialI0E)
i1e = _unary_api(SpecialI1E)
_bessel_j0 = _unary_api(_BesselJ0)
_bessel_j1 = _unary_api(_BesselJ1)


def bessel_j0(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """J0(x), the Bessel function of the first kind of order 0; like PyTorch's, it records
    no gradient."""
    return _bessel_j0(input.detach(), out=out)


def bessel_j1(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """J1(x), the Bessel function of the first kind of order 1; records no gradient."""
    return _bessel_j1(input.detach(), out=out)


class SpecialZeta(_Binary):
    op = E.ZETA

    @staticmethod
    def derivatives(a, b, out, need_a, need_b):
        if need_a:
            raise NotImplementedError("the derivative for 'zeta' is not implemented.")
        # d/dq sum (k + q)^-x = -x sum (k + q)^-(x + 1)
        return None, -a * zeta(a + 1.0, b)


zeta = _binary_api(SpecialZeta, "zeta")
