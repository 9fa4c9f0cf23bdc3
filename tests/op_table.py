"""The shared op table and the one helper that checks every row of it.

Each `Op` row names a numbatorch callable, its numpy reference, the operands it is run on
(`cases`), the domain the random values are mapped into, the dtypes to check and whether
it is differentiable. `check_value` compares one row with numpy on contiguous inputs and
on non-contiguous views (transposed, sliced with a step, expanded); `check_gradient` runs
`numbatorch.autograd.gradcheck` in float64 on the CPU and, on other devices, compares the
gradients with the CPU's. Adding an op adds one row to `OPS`.

Compile budget: every (kernel, dtype, path) compiles a Numba kernel once, so shapes stay
tiny and most rows check float32/float64 only.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections.abc import Callable

import numpy as np
import pytest

import numbatorch as torch

FLOATS = (torch.float32, torch.float64)
F32 = (torch.float32,)
WITH_INT = (torch.float32, torch.float64, torch.int64)
LAYOUTS = ("contiguous", "transposed", "stepped", "expanded")

# value tolerances per result dtype: (rtol, atol); integer and bool results are exact
TOLERANCES = {
    torch.float16: (1e-3, 1e-3),
    torch.float32: (2e-5, 2e-6),
    torch.float64: (1e-10, 1e-12),
}


# --- the CUDA backend is written in parallel; its absence is expected, not a failure ----


def cuda_backend_missing() -> str | None:
    """Why the CUDA backend cannot run yet, or None when it can."""
    try:
        from numbatorch.kernels import cuda as backend
    except Exception as error:  # noqa: BLE001 - any import failure means "not ready"
        return f"numbatorch.kernels.cuda does not import: {error}"
    missing = [
        name for name in ("from_host", "binary", "unary", "reduce") if not hasattr(backend, name)
    ]
    return f"numbatorch.kernels.cuda lacks {', '.join(missing)}" if missing else None


def mark_device(request, device: str) -> None:
    """Mark a test running on 'cuda' xfail (non-strict) while the backend is missing."""
    if device == "cuda":
        reason = cuda_backend_missing()
        if reason:
            request.node.add_marker(pytest.mark.xfail(reason=reason, strict=False))


# --- domains: map uniform values in [-2, 2] (or integers in [-4, 4]) into an op's domain --


def positive(a):
    return np.abs(a) + 0.5


def nonzero(a):
    return np.where(np.abs(a) < 0.25, 1.0, a)


def above_minus_one(a):
    return np.abs(a) - 0.5


def integral(a):
    """Whole numbers, so comparisons see ties."""
    return np.round(a)


def large(a):
    return a * 1000.0


# --- rows -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Op:
    """One op to check. `cases` lists operand tuples: a tuple is the shape of a tensor
    operand, a Python number is passed as is. `fn(*operands)` and `ref(*arrays)` may
    return one result or a tuple. `out_dtype(input_dtype)` is the result's dtype."""

    name: str
    fn: Callable
    ref: Callable
    cases: tuple
    dtypes: tuple = FLOATS
    domain: Callable | None = None
    grad: bool = True
    layouts: tuple = LAYOUTS
    out_dtype: Callable = lambda dtype: dtype
    rtol: float | None = None
    atol: float | None = None


def op(name, fn, ref, cases, **options) -> Op:
    return Op(name, fn, ref, tuple(cases), **options)


def to_bool(dtype):
    return torch.bool


def float_result(dtype):
    return dtype if dtype.is_floating_point else torch.float32


def sum_result(dtype):
    return dtype if dtype.is_floating_point else torch.int64


def int64_result(dtype):
    return torch.int64


def values_indices(dtype):
    return dtype, torch.int64


UNARY = [((2, 3),), ((4,),), ((),)]
BINARY = [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((2, 3), ()), ((), ()), ((2, 3), 2.5)]
INT_BINARY = [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((2, 3), ()), ((2, 3), 3)]
REDUCE = [((2, 3, 4),)]
MATRIX = [((3, 4),)]


def index(values, device):
    return torch.tensor(values, device=device)


def assign(x, key, value):
    """x with x[key] = value applied to a copy (differentiable in x and value)."""
    y = x.clone() if isinstance(x, torch.Tensor) else x.copy()
    y[key] = value
    return y


def np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(a, axis):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def np_logsumexp(a, axis, keepdims=False):
    top = a.max(axis=axis, keepdims=True)
    result = np.log(np.exp(a - top).sum(axis=axis, keepdims=True)) + top
    return result if keepdims else np.squeeze(result, axis=axis)


def np_gather(a, axis, idx):
    return np.take_along_axis(a, idx, axis=axis)


def np_scatter(a, axis, idx, src, add=False):
    out = a.copy()
    for position in np.ndindex(*idx.shape):
        target = list(position)
        target[axis] = idx[position]
        if add:
            out[tuple(target)] += src[position]
        else:
            out[tuple(target)] = src[position]
    return out


def np_max_dim(a, axis, keepdims=False):
    return a.max(axis=axis, keepdims=keepdims), a.argmax(axis=axis, keepdims=keepdims)


def np_min_dim(a, axis, keepdims=False):
    return a.min(axis=axis, keepdims=keepdims), a.argmin(axis=axis, keepdims=keepdims)


def np_sort(a, axis=-1, descending=False, k=None):
    """(values, indices) of a stable sort along axis, the first k of them when k is given;
    descending is a stable ascending sort of -a (exact for the table's small values)."""
    indices = np.argsort(-a if descending else a, axis=axis, kind="stable")
    if k is not None:
        indices = np.take(indices, range(k), axis=axis)
    return np.take_along_axis(a, indices, axis=axis), indices


def inside_one(a):
    return a * 0.45


def above_one(a):
    return np.abs(a) + 1.1


def inside_zero_one(a):
    return np.abs(a) * 0.2 + 0.05


def between_poles(a):
    """Negative values at least 0.1 from digamma's poles 0, -1."""
    return -0.1 - np.abs(a) * 0.2 - (a > 0)


def np_erfinv(a):
    """erf's inverse by bisection on math.erf (to the last bit)."""

    def one(y):
        low, high = -6.0, 6.0
        for _ in range(80):
            middle = (low + high) / 2
            low, high = (middle, high) if math.erf(middle) < y else (low, middle)
        return (low + high) / 2

    return np.vectorize(one)(a)


def np_digamma(a):
    """d/dx lgamma(x) by a 4-point central difference (error ~1e-11 at these x)."""
    lgamma = np.vectorize(math.lgamma)
    h = 1e-3
    return (8 * (lgamma(a + h) - lgamma(a - h)) - (lgamma(a + 2 * h) - lgamma(a - 2 * h))) / (
        12 * h
    )


def np_i1(a):
    """I1 by its power series (60 terms are plenty for |x| <= 2)."""
    total = np.zeros_like(a)
    term = a / 2
    for k in range(1, 60):
        total = total + term
        term = term * (a * a / 4) / (k * (k + 1))
    return total


def np_logit_eps(a, eps):
    z = np.clip(a, eps, 1 - eps)
    return np.log(z / (1 - z))


def integral_apart(a):
    """Whole numbers with a fraction that differs per element, so no two rows coincide
    (a distance's gradient has a kink there)."""
    return np.round(a) + np.linspace(0.05, 0.45, a.size).reshape(a.shape)


TAKE_INDEX = [[0, 3], [2, 2], [1, 0]]


def np_rank(a, axis, k, keepdims=False):
    """(values, indices) of the k-th smallest along axis (stable on ties); k None: the
    lower median."""
    order = np.argsort(a, axis=axis, kind="stable")
    k = (a.shape[axis] - 1) // 2 if k is None else k
    position = np.take(order, [k], axis=axis)
    values = np.take_along_axis(a, position, axis=axis)
    if not keepdims:
        values, position = values.squeeze(axis), position.squeeze(axis)
    return values, position


def np_mode(a, axis):
    """(values, indices): the most frequent value along axis (the smallest on ties) and its
    last position."""
    rows = np.moveaxis(a, axis, -1).reshape(-1, a.shape[axis])
    values, indices = [], []
    for row in rows:
        distinct, counts = np.unique(row, return_counts=True)
        best = distinct[np.argmax(counts)]
        values.append(best)
        indices.append(np.nonzero(row == best)[0][-1])
    shape = np.moveaxis(a, axis, -1).shape[:-1]
    return np.array(values).reshape(shape), np.array(indices).reshape(shape)


def np_cumulative(a, axis, is_max):
    """(running max or min along axis, the last position holding it)."""
    moved = np.moveaxis(a, axis, -1)
    values, indices = np.empty_like(moved), np.empty(moved.shape, np.int64)
    for position in np.ndindex(*moved.shape[:-1]):
        best, at = moved[position][0], 0
        for j, x in enumerate(moved[position]):
            if (x >= best) if is_max else (x <= best):
                best, at = x, j
            values[position + (j,)], indices[position + (j,)] = best, at
    return np.moveaxis(values, -1, axis), np.moveaxis(indices, -1, axis)


def np_masked_scatter(a, mask, source):
    out = np.broadcast_to(a, np.broadcast_shapes(a.shape, mask.shape)).copy()
    where = np.broadcast_to(mask, out.shape)
    out[where] = source.ravel()[: where.sum()]
    return out


def np_diag_embed(a, offset):
    n = a.shape[-1] + abs(offset)
    out = np.zeros(a.shape[:-1] + (n, n), a.dtype)
    for i in range(a.shape[-1]):
        out[..., i + max(-offset, 0), i + max(offset, 0)] = a[..., i]
    return out


def np_cdist(a, b, p):
    return np.linalg.norm(a[..., :, None, :] - b[..., None, :, :], ord=p, axis=-1)


# issue 15's special functions: references from the standard library and power series
np_ndtri = np.vectorize(lambda p: statistics.NormalDist().inv_cdf(p) if 0 < p < 1 else math.nan)
np_erfcx = np.vectorize(lambda v: math.exp(v * v) * math.erfc(v))


def np_bessel_j(a, order):
    """J0 or J1 by the power series (30 terms are plenty for |x| <= 2)."""
    total = np.zeros_like(a)
    term = np.ones_like(a) if order == 0 else a / 2
    for k in range(1, 31):
        total = total + term
        term = term * -(a * a / 4) / (k * (k + order))
    return total


def np_zeta(x, q):
    """Hurwitz zeta: 200 terms, then the integral and the first Euler-Maclaurin terms."""
    n = q + 200.0
    head = sum((k + q) ** -x for k in range(200))
    return head + n ** (1 - x) / (x - 1) + 0.5 * n**-x + x / 12 * n ** (-x - 1)


F64_LAYOUTS = ("contiguous", "transposed")


# the pointwise rows whose value is also checked on transposed (strided) inputs: a unary
# op, one with parameters, one with a special function and a binary op
STRIDED_ROWS = {"tan", "logit_eps", "erfinv", "hypot"}


def pointwise(name, fn, ref, cases=UNARY, **options):
    """A row in float64 (by default on contiguous and transposed inputs)."""
    options.setdefault("layouts", F64_LAYOUTS)
    return Op(name, fn, ref, tuple(cases), dtypes=(torch.float64,), **options)


MASK_2x3 = [[True, False, True], [False, False, True]]
ROW_MASK = [[False, True, True, False]]
SCATTER_INDEX = [[2, 0], [1, 2], [0, 1]]  # unique per row: scatter's result is defined
GATHER_INDEX = [[0, 3, 3], [1, 0, 2], [2, 2, 1]]

OPS = [
    # --- binary arithmetic -------------------------------------------------------------
    op("add", torch.add, np.add, BINARY, dtypes=WITH_INT),
    op("add_alpha", lambda a, b: torch.add(a, b, alpha=2), lambda a, b: a + 2 * b, BINARY),
    op("sub", torch.sub, np.subtract, BINARY),
    op("sub_alpha", lambda a, b: torch.sub(a, b, alpha=3), lambda a, b: a - 3 * b, BINARY),
    op("mul", torch.mul, np.multiply, BINARY, dtypes=WITH_INT),
    op(
        "div",
        torch.div,
        np.true_divide,
        BINARY,
        dtypes=WITH_INT,
        domain=nonzero,
        out_dtype=float_result,
    ),
    op("true_divide", torch.true_divide, np.true_divide, BINARY[:2], dtypes=F32, domain=nonzero),
    op(
        "div_floor",
        lambda a, b: torch.div(a, b, rounding_mode="floor"),
        np.floor_divide,
        INT_BINARY,
        dtypes=(torch.float32, torch.int64),  # the floor_divide kernels: no extra compile
        domain=nonzero,
        grad=False,
    ),
    op(
        "floor_divide",
        torch.floor_divide,
        np.floor_divide,
        INT_BINARY,
        dtypes=(torch.float32, torch.int64),
        domain=nonzero,
        grad=False,
    ),
    op("remainder", torch.remainder, np.remainder, BINARY, dtypes=WITH_INT, domain=nonzero),
    op("pow_scalar", lambda a: torch.pow(a, 3), lambda a: a**3, UNARY),
    op("pow_square", lambda a: torch.pow(a, 2), lambda a: a**2, UNARY, dtypes=WITH_INT),
    op("pow_sqrt", lambda a: torch.pow(a, 0.5), np.sqrt, UNARY, domain=positive),
    op("pow_tensor", torch.pow, np.power, BINARY[:5], domain=positive),
    op("pow_scalar_base", lambda a: 2.0**a, lambda a: 2.0**a, UNARY),
    op("maximum", torch.maximum, np.maximum, BINARY[:5], dtypes=WITH_INT),
    op("minimum", torch.minimum, np.minimum, BINARY[:5]),
    # --- comparisons and logic (bool results) --------------------------------------------
    *[
        op(
            name,
            getattr(torch, name),
            ref,
            BINARY[:5] + [((2, 3), 1.0)],
            dtypes=dtypes,
            domain=integral,
            grad=False,
            out_dtype=to_bool,
        )
        for name, ref, dtypes in [
            ("eq", np.equal, (torch.float32, torch.int64)),
            ("ne", np.not_equal, F32),
            ("lt", np.less, (torch.float32, torch.int64)),
            ("le", np.less_equal, F32),
            ("gt", np.greater, F32),
            ("ge", np.greater_equal, F32),
        ]
    ],
    *[
        op(
            name,
            getattr(torch, name),
            ref,
            BINARY[:5],
            dtypes=dtypes,
            domain=integral,
            grad=False,
            out_dtype=to_bool,
        )
        for name, ref, dtypes in [
            ("logical_and", np.logical_and, (torch.bool, torch.float32)),
            ("logical_or", np.logical_or, (torch.bool,)),
            ("logical_xor", np.logical_xor, (torch.bool,)),
        ]
    ],
    op(
        "logical_not",
        torch.logical_not,
        np.logical_not,
        UNARY,
        dtypes=(torch.bool, torch.float32),
        domain=integral,
        grad=False,
        out_dtype=to_bool,
    ),
    # --- unary ------------------------------------------------------------------------------
    op("neg", torch.neg, np.negative, UNARY, dtypes=WITH_INT),
    op("abs", torch.abs, np.abs, UNARY, dtypes=WITH_INT),
    op("sign", torch.sign, np.sign, UNARY, dtypes=F32, grad=False),
    op("exp", torch.exp, np.exp, UNARY, dtypes=WITH_INT, out_dtype=float_result),
    op("log", torch.log, np.log, UNARY, domain=positive),
    op("log1p", torch.log1p, np.log1p, UNARY, domain=above_minus_one),
    op("sqrt", torch.sqrt, np.sqrt, UNARY, domain=positive),
    op("rsqrt", torch.rsqrt, lambda a: 1 / np.sqrt(a), UNARY, domain=positive),
    op("sin", torch.sin, np.sin, UNARY),
    op("cos", torch.cos, np.cos, UNARY),
    op("tanh", torch.tanh, np.tanh, UNARY),
    op("sigmoid", torch.sigmoid, lambda a: 1 / (1 + np.exp(-a)), UNARY),
    op("relu", torch.relu, lambda a: np.maximum(a, 0), UNARY),
    op(
        "clamp", lambda a: torch.clamp(a, min=-0.5, max=0.5), lambda a: np.clip(a, -0.5, 0.5), UNARY
    ),
    op("clamp_min", lambda a: torch.clamp(a, min=-0.5), lambda a: np.maximum(a, -0.5), UNARY),
    op("clamp_max", lambda a: a.clamp(max=0.5), lambda a: np.minimum(a, 0.5), UNARY),
    op(
        "clamp_tensor_bounds",
        lambda a, lo: torch.clamp(a, min=lo, max=lo + 1),
        lambda a, lo: np.minimum(np.maximum(a, lo), lo + 1),
        [((2, 3), (3,))],
    ),
    # --- reductions ----------------------------------------------------------------------
    op(
        "sum",
        torch.sum,
        np.sum,
        REDUCE + UNARY[1:],
        dtypes=WITH_INT + (torch.bool,),
        out_dtype=sum_result,
    ),
    op(
        "sum_dim",
        lambda a: a.sum(1),
        lambda a: a.sum(1),
        REDUCE,
        dtypes=WITH_INT,
        out_dtype=sum_result,
    ),
    op("sum_negative_dim", lambda a: torch.sum(a, -1), lambda a: a.sum(-1), REDUCE),
    op(
        "sum_dims_keepdim",
        lambda a: a.sum((0, 2), keepdim=True),
        lambda a: a.sum((0, 2), keepdims=True),
        REDUCE,
    ),
    op("mean", torch.mean, np.mean, REDUCE + UNARY[1:]),
    op(
        "mean_dim_keepdim",
        lambda a: a.mean(1, keepdim=True),
        lambda a: a.mean(1, keepdims=True),
        REDUCE,
    ),
    op("mean_dims", lambda a: a.mean((-1, 0)), lambda a: a.mean((0, 2)), REDUCE),
    op("prod", torch.prod, np.prod, REDUCE + UNARY[1:]),
    op("prod_dim", lambda a: a.prod(2), lambda a: a.prod(2), REDUCE),
    op("max", torch.max, np.max, REDUCE + UNARY[1:], dtypes=WITH_INT),
    op(
        "max_dim",
        lambda a: torch.max(a, 1),
        lambda a: np_max_dim(a, 1),
        REDUCE,
        dtypes=WITH_INT,
        out_dtype=values_indices,
    ),
    op(
        "max_dim_keepdim",
        lambda a: a.max(-1, keepdim=True),
        lambda a: np_max_dim(a, -1, True),
        REDUCE,
        out_dtype=values_indices,
    ),
    op("min", torch.min, np.min, REDUCE + UNARY[1:]),
    op(
        "min_dim",
        lambda a: torch.min(a, 0),
        lambda a: np_min_dim(a, 0),
        REDUCE,
        out_dtype=values_indices,
    ),
    op(
        "argmax",
        torch.argmax,
        np.argmax,
        REDUCE,
        dtypes=(torch.float32, torch.int64),
        grad=False,
        out_dtype=int64_result,
    ),
    op(
        "argmax_dim",
        lambda a: a.argmax(1),
        lambda a: a.argmax(1),
        REDUCE,
        grad=False,
        dtypes=F32,
        out_dtype=int64_result,
    ),
    op(
        "argmin_dim_keepdim",
        lambda a: torch.argmin(a, 2, keepdim=True),
        lambda a: a.argmin(2, keepdims=True),
        REDUCE,
        grad=False,
        dtypes=F32,
        out_dtype=int64_result,
    ),
    op("var", torch.var, lambda a: np.var(a, ddof=1), REDUCE + UNARY[1:2]),
    op("var_dim_biased", lambda a: a.var(1, unbiased=False), lambda a: a.var(1), REDUCE),
    op("std", torch.std, lambda a: np.std(a, ddof=1), REDUCE),
    op(
        "std_dims_keepdim",
        lambda a: a.std((0, 2), keepdim=True),
        lambda a: a.std((0, 2), ddof=1, keepdims=True),
        REDUCE,
    ),
    op("norm", torch.norm, np.linalg.norm, REDUCE + UNARY[1:2]),
    op("norm_p1_dim", lambda a: a.norm(p=1, dim=1), lambda a: np.abs(a).sum(1), REDUCE),
    op("norm_inf_dim", lambda a: a.norm(p=math.inf, dim=-1), lambda a: np.abs(a).max(-1), REDUCE),
    op("logsumexp", lambda a: torch.logsumexp(a, 1), lambda a: np_logsumexp(a, 1), REDUCE),
    op(
        "logsumexp_dims_keepdim",
        lambda a: a.logsumexp((0, 2), keepdim=True),
        lambda a: np_logsumexp(a, (0, 2), True),
        REDUCE,
    ),
    op(
        "logsumexp_large",
        lambda a: a.logsumexp(-1),
        lambda a: np_logsumexp(a, -1),
        REDUCE,
        domain=large,
        grad=False,
    ),
    op(
        "all",
        torch.all,
        np.all,
        REDUCE,
        dtypes=(torch.bool, torch.float32),
        domain=integral,
        grad=False,
        out_dtype=to_bool,
    ),
    op(
        "all_dim",
        lambda a: a.all(1),
        lambda a: a.all(1),
        REDUCE,
        dtypes=(torch.bool,),
        grad=False,
        out_dtype=to_bool,
    ),
    op(
        "any",
        torch.any,
        np.any,
        REDUCE,
        dtypes=(torch.bool, torch.float32),
        domain=integral,
        grad=False,
        out_dtype=to_bool,
    ),
    op(
        "any_dim_keepdim",
        lambda a: a.any(-1, keepdim=True),
        lambda a: a.any(-1, keepdims=True),
        REDUCE,
        dtypes=(torch.bool,),
        grad=False,
        out_dtype=to_bool,
    ),
    op(
        "cumsum",
        lambda a: torch.cumsum(a, 1),
        lambda a: np.cumsum(a, 1),
        REDUCE,
        dtypes=WITH_INT,
        out_dtype=sum_result,
    ),
    op("cumsum_negative_dim", lambda a: a.cumsum(-1), lambda a: np.cumsum(a, -1), UNARY[:2]),
    op("softmax", lambda a: torch.softmax(a, 1), lambda a: np_softmax(a, 1), REDUCE),
    op("softmax_last", lambda a: a.softmax(-1), lambda a: np_softmax(a, -1), UNARY[:2]),
    op(
        "softmax_large",
        lambda a: a.softmax(-1),
        lambda a: np_softmax(a, -1),
        REDUCE,
        domain=large,
        grad=False,
    ),
    op("log_softmax", lambda a: torch.log_softmax(a, 0), lambda a: np_log_softmax(a, 0), REDUCE),
    op(
        "log_softmax_large",
        lambda a: a.log_softmax(1),
        lambda a: np_log_softmax(a, 1),
        REDUCE,
        domain=large,
        grad=False,
    ),
    # --- views and shape ops -------------------------------------------------------------
    op(
        "view", lambda a: a.view(-1, 2), lambda a: a.reshape(-1, 2), REDUCE, layouts=("contiguous",)
    ),
    op(
        "view_shape",
        lambda a: a.view(4, 3, 2),
        lambda a: a.reshape(4, 3, 2),
        REDUCE,
        layouts=("contiguous",),
    ),
    op("reshape", lambda a: a.reshape(3, -1), lambda a: a.reshape(3, -1), REDUCE),
    op("reshape_function", lambda a: torch.reshape(a, (6,)), lambda a: a.reshape(6), [((2, 3),)]),
    op("transpose", lambda a: a.transpose(0, 2), lambda a: a.swapaxes(0, 2), REDUCE),
    op(
        "transpose_negative",
        lambda a: torch.transpose(a, -1, 0),
        lambda a: a.swapaxes(-1, 0),
        MATRIX,
    ),
    op("t", torch.t, np.transpose, MATRIX + [((4,),)]),
    op("T", lambda a: a.T, lambda a: a.T, REDUCE),
    op("permute", lambda a: a.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), REDUCE),
    op("squeeze", torch.squeeze, np.squeeze, [((2, 1, 3, 1),)]),
    op("squeeze_dim", lambda a: a.squeeze(1), lambda a: a.squeeze(1), [((2, 1, 3),)]),
    op("unsqueeze", lambda a: a.unsqueeze(0), lambda a: a[None], MATRIX + [((),)]),
    op("unsqueeze_negative", lambda a: torch.unsqueeze(a, -1), lambda a: a[..., None], MATRIX),
    op(
        "expand",
        lambda a: a.expand(2, 3, 4),
        lambda a: np.broadcast_to(a, (2, 3, 4)),
        [((3, 1),), ((1, 4),)],
    ),
    op("expand_keep", lambda a: a.expand(-1, 4), lambda a: np.broadcast_to(a, (3, 4)), [((3, 1),)]),
    op(
        "expand_as",
        lambda a, b: a.expand_as(b),
        lambda a, b: np.broadcast_to(a, b.shape),
        [((1, 4), (3, 4))],
    ),
    op("flatten", torch.flatten, np.ravel, REDUCE),
    op("flatten_from", lambda a: a.flatten(1), lambda a: a.reshape(2, 12), REDUCE),
    op("narrow", lambda a: a.narrow(1, 1, 2), lambda a: a[:, 1:3], REDUCE),
    # --- copying shape ops -------------------------------------------------------------
    op("tril", torch.tril, np.tril, MATRIX + REDUCE, dtypes=WITH_INT),
    op("tril_diagonal", lambda a: a.tril(1), lambda a: np.tril(a, 1), MATRIX),
    op("triu", torch.triu, np.triu, MATRIX + REDUCE, dtypes=WITH_INT),
    op("triu_negative_diagonal", lambda a: torch.triu(a, -1), lambda a: np.triu(a, -1), REDUCE),
    op(
        "flip",
        lambda a: torch.flip(a, (0, 2)),
        lambda a: np.flip(a, (0, 2)),
        REDUCE,
        dtypes=WITH_INT,
    ),
    op("flip_method", lambda a: a.flip(-1), lambda a: np.flip(a, -1), MATRIX + UNARY[1:2]),
    op(
        "roll",
        lambda a: torch.roll(a, (1, -2), (1, 2)),
        lambda a: np.roll(a, (1, -2), (1, 2)),
        REDUCE,
        dtypes=WITH_INT,
    ),
    op("roll_dim_twice", lambda a: a.roll((2, 3), (0, 0)), lambda a: np.roll(a, 5, 0), MATRIX),
    op("roll_flattened", lambda a: a.roll(5), lambda a: np.roll(a, 5), REDUCE + UNARY),
    op("fliplr", torch.fliplr, np.fliplr, MATRIX + REDUCE),
    op("flipud", lambda a: a.flipud(), np.flipud, REDUCE + UNARY[:2], dtypes=WITH_INT),
    # --- sorting -----------------------------------------------------------------------
    op(
        "sort",
        torch.sort,
        np_sort,
        REDUCE + UNARY[:2],
        dtypes=WITH_INT,
        out_dtype=values_indices,
    ),
    op(
        "sort_descending_dim",
        lambda a: a.sort(1, descending=True),
        lambda a: np_sort(a, 1, descending=True),
        REDUCE + MATRIX,
        dtypes=WITH_INT,
        out_dtype=values_indices,
    ),
    op(
        "argsort",
        lambda a: torch.argsort(a, dim=0, stable=True),
        lambda a: np_sort(a, 0)[1],
        REDUCE + MATRIX,
        dtypes=WITH_INT,
        grad=False,
        out_dtype=int64_result,
    ),
    op(
        "topk",
        lambda a: torch.topk(a, 2),
        lambda a: np_sort(a, -1, descending=True, k=2),
        REDUCE + MATRIX,
        dtypes=WITH_INT,
        out_dtype=values_indices,
    ),
    op(
        "topk_smallest_dim0",
        lambda a: a.topk(2, dim=0, largest=False),
        lambda a: np_sort(a, 0, k=2),
        REDUCE + MATRIX,
        out_dtype=values_indices,
    ),
    # --- diagonals, grids, differences, repeats -----------------------------------------
    op("diagonal", lambda a: a.diagonal(), np.diagonal, MATRIX + REDUCE, dtypes=WITH_INT),
    op(
        "diagonal_offset_dims",
        lambda a: torch.diagonal(a, -1, 2, 1),
        lambda a: np.diagonal(a, -1, 2, 1),
        REDUCE,
    ),
    op("diag_of_matrix", lambda a: torch.diag(a, 1), lambda a: np.diag(a, 1), MATRIX),
    op(
        "diag_of_vector",
        lambda a: a.diag(-1),
        lambda a: np.diag(a, -1),
        UNARY[1:2],
        dtypes=WITH_INT,
    ),
    op("trace", torch.trace, np.trace, MATRIX, dtypes=WITH_INT, out_dtype=sum_result),
    op("diff", torch.diff, np.diff, REDUCE + MATRIX + UNARY[1:2], dtypes=WITH_INT),
    op("diff_twice_dim0", lambda a: a.diff(2, 0), lambda a: np.diff(a, 2, 0), REDUCE),
    op(
        "diff_prepend_append",
        lambda a, b: torch.diff(a, dim=0, prepend=b, append=b),
        lambda a, b: np.diff(a, axis=0, prepend=b, append=b),
        [((3, 4), (1, 4))],
    ),
    op(
        "meshgrid",
        lambda a, b: torch.meshgrid(a, b, indexing="ij"),
        lambda a, b: np.meshgrid(a, b, indexing="ij"),
        [((3,), (2,)), ((4,), ())],
        dtypes=WITH_INT,
    ),
    op(
        "meshgrid_xy",
        lambda a, b, c: torch.meshgrid([a, b, c], indexing="xy"),
        lambda a, b, c: np.meshgrid(a, b, c, indexing="xy"),
        [((3,), (2,), (4,))],
    ),
    op(
        "repeat_interleave",
        lambda a: a.repeat_interleave(2, dim=1),
        lambda a: np.repeat(a, 2, 1),
        REDUCE + MATRIX,
        dtypes=WITH_INT,
    ),
    op(
        "repeat_interleave_flat",
        lambda a: torch.repeat_interleave(a, 3),
        lambda a: np.repeat(a, 3),
        REDUCE,
    ),
    op(
        "repeat_interleave_counts",
        lambda a: a.repeat_interleave(index([1, 0, 2], a.device), dim=0),
        lambda a: np.repeat(a, [1, 0, 2], 0),
        MATRIX,
    ),
    # --- scans and ternary/NaN-aware elementwise ------------------------------------------
    op(
        "cumprod",
        lambda a: torch.cumprod(a, 1),
        lambda a: np.cumprod(a, 1),
        REDUCE,
        dtypes=WITH_INT,
    ),
    op("cumprod_method", lambda a: a.cumprod(-1), lambda a: np.cumprod(a, -1), UNARY[:2]),
    op(
        "addcmul",
        lambda a, b, c: torch.addcmul(a, b, c, value=0.5),
        lambda a, b, c: a + 0.5 * b * c,
        [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1))],
    ),
    op(
        "addcdiv",
        lambda a, b, c: a.addcdiv(b, c, value=-2),
        lambda a, b, c: a - 2 * b / c,
        [((2, 3), (2, 3), (2, 3)), ((2, 3), (3,), (2, 1))],
        domain=nonzero,
    ),
    op("fmax", torch.fmax, np.fmax, BINARY[:5], dtypes=WITH_INT),
    op("fmin", lambda a, b: a.fmin(b), np.fmin, BINARY[:5]),
    op("clamp_min", lambda a: torch.clamp_min(a, 0.5), lambda a: np.maximum(a, 0.5), UNARY),
    op("clamp_max", lambda a: a.clamp_max(-0.5), lambda a: np.minimum(a, -0.5), UNARY),
    # --- basic indexing: read --------------------------------------------------------------
    op("getitem_int", lambda a: a[1], lambda a: a[1], REDUCE),
    op("getitem_negative_int", lambda a: a[-1, -2], lambda a: a[-1, -2], REDUCE),
    op("getitem_slices", lambda a: a[:, 1:3], lambda a: a[:, 1:3], REDUCE),
    op("getitem_step", lambda a: a[::2, 1::2], lambda a: a[::2, 1::2], REDUCE),
    op("getitem_negative_slice", lambda a: a[-2:, :-1], lambda a: a[-2:, :-1], REDUCE),
    op("getitem_none_ellipsis", lambda a: a[None, ..., 1], lambda a: a[None, ..., 1], REDUCE),
    op("getitem_ellipsis_end", lambda a: a[1, ...], lambda a: a[1, ...], REDUCE),
    op("getitem_scalar", lambda a: a[1, 2, 3], lambda a: a[1, 2, 3], REDUCE),
    # --- advanced indexing: read -----------------------------------------------------------
    op(
        "getitem_index_tensor",
        lambda a: a[index([2, 0, 2], a.device)],
        lambda a: a[[2, 0, 2]],
        MATRIX,
    ),
    op(
        "getitem_index_tensor_dim1",
        lambda a: a[:, index([3, -1, 0], a.device)],
        lambda a: a[:, [3, -1, 0]],
        MATRIX,
    ),
    op(
        "getitem_index_pair",
        lambda a: a[index([0, 2], a.device), index([1, 3], a.device)],
        lambda a: a[[0, 2], [1, 3]],
        MATRIX,
    ),
    op(
        "getitem_index_2d",
        lambda a: a[index([[0, 1], [2, 2]], a.device)],
        lambda a: a[[[0, 1], [2, 2]]],
        MATRIX,
    ),
    op("getitem_list", lambda a: a[[1, 0]], lambda a: a[[1, 0]], MATRIX),
    op(
        "getitem_mask",
        lambda a: a[index(MASK_2x3, a.device)],
        lambda a: a[np.array(MASK_2x3)],
        [((2, 3),)],
    ),
    op("getitem_mask_computed", lambda a: a[a > 0], lambda a: a[a > 0], MATRIX),
    op(
        "getitem_mask_rows",
        lambda a: a[index([True, False, True], a.device)],
        lambda a: a[np.array([True, False, True])],
        MATRIX,
    ),
    # --- indexing ops ------------------------------------------------------------------------
    op(
        "index_select",
        lambda a: torch.index_select(a, 0, index([2, 0, 2], a.device)),
        lambda a: a[[2, 0, 2]],
        MATRIX,
    ),
    op(
        "index_select_dim1",
        lambda a: a.index_select(1, index([3, 1], a.device)),
        lambda a: a[:, [3, 1]],
        MATRIX,
    ),
    op(
        "gather",
        lambda a: torch.gather(a, 1, index(GATHER_INDEX, a.device)),
        lambda a: np_gather(a, 1, np.array(GATHER_INDEX)),
        MATRIX,
    ),
    op(
        "gather_dim0",
        lambda a: a.gather(0, index([[2, 0, 1, 1]], a.device)),
        lambda a: np_gather(a, 0, np.array([[2, 0, 1, 1]])),
        MATRIX,
    ),
    op(
        "scatter",
        lambda a, s: a.scatter(1, index(SCATTER_INDEX, a.device), s),
        lambda a, s: np_scatter(a, 1, np.array(SCATTER_INDEX), s),
        [((3, 4), (3, 2))],
    ),
    op(
        "scatter_value",
        lambda a: torch.scatter(a, 1, index(SCATTER_INDEX, a.device), 7.0),
        lambda a: np_scatter(a, 1, np.array(SCATTER_INDEX), np.full((3, 2), 7.0)),
        MATRIX,
    ),
    op(
        "scatter_add",
        lambda a, s: a.scatter_add(0, index([[0, 1, 0, 0], [0, 2, 2, 1]], a.device), s),
        lambda a, s: np_scatter(a, 0, np.array([[0, 1, 0, 0], [0, 2, 2, 1]]), s, add=True),
        [((3, 4), (2, 4))],
    ),
    op(
        "masked_fill",
        lambda a: a.masked_fill(index(MASK_2x3, a.device), -1.0),
        lambda a: np.where(MASK_2x3, -1.0, a),
        [((2, 3),)],
    ),
    op(
        "masked_fill_broadcast",
        lambda a: torch.masked_fill(a, index(ROW_MASK, a.device), 5.0),
        lambda a: np.where(ROW_MASK, 5.0, a),
        MATRIX,
    ),
    op(
        "where",
        lambda a, b: torch.where(index(MASK_2x3, a.device), a, b),
        lambda a, b: np.where(MASK_2x3, a, b),
        [((2, 3), (2, 3)), ((2, 3), (3,)), ((1, 3), ())],
    ),
    op(
        "where_scalar",
        lambda a: torch.where(a > 0, a, 0.0),
        lambda a: np.where(a > 0, a, 0.0),
        UNARY,
    ),
    op(
        "where_method",
        lambda a, b: a.where(a < b, b),
        lambda a, b: np.where(a < b, a, b),
        [((2, 3), (2, 3))],
    ),
    op(
        "cat",
        lambda a, b: torch.cat([a, b]),
        lambda a, b: np.concatenate([a, b]),
        [((2, 3), (1, 3))],
    ),
    op(
        "cat_dim1",
        lambda a, b, c: torch.cat((a, b, c), dim=-1),
        lambda a, b, c: np.concatenate([a, b, c], -1),
        [((2, 3), (2, 1), (2, 2))],
    ),
    op(
        "stack", lambda a, b: torch.stack([a, b]), lambda a, b: np.stack([a, b]), [((2, 3), (2, 3))]
    ),
    op(
        "stack_last",
        lambda a, b: torch.stack((a, b), dim=-1),
        lambda a, b: np.stack([a, b], -1),
        [((2, 3), (2, 3))],
    ),
    op(
        "split", lambda a: a.split(2, dim=1), lambda a: tuple(np.split(a, [2], axis=1)), [((2, 3),)]
    ),
    op(
        "split_sizes",
        lambda a: torch.split(a, [1, 2]),
        lambda a: tuple(np.split(a, [1])),
        [((3, 4),)],
    ),
    op("chunk", lambda a: a.chunk(2, dim=-1), lambda a: tuple(np.split(a, 2, axis=-1)), MATRIX),
    op("chunk_uneven", lambda a: torch.chunk(a, 2), lambda a: tuple(np.split(a, [2])), MATRIX),
    # --- writes: basic and advanced indexing, copy_, fill_, zero_ --------------------------
    op(
        "setitem_int",
        lambda a, v: assign(a, 1, v),
        lambda a, v: assign(a, 1, v),
        [((3, 4), (4,)), ((3, 4), 2.0)],
    ),
    op(
        "setitem_slices",
        lambda a, v: assign(a, (slice(None), slice(1, 3)), v),
        lambda a, v: assign(a, (slice(None), slice(1, 3)), v),
        [((3, 4), (3, 2)), ((3, 4), (2,))],
    ),
    op(
        "setitem_step_negative",
        lambda a, v: assign(a, (slice(None, None, 2), -1), v),
        lambda a, v: assign(a, (slice(None, None, 2), -1), v),
        [((3, 4), ()), ((3, 4), -1.5)],
    ),
    op(
        "setitem_ellipsis_none",
        lambda a, v: assign(a, (Ellipsis, None, 0), v),
        lambda a, v: assign(a, (Ellipsis, None, 0), v),
        [((3, 4), (3, 1))],
    ),
    op("setitem_mask", lambda a: assign(a, a > 0, 0.0), lambda a: assign(a, a > 0, 0.0), MATRIX),
    op(
        "setitem_mask_tensor",
        lambda a, v: assign(a, index(MASK_2x3, a.device), v),
        lambda a, v: assign(a, np.array(MASK_2x3), v),
        [((2, 3), (3,))],
    ),
    op(
        "setitem_index",
        lambda a, v: assign(a, index([2, 0], a.device), v),
        lambda a, v: assign(a, [2, 0], v),
        [((3, 4), (2, 4)), ((3, 4), (4,)), ((3, 4), 9.0)],
    ),
    op(
        "setitem_index_pair",
        lambda a, v: assign(a, (index([0, 2], a.device), index([1, 3], a.device)), v),
        lambda a, v: assign(a, ([0, 2], [1, 3]), v),
        [((3, 4), (2,))],
    ),
    op(
        "copy_",
        lambda a, b: a.clone().copy_(b),
        lambda a, b: np.broadcast_to(b, a.shape),
        [((2, 3), (2, 3)), ((2, 3), (3,))],
    ),
    op("fill_", lambda a: a.clone().fill_(2.5), lambda a: np.full_like(a, 2.5), UNARY),
    op("zero_", lambda a: a.clone().zero_(), np.zeros_like, UNARY),
    op("clone", torch.clone, np.copy, UNARY),
    op("contiguous", lambda a: a.contiguous(), np.ascontiguousarray, MATRIX),
    # --- inverse trig and hyperbolic, other bases, special functions (ops/pointwise.py) ----
    # float64 only: each row compiles its own opcode's kernels, and the gradcheck reuses
    # them; the strided path (one code for every opcode) on the rows in STRIDED_ROWS only
    *[
        # the digamma reference is a finite difference, good to ~1e-10
        pointwise(
            name,
            fn,
            ref,
            domain=domain,
            rtol=1e-8 if "digamma" in name else None,
            layouts=F64_LAYOUTS if name in STRIDED_ROWS else ("contiguous",),
        )
        for name, fn, ref, domain in [
            ("tan", torch.tan, np.tan, lambda a: a * 0.6),
            ("asin", torch.asin, np.arcsin, inside_one),
            ("arccos", lambda a: a.arccos(), np.arccos, inside_one),
            ("atan", torch.arctan, np.arctan, None),
            ("sinh", torch.sinh, np.sinh, None),
            ("cosh", lambda a: a.cosh(), np.cosh, None),
            ("asinh", torch.arcsinh, np.arcsinh, None),
            ("acosh", torch.acosh, np.arccosh, above_one),
            ("atanh", lambda a: a.atanh(), np.arctanh, inside_one),
            ("exp2", torch.exp2, np.exp2, None),
            ("log10", lambda a: a.log10(), np.log10, positive),
            ("erfc", torch.erfc, np.vectorize(math.erfc), None),
            ("erfinv", lambda a: a.erfinv(), np_erfinv, inside_one),
            ("lgamma", torch.lgamma, np.vectorize(math.lgamma), positive),
            ("digamma", torch.digamma, np_digamma, positive),
            ("digamma_negative", torch.special.psi, np_digamma, between_poles),
            ("i0", torch.i0, np.i0, None),
            ("i1", torch.special.i1, np_i1, None),
            ("sinc", torch.sinc, np.sinc, None),
            (
                "log_ndtr",
                torch.special.log_ndtr,
                np.vectorize(lambda v: math.log(math.erfc(-v / math.sqrt(2)) / 2)),
                None,
            ),
            ("frac", lambda a: a.frac(), lambda a: a - np.trunc(a), large),
            ("logit", torch.logit, lambda a: np.log(a / (1 - a)), inside_zero_one),
            (
                "logit_eps",
                lambda a: torch.special.logit(a, eps=0.2),
                lambda a: np_logit_eps(a, 0.2),
                inside_zero_one,
            ),
            ("deg2rad", torch.deg2rad, np.deg2rad, None),
            ("rad2deg", lambda a: a.rad2deg(), np.rad2deg, None),
        ]
    ],
    *[
        pointwise(
            name,
            fn,
            ref,
            BINARY[:4],
            domain=domain,
            layouts=F64_LAYOUTS if name in STRIDED_ROWS else ("contiguous",),
        )
        for name, fn, ref, domain in [
            ("hypot", torch.hypot, np.hypot, nonzero),
            ("logaddexp", torch.logaddexp, np.logaddexp, None),
            ("logaddexp2", lambda a, b: a.logaddexp2(b), np.logaddexp2, None),
            ("xlogy", torch.xlogy, lambda a, b: a * np.log(b), positive),
            ("xlog1py", torch.special.xlog1py, lambda a, b: a * np.log1p(b), positive),
            ("copysign", lambda a, b: a.copysign(b), np.copysign, nonzero),
            ("arctan2", torch.arctan2, np.arctan2, nonzero),
        ]
    ],
    pointwise(
        "xlogy_scalar", lambda a: torch.xlogy(2.0, a), lambda a: 2 * np.log(a), domain=positive
    ),
    pointwise("copysign_scalar", lambda a: torch.copysign(a, -1.0), lambda a: -np.abs(a)),
    # --- selection (ops/selection.py): values by gather, so gradients reach the picks -------
    *[
        pointwise(name, fn, ref, cases, out_dtype=values_indices, **options)
        for name, fn, ref, cases, options in [
            ("kthvalue", lambda a: a.kthvalue(2, 1), lambda a: np_rank(a, 1, 1), REDUCE, {}),
            (
                "kthvalue_keepdim",
                lambda a: torch.kthvalue(a, 3, 0, True),
                lambda a: np_rank(a, 0, 2, True),
                MATRIX,
                {},
            ),
            ("median_dim", lambda a: a.median(-1), lambda a: np_rank(a, -1, None), REDUCE, {}),
            ("median_all", torch.median, lambda a: np.sort(a, None)[(a.size - 1) // 2], REDUCE, {}),
            (
                "nanmedian_dim",
                lambda a: torch.nanmedian(a, 0),
                lambda a: np_rank(a, 0, None),
                MATRIX,
                {},
            ),
            # whole numbers, so there are ties to break; no gradcheck: a nudge breaks them
            (
                "mode",
                lambda a: a.mode(1),
                lambda a: np_mode(a, 1),
                MATRIX,
                {"domain": integral, "grad": False},
            ),
            (
                "cummax",
                lambda a: torch.cummax(a, 1),
                lambda a: np_cumulative(a, 1, True),
                REDUCE,
                {},
            ),
            ("cummin", lambda a: a.cummin(-1), lambda a: np_cumulative(a, -1, False), MATRIX, {}),
        ]
    ],
    pointwise(
        "take",
        lambda a: torch.take(a, index([[0, -1], [5, 2]], a.device)),
        lambda a: a.ravel()[[[0, -1], [5, 2]]],
        MATRIX,
    ),
    pointwise(
        "take_along_dim",
        lambda a: torch.take_along_dim(a, index(TAKE_INDEX, a.device), 1),
        lambda a: np.take_along_axis(a, np.array(TAKE_INDEX), 1),
        MATRIX,
    ),
    pointwise(
        "masked_scatter",
        lambda a, s: a.masked_scatter(index(ROW_MASK, a.device), s),
        lambda a, s: np_masked_scatter(a, np.array(ROW_MASK), s),
        [((3, 4), (2, 4))],
    ),
    pointwise(
        "rot90", lambda a: torch.rot90(a, 1, (1, 2)), lambda a: np.rot90(a, 1, (1, 2)), REDUCE
    ),
    pointwise("rot90_k3", lambda a: a.rot90(-1), lambda a: np.rot90(a, -1), MATRIX),
    pointwise(
        "diag_embed",
        lambda a: torch.diag_embed(a, 1),
        lambda a: np_diag_embed(a, 1),
        [((2, 3),)],
    ),
    # --- products and distances (ops/products.py) ------------------------------------------
    pointwise(
        "baddbmm",
        lambda c, a, b: torch.baddbmm(c, a, b, beta=0.5, alpha=2),
        lambda c, a, b: 0.5 * c + 2 * a @ b,
        [((2, 3, 4), (2, 3, 5), (2, 5, 4)), ((4,), (2, 3, 5), (2, 5, 4))],
    ),
    pointwise(
        "addbmm",
        lambda c, a, b: c.addbmm(a, b, alpha=-1),
        lambda c, a, b: c - (a @ b).sum(0),
        [((3, 4), (2, 3, 5), (2, 5, 4))],
    ),
    pointwise(
        "addmv",
        lambda c, m, v: torch.addmv(c, m, v, beta=2),
        lambda c, m, v: 2 * c + m @ v,
        [((3,), (3, 4), (4,))],
    ),
    pointwise(
        "addr",
        lambda c, u, v: torch.addr(c, u, v, alpha=3),
        lambda c, u, v: c + 3 * np.outer(u, v),
        [((3, 4), (3,), (4,))],
    ),
    pointwise("kron", torch.kron, np.kron, [((2, 3), (3, 2)), ((2,), (2, 2))]),
    pointwise("inner", torch.inner, np.inner, [((2, 3), (4, 3)), ((3,), (3,))]),
    pointwise(
        "cdist",
        torch.cdist,
        lambda a, b: np_cdist(a, b, 2),
        [((3, 4), (5, 4)), ((2, 3, 4), (1, 2, 4))],
        domain=integral_apart,
    ),
    pointwise(
        "cdist_p1",
        lambda a, b: torch.cdist(a, b, p=1),
        lambda a, b: np_cdist(a, b, 1),
        [((3, 4), (2, 4))],
        domain=integral_apart,
    ),
    pointwise(
        "cdist_mm",
        lambda a, b: torch.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
        lambda a, b: np_cdist(a, b, 2),
        [((3, 4), (5, 4))],
        rtol=1e-8,
    ),
    pointwise(
        "cosine_similarity",
        torch.nn.functional.cosine_similarity,
        lambda a, b: (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1),
        [((3, 4), (3, 4)), ((3, 4), (1, 4))],
    ),
    pointwise(
        "pairwise_distance",
        torch.nn.functional.pairwise_distance,
        lambda a, b: np.linalg.norm(a - b + 1e-6, axis=-1),
        [((3, 4), (3, 4)), ((3, 4), (4,))],
    ),
    op(
        "signbit",
        torch.signbit,
        np.signbit,
        UNARY,
        dtypes=(torch.float64, torch.int64),
        layouts=F64_LAYOUTS,
        grad=False,
        out_dtype=to_bool,
    ),
    # issue 15: the cumulative log-sum-exp and the float decomposition ops
    op(
        "logcumsumexp",
        lambda a: torch.logcumsumexp(a, 1),
        lambda a: np.logaddexp.accumulate(a, 1),
        REDUCE,
    ),
    op(
        "logcumsumexp_method",
        lambda a: a.logcumsumexp(-1),
        lambda a: np.logaddexp.accumulate(a, -1),
        UNARY[:2],
    ),
    pointwise(
        "ldexp", torch.ldexp, lambda a, b: a * np.exp2(b), [((2, 3), (2, 3)), ((3, 1), (1, 4))]
    ),
    pointwise("frexp_mantissa", lambda a: torch.frexp(a).mantissa, lambda a: np.frexp(a)[0]),
    # issue 15: torch.special's ndtri, erfcx, i0e, i1e, bessel_j0/j1 and zeta
    pointwise("ndtri", torch.special.ndtri, np_ndtri, domain=lambda a: np.abs(a) / 2.2 + 0.05),
    pointwise("erfcx", torch.special.erfcx, np_erfcx),
    pointwise("i0e", torch.special.i0e, lambda a: np.i0(a) * np.exp(-np.abs(a))),
    pointwise("i1e", torch.special.i1e, lambda a: np_i1(a) * np.exp(-np.abs(a))),
    pointwise("bessel_j0", torch.special.bessel_j0, lambda a: np_bessel_j(a, 0), grad=False),
    pointwise("bessel_j1", torch.special.bessel_j1, lambda a: np_bessel_j(a, 1), grad=False),
    pointwise(
        "zeta",
        lambda x, q: torch.special.zeta(x + 1.5, q),
        lambda x, q: np_zeta(x + 1.5, q),
        [((2, 3), (2, 3)), ((3, 1), (1, 4))],
        domain=positive,
        grad=False,
        rtol=1e-10,
    ),
    pointwise(
        "zeta_q",
        lambda q: torch.special.zeta(2.5, q),
        lambda q: np_zeta(2.5, q),
        domain=positive,
        rtol=1e-10,
    ),
]


# --- inputs -----------------------------------------------------------------------------


def random_values(shape, dtype, rng, domain):
    if dtype is torch.bool:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.is_floating_point:
        values = rng.uniform(-2, 2, shape)
    else:
        values = rng.integers(-4, 5, shape).astype(np.float64)
    if domain is not None:
        values = domain(values)
    return np.asarray(values).astype(dtype.numpy)


def make_operand(values: np.ndarray, layout: str, device: str):
    """A tensor holding `values` in the memory layout named by `layout`."""
    if layout == "contiguous" or values.ndim == 0:
        return torch.tensor(values, device=device)
    long_dims = [d for d, n in enumerate(values.shape) if n > 1]
    if layout == "transposed" and len(long_dims) >= 2:
        first, last = long_dims[0], long_dims[-1]
        return torch.tensor(
            np.ascontiguousarray(np.swapaxes(values, first, last)), device=device
        ).transpose(first, last)
    if layout in ("stepped", "transposed"):
        base = np.zeros(values.shape[:-1] + (2 * values.shape[-1],), values.dtype)
        base[..., ::2] = values
        return torch.tensor(base, device=device)[..., ::2]
    raise ValueError(layout)


def make_inputs(op: Op, case: tuple, dtype, layout: str, device: str, rng):
    """(numbatorch operands, numpy operands) for one case: tensors carry the same values
    as the arrays. The expanded layout makes values constant along one dim and builds the
    tensor as an `expand` (stride 0) of a smaller one."""
    tensors, arrays = [], []
    for spec in case:
        if not isinstance(spec, tuple):
            # a float scalar would promote an integer tensor to float: keep the row's dtype
            scalar = spec if dtype.is_floating_point else int(spec)
            tensors.append(scalar)
            arrays.append(scalar)
            continue
        if layout == "expanded" and any(n > 1 for n in spec):
            dim = next(d for d, n in enumerate(spec) if n > 1)
            small = list(spec)
            small[dim] = 1
            values = random_values(tuple(small), dtype, rng, op.domain)
            tensors.append(torch.tensor(values, device=device).expand(*spec))
            arrays.append(np.broadcast_to(values, spec).copy())
            continue
        values = random_values(spec, dtype, rng, op.domain)
        tensor = make_operand(values, layout, device)
        if layout != "contiguous" and tensor.numel() > 1:
            assert not tensor.is_contiguous(), f"{layout} layout of {spec} is contiguous"
        tensors.append(tensor)
        arrays.append(values)
    return tensors, arrays


def _as_list(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


# --- the checks -----------------------------------------------------------------------------


def check_value(op: Op, dtype, layout: str, device: str) -> None:
    """op's results equal numpy's on every case, in value, shape and dtype."""
    rng = np.random.default_rng(0)
    for case in op.cases if device == "cpu" else op.cases[:2]:
        tensors, arrays = make_inputs(op, case, dtype, layout, device, rng)
        before = [t.detach().cpu().numpy().copy() for t in tensors if isinstance(t, torch.Tensor)]
        results = _as_list(op.fn(*tensors))
        expected = _as_list(op.ref(*arrays))
        where = f"{op.name} {dtype} {layout} case {case}"
        assert len(results) == len(expected), where
        wanted_dtypes = op.out_dtype(dtype)
        if not isinstance(wanted_dtypes, tuple):
            wanted_dtypes = (wanted_dtypes,) * len(results)
        for k, (result, want) in enumerate(zip(results, expected)):
            assert isinstance(result, torch.Tensor), f"{where}: result {k} is {type(result)}"
            assert result.device == torch.device(device), where
            want = np.asarray(want)
            wanted_dtype = wanted_dtypes[k]
            assert result.dtype == wanted_dtype, f"{where}: dtype {result.dtype} (output {k})"
            assert tuple(result.shape) == want.shape, f"{where}: shape {result.shape} (output {k})"
            got = result.detach().cpu().numpy()
            if wanted_dtype.is_floating_point:
                rtol, atol = TOLERANCES[wanted_dtype]
                np.testing.assert_allclose(
                    got,
                    want.astype(got.dtype),
                    rtol=op.rtol or rtol,
                    atol=op.atol or atol,
                    err_msg=where,
                )
            else:
                np.testing.assert_array_equal(got, want.astype(got.dtype), err_msg=where)
        after = [t.detach().cpu().numpy() for t in tensors if isinstance(t, torch.Tensor)]
        for old, new in zip(before, after):
            np.testing.assert_array_equal(old, new, err_msg=f"{where}: an input changed")


def _differentiable_inputs(op: Op, case: tuple, device: str):
    rng = np.random.default_rng(1)
    tensors, _ = make_inputs(op, case, torch.float64, "contiguous", device, rng)
    for t in tensors:
        if isinstance(t, torch.Tensor):
            t.requires_grad_(True)
    return tensors


def _closure(op: Op, operands: list):
    """fn of the tensor operands only (scalars stay fixed), as gradcheck calls it."""
    positions = [i for i, o in enumerate(operands) if isinstance(o, torch.Tensor)]

    def fn(*tensors):
        args = list(operands)
        for i, t in zip(positions, tensors):
            args[i] = t
        result = op.fn(*args)
        return tuple(result) if isinstance(result, (tuple, list)) else result

    return fn, [operands[i] for i in positions]


def check_gradient(op: Op, device: str) -> None:
    """On the CPU: gradcheck in float64 on every case. Elsewhere: the device's gradients
    equal the CPU's (which gradcheck vouches for)."""
    for case in op.cases if device == "cpu" else op.cases[:1]:
        operands = _differentiable_inputs(op, case, "cpu")
        fn, tensors = _closure(op, operands)
        if device == "cpu":
            assert torch.autograd.gradcheck(fn, tensors), f"{op.name} case {case}"
            continue
        moved = [
            o.detach().to(device).requires_grad_(True) if isinstance(o, torch.Tensor) else o
            for o in operands
        ]
        device_fn, device_tensors = _closure(op, moved)
        for run, inputs, place in ((fn, tensors, "cpu"), (device_fn, device_tensors, device)):
            outputs = [o for o in _as_list(run(*inputs)) if o.requires_grad]
            seeds = [torch.ones_like(o) for o in outputs]
            grads = torch.autograd.grad(outputs, inputs, seeds, allow_unused=True)
            if place == "cpu":
                expected = grads
        for got, want, t in zip(grads, expected, tensors):
            # None is a zero gradient (autograd.grad's allow_unused), as gradcheck takes it
            got = np.zeros(t.shape) if got is None else got.cpu().numpy()
            want = np.zeros(t.shape) if want is None else want.numpy()
            np.testing.assert_allclose(
                got, want, rtol=1e-10, atol=1e-12, err_msg=f"{op.name} case {case}"
            )


# Numba's CUDA simulator runs each kernel thread in Python (~0.5 s a launch): on 'cuda'
# the table runs the first dtype of each row on its first two cases with contiguous and
# transposed inputs, and compares gradients with the CPU's on the first case, which keeps
# the suite within its time budget.
SIMULATOR_LAYOUTS = ("contiguous", "transposed")


def skip_on_simulator(device: str, op: Op, dtype=None, layout: str = "contiguous") -> None:
    if device == "cuda" and (
        layout not in SIMULATOR_LAYOUTS or (dtype is not None and dtype is not op.dtypes[0])
    ):
        pytest.skip(
            "the CUDA simulator runs the table's first dtype on contiguous and "
            "transposed inputs only"
        )


def value_params():
    """Every row in every dtype on contiguous inputs, and in its first dtype on every
    layout: strides do not depend on the dtype, and each dtype x path compiles a kernel."""
    return [
        pytest.param(o, dtype, layout, id=f"{o.name}-{dtype.name}-{layout}")
        for o in OPS
        for dtype in o.dtypes
        for layout in (o.layouts if dtype is o.dtypes[0] else o.layouts[:1])
    ]


def gradient_params():
    return [pytest.param(o, id=o.name) for o in OPS if o.grad]
