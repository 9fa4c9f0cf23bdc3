"""`Parameter`: a Tensor that a Module registers as one of its parameters when assigned
as an attribute; it requires grad by default."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor sharing `data`'s storage that a Module lists in `parameters()`."""

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from .._creation import empty

            data = empty(0)
        self._init(data._storage, data._array, data._offset, data.dtype)
        self._base = None
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor.__reduce_ex__(self, protocol), self.requires_grad))


def _rebuild_parameter(reduced, requires_grad: bool) -> Parameter:
    rebuild, args = reduced
    return Parameter(rebuild(*args), requires_grad=requires_grad)


# --- the placeholders of lazy modules (nn.LazyLinear, ...) ----------------------------------


class UninitializedTensorMixin:
    """A parameter or buffer whose shape is not known yet: it holds an empty tensor of its
    future device and dtype, moves and casts like a tensor, and becomes `cls_to_become` in
    place (same object, so optimizers built before keep it) at `materialize`. Using it as a
    tensor otherwise raises PyTorch's ValueError."""

    cls_to_become: type
    # the public names that work before materialization (PyTorch's `_allowed_methods` and
    # the attributes modules and optimizers read); private names are the tensor's internals
    _allowed = frozenset(
        {
            "materialize", "cls_to_become", "shape", "share_memory_", "size", "dtype",
            "device", "requires_grad", "requires_grad_", "grad", "grad_fn", "is_leaf",
            "data", "to", "cpu", "cuda", "half", "float", "double", "bfloat16",
            "is_floating_point", "is_complex", "get_device",
        }
    )  # fmt: skip

    def __getattribute__(self, name: str):
        if name.startswith("_") or name in UninitializedTensorMixin._allowed:
            return object.__getattribute__(self, name)
        raise ValueError(
            f"Attempted to use an uninitialized parameter in <method '{name}' of 'Tensor' "
            "objects>. This error happens when you are using a `LazyModule` or explicitly "
            f"manipulating `torch.nn.parameter.{type(self).__name__}` objects. When using "
            "LazyModules Call `forward` with a dummy batch to initialize the parameters "
            "before calling torch functions"
        )

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Become a `cls_to_become` of `shape` (uninitialized memory, as torch.empty) on
        this placeholder's device and dtype, or the given ones."""
        from .._creation import empty

        self.data = empty(
            *shape,
            device=self.device if device is None else device,
            dtype=self.dtype if dtype is None else dtype,
        )
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error "
            "usually happens in `load_state_dict` when trying to load an uninitialized "
            "parameter into an initialized one. Call `forward` to initialize the parameters "
            "before accessing their attributes."
        )

    def share_memory_(self):
        raise RuntimeError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`."
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def _moved(self, empty: Tensor):
        """A placeholder of this kind on the device and dtype of `empty`."""
        return type(self)(self.requires_grad, empty.device, empty.dtype)

    def _placeholder(self) -> Tensor:
        from .._creation import empty

        return empty(0, device=self.device, dtype=self.dtype)

    # casts and moves give a placeholder of the new device or dtype (Module.to, .double())
    def to(self, *args, **kwargs):
        return self._moved(self._placeholder().to(*args, **kwargs))

    def cpu(self):
        return self._moved(self._placeholder().cpu())

    def cuda(self, device=None, non_blocking: bool = False):
        return self._moved(self._placeholder().cuda(device))

    def half(self):
        return self._moved(self._placeholder().half())

    def float(self):
        return self._moved(self._placeholder().float())

    def double(self):
        return self._moved(self._placeholder().double())

    def bfloat16(self):
        return self._moved(self._placeholder().bfloat16())

    def __reduce_ex__(self, protocol):
        return (type(self), (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


def _refuse(name: str):
    def refused(self, *args, **kwargs):
        return self.__getattribute__(name)  # raises: `name` is not allowed

    return refused


# operators are looked up on the type, past __getattribute__: each refuses by name too
for _name in (
    "add", "radd", "iadd", "sub", "rsub", "isub", "mul", "rmul", "imul", "truediv",
    "rtruediv", "itruediv", "floordiv", "rfloordiv", "mod", "rmod", "pow", "rpow", "matmul",
    "rmatmul", "neg", "pos", "abs", "invert", "and", "or", "xor", "lt", "le", "gt", "ge",
    "getitem", "setitem", "len", "iter", "bool", "int", "index",
):  # fmt: skip
    setattr(UninitializedTensorMixin, f"__{_name}__", _refuse(_name))


def is_lazy(param) -> bool:
    """Whether `param` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (a lazy module's, until its first forward);
    only its dtype and device can change until `materialize` makes it a `Parameter`."""

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        from .._creation import empty

        super().__init__(empty(0, device=device, dtype=dtype), requires_grad)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy norm's running statistics); becomes a
    plain Tensor at `materialize`."""

    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        from .._creation import empty

        data = empty(0, device=device, dtype=dtype)
        self._init(data._storage, data._array, data._offset, data.dtype)
        self._base = None
        self.requires_grad_(requires_grad)
