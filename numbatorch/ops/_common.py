"""Helpers every op uses: device checks, broadcasting, type promotion, output allocation
and the reduction of a broadcast gradient back to an input's shape."""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import TYPE_CHECKING

import numpy as np

from .. import _dtype, _trace
from .._dispatch import backend
from ..autograd import grad_mode
from ..kernels.common import scalars
from ..tensor import empty_like_array, view_of

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


Scalar = (int, float, bool)


def kernels(t: Tensor):
    return backend(t._storage.device)


def check_device(*tensors) -> None:
    first = None
    for t in tensors:  # the usual case, one device object throughout, without a set
        if isinstance(t, Tensor):
            if first is None:
                first = t._storage.device
            elif t._storage.device is not first:
                break
    else:
        return
    devices = {t._storage.device for t in tensors if isinstance(t, Tensor)}
    if len(devices) > 1:
        names = sorted(str(d) for d in devices)
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{names[-1]} and {names[0]}!"
        )


def broadcast_shapes(*shapes) -> tuple:
    """PyTorch's broadcasting of shapes, with its error naming the sizes."""
    ndim = max((len(s) for s in shapes), default=0)
    result = [1] * ndim
    for shape in shapes:
        # right to left, as PyTorch reports the last mismatching dimension
        for i in range(len(shape) - 1, -1, -1):
            n, d = shape[i], ndim - len(shape) + i
            if result[d] == 1:
                result[d] = n
            elif n != 1 and n != result[d]:
                raise RuntimeError(
                    f"The size of tensor a ({result[d]}) must match the size of tensor b ({n}) "
                    f"at non-singleton dimension {d}"
                )
    return tuple(result)


def promote(*operands) -> _dtype.dtype:
    """The result dtype of an op on tensors and Python scalars (PyTorch's rules)."""
    dims, zero_dims, scalars = [], [], []
    for a in operands:
        if isinstance(a, Tensor):
            (dims if a.ndim else zero_dims).append(a.dtype)
        elif a is not None:
            scalars.append(a)
    return _dtype.result_type(dims, zero_dims, scalars)


def empty(shape, dtype, device) -> Tensor:
    return empty_like_array(tuple(shape), dtype, device)


def cast(t: Tensor, dtype) -> Tensor:
    """t in `dtype` (itself when it already is); the conversion runs in the copy kernel."""
    if t.dtype is dtype:
        return t
    out = empty(t.shape, dtype, t.device)
    kernels(t).copy(t._array, out._array)
    return out


def half_in_float32(apply, x: Tensor, *args):
    """apply(x, *args) for an op whose kernels have no half arithmetic: a float16 or
    bfloat16 x runs in float32 (through casts autograd records) and the op's floating
    outputs come back in x's dtype."""
    if x.dtype not in _dtype.HALF_TYPES:
        return apply(x, *args)
    result = apply(x.float(), *args)

    def back(t: Tensor) -> Tensor:
        return t.to(x.dtype) if t.is_floating_point() else t

    return tuple(back(t) for t in result) if isinstance(result, tuple) else back(result)


def expanded_array(t: Tensor, shape: tuple):
    """t's backend array broadcast to `shape` (stride 0 on the broadcast dims)."""
    if t._array.shape == shape:
        return t._array
    ndim = len(shape)
    strides = (0,) * (ndim - t.ndim) + t.stride()
    strides = tuple(
        0 if t_n == 1 and n != 1 else s
        for s, n, t_n in zip(strides, shape, (1,) * (ndim - t.ndim) + tuple(t.shape))
    )
    return view_of(t, shape, strides, t._offset)._array


def operand(x, dtype, shape):
    """The backend array of an operand: a tensor cast and broadcast to `shape`, or a
    Python scalar as a 1-element host array (the launchers treat it as a scalar)."""
    if isinstance(x, Tensor):
        x = cast(x, dtype)
        if x._array.size == 1 and x._array.shape != shape:
            return x._array.reshape(1)  # a one-element tensor takes the scalar fast path
        return expanded_array(x, shape)
    return np.array([scalars.element(x, dtype.numpy)])


def shape_of(x) -> tuple | None:
    return tuple(x.shape) if isinstance(x, Tensor) else None


def sum_to_shape(grad: Tensor, shape: tuple | None, dtype=None) -> Tensor | None:
    """Reduce a gradient over the dims broadcasting added, back to `shape`; None for a
    Python scalar operand."""
    if shape is None:
        return None
    if tuple(grad.shape) != tuple(shape):
        grad = grad.sum_to_size(shape)
    if dtype is not None and grad.dtype is not dtype and dtype.is_floating_point:
        grad = grad.to(dtype)
    return grad


def check_inplace(t: Tensor, *sources, fill: bool = False) -> None:
    """PyTorch's rules for writing into `t` in place, checked before anything is written:
    not a leaf that requires grad (nor an autograd view of one), no two elements of `t`
    sharing memory (an expanded tensor; `fill` is allowed there, as in PyTorch), and no
    source tensor partially overlapping `t`."""
    if grad_mode._state.enabled:
        if t._requires_grad and t.grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        base = t._base
        if t.grad_fn is not None and base is not None and base._requires_grad:
            if base.grad_fn is None:
                raise RuntimeError(
                    "a view of a leaf Variable that requires grad is being used in an "
                    "in-place operation."
                )
    if not fill:
        check_internal_overlap(t)
    for source in sources:
        if isinstance(source, Tensor):
            overlaps(t, source)


_CLONE_HINT = "Please clone() the tensor before performing the operation."


def check_internal_overlap(t: Tensor) -> None:
    """Refuse a write into a tensor whose elements share memory (stride 0 over a size > 1)."""
    for n, step in zip(t._array.shape, t._array.strides):
        if step == 0 and n > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor "
                f"refers to a single memory location. {_CLONE_HINT}"
            )


def _element_range(t: Tensor) -> tuple[int, int]:
    """The first and one-past-last storage elements `t` can touch."""
    low = high = t._offset
    for n, step in zip(t.shape, t.stride()):
        if step < 0:
            low += (n - 1) * step
        else:
            high += (n - 1) * step
    return low, high + 1


def _dense(t: Tensor) -> bool:
    """Non-overlapping and dense: its elements fill a block of storage exactly once."""
    expected = 1
    for step, n in sorted((abs(s), n) for n, s in zip(t.shape, t.stride()) if n != 1):
        if step != expected:
            return False
        expected *= n
    return True


def overlaps(dest: Tensor, source: Tensor) -> bool:
    """Whether an elementwise write into `dest` may overwrite elements of `source` before
    it reads them. Both dense and partially overlapping: PyTorch's error. Identical views
    are safe (each element is read before it is written); interleaved or strided views
    whose ranges cross return True, and the caller reads a copy of `source`."""
    if source._storage is not dest._storage or not dest.numel() or not source.numel():
        return False
    if (
        source._offset == dest._offset
        and source._array.strides == dest._array.strides
        and source._array.shape == dest._array.shape
    ):
        return False
    (a_low, a_high), (b_low, b_high) = _element_range(dest), _element_range(source)
    if a_low >= b_high or b_low >= a_high:
        return False
    if _dense(dest) and _dense(source):
        raise RuntimeError(
            "unsupported operation: some elements of the input tensor and the written-to "
            f"tensor refer to a single memory location. {_CLONE_HINT}"
        )
    return True


def tracking(*args) -> bool:
    return grad_mode._state.enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args)


def write_into(dest: Tensor, result: Tensor) -> Tensor:
    """Copy `result` into `dest` (an in-place op or an `out=` argument) and take over its
    autograd history."""
    if tuple(result.shape) != tuple(dest.shape):
        raise RuntimeError(
            f"output with shape {list(dest.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    if not dest.dtype.is_floating_point and result.dtype.is_floating_point:
        raise RuntimeError(
            f"result type {TYPE_WORD[result.dtype.name]} can't be cast to the desired output "
            f"type {TYPE_WORD[dest.dtype.name]}"
        )
    kernels(dest).copy(result._array, dest._array)
    dest._bump_version()
    if grad_mode._state.enabled:
        # dest's old history no longer reaches its values: values that depend on no tensor
        # requiring grad leave it without one
        dest.grad_fn, dest._output_nr = result.grad_fn, result._output_nr
    _trace.rebind(dest, result)
    return dest


def write_out(out: Tensor, result: Tensor) -> Tensor:
    """Copy `result` into an `out=` argument; an `out` of another shape is resized to the
    result's, with PyTorch's deprecation warning when it had elements."""
    if tuple(result.shape) != tuple(out.shape):
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        fresh = empty(result.shape, out.dtype, out.device)
        out._storage, out._array, out._offset = fresh._storage, fresh._array, 0
    check_internal_overlap(out)
    return write_into(out, result)


TYPE_WORD = {
    "float64": "Double",
    "float32": "Float",
    "float16": "Half",
    "bfloat16": "BFloat16",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def wrap_dim(dim: int, ndim: int) -> int:
    from ..tensor import _wrap_dim

    return _wrap_dim(dim, ndim)


def scalar_as_vector(op):
    """`op(input, dim, ...)` on a 0-dim input: PyTorch accepts dim 0 or -1 there and
    treats the scalar as a one-element vector, giving 0-dim results."""
    signature = inspect.signature(op)

    @functools.wraps(op)
    def on_any_rank(input, *args, **kwargs):
        if not isinstance(input, Tensor) or input.ndim != 0:
            return op(input, *args, **kwargs)
        bound = signature.bind(input, *args, **kwargs)
        dim = bound.arguments.get("dim")
        if not isinstance(dim, int):  # None (all dims) or a tensor operand: no dim to wrap
            return op(input, *args, **kwargs)
        wrap_dim(dim, 0)
        bound.arguments["input"], bound.arguments["dim"] = input.reshape(1), 0
        result = op(*bound.args, **bound.kwargs)
        if isinstance(result, Tensor):
            return result.reshape(())
        return type(result)(*(r.reshape(()) for r in result))

    return on_any_rank


def dims_of(dim, ndim: int) -> tuple:
    """A sorted tuple of non-negative dims from None (all), an int or a sequence."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        dim = (dim,)
    dims = tuple(sorted(wrap_dim(d, ndim) for d in dim))
    if ndim == 0:
        return ()
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return dims


def copy_unchecked(source: Tensor, dest: Tensor) -> None:
    """source's elements into dest (one shape, one device) through the copy kernel alone:
    no overlap, version or autograd bookkeeping. For callers that own both tensors and
    copy often, as DDP's gradient buckets do."""
    kernels(dest).copy(source._array, dest._array)


def fill_unchecked(dest: Tensor, value) -> None:
    """dest's elements set to `value` through the fill kernel alone (see copy_unchecked)."""
    kernels(dest).fill(dest._array, value)
