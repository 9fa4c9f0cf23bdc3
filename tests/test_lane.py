"""The eager fast lane (numbatorch/ops/_lane.py) serves small calls without the general
path: its results must be the general path's, bit for bit, and it must step aside
whenever the general path has something to do (a graph to record, another dtype, a
non-contiguous or offset view, broadcasting, a bad shape)."""

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F

RNG = np.random.default_rng(0)


def pair(dtype=np.float32, shape=(3, 5)):
    a = torch.tensor(RNG.standard_normal(shape).astype(dtype))
    b = torch.tensor(RNG.standard_normal(shape).astype(dtype))
    return a, b


def general(fn, *tensors):
    """fn through the general path: operands that require grad make the lane step aside."""
    leaves = [t.detach().requires_grad_() for t in tensors]
    result = fn(*leaves)
    assert result.grad_fn is not None  # the general path ran
    return result.detach().numpy()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "fn",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: a * 2.5,
        lambda a, b: a - 3,
        lambda a, b: a / 0.0,
        lambda a, b: torch.relu(a),
        lambda a, b: a.exp(),
        lambda a, b: torch.tanh(b),
        lambda a, b: a.sum(),
        lambda a, b: b.mean(),
    ],
)
def test_lane_gives_the_general_paths_bits(fn, dtype):
    a, b = pair(dtype)
    fast = fn(a, b)
    assert fast.grad_fn is None and fast.dtype is a.dtype
    np.testing.assert_array_equal(fast.numpy(), general(lambda x, y: fn(x, y), a, b))


def test_lane_steps_aside_when_a_graph_is_recorded():
    a, b = pair()
    a.requires_grad_()
    y = (a * b).sum()
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), b.numpy())
    with torch.no_grad():
        assert (a + b).grad_fn is None


def test_lane_results_own_their_memory_and_views_share_it():
    a, b = pair()
    c = a + b
    c.add_(1)
    np.testing.assert_allclose(c.numpy(), a.numpy() + b.numpy() + 1, rtol=1e-6)
    v = a.view(5, 3)
    assert v._base is a and v.data_ptr() == a.data_ptr()
    v.mul_(0)
    assert not a.numpy().any()
    assert a.reshape(-1).shape == (15,)


def test_lane_leaves_other_layouts_and_types_to_the_general_path():
    a, b = pair(shape=(4, 4))
    t = a.t()  # not C-contiguous: the result keeps PyTorch's layout rules
    np.testing.assert_array_equal((t + b).numpy(), a.numpy().T + b.numpy())
    np.testing.assert_array_equal((a[1:] + b[1:]).numpy(), a.numpy()[1:] + b.numpy()[1:])
    np.testing.assert_array_equal((a + b[0]).numpy(), a.numpy() + b.numpy()[0])
    i = torch.arange(4)
    assert (i + 1).dtype is torch.int64 and (i / 2).dtype is torch.float32
    assert (a.double() + b).dtype is torch.float64
    with pytest.raises(RuntimeError, match=r"shape '\[5, 5\]' is invalid for input of size 16"):
        a.view(5, 5)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        t.view(16)


def test_linear_with_a_broadcast_bias():
    """A bias of shape (1,) broadcasts over the outputs, as in PyTorch (the GEMM's
    bias loop reads one bias per column, so such a bias takes the general path)."""
    x = torch.tensor(RNG.standard_normal((2, 3)).astype(np.float32))
    w = torch.tensor(RNG.standard_normal((4, 3)).astype(np.float32))
    b = torch.tensor([5.0])
    expected = x.numpy() @ w.numpy().T + 5.0
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), expected, rtol=1e-5)
