"""Selection ops: order statistics (kthvalue, median, nanmedian, mode), running extremes
(cummax, cummin), unique values and counts (unique, unique_consecutive, bincount, histc),
binary search (searchsorted, bucketize), take/take_along_dim/masked_scatter, rot90 and
diag_embed.

The order statistics find their positions with the sort kernel (kernels/*/sorting.py)
outside autograd and read the values with `gather`, so the gradient of a picked value
goes to the element it came from; the rest are built on the scan, scatter and gather
kernels, or on the row kernels of kernels/*/selection.py."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .. import _dtype, return_types
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..tensor import view_of
from ._common import TYPE_WORD, broadcast_shapes, cast, empty, kernels, scalar_as_vector, wrap_dim
from .shape import _diagonal_geometry, diagonal
from .sorting import sort

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def _size(input: Tensor, dim: int) -> int:
    return input.shape[dim] if input.ndim else 1


def _picked(input: Tensor, dim: int, positions: Tensor, keepdim: bool) -> tuple[Tensor, Tensor]:
    """(values, indices) at `positions` (int64, input's shape with size 1 along dim): the
    values by `gather`, so the gradient flows to the picked elements."""
    if not input.ndim:
        return input.clone(), positions.reshape(())
    values = input.gather(dim, positions)
    if not keepdim:
        values, positions = values.squeeze(dim), positions.squeeze(dim)
    return values, positions


def _sorted_positions(input: Tensor, dim: int, rank: Tensor | int) -> Tensor:
    """The positions along dim of the rank-th smallest element (stable: among equal
    values the first); `rank` an int or an int64 tensor with size 1 along dim."""
    if not input.ndim:
        return input.new_zeros((), dtype=_dtype.int64)
    with grad_mode.no_grad():
        order = sort(input.detach(), dim).indices
        if isinstance(rank, int):
            return order.narrow(dim, rank, 1).contiguous()
        return order.gather(dim, rank)


def _check_reduction_dim(name: str, input: Tensor, dim: int) -> None:
    if input.ndim and input.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")


@scalar_as_vector
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> return_types.kthvalue:
    """(values, indices) of the k-th smallest element along `dim`."""
    dim = wrap_dim(dim, input.ndim)
    if not 1 <= k <= _size(input, dim):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    return return_types.kthvalue(
        *_picked(input, dim, _sorted_positions(input, dim, k - 1), keepdim)
    )


def _nan_count(input: Tensor, dim: int) -> Tensor:
    return (input != input).sum(dim, keepdim=True)


def _median(input: Tensor, dim: int, keepdim: bool, ignore_nan: bool) -> tuple[Tensor, Tensor]:
    """The lower median along dim. NaN sorts last: `median` returns the first NaN of a
    row that has one; `nanmedian` the lower median of the other values (a NaN when all
    are NaN)."""
    n = _size(input, dim)
    with grad_mode.no_grad():
        if input.ndim == 0:
            rank = 0
        elif not input.dtype.is_floating_point:
            rank = (n - 1) // 2
        else:
            nans = _nan_count(input.detach(), dim)
            if ignore_nan:
                rank = ((n - nans - 1) // 2).clamp(min=0)
            else:
                rank = (n - nans).where(nans > 0, (n - 1) // 2)
    return _picked(input, dim, _sorted_positions(input, dim, rank), keepdim)


def _median_api(ignore_nan: bool, name: str):
    def median(input: Tensor, dim: int | None = None, keepdim: bool = False):
        if input.dtype is _dtype.bool:
            kernel = "median_cpu" if dim is None else "median_out"
            raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
        if dim is None:
            if input.numel() == 0:
                return input.new_full((), math.nan)
            return _median(input.reshape(-1), 0, False, ignore_nan)[0]
        dim = wrap_dim(dim, input.ndim)
        _check_reduction_dim(name, input, dim)
        return getattr(return_types, name)(*_median(input, dim, keepdim, ignore_nan))

    median.__name__ = name
    median.__doc__ = (
        f"{name}(input): the lower median of all elements; {name}(input, dim, keepdim): "
        "(values, indices) of the lower median along dim."
    )
    return median


median = _median_api(False, "median")
nanmedian = _median_api(True, "nanmedian")


@scalar_as_vector
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> return_types.mode:
    """(values, indices): the most frequent value along dim (the smallest on ties) and the
    last position it holds."""
    dim = wrap_dim(dim, input.ndim)
    _check_reduction_dim("mode", input, dim)
    with grad_mode.no_grad():
        rows = input.detach().movedim(dim, -1) if input.ndim else input.detach().reshape(1)
        if rows.dtype is _dtype.float16:  # Numba has no half arithmetic
            rows = cast(rows, _dtype.float32)
        ordered = sort(rows, -1)
        n = rows.shape[-1]
        shape = tuple(rows.shape[:-1])
        values = empty(shape, rows.dtype, input.device)
        positions = empty(shape, _dtype.int64, input.device)
        kernels(input).mode_of_sorted(
            ordered.values._array.reshape(-1, n),
            ordered.indices._array.reshape(-1, n),
            values._array.reshape(-1),
            positions._array.reshape(-1),
        )
    return return_types.mode(
        *_picked(input, dim, positions.unsqueeze(-1).movedim(-1, dim), keepdim)
    )


# --- running extremes -----------------------------------------------------------------------


class CumExtreme(BuiltinFunction):
    """cummax / cummin along dim; the gradient of each output goes to the position it
    holds (summed where several outputs share one), as PyTorch's."""

    @staticmethod
    def forward(ctx, x, dim, is_max):
        rows = x.movedim(dim, -1).contiguous() if x.ndim else x.reshape(1)
        if rows.dtype is _dtype.float16:  # Numba has no half arithmetic
            rows = cast(rows, _dtype.float32)
        values = empty(rows.shape, rows.dtype, x.device)
        indices = empty(rows.shape, _dtype.int64, x.device)
        n = rows.shape[-1]
        if x.numel():
            kernels(x).cumulative_extreme(
                *(t._array.reshape(-1, n) for t in (rows, values, indices)), is_max
            )
        values = cast(values, x.dtype)
        if x.ndim:
            values = values.movedim(-1, dim).contiguous()
            indices = indices.movedim(-1, dim).contiguous()
        else:
            values, indices = values.reshape(()), indices.reshape(())
        ctx.meta = (x.shape, dim)
        ctx.save_for_backward(indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        shape, dim = ctx.meta
        (indices,) = ctx.saved_tensors
        if not shape:
            return grad, None, None
        return grad.new_zeros(shape).scatter_add(dim, indices, grad), None, None


class Cummax(CumExtreme):
    pass


class Cummin(CumExtreme):
    pass


@scalar_as_vector
def cummax(input: Tensor, dim: int) -> return_types.cummax:
    """(values, indices): the running maximum along dim and where it was (NaN propagates;
    ties take the later position)."""
    return return_types.cummax(*Cummax.apply(input, wrap_dim(dim, input.ndim), True))


@scalar_as_vector
def cummin(input: Tensor, dim: int) -> return_types.cummin:
    """(values, indices): the running minimum along dim and where it was."""
    return return_types.cummin(*Cummin.apply(input, wrap_dim(dim, input.ndim), False))


# --- unique values and counts -----------------------------------------------------------------


def _unique_rows(rows: Tensor, order: Tensor | None, return_inverse, return_counts):
    """unique over the first dim of 2-D `rows` already grouped (sorted, or consecutive
    runs): a row starts a run where it differs from the row before. `order[i]`: the
    position in the input of rows[i] (None: the identity). (distinct rows, inverse or None,
    counts or None)."""
    starts = rows.new_ones(rows.shape[:1], dtype=_dtype.bool)
    if rows.shape[0] > 1:
        changed = rows[1:] != rows[:-1]
        starts[1:] = changed.any(1) if rows.shape[1] else changed.new_zeros(rows.shape[0] - 1)
    run = starts.to(_dtype.int64).cumsum(0) - 1
    distinct = rows[starts]
    inverse = counts = None
    if return_inverse:
        inverse = run if order is None else run.new_zeros(run.shape).scatter(0, order, run)
    if return_counts:
        counts = bincount(run, minlength=distinct.shape[0])
    return distinct, inverse, counts


def _lexicographic_order(rows: Tensor) -> Tensor:
    """The permutation that sorts the rows of 2-D `rows` lexicographically: stable sorts by
    each column, the last column first (a radix sort over columns)."""
    if not rows.shape[1]:  # empty slices are all equal: keep them in place
        from .._creation import arange

        return arange(rows.shape[0], device=rows.device)
    order = sort(rows[:, -1]).indices
    for column in range(rows.shape[1] - 2, -1, -1):
        keys = rows[:, column].index_select(0, order)
        order = order.index_select(0, sort(keys).indices)
    return order


def _unique(input: Tensor, dim, sort_first: bool, return_inverse, return_counts):
    with grad_mode.no_grad():
        if dim is None:
            x = rows = input.detach().reshape(-1, 1)
        else:
            dim = wrap_dim(dim, input.ndim)
            x = input.detach().movedim(dim, 0)
            rows = x.reshape(x.shape[0], math.prod(x.shape[1:]))
        order = None
        if sort_first:
            order = sort(rows[:, 0]).indices if dim is None else _lexicographic_order(rows)
            rows = rows.index_select(0, order)
        distinct, inverse, counts = _unique_rows(rows, order, return_inverse, return_counts)
        if dim is None:
            distinct = distinct.reshape(-1)
            if inverse is not None:
                inverse = inverse.reshape(input.shape)
        else:
            distinct = distinct.reshape(-1, *x.shape[1:]).movedim(0, dim)
    result = [distinct] + [t for t in (inverse, counts) if t is not None]
    return result[0] if len(result) == 1 else tuple(result)


def unique(
    input: Tensor,
    sorted: bool = True,  # noqa: A002 - PyTorch's name
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
):
    """The distinct values of input, ascending (with `dim`: the distinct slices along dim,
    in lexicographic order); with `return_inverse` where each input element (slice) went,
    with `return_counts` how often each occurs. Not differentiable."""
    return _unique(input, dim, True, return_inverse, return_counts)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim=None
):
    """Collapses each run of equal consecutive values (slices along dim) to one."""
    return _unique(input, dim, False, return_inverse, return_counts)


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, ... occurs in a 1-D non-negative integer tensor (the
    sum of the matching `weights` when given), at least `minlength` long."""
    if input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"bincount_cpu\" not implemented for '{TYPE_WORD[input.dtype.name]}'"
        )
    if input.ndim != 1 or (input.numel() and int(input.min().item()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    size = max(minlength, int(input.max().item()) + 1 if input.numel() else 0)
    if weights is None:
        counts = input.new_zeros(size, dtype=_dtype.int64)
        return counts.scatter_add(0, input.to(_dtype.int64), counts.new_ones(input.shape))
    dtype = weights.dtype if weights.dtype.is_floating_point else _dtype.float64
    totals = weights.new_zeros(size, dtype=dtype)
    return totals.scatter_add(0, input.to(_dtype.int64), weights.to(dtype))


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of the elements in `bins` equal-width bins over [min, max] (the data's range
    when min == max); elements outside are ignored, max goes into the last bin."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{TYPE_WORD[input.dtype.name]}'"
        )
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if min > max:
        raise RuntimeError("torch.histc: max must be larger than min")
    with grad_mode.no_grad():
        x = input.detach().reshape(-1)
        low, high = float(min), float(max)
        if low == high and x.numel():
            low, high = float(x.min().item()), float(x.max().item())
        if low == high:
            low, high = low - 1, high + 1
        inside = (x >= low) & (x <= high)  # NaN is in no bin
        x = x[inside]
        # PyTorch's order of operations, so values on a bin edge land in the same bin
        position = ((x - low) * bins / (high - low)).floor().to(_dtype.int64).clamp(max=bins - 1)
        counts = input.new_zeros(bins)
        return counts.scatter_add(0, position, x.new_ones(x.shape))


# --- binary search -----------------------------------------------------------------------------


def searchsorted(
    sorted_sequence: Tensor,
    input,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Tensor | None = None,
) -> Tensor:
    """The positions at which `input`'s values would be inserted into the innermost rows
    of `sorted_sequence` to keep them sorted: before equal elements, or after them with
    `right=True` / `side='right'`; `sorter` sorts an unsorted sequence (argsort's)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    scalar = not isinstance(input, Tensor)
    values = sorted_sequence.new_full((), input) if scalar else input
    sequence = sorted_sequence
    if sequence.ndim > 1 and (scalar or tuple(sequence.shape[:-1]) != tuple(values.shape[:-1])):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(sequence.shape)} and input value tensor "
            f"{list(values.shape)}"
        )
    if sorter is not None:
        if sorter.dtype is not _dtype.int64:
            raise RuntimeError(
                "torch.searchsorted(): sorter must be a tensor of long dtype but got dtype "
                f"{TYPE_WORD[sorter.dtype.name]}"
            )
        if tuple(sorter.shape) != tuple(sequence.shape):
            raise RuntimeError(
                "torch.searchsorted(): boundary and sorter must have the same size, but got "
                f"boundary tensor {list(sequence.shape)}and got sorter tensor "
                f"{list(sorter.shape)}"
            )
        sequence = sequence.gather(-1, sorter)
    with grad_mode.no_grad():
        dtype = _dtype.result_type([sequence.dtype, values.dtype], [], [])
        if dtype is _dtype.float16:  # Numba has no half arithmetic
            dtype = _dtype.float32
        n = sequence.shape[-1] if sequence.ndim else 1
        rows = cast(sequence.detach(), dtype).contiguous().reshape(-1, n)
        flat = cast(values.detach(), dtype).contiguous()
        width = values.shape[-1] if values.ndim and sequence.ndim > 1 else max(values.numel(), 1)
        flat = flat.reshape(-1, width) if values.numel() else flat.reshape(0, 1)
        out = empty(flat.shape, _dtype.int64, values.device)
        kernels(values).search_sorted(rows._array, flat._array, out._array, bool(right))
        out = out.reshape(values.shape)
    return out.to(_dtype.int32) if out_int32 else out


def bucketize(input, boundaries: Tensor, *, out_int32: bool = False, right: bool = False):
    """The bucket of each value given 1-D ascending `boundaries`: i with boundaries[i-1] <
    x <= boundaries[i] (<= and < with `right=True`)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# --- take, masked_scatter, rot90, diag_embed ------------------------------------------------


def _check_long(name: str, index: Tensor) -> None:
    if index.dtype is not _dtype.int64:
        raise RuntimeError(
            f"{name}(): Expected a long tensor for index, but got {TYPE_WORD[index.dtype.name]}"
        )


def take(input: Tensor, index: Tensor) -> Tensor:
    """input as if flattened, read at `index` (negative entries count from the end); the
    result has index's shape."""
    _check_long("take", index)
    n = input.numel()
    if index.numel():
        low, high = int(index.min().item()), int(index.max().item())
        if low < -n or high >= n:
            bad = low if low < -n else high
            raise IndexError(
                f"out of range: tried to access index {bad} on a tensor of {n} elements."
            )
    flat = index.reshape(-1)
    flat = (flat + n).where(flat < 0, flat)
    return input.reshape(-1).index_select(0, flat).reshape(index.shape)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """gather with broadcasting: input and indices broadcast against each other except
    along dim; dim None: over the flattened input."""
    if indices.dtype is not _dtype.int64:
        raise RuntimeError(
            "torch.take_along_dim(): dtype of indices should be Long but got "
            f"{TYPE_WORD[indices.dtype.name]}"
        )
    if dim is None:
        return input.reshape(-1).gather(0, indices.reshape(-1))
    if input.ndim != indices.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    dim = wrap_dim(dim, input.ndim)
    shape = list(broadcast_shapes(
        tuple(1 if d == dim else n for d, n in enumerate(input.shape)),
        tuple(1 if d == dim else n for d, n in enumerate(indices.shape)),
    ))  # fmt: skip
    input_shape, index_shape = list(shape), list(shape)
    input_shape[dim], index_shape[dim] = input.shape[dim], indices.shape[dim]
    return input.expand(*input_shape).gather(dim, indices.expand(*index_shape))


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """input with the elements where `mask` (broadcast) is true replaced by source's first
    elements, in order."""
    if mask.dtype is not _dtype.bool:
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{TYPE_WORD[mask.dtype.name]}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "masked_scatter: expected self and source to have same dtypes but got"
            f"{TYPE_WORD[input.dtype.name]} and {TYPE_WORD[source.dtype.name]}"
        )
    shape = broadcast_shapes(tuple(input.shape), tuple(mask.shape))
    mask = mask.expand(*shape)
    count = int(mask.sum().item())
    if count > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    result = input.expand(*shape).clone()
    result[mask] = source.reshape(-1)[:count]
    return result


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """input rotated by k quarter turns in the plane of `dims`, from the first dim towards
    the second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    first, second = (wrap_dim(d, input.ndim) for d in dims)
    if first == second:
        raise RuntimeError(
            f"expected rotation dims to be different, but got dim0 = {first} and dim1 = {second}"
        )
    k %= 4
    if k == 1:
        return input.flip(second).transpose(first, second)
    if k == 2:
        return input.flip(first, second)
    if k == 3:
        return input.flip(first).transpose(first, second)
    return input.clone()


class DiagEmbed(BuiltinFunction):
    """Zeros with the last dim of x on the `offset`-th diagonal of the (dim1, dim2) planes;
    the gradient is that diagonal of the incoming gradient."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.meta = (offset, dim1, dim2)
        size = x.shape[-1] + abs(offset)
        shape = list(x.shape[:-1])
        for d in sorted((dim1, dim2)):
            shape.insert(d, size)
        out = empty(tuple(shape), x.dtype, x.device)
        kernels(x).fill(out._array, 0)
        target = view_of(out, *_diagonal_geometry(out, offset, dim1, dim2))
        kernels(x).copy(x._array, target._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        offset, dim1, dim2 = ctx.meta
        return diagonal(grad, offset, dim1, dim2), None, None, None


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Batches of diagonal matrices: the last dim of input on the `offset`-th diagonal of
    new dims dim1 and dim2 (of the result's ndim)."""
    ndim = input.ndim + 1
    dim1, dim2 = wrap_dim(dim1, ndim), wrap_dim(dim2, ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return DiagEmbed.apply(input, int(offset), dim1, dim2)
