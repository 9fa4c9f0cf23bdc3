"""nn.Module bookkeeping (registration, traversal, state_dict, modes, hooks, devices and
dtypes, repr), the containers, each layer against its functional form, PyTorch's default
initialisation, nn.init and gradient clipping."""

from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F


class Net(nn.Module):
    """The LeNet of PyTorch's 60-minute blitz."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)
        self.norm = nn.BatchNorm1d(2)
        self.register_buffer("scale", torch.ones(2))
        self.register_buffer("cache", torch.zeros(2), persistent=False)

    def forward(self, x):
        return self.norm(self.linear(x)) * self.scale


# --- registration and traversal ---


def test_attribute_assignment_registers_parameters_buffers_and_modules():
    block = Block()
    assert [n for n, _ in block.named_parameters()] == [
        "linear.weight",
        "linear.bias",
        "norm.weight",
        "norm.bias",
    ]
    assert [n for n, _ in block.named_buffers()] == [
        "scale",
        "cache",
        "norm.running_mean",
        "norm.running_var",
        "norm.num_batches_tracked",
    ]
    assert [n for n, _ in block.named_children()] == ["linear", "norm"]
    assert [n for n, _ in block.named_modules()] == ["", "linear", "norm"]
    assert block.linear is block._modules["linear"]


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3


def test_parameters_without_recursion():
    block = Block()
    block.extra = nn.Parameter(torch.zeros(1))
    assert [n for n, _ in block.named_parameters(recurse=False)] == ["extra"]


def test_assigning_none_and_deleting():
    layer = nn.Linear(2, 2)
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    del layer.weight
    assert list(layer.parameters()) == []
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weight'"):
        layer.weight  # noqa: B018


def test_reassigning_a_parameter_or_module_keeps_its_place_in_the_order():
    layer = nn.Linear(2, 2)
    layer.weight = nn.Parameter(torch.zeros(2, 2))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert list(layer.state_dict()) == ["weight", "bias"]
    model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    model[0] = nn.Tanh()
    assert [type(m).__name__ for m in model] == ["Tanh", "ReLU"]


def test_assigning_a_plain_tensor_to_a_parameter_name_raises():
    layer = nn.Linear(2, 2)
    with pytest.raises(
        TypeError,
        match=r"cannot assign 'torch.FloatTensor' as parameter "
        r"'weight' \(torch.nn.Parameter or None expected\)",
    ):
        layer.weight = torch.zeros(2, 2)


def test_register_buffer_errors():
    module = nn.Module()
    with pytest.raises(KeyError, match="buffer name can"):
        module.register_buffer("a.b", torch.zeros(1))
    module.x = 1
    with pytest.raises(KeyError, match="attribute 'x' already exists"):
        module.register_buffer("x", torch.zeros(1))
    with pytest.raises(TypeError, match="cannot assign 'int' object to buffer 'y'"):
        module.register_buffer("y", 3)


def test_register_parameter_rejects_non_leaf():
    module = nn.Module()
    w = nn.Parameter(torch.ones(2))
    with pytest.raises(TypeError):
        module.register_parameter("w", w * 2)


def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(torch.tensor([1.0, 2.0]))
    assert isinstance(p, torch.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert not nn.Parameter(torch.zeros(1), requires_grad=False).requires_grad
    assert type(p * 2) is torch.Tensor


def test_forward_is_required():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(1)


# --- modes, gradients, apply ---


def test_train_and_eval_propagate_to_children():
    block = Block()
    assert block.training and block.norm.training
    assert block.eval() is block
    assert not block.training and not block.norm.training
    block.train()
    assert block.norm.training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        block.train("yes")


def test_zero_grad_sets_to_none_or_zeroes():
    layer = nn.Linear(2, 1)
    layer(torch.ones(1, 2)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad.tolist() == [[0.0, 0.0]]
    layer.zero_grad()
    assert layer.weight.grad is None


def test_requires_grad_and_apply():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())

    def init(module):
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, 0.5)

    assert model.apply(init) is model
    assert model[1].weight.tolist() == [[0.5, 0.5]]


def test_double_and_to_keep_parameter_identity():
    layer = nn.Linear(2, 2)
    weight = layer.weight
    layer.double()
    assert layer.weight is weight and weight.dtype is torch.float64
    bn = nn.BatchNorm1d(2).to(torch.float64)
    assert bn.running_mean.dtype is torch.float64
    assert bn.num_batches_tracked.dtype is torch.int64
    assert layer.to("cpu").float().weight.dtype is torch.float32
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        layer.to(torch.int64)


def test_forward_hooks_can_replace_inputs_and_outputs():
    layer = nn.Linear(2, 2)
    seen = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: seen.append(out.shape) or out + 1)
    out = layer(torch.randn(3, 2))
    np.testing.assert_allclose(
        out.detach().numpy(), (layer.bias.detach() + 1).expand(3, 2).numpy(), rtol=1e-6
    )
    assert seen == [torch.Size([3, 2])]
    pre.remove()
    post.remove()
    x = torch.randn(1, 2)
    np.testing.assert_allclose(
        layer(x).detach().numpy(), F.linear(x, layer.weight, layer.bias).detach().numpy()
    )
    assert seen == [torch.Size([3, 2])]


# --- state_dict ---


def test_state_dict_keys_in_pytorch_order():
    assert list(Block().state_dict()) == [
        "scale",
        "linear.weight",
        "linear.bias",
        "norm.weight",
        "norm.bias",
        "norm.running_mean",
        "norm.running_var",
        "norm.num_batches_tracked",
    ]


def test_state_dict_values_are_detached_views():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad
    state["weight"].fill_(3.0)
    assert layer.weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_load_state_dict_round_trip():
    source, target = Block(), Block()
    source.norm.running_mean.fill_(0.5)
    result = target.load_state_dict(source.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    assert target.norm.running_mean.tolist() == [0.5, 0.5]
    np.testing.assert_array_equal(
        target.linear.weight.detach().numpy(), source.linear.weight.detach().numpy()
    )


def test_load_state_dict_missing_and_unexpected_keys_message():
    state = Block().state_dict()
    del state["linear.bias"]
    state["linear.extra"] = torch.zeros(1)
    state["other.weight"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as info:
        Block().load_state_dict(state)
    assert str(info.value) == (
        "Error(s) in loading state_dict for Block:\n"
        '\tMissing key(s) in state_dict: "linear.bias". \n'
        '\tUnexpected key(s) in state_dict: "other.weight", "linear.extra". '
    )
    result = Block().load_state_dict(state, strict=False)
    assert result.missing_keys == ["linear.bias"]
    assert result.unexpected_keys == ["other.weight", "linear.extra"]


def test_load_state_dict_size_mismatch_message():
    with pytest.raises(RuntimeError) as info:
        nn.Linear(4, 2).load_state_dict(nn.Linear(4, 3).state_dict())
    assert (
        "size mismatch for weight: copying a param with shape torch.Size([3, 4]) from "
        "checkpoint, the shape in current model is torch.Size([2, 4])." in str(info.value)
    )


def test_deepcopy_and_pickle_keep_parameters():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert isinstance(clone[0].weight, nn.Parameter)
        assert clone[0].weight is not model[0].weight
        np.testing.assert_array_equal(
            clone[0].weight.detach().numpy(), model[0].weight.detach().numpy()
        )


# --- repr ---


def test_lenet_repr_matches_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (fc1): Linear(in_features=400, out_features=120, bias=True)\n"
        "  (fc2): Linear(in_features=120, out_features=84, bias=True)\n"
        "  (fc3): Linear(in_features=84, out_features=10, bias=True)\n"
        ")"
    )


def test_nested_repr_indents_children():
    model = nn.Sequential(
        OrderedDict(
            [
                (
                    "features",
                    nn.Sequential(
                        nn.Conv2d(3, 8, 3, padding=1, bias=False),
                        nn.BatchNorm2d(8),
                        nn.ReLU(inplace=True),
                        nn.MaxPool2d(2),
                    ),
                ),
                ("pool", nn.AdaptiveAvgPool2d((1, 1))),
                ("flatten", nn.Flatten()),
                ("head", nn.Linear(8, 10)),
            ]
        )
    )
    assert repr(model) == (
        "Sequential(\n"
        "  (features): Sequential(\n"
        "    (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False)\n"
        "    (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, "
        "track_running_stats=True)\n"
        "    (2): ReLU(inplace=True)\n"
        "    (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        "  )\n"
        "  (pool): AdaptiveAvgPool2d(output_size=(1, 1))\n"
        "  (flatten): Flatten(start_dim=1, end_dim=-1)\n"
        "  (head): Linear(in_features=8, out_features=10, bias=True)\n"
        ")"
    )


@pytest.mark.parametrize(
    ("module", "text"),
    [
        (
            nn.Conv1d(3, 4, 3, stride=2, dilation=2, groups=1),
            "Conv1d(3, 4, kernel_size=(3,), stride=(2,), dilation=(2,))",
        ),
        (
            nn.Conv2d(4, 4, (3, 5), padding="same", groups=2),
            "Conv2d(4, 4, kernel_size=(3, 5), stride=(1, 1), padding=same, groups=2)",
        ),
        (
            nn.ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2)),
            "ConvTranspose2d(16, 33, kernel_size=(3, 5), stride=(2, 1), padding=(4, 2))",
        ),
        (nn.AvgPool2d(3, stride=2), "AvgPool2d(kernel_size=3, stride=2, padding=0)"),
        (nn.AvgPool1d(3), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"),
        (nn.LayerNorm(10), "LayerNorm((10,), eps=1e-05, elementwise_affine=True)"),
        (nn.Dropout(0.2), "Dropout(p=0.2, inplace=False)"),
        (nn.Embedding(10, 3, padding_idx=0), "Embedding(10, 3, padding_idx=0)"),
        (nn.LeakyReLU(0.1, inplace=True), "LeakyReLU(negative_slope=0.1, inplace=True)"),
        (nn.ELU(), "ELU(alpha=1.0)"),
        (nn.GELU(), "GELU(approximate='none')"),
        (nn.SiLU(), "SiLU()"),
        (nn.Softmax(dim=1), "Softmax(dim=1)"),
        (nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
        (nn.Unflatten(1, (2, 5)), "Unflatten(dim=1, unflattened_size=(2, 5))"),
        (nn.CrossEntropyLoss(), "CrossEntropyLoss()"),
        (nn.Identity(), "Identity()"),
        (
            nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()]),
            "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n"
            "  (3): ReLU()\n)",
        ),
        (
            nn.ParameterList([nn.Parameter(torch.zeros(2, 3)), nn.Parameter(torch.zeros(4))]),
            "ParameterList(\n    (0): Parameter containing: [torch.float32 of size 2x3]\n"
            "    (1): Parameter containing: [torch.float32 of size 4]\n)",
        ),
    ],
)
def test_layer_repr(module, text):
    assert repr(module) == text


# --- containers ---


def test_sequential_indexing_slicing_and_editing():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    model.append(nn.Sigmoid())
    assert [n for n, _ in model.named_children()] == ["0", "1", "2", "3"]
    del model[1]
    assert [type(m).__name__ for m in model] == ["Linear", "Linear", "Sigmoid"]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        model[5]  # noqa: B018
    out = model(torch.randn(4, 2))
    assert out.shape == torch.Size([4, 1])


def test_sequential_from_ordered_dict_keeps_names():
    model = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert isinstance(model.fc, nn.Linear)
    assert list(model.state_dict()) == ["fc.weight", "fc.bias"]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2)])
    layers.append(nn.Linear(2, 3))
    layers += [nn.ReLU()]
    assert len(layers) == 3 and len(list(layers.parameters())) == 4
    assert isinstance(layers[1:], nn.ModuleList)
    heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 2)})
    assert list(heads.keys()) == ["a", "b"] and "a" in heads
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]


def test_parameter_list_wraps_tensors():
    params = nn.ParameterList([torch.zeros(2)])
    params.append(nn.Parameter(torch.ones(3)))
    assert len(params) == 2 and isinstance(params[0], nn.Parameter)
    assert [n for n, _ in params.named_parameters()] == ["0", "1"]


# --- layers ---


def test_linear_and_conv_default_initialisation_bounds():
    torch.manual_seed(0)
    layer = nn.Linear(50, 20)
    bound = 1 / math.sqrt(50)
    assert float(layer.weight.abs().max()) <= bound and float(layer.bias.abs().max()) <= bound
    assert float(layer.weight.abs().max()) > 0.9 * bound
    conv = nn.Conv2d(4, 6, 3)
    bound = 1 / math.sqrt(4 * 9)
    assert float(conv.weight.abs().max()) <= bound and float(conv.bias.abs().max()) <= bound


def test_default_initialisation_follows_the_global_seed():
    torch.manual_seed(7)
    a = nn.Linear(3, 2)
    torch.manual_seed(7)
    b = nn.Linear(3, 2)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())


def test_linear_without_bias():
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and len(list(layer.parameters())) == 1
    x = torch.randn(4, 3)
    np.testing.assert_allclose(
        layer(x).detach().numpy(), x.numpy() @ layer.weight.detach().numpy().T, rtol=1e-5
    )


def test_conv_layers_call_their_functional_forms():
    x = torch.randn(2, 4, 6, 6)
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2)
    np.testing.assert_allclose(
        conv(x).detach().numpy(),
        F.conv2d(x, conv.weight, conv.bias, 2, 1, 1, 2).detach().numpy(),
        rtol=1e-6,
    )
    up = nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1)
    assert up(x).shape == torch.Size([2, 3, 11, 11])
    assert up(x, output_size=[12, 12]).shape == torch.Size([2, 3, 12, 12])
    assert nn.Conv1d(4, 2, 3, padding=1)(torch.randn(2, 4, 5)).shape == torch.Size([2, 2, 5])


def test_conv2d_padding_modes_pad_the_input():
    conv = nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False)
    x = torch.randn(1, 1, 4, 4)
    expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="circular"), conv.weight)
    np.testing.assert_allclose(conv(x).detach().numpy(), expected.detach().numpy(), rtol=1e-6)


def test_conv_constructor_errors():
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nn.Conv2d(3, 3, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(3, 3, 3, padding_mode="mirror")


def test_pooling_layers():
    x = torch.randn(1, 2, 6, 6)
    assert nn.MaxPool2d(2)(x).shape == torch.Size([1, 2, 3, 3])
    out, indices = nn.MaxPool2d(3, 2, return_indices=True, ceil_mode=True)(x)
    assert out.shape == indices.shape == torch.Size([1, 2, 3, 3])
    assert nn.AvgPool2d(2, 1)(x).shape == torch.Size([1, 2, 5, 5])
    assert nn.AdaptiveAvgPool2d((2, None))(x).shape == torch.Size([1, 2, 2, 6])
    assert nn.MaxPool1d(2)(torch.randn(2, 3, 8)).shape == torch.Size([2, 3, 4])
    assert nn.AdaptiveAvgPool1d(3)(torch.randn(2, 3, 8)).shape == torch.Size([2, 3, 3])


def test_batch_norm_tracks_running_statistics():
    torch.manual_seed(0)
    bn = nn.BatchNorm2d(3, momentum=0.5)
    x = torch.randn(4, 3, 2, 2) * 2 + 1
    y = bn(x)
    assert bn.num_batches_tracked.item() == 1
    values = x.numpy().transpose(1, 0, 2, 3).reshape(3, -1)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * values.mean(1), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * values.var(1, ddof=1), rtol=1e-5)
    normalized = y.detach().numpy().transpose(1, 0, 2, 3).reshape(3, -1)
    np.testing.assert_allclose(normalized.mean(1), 0, atol=1e-5)
    bn.eval()
    expected = (x.numpy() - bn.running_mean.numpy()[:, None, None]) / np.sqrt(
        bn.running_var.numpy()[:, None, None] + 1e-5
    )
    np.testing.assert_allclose(bn(x).detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    assert bn.num_batches_tracked.item() == 1


def test_batch_norm_cumulative_average_without_momentum():
    bn = nn.BatchNorm1d(1, momentum=None)
    bn(torch.tensor([[1.0], [3.0]]))
    bn(torch.tensor([[5.0], [7.0]]))
    assert bn.running_mean.tolist() == [4.0]


def test_batch_norm_without_running_stats_uses_batch_statistics_in_eval():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    assert bn.running_mean is None and list(bn.parameters()) == []
    y = bn(torch.tensor([[1.0, 2.0], [3.0, 6.0]]))
    np.testing.assert_allclose(y.numpy(), [[-1, -1], [1, 1]], atol=1e-4)


def test_batch_norm_input_checks():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(2)(torch.randn(2, 2, 2))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(2)(torch.randn(2, 2, 2, 2))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(torch.randn(1, 3))


def test_layer_norm_normalizes_the_last_dims():
    ln = nn.LayerNorm([2, 3])
    y = ln(torch.randn(4, 2, 3) * 3 + 2).detach().numpy().reshape(4, 6)
    np.testing.assert_allclose(y.mean(1), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(1), 1, rtol=1e-3)
    with pytest.raises(
        RuntimeError,
        match=r"Given normalized_shape=\[2, 3\], expected input "
        r"with shape \[\*, 2, 3\], but got input of size\[4, 3\]",
    ):
        ln(torch.randn(4, 3))


def test_dropout_layer_only_drops_in_training():
    drop = nn.Dropout(0.5)
    x = torch.ones(100)
    assert (drop(x) == 0).any()
    drop.eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(-0.1)


def test_embedding_layer():
    emb = nn.Embedding(5, 3, padding_idx=2)
    assert emb.weight[2].tolist() == [0.0, 0.0, 0.0]
    out = emb(torch.tensor([[0, 2], [4, 4]]))
    assert out.shape == torch.Size([2, 2, 3])
    out.sum().backward()
    assert emb.weight.grad[4].tolist() == [2.0, 2.0, 2.0]
    assert emb.weight.grad[2].tolist() == [0.0, 0.0, 0.0]
    frozen = nn.Embedding.from_pretrained(torch.eye(3))
    assert not frozen.weight.requires_grad
    assert frozen(torch.tensor([1])).tolist() == [[0.0, 1.0, 0.0]]


def test_flatten_and_unflatten():
    x = torch.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == torch.Size([2, 12])
    assert nn.Flatten(0, 1)(x).shape == torch.Size([6, 4])
    assert nn.Unflatten(1, (3, 2, 2))(nn.Flatten()(x)).shape == torch.Size([2, 3, 2, 2])


@pytest.mark.parametrize(
    ("module", "function"),
    [
        (nn.ReLU(), F.relu),
        (nn.LeakyReLU(0.3), lambda x: F.leaky_relu(x, 0.3)),
        (nn.ELU(0.7), lambda x: F.elu(x, 0.7)),
        (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh")),
        (nn.SiLU(), F.silu),
        (nn.Sigmoid(), torch.sigmoid),
        (nn.Tanh(), torch.tanh),
        (nn.Softmax(dim=0), lambda x: F.softmax(x, 0)),
        (nn.LogSoftmax(dim=1), lambda x: F.log_softmax(x, 1)),
    ],
)
def test_activation_layers_match_functional(module, function):
    x = torch.randn(3, 4)
    np.testing.assert_allclose(module(x).numpy(), function(x).numpy(), rtol=1e-6)


def test_relu_inplace_layer_modifies_its_input():
    x = torch.tensor([-1.0, 1.0])
    nn.ReLU(inplace=True)(x)
    assert x.tolist() == [0.0, 1.0]


@pytest.mark.parametrize(
    ("loss", "function"),
    [
        (nn.MSELoss(reduction="sum"), lambda x, y: F.mse_loss(x, y, reduction="sum")),
        (nn.L1Loss(), F.l1_loss),
        (nn.SmoothL1Loss(beta=0.5), lambda x, y: F.smooth_l1_loss(x, y, beta=0.5)),
        (
            nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0, 1.0, 1.0])),
            lambda x, y: F.binary_cross_entropy_with_logits(
                x, y, pos_weight=torch.tensor([2.0, 1.0, 1.0])
            ),
        ),
    ],
)
def test_loss_layers_match_functional(loss, function):
    x, y = torch.randn(2, 3), torch.rand(2, 3)
    np.testing.assert_allclose(loss(x, y).item(), function(x, y).item(), rtol=1e-6)


def test_cross_entropy_layer_options():
    x, t = torch.randn(4, 3), torch.tensor([0, 2, 1, 2])
    weight = torch.tensor([1.0, 2.0, 0.5])
    loss = nn.CrossEntropyLoss(weight=weight, ignore_index=1, label_smoothing=0.1)
    assert list(loss.state_dict()) == ["weight"]
    expected = F.cross_entropy(x, t, weight, ignore_index=1, label_smoothing=0.1)
    np.testing.assert_allclose(loss(x, t).item(), expected.item(), rtol=1e-6)
    assert nn.NLLLoss(reduction="none")(F.log_softmax(x, 1), t).shape == torch.Size([4])


def test_legacy_reduction_arguments():
    with pytest.warns(UserWarning):
        loss = nn.MSELoss(size_average=False)
    assert loss.reduction == "sum"


# --- init and clipping ---


def test_calculate_gain_and_fans():
    init = nn.init
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("conv2d") == 1
    assert init._calculate_fan_in_and_fan_out(torch.empty(6, 3, 5, 5)) == (75, 150)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        init._calculate_fan_in_and_fan_out(torch.empty(3))


def test_initialisers_fill_in_place_without_history():
    w = nn.Parameter(torch.empty(200, 100))
    assert nn.init.xavier_uniform_(w) is w and w.grad_fn is None
    assert float(w.abs().max()) <= math.sqrt(6 / 300)
    nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert abs(float(w.std()) - math.sqrt(2 / 200)) < 0.01
    nn.init.xavier_normal_(w, gain=2.0)
    assert abs(float(w.std()) - 2 * math.sqrt(2 / 300)) < 0.01
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    assert float(w.abs().max()) <= 1 / math.sqrt(100)
    nn.init.uniform_(w, 2, 3)
    assert 2 <= float(w.min()) and float(w.max()) <= 3
    nn.init.normal_(w, 1.0, 0.1)
    assert abs(float(w.mean()) - 1.0) < 0.01
    assert nn.init.ones_(w).sum().item() == 20000
    assert nn.init.zeros_(w).sum().item() == 0
    assert nn.init.constant_(w, 0.5).mean().item() == 0.5
    with pytest.raises(ValueError, match="Mode fan_both not supported"):
        nn.init.kaiming_uniform_(w, mode="fan_both")


def test_clip_grad_norm_scales_gradients_and_returns_the_total_norm():
    a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
    a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert isinstance(total, torch.Tensor) and abs(total.item() - 5.0) < 1e-6
    np.testing.assert_allclose(a.grad.numpy(), [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), [0.8], rtol=1e-5)
    total = nn.utils.clip_grad_norm_([a, b], max_norm=10.0, norm_type="inf")
    np.testing.assert_allclose(total.item(), 0.8, rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), [0.8], rtol=1e-5)


def test_clip_grad_norm_error_if_nonfinite():
    p = nn.Parameter(torch.zeros(1))
    p.grad = torch.tensor([float("inf")])
    with pytest.raises(
        RuntimeError,
        match="The total norm of order 2.0 for gradients from `parameters` is non-finite",
    ):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    p = nn.Parameter(torch.zeros(3))
    p.grad = torch.tensor([-2.0, 0.5, 3.0])
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0]


def test_conv2d_backward_twice_through_a_retained_graph_gives_the_same_gradients():
    # the forward keeps its im2col columns for the weight gradient; a second backward
    # through the retained graph must find them intact
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 3, 3, padding=1)
    x = torch.randn(2, 2, 5, 5, requires_grad=True)
    y = (conv(x) ** 2).sum()
    y.backward(retain_graph=True)
    first = [t.grad.clone() for t in (x, conv.weight, conv.bias)]
    for t in (x, conv.weight, conv.bias):
        t.grad = None
    y.backward()
    for t, expected in zip((x, conv.weight, conv.bias), first):
        assert torch.equal(t.grad, expected)
