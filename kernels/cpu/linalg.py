"""Dense linear algebra on stacks of small matrices, one matrix per task: LU with partial
pivoting (solve, inverse, determinant), Cholesky, Householder QR, cyclic Jacobi for
symmetric eigenproblems and one-sided (Hestenes) Jacobi for the SVD.

Every kernel takes C-contiguous float64 arrays whose first dim is the batch and loops
`prange` over it; all scratch memory is an argument, so a CUDA thread runs the same body
on its own matrix (kernels/cuda/linalg.py). float32 callers compute in float64: one
compiled signature per kernel, and Jacobi's convergence test is the same for both."""

from __future__ import annotations

import numpy as np

from ..common import linalg as common
from ._launch import parallel_for, twins

_LU_FACTOR = twins(common.lu_factor)
_LU_SOLVE = twins(common.lu_solve, error_model="numpy")  # inv_ex: a zero pivot gives inf, not raise
_LU_DET = twins(common.lu_det)
_CHOLESKY = twins(common.cholesky)
_QR = twins(common.qr)
_EIGH = twins(common.eigh)
_SVD = twins(common.svd)
_MATRIX_EXP = twins(common.matrix_exp)


def lu_factor(a: np.ndarray, lu: np.ndarray, pivots: np.ndarray, info: np.ndarray) -> None:
    """lu, pivots, info = the LU factorisation of each (n, n) matrix of a (see _lu_factor)."""
    if info.size:  # a batch of 0x0 matrices still gets its info
        _LU_FACTOR[parallel_for(lu.size)](a, lu, pivots, info)


def lu_solve(lu: np.ndarray, pivots: np.ndarray, x: np.ndarray, identity: bool) -> None:
    """x (batch, n, k) = A^-1 x for each A given by lu_factor's lu and pivots; x is
    written with the identity first when `identity` (x = A^-1)."""
    if x.size:
        _LU_SOLVE[parallel_for(lu.size)](lu, pivots, x, identity)


def lu_det(lu, pivots, det, sign, logabsdet) -> None:
    """det, sign, logabsdet (batch,) of each matrix given by lu_factor's lu and pivots."""
    if det.size:
        _LU_DET[parallel_for(lu.size)](lu, pivots, det, sign, logabsdet)


def cholesky(a: np.ndarray, lower: np.ndarray, info: np.ndarray) -> None:
    """lower, info = the Cholesky factor of each matrix of a (see _cholesky)."""
    if info.size:
        _CHOLESKY[parallel_for(lower.size)](a, lower, info)


def qr(a: np.ndarray, q: np.ndarray, r: np.ndarray) -> None:
    """q (batch, m, m), r (batch, m, n) = the complete QR decomposition of each matrix of a."""
    if q.shape[0]:
        _QR[parallel_for(q.size)](a, q, r, np.empty(q.shape[:2], q.dtype))


def eigh(a: np.ndarray, values: np.ndarray, vectors: np.ndarray, lower: bool) -> None:
    """values (ascending), vectors (columns) of each symmetric matrix of a, read from its
    lower or upper triangle."""
    if vectors.shape[0]:
        _EIGH[parallel_for(vectors.size)](a, values, vectors, np.empty_like(vectors), lower)


def svd(a: np.ndarray, u: np.ndarray, s: np.ndarray, v: np.ndarray) -> None:
    """u (batch, m, n or m), s (batch, n) descending, v (batch, n, n): A = U S V^T for each
    (m, n) matrix of a, m >= n."""
    if u.shape[0]:  # n = 0 still completes U
        _SVD[parallel_for(a.size)](a, u, s, v, np.empty_like(a))


def matrix_exp(a: np.ndarray, out: np.ndarray) -> None:
    """out (batch, n, n) = the exponential of each matrix of a (scaling and squaring)."""
    if out.size:
        _MATRIX_EXP[parallel_for(a.size)](a, out, np.empty_like(a), np.empty_like(a))
