"""torch.linalg: factorisations, solvers and norms of small (batched) matrices; the
functions live in ops/dense_linalg.py (and the products in ops/linalg.py)."""

from __future__ import annotations

from .ops.dense_linalg import (
    LinAlgError,
    cholesky,
    cholesky_ex,
    cross,
    det,
    eigh,
    eigvalsh,
    inv,
    inv_ex,
    lstsq,
    matrix_norm,
    matrix_power,
    matrix_rank,
    multi_dot,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    solve_ex,
    solve_triangular,
    svd,
    svdvals,
    vecdot,
    vector_norm,
)
from .ops.linalg import matmul

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cross",
    "det",
    "eigh",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "matmul",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
    "cond",
    "diagonal",
    "vander",
]

from .ops.composite import linalg_cond as cond  # noqa: E402
from .ops.composite import linalg_diagonal as diagonal  # noqa: E402
from .ops.composite import linalg_vander as vander  # noqa: E402

# issue 15: the LU family and the matrix exponential
from .ops.lu import lu, lu_factor, lu_factor_ex, lu_solve, matrix_exp  # noqa: E402

__all__ += ["lu", "lu_factor", "lu_factor_ex", "lu_solve", "matrix_exp"]
