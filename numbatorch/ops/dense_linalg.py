"""torch.linalg for small (batched) matrices: one autograd Function per factorisation over
the kernels of kernels/*/linalg.py (LU, Cholesky, Householder QR, Jacobi eigh and SVD),
their backward formulas PyTorch's (FunctionsManual.cpp) written with differentiable ops,
and the functions built from them: norms, pinv, matrix_rank, cross and the top-level
aliases (torch.inverse, torch.det, torch.svd, torch.norm, ...).

The kernels compute in float64; a float32 input is cast there and its results cast back,
so each kernel has one compiled signature per device."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

from .. import _dtype
from .._creation import eye, zeros
from ..autograd.function import BuiltinFunction
from ..return_types import (
    linalg_cholesky_ex,
    linalg_eigh,
    linalg_inv_ex,
    linalg_lstsq,
    linalg_qr,
    linalg_slogdet,
    linalg_solve_ex,
    linalg_svd,
)
from ..return_types import qr as qr_result
from ..return_types import slogdet as slogdet_result
from ..return_types import svd as svd_result
from ._common import (
    TYPE_WORD,
    broadcast_shapes,
    cast,
    check_device,
    dims_of,
    empty,
    kernels,
    wrap_dim,
    write_out,
)
from .reduction import Norm
from .shape import cat

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


class LinAlgError(RuntimeError):
    """A factorisation failed on its input (a singular matrix, one that is not
    positive-definite): PyTorch's torch.linalg.LinAlgError, a RuntimeError."""


# what PyTorch's CPU kernels say of a float16 input (they have no half versions)
_HALF_KERNEL = {
    "linalg.det": "lu_cpu",
    "linalg.solve": "lu_cpu",
    "linalg.solve_ex": "lu_cpu",
    "linalg.inv_ex": "lu_cpu",
    "linalg.cholesky_ex": "cholesky_cpu",
    "linalg.cholesky": "cholesky_cpu",
    "linalg.qr": "geqrf_cpu",
    "linalg.eigh": "linalg_eigh_cpu",
    "linalg.svd": "linalg_svd_cpu",
}


# --- checks and plumbing ----------------------------------------------------------------------


def _check_matrix(name: str, A, square: bool = True) -> None:
    """PyTorch's checks of a matrix argument, in its order: a Tensor, at least 2-D, a float
    dtype the kernels have (float32/float64), square where the op needs it."""
    if not isinstance(A, Tensor):
        raise TypeError(
            f"{name}(): argument 'A' (position 1) must be Tensor, not {type(A).__name__}"
        )
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    if A.dtype is _dtype.float16:
        if name in _HALF_KERNEL:
            raise NotImplementedError(f"\"{_HALF_KERNEL[name]}\" not implemented for 'Half'")
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got Half")
    if not A.dtype.is_floating_point:
        if name == "linalg.eigh":  # PyTorch's eigh dispatches before it checks the dtype
            raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{_dtype_word(A)}'")
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {_dtype_word(A)}"
        )
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{name}: A must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )


def _stack(A: Tensor) -> Tensor:
    """A's matrices as one C-contiguous float64 (batch, rows, cols) tensor for the kernels."""
    rows, cols = A.shape[-2], A.shape[-1]
    return cast(A, _dtype.float64).contiguous().reshape(math.prod(A.shape[:-2]), rows, cols)


def _result(t: Tensor, batch: tuple, dtype) -> Tensor:
    """A kernel's float64 (batch, ...) output with A's batch dims and dtype."""
    return cast(t.reshape(*batch, *t.shape[1:]), dtype)


def _host(t: Tensor):
    return kernels(t).to_host(t._array)


def _raise_failures(info: Tensor, batched: bool, message) -> None:
    """Raise LinAlgError with `message(prefix, code)` for the first matrix whose kernel
    reported a failure (a nonzero info code); PyTorch's prefix names the batch element when
    the input is batched."""
    codes = _host(info)
    failed = codes.nonzero()[0]
    if failed.size:
        element = int(failed[0])
        prefix = f"(Batch element {element}): " if batched else ""
        raise LinAlgError(message(prefix, int(codes[element])))


def _lu(A: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(lu, pivots, info): the LU factorisation of A's matrices (see kernels' lu_factor)."""
    a = _stack(A)
    lu = empty(a.shape, _dtype.float64, A.device)
    pivots = empty(a.shape[:2], _dtype.int64, A.device)
    info = empty(a.shape[:1], _dtype.int64, A.device)
    kernels(A).lu_factor(a._array, lu._array, pivots._array, info._array)
    return lu, pivots, info


def _diag_embed(v: Tensor) -> Tensor:
    """Matrices with v's last dim on their diagonals (differentiable)."""
    return v.unsqueeze(-1) * eye(v.shape[-1], dtype=v.dtype, device=v.device)


def _mT(t: Tensor) -> Tensor:
    return t.transpose(-2, -1)


# --- inverse and solve -------------------------------------------------------------------------


def _info(info: Tensor, A: Tensor) -> Tensor:
    """The kernels' int64 info codes as PyTorch's int32 tensor of A's batch shape."""
    return cast(info.reshape(*A.shape[:-2]), _dtype.int32)


class Inv(BuiltinFunction):
    """(inverse, info); with `check_errors` a singular matrix raises LinAlgError, without
    it its inverse holds infinities or NaN and info says which pivot was zero."""

    node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, A, check_errors):
        lu, pivots, info = _lu(A)
        if check_errors:
            _raise_failures(
                info,
                A.ndim > 2,
                lambda prefix, k: (
                    f"linalg.inv: {prefix}The diagonal element {k} is zero, the inversion "
                    "could not be completed because the input matrix is singular."
                ),
            )
        x = empty(lu.shape, _dtype.float64, A.device)
        kernels(A).lu_solve(lu._array, pivots._array, x._array, True)
        inverse = _result(x, A.shape[:-2], A.dtype)
        ctx.save_for_backward(inverse)
        return inverse, _info(info, A)

    @staticmethod
    def backward(ctx, grad, grad_info):
        (inverse,) = ctx.saved_tensors
        inverse_t = _mT(inverse)
        return -(inverse_t @ grad @ inverse_t), None


class Solve(BuiltinFunction):
    """(X, info) with X = A^-1 B for A (*, n, n) and B (*, n, k) of one batch shape;
    `check_errors` as for Inv."""

    node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, A, B, check_errors):
        lu, pivots, info = _lu(A)
        if check_errors:
            _raise_failures(
                info,
                A.ndim > 2,
                lambda prefix, _: (
                    f"torch.linalg.solve: {prefix}The solver failed because the input "
                    "matrix is singular."
                ),
            )
        # lu_solve writes over its right-hand sides: a float64 B's stack may be B itself
        x = _stack(B).clone() if B.dtype is _dtype.float64 else _stack(B)
        kernels(A).lu_solve(lu._array, pivots._array, x._array, False)
        X = _result(x, B.shape[:-2], B.dtype)
        ctx.save_for_backward(A, X)
        return X, _info(info, A)

    @staticmethod
    def backward(ctx, grad, grad_info):
        A, X = ctx.saved_tensors
        grad_B = Solve.apply(_mT(A), grad, True)[0]
        return -(grad_B @ _mT(X)) if ctx.needs_input_grad[0] else None, grad_B, None


def inv(A: Tensor, *, out=None) -> Tensor:
    """The inverse of each square matrix of A (LU with partial pivoting); LinAlgError when
    one is singular."""
    _check_matrix("linalg.inv", A)
    return _written(out, Inv.apply(A, True)[0])


def inv_ex(A: Tensor, *, check_errors: bool = False) -> linalg_inv_ex:
    """(inverse, info): info[i] = k > 0 when the k-th pivot of matrix i is zero (its
    inverse then holds infinities or NaN); raises only with `check_errors`."""
    _check_matrix("linalg.inv_ex", A)
    return linalg_inv_ex(*Inv.apply(A, check_errors))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out=None) -> Tensor:
    """X with A X = B (X A = B when not `left`); B a vector or a matrix per matrix of A,
    the batch dims broadcast."""
    return _written(out, _solve("linalg.solve", A, B, left, True)[0])


def solve_ex(
    A: Tensor, B: Tensor, *, left: bool = True, check_errors: bool = False
) -> linalg_solve_ex:
    """(result, info) of solve: info[i] = k > 0 when the k-th pivot of matrix i is zero;
    raises only with `check_errors`."""
    return linalg_solve_ex(*_solve("linalg.solve_ex", A, B, left, check_errors))


def _solve(name: str, A: Tensor, B: Tensor, left: bool, check_errors: bool):
    _check_matrix(name, A)
    if not isinstance(B, Tensor):
        raise TypeError(
            f"linalg_solve(): argument 'B' (position 2) must be Tensor, not {type(B).__name__}"
        )
    check_device(A, B)
    if A.dtype is not B.dtype:
        raise RuntimeError(
            "linalg.solve: Expected A and B to have the same dtype, but found A of type "
            f"{_dtype_word(A)} and B of type {_dtype_word(B)} instead"
        )
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if not left:
        A = _mT(A)
        if not vector:
            X, info = _solve(name, A, _mT(B), True, check_errors)
            return _mT(X), info
    matrix = B.unsqueeze(-1) if vector else B
    n = A.shape[-1]
    if matrix.shape[-2] != n:
        raise RuntimeError(
            "linalg.solve: Incompatible shapes of A and B for the equation AX = B "
            f"({A.shape[-2]}x{n} and {matrix.shape[-2]}x{matrix.shape[-1]})"
        )
    batch = broadcast_shapes(tuple(A.shape[:-2]), tuple(matrix.shape[:-2]))
    X, info = Solve.apply(
        A.expand(*batch, n, n), matrix.expand(*batch, n, matrix.shape[-1]), check_errors
    )
    return (X.squeeze(-1) if vector else X), info


def solve_triangular(
    A: Tensor,
    B: Tensor,
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
    out=None,
) -> Tensor:
    """X with T X = B (X T = B when not `left`), T the upper or lower triangle of A (with
    ones on its diagonal when `unitriangular`). Solved by the LU kernels, so an exactly
    singular T raises LinAlgError where PyTorch returns infinities."""
    _check_matrix("linalg.solve_triangular", A)
    if B.ndim < 2:
        raise RuntimeError(
            "linalg.solve_triangular: The input tensor B must have at least 2 dimensions."
        )
    n = A.shape[-1]
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != n:
        equation = "AX = B" if left else "XA = B"
        raise RuntimeError(
            "linalg.solve_triangular: Incompatible shapes of A and B for the equation "
            f"{equation} ({n}x{n} and {B.shape[-2]}x{B.shape[-1]})"
        )
    if unitriangular:
        identity = eye(n, dtype=A.dtype, device=A.device)
        triangle = (A.triu(1) if upper else A.tril(-1)) + identity
    else:
        triangle = A.triu() if upper else A.tril()
    return _written(out, solve(triangle, B, left=left))


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver=None) -> linalg_lstsq:
    """The least-squares (minimum-norm) solution of A X = B through the pseudo-inverse;
    rank, residuals and singular values filled in as PyTorch's CPU drivers fill them
    (gelsy, the default: the rank; gelsd/gelss: all three; gels: the residuals)."""
    _check_matrix("linalg.lstsq", A, square=False)
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError(
            "torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
        )
    if A.dtype is not B.dtype:
        raise RuntimeError(
            "torch.linalg.lstsq: Expected input and other to have the same dtype, but got "
            f"input's dtype {_dtype_word(A)} and other's dtype {_dtype_word(B)}"
        )
    vector = B.ndim == A.ndim - 1
    matrix = B.unsqueeze(-1) if vector else B
    if matrix.shape[-2] != A.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    driver = driver or "gelsy"
    m, n = A.shape[-2], A.shape[-1]
    solution = pinv(A, rtol=rcond) @ matrix
    nothing = empty((0,), A.dtype, A.device)
    rank = matrix_rank(A, rtol=rcond) if driver != "gels" else empty((0,), _dtype.int64, A.device)
    residuals = nothing
    if driver != "gelsy" and m > n and bool((matrix_rank(A, rtol=rcond) == n).all()):
        residuals = ((A @ solution - matrix) ** 2).sum(-2)
    values = svdvals(A) if driver in ("gelsd", "gelss") else nothing
    return linalg_lstsq(solution.squeeze(-1) if vector else solution, residuals, rank, values)


def _dtype_word(t: Tensor) -> str:
    """PyTorch's C++ name of t's dtype (Float, Double, Long, ...)."""
    return TYPE_WORD.get(t.dtype.name, t.dtype.name)


def _written(out, result):
    return result if out is None else write_out(out, result)


# --- determinants ------------------------------------------------------------------------------


def _determinants(A: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(det, sign, logabsdet) of A's matrices, in A's dtype and batch shape."""
    lu, pivots, _ = _lu(A)
    det, sign, logabsdet = (empty(lu.shape[:1], _dtype.float64, A.device) for _ in range(3))
    kernels(A).lu_det(lu._array, pivots._array, det._array, sign._array, logabsdet._array)
    return tuple(_result(t, A.shape[:-2], A.dtype) for t in (det, sign, logabsdet))


def _cofactor(A: Tensor) -> Tensor:
    """The cofactor matrix (d det / dA) of each matrix of A, singular ones included:
    det(U) det(V) U diag(prod of the other singular values) V^T."""
    U, S, Vh = svd(A)
    n = S.shape[-1]
    identity = eye(n, dtype=A.dtype, device=A.device)
    others = (S.unsqueeze(-2) * (1 - identity) + identity).prod(-1)
    scale = (det(U) * det(Vh)).unsqueeze(-1).unsqueeze(-1)
    return scale * (U * others.unsqueeze(-2)) @ Vh


class Det(BuiltinFunction):
    node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, A):
        determinant = _determinants(A)[0]
        ctx.save_for_backward(A, determinant)
        return determinant

    @staticmethod
    def backward(ctx, grad):
        A, determinant = ctx.saved_tensors
        grad = grad.unsqueeze(-1).unsqueeze(-1)
        if bool((determinant == 0).any()):  # no inverse: the cofactors through the SVD
            return grad * _cofactor(A)
        return grad * determinant.unsqueeze(-1).unsqueeze(-1) * _mT(inv(A))


class Slogdet(BuiltinFunction):
    node_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, A):
        _, sign, logabsdet = _determinants(A)
        ctx.save_for_backward(A)
        ctx.mark_non_differentiable(sign)
        return sign, logabsdet

    @staticmethod
    def backward(ctx, grad_sign, grad_logabsdet):
        (A,) = ctx.saved_tensors
        return grad_logabsdet.unsqueeze(-1).unsqueeze(-1) * _mT(inv(A))


def det(A: Tensor, *, out=None) -> Tensor:
    """The determinant of each square matrix of A (from its LU factorisation)."""
    _check_matrix("linalg.det", A)
    return _written(out, Det.apply(A))


def slogdet(A: Tensor) -> linalg_slogdet:
    """(sign, log|det|) of each square matrix of A: sign 0 and -inf for a singular one."""
    _check_matrix("linalg.slogdet", A)
    return linalg_slogdet(*Slogdet.apply(A))


def logdet(input: Tensor) -> Tensor:
    """log det: NaN where the determinant is negative, -inf where it is zero."""
    _check_matrix("linalg.slogdet", input)
    sign, logabsdet = Slogdet.apply(input)
    return logabsdet.where(sign >= 0, math.nan)


# --- Cholesky ----------------------------------------------------------------------------------


class Cholesky(BuiltinFunction):
    """(L, info); with `check_errors` a matrix that is not positive-definite raises
    LinAlgError, without it info says the order of its first failing leading minor (L is
    zero from that column on)."""

    node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, A, check_errors):
        a = _stack(A)
        lower = empty(a.shape, _dtype.float64, A.device)
        info = empty(a.shape[:1], _dtype.int64, A.device)
        kernels(A).cholesky(a._array, lower._array, info._array)
        if check_errors:
            _raise_failures(
                info,
                A.ndim > 2,
                lambda prefix, k: (
                    f"linalg.cholesky: {prefix}The factorization could not be "
                    "completed because the input is not positive-definite (the leading minor "
                    f"of order {k} is not positive-definite)."
                ),
            )
        L = _result(lower, A.shape[:-2], A.dtype)
        ctx.save_for_backward(L)
        return L, _info(info, A)

    @staticmethod
    def backward(ctx, grad, grad_info):
        # gA = L^-T Phi L^-1 with Phi = (X + tril(X, -1)^T) / 2, X = tril(L^T gL)
        (L,) = ctx.saved_tensors
        phi = (_mT(L) @ grad).tril()
        phi = 0.5 * (phi + _mT(phi.tril(-1)))
        return _mT(solve(_mT(L), _mT(solve(_mT(L), phi)))), None


def cholesky(A: Tensor, *, upper: bool = False, out=None) -> Tensor:
    """L with L L^T = A for each symmetric positive-definite matrix of A (read from its
    lower triangle); L^T with `upper`. LinAlgError when one is not positive-definite."""
    _check_matrix("linalg.cholesky", A)
    L = Cholesky.apply(A, True)[0]
    return _written(out, _mT(L) if upper else L)


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False):
    """(L, info): info[i] = k > 0 when the leading minor of order k of matrix i is not
    positive-definite; raises only with `check_errors`."""
    _check_matrix("linalg.cholesky_ex", A)
    L, info = Cholesky.apply(A, check_errors)
    return linalg_cholesky_ex(_mT(L) if upper else L, info)


def cholesky_solve(B: Tensor, L: Tensor, upper: bool = False, *, out=None) -> Tensor:
    """X with A X = B where A = L L^T (U^T U with `upper`), by two triangular solves."""
    for name, t in (("b", B), ("u", L)):
        if t.ndim < 2:
            raise RuntimeError(
                f"{name} should have at least 2 dimensions, but has {t.ndim} dimensions instead"
            )
    lower = _mT(L) if upper else L
    return _written(out, solve(_mT(lower), solve(lower, B)))


# --- QR ----------------------------------------------------------------------------------------


def _qr_square_grad(Q, R, grad_Q, grad_R):
    """PyTorch's gradient of A = Q R for m >= n (Q m x n, R n x n):
    gA = [gQ + Q syminvadj(triu(gR R^T - Q^T gQ))] R^-T, syminvadj(X) = X + X^T with the
    diagonal halved."""
    if grad_R is not None:
        M = grad_R @ _mT(R)
        if grad_Q is not None:
            M = M - _mT(Q) @ grad_Q
    else:
        M = -(_mT(Q) @ grad_Q)
    M = M.triu()
    M = M + _mT(M)
    M = M - 0.5 * _diag_embed(M.diagonal(0, -2, -1))
    grad_A = Q @ M
    if grad_Q is not None:
        grad_A = grad_A + grad_Q
    return _mT(solve(R, _mT(grad_A)))


class Qr(BuiltinFunction):
    node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, A, mode):
        m, n = A.shape[-2], A.shape[-1]
        a = _stack(A)
        q = empty((a.shape[0], m, m), _dtype.float64, A.device)
        r = empty(a.shape, _dtype.float64, A.device)
        kernels(A).qr(a._array, q._array, r._array)
        k = min(m, n)
        Q = _result(q, A.shape[:-2], A.dtype)
        R = _result(r, A.shape[:-2], A.dtype)
        if mode != "complete" and k < m:
            Q, R = Q.narrow(-1, 0, k).contiguous(), R.narrow(-2, 0, k).contiguous()
        if mode == "r":
            Q = empty((0,), A.dtype, A.device)
        ctx.mode = mode
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(A, Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, grad_Q, grad_R):
        A, Q, R = ctx.saved_tensors
        m, n = A.shape[-2], A.shape[-1]
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                "Please use linalg.qr(A, mode='reduced') if you are going to differentiate "
                "through linalg.qr."
            )
        if ctx.mode == "complete" and m > n:
            raise RuntimeError(
                "The QR decomposition is not differentiable when mode='complete' and nrows > ncols."
            )
        if grad_Q is None and grad_R is None:
            return None, None
        if m >= n:
            return _qr_square_grad(Q, R, grad_Q, grad_R), None
        # A = [X | Y] with X = Q U square: Y = Q V adds Y gV^T to gQ and Q gV to gY
        grad_X_R = grad_Y = None
        if grad_R is not None:
            grad_X_R, grad_V = grad_R.narrow(-1, 0, m), grad_R.narrow(-1, m, n - m)
            extra = A.narrow(-1, m, n - m) @ _mT(grad_V)
            grad_Q = extra if grad_Q is None else grad_Q + extra
            grad_Y = Q @ grad_V
        grad_X = _qr_square_grad(Q, R.narrow(-1, 0, m), grad_Q, grad_X_R)
        if grad_Y is None:
            grad_Y = zeros(*A.shape[:-1], n - m, dtype=A.dtype, device=A.device)
        return cat([grad_X, grad_Y], -1), None


def qr(A: Tensor, mode: str = "reduced") -> linalg_qr:
    """Q, R with A = Q R (Householder, LAPACK's signs): mode 'reduced' (Q m x k, R k x n,
    k = min(m, n)), 'complete' (Q m x m, R m x n) or 'r' (R only, Q empty)."""
    _check_matrix("linalg.qr", A, square=False)
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
            "'r', or 'complete'"
        )
    return linalg_qr(*Qr.apply(A, mode))


# --- symmetric eigenproblem --------------------------------------------------------------------


class Eigh(BuiltinFunction):
    node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, A, lower):
        a = _stack(A)
        values = empty(a.shape[:2], _dtype.float64, A.device)
        vectors = empty(a.shape, _dtype.float64, A.device)
        kernels(A).eigh(a._array, values._array, vectors._array, lower)
        L = _result(values, A.shape[:-2], A.dtype)
        V = _result(vectors, A.shape[:-2], A.dtype)
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(L, V)
        return L, V

    @staticmethod
    def backward(ctx, grad_L, grad_V):
        # gA = V (diag(gL) + skew(V^T gV) / E) V^T, E[i, j] = L[j] - L[i] (1 on the diagonal)
        L, V = ctx.saved_tensors
        if grad_V is None:
            inner = _diag_embed(grad_L)
        else:
            VtgV = _mT(V) @ grad_V
            VtgV = 0.5 * (VtgV - _mT(VtgV))
            identity = eye(L.shape[-1], dtype=L.dtype, device=L.device)
            inner = VtgV / (L.unsqueeze(-2) - L.unsqueeze(-1) + identity)
            if grad_L is not None:
                inner = inner + _diag_embed(grad_L)
        return V @ inner @ _mT(V), None


def _check_uplo(UPLO) -> bool:
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO in ("L", "l")


def eigh(A: Tensor, UPLO: str = "L") -> linalg_eigh:
    """Eigenvalues (ascending) and orthonormal eigenvectors (columns) of each symmetric
    matrix of A, read from its lower (UPLO='L') or upper triangle; cyclic Jacobi."""
    _check_matrix("linalg.eigh", A)
    return linalg_eigh(*Eigh.apply(A, _check_uplo(UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out=None) -> Tensor:
    """The eigenvalues (ascending) of each symmetric matrix of A."""
    _check_matrix("linalg.eigh", A)
    return _written(out, Eigh.apply(A, _check_uplo(UPLO))[0])


# --- SVD ---------------------------------------------------------------------------------------


class Svd(BuiltinFunction):
    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, A, full_matrices):
        m, n = A.shape[-2], A.shape[-1]
        tall = A if m >= n else _mT(A)  # the kernel wants m >= n: A^T = V S U^T
        rows, cols = tall.shape[-2], tall.shape[-1]
        a = _stack(tall)
        u = empty((a.shape[0], rows, rows if full_matrices else cols), _dtype.float64, A.device)
        s = empty((a.shape[0], cols), _dtype.float64, A.device)
        v = empty((a.shape[0], cols, cols), _dtype.float64, A.device)
        kernels(A).svd(a._array, u._array, s._array, v._array)
        batch = A.shape[:-2]
        U, S, V = (_result(t, batch, A.dtype) for t in (u, s, v))
        if m < n:
            U, V = V, U
        Vh = _mT(V).contiguous()
        ctx.full_matrices = full_matrices
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, grad_U, grad_S, grad_Vh):
        U, S, Vh = ctx.saved_tensors
        k = S.shape[-1]
        m, n = U.shape[-2], Vh.shape[-1]
        if ctx.full_matrices:  # only the first k singular vectors reach A
            U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
            grad_U = None if grad_U is None else grad_U.narrow(-1, 0, k)
            grad_Vh = None if grad_Vh is None else grad_Vh.narrow(-2, 0, k)
        if grad_U is None and grad_Vh is None:
            return (None if grad_S is None else (U * grad_S.unsqueeze(-2)) @ Vh), None
        # PyTorch's svd_backward: E[j, k] = S[k]^2 - S[j]^2 (1 on the diagonal),
        # gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T, plus the parts of
        # gU / gV outside the span of U / V when A is not square
        identity = eye(k, dtype=S.dtype, device=S.device)
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + identity
        inner = None
        if grad_U is not None:
            UtgU = _mT(U) @ grad_U
            inner = (UtgU - _mT(UtgU)) * S.unsqueeze(-2)
        if grad_Vh is not None:
            VtgV = Vh @ _mT(grad_Vh)
            term = S.unsqueeze(-1) * (VtgV - _mT(VtgV))
            inner = term if inner is None else inner + term
        inner = inner / E
        if grad_S is not None:
            inner = inner + _diag_embed(grad_S)
        if m > k and grad_U is not None:
            grad_A = U @ inner
            grad_U_Sinv = grad_U / S.unsqueeze(-2)
            grad_A = grad_A + grad_U_Sinv - U @ (_mT(U) @ grad_U_Sinv)
            return grad_A @ Vh, None
        if n > k and grad_Vh is not None:
            grad_A = inner @ Vh
            grad_V_Sinv = _mT(grad_Vh) / S.unsqueeze(-2)
            grad_A = grad_A + _mT(grad_V_Sinv) - (_mT(grad_V_Sinv) @ _mT(Vh)) @ Vh
            return U @ grad_A, None
        return U @ inner @ Vh, None


def svd(A: Tensor, full_matrices: bool = True, *, driver=None) -> linalg_svd:
    """U, S (descending), Vh with A = U diag(S) Vh for each matrix of A (one-sided Jacobi);
    U m x m and Vh n x n with `full_matrices`, else m x k and k x n (k = min(m, n))."""
    _check_matrix("linalg.svd", A, square=False)
    _check_driver(driver)
    return linalg_svd(*Svd.apply(A, full_matrices))


def _check_driver(driver) -> None:
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with "
            "cuSOLVER backend."
        )


def svdvals(A: Tensor, *, driver=None, out=None) -> Tensor:
    """The singular values (descending) of each matrix of A."""
    _check_matrix("linalg.svd", A, square=False)
    _check_driver(driver)
    return _written(out, Svd.apply(A, False)[1])


# --- norms -------------------------------------------------------------------------------------


def _check_float(name: str, x: Tensor) -> None:
    if not x.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {_dtype_word(x)}"
        )


def vector_norm(
    x: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """(sum |x|^ord)^(1/ord) over `dim` (all dims when None); ord inf / -inf: the largest /
    smallest |x|, ord 0: the number of nonzeros."""
    _check_float("linalg.vector_norm", x)
    if isinstance(ord, str) or not isinstance(ord, (int, float)):
        raise TypeError(
            f"linalg_vector_norm(): argument 'ord' must be Number, not {type(ord).__name__}"
        )
    if dtype is not None:
        x = x.to(dtype)
    dims = dims_of(dim, x.ndim)
    reduced = math.prod(x.shape[d] for d in dims) if x.ndim else 1
    if reduced == 0 and (ord < 0 or ord == math.inf):
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {float(ord):g} norm on an empty tensor "
            "because the operation does not have an identity"
        )
    if ord == -math.inf:
        result = x.abs().amin(dim=dims, keepdim=keepdim)
    elif ord == 0:
        result = (x != 0).sum(dim=dims, keepdim=keepdim).to(x.dtype)
    elif ord == 1:  # through abs: sign(x) is the gradient, 0 at x = 0
        result = x.abs().sum(dim=dims, keepdim=keepdim)
    else:
        result = Norm.apply(x, float(ord), dims, keepdim)
    return _written(out, result)


_MATRIX_ORDERS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(
    A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None
) -> Tensor:
    """The matrix norm over the two dims `dim`: 'fro', 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (largest / smallest column sum of
    |A|), inf / -inf (largest / smallest row sum)."""
    if A.ndim < 2:
        raise RuntimeError(
            "linalg.matrix_norm: The input tensor A must have at least 2 dimensions."
        )
    _check_float("linalg.matrix_norm", A)
    if isinstance(dim, int) or len(dim) != 2:
        got = dim if isinstance(dim, int) else " ".join(str(d) for d in dim)
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {got}")
    if ord not in _MATRIX_ORDERS or isinstance(ord, bool):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    row, col = (wrap_dim(d, A.ndim) for d in dim)
    if row == col:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dim[0]}, {dim[1]})")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        return _written(out, vector_norm(A, 2, (row, col), keepdim))
    if ord in ("nuc", 2, -2):
        others = [d for d in range(A.ndim) if d not in (row, col)]
        values = svdvals(A.permute(*others, row, col))
        result = (
            values.sum(-1) if ord == "nuc" else (values.amax(-1) if ord == 2 else values.amin(-1))
        )
        if keepdim:
            for d in sorted((row, col)):
                result = result.unsqueeze(d)
        return _written(out, result)
    # 1: the largest column sum (over rows); inf: the largest row sum (over columns)
    summed, picked = (row, col) if ord in (1, -1) else (col, row)
    sums = A.abs().sum(dim=summed, keepdim=True)
    result = sums.amax(dim=picked, keepdim=True) if ord > 0 else sums.amin(dim=picked, keepdim=True)
    return _written(out, result if keepdim else result.squeeze((row, col)))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """torch.linalg.norm: a vector norm over one dim (or all, flattened, when ord and dim are
    None), a matrix norm over two."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    if A.ndim not in (1, 2):
        raise RuntimeError(
            "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
            f"{A.ndim}D."
        )
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)


def torch_norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None):
    """torch.norm (deprecated in PyTorch, still everywhere): p a number is a vector norm over
    `dim` (all dims when None), 'fro' over at most two dims too, 'nuc' a matrix norm."""
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, int) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        dims = tuple(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, dims, keepdim, dtype=dtype, out=out)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype, out=out)


def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """The p-norm of input - other."""
    return vector_norm(input - other, p)


# --- pseudo-inverse, rank, cross ---------------------------------------------------------------


def _tolerance(values: Tensor, A: Tensor, atol, rtol) -> Tensor:
    """max(atol, rtol * the largest |value|) per matrix, PyTorch's defaults: rtol = eps *
    max(m, n) when neither is given, 0 when only atol is."""
    if rtol is None:
        rtol = (
            0.0
            if atol is not None and _positive(atol)
            else _dtype.finfo(A.dtype).eps * max(A.shape[-2:])
        )
    largest = values.abs().amax(-1, keepdim=True)
    tolerance = largest * (rtol.unsqueeze(-1) if isinstance(rtol, Tensor) else rtol)
    if isinstance(atol, Tensor):
        from .elementwise import maximum

        return maximum(tolerance, atol.unsqueeze(-1).to(tolerance.dtype))
    return tolerance if atol is None else tolerance.clamp(min=atol)


def _positive(atol) -> bool:
    return bool((atol > 0).all()) if isinstance(atol, Tensor) else atol > 0


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse through the SVD (eigh when `hermitian`): singular
    values at or below max(atol, rtol * the largest) count as zero."""
    if A.ndim < 2 or A.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(
            f"linalg.pinv({_dtype_word(A)}{{{list(A.shape)}}}): expected a tensor with 2 or more "
            "dimensions of float, double, cfloat or cdouble types"
        )
    return _written(out, Pinv.apply(A, atol, rtol, hermitian))


class Pinv(BuiltinFunction):
    """The pseudo-inverse from the SVD (eigh when `hermitian`); its gradient PyTorch's
    pinv_backward, the derivative of A+ for every entry of A (where the rank is constant)."""

    node_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, A, atol, rtol, hermitian):
        if hermitian:
            values, vectors = eigh(A)
            left, right = vectors, _mT(vectors)
        else:
            left, values, right = svd(A, full_matrices=False)
        keep = values.abs() > _tolerance(values, A, atol, rtol)
        inverse = (1 / values.where(keep, 1.0)).where(keep, 0.0)
        pseudo_inverse = (_mT(right) * inverse.unsqueeze(-2)) @ _mT(left)
        ctx.save_for_backward(A, pseudo_inverse)
        return pseudo_inverse

    @staticmethod
    def backward(ctx, grad):
        A, P = ctx.saved_tensors
        Pt, grad_t = _mT(P), _mT(grad)
        if A.shape[-2] <= A.shape[-1]:
            K = grad_t @ P
            KPt = K @ Pt
            grad_A = -_mT(P @ K) + KPt - (A @ P) @ KPt + (Pt @ P) @ (grad_t - K @ A)
        else:
            K = P @ grad_t
            PtK = Pt @ K
            grad_A = -_mT(K @ P) + (grad_t - A @ K) @ P @ Pt + PtK - PtK @ P @ A
        return grad_A, None, None, None


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False, out=None) -> Tensor:
    """The number of singular values (|eigenvalues| when `hermitian`) above the tolerance."""
    if not isinstance(A, Tensor) or A.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    values = eigvalsh(A) if hermitian else svdvals(A)
    return _written(out, (values.abs() > _tolerance(values, A, atol, rtol)).sum(-1))


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """The 3-D cross product along `dim`, the other dims broadcast."""
    check_device(input, other)
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"expected scalar type {_dtype_word(input)} but found {_dtype_word(other)}"
        )
    shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
    d = wrap_dim(dim, len(shape))
    sizes = [x.shape[d - len(shape) + x.ndim] if d - len(shape) + x.ndim >= 0 else 1
             for x in (input, other)]  # fmt: skip
    if sizes != [3, 3]:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {sizes[0]} and "
            f"{sizes[1]}"
        )
    a, b = input.expand(*shape), other.expand(*shape)
    # c_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1), indices mod 3: two cyclic shifts
    result = a.roll(-1, d) * b.roll(-2, d) - a.roll(-2, d) * b.roll(-1, d)
    return _written(out, result)


def torch_cross(input: Tensor, other: Tensor, dim=None, *, out=None) -> Tensor:
    """torch.cross: dim defaults to the first dim of size 3, with PyTorch's warning."""
    if dim is None:
        warnings.warn(
            "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass "
            "the dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will "
            "change to agree with that of linalg.cross in a future release.",
            UserWarning,
            stacklevel=2,
        )
        shape = broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((d for d, size in enumerate(shape) if size == 3), -1)
    return cross(input, other, dim=dim, out=out)


def matrix_power(A: Tensor, n: int, *, out=None) -> Tensor:
    """A^n for an integer n by repeated squaring (n < 0: of the inverse, n = 0: identity)."""
    _check_matrix("linalg.matrix_power", A)
    if n < 0:
        A, n = inv(A), -n
    result = None
    while n:
        if n & 1:
            result = A if result is None else result @ A
        n >>= 1
        if n:
            A = A @ A
    if result is None:
        result = eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(*A.shape).clone()
    return _written(out, result)


def multi_dot(tensors, *, out=None) -> Tensor:
    """The product of a chain of matrices, the first and last may be vectors."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    result = tensors[0]
    for t in tensors[1:]:
        result = result @ t
    return _written(out, result)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out=None) -> Tensor:
    """The dot product of x and y along `dim`, the other dims broadcast."""
    return _written(out, (x * y).sum(dim))


# --- legacy top-level forms --------------------------------------------------------------------


def torch_slogdet(input: Tensor) -> slogdet_result:
    return slogdet_result(*slogdet(input))


def torch_cholesky(input: Tensor, upper: bool = False) -> Tensor:
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a "
        "future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\nL = "
        "torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be replaced "
        "with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce equivalent results "
        "for all valid (symmetric positive definite) inputs.",
        UserWarning,
        stacklevel=2,
    )
    return cholesky(input, upper=upper)


def torch_qr(input: Tensor, some: bool = True) -> qr_result:
    return qr_result(*qr(input, "reduced" if some else "complete"))


def torch_svd(input: Tensor, some: bool = True, compute_uv: bool = True) -> svd_result:
    """torch.svd: V rather than Vh; without `compute_uv`, U and V are zero matrices of
    (m, m) and (n, n) as in PyTorch."""
    if not compute_uv:
        batch, (m, n) = tuple(input.shape[:-2]), tuple(input.shape[-2:])
        S = svdvals(input)
        return svd_result(
            zeros(*batch, m, m, dtype=input.dtype, device=input.device),
            S,
            zeros(*batch, n, n, dtype=input.dtype, device=input.device),
        )
    U, S, Vh = svd(input, full_matrices=not some)
    return svd_result(U, S, _mT(Vh))


def pinverse(input: Tensor, rcond: float = 1e-15, hermitian: bool = False) -> Tensor:
    return pinv(input, rtol=rcond, hermitian=hermitian)


def inverse(input: Tensor, *, out=None) -> Tensor:
    return inv(input, out=out)
