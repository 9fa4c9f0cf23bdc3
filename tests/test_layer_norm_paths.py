"""layer_norm's Function on the backend arrays (ops/norm.py): non-contiguous inputs,
affine parameters of several dims, parameter gradients a leaf keeps as they are, and a
double backward that differentiates the row statistics."""

import numpy as np

import numbatorch as torch
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def test_layer_norm_of_a_transposed_input_with_2d_affine_passes_gradcheck():
    x = torch.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    weight, bias = (torch.tensor(rng.standard_normal((3, 2)), requires_grad=True) for _ in "wb")
    # (4, 3, 2) read through transposed strides, normalized over its last two dims
    assert gradcheck(lambda t, w, b: F.layer_norm(t.transpose(1, 2), (3, 2), w, b),
                     [x, weight, bias])  # fmt: skip


def test_layer_norm_values_and_parameter_gradients_match_numpy():
    x = rng.standard_normal((5, 3, 4)).transpose(1, 0, 2)  # (3, 5, 4), not contiguous
    w, b, g = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal((3, 5, 4))
    norm = torch.nn.LayerNorm(4, dtype=torch.float64)
    with torch.no_grad():
        norm.weight.copy_(torch.tensor(w))
        norm.bias.copy_(torch.tensor(b))
    out = norm(torch.tensor(x))
    out.backward(torch.tensor(g))
    x_hat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), x_hat * w + b, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(norm.weight.grad.numpy(), (g * x_hat).sum((0, 1)), rtol=1e-10)
    np.testing.assert_allclose(norm.bias.grad.numpy(), g.sum((0, 1)), rtol=1e-10)
    assert norm.weight.grad.shape == (4,) and norm.bias.grad.shape == (4,)


def test_layer_norm_double_backward_differentiates_the_row_statistics():
    x = torch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    seed = torch.tensor(rng.standard_normal((3, 4)))
    (grad,) = torch.autograd.grad(F.layer_norm(x, (4,)), x, seed, create_graph=True)
    assert grad.requires_grad  # the gradient depends on x, through mean and rstd too
    assert gradgradcheck(lambda t: F.layer_norm(t, (4,)), [x])
