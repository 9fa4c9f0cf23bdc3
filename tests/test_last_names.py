"""Issue 15's last everyday names: cov, corrcoef, cholesky_inverse, mvlgamma, renorm,
kaiser_window, adjoint/mH, split_with_sizes, fill, scalar_tensor, chain_matmul, isreal,
get_device, is_inference_mode_enabled, the torch-level losses (ATen's signatures, the
reduction as an int) and in-place activations: values against numpy, gradients by
gradcheck, PyTorch's errors; with PyTorch installed, the same calls give its values."""

import math
import warnings

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck

RNG = np.random.default_rng(15)
M = RNG.standard_normal((3, 5))
FW = np.array([1, 2, 1, 3, 1])
AW = np.array([0.5, 1.0, 2.0, 1.5, 0.25])
LOWER = np.array([[2.0, 0.0, 0.0], [0.5, 1.5, 0.0], [-0.3, 0.2, 1.2]])
POSITIVE = np.array([[1.5, 2.0, 3.25], [4.0, 1.75, 2.5]])


def _mvlgamma(x, p):
    terms = sum(np.vectorize(math.lgamma)(x - i / 2) for i in range(p))
    return terms + p * (p - 1) / 4 * math.log(math.pi)


def _renorm(x, p, dim, maxnorm):
    moved = np.moveaxis(x, dim, 0)
    norms = (np.abs(moved.reshape(len(moved), -1)) ** p).sum(1) ** (1 / p)
    scale = np.where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)
    return np.moveaxis(moved * scale.reshape(-1, *[1] * (x.ndim - 1)), 0, dim)


# (name, call with a torch module t and a constructor T of its float64 tensors, reference)
CASES = [
    ("cov", lambda t, T: t.cov(T(M)), np.cov(M)),
    ("cov correction 0", lambda t, T: t.cov(T(M), correction=0), np.cov(M, ddof=0)),
    (
        "cov weights",
        lambda t, T: t.cov(T(M), fweights=t.tensor(FW), aweights=T(AW)),
        np.cov(M, fweights=FW, aweights=AW),
    ),
    ("cov of a vector", lambda t, T: t.cov(T(M[0])), np.cov(M[0])),
    ("Tensor.cov", lambda t, T: T(M).cov(), np.cov(M)),
    ("corrcoef", lambda t, T: t.corrcoef(T(M)), np.corrcoef(M)),
    ("cholesky_inverse", lambda t, T: t.cholesky_inverse(T(LOWER)), np.linalg.inv(LOWER @ LOWER.T)),
    (
        "cholesky_inverse upper",
        lambda t, T: t.cholesky_inverse(T(LOWER.T), upper=True),
        np.linalg.inv(LOWER @ LOWER.T),
    ),
    ("mvlgamma", lambda t, T: t.mvlgamma(T(POSITIVE), 3), _mvlgamma(POSITIVE, 3)),
    ("renorm", lambda t, T: t.renorm(T(M), 2, 0, 1.5), _renorm(M, 2, 0, 1.5)),
    ("renorm dim 1 p 1", lambda t, T: T(M).renorm(1, 1, 1.0), _renorm(M, 1, 1, 1.0)),
    (
        "kaiser_window",
        lambda t, T: t.kaiser_window(7, False, 5.0, dtype=t.float64),
        np.kaiser(7, 5.0),
    ),
    (
        "kaiser_window periodic",
        lambda t, T: t.kaiser_window(6, dtype=t.float64),
        np.kaiser(7, 12.0)[:-1],
    ),
    ("adjoint", lambda t, T: t.adjoint(T(M)), M.T),
    ("mH", lambda t, T: T(M.reshape(1, 3, 5)).mH, M.T[None]),
    ("split_with_sizes", lambda t, T: t.split_with_sizes(T(M), [2, 3], 1)[1], M[:, 2:]),
    ("fill", lambda t, T: t.fill(T(M), 2.5), np.full_like(M, 2.5)),
    ("scalar_tensor", lambda t, T: t.scalar_tensor(3, dtype=t.float64), 3.0),
    ("chain_matmul", lambda t, T: t.chain_matmul(T(M), T(M.T), T(M)), M @ M.T @ M),
    (
        "binary_cross_entropy_with_logits",
        lambda t, T: t.binary_cross_entropy_with_logits(T(M), T((M > 0) * 1.0), None, None, 2),
        np.sum(np.logaddexp(0, M) - M * (M > 0)),
    ),
    (
        "kl_div mean",
        lambda t, T: t.kl_div(T(np.log(POSITIVE / 10)), T(POSITIVE / 10), 1),
        np.mean(POSITIVE / 10 * (np.log(POSITIVE / 10) - np.log(POSITIVE / 10))),
    ),
    (
        "margin_ranking_loss",
        lambda t, T: t.margin_ranking_loss(T(M[0]), T(M[1]), T(np.sign(M[2])), 0.1, 0),
        np.maximum(0, -np.sign(M[2]) * (M[0] - M[1]) + 0.1),
    ),
    (
        "hinge_embedding_loss",
        lambda t, T: t.hinge_embedding_loss(T(M[0]), T(np.sign(M[1])), 1.0, 2),
        np.sum(np.where(np.sign(M[1]) > 0, M[0], np.maximum(0, 1.0 - M[0]))),
    ),
    (
        "poisson_nll_loss",
        lambda t, T: t.poisson_nll_loss(
            T(M), T(POSITIVE[:1].repeat(3, 0)[:, :1]), True, False, 1e-8, 1
        ),  # fmt: skip
        np.mean(np.exp(M) - POSITIVE[0, 0] * M),
    ),
]


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_name_matches_numpy(name, call, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # chain_matmul's deprecation
        result = call(torch, lambda a: torch.tensor(a, dtype=torch.float64))
    np.testing.assert_allclose(
        result.numpy(), np.asarray(expected, dtype=np.float64), rtol=1e-10, atol=1e-12
    )


@pytest.mark.torch
@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_name_matches_pytorch(name, call, expected):
    pytorch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = call(torch, lambda a: torch.tensor(a, dtype=torch.float64))
        theirs = call(pytorch, lambda a: pytorch.tensor(a, dtype=pytorch.float64))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "function",
    [
        lambda a: torch.cov(a, aweights=torch.tensor(AW[:3], dtype=torch.float64)),
        lambda a: torch.corrcoef(a),
        lambda a: torch.cholesky_inverse(a.tril() + 3 * torch.eye(3, dtype=torch.float64)),
        lambda a: torch.mvlgamma(a.abs() + 2, 2),
        lambda a: torch.renorm(a, 2, 1, 0.8),
        lambda a: torch.kl_div(a, a.exp(), 2, log_target=False),
    ],
    ids=["cov", "corrcoef", "cholesky_inverse", "mvlgamma", "renorm", "kl_div"],
)
def test_gradients(function):
    a = torch.tensor(RNG.standard_normal((3, 3)), dtype=torch.float64, requires_grad=True)
    assert gradcheck(function, (a,))


def test_torch_level_losses_take_atens_int_reduction():
    x, y = torch.randn(4, 3), torch.randn(4, 3)
    target = torch.tensor([1.0, -1.0, 1.0, -1.0])
    for reduction, mode in ((0, "none"), (1, "mean"), (2, "sum")):
        got = torch.cosine_embedding_loss(x, y, target, 0.2, reduction)
        assert torch.equal(got, F.cosine_embedding_loss(x, y, target, 0.2, reduction=mode))
        got = torch.triplet_margin_loss(x, y, -y, 1.0, 2, 1e-6, False, reduction)
        assert torch.equal(got, F.triplet_margin_loss(x, y, -y, reduction=mode))
    # PyTorch 2.13's defaults (and any value but 1 and 2) reduce nothing
    assert torch.hinge_embedding_loss(x, torch.sign(y), 1.0, 3).shape == (4, 3)
    assert torch.kl_div(x, y).shape == (4, 3) and torch.cosine_embedding_loss(
        x, y, target
    ).shape == (4,)
    log_probs = torch.randn(6, 2, 4).log_softmax(2)
    targets = torch.tensor([[1, 2], [3, 3]])
    lengths, target_lengths = torch.tensor([6, 5]), torch.tensor([2, 2])
    assert torch.allclose(
        torch.ctc_loss(log_probs, targets, lengths, target_lengths, 0, 2),
        F.ctc_loss(log_probs, targets, lengths, target_lengths, reduction="sum"),
    )


def test_inplace_activations_and_dropouts_modify_their_input():
    x = torch.tensor([-1.0, 0.5, 2.0])
    assert torch.celu_(x, 2.0) is x
    np.testing.assert_allclose(x.numpy(), [2 * math.expm1(-0.5), 0.5, 2.0], rtol=1e-6)
    y = torch.tensor([-1.0, 0.5, 2.0])
    assert torch.threshold_(y, 1.0, -5.0) is y and y.tolist() == [-5.0, -5.0, 2.0]
    z = torch.tensor([-1.0, 3.0])
    assert torch.selu_(z) is z and z[1].item() == pytest.approx(1.0507009873554805 * 3)
    assert torch.rrelu_(torch.tensor([-2.0, 1.0]), 0.25, 0.25).tolist() == [-0.5, 1.0]
    w = torch.ones(2, 3, 4)
    assert torch.dropout_(w, 0.0, True) is w and torch.feature_dropout_(w, 1.0, True) is w
    assert w.sum().item() == 0.0
    with pytest.raises(RuntimeError, match="dropout probability has to be between 0 and 1"):
        torch.dropout_(w, 1.5, True)
    ints = torch.tensor([12, 18])
    assert torch.gcd_(ints, torch.tensor([8, 27])) is ints and ints.tolist() == [4, 9]
    twos = torch.tensor([2.0, 8.0])
    assert torch.log2_(twos) is twos and twos.tolist() == [1.0, 3.0]


def test_predicates_and_modes():
    x = torch.tensor(M)
    assert torch.isreal(x).all().item() and torch.isreal(x).dtype is torch.bool
    assert x.get_device() == -1 and torch.get_device(x) == -1
    assert not torch.is_inference_mode_enabled()
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        with torch.inference_mode(False):
            assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
        assert torch.is_inference_mode_enabled()
    assert not torch.is_inference_mode_enabled() and torch.is_grad_enabled()
    assert torch.scalar_tensor(2).dtype is torch.float32 and torch.scalar_tensor(2).ndim == 0
    assert torch.fill(torch.zeros(2), torch.tensor(4.0)).tolist() == [4.0, 4.0]
    assert torch.kaiser_window(1).tolist() == [1.0] and torch.kaiser_window(0).shape == (0,)


def test_chain_matmul_warns_and_copies_a_single_matrix():
    a = torch.tensor(M)
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        single = torch.chain_matmul(a)
    assert torch.equal(single, a) and single is not a


def test_errors_speak_pytorch():
    with pytest.raises(RuntimeError, match="expected input to have two or fewer dimensions"):
        torch.cov(torch.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"expected fweights to have one dimension and 5 "):
        torch.cov(torch.tensor(M), fweights=torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="expected fweights to have integral dtype but got "
                       "fweights with Double dtype"):  # fmt: skip
        torch.cov(torch.tensor(M), fweights=torch.tensor(AW))
    with pytest.raises(RuntimeError, match="aweights cannot be negative"):
        torch.cov(torch.tensor(M), aweights=torch.tensor(-AW))
    with pytest.raises(RuntimeError, match=r"All elements must be greater than \(p-1\)/2"):
        torch.mvlgamma(torch.tensor([0.5, 3.0]), 3)
    with pytest.raises(RuntimeError, match="non-positive-norm not supported"):
        torch.renorm(torch.tensor(M), 0, 0, 1.0)
    with pytest.raises(RuntimeError, match="only supported on matrices or batches of matrices"):
        torch.adjoint(torch.zeros(3))
    with pytest.raises(
        RuntimeError,
        match=r"split_with_sizes expects split_sizes to sum exactly to 5 \(input tensor's size "
        r"at dimension 1\), but got split_sizes=\[2, 2\]",
    ):
        torch.split_with_sizes(torch.tensor(M), [2, 2], 1)
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        torch.fill(torch.zeros(2), torch.zeros(2))
    with pytest.raises(
        RuntimeError,
        match="kaiser_window requires non-negative window_length, got window_length=-1",
    ):
        torch.kaiser_window(-1)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        torch.mvlgamma(torch.tensor([3.0]), 0)
    with pytest.raises(RuntimeError, match="renorm: expected maxnorm to be >= 0 but got -1$"):
        torch.renorm(torch.ones(2, 2), 2, 0, -1.0)
    with pytest.raises(
        RuntimeError,
        match="cholesky_inverse: A must be batches of square matrices, but they are 2 by 3",
    ):
        torch.cholesky_inverse(torch.ones(2, 3))
    with pytest.raises(RuntimeError, match=r"chain_matmul\(\): Expected one or more matrices"):
        with pytest.warns(UserWarning, match="deprecated"):
            torch.chain_matmul()


def test_cov_without_degrees_of_freedom_warns_and_divides_by_zero():
    with pytest.warns(UserWarning, match=r"cov\(\): degrees of freedom is <= 0"):
        one_observation = torch.cov(torch.ones(2, 1))
    assert np.isnan(one_observation.numpy()).all()
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        weighted = torch.cov(torch.tensor([[1.0, 2, 3]]), aweights=torch.tensor([1.0, 0, 0]))
    assert math.isnan(weighted.item())


def test_names_run_on_each_device(device):
    x = torch.tensor(M, device=device)
    np.testing.assert_allclose(torch.cov(x).cpu().numpy(), np.cov(M), rtol=1e-10)
    np.testing.assert_allclose(torch.renorm(x, 2, 0, 1.5).cpu().numpy(), _renorm(M, 2, 0, 1.5))
    lower = torch.tensor(LOWER, device=device)
    np.testing.assert_allclose(
        torch.cholesky_inverse(lower).cpu().numpy(), np.linalg.inv(LOWER @ LOWER.T), rtol=1e-10
    )
    assert x.get_device() == (-1 if device == "cpu" else 0)
