"""Indexing ops: index_select, gather, scatter/scatter_add, index_add, masked_fill,
nonzero, and `Tensor.__getitem__`/`__setitem__` with basic and advanced indices.

Every index a kernel reads or writes through passes `_check_index_range` on the host
first, and every source a kernel reads is checked against the index's shape, so the
kernels themselves carry no bounds checks."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from .. import _dtype
from ..autograd.function import BuiltinFunction
from ..tensor import from_array, view_of
from ._common import (
    TYPE_WORD,
    broadcast_shapes,
    cast,
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

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


OUT_OF_BOUNDS = "index {index} is out of bounds for dimension {dim} with size {size}"
OUT_OF_RANGE = "index out of range in self"


def _check_index_range(
    index: Tensor,
    size: int,
    dim: int = 0,
    error: type[Exception] = IndexError,
    *,
    negative: bool = True,
    message: str = OUT_OF_BOUNDS,
    last: bool = False,
) -> Tensor:
    """The one range check of every index a kernel reads or writes through, made on the
    host before the launch: each entry must lie in [-size, size), or in [0, size) when
    `negative` is False, else `error(message)` names the first bad entry (the last with
    `last`) as PyTorch does; `message` may use {index}, {dim} and {size}. Returns the index
    as the contiguous int64 tensor the kernels take, negative entries wrapped. The check
    costs one min and one max reduction; the bad entry is looked for only on failure."""
    floor = -size if negative else 0
    low = 0
    if index.numel():
        low, high = int(index.min().item()), int(index.max().item())
        if low < floor or high >= size:
            flat = index.reshape(-1)
            found = nonzero((flat < floor).logical_or(flat >= size))
            bad = int(flat[int(found[-1 if last else 0, 0].item())].item())
            raise error(message.format(index=bad, dim=dim, size=size))
    index = cast(index, _dtype.int64).contiguous()
    if low < 0:
        index = (index + size).where(index < 0, index).contiguous()
    return index


def _layout(x: Tensor, dim: int) -> tuple[Tensor, int, int]:
    x = x.contiguous()
    inner = 1
    for s in x.shape[dim + 1 :]:
        inner *= s
    return x, x.shape[dim], inner


# The Functions below take indices already through `_check_index_range` (int64,
# contiguous, in range); their backward passes reuse the saved index without a second
# check, since autograd refuses a saved tensor modified in place after forward.


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
        return IndexAdd.apply(grad.new_zeros(shape), dim, index, grad, True), None, None


class Index(IndexSelect):
    """Advanced indexing (`x[idx]`, `x[mask]`), which PyTorch names IndexBackward0."""


class IndexAdd(BuiltinFunction):
    """x with the slices `index` along dim replaced by (or, with accumulate, added to) the
    slices of `source`, whose shape the caller has checked against x and the index."""

    @staticmethod
    def forward(ctx, x, dim, index, source, accumulate):
        ctx.meta = (dim, source.shape)
        ctx.save_for_backward(index)
        out, n, inner = _layout(x.clone(), dim)
        src = source.to(x.dtype).contiguous()
        _add_into(
            lambda target, values: kernels(x).index_put(
                target, index._array, values, n, inner, accumulate
            ),
            out,
            src,
        )
        ctx.accumulate = accumulate
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, shape = ctx.meta
        (index,) = ctx.saved_tensors
        grad_x = grad if ctx.accumulate else _fill_slices(grad, dim, index, 0)
        return grad_x, None, None, IndexSelect.apply(grad, dim, index).reshape(shape), None


def _fill_slices(x: Tensor, dim: int, index: Tensor, value) -> Tensor:
    shape = list(x.shape)
    shape[dim] = index.numel()
    return IndexAdd.apply(x, dim, index, _full(tuple(shape), value, x), False)


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
        return ScatterAdd.apply(grad.new_zeros(shape), dim, index, grad, True), None, None


class Scatter(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, index, src, accumulate):
        ctx.meta = (dim, accumulate, src.shape if isinstance(src, Tensor) else None)
        ctx.save_for_backward(index)
        out = x.clone()
        if not isinstance(src, Tensor):
            src = _full(index.shape, src, x)
        _add_into(
            lambda target, values: kernels(x).scatter(
                target, index._array, dim, values, accumulate
            ),
            out,
            src.to(x.dtype),
        )
        return out

    @staticmethod
    def backward(ctx, grad):
        dim, accumulate, src_shape = ctx.meta
        (index,) = ctx.saved_tensors
        grad_x = grad if accumulate else Scatter.apply(grad, dim, index, 0.0, False)
        grad_src = None
        if src_shape is not None and ctx.needs_input_grad[3]:
            grad_src = Gather.apply(grad, dim, index)
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
# Each op checks its arguments in PyTorch's order, with PyTorch's exception types and
# messages, before anything is written; a 0-d tensor indexes as a vector of size 1.


def _size(input: Tensor, dim: int) -> int:
    return input.shape[dim] if input.ndim else 1


def _vector(t: Tensor) -> Tensor:
    return t.reshape(1) if t.ndim == 0 else t


def _word(t: Tensor) -> str:
    return TYPE_WORD[t.dtype.name]


_INDEX_DTYPES = (_dtype.int64, _dtype.int32)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    check_device(input, index)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    index = _check_index_range(
        index.reshape(-1), _size(input, dim), dim, negative=False, message=OUT_OF_RANGE
    )
    if input.ndim == 0:
        return IndexSelect.apply(input.reshape(1), 0, index).reshape(())
    return IndexSelect.apply(input, dim, index)


def _check_index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, alpha) -> Tensor:
    """PyTorch's index_add_ checks; returns the checked index."""
    check_device(input, index, source)
    if index.ndim > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with "
            f"type: {_word(index)} and size: {list(index.shape)}"
        )
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(
            f"index_add_(): Expected dtype int32/int64 for index but got: {_word(index)}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            f"index_add_(): self ({_word(input)}) and source ({_word(source)}) must have the "
            "same scalar type"
        )
    if dim != 0 and dim >= source.ndim:
        raise RuntimeError(
            f"index_add_(): Indexing dim {dim} is out of bounds of the source tensor with dim "
            f"{source.ndim}"
        )
    if source.ndim == 0 and index.numel() != 1:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    if source.ndim and index.numel() != source.shape[dim]:
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.numel()}) should be equal to "
            f"source.size(dim): ({source.shape[dim]}), for dim: {dim}"
        )
    if _slices(input, dim, bool(source.ndim)) != _slices(source, dim, bool(input.ndim)):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(input.shape)} source.shape = "
            f"{list(source.shape)}"
        )
    # PyTorch's message follows its kernel choice: scatter_add's for a 2-D self and alpha 1
    if input.ndim == 2 and alpha == 1:
        return _check_index_range(index, input.shape[dim], dim, RuntimeError, negative=False)
    return _check_index_range(index, _size(input, dim), dim, negative=False, message=OUT_OF_RANGE)


def _slices(t: Tensor, dim: int, drop: bool = True) -> list:
    """t's shape without `dim` (kept whole when `drop` is False or t is 0-d)."""
    shape = list(t.shape)
    if drop and shape:
        del shape[dim]
    return shape


def _index_put(input, dim, index, source, accumulate: bool) -> Tensor:
    if input.ndim == 0:
        return IndexAdd.apply(input.reshape(1), 0, index, source.reshape(1), accumulate).reshape(())
    return IndexAdd.apply(input, dim, index, source, accumulate)


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    index = _check_index_add(input, dim, index, source, alpha)
    source = source * alpha if alpha != 1 else source
    return _index_put(input, dim, _vector(index), source, True)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    count = index.numel()
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    if source.ndim == 0 and count != 1:
        raise IndexError(
            f"index_copy_(): When source is scalar, index should have one element (got {count})"
        )
    if source.ndim != input.ndim and source.ndim and input.ndim:
        raise IndexError(
            "index_copy_(): When source and destination are not scalars, their dimensionality "
            f"must match. Source dimensionality ({source.ndim}), destination dimensionality "
            f"({input.ndim})"
        )
    if index.dtype is not _dtype.int64:
        raise RuntimeError(
            f"index_copy_(): Expected a long tensor for index, but got {_word(index)}"
        )
    if source.dtype is not input.dtype:
        raise RuntimeError(
            "index_copy_(): self and source expected to have the same dtype, but got (self) "
            f"{_word(input)} and (source) {_word(source)}"
        )
    if not input.device == index.device == source.device:
        raise RuntimeError(
            "index_copy_(): self, index and source expected to be in the same device, but got "
            f"(self) {input.device}, (index) {index.device}, and (source) {source.device}"
        )
    destination, sliced = _slices(input, dim), _slices(source, dim)
    if destination != sliced:
        raise RuntimeError(
            "index_copy_(): Source/destination tensor must have same slice shapes. Destination "
            f"slice shape: {' '.join(map(str, destination))} at dimension {dim} and source "
            f"slice shape: {' '.join(map(str, sliced))} at dimension 0."
        )
    if source.ndim and count != source.shape[dim]:
        raise IndexError(
            f"index_copy_(): Number of indices ({count}) should be equal to source.size(dim) "
            f"({source.shape[dim]})"
        )
    index = _check_index_range(
        index,
        _size(input, dim),
        dim,
        negative=False,
        message="index_copy_(): " + OUT_OF_BOUNDS,
    )
    return _index_put(input, dim, _vector(index), source.reshape(source.shape or (1,)), False)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    check_device(input, index)
    if index.dtype is not _dtype.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)."
            )
        value = value.item()
    index = _vector(_check_index_range(index, _size(input, dim), dim))
    if input.ndim == 0:
        return _fill_slices(input.reshape(1), 0, index, value).reshape(())
    return _fill_slices(input, dim, index, value)


def _check_gather(name: str, input: Tensor, dim: int, index: Tensor, src=None) -> Tensor:
    """PyTorch's gather/scatter checks, in its order (a 0-d tensor counts as size [1]);
    returns the checked index. gather and scatter raise RuntimeError for an index out of
    range, unlike indexing (PyTorch's choice)."""
    check_device(input, index, src)
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError(f"{name}(): Expected self.dtype to be equal to src.dtype")
    if index.numel():
        ndim = max(input.ndim, 1)
        if max(index.ndim, 1) != ndim:
            raise RuntimeError(
                "Index tensor must have the same number of dimensions as "
                f"{'input' if name == 'gather' else 'self'} tensor"
            )
        sizes, index_sizes = _vector(input).shape, _vector(index).shape
        wrong = [d for d in range(ndim) if d != dim and index_sizes[d] > sizes[d]]
        if name == "gather" and wrong:
            raise RuntimeError(
                f"Size does not match at dimension {wrong[0]} expected index "
                f"{list(index.shape)} to be no larger than self {list(input.shape)} apart from "
                f"dimension {dim}"
            )
        if isinstance(src, Tensor):
            src_sizes = _vector(src).shape
            if not wrong:
                wrong = [
                    d for d in range(ndim) if index_sizes[d] > src_sizes[wrap_dim(d, src.ndim)]
                ]
            if wrong:
                raise RuntimeError(
                    f"Expected index {list(index.shape)} to be no larger than self "
                    f"{list(input.shape)} apart from dimension {dim} and to be no larger size "
                    f"than src {list(src.shape)}"
                )
            if len(src_sizes) != ndim:
                raise RuntimeError(
                    "Index tensor must have the same number of dimensions as src tensor"
                )
        elif wrong:
            raise RuntimeError(
                f"Expected index {list(index.shape)} to be no larger than self "
                f"{list(input.shape)} apart from dimension {dim}"
            )
    return _check_index_range(index, _size(input, dim), dim, RuntimeError, negative=False)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    index = _check_gather("gather", input, dim, index)
    if input.ndim == 0 or index.ndim == 0:
        return Gather.apply(_vector(input), 0, _vector(index)).reshape(index.shape)
    return Gather.apply(input, dim, index)


def _scatter(input, dim, index, src, accumulate: bool) -> Tensor:
    function = ScatterAdd if accumulate else Scatter
    if input.ndim == 0 or index.ndim == 0:
        src = _vector(src) if isinstance(src, Tensor) else src
        flat = function.apply(_vector(input), 0, _vector(index), src, accumulate)
        return flat.reshape(input.shape)
    return function.apply(input, dim, index, src, accumulate)


def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None):
    dim = wrap_dim(dim, input.ndim)
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if reduce == "multiply":
        raise NotImplementedError("scatter: reduce='multiply' is not supported")
    src = value if src is None else src
    index = _check_gather("scatter", input, dim, index, src)
    return _scatter(input, dim, index, src, reduce == "add")


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    dim = wrap_dim(dim, input.ndim)
    index = _check_gather("scatter", input, dim, index, src)
    return _scatter(input, dim, index, src, True)


def masked_fill(input, mask, value):
    return MaskedFill.apply(input, mask, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of input where mask is True, as a 1-D tensor; input and mask broadcast
    against each other."""
    if mask.dtype != _dtype.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = broadcast_shapes(mask.shape, input.shape)  # PyTorch names mask as tensor a
    return input.expand(shape)[mask.expand(shape)]


def nonzero(input, *, as_tuple=False):
    found = from_array(kernels(input).nonzero(input.contiguous()._array), input.device)
    if as_tuple:
        return tuple(found[:, d] for d in range(max(input.ndim, 1)))
    return found


def argwhere(input):
    return nonzero(input)


# --- __getitem__ / __setitem__ -------------------------------------------------------------


def _normalize(index, x: Tensor) -> tuple:
    """A tuple index with lists/arrays/bools made tensors (checked by `_index_tensor`) and
    Ellipsis expanded."""
    from .._creation import tensor

    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for item in index:
        if isinstance(item, range):  # indexes as the list of its values, as in PyTorch
            item = list(item)
        if isinstance(item, (list, np.ndarray, bool)):
            item = tensor(item)
            if item.dtype.is_floating_point and not item.numel():
                item = item.to(_dtype.int64)  # x[[]] selects nothing
        if isinstance(item, Tensor):
            item = _index_tensor(item, x)
        items.append(item)
    ndim = x.ndim
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


def _index_tensor(item: Tensor, x: Tensor) -> Tensor:
    """An index tensor of a type PyTorch accepts (a byte mask taken as bool, with its
    warning), on x's device: a CPU index moves there, one on another device is refused."""
    if item.dtype is _dtype.uint8:
        warnings.warn(
            "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool "
            "instead.",
            UserWarning,
            stacklevel=4,
        )
        item = item.to(_dtype.bool)
    elif item.dtype not in (*_INDEX_DTYPES, _dtype.bool):
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if item.device != x.device:
        if item.device.type != "cpu":
            raise RuntimeError(
                "indices should be either on cpu or on the same device as the indexed tensor "
                f"({x.device})"
            )
        item = item.to(x.device)
    return item


def getitem(x: Tensor, index):
    items = _normalize(index, x)
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
    # PyTorch's message numbers a bad index by its place among the index tensors; each
    # in range keeps the folded index inside the block
    for position, (d, t) in enumerate(zip(dims, tensors)):
        size = view.shape[d]
        t = _check_index_range(t, size, position)
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
        result = SetItem.apply(x.clone(), value, index, False)
        write_into(x, result)
        return
    _write(x, index, value)
    x._bump_version()


def _write(x: Tensor, index, value, accumulate: bool = False) -> None:
    """x[index] = value (+= with accumulate) without autograd, directly into x's memory."""
    items = _normalize(index, x)
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
        and not accumulate
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
        _write_linear(work, start, length, shape, linear, value, accumulate)
        kernels(x).copy(work._array, view._array)
    else:
        _write_linear(view, start, length, shape, linear, value, accumulate)


def _add_into(launch, target: Tensor, values: Tensor) -> None:
    """launch(target's array, values' array): a kernel that writes (or adds) values into
    target in place. float16 and bfloat16 go through float32 copies, written back: the
    kernels have no half arithmetic to add with (and bfloat16's bits are integers)."""
    if target.dtype not in _dtype.HALF_TYPES:
        launch(target._array, values._array)
        return
    wide = cast(target, _dtype.float32)
    launch(wide._array, cast(values, _dtype.float32)._array)
    kernels(target).copy(wide._array, target._array)


def _write_linear(view, start, length, shape, linear, value, accumulate: bool):
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
    _add_into(
        lambda target, source: kernels(view).index_put(
            target, linear._array, source, n, inner, accumulate
        ),
        flat,
        values,
    )


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
    """x[index] = value (+= with accumulate) with autograd: the gradient of x is zero where
    it was overwritten; value's is the gradient of those elements, summed to its shape."""

    node_name = "CopySlices"

    @staticmethod
    def forward(ctx, x, value, index, accumulate):
        ctx.meta = (index, value.shape if isinstance(value, Tensor) else None, accumulate)
        _write(x, index, value, accumulate)
        return x

    @staticmethod
    def backward(ctx, grad):
        index, value_shape, accumulate = ctx.meta
        grad_x = grad
        if not accumulate:
            grad_x = grad.clone()
            _write(grad_x, index, 0.0)
        grad_value = None
        if value_shape is not None:
            grad_value = (
                getitem(grad, index).sum_to_size(value_shape) if _numel(value_shape) > 0 else None
            )
        return grad_x, grad_value, None, None


class IndexPut(SetItem):
    """`index_put`, whose node PyTorch names IndexPutBackward0 (SetItem's is CopySlices)."""


def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """input with input[indices] = values, or += with accumulate (repeated indices add
    up); `indices` is a tuple of index tensors, checked as advanced indexing's are."""
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            "index_put_(): argument 'indices' (position 1) must be tuple of Tensors, not "
            f"{type(indices).__name__}"
        )
    for i, item in enumerate(indices):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"expected Tensor as element {i} in argument 0, but got {type(item).__name__}"
            )
    if not isinstance(values, Tensor):
        raise TypeError(
            "index_put_(): argument 'values' (position 2) must be Tensor, not "
            f"{type(values).__name__}"
        )
    if values.dtype is not input.dtype:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got {_word(input)} "
            f"for the destination and {_word(values)} for the source."
        )
    if tracking(input, values):
        return IndexPut.apply(input.clone(), values, tuple(indices), accumulate)
    result = input.clone()
    _write(result, tuple(indices), values, accumulate)
    return result


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
    "index_put",
    "index_select",
    "masked_fill",
    "masked_select",
    "nonzero",
    "scatter",
    "scatter_add",
    "setitem",
    "view_of",
]
