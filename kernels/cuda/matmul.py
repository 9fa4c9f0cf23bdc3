"""Matrix multiply CUDA kernels: a shared-memory tiled GEMM with 2-D block tiling (each
thread accumulates a TM x TN patch of C in registers), its batched form behind `gemm`,
`bmm` and conv, on device arrays of any strides.

As on the CPU (kernels/cpu/matmul.py), operands reach the kernel as 1-D views over their
memory plus element strides, and products are numbered q with offset tables (Q, R): the
R products of a q are summed into C[q], so one compiled kernel per dtype serves
C-ordered, transposed, sliced and broadcast inputs, batches and convolutions.
"""

from __future__ import annotations

import numpy as np
from numba import cuda, float32, float64

from ..common.elementwise import ADD
from ..contract import Operand
from ._launch import flat_memory, from_host_cached
from .elementwise import binary, copy, fill

BM = BN = 64  # the block's tile of C
BK = 16  # depth of one shared-memory step: A (BK x BM) + B (BK x BN) = 8 KB of float32
TM = TN = 4  # each thread's patch of C: 16 accumulators in registers
SIDE = BM // TM  # 16 x 16 = 256 threads per block
THREADS = SIDE * SIDE
MAX_GRID_Z = 65535


def _gemm_kernel(dtype):
    def kernel(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k, bias, bias_at,
               bias_rs, bias_cs, accumulate):  # fmt: skip
        """C[q] (m x n at c[c_at[q]:], row stride n) = sum_r A[q, r] @ B[q, r] (+ bias), or
        += with `accumulate`. A[q, r][i, p] = a[a_at[q, r] + i*a_rs + p*a_cs], B likewise;
        the bias of C[q][i, j] is bias[bias_at[q] + i*bias_rs + j*bias_cs] (bias empty:
        none). Block (x, y, z) computes rows y*BM.., columns x*BN.. of products z, z +
        gridDim.z, ...; thread (tx, ty) rows ty + SIDE*i and columns tx + SIDE*j, so that
        neighbouring threads read neighbouring shared-memory words and write neighbouring
        columns of C."""
        a_tile = cuda.shared.array((BK, BM), dtype)
        b_tile = cuda.shared.array((BK, BN), dtype)
        acc = cuda.local.array((TM, TN), dtype)
        a_frag = cuda.local.array(TM, dtype)
        b_frag = cuda.local.array(TN, dtype)
        tx, ty = cuda.threadIdx.x, cuda.threadIdx.y
        tid = ty * SIDE + tx
        row0, col0 = cuda.blockIdx.y * BM, cuda.blockIdx.x * BN
        zero = dtype(0)
        for q in range(cuda.blockIdx.z, c_at.size, cuda.gridDim.z):
            for i in range(TM):
                for j in range(TN):
                    acc[i, j] = zero
            for r in range(a_at.shape[1]):
                a_r, b_r = a_at[q, r], b_at[q, r]
                for k0 in range(0, k, BK):
                    # stage the tiles; consecutive threads take consecutive p (A) and j (B),
                    # consecutive addresses when A and B are row-major
                    for e in range(tid, BM * BK, THREADS):
                        i, p = row0 + e // BK, k0 + e % BK
                        value = zero
                        if i < m and p < k:
                            value = a[a_r + i * a_rs + p * a_cs]
                        a_tile[e % BK, e // BK] = value
                    for e in range(tid, BK * BN, THREADS):
                        p, j = k0 + e // BN, col0 + e % BN
                        value = zero
                        if p < k and j < n:
                            value = b[b_r + p * b_rs + j * b_cs]
                        b_tile[e // BN, e % BN] = value
                    cuda.syncthreads()
                    for p in range(BK):
                        for i in range(TM):
                            a_frag[i] = a_tile[p, ty + i * SIDE]
                        for j in range(TN):
                            b_frag[j] = b_tile[p, tx + j * SIDE]
                        for i in range(TM):
                            for j in range(TN):
                                acc[i, j] += a_frag[i] * b_frag[j]
                    cuda.syncthreads()
            for i in range(TM):
                row = row0 + ty + i * SIDE
                if row < m:
                    for j in range(TN):
                        col = col0 + tx + j * SIDE
                        if col < n:
                            value = acc[i, j]
                            if bias.size:
                                value += bias[bias_at[q] + row * bias_rs + col * bias_cs]
                            at = c_at[q] + row * n + col
                            if accumulate:
                                c[at] += value
                            else:
                                c[at] = value

    return cuda.jit(cache=True)(kernel)


_KERNELS = {
    np.dtype(np.float32): _gemm_kernel(float32),
    np.dtype(np.float64): _gemm_kernel(float64),
}


def gemm_batched(
    a: Operand,
    b: Operand,
    c,
    c_at,
    m: int,
    n: int,
    k: int,
    bias: Operand | None = None,
    accumulate: bool = False,
) -> None:
    """The CPU's `gemm_batched` on device arrays: for each q, C[q] = sum_r A[q, r] @ B[q, r]
    (+ bias), or += with `accumulate`. a, b: operands over 1-D device views
    (`flat_memory`) with int64 device tables (Q, R); c: flat C-contiguous; c_at and the
    bias's table: int64 device tables (Q,). Requires k > 0; products q may not overlap."""
    a, a_at, a_rs, a_cs = a
    b, b_at, b_rs, b_cs = b
    bias, bias_at, bias_rs, bias_cs = (None, None, 0, 1) if bias is None else bias
    if bias is None:
        bias = from_host_cached(("empty", c.dtype.str), lambda: np.zeros(0, c.dtype))
    products = c_at.size
    if bias_at is None:
        bias_at = _zero_table(products)
    grid = (-(-n // BN), -(-m // BM), min(products, MAX_GRID_Z))
    _KERNELS[c.dtype][grid, (SIDE, SIDE)](a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at,
                                          m, n, k, bias, bias_at, bias_rs, bias_cs,
                                          bool(accumulate))  # fmt: skip


def _elements(x) -> tuple:
    itemsize = x.dtype.itemsize
    return tuple(s // itemsize for s in x.strides)


def _zero_table(rows: int, cols: int | None = None):
    shape = (rows,) if cols is None else (rows, cols)
    return from_host_cached(("zeros", shape), lambda: np.zeros(shape, np.int64))


def _fill_empty_product(out, bias, accumulate: bool) -> None:
    """out = bias (broadcast over rows, 0 without one), or out += bias: a product with k = 0."""
    if bias is None:
        if not accumulate:
            fill(out, 0)
    elif accumulate:
        binary(ADD, out, bias, out)
    else:
        copy(bias, out)


def gemm(a, b, out, bias=None, beta_accumulate: bool = False) -> None:
    """out = a @ b (+ bias[None, :]); with `beta_accumulate`, out += a @ b (+ bias).
    a (M, K) and b (K, N): float32 or float64 device arrays, any strides. out (M, N):
    C-contiguous."""
    m, k = a.shape
    n = b.shape[1]
    if m == 0 or n == 0:
        return
    if k == 0:
        _fill_empty_product(out, bias, beta_accumulate)
        return
    a_rs, a_cs = _elements(a)
    b_rs, b_cs = _elements(b)
    bias_operand = None
    if bias is not None:
        bias_operand = Operand(flat_memory(bias), None, 0, _elements(bias)[0])
    one = _zero_table(1, 1)
    a_operand = Operand(flat_memory(a), one, a_rs, a_cs)
    b_operand = Operand(flat_memory(b), one, b_rs, b_cs)
    c, c_at = out.reshape(-1), _zero_table(1)
    gemm_batched(a_operand, b_operand, c, c_at, m, n, k, bias_operand, beta_accumulate)


def bmm(a, b, out) -> None:
    """out[t] = a[t] @ b[t]. a (B, M, K), b (B, K, N): any strides, batch stride 0 included;
    out (B, M, N) C-contiguous."""
    batch, m, k = a.shape
    n = b.shape[2]
    if batch == 0 or m == 0 or n == 0:
        return
    if k == 0:
        _fill_empty_product(out, None, False)
        return
    a_bs, a_rs, a_cs = _elements(a)
    b_bs, b_rs, b_cs = _elements(b)
    t = np.arange(batch, dtype=np.int64)
    a_at = from_host_cached(("batch", batch, a_bs), lambda: (t * a_bs)[:, None])
    b_at = from_host_cached(("batch", batch, b_bs), lambda: (t * b_bs)[:, None])
    c_at = from_host_cached(("batch", batch, m * n, 0), lambda: t * (m * n))
    a_operand = Operand(flat_memory(a), a_at, a_rs, a_cs)
    b_operand = Operand(flat_memory(b), b_at, b_rs, b_cs)
    gemm_batched(a_operand, b_operand, out.reshape(-1), c_at, m, n, k)


__all__ = ["bmm", "gemm", "gemm_batched"]
