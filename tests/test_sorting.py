"""sort, argsort and topk beyond the op table's values and gradients: PyTorch's order for
NaN and ties, 0-dim and empty inputs, the result tuple, out= and the errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch

NAN = float("nan")


def test_nan_sorts_as_the_largest_value(device):
    x = torch.tensor([1.0, NAN, -1.0, NAN, 2.0], device=device)
    up, down = torch.sort(x), x.sort(descending=True)
    np.testing.assert_array_equal(up.values.cpu().numpy(), [-1.0, 1.0, 2.0, NAN, NAN])
    np.testing.assert_array_equal(up.indices.cpu().numpy(), [2, 0, 4, 1, 3])
    np.testing.assert_array_equal(down.values.cpu().numpy(), [NAN, NAN, 2.0, 1.0, -1.0])
    np.testing.assert_array_equal(down.indices.cpu().numpy(), [1, 3, 4, 0, 2])


def test_equal_values_keep_their_order_both_ways(device):
    x = torch.tensor([[2, 1, 2, 1, 2]], device=device)
    assert x.argsort(stable=True).tolist() == [[1, 3, 0, 2, 4]]
    assert x.argsort(descending=True, stable=True).tolist() == [[0, 2, 4, 1, 3]]
    assert torch.topk(x, 2).indices.tolist() == [[0, 2]]


def test_sort_of_float16_and_bool():
    half = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float16).sort()
    assert half.values.dtype == torch.float16
    assert half.values.tolist() == [-1.0, 0.5, 2.0]
    flags = torch.sort(torch.tensor([True, False]))
    assert flags.values.tolist() == [False, True] and flags.indices.tolist() == [1, 0]


def test_results_are_named_pairs_like_max_dim():
    result = torch.topk(torch.tensor([3.0, 1.0, 2.0]), 2)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [3.0, 2.0] and indices.tolist() == [0, 2]


def test_zero_dim_and_empty_inputs():
    scalar = torch.tensor(3.0)
    for result in (torch.sort(scalar), torch.topk(scalar, 1), torch.topk(scalar, 0)):
        assert result.values.shape == () and result.values.item() == 3.0
        assert result.indices.item() == 0
    empty = torch.topk(torch.zeros(0, 3), 0, dim=0)
    assert empty.values.shape == (0, 3) and empty.indices.dtype == torch.int64
    assert torch.sort(torch.zeros(2, 0)).values.shape == (2, 0)


def test_sort_along_a_middle_dim_of_a_view(device):
    a = np.random.default_rng(0).standard_normal((3, 4, 2))
    x = torch.tensor(a, device=device).transpose(0, 2)  # (2, 4, 3), not contiguous
    values, indices = x.sort(1)
    np.testing.assert_array_equal(values.cpu().numpy(), np.sort(a.transpose(2, 1, 0), 1))
    np.testing.assert_array_equal(indices.cpu().numpy(), np.argsort(a.transpose(2, 1, 0), 1))


def test_out_pair_receives_the_results():
    values, indices = torch.empty(2), torch.empty(2, dtype=torch.int64)
    result = torch.topk(torch.tensor([1.0, 5.0, 3.0]), 2, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert values.tolist() == [5.0, 3.0] and indices.tolist() == [1, 2]


def test_indices_do_not_require_grad_and_grad_fn_names_match_pytorch():
    x = torch.ones(2, 3, requires_grad=True)
    assert type(x.sort().values.grad_fn).__name__ == "SortBackward0"
    assert type(x.topk(1).values.grad_fn).__name__ == "TopkBackward0"
    assert not x.sort().indices.requires_grad and not x.argsort().requires_grad


def test_gradient_goes_to_the_picked_positions():
    x = torch.tensor([[1.0, 4.0, 2.0, 3.0]], requires_grad=True)
    torch.topk(x, 2).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0, 1.0]]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: torch.topk(x, 4), RuntimeError, "selected index k out of range"),
        (lambda x: x.topk(-1), RuntimeError, "selected index k out of range"),
        (lambda x: x.topk(2.0), TypeError, r"argument 'k' \(position 2\) must be int, not float"),
        (lambda x: x.topk(1, dim=2), IndexError, r"range of \[-2, 1\], but got 2\)"),
        (lambda x: torch.sort(x, 2), IndexError, "Dimension out of range"),
        (lambda x: x.argsort(dim=-3), IndexError, "Dimension out of range"),
        (lambda x: (x > 1).topk(1), RuntimeError, "topk does not support bool dtypes on CPU"),
    ],
)
def test_bad_arguments_raise_pytorchs_errors(call, error, message):
    x = torch.arange(6.0).view(2, 3)
    with pytest.raises(error, match=message):
        call(x)


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
    data=st.data(),
)
def test_sort_matches_a_stable_numpy_sort_on_any_shape(shape, data):
    size = math.prod(shape)
    values = data.draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
    a = np.array(values, np.float64).reshape(shape)  # small integers: many ties
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    values, indices = torch.from_numpy(a).sort(dim, descending)
    expected = np.argsort(-a if descending else a, axis=dim, kind="stable")
    np.testing.assert_array_equal(indices.numpy(), expected)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(a, expected, dim))
