"""Attention's per-row math, shared by the CPU and CUDA kernels (kernels/*/attention.py),
and the host-side offset tables that map query heads onto key/value heads.

The scores of one batch-head are an (L, S) matrix, C-contiguous; a row is one query's
scores over the S keys. The forward turns a row into probabilities in place (scale, mask,
causal bound, softmax, dropout); the backward turns the gradient of a row of dropped
probabilities into the gradient of its raw scores.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .fastmath import exp


@njit(inline="always")
def softmax_row(x, at, n, limit, scale, mask, mask_at, mask_step, keep, dropped):
    """Row x[at : at + n] of raw scores becomes softmax(x * scale + mask) over its first
    `limit` columns (the causal bound; n without one) and 0 beyond. mask (empty: none) is
    added at mask[mask_at + j * mask_step]. A row whose every column is masked (-inf)
    becomes 0, as PyTorch's safe softmax makes it. With dropout (`dropped` not empty),
    dropped[at + j] holds uniform noise on entry and becomes p_j / keep where the noise is
    below `keep`, else 0; the undropped probabilities stay in x for the backward.
    Every write is at at + j, j < n: the callers pass rows that lie inside x, and dropped
    is x's size (the launchers' contract)."""
    top = -math.inf
    for j in range(limit):
        v = x[at + j] * scale
        if mask.size:
            v += mask[mask_at + j * mask_step]
        x[at + j] = v
        top = max(top, v)
    if top == -math.inf:
        limit = 0  # all masked: the zeros of the loop below
    total = 0.0
    for j in range(limit):
        e = exp(x[at + j] - top)
        x[at + j] = e
        total += e
    inverse = 1.0 / total if limit else 0.0
    for j in range(n):
        p = x[at + j] * inverse if j < limit else 0.0
        x[at + j] = p
        if dropped.size:
            dropped[at + j] = p / keep if dropped[at + j] < keep else 0.0


@njit(inline="always")
def softmax_row_backward(probs, dropped, grad, at, n, scale):
    """Row grad[at : at + n], the gradient of the dropped probabilities, becomes the
    gradient of the raw scores: scale * (d_j g_j - p_j sum_k d_k g_k), d the dropped
    probabilities (p itself without dropout). Dropout scales d_j = p_j m_j / keep, so
    p_j's gradient m_j g_j / keep times p_j is d_j g_j, and the softmax's sum over
    p_k (m_k g_k / keep) is the sum over d_k g_k: the mask need not be kept. Writes
    grad[at + j], j < n, inside grad as the caller's row lies inside it."""
    total = 0.0
    for j in range(n):
        total += dropped[at + j] * grad[at + j]
    for j in range(n):
        grad[at + j] = scale * (dropped[at + j] * grad[at + j] - probs[at + j] * total)


def lead_offsets(shape: tuple, strides: tuple) -> np.ndarray:
    """The element offset of every index of the leading dims `shape` (strides in elements),
    in C order: the start of each matrix of a batched operand."""
    offsets = np.zeros(1, np.int64)
    for n, step in zip(shape, strides):
        offsets = (offsets[:, None] + np.arange(n, dtype=np.int64) * step).reshape(-1)
    return offsets


def head_tables(a_shape, a_strides, b_shape, b_strides, out_heads: int):
    """Offset tables for `gemm_batched` over heads. a (*B, Ha, M, K) and b (*B, Hb, K, P)
    (element strides, any, 0 included) and out (*B, Hc, M, P) C-contiguous; H = max(Ha,
    Hb), and Ha, Hb, Hc divide H. Query head h < H multiplies a's head h * Ha // H by b's
    head h * Hb // H into out's head h * Hc // H, summed over the H / Hc heads that share
    one (the key and value gradients of grouped-query attention). Returns a_at, b_at
    (Q, H / Hc) and c_at (Q,), Q = prod(B) * Hc."""
    heads = max(a_shape[-3], b_shape[-3])
    group = heads // out_heads
    h = np.arange(heads, dtype=np.int64).reshape(out_heads, group)
    a_at = lead_offsets(a_shape[:-3], a_strides[:-3])[:, None, None] + (
        h * a_shape[-3] // heads * a_strides[-3]
    )
    b_at = lead_offsets(b_shape[:-3], b_strides[:-3])[:, None, None] + (
        h * b_shape[-3] // heads * b_strides[-3]
    )
    products = a_at.shape[0] * out_heads
    c_at = np.arange(products, dtype=np.int64) * (a_shape[-2] * b_shape[-1])
    return a_at.reshape(products, group), b_at.reshape(products, group), c_at
