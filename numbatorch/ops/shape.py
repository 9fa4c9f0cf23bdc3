"""Views and shape ops: view/reshape, transpose/permute, expand, squeeze/unsqueeze,
basic indexing (slices, ints, None, Ellipsis), narrow, cat/stack/split/chunk. Views share
storage with their base, as in PyTorch; each is an autograd Function."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .._autocast import FP32, autocast_op
from ..autograd.function import BuiltinFunction
from ..tensor import contiguous_strides, view_of
from . import _lane
from ._common import dims_of, empty, kernels, wrap_dim

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def infer_shape(shape, numel: int) -> tuple:
    """Resolve one -1 in `shape`, with PyTorch's errors."""
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = _numel(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    if _numel(shape) != numel or any(s < 0 for s in shape):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def view_strides(old_shape, old_strides, new_shape):
    """Strides that let `new_shape` view memory laid out as (old_shape, old_strides), or
    None when the view would need a copy (PyTorch's computeStride)."""
    if _numel(old_shape) == 0 or not old_shape:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = old_strides[-1]
    tensor_numel = view_numel = 1
    for d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[d]
        if d == 0 or (old_shape[d - 1] != 1 and old_strides[d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if d > 0:
                chunk_base = old_strides[d - 1]
                tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


class View(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        strides = view_strides(tuple(x.shape), x.stride(), shape)
        if strides is None:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            )
        return view_of(x, shape, strides, x._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class UnsafeView(View):
    """A reshape that had to copy first (`_unsafe_view` in PyTorch)."""


class Expand(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        lead = len(shape) - x.ndim
        strides = []
        for i, n in enumerate(shape):
            if i < lead:
                strides.append(0)
                continue
            own = x.shape[i - lead]
            if own == n:
                strides.append(x.stride(i - lead))
            elif own == 1:
                strides.append(0)
            else:
                raise RuntimeError(
                    f"The expanded size of the tensor ({n}) must match the existing size ({own}) "
                    f"at non-singleton dimension {i}.  Target sizes: {list(shape)}.  Tensor sizes: "
                    f"{list(x.shape)}"
                )
        return view_of(x, tuple(shape), tuple(strides), x._offset)

    @staticmethod
    def backward(ctx, grad):
        return grad.sum_to_size(ctx.shape), None


class Permute(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        strides = x.stride()
        return view_of(
            x, tuple(x.shape[d] for d in dims), tuple(strides[d] for d in dims), x._offset
        )

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(*inverse), None


class Transpose(Permute):
    pass


class T(Permute):
    pass


class Squeeze(View):
    pass


class Unsqueeze(View):
    pass


class Slice(BuiltinFunction):
    """A basic-indexing view (ints, slices, None): backward writes the gradient into the
    same view of a zero tensor of the input's shape."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.meta = (x.shape, index)
        return view_of(x, *geometry(x, index))

    @staticmethod
    def backward(ctx, grad):
        shape, index = ctx.meta
        return ViewScatter.apply(grad, shape, Slice, (index,)), None

    @staticmethod
    def geometry(x: Tensor, index: tuple) -> tuple[tuple, tuple, int]:
        return geometry(x, index)


class Select(Slice):
    pass


class ViewScatter(BuiltinFunction):
    """The backward of a view Function `view` (Slice, Diagonal): `grad` written into that
    view of a zero tensor of the input's shape. A Function of its own so that a double
    backward (create_graph) sees it: its gradient is the same view of the incoming one."""

    @staticmethod
    def forward(ctx, grad, shape, view, args):
        ctx.view, ctx.args = view, args
        result = grad.new_zeros(shape)
        target = view_of(result, *view.geometry(result, *args))
        kernels(grad).copy(grad._array, target._array)
        return result

    @staticmethod
    def backward(ctx, grad):
        return ctx.view.apply(grad, *ctx.args), None, None, None


def geometry(x: Tensor, index: tuple) -> tuple[tuple, tuple, int]:
    """(shape, strides, offset) of x[index] for an index of ints, slices and None that
    names every dim of x or fewer."""
    shape, strides, offset = [], [], x._offset
    in_shape, in_strides = x.shape, x.stride()
    d = 0
    for item in index:
        if item is None:
            shape.append(1)
            strides.append(0)
        elif isinstance(item, slice):
            start, stop, step = item.indices(in_shape[d])
            length = max(0, (stop - start + step - 1) // step)
            shape.append(length)
            strides.append(in_strides[d] * step)
            offset += (start if length else 0) * in_strides[d]
            d += 1
        else:
            offset += item * in_strides[d]
            d += 1
    return tuple(shape) + in_shape[d:], tuple(strides) + in_strides[d:], offset


class Cat(BuiltinFunction):
    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.sizes = [t.shape[dim] for t in tensors]
        ctx.dim = dim
        shape = list(tensors[0].shape)
        shape[dim] = sum(ctx.sizes)
        dtype = tensors[0].dtype
        for t in tensors[1:]:
            from ._common import promote

            dtype = promote(*tensors) if t.dtype is not dtype else dtype
        out = empty(shape, dtype, tensors[0].device)
        start = 0
        for t, size in zip(tensors, ctx.sizes):
            kernels(t).copy(t._array, out.narrow(dim, start, size)._array)
            start += size
        return out

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            grads.append(grad.narrow(ctx.dim, start, size))
            start += size
        return (None, *grads)


class Stack(Cat):
    pass


# --- the functional API ---------------------------------------------------------------------


def _shape_args(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def view(input, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)):
        return input.to(shape[0])  # view(dtype) with equal itemsize is not supported
    shape = _shape_args(shape)
    if (y := _lane.view(input, shape)) is not None:
        return y
    return View.apply(input, infer_shape(shape, input.numel()))


def reshape(input, *shape):
    shape = _shape_args(shape)
    if (y := _lane.view(input, shape)) is not None:
        return y
    shape = infer_shape(shape, input.numel())
    if view_strides(tuple(input.shape), input.stride(), shape) is not None:
        return View.apply(input, shape)
    return UnsafeView.apply(input.contiguous(), shape)


def contiguous(input, memory_format=None):
    if input.is_contiguous():
        return input
    from .elementwise import Clone

    return Clone.apply(input)


def flatten(input, start_dim=0, end_dim=-1):
    if input.ndim == 0:
        return input.reshape(1)
    start, end = wrap_dim(start_dim, input.ndim), wrap_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = input.shape
    return reshape(input, *shape[:start], _numel(shape[start : end + 1]), *shape[end + 1 :])


def unflatten(input, dim, sizes):
    dim = wrap_dim(dim, input.ndim)
    shape = input.shape
    sizes = infer_shape(sizes, shape[dim])
    return reshape(input, *shape[:dim], *sizes, *shape[dim + 1 :])


def expand(input, *sizes):
    sizes = _shape_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"expand(torch.{input.type().split('.')[-1]}{{{list(input.shape)}}}, size="
            f"{list(sizes)}): the number of sizes provided ({len(sizes)}) must be greater or "
            f"equal to the number of dimensions in the tensor ({input.ndim})"
        )
    lead = len(sizes) - input.ndim
    sizes = tuple(
        input.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
    )
    if sizes == tuple(input.shape):
        return input
    return Expand.apply(input, sizes)


def expand_as(input, other):
    return expand(input, *other.shape)


def broadcast_to(input, shape):
    return expand(input, *shape)


def permute(input, *dims):
    dims = tuple(wrap_dim(d, input.ndim) for d in _shape_args(dims))
    if sorted(dims) != list(range(input.ndim)):
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{input.ndim} is not equal to len(dims) = {len(dims)}"
            if len(dims) != input.ndim
            else "permute(): duplicate dims are not allowed."
        )
    return Permute.apply(input, dims)


def transpose(input, dim0, dim1):
    if input.ndim == 0:
        return input
    dims = list(range(input.ndim))
    d0, d1 = wrap_dim(dim0, input.ndim), wrap_dim(dim1, input.ndim)
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Transpose.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    if input.ndim < 2:
        return input
    return T.apply(input, (1, 0))


def movedim(input, source, destination):
    source, destination = wrap_dim(source, input.ndim), wrap_dim(destination, input.ndim)
    order = [d for d in range(input.ndim) if d != source]
    order.insert(destination, source)
    return permute(input, *order)


def squeeze(input, dim=None):
    if dim is None:
        dims = [d for d, n in enumerate(input.shape) if n == 1]
    else:
        dims = [wrap_dim(d, input.ndim) for d in ((dim,) if isinstance(dim, int) else dim)]
        dims = [d for d in dims if input.shape[d] == 1]
    shape = tuple(n for d, n in enumerate(input.shape) if d not in dims)
    return Squeeze.apply(input, shape)


def unsqueeze(input, dim):
    dim = wrap_dim(dim, input.ndim + 1)
    shape = list(input.shape)
    shape.insert(dim, 1)
    return Unsqueeze.apply(input, tuple(shape))


def narrow(input, dim, start, length):
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(start, Tensor):
        start = int(start.item())
    if start < 0:
        start += size
    if not 0 <= start <= size or length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Slice.apply(input, (slice(None),) * dim + (slice(start, start + length),))


def cat(tensors, dim=0, *, out=None):
    tensors = [t for t in tensors]
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    from ._common import check_device

    check_device(*tensors)
    # PyTorch skips 1-D empty tensors, a legacy rule that concatenation code relies on
    nonempty = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = nonempty[0]
    dim = wrap_dim(dim, ref.ndim)
    for i, t in enumerate(nonempty):
        if t.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}"
            )
        for d in range(ref.ndim):
            if d != dim and t.shape[d] != ref.shape[d]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size "
                    f"{ref.shape[d]} but got size {t.shape[d]} for tensor number {i} in the list."
                )
    result = Cat.apply(dim, *nonempty)
    if out is not None:
        from ._common import write_out

        return write_out(out, result)
    return result


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                f"at entry 0 and {list(t.shape)} at entry {i}"
            )
    dim = wrap_dim(dim, tensors[0].ndim + 1)
    return Stack.apply(dim, *(t.unsqueeze(dim) for t in tensors))


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


def split(tensor, split_size_or_sections, dim=0):
    dim = wrap_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        sizes = [min(step, size - start) for start in range(0, size, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's "
                f"size at dimension {dim}), but got split_sizes={sizes}"
            )
    pieces, start = [], 0
    for n in sizes:
        pieces.append(narrow(tensor, dim, start, n))
        start += n
    return tuple(pieces)


def chunk(input, chunks, dim=0):
    size = input.shape[wrap_dim(dim, input.ndim)]
    step = max(1, -(-size // chunks))
    return split(input, step, dim)


def unbind(input, dim=0):
    dim = wrap_dim(dim, input.ndim)
    return tuple(select(input, dim, i) for i in range(input.shape[dim]))


def select(input, dim, index):
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"index {index} is out of bounds for dimension {dim} with size {size}")
    return Select.apply(input, (slice(None),) * dim + (index % size,))


def repeat(input, *sizes):
    sizes = _shape_args(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    x = input.reshape(shape)
    interleaved, target, final = [], [], []
    for n, r in zip(shape, sizes):
        interleaved += [1, n]
        target += [r, n]
        final.append(n * r)
    return x.reshape(interleaved).expand(*target).contiguous().reshape(final)


def basic_index(input, index: tuple):
    """input[index] for ints, slices, None (Ellipsis already expanded): a view. Ints are
    checked and wrapped here; slice steps must be positive."""
    normalized, d, has_int = [], 0, False
    for item in index:
        if item is None:
            normalized.append(None)
            continue
        size = input.shape[d]
        if isinstance(item, slice):
            if item.step is not None and item.step <= 0:
                raise ValueError("step must be greater than zero")
            normalized.append(item)
        else:
            i = int(item)
            if not -size <= i < size:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {size}")
            normalized.append(i % size)
            has_int = True
        d += 1
    return (Select if has_int else Slice).apply(input, tuple(normalized))


# --- copying shape ops: tril/triu, flip, roll --------------------------------------------


def _triangle(x: Tensor, diagonal: int, upper: bool) -> Tensor:
    source = x.contiguous()
    out = empty(x.shape, x.dtype, x.device)
    kernels(x).triangle(source._array, out._array, diagonal, upper)
    return out


class Tril(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return _triangle(x, diagonal, upper=False)

    @staticmethod
    def backward(ctx, grad):
        return tril(grad, ctx.diagonal), None


class Triu(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, diagonal):
        ctx.diagonal = diagonal
        return _triangle(x, diagonal, upper=True)

    @staticmethod
    def backward(ctx, grad):
        return triu(grad, ctx.diagonal), None


def _roll_flip(x: Tensor, shifts: tuple, flips: tuple) -> Tensor:
    source = x.contiguous()
    out = empty(x.shape, x.dtype, x.device)
    kernels(x).roll_flip(source._array, out._array, shifts, flips)
    return out


class Flip(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return _roll_flip(x, (0,) * x.ndim, tuple(d in dims for d in range(x.ndim)))

    @staticmethod
    def backward(ctx, grad):
        return flip(grad, ctx.dims), None


class Roll(BuiltinFunction):
    """Rolls by `shifts`, one per dim of x."""

    @staticmethod
    def forward(ctx, x, shifts):
        ctx.shifts = shifts
        return _roll_flip(x, shifts, (False,) * x.ndim)

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, tuple(-s for s in ctx.shifts)), None


def _check_triangle(name: str, input: Tensor) -> None:
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def _write(result: Tensor, out: Tensor | None) -> Tensor:
    if out is None:
        return result
    from ._common import write_out

    return write_out(out, result)


def tril(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The lower triangle of each matrix (last two dims) on and below `diagonal`; the
    rest zero."""
    _check_triangle("tril", input)
    return _write(Tril.apply(input, int(diagonal)), out)


def triu(input: Tensor, diagonal: int = 0, *, out: Tensor | None = None) -> Tensor:
    """The upper triangle of each matrix (last two dims) on and above `diagonal`; the
    rest zero."""
    _check_triangle("triu", input)
    return _write(Triu.apply(input, int(diagonal)), out)


def _int_tuple(function: str, name: str, position: int, value) -> tuple:
    """`value` (an int or a sequence of ints) as a tuple, with PyTorch's TypeError."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (tuple, list)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return tuple(value)
    raise TypeError(
        f"{function}(): argument '{name}' (position {position}) must be tuple of ints, not "
        f"{type(value).__name__}"
    )


def flip(input: Tensor, dims) -> Tensor:
    """A copy of input with the order of its elements reversed along each of `dims`."""
    if isinstance(dims, int):
        raise TypeError("flip(): argument 'dims' (position 2) must be tuple of ints, not int")
    dims = _int_tuple("flip", "dims", 2, dims)
    return Flip.apply(input, dims_of(dims, input.ndim) if dims else ())


def fliplr(input: Tensor) -> Tensor:
    """input flipped left to right: along dim 1."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return Flip.apply(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """input flipped upside down: along dim 0."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return Flip.apply(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """input with its elements shifted by `shifts` along `dims`, those shifted past the end
    coming back at the start; without dims, rolls the flattened input and restores the
    shape."""
    shifts = _int_tuple("roll", "shifts", 2, shifts)
    dims = () if dims is None else _int_tuple("roll", "dims", 3, dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return Roll.apply(input.flatten(), shifts).view(input.shape)
    if len(shifts) != len(dims):
        raise RuntimeError(
            f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
        )
    per_dim = [0] * input.ndim
    for shift, dim in zip(shifts, dims):
        per_dim[wrap_dim(dim, input.ndim)] += shift  # a dim named twice rolls twice
    return Roll.apply(input, tuple(per_dim))


# --- diagonals, grids, differences, interleaved repeats -------------------------------------


def _diagonal_geometry(x: Tensor, offset: int, dim1: int, dim2: int) -> tuple:
    """(shape, strides, storage offset) of the view of x's `offset`-th diagonal of its
    (dim1, dim2) planes, as a last dim (PyTorch's layout)."""
    strides = x.stride()
    if offset >= 0:
        length = min(x.shape[dim1], x.shape[dim2] - offset)
        start = offset * strides[dim2]
    else:
        length = min(x.shape[dim1] + offset, x.shape[dim2])
        start = -offset * strides[dim1]
    length = max(length, 0)
    kept = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    shape = tuple(x.shape[d] for d in kept) + (length,)
    view_strides = tuple(strides[d] for d in kept) + (strides[dim1] + strides[dim2],)
    # an empty diagonal starts at x's own offset: `start` may lie past x's memory
    return shape, view_strides, x._offset + (start if length else 0)


class Diagonal(BuiltinFunction):
    """A view of a diagonal; backward writes the gradient into the same view of zeros."""

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.meta = (x.shape, offset, dim1, dim2)
        return view_of(x, *_diagonal_geometry(x, offset, dim1, dim2))

    @staticmethod
    def backward(ctx, grad):
        shape, *args = ctx.meta
        return ViewScatter.apply(grad, shape, Diagonal, tuple(args)), None, None, None

    @staticmethod
    def geometry(x: Tensor, offset: int, dim1: int, dim2: int) -> tuple[tuple, tuple, int]:
        return _diagonal_geometry(x, offset, dim1, dim2)


class DiagEmbed(BuiltinFunction):
    """A square matrix with the vector x on its `offset`-th diagonal, zeros elsewhere."""

    @staticmethod
    def forward(ctx, x, offset):
        ctx.offset = offset
        size = x.shape[0] + abs(offset)
        out = empty((size, size), x.dtype, x.device)
        kernels(x).fill(out._array, 0)
        target = view_of(out, *_diagonal_geometry(out, offset, 0, 1))
        kernels(x).copy(x._array, target._array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return diagonal(grad, ctx.offset), None


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A view of the `offset`-th diagonal of each (dim1, dim2) plane, as the last dim
    (offset > 0: above the main diagonal)."""
    dim1, dim2 = wrap_dim(dim1, input.ndim), wrap_dim(dim2, input.ndim)
    if dim1 == dim2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, int(offset), dim1, dim2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input as the `diagonal`-th diagonal of a square matrix; of a matrix, a copy of
    its `diagonal`-th diagonal."""
    if input.ndim == 1:
        return DiagEmbed.apply(input, int(diagonal))
    if input.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return Diagonal.apply(input, int(diagonal), 0, 1).clone()


@autocast_op(cpu=FP32, cuda=FP32)
def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's main diagonal (integers sum to int64, as `sum`)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Diagonal.apply(input, 0, 0, 1).sum()


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids of 0-D/1-D tensors: expanded views, one per input, of shape
    (len(t0), len(t1), ...) ('ij'), the first two swapped with 'xy'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("xy", "ij"):
        raise RuntimeError(
            f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(
                "torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of "
                f"size {list(t.shape)}"
            )
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0
    sizes = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        sizes[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        shape = [1] * len(tensors)
        shape[axis] = -1
        grids.append(t.reshape(shape).expand(*sizes))
    return tuple(grids)


def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """The n-th forward difference along `dim` (x[i+1] - x[i], `!=` for bool), after
    concatenating `prepend` before and `append` after input."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, input.ndim)
    parts = [input]
    for extra, first in ((prepend, True), (append, False)):
        if extra is None:
            continue
        if extra.ndim != input.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        parts.insert(0, extra) if first else parts.append(extra)
    result = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = result.shape[dim]
        if length == 0:
            break
        later, earlier = result.narrow(dim, 1, length - 1), result.narrow(dim, 0, length - 1)
        result = later != earlier if result.dtype.name == "bool" else later - earlier
    return result


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:  # fmt: skip
    """Each element (each slice along `dim`; of the flattened input without dim) repeated
    `repeats` times in place; `repeats` an int or a tensor of one count per slice. With
    only a tensor of counts, the indices arange(len(counts)) repeated that way.
    `output_size`, PyTorch's hint that saves a device sync, is not needed here."""
    if repeats is None:  # repeat_interleave(counts)
        from .._creation import arange

        counts = input
        return repeat_interleave(arange(counts.numel(), device=counts.device), counts, 0)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = wrap_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.ndim <= 1 and repeats.numel() == 1:
        repeats = repeats.item()  # one count serves every slice, as in PyTorch
    if not isinstance(repeats, Tensor):
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        shape = list(input.shape)
        expanded = input.unsqueeze(dim + 1).expand(*shape[: dim + 1], repeats, *shape[dim + 1 :])
        shape[dim] *= repeats
        return expanded.reshape(shape)
    index = _interleaved_index(repeats, input.shape[dim], dim)
    return input.index_select(dim, index.to(input.device))


def _interleaved_index(counts: Tensor, size: int, dim: int) -> Tensor:
    """arange(size) with element i repeated counts[i] times, from kernels: a 1 marks where
    each element's run starts (runs of zero length share a mark), and the running count of
    marks is the index."""
    if counts.ndim != 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if counts.dtype.is_floating_point or counts.dtype.name == "bool":
        raise NotImplementedError(
            f"\"repeat_interleave_cpu\" not implemented for '{counts.dtype.name.capitalize()}'"
        )
    if counts.shape[0] != size:
        raise RuntimeError(
            "repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {counts.shape[0]} and input.size({dim}) = {size}"
        )
    if bool((counts < 0).any()):
        raise RuntimeError("repeats can not be negative")
    ends = counts.long().cumsum(0)
    total = int(ends[-1].item()) if size else 0
    marks = counts.new_zeros(total + 1).long()
    # ends[i] <= total: the last slot takes the marks of trailing zero-length runs
    marks.index_add_(0, ends[:-1], counts.new_ones(max(size - 1, 0)).long())
    return marks[:total].cumsum(0)
