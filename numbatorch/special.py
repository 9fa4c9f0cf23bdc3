"""torch.special: the special functions, under PyTorch's names there (most are also
top-level functions: numbatorch.erfinv is numbatorch.special.erfinv)."""

from __future__ import annotations

import math

from .ops.elementwise import erf, expm1, log1p, round, sigmoid, where
from .ops.pointwise import (
    digamma,
    erfc,
    erfinv,
    exp2,
    i0,
    i1,
    lgamma,
    log_ndtr,
    logit,
    polygamma,
    sinc,
    xlog1py,
    xlogy,
)
from .ops.reduction import log_softmax, logsumexp, softmax
from .tensor import Tensor

expit = sigmoid
gammaln = lgamma
psi = digamma


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF: (1 + erf(x / sqrt(2))) / 2, as erfc(-x / sqrt(2)) / 2."""
    return erfc(input * (-1 / math.sqrt(2))) * 0.5


def entr(input: Tensor) -> Tensor:
    """-x log(x) elementwise: 0 at 0, -inf for x < 0."""
    return where(input < 0, -math.inf, -xlogy(input, input))


__all__ = [
    "digamma",
    "entr",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "i0",
    "i1",
    "log1p",
    "log_ndtr",
    "log_softmax",
    "logit",
    "logsumexp",
    "ndtr",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlog1py",
    "xlogy",
]

# issue 15: the quantile of the normal law, the scaled error and Bessel functions, zeta
from .ops.pointwise import bessel_j0, bessel_j1, erfcx, i0e, i1e, ndtri, zeta  # noqa: E402

__all__ += ["bessel_j0", "bessel_j1", "erfcx", "i0e", "i1e", "ndtri", "zeta"]
