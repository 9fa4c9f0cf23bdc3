"""Vectorisable scalar math shared by the CPU and CUDA kernels: exp, expm1, log, log1p,
log2, tanh, sigmoid, erf and the activations built on them (GELU, SiLU, softplus, ELU).

Numba has no SVML here, so `math.exp` in a loop is a scalar libm call that stops LLVM from
vectorising it (1M float32 exps: 3.3 ms against numpy's 0.35). These functions are range
reduction + polynomial, as Cephes, fdlibm and SLEEF do it, with no calls and no branches
that depend on the value (both sides of a choice are computed and one is selected), so a
loop over them vectorises. Each has a float32 and a float64 path; `is_float32(x)` is a
constant once x's type is known, so the other path is dropped at compile time. Powers of
two are built from their bits (`view`), which both Numba targets support. Each function
converts its result to x's type: Numba types a variable over both sides of `is_float32`
before LLVM drops one, so an unconverted float32 result came back as float64 and the
caller's arithmetic ran in float64 (softmax's exp after its float64 max: 2.5x slower).

Accuracy, measured by tests/test_fastmath.py against long double (or libm float64)
references over a dense sweep plus the special values, is the bound listed there per
function: within 2 ulp in float32 and 4 ulp in float64 for most.
float64 erf (and GELU on float64) calls libm's `math.erf` / `math.erfc`: a float64 erf
needs rational fits not written yet.

Never inline these into a kernel compiled with `reassoc`: the range reduction rounds by
adding and subtracting a large constant (`_MAGIC32`/`_MAGIC64`), which reassociation folds
away, and every result goes wrong (found when an attention kernel tried it). Kernels that
want `reassoc` for a sum keep it in a non-inlined helper (kernels/cpu/rows.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_MAGIC32 = 12582912.0  # 1.5 * 2**23: adding it rounds a float32 of magnitude < 2**22
_MAGIC64 = 6755399441055744.0  # 1.5 * 2**52, the same for float64
_LOG2E = 1.4426950408889634


@njit(inline="always")
def is_float32(x):
    """True for float32 x: 2**24 + 1 is not a float32. A constant per compiled type."""
    return type(x)(16777217.0) == 16777216.0


@njit(inline="always")
def _pow2_32(n):
    """2.0**n as a float32 for integer n in [-126, 127]."""
    return np.int32((n + 127) << 23).view(np.float32)


@njit(inline="always")
def _pow2_64(n):
    """2.0**n as a float64 for integer n in [-1022, 1023]."""
    return np.int64((n + 1023) << 52).view(np.float64)


# --- exp and expm1 --------------------------------------------------------------------------
# x = n ln2 + r, |r| <= ln2 / 2, with n rounded by the magic-number add (no float->int
# conversion, so no trap on NaN) and ln2 split in two (Cody-Waite) so n * ln2_hi is exact.
# e^r - 1 = r + r^2 q(r): Cephes' expf minimax for float32, Taylor to r^13 for float64.
# 2**n is applied as 2**h * 2**(n - h), h = n // 2, so results that overflow or fall into
# the subnormals are rounded once, correctly, by the last multiply.


@njit(inline="always")
def _exp_reduce32(x, low, high):
    """(n, e^r - 1) for float32 x clamped to [low, high]."""
    f = np.float32
    xc = min(max(x, f(low)), f(high))
    t = xc * f(_LOG2E) + f(_MAGIC32)
    n = np.int32(np.float32(t).view(np.int32) - np.int32(0x4B400000))
    nf = t - f(_MAGIC32)
    r = xc - nf * f(0.693359375) - nf * f(-2.12194440e-4)
    q = f(1.9875691500e-4) * r + f(1.3981999507e-3)
    q = q * r + f(8.3334519073e-3)
    q = q * r + f(4.1665795894e-2)
    q = q * r + f(1.6666665459e-1)
    q = q * r + f(5.0000001201e-1)
    return n, q * (r * r) + r


@njit(inline="always")
def _exp_reduce64(x, low, high):
    """(n, e^r - 1) for float64 x clamped to [low, high]."""
    xc = min(max(x, low), high)
    t = xc * _LOG2E + _MAGIC64
    n = np.float64(t).view(np.int64) - np.int64(0x4338000000000000)
    nf = t - _MAGIC64
    r = xc - nf * 6.93145751953125e-1 - nf * 1.42860682030941723212e-6
    q = 1.6059043836821613e-10 * r + 2.08767569878681e-09  # 1/13!, 1/12!
    q = q * r + 2.505210838544172e-08
    q = q * r + 2.755731922398589e-07
    q = q * r + 2.7557319223985893e-06
    q = q * r + 2.48015873015873e-05
    q = q * r + 1.984126984126984e-04
    q = q * r + 1.388888888888889e-03
    q = q * r + 8.333333333333333e-03
    q = q * r + 4.1666666666666664e-02
    q = q * r + 1.6666666666666666e-01
    q = q * r + 0.5
    return n, q * (r * r) + r


@njit(inline="always")
def exp(x):
    """e**x; inf, 0 and subnormals where they belong, NaN for NaN."""
    if is_float32(x):
        # clamped where the result is inf (x > 88.73) or rounds to 0 (x < -103.98)
        n, u = _exp_reduce32(x, -104.0, 89.0)
        h = n >> 1
        y = (u + np.float32(1.0)) * _pow2_32(h) * _pow2_32(n - h)
    else:
        n, u = _exp_reduce64(x, -746.0, 710.0)
        h = n >> 1
        y = (u + 1.0) * _pow2_64(h) * _pow2_64(n - h)
    return type(x)(y) if x == x else x


@njit(inline="always")
def expm1(x):
    """e**x - 1, accurate near 0: 2**n (e^r - 1) + (2**n - 1), both terms exact or
    nearly so while 2**n - 1 is exact; above that the - 1 no longer matters."""
    if is_float32(x):
        n, u = _exp_reduce32(x, -30.0, 89.0)
        h = n >> 1
        s1, s2 = _pow2_32(h), _pow2_32(n - h)
        one = np.float32(1.0)
        big = (u + one) * s1 * s2
        small = (s1 * s2) * u + (s1 * s2 - one)
        y = big if n > 25 else small
    else:
        n, u = _exp_reduce64(x, -60.0, 710.0)
        h = n >> 1
        s1, s2 = _pow2_64(h), _pow2_64(n - h)
        big = (u + 1.0) * s1 * s2
        small = (s1 * s2) * u + (s1 * s2 - 1.0)
        y = big if n > 54 else small
    # x itself for NaN, and for +-0 so that the sign of zero survives
    return type(x)(y) if (x == x and x != 0) else x


@njit(inline="always")
def _exp_wide32(a):
    """e**a for float64 a <= 0 to float32 accuracy (0 below -110), for float32 results
    whose exponent is computed in float64: the range reduction runs in float64, so every
    bit of a counts, the polynomial in float32 (half the terms of the float64 one) and
    1 + (e^r - 1) and the scaling exactly in float64."""
    ac = max(a, -110.0)
    t = ac * _LOG2E + _MAGIC64
    n = np.float64(t).view(np.int64) - np.int64(0x4338000000000000)
    # |n| <= 159, so n ln2 in one float64 constant errs by under 2**-44: far below float32
    r = np.float32(ac - (t - _MAGIC64) * 0.6931471805599453)
    f = np.float32
    q = f(1.9875691500e-4) * r + f(1.3981999507e-3)
    q = q * r + f(8.3334519073e-3)
    q = q * r + f(4.1665795894e-2)
    q = q * r + f(1.6666665459e-1)
    q = q * r + f(5.0000001201e-1)
    y = (np.float64(q * (r * r) + r) + 1.0) * _pow2_64(n)
    return y if a > -110.0 else 0.0


# --- logarithms -----------------------------------------------------------------------------
# x = 2**k m with m in [sqrt(2)/2, sqrt(2)), found from the bits with an offset so no branch
# is needed (musl's way); log(m) = f - f^2/2 + s (f^2/2 + R(s^2)), f = m - 1,
# s = f / (2 + f): fdlibm's minimax R (4 terms float32, 7 float64). Subnormal x is scaled
# up first.


@njit(inline="always")
def _log_reduce32(x):
    """(k, f, tail) with log(x) = k ln2 + f + tail for finite float32 x > 0."""
    f32 = np.float32
    sub = x < f32(1.1754943508222875e-38)
    xs = x * f32(8388608.0) if sub else x  # 2**23
    ix = np.float32(xs).view(np.int32) + np.int32(0x3F800000 - 0x3F3504F3)
    k = (ix >> 23) - 127 - (23 if sub else 0)
    f = np.int32((ix & 0x007FFFFF) + 0x3F3504F3).view(np.float32) - f32(1.0)
    s = f / (f32(2.0) + f)
    z = s * s
    w = z * z
    r = z * (f32(0.66666662693) + w * f32(0.28498786688)) + w * (
        f32(0.40000972152) + w * f32(0.24279078841)
    )
    hfsq = f32(0.5) * f * f
    return f32(k), f, s * (hfsq + r) - hfsq


@njit(inline="always")
def _log_reduce64(x):
    """(k, f, tail) with log(x) = k ln2 + f + tail for finite float64 x > 0."""
    sub = x < 2.2250738585072014e-308
    xs = x * 4503599627370496.0 if sub else x  # 2**52
    ix = np.float64(xs).view(np.int64) + np.int64(0x3FF0000000000000 - 0x3FE6A09E667F3BCD)
    k = (ix >> 52) - 1023 - (52 if sub else 0)
    f = np.int64((ix & 0x000FFFFFFFFFFFFF) + 0x3FE6A09E667F3BCD).view(np.float64) - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01
                                             + w * 1.531383769920937332e-01))  # fmt: skip
    t2 = z * (6.666666666666735130e-01 + w * (2.857142874366239149e-01
             + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)))  # fmt: skip
    hfsq = 0.5 * f * f
    return float(k), f, s * (hfsq + t1 + t2) - hfsq


@njit(inline="always")
def log(x):
    """Natural logarithm; -inf at +-0, NaN below 0, inf at inf."""
    if is_float32(x):
        k, f, tail = _log_reduce32(x)
        y = k * np.float32(6.9313812256e-01) + (f + (tail + k * np.float32(9.0580006145e-06)))
    else:
        k, f, tail = _log_reduce64(x)
        y = k * 6.93147180369123816490e-01 + (f + (tail + k * 1.90821492927058770002e-10))
    return _log_edges(x, y)


@njit(inline="always")
def _log_edges(x, y):
    """y for finite x > 0; the special values of a logarithm elsewhere."""
    inf = type(x)(math.inf)
    if x == 0:
        return -inf
    if x < 0:
        return type(x)(math.nan)
    return type(x)(y) if x < inf else x  # x: inf, or NaN


@njit(inline="always")
def log2(x):
    """Base-2 logarithm: k + log(m) / ln2, so powers of two give exact integers."""
    if is_float32(x):
        k, f, tail = _log_reduce32(x)
        y = k + (f + tail) * np.float32(_LOG2E)
    else:
        k, f, tail = _log_reduce64(x)
        y = k + (f + tail) * _LOG2E
    return _log_edges(x, y)


@njit(inline="always")
def log1p(x):
    """log(1 + x), accurate near 0: log(u), u = 1 + x rounded, plus (x - (u - 1)) / u, the
    first-order correction for that rounding."""
    one = type(x)(1.0)
    u = one + x
    c = (x - (u - one)) / u
    if is_float32(x):
        k, f, tail = _log_reduce32(u)
        y = k * np.float32(6.9313812256e-01) + (f + (tail + (k * np.float32(9.0580006145e-06)
                                                             + c)))  # fmt: skip
    else:
        k, f, tail = _log_reduce64(u)
        y = k * 6.93147180369123816490e-01 + (f + (tail + (k * 1.90821492927058770002e-10 + c)))
    y = _log_edges(u, y)
    return y if (x == x and x != 0 and u < type(x)(math.inf)) else x


# --- tanh, sigmoid --------------------------------------------------------------------------


@njit(inline="always")
def tanh(x):
    """tanh: an odd polynomial (Cephes) below 0.625, 1 - 2 / (e^{2|x|} + 1) above."""
    a = abs(x)
    z = x * x
    if is_float32(x):
        f = np.float32
        p = f(-5.70498872745e-3) * z + f(2.06390887954e-2)
        p = p * z + f(-5.37397155531e-2)
        p = p * z + f(1.33314422036e-1)
        p = p * z + f(-3.33332819422e-1)
        small = x + x * z * p
        big = f(1.0) - f(2.0) / (exp(a + a) + f(1.0))
        cut = f(0.625)
    else:
        p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z
        p = p - 1.61468768441708447952e3
        q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z
        q = q + 4.84406305325125486048e3
        small = x + x * z * (p / q)
        big = 1.0 - 2.0 / (exp(a + a) + 1.0)
        cut = 0.625
    big = big if x > 0 else -big
    y = small if a < cut else big
    return type(x)(y) if x != 0 else x  # keeps -0


@njit(inline="always")
def sigmoid(x):
    """1 / (1 + e^-x), as e^x / (1 + e^x) below 0 so that nothing overflows."""
    if is_float32(x):
        return _sigmoid32(x) if x == x else x
    w = exp(-abs(x))
    y = 1.0 / (1.0 + w)
    return type(x)(y if x >= 0 else (w * y if x == x else x))


@njit(inline="always")
def _sigmoid32(x):
    """sigmoid of a float32 x that is not NaN, all in float32: 16 lanes a vector, where
    the float64 division this replaces ran 8 (0.48x PyTorch before, 0.84x after; 1M, one
    thread, AVX-512). 1.4 ulp measured."""
    q, c = _sigmoid_parts32(x)
    w = q + c
    return w if x < 0 else np.float32(1.0) - w


@njit(inline="always")
def _sigmoid_parts32(x):
    """(q, c) with e / (1 + e) = q + c, e = e^-|x|, c below an ulp of q, in float32.
    Rounded plainly, e, 1 + e and e / (1 + e) each cost up to an ulp (2.2 ulp measured);
    so e is kept as eh + el, exactly 2**n (1 + u) (Fast2Sum), 1 + e as dh + dl, and
    q = eh / dh gets the first-order correction c = (el - q dl) / dh, which needs no
    fused multiply-add to be right (the CUDA simulator has none)."""
    f = np.float32
    one = f(1.0)
    n, u = _exp_reduce32(-abs(x), -104.0, 0.0)
    # 2**n for n in [-150, 0] as 2**(n + 24) 2**-24: e below 2**-126 rounds once, at eh
    s = _pow2_32(n + 24) * f(5.9604644775390625e-08)
    su = s * u
    eh = s + su
    el = (s - eh) + su  # exact: |su| < |s|
    dh = one + eh
    dl = ((one - dh) + eh) + el  # (1 - dh) + eh is exact: eh <= 1
    q = eh / dh
    # c is below an ulp of q, so 1 / dh (dh in [1, 2]) from the line that errs by at
    # most 6% (24/17 - 8/17 dh) leaves it accurate enough
    return q, (el - q * dl) * (f(1.411764705882353) - f(0.47058823529411764) * dh)


# --- erf ------------------------------------------------------------------------------------
# float32: erf(x) = x P(x^2) for |x| < 1; 1 - erfc(t), t = |x|, with
# erfc(t) = exp(-t^2 + R(t - 2.5)) on [1, 4] (least-squares fits of erf(x)/x and of
# log(erfc(t)) + t^2 on Chebyshev nodes); erfc(t) < 2**-25 beyond 4, so erf rounds to 1.


@njit(inline="always")
def _erfc_exponent(t):
    """R(t) - t^2, with erfc(t) = e^(R(t) - t^2) for t in [1, 4] (clamped), in t's type
    (the fit is good to 1e-9 relative)."""
    f = type(t)
    tc = min(max(t, f(1.0)), f(4.0))
    u = tc - f(2.5)
    r = f(1.6140616109e-06) * u + f(-1.3309390388e-05)
    r = r * u + f(7.7394425531e-05)
    r = r * u + f(-0.00042014456753)
    r = r * u + f(0.0021651603097)
    r = r * u + f(-0.010858517013)
    r = r * u + f(0.056106359727)
    r = r * u + f(-0.35268068107)
    r = r * u + f(-1.5568152771)
    return r - tc * tc


@njit(inline="always")
def _erfc_tail(t):
    """erfc(t) for t in [1, 4] (clamped), 0 beyond 4, computed in t's type."""
    e = exp(_erfc_exponent(t))
    return e if t <= type(t)(4.0) else type(t)(0.0)


@njit(inline="always")
def _erf_small(x):
    """erf(x) for |x| <= 1, in x's type (the fit is good to 1e-9 relative)."""
    f = type(x)
    s = x * x
    p = f(7.847259126399874e-05) * s + f(-0.0008008189322963519)
    p = p * s + f(0.005188098889374929)
    p = p * s + f(-0.026853691099700226)
    p = p * s + f(0.1128358224799246)
    p = p * s + f(-0.37612625567399205)
    p = p * s + f(0.128379165689323)  # 2 / sqrt(pi) - 1: x + x p keeps x's bits exact
    return x + x * p


@njit(inline="always")
def erf(x):
    """The error function; float64 calls libm (see the module docstring)."""
    if is_float32(x):
        t = abs(x)
        big = np.float32(1.0) - _erfc_tail(t)
        big = big if x > 0 else -big
        y = _erf_small(x) if t < np.float32(1.0) else big
        return y if x == x else x
    return type(x)(math.erf(x))


# --- activations ----------------------------------------------------------------------------


@njit(inline="always")
def gelu(x):
    """x Phi(x) = x (1 + erf(x / sqrt 2)) / 2; below x = -sqrt 2 as x erfc(|x| / sqrt 2) / 2,
    which does not cancel. float32 evaluates the fits in float64: 1 + erf(v) cancels for
    v near -1, and erfc(t) = exp(R(t) - t^2) turns an absolute error of the exponent into
    a relative error of the result (5 and 4 ulp with the fits in float32 arithmetic, even
    with t^2 split exactly); the exponential itself runs at float32 precision."""
    if is_float32(x):
        wide = np.float64(x)
        v = wide * 0.7071067811865476
        a = abs(v)
        tail = _exp_wide32(_erfc_exponent(a)) if a <= 4.0 else 0.0
        one_plus = 1.0 + _erf_small(v) if a < 1.0 else (2.0 - tail if v > 0 else tail)
        return np.float32(0.5 * wide * one_plus)
    return type(x)(0.5 * x * math.erfc(x * -0.7071067811865476))  # erfc: no cancellation


@njit(inline="always")
def gelu_tanh(x):
    """PyTorch's approximate="tanh" GELU, x (1 + tanh(u)) / 2 with
    u = sqrt(2/pi) (x + 0.044715 x^3), as x sigmoid(2u): the same value without the
    cancellation of 1 + tanh(u) for negative x. float32 computes u in float64, because
    sigmoid(2u) turns the rounding of u into a relative error 2|u| times larger, and the
    exponential at float32 precision (`_exp_wide32`)."""
    if is_float32(x):
        wide = np.float64(x)
        u = 0.7978845608028654 * (wide + 0.044715 * wide * wide * wide)
        z = u + u
        e = _exp_wide32(-abs(z))
        s = 1.0 / (1.0 + e)
        s = s if z >= 0 else e * s
        return np.float32(wide * s) if x == x else x
    u = 0.7978845608028654 * (x + 0.044715 * x * x * x)
    return x * sigmoid(u + u)


@njit(inline="always")
def gelu_derivative(x):
    """d gelu(x) / dx = Phi(x) + x phi(x) (exact GELU)."""
    cdf = type(x)(0.5) * (type(x)(1.0) + erf(x * type(x)(0.7071067811865476)))
    return cdf + x * exp(type(x)(-0.5) * x * x) * type(x)(0.3989422804014327)


@njit(inline="always")
def gelu_tanh_derivative(x):
    """d/dx of x sigmoid(2u), u as in `gelu_tanh`: s + 2 x s (1 - s) u'."""
    f = type(x)
    u = f(0.7978845608028654) * (x + f(0.044715) * x * x * x)
    s = sigmoid(u + u)
    du = f(0.7978845608028654) * (f(1.0) + f(0.134145) * x * x)
    return s + f(2.0) * x * s * (f(1.0) - s) * du


@njit(inline="always")
def silu_derivative(x):
    """d (x sigmoid(x)) / dx = s (1 + x (1 - s))."""
    s = sigmoid(x)
    return s * (type(x)(1.0) + x * (type(x)(1.0) - s))


@njit(inline="always")
def silu(x):
    """x sigmoid(x)."""
    if is_float32(x):
        # x sigmoid(x) from sigmoid's parts, x q + x c, rounded once where a multiply-add
        # contracts it (x sigmoid(x) rounded twice: 2.04 ulp; this: 1.35): as x e / (1 + e)
        # at or below 0 (-0 stays -0), x - x e / (1 + e) above. Beyond |x| = 104 q and c
        # are 0, and +inf * 0 would be NaN: x is capped for the product.
        q, c = _sigmoid_parts32(x)
        capped = min(x, np.float32(1e9))
        p = capped * q + capped * c
        y = p if x <= 0 else x - p
        return y if x == x else x
    return x * sigmoid(x)


@njit(inline="always")
def softplus(x, beta, threshold):
    """log(1 + e^{beta x}) / beta, linear above `threshold` as PyTorch does; as
    max(x, 0) + log1p(e^{-|beta x|}) / beta, which never overflows."""
    b = type(x)(beta)
    z = x * b
    # relu(x) as a select: max(x, x * 0) is NaN at x = -inf (-inf * 0)
    y = log1p(exp(-abs(z))) / b + (x if x > 0 else type(x)(0.0))
    return x if z > threshold else y


@njit(inline="always")
def elu(x, alpha):
    """x above 0, alpha (e^x - 1) at or below."""
    return x if x > 0 else type(x)(alpha) * expm1(x)


# --- ordering keys --------------------------------------------------------------------------
# max/min/argmax/argmin compare integers instead of floats: a float compare chain that also
# checks for NaN does not vectorise, an integer max does.


@njit(inline="always")
def is_float(v):
    """True for a float v (0.5 + 0.5 == 1 only there). A constant per compiled type."""
    half = type(v)(0.5)
    return half + half == type(v)(1)


@njit(inline="always")
def order_key(v, largest, zeros_equal):
    """An int64 that orders as v does, with every NaN above +inf (floats), reversed
    (bitwise not) when `largest` is False, so that an integer max finds the maximum, or
    the minimum, with NaN winning either way. -0 ranks below +0 unless `zeros_equal`
    (argmax: the first of equal values wins, and -0 == +0). Integers are their own key."""
    if not is_float(v):
        k = np.int64(v)
        return k if largest else ~k
    if is_float32(v):
        b = np.int64(np.float32(v).view(np.int32))
        k = b ^ ((b >> 31) & 0x7FFFFFFF)
        nan_key = 0x7FFFFFFF
    else:
        b = np.float64(v).view(np.int64)
        k = b ^ ((b >> 63) & 0x7FFFFFFFFFFFFFFF)
        nan_key = 0x7FFFFFFFFFFFFFFF
    k = k if (v != 0 or not zeros_equal) else k * 0  # -0 as +0
    k = k if largest else ~k
    return nan_key if v != v else k


@njit(inline="always")
def _extreme32(row, largest):
    """`extreme` of float32 values from three integer reductions of their bits b (signed
    int32), four operations an element where order keys took six: a float's bits order
    as the float among non-negatives (b >= 0) and reversed among negatives, so the max
    is max(b) when that is >= 0, else min(b); max(b & 0x7FFFFFFF) above +inf's bits finds
    a NaN. The min is the max of -x: the bits with the sign flipped (-0 < +0 for both)."""
    sign = np.int32(-2147483648)
    flip = np.int32(0) if largest else sign
    top = low = np.int32(np.float32(row[0]).view(np.int32) ^ flip)
    magnitude = np.int32(top & 0x7FFFFFFF)
    # from 0, not 1 (row[0] again changes nothing): a loop of n, not n - 1, fills whole
    # vectors on rows of a power of two (max of each row of 32: 26.5 -> 13.6 us over
    # 64K, AVX-512)
    for k in range(row.size):
        b = np.int32(np.float32(row[k]).view(np.int32) ^ flip)
        top = max(top, b)
        low = min(low, b)
        magnitude = max(magnitude, np.int32(b & 0x7FFFFFFF))
    bits = np.int32((top if top >= 0 else low) ^ flip)
    return bits.view(np.float32) if magnitude <= 0x7F800000 else np.float32(math.nan)


@njit(inline="always")
def extreme(row, largest):
    """The max (min when not `largest`) of a non-empty contiguous 1-D array in its own type,
    NaN when one is NaN: an integer max over order keys, which vectorises."""
    first = row[0]
    if is_float(first) and is_float32(first):
        return type(first)(_extreme32(row, largest))
    best_wide = order_key(first, largest, False)
    for k in range(row.size):  # from 0, as in _extreme32
        best_wide = max(best_wide, order_key(row[k], largest, False))
    return from_order_key(best_wide, first, largest)


@njit(inline="always")
def from_order_key(k, like, largest):
    """The value (of `like`'s type) whose `order_key(., largest, False)` is k."""
    k = k if largest else ~k
    if not is_float(like):
        return type(like)(k)
    if is_float32(like):
        return type(like)(np.int32(k ^ ((k >> 31) & 0x7FFFFFFF)).view(np.float32))
    return type(like)(np.int64(k ^ ((k >> 63) & 0x7FFFFFFFFFFFFFFF)).view(np.float64))
