"""Everyday PyTorch names built from other ops (numbatorch/ops/composite.py), the
torch-level names of nn.functional ops and in-place functions (numbatorch/_functional_
aliases.py), nn.RMSNorm: values against numpy, gradients by gradcheck, PyTorch's errors;
with PyTorch installed, the same calls give PyTorch's values."""

import math
import warnings

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn as nn
from numbatorch.autograd import gradcheck

X = np.arange(12.0).reshape(3, 4)
V = np.array([1.0, 2.0, 3.0])
A = np.array([[2.0, 1.0], [1.0, 3.0]])


def _hann(n, periodic):
    span = n if periodic else n - 1
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / span)


# (name, call with a torch module t and a constructor T of t's tensors, numpy reference)
CASES = [
    ("tile", lambda t, T: t.tile(T(V), (2, 1)), np.tile(V, (2, 1))),
    ("Tensor.tile", lambda t, T: T(X).tile(2), np.tile(X, 2)),
    ("ravel", lambda t, T: t.ravel(T(X).t()), X.T.ravel()),
    ("moveaxis", lambda t, T: t.moveaxis(T(X), 0, 1), np.moveaxis(X, 0, 1)),
    ("atleast_3d vector", lambda t, T: t.atleast_3d(T(V)), np.atleast_3d(V)),
    ("atleast_2d vector", lambda t, T: t.atleast_2d(T(V)), np.atleast_2d(V)),
    (
        "tensor_split sections",
        lambda t, T: t.tensor_split(T(np.arange(7.0)), 3)[0],
        [0.0, 1.0, 2.0],
    ),
    (
        "tensor_split indices",
        lambda t, T: t.tensor_split(T(np.arange(7.0)), [1, 5])[1],
        [1.0, 2, 3, 4],
    ),
    ("hsplit", lambda t, T: t.hsplit(T(X), 2)[1], np.hsplit(X, 2)[1]),
    ("vsplit", lambda t, T: t.vsplit(T(X), [1])[1], np.vsplit(X, [1])[1]),
    ("column_stack", lambda t, T: t.column_stack((T(V), T(V))), np.column_stack((V, V))),
    ("row_stack", lambda t, T: t.row_stack((T(V), T(V))), np.vstack((V, V))),
    ("dstack", lambda t, T: t.dstack((T(V), T(V))), np.dstack((V, V))),
    (
        "broadcast_tensors",
        lambda t, T: t.broadcast_tensors(T(V), T(X[:, :1]))[0],
        np.broadcast_to(V, (3, 3)),
    ),
    (
        "block_diag",
        lambda t, T: t.block_diag(T(X[:1, :2]), T(V[:1])),
        [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    ),
    (
        "cartesian_prod",
        lambda t, T: t.cartesian_prod(T(V[:2]), T(V)),
        [[a, b] for a in V[:2] for b in V],
    ),
    ("combinations", lambda t, T: t.combinations(T(V)), [[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]]),
    (
        "combinations with replacement",
        lambda t, T: t.combinations(T(V[:2]), with_replacement=True),
        [[1.0, 1.0], [1.0, 2.0], [2.0, 2.0]],
    ),
    (
        "unravel_index",
        lambda t, T: t.stack(t.unravel_index(t.tensor([4, 1, -1]), (3, 2))),
        [[2, 0, 2], [0, 1, 1]],
    ),
    ("diagflat", lambda t, T: t.diagflat(T(V[:2]), 1), np.diagflat(V[:2], 1)),
    ("nanmean", lambda t, T: t.nanmean(T(np.array([[1.0, np.nan], [3.0, 4.0]])), 1), [1.0, 3.5]),
    ("aminmax", lambda t, T: t.stack(tuple(t.aminmax(T(X), dim=1))), [X.min(1), X.max(1)]),
    ("msort", lambda t, T: t.msort(T(X[::-1].copy())), np.sort(X[::-1], 0)),
    (
        "tensordot dims",
        lambda t, T: t.tensordot(T(X), T(X), ([1], [1])),
        np.tensordot(X, X, ([1], [1])),
    ),
    (
        "tensordot int",
        lambda t, T: t.tensordot(T(np.arange(24.0).reshape(2, 3, 4)), T(X), 2),
        np.tensordot(np.arange(24.0).reshape(2, 3, 4), X, 2),
    ),
    ("float_power", lambda t, T: t.float_power(t.tensor([2, 3]), 2), [4.0, 9.0]),
    (
        "heaviside",
        lambda t, T: t.heaviside(T(np.array([-1.0, 0.0, 2.0])), T(np.array([0.5]))),
        np.heaviside([-1.0, 0.0, 2.0], 0.5),
    ),
    (
        "isin",
        lambda t, T: t.isin(t.tensor([[1, 2], [3, 4]]), t.tensor([2, 3, 7])),
        np.isin([[1, 2], [3, 4]], [2, 3, 7]),
    ),
    ("isin invert", lambda t, T: t.isin(T(V), T(V[1:]), invert=True), [True, False, False]),
    ("vander", lambda t, T: t.vander(T(V)), np.vander(V)),
    (
        "vander increasing",
        lambda t, T: t.vander(T(V), 2, increasing=True),
        np.vander(V, 2, increasing=True),
    ),
    ("trapezoid", lambda t, T: t.trapezoid(T(X)), np.trapezoid(X)),
    (
        "trapezoid dx dim",
        lambda t, T: t.trapezoid(T(X), dx=2.0, dim=0),
        np.trapezoid(X, dx=2.0, axis=0),
    ),
    (
        "trapz x",
        lambda t, T: t.trapz(T(X), T(np.array([0.0, 1, 3, 4]))),
        np.trapezoid(X, [0.0, 1, 3, 4]),
    ),
    (
        "cumulative_trapezoid",
        lambda t, T: t.cumulative_trapezoid(T(X)),
        np.cumsum((X[:, 1:] + X[:, :-1]) / 2, 1),
    ),
    ("hann_window", lambda t, T: t.hann_window(5, dtype=t.float64), _hann(5, True)),
    (
        "hann_window symmetric",
        lambda t, T: t.hann_window(5, periodic=False, dtype=t.float64),
        np.hanning(5),
    ),
    ("hamming_window", lambda t, T: t.hamming_window(5, False, dtype=t.float64), np.hamming(5)),
    ("blackman_window", lambda t, T: t.blackman_window(5, False, dtype=t.float64), np.blackman(5)),
    ("bartlett_window", lambda t, T: t.bartlett_window(5, False, dtype=t.float64), np.bartlett(5)),
    (
        "rms_norm",
        lambda t, T: t.rms_norm(T(X), (4,)),
        X / np.sqrt((X**2).mean(1, keepdims=True) + np.finfo(np.float64).eps),
    ),
    ("sgn", lambda t, T: t.sgn(T(V - 2)), np.sign(V - 2)),
    ("relu_", lambda t, T: t.relu_(T(V - 2)) + 0.0, np.maximum(V - 2, 0)),
    ("clamp_", lambda t, T: t.clamp_(T(V), min=1.5, max=2.5), np.clip(V, 1.5, 2.5)),
    (
        "conv2d",
        lambda t, T: t.conv2d(T(X.reshape(1, 1, 3, 4)), T(np.ones((1, 1, 2, 2)))),
        [[[[10.0, 14, 18], [26, 30, 34]]]],
    ),
    (
        "layer_norm",
        lambda t, T: t.layer_norm(T(X), (4,), eps=0.0),
        (X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True),
    ),
    (
        "batch_norm",
        lambda t, T: t.batch_norm(T(X), None, None, None, None, True, 0.1, 0.0, False),
        (X - X.mean(0)) / X.std(0),
    ),
    ("embedding", lambda t, T: t.embedding(T(X), t.tensor([2, 0])), X[[2, 0]]),
    ("dropout eval", lambda t, T: t.dropout(T(X), 0.5, False), X),
    ("max_pool2d", lambda t, T: t.max_pool2d(T(X.reshape(1, 1, 3, 4)), 2), [[[[5.0, 7.0]]]]),
    (
        "adaptive_max_pool1d",
        lambda t, T: t.adaptive_max_pool1d(T(X[:1, None, :]), 2)[1],
        [[[1, 3]]],
    ),
    ("linalg.vander", lambda t, T: t.linalg.vander(T(V), N=4), np.vander(V, 4, increasing=True)),
    ("linalg.diagonal", lambda t, T: t.linalg.diagonal(T(X), offset=1), np.diagonal(X, 1)),
    ("linalg.cond", lambda t, T: t.linalg.cond(T(A)), np.linalg.cond(A)),
    ("linalg.cond fro", lambda t, T: t.linalg.cond(T(A), "fro"), np.linalg.cond(A, "fro")),
    ("linalg.cond -2", lambda t, T: t.linalg.cond(T(A), -2), np.linalg.cond(A, -2)),
    (
        "F.elu_",
        lambda t, T: t.nn.functional.elu_(T(V - 2)),
        np.where(V > 2, V - 2, np.expm1(V - 2)),
    ),
    (
        "F.leaky_relu_",
        lambda t, T: t.nn.functional.leaky_relu_(T(V - 2)),
        np.where(V > 2, V - 2, 0.01 * (V - 2)),
    ),
    ("F.hardtanh_", lambda t, T: t.nn.functional.hardtanh_(T(V - 2)), np.clip(V - 2, -1, 1)),
    (
        "Softmax2d",
        lambda t, T: t.nn.Softmax2d()(T(X.reshape(3, 2, 2))),
        np.exp(X.reshape(3, 2, 2)) / np.exp(X.reshape(3, 2, 2)).sum(0),
    ),
]


@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_composite_name_matches_numpy(name, call, expected):
    result = call(torch, lambda a: torch.tensor(a, dtype=torch.float64))
    np.testing.assert_allclose(result.numpy(), np.asarray(expected, dtype=np.float64), atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name, call, expected", CASES, ids=[c[0] for c in CASES])
def test_composite_name_matches_pytorch(name, call, expected):
    pytorch = pytest.importorskip("torch")
    ours = call(torch, lambda a: torch.tensor(a, dtype=torch.float64))
    theirs = call(pytorch, lambda a: pytorch.tensor(a, dtype=pytorch.float64))
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "function",
    [
        lambda a, b: torch.tensordot(a, b, ([1], [1])),
        lambda a, b: torch.block_diag(a, b[:1]),
        lambda a, b: torch.rms_norm(a, (3,), b[0]),
        lambda a, b: torch.nanmean(a * b, 0),
        lambda a, b: torch.trapezoid(a, b[0]),
        lambda a, b: torch.cumulative_trapezoid(a, dim=0),
        lambda a, b: torch.float_power(a, b),
    ],
    ids=[
        "tensordot",
        "block_diag",
        "rms_norm",
        "nanmean",
        "trapezoid",
        "cumulative",
        "float_power",
    ],
)
def test_composite_gradients(function):
    a = torch.tensor([[0.5, 1.5, 2.0], [1.0, 0.7, 1.2]], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([[0.2, 1.1, 1.4], [0.3, 0.8, 0.9]], dtype=torch.float64, requires_grad=True)
    assert gradcheck(function, (a, b))


def test_tensor_methods_and_predicates():
    x = torch.tensor(X)
    assert x.ravel().shape == (12,) and x.moveaxis(1, 0).shape == (4, 3)
    assert [p.shape for p in x.tensor_split(2, 1)] == [(3, 2), (3, 2)]
    assert x.aminmax().max.item() == 11.0 and x.msort().shape == (3, 4)
    assert (
        not x.is_complex()
        and x.is_signed()
        and not torch.tensor([1], dtype=torch.uint8).is_signed()
    )
    assert torch.is_nonzero(torch.tensor([2])) and torch.is_same_size(x, x)
    assert torch.positive(x) is x and torch.detach(x.requires_grad_()).requires_grad is False


def test_composite_errors_speak_pytorch():
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0, got 0"):
        torch.tensor_split(torch.zeros(4), 0)
    with pytest.raises(
        RuntimeError,
        match=r"torch.hsplit attempted to split along dimension 1, but the size of the dimension 4 "
        r"is not divisible by the split_size 3!",
    ):
        torch.hsplit(torch.zeros(2, 4), 3)
    with pytest.raises(RuntimeError, match="Input 0 has 3 dimensions"):
        torch.block_diag(torch.zeros(1, 1, 1))
    with pytest.raises(RuntimeError, match="contracted dimensions need to match"):
        torch.tensordot(torch.zeros(2, 3), torch.zeros(2, 3), ([1], [0]))
    with pytest.raises(
        RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"
    ):
        torch.is_nonzero(torch.zeros(2))
    with pytest.raises(
        RuntimeError, match="expected input to have floating point or complex dtype but got Long"
    ):
        torch.nanmean(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="The `\\+` operator, on a bool tensor is not supported"):
        torch.positive(torch.tensor([True]))


def test_float32_matmul_precision_is_kept_and_a_bad_value_warns():
    before = torch.get_float32_matmul_precision()
    try:
        torch.set_float32_matmul_precision("medium")
        assert torch.get_float32_matmul_precision() == "medium"
        with pytest.warns(UserWarning, match="bad is not one of 'highest', 'high', or 'medium'"):
            torch.set_float32_matmul_precision("bad")
        assert torch.get_float32_matmul_precision() == "medium"
    finally:
        torch.set_float32_matmul_precision(before)


def test_rmsnorm_module_normalises_with_a_learned_weight():
    m = nn.RMSNorm(4, eps=1e-6, dtype=torch.float64)
    assert [name for name, _ in m.named_parameters()] == ["weight"]
    with torch.no_grad():
        m.weight.fill_(2.0)
    expected = 2 * X / np.sqrt((X**2).mean(1, keepdims=True) + 1e-6)
    np.testing.assert_allclose(m(torch.tensor(X)).detach().numpy(), expected, rtol=1e-12)
    assert repr(m) == "RMSNorm((4,), eps=1e-06, elementwise_affine=True)"
    assert math.isclose(
        nn.RMSNorm(3, elementwise_affine=False)(torch.ones(1, 3)).sum().item(), 3, rel_tol=1e-6
    )


def test_inplace_top_level_functions_modify_their_input():
    x = torch.tensor([-1.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.sqrt_(torch.relu_(x)) is x
    assert x.tolist() == [0.0, 2.0]


def test_multiplicative_lr_multiplies_each_step_and_refuses_a_wrong_lambda_count():
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = torch.optim.lr_scheduler.MultiplicativeLR(optimizer, lambda epoch: 0.5)
    lrs = []
    for _ in range(3):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    assert lrs == [0.5, 0.25, 0.125]
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        torch.optim.lr_scheduler.MultiplicativeLR(optimizer, [abs, abs])


def test_softmax2d_wants_3d_or_4d_input():
    with pytest.raises(ValueError, match="expected input to be 3D or 4D, got 2D instead"):
        nn.Softmax2d()(torch.zeros(2, 2))


def test_composites_run_on_each_device(device):
    x = torch.tensor(X, device=device)
    np.testing.assert_allclose(torch.tensordot(x, x, ([1], [1])).cpu().numpy(), X @ X.T)
    found = torch.isin(torch.tensor([1, 5, 3], device=device), torch.tensor([3, 1], device=device))
    assert found.cpu().tolist() == [True, False, True]
    mask = torch.tensor([[True], [False], [True]], device=device)
    assert torch.masked_select(x[0], mask).cpu().tolist() == [*X[0], *X[0]]
