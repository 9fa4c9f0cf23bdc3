"""Reductions (sum, mean, prod, max/min, argmax/argmin, var/std, norm, logsumexp,
all/any), cumsum and softmax/log_softmax, each as an autograd Function."""

from __future__ import annotations

import functools
import math
import warnings
from typing import TYPE_CHECKING

from .. import _dtype, return_types
from .._autocast import FP32, autocast_op
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..kernels.common import reduction as R  # opcodes only
from . import _lane
from ._common import (
    TYPE_WORD,
    cast,
    dims_of,
    empty,
    kernels,
    scalar_as_vector,
    wrap_dim,
    write_out,
)

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def _layout(x: Tensor, dims: tuple) -> tuple[Tensor, int, int]:
    """x arranged as contiguous (outer, n, inner) with the reduced dims in the middle:
    no copy when x is contiguous and `dims` are adjacent; else a permuted copy."""
    shape = x.shape
    n = 1
    for d in dims:
        n *= shape[d]
    adjacent = dims == tuple(range(dims[0], dims[-1] + 1)) if dims else True
    if adjacent and x.is_contiguous():
        inner = 1
        for size in shape[dims[-1] + 1 :] if dims else ():
            inner *= size
        return x, n, inner
    kept = tuple(d for d in range(x.ndim) if d not in dims)
    return x.permute(*kept, *dims).contiguous(), n, 1


def _out_shape(shape, dims, keepdim) -> tuple:
    if keepdim:
        return tuple(1 if d in dims else s for d, s in enumerate(shape))
    return tuple(s for d, s in enumerate(shape) if d not in dims)


def reduce(op: int, x: Tensor, dims: tuple, keepdim: bool, out_dtype, p: float = 0.0, name=None):
    """Run reduction kernel `op` over `dims` of x into a new tensor of `out_dtype`."""
    if op in _LANE_OPS and not keepdim and out_dtype is x.dtype and len(dims) == x.ndim:
        if (y := _lane.reduce_all(op, x)) is not None:  # all of a plain tensor, unrecorded
            return y
    out = empty(_out_shape(x.shape, dims, keepdim), out_dtype, x.device)
    if x.numel() == 0 and op not in _EMPTY_OK:
        for d in dims:
            if x.shape[d] == 0:
                raise IndexError(
                    f"{name or _NAMES[op]}(): Expected reduction dim {d} to have non-zero size."
                )
        return out  # no slice to reduce: the result is empty too
    if out.numel() == 0:
        return out
    if x.dtype in _dtype.HALF_TYPES:  # Numba has no half arithmetic: reduce in float32
        wide = _dtype.float32 if out_dtype in _dtype.HALF_TYPES else out_dtype
        return cast(reduce(op, cast(x, _dtype.float32), dims, keepdim, wide, p), out_dtype)
    repeats = 1
    if op in _SAME_OVER_REPEATS and 0 in x._array.strides:  # only an expanded x pays
        x, repeats = _without_repeats(x, dims)
    source, n, inner = _layout(x, dims)
    kernels(x).reduce(op, source._array, out._array, n, inner, p)
    if repeats != 1 and op == R.SUM:
        out.mul_(repeats)
    return out


_LANE_OPS = frozenset({R.SUM, R.MEAN})
_NAMES = {R.MAX: "max", R.MIN: "min", R.ARGMAX: "argmax", R.ARGMIN: "argmin"}
# (an empty slice gives the identity: 0, NaN for mean and var, 1, True, False, -inf)
_EMPTY_OK = frozenset({R.SUM, R.MEAN, R.PROD, R.ALL, R.ANY, R.NORM, R.VAR, R.LOGSUMEXP})
# reductions whose result over a dim of repeated values (stride 0, an expanded tensor) is
# the result over one copy of it (times the count, for SUM): reduce without materialising
_SAME_OVER_REPEATS = frozenset({R.SUM, R.MEAN, R.MAX, R.MIN, R.ARGMAX, R.ARGMIN, R.ALL, R.ANY})


def _without_repeats(x: Tensor, dims: tuple) -> tuple[Tensor, int]:
    """x narrowed to one element along each reduced dim of stride 0, and how many
    copies of each value that dropped."""
    repeats = 1
    for d in dims:
        if x.shape[d] > 1 and x.stride(d) == 0:
            repeats *= x.shape[d]
            x = x.narrow(d, 0, 1)
    return x, repeats


def _grad_to_input(grad: Tensor, shape, dims, keepdim) -> Tensor:
    """A reduced gradient put back in the input's shape (a broadcast view)."""
    if not keepdim:
        grad = grad.reshape(_out_shape(shape, dims, True))
    return grad.expand(shape)


def _sum_dtype(x: Tensor, dtype):
    if dtype is not None:
        return _dtype.to_dtype(dtype)
    return x.dtype if x.dtype.is_floating_point else _dtype.int64


class Sum(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        ctx.meta = (x.shape, dims, keepdim, x.dtype)
        out_dtype = _sum_dtype(x, dtype)
        source = x if x.dtype is out_dtype or x.dtype.is_floating_point else x.to(out_dtype)
        return reduce(R.SUM, source, dims, keepdim, out_dtype)

    @staticmethod
    def backward(ctx, grad):
        shape, dims, keepdim, dtype = ctx.meta
        return _grad_to_input(grad, shape, dims, keepdim).to(dtype), None, None, None


class Mean(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        if not x.dtype.is_floating_point and dtype is None:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {TYPE_WORD.get(x.dtype.name, x.dtype.name)}"
            )
        out_dtype = _dtype.to_dtype(dtype) if dtype is not None else x.dtype
        ctx.meta = (x.shape, dims, keepdim, x.dtype)
        return reduce(R.MEAN, x.to(out_dtype), dims, keepdim, out_dtype)

    @staticmethod
    def backward(ctx, grad):
        shape, dims, keepdim, dtype = ctx.meta
        n = 1
        for d in dims:
            n *= shape[d]
        return _grad_to_input(grad / n, shape, dims, keepdim).to(dtype), None, None, None


class Prod(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims, keepdim, dtype):
        result = reduce(R.PROD, x, dims, keepdim, _sum_dtype(x, dtype))
        ctx.save_for_backward(x, result)
        ctx.meta = (dims, keepdim)
        return result

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        dims, keepdim = ctx.meta
        # result / x, with zeros handled: one zero gets the product of the others
        zero = x == 0
        others = x.where(~zero, 1.0).prod(dim=dims, keepdim=True)
        zeros_count = zero.to(x.dtype).sum(dim=dims, keepdim=True)
        full = _grad_to_input(result, x.shape, dims, keepdim)
        safe_x = x.where(~zero, 1.0)
        d = (full / safe_x).where(~zero, others * (zeros_count == 1).to(x.dtype))
        return _grad_to_input(grad, x.shape, dims, keepdim) * d, None, None, None


class MaxMin(BuiltinFunction):
    """max/min over one dim: values and the indices of the first extreme."""

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        dims, name = (dim,), "max" if is_max else "min"
        arg = R.ARGMAX if is_max else R.ARGMIN
        indices = reduce(arg, x, dims, keepdim, _dtype.int64, name=name)
        values = reduce(R.MAX if is_max else R.MIN, x, dims, keepdim, x.dtype, name=name)
        ctx.meta = (x.shape, dim, keepdim)
        ctx.save_for_backward(indices)
        ctx.mark_non_differentiable(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        shape, dim, keepdim = ctx.meta
        (indices,) = ctx.saved_tensors
        if not keepdim:
            grad, indices = grad.unsqueeze(dim), indices.unsqueeze(dim)
        result = grad.new_zeros(shape).scatter(dim, indices, grad)
        return result, None, None, None


class MaxMinAll(BuiltinFunction):
    """max/min over all elements; ties share the gradient evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, is_max):
        result = reduce(R.MAX if is_max else R.MIN, x, tuple(range(x.ndim)), False, x.dtype)
        ctx.save_for_backward(x, result)
        return result

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        mask = (x == result).to(grad.dtype)
        return mask * (grad / mask.sum()), None


class AmaxAmin(BuiltinFunction):
    """amax/amin over several dims; ties share the gradient evenly, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        op = R.MAX if is_max else R.MIN
        result = reduce(op, x, dims, keepdim, x.dtype, name="amax" if is_max else "amin")
        ctx.save_for_backward(x, result)
        ctx.meta = (dims, keepdim)
        return result

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        dims, keepdim = ctx.meta
        shape = x.shape
        mask = (x == _grad_to_input(result, shape, dims, keepdim)).to(grad.dtype)
        count = mask.sum(dims, keepdim=True)
        return mask * (_grad_to_input(grad, shape, dims, keepdim) / count), None, None, None


class Amax(AmaxAmin):
    node_name = "AmaxBackward0"


class Amin(AmaxAmin):
    node_name = "AminBackward0"


# PyTorch names the nodes after the op and overload: max(dim) is MaxBackward0, max() is
# MaxBackward1
class Max(MaxMin):
    node_name = "MaxBackward0"


class Min(MaxMin):
    node_name = "MinBackward0"


class MaxAll(MaxMinAll):
    node_name = "MaxBackward1"


class MinAll(MaxMinAll):
    node_name = "MinBackward1"


class Var(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.save_for_backward(x)
        ctx.meta = (dims, correction, keepdim)
        n = math.prod(x.shape[d] for d in dims)
        if n - correction <= 0:
            warnings.warn(
                "var(): degrees of freedom is <= 0. Correction should be strictly less than the "
                "reduction factor (input numel divided by output numel).",
                UserWarning,
                stacklevel=4,
            )
        return reduce(R.VAR, x, dims, keepdim, x.dtype, float(correction))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dims, correction, keepdim = ctx.meta
        n = 1
        for d in dims:
            n *= x.shape[d]
        centered = x - x.mean(dim=dims, keepdim=True)
        scale = 2 / (n - correction) if n - correction > 0 else math.inf
        return _grad_to_input(grad, x.shape, dims, keepdim) * centered * scale, None, None, None


class Norm(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        result = reduce(R.NORM, x, dims, keepdim, x.dtype, float(p))
        ctx.save_for_backward(x, result)
        ctx.meta = (p, dims, keepdim)
        return result

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        p, dims, keepdim = ctx.meta
        norm = _grad_to_input(result, x.shape, dims, keepdim)
        grad = _grad_to_input(grad, x.shape, dims, keepdim)
        if p == math.inf:
            mask = (x.abs() == norm).to(x.dtype)
            count = mask.sum(dim=dims, keepdim=True)
            return grad * x.sign() * mask / count, None, None, None
        if p == 2:
            d = x / norm
        else:
            d = x * x.abs() ** (p - 2) / norm ** (p - 1)
        return grad * d.where(norm != 0, 0.0), None, None, None


class LogSumExp(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dims, keepdim):
        result = reduce(R.LOGSUMEXP, x, dims, keepdim, x.dtype)
        ctx.save_for_backward(x, result)
        ctx.meta = (dims, keepdim)
        return result

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        dims, keepdim = ctx.meta
        result = _grad_to_input(result, x.shape, dims, keepdim)
        return _grad_to_input(grad, x.shape, dims, keepdim) * (x - result).exp(), None, None


def _scan(x: Tensor, dim: int, name: str) -> Tensor:
    """The running sum or product (`name`, a kernel) of x along dim; integers in int64."""
    source, n, inner = _layout(x.contiguous(), (dim,))
    out_dtype = x.dtype if x.dtype.is_floating_point else _dtype.int64
    source = source.to(out_dtype)
    out = empty(x.shape, out_dtype, x.device)
    getattr(kernels(x), name)(source._array, out._array, n, inner)
    return out


def _reverse_cumsum(t: Tensor, dim: int) -> Tensor:
    """sum of t[k] over k >= i along dim, at each i."""
    return t.sum(dim, keepdim=True) - t.cumsum(dim) + t


class Cumsum(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return _scan(x, dim, "cumsum")

    @staticmethod
    def backward(ctx, grad):
        # d/dx_i of sum_{j<=k} x_j summed with grad_k is the sum of grad_k for k >= i
        return _reverse_cumsum(grad, ctx.dim), None


class Cumprod(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        result = _scan(x, dim, "cumprod")
        ctx.save_for_backward(x, result)
        return result

    @staticmethod
    def backward(ctx, grad):
        # d out_k / d x_i = out_k / x_i for i <= k, exact without dividing by zero: before a
        # line's first zero z, out_k = 0 for k >= z, so grad_i = sum_k grad_k out_k / x_i;
        # at z, out_k / x_z is the running product with x_z taken as 1; after z, all 0
        x, result = ctx.saved_tensors
        dim = ctx.dim
        zeros_so_far = (x == 0).long().cumsum(dim)
        before = zeros_so_far == 0
        first_zero = (x == 0).logical_and(zeros_so_far == 1)
        grad_before = _reverse_cumsum(grad * result, dim) / x.where(before, 1.0)
        skipping_zero = x.where(first_zero.logical_not(), 1.0).cumprod(dim)
        grad_at_zero = _reverse_cumsum(grad * skipping_zero, dim)
        return grad_before.where(before, 0.0) + grad_at_zero.where(first_zero, 0.0), None


class Softmax(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim, log):
        source, n, inner = _layout(x.contiguous(), (dim,))
        out = empty(x.shape, x.dtype, x.device)
        kernels(x).softmax(source._array, out._array, n, inner, log)
        ctx.save_for_backward(out)
        ctx.meta = (dim, log)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        dim, log = ctx.meta
        if grad_mode.is_grad_enabled():  # create_graph: a differentiable composition
            if log:
                return grad - y.exp() * grad.sum(dim, keepdim=True), None, None
            return y * (grad - (grad * y).sum(dim, keepdim=True)), None, None
        # one kernel: the row's dot product (or sum) and the write
        source, n, inner = _layout(y, (dim,))
        grad_source, _, _ = _layout(grad.to(y.dtype).contiguous(), (dim,))
        out = empty(y.shape, y.dtype, y.device)
        kernels(y).softmax_backward(source._array, grad_source._array, out._array, n, inner, log)
        return out, None, None


class LogSoftmax(Softmax):
    """Named for its grad_fn (`LogSoftmaxBackward0`)."""


# --- the functional API ----------------------------------------------------------------------


@autocast_op(cuda=FP32)
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001
    if dim is None and dtype is None and (y := _lane.reduce_all(R.SUM, input)) is not None:
        return y
    return Sum.apply(input, dims_of(dim, input.ndim), keepdim, dtype)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    return sum(input.where(input == input, 0.0), dim, keepdim, dtype=dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    if dim is None and dtype is None and (y := _lane.reduce_all(R.MEAN, input)) is not None:
        return y
    return Mean.apply(input, dims_of(dim, input.ndim), keepdim, dtype)


@autocast_op(cpu=FP32, cuda=FP32)
def prod(input, dim=None, keepdim=False, *, dtype=None):
    return Prod.apply(input, dims_of(dim, input.ndim), keepdim, dtype)


def _extreme(input, dim, keepdim, is_max):
    if dim is None:
        if input.numel() == 0:
            name = "max" if is_max else "min"
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return (MaxAll if is_max else MinAll).apply(input, is_max)
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from .elementwise import maximum, minimum

        return (maximum if is_max else minimum)(input, dim)
    dim = wrap_dim(dim, input.ndim)
    values, indices = (Max if is_max else Min).apply(input, dim, keepdim, is_max)
    return (return_types.max if is_max else return_types.min)(values, indices)


@scalar_as_vector
def max(input, dim=None, keepdim=False):  # noqa: A001
    return _extreme(input, dim, keepdim, True)


@scalar_as_vector
def min(input, dim=None, keepdim=False):  # noqa: A001
    return _extreme(input, dim, keepdim, False)


def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, _extreme_dims(input, dim, "amax"), keepdim, True)


def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, _extreme_dims(input, dim, "amin"), keepdim, False)


def _extreme_dims(input, dim, name) -> tuple:
    if dim in ((), None) and input.numel() == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    return dims_of(dim if dim != () else None, input.ndim)


def _arg(op, input, dim, keepdim):
    if input.dtype is _dtype.bool:
        raise RuntimeError(f"{_NAMES[op]}(): does not support bool input")
    if dim is None:
        if input.numel() == 0:
            raise IndexError(
                f"{_NAMES[op]}(): Expected reduction dim to be specified for input.numel() == 0."
            )
        return reduce(op, input.reshape(-1), (0,), False, _dtype.int64).reshape(
            (1,) * input.ndim if keepdim else ()
        )
    return reduce(op, input, (wrap_dim(dim, input.ndim),), keepdim, _dtype.int64)


@scalar_as_vector
def argmax(input, dim=None, keepdim=False):
    return _arg(R.ARGMAX, input, dim, keepdim)


@scalar_as_vector
def argmin(input, dim=None, keepdim=False):
    return _arg(R.ARGMIN, input, dim, keepdim)


def var(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    if isinstance(dim, bool):  # var(input, unbiased)
        dim, unbiased = None, dim
    correction = (1 if unbiased else 0) if correction is None else correction
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return Var.apply(input, dims_of(dim, input.ndim), correction, keepdim)


def std(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return (var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


def std_mean(input, dim=None, unbiased=True, keepdim=False, *, correction=None):
    return (std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim))


@autocast_op(cuda=FP32)
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    if p == "fro" or p is None:
        p = 2
    if p == "nuc":
        raise NotImplementedError("nuclear norm is not supported")
    if isinstance(dim, int):
        dim = (dim,)
    return Norm.apply(input, float(p), dims_of(dim, input.ndim), keepdim)


@autocast_op(cuda=FP32)
def logsumexp(input, dim, keepdim=False):
    return LogSumExp.apply(input, dims_of(dim, input.ndim), keepdim)


def all(input, dim=None, keepdim=False):  # noqa: A001
    dims = dims_of(dim, input.ndim)
    return reduce(R.ALL, input, dims, keepdim, _dtype.bool)


def any(input, dim=None, keepdim=False):  # noqa: A001
    dims = dims_of(dim, input.ndim)
    return reduce(R.ANY, input, dims, keepdim, _dtype.bool)


def count_nonzero(input, dim=None):
    return sum((input != 0), dim)


@scalar_as_vector
@autocast_op(cuda=FP32)
def cumsum(input, dim, *, dtype=None):
    if input.dtype in _dtype.HALF_TYPES and dtype is None:  # no half arithmetic in Numba
        return cumsum(input.float(), dim).to(input.dtype)
    source = input if dtype is None else input.to(dtype)
    return Cumsum.apply(source, wrap_dim(dim, input.ndim))


@scalar_as_vector
def cumprod(input, dim, *, dtype=None):
    if input.dtype in _dtype.HALF_TYPES and dtype is None:  # no half arithmetic in Numba
        return cumprod(input.float(), dim).to(input.dtype)
    source = input if dtype is None else input.to(dtype)
    return Cumprod.apply(source, wrap_dim(dim, input.ndim))


def _softmax_dtype(input, dtype):
    if dtype is not None:
        return input.to(dtype)
    if not input.dtype.is_floating_point:
        return input.to(_dtype.get_default_dtype())
    return input


def _half_in_float32(function):
    """Run a softmax-like op on a float16 or bfloat16 tensor in float32 (Numba has no
    half arithmetic) and give the result back in the tensor's dtype."""

    @functools.wraps(function)
    def wrapper(input, dim, dtype=None):
        if input.dtype in _dtype.HALF_TYPES and dtype is None:
            return function(input.float(), dim).to(input.dtype)
        return function(input, dim, dtype)

    return wrapper


@autocast_op(cuda=FP32)
@_half_in_float32
def softmax(input, dim, dtype=None):
    dim = wrap_dim(dim, input.ndim)
    if input.ndim == 0:  # a one-element row
        return softmax(input.reshape(1), 0, dtype).reshape(())
    return Softmax.apply(_softmax_dtype(input, dtype), dim, False)


@autocast_op(cuda=FP32)
@_half_in_float32
def log_softmax(input, dim, dtype=None):
    dim = wrap_dim(dim, input.ndim)
    if input.ndim == 0:  # a one-element row
        return log_softmax(input.reshape(1), 0, dtype).reshape(())
    return LogSoftmax.apply(_softmax_dtype(input, dtype), dim, True)


# --- logcumsumexp (issue 15) -----------------------------------------------------------------


def _reverse_logcumsumexp(t: Tensor, dim: int) -> Tensor:
    """log of the sum of exp(t[k]) over k >= i along dim, at each i."""
    return t.flip(dim).logcumsumexp(dim).flip(dim)


class Logcumsumexp(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, dim):
        source, n, inner = _layout(x.contiguous(), (dim,))
        out = empty(x.shape, x.dtype, x.device)
        kernels(x).logcumsumexp(source._array, out._array, n, inner)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, grad):
        # grad_i = sum over k >= i of grad_k exp(x_i - out_k), summed in log space with the
        # positive and negative parts of grad apart (PyTorch's formula): no exp overflows
        x, result = ctx.saved_tensors
        dim = ctx.dim
        lowest = _dtype.finfo(grad.dtype).min
        log_abs = grad.abs().log()
        log_positive = log_abs.where(grad > 0, lowest)
        log_negative = log_abs.where(grad < 0, lowest)
        positive = (_reverse_logcumsumexp(log_positive - result, dim) + x).exp()
        negative = (_reverse_logcumsumexp(log_negative - result, dim) + x).exp()
        return positive - negative, None


@scalar_as_vector
def logcumsumexp(input: Tensor, dim: int, *, out: Tensor | None = None) -> Tensor:
    """log(cumsum(exp(input), dim)), computed without overflow."""
    dim = wrap_dim(dim, input.ndim)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"logcumsumexp_out_{input.device.type}" not implemented for '
            f"'{TYPE_WORD[input.dtype.name]}'"
        )
    if input.dtype in _dtype.HALF_TYPES:  # no half arithmetic in Numba
        result = Logcumsumexp.apply(input.float(), dim).to(input.dtype)
    else:
        result = Logcumsumexp.apply(input, dim)
    return result if out is None else write_out(out, result)
