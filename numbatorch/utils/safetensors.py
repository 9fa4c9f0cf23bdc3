"""safetensors files, as ``safetensors.torch`` reads and writes them: ``save_file``,
``load_file``, ``save``, ``load``, and ``save_model``/``load_model`` for models whose
parameters share memory (tied weights), on the safetensors package's numpy API (install
``numbatorch[safetensors]``). The files are the ones PyTorch and Hugging Face exchange."""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import numpy as np

from .. import _dtype
from .._creation import from_numpy
from ..tensor import Tensor

_SHARED_HELP = "https://huggingface.co/docs/safetensors/torch_shared_tensors"


def _library() -> ModuleType:
    try:
        import safetensors.numpy
    except ImportError as error:
        raise ImportError(
            "numbatorch.utils.safetensors needs the safetensors package: "
            "pip install 'numbatorch[safetensors]'"
        ) from error
    return safetensors.numpy


def _arrays(tensors: dict[str, Tensor]) -> dict[str, np.ndarray]:
    """The host arrays to write, after safetensors.torch's checks on what it is given."""
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for name, tensor in tensors.items():
        if not isinstance(tensor, Tensor):
            raise ValueError(
                f"Key `{name}` is invalid, expected torch.Tensor but received {type(tensor)}"
            )
    failing = _shared(tensors)
    if failing:
        raise RuntimeError(
            "Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: {failing}.\nA potential way to correctly "
            f"save your model is to use `save_model`.\nMore information at {_SHARED_HELP}"
        )
    for name, tensor in tensors.items():
        if not tensor.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. "
                "It either means you are trying to save tensors which are reference of each "
                "other in which case it's recommended to save only the full tensors, and reslice "
                "at load time, or simply call `.contiguous()` on your tensor to pack it before "
                "saving."
            )
        if tensor.dtype is _dtype.bfloat16:
            # safetensors' numpy API has no BF16: the bits would be written as U16
            raise TypeError(
                f"numbatorch.utils.safetensors cannot write the bfloat16 tensor `{name}`: "
                "safetensors' numpy API has no bfloat16 (convert it with .float() first)"
            )
    # numpy(force=True): detached and on the host; a CPU tensor is not copied.
    return {name: tensor.numpy(force=True) for name, tensor in tensors.items()}


def _shared(tensors: dict[str, Tensor]) -> list[set[str]]:
    """Groups of names whose tensors overlap in one storage (views of each other)."""
    by_storage: dict[int, list[tuple[int, int, str]]] = {}
    for name, tensor in tensors.items():
        if tensor.numel() == 0:
            continue
        start = tensor.storage_offset()
        stop = start + 1 + sum((n - 1) * s for n, s in zip(tensor.shape, tensor.stride()))
        by_storage.setdefault(id(tensor.untyped_storage()), []).append((start, stop, name))
    failing = []
    for areas in by_storage.values():
        areas.sort()
        group, last_stop = {areas[0][2]}, areas[0][1]
        for start, stop, name in areas[1:]:
            if start < last_stop:
                group.add(name)
            else:
                if len(group) > 1:
                    failing.append(group)
                group = {name}
            last_stop = max(last_stop, stop)
        if len(group) > 1:
            failing.append(group)
    return failing


def _tensors(arrays: dict[str, np.ndarray], device: str | int) -> dict[str, Tensor]:
    result = {}
    for name, array in arrays.items():
        # a read-only buffer would make the tensor fail on its first in-place update
        tensor = from_numpy(np.require(array, requirements="W"))
        result[name] = tensor if device in ("cpu", None) else tensor.to(device)
    return result


def _name_the_file(filename: str | os.PathLike, error: Exception) -> Exception:
    # safetensors' own messages (e.g. "incomplete metadata") do not say which file.
    return type(error)(f"{os.fspath(filename)}: {error}")


def save(tensors: dict[str, Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The safetensors bytes of ``tensors`` (contiguous, none sharing memory), with the
    optional text ``metadata`` in the header."""
    return _library().save(_arrays(tensors), metadata=metadata)


def save_file(
    tensors: dict[str, Tensor],
    filename: str | os.PathLike,
    metadata: dict[str, str] | None = None,
) -> None:
    """Writes ``tensors`` (contiguous, none sharing memory) to ``filename``."""
    _library().save_file(_arrays(tensors), filename, metadata=metadata)


def load(data: bytes) -> dict[str, Tensor]:
    """The tensors of safetensors ``data`` (bytes), on the CPU."""
    return _tensors(_library().load(data), "cpu")


def load_file(filename: str | os.PathLike, device: str | int = "cpu") -> dict[str, Tensor]:
    """The tensors of the safetensors file ``filename``, on ``device``."""
    library = _library()
    from safetensors import SafetensorError

    try:
        arrays = library.load_file(filename)
    except SafetensorError as error:
        raise _name_the_file(filename, error) from error
    except KeyError as error:  # safetensors.numpy has no numpy type for it (BF16, F8...)
        raise TypeError(
            f"{os.fspath(filename)} holds a tensor of safetensors dtype {error}, which "
            "numbatorch does not have"
        ) from error
    return _tensors(arrays, device)


def _is_complete(tensor: Tensor) -> bool:
    """Whether ``tensor`` covers its whole storage (so saving it saves all of it)."""
    return tensor.storage_offset() == 0 and tensor.numel() == tensor.untyped_storage().data.size


def _names_to_drop(
    state_dict: dict[str, Tensor], preferred: set[str] | frozenset = frozenset()
) -> dict[str, list[str]]:
    """For each group of tensors sharing memory, the name saved (one covering the whole
    storage, a ``preferred`` one if possible) and the names left out."""
    dropped = {}
    for group in _shared(state_dict):
        complete = sorted(name for name in group if _is_complete(state_dict[name]))
        if not complete:
            raise RuntimeError(
                "Error while trying to find names to remove to save state dict, but found no "
                f"suitable name to keep for saving amongst: {group}. None is covering the "
                "entire storage. Refusing to save/load the model since you could be storing "
                f"much more memory than needed. Please refer to {_SHARED_HELP} for more "
                "information."
            )
        keep = next((name for name in complete if name in preferred), complete[0])
        dropped[keep] = sorted(group - {keep})
    return dropped


def save_model(
    model: Any,
    filename: str | os.PathLike,
    metadata: dict[str, str] | None = None,
    force_contiguous: bool = True,
) -> None:
    """Saves ``model.state_dict()`` to ``filename``, writing each group of tensors that
    share memory (tied weights) once: the metadata maps each name left out to the name
    saved. ``force_contiguous`` saves non-contiguous tensors as contiguous copies."""
    state_dict = dict(model.state_dict())
    for kept, names in _names_to_drop(state_dict).items():
        for name in names:
            metadata = {} if metadata is None else metadata
            metadata.setdefault(name, kept)  # the caller's own entries win
            del state_dict[name]
    if force_contiguous:
        state_dict = {name: tensor.contiguous() for name, tensor in state_dict.items()}
    try:
        save_file(state_dict, filename, metadata=metadata)
    except ValueError as error:
        raise ValueError(
            f"{error} Or use save_model(..., force_contiguous=True), read the docs for "
            "potential caveats."
        ) from error


def load_model(
    model: Any, filename: str | os.PathLike, strict: bool = True, device: str | int = "cpu"
) -> tuple[list[str], list[str]]:
    """Loads a file written by ``save_model`` into ``model``; names left out of the file
    because they share memory with a saved one are filled through it. Returns
    ``(missing, unexpected)``; with ``strict`` either being non-empty raises RuntimeError."""
    state_dict = load_file(filename, device=device)
    dropped = _names_to_drop(dict(model.state_dict()), preferred=set(state_dict))
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing = set(missing)
    for names in dropped.values():
        for name in names:
            if name in missing:
                missing.remove(name)
            else:
                unexpected.append(name)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {type(model).__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + ", ".join(
                f'"{name}"' for name in sorted(missing)
            )
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + ", ".join(
                f'"{name}"' for name in sorted(unexpected)
            )
        raise RuntimeError(error)
    return sorted(missing), unexpected
