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
stay cheap").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        or not array.flags.c_contiguous
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
        (scalar_parallel if wide(fa.size) else scalar)(fa, np.array([b], fa.dtype), out)
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
    serial, parallel, wide, scalar, scalar_parallel = _launchers(op, 2)
    out = np.empty(fa.size, fa.dtype)
    if same_shape or fa.size == 1:
        (parallel if wide(fa.size) else serial)(fa, fb, out)
    else:  # the scalar kernel, which the backend's launcher picks for such a b too
        (scalar_parallel if wide(fa.size) else scalar)(fa, fb, out)
    return _result(out, a._array, a.dtype)


def unary(op: int, x, p0: float = 0.0, p1: float = 0.0) -> Tensor | None:
    """op(x) for a float x (whose result keeps x's dtype), or None."""
    if not isinstance(x, Tensor):
        return None
    if _recorded(x) or (fx := _flat(x)) is None:
        return None
    serial, parallel, wide = _launchers(op, 1)
    out = np.empty(fx.size, fx.dtype)
    (parallel if wide(fx.size) else serial)(fx, out, p0, p1)
    return _result(out, x._array, x.dtype)


def reduce_all(op: int, x) -> Tensor | None:
    """Reduction `op` (sum, mean) over all of a non-empty float x, as a 0-dim tensor of
    x's dtype, or None."""
    if _recorded(x) or (fx := _flat(x)) is None or not fx.size:
        return None
    out = np.empty(1, fx.dtype)
    backend(CPU).reduce(op, fx, out, fx.size, 1)
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
