"""bfloat16: stored as 16 bits (the upper half of each value's float32), converted with
round-to-nearest-even by the copy kernels on both devices, computed in float32 and
rounded back, printed and described as PyTorch does."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F


def rne_bits(values) -> np.ndarray:
    """numpy reference of PyTorch's float32 -> bfloat16 (c10 round_to_nearest_even)."""
    bits = np.asarray(values, np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return np.where(np.isnan(values), 0x7FC0, rounded).astype(np.uint16)


def bits_of(t: torch.Tensor) -> np.ndarray:
    """The stored 16-bit patterns of a bfloat16 tensor (on any device)."""
    return t.cpu()._host().copy()


def awkward_float32s() -> np.ndarray:
    """Random values of every magnitude, plus ties (odd and even), values that round up
    into the next binade and to infinity, zeros, subnormals, infinities and NaNs."""
    rng = np.random.default_rng(0)
    random = (rng.standard_normal(64) * 10.0 ** rng.integers(-40, 38, 64)).astype(np.float32)
    special = np.array(
        [0x3F808000, 0x3F818000, 0x3F80FFFF, 0x3FFF8000, 0x7F7FFFFF, 0x7F7F8000, 0x00000001,
         0x00008000, 0x00018000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001,
         0xFFFFFFFF, 0xBF808001],
        np.uint32,
    ).view(np.float32)  # fmt: skip
    return np.concatenate([random, special])


def test_float32_to_bfloat16_rounds_to_nearest_even_bit_for_bit(device):
    values = awkward_float32s()
    converted = torch.tensor(values, device=device).to(torch.bfloat16)
    assert converted.dtype is torch.bfloat16 and converted.element_size() == 2
    np.testing.assert_array_equal(bits_of(converted), rne_bits(values))


def test_bfloat16_widens_to_float32_exactly(device):
    bits = np.arange(0, 1 << 16, 97, dtype=np.uint16)  # every exponent, both signs
    t = torch.tensor([0.0] * bits.size, dtype=torch.bfloat16)
    t._array[...] = bits  # stored patterns, as a PyTorch checkpoint would hold them
    widened = t.to(device).float().cpu().numpy()
    expected = (bits.astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_array_equal(widened.view(np.uint32), expected.view(np.uint32))


def test_float64_and_integers_round_through_float32_as_pytorch_does():
    # 1 + 2^-8 + 2^-30 is above the bfloat16 midpoint 1 + 2^-8, but its float32 is the
    # midpoint itself, which rounds to even (1.0): PyTorch converts double -> float -> bf16
    x = torch.tensor([1 + 2.0**-8 + 2.0**-30, 3.0], dtype=torch.float64)
    assert x.bfloat16().tolist() == [1.0, 3.0]
    assert torch.tensor([257, -7]).to(torch.bfloat16).tolist() == [256.0, -7.0]


def test_arithmetic_runs_in_float32_and_rounds_once():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(50).astype(np.float32), rng.standard_normal(50).astype(np.float32)
    x, y = torch.tensor(a).bfloat16(), torch.tensor(b).bfloat16()

    def widen(bits):
        return (bits.astype(np.uint32) << 16).view(np.float32)

    wa, wb = widen(rne_bits(a)), widen(rne_bits(b))
    # each op rounds its float32 result once, as PyTorch's do
    product = rne_bits(wa * wb)
    np.testing.assert_array_equal(bits_of(x * y), product)
    np.testing.assert_array_equal(bits_of(x * y + x), rne_bits(widen(product) + wa))
    np.testing.assert_array_equal(bits_of(x.abs().sqrt()), rne_bits(np.sqrt(np.abs(wa))))
    assert (x + y).dtype is torch.bfloat16
    assert (x + torch.ones(50)).dtype is torch.float32
    assert (x + torch.ones(50, dtype=torch.float16)).dtype is torch.float32
    assert (x * 2).dtype is torch.bfloat16


def test_fill_and_factories_round_their_values():
    t = torch.zeros(3, dtype=torch.bfloat16)
    t.fill_(1.7)
    assert t.tolist() == [1.703125] * 3
    assert torch.full((2,), 0.1, dtype=torch.bfloat16).tolist() == [0.10009765625] * 2
    assert torch.ones(2, dtype=torch.bfloat16).sum().item() == 2.0


def test_conversion_methods_and_modules():
    x = torch.tensor([0.3, -1.25])
    assert x.bfloat16().dtype is torch.bfloat16
    assert x.to(torch.bfloat16).float().tolist() == [0.30078125, -1.25]
    assert x.type(torch.bfloat16).type() == "torch.BFloat16Tensor"
    model = nn.Linear(3, 2).bfloat16()
    assert model.weight.dtype is torch.bfloat16 and model.bias.dtype is torch.bfloat16
    out = model(torch.ones(4, 3, dtype=torch.bfloat16))
    assert out.dtype is torch.bfloat16
    out.float().sum().backward()
    assert model.weight.grad.dtype is torch.bfloat16
    np.testing.assert_array_equal(model.weight.grad.float().numpy(), np.full((2, 3), 4.0))


def test_printing_matches_pytorch():
    x = torch.tensor([1.0, -2.5, 3.14159, 0.1], dtype=torch.bfloat16)
    assert repr(x) == "tensor([ 1.0000, -2.5000,  3.1406,  0.1001], dtype=torch.bfloat16)"
    assert repr(x * 1000) == ("tensor([ 1000., -2496.,  3136.,   100.], dtype=torch.bfloat16)")
    assert repr(torch.tensor(2.5, dtype=torch.bfloat16)) == "tensor(2.5000, dtype=torch.bfloat16)"


def test_numpy_refuses_bfloat16_as_pytorch_does():
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        torch.ones(2, dtype=torch.bfloat16).numpy()


def test_finfo_and_cuda_support_flag():
    info = torch.finfo(torch.bfloat16)
    assert (info.bits, info.eps, info.resolution) == (16, 0.0078125, 0.01)
    assert info.max == 3.3895313892515355e38 and info.min == -info.max
    assert info.tiny == info.smallest_normal == 1.1754943508222875e-38
    assert info.dtype == "bfloat16"
    assert torch.cuda.is_bf16_supported() == torch.cuda.is_available()


def test_pickle_keeps_bfloat16():
    x = torch.tensor([1.5, -0.1], dtype=torch.bfloat16)
    y = pickle.loads(pickle.dumps(x))
    assert y.dtype is torch.bfloat16
    np.testing.assert_array_equal(bits_of(y), bits_of(x))


def test_conv_and_pooling_compute_in_float32():
    torch.manual_seed(0)
    image, weight = torch.randn(1, 2, 5, 5).bfloat16(), torch.randn(3, 2, 3, 3).bfloat16()
    expected = F.conv2d(image.float(), weight.float()).bfloat16()
    np.testing.assert_array_equal(bits_of(F.conv2d(image, weight)), bits_of(expected))
    pooled = F.max_pool2d(-image, 2)  # negative values: an integer compare would pick wrong
    np.testing.assert_array_equal(
        bits_of(pooled), bits_of(F.max_pool2d(-image.float(), 2).bfloat16())
    )
    np.testing.assert_array_equal(
        bits_of(F.avg_pool2d(image, 2)), bits_of(F.avg_pool2d(image.float(), 2).bfloat16())
    )


def test_accumulating_index_ops_add_in_float32():
    x = torch.zeros(2, dtype=torch.bfloat16)
    source = torch.tensor([1.5, -0.25, 2.0], dtype=torch.bfloat16)
    added = x.index_add(0, torch.tensor([0, 0, 1]), source)
    assert added.dtype is torch.bfloat16 and added.tolist() == [1.25, 2.0]
    weight = torch.ones(3, 2, dtype=torch.bfloat16, requires_grad=True)
    F.embedding(torch.tensor([1, 1, 0]), weight).sum().backward()
    assert weight.grad.tolist() == [[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]


@pytest.mark.torch
def test_conversion_matches_pytorchs_bits():
    pytorch = pytest.importorskip("torch")
    values = awkward_float32s()
    theirs = pytorch.tensor(values).bfloat16().view(pytorch.int16).numpy().view(np.uint16)
    ours = bits_of(torch.tensor(values).bfloat16())
    # NaNs stay NaNs; their payload is c10's scalar 0x7FC0 here, while PyTorch's vectorised
    # CPU loop writes 0xFFFF (its float64 path writes 0x7FC0 too)
    numbers = ~np.isnan(values)
    np.testing.assert_array_equal(ours[numbers], theirs[numbers])
    assert np.all((ours[~numbers] & 0x7F80 == 0x7F80) & (ours[~numbers] & 0x7F != 0))


@pytest.mark.parametrize("format", ["numbatorch", "torch"])
def test_save_and_load_keep_the_bits(tmp_path, format):
    x = torch.tensor([1.5, -0.1, 3e30], dtype=torch.bfloat16)
    torch.save({"w": x}, tmp_path / "w.pt", format=format)
    loaded = torch.load(tmp_path / "w.pt")["w"]
    assert loaded.dtype is torch.bfloat16
    np.testing.assert_array_equal(bits_of(loaded), bits_of(x))


@pytest.mark.torch
def test_pytorch_bfloat16_checkpoints_load_and_ours_load_in_pytorch(tmp_path):
    pytorch = pytest.importorskip("torch")
    theirs = pytorch.tensor([1.5, -0.1, 3e30]).bfloat16()
    pytorch.save({"w": theirs}, tmp_path / "theirs.pt")
    ours = torch.load(tmp_path / "theirs.pt")["w"]
    assert ours.tolist() == theirs.tolist()
    torch.save({"w": ours * 2}, tmp_path / "ours.pt", format="torch")
    back = pytorch.load(tmp_path / "ours.pt", weights_only=True)["w"]
    assert back.dtype is pytorch.bfloat16 and back.tolist() == (theirs * 2).tolist()


@pytest.mark.parametrize(
    ("optimizer_class", "options"),
    [(torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}), (torch.optim.Adam, {"lr": 0.1})],
)
def test_optimizers_update_bfloat16_parameters_in_float32(optimizer_class, options):
    start = [0.7, -1.3, 2.2]
    ours = nn.Parameter(torch.tensor(start, dtype=torch.bfloat16))
    wide = nn.Parameter(torch.tensor(start, dtype=torch.bfloat16).float())
    optimizers = [optimizer_class([p], **options) for p in (ours, wide)]
    for _ in range(2):
        ours.grad = torch.tensor([0.5, -0.25, 1.0], dtype=torch.bfloat16)
        wide.grad = ours.grad.float()
        for optimizer in optimizers:
            optimizer.step()
        wide.data = wide.detach().bfloat16().float()  # the rounding each stored step gets
    assert ours.dtype is torch.bfloat16
    np.testing.assert_array_equal(ours.detach().float().numpy(), wide.detach().numpy())
    state = next(iter(optimizers[0].state.values()))
    assert all(v.dtype is torch.bfloat16 for k, v in state.items() if k != "step")


def test_conversion_launchers_refuse_outputs_of_another_size():
    from numbatorch.kernels.cpu import bfloat16

    with pytest.raises(ValueError, match="bfloat16 conversion of 3 values into 2"):
        bfloat16.round_to_bfloat16(np.zeros(3, np.float32), np.zeros(2, np.uint16))
    with pytest.raises(ValueError, match="bfloat16 conversion of 2 values into 3"):
        bfloat16.widen_bfloat16(np.zeros(2, np.uint16), np.zeros(3, np.float32))


def test_safetensors_refuses_bfloat16_rather_than_writing_its_bits_as_uint16(tmp_path):
    pytest.importorskip("safetensors")
    from numbatorch.utils.safetensors import save_file

    with pytest.raises(TypeError, match="cannot write the bfloat16 tensor `w`"):
        save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "w.safetensors")
    assert not (tmp_path / "w.safetensors").exists()


def test_ranges_and_random_factories_write_values_not_bits():
    assert torch.arange(0, 3, dtype=torch.bfloat16).tolist() == [0.0, 1.0, 2.0]
    assert torch.arange(0.5, 2.0, 0.5, dtype=torch.bfloat16).tolist() == [0.5, 1.0, 1.5]
    assert sorted(torch.randperm(4, dtype=torch.bfloat16).tolist()) == [0.0, 1.0, 2.0, 3.0]
    for factory in (torch.rand, torch.randn):
        torch.manual_seed(3)
        ours = factory(50, dtype=torch.bfloat16)
        torch.manual_seed(3)
        expected = factory(50).bfloat16()
        np.testing.assert_array_equal(bits_of(ours), bits_of(expected))
    values = torch.randint(2, 6, (50,), dtype=torch.bfloat16).tolist()
    assert set(values) <= {2.0, 3.0, 4.0, 5.0} and len(set(values)) > 1
