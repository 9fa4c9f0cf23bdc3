"""Ops that return several tensors give PyTorch's named tuples (torch.return_types.<op>,
with its fields and printing), and the smaller PyTorch behaviours that programs met:
isclose's dtype check, masked_select's broadcasting, random_() without a range."""

import numpy as np
import pytest

import numbatorch as torch
from numbatorch.autograd import gradcheck

X = [[1.0, 5.0, 2.0], [3.0, 2.0, 4.0]]

# (op, call with a torch module on a 2x3 float64 tensor, fields)
RESULTS = [
    ("max", lambda t, x: t.max(x, 1), ("values", "indices")),
    ("min", lambda t, x: x.min(dim=0), ("values", "indices")),
    ("sort", lambda t, x: t.sort(x), ("values", "indices")),
    ("topk", lambda t, x: x.topk(2), ("values", "indices")),
    ("kthvalue", lambda t, x: t.kthvalue(x, 2), ("values", "indices")),
    ("median", lambda t, x: t.median(x, 1), ("values", "indices")),
    ("nanmedian", lambda t, x: t.nanmedian(x, 1), ("values", "indices")),
    ("mode", lambda t, x: t.mode(x, 1), ("values", "indices")),
    ("cummax", lambda t, x: t.cummax(x, 1), ("values", "indices")),
    ("cummin", lambda t, x: x.cummin(0), ("values", "indices")),
    ("slogdet", lambda t, x: t.slogdet(x[:, :2]), ("sign", "logabsdet")),
    ("linalg_slogdet", lambda t, x: t.linalg.slogdet(x[:, :2]), ("sign", "logabsdet")),
    ("qr", lambda t, x: t.qr(x), ("Q", "R")),
    ("linalg_qr", lambda t, x: t.linalg.qr(x), ("Q", "R")),
    ("svd", lambda t, x: t.svd(x), ("U", "S", "V")),
    ("linalg_svd", lambda t, x: t.linalg.svd(x), ("U", "S", "Vh")),
    (
        "linalg_eigh",
        lambda t, x: t.linalg.eigh(x[:, :2] @ x[:, :2].T),
        ("eigenvalues", "eigenvectors"),
    ),
    ("linalg_inv_ex", lambda t, x: t.linalg.inv_ex(x[:, :2]), ("inverse", "info")),
]


@pytest.mark.parametrize("name, call, fields", RESULTS, ids=[r[0] for r in RESULTS])
def test_multi_output_ops_return_torch_return_types_by_name(name, call, fields):
    result = call(torch, torch.tensor(X, dtype=torch.float64))
    assert type(result) is getattr(torch.return_types, name)
    assert type(result).__name__ == name and result._fields == fields
    assert isinstance(result, tuple) and len(result) == len(fields)
    assert getattr(result, fields[0]) is result[0]


def test_return_type_prints_as_pytorch_prints_it():
    result = torch.kthvalue(torch.tensor([3.0, 1.0, 2.0]), 2)
    assert repr(result) == "torch.return_types.kthvalue(\nvalues=tensor(2.),\nindices=tensor(2))"


def test_sort_with_out_returns_the_out_tensors_as_return_type():
    values, indices = torch.empty(3), torch.empty(3, dtype=torch.int64)
    result = torch.sort(torch.tensor([3.0, 1.0, 2.0]), out=(values, indices))
    assert type(result) is torch.return_types.sort
    assert result.values is values and result.indices is indices


@pytest.mark.torch
@pytest.mark.parametrize("name, call, fields", RESULTS, ids=[r[0] for r in RESULTS])
def test_return_types_match_pytorchs(name, call, fields):
    pytorch = pytest.importorskip("torch")
    expected = call(pytorch, pytorch.tensor(X, dtype=pytorch.float64))
    assert type(expected).__name__ == name
    assert tuple(type(expected).__match_args__) == fields
    result = call(torch, torch.tensor(X, dtype=torch.float64))
    if fields == ("values", "indices"):
        assert repr(result) == repr(expected)


# -- isclose / allclose ------------------------------------------------------------------


def test_isclose_refuses_tensors_of_two_dtypes():
    with pytest.raises(RuntimeError, match="^Float did not match Long$"):
        torch.isclose(torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="^Float did not match Double$"):
        torch.allclose(torch.tensor([1.0]), torch.tensor([1.0], dtype=torch.float64))


def test_isclose_needs_a_tensor_as_other():
    with pytest.raises(
        TypeError, match=r"argument 'other' \(position 2\) must be Tensor, not float"
    ):
        torch.isclose(torch.tensor([1.0]), 1.0)


# -- masked_select -----------------------------------------------------------------------


def test_masked_select_broadcasts_input_against_mask():
    rng = np.random.default_rng(0)
    values = rng.standard_normal(3)
    mask = rng.random((2, 3)) > 0.5
    got = torch.masked_select(torch.from_numpy(values), torch.from_numpy(mask))
    np.testing.assert_array_equal(got.numpy(), np.broadcast_to(values, (2, 3))[mask])
    column = torch.tensor([[True], [False]])
    np.testing.assert_array_equal(torch.tensor(X).masked_select(column).numpy(), X[0])


def test_masked_select_gradient_sums_over_the_broadcast():
    mask = torch.tensor([[True, False, True], [True, True, False]])
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x: torch.masked_select(x, mask), (x,))


def test_masked_select_errors_name_mask_and_shapes():
    with pytest.raises(RuntimeError, match="^masked_select: expected BoolTensor for mask$"):
        torch.masked_select(torch.ones(2), torch.ones(2))
    with pytest.raises(RuntimeError, match=r"tensor a \(2\) must match the size of tensor b \(3\)"):
        torch.masked_select(torch.ones(3), torch.ones(2, dtype=torch.bool))


# -- random_ -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype, top",
    [(torch.float32, 2**24), (torch.float64, 2**53), (torch.int8, 127), (torch.bool, 1)],
)
def test_random_without_range_draws_integers_from_zero_to_the_dtypes_top(dtype, top):
    x = torch.empty(64, dtype=dtype).random_()
    values = x.numpy().astype(np.float64)
    assert values.min() >= 0 and values.max() <= top
    assert np.array_equal(values, np.floor(values))
    assert len(np.unique(values)) > 1


def test_random_with_one_bound_draws_below_it_and_an_empty_range_is_refused():
    x = torch.empty(64).random_(3)
    assert set(x.tolist()) <= {0.0, 1.0, 2.0}
    with pytest.raises(RuntimeError, match="from=0 >= to=0"):
        torch.empty(2).random_(0)
