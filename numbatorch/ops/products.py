"""Products and distances built on the matrix-product Functions of ops/linalg.py:
baddbmm, addbmm, addmv, addr, kron, inner, cdist, cosine_similarity,
pairwise_distance and pdist. Their gradients come from the ops they are made of."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _creation
from ..autograd import grad_mode
from ._common import broadcast_shapes, check_device
from .dense_linalg import vector_norm
from .linalg import bmm, mm, mv, outer

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def _scaled_sum(input: Tensor, product: Tensor, beta, alpha) -> Tensor:
    """beta * input + alpha * product; with beta == 0 input is ignored (its NaN and inf
    do not propagate), as in PyTorch."""
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return (input if beta == 1 else input * beta) + product


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (batch1 @ batch2), batch by batch."""
    product = bmm(batch1, batch2)
    _check_broadcast("baddbmm", input, product)
    return _scaled_sum(input, product, beta, alpha)


def addbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1[b] @ batch2[b]: one matrix
    product of the batches laid side by side, (n, b*k) @ (b*k, m)."""
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(
            "batch1 must be a 3D tensor" if batch1.ndim != 3 else "batch2 must be a 3D tensor"
        )
    if batch1.shape[0] != batch2.shape[0] or batch1.shape[2] != batch2.shape[1]:
        bmm(batch1, batch2)  # PyTorch's message for the mismatch
    b, n, k = batch1.shape
    m = batch2.shape[2]
    product = mm(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, m))
    _check_broadcast("addbmm", input, product)
    return _scaled_sum(input, product, beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    product = mv(mat, vec)
    _check_broadcast("addmv", input, product)
    return _scaled_sum(input, product, beta, alpha)


def addr(input: Tensor, vec1: Tensor, vec2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2)."""
    for name, vec in (("vec1", vec1), ("vec2", vec2)):
        if vec.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {vec.ndim}-D")
    product = outer(vec1, vec2)
    _check_broadcast("addr", input, product)
    return _scaled_sum(input, product, beta, alpha)


def _check_broadcast(name: str, input: Tensor, product: Tensor) -> None:
    check_device(input, product)
    if broadcast_shapes(tuple(input.shape), tuple(product.shape)) != tuple(product.shape):
        raise RuntimeError(
            f"The expanded size of the tensor ({product.shape[-1]}) must match the existing "
            f"size ({input.shape[-1]}) at non-singleton dimension {input.ndim - 1}.  Target "
            f"sizes: {list(product.shape)}.  Tensor sizes: {list(input.shape)}"
        )


def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum over the last dims of input and other of their products: shape
    input.shape[:-1] + other.shape[:-1] (a product when either is 0-D)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{list(input.shape)} and {list(other.shape)}"
        )
    k = input.shape[-1]
    product = mm(input.reshape(-1, k), other.reshape(-1, k).t())
    return product.reshape(*input.shape[:-1], *other.shape[:-1])


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: block (i, j, ...) of the result is input[i, j, ...] * other."""
    ndim = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (ndim - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (ndim - other.ndim) + tuple(other.shape))
    # interleave the dims: a as (a0, 1, a1, 1, ...) against b as (1, b0, 1, b1, ...)
    spread_a = [n for s in a.shape for n in (s, 1)]
    spread_b = [n for s in b.shape for n in (1, s)]
    product = a.reshape(spread_a) * b.reshape(spread_b)
    return product.reshape([x * y for x, y in zip(a.shape, b.shape)])


# --- distances ----------------------------------------------------------------------------------


def cdist(
    x1: Tensor,
    x2: Tensor,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """The p-norm distance between each row of x1 (..., P, M) and each row of x2
    (..., R, M): (..., P, R), batch dims broadcast. For p = 2 with more than 25 rows on
    a side (or `use_mm_for_euclid_dist`), |a|^2 + |b|^2 - 2 a.b by a matrix product, as
    PyTorch does."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(
            f"cdist only supports at least 2D tensors, X{1 if x1.ndim < 2 else 2} got: "
            f"{(x1 if x1.ndim < 2 else x2).ndim}D"
        )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if not (x1.dtype.is_floating_point and x2.dtype.is_floating_point):
        raise RuntimeError(
            f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}"
            if not x1.dtype.is_floating_point
            else f"cdist only supports floating-point dtypes, X2 got: {x2.dtype}"
        )
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
             "donot_use_mm_for_euclid_dist")  # fmt: skip
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    batch = broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    a = x1.expand(*batch, *x1.shape[-2:])
    b = x2.expand(*batch, *x2.shape[-2:])
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    use_mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == "use_mm_for_euclid_dist_if_necessary" and (rows1 > 25 or rows2 > 25)
    )
    if p == 2 and use_mm:
        squared = (a * a).sum(-1, keepdim=True) + (b * b).sum(-1).unsqueeze(-2)
        squared = squared - 2 * (a @ b.transpose(-1, -2))
        # 1e-30, not 0: the square root's gradient stays finite where points coincide
        return squared.clamp_min(1e-30).sqrt()
    difference = a.unsqueeze(-2) - b.unsqueeze(-3)
    if p == 0:
        return (difference != 0).sum(-1).to(difference.dtype)
    return difference.norm(p=p, dim=-1)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """The p-norm of x1 - x2 + eps over the last dim (x1 and x2 broadcast)."""
    output_dim = max(x1.ndim, x2.ndim)
    difference = x1 - x2 + eps
    if output_dim == 0:
        return difference.abs()
    return difference.norm(p=p, dim=-1, keepdim=keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between x1 and x2 along dim: each divided by its norm
    clamped to at least eps, then summed products. The clamp is outside autograd, as in
    PyTorch (the gradient is that of the unclamped norm)."""
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    a, b = x1.expand(*shape), x2.expand(*shape)

    def unit(x: Tensor) -> Tensor:
        norm = x.norm(dim=dim, keepdim=True)
        with grad_mode.no_grad():
            lift = norm.clamp_min(eps) - norm
        return x / (norm + lift)

    return (unit(a) * unit(b)).sum(dim)


__all__ = [
    "addbmm",
    "addmv",
    "addr",
    "baddbmm",
    "cdist",
    "cosine_similarity",
    "inner",
    "kron",
    "pairwise_distance",
]


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distances between the rows of input (N, M), pair (i, j) for i < j in
    row-major order: (N * (N - 1) / 2,). Identical rows get a zero gradient, as in PyTorch."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.dtype.is_floating_point:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    first, second = _creation.triu_indices(input.shape[0], input.shape[0], 1).to(input.device)
    return vector_norm(input[first] - input[second], p, dim=1)
