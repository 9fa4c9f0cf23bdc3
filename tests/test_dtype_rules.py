"""PyTorch's dtype rules at the edges: ops it refuses on bool tensors, Python ints that
wrap into narrow integer types, the scalar promotion of clamp, and softmax's implicit dim."""

import re
import warnings

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F

BOOL = [True, False, True]


def _not_for_bool(kernel):
    return NotImplementedError, f"\"{kernel}\" not implemented for 'Bool'"


BOOL_REFUSED = [
    ("abs", lambda b: torch.abs(b), *_not_for_bool("abs_cpu")),
    ("floor", lambda b: torch.floor(b), *_not_for_bool("floor_vml_cpu")),
    ("ceil", lambda b: b.ceil(), *_not_for_bool("ceil_vml_cpu")),
    ("round", lambda b: torch.round(b), *_not_for_bool("round_vml_cpu")),
    ("trunc", lambda b: torch.trunc(b), *_not_for_bool("trunc_vml_cpu")),
    ("relu", lambda b: torch.relu(b), RuntimeError, "Boolean inputs not supported for relu"),
    ("relu6", lambda b: F.relu6(b), RuntimeError, "Bool inputs not supported for hardtanh"),
    ("leaky_relu", lambda b: F.leaky_relu(b), *_not_for_bool("leaky_relu_cpu")),
    ("elu", lambda b: F.elu(b), *_not_for_bool("elu_cpu")),
    ("gelu", lambda b: F.gelu(b), *_not_for_bool("GeluKernelImpl")),
    ("silu", lambda b: F.silu(b), *_not_for_bool("silu_cpu")),
    ("median", lambda b: b.median(), *_not_for_bool("median_cpu")),
    ("median-dim", lambda b: torch.median(b, 0), *_not_for_bool("median_out")),
    ("argmax", lambda b: b.argmax(), RuntimeError, "argmax(): does not support bool input"),
    ("argmin", lambda b: b.argmin(0), RuntimeError, "argmin(): does not support bool input"),
    ("clamp-bool-bound", lambda b: b.clamp(min=True), *_not_for_bool("clamp_min_scalar_cpu")),
]


@pytest.mark.parametrize("name, call, exception, message", BOOL_REFUSED, ids=lambda c: c)
def test_ops_pytorch_refuses_on_bool(name, call, exception, message):
    b = torch.tensor(BOOL)
    with pytest.raises(exception, match=re.escape(message)):
        call(b)
    assert b.tolist() == BOOL


def test_bool_promotes_where_pytorch_promotes():
    b = torch.tensor(BOOL)
    for result in (torch.square(b), b**2, torch.clamp(b, 0, 1)):
        assert result.dtype is torch.int64 and result.tolist() == [1, 0, 1]
    assert torch.sign(b).dtype is torch.bool  # sign keeps bool, as in PyTorch


def test_clamp_promotes_like_pytorch():
    x = torch.tensor([1, 5])
    y = torch.clamp(x, 0.5, 2.5)
    assert y.dtype is torch.float32 and y.tolist() == [1.0, 2.5]
    assert torch.clamp(x, 2).dtype is torch.int64


@pytest.mark.parametrize(
    "dtype, call, expected",
    [
        ("uint8", lambda t: t + (-1), [0, 1, 2]),
        ("uint8", lambda t: t - 300, [213, 214, 215]),
        ("uint8", lambda t: t * (-300), [212, 168, 124]),
        ("int8", lambda t: t + 200, [-55, -54, -53]),
    ],
)
def test_python_ints_wrap_into_narrow_integers(dtype, call, expected):
    # PyTorch converts a Python int into the tensor's integer type modulo 2**bits (the
    # arithmetic then wraps too, which the CUDA simulator's Python ints cannot show)
    t = torch.tensor([1, 2, 3], dtype=getattr(torch, dtype))
    result = call(t)
    assert result.dtype is t.dtype and result.tolist() == expected
    assert t.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.masked_fill(t > 1, -1),
        lambda t: torch.where(t > 1, torch.full((3,), -1, dtype=t.dtype, device=t.device), t),
    ],
)
def test_python_ints_wrap_when_filled(device, call):
    t = torch.tensor([1, 2, 3], dtype=torch.uint8, device=device)
    result = call(t)
    assert result.dtype is torch.uint8 and result.cpu().tolist() == [1, 255, 255]
    assert t.cpu().tolist() == [1, 2, 3]


def test_python_int_beyond_int64_still_overflows():
    with pytest.raises(OverflowError):
        torch.tensor([1], dtype=torch.uint8) + 2**70


@pytest.mark.parametrize("function", [F.softmax, F.log_softmax, F.softmin])
def test_functional_softmax_without_dim_warns_and_picks_pytorchs_dim(function):
    x = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    name = function.__name__
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        implicit = function(x)
    np.testing.assert_allclose(implicit.numpy(), function(x, 1).numpy())
    with pytest.warns(UserWarning):
        vector = function(x[0])
    np.testing.assert_allclose(vector.numpy(), function(x[0], 0).numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        function(x, dim=0)


def test_tensor_softmax_needs_dim():
    with pytest.raises(TypeError, match="softmax.. missing 1 required positional argument"):
        torch.softmax(torch.ones(3))
    with pytest.raises(TypeError, match="log_softmax.. missing 1 required positional argument"):
        torch.ones(3).log_softmax()
