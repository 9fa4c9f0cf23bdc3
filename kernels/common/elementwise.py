"""The elementwise ops both backends share: their opcodes and their scalar math.

Every op is an integer opcode; `apply_unary`/`apply_binary` hold the scalar math of
each op in one place (the transcendentals and activations come from fastmath.py, which
vectorise). The CPU kernels (kernels/cpu/elementwise.py) and the CUDA kernels
(kernels/cuda/elementwise.py) are built per opcode by factories that bind the op's
function (`unary_scalar`/`binary_scalar`, through `with_scalar`), so an op's math is
written once for both devices.
"""

from __future__ import annotations

import math
from types import FunctionType

import numpy as np
from numba import njit

from . import fastmath, special

# --- opcodes -----------------------------------------------------------------------------
(
    NEG,
    ABS,
    SIGN,
    EXP,
    LOG,
    LOG1P,
    SQRT,
    RSQRT,
    SIN,
    COS,
    TANH,
    SIGMOID,
    RELU,
    RECIPROCAL,
    LOGICAL_NOT,
    FLOOR,
    CEIL,
    ROUND,
    TRUNC,
    EXPM1,
    ERF,
    CLAMP,
    LEAKY_RELU,
    ELU,
    SQUARE,
    IDENTITY,
    LOG2,
    SILU,
    GELU,
    SOFTPLUS,
    GELU_TANH,
) = range(31)
# inverse trig and hyperbolic, exponents in other bases and special functions; numbered
# from 100 so that opcodes appended to the list above never collide with these
(
    TAN,
    ASIN,
    ACOS,
    ATAN,
    SINH,
    COSH,
    ASINH,
    ACOSH,
    ATANH,
    EXP2,
    LOG10,
    ERFC,
    ERFINV,
    LGAMMA,
    DIGAMMA,
    TRIGAMMA,
    I0,
    I1,
    FRAC,
    SINC,
    LOGIT,
    SIGNBIT,
    LOG_NDTR,
) = range(100, 123)

(
    ADD,
    SUB,
    MUL,
    DIV,
    FLOOR_DIVIDE,
    REMAINDER,
    POW,
    MAXIMUM,
    MINIMUM,
    EQ,
    NE,
    LT,
    LE,
    GT,
    GE,
    LOGICAL_AND,
    LOGICAL_OR,
    LOGICAL_XOR,
    ATAN2,
    RELU_BACKWARD,
    SIGMOID_BACKWARD,
    TANH_BACKWARD,
    BITWISE_AND,
    BITWISE_OR,
    BITWISE_XOR,
    GELU_BACKWARD,
    GELU_TANH_BACKWARD,
    SILU_BACKWARD,
) = range(28)
(HYPOT, LOGADDEXP, LOGADDEXP2, XLOGY, XLOG1PY, COPYSIGN) = range(100, 106)
(GCD, LCM, LEFT_SHIFT, RIGHT_SHIFT, NEXTAFTER) = range(106, 111)

COMPARISONS = frozenset({EQ, NE, LT, LE, GT, GE, LOGICAL_AND, LOGICAL_OR, LOGICAL_XOR})
UNARY_BOOL = frozenset({LOGICAL_NOT, SIGNBIT})


@njit(inline="always")
def _floor(x):
    """floor that stays a float: `math.floor` returns an int64, which large floats, inf
    and nan overflow. Python's float % 1.0 lies in [0, 1), so x - x % 1.0 is the floor."""
    if not abs(x) < 4503599627370496.0:  # 2**52: integral already, or inf/nan
        return x
    return x - x % 1.0


@njit(inline="always")
def _round_half_even(x):
    """Round half to even, like PyTorch's round (np.round does not compile for CUDA)."""
    below = _floor(x)
    rest = x - below
    if rest > 0.5 or (rest == 0.5 and below % 2.0 != 0.0):
        return below + 1.0
    return below


@njit(inline="always")
def apply_unary(op, x, p0, p1):
    """The scalar math of unary op `op`; p0/p1 are its parameters (clamp bounds, slopes)."""
    if op == NEG:
        return -x
    if op == ABS:
        return abs(x)
    if op == SIGN:
        return (x > 0) - (x < 0)
    if op == SQRT:
        return math.sqrt(x) if x >= 0 else math.nan
    if op == RSQRT:
        return 1 / math.sqrt(x) if x > 0 else (math.inf if x == 0 else math.nan)
    if op == SIN:
        return math.sin(x)
    if op == COS:
        return math.cos(x)
    if op == RELU:  # PyTorch's: 0 below zero, x itself otherwise (-0.0 and NaN kept)
        return type(x)(0) if x < 0 else x
    if op == RECIPROCAL:
        return 1 / x
    if op == LOGICAL_NOT:
        return not x
    if op == FLOOR:
        return _floor(x)
    if op == CEIL:
        return -_floor(-x)
    if op == ROUND:
        return _round_half_even(x)
    if op == TRUNC:
        return _floor(x) if x >= 0 else -_floor(-x)
    if op == CLAMP:
        return min(max(x, p0), p1)
    if op == LEAKY_RELU:
        return x if x > 0 else x * p0
    if op == SQUARE:
        return x * x
    if op == IDENTITY:
        return x
    return x


@njit(inline="always")
def apply_unary_more(op, x, p0, p1):
    """The scalar math of the unary ops numbered from 100 (why apart from `apply_unary`:
    see the kernel factories): inverse trig and hyperbolic, special functions."""
    if op == TAN:
        return math.tan(x)
    if op == ASIN:
        return math.asin(x) if abs(x) <= 1 else math.nan
    if op == ACOS:
        return math.acos(x) if abs(x) <= 1 else math.nan
    if op == ATAN:
        return math.atan(x)
    if op == SINH:
        return math.sinh(x)
    if op == COSH:
        return math.cosh(x)
    if op == ASINH:
        return math.asinh(x)
    if op == ACOSH:
        return math.acosh(x) if x >= 1 else math.nan
    if op == ATANH:
        return (
            math.atanh(x)
            if abs(x) < 1
            else (math.copysign(math.inf, x) if abs(x) == 1 else math.nan)
        )
    if op == EXP2:
        return 2.0**x
    if op == LOG10:
        return math.log10(x) if x > 0 else (-math.inf if x == 0 else math.nan)
    if op == ERFC:
        return math.erfc(x)
    if op == ERFINV:
        return special.erfinv(x)
    if op == LGAMMA:
        # the poles (0 and the negative integers): libm's lgamma raises there in Python
        return math.lgamma(x) if x > 0 or x % 1.0 != 0 else math.inf
    if op == DIGAMMA:
        return special.digamma(x)
    if op == TRIGAMMA:
        return special.trigamma(x)
    if op == I0:
        return special.bessel_i0(x)
    if op == I1:
        return special.bessel_i1(x)
    if op == FRAC:
        return x - (_floor(x) if x >= 0 else -_floor(-x))
    if op == SINC:
        if x == 0:
            return x * 0 + 1
        t = math.pi * x
        return math.sin(t) / t
    if op == LOGIT:
        # p1 != 0: clamp to [p0, 1 - p0] first (PyTorch's eps)
        z = min(max(x, p0), 1 - p0) if p1 != 0 else x
        return (
            math.log(z / (1 - z))
            if 0 < z < 1
            else (-math.inf if z == 0 else (math.inf if z == 1 else math.nan))
        )
    if op == SIGNBIT:
        return math.copysign(1.0, x) < 0
    if op == LOG_NDTR:  # log of the standard normal CDF
        return special.log_ndtr(x)
    return x


@njit(inline="always")
def apply_binary(op, x, y):
    """The scalar math of binary op `op`."""
    if op == ADD:
        return x + y
    if op == SUB:
        return x - y
    if op == MUL:
        return x * y
    if op == DIV:
        return x / y
    if op == FLOOR_DIVIDE:
        return x // y
    if op == REMAINDER:
        return x % y  # Python's sign-of-divisor rule, as torch.remainder
    if op == POW:
        return x**y
    if op == MAXIMUM:
        return x if (x >= y or x != x) else y
    if op == MINIMUM:
        return x if (x <= y or x != x) else y
    if op == EQ:
        return x == y
    if op == NE:
        return x != y
    if op == LT:
        return x < y
    if op == LE:
        return x <= y
    if op == GT:
        return x > y
    if op == GE:
        return x >= y
    if op == LOGICAL_AND:
        return (x != 0) and (y != 0)
    if op == LOGICAL_OR:
        return (x != 0) or (y != 0)
    if op == LOGICAL_XOR:
        return (x != 0) != (y != 0)
    if op == ATAN2:
        return math.atan2(x, y)
    if op == RELU_BACKWARD:  # x = grad, y = relu input; a NaN input passes grad, as in PyTorch
        return type(x)(0) if y <= 0 else x
    if op == SIGMOID_BACKWARD:  # x = grad, y = sigmoid output
        return x * y * (1 - y)
    if op == TANH_BACKWARD:  # x = grad, y = tanh output
        return x * (1 - y * y)
    if op == BITWISE_AND:
        return x & y
    if op == BITWISE_OR:
        return x | y
    if op == BITWISE_XOR:
        return x ^ y
    return x


@njit(inline="always")
def apply_binary_more(op, x, y):
    """The ops numbered from 100."""
    if op == HYPOT:
        return math.hypot(x, y)
    if op == LOGADDEXP:
        top = max(x, y)
        if x == y and abs(x) == math.inf:  # inf - inf would give NaN
            return top
        return top + math.log1p(math.exp(-abs(x - y)))
    if op == LOGADDEXP2:
        top = max(x, y)
        if x == y and abs(x) == math.inf:
            return top
        return top + math.log1p(2.0 ** (-abs(x - y))) * 1.4426950408889634
    if op == XLOGY:
        if y != y:
            return y
        return (
            x * 0 if x == 0 else x * (math.log(y) if y > 0 else (-math.inf if y == 0 else math.nan))
        )
    if op == XLOG1PY:
        if y != y:
            return y
        return (
            x * 0
            if x == 0
            else x * (math.log1p(y) if y > -1 else (-math.inf if y == -1 else math.nan))
        )
    if op == COPYSIGN:
        return math.copysign(x, y)
    return x


# --- the ops whose math is a fastmath function ----------------------------------------------
# Each op's kernels inline its own function alone, as `scalar` (see `_with_scalar`): kept
# in apply_unary they were all inlined into every unary kernel, because Numba inlines a
# helper's own callees before the kernel prunes the other opcodes' branches (a NEG kernel
# then took ~15 s of CPU to compile). Same signatures as apply_unary / apply_binary.


@njit(inline="always")
def _exp(op, x, p0, p1):
    return fastmath.exp(x)


@njit(inline="always")
def _expm1(op, x, p0, p1):
    return fastmath.expm1(x)


@njit(inline="always")
def _log(op, x, p0, p1):
    return fastmath.log(x)


@njit(inline="always")
def _log1p(op, x, p0, p1):
    return fastmath.log1p(x)


@njit(inline="always")
def _log2(op, x, p0, p1):
    return fastmath.log2(x)


@njit(inline="always")
def _tanh(op, x, p0, p1):
    return fastmath.tanh(x)


@njit(inline="always")
def _sigmoid(op, x, p0, p1):
    return fastmath.sigmoid(x)


@njit(inline="always")
def _erf(op, x, p0, p1):
    return fastmath.erf(x)


@njit(inline="always")
def _elu(op, x, p0, p1):  # p0 = alpha
    return fastmath.elu(x, p0)


@njit(inline="always")
def _silu(op, x, p0, p1):
    return fastmath.silu(x)


@njit(inline="always")
def _gelu(op, x, p0, p1):
    return fastmath.gelu(x)


@njit(inline="always")
def _gelu_tanh(op, x, p0, p1):
    return fastmath.gelu_tanh(x)


@njit(inline="always")
def _softplus(op, x, p0, p1):  # p0 = beta, p1 = threshold
    return fastmath.softplus(x, p0, p1)


@njit(inline="always")
def _gelu_backward(op, grad, x):
    return grad * fastmath.gelu_derivative(x)


@njit(inline="always")
def _gelu_tanh_backward(op, grad, x):
    return grad * fastmath.gelu_tanh_derivative(x)


@njit(inline="always")
def _silu_backward(op, grad, x):
    return grad * fastmath.silu_derivative(x)


_UNARY_SCALARS = {EXP: _exp, EXPM1: _expm1, LOG: _log, LOG1P: _log1p, LOG2: _log2,
                  TANH: _tanh, SIGMOID: _sigmoid, ERF: _erf, ELU: _elu, SILU: _silu,
                  GELU: _gelu, GELU_TANH: _gelu_tanh, SOFTPLUS: _softplus}  # fmt: skip


@njit(inline="always")
def _gcd(a, b):
    a, b = abs(a), abs(b)
    while b != 0:
        a, b = b, a % b
    return a


@njit(inline="always")
def _integer_binary(op, x, y):
    """gcd, lcm and the shifts, on integer kernels only (their own scalar function: a
    float kernel must not type `<<`). The shifts run in int64 and the store narrows to
    the dtype, which gives PyTorch's results for every shift below 64 (an int8 shifted
    left by 8 or more is 0); from 64 up, and for negative counts, PyTorch's: 0, or the
    sign for a right shift."""
    if op == GCD:
        return _gcd(x, y)
    if op == LCM:
        g = _gcd(x, y)
        return abs(x // g * y) if g != 0 else x * 0
    a, n = np.int64(x), np.int64(y)
    if op == LEFT_SHIFT:
        return a << n if 0 <= n < 64 else a * 0
    if n < 0:
        return a * 0
    return a >> n if n < 64 else (a * 0 - 1 if a < 0 else a * 0)


@njit(inline="always")
def _nextafter(op, x, y):
    return np.nextafter(x, y)


_BINARY_SCALARS = {GELU_BACKWARD: _gelu_backward, GELU_TANH_BACKWARD: _gelu_tanh_backward,
                   SILU_BACKWARD: _silu_backward, GCD: _integer_binary, LCM: _integer_binary,
                   LEFT_SHIFT: _integer_binary, RIGHT_SHIFT: _integer_binary,
                   NEXTAFTER: _nextafter}  # fmt: skip


def unary_scalar(op: int):
    """The inline function (op, x, p0, p1) -> value holding unary op `op`'s math: its
    fastmath function, `apply_unary_more` for the ops numbered from 100, else
    `apply_unary`. Numba types every branch of an inlined function whatever the opcode
    (pruning comes after inlining), so the fewer branches a kernel inlines the faster it
    compiles (with the ops from 100 inside `apply_unary`, NEG's kernel took 32 s instead
    of 16 s on a loaded host)."""
    if op in _UNARY_SCALARS:
        return _UNARY_SCALARS[op]
    return apply_unary_more if op >= 100 else apply_unary


def binary_scalar(op: int):
    """The inline function (op, x, y) -> value holding binary op `op`'s math (as
    `unary_scalar`)."""
    if op in _BINARY_SCALARS:
        return _BINARY_SCALARS[op]
    return apply_binary_more if op >= 100 else apply_binary


def with_scalar(function, scalar):
    """`function` (a kernel body closed over its opcode) with the global name `scalar`
    bound to `scalar` (see `with_globals`)."""
    return with_globals(function, scalar=scalar)


def with_globals(function, **names):
    """`function` with the global names `names` bound to the given values. Numba's cache
    keys a kernel on its bytecode and closure, not its globals, so `function` must name
    its opcode (a closure variable) itself: that keeps each op's entry apart. (A closure
    over the helper function itself would not do: a dispatcher pickles with a per-process
    id, so every run would miss the cache.)"""
    scope = {**function.__globals__, **names}
    return FunctionType(function.__code__, scope, function.__name__, function.__defaults__,
                        function.__closure__)  # fmt: skip


class Lazy(dict):
    """Builds an opcode's kernel family on first use (creating dispatchers is cheap, but
    there is no reason to create ~80 of them at import)."""

    def __init__(self, factory):
        super().__init__()
        self.factory = factory

    def __missing__(self, op):
        family = self[op] = self.factory(op)
        return family


# --- issue 15: special functions, each inlined alone into its kernels ----------------------
# numbered from 200, apart from the lists above, so that opcodes appended there never
# collide with these

(NDTRI, ERFCX, I0E, I1E, BESSEL_J0, BESSEL_J1) = range(200, 206)
(ZETA,) = range(200, 201)  # binary


@njit(inline="always")
def _ndtri(op, x, p0, p1):
    return special.ndtri(x)


@njit(inline="always")
def _erfcx(op, x, p0, p1):
    return special.erfcx(x)


@njit(inline="always")
def _i0e(op, x, p0, p1):
    return special.bessel_i0e(x)


@njit(inline="always")
def _i1e(op, x, p0, p1):
    return special.bessel_i1e(x)


@njit(inline="always")
def _bessel_j0(op, x, p0, p1):
    return special.bessel_j0(x)


@njit(inline="always")
def _bessel_j1(op, x, p0, p1):
    return special.bessel_j1(x)


@njit(inline="always")
def _zeta(op, x, y):
    return special.zeta(x, y)


_UNARY_SCALARS.update({NDTRI: _ndtri, ERFCX: _erfcx, I0E: _i0e, I1E: _i1e,
                       BESSEL_J0: _bessel_j0, BESSEL_J1: _bessel_j1})  # fmt: skip
_BINARY_SCALARS[ZETA] = _zeta
