"""PyTorch's infinity and NaN rules for softmax and log_softmax, on both devices."""

import math
import warnings

import numpy as np
import pytest

import numbatorch as torch

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("log", [False, True])
def test_softmax_rows_of_minus_inf_nan_or_inf_give_nan_like_pytorch(log, device):
    fn = torch.log_softmax if log else torch.softmax
    rows = [[-INF, -INF, -INF], [1.0, INF, 2.0], [1.0, NAN, 2.0], [0.0, -INF, 1.0]]
    got = fn(torch.tensor(rows, device=device), dim=1).cpu().numpy()
    assert np.isnan(got[:3]).all()
    expected = np.array([0.0, -INF, 1.0]) - np.log(1 + math.e)
    np.testing.assert_allclose(got[3], expected if log else np.exp(expected), rtol=1e-6)


# -- 0-dim inputs and empty slices, as PyTorch treats them ----------------------------------


@pytest.mark.parametrize(
    "op",
    [
        lambda x: torch.max(x, 0),
        lambda x: torch.min(x, -1),
        lambda x: torch.argmax(x, 0),
        lambda x: torch.cumsum(x, 0),
        lambda x: torch.cumprod(x, -1),
        lambda x: torch.softmax(x, 0),
        lambda x: torch.log_softmax(x, 0),
        lambda x: torch.cummax(x, 0),
        lambda x: torch.kthvalue(x, 1, 0),
        lambda x: x.max(dim=0, keepdim=True),
    ],
)
def test_a_0_dim_tensor_reduces_along_dim_0_as_a_one_element_vector(op):
    x = torch.tensor(2.5, requires_grad=True)
    result = op(x)
    as_vector = op(torch.tensor([2.5]).reshape(1))
    for got, one in zip(*(r if isinstance(r, tuple) else (r,) for r in (result, as_vector))):
        assert got.shape == () and got.dtype == one.dtype
        assert got.item() == one.item()
    first = result[0] if isinstance(result, tuple) else result
    if first.requires_grad:
        first.backward()
        assert x.grad is not None and x.grad.shape == ()


def test_a_0_dim_tensor_refuses_dims_other_than_0_and_minus_1():
    with pytest.raises(IndexError, match=r"range of \[-1, 0\], but got 1"):
        torch.max(torch.tensor(1.0), 1)


@pytest.mark.parametrize(
    ("op", "expected"),
    [
        (lambda x, d: x.sum(d), 0.0),
        (lambda x, d: x.prod(d), 1.0),
        (lambda x, d: x.mean(d), NAN),
        (lambda x, d: x.var(d), NAN),
        (lambda x, d: x.std(d), NAN),
        (lambda x, d: torch.logsumexp(x, d), -INF),
    ],
)
def test_reducing_an_empty_dim_gives_the_identity_and_an_empty_result_stays_empty(op, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # var's degrees-of-freedom warning
        full = op(torch.zeros(2, 0, 3), 1)
        empty = op(torch.zeros(2, 0, 3), 0)
    assert full.shape == (2, 3)
    np.testing.assert_array_equal(full.numpy(), np.full((2, 3), expected, np.float32))
    assert empty.shape == (0, 3)


def test_var_warns_when_the_correction_leaves_no_degrees_of_freedom():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert torch.var(torch.ones(1)).isnan()


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_of_an_empty_tensor_without_dim_raises_index_error(name):
    with pytest.raises(IndexError, match=f"{name}\\(\\): Expected reduction dim to be specified"):
        getattr(torch, name)(torch.zeros(0))
