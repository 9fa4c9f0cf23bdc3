"""The eager fast lane: the commonest small calls, served without the general path.

`a + b`, `relu(a)` or `a.sum()` on a few hundred elements cost almost nothing in the
kernel; what a user waits for is the Python between the call and the kernel: promotion,
broadcasting, layout checks, the autograd Function, the launcher's choice of kernel.
When an op's operands are in the one case that needs none of it, the lane calls the
kernel directly. The case: CPU tensors of one float dtype (float32/float64), C-contiguous
and covering their whole storage, of one shape (or a tensor and a Python number or a
one-element tensor on its right), and no graph to record (grad mode off, or no operand
requiring grad). Anything else returns None and the caller takes the general path, which
stays the one definition of each op's semantics; the lane must give bit-identical
results (tests/test_lane.py checks). While a
graph capture records (numbatorch._trace, ONNX export), which sees only Function calls,
the lane steps aside.

Every check here is an attribute read or an identity test: one `isinstance` or dict
lookup more per call is measurable at this size (docs/ARCHITECTURE.md, "Small tensors
stay cheap"). The kernels are called through the entry points of their compiled
specializations (`_run`): by then the lane has checked every argument's type, which
Numba's dispatcher would otherwise work out again on each call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numba
import numpy as np

from .. import _dtype, _trace
from .._device import CPU
from .._dispatch import backend
from ..autograd import grad_mode
from ..tensor import Storage

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


_state = grad_mode._state
_FLOATS = (_dtype.float32, _dtype.float64)
_kernels: dict = {}  # (opcode, arity) -> the backend's `flat_kernels(opcode, arity)`
_entries: dict = {}  # a kernel and its arguments' types (see `_run`) -> its entry point
_reductions: dict = {}  # opcode -> the backend's `flat_reduction(opcode)`
_ZERO = np.float64(0)  # a float reduction's accumulator type


def _flat(t: Tensor):
    """t's elements as its 1-D storage array when t is a plain CPU float tensor that
    covers all of that storage in C order, else None."""
    storage = t._storage
    data = storage.data
    array = t._array
    if (
        storage.device.type != "cpu"
        or t.dtype not in _FLOATS
        or t._offset
        or array.size != data.size
        # 1-D, at offset 0 and as long as its storage: contiguous (flags cost 30 ns)
        or (array.ndim > 1 and not array.flags.c_contiguous)
    ):
        return None
    return data


def _recorded(*tensors: Tensor) -> bool:
    """Whether the op must go through its Function: a trace records (it sees only
    Function calls), or autograd records one of the operands."""
    if _trace._recorder is not None:
        return True
    if not _state.enabled:
        return False
    for t in tensors:
        if t._requires_grad or t.grad_fn is not None:
            return True
    return False


def _launchers(op: int, arity: int):
    pair = _kernels.get((op, arity))
    if pair is None:
        pair = _kernels[op, arity] = backend(CPU).flat_kernels(op, arity)
    return pair


def _run(kernel, key: tuple, *args) -> None:
    """kernel(*args), where `key` (the kernel, then its arguments' dtype and any scalar
    argument's class) fixes the Numba types of args: after the first call, through the
    compiled specialization's entry point, which skips the dispatcher's typing of every
    argument (a + b on 100 elements: 0.30 -> 0.17 us for the call). The entry point
    trusts its arguments, so a key must never be used with other types."""
    entry = _entries.get(key)
    if entry is not None:
        entry(*args)
        return
    kernel(*args)  # compiles or loads the specialization
    overload = kernel.overloads.get(tuple(numba.typeof(a) for a in args))
    if overload is not None:
        _entries[key] = overload.entry_point


def _result(data: np.ndarray, like: np.ndarray, dtype) -> Tensor:
    array = data if like.ndim == 1 else data.reshape(like.shape)
    return Tensor._make(Storage(data, CPU), array, 0, dtype)


def binary(op: int, a, b) -> Tensor | None:
    """a op b for an op whose result has its operands' dtype (add, sub, mul, float div),
    or None when the general path must run."""
    if b.__class__ is float or b.__class__ is int:
        if a.__class__ is not Tensor and not isinstance(a, Tensor):
            return None
        if _recorded(a) or (fa := _flat(a)) is None:
            return None
        serial, parallel, wide, scalar, scalar_parallel = _launchers(op, 2)
        out = np.empty(fa.size, fa.dtype)
        kernel = scalar_parallel if wide(fa.size) else scalar
        _run(kernel, (kernel, a.dtype), fa, np.array([b], fa.dtype), out)
        return _result(out, a._array, a.dtype)
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        return None
    same_shape = a._array.shape == b._array.shape
    if (
        not same_shape
        # a one-element right operand (a loss's mean divisor, a scale) broadcast over a
        and (b._array.size != 1 or b._array.ndim > a._array.ndim)
    ):
        return None
    if (
        _recorded(a, b)  # first: the general path's cheapest tell
        or a.dtype is not b.dtype
        or (fa := _flat(a)) is None
        or (fb := _flat(b)) is None
    ):
        return None
    serial, parallel, wide, scalar, scalar_parallel = _kernels.get((op, 2)) or _launchers(op, 2)
    out = np.empty(fa.size, fa.dtype)
    if same_shape or fa.size == 1:
        kernel = parallel if wide(fa.size) else serial
    else:  # the scalar kernel, which the backend's launcher picks for such a b too
        kernel = scalar_parallel if wide(fa.size) else scalar
    _run(kernel, (kernel, a.dtype), fa, fb, out)
    return _result(out, a._array, a.dtype)


def unary(op: int, x, p0: float = 0.0, p1: float = 0.0) -> Tensor | None:
    """op(x) for a float x (whose result keeps x's dtype), or None."""
    if not isinstance(x, Tensor):
        return None
    if _recorded(x) or (fx := _flat(x)) is None:
        return None
    serial, parallel, wide = _launchers(op, 1)
    out = np.empty(fx.size, fx.dtype)
    kernel = parallel if wide(fx.size) else serial
    _run(kernel, (kernel, x.dtype, p0.__class__, p1.__class__), fx, out, p0, p1)
    return _result(out, x._array, x.dtype)


def reduce_all(op: int, x) -> Tensor | None:
    """Reduction `op` (sum, mean) over all of a non-empty float x, as a 0-dim tensor of
    x's dtype, or None."""
    if _recorded(x) or (fx := _flat(x)) is None or not fx.size:
        return None
    out = np.empty(1, fx.dtype)
    pair = _reductions.get(op)
    if pair is None:
        pair = _reductions[op] = backend(CPU).flat_reduction(op)
    kernel, most = pair
    n = fx.size
    if n <= most:  # one serial pass: the backend's launcher would pick the same kernel
        _run(kernel, (kernel, x.dtype), fx, out, n, 1, _ZERO, 0.0, n)
    else:
        backend(CPU).reduce(op, fx, out, n, 1)
    return Tensor._make(Storage(out, CPU), out.reshape(()), 0, x.dtype)


def view(t: Tensor, shape: tuple) -> Tensor | None:
    """t viewed as `shape` (ints, one of them may be -1) when t is a C-contiguous CPU
    tensor and no graph is recorded, or None. numpy's reshape of a C-contiguous array is
    always a view and refuses exactly the shapes PyTorch refuses; those take the general
    path, which raises PyTorch's error."""
    array = t._array
    if t._storage.device.type != "cpu" or not array.flags.c_contiguous or _recorded(t):
        return None
    for n in shape:
        if n.__class__ is not int:
            return None
    try:
        new = array.reshape(shape)
    except ValueError:
        return None
    v = Tensor._make(t._storage, new, t._offset, t.dtype)
    v._base = t._base if t._base is not None else t
    return v
