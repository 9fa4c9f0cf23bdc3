"""matmul of batched operands (3-D and up, broadcast batch dims): read in place through
their strides (attention's heads permuted out of one projection, transposed keys,
stride-0 broadcasts), values against numpy in float64, gradients by gradcheck, and the
same on the CUDA simulator."""

import numpy as np
import pytest

import numbatorch as torch
from numbatorch.autograd import gradcheck

rng = np.random.default_rng(0)


def _heads(x: np.ndarray, device: str = "cpu"):
    """q and k of a (batch, length, 2, heads, width) projection, split as a transformer
    block splits them: permuted views of one tensor, no copy."""
    qk = torch.tensor(x, device=device, requires_grad=True)
    parts = qk.permute(2, 0, 3, 1, 4)
    return qk, parts[0], parts[1]


def test_matmul_of_permuted_heads_matches_numpy_and_keeps_the_views():
    x = rng.standard_normal((2, 5, 2, 3, 4))
    _, q, k = _heads(x)
    assert not q.is_contiguous()
    scores = torch.matmul(q, k.transpose(-2, -1))
    parts = x.transpose(2, 0, 3, 1, 4)
    np.testing.assert_allclose(scores.detach().numpy(), parts[0] @ parts[1].swapaxes(-1, -2),
                               rtol=1e-12, atol=1e-12)  # fmt: skip
    assert scores.shape == (2, 3, 5, 5) and scores.is_contiguous()
    assert scores.grad_fn.name() == "UnsafeViewBackward0"  # PyTorch's name for this node


def test_matmul_gradients_of_permuted_heads_match_numpy():
    x = rng.standard_normal((2, 5, 2, 3, 4))
    weights = rng.standard_normal((2, 3, 5, 5))
    qk, q, k = _heads(x)
    (torch.matmul(q, k.transpose(-2, -1)) * torch.tensor(weights)).sum().backward()
    parts = x.transpose(2, 0, 3, 1, 4)
    grad_q = weights @ parts[1]
    grad_k = weights.swapaxes(-1, -2) @ parts[0]
    expected = np.stack([grad_q, grad_k]).transpose(1, 3, 0, 2, 4)
    np.testing.assert_allclose(qk.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3, 1, 4, 5), (2, 5, 3)), ((2, 4, 5), (5,)), ((5,), (3, 5, 2)), ((2, 3, 4), (2, 4, 1))],
)
def test_matmul_broadcast_batches_match_numpy(a_shape, b_shape):
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    out = torch.matmul(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(out.numpy(), np.matmul(a, b), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("a_shape, b_shape", [((3, 1, 4, 5), (2, 5, 3)), ((5,), (2, 5, 2))])
def test_matmul_of_broadcast_and_transposed_operands_passes_gradcheck(a_shape, b_shape):
    # a read transposed (columns along memory), b broadcast over a's leading batch dim
    a = torch.tensor(rng.standard_normal(a_shape[:-2] + a_shape[:-3:-1]), requires_grad=True)
    b = torch.tensor(rng.standard_normal(b_shape), requires_grad=True)
    if a.ndim == 1:
        assert gradcheck(torch.matmul, (a, b))
    else:
        assert gradcheck(lambda x, y: torch.matmul(x.transpose(-2, -1), y), (a, b))


def test_matmul_double_backward_passes_gradgradcheck():
    a = torch.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    b = torch.tensor(rng.standard_normal((1, 4, 2)), requires_grad=True)
    assert torch.autograd.gradgradcheck(torch.matmul, (a, b))


def test_matmul_of_permuted_heads_on_each_device(device):
    x = rng.standard_normal((2, 3, 2, 2, 4)).astype(np.float32)
    weights = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    qk, q, k = _heads(x, device)
    scores = torch.matmul(q, k.transpose(-2, -1))
    (scores * torch.tensor(weights, device=device)).sum().backward()
    parts = x.astype(np.float64).transpose(2, 0, 3, 1, 4)
    np.testing.assert_allclose(scores.detach().cpu().numpy(), parts[0] @ parts[1].swapaxes(-1, -2),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    expected = np.stack([weights @ parts[1], weights.swapaxes(-1, -2) @ parts[0]])
    np.testing.assert_allclose(qk.grad.cpu().numpy(), expected.transpose(1, 3, 0, 2, 4),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
