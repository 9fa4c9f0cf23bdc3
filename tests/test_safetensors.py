"""numbatorch.utils.safetensors: the safetensors.torch API, files shared with PyTorch and
Hugging Face (tests/fixtures/torch_weights.safetensors was written by safetensors.torch)."""

import sys
from pathlib import Path

import numpy as np
import pytest

import numbatorch
import numbatorch.nn as nn

pytest.importorskip("safetensors")
from safetensors import SafetensorError  # noqa: E402

from numbatorch.utils import safetensors as st  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"


def sample() -> dict:
    return {
        "weight": numbatorch.arange(12.0).reshape(3, 4),
        "half": numbatorch.tensor([0.5, -1.0], dtype=numbatorch.float16),
        "long": numbatorch.tensor([-(2**40), 2**40]),
        "mask": numbatorch.tensor([True, False, True]),
        "scalar": numbatorch.tensor(3.0),
        "empty": numbatorch.zeros(0, 2),
    }


def assert_same(loaded: dict, expected: dict) -> None:
    assert set(loaded) == set(expected)
    for name, tensor in expected.items():
        assert loaded[name].dtype is tensor.dtype and loaded[name].shape == tensor.shape, name
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.numpy())


def test_save_and_load_round_trip_every_dtype_and_shape():
    assert_same(st.load(st.save(sample())), sample())


def test_save_file_and_load_file_round_trip_with_metadata(tmp_path):
    path = tmp_path / "model.safetensors"
    st.save_file(sample(), path, metadata={"format": "pt"})
    assert_same(st.load_file(path), sample())
    with open(path, "rb") as file:
        header_length = int.from_bytes(file.read(8), "little")
        assert b'"__metadata__":{"format":"pt"}' in file.read(header_length)


def test_reads_weights_written_by_safetensors_torch():
    loaded = st.load_file(FIXTURES / "torch_weights.safetensors")
    expected = np.arange(12, dtype=np.float32).reshape(3, 4) / 100 - 0.1
    np.testing.assert_array_equal(loaded["linear.weight"].numpy(), expected.astype(np.float32))
    assert loaded["linear.bias"].dtype is numbatorch.float16
    assert loaded["linear.bias"].tolist() == [0.0, 1.0, 2.0]
    assert loaded["steps"].dtype is numbatorch.int64 and loaded["steps"].item() == 7
    assert loaded["mask"].tolist() == [True, False]


def test_loaded_tensors_are_writeable():
    loaded = st.load_file(FIXTURES / "torch_weights.safetensors")
    loaded["steps"].add_(1)
    assert loaded["steps"].item() == 8


def test_tensors_sharing_memory_are_refused_as_safetensors_torch_does():
    base = numbatorch.arange(6.0)
    with pytest.raises(RuntimeError, match=r"Some tensors share memory.*\{'[ab]', '[ab]'\}"):
        st.save({"a": base, "b": base[2:]})


def test_disjoint_views_of_one_storage_may_be_saved():
    base = numbatorch.arange(6.0)
    loaded = st.load(st.save({"a": base[:3], "b": base[3:]}))
    assert loaded["b"].tolist() == [3.0, 4.0, 5.0]


def test_a_non_contiguous_tensor_is_refused():
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        st.save({"t": numbatorch.zeros(2, 3).t()})


@pytest.mark.parametrize(
    "tensors, message",
    [
        ([numbatorch.zeros(1)], "Expected a dict of \\[str, torch.Tensor\\] but received"),
        ({"a": np.zeros(1)}, "Key `a` is invalid, expected torch.Tensor but received"),
    ],
)
def test_what_is_not_a_dict_of_tensors_is_refused(tensors, message):
    with pytest.raises(ValueError, match=message):
        st.save(tensors)


def tied_model():
    model = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    model[1].weight = model[0].weight  # tied, as an embedding and its output layer
    return model


def test_save_model_writes_tied_weights_once_and_load_model_refills_them(tmp_path):
    path = tmp_path / "tied.safetensors"
    model = tied_model()
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        st.save_file(model.state_dict(), path)
    st.save_model(model, path)
    saved = st.load_file(path)
    assert sorted(saved) == ["0.bias", "0.weight", "1.bias"]
    with open(path, "rb") as file:
        header = file.read(8 + int.from_bytes(file.read(8), "little"))
    assert b'"1.weight":"0.weight"' in header
    fresh = tied_model()
    assert st.load_model(fresh, path) == ([], [])
    np.testing.assert_array_equal(fresh[1].weight.detach().numpy(), saved["0.weight"].numpy())
    np.testing.assert_array_equal(fresh[1].bias.detach().numpy(), saved["1.bias"].numpy())


def test_load_model_names_missing_and_unexpected_keys(tmp_path):
    path = tmp_path / "tied.safetensors"
    st.save_model(tied_model(), path)
    other = nn.Sequential(nn.Linear(3, 3))
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "1.bias"'):
        st.load_model(other, path)
    assert st.load_model(other, path, strict=False) == ([], ["1.bias"])


def test_a_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "cut.safetensors"
    path.write_bytes((FIXTURES / "torch_weights.safetensors").read_bytes()[:-10])
    with pytest.raises(SafetensorError, match="cut.safetensors: .*incomplete metadata"):
        st.load_file(path)


def test_a_corrupted_header_names_the_file(tmp_path):
    raw = bytearray((FIXTURES / "torch_weights.safetensors").read_bytes())
    raw[12] = ord("!")  # inside the JSON header
    path = tmp_path / "bad.safetensors"
    path.write_bytes(bytes(raw))
    with pytest.raises(SafetensorError, match="bad.safetensors: "):
        st.load_file(path)


def test_without_the_package_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match=r"pip install 'numbatorch\[safetensors\]'"):
        st.save({"a": numbatorch.zeros(1)})


@pytest.mark.torch
def test_files_interchange_with_safetensors_torch(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file, save_file

    ours, theirs = tmp_path / "ours.safetensors", tmp_path / "theirs.safetensors"
    st.save_file(sample(), ours)
    for name, tensor in load_file(ours).items():
        np.testing.assert_array_equal(tensor.numpy(), sample()[name].numpy())
    save_file({"w": torch.arange(6.0).reshape(2, 3), "i": torch.tensor([1, 2])}, theirs)
    loaded = st.load_file(theirs)
    assert loaded["w"].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert loaded["i"].dtype is numbatorch.int64


@pytest.mark.torch
def test_save_model_files_load_into_a_tied_pytorch_model(tmp_path):
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_model

    path = tmp_path / "tied.safetensors"
    model = tied_model()
    st.save_model(model, path)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Linear(3, 3))
    reference[1].weight = reference[0].weight
    load_model(reference, path)
    np.testing.assert_array_equal(
        reference[1].weight.detach().numpy(), model[0].weight.detach().numpy()
    )


def test_load_file_puts_tensors_on_the_device_asked_and_saves_from_it(tmp_path, device):
    path = tmp_path / "device.safetensors"
    st.save_file({"w": numbatorch.arange(3.0, device=device)}, path)
    loaded = st.load_file(path, device=device)
    assert loaded["w"].device.type == device and loaded["w"].cpu().tolist() == [0.0, 1.0, 2.0]
