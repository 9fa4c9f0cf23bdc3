"""numbatorch.save / load: round trips, the documented zip format, atomic writes, bad files."""

import io
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import numbatorch
import numbatorch.nn
from numbatorch.serialization import load, save


def round_trip(obj, **load_kwargs):
    buffer = io.BytesIO()
    save(obj, buffer)
    buffer.seek(0)
    return load(buffer, **load_kwargs)


def rewrite_manifest(path, change):
    """Rewrites format.json of the checkpoint at ``path`` through ``change(manifest)``."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(entries["format.json"])
    change(manifest)
    entries["format.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "float16", "int64", "int32", "uint8", "bool"]
)
def test_tensor_round_trips_with_values_dtype_and_shape(dtype):
    array = (np.arange(6).reshape(2, 3) % 3).astype(dtype)
    loaded = round_trip(numbatorch.tensor(array))
    assert loaded.dtype.name == dtype and loaded.shape == (2, 3)
    assert np.array_equal(loaded.numpy(), array)


def test_zero_dim_and_empty_tensors_round_trip():
    scalar, empty = round_trip(
        [numbatorch.from_numpy(np.array(2.5)), numbatorch.tensor(np.zeros((0, 4)))]
    )
    assert scalar.shape == () and scalar.item() == 2.5 and empty.shape == (0, 4)


def test_non_contiguous_tensor_round_trips_its_values():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    loaded = round_trip(numbatorch.tensor(array).transpose(0, 1))
    assert np.array_equal(loaded.numpy(), array.T)


def test_nested_containers_of_scalars_strings_and_dtypes_round_trip():
    obj = {
        "list": [1, 2.5, "three", None, True],
        "tuple": (0.9, 0.999),
        "dtype": numbatorch.float16,
        "device": numbatorch.device("cpu"),
        "nested": {"empty": [], "big": 2**70},
    }
    assert round_trip(obj) == obj


def test_non_finite_floats_round_trip():
    nan, inf, minus_inf = round_trip([math.nan, math.inf, -math.inf])
    assert math.isnan(nan) and inf == math.inf and minus_inf == -math.inf


def test_int_dict_keys_stay_ints_as_in_an_optimizer_state():
    state = {"state": {0: {"step": 3, "exp_avg": numbatorch.tensor([0.5])}}, "param_groups": []}
    loaded = round_trip(state)
    assert list(loaded["state"]) == [0] and loaded["state"][0]["step"] == 3


def test_ordered_dict_keeps_its_type_and_key_order():
    state = OrderedDict([("weight", numbatorch.tensor([1.0])), ("bias", numbatorch.tensor([2.0]))])
    loaded = round_trip(state)
    assert type(loaded) is OrderedDict and list(loaded) == ["weight", "bias"]


def test_numpy_arrays_and_scalars_round_trip():
    array, scalar = round_trip([np.arange(3, dtype=np.uint16), np.float32(0.5)])
    assert array.dtype == np.uint16 and array.tolist() == [0, 1, 2]
    assert scalar == 0.5 and type(scalar) is float


def test_requires_grad_is_restored():
    weight = numbatorch.tensor([1.0, 2.0], requires_grad=True)
    loaded = round_trip(weight)
    assert loaded.requires_grad and loaded.is_leaf


@pytest.mark.skipif(not hasattr(numbatorch.nn, "Parameter"), reason="needs nn.Parameter")
def test_parameter_loads_back_as_parameter():
    loaded = round_trip(numbatorch.nn.Parameter(numbatorch.tensor([1.0])))
    assert isinstance(loaded, numbatorch.nn.Parameter) and loaded.requires_grad


def test_one_tensor_saved_twice_loads_as_one_tensor():
    weight = numbatorch.tensor([1.0])
    first, second = round_trip([weight, weight])
    assert first is second


def test_views_of_one_storage_load_as_separate_copies():
    base = numbatorch.tensor([1.0, 2.0, 3.0])
    whole, part = round_trip([base, base[1:]])
    assert part.numpy().tolist() == [2.0, 3.0]
    whole.numpy()[1] = 9.0
    assert part.numpy().tolist() == [2.0, 3.0]


def test_save_to_a_path_and_load_it_back(tmp_path):
    path = tmp_path / "model.pt"
    save({"weight": numbatorch.tensor([1.0, 2.0])}, path)
    assert load(str(path))["weight"].numpy().tolist() == [1.0, 2.0]


def test_saved_file_is_a_zip_of_format_json_and_npy_files(tmp_path):
    save({"w": numbatorch.tensor([1.0])}, tmp_path / "model.pt")
    with zipfile.ZipFile(tmp_path / "model.pt") as archive:
        manifest = json.loads(archive.read("format.json"))
        array = np.load(io.BytesIO(archive.read("tensors/0.npy")), allow_pickle=False)
    tensor = {"file": "tensors/0.npy", "dtype": "float32", "shape": [1], "device": "cpu"}
    tensor.update(requires_grad=False, parameter=False)
    assert manifest == {
        "format": "numbatorch",
        "version": 1,
        "object": {"dict": [["w", {"tensor": tensor}]]},
    }
    assert array.dtype == np.float32 and array.tolist() == [1.0]


def test_saved_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        save([1], tmp_path / "model.pt")
    finally:
        os.umask(umask)
    assert (tmp_path / "model.pt").stat().st_mode & 0o777 == 0o644


def test_save_rejects_unsupported_objects_without_writing_a_file(tmp_path):
    class Model:
        pass

    with pytest.raises(TypeError, match="cannot save an object of type Model"):
        save({"model": Model()}, tmp_path / "model.pt")
    assert list(tmp_path.iterdir()) == []


def test_save_rejects_a_container_that_contains_itself():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="container that contains itself"):
        save(loop, io.BytesIO())


def test_failed_save_keeps_the_previous_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    save({"version": 1}, path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        save({"w": numbatorch.tensor([1.0])}, path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


def test_interrupted_save_leaves_no_temporary(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save({"w": numbatorch.tensor([1.0])}, tmp_path / "model.pt")
    assert list(tmp_path.iterdir()) == []


_KILLED_SAVE = """
import os, signal, sys
import numpy as np
import numbatorch

write = np.save


def write_then_die(*args, **kwargs):
    write(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)


np.save = write_then_die
numbatorch.save({"w": numbatorch.zeros(1000)}, sys.argv[1])
"""


def test_next_save_removes_the_temporary_of_a_save_killed_midway(tmp_path):
    path = tmp_path / "model.pt"
    killed = subprocess.run([sys.executable, "-c", _KILLED_SAVE, str(path)], check=False)
    assert killed.returncode == -signal.SIGKILL
    (leftover,) = tmp_path.iterdir()
    assert leftover.name.startswith(".model.pt.") and leftover.suffix == ".tmp"
    save({"version": 2}, path)
    assert list(tmp_path.iterdir()) == [path] and load(path) == {"version": 2}


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", ""])
    process.wait()
    return process.pid


def test_save_keeps_a_concurrent_saves_temporary_and_other_paths_ones(tmp_path):
    dead = _dead_pid()
    leftover = tmp_path / f".model.pt.{dead}.k2j4_x.tmp"
    live = tmp_path / f".model.pt.{os.getpid()}.abc123.tmp"  # a save running in this process
    other = tmp_path / f".other.pt.{dead}.abc123.tmp"
    for file in (leftover, live, other):
        file.write_bytes(b"partial")
    save([1], tmp_path / "model.pt")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.pt", live.name, other.name])


def test_save_removes_a_temporary_untouched_for_a_day_even_if_its_pid_runs(tmp_path):
    old = tmp_path / f".model.pt.{os.getpid()}.abc123.tmp"
    old.write_bytes(b"partial")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    save([1], tmp_path / "model.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


def test_save_into_a_missing_folder_raises_pytorchs_error(tmp_path):
    missing = tmp_path / "missing" / "deeper"
    with pytest.raises(
        RuntimeError, match=re.escape(f"Parent directory {missing} does not exist.")
    ):
        save([1], missing / "model.pt")


def test_a_failing_save_names_the_users_path_not_its_temporary(tmp_path):
    folder = tmp_path / "model.pt"
    folder.mkdir()  # os.replace of the temporary file onto a folder fails
    with pytest.raises(IsADirectoryError) as error:
        save([1], folder)
    assert error.value.filename == str(folder) and ".tmp" not in str(error.value)
    assert list(tmp_path.iterdir()) == [folder] and list(folder.iterdir()) == []


def test_load_of_a_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "model.pt"
    save({"w": numbatorch.tensor(np.zeros(100))}, path)
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(RuntimeError, match=r"model.pt is not a numbatorch checkpoint, or it is"):
        load(path)


def test_load_of_corrupted_tensor_data_raises(tmp_path):
    path = tmp_path / "model.pt"
    save(numbatorch.tensor(np.zeros(100)), path)
    content = bytearray(path.read_bytes())
    start = content.index(b"\x93NUMPY") + 200
    content[start] ^= 0xFF
    path.write_bytes(bytes(content))
    with pytest.raises(RuntimeError, match=r"model.pt .*Bad CRC-32"):
        load(path)


def test_load_rejects_a_newer_format_version(tmp_path):
    path = tmp_path / "model.pt"
    save([1], path)
    rewrite_manifest(path, lambda manifest: manifest.update(version=2))
    with pytest.raises(RuntimeError, match="has format version 2; this numbatorch reads version 1"):
        load(path)


def test_load_rejects_a_manifest_whose_shape_disagrees_with_the_data(tmp_path):
    path = tmp_path / "model.pt"
    save(numbatorch.tensor([1.0, 2.0]), path)
    rewrite_manifest(path, lambda manifest: manifest["object"]["tensor"].update(shape=[3]))
    with pytest.raises(RuntimeError, match=r"model.pt is corrupt: tensors/0.npy holds float32"):
        load(path)


def test_load_reads_a_pytorch_zip_checkpoint(tmp_path):
    # the format itself is tested in test_torch_format.py
    path = tmp_path / "torch.pt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    assert load(path) == {}


class _Exploit:
    ran = False

    def __reduce__(self):
        return (setattr, (_Exploit, "ran", True))


def test_load_never_unpickles_an_object_array(tmp_path):
    path = tmp_path / "model.pt"
    save(np.zeros(1), path)
    with zipfile.ZipFile(path) as archive:
        manifest = archive.read("format.json")
    payload = io.BytesIO()
    np.save(payload, np.array([_Exploit()], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("format.json", manifest)
        archive.writestr("tensors/0.npy", payload.getvalue())
    with pytest.raises(RuntimeError, match="tensors/0.npy is not a valid .npy file"):
        load(path, weights_only=False)
    assert not _Exploit.ran


def cuda_checkpoint(tmp_path):
    """A checkpoint whose tensor says it was saved from cuda:0."""
    path = tmp_path / "gpu.pt"
    save(numbatorch.tensor([1.0, 2.0]), path)
    rewrite_manifest(path, lambda manifest: manifest["object"]["tensor"].update(device="cuda:0"))
    return path


def test_load_of_a_cuda_tensor_without_cuda_asks_for_map_location(tmp_path, monkeypatch):
    monkeypatch.setattr(numbatorch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"map_location=torch.device\('cpu'\)"):
        load(cuda_checkpoint(tmp_path))


needs_cuda = pytest.mark.skipif(not numbatorch.cuda.is_available(), reason="needs CUDA")


@needs_cuda
def test_cuda_tensor_loads_back_on_cuda():
    loaded = round_trip(numbatorch.tensor([1.0, 2.0], device="cuda"))
    assert loaded.device == numbatorch.device("cuda", 0)
    assert loaded.cpu().numpy().tolist() == [1.0, 2.0]


@needs_cuda
def test_map_location_cuda_moves_cpu_tensors_to_cuda():
    loaded = round_trip(numbatorch.tensor([1.0]), map_location="cuda")
    assert loaded.device == numbatorch.device("cuda", 0)


@pytest.mark.parametrize(
    "map_location",
    ["cpu", numbatorch.device("cpu"), {"cuda:0": "cpu"}, lambda tensor, location: tensor],
    ids=["string", "device", "dict", "callable"],
)
def test_map_location_moves_cuda_tensors_to_the_cpu(tmp_path, map_location):
    loaded = load(cuda_checkpoint(tmp_path), map_location=map_location)
    assert loaded.device == numbatorch.device("cpu") and loaded.numpy().tolist() == [1.0, 2.0]


# --- whole objects (PyTorch's "save the entire model") ---------------------------------


def test_a_whole_model_round_trips_with_weights_only_false(tmp_path):
    nn = numbatorch.nn
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    checkpoint = {"model": model, "first": model[0].weight, "epoch": 7}
    save(checkpoint, tmp_path / "whole.pt")
    back = load(tmp_path / "whole.pt", weights_only=False)
    restored = back["model"]
    assert type(restored) is nn.Sequential and restored is not model
    assert [type(m) for m in restored] == [nn.Linear, nn.ReLU, nn.Linear]
    for (name, p), (name2, q) in zip(model.named_parameters(), restored.named_parameters()):
        assert name == name2 and isinstance(q, nn.Parameter) and q.requires_grad
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    # a tensor met inside and outside the pickle is stored once and loads as one object
    assert back["first"] is restored[0].weight and back["epoch"] == 7
    x = numbatorch.randn(5, 3)
    np.testing.assert_array_equal(restored(x).detach().numpy(), model(x).detach().numpy())


def test_a_whole_object_is_refused_by_default_and_nothing_runs(tmp_path):
    import pickle

    _Exploit.ran = False
    save({"payload": _Exploit()}, tmp_path / "whole.pt")  # pickling runs nothing either
    assert not _Exploit.ran
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed.*whole.pt"):
        load(tmp_path / "whole.pt")
    assert not _Exploit.ran
    load(tmp_path / "whole.pt", weights_only=False)  # the caller's explicit choice
    assert _Exploit.ran
    _Exploit.ran = False
