"""Dense linear algebra on device arrays: a thread per matrix runs the shared body
(kernels/common/linalg.py) on its own one-matrix views, so the factorisations, their pivoting
and their convergence tests exist once. Arguments as on the CPU: C-contiguous float64."""

from __future__ import annotations

from numba import cuda

from ..common import linalg as common
from ._launch import empty, launch, per_slice

_lu_factor = per_slice(common.lu_factor)
_lu_solve = per_slice(common.lu_solve)
_lu_det = per_slice(common.lu_det)
_cholesky = per_slice(common.cholesky)
_qr = per_slice(common.qr)
_eigh = per_slice(common.eigh)
_svd = per_slice(common.svd)
_matrix_exp = per_slice(common.matrix_exp)


@cuda.jit(cache=True)
def _lu_factor_kernel(a, lu, pivots, info):
    for b in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        _lu_factor(a[b:b + 1], lu[b:b + 1], pivots[b:b + 1], info[b:b + 1])  # fmt: skip


@cuda.jit(cache=True)
def _lu_solve_kernel(lu, pivots, x, identity):
    for b in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _lu_solve(lu[b:b + 1], pivots[b:b + 1], x[b:b + 1], identity)  # fmt: skip


@cuda.jit(cache=True)
def _lu_det_kernel(lu, pivots, det, sign, logabsdet):
    for b in range(cuda.grid(1), det.shape[0], cuda.gridsize(1)):
        _lu_det(lu[b:b + 1], pivots[b:b + 1], det[b:b + 1], sign[b:b + 1],
                logabsdet[b:b + 1])  # fmt: skip


@cuda.jit(cache=True)
def _cholesky_kernel(a, lower, info):
    for b in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        _cholesky(a[b:b + 1], lower[b:b + 1], info[b:b + 1])  # fmt: skip


@cuda.jit(cache=True)
def _qr_kernel(a, q, r, v):
    for b in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        _qr(a[b:b + 1], q[b:b + 1], r[b:b + 1], v[b:b + 1])  # fmt: skip


@cuda.jit(cache=True)
def _eigh_kernel(a, values, vectors, work, lower):
    for b in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        _eigh(a[b:b + 1], values[b:b + 1], vectors[b:b + 1], work[b:b + 1], lower)  # fmt: skip


@cuda.jit(cache=True)
def _svd_kernel(a, u, s, v, work):
    for b in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        _svd(a[b:b + 1], u[b:b + 1], s[b:b + 1], v[b:b + 1], work[b:b + 1])  # fmt: skip


def lu_factor(a, lu, pivots, info) -> None:
    """lu, pivots, info = the LU factorisation of each (n, n) matrix of a."""
    if info.size:  # a batch of 0x0 matrices still gets its info
        _lu_factor_kernel[launch(lu.shape[0])](a, lu, pivots, info)


def lu_solve(lu, pivots, x, identity: bool) -> None:
    """x (batch, n, k) = A^-1 x for each A given by lu_factor's lu and pivots (x written
    with the identity first when `identity`)."""
    if x.size:
        _lu_solve_kernel[launch(x.shape[0])](lu, pivots, x, identity)


def lu_det(lu, pivots, det, sign, logabsdet) -> None:
    """det, sign, logabsdet (batch,) of each matrix given by lu_factor's lu and pivots."""
    if det.size:
        _lu_det_kernel[launch(det.shape[0])](lu, pivots, det, sign, logabsdet)


def cholesky(a, lower, info) -> None:
    """lower, info = the Cholesky factor of each matrix of a, read from its lower triangle."""
    if info.size:
        _cholesky_kernel[launch(lower.shape[0])](a, lower, info)


def qr(a, q, r) -> None:
    """q (batch, m, m), r (batch, m, n) = the complete QR decomposition of each matrix of a."""
    if q.shape[0]:
        _qr_kernel[launch(q.shape[0])](a, q, r, empty(q.shape[:2], q.dtype))


def eigh(a, values, vectors, lower: bool) -> None:
    """values (ascending), vectors (columns) of each symmetric matrix of a."""
    if vectors.shape[0]:
        work = empty(vectors.shape, vectors.dtype)
        _eigh_kernel[launch(vectors.shape[0])](a, values, vectors, work, lower)


def svd(a, u, s, v) -> None:
    """u, s (descending), v: A = U S V^T for each (m, n) matrix of a, m >= n."""
    if u.shape[0]:  # n = 0 still completes U
        _svd_kernel[launch(a.shape[0])](a, u, s, v, empty(a.shape, a.dtype))


@cuda.jit(cache=True)
def _matrix_exp_kernel(a, out, term, work):
    for b in range(cuda.grid(1), a.shape[0], cuda.gridsize(1)):
        _matrix_exp(a[b:b + 1], out[b:b + 1], term[b:b + 1], work[b:b + 1])  # fmt: skip


def matrix_exp(a, out) -> None:
    """out (batch, n, n) = the exponential of each matrix of a (scaling and squaring)."""
    if out.size:
        _matrix_exp_kernel[launch(a.shape[0])](a, out, empty(a.shape, a.dtype),
                                               empty(a.shape, a.dtype))  # fmt: skip
