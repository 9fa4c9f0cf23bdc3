"""Scaled dot-product attention CUDA kernels, the CPU's (kernels/cpu/attention.py) twins
with its launcher signatures: the head-mapped batched products on the tiled GEMM of
matmul.py, and the fused scale + mask + softmax + dropout of each score row and its
backward, a thread per row on the row math of kernels/common/attention.py."""

from __future__ import annotations

import numpy as np
from numba import cuda

from ..common.attention import head_tables, lead_offsets
from ..common.attention import softmax_row as _softmax_row
from ..common.attention import softmax_row_backward as _softmax_row_backward
from ..contract import Operand
from ._launch import device_function, flat_memory, from_host_cached, launch
from .elementwise import fill
from .matmul import _elements, gemm_batched

softmax_row = device_function(_softmax_row)
softmax_row_backward = device_function(_softmax_row_backward)


@cuda.jit(cache=True)
def _softmax_rows(x, rows, n, causal, scale, mask, mask_at, mask_rs, mask_cs, keep, dropped):
    """The CPU's `_softmax_rows`: a thread per row of the (rows, n) score matrices."""
    for r in range(cuda.grid(1), x.size // n, cuda.gridsize(1)):
        q, i = r // rows, r % rows
        limit = min(i + 1, n) if causal else n
        at = q * rows * n + i * n  # row r of x: r * n + j < x.size for j < n
        mask_row = mask_at[q] + i * mask_rs if mask.size else 0
        softmax_row(x, at, n, limit, scale, mask, mask_row, mask_cs, keep, dropped)


@cuda.jit(cache=True)
def _softmax_rows_backward(probs, dropped, grad, n, scale):
    """The CPU's `_softmax_rows_backward`: a thread per row of n."""
    for r in range(cuda.grid(1), grad.size // n, cuda.gridsize(1)):
        softmax_row_backward(probs, dropped, grad, r * n, n, scale)


def _table(key, build):
    return from_host_cached(("attention",) + key, build)


def attention_bmm(a, b, out) -> None:
    """The CPU's `attention_bmm` on device arrays."""
    # tuples: the simulator's shape objects refuse negative indices
    a_shape, b_shape, out_shape = tuple(a.shape), tuple(b.shape), tuple(out.shape)
    m, k, n = a_shape[-2], a_shape[-1], b_shape[-1]
    if out.size == 0:
        return
    if k == 0:
        fill(out, 0)
        return
    a_strides, b_strides = _elements(a), _elements(b)
    key = (a_shape, a_strides, b_shape, b_strides, out_shape[-3])
    a_at, b_at, c_at = head_tables(*key)
    a_operand = Operand(flat_memory(a), _table(key + ("a",), lambda: a_at), *a_strides[-2:])
    b_operand = Operand(flat_memory(b), _table(key + ("b",), lambda: b_at), *b_strides[-2:])
    c_table = _table(key + ("c",), lambda: c_at)
    gemm_batched(a_operand, b_operand, out.reshape(-1), c_table, m, n, k)


def attention_softmax(scores, mask, causal: bool, scale: float, keep: float, dropped) -> None:
    """The CPU's `attention_softmax` on device arrays."""
    if scores.size == 0:
        return
    rows, n = tuple(scores.shape)[-2:]
    empty = _table(("empty", scores.dtype.str), lambda: np.zeros(0, scores.dtype))
    if mask is None:
        mask_flat, mask_at, mask_rs, mask_cs = empty, _table(("none",), lambda: _NO_TABLE), 0, 0
    else:
        strides, lead = _elements(mask), tuple(mask.shape)[:-2]
        mask_flat = flat_memory(mask)
        mask_at = _table(("mask", lead, strides[:-2]), lambda: lead_offsets(lead, strides[:-2]))
        mask_rs, mask_cs = strides[-2:]
    dropped = empty if dropped is None else dropped.reshape(-1)
    _softmax_rows[launch(scores.size // n)](scores.reshape(-1), rows, n, causal, scale,
                                            mask_flat, mask_at, mask_rs, mask_cs, keep,
                                            dropped)  # fmt: skip


_NO_TABLE = np.zeros(0, np.int64)


def attention_softmax_backward(probs, dropped, grad, scale: float) -> None:
    """The CPU's `attention_softmax_backward` on device arrays."""
    if grad.size:
        n = tuple(grad.shape)[-1]
        _softmax_rows_backward[launch(grad.size // n)](probs.reshape(-1), dropped.reshape(-1),
                                                       grad.reshape(-1), n, scale)  # fmt: skip


__all__ = ["attention_bmm", "attention_softmax", "attention_softmax_backward"]
