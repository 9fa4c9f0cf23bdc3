"""Sorting along a dim: sort, argsort and topk, one autograd Function each over the
stable row sort kernel (kernels/*/sorting.py); the gradient goes back by scatter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _dtype, return_types
from ..autograd.function import BuiltinFunction
from ._common import cast, empty, kernels, wrap_dim, write_out

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def _sorted_rows(x: Tensor, dim: int, descending: bool) -> tuple[Tensor, Tensor]:
    """(values, indices) of x sorted stably along `dim`, both contiguous."""
    if x.dtype in _dtype.HALF_TYPES:  # Numba has no half arithmetic: compare in float32
        values, indices = _sorted_rows(cast(x, _dtype.float32), dim, descending)
        return cast(values, x.dtype), indices
    rows = x.movedim(dim, -1).contiguous() if x.ndim else x.reshape(1)
    values = empty(rows.shape, x.dtype, x.device)
    indices = empty(rows.shape, _dtype.int64, x.device)
    n = rows.shape[-1]
    kernels(x).sort(
        *(t._array.reshape(-1, n) if n else t._array for t in (rows, values, indices)),
        descending,
    )
    if not x.ndim:
        return values.reshape(()), indices.reshape(())
    return values.movedim(-1, dim).contiguous(), indices.movedim(-1, dim).contiguous()


def _scatter_back(ctx, grad):
    """The gradient of picked values: each goes back to the position it came from."""
    shape, dim = ctx.meta
    (indices,) = ctx.saved_tensors
    return grad.new_zeros(shape).scatter(dim, indices, grad)


class Sort(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, descending):
        values, indices = _sorted_rows(x, dim, descending)
        ctx.meta = (x.shape, dim)
        ctx.save_for_backward(indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        return _scatter_back(ctx, grad), None, None


class Topk(BuiltinFunction):
    """The first k of a sort along `dim`, largest first unless `largest` is false."""

    @staticmethod
    def forward(ctx, x, k, dim, largest):
        values, indices = _sorted_rows(x, dim, largest)
        if x.ndim and k != x.shape[dim]:
            values = values.narrow(dim, 0, k).contiguous()
            indices = indices.narrow(dim, 0, k).contiguous()
        ctx.meta = (x.shape, dim)
        ctx.save_for_backward(indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        return _scatter_back(ctx, grad), None, None, None


def _write_pair(result_type: type, result: tuple, out) -> tuple:
    if out is None:
        return result_type(*result)
    return result_type(write_out(out[0], result[0]), write_out(out[1], result[1]))


def sort(
    input: Tensor,
    dim: int = -1,
    descending: bool = False,
    *,
    stable: bool = False,
    out: tuple | None = None,
) -> return_types.sort:
    """(values, indices): input sorted along `dim`, ascending unless `descending`; NaN
    sorts as the largest value. Always stable, which `stable=False` allows."""
    return _write_pair(
        return_types.sort, Sort.apply(input, wrap_dim(dim, input.ndim), bool(descending)), out
    )


def argsort(
    input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
) -> Tensor:
    """The indices that sort input along `dim` (the indices of `sort`)."""
    return sort(input, dim, descending, stable=stable).indices


def topk(
    input: Tensor,
    k: int,
    dim: int = -1,
    largest: bool = True,
    sorted: bool = True,  # noqa: A002 (PyTorch's name)
    *,
    out: tuple | None = None,
) -> return_types.topk:
    """(values, indices) of the k largest (smallest unless `largest`) elements along
    `dim`, in sorted order (which `sorted=False` allows)."""
    if not isinstance(k, int) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' (position 2) must be int, not {type(k).__name__}")
    dim = wrap_dim(dim, input.ndim)
    if not 0 <= k <= (input.shape[dim] if input.ndim else 1):
        raise RuntimeError("selected index k out of range")
    if input.dtype is _dtype.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    return _write_pair(return_types.topk, Topk.apply(input, k, dim, bool(largest)), out)
