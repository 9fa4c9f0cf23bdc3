"""Tensor's methods and operators, declared in the bodies of the mixin classes that
`numbatorch.tensor.Tensor` inherits: one mixin per family of ops, PyTorch's names.

A method is the functional op itself wherever the two take the same arguments
(`add = ew.add`: `x.add(y)` runs `numbatorch.add(x, y)` with no call in between), and a
`def` here where the method's signature differs (`flip(*dims)`, `new_zeros`, the random
fills). To add a method, add one line to the mixin of its family:

    foo = ew.foo                # x.foo(...) is numbatorch.foo(x, ...)
    foo_ = inplace(ew.foo)      # x.foo_(...), where PyTorch has the in-place form

or a `def foo(self, ...)` when the arguments differ. Nothing is attached to Tensor after
its class statement (no setattr): tests/test_tensor_methods.py checks that every method
is declared in a class body, where grep, `inspect` and type checkers find it.

These modules are imported while `numbatorch/tensor.py` builds `Tensor` from the mixins
below, so at run time they know tensors as `TensorBase`, the data model every tensor is
an instance of (see tensor.py).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from . import _creation, _dtype
from .autograd import grad_mode
from .ops import composite as co
from .ops import dense_linalg as dl
from .ops import elementwise as ew
from .ops import floating as fl
from .ops import indexing as ix
from .ops import linalg as la
from .ops import lu as lu_ops
from .ops import pointwise as pw
from .ops import products as pr
from .ops import quantile as qu
from .ops import reduction as rd
from .ops import selection as se
from .ops import shape as sh
from .ops import sorting as so
from .ops._common import (
    broadcast_shapes,
    check_inplace,
    expanded_array,
    kernels,
    overlaps,
    tracking,
    write_into,
)
from .ops.elementwise import inplace, inplace_binary

if TYPE_CHECKING:
    from .tensor import Tensor
else:  # the public class is built from these mixins: every tensor is a TensorBase
    from .tensor import TensorBase as Tensor


def _reflected(function):
    """`other op self`, for the reflected operators (`2 - x` is `x.__rsub__(2)`)."""
    return lambda self, other: function(other, self)


def _new(factory):
    """Tensor.new_zeros and friends: `factory` with this tensor's dtype and device."""

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(
            *size,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )

    return method


class _TensorMath:
    """Elementwise arithmetic, comparisons, logical and bitwise ops, special functions
    (ops/elementwise.py, ops/pointwise.py), each with its in-place form where PyTorch
    has one."""

    add = ew.add
    add_ = inplace_binary(ew.add, ew.E.ADD)
    sub = ew.sub
    sub_ = inplace_binary(ew.sub, ew.E.SUB)
    subtract = ew.sub
    mul = ew.mul
    mul_ = inplace_binary(ew.mul, ew.E.MUL)
    multiply = ew.mul
    div = ew.div
    div_ = inplace(ew.div)
    divide = ew.div
    true_divide = ew.div
    true_divide_ = inplace(ew.div)
    floor_divide = ew.floor_divide
    floor_divide_ = inplace(ew.floor_divide)
    remainder = ew.remainder
    remainder_ = inplace(ew.remainder)
    fmod = ew.fmod
    fmod_ = inplace(ew.fmod)
    pow = ew.pow
    pow_ = inplace(ew.pow)
    square = ew.square
    square_ = inplace(ew.square)
    maximum = ew.maximum
    maximum_ = inplace(ew.maximum)
    minimum = ew.minimum
    minimum_ = inplace(ew.minimum)
    fmax = ew.fmax
    fmin = ew.fmin
    atan2 = ew.atan2
    atan2_ = inplace(ew.atan2)
    neg = ew.neg
    neg_ = inplace(ew.neg)
    negative = ew.neg
    abs = ew.abs
    abs_ = inplace(ew.abs)
    absolute = ew.abs
    sign = ew.sign
    sign_ = inplace(ew.sign)
    exp = ew.exp
    exp_ = inplace(ew.exp)
    expm1 = ew.expm1
    expm1_ = inplace(ew.expm1)
    log = ew.log
    log_ = inplace(ew.log)
    log2 = ew.log2
    log2_ = inplace(ew.log2)
    log1p = ew.log1p
    log1p_ = inplace(ew.log1p)
    sqrt = ew.sqrt
    sqrt_ = inplace(ew.sqrt)
    rsqrt = ew.rsqrt
    rsqrt_ = inplace(ew.rsqrt)
    sin = ew.sin
    sin_ = inplace(ew.sin)
    cos = ew.cos
    cos_ = inplace(ew.cos)
    tanh = ew.tanh
    tanh_ = inplace(ew.tanh)
    sigmoid = ew.sigmoid
    sigmoid_ = inplace(ew.sigmoid)
    relu = ew.relu
    relu_ = inplace(ew.relu)
    reciprocal = ew.reciprocal
    reciprocal_ = inplace(ew.reciprocal)
    erf = ew.erf
    erf_ = inplace(ew.erf)
    floor = ew.floor
    floor_ = inplace(ew.floor)
    ceil = ew.ceil
    ceil_ = inplace(ew.ceil)
    round = ew.round
    round_ = inplace(ew.round)
    trunc = ew.trunc
    trunc_ = inplace(ew.trunc)
    clamp = ew.clamp
    clamp_ = inplace(ew.clamp)
    clamp_min = ew.clamp_min
    clamp_min_ = inplace(ew.clamp_min)
    clamp_max = ew.clamp_max
    clamp_max_ = inplace(ew.clamp_max)
    addcmul = ew.addcmul
    addcmul_ = inplace(ew.addcmul)
    addcdiv = ew.addcdiv
    addcdiv_ = inplace(ew.addcdiv)
    clip = ew.clamp
    clip_ = inplace(ew.clamp)
    eq = ew.eq
    eq_ = inplace(ew.eq)
    ne = ew.ne
    ne_ = inplace(ew.ne)
    lt = ew.lt
    lt_ = inplace(ew.lt)
    le = ew.le
    le_ = inplace(ew.le)
    gt = ew.gt
    gt_ = inplace(ew.gt)
    ge = ew.ge
    ge_ = inplace(ew.ge)
    greater = ew.gt
    less = ew.lt
    not_equal = ew.ne
    greater_equal = ew.ge
    less_equal = ew.le
    logical_and = ew.logical_and
    logical_or = ew.logical_or
    logical_xor = ew.logical_xor
    logical_not = ew.logical_not
    logical_not_ = inplace(ew.logical_not)
    clone = ew.clone
    lerp = ew.lerp
    lerp_ = inplace(ew.lerp)
    isnan = ew.isnan
    isinf = ew.isinf
    isfinite = ew.isfinite
    nan_to_num = ew.nan_to_num
    nan_to_num_ = inplace(ew.nan_to_num)
    bitwise_and = ew.bitwise_and
    bitwise_and_ = inplace(ew.bitwise_and)
    bitwise_or = ew.bitwise_or
    bitwise_or_ = inplace(ew.bitwise_or)
    bitwise_xor = ew.bitwise_xor
    bitwise_not = ew.bitwise_not
    tan = pw.tan
    tan_ = inplace(pw.tan)
    asin = pw.asin
    asin_ = inplace(pw.asin)
    arcsin = pw.asin
    arcsin_ = inplace(pw.asin)
    acos = pw.acos
    acos_ = inplace(pw.acos)
    arccos = pw.acos
    arccos_ = inplace(pw.acos)
    atan = pw.atan
    atan_ = inplace(pw.atan)
    arctan = pw.atan
    arctan_ = inplace(pw.atan)
    sinh = pw.sinh
    sinh_ = inplace(pw.sinh)
    cosh = pw.cosh
    cosh_ = inplace(pw.cosh)
    asinh = pw.asinh
    asinh_ = inplace(pw.asinh)
    arcsinh = pw.asinh
    arcsinh_ = inplace(pw.asinh)
    acosh = pw.acosh
    acosh_ = inplace(pw.acosh)
    arccosh = pw.acosh
    arccosh_ = inplace(pw.acosh)
    atanh = pw.atanh
    atanh_ = inplace(pw.atanh)
    arctanh = pw.atanh
    arctanh_ = inplace(pw.atanh)
    exp2 = pw.exp2
    exp2_ = inplace(pw.exp2)
    log10 = pw.log10
    log10_ = inplace(pw.log10)
    erfc = pw.erfc
    erfc_ = inplace(pw.erfc)
    erfinv = pw.erfinv
    erfinv_ = inplace(pw.erfinv)
    lgamma = pw.lgamma
    lgamma_ = inplace(pw.lgamma)
    digamma = pw.digamma
    digamma_ = inplace(pw.digamma)

    def polygamma(self, n: int):
        return pw.polygamma(n, self)

    i0 = pw.i0
    i0_ = inplace(pw.i0)
    sinc = pw.sinc
    sinc_ = inplace(pw.sinc)
    frac = pw.frac
    frac_ = inplace(pw.frac)
    logit = pw.logit
    logit_ = inplace(pw.logit)
    signbit = pw.signbit
    isposinf = pw.isposinf
    isneginf = pw.isneginf
    deg2rad = pw.deg2rad
    deg2rad_ = inplace(pw.deg2rad)
    rad2deg = pw.rad2deg
    rad2deg_ = inplace(pw.rad2deg)
    fix = pw.fix
    fix_ = inplace(pw.fix)
    arctan2 = pw.arctan2
    arctan2_ = inplace(pw.arctan2)
    hypot = pw.hypot
    hypot_ = inplace(pw.hypot)
    logaddexp = pw.logaddexp
    logaddexp2 = pw.logaddexp2
    xlogy = pw.xlogy
    xlogy_ = inplace(pw.xlogy)
    copysign = pw.copysign
    copysign_ = inplace(pw.copysign)
    gcd = pw.gcd
    gcd_ = inplace(pw.gcd)
    lcm = pw.lcm
    lcm_ = inplace(pw.lcm)
    bitwise_left_shift = pw.bitwise_left_shift
    bitwise_left_shift_ = inplace(pw.bitwise_left_shift)
    bitwise_right_shift = pw.bitwise_right_shift
    bitwise_right_shift_ = inplace(pw.bitwise_right_shift)
    nextafter = pw.nextafter
    nextafter_ = inplace(pw.nextafter)
    # issue 15: the float decomposition ops (ops/floating.py)
    ldexp = fl.ldexp
    ldexp_ = inplace(fl.ldexp)
    frexp = fl.frexp

    def where(self, condition, other):
        return ew.where(condition, self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        import numbatorch

        return numbatorch.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        import numbatorch

        return numbatorch.isclose(self, other, rtol, atol, equal_nan)

    def equal(self, other) -> bool:
        import numbatorch

        return numbatorch.equal(self, other)


class _TensorReductions:
    """Sums, means, extrema, statistics, scans and softmax (ops/reduction.py)."""

    sum = rd.sum
    nansum = rd.nansum
    mean = rd.mean
    prod = rd.prod
    max = rd.max
    min = rd.min
    amax = rd.amax
    amin = rd.amin
    argmax = rd.argmax
    argmin = rd.argmin
    var = rd.var
    std = rd.std
    logsumexp = rd.logsumexp
    all = rd.all
    any = rd.any
    cumsum = rd.cumsum
    cumprod = rd.cumprod
    softmax = rd.softmax
    log_softmax = rd.log_softmax
    count_nonzero = rd.count_nonzero
    logcumsumexp = rd.logcumsumexp
    quantile = qu.quantile
    nanquantile = qu.nanquantile

    def sum_to_size(self, *size):
        size = sh._shape_args(size)
        lead = self.ndim - len(size)
        if lead < 0:
            raise RuntimeError(
                f"size {{{list(size)}}} is not expandable to size {{{list(self.shape)}}}."
            )
        dims = list(range(lead)) + [
            lead + i for i, n in enumerate(size) if n == 1 and self.shape[lead + i] != 1
        ]
        result = rd.sum(self, tuple(dims), keepdim=True) if dims else self
        return result.reshape(size) if lead or tuple(result.shape) != tuple(size) else result


class _TensorShape:
    """Views and reshapes, transposes, slices, repeats, triangles (ops/shape.py)."""

    view = sh.view
    reshape = sh.reshape
    contiguous = sh.contiguous
    flatten = sh.flatten
    unflatten = sh.unflatten
    expand = sh.expand
    expand_as = sh.expand_as
    broadcast_to = sh.broadcast_to
    permute = sh.permute
    transpose = sh.transpose
    swapaxes = sh.transpose
    swapdims = sh.transpose
    t = sh.t
    movedim = sh.movedim
    squeeze = sh.squeeze
    unsqueeze = sh.unsqueeze
    narrow = sh.narrow
    split = sh.split
    chunk = sh.chunk
    unbind = sh.unbind
    select = sh.select
    repeat = sh.repeat
    tril = sh.tril
    tril_ = inplace(sh.tril)
    triu = sh.triu
    triu_ = inplace(sh.triu)
    roll = sh.roll
    fliplr = sh.fliplr
    flipud = sh.flipud
    diagonal = sh.diagonal
    diag = sh.diag
    trace = sh.trace
    diff = sh.diff
    repeat_interleave = sh.repeat_interleave

    def flip(self, *dims):
        return sh.flip(self, sh._shape_args(dims))

    def view_as(self, other):
        return sh.view(self, *other.shape)

    def reshape_as(self, other):
        return sh.reshape(self, *other.shape)

    @property
    def T(self):
        return sh.permute(self, *reversed(range(self.ndim)))

    @property
    def mT(self):
        return sh.transpose(self, -2, -1)

    def t_(self):
        return self._transpose_in_place(0, 1) if self.ndim == 2 else self

    def transpose_(self, dim0, dim1):
        return self._transpose_in_place(dim0, dim1)

    def _transpose_in_place(self, dim0, dim1):
        swapped = sh.transpose(self.detach(), dim0, dim1)
        self._array = swapped._array
        return self

    def squeeze_(self, dim=None):
        self._array = sh.squeeze(self.detach(), dim)._array
        return self

    def unsqueeze_(self, dim):
        self._array = sh.unsqueeze(self.detach(), dim)._array
        return self


class _TensorIndexing:
    """Gathers, scatters, masks, index ops, sorting and order statistics
    (ops/indexing.py, ops/sorting.py, ops/selection.py)."""

    sort = so.sort
    argsort = so.argsort
    topk = so.topk
    index_select = ix.index_select
    index_add = ix.index_add
    index_add_ = inplace(ix.index_add)
    index_copy = ix.index_copy
    index_copy_ = inplace(ix.index_copy)
    index_fill = ix.index_fill
    index_fill_ = inplace(ix.index_fill)
    index_put = ix.index_put
    index_put_ = inplace(ix.index_put)
    gather = ix.gather
    scatter = ix.scatter
    scatter_ = inplace(ix.scatter)
    scatter_add = ix.scatter_add
    scatter_add_ = inplace(ix.scatter_add)
    masked_fill = ix.masked_fill
    masked_fill_ = inplace(ix.masked_fill)
    masked_select = ix.masked_select
    nonzero = ix.nonzero
    argwhere = ix.argwhere
    kthvalue = se.kthvalue
    median = se.median
    nanmedian = se.nanmedian
    mode = se.mode
    cummax = se.cummax
    cummin = se.cummin
    unique = se.unique
    unique_consecutive = se.unique_consecutive
    bincount = se.bincount
    histc = se.histc
    take = se.take
    take_along_dim = se.take_along_dim
    masked_scatter = se.masked_scatter
    masked_scatter_ = inplace(se.masked_scatter)
    rot90 = se.rot90
    diag_embed = se.diag_embed


class _TensorLinalg:
    """Matrix products and dense linear algebra (ops/linalg.py, ops/products.py,
    ops/dense_linalg.py)."""

    matmul = la.matmul
    mm = la.mm
    bmm = la.bmm
    addmm = la.addmm
    mv = la.mv
    dot = la.dot
    outer = la.outer
    ger = la.outer
    inner = pr.inner
    inverse = dl.inverse
    det = dl.det
    logdet = dl.logdet
    slogdet = dl.torch_slogdet
    cholesky = dl.torch_cholesky
    cholesky_solve = dl.cholesky_solve
    qr = dl.torch_qr
    svd = dl.torch_svd
    pinverse = dl.pinverse
    norm = dl.torch_norm
    dist = dl.dist
    cross = dl.torch_cross
    matrix_power = dl.matrix_power
    vdot = la.vdot
    baddbmm = pr.baddbmm
    baddbmm_ = inplace(pr.baddbmm)
    addbmm = pr.addbmm
    addbmm_ = inplace(pr.addbmm)
    addmv = pr.addmv
    addmv_ = inplace(pr.addmv)
    addr = pr.addr
    addr_ = inplace(pr.addr)
    kron = pr.kron
    # issue 15: the LU family and the matrix exponential (ops/lu.py)
    matrix_exp = lu_ops.matrix_exp
    lu = lu_ops.torch_lu
    lu_solve = lu_ops.torch_lu_solve


# random_() with no range draws from [0, top]: for floats the integers the dtype holds
# exactly (2 ** mantissa digits), for integers the dtype's largest value, as in PyTorch
_RANDOM_TOP = {"float16": 2**11, "bfloat16": 2**8, "float32": 2**24, "float64": 2**53, "bool": 1}


class _TensorFill:
    """Writes of whole tensors (fill_, copy_, the random fills) and the `new_*` factories
    that take this tensor's dtype and device."""

    def fill_(self, value):
        check_inplace(self, fill=True)
        if tracking(self, value):
            return write_into(self, ew.Fill.apply(self, value))
        if hasattr(value, "item"):
            value = value.item()
        kernels(self).fill(self._array, value)
        self._bump_version()
        return self

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src, non_blocking=False):
        check_inplace(self)
        if not isinstance(src, Tensor):
            src = _creation.tensor(src)
        if src.device != self.device:
            src = src.to(self.device)
        source = src.to(self.dtype)
        if overlaps(self, source):
            source = source.clone()
        if tracking(self, src):
            return write_into(self, source.expand(*self.shape) + self.detach() * 0)
        if tuple(broadcast_shapes(self.shape, source.shape)) != tuple(self.shape):
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(broadcast_shapes(self.shape, source.shape))}"
            )
        kernels(self).copy(expanded_array(source, tuple(self.shape)), self._array)
        self._bump_version()
        return self

    def _random_fill(self, values):
        with grad_mode.no_grad():
            self.copy_(values)
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        if a > b:
            raise RuntimeError(
                f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}"
            )
        noise = _creation.rand(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill(noise * (b - a) + a)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        noise = _creation.randn(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill(noise * std + mean)

    def bernoulli_(self, p=0.5, *, generator=None):
        if not isinstance(p, Tensor) and not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
        noise = _creation.rand(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill(noise < p)

    def random_(self, low=None, high=None, *, generator=None):
        if low is None:
            top = _RANDOM_TOP.get(self.dtype.name)
            low, high = 0, (int(np.iinfo(self.dtype.numpy).max) if top is None else top) + 1
        elif high is None:
            low, high = 0, low
        values = _creation.randint(low, high, tuple(self.shape), generator=generator)
        return self._random_fill(values)

    def exponential_(self, lambd=1.0, *, generator=None):
        if not lambd > 0:
            raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
        noise = _creation.rand(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill(-(1 - noise).log() / lambd)

    def geometric_(self, p, *, generator=None):
        """The number of Bernoulli(p) trials up to the first success: ceil(log(1 - u) /
        log(1 - p)) for uniform u."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p:g}")
        noise = _creation.rand(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill(((-noise).log1p() / math.log1p(-p)).ceil().clamp(min=1))

    def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
        if not std > 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std:g}")
        noise = _creation.randn(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill((noise * std + mean).exp())

    def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
        """median + sigma * tan(pi (u - 1/2)) for uniform u (the inverse CDF)."""
        if not sigma > 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
        noise = _creation.rand(*self.shape, generator=generator, dtype=_dtype.float64)
        return self._random_fill(((noise - 0.5) * math.pi).tan() * sigma + median)

    multinomial = _creation.multinomial
    bernoulli = _creation.bernoulli
    new_zeros = _new(_creation.zeros)
    new_ones = _new(_creation.ones)
    new_empty = _new(_creation.empty)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        return _creation.full(
            size,
            fill_value,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        return _creation.tensor(
            data,
            dtype=dtype or self.dtype,
            device=device or self.device,
            requires_grad=requires_grad,
        )


class _TensorOperators:
    """Python's operators: each is the op of the same meaning (`a + b` is `add(a, b)`);
    the in-place ones (`a += b`) are the in-place methods."""

    __add__ = ew.add
    __radd__ = _reflected(ew.add)
    __sub__ = ew.sub
    __rsub__ = _reflected(ew.sub)
    __mul__ = ew.mul
    __rmul__ = _reflected(ew.mul)
    __truediv__ = ew.div
    __rtruediv__ = _reflected(ew.div)
    __floordiv__ = ew.floor_divide
    __rfloordiv__ = _reflected(ew.floor_divide)
    __mod__ = ew.remainder
    __rmod__ = _reflected(ew.remainder)
    __pow__ = ew.pow
    __rpow__ = _reflected(ew.pow)
    __neg__ = ew.neg
    __abs__ = ew.abs

    def __pos__(self):
        return self

    __eq__ = ew.eq
    __ne__ = ew.ne
    __lt__ = ew.lt
    __le__ = ew.le
    __gt__ = ew.gt
    __ge__ = ew.ge
    __hash__ = object.__hash__  # defining __eq__ would otherwise make tensors unhashable
    __and__ = ew.bitwise_and
    __or__ = ew.bitwise_or
    __xor__ = ew.bitwise_xor
    __invert__ = ew.bitwise_not
    __rand__ = _reflected(ew.bitwise_and)
    __ror__ = _reflected(ew.bitwise_or)
    __lshift__ = pw.bitwise_left_shift
    __rshift__ = pw.bitwise_right_shift
    __rlshift__ = _reflected(pw.bitwise_left_shift)
    __rrshift__ = _reflected(pw.bitwise_right_shift)
    __getitem__ = ix.getitem
    __setitem__ = ix.setitem
    __matmul__ = la.matmul
    __rmatmul__ = _reflected(la.matmul)
    __iadd__ = _TensorMath.add_
    __isub__ = _TensorMath.sub_
    __imul__ = _TensorMath.mul_
    __itruediv__ = _TensorMath.div_
    __ipow__ = _TensorMath.pow_
    __imod__ = _TensorMath.remainder_
    __ifloordiv__ = _TensorMath.floor_divide_
    __iand__ = _TensorMath.bitwise_and_
    __ior__ = _TensorMath.bitwise_or_
    __ilshift__ = _TensorMath.bitwise_left_shift_
    __irshift__ = _TensorMath.bitwise_right_shift_


class _TensorComposites:
    """Methods of the everyday ops composed of others (ops/composite.py)."""

    ravel = co.ravel
    moveaxis = co.moveaxis
    msort = co.msort
    nanmean = co.nanmean
    aminmax = co.aminmax
    tensor_split = co.tensor_split
    hsplit = co.hsplit
    vsplit = co.vsplit
    dsplit = co.dsplit
    float_power = co.float_power
    heaviside = co.heaviside
    diagflat = co.diagflat
    sgn = ew.sign
    adjoint = co.adjoint
    isreal = co.isreal
    split_with_sizes = co.split_with_sizes
    cov = co.cov
    corrcoef = co.corrcoef
    cholesky_inverse = co.cholesky_inverse
    mvlgamma = co.mvlgamma
    renorm = co.renorm

    @property
    def mH(self):  # noqa: N802 - PyTorch's name
        """The conjugate transpose of the last two dims (the transpose: real dtypes)."""
        return co.adjoint(self)

    def get_device(self) -> int:
        """-1 for a CPU tensor, else the index of its CUDA device."""
        return -1 if self.device.type == "cpu" else (self.device.index or 0)

    def tile(self, *dims):
        return co.tile(self, dims[0] if len(dims) == 1 else dims)

    def positive(self):
        if self.dtype is _dtype.bool:
            raise RuntimeError(
                "The `+` operator, on a bool tensor is not supported. If you are trying to "
                "invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return self

    def is_complex(self):
        return False

    def is_signed(self):
        return self.dtype not in (_dtype.bool, _dtype.uint8)

    def is_nonzero(self):
        """The truth of a one-element tensor (PyTorch's errors for any other)."""
        if self.numel() == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self.numel() > 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return self.item() != 0

    def is_same_size(self, other):
        return tuple(self.shape) == tuple(other.shape)
