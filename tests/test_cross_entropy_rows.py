"""cross_entropy's one-kernel path for class weights, label smoothing and class-probability
targets (numbatorch/ops/cross_entropy.py): values against a numpy float64 reference,
gradients by gradcheck, the ignored and out-of-range classes, the double-backward
fallback, and the CUDA simulator; plus the float32 typing of the fastmath helpers the row
kernels call."""

import numpy as np
import pytest
from numba import njit
from numbatorch.kernels.common import fastmath

import numbatorch as torch
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck

ROWS, CLASSES = 5, 4


def _data(dtype=np.float64):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, CLASSES)).astype(dtype)
    target = rng.integers(0, CLASSES, ROWS)
    target[1] = -100
    probs = rng.random((ROWS, CLASSES)).astype(dtype)
    probs /= probs.sum(1, keepdims=True)
    weight = (rng.random(CLASSES) + 0.5).astype(dtype)
    return x, target, probs, weight


def _reference(x, target, weight, smoothing, reduction, probs=None):
    """PyTorch's definition in float64: q = w ((1 - s) p + s / C) per row, p the
    probabilities or the one-hot class (0 on ignored rows); the mean divides by the rows
    (probabilities) or by the sum of w[t] over the rows kept (indices)."""
    x = x.astype(np.float64)
    log_p = (
        x
        - np.log(np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True))
        - x.max(1, keepdims=True)
    )
    w = np.ones(x.shape[1]) if weight is None else weight.astype(np.float64)
    if probs is None:
        kept = target != -100
        p = np.zeros_like(x)
        p[np.flatnonzero(kept), target[kept]] = 1.0
        share = np.where(kept, w[np.where(kept, target, 0)], 0.0)
    else:
        kept = np.ones(len(x), bool)
        p = probs.astype(np.float64)
        share = np.ones(len(x))
    q = w * ((1 - smoothing) * p + smoothing / x.shape[1]) * kept[:, None]
    losses = -(q * log_p).sum(1)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.sum() / share.sum()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kind", ["indices", "probabilities"])
def test_weighted_smoothed_cross_entropy_matches_the_reference(kind, reduction):
    x, target, probs, weight = _data(np.float32)
    t = torch.tensor(target) if kind == "indices" else torch.tensor(probs)
    got = F.cross_entropy(torch.tensor(x), t, weight=torch.tensor(weight),
                          label_smoothing=0.2, reduction=reduction)  # fmt: skip
    expected = _reference(x, target, weight, 0.2, reduction, None if kind == "indices" else probs)
    np.testing.assert_allclose(got.numpy(), expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("kind", ["indices", "probabilities"])
def test_weighted_smoothed_cross_entropy_passes_gradcheck(kind):
    x, target, probs, weight = _data()
    t = torch.tensor(target) if kind == "indices" else torch.tensor(probs)
    w = torch.tensor(weight)
    assert gradcheck(
        lambda v: F.cross_entropy(v, t, weight=w, label_smoothing=0.1),
        (torch.tensor(x, requires_grad=True),),
    )


def test_the_one_kernel_path_serves_weights_smoothing_and_probabilities():
    x, target, probs, weight = _data()
    v = torch.tensor(x, requires_grad=True)
    for t, w, s in ((torch.tensor(target), torch.tensor(weight), 0.0),
                    (torch.tensor(target), None, 0.3),
                    (torch.tensor(probs), None, 0.0)):  # fmt: skip
        loss = F.cross_entropy(v, t, weight=w, label_smoothing=s)
        assert type(loss.grad_fn).__name__ == "CrossEntropyDistributionBackward0"


def test_an_out_of_range_class_raises_pytorchs_error():
    x, target, _, weight = _data()
    target[3] = CLASSES + 2
    with pytest.raises(IndexError, match=f"Target {CLASSES + 2} is out of bounds."):
        F.cross_entropy(torch.tensor(x), torch.tensor(target), weight=torch.tensor(weight))


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # simulator's 0/0
@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_logits_of_no_classes_read_nothing_and_follow_pytorch(device):
    """(M, 0) logits: the row kernels read no element of the empty x (a row's log-sum-exp
    is -inf); a kept class index is out of bounds, as in PyTorch, and rows all ignored
    give PyTorch's losses: zeros, and a mean over no rows of NaN."""
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA backend")
    x = torch.empty(3, 0, device=device)
    with pytest.raises(IndexError, match="Target 0 is out of bounds."):
        F.cross_entropy(x, torch.zeros(3, dtype=torch.int64, device=device))
    ignored = torch.full((3,), -100, dtype=torch.int64, device=device)
    assert F.cross_entropy(x, ignored, reduction="none").cpu().numpy().tolist() == [0, 0, 0]
    assert F.cross_entropy(x, ignored, reduction="sum").item() == 0
    assert np.isnan(F.cross_entropy(x, ignored).item())
    smoothed = F.cross_entropy(x, ignored, label_smoothing=0.1, reduction="none")
    assert smoothed.cpu().numpy().tolist() == [0, 0, 0]
    probabilities = F.cross_entropy(x, torch.empty(3, 0, device=device), reduction="none")
    assert probabilities.cpu().numpy().tolist() == [0, 0, 0]


def test_double_backward_gives_the_kernels_gradient():
    x, target, _, weight = _data()
    w, t = torch.tensor(weight), torch.tensor(target)
    v = torch.tensor(x, requires_grad=True)
    (plain,) = torch.autograd.grad(F.cross_entropy(v, t, weight=w, label_smoothing=0.2), v)
    (graph,) = torch.autograd.grad(
        F.cross_entropy(v, t, weight=w, label_smoothing=0.2), v, create_graph=True
    )
    assert graph.requires_grad
    np.testing.assert_allclose(graph.detach().numpy(), plain.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("kind", ["indices", "probabilities"])
def test_weighted_smoothed_cross_entropy_on_cuda_matches_the_cpu(kind):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA backend")
    x, target, probs, weight = _data(np.float32)
    t = target if kind == "indices" else probs
    results = []
    for device in ("cpu", "cuda"):
        v = torch.tensor(x, device=device, requires_grad=True)
        w = torch.tensor(weight, device=device)
        loss = F.cross_entropy(v, torch.tensor(t, device=device), weight=w, label_smoothing=0.2)
        loss.backward()
        results.append((loss.item(), v.grad.cpu().numpy()))
    assert results[1][0] == pytest.approx(results[0][0], rel=1e-5)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-5, atol=1e-7)


@njit
def _float32_results(x, row):
    return (fastmath.exp(x), fastmath.tanh(x), fastmath.sigmoid(x), fastmath.erf(x),
            fastmath.gelu(x), fastmath.extreme(row, True))  # fmt: skip


def test_fastmath_results_keep_the_float32_type():
    # a float64 result made the caller's arithmetic run in float64 (softmax: 2.5x slower)
    x = np.float32(0.5)
    row = np.array([1.0, 3.0, np.nan], np.float32)
    results = _float32_results(x, row)
    assert str(_float32_results.nopython_signatures[0].return_type) == "UniTuple(float32 x 6)"
    assert np.isnan(results[-1])
