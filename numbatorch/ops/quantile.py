"""torch.quantile and torch.nanquantile, composed as PyTorch composes them: the sort kernels
order each line, gather picks the two values around each rank and lerp interpolates, so
the gradient flows through sort's and gather's own backwards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _creation, _dtype
from . import elementwise as ew
from ._common import check_device, write_out

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor

INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check(input: Tensor, q, interpolation: str) -> None:
    """PyTorch's checks, in its order (the range of a tensor q is read off its values)."""
    if input.numel() == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if isinstance(q, Tensor):
        if q.dtype is not input.dtype:
            raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
        check_device(input, q)
        if q.numel() and not bool(((q >= 0) & (q <= 1)).all().item()):
            raise RuntimeError("quantile() q values must be in the range [0, 1]")
    elif not 0 <= q <= 1:
        raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
    if interpolation not in INTERPOLATIONS:
        raise RuntimeError(
            "quantile() interpolation must be one of linear, lower, higher, midpoint or "
            f"nearest, but got {interpolation}"
        )


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan) -> Tensor:
    _check(input, q, interpolation)
    scalar_q = not isinstance(q, Tensor) or q.ndim == 0
    qs = q.reshape(-1) if isinstance(q, Tensor) else _creation.tensor([float(q)], dtype=input.dtype)
    qs = qs.to(input.device)
    if dim is None:
        line = input.reshape(-1)
        kept = (1,) * input.ndim if keepdim else ()
    else:
        dim = dim + input.ndim if dim < 0 and input.ndim else dim
        line = input.reshape(1) if input.ndim == 0 else input.movedim(dim, -1)
        shape = list(input.shape)
        if shape:
            shape[dim] = 1
        kept = tuple(shape) if keepdim else tuple(n for d, n in enumerate(shape) if d != dim)
    ordered = line.sort(-1).values  # NaN sorts last
    last = ordered.shape[-1] - 1
    nan = ordered.isnan()
    if ignore_nan:
        # the rank among a line's valid values; an all-NaN line reads its first NaN
        valid = (nan.logical_not().sum(-1, keepdim=True) - 1).clamp_min(0)
        ranks = qs * valid.to(input.dtype)
    else:
        # a line holding NaN reads its last value, a NaN
        ranks = ew.where(nan.any(-1, keepdim=True), float(last), qs * last)
    if interpolation in ("lower", "higher", "nearest"):
        picked = {"lower": ranks.floor, "higher": ranks.ceil, "nearest": ranks.round}
        result = ordered.gather(-1, picked[interpolation]().long())
    else:
        below = ranks.floor()
        weights = ranks - below if interpolation == "linear" else _creation.full_like(ranks, 0.5)
        low = ordered.gather(-1, below.long())
        high = ordered.gather(-1, ranks.ceil().long())
        result = ew.lerp(low, high, weights)
    # (..., Q) -> (Q, *kept), the q dim dropped for a scalar q
    result = result.movedim(-1, 0).reshape(qs.shape[0], *kept)
    return result.reshape(kept) if scalar_q else result


def quantile(
    input: Tensor,
    q,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
    out: Tensor | None = None,
) -> Tensor:
    """The q-th quantiles of input along dim (of all of it for None); a 1-D q adds a first
    dim of its length. A line holding NaN gives NaN."""
    result = _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)
    return result if out is None else write_out(out, result)


def nanquantile(
    input: Tensor,
    q,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    interpolation: str = "linear",
    out: Tensor | None = None,
) -> Tensor:
    """`quantile` of the values that are not NaN (NaN where a line has none)."""
    result = _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)
    return result if out is None else write_out(out, result)
