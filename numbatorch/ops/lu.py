"""torch.linalg's LU family (lu_factor, lu_factor_ex, lu, lu_solve, lu_unpack and the legacy
torch.lu / torch.lu_solve) on the LU kernels that solve, inv and det already run, and the
matrix exponential (kernels' matrix_exp: scaling and squaring). Pivots are LAPACK's:
int32, 1-based; the kernels take them 0-based in int64."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from .. import _dtype
from .._creation import eye, zeros_like
from ..autograd.function import BuiltinFunction
from ..return_types import (
    _lu_with_info,
    linalg_lu,
    linalg_lu_factor,
    linalg_lu_factor_ex,
)
from ..return_types import (
    lu_unpack as lu_unpack_result,
)
from ._common import broadcast_shapes, cast, check_device, empty, kernels, write_out
from .dense_linalg import _check_matrix, _dtype_word, _lu, _mT, _result, _stack, solve
from .shape import cat

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


def _check_lu_input(name: str, A) -> None:
    """lu_factor's checks, with PyTorch's messages (its own, not linalg's usual ones)."""
    if not isinstance(A, Tensor):
        raise TypeError(
            f"{name}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}"
        )
    if A.ndim < 2:
        raise RuntimeError(
            f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got size: "
            f"{list(A.shape)} instead"
        )
    if A.dtype not in (_dtype.float32, _dtype.float64):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_dtype_word(A)}'")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: numbatorch factors square matrices only, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )


def _kernel_pivots(pivots: Tensor, n: int) -> Tensor:
    """LAPACK's 1-based int32 pivots as the kernels' 0-based int64 (batch, n) rows, after
    checking each lies in [1, n]: the kernels swap rows at these indices."""
    if pivots.numel() and not bool(((pivots >= 1) & (pivots <= n)).all().item()):
        raise RuntimeError(f"lu_solve: pivots must lie in [1, {n}] (LAPACK's 1-based row indices)")
    return (cast(pivots, _dtype.int64) - 1).contiguous().reshape(-1, n)


def _row_swaps(pivots: Tensor, n: int, like: Tensor) -> Tensor:
    """P (*, n, n) with A = P L U for the row swaps `pivots` records. The pivots' swaps applied
    to the identity are P^T; lu_solve applies exactly those swaps before its substitutions,
    which with L = U = I change nothing."""
    kernel_pivots = _kernel_pivots(pivots, n)
    batch = kernel_pivots.shape[0]
    identity = eye(n, dtype=_dtype.float64, device=like.device).expand(batch, n, n).contiguous()
    swapped = empty((batch, n, n), _dtype.float64, like.device)
    kernels(like).lu_solve(identity._array, kernel_pivots._array, swapped._array, True)
    return _mT(_result(swapped, tuple(pivots.shape[:-1]), like.dtype))


def _unpack(LU: Tensor) -> tuple[Tensor, Tensor]:
    """(L, U) of a packed LU (differentiable): L unit lower, U upper."""
    n = LU.shape[-1]
    return LU.tril(-1) + eye(n, dtype=LU.dtype, device=LU.device), LU.triu()


class LinalgLuFactorEx(BuiltinFunction):
    """(LU, pivots, info): P A = L U packed in LU, LAPACK's pivots and info codes."""

    @staticmethod
    def forward(ctx, A):
        lu, pivots, info = _lu(A)
        batch = tuple(A.shape[:-2])
        LU = _result(lu, batch, A.dtype)
        one_based = cast(pivots.reshape(*batch, A.shape[-1]) + 1, _dtype.int32)
        ctx.save_for_backward(LU, one_based)
        return LU, one_based, cast(info.reshape(batch), _dtype.int32)

    @staticmethod
    def backward(ctx, grad_LU, grad_pivots, grad_info):
        # PyTorch's linalg_lu_backward for square A = P L U, with L's and U's gradients
        # packed in grad_LU: A_grad = P L^-T [L^T L_grad o tril(-1) + U_grad U^T o triu] U^-T
        LU, pivots = ctx.saved_tensors
        L, U = _unpack(LU)
        inner = (_mT(L) @ grad_LU.tril(-1)).tril(-1) + (grad_LU.triu() @ _mT(U)).triu()
        inner = solve(_mT(U), inner, left=False)
        inner = solve(_mT(L), inner)
        return _row_swaps(pivots, LU.shape[-1], LU) @ inner


def _factor(name: str, A: Tensor, pivot: bool):
    _check_lu_input(name, A)
    if not pivot:
        raise RuntimeError(f"{name}: LU without pivoting is not implemented on the CPU")
    return LinalgLuFactorEx.apply(A)


def lu_factor_ex(
    A: Tensor, *, pivot: bool = True, check_errors: bool = False
) -> linalg_lu_factor_ex:
    """(LU, pivots, info) of A = P L U; info[i] = k > 0 when U[k-1, k-1] of matrix i is 0."""
    LU, pivots, info = _factor("linalg.lu_factor_ex", A, pivot)
    if check_errors:
        _raise_singular("torch.linalg.lu_factor_ex", info, A)
    return linalg_lu_factor_ex(LU, pivots, info)


def _raise_singular(name: str, info: Tensor, A: Tensor) -> None:
    codes = info.reshape(-1)
    failed = (codes != 0).nonzero()
    if failed.numel():
        element = int(failed[0, 0].item())
        k = int(codes[element].item())
        prefix = f"(Batch element {element}): " if A.ndim > 2 else ""
        raise RuntimeError(
            f"{name}: {prefix}U[{k},{k}] is zero and using it on lu_solve would result in a "
            "division by zero. If you still want to perform the factorization, consider "
            "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
        )


def lu_factor(A: Tensor, *, pivot: bool = True, out=None) -> linalg_lu_factor:
    """(LU, pivots) of A = P L U, L and U packed in LU; raises where a U[k, k] is zero."""
    LU, pivots, info = _factor("linalg.lu_factor", A, pivot)
    _raise_singular("torch.linalg.lu_factor", info, A)
    if out is not None:
        return linalg_lu_factor(write_out(out[0], LU), write_out(out[1], pivots))
    return linalg_lu_factor(LU, pivots)


def lu_unpack(
    LU_data: Tensor, LU_pivots: Tensor, unpack_data: bool = True, unpack_pivots: bool = True
) -> lu_unpack_result:
    """(P, L, U) from a packed LU and its pivots; empty tensors for the parts not unpacked."""
    n = LU_data.shape[-1]
    nothing = LU_data.new_empty(0)
    P = _row_swaps(LU_pivots, n, LU_data) if unpack_pivots else nothing
    L, U = _unpack(LU_data) if unpack_data else (nothing, nothing)
    return lu_unpack_result(P, L, U)


def lu(A: Tensor, *, pivot: bool = True) -> linalg_lu:
    """(P, L, U) with A = P L U, L unit lower triangular, U upper triangular."""
    LU, pivots, _ = _factor("linalg.lu", A, pivot)
    return linalg_lu(*lu_unpack(LU, pivots))


class LinalgLuSolve(BuiltinFunction):
    """X = A^-1 B for A = P L U given by (LU, pivots); one batch shape throughout."""

    @staticmethod
    def forward(ctx, LU, pivots, B):
        x = _stack(B).clone() if B.dtype is _dtype.float64 else _stack(B)
        kernels(LU).lu_solve(_stack(LU)._array, _kernel_pivots(pivots, LU.shape[-1])._array,
                             x._array, False)  # fmt: skip
        X = _result(x, tuple(B.shape[:-2]), B.dtype)
        ctx.save_for_backward(LU, pivots, X)
        return X

    @staticmethod
    def backward(ctx, grad):
        # B: A^-T grad. LU: A's gradient -grad_B X^T taken through A = P L U to L (strictly
        # below the diagonal) and U (on and above it)
        LU, pivots, X = ctx.saved_tensors
        P = _row_swaps(pivots, LU.shape[-1], LU)
        L, U = _unpack(LU)
        grad_B = solve(_mT(P @ L @ U), grad)
        grad_LU = None
        if ctx.needs_input_grad[0]:
            grad_A = -(grad_B @ _mT(X))
            grad_L = _mT(P) @ grad_A @ _mT(U)
            grad_U = _mT(L) @ _mT(P) @ grad_A
            grad_LU = grad_L.tril(-1) + grad_U.triu()
        return grad_LU, None, grad_B if ctx.needs_input_grad[2] else None


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False,
             out=None) -> Tensor:  # fmt: skip
    """X with A X = B (X A = B when not `left`; A^T in place of A with `adjoint`), A given
    by lu_factor's (LU, pivots); batch dims broadcast."""
    _check_matrix("linalg.lu_solve", LU)
    if B.ndim < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 dimensions.")
    check_device(LU, pivots, B)
    if pivots.dtype is not _dtype.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type torch.int32")
    if LU.dtype is not B.dtype:
        raise RuntimeError(
            "linalg.lu_solve: Expected LU and B to have the same dtype, but found LU of type "
            f"{_dtype_word(LU)} and B of type {_dtype_word(B)} instead"
        )
    n = LU.shape[-1]
    if (B.shape[-2] if left else B.shape[-1]) != n:
        raise RuntimeError(
            "linalg.lu_solve: Incompatible shapes of A and B for the equation "
            f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(
            f"linalg.lu_solve: pivots of shape {list(pivots.shape)} do not match LU of shape "
            f"{list(LU.shape)}"
        )
    if adjoint or not left:
        # the kernels solve A X = B only: these forms solve with A = P L U rebuilt
        P, L, U = lu_unpack(LU, pivots)
        A = P @ L @ U
        result = solve(_mT(A) if adjoint else A, B, left=left)
    else:
        batch = broadcast_shapes(tuple(LU.shape[:-2]), tuple(B.shape[:-2]))
        result = LinalgLuSolve.apply(
            LU.expand(*batch, n, n), pivots.expand(*batch, n), B.expand(*batch, *B.shape[-2:])
        )
    return result if out is None else write_out(out, result)


# --- the matrix exponential ----------------------------------------------------------------


class LinalgMatrixExp(BuiltinFunction):
    @staticmethod
    def forward(ctx, A):
        a = _stack(A)
        out = empty(a.shape, _dtype.float64, A.device)
        kernels(A).matrix_exp(a._array, out._array)
        ctx.save_for_backward(A)
        return _result(out, tuple(A.shape[:-2]), A.dtype)

    @staticmethod
    def backward(ctx, grad):
        # the Frechet derivative's adjoint: exp([[A^T, G], [0, A^T]]) holds it in its
        # upper-right block (Najfeld and Havel), as PyTorch computes it
        (A,) = ctx.saved_tensors
        n = A.shape[-1]
        upper = cat([_mT(A), grad], -1)
        lower = cat([zeros_like(A), _mT(A)], -1)
        return LinalgMatrixExp.apply(cat([upper, lower], -2))[..., :n, n:]


def matrix_exp(A: Tensor) -> Tensor:
    """The exponential of each square matrix of A: sum over k of A^k / k!."""
    _check_matrix("linalg.matrix_exp", A)
    return LinalgMatrixExp.apply(A)


# --- legacy top-level forms --------------------------------------------------------------


def torch_lu(A: Tensor, pivot: bool = True, get_infos: bool = False):
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)",
        UserWarning,
        stacklevel=2,
    )
    LU, pivots, info = lu_factor_ex(A, pivot=pivot, check_errors=not get_infos)
    return _lu_with_info(LU, pivots, info) if get_infos else (LU, pivots)


def torch_lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *, out=None) -> Tensor:
    warnings.warn(
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in "
        "a future PyTorch release.\nNote that torch.linalg.lu_solve has its arguments "
        "reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced with\nX = "
        "torch.linalg.lu_solve(LU, pivots, B)",
        UserWarning,
        stacklevel=2,
    )
    return lu_solve(LU_data, LU_pivots, b, out=out)
