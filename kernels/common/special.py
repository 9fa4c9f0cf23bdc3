"""Scalar special functions for the elementwise kernels of both devices: digamma,
trigamma, erfinv and the modified Bessel functions I0 and I1.

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
