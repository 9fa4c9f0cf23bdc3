"""Tensor: a strided view (shape, strides, offset) of a storage that lives on a device,
with a dtype and autograd state.

`TensorBase` is the data model and the autograd plumbing; `Tensor`, at the end of this
file, adds the ops as methods, declared in the mixin classes of `_tensor_methods.py`.
The split breaks the import cycle without a placeholder: the ops (and autograd) import
`TensorBase` from the top of this module while it is still running, and `Tensor` is
built from their functions afterwards. Every tensor is a `Tensor`; code imported before
`Tensor` exists tests `isinstance(x, TensorBase)`, which holds for all of them."""

from __future__ import annotations

import math
import sys

import numpy as np

from . import _dtype
from ._device import CPU, Size, as_device, device
from ._dispatch import backend

_TYPE_NAMES = {
    "float64": "DoubleTensor",
    "float32": "FloatTensor",
    "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor",
    "int64": "LongTensor",
    "int32": "IntTensor",
    "int16": "ShortTensor",
    "int8": "CharTensor",
    "uint8": "ByteTensor",
    "bool": "BoolTensor",
}


class Storage:
    """A 1-D backend array shared by all views of it, with the version counter that
    in-place ops bump and autograd checks."""

    __slots__ = ("data", "device", "pinned", "version")

    def __init__(self, data, dev: device) -> None:
        self.data = data
        self.device = dev
        self.version = 0
        self.pinned = False  # page-locked host memory, made by Tensor.pin_memory


def contiguous_strides(shape: tuple) -> tuple:
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class TensorBase:
    """The data model of a tensor (storage, view, dtype, device) and its autograd state.
    Every tensor is an instance of the subclass `Tensor`, which adds the ops."""

    # `_array` is the backend view of the storage (a numpy array on the CPU); the shape and
    # strides are read from it, so there is one source of truth.
    _base: Tensor | None = None  # the tensor this one is a view of
    grad_fn = None
    _output_nr = 0
    _grad_accumulator = None
    _hooks: list | None = None
    _post_accumulate_grad_hooks: list | None = None
    _retains_grad = False
    _owned = False  # set by the engine on a gradient no one else holds

    def __init__(self, *args, dtype=None, device=None, requires_grad: bool = False) -> None:
        # the legacy constructor: Tensor(2, 3) allocates, Tensor([1, 2]) copies data
        from ._creation import _tensor_data

        if len(args) == 1 and isinstance(args[0], Tensor):
            other = args[0]
            self._init(other._storage, other._array, other._offset, other.dtype)
            return
        dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
        dev = as_device(device)
        if (
            args
            and all(isinstance(a, int) for a in args)
            or (len(args) == 1 and isinstance(args[0], (Size, tuple)) and not args[0])
        ):
            shape = tuple(args[0]) if len(args) == 1 and isinstance(args[0], tuple) else args
            array = empty_like_array(shape, dtype, dev)._array
            backend(dev).fill(array, 0)  # zeroed, unlike PyTorch, for determinism
        else:
            host = _tensor_data(args[0], dtype) if args else np.zeros((0,), dtype.numpy)
            array = backend(dev).from_host(np.require(host, requirements="C"))
        self._init(Storage(array.reshape(-1), dev), array, 0, dtype)
        self._requires_grad = bool(requires_grad)

    def _init(self, storage: Storage, array, offset: int, dtype) -> None:
        self._storage = storage
        self._array = array
        self._offset = offset
        self.dtype = dtype
        self._requires_grad = False
        self._grad = None

    @staticmethod
    def _make(storage: Storage, array, offset: int, dtype) -> Tensor:
        t = object.__new__(Tensor)
        t._storage = storage
        t._array = array
        t._offset = offset
        t.dtype = dtype
        t._requires_grad = False
        t._grad = None
        return t

    # -- metadata ---------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._array.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[_wrap_dim(dim, self.ndim)]

    @property
    def ndim(self) -> int:
        return self._array.ndim

    def dim(self) -> int:
        return self._array.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._array.size

    nelement = numel

    @property
    def device(self) -> device:
        return self._storage.device

    @property
    def is_cuda(self) -> bool:
        return self._storage.device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._storage.device.type == "cpu"

    # numbatorch has no XPU, MPS or meta devices; scripts still ask
    is_xpu = is_mps = is_meta = property(lambda self: False)

    def is_pinned(self, device=None) -> bool:
        return self._storage.pinned

    def pin_memory(self, device=None) -> Tensor:
        """A copy in page-locked host memory (what makes host-to-GPU copies fast), or the
        tensor itself when it is pinned already. Needs a GPU, as in PyTorch."""
        if self.is_pinned():
            return self
        if self.device.type != "cpu":
            raise RuntimeError(f"cannot pin '{self.type()}' only dense CPU tensors can be pinned")
        from . import cuda

        if not cuda.is_available():
            raise RuntimeError("Cannot access accelerator device when none is available.")
        from numba.cuda import pinned_array

        result = from_array(pinned_array(tuple(self.shape), self.dtype.numpy), CPU, self.dtype)
        result._storage.pinned = True
        return result.copy_(self)

    def stride(self, dim: int | None = None):
        strides = tuple(s // self.dtype.itemsize for s in self._array.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self.ndim)]

    def storage_offset(self) -> int:
        return self._offset

    def is_contiguous(self, memory_format=None) -> bool:
        return (
            bool(self._array.flags.c_contiguous)
            if self.device.type == "cpu"
            else (self._array.is_c_contiguous())
        )

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def element_size(self) -> int:
        return self.dtype.itemsize

    def type(self, dtype=None):
        if dtype is None:
            prefix = "torch.cuda." if self.is_cuda else "torch."
            return prefix + _TYPE_NAMES[self.dtype.name]
        return self.to(dtype)

    @property
    def _version(self) -> int:
        return self._storage.version

    def _bump_version(self) -> None:
        self._storage.version += 1

    def data_ptr(self) -> int:
        if self.device.type == "cpu":
            return self._array.__array_interface__["data"][0]
        return self._array.device_ctypes_pointer.value

    def untyped_storage(self) -> Storage:
        return self._storage

    # -- host access --------------------------------------------------------------------
    def _host(self) -> np.ndarray:
        """The values as a host numpy array (a view on the CPU, a copy from the GPU)."""
        return backend(self.device).to_host(self._array)

    def _host_values(self) -> np.ndarray:
        """_host(), with bfloat16 (stored as its bits) widened to float32 values."""
        if self.dtype is _dtype.bfloat16:
            return self.detach().to(_dtype.float32)._host()
        return self._host()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if self.dtype is _dtype.bfloat16 and not force:
            # numpy has no bfloat16; force=True (numbatorch's own savers) gets the bits
            raise TypeError("Got unsupported ScalarType BFloat16")
        if self.device.type != "cpu":
            if force:
                return self._host()
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        return self._array

    def __array__(self, dtype=None, copy=None):
        array = self.detach().numpy()
        return array.astype(dtype) if dtype is not None else array

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        return self._host_values().reshape(-1)[0].item()

    def tolist(self):
        return self._host_values().tolist()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if self.numel() > 1
                else "Boolean value of Tensor with no values is ambiguous"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._printing import tensor_repr

        default = (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool)
        return tensor_repr(
            self._host_values(),
            dtype_name=self.dtype.name,
            print_dtype=self.dtype not in default,
            device=str(self.device) if self.device.type != "cpu" else None,
            grad_fn=type(self.grad_fn).__name__ if self.grad_fn is not None else None,
            requires_grad=self.requires_grad,
        )

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __reduce_ex__(self, protocol):
        return (
            _rebuild,
            (
                self.detach().cpu()._host().copy(),
                self.dtype.name,
                str(self.device),
                self.requires_grad,
            ),
        )

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        with grad_mode.no_grad():
            result = self.clone()
        result.requires_grad_(self.requires_grad)
        if type(self) is not Tensor:
            result = type(self)(result, requires_grad=self.requires_grad)
        if self.grad is not None:
            result.grad = self.grad.__deepcopy__(memo)
        memo[id(self)] = result
        return result

    # -- autograd -----------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad or self.grad_fn is not None

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return self
        if requires_grad and not (self.dtype.is_floating_point or self.dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def _grad_edge(self) -> tuple:
        if self.grad_fn is not None:
            return (self.grad_fn, self._output_nr)
        if self._grad_accumulator is None:
            self._grad_accumulator = AccumulateGrad(self)
        return (self._grad_accumulator, 0)

    def _accumulate_grad(self, grad: Tensor, create_graph: bool) -> None:
        if self._hooks:
            for hook in self._hooks:
                result = hook(grad)
                if result is not None:
                    grad = result
        if tuple(grad._array.shape) != tuple(self._array.shape):
            grad = grad.sum_to_size(self.shape)
        if self._grad is None:
            if create_graph:
                self._grad = grad + 0
            else:
                # nobody else holds an owned gradient: keep it, no copy; another may be
                # shared with another input's: copy it. No detached alias where the
                # backward built no graph on it (PyTorch's .grad is no view either)
                kept = grad if grad._owned and not self._hooks else grad.clone()
                detached = kept.grad_fn is None and not kept._requires_grad
                self._grad = kept if detached else kept.detach()
        elif create_graph:
            self._grad = self._grad + grad
        else:
            with grad_mode.no_grad():
                self._grad.add_(grad)
        if self._post_accumulate_grad_hooks:
            for hook in self._post_accumulate_grad_hooks:
                hook(self)

    @property
    def grad(self) -> Tensor | None:
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value)
        self._grad = value

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        self._storage, self._array, self._offset = value._storage, value._array, value._offset
        self.dtype = value.dtype

    def detach(self) -> Tensor:
        t = Tensor._make(self._storage, self._array, self._offset, self.dtype)
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _alias(self) -> Tensor:
        t = Tensor._make(self._storage, self._array, self._offset, self.dtype)
        t._base = self
        return t

    def retain_grad(self) -> None:
        if self.grad_fn is None:
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        import weakref

        ref = weakref.ref(self)

        def store(grad):
            tensor = ref()
            if tensor is not None:
                tensor.grad = grad.detach().clone() if tensor.grad is None else tensor.grad + grad
            return None

        self._register_node_hook(store)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def _register_node_hook(self, hook) -> None:
        node = self.grad_fn
        if node._pre_hooks is None:
            node._pre_hooks = {}
        node._pre_hooks.setdefault(self._output_nr, []).append(hook)

    def register_hook(self, hook):
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            hooks = self._hooks
        else:
            self._register_node_hook(hook)
            hooks = self.grad_fn._pre_hooks[self._output_nr]
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` each time backward has accumulated a gradient into this
        leaf's `.grad` (DDP launches its gradient all-reduce from here)."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors"
            )
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = []
        self._post_accumulate_grad_hooks.append(hook)
        return _RemovableHandle(self._post_accumulate_grad_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        _autograd.backward([self], [gradient], retain_graph, create_graph, inputs=inputs)

    # -- devices and dtypes -------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """`to(dtype)`, `to(device)`, `to(device, dtype)`, `to(other)`; copies only when
        something changes, like PyTorch (`copy=True` forces a copy)."""
        dev, dtype = None, None
        for a in list(args) + [kwargs.get("device"), kwargs.get("dtype")]:
            if a is None:
                continue
            if isinstance(a, Tensor):
                dev, dtype = a.device, a.dtype
            elif isinstance(a, _dtype.dtype):
                dtype = a
            else:
                dev = as_device(a)
        dev = dev if dev is not None else self.device
        dtype = dtype if dtype is not None else self.dtype
        if dev == self.device and dtype is self.dtype and not kwargs.get("copy", False):
            return self
        from .ops.elementwise import ToCopy

        return ToCopy.apply(self, dev, dtype)

    def cpu(self) -> Tensor:
        return self.to(CPU)

    def cuda(self, device=None, non_blocking: bool = False) -> Tensor:
        return self.to(as_device(device if device is not None else "cuda"))

    def float(self) -> Tensor:
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        return self.to(_dtype.float16)

    def bfloat16(self) -> Tensor:
        return self.to(_dtype.bfloat16)

    def long(self) -> Tensor:
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        return self.to(_dtype.int32)

    def short(self) -> Tensor:
        return self.to(_dtype.int16)

    def char(self) -> Tensor:
        return self.to(_dtype.int8)

    def byte(self) -> Tensor:
        return self.to(_dtype.uint8)

    def bool(self) -> Tensor:
        return self.to(_dtype.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)


class _RemovableHandle:
    def __init__(self, hooks: list, hook) -> None:
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


def _rebuild(array, dtype_name, device_name, requires_grad):
    dev = as_device(device_name)
    t = from_array(backend(dev).from_host(array), dev, _dtype._by_name(dtype_name))
    return t.requires_grad_(requires_grad)


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dim in [-ndim, ndim) as a non-negative index, else PyTorch's IndexError."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


def from_array(array, dev: device = CPU, dtype=None) -> Tensor:
    """A tensor owning a freshly made, C-contiguous backend array (no copy)."""
    if dtype is None:
        dtype = _dtype.from_numpy(array.dtype)
    return Tensor._make(Storage(array.reshape(-1), dev), array, 0, dtype)


def empty_like_array(shape: tuple, dtype, dev: device) -> Tensor:
    """A new tensor of `shape` and `dtype` on `dev`, its values undefined. The factories
    and every op allocate their tensors here, so a size that cannot be allocated fails
    here, once, with PyTorch's error rather than numpy's."""
    shape = tuple(shape)
    try:
        array = backend(dev).empty(shape, dtype.numpy)
    except (ValueError, MemoryError) as error:
        raise allocation_error(shape, dtype.numpy) from error
    return from_array(array, dev, dtype)


def allocation_error(shape: tuple, numpy_dtype: np.dtype) -> RuntimeError:
    """PyTorch's error for an array of `shape` that numpy refused to allocate."""
    for n in shape:
        if n < 0:
            return RuntimeError(
                f"Trying to create tensor with negative dimension {n}: {list(shape)}"
            )
    nbytes = math.prod(shape) * np.dtype(numpy_dtype).itemsize
    if nbytes > sys.maxsize:
        return RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)}")
    return RuntimeError(f"can't allocate memory: you tried to allocate {nbytes} bytes")


# C++ scalar type names, which PyTorch's message about a gradient's dtype uses
_CPP_TYPE_NAMES = {
    "float64": "double",
    "float32": "float",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


def _check_grad(t: Tensor, grad) -> None:
    """PyTorch's checks on `t.grad = grad`: a tensor of t's size, dtype and device."""
    if not isinstance(grad, Tensor):
        raise TypeError(
            "assigned grad expected to be a Tensor or None but got grad of type "
            f"{type(grad).__name__}"
        )
    if grad.dtype is not t.dtype:
        raise RuntimeError(
            f"attempting to assign a gradient with dtype '{_CPP_TYPE_NAMES[grad.dtype.name]}' "
            f"to a tensor with grad_dtype '{_TYPE_NAMES[t.dtype.name][: -len('Tensor')]}'. "
            "The gradient must match the tensor's grad_dtype (defaults to the tensor's "
            "dtype)."
        )
    if grad.device.type != t.device.type:
        raise RuntimeError(
            f"attempting to assign a gradient with device type '{grad.device.type}' to a "
            f"tensor with device type '{t.device.type}'. Please ensure that the gradient and "
            "the tensor are on the same device"
        )
    if tuple(grad.shape) != tuple(t.shape):
        raise RuntimeError(
            f"attempting to assign a gradient of size '{list(grad.shape)}' to a tensor of "
            f"size '{list(t.shape)}'. Please ensure that the gradient and the tensor are the "
            "same size"
        )


def view_of(t: Tensor, shape: tuple, strides: tuple, offset: int) -> Tensor:
    """A tensor sharing `t`'s storage with the given shape, element strides and offset."""
    # an empty view may start past the end of its storage (x[:, 1] of a (0, 2) tensor)
    start = offset if all(shape) else 0
    array = backend(t.device).as_strided(t._storage.data, shape, strides, start)
    v = Tensor._make(t._storage, array, offset, t.dtype)
    v._base = t._base if t._base is not None else t
    return v


def zeros(shape, dtype=None, device=None) -> Tensor:
    from ._creation import zeros as _zeros

    return _zeros(shape, dtype=dtype, device=device)


# Below, the modules that import TensorBase from above (autograd, and the ops through
# the mixins), then the public class built from them.
from . import autograd as _autograd  # noqa: E402
from ._tensor_methods import (  # noqa: E402
    _TensorComposites,
    _TensorFill,
    _TensorIndexing,
    _TensorLinalg,
    _TensorMath,
    _TensorOperators,
    _TensorReductions,
    _TensorShape,
)
from .autograd import grad_mode  # noqa: E402
from .autograd.function import AccumulateGrad  # noqa: E402


class Tensor(
    TensorBase,
    _TensorMath,
    _TensorReductions,
    _TensorShape,
    _TensorIndexing,
    _TensorLinalg,
    _TensorFill,
    _TensorOperators,
    _TensorComposites,
):
    """A multi-dimensional array on a device, differentiable by autograd. Its methods
    are declared in its bases: the data model in `TensorBase` above, the ops in the
    mixins of `numbatorch/_tensor_methods.py`."""
