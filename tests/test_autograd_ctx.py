"""What a graph node keeps and frees: saved tensors and buffers go once backward has used
them (kept under retain_graph), and `ctx.mark_dirty` rewrites the history of an input
modified in place, as in PyTorch."""

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F

FREED = "Trying to backward through the graph a second time"


def held_bytes(node) -> int:
    """Bytes of the tensors and arrays a node's attributes hold."""
    total = 0
    for value in vars(node).values():
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(v, torch.Tensor):
                total += v.numel() * v.element_size()
            elif isinstance(v, np.ndarray):
                total += v.nbytes
    return total


def small_conv():
    x = torch.randn(2, 3, 12, 12, requires_grad=True)
    w = torch.randn(4, 3, 3, 3, requires_grad=True)
    return x, w, F.conv2d(x, w, padding=1)


def test_backward_frees_what_forward_kept():
    x, w, y = small_conv()
    assert held_bytes(y.grad_fn) > 0
    y.sum().backward()
    assert held_bytes(y.grad_fn) == 0
    with pytest.raises(RuntimeError, match=FREED):
        y.sum().backward()


def test_retain_graph_keeps_it_for_a_second_backward():
    x, w, y = small_conv()
    y.sum().backward(retain_graph=True)
    first = w.grad.clone()
    assert held_bytes(y.grad_fn) > 0
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * first.numpy(), rtol=1e-5)


def test_numbers_on_the_ctx_survive_backward():
    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None

    x = torch.ones(3, requires_grad=True)
    y = Scale.apply(x, 3.0)
    y.sum().backward()
    assert y.grad_fn.factor == 3.0


class DoubleInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_mark_dirty_rewrites_the_inputs_history():
    a = torch.ones(3, requires_grad=True)
    b = a.clone()
    version = b._version
    c = DoubleInPlace.apply(b)
    assert c is b
    assert type(b.grad_fn).__name__ == "DoubleInPlaceBackward"
    assert b._version > version
    (c * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(b.detach().numpy(), [2.0, 2.0, 2.0])


def test_mark_dirty_on_a_leaf_that_requires_grad_is_refused():
    a = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
        DoubleInPlace.apply(a)
