"""torch.linalg on small batched matrices: values against numpy.linalg, batch and
broadcast shapes, gradients by gradcheck (float64, 2x2/3x3), PyTorch's errors, and the
CUDA twins in the simulator on a few tiny cases."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch
from numbatorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
A3 = RNG.standard_normal((2, 3, 3))
SPD = A3 @ A3.transpose(0, 2, 1) + np.eye(3)
TALL = RNG.standard_normal((4, 3))
WIDE = RNG.standard_normal((3, 4))


def t(a, dtype=torch.float64, **kwargs):
    return torch.tensor(np.asarray(a), dtype=dtype, **kwargs)


def close(actual, expected, tol=1e-10):
    np.testing.assert_allclose(actual.detach().cpu().numpy(), expected, rtol=tol, atol=tol)


# --- values -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_inv_det_slogdet_match_numpy(dtype):
    tol = 1e-4 if dtype is torch.float32 else 1e-10
    A = t(A3, dtype)
    inverse, det = torch.linalg.inv(A), torch.linalg.det(A)
    assert inverse.dtype is dtype and det.dtype is dtype and det.shape == (2,)
    close(inverse, np.linalg.inv(A3), tol)
    close(det, np.linalg.det(A3), tol)
    sign, logabsdet = torch.linalg.slogdet(A)
    expected_sign, expected_log = np.linalg.slogdet(A3)
    close(sign, expected_sign, 0)
    close(logabsdet, expected_log, tol)


def test_inverse_of_a_transposed_view_and_methods():
    A = t(A3).transpose(-2, -1)  # not contiguous
    close(A.inverse(), np.linalg.inv(A3.transpose(0, 2, 1)))
    close(torch.inverse(A[0]), np.linalg.inv(A3[0].T))
    close(A.det(), np.linalg.det(A3))
    assert torch.linalg.inv(torch.zeros(0, 3, 3)).shape == (0, 3, 3)
    out = torch.empty(2, 3, 3, dtype=torch.float64)
    assert torch.linalg.inv(A, out=out) is out
    close(out, np.linalg.inv(A3.transpose(0, 2, 1)))
    assert torch.linalg.det(torch.zeros(0, 0)).item() == 1.0


def test_solve_matrix_and_vector_right_hand_sides():
    A, B = t(A3), RNG.standard_normal((2, 3, 2))
    close(torch.linalg.solve(A, t(B)), np.linalg.solve(A3, B))
    # a vector per matrix: B of A's shape minus its last dim, or one vector for all
    vectors = B[..., 0]
    close(torch.linalg.solve(A, t(vectors)), np.linalg.solve(A3, vectors[..., None])[..., 0])
    close(torch.linalg.solve(A, t(vectors[0])), np.linalg.solve(A3, vectors[0]))
    # X A = B
    rows = RNG.standard_normal((2, 2, 3))
    expected = np.linalg.solve(A3.transpose(0, 2, 1), rows.transpose(0, 2, 1)).transpose(0, 2, 1)
    close(torch.linalg.solve(A, t(rows), left=False), expected)


@settings(max_examples=15, deadline=None)
@given(
    st.lists(st.sampled_from([1, 2]), max_size=2),
    st.lists(st.sampled_from([1, 2]), max_size=2),
    st.integers(1, 2),
)
def test_solve_broadcasts_batch_dims_like_numpy(a_batch, b_batch, k):
    A = RNG.standard_normal((*a_batch, 2, 2)) + 3 * np.eye(2)
    B = RNG.standard_normal((*b_batch, 2, k))
    result = torch.linalg.solve(t(A), t(B))
    if B.shape == A.shape[:-1]:  # PyTorch reads this B as one vector per matrix
        expected = np.linalg.solve(A, B[..., None])[..., 0]
    else:
        expected = np.linalg.solve(A, B)
    assert tuple(result.shape) == expected.shape
    close(result, expected)


def test_slogdet_logdet_of_negative_and_singular_matrices():
    negative = t([[0.0, 1.0], [1.0, 0.0]])
    singular = t([[1.0, 2.0], [2.0, 4.0]])
    sign, logabsdet = torch.slogdet(negative)
    assert sign.item() == -1.0 and logabsdet.item() == 0.0
    assert math.isnan(torch.logdet(negative).item()) and math.isnan(negative.logdet().item())
    sign, logabsdet = torch.linalg.slogdet(singular)
    assert sign.item() == 0.0 and logabsdet.item() == -math.inf
    assert torch.det(singular).item() == 0.0
    assert torch.logdet(singular).item() == -math.inf


def test_cholesky_reads_the_lower_triangle():
    A = SPD.copy()
    A[:, 0, 2] = 1e3  # garbage above the diagonal is never read
    L = torch.linalg.cholesky(t(A))
    close(L, np.linalg.cholesky(SPD))
    close(torch.linalg.cholesky(t(A), upper=True), np.linalg.cholesky(SPD).transpose(0, 2, 1))
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        close(torch.cholesky(t(SPD)), np.linalg.cholesky(SPD))
    B = RNG.standard_normal((2, 3, 2))
    close(torch.cholesky_solve(t(B), L), np.linalg.solve(SPD, B))
    close(t(B).cholesky_solve(L.mT, upper=True), np.linalg.solve(SPD, B))


@pytest.mark.parametrize("matrix", [TALL, WIDE, A3[0]], ids=["tall", "wide", "square"])
def test_qr_modes_match_numpy(matrix):
    for mode in ("reduced", "complete"):
        Q, R = torch.linalg.qr(t(matrix), mode=mode)
        expected_Q, expected_R = np.linalg.qr(matrix, mode=mode)
        close(Q, expected_Q)  # the same Householder signs as LAPACK
        close(R, expected_R)
    Q, R = torch.linalg.qr(t(matrix), mode="r")
    assert Q.shape == (0,)
    close(R, np.linalg.qr(matrix, mode="r"))
    Q, R = torch.qr(t(matrix), some=False)
    assert Q.shape == (matrix.shape[0], matrix.shape[0])


def test_eigh_values_vectors_and_uplo():
    values, vectors = torch.linalg.eigh(t(SPD))
    close(values, np.linalg.eigvalsh(SPD))
    close((vectors * values.unsqueeze(-2)) @ vectors.mT, SPD)
    close(vectors.mT @ vectors, np.broadcast_to(np.eye(3), (2, 3, 3)))
    upper = np.triu(SPD) + np.tril(RNG.standard_normal((3, 3)), -1)
    close(torch.linalg.eigvalsh(t(upper), UPLO="U"), np.linalg.eigvalsh(SPD))
    # repeated eigenvalues still give an orthonormal basis
    values, vectors = torch.linalg.eigh(t(np.eye(3)))
    close(values, np.ones(3))
    close(vectors.mT @ vectors, np.eye(3))


@pytest.mark.parametrize("matrix", [TALL, WIDE, A3], ids=["tall", "wide", "batched"])
def test_svd_values_and_reconstruction(matrix):
    U, S, Vh = torch.linalg.svd(t(matrix), full_matrices=False)
    close(S, np.linalg.svd(matrix, compute_uv=False))
    close((U * S.unsqueeze(-2)) @ Vh, matrix)
    U, S, Vh = torch.linalg.svd(t(matrix))
    m, n = matrix.shape[-2:]
    assert U.shape[-2:] == (m, m) and Vh.shape[-2:] == (n, n)
    close(U.mT @ U, np.broadcast_to(np.eye(m), U.shape))
    close(Vh @ Vh.mT, np.broadcast_to(np.eye(n), Vh.shape))
    close(torch.linalg.svdvals(t(matrix)), np.linalg.svd(matrix, compute_uv=False))


def test_svd_of_a_rank_deficient_matrix_is_orthonormal():
    ones = np.ones((4, 3))
    U, S, Vh = torch.linalg.svd(t(ones))
    close(S, [np.sqrt(12), 0, 0])
    close(U.mT @ U, np.eye(4))
    close((U[:, :3] * S) @ Vh, ones)


def test_legacy_svd_returns_v_and_zeros_without_uv():
    U, S, V = torch.svd(t(TALL))
    assert U.shape == (4, 3) and V.shape == (3, 3)
    close((U * S) @ V.mT, TALL)
    U, S, V = t(TALL).svd(some=False)
    assert U.shape == (4, 4)
    U, S, V = torch.svd(t(TALL), compute_uv=False)
    assert U.shape == (4, 4) and V.shape == (3, 3) and not U.any().item()


def test_vector_norms_match_numpy():
    x = RNG.standard_normal((3, 4))
    x[0, 1] = 0.0
    for ord in (2, 1, 3, 0, math.inf, -math.inf, -1):
        with np.errstate(divide="ignore"):  # numpy's -1 norm takes 1 / 0 on the way
            expected_all = np.linalg.norm(x.reshape(-1), ord)
            expected_rows = np.linalg.norm(x, ord, axis=1)
        close(torch.linalg.vector_norm(t(x), ord), expected_all)
        close(torch.linalg.vector_norm(t(x), ord, 1), expected_rows)
    assert torch.linalg.vector_norm(t(x), 2, 1, keepdim=True).shape == (3, 1)
    assert torch.linalg.vector_norm(t(x, torch.float32), dtype=torch.float64).dtype is torch.float64


@pytest.mark.parametrize("ord", ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2])
def test_matrix_norms_match_numpy(ord):
    close(torch.linalg.matrix_norm(t(A3), ord), np.linalg.norm(A3, ord, axis=(-2, -1)))
    moved = torch.linalg.matrix_norm(t(A3), ord, dim=(0, 2), keepdim=True)
    assert moved.shape == (1, 3, 1)
    close(moved.reshape(-1), np.linalg.norm(A3, ord, axis=(0, 2)))


def test_norm_dispatch_of_linalg_norm_torch_norm_and_dist():
    x = t(A3)
    close(torch.linalg.norm(x), np.linalg.norm(A3.reshape(-1)))
    close(torch.linalg.norm(x[0], 1), np.linalg.norm(A3[0], 1))
    close(torch.linalg.norm(x[0, 0], 1), np.linalg.norm(A3[0, 0], 1))
    close(torch.linalg.norm(x, dim=(1, 2), ord="nuc"), np.linalg.norm(A3, "nuc", axis=(1, 2)))
    close(torch.norm(x[0], p="nuc"), np.linalg.norm(A3[0], "nuc"))
    close(x.norm(3, dim=1), np.linalg.norm(A3, 3, axis=1))
    close(x.norm(), np.linalg.norm(A3.reshape(-1)))
    close(torch.dist(x[0], x[1], 1), np.abs(A3[0] - A3[1]).sum())
    close(x[0].dist(x[1]), np.linalg.norm((A3[0] - A3[1]).reshape(-1)))


def test_pinv_and_matrix_rank():
    deficient = np.outer([1.0, 2.0, 3.0], [1.0, -1.0])  # rank 1
    close(torch.linalg.pinv(t(deficient)), np.linalg.pinv(deficient))
    close(torch.linalg.pinv(t(TALL)), np.linalg.pinv(TALL))
    close(torch.pinverse(t(A3)), np.linalg.pinv(A3))
    symmetric = deficient @ deficient.T
    close(torch.linalg.pinv(t(symmetric), hermitian=True), np.linalg.pinv(symmetric), 1e-8)
    assert torch.linalg.matrix_rank(t(deficient)).item() == 1
    assert torch.linalg.matrix_rank(t(symmetric), hermitian=True).item() == 1
    assert torch.linalg.matrix_rank(t(A3)).tolist() == [3, 3]
    assert torch.linalg.matrix_rank(t(deficient), atol=100.0).item() == 0


@pytest.mark.parametrize("upper", [True, False])
def test_solve_triangular_reads_one_triangle(upper):
    B = RNG.standard_normal((3, 2))
    triangle = np.triu(A3[0]) if upper else np.tril(A3[0])
    X = torch.linalg.solve_triangular(t(A3[0]), t(B), upper=upper)
    close(X, np.linalg.solve(triangle, B))
    unit = triangle - np.diag(np.diag(triangle)) + np.eye(3)
    X = torch.linalg.solve_triangular(t(A3[0]), t(B.T), upper=upper, left=False, unitriangular=True)
    close(X, np.linalg.solve(unit.T, B).T)


def test_lstsq_gives_the_minimum_norm_solution_and_drivers_fields():
    B = RNG.standard_normal((4, 2))
    for A in (TALL, WIDE.T[:, :2] @ np.ones((2, 3)), WIDE[:, :2].T):  # full rank, rank 2, wide
        rows = B[: A.shape[0]]
        solution, residuals, rank, values = torch.linalg.lstsq(t(A), t(rows))
        close(solution, np.linalg.lstsq(A, rows, rcond=None)[0])
        assert rank.item() == np.linalg.matrix_rank(A) and residuals.shape == values.shape == (0,)
    solution, residuals, rank, values = torch.linalg.lstsq(t(TALL), t(B[:, 0]), driver="gelsd")
    expected, expected_residuals, _, expected_values = np.linalg.lstsq(TALL, B[:, 0], rcond=None)
    close(solution, expected)
    close(residuals, expected_residuals)
    close(values, expected_values)


def test_matrix_power_multi_dot_vecdot():
    A = t(A3)
    close(torch.linalg.matrix_power(A, 5), np.linalg.matrix_power(A3, 5))
    close(A.matrix_power(-2), np.linalg.matrix_power(A3, -2))
    close(torch.matrix_power(A, 0), np.broadcast_to(np.eye(3), A3.shape))
    close(torch.linalg.multi_dot([A[0], A[1], A[0, 0]]), A3[0] @ A3[1] @ A3[0, 0])
    close(torch.linalg.vecdot(A, A[0]), (A3 * A3[0]).sum(-1))


@pytest.mark.torch
def test_gradients_match_pytorchs():
    pytorch = pytest.importorskip("torch")
    cases = {
        "pinv_hermitian": lambda m, a: m.linalg.pinv(a @ a.mT, hermitian=True),
        "svd": lambda m, a: m.linalg.svd(a, full_matrices=False)[0][:, :1] @ m.linalg.svd(a)[2][:1],
        "qr": lambda m, a: m.linalg.qr(a),
        "cholesky": lambda m, a: m.linalg.cholesky(a @ a.mT + m.eye(3, dtype=a.dtype)),
    }
    for name, function in cases.items():
        grads = []
        for module in (torch, pytorch):
            x = module.tensor(A3[0], dtype=module.float64, requires_grad=True)
            outputs = function(module, x)
            outputs = outputs if isinstance(outputs, tuple) else (outputs,)
            seeds = [np.cos(np.arange(o.numel()).reshape(tuple(o.shape))) for o in outputs]
            sum((o * module.tensor(w)).sum() for o, w in zip(outputs, seeds)).backward()
            grads.append(x.grad.numpy())
        np.testing.assert_allclose(grads[0], grads[1], atol=1e-10, err_msg=name)


def test_cross_broadcasts_and_torch_cross_picks_the_dim():
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((1, 3))
    close(torch.linalg.cross(t(a), t(b)), np.cross(a, b))
    close(torch.linalg.cross(t(a.T), t(b.T), dim=0), np.cross(a, b).T)
    with pytest.warns(UserWarning, match="without specifying the dim"):
        close(torch.cross(t(a.T), t(b.T)), np.cross(a, b).T)
    close(torch.linalg.cross(t(a), t(b[0])), np.cross(a, b[0]))  # ranks differ
    ints = torch.linalg.cross(torch.tensor([1, 0, 0]), torch.tensor([0, 1, 0]))
    assert ints.tolist() == [0, 0, 1]


# --- gradients ----------------------------------------------------------------------------


def _eigh_parts(x):
    values, vectors = torch.linalg.eigh(x + x.mT)
    first = vectors[:, :1]  # a projector: independent of the eigenvector's sign
    return values, first @ first.mT


def _svd_parts(x):
    U, S, Vh = torch.linalg.svd(x)
    k = S.shape[-1]
    top = U[:, :1] @ Vh[:1]  # sign-independent products of the singular vectors
    return S, top, U[:, :k] @ U[:, :k].mT[:, :1], Vh[:1].mT @ Vh[:1]


GRADIENTS = {
    "inv": (torch.linalg.inv, [A3[0]]),
    "solve": (torch.linalg.solve, [A3[0], A3[1, :, :2]]),
    "solve_vector_broadcast": (torch.linalg.solve, [A3, A3[0, 0]]),
    "det": (torch.linalg.det, [A3]),
    "det_singular": (torch.linalg.det, [[[1.0, 2.0], [2.0, 4.0]]]),
    "slogdet": (lambda a: torch.linalg.slogdet(a).logabsdet, [A3[0]]),
    "cholesky": (lambda x: torch.linalg.cholesky(x @ x.mT + torch.eye(3, dtype=x.dtype)), [A3[0]]),
    "cholesky_solve": (
        lambda x, b: torch.cholesky_solve(
            b, torch.linalg.cholesky(x @ x.mT + torch.eye(3, dtype=x.dtype))
        ),
        [A3[0], A3[1, :, :2]],
    ),
    "qr_tall": (torch.linalg.qr, [TALL[:3, :2]]),
    "qr_square": (torch.linalg.qr, [A3[0]]),
    "qr_wide": (torch.linalg.qr, [WIDE[:2, :3]]),
    "eigh": (_eigh_parts, [A3[0]]),
    "eigvalsh": (lambda x: torch.linalg.eigvalsh(x + x.mT), [A3[0]]),
    "svd_tall": (_svd_parts, [TALL[:3, :2]]),
    "svd_wide": (_svd_parts, [WIDE[:2, :3]]),
    "svdvals": (torch.linalg.svdvals, [A3[0]]),
    "pinv": (torch.linalg.pinv, [TALL[:3, :2]]),
    "pinv_wide": (torch.linalg.pinv, [WIDE[:2, :3]]),
    "pinv_hermitian": (lambda x: torch.linalg.pinv(x + x.mT, hermitian=True), [A3[0]]),
    "matrix_power": (lambda a: torch.linalg.matrix_power(a, -3), [A3[0]]),
    "solve_triangular": (
        lambda a, b: torch.linalg.solve_triangular(a, b, upper=True),
        [A3[0] + 3 * np.eye(3), A3[1, :, :2]],
    ),
    "lstsq": (lambda a, b: torch.linalg.lstsq(a, b).solution, [TALL[:3, :2], A3[1, :, :2]]),
    "matrix_norm_nuc_and_2": (
        lambda a: (torch.linalg.matrix_norm(a, "nuc"), torch.linalg.matrix_norm(a, 2)),
        [A3[0]],
    ),
    "vector_norm": (
        lambda x: (torch.linalg.vector_norm(x, 3, 1), torch.linalg.vector_norm(x, 1)),
        [A3[0]],
    ),
    "cross": (torch.linalg.cross, [A3[0], A3[1]]),
}


@pytest.mark.parametrize("name", list(GRADIENTS))
def test_gradients(name):
    function, arrays = GRADIENTS[name]
    assert gradcheck(function, [t(a, requires_grad=True) for a in arrays])


def test_backwards_are_differentiable_for_second_derivatives():
    x = t(A3[0], requires_grad=True)
    assert gradgradcheck(torch.linalg.inv, [x])
    assert gradgradcheck(torch.linalg.det, [x])
    assert gradgradcheck(
        lambda a: torch.linalg.cholesky(a @ a.mT + torch.eye(3, dtype=a.dtype)), [x]
    )


def test_grad_fn_names_are_pytorchs():
    x = t(SPD[0], requires_grad=True)
    assert type(torch.linalg.inv(x).grad_fn).__name__ == "LinalgInvExBackward0"
    assert type(torch.linalg.det(x).grad_fn).__name__ == "LinalgDetBackward0"
    assert type(torch.linalg.eigh(x)[0].grad_fn).__name__ == "LinalgEighBackward0"
    assert type(torch.linalg.svd(x)[1].grad_fn).__name__ == "LinalgSvdBackward0"
    assert torch.linalg.slogdet(x).sign.grad_fn is None


def test_qr_backward_errors_are_pytorchs():
    x = t(TALL, requires_grad=True)
    with pytest.raises(RuntimeError, match="not computed when mode='r'"):
        torch.linalg.qr(x, mode="r").R.sum().backward()
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        torch.linalg.qr(x, mode="complete").Q.sum().backward()


# --- errors -------------------------------------------------------------------------------

SINGULAR = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]]


def test_singular_and_not_positive_definite_raise_linalg_error():
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    with pytest.raises(torch.linalg.LinAlgError) as error:
        torch.linalg.inv(t(SINGULAR))
    assert str(error.value) == (
        "linalg.inv: The diagonal element 3 is zero, the inversion could not be completed "
        "because the input matrix is singular."
    )
    batch = t(np.stack([np.eye(3), SINGULAR]))
    with pytest.raises(torch.linalg.LinAlgError, match=r"^linalg.inv: \(Batch element 1\): The"):
        batch.inverse()
    with pytest.raises(
        torch.linalg.LinAlgError,
        match=r"^torch.linalg.solve: \(Batch element 1\): The solver failed because the input "
        "matrix is singular.$",
    ):
        torch.linalg.solve(batch, t(np.ones(3)))
    with pytest.raises(torch.linalg.LinAlgError) as error:
        torch.linalg.cholesky(t([[1.0, 2.0], [2.0, 1.0]]))
    assert str(error.value) == (
        "linalg.cholesky: The factorization could not be completed because the input is not "
        "positive-definite (the leading minor of order 2 is not positive-definite)."
    )


def test_ex_forms_report_info_instead_of_raising():
    batch = t(np.stack([[[1.0, 2.0], [2.0, 4.0]], np.eye(2)]))
    inverse, info = torch.linalg.inv_ex(batch)
    assert info.dtype is torch.int32 and info.tolist() == [2, 0]
    assert np.isinf(inverse[0].numpy()).all()
    close(inverse[1], np.eye(2))
    result, info = torch.linalg.solve_ex(batch, t(np.ones(2)))
    assert info.tolist() == [2, 0]
    close(result[1], np.ones(2))
    L, info = torch.linalg.cholesky_ex(t([[1.0, 2.0], [2.0, 1.0]]))
    assert info.item() == 2 and L.tolist() == [[1.0, 0.0], [2.0, 0.0]]
    L, info = torch.linalg.cholesky_ex(t(SPD), upper=True)
    assert info.tolist() == [0, 0]
    close(L, np.linalg.cholesky(SPD).transpose(0, 2, 1))
    with pytest.raises(torch.linalg.LinAlgError, match="diagonal element 2 is zero"):
        torch.linalg.inv_ex(batch, check_errors=True)


@pytest.mark.parametrize(
    ("call", "exception", "message"),
    [
        (lambda: torch.linalg.inv(torch.ones(2, 3)), RuntimeError,
         "linalg.inv: A must be batches of square matrices, but they are 2 by 3 matrices"),
        (lambda: torch.linalg.det(torch.ones(3)), RuntimeError,
         "linalg.det: The input tensor A must have at least 2 dimensions."),
        (lambda: torch.linalg.inv(torch.ones(3, 3, dtype=torch.long)), RuntimeError,
         "linalg.inv: Expected a floating point or complex tensor as input. Got Long"),
        (lambda: torch.linalg.cholesky(torch.ones(2, 2, dtype=torch.int32)), RuntimeError,
         "linalg.cholesky: Expected a floating point or complex tensor as input. Got Int"),
        (lambda: torch.linalg.eigh(torch.ones(2, 2, dtype=torch.long)), NotImplementedError,
         "\"linalg_eigh_cpu\" not implemented for 'Long'"),
        (lambda: torch.linalg.det(torch.ones(2, 2, dtype=torch.float16)), NotImplementedError,
         "\"lu_cpu\" not implemented for 'Half'"),
        (lambda: torch.linalg.inv(torch.ones(2, 2, dtype=torch.float16)), RuntimeError,
         "linalg.inv: Low precision dtypes not supported. Got Half"),
        (lambda: torch.linalg.solve(torch.ones(3, 3), torch.ones(2, 2)), RuntimeError,
         "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 2x2)"),
        (lambda: torch.linalg.solve(torch.ones(3, 3), torch.ones(2)), RuntimeError,
         "linalg.solve: Incompatible shapes of A and B for the equation AX = B (3x3 and 2x1)"),
        (lambda: torch.linalg.solve(torch.ones(3, 3), torch.ones(3, dtype=torch.float64)),
         RuntimeError, "linalg.solve: Expected A and B to have the same dtype, but found A of "
         "type Float and B of type Double instead"),
        (lambda: torch.linalg.eigh(torch.eye(2), UPLO="X"), RuntimeError,
         "Expected UPLO argument to be 'L' or 'U', but got X"),
        (lambda: torch.linalg.qr(torch.eye(2), mode="x"), RuntimeError,
         "qr received unrecognized mode 'x' but expected one of 'reduced' (default), 'r', or "
         "'complete'"),
        (lambda: torch.linalg.svd(torch.ones(2, dtype=torch.float32)), RuntimeError,
         "linalg.svd: The input tensor A must have at least 2 dimensions."),
        (lambda: torch.linalg.vector_norm(torch.ones(3, dtype=torch.long)), RuntimeError,
         "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
        (lambda: torch.linalg.vector_norm(torch.ones(0), math.inf), RuntimeError,
         "linalg.vector_norm cannot compute the inf norm on an empty tensor because the "
         "operation does not have an identity"),
        (lambda: torch.linalg.matrix_norm(torch.ones(3, 3), ord=3), RuntimeError,
         "linalg.matrix_norm: Order 3 not supported."),
        (lambda: torch.linalg.matrix_norm(torch.ones(3, 3), dim=(0, 0)), RuntimeError,
         "linalg.matrix_norm: dims must be different. Got (0, 0)"),
        (lambda: torch.linalg.norm(torch.ones(3, 3, 3), ord=2), RuntimeError,
         "linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."),
        (lambda: torch.linalg.pinv(torch.ones(3, 3, dtype=torch.long)), RuntimeError,
         "linalg.pinv(Long{[3, 3]}): expected a tensor with 2 or more dimensions of float, "
         "double, cfloat or cdouble types"),
        (lambda: torch.linalg.cross(torch.ones(3, 2), torch.ones(3, 2)), RuntimeError,
         "linalg.cross: inputs dimension -1 must have length 3. Got 2 and 2"),
        (lambda: torch.cholesky_solve(torch.ones(2), torch.eye(2)), RuntimeError,
         "b should have at least 2 dimensions, but has 1 dimensions instead"),
    ],
)  # fmt: skip
def test_bad_input_raises_pytorchs_error(call, exception, message):
    with pytest.raises(exception) as error:
        call()
    assert str(error.value) == message


# --- devices ------------------------------------------------------------------------------


def test_factorisations_on_each_device(device):
    A, S = t(A3, device=device), t(SPD, device=device)
    assert torch.linalg.inv(A).device.type == device
    close(torch.linalg.inv(A), np.linalg.inv(A3))
    close(torch.linalg.det(A), np.linalg.det(A3))
    close(torch.linalg.cholesky(S), np.linalg.cholesky(SPD))
    close(torch.linalg.solve(A, A[..., :1]), np.linalg.solve(A3, A3[..., :1]))
    with pytest.raises(torch.linalg.LinAlgError, match="diagonal element 1 is zero"):
        torch.linalg.inv(torch.zeros(2, 3, 3, device=device))


def test_decompositions_on_each_device(device):
    A, S = t(A3[:1], device=device), t(SPD[:1], device=device)
    close(torch.linalg.qr(A).R, np.linalg.qr(A3[:1])[1])
    close(torch.linalg.eigvalsh(S), np.linalg.eigvalsh(SPD[:1]))
    close(torch.linalg.svdvals(A), np.linalg.svd(A3[:1], compute_uv=False))


def test_no_warning_from_explicit_cross_dim():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.cross(t(A3[0]), t(A3[1]), dim=1)
