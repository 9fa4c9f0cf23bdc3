"""PyTorch functions that are compositions of other ops (their arithmetic runs in those
ops' kernels, their gradients come from those ops' Functions): shape helpers (tile,
ravel, tensor_split, atleast_nd, column_stack, block_diag, cartesian_prod, ...), small
reductions (nanmean, aminmax, msort), tensordot, float_power, heaviside, isin,
unravel_index, vander, trapezoid, the window functions, rms_norm, and the torch-level
names of nn.functional ops with PyTorch's torch-level argument orders."""

from __future__ import annotations

import itertools
import math
import warnings
from typing import TYPE_CHECKING

from .. import _creation, _dtype, return_types
from ._common import TYPE_WORD, broadcast_shapes, promote, wrap_dim
from .elementwise import pow as _pow
from .selection import searchsorted
from .shape import cat, hstack, meshgrid, movedim, stack, vstack
from .sorting import sort

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor

# --- shapes -----------------------------------------------------------------------------


def tile(input: Tensor, dims) -> Tensor:
    """input repeated `dims` times along each dim; dims shorter than input.ndim are
    padded with leading 1s (and input with leading size-1 dims when dims is longer)."""
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(*dims)


def ravel(input: Tensor) -> Tensor:
    """input flattened to 1-D (a view when possible)."""
    return input.reshape(-1)


moveaxis = movedim


def atleast_1d(*tensors):
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    return _atleast(tensors, 3)


def _atleast(tensors: tuple, ndim: int):
    single = len(tensors) == 1 and isinstance(tensors[0], Tensor)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    results = tuple(t.reshape(_atleast_shape(tuple(t.shape), ndim)) for t in tensors)
    return results[0] if single else results


def _atleast_shape(shape: tuple, ndim: int) -> tuple:
    """PyTorch's layouts: a vector becomes a row (1, n), and in 3-D (1, n, 1); a matrix
    in 3-D gets a trailing dim."""
    if len(shape) >= ndim:
        return shape
    if ndim == 3 and len(shape) == 2:
        return (*shape, 1)
    if ndim == 3 and len(shape) == 1:
        return (1, shape[0], 1)
    return (1,) * (ndim - len(shape)) + shape


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """input split along dim into `sections` nearly equal parts (the first ones one
    longer) or at the given indices; views of input."""
    dim = wrap_dim(dim, input.ndim)
    size = input.shape[dim]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = (
            indices_or_sections.item()
            if indices_or_sections.ndim == 0
            else indices_or_sections.tolist()
        )
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(size, sections)
        bounds = list(itertools.accumulate([base + 1] * extra + [base] * (sections - extra)))
        starts = [0, *bounds[:-1]]
    else:
        cuts = [min(max(i + size if i < 0 else i, 0), size) for i in indices_or_sections]
        starts, bounds = [0, *cuts], [*cuts, size]
    return tuple(
        input.narrow(dim, start, max(end - start, 0)) for start, end in zip(starts, bounds)
    )


def _directional_split(name: str, input: Tensor, sections, dim: int, min_dims: int) -> tuple:
    if input.ndim < min_dims:
        raise RuntimeError(
            f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a "
            f"tensor with {input.ndim} dimensions!"
        )
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(
            f"torch.{name} attempted to split along dimension {dim}, but the size of the "
            f"dimension {input.shape[dim]} is not divisible by the split_size {sections}!"
        )
    return tensor_split(input, sections, dim)


def hsplit(input: Tensor, indices_or_sections) -> tuple:
    return _directional_split("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input: Tensor, indices_or_sections) -> tuple:
    return _directional_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections) -> tuple:
    return _directional_split("dsplit", input, indices_or_sections, 2, 3)


def column_stack(tensors) -> Tensor:
    """Columns side by side: vectors become (n, 1) columns, then hstack."""
    return hstack([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors])


row_stack = vstack


def dstack(tensors) -> Tensor:
    return cat(atleast_3d(*tensors), 2)


def broadcast_tensors(*tensors) -> tuple:
    """The tensors expanded (as views) to their common broadcast shape."""
    if len(tensors) == 1 and not isinstance(tensors[0], Tensor):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def block_diag(*tensors) -> Tensor:
    """The tensors (0-, 1- or 2-D) as blocks on the diagonal of a matrix of zeros."""
    blocks = [t.reshape(1, -1) if t.ndim < 2 else t for t in tensors]
    for position, block in enumerate(blocks):
        if block.ndim != 2:
            raise RuntimeError(
                "torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                f"Input {position} has {block.ndim} dimensions"
            )
    if not blocks:
        return _creation.zeros(1, 0)
    dtype = promote(*blocks)
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        right = width - left - b.shape[1]
        zeros_left = b.new_zeros((b.shape[0], left), dtype=dtype)
        zeros_right = b.new_zeros((b.shape[0], right), dtype=dtype)
        rows.append(cat([zeros_left, b.to(dtype), zeros_right], 1))
        left += b.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors) -> Tensor:
    """Rows of every combination of one element from each 1-D tensor (itertools.product
    order); a single tensor comes back as it is."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """Rows of the length-r combinations of a 1-D tensor's elements (itertools order)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return input.new_empty((0,))
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    picks = list(choose(range(input.shape[0]), r))
    if not picks:
        return input.new_empty((0, r))
    index = _creation.tensor(picks, dtype=_dtype.int64, device=input.device)
    return input[index.reshape(-1)].reshape(len(picks), r)


def unravel_index(indices, shape) -> tuple:
    """The coordinates in a tensor of `shape` of each flat index (a tuple of tensors)."""
    if not isinstance(indices, Tensor):
        indices = _creation.tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype is _dtype.bool:
        raise TypeError("expected 'indices' to be integer dtype, but got " + str(indices.dtype))
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    total = math.prod(shape)
    if indices.numel() and (
        int(indices.min().item()) < -total or int(indices.max().item()) >= total
    ):
        raise RuntimeError(f"'indices' must be in range [-{total}, {total} - 1]")
    flat = indices.to(_dtype.int64) % max(total, 1)  # negative indices count from the end
    coordinates = []
    for size in reversed(shape):
        coordinates.append(flat % size)
        flat = flat // size
    return tuple(reversed(coordinates))


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    return input.reshape(-1).diag(offset)


# --- reductions and arithmetic --------------------------------------------------------------


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the non-NaN elements (NaN where all are NaN)."""
    if not (dtype or input.dtype).is_floating_point:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{TYPE_WORD[input.dtype.name]}"
        )
    present = (input == input).sum(dim, keepdim=keepdim)
    return input.nansum(dim, keepdim, dtype=dtype) / present


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """(min, max) over all elements or along dim, as torch.return_types.aminmax."""
    if dim is None:
        return return_types.aminmax(input.amin(), input.amax())
    return return_types.aminmax(input.amin(dim, keepdim), input.amax(dim, keepdim))


def msort(input: Tensor) -> Tensor:
    """input sorted along its first dim."""
    return sort(input, 0).values


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """The sum of products over the last `dims` dims of a and the first of b, or over
    the dims listed in dims = (dims_a, dims_b): a reshape, a permute and one matmul."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    dims_a = [wrap_dim(d, a.ndim) for d in dims_a]
    dims_b = [wrap_dim(d, b.ndim) for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                f"{da} and second has size {b.shape[db]} in dim {db}"
            )
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    inner = math.prod(a.shape[d] for d in dims_a)
    left = a.permute(*free_a, *dims_a).reshape(-1, inner)
    right = b.permute(*dims_b, *free_b).reshape(inner, -1)
    out_shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return (left @ right).reshape(out_shape)


def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in float64."""
    base = input.to(_dtype.float64) if isinstance(input, Tensor) else input
    power = exponent.to(_dtype.float64) if isinstance(exponent, Tensor) else exponent
    if not isinstance(base, Tensor):
        return _pow(_creation.tensor(float(base), dtype=_dtype.float64), power)
    return _pow(base, power)


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where input < 0, 1 where input > 0, `values` where input == 0."""
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    step = (input > 0).to(input.dtype)
    return values.expand(broadcast_shapes(input.shape, values.shape)).where(input == 0, step)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False) -> Tensor:
    """Whether each element of `elements` is in `test_elements`: a binary search of each
    element in the sorted test elements."""
    if not isinstance(elements, Tensor):
        elements = _creation.tensor(elements)
    if not isinstance(test_elements, Tensor):
        test_elements = _creation.tensor(test_elements, device=elements.device)
    dtype = promote(elements, test_elements)
    ordered = sort(test_elements.reshape(-1).to(dtype)).values
    values = elements.to(dtype)
    if ordered.numel() == 0:
        found = values.new_zeros(values.shape, dtype=_dtype.bool)
    else:
        position = searchsorted(ordered, values.reshape(-1)).clamp(max=ordered.numel() - 1)
        found = (ordered[position] == values.reshape(-1)).reshape(values.shape)
    return found.logical_not() if invert else found


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix of a 1-D x: columns x**(N-1), ..., x, 1 (reversed with
    increasing)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    N = x.shape[0] if N is None else N
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    dtype = x.dtype if x.dtype.is_floating_point else _dtype.int64
    powers = _creation.arange(N, device=x.device).to(dtype)
    if not increasing:
        powers = powers.flip(0)
    return _pow(x.to(dtype).unsqueeze(-1), powers)


def trapezoid(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1):
    """The integral of y along dim by the trapezoidal rule, at points x or spacing dx."""
    dim = wrap_dim(dim, y.ndim)
    n = y.shape[dim]
    if n == 0:
        return y.sum(dim) * 0
    heights = y.narrow(dim, 1, n - 1) + y.narrow(dim, 0, n - 1)
    if x is None:
        return heights.sum(dim) * ((1.0 if dx is None else dx) / 2)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[dim] = n
        x = x.reshape(shape)
    return (heights * x.diff(dim=dim)).sum(dim) / 2


def trapz(y: Tensor, x: Tensor | None = None, *, dx: float | None = None, dim: int = -1):
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Tensor, x: Tensor | None = None, *, dx=None, dim: int = -1):
    """The running trapezoidal integral of y along dim (one fewer element than y)."""
    dim = wrap_dim(dim, y.ndim)
    n = y.shape[dim]
    heights = y.narrow(dim, 1, max(n - 1, 0)) + y.narrow(dim, 0, max(n - 1, 0))
    if x is None:
        return heights.cumsum(dim) * ((1.0 if dx is None else dx) / 2)
    if x.ndim == 1:
        shape = [1] * y.ndim
        shape[dim] = n
        x = x.reshape(shape)
    return (heights * x.diff(dim=dim)).cumsum(dim) / 2


# --- windows ------------------------------------------------------------------------------


def _cosine_window(
    window_length: int, periodic: bool, coefficients: tuple, dtype, device, requires_grad: bool
):
    """sum_k (-1)^k a_k cos(2 pi k n / (N - 1)) for n = 0..N-1; a periodic window is the
    symmetric one of length N + 1 without its last point."""
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    if window_length < 0:
        raise RuntimeError(f"window_length must be non-negative, got {window_length}")
    if window_length <= 1:
        return _short_window(window_length, dtype, device, requires_grad)
    span = window_length if periodic else window_length - 1
    n = _creation.arange(window_length, dtype=_dtype.float64, device=device)
    window = n * 0 + coefficients[0]
    for k, a in enumerate(coefficients[1:], start=1):
        window = window + ((-1) ** k) * a * (n * (2 * math.pi * k / span)).cos()
    return window.to(dtype).requires_grad_(requires_grad)


def _short_window(window_length: int, dtype, device, requires_grad: bool) -> Tensor:
    """Every window of length 0 or 1: empty, or [1]."""
    window = _creation.ones(window_length, dtype=dtype, device=device)
    return window.requires_grad_(requires_grad)


def hann_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    return _cosine_window(window_length, periodic, (0.5, 0.5), dtype, device, requires_grad)


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    return _cosine_window(window_length, periodic, (alpha, beta), dtype, device, requires_grad)


def blackman_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    coefficients = (0.42, 0.5, 0.08)
    return _cosine_window(window_length, periodic, coefficients, dtype, device, requires_grad)


def bartlett_window(
    window_length: int, periodic: bool = True, *, dtype=None, device=None, requires_grad=False
) -> Tensor:
    """1 - |2n / (N - 1) - 1|, a triangle."""
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    if window_length <= 1:
        return _short_window(max(window_length, 0), dtype, device, requires_grad)
    span = window_length if periodic else window_length - 1
    n = _creation.arange(window_length, dtype=_dtype.float64, device=device)
    return (1 - (n * (2 / span) - 1).abs()).to(dtype).requires_grad_(requires_grad)


# --- normalisation ------------------------------------------------------------------------


def rms_norm(
    input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None
) -> Tensor:
    """input / sqrt(mean(input**2) + eps) over the last len(normalized_shape) dims, times
    weight; eps defaults to the dtype's machine epsilon, as in PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape) :]) != shape:
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}"
        )
    if eps is None:
        eps = _dtype.finfo(input.dtype).eps
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    output = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    return output * weight if weight is not None else output


# --- torch.linalg -------------------------------------------------------------------------


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:
    """torch.linalg.vander: x's (..., n) values raised to the powers 0..N-1 along a new
    last dim (increasing, unlike torch.vander)."""
    if x.ndim < 1:
        raise RuntimeError("N must be greater than 1.")
    N = x.shape[-1] if N is None else N
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    powers = _creation.arange(N, device=x.device).to(x.dtype)
    return _pow(x.unsqueeze(-1), powers)


def linalg_diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: torch.diagonal with the last two dims as defaults."""
    return A.diagonal(offset, dim1, dim2)


def linalg_cond(A: Tensor, p=None) -> Tensor:
    """The condition number of A in norm p: the ratio of its extreme singular values for
    p None, 2 or -2, else matrix_norm(A, p) * matrix_norm(inv(A), p)."""
    from .dense_linalg import inv, matrix_norm, svdvals

    if p in (None, 2, -2):
        values = svdvals(A)
        largest, smallest = values[..., 0], values[..., -1]
        return smallest / largest if p == -2 else largest / smallest
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# --- the last everyday names of issue 15 --------------------------------------------------


def adjoint(input: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims, a view (the transpose: real dtypes)."""
    if input.ndim < 2:
        raise RuntimeError(
            "tensor.adjoint() is only supported on matrices or batches of matrices. "
            f"Got {input.ndim}-D tensor."
        )
    return input.transpose(-2, -1)


def isreal(input: Tensor) -> Tensor:
    """True everywhere: numbatorch's dtypes are all real."""
    return _creation.ones(tuple(input.shape), dtype=_dtype.bool, device=input.device)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0) -> tuple:
    """Pieces of the given sizes along dim, which must add up to its size."""
    sizes = [int(s) for s in split_sizes]
    d = wrap_dim(dim, input.ndim)
    if sum(sizes) != input.shape[d] or any(s < 0 for s in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {input.shape[d]} (input "
            f"tensor's size at dimension {dim}), but got split_sizes={sizes}"
        )
    return input.split(sizes, d)


def fill(input: Tensor, value) -> Tensor:
    """A new tensor like input, every element `value` (a number or a 0-dim tensor)."""
    if not isinstance(value, (int, float, bool)):
        if value.ndim != 0:
            raise RuntimeError(
                "fill_ only supports 0-dimension value tensor but got tensor with "
                f"{value.ndim} dimensions."
            )
        value = value.item()
    return _creation.full_like(input, value)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A 0-dim tensor of s, of the default float dtype unless dtype says otherwise."""
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    return _creation.tensor(s, dtype=dtype, device=device, requires_grad=requires_grad)


def chain_matmul(*matrices, out=None) -> Tensor:
    """Deprecated alias of torch.linalg.multi_dot (one matrix: a copy of it)."""
    from .dense_linalg import multi_dot

    warnings.warn(
        "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. "
        "Use torch.linalg.multi_dot instead, which accepts a list of two or more tensors "
        "rather than multiple parameters.",
        UserWarning,
        stacklevel=2,
    )
    if len(matrices) == 0:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        if matrices[0].ndim != 2:
            raise RuntimeError(f"chain_matmul(): Tensor 0 must be 2D but got {matrices[0].ndim}D")
        return matrices[0].clone()
    return multi_dot(list(matrices), out=out)


def cov(input: Tensor, *, correction: int = 1, fweights=None, aweights=None) -> Tensor:
    """The covariance of the variables in input's rows (observations in its columns; a
    1-D input is one variable), with frequency and observation weights; numpy.cov's
    formula, squeezed as PyTorch squeezes it."""
    if input.ndim > 2:
        raise RuntimeError(
            "cov(): expected input to have two or fewer dimensions but got an input with "
            f"{input.ndim} dimensions"
        )
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if not x.dtype.is_floating_point:
        x = x.to(_dtype.get_default_dtype())
    observations = x.shape[1]
    for name, w in (("fweights", fweights), ("aweights", aweights)):
        if w is None:
            continue
        if w.ndim > 1 or w.numel() != observations:
            raise RuntimeError(
                f"cov(): expected {name} to have one dimension and {observations} elements "
                f"but got {name} of shape {list(w.shape)}"
            )
        if (name == "fweights") == w.dtype.is_floating_point:
            kind = "integral" if name == "fweights" else "floating point"
            raise RuntimeError(
                f"cov(): expected {name} to have {kind} dtype but got {name} with "
                f"{TYPE_WORD[w.dtype.name]} dtype"
            )
        if bool((w < 0).any()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
    weights = None
    if fweights is not None:
        weights = fweights.to(x.dtype)
    if aweights is not None:
        weights = aweights.to(x.dtype) if weights is None else weights * aweights.to(x.dtype)
    if weights is None:
        total = observations
        mean = x.mean(1, keepdim=True)
        norm = total - correction
    else:
        total = weights.sum()
        mean = (x * weights).sum(1, keepdim=True) / total
        if correction == 0:
            norm = total
        elif aweights is None:
            norm = total - correction
        else:
            norm = total - correction * (weights * aweights.to(x.dtype)).sum() / total
    centred = x - mean
    product = (centred * weights if weights is not None else centred) @ centred.transpose(0, 1)
    if bool(norm <= 0):
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "number of observations.",
            UserWarning,
            stacklevel=2,
        )
        # PyTorch divides by +0: inf and NaN
        norm = 0 if isinstance(norm, (int, float)) else _creation.zeros_like(norm)
    return (product / norm).squeeze()


def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients of the variables in input's rows, clipped to
    [-1, 1] as numpy.corrcoef clips them."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1) / std.unsqueeze(0)
    return c.clamp(-1, 1)


def cholesky_inverse(L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """The inverse of A = L L^T (U^T U with `upper`) from its Cholesky factor."""
    from .dense_linalg import cholesky_solve

    if L.ndim < 2 or L.shape[-1] != L.shape[-2]:
        raise RuntimeError(
            "cholesky_inverse: A must be batches of square matrices, but they are "
            f"{L.shape[-2] if L.ndim >= 2 else 1} by {L.shape[-1] if L.ndim else 1} matrices"
        )
    eye = _creation.eye(L.shape[-1], dtype=L.dtype, device=L.device)
    result = cholesky_solve(eye.expand(*L.shape), L, upper)
    if out is not None:
        out.copy_(result)
        return out
    return result


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The log of the multivariate gamma function of dimension p:
    sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 log(pi); every x must exceed (p - 1) / 2."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    if bool((x <= (p - 1) / 2).any()):
        raise RuntimeError("All elements must be greater than (p-1)/2")
    shifts = _creation.arange(p, dtype=x.dtype, device=x.device) * 0.5
    return (x.unsqueeze(-1) - shifts).lgamma().sum(-1) + p * (p - 1) / 4 * math.log(math.pi)


def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice of input along dim whose p-norm exceeds maxnorm scaled down to it
    (by maxnorm / (norm + 1e-7), as PyTorch scales)."""
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive-norm not supported, got p={p}")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    d = wrap_dim(dim, input.ndim)
    others = tuple(i for i in range(input.ndim) if i != d)
    norm = input.norm(p, others, keepdim=True) if others else input.abs()
    factor = (maxnorm / (norm + 1e-7)).where(norm > maxnorm, _creation.ones_like(norm))
    return input * factor


def kaiser_window(
    window_length: int,
    periodic: bool = True,
    beta: float = 12.0,
    *,
    dtype=None,
    device=None,
    requires_grad=False,
) -> Tensor:
    """i0(beta sqrt(1 - ((n - a) / a)^2)) / i0(beta), a = (N - 1) / 2; a periodic window
    is the symmetric one of length N + 1 without its last point."""
    dtype = _dtype.to_dtype(dtype) if dtype else _dtype.get_default_dtype()
    if window_length < 0:
        raise RuntimeError(f"kaiser_window requires non-negative window_length, got "
                           f"window_length={window_length}")  # fmt: skip
    if window_length <= 1:
        return _short_window(window_length, dtype, device, requires_grad)
    length = window_length + 1 if periodic else window_length
    alpha = (length - 1) / 2
    n = _creation.arange(window_length, dtype=_dtype.float64, device=device)
    ratio = (n - alpha) / alpha
    scale = _creation.tensor(float(beta), dtype=_dtype.float64, device=device).i0()
    window = ((1 - ratio * ratio).clamp_min(0).sqrt() * beta).i0() / scale
    return window.to(dtype).requires_grad_(requires_grad)
