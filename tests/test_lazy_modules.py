"""Lazy modules (issue 15): placeholders until the first forward, which infers the input
size, materializes the same parameter objects and turns the module into its plain class;
state dicts, optimizers, dtype moves and PyTorch's errors as in PyTorch."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn as nn
from numbatorch.nn.parameter import is_lazy


def test_lazy_linear_infers_in_features_and_becomes_linear():
    m = nn.LazyLinear(3)
    assert repr(m) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    assert repr(m.weight) == "<UninitializedParameter>" and is_lazy(m.bias)
    weight = m.weight
    x = torch.randn(2, 4)
    out = m(x)
    assert type(m) is nn.Linear and m.in_features == 4
    assert repr(m) == "Linear(in_features=4, out_features=3, bias=True)"
    assert m.weight is weight and type(weight) is nn.Parameter and weight.shape == (3, 4)
    assert not m._forward_pre_hooks
    # initialized as Linear initializes: kaiming-uniform weight, bias within 1/sqrt(fan_in)
    assert float(m.weight.abs().max()) <= 0.5 and float(m.bias.abs().max()) <= 0.5
    expected = x.numpy() @ m.weight.detach().numpy().T + m.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)


def test_an_optimizer_built_before_the_first_forward_updates_the_materialized_parameters():
    m = nn.LazyLinear(2, bias=False)
    optimizer = torch.optim.SGD(m.parameters(), lr=0.5)
    x = torch.randn(3, 4)
    m(x).sum().backward()
    before = m.weight.detach().clone()
    optimizer.step()
    expected = before.numpy() - 0.5 * np.tile(x.numpy().sum(0), (2, 1))
    np.testing.assert_allclose(m.weight.detach().numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    "lazy, plain, shape, weight",
    [
        (lambda: nn.LazyConv1d(4, 3), nn.Conv1d, (2, 5, 7), (4, 5, 3)),
        (lambda: nn.LazyConv2d(4, 3, groups=2), nn.Conv2d, (6, 5, 5), (4, 3, 3, 3)),
        (lambda: nn.LazyConv3d(2, 2), nn.Conv3d, (1, 3, 3, 3, 3), (2, 3, 2, 2, 2)),
        (lambda: nn.LazyConvTranspose1d(4, 3), nn.ConvTranspose1d, (2, 5, 7), (5, 4, 3)),
        (lambda: nn.LazyConvTranspose2d(4, 3, groups=2), nn.ConvTranspose2d, (1, 6, 3, 3),
         (6, 2, 3, 3)),
        (lambda: nn.LazyConvTranspose3d(2, 2), nn.ConvTranspose3d, (1, 3, 2, 2, 2),
         (3, 2, 2, 2, 2)),
    ],
)  # fmt: skip
def test_lazy_convolutions_infer_in_channels(lazy, plain, shape, weight):
    m = lazy()
    assert m.in_channels == 0 and is_lazy(m.weight)
    m(torch.randn(*shape))
    assert type(m) is plain and tuple(m.weight.shape) == weight and m.bias.shape == (weight[0]
        if plain in (nn.Conv1d, nn.Conv2d, nn.Conv3d) else weight[1] * m.groups,)  # fmt: skip


@pytest.mark.parametrize(
    "lazy, plain, shape",
    [
        (nn.LazyBatchNorm1d, nn.BatchNorm1d, (4, 3)),
        (nn.LazyBatchNorm2d, nn.BatchNorm2d, (2, 3, 2, 2)),
        (nn.LazyBatchNorm3d, nn.BatchNorm3d, (2, 3, 2, 2, 2)),
        (nn.LazyInstanceNorm1d, nn.InstanceNorm1d, (2, 3, 4)),
        (nn.LazyInstanceNorm2d, nn.InstanceNorm2d, (2, 3, 2, 2)),
        (nn.LazyInstanceNorm3d, nn.InstanceNorm3d, (2, 3, 2, 2, 2)),
    ],
)
def test_lazy_norms_infer_num_features_with_pytorchs_defaults(lazy, plain, shape):
    m = lazy()
    assert m.affine and m.track_running_stats  # the instance norms too, as in PyTorch
    assert is_lazy(m.running_mean) and m.num_batches_tracked.item() == 0
    x = torch.randn(*shape)
    out = m(x)
    assert type(m) is plain and m.num_features == 3
    assert type(m.running_mean) is torch.Tensor and m.running_mean.shape == (3,)
    reference = plain(3, affine=True, track_running_stats=True)
    np.testing.assert_allclose(out.detach().numpy(), reference(x).detach().numpy(), rtol=1e-5,
                               atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(m.running_mean.numpy(), reference.running_mean.numpy(), rtol=1e-6)


def test_state_dict_of_an_uninitialized_module_holds_the_placeholders():
    m = nn.LazyBatchNorm1d()
    state = m.state_dict()
    assert list(state) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [repr(v) for v in list(state.values())[:4]] == ["<UninitializedParameter>"] * 2 + [
        "<UninitializedBuffer>"
    ] * 2


def test_loading_initialized_values_materializes_and_the_forward_keeps_them():
    source = nn.Linear(4, 3)
    m = nn.LazyLinear(3)
    m.load_state_dict(source.state_dict())
    assert type(m) is nn.LazyLinear and m.weight.shape == (3, 4)
    m(torch.randn(2, 4))
    assert type(m) is nn.Linear
    np.testing.assert_array_equal(m.weight.detach().numpy(), source.weight.detach().numpy())
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        source.load_state_dict(nn.LazyLinear(3).state_dict())


def test_placeholders_move_and_cast_but_refuse_to_compute():
    m = nn.LazyLinear(3).double()
    assert is_lazy(m.weight) and m.weight.dtype == torch.float64
    m(torch.randn(2, 4, dtype=torch.float64))
    assert m.weight.dtype == torch.float64
    p = nn.UninitializedParameter()
    assert p.requires_grad and not nn.UninitializedBuffer().requires_grad
    message = (
        "Attempted to use an uninitialized parameter in <method 'sum' of 'Tensor' objects>. "
        "This error happens when you are using a `LazyModule` or explicitly manipulating "
        "`torch.nn.parameter.UninitializedParameter` objects. When using LazyModules Call "
        "`forward` with a dummy batch to initialize the parameters before calling torch "
        "functions"
    )
    with pytest.raises(ValueError) as raised:
        p.sum()
    assert str(raised.value) == message
    with pytest.raises(ValueError, match="in <method 'add' of 'Tensor' objects>"):
        p + 1
    with pytest.raises(RuntimeError, match="Can't access the shape"):
        _ = p.shape
    p.materialize((2, 3), dtype=torch.float64)
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == torch.float64


def test_a_deep_copy_of_a_lazy_module_initializes_on_its_own():
    original = nn.LazyConv1d(2, 2)
    clone = copy.deepcopy(original)
    clone(torch.randn(1, 3, 4))
    assert type(clone) is nn.Conv1d and type(original) is nn.LazyConv1d


def test_lazy_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(torch.randn(1, 5, 3, 3))
    with pytest.raises(RuntimeError) as raised:
        nn.LazyConv2d(4, 3)(torch.randn(5, 3))
    assert str(raised.value) == (
        "Expected 3D (unbatched) or 4D (batched) input to LazyConv2d, but got input of size: "
        "torch.Size([5, 3])"
    )
