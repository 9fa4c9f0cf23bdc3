"""Scaled dot-product attention on the CPU: the head-mapped batched products (on the
packed GEMM of matmul.py) and the fused scale + mask + softmax + dropout of each score
row, with its backward. The row math lives in kernels/common/attention.py, shared with
the CUDA kernels."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import prange

from ..common.attention import head_tables, lead_offsets, softmax_row, softmax_row_backward
from ..contract import Operand
from ._launch import parallel_for, twins
from .matmul import flat_view, gemm_batched


def _softmax_rows(x, rows, n, causal, scale, mask, mask_at, mask_rs, mask_cs, keep, dropped):
    """x: 1-D contiguous stack of (rows, n) score matrices, one per batch-head q, turned
    into probabilities row by row (`softmax_row`). The mask of row i of matrix q starts at
    mask[mask_at[q] + i * mask_rs] (columns mask_cs apart); a causal row i keeps its
    first i + 1 columns."""
    for r in prange(x.size // n):
        q, i = np.int64(r) // rows, np.int64(r) % rows
        limit = min(i + 1, n) if causal else n
        at = q * rows * n + i * n  # row r of x: r * n + j < x.size for j < n
        mask_row = mask_at[q] + i * mask_rs if mask.size else 0
        softmax_row(x, at, n, limit, scale, mask, mask_row, mask_cs, keep, dropped)


def _softmax_rows_backward(probs, dropped, grad, n, scale):
    """grad: 1-D contiguous rows of n, overwritten row by row (`softmax_row_backward`)."""
    for r in prange(grad.size // n):
        softmax_row_backward(probs, dropped, grad, np.int64(r) * n, n, scale)


# error_model="numpy": a fully masked row must not raise on its 0 * inf
_FORWARD = twins(_softmax_rows, fastmath={"contract", "arcp", "nsz"}, error_model="numpy")
_BACKWARD = twins(_softmax_rows_backward, fastmath={"contract", "arcp", "nsz"})


def _pick(pair, numel: int):
    serial, parallel = pair
    return parallel if parallel_for(numel) else serial


# A training loop asks for the same few layouts every step, and building a layout's tables
# takes a dozen numpy calls (~11 us against the ~30 us of a head's product): kept, as the
# CUDA launcher keeps its device copies. gemm_batched only reads them.
_head_tables = lru_cache(maxsize=64)(head_tables)


def attention_bmm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out[..., h // g] (+)= a[..., ha] @ b[..., hb] over heads, as `head_tables` maps
    them: a (*B, Ha, M, K), b (*B, Hb, K, P) of any strides (0 included), out (*B, Hc,
    M, P) C-contiguous, the head counts dividing the larger of Ha and Hb."""
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if out.size == 0:
        return
    if k == 0:
        out[...] = 0
        return
    a_flat, a_strides = flat_view(a)
    b_flat, b_strides = flat_view(b)
    a_at, b_at, c_at = _head_tables(a.shape, a_strides, b.shape, b_strides, out.shape[-3])
    a_operand = Operand(a_flat, a_at, *a_strides[-2:])
    b_operand = Operand(b_flat, b_at, *b_strides[-2:])
    gemm_batched(a_operand, b_operand, out.reshape(-1), c_at, m, n, k)


def attention_softmax(
    scores: np.ndarray,
    mask: np.ndarray | None,
    causal: bool,
    scale: float,
    keep: float,
    dropped: np.ndarray | None,
) -> None:
    """scores (*B, H, L, S) C-contiguous: raw q @ k^T, overwritten with softmax(scores *
    scale + mask), causal rows keeping columns j <= i. mask: None or an array of scores'
    shape, any strides (0 where it broadcasts). dropped: None, or uniform noise of scores'
    shape (C-contiguous) overwritten with the probabilities dropped out with probability
    1 - keep and scaled by 1 / keep."""
    if scores.size == 0:
        return
    rows, n = scores.shape[-2:]
    if mask is None:
        mask_flat, mask_at, (mask_rs, mask_cs) = np.zeros(0, scores.dtype), _NO_TABLE, (0, 0)
        mask_flat.flags.writeable = False
    else:
        mask_flat, strides = flat_view(mask)
        mask_at = lead_offsets(mask.shape[:-2], strides[:-2])
        mask_rs, mask_cs = strides[-2:]
    if dropped is None:
        dropped = np.zeros(0, scores.dtype)
    _pick(_FORWARD, scores.size)(scores.reshape(-1), rows, n, causal, scale, mask_flat, mask_at,
                                 mask_rs, mask_cs, keep, dropped.reshape(-1))  # fmt: skip


_NO_TABLE = np.zeros(0, np.int64)


def attention_softmax_backward(
    probs: np.ndarray, dropped: np.ndarray, grad: np.ndarray, scale: float
) -> None:
    """grad (*B, H, L, S) C-contiguous, the gradient of the dropped probabilities,
    overwritten with that of the raw scores (times `scale`); probs and dropped as
    `attention_softmax` left them (dropped is probs itself without dropout)."""
    if grad.size:
        n = grad.shape[-1]
        _pick(_BACKWARD, grad.size)(probs.reshape(-1), dropped.reshape(-1), grad.reshape(-1),
                                    n, scale)  # fmt: skip


__all__ = ["attention_bmm", "attention_softmax", "attention_softmax_backward"]
