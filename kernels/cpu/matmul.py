"""Matrix multiply kernels on numpy arrays of any strides: a packed, register-tiled GEMM
(Goto's scheme), its batched form, and `gemm_blas`, the numpy/BLAS alternative.

Operands reach the kernels as read-only 1-D views over their memory plus element strides,
so one compiled kernel per dtype serves C-ordered, transposed, sliced and broadcast
(stride 0) inputs without a copy.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np
from llvmlite import ir
from numba import njit, prange, types, uint64
from numba.core import cgutils, config
from numba.core.compiler_lock import global_compiler_lock
from numba.extending import intrinsic, overload

from ..contract import Operand
from ._launch import optimize_at, parallel_for, twins
from .isa import TILE, blocking

# The register tile and the blocking follow the ISA the kernels are compiled for (isa.py):
# on AVX-512, 8 rows x 128 bytes (two 512-bit vectors: 32 f32, 16 f64); on AVX2, 6 x 64.
MR = TILE.rows
TILE_BYTES = TILE.width
# KC: depth of a packed block, one B micro-panel (KC x TILE_BYTES) staying in L1 while the
# A micro-panels stream past it from L2; MC: rows of one parallel task, its A block
# (MC x KC) in L2; NC: columns of one task, its packed B block (KC x NC) in L2 too
KC, MC = blocking(TILE)
NC = MC
# Below this many multiply-adds (M*N*K) packing and waking threads cost more than they save
SMALL_GEMM = 48 * 48 * 48

# No `reassoc`: it lets LLVM turn the k loop into a gather-based reduction (docs/NUMBA_NOTES.md)
FASTMATH = {"contract", "nnan", "ninf", "nsz", "arcp"}


@contextmanager
def _tile_vectorizer(loops: bool = False):
    """Compile with the SLP vectorizer on and the loop vectorizer off (or on with `loops`).
    The micro-kernel's k loop is written in vectors already (`_tile_sums`); SLP is what
    turns its unrolled write-back into C, the packing copies of constant trip count and
    the Winograd kernels' stack-buffer copies into vector moves. Numba reads both flags
    when it builds a pass manager, so they are set only while we compile and under the
    compiler lock, so no other compilation sees them. The loop vectorizer is what
    vectorizes the Winograd transforms' loops."""
    with global_compiler_lock:
        saved = config.SLP_VECTORIZE, config.LOOP_VECTORIZE
        config.SLP_VECTORIZE, config.LOOP_VECTORIZE = 1, int(loops)
        try:
            yield
        finally:
            config.SLP_VECTORIZE, config.LOOP_VECTORIZE = saved


_compiled: set = set()


def _run_tiled(kernel, *args, loops: bool = False) -> None:
    """Call `kernel`, compiling (or loading from the cache) each signature once under
    `_tile_vectorizer(loops)`: a plain first call would compile it with Numba's defaults."""
    key = (kernel, args[0].dtype)
    if key not in _compiled:
        with _tile_vectorizer(loops):
            kernel.compile(tuple(numba.typeof(x) for x in args))
        _compiled.add(key)
    kernel(*args)


def _tile_cols(x):
    """Columns of the register tile for x's dtype (a compile-time constant)."""
    return TILE_BYTES // x.itemsize


@overload(_tile_cols)
def _tile_cols_overload(x):
    cols = np.uint64(TILE_BYTES // (x.dtype.bitwidth // 8))
    return lambda x: cols


@intrinsic
def _register_tile(typingctx, x):
    """A stack array of MR x _tile_cols(x) elements of x's dtype, where `_tile_sums`
    leaves the tile's sums for the write-back into C."""
    dtype = x.dtype
    size = MR * (TILE_BYTES // (dtype.bitwidth // 8))

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(dtype), size=size)

    return types.CPointer(dtype)(x), codegen


@intrinsic
def _tile_sums(typingctx, tile, kc, a, a_at, a_rs, a_cs, b, b_at, ldb):
    """tile[i*NR + j] = sum_{p < kc} a[a_at + i*a_rs + p*a_cs] * b[b_at + p*ldb + j] for
    i < MR, j < NR (all uint64; tile from `_register_tile`). The k loop written in LLVM
    vectors: MR x NR/lanes accumulators carried in registers, one vector load per lane
    group of B's row and one broadcast per row of A per step. Left to LLVM's SLP
    vectorizer, the scalar form of this loop came out shuffled and spilled on 16 AVX2
    registers (blends and stack reloads in the k loop); spelled out, the accumulators
    take MR*NR/lanes registers plus NR/lanes for B and one for A on every ISA.
    `llvm.fmuladd` is a fused multiply-add where the target has one (a mul and an add
    elsewhere, never a call)."""
    if not (a.ndim == b.ndim == 1 and a.layout == b.layout == "C"):
        return None  # indexes the data pointers with unit stride
    dtype = tile.dtype
    itemsize = dtype.bitwidth // 8
    lanes = TILE.vector // itemsize
    groups = TILE_BYTES // TILE.vector  # vectors per row of the tile

    def codegen(context, builder, signature, args):
        tile, kc, a, a_at, a_rs, a_cs, b, b_at, ldb = args
        element = context.get_value_type(dtype)
        vector = ir.VectorType(element, lanes)
        index = ir.IntType(64)
        fmuladd = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(vector, [vector] * 3),
            f"llvm.fmuladd.v{lanes}f{dtype.bitwidth}",
        )
        a_base = builder.gep(
            context.make_array(signature.args[2])(context, builder, a).data, [a_at]
        )
        b_base = builder.gep(
            context.make_array(signature.args[6])(context, builder, b).data, [b_at]
        )
        zero = ir.Constant(vector, None)
        undefined = ir.Constant(vector, ir.Undefined)
        splat = ir.Constant(ir.VectorType(ir.IntType(32), lanes), None)  # lane 0 everywhere
        entry = builder.basic_block
        loop = builder.append_basic_block("tile_sums.loop")
        done = builder.append_basic_block("tile_sums.done")
        builder.cbranch(builder.icmp_unsigned("!=", kc, ir.Constant(index, 0)), loop, done)

        builder.position_at_end(loop)
        p = builder.phi(index)
        sums = [builder.phi(vector) for _ in range(MR * groups)]
        b_row = builder.gep(b_base, [builder.mul(p, ldb)])
        b_vectors = [
            builder.load(builder.bitcast(builder.gep(b_row, [ir.Constant(index, g * lanes)]),
                                         vector.as_pointer()), align=itemsize)
            for g in range(groups)
        ]  # fmt: skip
        a_column = builder.gep(a_base, [builder.mul(p, a_cs)])
        new_sums = []
        for i in range(MR):
            x = builder.load(builder.gep(a_column, [builder.mul(ir.Constant(index, i), a_rs)]))
            x = builder.insert_element(undefined, x, ir.Constant(ir.IntType(32), 0))
            x = builder.shuffle_vector(x, undefined, splat)
            for g in range(groups):
                new_sums.append(builder.call(fmuladd, [x, b_vectors[g], sums[i * groups + g]]))
        p_next = builder.add(p, ir.Constant(index, 1))
        body_end = builder.basic_block
        p.add_incoming(ir.Constant(index, 0), entry)
        p.add_incoming(p_next, body_end)
        for phi, value in zip(sums, new_sums):
            phi.add_incoming(zero, entry)
            phi.add_incoming(value, body_end)
        builder.cbranch(builder.icmp_unsigned("<", p_next, kc), loop, done)

        builder.position_at_end(done)
        results = [builder.phi(vector) for _ in new_sums]
        for t, (result, value) in enumerate(zip(results, new_sums)):
            result.add_incoming(zero, entry)
            result.add_incoming(value, body_end)
            at = builder.gep(tile, [ir.Constant(index, t * lanes)])
            builder.store(result, builder.bitcast(at, vector.as_pointer()), align=itemsize)
        return context.get_dummy_value()

    return types.void(tile, kc, a, a_at, a_rs, a_cs, b, b_at, ldb), codegen


# unsigned twins of the sizes for index arithmetic inside kernels: unsigned indices spare
# each access a negative-index wraparound branch, which blocks vectorization (docs/NUMBA_NOTES.md)
_MR = np.uint64(MR)


@njit(fastmath=FASTMATH, cache=True)
def _micro_kernel(kc, a, a_at, a_rs, a_cs, b, b_at, ldb, c, c_at, ldc, rows, cols, add):
    """c[c_at + i*ldc + j] += (or = when not `add`) sum_p A[i, p] * B[p, j] for i < rows,
    j < cols, with A[i, p] = a[a_at + i*a_rs + p*a_cs] and B[p, j] = b[b_at + p*ldb + j]
    over the full MR x NR tile (padded with zeros or ignored where it passes rows/cols).
    Packed micro-panels have a_rs = 1, a_cs = MR, ldb = NR; the Winograd kernels pass
    their transforms' own layouts: A is only ever broadcast, one element per load."""
    c_at, ldc, rows, cols = uint64(c_at), uint64(ldc), uint64(rows), uint64(cols)
    nr = _tile_cols(c)
    tile = _register_tile(c)
    _tile_sums(tile, uint64(kc), a, uint64(a_at), uint64(a_rs), uint64(a_cs), b, uint64(b_at),
               uint64(ldb))  # fmt: skip
    acc = numba.carray(tile, _MR * nr)
    if cols == nr:  # whole rows of the tile: vector adds, however many rows
        for i in range(rows):
            row = c_at + i * ldc
            if add:
                for j in range(nr):
                    c[row + j] += acc[i * nr + j]
            else:
                for j in range(nr):
                    c[row + j] = acc[i * nr + j]
    else:
        for i in range(rows):
            row = c_at + i * ldc
            for j in range(cols):
                c[row + j] = c[row + j] + acc[i * nr + j] if add else acc[i * nr + j]


@njit(cache=True)
def _pack_a_panel(a, a_rs, a_cs, i0, rows, k0, kc, ap, at):
    """Copy A[i0:i0+rows, k0:k0+kc] (A[i, p] = a[i*a_rs + p*a_cs]) into ap[at:] as a
    k-major MR-row micro-panel, ap[at + p*MR + i], zero-padded to MR rows. A full panel
    copies MR elements per step with a constant trip count, so each step is one vector
    store (and one vector load when A is column-major)."""
    a_rs, a_cs, i0, rows = uint64(a_rs), uint64(a_cs), uint64(i0), uint64(rows)
    k0, kc, at = uint64(k0), uint64(kc), uint64(at)
    if rows < _MR:
        for t in range(kc * _MR):
            ap[at + t] = 0
    for p in range(kc):
        src = i0 * a_rs + (k0 + p) * a_cs
        dst = at + p * _MR
        if rows == _MR:
            for i in range(_MR):
                ap[dst + i] = a[src + i * a_rs]
        else:
            for i in range(rows):
                ap[dst + i] = a[src + i * a_rs]


@njit(cache=True)
def _pack_b(b, b_at, b_rs, b_cs, k0, kc, j0, cols, bp):
    """Copy B[k0:k0+kc, j0:j0+cols] (B[p, j] = b[b_at + p*b_rs + j*b_cs]) into bp as
    k-major NR-column micro-panels: panel j (a multiple of NR) holds bp[j*kc + p*NR + jj],
    the last one zero-padded to NR columns.
    The full panels copy NR elements per step with a constant trip count, so they
    become vector copies; rows of b are read in long runs when b is row-major."""
    b_rs, b_cs, k0, kc = uint64(b_rs), uint64(b_cs), uint64(k0), uint64(kc)
    j0, cols = uint64(j0), uint64(cols)
    b = b[uint64(b_at) :]
    nr = _tile_cols(bp)
    full = cols // nr * nr
    if b_cs == 1:  # row-major: read whole rows of the block
        for p in range(kc):
            src = (k0 + p) * b_rs + j0
            for j in range(0, full, nr):
                dst = j * kc + p * nr
                for jj in range(nr):
                    bp[dst + jj] = b[src + j + jj]
    else:  # column by column: each reads a run along k (rows of b, when b_rs == 1)
        for j in range(0, full, nr):
            for jj in range(nr):
                src = k0 * b_rs + (j0 + j + jj) * b_cs
                dst = j * kc + jj
                for p in range(kc):
                    bp[dst + p * nr] = b[src + p * b_rs]
    if full < cols:
        for p in range(kc):
            src = (k0 + p) * b_rs + (j0 + full) * b_cs
            dst = full * kc + p * nr
            for jj in range(nr):
                bp[dst + jj] = 0
            for jj in range(cols - full):
                bp[dst + jj] = b[src + jj * b_cs]


@njit(cache=True)
def _depth_step(k):
    """Depth of the packed blocks: at most KC, and equal, so that K = 288 runs as 2 x 144
    rather than 256 + a thin 32 whose tiles pay the C write-back for little work."""
    blocks = (k + KC - 1) // KC
    return (k + blocks - 1) // blocks


@njit(parallel=True, cache=True)
def _gemm_packed(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k, bias, bias_at,
                 bias_rs, bias_cs, accumulate, a_distinct, a_which, mc, nc):  # fmt: skip
    """`gemm_batched` for products big enough to pay for packing. First packs each
    distinct A (a_distinct: their offsets; A[q, r] is number a_which[q, r]) once, in depth
    blocks of MR-row micro-panels: block k0 of A number u starts at ap[(u*k + k0)*m_pad].
    Then runs in parallel over q and (mc x nc) blocks of C; for each depth block a task
    packs its B columns into NR-column micro-panels and runs the micro-kernel over its
    tiles, one B micro-panel (held in L1) against all its A micro-panels (in L2)."""
    nr = np.int64(_tile_cols(c))
    panels = (m + MR - 1) // MR
    m_pad = panels * MR
    step = _depth_step(k)
    ap = np.empty(a_distinct.size * m_pad * k, c.dtype)
    for task in prange(a_distinct.size * panels):
        u = np.int64(task) // panels
        i0 = np.int64(task) % panels * MR
        a_u = a[a_distinct[u] :]
        for k0 in range(0, k, step):
            kc = min(step, k - k0)
            at = (u * k + k0) * m_pad + i0 * kc
            _pack_a_panel(a_u, a_rs, a_cs, i0, min(MR, m - i0), k0, kc, ap, at)

    row_blocks = (m + mc - 1) // mc
    col_blocks = (n + nc - 1) // nc
    blocks = row_blocks * col_blocks
    for task in prange(c_at.size * blocks):
        q = np.int64(task) // blocks
        i0 = np.int64(task) % blocks // col_blocks * mc
        j0 = np.int64(task) % col_blocks * nc
        rows = min(mc, m - i0)
        cols = min(nc, n - j0)
        c_q = c_at[q] + i0 * n + j0
        b_q = bias_at[q] + i0 * bias_rs + j0 * bias_cs
        # one product of one depth block, nothing to add to: the tiles write C directly
        # instead of adding to zeros written first (a backward GEMM's K <= KC)
        overwrite = not accumulate and bias.size == 0 and b_at.shape[1] == 1 and step >= k
        if not overwrite:
            _start_block(c, c_q, n, rows, cols, bias, b_q, bias_rs, bias_cs, accumulate)
        col_panels = (cols + nr - 1) // nr
        row_panels = (rows + MR - 1) // MR
        bp = np.empty(step * col_panels * nr, c.dtype)
        for r in range(b_at.shape[1]):
            a_qr = a_which[q, r] * k * m_pad
            for k0 in range(0, k, step):
                kc = min(step, k - k0)
                _pack_b(b, b_at[q, r], b_rs, b_cs, k0, kc, j0, cols, bp)
                for jp in range(col_panels):
                    j = jp * nr
                    for ip in range(row_panels):
                        i = ip * MR
                        a_tile = a_qr + k0 * m_pad + (i0 + i) * kc
                        _micro_kernel(kc, ap, a_tile, 1, MR, bp, j * kc, nr, c, c_q + i * n + j,
                                      n, min(MR, rows - i), min(nr, cols - j),
                                      not overwrite)  # fmt: skip


@njit(cache=True)
def _start_block(c, at, ldc, rows, cols, bias, bias_at, bias_rs, bias_cs, accumulate):
    """Before the products are added: c[at + i*ldc + j] = bias[bias_at + i*bias_rs +
    j*bias_cs] for i < rows, j < cols (0 when bias is empty); with `accumulate` the bias
    is added to c instead."""
    at, ldc, rows, cols = uint64(at), uint64(ldc), uint64(rows), uint64(cols)
    bias_at, bias_rs, bias_cs = uint64(bias_at), uint64(bias_rs), uint64(bias_cs)
    for i in range(rows):
        row = at + i * ldc
        src = bias_at + i * bias_rs
        if not bias.size:
            if not accumulate:
                for j in range(cols):
                    c[row + j] = 0
        elif accumulate:
            for j in range(cols):
                c[row + j] += bias[src + j * bias_cs]
        else:
            for j in range(cols):
                c[row + j] = bias[src + j * bias_cs]


@njit(fastmath=FASTMATH, cache=True)
def _gemm_direct(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k, bias, bias_at,
                 bias_rs, bias_cs, accumulate):  # fmt: skip
    """C = c[c_at:] (m x n, C-contiguous) = sum_r A[r] @ B[r] + bias, or += that when
    `accumulate`; A[r][i, p] = a[a_at[r] + i*a_rs + p*a_cs], B likewise,
    bias as in `_gemm_packed`. Serial, no packing: for small products. Requires k > 0."""
    # with nothing to start from, the first term writes C instead of a zeroing pass and
    # an add (a weight gradient on one row, 128 x 784: 11.3 -> 7 us)
    write_first = not accumulate and not bias.size
    if not write_first:
        _start_block(c, c_at, n, m, n, bias, bias_at, bias_rs, bias_cs, accumulate)
    a_rs, a_cs, b_rs, b_cs = uint64(a_rs), uint64(a_cs), uint64(b_rs), uint64(b_cs)
    c_at, m, n, k = uint64(c_at), uint64(m), uint64(n), uint64(k)
    for r in range(a_at.size):
        a_r = uint64(a_at[r])
        b_r = uint64(b_at[r])
        for i in range(m):
            row = c_at + i * n
            for p in range(k):
                a_ip = a[a_r + i * a_rs + p * a_cs]
                src = b_r + p * b_rs
                if write_first and r == 0 and p == 0:
                    for j in range(n):
                        c[row + j] = a_ip * b[src + j * b_cs]
                elif b_cs == 1:  # the common case, spelled out so that it vectorizes
                    for j in range(n):
                        c[row + j] += a_ip * b[src + j]
                else:
                    for j in range(n):
                        c[row + j] += a_ip * b[src + j * b_cs]


@njit(parallel=True, cache=True)
def _gemm_direct_batched(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k, bias,
                         bias_at, bias_rs, bias_cs, accumulate):  # fmt: skip
    """`_gemm_direct` for each q (offset tables a_at/b_at (Q, R), c_at/bias_at (Q,)),
    in parallel over q: many small products at once."""
    for q in prange(c_at.size):
        _gemm_direct(a, a_at[q], a_rs, a_cs, b, b_at[q], b_rs, b_cs, c, c_at[q], m, n, k,
                     bias, bias_at[q], bias_rs, bias_cs, accumulate)  # fmt: skip


def _small_products(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k):
    """C[q] = A[q] @ B[q] for many small one-term products (k <= KC; offset tables
    a_at/b_at (Q, 1), c_at (Q,)), one task per product: its B packed into NR-column
    micro-panels (k x NR each, in L1), its A read where it lies through a_rs/a_cs (the
    micro-kernel only broadcasts A's elements, so no packing pays), and each register
    tile stored straight into C, which is never zeroed or read. The last panel of fewer
    than MR rows is packed, zero-padded, so that no read passes A[q]'s rows.
    Attention's per-head products (64 heads of 32 x 16 @ 16 x 32 and the like, f32, one
    AVX-512 thread): 37-44 us a bmm call against 116-170 on the direct and dot-product
    paths, 60-75 packed, and PyTorch's 28."""
    nr = np.int64(_tile_cols(c))
    col_panels = (n + nr - 1) // nr
    full = m // MR * MR  # rows in whole register tiles, read in place
    for q in prange(c_at.size):
        bp = np.empty(k * col_panels * nr, c.dtype)
        ap = np.empty(k * MR, c.dtype)
        _pack_b(b, b_at[q, 0], b_rs, b_cs, 0, k, 0, n, bp)
        if full < m:
            _pack_a_panel(a[a_at[q, 0] :], a_rs, a_cs, full, m - full, 0, k, ap, 0)
        for jp in range(col_panels):
            j = jp * nr
            cols = min(nr, n - j)
            # the tiles write rows i < m and columns j + cols <= n of C[q], which the
            # caller's c_at places inside c
            for i in range(0, full, MR):
                _micro_kernel(k, a, a_at[q, 0] + i * a_rs, a_rs, a_cs, bp, j * k, nr, c,
                              c_at[q] + i * n + j, n, MR, cols, False)  # fmt: skip
            if full < m:
                _micro_kernel(k, ap, 0, 1, MR, bp, j * k, nr, c, c_at[q] + full * n + j, n,
                              m - full, cols, False)  # fmt: skip


_small_products_serial, _small_products_parallel = twins(_small_products)
# -O1 (see optimize_at): attention's first q @ k^T compiles in 2.7 s of CPU instead of
# 3.6, and runs as fast (16 x 4 heads of 32x16 @ 16x32: 36-40 us either way, AVX-512)
optimize_at(1, _small_products_serial, _small_products_parallel)


def _dots(a, a_at, a_rs, b, b_at, b_cs, c, c_at, m, n, k, bias, bias_at, bias_rs,
               bias_cs, accumulate, zero):  # fmt: skip
    """`gemm_batched` when A's rows and B's columns both run along k in memory (A[i, p]
    = a[a_at + i*a_rs + p], B[p, j] = b[b_at + p + j*b_cs]: x @ W.T, a conv's weight
    gradient): each entry of C is a dot product of two contiguous runs, nothing to pack.
    Two rows by two columns at a time, so four loads feed four FMAs; `reassoc` lets the
    runs vectorize. Parallel over pairs of C's rows; `zero` is 0 in C's dtype."""
    products, terms = a_at.shape
    pairs = (m + 1) // 2
    for task in prange(products * pairs):
        q = task // pairs
        i0 = task % pairs * 2
        i1 = min(i0 + 1, m - 1)
        for j0 in range(0, n, 2):
            j1 = min(j0 + 1, n - 1)
            s00, s01, s10, s11 = zero, zero, zero, zero
            for r in range(terms):
                a0 = uint64(a_at[q, r] + i0 * a_rs)
                a1 = uint64(a_at[q, r] + i1 * a_rs)
                b0 = uint64(b_at[q, r] + j0 * b_cs)
                b1 = uint64(b_at[q, r] + j1 * b_cs)
                for p in range(uint64(k)):
                    x0, x1, y0, y1 = a[a0 + p], a[a1 + p], b[b0 + p], b[b1 + p]
                    s00 += x0 * y0
                    s01 += x0 * y1
                    s10 += x1 * y0
                    s11 += x1 * y1
            _put_dot(c, c_at[q], n, i0, j0, s00, bias, bias_at[q], bias_rs, bias_cs, accumulate)
            if j1 != j0:
                _put_dot(c, c_at[q], n, i0, j1, s01, bias, bias_at[q], bias_rs, bias_cs,
                         accumulate)  # fmt: skip
            if i1 != i0:
                _put_dot(c, c_at[q], n, i1, j0, s10, bias, bias_at[q], bias_rs, bias_cs,
                         accumulate)  # fmt: skip
                if j1 != j0:
                    _put_dot(c, c_at[q], n, i1, j1, s11, bias, bias_at[q], bias_rs, bias_cs,
                             accumulate)  # fmt: skip


_gemm_dots_serial, _gemm_dots = twins(_dots, fastmath=FASTMATH | {"reassoc"})


@njit(fastmath=FASTMATH | {"reassoc"}, cache=True)
def _small_dots(a, bt, bias, out, zero):
    """out = a @ bt.T (+ bias): a (M, K), bt (N, K) and out (M, N) C-contiguous, bias (N,)
    or empty. The tiny products of eager code (Linear on a few rows) straight from the
    2-D arrays: `_dots` needs flat views and offset tables, whose Python setup costs more
    than such a product's arithmetic. `reassoc` lets each dot product vectorize."""
    m, k = a.shape
    n = bt.shape[0]
    for i in range(m):
        for j in range(n):
            s = zero
            for p in range(k):
                s += a[i, p] * bt[j, p]
            out[i, j] = s + bias[j] if bias.size else s


@njit(inline="always")
def _put_dot(c, c_at, ldc, i, j, value, bias, bias_at, bias_rs, bias_cs, accumulate):
    """C[i, j] = value (+ its bias), or += that with `accumulate`."""
    if bias.size:
        value += bias[bias_at + i * bias_rs + j * bias_cs]
    at = c_at + i * ldc + j
    if accumulate:
        c[at] += value
    else:
        c[at] = value


def flat_view(x: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """A read-only 1-D view starting at x's first element and covering all of it, and x's
    strides in elements. Read-only always, so writable and read-only inputs share one
    compiled kernel. Negative or unaligned strides (rare) cost a copy."""
    itemsize = x.itemsize
    if x.flags.c_contiguous or x.flags.f_contiguous:
        view = x.ravel(order="K")  # a view in memory order, the fast common case
    else:
        if any(s < 0 or s % itemsize for s in x.strides):
            x = np.ascontiguousarray(x)
            return flat_view(x)
        span = 1 + sum((n - 1) * s // itemsize for n, s in zip(x.shape, x.strides))
        view = np.lib.stride_tricks.as_strided(x, (span if x.size else 0,), (itemsize,))
    if view.flags.writeable:
        view = view.view()
        view.setflags(write=False)  # half the cost of assigning flags.writeable
    return view, tuple([s // itemsize for s in x.strides])


def _task_shape(m: int, n: int, nr: int, products: int) -> tuple[int, int]:
    """Rows and columns of the parallel tasks: at most MC x NC, cut into narrower column
    blocks until each thread has four tasks to balance on, but not below one register
    tile; then into lower row blocks only while some thread has no task at all. Narrow
    column blocks cost nothing; lower row blocks make each of them pack its B slice again
    (Linear(1000, 100) on 64 rows: 75 us as 8 tasks of 32 x 32, 66 us as 4 of 64 x 32).
    Blocks of a dimension are made equal."""
    threads = numba.get_num_threads()
    row_tiles, col_tiles = -(-m // MR), -(-n // nr)
    rows, cols = min(MC // MR, row_tiles), min(NC // nr, col_tiles)  # in tiles
    while products * -(-row_tiles // rows) * -(-col_tiles // cols) < 4 * threads:
        if cols > 1:
            cols -= 1
        elif rows > 1 and products * -(-row_tiles // rows) * col_tiles < threads:
            rows -= 1
        else:
            break
    rows = -(-row_tiles // -(-row_tiles // rows))
    cols = -(-col_tiles // -(-col_tiles // cols))
    return rows * MR, cols * nr


def _sum_split(m: int, n: int, products: int, terms: int) -> int:
    """Into how many slices to cut the sum over r of `gemm_batched` so that the threads
    have tasks to balance on (as many as `_task_shape` wants) without cutting C into
    narrow blocks, each of which would stream all of A again: 1 when C's largest blocks
    are enough, else the largest divisor of `terms` up to the tasks that are missing."""
    target = 4 * numba.get_num_threads()  # tasks, as in `_task_shape`
    blocks = products * -(-m // MC) * -(-n // NC)
    if blocks >= target or terms < 2:
        return 1
    want = min(terms, -(-target // blocks))
    return max(d for d in range(1, want + 1) if terms % d == 0)


@njit(parallel=True, cache=True)
def _sum_partials(partial, split, c, c_at, ldc, accumulate):
    """C[q] (rows of ldc at c[c_at[q]:]) = sum_t partial[q*split + t], or += it when
    `accumulate`; partial is (Q*split, m*ldc) C-contiguous. Parallel over C's rows."""
    size = partial.shape[1]
    rows = size // ldc
    for task in prange(c_at.size * rows):
        q = task // rows
        at = task % rows * ldc
        dst = uint64(c_at[q] + at)
        if not accumulate:
            for j in range(uint64(ldc)):
                c[dst + j] = 0
        for t in range(split):
            src = partial[q * split + t]
            for j in range(uint64(ldc)):
                c[dst + j] += src[uint64(at) + j]


def gemm_batched(
    a: Operand,
    b: Operand,
    c: np.ndarray,
    c_at: np.ndarray,
    m: int,
    n: int,
    k: int,
    bias: Operand | None = None,
    accumulate: bool = False,
) -> None:
    """The general product behind `gemm`, `bmm` and conv: for each q,
    C[q] = sum_r A[q, r] @ B[q, r] (+ bias), or with `accumulate` C[q] += the same.
    a and b are `Operand`s over flat views (`flat_view`), with int64 offset tables of
    shape (Q, R): A[q, r][i, p] = a.array[a.at[q, r] + i*a.row_stride + p*a.column_stride].
    c is a flat writable C-contiguous array, C[q] (m x n, row stride n) starts at
    c[c_at[q]]. The bias of C[q][i, j] is the bias operand's element (i, j) of matrix q
    (its `at` of shape (Q,), or None for 0).
    Requires k > 0; the sum over r runs serially inside a task, so C[q] may not overlap."""
    a, a_at, a_rs, a_cs = a
    b, b_at, b_rs, b_cs = b
    products = c_at.size
    small = m * n * k <= SMALL_GEMM
    if (
        small
        and products > 1
        and a_at.shape[1] == 1
        and k <= KC
        and bias is None
        and not accumulate
    ):
        # a batch of small products (bmm, attention's heads)
        parallel = parallel_for(m * n * k * products)
        kernel = _small_products_parallel if parallel else _small_products_serial
        _run_tiled(kernel, a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k)
        return
    bias, bias_at, bias_rs, bias_cs = (None, None, 0, 1) if bias is None else bias
    dtype = c.dtype
    if bias is None:
        bias = np.zeros(0, dtype)
        bias.flags.writeable = False
    if bias_at is None:
        bias_at = np.zeros(c_at.size, np.int64)
    # dot products of contiguous runs (A's rows and B's columns along k): for small
    # products, and for thin ones over a long k (LeNet's first conv weight gradient,
    # 6 x 25 summed over 64 x 784: 374 -> 227 us)
    dots = a_cs == 1 and b_rs == 1
    if small and dots:  # serial below the point where waking the threads pays
        kernel = _gemm_dots if parallel_for(m * n * k * a_at.size) else _gemm_dots_serial
        kernel(a, a_at, a_rs, b, b_at, b_cs, c, c_at, m, n, k, bias, bias_at, bias_rs,
                   bias_cs, accumulate, dtype.type(0))  # fmt: skip
        return
    if small:
        if products == 1:
            _gemm_direct(a, a_at[0], a_rs, a_cs, b, b_at[0], b_rs, b_cs, c, c_at[0], m, n,
                 k, bias, bias_at[0], bias_rs, bias_cs, accumulate)  # fmt: skip
        else:
            _gemm_direct_batched(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n,
                 k, bias, bias_at, bias_rs, bias_cs, accumulate)  # fmt: skip
        return
    split = _sum_split(m, n, products, a_at.shape[1])
    if split > 1 and not bias.size:
        # too few C blocks to keep the threads busy, but a long sum over r (a conv's weight
        # gradient sums over the batch): each of `split` tasks sums its slice of r into a
        # partial C of its own, then one pass adds the partials into C
        partial = np.empty((products * split, m * n), dtype)
        whole_at = np.arange(products * split, dtype=np.int64) * (m * n)
        reshape = (products * split, a_at.shape[1] // split)
        a_slices = Operand(a, a_at.reshape(reshape), a_rs, a_cs)
        b_slices = Operand(b, b_at.reshape(reshape), b_rs, b_cs)
        gemm_batched(a_slices, b_slices, partial.reshape(-1), whole_at, m, n, k)
        _sum_partials(partial, split, c, c_at, n, accumulate)
        return
    if m < MR and b_cs == 1 and products > 1 and not dots:
        # fewer rows than a register tile, B's rows contiguous: read B where it lies, in
        # parallel over the products, instead of packing all of it for a few rows of A
        # (LeNet's first conv forward, 64 products of 6 x 25 @ 25 x 784: 320 -> 232 us)
        _gemm_direct_batched(a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k,
                             bias, bias_at, bias_rs, bias_cs, accumulate)  # fmt: skip
        return
    if dots and min(m, n) < MR and k >= KC:
        _gemm_dots(a, a_at, a_rs, b, b_at, b_cs, c, c_at, m, n, k, bias, bias_at, bias_rs,
                   bias_cs, accumulate, dtype.type(0))  # fmt: skip
        return
    # pack each distinct A once: conv and broadcast batches reuse one weight matrix
    if a_at.size == 1:  # a single product: np.unique alone would cost ~5 us
        distinct, which = a_at.reshape(1), _ONE
    elif not (a_at != a_at.flat[0]).any():  # one A for all (a conv's weight): ~40 us less
        distinct, which = np.full(1, a_at.flat[0], np.int64), np.zeros(a_at.shape, np.int64)
    else:
        distinct, which = np.unique(a_at, return_inverse=True)
    mc, nc = _task_shape(m, n, TILE_BYTES // dtype.itemsize, products)
    _run_tiled(_gemm_packed, a, a_at, a_rs, a_cs, b, b_at, b_rs, b_cs, c, c_at, m, n, k, bias,
               bias_at, bias_rs, bias_cs, accumulate, distinct, which.reshape(a_at.shape), mc,
               nc)  # fmt: skip


_ONE = np.zeros((1, 1), np.int64)
_NO_BIAS = {np.dtype(t).char: np.zeros(0, t) for t in (np.float32, np.float64)}
# the read-only empty bias of `gemm_batched`'s kernels, made once
_NO_BIAS_READ = {char: bias.view() for char, bias in _NO_BIAS.items()}
for _bias in _NO_BIAS_READ.values():
    _bias.flags.writeable = False


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    bias: np.ndarray | None = None,
    beta_accumulate: bool = False,
) -> None:
    """out = a @ b (+ bias[None, :]); with `beta_accumulate`, out += a @ b (+ bias).
    a (M, K) and b (K, N): float32 or float64, any strides. out (M, N): C-contiguous."""
    m, k = a.shape
    n = b.shape[1]
    if bias is not None and bias.shape != (n,):  # the kernels read bias[j] for every column j
        raise ValueError(f"gemm: bias of shape {bias.shape} for {n} columns")
    if m == 0 or n == 0:
        return
    if k == 0:
        if not beta_accumulate:
            out[...] = 0 if bias is None else bias
            return
        a = np.zeros((m, 1), out.dtype)
        b = np.zeros((1, n), out.dtype)
        k = 1
    if (
        m * n * k <= SMALL_GEMM
        and k >= 8  # dot products long enough to vectorise; shorter ones (an outer
        # product: a weight gradient on one row) vectorise along C's rows in `gemm_batched`
        and not beta_accumulate
        and a.flags.c_contiguous
        and b.flags.f_contiguous
        and a.flags.writeable
        and b.flags.writeable
        and (bias is None or (bias.flags.c_contiguous and bias.flags.writeable))
    ):  # writable operands only: read-only ones would compile a second signature
        bias = _NO_BIAS[out.dtype.char] if bias is None else bias
        _small_dots(a, b.T, bias, out, out.dtype.type(0))
        return
    a_flat, (a_rs, a_cs) = flat_view(a)
    b_flat, (b_rs, b_cs) = flat_view(b)
    if m * n * k <= SMALL_GEMM and bias is None and not (a_cs == 1 and b_rs == 1):
        # `gemm_batched`'s route for one small product that is not made of dot products
        # (the GEMMs of a backward pass on a few rows), without its offset tables and
        # operand records: their setup cost more than such a product's arithmetic
        _gemm_direct(a_flat, _ONE[0], a_rs, a_cs, b_flat, _ONE[0], b_rs, b_cs, out.reshape(-1),
                     _ONE[0, 0], m, n, k, _NO_BIAS_READ[out.dtype.char], _ONE[0, 0], 0, 1,
                     beta_accumulate)  # fmt: skip
        return
    bias_operand = None
    if bias is not None:
        bias_flat, (bias_cs,) = flat_view(bias)
        bias_operand = Operand(bias_flat, None, 0, bias_cs)
    a_operand = Operand(a_flat, _ONE, a_rs, a_cs)
    b_operand = Operand(b_flat, _ONE, b_rs, b_cs)
    c, c_at = out.reshape(-1), _ONE[0]
    gemm_batched(a_operand, b_operand, c, c_at, m, n, k, bias_operand, beta_accumulate)


def gemm_blas(
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    bias: np.ndarray | None = None,
    beta_accumulate: bool = False,
) -> None:
    """`gemm` through numpy's BLAS, an alternative the dispatcher may choose."""
    if beta_accumulate:
        out += np.matmul(a, b)
    else:
        np.matmul(a, b, out=out)
    if bias is not None:
        out += bias


def bmm(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out[t] = a[t] @ b[t]. a (B, M, K), b (B, K, N): any strides, batch stride 0 included;
    out (B, M, N) C-contiguous."""
    batch, m, k = a.shape
    n = b.shape[2]
    if batch == 0 or m == 0 or n == 0:
        return
    if k == 0:
        out[...] = 0
        return
    a_flat, (a_bs, a_rs, a_cs) = flat_view(a)
    b_flat, (b_bs, b_rs, b_cs) = flat_view(b)
    t = np.arange(batch, dtype=np.int64)
    a_operand = Operand(a_flat, (t * a_bs)[:, None], a_rs, a_cs)
    b_operand = Operand(b_flat, (t * b_bs)[:, None], b_rs, b_cs)
    gemm_batched(a_operand, b_operand, out.reshape(-1), t * (m * n), m, n, k)
