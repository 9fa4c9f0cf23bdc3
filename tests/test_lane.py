"""The eager fast lane (numbatorch/ops/_lane.py) serves small calls without the general
path: its results must be the general path's, bit for bit, and it must step aside
whenever the general path has something to do (a graph to record, another dtype, a
non-contiguous or offset view, broadcasting, a bad shape)."""

import numpy as np
import pytest
from numbatorch.kernels import cpu as kernels
from numbatorch.kernels.common import elementwise as E

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


def _launcher_unused(monkeypatch):
    """Make the backend's general binary launcher fail: what still runs ran in the lane."""

    def general_launcher(*args):
        raise AssertionError("the general path ran")

    monkeypatch.setattr(kernels, "binary", general_launcher)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("rows", [3, 1])
def test_lane_serves_a_one_element_right_operand_with_the_backends_bits(name, rows, monkeypatch):
    """A one-element tensor on the right (x / x.sum()) is broadcast as the backend's
    launcher broadcasts it: its scalar kernel, or the plain one for a one-element result."""
    a, b = pair(shape=(rows, 5 if rows > 1 else 1))
    for scalar in (b.sum(), b.sum().reshape(1, 1)):
        expected = np.empty(a.shape, np.float32)
        kernels.binary(getattr(E, name.upper()), a.numpy(), scalar.numpy().reshape(1), expected)
        with monkeypatch.context() as patch:
            _launcher_unused(patch)
            fast = getattr(torch, name)(a, scalar)
        assert fast.grad_fn is None and fast.shape == a.shape
        np.testing.assert_array_equal(fast.numpy(), expected)


@pytest.mark.parametrize("name", ["relu", "tanh"])
def test_lane_serves_the_fused_activation_backward_with_the_backends_bits(name, monkeypatch):
    """The fused activation backward (grad * dy/dx in one pass) on plain operands is served
    by the lane; its gradient is the backend launcher's, bit for bit."""
    a, g = pair()
    x = a.detach().requires_grad_()
    y = getattr(torch, name)(x)
    opcode, operand = (E.RELU_BACKWARD, a) if name == "relu" else (E.TANH_BACKWARD, y.detach())
    expected = np.empty(a.shape, np.float32)
    kernels.binary(opcode, g.numpy(), operand.numpy(), expected)
    _launcher_unused(monkeypatch)
    y.backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_lane_entry_points_keep_each_dtype_and_argument_type_apart():
    """The lane calls kernels through their compiled entry points, keyed by the argument
    types: float32 and float64 calls interleaved, int and float clamp bounds and sums
    past the serial kernel's size each get the general path's bits."""
    for _ in range(2):  # the second round runs through the entry points
        for dtype in (np.float32, np.float64, np.float32):
            a, b = pair(dtype, shape=(7,))
            np.testing.assert_array_equal((a * b).numpy(), general(lambda x, y: x * y, a, b))
            np.testing.assert_array_equal(a.sum().numpy(), general(lambda x: x.sum(), a))
        a = torch.tensor(RNG.standard_normal(6).astype(np.float32))
        for low, high in ((0, 1), (-0.5, 0.25)):
            expected = general(lambda x, lo=low, hi=high: x.clamp(lo, hi), a)
            np.testing.assert_array_equal(torch.clamp(a, low, high).numpy(), expected)
    big = torch.tensor(RNG.standard_normal(40000).astype(np.float32))  # > CHUNK
    np.testing.assert_array_equal(big.sum().numpy(), general(lambda x: x.sum(), big))


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
    one = b.sum().reshape(1, 1)  # a one-element left operand: the general path broadcasts
    np.testing.assert_array_equal((one - a).numpy(), one.numpy() - a.numpy())
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
