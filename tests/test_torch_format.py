"""PyTorch checkpoints without PyTorch: reading files torch.save wrote (tests/fixtures/,
made by make_torch_fixtures.py), writing files torch.load(weights_only=True) reads, and
refusing anything that would run code. The `torch` group checks both ways with PyTorch."""

import io
import os
import pickle
import pickletools
import struct
import subprocess
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch
import numbatorch.nn as nn

FIXTURES = Path(__file__).parent / "fixtures"


def arange_like(shape) -> np.ndarray:
    """The values make_torch_fixtures.py gives a float tensor of `shape`."""
    return (np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) / 100 - 0.1).astype(
        np.float32
    )


def lenet(framework=nn):
    """make_torch_fixtures.lenet, built with `framework` (numbatorch.nn or torch.nn)."""
    return framework.Sequential(
        framework.Conv2d(1, 2, 3),
        framework.ReLU(),
        framework.MaxPool2d(2),
        framework.Conv2d(2, 3, 3),
        framework.ReLU(),
        framework.Flatten(),
        framework.Linear(12, 5),
        framework.BatchNorm1d(5),
        framework.Linear(5, 3),
    )


def torch_round_trip(obj):
    buffer = io.BytesIO()
    numbatorch.save(obj, buffer, format="torch")
    buffer.seek(0)
    return numbatorch.load(buffer)


# -- reading files written by torch.save -------------------------------------------------


def test_reads_a_pytorch_lenet_state_dict_into_the_same_numbatorch_model():
    state = numbatorch.load(FIXTURES / "torch_lenet_state_dict.pt")
    assert isinstance(state, OrderedDict)
    model = lenet()
    model.load_state_dict(state)  # strict: every name and shape matches
    for name, value in model.state_dict().items():
        if value.is_floating_point():
            np.testing.assert_array_equal(value.numpy(), arange_like(tuple(value.shape)), name)
    assert state["7.num_batches_tracked"].dtype == numbatorch.int64


def test_reads_a_pytorch_adam_state_dict_and_resumes_from_it():
    saved = numbatorch.load(FIXTURES / "torch_adam_state_dict.pt")
    group = saved["param_groups"][0]
    assert group["betas"] == (0.8, 0.9) and group["params"] == [0, 1]
    for index, shape in enumerate([(2, 3), (4,)]):
        gradient = arange_like(shape) + 1
        state = saved["state"][index]
        assert state["step"].item() == 1.0
        np.testing.assert_allclose(state["exp_avg"].numpy(), 0.2 * gradient, rtol=1e-6)
        np.testing.assert_allclose(state["exp_avg_sq"].numpy(), 0.1 * gradient**2, rtol=1e-6)
    params = [nn.Parameter(numbatorch.zeros(2, 3)), nn.Parameter(numbatorch.zeros(4))]
    adam = numbatorch.optim.Adam(params, lr=0.5)
    adam.load_state_dict(saved)
    assert adam.param_groups[0]["betas"] == (0.8, 0.9)
    # A second step with gradient 2c: from the loaded moments each parameter moves by
    # lr * (0.56 / 0.36) / sqrt(0.49 / 0.19) (lr 0.01 as saved), not by lr as a first step
    # from zero would.
    for param in params:
        param.grad = numbatorch.from_numpy(2 * (arange_like(tuple(param.shape)) + 1))
    adam.step()
    expected = -0.01 * (0.56 / 0.36) / np.sqrt(0.49 / 0.19)
    for param in params:
        np.testing.assert_allclose(param.detach().numpy(), expected, rtol=1e-5)


def test_reads_nested_containers_and_plain_values():
    saved = numbatorch.load(FIXTURES / "torch_nested.pt")
    weights, (longs, nothing) = saved["weights"]
    assert weights.numpy().tolist() == [0.0, 1.0, 2.0] and nothing is None
    assert longs.dtype == numbatorch.int64 and longs.numpy().tolist() == [0, 1, 2, 3]
    assert isinstance(saved["weights"][1], tuple)
    config = saved["config"]
    assert type(config) is OrderedDict and list(config) == ["lr", "name", "layers", "flags"]
    assert config == {"lr": 0.5, "name": "net", "layers": [1, 2], "flags": {"on": True}}
    assert type(saved["size"]) is numbatorch.Size and saved["size"] == (2, 5)
    assert saved["device"] == numbatorch.device("cpu")
    assert saved["dtype"] is numbatorch.float16
    assert saved["big"] == 2**70 and saved["tags"] == {1, 2} and saved[7] == "int key"


def test_views_of_one_storage_stay_views_of_one_storage():
    saved = numbatorch.load(FIXTURES / "torch_views.pt")
    base = saved["base"]
    for name in ("row", "column", "transposed", "tail"):
        assert saved[name].untyped_storage() is base.untyped_storage(), name
    assert (saved["row"].storage_offset(), saved["row"].stride()) == (4, (1,))
    assert (saved["column"].storage_offset(), saved["column"].stride()) == (2, (4,))
    assert saved["transposed"].stride() == (1, 4)
    assert saved["tail"].storage_offset() == 5
    assert saved["same_object"] is saved["row"]
    base.add_(100)  # one write shows through every view, as in PyTorch
    assert saved["column"].numpy().tolist() == [102.0, 106.0, 110.0]
    assert saved["tail"].numpy()[0] == 105.0


def test_reads_every_dtype_and_autograd_flag():
    saved = numbatorch.load(FIXTURES / "torch_dtypes.pt")
    expected = {
        "float16": (numbatorch.float16, [0.0, 0.25, 0.5, 0.75]),
        "float64": (numbatorch.float64, (np.arange(3) / 3).tolist()),
        "int64": (numbatorch.int64, [-(2**40), 0, 2**40]),
        "int32": (numbatorch.int32, [-1, 0, 1]),
        "uint8": (numbatorch.uint8, [0, 7, 255]),
        "bool": (numbatorch.bool, [True, False, True]),
        "scalar": (numbatorch.float32, 2.5),
    }
    for name, (dtype, values) in expected.items():
        assert saved[name].dtype is dtype and saved[name].tolist() == values, name
    assert saved["empty"].shape == (0, 3)
    assert saved["requires_grad"].requires_grad and saved["requires_grad"].is_leaf
    assert type(saved["parameter"]) is nn.Parameter and saved["parameter"].requires_grad
    assert type(saved["frozen_parameter"]) is nn.Parameter
    assert not saved["frozen_parameter"].requires_grad
    assert not saved["float16"].requires_grad


def test_loaded_tensors_are_writeable():
    saved = numbatorch.load(FIXTURES / "torch_dtypes.pt")
    saved["int32"].add_(1)
    assert saved["int32"].tolist() == [0, 1, 2]


# -- writing files torch.load reads ----------------------------------------------------

# The globals numbatorch writes; all are in PyTorch's weights_only allow-list.
WRITTEN_GLOBALS = {
    "collections OrderedDict",
    "torch._utils _rebuild_tensor_v2",
    "torch._utils _rebuild_parameter",
    "torch FloatStorage",
    "torch LongStorage",
    "torch HalfStorage",
    "torch BoolStorage",
    "torch device",
    "torch Size",
    "torch float16",
}


def saved_views() -> dict:
    base = numbatorch.arange(12.0).reshape(3, 4)
    return {"base": base, "column": base[:, 2], "transposed": base.t(), "tail": base[2, 1:]}


def test_written_file_has_pytorchs_zip_layout(tmp_path):
    path = tmp_path / "model.pt"
    obj = {
        **saved_views(),
        "longs": numbatorch.arange(3),
        "half": numbatorch.ones(2, dtype=numbatorch.float16),
        "mask": numbatorch.tensor([True]),
        "weight": nn.Parameter(numbatorch.ones(2)),
        "extra": [numbatorch.Size([1]), numbatorch.device("cpu"), numbatorch.float16],
    }
    numbatorch.save(obj, path, format="torch")
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        assert names[0] == "archive/data.pkl" and names[-1] == "archive/version"
        assert set(names) == {
            "archive/data.pkl",
            "archive/byteorder",
            "archive/version",
            *(f"archive/data/{key}" for key in range(5)),  # one per storage: the views share
        }
        assert archive.read("archive/version") == b"3\n"
        assert archive.read("archive/byteorder") == b"little"
        assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)
        data_pkl = archive.read("archive/data.pkl")
    raw = path.read_bytes()
    for info in infos:  # each entry's bytes start at a multiple of 64, as PyTorch writes
        name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26 :][:4])
        assert (info.header_offset + 30 + name_length + extra_length) % 64 == 0, info.filename
    written = {arg for op, arg, _ in pickletools.genops(data_pkl) if op.name == "GLOBAL"}
    assert written == WRITTEN_GLOBALS
    assert next(pickletools.genops(data_pkl))[1] == 2  # protocol 2, as torch.save


def test_written_views_read_back_as_views_of_one_storage():
    loaded = torch_round_trip(saved_views())
    for name in ("column", "transposed", "tail"):
        assert loaded[name].untyped_storage() is loaded["base"].untyped_storage()
    assert loaded["column"].stride() == (4,) and loaded["column"].storage_offset() == 2
    assert loaded["transposed"].stride() == (1, 4)
    assert loaded["tail"].storage_offset() == 9
    assert loaded["tail"].tolist() == [9.0, 10.0, 11.0]


def test_pytorch_fixtures_survive_a_round_trip_through_our_writer():
    for fixture in ("torch_nested.pt", "torch_dtypes.pt", "torch_lenet_state_dict.pt"):
        first = numbatorch.load(FIXTURES / fixture)
        second = torch_round_trip(first)
        assert_same_tree(first, second)


def assert_same_tree(expected, actual):
    assert type(actual) is type(expected)
    if isinstance(expected, numbatorch.Tensor):
        assert actual.dtype is expected.dtype and actual.shape == expected.shape
        assert actual.requires_grad == expected.requires_grad
        np.testing.assert_array_equal(actual.detach().numpy(), expected.detach().numpy())
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same_tree(expected[key], actual[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for item, other in zip(expected, actual):
            assert_same_tree(item, other)
    else:
        assert actual == expected


@st.composite
def views(draw):
    """A base tensor and a view of it: a basic slice (steps included) of every dim, then
    a permutation of the dims."""
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=1, max_size=3)))
    index = tuple(
        slice(draw(st.integers(0, n)), draw(st.integers(0, n)), draw(st.integers(1, 3)))
        for n in shape
    )
    order = draw(st.permutations(range(len(shape))))
    base = numbatorch.arange(float(np.prod(shape))).reshape(shape)
    return base, base[index].permute(*order)


@settings(max_examples=40, deadline=None)
@given(views())
def test_any_view_keeps_its_values_strides_offset_and_storage(pair):
    base, view = pair
    loaded = torch_round_trip({"base": base, "view": view})
    assert loaded["view"].untyped_storage() is loaded["base"].untyped_storage()
    assert loaded["view"].shape == view.shape and loaded["view"].stride() == view.stride()
    assert loaded["view"].storage_offset() == view.storage_offset()
    np.testing.assert_array_equal(loaded["view"].numpy(), view.numpy())


def test_one_tensor_saved_twice_loads_as_one_tensor():
    tensor = numbatorch.ones(2)
    loaded = torch_round_trip([tensor, tensor])
    assert loaded[0] is loaded[1]


def test_save_rejects_unsupported_objects_without_writing_a_file(tmp_path):
    path = tmp_path / "model.pt"
    with pytest.raises(TypeError, match="cannot save an object of type ndarray"):
        numbatorch.save({"a": np.zeros(2)}, path, format="torch")
    assert not path.exists()


def test_save_rejects_an_unknown_format():
    with pytest.raises(ValueError, match="format must be 'numbatorch' or 'torch', not 'onnx'"):
        numbatorch.save({}, io.BytesIO(), format="onnx")


# -- hand-made files: bad input, and encodings torch.save rarely writes ---------------


def checkpoint_with_pickle(path: Path, data_pkl: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/version", b"3\n")
    return path


class _RunsCommand:
    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


def test_a_pickle_calling_os_system_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "marker"
    payload = pickle.dumps({"weights": _RunsCommand(f"touch {marker}")}, protocol=2)
    path = checkpoint_with_pickle(tmp_path / "evil.pt", payload)
    with pytest.raises(pickle.UnpicklingError) as error:
        numbatorch.load(path, weights_only=False)
    message = str(error.value)
    assert message.startswith("Weights only load failed.") and "evil.pt" in message
    assert f"Unsupported global: GLOBAL {os.system.__module__}.system" in message
    assert not marker.exists()


def test_build_on_anything_but_an_ordered_dict_is_refused(tmp_path):
    # torch.Size(()) followed by BUILD({'x': 1}): setting attributes is code-like power
    payload = b"\x80\x02ctorch\nSize\n)R}X\x01\x00\x00\x00xK\x01sb."
    path = checkpoint_with_pickle(tmp_path / "build.pt", payload)
    with pytest.raises(pickle.UnpicklingError, match="Can only build OrderedDict, but got Size"):
        numbatorch.load(path)


def rewritten(path: Path, source: Path, change) -> Path:
    """A copy of checkpoint `source` at `path` whose entries pass through change(name, data)."""
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, change(name, data))
    return path


def test_a_view_reaching_outside_its_storage_is_refused(tmp_path):
    path = rewritten(
        tmp_path / "short.pt",
        FIXTURES / "torch_views.pt",
        lambda name, data: data[:16] if name.endswith("data/0") else data,
    )
    with pytest.raises(RuntimeError, match="short.pt is corrupt: a tensor of size \\[3, 4\\]"):
        numbatorch.load(path)


def test_a_dtype_numbatorch_lacks_is_named(tmp_path):
    path = rewritten(
        tmp_path / "complex.pt",
        FIXTURES / "torch_views.pt",
        lambda name, data: data.replace(b"FloatStorage", b"ComplexFloatStorage"),
    )
    with pytest.raises(RuntimeError, match="complex.pt holds a ComplexFloatStorage"):
        numbatorch.load(path)


def test_a_truncated_pytorch_checkpoint_names_the_file(tmp_path):
    path = tmp_path / "cut.pt"
    path.write_bytes((FIXTURES / "torch_views.pt").read_bytes()[:900])
    with pytest.raises(RuntimeError, match="cut.pt"):
        numbatorch.load(path)


def test_corrupted_storage_bytes_name_the_file_and_entry(tmp_path):
    raw = bytearray((FIXTURES / "torch_views.pt").read_bytes())
    with zipfile.ZipFile(FIXTURES / "torch_views.pt") as archive:
        info = archive.getinfo("torch_views/data/0")
    name_length, extra_length = struct.unpack("<HH", raw[info.header_offset + 26 :][:4])
    raw[info.header_offset + 30 + name_length + extra_length] ^= 0xFF
    path = tmp_path / "flipped.pt"
    path.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match="flipped.pt is corrupt: .*torch_views/data/0"):
        numbatorch.load(path)


def test_a_garbled_pickle_names_the_file(tmp_path):
    path = checkpoint_with_pickle(tmp_path / "garbled.pt", b"\x80\x02}q\x00(X\x01")
    with pytest.raises(RuntimeError, match="garbled.pt is corrupt: archive/data.pkl cannot be"):
        numbatorch.load(path)


def test_bytes_pickled_as_codecs_encode_are_read(tmp_path):
    # protocol 2 has no bytes opcode: Python writes _codecs.encode(text, 'latin1')
    payload = pickle.dumps({"blob": b"\x00\xffab"}, protocol=2)
    assert b"_codecs" in payload
    loaded = numbatorch.load(checkpoint_with_pickle(tmp_path / "bytes.pt", payload))
    assert loaded == {"blob": b"\x00\xffab"}


def test_a_big_endian_checkpoint_is_read_in_native_order(tmp_path):
    def to_big_endian(name, data):
        if name.endswith("byteorder"):
            return b"big"
        if "/data/" in name:
            return np.frombuffer(data, "<f4").astype(">f4").tobytes()
        return data

    path = rewritten(tmp_path / "big.pt", FIXTURES / "torch_views.pt", to_big_endian)
    loaded = numbatorch.load(path)
    assert loaded["column"].tolist() == [2.0, 6.0, 10.0]
    assert loaded["base"].numpy().dtype.isnative


# -- both ways with PyTorch installed ----------------------------------------------------


@pytest.mark.torch
def test_pytorch_model_weights_give_the_same_outputs_in_numbatorch(tmp_path):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    reference = lenet(torch.nn).eval()
    torch.save(reference.state_dict(), tmp_path / "lenet.pt")
    model = lenet().eval()
    model.load_state_dict(numbatorch.load(tmp_path / "lenet.pt"))
    images = np.random.default_rng(0).standard_normal((4, 1, 10, 10)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(images)).numpy()
    with numbatorch.no_grad():
        actual = model(numbatorch.from_numpy(images)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_numbatorch_model_and_optimizer_load_in_pytorch_weights_only(tmp_path):
    torch = pytest.importorskip("torch")
    model = lenet().eval()
    adam = numbatorch.optim.Adam(model.parameters(), lr=0.01)
    images = np.random.default_rng(1).standard_normal((4, 1, 10, 10)).astype(np.float32)
    model(numbatorch.from_numpy(images)).sum().backward()
    adam.step()
    numbatorch.save(
        {"model": model.state_dict(), "optimizer": adam.state_dict()},
        tmp_path / "checkpoint.pt",
        format="torch",
    )
    checkpoint = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    reference = lenet(torch.nn).eval()
    reference.load_state_dict(checkpoint["model"])
    torch_adam = torch.optim.Adam(reference.parameters(), lr=0.01)
    torch_adam.load_state_dict(checkpoint["optimizer"])
    first = next(iter(reference.parameters()))
    np.testing.assert_array_equal(
        torch_adam.state[first]["exp_avg"].numpy(),
        adam.state[next(iter(model.parameters()))]["exp_avg"].numpy(),
    )
    with torch.no_grad():
        expected = reference(torch.from_numpy(images)).numpy()
    with numbatorch.no_grad():
        actual = model(numbatorch.from_numpy(images)).numpy()
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.torch
def test_views_written_by_numbatorch_are_views_in_pytorch(tmp_path):
    torch = pytest.importorskip("torch")
    numbatorch.save(saved_views(), tmp_path / "views.pt", format="torch")
    loaded = torch.load(tmp_path / "views.pt", weights_only=True)
    pointer = loaded["base"].untyped_storage().data_ptr()
    for name in ("column", "transposed", "tail"):
        assert loaded[name].untyped_storage().data_ptr() == pointer, name
    assert loaded["column"].stride() == (4,) and loaded["column"].storage_offset() == 2
    assert loaded["tail"].tolist() == [9.0, 10.0, 11.0]
    loaded["base"].add_(1)
    assert loaded["transposed"][2].tolist() == [3.0, 7.0, 11.0]


@pytest.mark.torch
def test_pytorch_and_numbatorch_both_refuse_a_pickle_calling_os_system(tmp_path):
    torch = pytest.importorskip("torch")
    path = checkpoint_with_pickle(
        tmp_path / "evil.pt", pickle.dumps(_RunsCommand("true"), protocol=2)
    )
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        torch.load(path, weights_only=True)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        numbatorch.load(path)


def test_reads_a_pytorch_lstm_and_gives_its_outputs():
    saved = numbatorch.load(FIXTURES / "torch_lstm.pt")
    model = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    model.load_state_dict(saved["state_dict"])
    with numbatorch.no_grad():
        output, (h_n, c_n) = model(saved["input"])
    for name, got in (("output", output), ("h_n", h_n), ("c_n", c_n)):
        np.testing.assert_allclose(got.numpy(), saved[name].numpy(), rtol=1e-5, atol=1e-6)


def recurrent_and_attention_models(framework) -> dict:
    """The same architectures under both frameworks' names, in eval mode."""
    return {
        "lstm": framework.LSTM(3, 4, num_layers=2, bidirectional=True).eval(),
        "encoder_layer": framework.TransformerEncoderLayer(
            8, 2, dim_feedforward=16, batch_first=True
        ).eval(),
    }


MODEL_INPUTS = {"lstm": (5, 2, 3), "encoder_layer": (2, 5, 8)}


def outputs_of(model, x) -> list[np.ndarray]:
    out = model(x)
    if isinstance(out, tuple):  # an LSTM's (output, (h_n, c_n))
        out = (out[0], *out[1])
        return [t.detach().numpy() for t in out]
    return [out.detach().numpy()]


@pytest.mark.torch
@pytest.mark.parametrize("name", ["lstm", "encoder_layer"])
def test_pytorch_lstm_and_transformer_layer_round_trip_both_ways(tmp_path, name):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(MODEL_INPUTS[name]).astype(np.float32)
    # PyTorch -> numbatorch
    reference = recurrent_and_attention_models(torch.nn)[name]
    torch.save(reference.state_dict(), tmp_path / "torch.pt")
    model = recurrent_and_attention_models(nn)[name]
    model.load_state_dict(numbatorch.load(tmp_path / "torch.pt"))
    with torch.no_grad():
        expected = outputs_of(reference, torch.from_numpy(x))
    with numbatorch.no_grad():
        actual = outputs_of(model, numbatorch.from_numpy(x))
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    # numbatorch -> PyTorch, from fresh weights of numbatorch's own initialization
    numbatorch.manual_seed(1)
    model = recurrent_and_attention_models(nn)[name]
    numbatorch.save(model.state_dict(), tmp_path / "numbatorch.pt", format="torch")
    reference = recurrent_and_attention_models(torch.nn)[name]
    reference.load_state_dict(torch.load(tmp_path / "numbatorch.pt", weights_only=True))
    with torch.no_grad():
        expected = outputs_of(reference, torch.from_numpy(x))
    with numbatorch.no_grad():
        actual = outputs_of(model, numbatorch.from_numpy(x))
    for got, want in zip(actual, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_numbatorch_imports_none_of_torch_safetensors_tensorboard():
    # each interop feature imports its library when used, so the core works without them
    code = (
        "import sys, numbatorch, numbatorch.serialization, numbatorch.utils.safetensors, "
        "numbatorch.utils.tensorboard\n"
        "print(sorted({'torch', 'safetensors', 'tensorboard'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_device_round_trip_keeps_the_device_and_the_sharing(device):
    base = numbatorch.arange(6.0, device=device)
    loaded = torch_round_trip({"base": base, "tail": base[3:]})
    assert loaded["base"].device == base.device
    assert loaded["tail"].untyped_storage() is loaded["base"].untyped_storage()
    assert loaded["tail"].cpu().tolist() == [3.0, 4.0, 5.0]


@pytest.mark.skipif(not numbatorch.cuda.is_available(), reason="needs CUDA")
def test_map_location_cpu_brings_cuda_storages_to_the_cpu():
    buffer = io.BytesIO()
    numbatorch.save(numbatorch.ones(2, device="cuda"), buffer, format="torch")
    buffer.seek(0)
    loaded = numbatorch.load(buffer, map_location="cpu")
    assert loaded.device == numbatorch.device("cpu") and loaded.tolist() == [1.0, 1.0]


@pytest.mark.torch
@pytest.mark.skipif(not numbatorch.cuda.is_available(), reason="needs CUDA")
def test_pytorch_loads_our_cuda_tensors_with_map_location_cpu(tmp_path):
    torch = pytest.importorskip("torch")
    numbatorch.save(numbatorch.arange(3.0, device="cuda"), tmp_path / "gpu.pt", format="torch")
    loaded = torch.load(tmp_path / "gpu.pt", weights_only=True, map_location="cpu")
    assert loaded.tolist() == [0.0, 1.0, 2.0]


@pytest.mark.torch
def test_a_pytorch_tensor_with_python_attributes_is_refused_by_name(tmp_path):
    torch = pytest.importorskip("torch")
    tensor = torch.ones(2)
    tensor.note = "calibrated"
    torch.save(tensor, tmp_path / "attributes.pt")
    with pytest.raises(RuntimeError, match="attributes.pt holds a tensor with Python attributes"):
        numbatorch.load(tmp_path / "attributes.pt")


@pytest.mark.torch
@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_reads_torch_save_with_every_pickle_protocol(tmp_path, protocol):
    torch = pytest.importorskip("torch")
    base = torch.arange(6.0).reshape(2, 3)
    saved = {"base": base, "column": base[:, 1], "tags": {1, 2}, "blob": b"xy"}
    torch.save(saved, tmp_path / "p.pt", pickle_protocol=protocol)
    loaded = numbatorch.load(tmp_path / "p.pt")
    assert loaded["column"].tolist() == [1.0, 4.0]
    assert loaded["column"].untyped_storage() is loaded["base"].untyped_storage()
    assert loaded["tags"] == {1, 2} and loaded["blob"] == b"xy"
