"""Scalar special functions for the elementwise kernels of both devices: digamma,
trigamma, erfinv, the modified Bessel functions I0 and I1 (and their scaled forms), the
Bessel functions J0 and J1, log_ndtr, ndtri, erfcx and Hurwitz's zeta.

libm (and so Numba's `math`) has none of these. Each is computed in float64 whatever the
operand's type (the kernel stores the result in the output's dtype), with the textbook
method: recurrence to a large argument and the asymptotic series (digamma, trigamma), an
initial approximation polished by Newton steps on `math.erf` (erfinv), the power series
(I0, I1: every term positive, so no cancellation).
"""

from __future__ import annotations

import math

from numba import njit

_PI = 3.141592653589793


@njit(inline="always")
def digamma(value):
    """psi(x) = d/dx ln Gamma(x); -inf at +0 and +inf at -0 (the pole's sides, as
    PyTorch), NaN at the negative integers."""
    x = float(value)
    if x == 0.0:
        return -math.copysign(math.inf, x)
    result = 0.0
    if x < 0.0:
        if x % 1.0 == 0.0:  # a pole (math.floor would overflow an int64 for huge x)
            return math.nan
        # reflection: psi(x) = psi(1 - x) - pi / tan(pi x)
        result = -_PI / math.tan(_PI * x)
        x = 1.0 - x
    # psi(x) = psi(x + 1) - 1/x until the asymptotic series is exact to ~1e-16 (x >= 10)
    while x < 10.0:
        result -= 1.0 / x
        x += 1.0
    f = 1.0 / (x * x)
    tail = f * (-1 / 12 + f * (1 / 120 + f * (-1 / 252 + f * (1 / 240 + f * (-1 / 132)))))
    return result + math.log(x) - 0.5 / x + tail


@njit(inline="always")
def trigamma(value):
    """psi'(x), the derivative of digamma (its gradient); +inf at the poles."""
    x = float(value)
    if x <= 0.0 and x % 1.0 == 0.0:
        return math.inf
    result = 0.0
    sign = 1.0
    if x < 0.0:
        # reflection: psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x)
        s = math.sin(_PI * x)
        result = _PI * _PI / (s * s)
        sign = -1.0
        x = 1.0 - x
    acc = 0.0
    while x < 10.0:
        acc += 1.0 / (x * x)
        x += 1.0
    f = 1.0 / (x * x)
    tail = (1.0 + f * (1 / 6 + f * (-1 / 30 + f * (1 / 42 + f * (-1 / 30 + f * 5 / 66))))) / x
    tail += 0.5 * f
    return result + sign * (acc + tail)


@njit(inline="always")
def erfinv(value):
    """The inverse of erf on [-1, 1]: +-inf at +-1, NaN outside. Giles' single-precision
    approximation (2010), then four Newton steps (each doubles the correct digits)."""
    y = float(value)
    if not abs(y) < 1.0:
        return math.copysign(math.inf, y) if abs(y) == 1.0 else math.nan
    a = abs(y)
    w = -math.log((1.0 - a) * (1.0 + a))
    if w < 5.0:
        w -= 2.5
        p = 2.81022636e-08
        p = 3.43273939e-07 + p * w
        p = -3.5233877e-06 + p * w
        p = -4.39150654e-06 + p * w
        p = 0.00021858087 + p * w
        p = -0.00125372503 + p * w
        p = -0.00417768164 + p * w
        p = 0.246640727 + p * w
        p = 1.50140941 + p * w
    else:
        w = math.sqrt(w) - 3.0
        p = -0.000200214257
        p = 0.000100950558 + p * w
        p = 0.00134934322 + p * w
        p = -0.00367342844 + p * w
        p = 0.00573950773 + p * w
        p = -0.0076224613 + p * w
        p = 0.00943887047 + p * w
        p = 1.00167406 + p * w
        p = 2.83297682 + p * w
    x = p * a
    for _ in range(4):
        slope = 1.1283791670955126 * math.exp(-x * x)  # d erf(x) / dx
        if a < 0.5:
            x -= (math.erf(x) - a) / slope
        else:
            # the tail: Newton on log(erfc(x)) = log(1 - a), nearly quadratic in x, with
            # 1 - a exact; on erf(x) = a the initial guess near a = 1 - 1e-15 (outside the
            # approximation's float32 range) did not converge in a few steps
            tail = math.erfc(x)
            x += (math.log(tail) - math.log(1.0 - a)) * tail / slope
    return math.copysign(x, y)


@njit(inline="always")
def bessel_i0(x):
    """I0(x) = sum_k ((x/2)^k / k!)^2."""
    q = 0.25 * float(x) * float(x)
    term = 1.0
    total = 1.0
    k = 1.0
    # the terms rise until k ~ |x|/2 and then fall fast; 1000 covers |x| up to the
    # overflow of the result (~713)
    while k < 1000.0 and term > 1e-17 * total:
        term *= q / (k * k)
        total += term
        k += 1.0
    return total


@njit(inline="always")
def bessel_i1(value):
    """I1(x) = sum_k (x/2)^(2k+1) / (k! (k+1)!)."""
    x = float(value)
    q = 0.25 * x * x
    term = 0.5 * x
    total = term
    k = 1.0
    while k < 1000.0 and abs(term) > 1e-17 * abs(total):
        term *= q / (k * (k + 1.0))
        total += term
        k += 1.0
    return total


# --- issue 15: ndtri, erfcx, the scaled Bessel functions I0e and I1e, J0 and J1, zeta -------

_LOG_SQRT_2PI = 0.9189385332046728  # log(sqrt(2 pi))
_MACHEP = 1.1102230246251565e-16  # 2^-53: zeta stops adding terms below this share


@njit(inline="always")
def log_ndtr(value):
    """log of the standard normal CDF, Phi(x) = erfc(-x / sqrt(2)) / 2, in both tails."""
    x = float(value)
    if x > 0:  # Phi near 1: log1p keeps the tiny 1 - Phi
        return math.log1p(-0.5 * math.erfc(x * 0.7071067811865476))
    if x > -30:
        return math.log(0.5 * math.erfc(x * -0.7071067811865476))
    # erfc underflows further out: Phi(x) = phi(x) / -x * (1 - 1/x^2 + 3/x^4 - ...), eight
    # terms of the series are exact to float64 below -30
    t = 1 / (x * x)
    term = 1.0
    series = 1.0
    for k in range(1, 9):
        term *= -(2 * k - 1) * t
        series += term
    return -0.5 * x * x - math.log(-x) - _LOG_SQRT_2PI + math.log(series)


@njit(inline="always")
def ndtri(value):
    """The standard normal quantile, Phi(ndtri(p)) = p: -inf at 0, inf at 1, NaN outside."""
    p = float(value)
    if not (p > 0.0 and p < 1.0):
        if p == 0.0:
            return -math.inf
        return math.inf if p == 1.0 else math.nan
    if p > 0.1 and p < 0.9:  # 2p - 1 keeps its digits here
        return 1.4142135623730951 * erfinv(2.0 * p - 1.0)
    # the tails: q the smaller tail probability (1 - p is exact for p >= 1/2), Abramowitz
    # and Stegun 26.2.23 (error < 4.5e-4) polished by Newton steps on log Phi(x) = log q,
    # whose step (log Phi(x) - log q) Phi(x) / phi(x) stays finite however far out
    q = p if p < 0.5 else 1.0 - p
    t = math.sqrt(-2.0 * math.log(q))
    x = -(t - (2.515517 + t * (0.802853 + t * 0.010328))
          / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))))  # fmt: skip
    target = math.log(q)
    for _ in range(6):
        log_cdf = log_ndtr(x)
        x -= (log_cdf - target) * math.exp(log_cdf + 0.5 * x * x + _LOG_SQRT_2PI)
    return x if p < 0.5 else -x


@njit(inline="always")
def _exp_square(x):
    """exp(x * x) with the rounding error of x * x put back (Dekker's split of x): the
    plain product's error, multiplied by x^2 in the exponent, would cost digits."""
    square = x * x
    split = 134217729.0 * x  # 2^27 + 1
    high = split - (split - x)
    low = x - high
    error = ((high * high - square) + 2.0 * high * low) + low * low
    return math.exp(square) * (1.0 + error)


@njit(inline="always")
def _erfcx_nonnegative(x):
    if x < 25.0:
        return math.erfc(x) * _exp_square(x)
    # erfc underflows past ~26: the asymptotic series 1/(x sqrt(pi)) sum (-1)^k (2k-1)!!/(2x^2)^k,
    # ten terms exact to float64 from 25 on (1/(2x^2) is 0 for huge x, giving 1/(x sqrt(pi)))
    t = 0.5 / x / x
    term = 1.0
    series = 1.0
    for k in range(1, 11):
        term *= -(2 * k - 1) * t
        series += term
    return series * 0.5641895835477563 / x


@njit(inline="always")
def erfcx(value):
    """The scaled complementary error function exp(x^2) erfc(x)."""
    x = float(value)
    if x != x:
        return x
    if x >= 0.0:
        return _erfcx_nonnegative(x)
    if x < -26.7:  # exp(x^2) overflows
        return math.inf
    return 2.0 * _exp_square(x) - _erfcx_nonnegative(-x)


@njit(inline="always")
def _bessel_i_asymptotic(x, mu):
    """exp(-x) I_nu(x) for x >= 40, mu = 4 nu^2: 1/sqrt(2 pi x) times the sum of the terms
    t_k = t_(k-1) (-(mu - (2k-1)^2)) / (8 k x); they shrink until k ~ 2x, and 30 reach
    float64's rounding from x = 40 on."""
    term = 1.0
    total = 1.0
    for k in range(1, 31):
        term *= -(mu - (2 * k - 1) * (2 * k - 1)) / (8.0 * k * x)
        total += term
    return total / math.sqrt(2.0 * _PI * x)


@njit(inline="always")
def bessel_i0e(value):
    """exp(-|x|) I0(x): the power series below 40, the asymptotic series above."""
    x = abs(float(value))
    if x < 40.0 or x != x:
        return math.exp(-x) * bessel_i0(x)
    return _bessel_i_asymptotic(x, 0.0)


@njit(inline="always")
def bessel_i1e(value):
    """exp(-|x|) I1(x) (odd, as I1)."""
    x = float(value)
    a = abs(x)
    if a < 40.0 or a != a:
        return math.exp(-a) * bessel_i1(x)
    return math.copysign(_bessel_i_asymptotic(a, 4.0), x)


@njit(inline="always")
def _bessel_j_hankel(x, mu, cos_phase, sin_phase):
    """J_nu(x) for x > 25 by Hankel's expansion, mu = 4 nu^2: sqrt(2 / (pi x)) (P cos chi -
    Q sin chi), chi = x - (nu / 2 + 1/4) pi given as its cosine and sine. The terms
    t_k = t_(k-1) (mu - (2k-1)^2) / (8 k x) alternate between P (even k) and Q (odd k)."""
    term = 1.0
    p = 1.0
    q = 0.0
    for k in range(1, 41):
        term *= (mu - (2 * k - 1) * (2 * k - 1)) / (8.0 * k * x)
        sign = -1.0 if (k // 2) % 2 == 1 else 1.0  # (-1)^(k // 2)
        if k % 2 == 0:
            p += sign * term
        else:
            q += sign * term
        if abs(term) < 1e-17:
            break
    return math.sqrt(2.0 / (_PI * x)) * (p * cos_phase - q * sin_phase)


@njit(inline="always")
def _bessel_j01_miller(x):
    """(J0(x), J1(x)) for 0 < x <= 25 by Miller's backward recurrence
    J_(k-1) = (2k / x) J_k - J_(k+1) from a tiny start far above the order, normalised by
    J0 + 2 (J2 + J4 + ...) = 1: stable where the power series cancels."""
    start = 2 * ((int(x) + int(math.sqrt(40.0 * x)) + 20) // 2)
    above = 0.0
    current = 1e-30  # J_start, up to the common factor the normalisation removes
    norm = 2.0 * current
    for k in range(start, 0, -1):
        below = (2.0 * k / x) * current - above
        above = current
        current = below  # J_(k-1)
        if (k - 1) % 2 == 0 and k > 1:
            norm += 2.0 * current
        if abs(current) > 1e250:  # keep the unnormalised values in range
            current *= 1e-250
            above *= 1e-250
            norm *= 1e-250
    norm += current
    return current / norm, above / norm


@njit(inline="always")
def bessel_j0(value):
    """J0(x), the Bessel function of the first kind of order 0 (even); NaN at +-inf, as
    PyTorch."""
    x = abs(float(value))
    if x == 0.0:
        return 1.0
    if not x > 25.0:  # NaN falls through to Miller's loop, which keeps it
        if x != x:
            return x
        return _bessel_j01_miller(x)[0]
    # chi = x - pi/4: cos chi = (cos x + sin x) / sqrt 2, sin chi = (sin x - cos x) / sqrt 2
    c, s = math.cos(x), math.sin(x)
    return _bessel_j_hankel(x, 0.0, (c + s) * 0.7071067811865476, (s - c) * 0.7071067811865476)


@njit(inline="always")
def bessel_j1(value):
    """J1(x), the Bessel function of the first kind of order 1 (odd); NaN at +-inf."""
    x = float(value)
    a = abs(x)
    if a == 0.0:
        return x
    if not a > 25.0:
        if a != a:
            return x
        j = _bessel_j01_miller(a)[1]
        return j if x > 0.0 else -j
    # chi = x - 3 pi/4: cos chi = (sin x - cos x) / sqrt 2, sin chi = -(sin x + cos x) / sqrt 2
    c, s = math.cos(a), math.sin(a)
    j = _bessel_j_hankel(a, 4.0, (s - c) * 0.7071067811865476, (s + c) * -0.7071067811865476)
    return j if x > 0.0 else -j


# the Euler-Maclaurin correction's denominators: (2j)! / B_2j
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17,
           -7.1661652561756670113e18)  # fmt: skip


@njit(inline="always")
def zeta(x_value, q_value):
    """The Hurwitz zeta function sum over k >= 0 of (k + q)^-x (Cephes' method: direct
    terms until k + q > 9, then the Euler-Maclaurin tail); inf at x = 1 and at the poles
    q = 0, -1, ...; NaN for x < 1 and for q < 0 with x not an integer."""
    x = float(x_value)
    q = float(q_value)
    if x == 1.0:
        return math.inf
    if x < 1.0:
        return math.nan
    if q <= 0.0:
        if q % 1.0 == 0.0:
            return math.inf
        if x % 1.0 != 0.0:
            return math.nan  # q^-x would be complex
    s = q**-x
    a = q
    i = 0
    b = 0.0
    while i < 9 or a <= 9.0:
        i += 1
        a += 1.0
        b = a**-x
        s += b
        if abs(b / s) < _MACHEP:
            return s
    w = a
    s += b * w / (x - 1.0)
    s -= 0.5 * b
    factor = 1.0
    k = 0.0
    for j in range(12):
        factor *= x + k
        b /= w
        t = factor * b / _ZETA_A[j]
        s += t
        if abs(t / s) < _MACHEP:
            return s
        k += 1.0
        factor *= x + k
        b /= w
        k += 1.0
    return s
