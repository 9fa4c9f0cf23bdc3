"""diagonal/diag/trace, meshgrid, diff, repeat_interleave, cumprod, addcmul/addcdiv,
fmax/fmin and clamp_min/clamp_max beyond the op table's values and gradients: views,
PyTorch's special cases, warnings and errors."""

import math
import warnings

import numpy as np
import pytest

import numbatorch as torch
from numbatorch.autograd import gradcheck

NAN = float("nan")


def test_diagonal_is_a_view_that_writes_through(device):
    x = torch.zeros(3, 4, device=device)
    x.diagonal(1).fill_(5.0)
    expected = np.zeros((3, 4))
    expected[[0, 1, 2], [1, 2, 3]] = 5.0
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    assert x.diagonal(9).shape == (0,) and x.diagonal(-9).shape == (0,)


def test_diag_of_a_matrix_copies():
    x = torch.ones(2, 2)
    d = torch.diag(x)
    d.fill_(3.0)
    assert x.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_meshgrid_without_indexing_warns_and_uses_ij():
    a, b = torch.arange(3.0), torch.arange(2.0)
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        grid_a, grid_b = torch.meshgrid(a, b)
    assert grid_a.shape == grid_b.shape == (3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.meshgrid(a, b, indexing="xy")[0].shape == (2, 3)


def test_meshgrid_grids_are_views_whose_gradient_sums():
    a = torch.arange(3.0, requires_grad=True)
    grid, _ = torch.meshgrid(a, torch.zeros(2), indexing="ij")
    assert grid.stride() == (1, 0)
    grid.sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 2.0]


def test_diff_of_bool_is_inequality_and_high_orders_empty():
    assert torch.diff(torch.tensor([True, False, False])).tolist() == [True, False]
    assert torch.diff(torch.arange(3.0), n=5).shape == (0,)


def test_repeat_interleave_of_counts_alone_repeats_their_positions(device):
    counts = torch.tensor([2, 0, 1], device=device)
    assert torch.repeat_interleave(counts).tolist() == [0, 0, 2]
    x = torch.arange(6.0, device=device).view(2, 3)
    np.testing.assert_array_equal(
        x.repeat_interleave(torch.tensor(2), dim=0).cpu().numpy(), np.repeat(x.cpu().numpy(), 2, 0)
    )
    assert x.repeat_interleave(torch.zeros(3, dtype=torch.int64), dim=1).shape == (2, 0)


def test_cumprod_gradient_through_zeros_is_exact():
    x = torch.tensor([[2.0, 0.0, 3.0, 0.0, 4.0], [0.0, 1.5, 2.0, 3.0, 0.5]], dtype=torch.float64)
    assert gradcheck(lambda t: t.cumprod(1), (x.requires_grad_(),))
    assert gradcheck(lambda t: torch.cumprod(t, 0), (x,))


def test_cumprod_of_integers_is_int64_and_of_half_is_half():
    assert torch.cumprod(torch.tensor([1, 2, 3], dtype=torch.int32), 0).dtype == torch.int64
    half = torch.tensor([1.5, 2.0], dtype=torch.float16).cumprod(0)
    assert half.dtype == torch.float16 and half.tolist() == [1.5, 3.0]


def test_fmax_and_fmin_ignore_one_nan(device):
    a = torch.tensor([1.0, NAN, 3.0, NAN], device=device)
    b = torch.tensor([2.0, 1.0, NAN, NAN], device=device)
    np.testing.assert_array_equal(torch.fmax(a, b).cpu().numpy(), [2.0, 1.0, 3.0, NAN])
    np.testing.assert_array_equal(torch.fmin(a, b).cpu().numpy(), [1.0, 1.0, 3.0, NAN])


def test_fmax_gives_the_whole_gradient_to_the_first_operand_on_ties():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([1.0, 3.0], requires_grad=True)
    torch.fmax(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 0.0] and b.grad.tolist() == [0.0, 1.0]
    assert type(torch.fmin(a, b).grad_fn).__name__ == "FminBackward0"


def test_in_place_forms_write_into_their_tensor():
    x = torch.ones(3)
    assert x.addcmul_(torch.full((3,), 2.0), torch.full((3,), 3.0), value=0.5) is x
    assert x.tolist() == [4.0, 4.0, 4.0]
    x.addcdiv_(torch.ones(3), torch.full((3,), 4.0))
    x.clamp_max_(4.1)
    x.clamp_min_(4.2)
    assert x.tolist() == [pytest.approx(4.2)] * 3


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda x: torch.trace(x[0]),
            RuntimeError,
            "trace: expected a matrix, but got tensor with dim 1",
        ),
        (
            lambda x: torch.diag(x.view(1, 2, 3)),
            RuntimeError,
            r"diag\(\): Supports 1D or 2D tensors. Got 3D",
        ),
        (
            lambda x: x.diagonal(0, 1, -1),
            RuntimeError,
            "diagonal dimensions cannot be identical 1, 1",
        ),
        (lambda x: x.diagonal(0, 0, 2), IndexError, "Dimension out of range"),
        (
            lambda x: torch.diff(x[0, 0]),
            RuntimeError,
            "diff expects input to be at least one-dimensional",
        ),
        (lambda x: x.diff(-1), RuntimeError, "order must be non-negative but got -1"),
        (
            lambda x: x.diff(prepend=x[0]),
            RuntimeError,
            "diff expects prepend or append to be the same dimension",
        ),
        (lambda x: torch.meshgrid(x, indexing="ij"), RuntimeError, "Expected 0D or 1D tensor"),
        (
            lambda x: torch.meshgrid(x[0], indexing="yx"),
            RuntimeError,
            'indexing must be one of "xy" or "ij"',
        ),
        (lambda x: torch.meshgrid(x[0], x[0].long(), indexing="ij"), RuntimeError, "same dtype"),
        (
            lambda x: torch.meshgrid([], indexing="ij"),
            RuntimeError,
            "meshgrid expects a non-empty TensorList",
        ),
        (lambda x: x.repeat_interleave(-1), RuntimeError, "Repeats must be non-negative"),
        (
            lambda x: x.repeat_interleave(torch.tensor([1, 2]), dim=1),
            RuntimeError,
            r"repeats.size\(0\) = 2 and input.size\(1\) = 3",
        ),
        (
            lambda x: x.repeat_interleave(torch.tensor([1, -1]), dim=0),
            RuntimeError,
            "repeats can not be negative",
        ),
        (
            lambda x: x.repeat_interleave(torch.ones(2, 1).long(), dim=0),
            RuntimeError,
            "0-dim or 1-dim",
        ),
        (
            lambda x: x.addcdiv(x.long(), x.long()),
            RuntimeError,
            "Integer division with addcdiv is no longer supported",
        ),
    ],
)
def test_bad_arguments_raise_pytorchs_errors_and_change_nothing(call, error, message):
    x = torch.arange(6.0).view(2, 3)
    with pytest.raises(error, match=message):
        call(x)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


def test_trace_of_an_empty_matrix_is_zero():
    assert torch.trace(torch.zeros(0, 3)).item() == 0.0
    assert math.isnan(torch.trace(torch.tensor([[NAN]])).item())
