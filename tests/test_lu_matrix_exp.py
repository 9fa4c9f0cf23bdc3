"""torch.linalg's LU family (lu_factor, lu_factor_ex, lu, lu_solve, lu_unpack, torch.lu,
torch.lu_solve) and matrix_exp: values against numpy, gradients by gradcheck, PyTorch's
pivots, warnings and errors."""

import numpy as np
import pytest

import numbatorch as torch

RNG = np.random.default_rng(0)
A_VALUES = RNG.standard_normal((2, 4, 4))
B_VALUES = RNG.standard_normal((2, 4, 3))


def test_lu_reconstructs_a_with_partial_pivoting():
    A = torch.tensor(A_VALUES)
    P, L, U = torch.linalg.lu(A)
    np.testing.assert_allclose((P @ L @ U).numpy(), A_VALUES, atol=1e-12)
    assert np.all(np.triu(L.numpy(), 1) == 0) and np.all(np.diagonal(L.numpy(), 0, 1, 2) == 1)
    assert np.all(np.tril(U.numpy(), -1) == 0)
    assert np.all(np.abs(L.numpy()) <= 1)  # partial pivoting: the largest pivot each column
    LU, pivots = torch.linalg.lu_factor(A)
    assert pivots.dtype == torch.int32 and pivots.shape == (2, 4)
    assert int(pivots.min().item()) >= 1 and int(pivots.max().item()) <= 4
    np.testing.assert_array_equal(torch.lu_unpack(LU, pivots).P.numpy(), P.numpy())


def test_lu_factor_matches_lapack_on_a_small_matrix():
    LU, pivots = torch.linalg.lu_factor(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_allclose(LU.numpy(), [[3.0, 4.0], [1 / 3, 2 / 3]], rtol=1e-6)
    np.testing.assert_array_equal(pivots.numpy(), [2, 2])


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_matches_numpy(left, adjoint):
    LU, pivots = torch.linalg.lu_factor(torch.tensor(A_VALUES))
    A = np.swapaxes(A_VALUES, 1, 2) if adjoint else A_VALUES
    B = B_VALUES if left else np.swapaxes(B_VALUES, 1, 2)
    X = torch.linalg.lu_solve(LU, pivots, torch.tensor(B), left=left, adjoint=adjoint)
    expected = (
        np.linalg.solve(A, B)
        if left
        else np.swapaxes(np.linalg.solve(np.swapaxes(A, 1, 2), np.swapaxes(B, 1, 2)), 1, 2)
    )
    np.testing.assert_allclose(X.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_lu_float32_transposed_view_and_broadcast_b():
    A = torch.tensor(A_VALUES[0].T.copy(), dtype=torch.float32).t()
    assert not A.is_contiguous()
    LU, pivots = torch.linalg.lu_factor(A)
    assert LU.dtype == torch.float32
    B = torch.tensor(B_VALUES, dtype=torch.float32)  # (2, 4, 3) against one matrix
    X = torch.linalg.lu_solve(LU, pivots, B)
    np.testing.assert_allclose(
        X.numpy(), np.linalg.solve(A_VALUES[0], B_VALUES), rtol=1e-4, atol=1e-5
    )


def test_lu_gradients():
    A = torch.tensor(A_VALUES[0, :3, :3], requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: torch.linalg.lu_factor(a).LU, (A,))
    assert torch.autograd.gradcheck(lambda a: torch.linalg.lu(a).U, (A,))
    LU, pivots = torch.linalg.lu_factor(A.detach())
    LU.requires_grad_()
    B = torch.tensor(B_VALUES[0, :3, :2], requires_grad=True)
    assert torch.autograd.gradcheck(lambda lu, b: torch.linalg.lu_solve(lu, pivots, b), (LU, B))


def test_lu_factor_ex_reports_and_lu_factor_raises_on_singular():
    singular = torch.zeros(2, 2)
    LU, pivots, info = torch.linalg.lu_factor_ex(singular)
    assert info.dtype == torch.int32 and info.item() == 1
    np.testing.assert_array_equal(pivots.numpy(), [1, 2])
    with pytest.raises(RuntimeError, match=r"torch.linalg.lu_factor: U\[1,1\] is zero"):
        torch.linalg.lu_factor(singular)
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): U\[2,2\] is zero"):
        torch.linalg.lu_factor(torch.stack([torch.eye(2), torch.tensor([[1.0, 1.0], [1.0, 1.0]])]))


def test_legacy_lu_forms_warn():
    A = torch.tensor(A_VALUES[0])
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        LU, pivots, info = torch.lu(A, get_infos=True)
    assert info.item() == 0
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated"):
        X = torch.lu_solve(torch.tensor(B_VALUES[0]), LU, pivots)
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(A_VALUES[0], B_VALUES[0]), rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: torch.linalg.lu_factor(torch.ones(3)), RuntimeError,
         r"Expected tensor with 2 or more dimensions. Got size: \[3\] instead"),
        (lambda: torch.linalg.lu_factor(torch.ones(2, 2, dtype=torch.long)), NotImplementedError,
         "\"lu_cpu\" not implemented for 'Long'"),
        (lambda: torch.linalg.lu_factor(torch.eye(2), pivot=False), RuntimeError,
         "LU without pivoting is not implemented on the CPU"),
        (lambda: torch.linalg.lu_solve(torch.eye(2), torch.ones(2, dtype=torch.int32),
                                       torch.ones(2)), RuntimeError,
         "The input tensor B must have at least 2 dimensions."),
        (lambda: torch.linalg.lu_solve(torch.eye(2), torch.ones(2, dtype=torch.int32),
                                       torch.ones(3, 1)), RuntimeError,
         r"Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"),
        (lambda: torch.linalg.lu_solve(torch.eye(2), torch.ones(2, dtype=torch.long),
                                       torch.ones(2, 1)), RuntimeError,
         "pivots should be a Tensor of scalar type torch.int32"),
        (lambda: torch.linalg.lu_solve(torch.eye(2), torch.ones(2, dtype=torch.int32),
                                       torch.ones(2, 1, dtype=torch.float64)), RuntimeError,
         "found LU of type Float and B of type Double"),
        (lambda: torch.linalg.lu_solve(torch.eye(2), torch.tensor([3, 1], dtype=torch.int32),
                                       torch.ones(2, 1)), RuntimeError,
         r"pivots must lie in \[1, 2\]"),
    ],
)  # fmt: skip
def test_lu_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --- matrix_exp ----------------------------------------------------------------------------


def test_matrix_exp_against_eigendecomposition_and_identities():
    symmetric = A_VALUES + np.swapaxes(A_VALUES, 1, 2)
    values, vectors = np.linalg.eigh(symmetric)
    expected = vectors @ (np.exp(values)[:, :, None] * np.swapaxes(vectors, 1, 2))
    result = torch.linalg.matrix_exp(torch.tensor(symmetric)).numpy()
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())
    # exp of a nilpotent matrix is its finite series; exp(A) exp(-A) = I for any A
    nilpotent = torch.tensor(
        [[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]], dtype=torch.float64
    )
    np.testing.assert_allclose(
        torch.matrix_exp(nilpotent).numpy(), [[1, 1, 3.5], [0, 1, 3], [0, 0, 1]], atol=1e-15
    )
    A = torch.tensor(A_VALUES * 3)
    product = (torch.linalg.matrix_exp(A) @ torch.linalg.matrix_exp(-A)).numpy()
    np.testing.assert_allclose(product, np.broadcast_to(np.eye(4), (2, 4, 4)), atol=1e-9)


def test_matrix_exp_float32_view_empty_and_gradient():
    A = torch.tensor(A_VALUES[0].T.copy(), dtype=torch.float32).t()
    result = A.matrix_exp()
    assert result.dtype == torch.float32
    np.testing.assert_allclose(
        result.numpy(), torch.matrix_exp(torch.tensor(A_VALUES[0])).numpy(), rtol=1e-5, atol=1e-5
    )
    assert torch.linalg.matrix_exp(torch.ones(0, 0)).shape == (0, 0)
    small = torch.tensor(A_VALUES[0, :3, :3], requires_grad=True)
    assert torch.autograd.gradcheck(torch.linalg.matrix_exp, (small,))


def test_matrix_exp_and_lu_solve_on_device(device):
    A = torch.tensor(A_VALUES[0, :2, :2], device=device)
    expected = torch.linalg.matrix_exp(torch.tensor(A_VALUES[0, :2, :2])).numpy()
    np.testing.assert_allclose(torch.linalg.matrix_exp(A).cpu().numpy(), expected, rtol=1e-12)
    LU, pivots = torch.linalg.lu_factor(A)
    X = torch.linalg.lu_solve(LU, pivots, torch.tensor(B_VALUES[0, :2, :1], device=device))
    np.testing.assert_allclose(
        X.cpu().numpy(), np.linalg.solve(A_VALUES[0, :2, :2], B_VALUES[0, :2, :1]), rtol=1e-10
    )


@pytest.mark.parametrize(
    ("A", "message"),
    [
        (torch.ones(2, 3), "A must be batches of square matrices, but they are 2 by 3 matrices"),
        (torch.ones(3), "The input tensor A must have at least 2 dimensions."),
        (
            torch.ones(2, 2, dtype=torch.long),
            "Expected a floating point or complex tensor as input. Got Long",
        ),
    ],
)
def test_matrix_exp_errors(A, message):
    with pytest.raises(RuntimeError, match=message):
        torch.linalg.matrix_exp(A)
