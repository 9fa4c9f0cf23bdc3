"""`nn.utils.rnn`: PackedSequence and the functions that pack, pad and unpack batches of
variable-length sequences, with PyTorch's layouts, arguments and errors.

A packed sequence stores its sequences time-major, longest first: step t holds the
`batch_sizes[t]` sequences at least t + 1 long, so a recurrent layer runs each step on
the sequences still running. Packing and padding are one row gather each (index_select,
so gradients flow back to the padded or packed data); the row tables are built on the
host from the lengths, which PyTorch too keeps on the CPU.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import _creation
from ..._dtype import float32, float64, int64
from ...ops.indexing import IndexSelect
from ...ops.shape import cat, stack
from ...tensor import Tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpad_sequence",
    "pack_sequence",
    "unpack_sequence",
]


class PackedSequence_(NamedTuple):  # noqa: N801 - PyTorch's name
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(PackedSequence_):
    """The packed rows of a batch of sequences (`data`), the batch size of each time step
    (`batch_sizes`, int64 on the CPU) and, for a batch that was not sorted by length, the
    permutation that sorted it (`sorted_indices`) and its inverse (`unsorted_indices`).
    Made by `pack_padded_sequence` and `pack_sequence`; accepted and returned by RNN,
    LSTM and GRU."""

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Tensor | None = None,
        sorted_indices: Tensor | None = None,
        unsorted_indices: Tensor | None = None,
    ):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        elif batch_sizes.device.type != "cpu":
            raise ValueError(
                "batch_sizes should always be on CPU. Instances of PackedSequence should never "
                "be created manually. They should be instantiated by functions like "
                "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence"
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """The same sequence with `data` moved/cast as `Tensor.to` does it (the index
        tensors follow data's device; batch_sizes stays on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        sorted_indices, unsorted_indices = (
            None if t is None else t.to(data.device)
            for t in (self.sorted_indices, self.unsorted_indices)
        )
        return type(self)(data, self.batch_sizes, sorted_indices, unsorted_indices)

    def cuda(self, device=None) -> PackedSequence:
        return self.to("cuda" if device is None else device)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def double(self) -> PackedSequence:
        return self.to(dtype=float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=float32)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation p' with p'[p[i]] = i (None for None)."""
    if permutation is None:
        return None
    output = _creation.empty_like(permutation)
    output.scatter_(
        0, permutation, _creation.arange(permutation.numel(), device=permutation.device)
    )
    return output


def _host_ints(values) -> np.ndarray:
    if isinstance(values, Tensor):
        values = values.tolist()
    return np.asarray(values, np.int64).reshape(-1)


def _rows_of(values: np.ndarray, device) -> Tensor:
    return _creation.as_tensor(values, dtype=int64, device=device)


def pack_padded_sequence(
    input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the
    given lengths. With enforce_sorted the lengths must be non-increasing; otherwise the
    batch is sorted here and the permutation kept in the PackedSequence."""
    lengths = _host_ints(lengths)
    steps, batch = (input.shape[1], input.shape[0]) if batch_first else input.shape[:2]
    sorted_indices = None
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = _rows_of(order, input.device)
    else:
        order = np.arange(len(lengths))
    if len(lengths) != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {len(lengths)} "
            f"(batch_size={batch})"
        )
    if lengths[-1] <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in "
            "'lengths' that is <= 0"
        )
    if np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
            "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
            "pack_sequence to sidestep this requirement if you do not need ONNX "
            "exportability."
        )
    if lengths[0] > steps:
        raise RuntimeError(
            f"Expected all lengths to be at most the padded length {steps}, but got a "
            f"sequence of length {lengths[0]}"
        )
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(1)
    step = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    column = order[np.concatenate([np.arange(b) for b in batch_sizes])]
    rows = column * steps + step if batch_first else step * batch + column
    flat = input.reshape(steps * batch, *input.shape[2:])
    data = IndexSelect.apply(flat, 0, _rows_of(rows, input.device))
    return PackedSequence(data, _rows_of(batch_sizes, "cpu"), sorted_indices, None)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The padded batch (T, B, *) (or (B, T, *)) of a PackedSequence, in the original
    batch order, and the lengths of its sequences (int64, CPU)."""
    data = sequence.data
    batch_sizes = _host_ints(sequence.batch_sizes)
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps = total_length
    batch = int(batch_sizes[0])
    lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    starts = np.concatenate(([0], np.cumsum(batch_sizes)[:-1]))
    columns = np.arange(batch)
    if sequence.unsorted_indices is not None:
        columns = _host_ints(sequence.unsorted_indices)
    lengths = lengths[columns]
    t = np.arange(steps)[:, None]
    # row of (t, column) in the packed data, or the padding row appended after them
    rows = np.where(
        t < lengths[None, :], starts[np.minimum(t, len(starts) - 1)] + columns, data.shape[0]
    )
    if batch_first:
        rows = rows.T
    padding = _creation.full(
        (1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device
    )
    padded = IndexSelect.apply(cat([data, padding]), 0, _rows_of(rows.reshape(-1), data.device))
    return padded.reshape(*rows.shape, *data.shape[1:]), _rows_of(lengths, "cpu")


def pad_sequence(
    sequences,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shape (L_i, *) into (max L, B, *) (or (B, max L, *)), padding
    each on the right (or the left) with padding_value."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise RuntimeError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        if s.shape[0] < longest:
            fill = _creation.full(
                (longest - s.shape[0], *s.shape[1:]), padding_value, dtype=s.dtype,
                device=s.device,
            )  # fmt: skip
            s = cat([s, fill] if padding_side == "right" else [fill, s])
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False):
    """The list of sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[: int(n)] for seq, n in zip(padded_sequences, _host_ints(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *); with enforce_sorted their lengths must be
    non-increasing."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences in a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
