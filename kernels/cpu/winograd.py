"""3x3 stride-1 convolution by Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray,
"Fast Algorithms for Convolutional Neural Networks", 2015): each 4x4 block of outputs
is A^T [(G g G^T) . (B^T d B)] A over its 6x6 input patch d, so one output block takes 36
multiplies per (in, out) channel pair instead of 144. Summed over the input channels,
the 36 elementwise products become 36 GEMMs, which run on the packed GEMM's micro-kernel.

    B^T = [4  0 -5  0  1  0]    G = [ 1/4     0     0 ]    A^T = [1  1  1  1  1  0]
          [0 -4 -4  1  1  0]        [-1/6  -1/6  -1/6 ]          [0  1 -1  2 -2  0]
          [0  4 -4 -1  1  0]        [-1/6   1/6  -1/6 ]          [0  1  1  4  4  0]
          [0 -2 -1  2  1  0]        [1/24  1/12   1/6 ]          [0  1 -1  8 -8  1]
          [0  2 -1 -2  1  0]        [1/24 -1/12   1/6 ]
          [0  4  0 -5  0  1]        [ 0     0     1   ]

The three passes of training all take this form: the forward, the input gradient (the
forward of the rotated, transposed weight over the output gradient, padded by 2 - p) and
the weight gradient (G^T [sum over blocks of (A dY A^T) . (B^T d B)] G).

Work is cut into tasks of whole images (several, when they are small) or of rows of
blocks of one image; a task's transformed input (36 x C x blocks) and products stay in
L2, and the planes of every transform lie SKEW elements off a power of two apart. The
transforms run a vector of blocks (or of channels) at a time through stack buffers, so
that LLVM vectorizes them. Only for float32/float64, groups=1, kernel 3x3, stride 1,
dilation 1, padding <= 2. The weight's transforms (G g G^T and G^T s G, with their
sixths) run in float64.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, types, uint64
from numba.core import cgutils
from numba.extending import intrinsic

from .isa import cache_bytes
from .matmul import MR, TILE_BYTES, _micro_kernel, _run_tiled, _tile_cols

PLANES = 36  # 6 x 6 transformed values per block
# Bytes of transformed input per task (36 x channels x blocks), which stays in L2 while
# the transformed weight streams past it once per task: the larger the task, the fewer
# the passes over the weight (bench shape on a Zen 5, 640 KB of its 1 MB L2, whole 32x32
# images rather than halves: forward 5.4 -> 5.1 ms, input gradient 6.8 -> 5.8). The same
# share of the host's L2 elsewhere (AVX2 machines have 256-512 KB)
TASK_BYTES = cache_bytes(2, 512 << 10) * 5 // 8
# ... but at least this many blocks per task: a register tile's columns (fewer leave
# its columns idle), and for the weight gradient enough to sum over before its 36 x C x K
# partial products are written back (with the 32 above, C = K = 256 on 16x16 images went
# from 0.70x to 0.88x im2col's speed, 64x16x8x8 -> 32 from 0.44x to 0.80x)
TASK_LEAST_BLOCKS = 32
TASK_LEAST_DEPTH = 128
# Elements between the planes of a transform beyond their size: the 36 are written (and
# read) together, and at power-of-two distances they all fall into one L1 set (input
# transform of one task 60 -> 8 us, measured with the 16 planes of F(2x2, 3x3))
SKEW = 16


# --- the transforms, one row or column at a time -----------------------------------------


@njit(inline="always")
def _input_row(d, two, four, five):
    """B^T d for one column d (a 6-tuple) of a 6x6 patch (or d B for one row)."""
    d0, d1, d2, d3, d4, d5 = d
    return (
        four * d0 - five * d2 + d4,
        d3 + d4 - four * (d1 + d2),
        d4 - d3 + four * (d1 - d2),
        d4 - d2 + two * (d3 - d1),
        d4 - d2 + two * (d1 - d3),
        four * d1 - five * d3 + d5,
    )


@njit(inline="always")
def _output_row(m, two, four, eight):
    """A^T m for one column m (a 6-tuple) of a 6x6 block of products (or m A for a row)."""
    m0, m1, m2, m3, m4, m5 = m
    p, q = m1 + m2, m1 - m2
    r, s = m3 + m4, m3 - m4
    return m0 + p + r, q + two * s, p + four * r, q + eight * s + m5


@njit(inline="always")
def _grad_row(y0, y1, y2, y3, two, four, eight):
    """A y for one column y of a 4x4 block of output gradients (or y A^T for one row)."""
    even, odd = y0 + y2, y1 + y3
    even4, odd2 = y0 + four * y2, two * y1 + eight * y3
    return y0, even + odd, even - odd, even4 + odd2, even4 - odd2, y3


@njit(inline="always")
def _kernel_row(g0, g1, g2):
    """G g for one column g of a 3x3 kernel (or g G^T for one row), in float64."""
    a, b = (g0 + g2) * -_SIXTH, g1 * _SIXTH
    c, d = g0 * _TWENTYFOURTH + g2 * _SIXTH, g1 * _TWELFTH
    return g0 * 0.25, a - b, a + b, c + d, c - d, g2


@njit(inline="always")
def _kernel_grad_row(s0, s1, s2, s3, s4, s5):
    """G^T s for one column s of a 6x6 block of summed products (or s G), in float64."""
    p, q = s1 + s2, s1 - s2
    r, t = s3 + s4, s3 - s4
    return (s0 * 0.25 - p * _SIXTH + r * _TWENTYFOURTH, t * _TWELFTH - q * _SIXTH,
            (r - p) * _SIXTH + s5)  # fmt: skip


_SIXTH, _TWELFTH, _TWENTYFOURTH = 1 / 6, 1 / 12, 1 / 24


# --- stack buffers and vector copies ------------------------------------------------------


@intrinsic
def _stack(typingctx, x):
    """A stack array of PLANES vectors of lanes elements of x's dtype. A local alloca,
    which LLVM knows aliases nothing else, so loops between it and an array vectorize
    without runtime checks."""
    dtype = x.dtype
    size = PLANES * (TILE_BYTES // 2 // (dtype.bitwidth // 8))

    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, context.get_value_type(dtype), size=size)

    return types.CPointer(dtype)(x), codegen


@njit(inline="always")
def _six(buf, at, step):
    """(buf[at], buf[at + step], ..., buf[at + 5*step]): a row or column of a 6x6 block
    held in a stack buffer, one vector per entry."""
    return (buf[at], buf[at + step], buf[at + 2 * step], buf[at + 3 * step],
            buf[at + 4 * step], buf[at + 5 * step])  # fmt: skip


@njit(inline="always")
def _vectors(x):
    """A zeroed `_stack` buffer: PLANES vectors of _tile_cols(x) // 2 elements."""
    size = uint64(PLANES) * (_tile_cols(x) // uint64(2))
    buf = numba.carray(_stack(x), size)
    for t in range(size):
        buf[t] = 0
    return buf


@njit(inline="always")
def _copy(dst, dst_at, src, src_at, count):
    """dst[dst_at + q] = src[src_at + q] for q < count: whole vectors and half vectors in
    loops of a constant trip count, which are unrolled and become one SLP vector move
    each (LLVM's loop vectorizer leaves loops this short scalar), then the rest."""
    dst_at, src_at, count = uint64(dst_at), uint64(src_at), uint64(count)
    lanes = _tile_cols(dst) // uint64(2)
    half = lanes // uint64(2)
    done = uint64(0)
    while done + lanes <= count:
        for q in range(lanes):
            dst[dst_at + done + q] = src[src_at + done + q]
        done += lanes
    if done + half <= count:
        for q in range(half):
            dst[dst_at + done + q] = src[src_at + done + q]
        done += half
    for q in range(done, count):
        dst[dst_at + q] = src[src_at + q]


@njit(inline="always")
def _spread(dst, dst_at, src, src_at, step, count):
    """dst[dst_at + 4q + c] = src[src_at + c*step + q] for c < 4, q < count: four vectors
    interleaved into one row of 4x4 output blocks; constant trip counts as in `_copy`."""
    dst_at, src_at, step, count = uint64(dst_at), uint64(src_at), uint64(step), uint64(count)
    half = _tile_cols(dst) // uint64(4)
    done = uint64(0)
    while done + half <= count:
        for q in range(half):
            for c in range(uint64(4)):
                dst[dst_at + uint64(4) * (done + q) + c] = src[src_at + c * step + done + q]
        done += half
    for q in range(done, count):
        for c in range(uint64(4)):
            dst[dst_at + uint64(4) * q + c] = src[src_at + c * step + q]


# --- the three passes ---------------------------------------------------------------------


@njit(parallel=True, cache=True)
def _transform_weight(w, out_channels, in_channels, flip, kp, u):
    """u[xi*(kp*in_channels*MR + SKEW) + (o//MR*in_channels + i)*MR + o%MR] = (G g G^T)[xi]
    for output channel o and input channel i, g = w[o, i] (w: (out, in, 3, 3)), or with
    `flip` g = w[i, o] rotated by 180 degrees (w: (in, out, 3, 3)): the weight of the input
    gradient. Rows o past out_channels up to kp*MR are zero. u is packed as the
    micro-kernel's A. Parallel over o, tuples rather than arrays (64 x 32 channels: 330 us
    with planes a power of two apart and small arrays, 32 us now; twice a training step)."""
    step = kp * in_channels * MR + SKEW  # from xi to xi + 1
    for o in prange(kp * MR):
        row = (o // MR) * in_channels * MR + o % MR
        for i in range(in_channels):
            at = row + i * MR
            if o >= out_channels:
                for xi in range(PLANES):
                    u[at + xi * step] = 0
                continue
            tap = ((o * in_channels + i) if not flip else (i * out_channels + o)) * 9
            g = _taps(w, tap, flip)
            c0 = _kernel_row(g[0], g[3], g[6])  # the columns of G g
            c1 = _kernel_row(g[1], g[4], g[7])
            c2 = _kernel_row(g[2], g[5], g[8])
            for r in range(6):  # (G g) G^T, row r from row r of G g
                values = _kernel_row(c0[r], c1[r], c2[r])
                for c in range(6):
                    u[at + (6 * r + c) * step] = values[c]


@njit(inline="always")
def _taps(w, at, flip):
    """The 3x3 kernel at w[at:] as a 9-tuple of float64, rotated by 180 degrees with
    `flip`."""
    f = np.float64
    if flip:
        return (f(w[at + 8]), f(w[at + 7]), f(w[at + 6]), f(w[at + 5]), f(w[at + 4]),
                f(w[at + 3]), f(w[at + 2]), f(w[at + 1]), f(w[at]))  # fmt: skip
    return (f(w[at]), f(w[at + 1]), f(w[at + 2]), f(w[at + 3]), f(w[at + 4]), f(w[at + 5]),
            f(w[at + 6]), f(w[at + 7]), f(w[at + 8]))  # fmt: skip


@njit(cache=True)
def _load_rows(x, plane, h, w, y0, pw, rows, quarter, padded, scratch):
    """The padded input rows y0 .. y0 + rows - 1 that a task's blocks read, split by column
    mod 4 so that the transforms read them with unit stride: scratch[(p*rows + r)*quarter
    + s] = x[plane + (y0 + r)*w + 4*s + p - pw], 0 outside the image. `padded` (rows x
    4*quarter) is zero wherever the image is not (the caller zeroes it once per task):
    the image's rows are copied into it, then split in one long loop, which vectorizes
    (row by row, the runs were too short for vectors: 1.3 -> 0.34 ms of the bench shape's
    forward)."""
    lw = 4 * quarter
    for r in range(max(0, -y0), min(rows, h - y0)):
        _copy(padded, r * lw + pw, x, plane + (y0 + r) * w, w)
    _deinterleave(padded, uint64(0), scratch, uint64(0), uint64(rows * quarter),
                  uint64(rows * quarter))  # fmt: skip


@njit(cache=True)
def _deinterleave(x, src, out, dst, step, count):
    """out[dst + p*step + s] = x[src + 4*s + p] for p < 4, s < count."""
    for s in range(count):
        out[dst + s] = x[src + uint64(4) * s]
        out[dst + step + s] = x[src + uint64(4) * s + uint64(1)]
        out[dst + step + step + s] = x[src + uint64(4) * s + uint64(2)]
        out[dst + step + step + step + s] = x[src + uint64(4) * s + uint64(3)]


@njit(cache=True)
def _transform_input(scratch, quarter, brows, bw, v, v_at, xi_step, one):
    """v[v_at + xi*xi_step + j] = (B^T d B)[xi] for block j = r*bw + s (r < brows, s < bw),
    d the 6x6 patch of `_load_rows`' scratch at row 4r, column 4s. A vector of blocks at
    a time: their patches are copied into one stack buffer, transformed into another,
    copied out plane by plane (LLVM cannot tell scratch and v apart, nor v's planes, and
    vectorizes no loop that reads the one and writes the other)."""
    two = one + one
    four, five = two + two, two + two + one
    lanes = _tile_cols(v) // uint64(2)
    width = np.int64(lanes)
    patch = _vectors(v)  # patch[(6t + i)*lanes + q]: d[t][i] of block j0 + q
    planes = _vectors(v)  # planes[xi*lanes + q]: (B^T d B)[xi] of block j0 + q
    blocks = brows * bw
    for j0 in range(0, blocks, width):
        count = min(width, blocks - j0)
        j = j0
        while j < j0 + count:  # the chunk's blocks, a piece of one block row at a time
            r, s = j // bw, j % bw
            pieces = min(bw - s, j0 + count - j)
            for t in range(6):
                row = (4 * r + t) * quarter
                for i in range(6):  # column 4s + i: phase i % 4, from s + i // 4 on
                    at = ((i % 4) * (4 * brows + 2)) * quarter + row + s + i // 4
                    _copy(patch, (6 * t + i) * width + j - j0, scratch, at, pieces)
            j += pieces
        for q in range(lanes):
            _input_block(patch, planes, q, lanes, two, four, five)
        for xi in range(PLANES):
            _copy(v, v_at + xi * xi_step + j0, planes, xi * width, count)


@njit(inline="always")
def _input_block(patch, planes, q, lanes, two, four, five):
    """planes[xi*lanes + q] = (B^T d B)[xi], d[t][i] = patch[(6t + i)*lanes + q]."""
    for t in range(6):  # d B, row by row, into planes (read back below)
        at = uint64(6 * t) * lanes + q
        values = _input_row(_six(patch, at, lanes), two, four, five)
        for i in range(6):
            planes[at + uint64(i) * lanes] = values[i]
    for i in range(6):  # then B^T (d B), column by column, in place
        at = uint64(i) * lanes + q
        values = _input_row(_six(planes, at, 6 * lanes), two, four, five)
        for t in range(6):
            planes[at + uint64(6 * t) * lanes] = values[t]


@njit(cache=True)
def _task_blocks(task, n, images, tasks_per_image, task_rows, bh):
    """(first image, images, first block row, block rows) of one task: `images` whole
    images, or (when 1) `task_rows` rows of blocks of one."""
    b0 = task // tasks_per_image * images
    r0 = task % tasks_per_image * task_rows
    return b0, min(images, n - b0), r0, min(task_rows, bh - r0)


@njit(parallel=True, cache=True)
def _forward(x, n, c, h, w, ph, pw, u, k, kp, bias, out, oh, ow, images, task_rows, one):
    """out (N, K, OH, OW) flat = the 3x3 convolution of x (N, C, H, W) flat, padded by
    (ph, pw), with the transformed weight u (`_transform_weight`), + bias (K,); in tasks
    of `images` images, or of `task_rows` rows of blocks of one (`_task_blocks`)."""
    nr = np.int64(_tile_cols(out))
    bh, bw = (oh + 3) // 4, (ow + 3) // 4
    tasks_per_image = (bh + task_rows - 1) // task_rows
    tasks = (n + images - 1) // images * tasks_per_image
    panels = (images * task_rows * bw + nr - 1) // nr
    tp = panels * nr  # blocks of a task, padded to whole register tiles
    quarter = bw + 2  # columns of each phase of the padded rows a block row reads
    vx = c * tp + SKEW
    mx = MR * tp + SKEW
    ux = kp * c * MR + SKEW  # u's planes, as `_transform_weight` lays them out
    for task in prange(tasks):
        b0, count, r0, brows = _task_blocks(task, n, images, tasks_per_image, task_rows, bh)
        per_image = brows * bw  # blocks of each image in the task, one after the other
        v = np.empty(PLANES * vx, out.dtype)  # v[xi*vx + ch*tp + j]: the micro-kernel's B
        m = np.empty(PLANES * mx, out.dtype)  # m[xi*mx + i*tp + j]: products of MR channels
        scratch = np.empty((4 * brows + 2) * 4 * quarter, out.dtype)
        padded = np.zeros((4 * brows + 2) * 4 * quarter, out.dtype)
        for ch in range(c):
            for b in range(count):
                _load_rows(x, ((b0 + b) * c + ch) * h * w, h, w, 4 * r0 - ph, pw, 4 * brows + 2,
                           quarter, padded, scratch)  # fmt: skip
                _transform_input(scratch, quarter, brows, bw, v, ch * tp + b * per_image, vx, one)
        for xi in range(PLANES):  # the padding blocks' columns, read by the last tile
            for ch in range(c):
                for j in range(count * per_image, tp):
                    v[xi * vx + ch * tp + j] = 0
        for ip in range(kp):
            for xi in range(PLANES):
                for jp in range(panels):
                    _micro_kernel(c, u, xi * ux + ip * c * MR, 1, MR, v, xi * vx + jp * nr,
                                  tp, m, xi * mx + jp * nr, tp, MR, nr, False)  # fmt: skip
            for i in range(min(MR, k - ip * MR)):
                o = ip * MR + i
                for b in range(count):
                    plane = ((b0 + b) * k + o) * oh * ow
                    _put_outputs(m, i * tp + b * per_image, mx, bias[o], out, plane, oh, ow, r0,
                                 brows, bw, one)  # fmt: skip


@njit(cache=True)
def _put_outputs(m, m_at, xi_step, beta, out, plane, oh, ow, r0, brows, bw, one):
    """The 4x4 output blocks A^T m A + beta of blocks j = r*bw + s of m[m_at + xi*xi_step
    + j], written to out's plane from block row r0 on, clipped at the bottom/right edge.
    A vector of blocks at a time through stack buffers, as in `_transform_input`."""
    two = one + one
    four = two + two
    eight = four + four
    lanes = _tile_cols(out) // uint64(2)
    width = np.int64(lanes)
    products = _vectors(out)  # products[xi*lanes + q]: m[xi] of block j0 + q
    blocks = _vectors(out)  # blocks[(4a + c)*lanes + q]: output (a, c) of block j0 + q
    whole_cols = ow // 4  # blocks wholly inside the output, across
    total = brows * bw
    for j0 in range(0, total, width):
        count = min(width, total - j0)
        for xi in range(PLANES):
            _copy(products, xi * width, m, m_at + xi * xi_step + j0, count)
        for q in range(lanes):
            _output_block(products, blocks, q, lanes, beta, two, four, eight)
        j = j0
        while j < j0 + count:  # a piece of one block row at a time
            r, s = j // bw, j % bw
            pieces = min(bw - s, j0 + count - j)
            q0 = j - j0
            y = 4 * (r0 + r)
            whole = min(max(whole_cols - s, 0), pieces) if y + 3 < oh else 0
            for a in range(4):
                at = plane + (y + a) * ow + 4 * s
                _spread(out, at, blocks, 4 * a * width + q0, width, whole)
            for t in range(whole, pieces):  # the edge blocks, clipped
                for a in range(min(4, oh - y)):
                    at = plane + (y + a) * ow + 4 * (s + t)
                    for col in range(min(4, ow - 4 * (s + t))):
                        out[at + col] = blocks[(4 * a + col) * width + q0 + t]
            j += pieces


@njit(inline="always")
def _output_block(products, blocks, q, lanes, beta, two, four, eight):
    """blocks[(4a + c)*lanes + q] = (A^T m A)[a, c] + beta, m[xi] = products[xi*lanes + q].
    The products' stack buffer holds the intermediate A^T m (rows 0-3) in place."""
    for i in range(6):  # A^T m, column by column, into rows 0-3 of products
        at = uint64(i) * lanes + q
        values = _output_row(_six(products, at, 6 * lanes), two, four, eight)
        for a in range(4):
            products[at + uint64(6 * a) * lanes] = values[a]
    for a in range(4):  # then (A^T m) A, row by row
        at = uint64(6 * a) * lanes + q
        values = _output_row(_six(products, at, lanes), two, four, eight)
        for c in range(4):
            blocks[uint64(4 * a + c) * lanes + q] = values[c] + beta


@njit(parallel=True, cache=True)
def _weight_grad(x, n, c, h, w, ph, pw, grad, k, oh, ow, images, task_rows, partial, one):
    """partial[t] (flat: 36 planes xi of cr x kq, SKEW apart; cr = c rounded up to MR rows,
    kq = k to NR columns) = sum over thread t's blocks of V[xi][ch, j] E[xi][j, o]: the
    transformed input blocks B^T d B of x (N, C, H, W) padded by (ph, pw), times the
    transformed output-gradient blocks A dY A^T of grad (N, K, OH, OW). Tasks as in
    `_forward`; thread t takes tasks t, t + threads, ...; `_finish_weight_grad` sums the
    threads' partial sums."""
    threads = partial.shape[0]
    nr = np.int64(_tile_cols(grad))
    cr = (c + MR - 1) // MR * MR
    kq = (k + nr - 1) // nr * nr
    bh, bw = (oh + 3) // 4, (ow + 3) // 4
    tasks_per_image = (bh + task_rows - 1) // task_rows
    tasks = (n + images - 1) // images * tasks_per_image
    tp = images * task_rows * bw
    quarter = bw + 2
    vx = cr * tp + SKEW
    ex = tp * kq + SKEW
    sx = cr * kq + SKEW
    for t in prange(threads):
        acc = partial[t]
        acc[:] = 0
        v = np.zeros(PLANES * vx, grad.dtype)  # v[xi*vx + ch*tp + j], rows past c stay 0
        e = np.zeros(PLANES * ex, grad.dtype)  # e[xi*ex + j*kq + o], columns past k stay 0
        scratch = np.empty((4 * task_rows + 2) * 4 * quarter, grad.dtype)
        padded = np.empty((4 * task_rows + 2) * 4 * quarter, grad.dtype)
        for task in range(t, tasks, threads):
            b0, count, r0, brows = _task_blocks(task, n, images, tasks_per_image, task_rows, bh)
            per_image = brows * bw
            padded[:] = 0
            for ch in range(c):
                for b in range(count):
                    _load_rows(x, ((b0 + b) * c + ch) * h * w, h, w, 4 * r0 - ph, pw,
                               4 * brows + 2, quarter, padded, scratch)  # fmt: skip
                    _transform_input(scratch, quarter, brows, bw, v, ch * tp + b * per_image, vx,
                                     one)  # fmt: skip
            for b in range(count):
                _transform_grad(grad, ((b0 + b) * k) * oh * ow, k, oh, ow, r0, brows, bw, e,
                                b * per_image, kq, ex, one)  # fmt: skip
            for xi in range(PLANES):
                for i in range(0, c, MR):
                    for jp in range(0, kq, nr):
                        _micro_kernel(count * per_image, v, xi * vx + i * tp, tp, 1, e,
                                      xi * ex + jp, kq, acc, xi * sx + i * kq + jp, kq,
                                      min(MR, c - i), nr, True)  # fmt: skip


@njit(cache=True)
def _transform_grad(grad, at, k, oh, ow, r0, brows, bw, e, first, kq, xi_step, one):
    """e[xi*xi_step + (first + r*bw + s)*kq + o] = (A y A^T)[xi] for the 4x4 block y of output
    channel o at block (r0 + r, s) of grad[at:] (K, OH, OW), 0 past its edges. A vector
    of channels at a time (gathered loads), through a stack buffer as in
    `_transform_input`."""
    at, xi_step, kq, k = uint64(at), uint64(xi_step), uint64(kq), uint64(k)
    two = one + one
    four = two + two
    eight = four + four
    zero = one - one
    lanes = _tile_cols(e) // uint64(2)
    planes = _vectors(e)  # planes[xi*lanes + q]: (A y A^T)[xi] of channel o0 + q
    plane = uint64(oh * ow)
    for r in range(brows):
        y = 4 * (r0 + r)
        rows = min(4, oh - y)
        for s in range(bw):
            z = 4 * s
            cols = min(4, ow - z)
            corner = at + uint64(y * ow + z)
            j = uint64(first + r * bw + s) * kq
            for o0 in range(uint64(0), k, lanes):
                for q in range(lanes):
                    src = corner + min(o0 + q, k - uint64(1)) * plane  # past k: unused
                    _grad_block(grad, src, uint64(ow), rows, cols, planes, q, lanes, zero, two,
                                four, eight)  # fmt: skip
                count = min(lanes, k - o0)
                for xi in range(PLANES):
                    _copy(e, uint64(xi) * xi_step + j + o0, planes, uint64(xi) * lanes, count)


@njit(inline="always")
def _grad_block(grad, src, ow, rows, cols, planes, q, lanes, zero, two, four, eight):
    """planes[xi*lanes + q] = (A y A^T)[xi] for the 4x4 block y of grad at src (row
    stride ow), its entries past `rows`/`cols` taken as zero."""
    for c in range(4):  # A y, column by column: planes[(6a + c)*lanes + q] for a < 6
        inside = c < cols
        at = src + uint64(c)
        y0 = grad[at] if inside else zero
        y1 = grad[at + ow] if inside and rows > 1 else zero
        y2 = grad[at + ow + ow] if inside and rows > 2 else zero
        y3 = grad[at + ow + ow + ow] if inside and rows > 3 else zero
        values = _grad_row(y0, y1, y2, y3, two, four, eight)
        for a in range(6):
            planes[uint64(6 * a + c) * lanes + q] = values[a]
    for a in range(6):  # then (A y) A^T, row by row, in place
        at = uint64(6 * a) * lanes + q
        values = _grad_row(planes[at], planes[at + lanes], planes[at + 2 * lanes],
                           planes[at + 3 * lanes], two, four, eight)  # fmt: skip
        for c in range(6):
            planes[at + uint64(c) * lanes] = values[c]


@njit(parallel=True, cache=True)
def _finish_weight_grad(partial, c, k, kq, grad_w):
    """grad_w[o, ch] (K, C, 3, 3) flat = G^T S G, S[xi] = sum over t of partial[t] at
    (xi, ch, o) (the layout of `_weight_grad`). The partial sums are added into
    partial[0] first; the transform runs in float64, with tuples rather than arrays (no
    allocation per (o, ch))."""
    threads, size = partial.shape
    for e in prange(size):
        for t in range(1, threads):
            partial[0, e] += partial[t, e]
    s = partial[0]
    sx = (c + MR - 1) // MR * MR * kq + SKEW
    for task in prange(k * c):
        o, ch = task // c, task % c
        at = ch * kq + o
        c0 = _grad_column(s, at, sx, 0)
        c1 = _grad_column(s, at, sx, 1)
        c2 = _grad_column(s, at, sx, 2)
        c3 = _grad_column(s, at, sx, 3)
        c4 = _grad_column(s, at, sx, 4)
        c5 = _grad_column(s, at, sx, 5)
        dst = (o * c + ch) * 9
        for r in range(3):  # (G^T S) G, row r from row r of G^T S
            values = _kernel_grad_row(c0[r], c1[r], c2[r], c3[r], c4[r], c5[r])
            for col in range(3):
                grad_w[dst + 3 * r + col] = values[col]


@njit(inline="always")
def _grad_column(s, at, sx, col):
    """Column col of G^T S, S[xi] = s[at + xi*sx], in float64."""
    f = np.float64
    return _kernel_grad_row(f(s[at + col * sx]), f(s[at + (6 + col) * sx]),
                            f(s[at + (12 + col) * sx]), f(s[at + (18 + col) * sx]),
                            f(s[at + (24 + col) * sx]), f(s[at + (30 + col) * sx]))  # fmt: skip


def supported(x: np.ndarray, w: np.ndarray, stride, padding, dilation, groups) -> bool:
    """Whether these convolution parameters have a Winograd F(4x4, 3x3) form here."""
    return (
        w.shape[2:] == (3, 3)
        and tuple(stride) == (1, 1)
        and tuple(dilation) == (1, 1)
        and groups == 1
        and max(padding) <= 2
        and x.dtype in (np.float32, np.float64)
    )


def _tasks(n: int, channels: int, oh: int, ow: int, itemsize: int, least: int) -> tuple:
    """(images, rows of 4x4 blocks) per task: as many blocks as TASK_BYTES of transformed
    input holds, but at least `least` (the register tile's 32 columns for the forward; a
    deep sum for the weight gradient, whose partial products are written back once per
    task), in whole rows; whole images when one fits, leaving each thread two tasks."""
    bh, bw = (oh + 3) // 4, (ow + 3) // 4
    blocks = max(TASK_BYTES // (PLANES * max(channels, 1) * itemsize), least)
    if blocks < bh * bw:
        return 1, max(1, blocks // bw)
    spread = max(1, n // (2 * numba.get_num_threads()))
    return min(blocks // (bh * bw), spread), bh


def forward(x, w, bias, padding, out, flip=False):
    """out (N, K, OH, OW) C-contiguous = conv2d(x, w, bias, padding) for a 3x3 stride-1
    kernel; with `flip`, w is (C, K, 3, 3) used rotated and transposed (the input gradient
    of a convolution)."""
    n, c, h, wd = x.shape
    k, oh, ow = out.shape[1:]
    kp = -(-k // MR)
    u = np.empty(PLANES * (kp * MR * c + SKEW), out.dtype)
    _transform_weight(w.reshape(-1), k, c, flip, kp, u)
    bias = np.zeros(k, out.dtype) if bias is None else np.ascontiguousarray(bias)
    images, task_rows = _tasks(n, c, oh, ow, x.itemsize, TASK_LEAST_BLOCKS)
    _run_tiled(_forward, x.reshape(-1), n, c, h, wd, padding[0], padding[1], u, k, kp, bias,
               out.reshape(-1), oh, ow, images, task_rows, out.dtype.type(1),
               loops=True)  # fmt: skip


def input_grad(grad_out, w, padding, grad_x):
    """grad_x (N, C, H, W) = the input gradient of the 3x3 stride-1 convolution with w
    (K, C, 3, 3) and `padding`, given grad_out (N, K, OH, OW): the forward of the rotated,
    transposed weight over grad_out padded by 2 - padding."""
    forward(grad_out, w, None, (2 - padding[0], 2 - padding[1]), grad_x, flip=True)


def weight_grad(x, grad_out, padding, grad_w):
    """grad_w (K, C, 3, 3) C-contiguous = the weight gradient of the 3x3 stride-1
    convolution of x (N, C, H, W) with `padding`, given grad_out (N, K, OH, OW)."""
    n, c, h, wd = x.shape
    k, oh, ow = grad_out.shape[1:]
    nr = _tile_cols(grad_out)
    cr, kq = -(-c // MR) * MR, -(-k // nr) * nr
    images, task_rows = _tasks(n, c, oh, ow, x.itemsize, TASK_LEAST_DEPTH)
    tasks = -(-n // images) * -(-((oh + 3) // 4) // task_rows)
    partial = np.empty(
        (min(numba.get_num_threads(), tasks), PLANES * (cr * kq + SKEW)), grad_w.dtype
    )
    _run_tiled(_weight_grad, x.reshape(-1), n, c, h, wd, padding[0], padding[1],
               grad_out.reshape(-1), k, oh, ow, images, task_rows, partial, grad_w.dtype.type(1),
               loops=True)  # fmt: skip
    _finish_weight_grad(partial, c, k, kq, grad_w.reshape(-1))


__all__ = ["forward", "input_grad", "supported", "weight_grad"]
