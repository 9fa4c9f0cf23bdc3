"""Indexing ops: index_select, gather, scatter/scatter_add, index_add, masked_fill,
nonzero, and `Tensor.__getitem__`/`__setitem__` with basic and advanced indices."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from ..autograd.function import BuiltinFunction
from ..tensor import Tensor, from_array, view_of
from ._common import (
    check_device,
    check_inplace,
    check_internal_overlap,
    empty,
    expanded_array,
    kernels,
    overlaps,
    tracking,
    wrap_dim,
    write_into,
)
from .shape import basic_index, geometry


def _check_index_range(index: Tensor, size: int, dim: int, error=IndexError) -> None:
    if index.numel():
        low, high = int(index.min().item()), int(index.max().item())
        bad = high if high >= size else low
        if high >= size or low < -size:
            raise error(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _layout(x: Tensor, dim: int) -> tuple[Tensor, int, int]:
    x = x.contiguous()
    inner = 1
    for s in x.shape[dim + 1 :]:
        inner *= s
    return x, x.shape[dim], inner


def _as_index(index: Tensor, size: int) -> Tensor:
    """A contiguous int64 index with negative entries wrapped."""
    index = index.to(_dtype.int64).contiguous()
    if index.numel() and int(index.min().item()) < 0:
        index = (index + size).where(index < 0, index).contiguous()
    return index


class IndexSelect(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.meta = (x.shape, dim)
        ctx.save_for_backward(index)
        source, n, inner = _layout(x, dim)
        shape = list(x.shape)
        shape[dim] = index.numel()
        out = empty(shape, x.dtype, x.device)
        kernels(x).index_select(source._array, index._array, out._array, n, inner)
        return out

    @staticmethod
    def backward(ctx, grad):
        shape, dim = ctx.meta
        (index,) = ctx.saved_tensors
        return grad.new_zeros(shape).index_add(dim, index, grad), None, None


class Index(IndexSelect):
    """Advanced indexing (`x[idx]`, `x[mask]`), which PyTorch names IndexBackward0."""


class IndexAdd(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, index, source, accumulate):
        ctx.meta = (dim, source.shape)
        ctx.save_for_backward(index)
        out, n, inner = _layout(x.clone(), dim)
        src = source.to(x.dtype).contiguous()
        kernels(x).index_put(out._array, index._array, src._array, n, inner, accumulate)
        ctx.accumulate = accumulate
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, shape = ctx.meta
        (index,) = ctx.saved_tensors
        grad_x = grad if ctx.accumulate else grad.index_fill(dim, index, 0)
        return grad_x, None, None, grad.index_select(dim, index).reshape(shape), None


class Gather(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.meta = (x.shape, dim)
        ctx.save_for_backward(index)
        out = empty(index.shape, x.dtype, x.device)
        kernels(x).gather(x._array, index._array, dim, out._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        shape, dim = ctx.meta
        (index,) = ctx.saved_tensors
        return grad.new_zeros(shape).scatter_add(dim, index, grad), None, None


class Scatter(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, index, src, accumulate):
        ctx.meta = (dim, accumulate, src.shape if isinstance(src, Tensor) else None)
        ctx.save_for_backward(index)
        out = x.clone()
        if not isinstance(src, Tensor):
            src = _full(index.shape, src, x)
        kernels(x).scatter(out._array, index._array, dim, src.to(x.dtype)._array, accumulate)
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, accumulate, src_shape = ctx.meta
        (index,) = ctx.saved_tensors
        grad_x = grad if accumulate else grad.scatter(dim, index, 0.0)
        grad_src = None
        if src_shape is not None and ctx.needs_input_grad[3]:
            grad_src = grad.gather(dim, index)
            if tuple(src_shape) != tuple(index.shape):  # src larger than index: pad
                padded = grad_src.new_zeros(src_shape)
                padded[tuple(slice(0, n) for n in index.shape)] = grad_src
                grad_src = padded
        return grad_x, None, None, grad_src, None


class ScatterAdd(Scatter):
    pass


class MaskedFill(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, mask, value):
        from ._common import broadcast_shapes

        check_device(x, mask)
        if mask.dtype is not _dtype.bool:
            raise RuntimeError(
                f"masked_fill_ only supports boolean masks, but got mask with dtype "
                f"{mask.dtype.name if mask.dtype.name != 'uint8' else 'unsigned char'}"
            )
        shape = broadcast_shapes(x.shape, mask.shape)
        if tuple(shape) != tuple(x.shape):
            raise RuntimeError(
                f"The size of tensor a ({x.shape[-1]}) must match the size of tensor b "
                f"({mask.shape[-1]}) at non-singleton dimension {x.ndim - 1}"
            )
        ctx.save_for_backward(mask)
        fill = value.to(x.dtype) if isinstance(value, Tensor) else _full((), value, x)
        out = empty(x.shape, x.dtype, x.device)
        kernels(x).where(
            expanded_array(mask, shape), expanded_array(fill, shape), x._array, out._array
        )
        return out

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad.masked_fill(mask, 0.0), None, None


def _full(shape, value, like: Tensor) -> Tensor:
    t = empty(shape, like.dtype, like.device)
    kernels(like).fill(t._array, value)
    return t


# --- functional API ----------------------------------------------------------------------


def index_select(input, dim, index):
    dim = wrap_dim(dim, input.ndim)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype.is_floating_point or index.dtype is _dtype.bool:
        raise RuntimeError(
            "index_select(): Expected dtype int32/int64 for index but got: "
            f"{index.dtype.name.capitalize()}"
        )
    size = input.shape[dim] if input.ndim else 1
    _check_index_range(index, size, dim)
    return IndexSelect.apply(input, dim, _as_index(index.reshape(-1), size))


def index_add(input, dim, index, source, *, alpha=1):
    dim = wrap_dim(dim, input.ndim)
    source = source * alpha if alpha != 1 else source
    return IndexAdd.apply(input, dim, _as_index(index, input.shape[dim]), source, True)


def index_copy(input, dim, index, source):
    dim = wrap_dim(dim, input.ndim)
    return IndexAdd.apply(input, dim, _as_index(index, input.shape[dim]), source, False)


def index_fill(input, dim, index, value):
    dim = wrap_dim(dim, input.ndim)
    shape = list(input.shape)
    shape[dim] = index.numel()
    return index_copy(input, dim, index, _full(tuple(shape), value, input))


def _check_gather(name, input, dim, index):
    if index.dtype is not _dtype.int64:
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    if index.ndim != input.ndim and input.ndim:
        raise RuntimeError(
            "Index tensor must have the same number of dimensions as input tensor"
            if name == "gather"
            else "Index tensor must have the same number of dimensions as self tensor"
        )
    for d in range(index.ndim):
        if d != dim and index.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                f"smaller than self {list(input.shape)} apart from dimension {dim}"
            )
    # gather and scatter raise RuntimeError here, unlike indexing (PyTorch's choice)
    _check_index_range(index, input.shape[dim] if input.ndim else 1, dim, RuntimeError)


def gather(input, dim, index, *, sparse_grad=False):
    dim = wrap_dim(dim, input.ndim)
    _check_gather("gather", input, dim, index)
    return Gather.apply(input, dim, _as_index(index, input.shape[dim]))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    dim = wrap_dim(dim, input.ndim)
    _check_gather("scatter", input, dim, index)
    src = value if src is None else src
    if reduce == "add":
        return ScatterAdd.apply(input, dim, _as_index(index, input.shape[dim]), src, True)
    return Scatter.apply(input, dim, _as_index(index, input.shape[dim]), src, False)


def scatter_add(input, dim, index, src):
    dim = wrap_dim(dim, input.ndim)
    _check_gather("scatter_add", input, dim, index)
    return ScatterAdd.apply(input, dim, _as_index(index, input.shape[dim]), src, True)


def masked_fill(input, mask, value):
    return MaskedFill.apply(input, mask, value)


def masked_select(input, mask):
    return input[mask.expand_as(input)] if mask.shape != input.shape else input[mask]


def nonzero(input, *, as_tuple=False):
    found = from_array(kernels(input).nonzero(input.contiguous()._array), input.device)
    if as_tuple:
        return tuple(found[:, d] for d in range(max(input.ndim, 1)))
    return found


def argwhere(input):
    return nonzero(input)


# --- __getitem__ / __setitem__ -------------------------------------------------------------


def _normalize(index, ndim: int) -> tuple:
    """A tuple index with lists/arrays made tensors and Ellipsis expanded."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for item in index:
        if isinstance(item, (list, np.ndarray)):
            from .._creation import tensor

            item = tensor(item)
            if item.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        elif isinstance(item, bool):
            from .._creation import tensor

            item = tensor(item)
        items.append(item)
    consumed = sum(
        (it.ndim if isinstance(it, Tensor) and it.dtype is _dtype.bool else 1)
        for it in items
        if it is not None and it is not Ellipsis
    )
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if Ellipsis in [it if it is Ellipsis else None for it in items]:
        at = next(i for i, it in enumerate(items) if it is Ellipsis)
        items[at : at + 1] = [slice(None)] * (ndim - consumed)
    return tuple(items)


def getitem(x: Tensor, index):
    items = _normalize(index, x.ndim)
    if not any(isinstance(it, Tensor) for it in items):
        return basic_index(x, items)
    # basic part first, leaving full slices where the tensors stand
    basic, positions, dim = [], [], 0
    for it in items:
        if isinstance(it, Tensor):
            span = it.ndim if it.dtype is _dtype.bool else 1
            if it.dtype is _dtype.bool and it.ndim == 0:
                basic.append(None)  # x[True] adds a dim of size 1
                positions.append((dim, 1, it.unsqueeze(0)))
                dim += 1
                continue
            positions.append((dim, span, it))
            basic += [slice(None)] * span
            dim += span
        elif it is None:
            basic.append(None)
            dim += 1
        elif isinstance(it, slice):
            basic.append(it)
            dim += 1
        else:
            basic.append(it)
    view = basic_index(x, tuple(basic))
    return _advanced(view, positions)


def _linear_index(view: Tensor, positions) -> tuple[Tensor, int, int, tuple]:
    """Fold the advanced indices into one int64 index over a flattened block of dims:
    returns (view with the block moved to the front when needed, block start, block
    length, result shape of the index)."""
    from ._common import broadcast_shapes

    dims, tensors = [], []
    for dim, span, it in positions:
        if it.dtype is _dtype.bool:
            shape = view.shape[dim : dim + span]
            if tuple(it.shape) != tuple(shape):
                bad = next(i for i, (a, b) in enumerate(zip(it.shape, shape)) if a != b)
                raise IndexError(
                    f"The shape of the mask {list(it.shape)} at index {bad} does not match the "
                    f"shape of the indexed tensor {list(view.shape)} at index {dim + bad}"
                )
            found = nonzero(it)
            dims += list(range(dim, dim + span))
            tensors += [found[:, k] for k in range(span)]
        else:
            if it.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            dims.append(dim)
            tensors.append(it)
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    if not adjacent:
        order = dims + [d for d in range(view.ndim) if d not in dims]
        view = view.permute(*order)
        dims = list(range(len(dims)))
    start = dims[0]
    shape = broadcast_shapes(*(t.shape for t in tensors))
    linear = None
    for d, t in zip(dims, tensors):
        size = view.shape[d]
        _check_index_range(t, size, d)
        t = _as_index(t, size)
        linear = t if linear is None else linear * size + t
    return view, start, len(dims), tuple(shape), linear.expand(*shape).reshape(-1)


def _advanced(view: Tensor, positions) -> Tensor:
    view, start, length, shape, linear = _linear_index(view, positions)
    flat = (
        view.reshape(*view.shape[:start], -1, *view.shape[start + length :])
        if length != 1
        else view
    )
    picked = Index.apply(flat, start, linear.contiguous())
    result_shape = (*view.shape[:start], *shape, *view.shape[start + length :])
    # no reshape node when the shape is already right: x[idx] is IndexBackward0
    return picked if tuple(picked.shape) == result_shape else picked.reshape(*result_shape)


def setitem(x: Tensor, index, value) -> None:
    check_inplace(x, fill=True)  # the written-to part is checked where it is known
    if tracking(x, value):
        result = SetItem.apply(x.clone(), value, index)
        write_into(x, result)
        return
    _write(x, index, value)
    x._bump_version()


def _write(x: Tensor, index, value) -> None:
    """x[index] = value without autograd, directly into x's memory."""
    items = _normalize(index, x.ndim)
    if not any(isinstance(it, Tensor) for it in items):
        target = basic_index(x, items).detach()
        _assign(target, value)
        return
    if (
        len(items) == 1
        and isinstance(items[0], Tensor)
        and items[0].dtype is _dtype.bool
        and items[0].shape == x.shape
        and not isinstance(value, Tensor)
    ):
        kernels(x).where(items[0]._array, _full((), value, x)._array, x._array, x._array)
        return
    # advanced: scatter the values through the linear index into x's flattened block
    basic, positions, dim = [], [], 0
    for it in items:
        if isinstance(it, Tensor):
            span = it.ndim if it.dtype is _dtype.bool else 1
            positions.append((dim, span, it))
            basic += [slice(None)] * span
            dim += span
        elif it is None:
            basic.append(None)
            dim += 1
        elif isinstance(it, slice):
            basic.append(it)
            dim += 1
        else:
            basic.append(it)
    view = basic_index(x, tuple(basic)).detach()
    view, start, length, shape, linear = _linear_index(view, positions)
    if not view.is_contiguous():
        work = view.contiguous()
        _write_linear(work, start, length, shape, linear, value)
        kernels(x).copy(work._array, view._array)
    else:
        _write_linear(view, start, length, shape, linear, value)


def _write_linear(view, start, length, shape, linear, value):
    flat = view.reshape(*view.shape[:start], -1, *view.shape[start + length :])
    out_shape = list(flat.shape)
    out_shape[start] = linear.numel()
    target_shape = tuple(view.shape[:start]) + tuple(shape) + tuple(view.shape[start + length :])
    if isinstance(value, Tensor):
        _check_value_shape(value, target_shape)
        values = value.to(view.dtype).expand(*target_shape).reshape(out_shape).contiguous()
    else:
        values = _full(tuple(out_shape), value, view)
    n = flat.shape[start]
    inner = 1
    for s in flat.shape[start + 1 :]:
        inner *= s
    kernels(view).index_put(flat._array, linear._array, values._array, n, inner, False)


def _check_value_shape(value: Tensor, shape: tuple) -> None:
    from ._common import broadcast_shapes

    try:
        fits = tuple(broadcast_shapes(shape, value.shape)) == tuple(shape)
    except RuntimeError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast "
            f"to indexing result of shape {list(shape)}"
        )


def _assign(target: Tensor, value) -> None:
    """target[...] = value for a basic-indexing view: a copy_, whose errors are expand's."""
    if isinstance(value, Tensor):
        check_device(target, value)
        check_internal_overlap(target)
        if overlaps(target, value):
            value = value.clone()
        source = value.to(target.dtype).expand(*target.shape)
        kernels(target).copy(source._array, target._array)
    else:
        kernels(target).fill(target._array, value)


class SetItem(BuiltinFunction):
    """x[index] = value with autograd: the gradient of x is zero where it was
    overwritten; value's is the gradient of those elements, summed to its shape."""

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, value, index):
        ctx.meta = (index, value.shape if isinstance(value, Tensor) else None)
        _write(x, index, value)
        return x

    @staticmethod
    def backward(ctx, grad):
        index, value_shape = ctx.meta
        grad_x = grad.clone()
        _write(grad_x, index, 0.0)
        grad_value = None
        if value_shape is not None:
            grad_value = (
                getitem(grad, index).sum_to_size(value_shape) if _numel(value_shape) > 0 else None
            )
        return grad_x, grad_value, None


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


__all__ = [
    "gather",
    "geometry",
    "getitem",
    "index_add",
    "index_copy",
    "index_fill",
    "index_select",
    "masked_fill",
    "masked_select",
    "nonzero",
    "scatter",
    "scatter_add",
    "setitem",
    "view_of",
]
