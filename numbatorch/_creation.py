"""Tensor creation: `tensor`, `zeros`, `ones`, `full`, `empty`, `arange`, `linspace`,
`eye`, the random factories, `*_like`, `from_numpy`, and the random generators."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import numpy as np

from . import _dtype
from ._device import CPU, as_device
from ._dispatch import backend
from .autograd import grad_mode
from .tensor import Storage, allocation_error, empty_like_array, from_array

if TYPE_CHECKING:
    from .tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from .tensor import TensorBase as Tensor


# --- random generators -------------------------------------------------------------------
class Generator:
    """A seedable source of random numbers (numpy's PCG64 underneath)."""

    def __init__(self, device="cpu") -> None:
        self.device = as_device(device)
        self._seed = 67280421310721
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        self._seed = int(seed)
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self) -> int:
        seed = int(np.random.SeedSequence().entropy % (1 << 63))
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        import json

        state = json.dumps(self._rng.bit_generator.state).encode()
        return from_array(np.frombuffer(state, np.uint8).copy())

    def set_state(self, state: Tensor) -> Generator:
        import json

        self._rng.bit_generator.state = json.loads(bytes(state.numpy().tobytes()).decode())
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the global generator: random factories, init and shuffling become
    reproducible within numbatorch."""
    default_generator.manual_seed(seed)
    return default_generator


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    default_generator.set_state(state)


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


# --- helpers ---------------------------------------------------------------------------------
def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(s) for s in size)


def _finish(t: Tensor, device, requires_grad: bool) -> Tensor:
    dev = as_device(device)
    if dev != CPU:
        t = t.to(dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _filled(shape, value, dtype, device, requires_grad) -> Tensor:
    dev = as_device(device)
    if dev.type == "cuda":
        backend(dev)  # raises the clear no-CUDA error early
    t = empty_like_array(shape, dtype, dev)
    backend(dev).fill(t._array, value)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _nested_data(data):
    """A numpy array from nested lists/tuples of numbers and 0-d tensors."""
    if isinstance(data, Tensor):
        return data.detach()._host()
    if isinstance(data, (list, tuple)):
        items = [_nested_data(d) for d in data]
        if items and any(isinstance(i, np.ndarray) for i in items):
            shapes = {np.shape(i) for i in items}
            if len(shapes) > 1:
                raise ValueError(
                    f"expected sequence of length {len(data[0])} at dim 1 (got "
                    f"{len(next(d for d in data if len(d) != len(data[0])))})"
                )
        return np.array(items) if items else np.array([], dtype=np.float32)
    return data


def _tensor_data(data, dtype=None) -> np.ndarray:
    """Host array for `tensor(data, dtype)`, with PyTorch's inference of the dtype."""
    if isinstance(data, np.ndarray):
        array = data
        inferred = _dtype.from_numpy(array.dtype)
    else:
        array = np.asarray(_nested_data(data))
        if array.dtype == np.bool_:
            inferred = _dtype.bool
        elif array.dtype.kind in "iu":
            inferred = _dtype.int64
        elif array.dtype.kind == "f":
            inferred = (
                _dtype.get_default_dtype()
                if not isinstance(data, Tensor)
                else _dtype.from_numpy(array.dtype)
            )
        elif array.dtype == object:
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
        else:
            raise TypeError(f"Could not infer dtype of {array.dtype}")
        if isinstance(data, Tensor):
            inferred = data.dtype
    dtype = _dtype.to_dtype(dtype) if dtype is not None else inferred
    return np.array(array, dtype=dtype.numpy, copy=True, order="C")


# --- factories -------------------------------------------------------------------------------
def tensor(
    data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False
) -> Tensor:
    if dtype is not None and _dtype.to_dtype(dtype) is _dtype.bfloat16:
        # the values are rounded to bfloat16 by the conversion kernel, from float32
        wide = from_array(_tensor_data(data, _dtype.float32))
        return _finish(wide.to(_dtype.bfloat16), device, requires_grad)
    array = _tensor_data(data, dtype)
    return _finish(from_array(array), device, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor):
        return data.to(device or data.device, dtype or data.dtype)
    if isinstance(data, np.ndarray) and dtype is None and as_device(device) == CPU:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


_warned_not_writable = False


class _WritableAlias:
    """Exposes a read-only array's memory as writable, as PyTorch's from_numpy does: the
    tensor shares the memory and writing through it is the caller's responsibility."""

    def __init__(self, array: np.ndarray) -> None:
        self.base = array  # keeps the memory alive as long as the alias
        interface = dict(array.__array_interface__)
        interface["data"] = (interface["data"][0], False)
        self.__array_interface__ = interface


def _writable_alias(array: np.ndarray) -> np.ndarray:
    global _warned_not_writable
    if not _warned_not_writable:
        _warned_not_writable = True
        warnings.warn(
            "The given NumPy array is not writable, and PyTorch does not support non-writable "
            "tensors. This means writing to this tensor will result in undefined behavior. You "
            "may want to copy the array to protect its data or make it writable before "
            "converting it to a tensor. This type of warning will be suppressed for the rest "
            "of this program.",
            UserWarning,
            stacklevel=3,
        )
    return np.asarray(_WritableAlias(array))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array` (which must be writeable-compatible)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtype = _dtype.from_numpy(array.dtype)
    if not array.flags.writeable:
        array = _writable_alias(array)
    if any(s < 0 for s in array.strides):
        raise ValueError(
            "At least one stride in the given numpy array is negative, and tensors with "
            "negative strides are not currently supported. (You can probably work around this "
            "by making a copy of your array  with array.copy().) "
        )
    itemsize = array.itemsize
    if array.size and any(s % itemsize for s in array.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size.")
    if array.flags.c_contiguous:
        return from_array(array)
    extent = 1 + sum((n - 1) * s for n, s in zip(array.shape, array.strides)) // itemsize
    flat = (
        np.lib.stride_tricks.as_strided(array, (extent,), (itemsize,))
        if array.size
        else array.reshape(-1)
    )
    return Tensor._make(Storage(flat, CPU), array, 0, dtype)


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    shape = _size(size)
    if min(shape, default=0) < 0:  # PyTorch's zeros words it so; every other factory not
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _filled(
        shape,
        0,
        _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype(),
        device,
        requires_grad,
    )


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _filled(
        _size(size),
        1,
        _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype(),
        device,
        requires_grad,
    )


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    dev = as_device(device)
    t = empty_like_array(_size(size), dtype, dev)
    return t.requires_grad_(True) if requires_grad else t


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value)
    return _filled(_size((size,)), fill_value, _dtype.to_dtype(dtype), device, requires_grad)


def _like(input: Tensor, dtype, device):
    return (
        _dtype.to_dtype(dtype) if dtype else input.dtype,
        as_device(device) if device is not None else input.device,
    )


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    dtype, dev = _like(input, dtype, device)
    return _filled(tuple(input.shape), 0, dtype, dev, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    dtype, dev = _like(input, dtype, device)
    return _filled(tuple(input.shape), 1, dtype, dev, requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    dtype, dev = _like(input, dtype, device)
    return _filled(tuple(input.shape), fill_value, dtype, dev, requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    dtype, dev = _like(input, dtype, device)
    return empty(*input.shape, dtype=dtype, device=dev, requires_grad=requires_grad)


def _computed(dtype) -> _dtype.dtype:
    """The dtype a factory writes its values in: float32 for bfloat16 (whose storage
    holds bits, not numbers; the values are then rounded by the conversion kernel)."""
    return _dtype.float32 if dtype is _dtype.bfloat16 else dtype


def _drawn(shape: tuple, dtype, draw) -> Tensor:
    """A CPU tensor holding `draw(shape)`, numpy's float64 or int64 draws cast to `dtype`.
    The tensor is allocated first, so a size too big fails with its own dtype's bytes."""
    t = empty_like_array(shape, _computed(dtype), CPU)
    try:
        values = draw(shape)
    except MemoryError as error:
        raise allocation_error(shape, np.float64) from error
    t._array[...] = values
    return t.to(dtype)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    t = _drawn(_size(size), dtype, _rng(generator).random)
    return _finish(t, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    t = _drawn(_size(size), dtype, _rng(generator).standard_normal)
    return _finish(t, device, requires_grad)


def randint(
    low, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False
) -> Tensor:
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError('randint() missing 1 required positional arguments: "size"')
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.int64
    t = _drawn(_size((size,)), dtype, lambda shape: _rng(generator).integers(low, high, shape))
    return _finish(t, device, requires_grad)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.int64
    array = _rng(generator).permutation(int(n)).astype(_computed(dtype).numpy)
    return _finish(from_array(array).to(dtype), device, requires_grad)


def rand_like(input, *, dtype=None, device=None, requires_grad=False):
    dtype, dev = _like(input, dtype, device)
    return rand(*input.shape, dtype=dtype, device=dev, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):
    dtype, dev = _like(input, dtype, device)
    return randn(*input.shape, dtype=dtype, device=dev, requires_grad=requires_grad)


def randint_like(input, low, high=None, *, dtype=None, device=None):
    dtype, dev = _like(input, dtype, device)
    return randint(low, high, tuple(input.shape), dtype=dtype, device=dev)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    """Normal draws: mean and std tensors (broadcast) or numbers; with two numbers,
    `size` gives the shape."""
    if isinstance(std, Tensor):
        if std.numel() and float(std.min().item()) < 0:
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        from .ops._common import broadcast_shapes

        tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
        like = tensors[0]
        shape = broadcast_shapes(*(tuple(t.shape) for t in tensors))
        dtype = like.dtype if like.dtype.is_floating_point else _dtype.get_default_dtype()
        noise = randn(*shape, generator=generator, dtype=dtype, device=like.device)
        return noise * std + mean
    if size is None:
        raise TypeError('normal() missing 1 required positional argument: "size"')
    return randn(*_size((size,)), generator=generator, dtype=dtype, device=device) * std + mean


def bernoulli(input, p=None, *, generator=None):
    """1 with probability `input` (or `p`) per element, else 0, in input's dtype."""
    if p is not None and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    probability = input if p is None else p
    if p is None and input.numel():
        low, high = float(input.min().item()), float(input.max().item())
        if not (0 <= low and high <= 1):
            raise RuntimeError(
                "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                "error message be improved?  If so, please report an enhancement request to "
                "PyTorch.)"
            )
    noise = rand(*input.shape, generator=generator, dtype=_dtype.float64, device=input.device)
    return (noise < probability).to(input.dtype)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """num_samples category indices per row of the weights `input` (1-D or 2-D). With
    replacement: the inverse of each row's cumulative weights at uniform draws (a binary
    search); without: the num_samples largest log(u) / weight keys (exponential races,
    the Gumbel top-k trick), so zero weights come last as in PyTorch."""
    from .ops._common import TYPE_WORD
    from .ops.selection import searchsorted

    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "multinomial only supports floating-point dtypes for input, got: "
            f"{TYPE_WORD[input.dtype.name]}"
        )
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    categories = input.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            "cannot sample n_sample > prob_dist.size(-1) samples without replacement"
        )
    weights = input.detach().double().reshape(-1, categories)
    if weights.numel():
        low = weights.min().item()
        if not (low >= 0 and math.isfinite(weights.sum().item())):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if float(weights.sum(-1).min().item()) <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rows = weights.shape[0]
    if replacement:
        cumulative = weights.cumsum(-1)
        draws = rand(rows, num_samples, generator=generator, dtype=_dtype.float64,
                     device=input.device) * cumulative[:, -1:]  # fmt: skip
        picks = searchsorted(cumulative.contiguous(), draws, right=True).clamp(max=categories - 1)
    else:
        noise = rand(rows, categories, generator=generator, dtype=_dtype.float64,
                     device=input.device)  # fmt: skip
        picks = (noise.log() / weights).topk(num_samples, -1).indices
    return picks.reshape(*input.shape[:-1], num_samples)


def poisson(input, generator=None):
    """A Poisson draw per element with rate `input` (numpy's generator draws)."""
    from .ops._common import TYPE_WORD

    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"poisson_cpu\" not implemented for '{TYPE_WORD[input.dtype.name]}'"
        )
    rates = input.detach()._host().astype(np.float64)
    if rates.size and not rates.min() >= 0:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    t = _drawn(tuple(input.shape), input.dtype, lambda shape: _rng(generator).poisson(rates))
    return _finish(t, input.device, False)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        floating = any(isinstance(v, float) for v in values)
        dtype = _dtype.get_default_dtype() if floating else _dtype.int64
    dtype = _dtype.to_dtype(dtype)
    n = max(0, math.ceil((end - start) / step))
    t = empty_like_array((n,), _computed(dtype), CPU)
    backend(CPU).range_fill(t._array, start, step)
    return _finish(t.to(dtype), device, requires_grad)


def range(  # noqa: A001 - PyTorch's public name
    start, end, step=1, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """Deprecated in PyTorch: values from start to end inclusive, in the default float
    dtype unless `dtype` is given."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).",
        UserWarning,
        stacklevel=2,
    )
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dtype = _dtype.to_dtype(dtype) if dtype is not None else _dtype.get_default_dtype()
    n = math.floor((end - start) / step) + 1
    t = empty_like_array((n,), _computed(dtype), CPU)
    backend(CPU).range_fill(t._array, start, step)
    return _finish(t.to(dtype), device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    t = empty_like_array((int(steps),), _dtype.float64, CPU)
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    backend(CPU).range_fill(t._array, float(start), step)
    if steps > 1:  # the last point exactly `end`, as PyTorch
        backend(CPU).fill(t._array[-1:], end)
    return _finish(t.to(dtype), device, requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None):
    return (
        (linspace(start, end, steps, dtype=_dtype.float64) * math.log(base))
        .exp()
        .to(_dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype())
        .to(as_device(device))
    )


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    m = n if m is None else m
    t = zeros(n, m, dtype=dtype)
    with grad_mode.no_grad():
        diagonal = backend(CPU).as_strided(t._storage.data, (min(n, m),), (m + 1,), 0)
        backend(CPU).fill(diagonal, 1)
    return _finish(t, device, requires_grad)


def tril_indices(row, col, offset=0):
    r, c = np.tril_indices(row, offset, col)
    return from_array(np.stack([r, c]).astype(np.int64))


def triu_indices(row, col, offset=0):
    r, c = np.triu_indices(row, offset, col)
    return from_array(np.stack([r, c]).astype(np.int64))
