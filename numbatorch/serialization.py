"""numbatorch.save / numbatorch.load: a zip of JSON and .npy files. Loading unpickles only
what the caller allows with ``weights_only=False`` (a whole model saved as an object, as
PyTorch's "save the entire model" does). PyTorch's own checkpoint format
(``format="torch"``) is read and written by ``_torch_format``.

Format, version 1. The file is a zip archive (stored, not compressed) holding

* ``format.json``: ``{"format": "numbatorch", "version": 1, "object": NODE}``;
* ``tensors/<k>.npy``: one numpy ``.npy`` file per tensor or numpy array, C-contiguous,
  written and read with ``allow_pickle=False``.

A NODE is plain JSON for ``None``, ``bool``, ``int``, ``str`` and finite ``float``;
anything else is a JSON object with exactly one key, the tag, which names its type:

* ``{"float": "nan" | "inf" | "-inf"}``;
* ``{"list": [NODE, ...]}``, ``{"tuple": [NODE, ...]}``;
* ``{"dict": [[KEY, NODE], ...]}``, ``{"ordered_dict": [[KEY, NODE], ...]}``, keys being
  NODEs too, so int keys (an optimizer's ``state``) stay ints;
* ``{"tensor": {"file", "dtype", "shape", "device", "requires_grad", "parameter"}}``;
* ``{"ndarray": {"file", "dtype", "shape"}}``;
* ``{"dtype": "float32"}``, ``{"device": "cuda:0"}``;
* ``{"ref": k}``: the k-th tensor or array written (counting from 0), met again: one
  object saved twice is stored once and loads as one object;
* ``{"pickle": "objects/<k>.pkl"}``: any other object (a Module, say), pickled with its
  tensors and arrays left out: the pickle names each by its NODE (a persistent id), so
  they are stored as .npy files like the rest and map_location applies to them.

numpy scalars are saved as the equal Python scalar. Distinct tensors that share storage
(views) are saved as separate copies and load as separate tensors; a tensor's strides
are not kept (it loads contiguous).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import math
import os
import pickle
import sys
import tempfile
import time
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any

import numpy as np

import numbatorch
from numbatorch import _dtype, _torch_format
from numbatorch._device import as_device
from numbatorch._device import device as _Device

FORMAT_VERSION = 1
_MANIFEST = "format.json"

FileLike = str | os.PathLike | IO[bytes]
MapLocation = str | _Device | dict | Callable | None


class _Encoder:
    """Turns an object tree into JSON nodes, collecting the arrays to write."""

    def __init__(self) -> None:
        self.arrays: list[Any] = []  # tensors and ndarrays, in file order
        self._seen: dict[int, int] = {}  # id(tensor or array) -> its file number
        self._open_containers: set[int] = set()
        self.pickles: list[bytes] = []  # objects saved whole, in file order

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"float": repr(obj)}
        if isinstance(obj, numbatorch.Tensor):
            return self._array_node("tensor", obj)
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                raise TypeError("numbatorch.save cannot save numpy arrays of Python objects")
            return self._array_node("ndarray", obj)
        if isinstance(obj, np.generic):
            return self.encode(obj.item())
        if isinstance(obj, _dtype.dtype):
            return {"dtype": obj.name}
        if isinstance(obj, _Device):
            return {"device": str(obj)}
        if isinstance(obj, (list, tuple, dict)):
            return self._container(obj)
        return self._pickled(obj)

    def _pickled(self, obj: Any) -> dict:
        """``obj`` pickled, its tensors and arrays stored as .npy files (their nodes are
        the pickle's persistent ids)."""
        encoder = self

        class Pickler(pickle.Pickler):
            def persistent_id(self, item: Any) -> Any:
                if isinstance(item, (numbatorch.Tensor, np.ndarray)):
                    return json.dumps(encoder.encode(item))
                return None

        buffer = io.BytesIO()
        try:
            Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            raise TypeError(
                f"numbatorch.save cannot save an object of type {type(obj).__name__}: it is "
                f"not picklable ({error}); save its state_dict() instead"
            ) from error
        self.pickles.append(buffer.getvalue())
        return {"pickle": f"objects/{len(self.pickles) - 1}.pkl"}

    def _container(self, obj: list | tuple | dict) -> dict:
        if id(obj) in self._open_containers:
            raise ValueError("numbatorch.save cannot save a container that contains itself")
        self._open_containers.add(id(obj))
        if isinstance(obj, dict):
            tag = "ordered_dict" if isinstance(obj, OrderedDict) else "dict"
            node = {tag: [[self._key(key), self.encode(value)] for key, value in obj.items()]}
        else:
            tag = "tuple" if isinstance(obj, tuple) else "list"
            node = {tag: [self.encode(item) for item in obj]}
        self._open_containers.discard(id(obj))
        return node

    def _key(self, key: Any) -> Any:
        if isinstance(key, (numbatorch.Tensor, np.ndarray)):
            raise TypeError("numbatorch.save cannot save a dict whose keys are tensors")
        return self.encode(key)

    def _array_node(self, tag: str, obj: Any) -> dict:
        if id(obj) in self._seen:
            return {"ref": self._seen[id(obj)]}
        number = len(self.arrays)
        self._seen[id(obj)] = number
        self.arrays.append(obj)
        info = {
            "file": f"tensors/{number}.npy",
            "dtype": obj.dtype.name,
            "shape": list(obj.shape),
        }
        if tag == "tensor":
            info["device"] = str(obj.device)
            info["requires_grad"] = obj.requires_grad
            info["parameter"] = _is_parameter(obj)
        return {tag: info}


def _is_parameter(tensor: numbatorch.Tensor) -> bool:
    # A Parameter can only exist once numbatorch.nn is imported; saving must not import it.
    nn = sys.modules.get("numbatorch.nn")
    return isinstance(tensor, getattr(nn, "Parameter", ()))


def save(obj: Any, f: FileLike, *, format: str = "numbatorch") -> None:  # noqa: A002
    """Saves ``obj`` (tensors, and dicts/lists/tuples of them, scalars, strings, None,
    dtypes) to ``f``, a path or a binary file object.

    ``format="numbatorch"`` writes the format of this module; ``format="torch"`` writes
    PyTorch's checkpoint format, which ``torch.load(f, weights_only=True)`` reads and in
    which tensors sharing a storage stay views of one storage (see ``_torch_format``).
    A path is written through a temporary file in the same folder that then replaces
    ``f``, so an interrupted save leaves any previous file intact and no partial file:
    a failing save removes its temporary file, and the temporary file of a save that was
    killed is removed by the next save to the same path.
    """
    if format == "torch":
        write = _torch_format.archive_writer(obj)
    elif format == "numbatorch":
        encoder = _Encoder()
        manifest = {
            "format": "numbatorch",
            "version": FORMAT_VERSION,
            "object": encoder.encode(obj),
        }
        write = functools.partial(
            _write_archive, manifest=manifest, arrays=encoder.arrays, pickles=encoder.pickles
        )
    else:
        raise ValueError(f"numbatorch.save: format must be 'numbatorch' or 'torch', not {format!r}")
    if not isinstance(f, (str, os.PathLike)):
        write(f)
        return
    path = os.fspath(f)
    folder, name = os.path.split(path)
    if folder and not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {folder} does not exist.")
    folder = folder or os.curdir
    _remove_stale_temporaries(folder, name)
    temporary = None
    try:
        # The pid in the name tells a killed save's leftover from a live one's file.
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{name}.{os.getpid()}.", suffix=_TEMPORARY_SUFFIX
        )
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        # mkstemp makes the file private (0600); give it the mode open() would have.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException as error:  # KeyboardInterrupt too: no temporary file stays behind
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.remove(temporary)
        if isinstance(error, OSError) and _temporary_pid(error.filename, name) is not None:
            error.filename, error.filename2 = path, None  # the user's path, not ours
        raise


_TEMPORARY_SUFFIX = ".tmp"
# A temporary file untouched this long is a leftover even if its pid is alive again
# (pids are reused); a live save writes to its file far more often than that.
_STALE_AFTER_S = 24 * 3600


def _temporary_pid(filename: Any, name: str) -> int | None:
    """The pid in ``filename`` if it is a temporary file of a save to ``name``
    (``.{name}.{pid}.{random}.tmp``), else None."""
    if not isinstance(filename, str):
        return None
    prefix = f".{name}."
    base = os.path.basename(filename)
    pid, _, rest = base[len(prefix) :].partition(".")
    random, suffix = os.path.splitext(rest)
    ours = base.startswith(prefix) and pid.isdigit() and suffix == _TEMPORARY_SUFFIX
    # mkstemp's random part has no dot: ".a.5.1.x.tmp" is a save to "a.5", not to "a"
    return int(pid) if ours and random and "." not in random else None


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Removes the temporary files that killed saves to ``folder/name`` left behind: those
    whose pid is no running process, or that nobody has written to for a day. A concurrent
    save's file (its pid alive) is left alone."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return  # an unreadable folder: the save itself will report what is wrong
    now = time.time()
    for entry in entries:
        pid = _temporary_pid(entry.name, name)
        if pid is None:
            continue
        try:
            if not _process_alive(pid) or now - entry.stat().st_mtime > _STALE_AFTER_S:
                os.remove(entry.path)
        except OSError:
            pass  # gone already (another save cleaned it up) or not ours to remove


def _process_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill there terminates the process: trust the file's age only
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_archive(file: IO[bytes], manifest: dict, arrays: list, pickles: list) -> None:
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(_MANIFEST, json.dumps(manifest))
        for number, payload in enumerate(pickles):
            archive.writestr(f"objects/{number}.pkl", payload)
        for number, obj in enumerate(arrays):
            array = obj.numpy(force=True) if isinstance(obj, numbatorch.Tensor) else obj
            # force_zip64: the size is unknown when the entry opens and may pass 2 GiB.
            with archive.open(f"tensors/{number}.npy", "w", force_zip64=True) as entry:
                # np.ascontiguousarray would turn a 0-d array into a 1-d one.
                np.save(entry, np.require(array, requirements="C"), allow_pickle=False)


def load(
    f: FileLike,
    map_location: MapLocation = None,
    *,
    weights_only: bool | None = True,
) -> Any:
    """Loads an object saved by ``numbatorch.save`` or by ``torch.save`` (PyTorch's zip
    checkpoints, read without PyTorch) from a path or binary file object.

    ``map_location`` moves tensors: a device or device string for all of them, a dict
    from saved device strings ('cuda:0') to new ones, or PyTorch's callable
    ``(tensor, saved_location) -> tensor``; by default each goes back to its saved
    device. numbatorch checkpoints are JSON and raw arrays; an object saved whole (a
    Module) is a pickle, which only ``weights_only=False`` unpickles, as in PyTorch (that
    runs whatever code the file names: load only files you trust); with the default
    ``weights_only=True`` it raises PyTorch's UnpicklingError. PyTorch's own checkpoints
    are always read by an unpickler that refuses every global outside PyTorch's
    weights-only allow-list. A truncated, corrupt or foreign file raises RuntimeError
    naming the file.
    """
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", repr(f))
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as file, zipfile.ZipFile(file) as archive:
                return _Decoder(archive, name, map_location, weights_only).load()
        if not f.seekable():
            f = io.BytesIO(f.read())
        with zipfile.ZipFile(f) as archive:
            return _Decoder(archive, name, map_location, weights_only).load()
    except (zipfile.BadZipFile, EOFError) as error:
        raise RuntimeError(
            f"numbatorch.load: {name} is not a numbatorch checkpoint, or it is truncated or "
            f"corrupt ({error})"
        ) from error


class _Decoder:
    """Rebuilds the object tree of an open archive."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        name: str,
        map_location: MapLocation,
        weights_only: bool | None = True,
    ) -> None:
        self.archive = archive
        self.name = name
        self.map_location = map_location
        self.weights_only = weights_only is not False
        self.arrays: list[Any] = []

    def fail(self, problem: str) -> RuntimeError:
        return RuntimeError(f"numbatorch.load: {self.name} is corrupt: {problem}")

    def load(self) -> Any:
        names = set(self.archive.namelist())
        if _MANIFEST not in names:
            if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
                return _torch_format.load(self.archive, self.name, self.restore_location)
            raise self.fail(f"it has no {_MANIFEST}")
        try:
            manifest = json.loads(self.archive.read(_MANIFEST))
        except ValueError as error:
            raise self.fail(f"{_MANIFEST} is not valid JSON ({error})") from error
        if not isinstance(manifest, dict) or manifest.get("format") != "numbatorch":
            raise self.fail(f"{_MANIFEST} does not describe a numbatorch checkpoint")
        version = manifest.get("version")
        if version != FORMAT_VERSION:
            raise RuntimeError(
                f"numbatorch.load: {self.name} has format version {version}; this numbatorch "
                f"reads version {FORMAT_VERSION}"
            )
        try:
            return self.decode(manifest.get("object"))
        except (KeyError, TypeError, ValueError) as error:
            raise self.fail(f"malformed {_MANIFEST} ({error!r})") from error

    def decode(self, node: Any) -> Any:
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or len(node) != 1:
            raise self.fail(f"unexpected node {node!r:.80}")
        ((tag, value),) = node.items()
        if tag == "float":
            return float(value)
        if tag == "list":
            return [self.decode(item) for item in value]
        if tag == "tuple":
            return tuple(self.decode(item) for item in value)
        if tag in ("dict", "ordered_dict"):
            items = [(self.decode(key), self.decode(item)) for key, item in value]
            return OrderedDict(items) if tag == "ordered_dict" else dict(items)
        if tag == "dtype":
            return _dtype._by_name(value)
        if tag == "device":
            return _Device(value)
        if tag == "ref":
            if not isinstance(value, int) or not 0 <= value < len(self.arrays):
                raise self.fail(f"reference {value!r} to an array not read yet")
            return self.arrays[value]
        if tag in ("tensor", "ndarray"):
            array = self._read_array(value)
            obj = self._tensor(array, value) if tag == "tensor" else array
            self.arrays.append(obj)
            return obj
        if tag == "pickle":
            return self._unpickle(value)
        raise self.fail(f"unknown tag {tag!r}")

    def _unpickle(self, file: str) -> Any:
        if self.weights_only:
            raise pickle.UnpicklingError(
                f"Weights only load failed. {self.name} holds a whole object (saved with "
                "numbatorch.save(model, ...)), which only an unpickler that can run code "
                "rebuilds. Re-running `torch.load` with `weights_only` set to `False` will "
                "likely succeed, but it can result in arbitrary code execution. Do it only "
                "if you got the file from a trusted source."
            )
        try:
            data = self.archive.read(file)
        except KeyError:
            raise self.fail(f"it lacks {file}") from None
        decoder = self

        class Unpickler(pickle.Unpickler):
            def persistent_load(self, node: str) -> Any:
                return decoder.decode(json.loads(node))

        return Unpickler(io.BytesIO(data)).load()

    def _read_array(self, info: dict) -> np.ndarray:
        file = info["file"]
        try:
            data = self.archive.read(file)  # checks the entry's CRC
        except KeyError:
            raise self.fail(f"it lacks {file}") from None
        try:
            array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
        except ValueError as error:
            raise self.fail(f"{file} is not a valid .npy file ({error})") from error
        # a bfloat16 tensor's file holds its bits, as uint16
        stored = "uint16" if info["dtype"] == "bfloat16" else info["dtype"]
        if array.dtype.name != stored or list(array.shape) != info["shape"]:
            raise self.fail(
                f"{file} holds {array.dtype.name} data of shape {list(array.shape)}, "
                f"{_MANIFEST} says {info['dtype']} of shape {info['shape']}"
            )
        return array

    def restore_location(self, tensor: numbatorch.Tensor, saved_device: str) -> numbatorch.Tensor:
        """``tensor`` (on the CPU) moved where ``map_location`` sends ``saved_device``."""
        location = self.map_location
        if callable(location):
            moved = location(tensor, saved_device)
            return tensor if moved is None else moved
        if isinstance(location, dict):
            location = location.get(saved_device, saved_device)
        target = as_device(location if location is not None else saved_device)
        if target.type == "cuda" and not numbatorch.cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but "
                "torch.cuda.is_available() is False. If you are running on a CPU-only "
                "machine, please use torch.load with map_location=torch.device('cpu') "
                "to map your storages to the CPU."
            )
        return tensor.to(target) if target.type != "cpu" else tensor

    def _tensor(self, array: np.ndarray, info: dict) -> numbatorch.Tensor:
        if info["dtype"] == "bfloat16":
            from numbatorch.tensor import from_array

            host = from_array(np.ascontiguousarray(array), dtype=_dtype.bfloat16)
        else:
            host = numbatorch.from_numpy(array)
        tensor = self.restore_location(host, info["device"])
        if info["parameter"]:
            from numbatorch.nn import Parameter

            return Parameter(tensor, requires_grad=info["requires_grad"])
        return tensor.requires_grad_(info["requires_grad"])
