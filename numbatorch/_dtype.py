"""dtype objects (`numbatorch.float32` ...) and PyTorch's type-promotion rules."""

from __future__ import annotations

import numpy as np

_py_float, _py_int, _py_bool = float, int, bool  # kept before the dtype names shadow them


class dtype:  # noqa: N801 - PyTorch's public name
    """A tensor element type; prints as ``torch.float32`` like PyTorch."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_kind")

    def __init__(self, name: str, numpy_dtype: str, kind: int) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self._kind = kind  # 0 bool, 1 integer, 2 floating: the promotion category
        self.is_floating_point = kind == 2
        self.is_signed = kind == 2 or (kind == 1 and self.numpy.kind == "i")
        self.itemsize = self.numpy.itemsize

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))

    @property
    def is_complex(self) -> bool:
        return False


float64 = double = dtype("float64", "float64", 2)
float32 = float = dtype("float32", "float32", 2)  # noqa: A001 - PyTorch's public name
float16 = half = dtype("float16", "float16", 2)
int64 = long = dtype("int64", "int64", 1)
int32 = int = dtype("int32", "int32", 1)  # noqa: A001
int16 = short = dtype("int16", "int16", 1)
int8 = dtype("int8", "int8", 1)
uint8 = dtype("uint8", "uint8", 1)
bool = dtype("bool", "bool", 0)  # noqa: A001
# bfloat16 is stored as its 16 bits in uint16 arrays (numpy has no bfloat16): the copy
# kernels convert it with round-to-nearest-even, and ops compute it in float32 as they do
# float16. No numpy type maps back to it (numbatorch has no uint16 dtype of its own).
bfloat16 = dtype("bfloat16", "uint16", 2)

ALL = (float64, float32, float16, int64, int32, int16, int8, uint8, bool, bfloat16)
# the types numbatorch computes in float32 because the kernels have no arithmetic for them
HALF_TYPES = (float16, bfloat16)
_FROM_NUMPY = {d.numpy: d for d in ALL if d is not bfloat16}
_BY_NAME = {d.name: d for d in ALL}

_default_float = float32


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    global _default_float
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def from_numpy(np_dtype) -> dtype:
    """The dtype of a numpy dtype; raises TypeError for types numbatorch lacks."""
    try:
        return _FROM_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d) -> dtype:
    """Accepts a dtype, a numpy dtype or a Python type (float, int, bool)."""
    if isinstance(d, dtype):
        return d
    if d is _py_float:
        return _default_float
    if d is _py_int:
        return int64
    if d is _py_bool:
        return bool
    return from_numpy(d)


def scalar_dtype(value) -> dtype:
    """The dtype PyTorch gives a Python scalar when it stands alone."""
    if isinstance(value, _py_bool):
        return bool
    if isinstance(value, _py_int):
        return int64
    return _default_float


def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._kind != b._kind:  # the higher category wins whole: int64 + float32 is float32
        return a if a._kind > b._kind else b
    return _FROM_NUMPY[np.promote_types(a.numpy, b.numpy)]


def result_type(tensor_dtypes, zero_dim_dtypes=(), scalars=()) -> dtype:
    """PyTorch's promotion: dimensioned tensors outrank zero-dim tensors, which outrank
    Python scalars; a lower rank only matters when its category (bool < int < float)
    is higher than what the higher ranks have."""
    result = None
    for group in (tensor_dtypes, zero_dim_dtypes, [scalar_dtype(s) for s in scalars]):
        group_type = None
        for d in group:
            group_type = d if group_type is None else _promote_pair(group_type, d)
        if group_type is None:
            continue
        if result is None or group_type._kind > result._kind:
            result = group_type
    return result if result is not None else _default_float


def _check_info_argument(kind: str, d) -> None:
    if not isinstance(d, dtype):
        raise TypeError(
            f"{kind}(): argument 'type' (position 1) must be torch.dtype, not {type(d).__name__}"
        )


class finfo:  # noqa: N801 - PyTorch's public name
    """The limits of a floating-point dtype: bits, eps, max, min, tiny (= smallest_normal),
    resolution, and dtype (its name, a str, as in PyTorch)."""

    def __init__(self, type: dtype | None = None) -> None:  # noqa: A002 - PyTorch's name
        d = _default_float if type is None else type
        _check_info_argument("finfo", d)
        if not d.is_floating_point:
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to "
                "handle 'torch.finfo'"
            )
        if d is bfloat16:  # float32's exponent range with 8 significant bits
            self.bits, self.eps, self.resolution = 16, 2.0**-7, 0.01
            self.max = _py_float((2 - 2.0**-7) * 2.0**127)
            self.tiny = self.smallest_normal = 2.0**-126
        else:
            info = np.finfo(d.numpy)
            self.bits = info.bits
            self.eps = _py_float(info.eps)
            self.max = _py_float(info.max)
            self.tiny = self.smallest_normal = _py_float(info.smallest_normal)
            self.resolution = _py_float(info.resolution)
        self.min = -self.max
        self.dtype = d.name

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
            f"dtype={self.dtype})"
        )


class iinfo:  # noqa: N801 - PyTorch's public name
    """The limits of an integer dtype: bits, max, min, and dtype (its name, a str)."""

    def __init__(self, type: dtype) -> None:  # noqa: A002 - PyTorch's name
        _check_info_argument("iinfo", type)
        if type is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                "'torch.iinfo'"
            )
        info = np.iinfo(type.numpy)
        self.bits = info.bits
        self.max = _py_int(info.max)
        self.min = _py_int(info.min)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
