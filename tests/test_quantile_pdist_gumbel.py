"""torch.quantile / nanquantile against numpy's, F.pdist against a numpy reference and
F.gumbel_softmax's distribution and straight-through gradient, with PyTorch's errors."""

import warnings

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F

INTERPOLATIONS = ["linear", "lower", "higher", "midpoint", "nearest"]
QS = [0.0, 0.1, 0.3, 0.5, 0.7, 1.0]


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 5, 4))
    x[0, 1, 2] = np.nan
    x[1, :, 0] = np.nan  # a line of NaN only
    return x


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize("nan_aware", [False, True])
def test_quantile_matches_numpy(interpolation, nan_aware):
    x = _data()
    ours = torch.nanquantile if nan_aware else torch.quantile
    theirs = np.nanquantile if nan_aware else np.quantile
    q = torch.tensor(QS, dtype=torch.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy on the all-NaN line
        for dim in (None, 1, -1):
            for keepdim in (False, True):
                result = ours(torch.tensor(x), q, dim, keepdim, interpolation=interpolation)
                expected = theirs(x, QS, axis=dim, keepdims=keepdim, method=interpolation)
                assert result.shape == expected.shape
                np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12, atol=1e-12)
                scalar = ours(torch.tensor(x), 0.3, dim, keepdim, interpolation=interpolation)
                expected = theirs(x, 0.3, axis=dim, keepdims=keepdim, method=interpolation)
                np.testing.assert_allclose(scalar.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_quantile_on_views_float32_and_zero_dim(device):
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    view = torch.tensor(x.T.copy(), device=device).t()
    assert not view.is_contiguous()
    result = view.quantile(0.25, dim=0)
    assert result.dtype == torch.float32
    np.testing.assert_allclose(result.cpu().numpy(), np.quantile(x, 0.25, axis=0), rtol=1e-6)
    assert torch.quantile(torch.tensor(3.0), 0.5).item() == 3.0
    assert torch.quantile(torch.tensor(3.0), 0.5, dim=0, keepdim=True).shape == ()


def test_quantile_gradient():
    x = torch.tensor(np.random.default_rng(2).standard_normal((3, 4)), requires_grad=True)
    q = torch.tensor([0.2, 0.5, 0.9], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: torch.quantile(t, q, dim=1), (x,))
    assert torch.autograd.gradcheck(lambda t: t.nanquantile(0.4, interpolation="midpoint"), (x,))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: torch.quantile(x, 1.5), r"q must be in the range \[0, 1\] but got 1.5"),
        (lambda x: torch.quantile(x, torch.tensor([1.5])),
         r"q values must be in the range \[0, 1\]"),
        (lambda x: torch.quantile(x, torch.tensor([0.5], dtype=torch.float64)),
         "q tensor must be same dtype as the input tensor"),
        (lambda x: torch.quantile(x, torch.tensor([[0.5]])), "q must be a scalar or 1D tensor"),
        (lambda x: torch.quantile(x.long(), 0.5),
         "input tensor must be either float or double dtype"),
        (lambda x: torch.quantile(x, 0.5, interpolation="foo"),
         "interpolation must be one of linear, lower, higher, midpoint or nearest, but got foo"),
        (lambda x: torch.quantile(x[:0], 0.5), "input tensor must be non-empty"),
    ],
)  # fmt: skip
def test_quantile_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call(torch.tensor([1.0, 2.0]))


# --- pdist --------------------------------------------------------------------------------


def reference_pdist(x, p):
    n = x.shape[0]
    return np.array([np.linalg.norm(x[i] - x[j], ord=p) for i in range(n) for j in range(i + 1, n)])


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, float("inf")])
def test_pdist_matches_the_reference(p):
    x = np.random.default_rng(3).standard_normal((4, 3))
    np.testing.assert_allclose(
        F.pdist(torch.tensor(x), p).numpy(), reference_pdist(x, p), rtol=1e-12
    )


def test_pdist_gradient_and_identical_rows(device):
    x = torch.tensor(np.random.default_rng(4).standard_normal((4, 3)), requires_grad=True)
    assert torch.autograd.gradcheck(F.pdist, (x,))
    rows = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]], device=device, requires_grad=True)
    distances = torch.pdist(rows)
    np.testing.assert_allclose(distances.detach().cpu().numpy(), [5.0, 0.0, 5.0])
    distances.sum().backward()  # PyTorch's values: the zero distance sends no gradient
    np.testing.assert_allclose(
        rows.grad.cpu().numpy(), [[-0.6, -0.8], [1.2, 1.6], [-0.6, -0.8]], rtol=1e-6
    )


def test_pdist_of_one_row_is_empty_and_errors():
    assert F.pdist(torch.randn(1, 4)).shape == (0,)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        F.pdist(torch.randn(2, 3, 4))
    with pytest.raises(RuntimeError, match="pdist only supports floating-point dtypes"):
        F.pdist(torch.ones(3, 4, dtype=torch.long))
    with pytest.raises(RuntimeError, match="pdist only supports non-negative p values"):
        F.pdist(torch.randn(3, 4), p=-1)


# --- gumbel_softmax ------------------------------------------------------------------------


def test_gumbel_softmax_samples_follow_the_softmax():
    logits = torch.tensor([[0.0, 1.0, 2.0]]).expand(4000, 3)
    sample = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(sample.sum(-1).numpy(), 1.0, rtol=1e-5)
    # the argmax of a Gumbel-perturbed logit is a draw from softmax(logits)
    counts = np.bincount(sample.argmax(-1).numpy(), minlength=3) / 4000
    expected = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    np.testing.assert_allclose(counts, expected, atol=0.03)


def test_hard_gumbel_softmax_is_one_hot_with_the_soft_gradient():
    logits = torch.randn(5, 4, dtype=torch.float64, requires_grad=True)
    torch.manual_seed(7)
    hard = F.gumbel_softmax(logits, tau=2.0, hard=True, dim=1)
    assert hard.dtype == torch.float64
    np.testing.assert_array_equal(hard.detach().numpy().sum(1), 1.0)
    assert set(np.unique(hard.detach().numpy())) == {0.0, 1.0}
    weights = torch.arange(20, dtype=torch.float64).reshape(5, 4)
    (hard * weights).sum().backward()
    grad_hard = logits.grad.clone()
    logits.grad = None
    torch.manual_seed(7)
    (F.gumbel_softmax(logits, tau=2.0, dim=1) * weights).sum().backward()
    np.testing.assert_allclose(grad_hard.numpy(), logits.grad.numpy(), rtol=1e-12)


def test_gumbel_softmax_eps_is_deprecated():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
        F.gumbel_softmax(torch.randn(2, 3), eps=1e-5)
