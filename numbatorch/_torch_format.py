"""PyTorch's checkpoint format (``torch.save`` since 1.6), read and written without PyTorch.

A checkpoint is a zip archive of stored (uncompressed) entries under one folder:

* ``<folder>/data.pkl``: the object tree as a protocol-2 pickle. A tensor is the call
  ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks)``
  (inside ``torch._utils._rebuild_parameter(tensor, requires_grad, hooks)`` for a
  Parameter), its storage a persistent id ``('storage', torch.FloatStorage, key, location,
  numel)``;
* ``<folder>/data/<key>``: the bytes of each storage, in the order ``<folder>/byteorder``
  names (little-endian when absent);
* ``<folder>/version``: the format version, ``3``.

Reading runs a restricted unpickler: it resolves only the globals of PyTorch's
``weights_only=True`` allow-list (to numbatorch's own functions, never PyTorch's) and
refuses any other before anything is called, so a file never runs code. Writing emits the
pickle opcodes itself, since the standard pickler can only name a global it can import.
Tensors sharing a storage are written once per storage with their offsets and strides, so
views stay views of one storage both ways.
"""

from __future__ import annotations

import io
import pickle
import struct
import sys
import zipfile
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import IO, Any

import numpy as np

from numbatorch import _dtype
from numbatorch._device import Size
from numbatorch._device import device as _Device
from numbatorch._dispatch import backend
from numbatorch.tensor import Storage, Tensor, from_array

FOLDER = "archive"
VERSION = b"3\n"
# PyTorch aligns each storage's bytes to 64 in the file so that it can memory-map them.
ALIGNMENT = 64
_READ_CHUNK = 1 << 24

_STORAGE_CLASSES = {
    "DoubleStorage": _dtype.float64,
    "FloatStorage": _dtype.float32,
    "HalfStorage": _dtype.float16,
    "LongStorage": _dtype.int64,
    "IntStorage": _dtype.int32,
    "ShortStorage": _dtype.int16,
    "CharStorage": _dtype.int8,
    "ByteStorage": _dtype.uint8,
    "BoolStorage": _dtype.bool,
    "BFloat16Storage": _dtype.bfloat16,
}
_STORAGE_CLASS_OF = {dtype.name: name for name, dtype in _STORAGE_CLASSES.items()}
# Allowed by PyTorch's weights-only loader, but numbatorch has no such dtype.
_FOREIGN_STORAGE_CLASSES = (
    "ComplexFloatStorage",
    "ComplexDoubleStorage",
    "QInt8Storage",
    "QInt32Storage",
    "QUInt8Storage",
    "QUInt2x4Storage",
    "QUInt4x2Storage",
)


class _StorageClass:
    """What a storage class global such as ``torch.FloatStorage`` loads as: its dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype: _dtype.dtype | None) -> None:
        self.name = name
        self.dtype = dtype


class _TypeName:
    """What ``torch.Tensor`` and ``torch.nn.Parameter`` load as: a name that
    ``_rebuild_from_type_v2`` reads, not a class a pickle could call."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


_TENSOR_TYPE = _TypeName("Tensor")
_PARAMETER_TYPE = _TypeName("Parameter")


class _LoadedStorage:
    """A storage read from ``data/<key>``, shared by every tensor that names it."""

    __slots__ = ("storage", "dtype", "numel")

    def __init__(self, storage: Storage, dtype: _dtype.dtype, numel: int) -> None:
        self.storage = storage
        self.dtype = dtype
        self.numel = numel


class _Refusal(pickle.UnpicklingError):
    """A global or an opcode outside the weights-only allow-list."""


def _refusal(name: str, problem: str) -> _Refusal:
    return _Refusal(
        f"Weights only load failed. numbatorch.load never runs code from a file, so {name} "
        f"cannot be loaded.\n\nWeightsUnpickler error: {problem}"
    )


def _latin1_encode(text: Any, encoding: str = "utf-8") -> bytes:
    # Protocol-2 pickles spell bytes as _codecs.encode(str, 'latin1'); nothing else is needed.
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed for latin1 bytes")
    return text.encode("latin1")


class _WeightsUnpickler(pickle._Unpickler):
    """Python's unpickler restricted to PyTorch's weights-only allow-list.

    The pure-Python unpickler is used because its opcode table can be narrowed: BUILD
    (which sets attributes on an object) is allowed on an OrderedDict only.
    """

    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file: IO[bytes], loader: _Loader) -> None:
        super().__init__(file)
        self.loader = loader
        self.globals: dict[tuple[str, str], Any] = {
            ("collections", "OrderedDict"): OrderedDict,
            ("collections", "Counter"): Counter,
            ("builtins", "set"): set,
            ("builtins", "bytearray"): bytearray,
            ("builtins", "complex"): complex,
            ("_codecs", "encode"): _latin1_encode,
            ("torch", "Size"): Size,
            ("torch", "device"): _Device,
            ("torch", "Tensor"): _TENSOR_TYPE,
            ("torch.nn.parameter", "Parameter"): _PARAMETER_TYPE,
            ("torch._utils", "_rebuild_tensor"): loader.rebuild_tensor,
            ("torch._utils", "_rebuild_tensor_v2"): loader.rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): loader.rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): loader.rebuild_parameter,
            ("torch._tensor", "_rebuild_from_type_v2"): loader.rebuild_from_type,
            ("torch.storage", "UntypedStorage"): _StorageClass("UntypedStorage", _dtype.uint8),
        }
        for dtype in _dtype.ALL:
            self.globals["torch", dtype.name] = dtype
        for module in ("torch", "torch.cuda"):
            for name, dtype in _STORAGE_CLASSES.items():
                self.globals[module, name] = _StorageClass(name, dtype)
            for name in _FOREIGN_STORAGE_CLASSES:
                self.globals[module, name] = _StorageClass(name, None)

    def find_class(self, module: str, name: str) -> Any:
        # A protocol-2 pickle written by Python 3 names the builtins module as Python 2 did.
        module = "builtins" if module == "__builtin__" else module
        found = self.globals.get((module, name))
        if found is None:
            raise _refusal(
                self.loader.name,
                f"Unsupported global: GLOBAL {module}.{name} was not an allowed global by default.",
            )
        return found

    def persistent_load(self, pid: Any) -> _LoadedStorage:
        return self.loader.storage(pid)

    def load_build(self) -> None:
        state = self.stack.pop()
        target = self.stack[-1]
        if type(target) is not OrderedDict or not isinstance(state, dict):
            raise _refusal(
                self.loader.name,
                f"Can only build OrderedDict, but got {type(target).__name__}",
            )
        # PyTorch's state_dict() keeps its `_metadata` this way.
        target.__dict__.update(state)

    dispatch[pickle.BUILD[0]] = load_build


def _parameter_class() -> type:
    from numbatorch.nn import Parameter

    return Parameter


class _Loader:
    """Reads one open checkpoint archive."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        name: str,
        restore_location: Callable[[Tensor, str], Tensor],
    ) -> None:
        self.archive = archive
        self.name = name
        self.restore_location = restore_location
        self.storages: dict[tuple[str, str], _LoadedStorage] = {}
        pickles = [n for n in archive.namelist() if n == "data.pkl" or n.endswith("/data.pkl")]
        self.folder = pickles[0][: -len("data.pkl")]
        names = set(archive.namelist())
        byteorder_entry = self.folder + "byteorder"
        self.byteorder = (
            self.read(byteorder_entry).decode("ascii", "replace")
            if byteorder_entry in names
            else "little"
        )
        if self.byteorder not in ("little", "big"):
            raise self.fail(f"{byteorder_entry} says {self.byteorder!r}, not little or big")

    def fail(self, problem: str) -> RuntimeError:
        return RuntimeError(f"numbatorch.load: {self.name} is corrupt: {problem}")

    def read(self, entry: str) -> bytes:
        try:
            return self.archive.read(entry)  # checks the entry's CRC
        except KeyError:
            raise self.fail(f"it lacks {entry}") from None
        except zipfile.BadZipFile as error:
            raise self.fail(str(error)) from error

    def load(self) -> Any:
        unpickler = _WeightsUnpickler(io.BytesIO(self.read(self.folder + "data.pkl")), self)
        try:
            return unpickler.load()
        except (_Refusal, RuntimeError):
            raise
        # A damaged pickle fails in many ways inside the unpickler; none of them ran code.
        except Exception as error:
            raise self.fail(f"{self.folder}data.pkl cannot be read ({error!r})") from error

    def storage(self, pid: Any) -> _LoadedStorage:
        if not (
            isinstance(pid, tuple)
            and len(pid) == 5
            and pid[0] == "storage"
            and isinstance(pid[1], _StorageClass)
            and isinstance(pid[2], str)
            and isinstance(pid[3], str)
        ):
            raise self.fail(f"unexpected persistent id {pid!r:.100}")
        _, storage_class, key, location, _numel = pid
        if storage_class.dtype is None:
            raise RuntimeError(
                f"numbatorch.load: {self.name} holds a {storage_class.name}, a type numbatorch "
                "does not have (it has float64, float32, float16, int64, int32, int16, int8, "
                "uint8 and bool)"
            )
        cache_key = (key, storage_class.dtype.name)
        loaded = self.storages.get(cache_key)
        if loaded is None:
            loaded = self.storages[cache_key] = self._read_storage(
                key, location, storage_class.dtype
            )
        return loaded

    def _read_storage(self, key: str, location: str, dtype: _dtype.dtype) -> _LoadedStorage:
        entry = f"{self.folder}data/{key}"
        try:
            size = self.archive.getinfo(entry).file_size
        except KeyError:
            raise self.fail(f"it lacks {entry}") from None
        if size % dtype.itemsize:
            raise self.fail(f"{entry} has {size} bytes, not a whole number of {dtype}")
        data = np.empty(size, np.uint8)
        try:
            with self.archive.open(entry) as stream:
                # in pieces straight into the storage: a storage can be gigabytes
                filled = 0
                while chunk := stream.read(_READ_CHUNK):
                    if filled + len(chunk) > size:
                        raise self.fail(f"{entry} holds more bytes than its header says")
                    data[filled : filled + len(chunk)] = np.frombuffer(chunk, np.uint8)
                    filled += len(chunk)
        except (zipfile.BadZipFile, EOFError) as error:  # a bad CRC, a cut file
            raise self.fail(str(error)) from error
        if filled != size:
            raise self.fail(f"{entry} ends after {filled} of its {size} bytes")
        order = "<" if self.byteorder == "little" else ">"
        flat = data.view(dtype.numpy.newbyteorder(order))
        if not flat.dtype.isnative:
            flat = flat.astype(dtype.numpy)
        moved = self.restore_location(from_array(flat, dtype=dtype), location)
        return _LoadedStorage(moved._storage, dtype, flat.size)

    def rebuild_tensor(
        self,
        storage: Any,
        offset: Any,
        size: Any,
        stride: Any,
        requires_grad: Any = False,
        backward_hooks: Any = None,
        metadata: Any = None,
    ) -> Tensor:
        if not isinstance(storage, _LoadedStorage):
            raise self.fail(f"a tensor's storage is a {type(storage).__name__}")
        self._check_bounds(storage, offset, size, stride)
        shape, strides = tuple(size), tuple(stride)
        # an empty view may start past the end of its storage, as in tensor.view_of
        start = offset if all(shape) else 0
        data = storage.storage.data
        array = backend(storage.storage.device).as_strided(data, shape, strides, start)
        tensor = Tensor._make(storage.storage, array, offset, storage.dtype)
        return tensor.requires_grad_(bool(requires_grad))

    def _check_bounds(self, storage: _LoadedStorage, offset: Any, size: Any, stride: Any) -> None:
        """Refuses a view reaching outside its storage, before any array is made on it."""

        def is_index(value: Any) -> bool:
            return isinstance(value, int) and not isinstance(value, bool) and value >= 0

        if not (
            is_index(offset)
            and isinstance(size, tuple)
            and isinstance(stride, tuple)
            and len(size) == len(stride)
            and all(map(is_index, size + stride))
        ):
            raise self.fail(f"bad tensor geometry offset={offset!r} size={size!r:.80}")
        if not all(size):
            return  # an empty view reads nothing, wherever it starts (as in PyTorch)
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.numel:
            raise self.fail(
                f"a tensor of size {list(size)}, stride {list(stride)} and offset {offset} "
                f"reaches element {last} of a storage of {storage.numel}"
            )

    def rebuild_parameter(
        self, data: Any, requires_grad: Any, backward_hooks: Any = None, state: Any = None
    ) -> Tensor:
        if not isinstance(data, Tensor):
            raise self.fail(f"a Parameter holds a {type(data).__name__}")
        return _parameter_class()(data, requires_grad=bool(requires_grad))

    def rebuild_from_type(self, function: Any, new_type: Any, args: Any, state: Any) -> Tensor:
        if function not in (self.rebuild_tensor, self.rebuild_parameter):
            raise self.fail("_rebuild_from_type_v2 of something other than a tensor")
        tensor = function(*args)
        if new_type is _PARAMETER_TYPE:
            tensor = _parameter_class()(tensor, requires_grad=tensor.requires_grad)
        elif new_type is not _TENSOR_TYPE:
            raise self.fail(f"a tensor of type {new_type!r:.80}")
        if state:
            raise RuntimeError(
                f"numbatorch.load: {self.name} holds a tensor with Python attributes "
                f"({sorted(state) if isinstance(state, dict) else state!r:.80}), which "
                "numbatorch does not restore"
            )
        return tensor


def load(
    archive: zipfile.ZipFile, name: str, restore_location: Callable[[Tensor, str], Tensor]
) -> Any:
    """The object of an open PyTorch checkpoint; ``restore_location(tensor, location)``
    puts each storage (as a 1-D tensor) where ``map_location`` asks."""
    return _Loader(archive, name, restore_location).load()


class _Pickler:
    """Writes an object tree as the protocol-2 pickle that ``torch.save`` would write."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.storages: dict[int, tuple[str, np.ndarray]] = {}  # id(Storage) -> key, host data
        self._storage_objects: list[Storage] = []  # keeps the ids above unique
        self._memo: dict[int, int] = {}  # id(tensor) -> memo slot
        self._memo_objects: list[Tensor] = []
        self._open_containers: set[int] = set()

    def dump(self, obj: Any) -> bytes:
        self.out.write(pickle.PROTO + b"\x02")
        self.save(obj)
        self.out.write(pickle.STOP)
        return self.out.getvalue()

    def write_global(self, module: str, name: str) -> None:
        self.out.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii"))

    def call(self, module: str, name: str, args: tuple) -> None:
        self.write_global(module, name)
        self.save_tuple(args)
        self.out.write(pickle.REDUCE)

    def save(self, obj: Any) -> None:
        write = self.out.write
        if obj is None:
            write(pickle.NONE)
        elif obj is True or obj is False:
            write(pickle.NEWTRUE if obj else pickle.NEWFALSE)
        elif isinstance(obj, int):
            self.save_int(obj)
        elif isinstance(obj, float):
            write(pickle.BINFLOAT + struct.pack(">d", obj))
        elif isinstance(obj, str):
            encoded = obj.encode("utf-8", "surrogatepass")
            write(pickle.BINUNICODE + struct.pack("<I", len(encoded)) + encoded)
        elif isinstance(obj, Tensor):
            self.save_tensor(obj)
        elif isinstance(obj, np.generic):
            self.save(obj.item())
        elif isinstance(obj, _dtype.dtype):
            self.write_global("torch", obj.name)
        elif isinstance(obj, _Device):
            self.call("torch", "device", (str(obj),))
        elif isinstance(obj, Size):
            self.call("torch", "Size", (tuple(obj),))
        elif isinstance(obj, (list, tuple, dict)):
            self.save_container(obj)
        elif type(obj) is set:
            # as Python's protocol-2 pickler (and so torch.save) writes a set
            self.write_global("__builtin__", "set")
            self.save_tuple((list(obj),))
            self.out.write(pickle.REDUCE)
        else:
            raise TypeError(
                f"numbatorch.save(format='torch') cannot save an object of type "
                f"{type(obj).__name__}: it saves tensors, Python scalars, strings, None, "
                "dtypes, devices, torch.Size and lists/tuples/dicts/sets of these (save a model's "
                "state_dict(), not the model)"
            )

    def save_int(self, value: int) -> None:
        if 0 <= value < 256:
            self.out.write(pickle.BININT1 + bytes([value]))
        elif -(2**31) <= value < 2**31:
            self.out.write(pickle.BININT + struct.pack("<i", value))
        else:
            encoded = pickle.encode_long(value)
            self.out.write(pickle.LONG1 + bytes([len(encoded)]) + encoded)

    def save_tuple(self, items: tuple) -> None:
        if not items:
            self.out.write(pickle.EMPTY_TUPLE)
            return
        self.out.write(pickle.MARK)
        for item in items:
            self.save(item)
        self.out.write(pickle.TUPLE)

    def save_container(self, obj: list | tuple | dict) -> None:
        if id(obj) in self._open_containers:
            raise ValueError("numbatorch.save cannot save a container that contains itself")
        self._open_containers.add(id(obj))
        if isinstance(obj, tuple):
            self.save_tuple(obj)
        elif isinstance(obj, list):
            self.out.write(pickle.EMPTY_LIST + pickle.MARK)
            for item in obj:
                self.save(item)
            self.out.write(pickle.APPENDS)
        else:
            if isinstance(obj, OrderedDict):
                self.call("collections", "OrderedDict", ())
            else:
                self.out.write(pickle.EMPTY_DICT)
            self.out.write(pickle.MARK)
            for key, value in obj.items():
                if isinstance(key, (Tensor, np.ndarray)):
                    raise TypeError("numbatorch.save cannot save a dict whose keys are tensors")
                self.save(key)
                self.save(value)
            self.out.write(pickle.SETITEMS)
        self._open_containers.discard(id(obj))

    def save_tensor(self, tensor: Tensor) -> None:
        slot = self._memo.get(id(tensor))
        if slot is not None:  # one tensor met twice loads as one tensor
            self.out.write(pickle.LONG_BINGET + struct.pack("<I", slot))
            return
        parameter = _parameter_class_if_loaded()
        if parameter is not None and isinstance(tensor, parameter):
            self.write_global("torch._utils", "_rebuild_parameter")
            self.out.write(pickle.MARK)
            self.save_plain_tensor(tensor, requires_grad=False)
            self.save(tensor.requires_grad)
            self.call("collections", "OrderedDict", ())
            self.out.write(pickle.TUPLE + pickle.REDUCE)
        else:
            self.save_plain_tensor(tensor, requires_grad=tensor.requires_grad)
        slot = self._memo[id(tensor)] = len(self._memo)
        self._memo_objects.append(tensor)
        self.out.write(pickle.LONG_BINPUT + struct.pack("<I", slot))

    def save_plain_tensor(self, tensor: Tensor, requires_grad: bool) -> None:
        storage, offset = tensor._storage, tensor._offset
        if storage.data.dtype != tensor.dtype.numpy:
            # a view of a storage as another dtype: saved as a copy of its own
            storage, offset = tensor.contiguous()._storage, 0
        if id(storage) not in self.storages:
            host = backend(storage.device).to_host(storage.data)
            self.storages[id(storage)] = (str(len(self.storages)), np.ascontiguousarray(host))
            self._storage_objects.append(storage)
        key, host = self.storages[id(storage)]
        self.write_global("torch._utils", "_rebuild_tensor_v2")
        self.out.write(pickle.MARK)
        self.out.write(pickle.MARK)
        self.save("storage")
        self.write_global("torch", _STORAGE_CLASS_OF[tensor.dtype.name])
        for item in (key, str(storage.device), host.size):
            self.save(item)
        self.out.write(pickle.TUPLE + pickle.BINPERSID)
        self.save(offset)
        self.save_tuple(tuple(tensor.shape))
        self.save_tuple(tuple(tensor.stride()))
        self.save(bool(requires_grad))
        self.call("collections", "OrderedDict", ())
        self.out.write(pickle.TUPLE + pickle.REDUCE)


def _parameter_class_if_loaded() -> type | None:
    # A Parameter can only exist once numbatorch.nn is imported; saving must not import it.
    nn = sys.modules.get("numbatorch.nn")
    return getattr(nn, "Parameter", None)


def archive_writer(obj: Any) -> Callable[[IO[bytes]], None]:
    """Pickles ``obj`` now (so that an unsupported object fails before any file is
    touched) and returns the function that writes the checkpoint to a binary file."""
    pickler = _Pickler()
    data_pkl = pickler.dump(obj)
    storages = list(pickler.storages.values())

    def write(file: IO[bytes]) -> None:
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
            _write_aligned(archive, "data.pkl", data_pkl)
            _write_aligned(archive, "byteorder", sys.byteorder.encode("ascii"))
            for key, host in storages:
                _write_aligned(archive, f"data/{key}", memoryview(host.reshape(-1).view(np.uint8)))
            _write_aligned(archive, "version", VERSION)

    return write


def _write_aligned(archive: zipfile.ZipFile, entry: str, data: bytes | memoryview) -> None:
    """Writes ``data`` so that it starts at a multiple of ALIGNMENT in the file, padding the
    local header's extra field as PyTorch does (a record of id 'FB')."""
    info = zipfile.ZipInfo(f"{FOLDER}/{entry}", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = 30 + len(info.filename.encode("utf-8"))
    if len(data) * 1.05 > zipfile.ZIP64_LIMIT:  # zipfile then adds a 20-byte zip64 record
        header += 20
    padding = -(archive.fp.tell() + header) % ALIGNMENT
    if padding:
        padding += ALIGNMENT if padding < 4 else 0  # a record needs 4 bytes of its own
        info.extra = b"FB" + struct.pack("<H", padding - 4) + bytes(padding - 4)
    archive.writestr(info, data)
