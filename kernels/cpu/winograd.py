"""3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray,
"Fast Algorithms for Convolutional Neural Networks", 2015): each 2x2 block of outputs
is A^T [(G g G^T) . (B^T d B)] A over its 4x4 input patch d, so one output block takes 16
multiplies per (in, out) channel pair instead of 36. Summed over the input channels,
the 16 elementwise products become 16 GEMMs, which run on the packed GEMM's micro-kernel.

    B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
          [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
          [0 -1  1  0]         [1/2 -1/2  1/2]
          [0  1  0 -1]         [ 0    0    1 ]

The three passes of training all take this form: the forward, the input gradient (the
forward of the rotated, transposed weight over the output gradient, padded by 2 - p) and
the weight gradient (G^T [sum over blocks of (A dY A^T) . (B^T d B)] G).

Work is cut into tasks of a few rows of 2x2 blocks of one image; a task's transformed
input (16 x C x blocks) and products stay in L2. Only for float32/float64, groups=1,
kernel 3x3, stride 1, dilation 1, padding <= 2.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange, uint64

from .matmul import _MR, MR, _micro_kernel, _register_tile, _run_tiled, _tile_cols

TASK_BLOCKS = 64  # 2x2 output blocks per task (rounded to whole rows of blocks)
# Elements between the 16 planes xi of a transform beyond their size: the 16 are written
# (and read) together, and at power-of-two distances they all fall into one L1 set
# (input transform of one task 60 -> 8 us)
SKEW = 16


@njit(inline="always")
def _row_transform(d0, d1, d2, d3):
    """(d0, d1, d2, d3) B: one row (or column) of B^T d B."""
    return d0 - d2, d1 + d2, d2 - d1, d1 - d3


@njit(inline="always")
def _kernel_transform(g0, g1, g2):
    """G g for one column (or row) of a 3x3 kernel."""
    half = (g0 + g2) * 0.5
    return g0, half + g1 * 0.5, half - g1 * 0.5, g2


@njit(inline="always")
def _output_transform(m0, m1, m2, m3):
    """A^T m for one column (or row) of a 4x4 block of products."""
    return m0 + m1 + m2, m1 - m2 - m3


@njit(inline="always")
def _grad_transform(y0, y1):
    """A y for one column (or row) of a 2x2 block of output gradients."""
    return y0, y0 + y1, y0 - y1, -y1


@njit(inline="always")
def _kernel_grad_transform(s0, s1, s2, s3):
    """G^T s for one column (or row) of a 4x4 block of summed products."""
    half = (s1 + s2) * 0.5
    return s0 + half, (s1 - s2) * 0.5, half + s3


@njit(cache=True)
def _transform_weight(w, out_channels, in_channels, flip, kp, u):
    """u[(xi*kp + o//MR)*in_channels*MR + i*MR + o%MR] = (G g G^T)[xi] for output channel
    o and input channel i, g = w[o, i] (w: (out, in, 3, 3)), or with `flip` g = w[i, o]
    rotated by 180 degrees (w: (in, out, 3, 3)): the weight of the input gradient. Rows
    o past out_channels up to kp*MR are zero. u is packed as the micro-kernel's A."""
    for t in range(u.size):
        u[t] = 0
    for o in range(out_channels):
        for i in range(in_channels):
            at = ((o * in_channels + i) if not flip else (i * out_channels + o)) * 9
            g = np.empty(9, u.dtype)
            for t in range(9):
                g[t] = w[at + (8 - t if flip else t)]
            rows = np.empty(12, u.dtype)  # G g: 4 rows of 3
            for col in range(3):
                r0, r1, r2, r3 = _kernel_transform(g[col], g[3 + col], g[6 + col])
                rows[col], rows[3 + col], rows[6 + col], rows[9 + col] = r0, r1, r2, r3
            for r in range(4):
                v0, v1, v2, v3 = _kernel_transform(rows[3 * r], rows[3 * r + 1], rows[3 * r + 2])
                base = (r * 4 * kp + o // MR) * in_channels * MR + i * MR + o % MR
                step = kp * in_channels * MR  # from xi to xi + 1
                u[base], u[base + step], u[base + 2 * step], u[base + 3 * step] = v0, v1, v2, v3


@njit(cache=True)
def _load_rows(x, plane, h, w, y0, pw, rows, half, scratch):
    """The padded input rows y0, y0 + 1, ... a task's blocks read, split into even and
    odd columns so that the transforms read them with unit stride: scratch[r*2*half + s]
    = x[plane + (y0 + r)*w + 2*s - pw] and scratch[r*2*half + half + s] = the column after
    it, 0 outside the image."""
    plane, h, w, half = uint64(plane), np.int64(h), np.int64(w), np.int64(half)
    lo = min((pw + 1) // 2, half)  # s from which both columns are in the image
    hi = max(min((w + pw - 1) // 2, half), lo)  # ... up to which
    for r in range(rows):
        y = y0 + r
        even = uint64(r * 2 * half)
        odd = even + uint64(half)
        if y < 0 or y >= h:
            for s in range(uint64(2 * half)):
                scratch[even + s] = 0
            continue
        src = plane + uint64(y * w)
        for s in range(half):
            if s < lo or s >= hi:  # the edges, checked one by one
                q = 2 * s - pw
                scratch[even + uint64(s)] = x[src + uint64(q)] if 0 <= q < w else 0
                scratch[odd + uint64(s)] = x[src + uint64(q + 1)] if 0 <= q + 1 < w else 0
        first = src + uint64(2 * lo - pw)
        for s in range(uint64(hi - lo)):
            scratch[even + uint64(lo) + s] = x[first + 2 * s]
            scratch[odd + uint64(lo) + s] = x[first + 2 * s + 1]


@njit(cache=True)
def _transform_input(scratch, half, brows, bw, v, v_at, xi_step):
    """v[v_at + xi*xi_step + r*bw + s] = (B^T d B)[xi] for the block (r, s) (r < brows,
    s < bw), d the 4x4 patch of `_load_rows`' scratch at row 2r, column 2s.
    A vector of blocks at a time, through two stack buffers: LLVM cannot tell scratch and
    v apart, nor v's 16 planes, and would vectorize no loop that reads the one and
    writes the other (scalar: ~8 us per task of 32 channels x 64 blocks)."""
    xi_step, row, half = uint64(xi_step), uint64(2 * half), uint64(half)
    lanes = _tile_cols(v) // uint64(2)
    patch = _vectors(v)  # patch[(4t + i)*lanes + q]: d[t][i] of block s0 + q
    planes = _vectors(v)  # planes[xi*lanes + q]: (B^T d B)[xi] of block s0 + q
    for r in range(uint64(brows)):
        at = uint64(2) * r * row
        dst = uint64(v_at) + r * uint64(bw)
        for s0 in range(uint64(0), uint64(bw), lanes):
            count = min(lanes, uint64(bw) - s0)
            for t in range(uint64(4)):
                _copy(patch, (4 * t) * lanes, scratch, at + t * row + s0, count)
                _copy(patch, (4 * t + 1) * lanes, scratch, at + t * row + half + s0, count)
                _copy(patch, (4 * t + 2) * lanes, scratch, at + t * row + s0 + 1, count)
                _copy(patch, (4 * t + 3) * lanes, scratch, at + t * row + half + s0 + 1, count)
            for q in range(lanes):
                _input_block(patch, planes, q, lanes)
            for xi in range(uint64(16)):
                _copy(v, dst + xi * xi_step + s0, planes, xi * lanes, count)


@njit(inline="always")
def _copy(dst, dst_at, src, src_at, count):
    """dst[dst_at + q] = src[src_at + q] for q < count, the whole vector of lanes when
    count == lanes: then the loop has a constant trip count, is unrolled, and SLP makes it
    one vector load and store (LLVM's loop vectorizer leaves loops this short scalar)."""
    dst_at, src_at, count = uint64(dst_at), uint64(src_at), uint64(count)
    lanes = _tile_cols(dst) // uint64(2)
    if count == lanes:
        for q in range(lanes):
            dst[dst_at + q] = src[src_at + q]
    else:
        for q in range(count):
            dst[dst_at + q] = src[src_at + q]


@njit(inline="always")
def _interleave(dst, dst_at, src, even_at, odd_at, count):
    """dst[dst_at + 2q] = src[even_at + q], dst[dst_at + 2q + 1] = src[odd_at + q] for q <
    count, unrolled for a whole vector of lanes as in `_copy`."""
    dst_at, even_at, odd_at, count = uint64(dst_at), uint64(even_at), uint64(odd_at), uint64(count)
    lanes = _tile_cols(dst) // uint64(2)
    if count == lanes:
        for q in range(lanes):
            dst[dst_at + 2 * q] = src[even_at + q]
            dst[dst_at + 2 * q + 1] = src[odd_at + q]
    else:
        for q in range(count):
            dst[dst_at + 2 * q] = src[even_at + q]
            dst[dst_at + 2 * q + 1] = src[odd_at + q]


@njit(inline="always")
def _vectors(x):
    """A zeroed stack buffer of 16 vectors of _tile_cols(x) // 2 elements of x's dtype."""
    buf = numba.carray(_register_tile(x), _MR * _tile_cols(x))
    for t in range(_MR * _tile_cols(x)):
        buf[t] = 0
    return buf


@njit(inline="always")
def _input_block(patch, planes, q, lanes):
    """planes[xi*lanes + q] = (B^T d B)[xi], d[t][i] = patch[(4t + i)*lanes + q]."""
    h0 = _row_transform(patch[q], patch[lanes + q], patch[2 * lanes + q], patch[3 * lanes + q])
    h1 = _row_transform(patch[4 * lanes + q], patch[5 * lanes + q], patch[6 * lanes + q],
                        patch[7 * lanes + q])  # fmt: skip
    h2 = _row_transform(patch[8 * lanes + q], patch[9 * lanes + q], patch[10 * lanes + q],
                        patch[11 * lanes + q])  # fmt: skip
    h3 = _row_transform(patch[12 * lanes + q], patch[13 * lanes + q], patch[14 * lanes + q],
                        patch[15 * lanes + q])  # fmt: skip
    for i in range(4):
        t0, t1, t2, t3 = _row_transform(h0[i], h1[i], h2[i], h3[i])
        planes[i * lanes + q] = t0
        planes[(4 + i) * lanes + q] = t1
        planes[(8 + i) * lanes + q] = t2
        planes[(12 + i) * lanes + q] = t3


@njit(cache=True)
def _task_blocks(task, tasks_per_image, task_rows, bh):
    """(image, first block row, block rows) of one task."""
    b = task // tasks_per_image
    r0 = task % tasks_per_image * task_rows
    return b, r0, min(task_rows, bh - r0)


@njit(parallel=True, cache=True)
def _forward(x, n, c, h, w, ph, pw, u, k, kp, bias, out, oh, ow, task_rows):
    """out (N, K, OH, OW) flat = the 3x3 convolution of x (N, C, H, W) flat, padded by
    (ph, pw), with the transformed weight u (`_transform_weight`), + bias (K,)."""
    nr = np.int64(_tile_cols(out))
    bh, bw = (oh + 1) // 2, (ow + 1) // 2
    tasks_per_image = (bh + task_rows - 1) // task_rows
    panels = (task_rows * bw + nr - 1) // nr
    tp = panels * nr  # blocks of a task, padded to whole register tiles
    half = bw + 1  # even (and odd) columns of the padded rows a block row reads
    for task in prange(n * tasks_per_image):
        b, r0, brows = _task_blocks(task, tasks_per_image, task_rows, bh)
        vx = c * tp + SKEW
        v = np.empty(16 * vx, out.dtype)  # v[xi*vx + ch*tp + j]: the micro-kernel's B
        mx = MR * tp + SKEW
        m = np.empty(16 * mx, out.dtype)  # m[xi*mx + i*tp + j]: products of MR channels
        scratch = np.empty((2 * brows + 2) * 2 * half, out.dtype)
        for ch in range(c):
            _load_rows(x, (b * c + ch) * h * w, h, w, 2 * r0 - ph, pw, 2 * brows + 2, half,
                       scratch)  # fmt: skip
            _transform_input(scratch, half, brows, bw, v, ch * tp, vx)
        for xi in range(16):  # the padding blocks' columns, read by the last tile
            for ch in range(c):
                for j in range(brows * bw, tp):
                    v[xi * vx + ch * tp + j] = 0
        for ip in range(kp):
            for xi in range(16):
                for jp in range(panels):
                    _micro_kernel(c, u, (xi * kp + ip) * c * MR, 1, MR, v, xi * vx + jp * nr,
                                  tp, m, xi * mx + jp * nr, tp, MR, nr, False)  # fmt: skip
            for i in range(min(MR, k - ip * MR)):
                o = ip * MR + i
                _put_outputs(m, i * tp, mx, bias[o], out, (b * k + o) * oh * ow, oh, ow,
                             r0, brows, bw)  # fmt: skip


@njit(cache=True)
def _put_outputs(m, m_at, xi_step, beta, out, plane, oh, ow, r0, brows, bw):
    """The 2x2 output blocks A^T m A + beta of blocks j = r*bw + s of m[m_at + xi*xi_step
    + j], written to out's plane from block row r0 on, clipped at the bottom/right edge.
    A vector of blocks at a time through stack buffers, as in `_transform_input`."""
    m_at, xi_step, plane = uint64(m_at), uint64(xi_step), uint64(plane)
    lanes = _tile_cols(out) // uint64(2)
    products = _vectors(out)  # products[xi*lanes + q]: m[xi] of block s0 + q
    blocks = _vectors(out)  # blocks[(2a + b)*lanes + q]: output (a, b) of block s0 + q
    for r in range(brows):
        y = 2 * (r0 + r)
        at = plane + uint64(y * ow)
        j = m_at + uint64(r * bw)
        whole = uint64(ow // 2 if y + 1 < oh else 0)  # blocks wholly inside the output
        for s0 in range(uint64(0), whole, lanes):
            count = min(lanes, whole - s0)
            for xi in range(uint64(16)):
                _copy(products, xi * lanes, m, j + xi * xi_step + s0, count)
            for q in range(lanes):
                y00, y01, y10, y11 = _output_block(products, q, lanes)
                blocks[q], blocks[lanes + q] = y00 + beta, y01 + beta
                blocks[2 * lanes + q], blocks[3 * lanes + q] = y10 + beta, y11 + beta
            _interleave(out, at + 2 * s0, blocks, 0, lanes, count)
            _interleave(out, at + uint64(ow) + 2 * s0, blocks, 2 * lanes, 3 * lanes, count)
        for s in range(whole, bw):  # the edge blocks, clipped
            y00, y01, y10, y11 = _output_block(m, j + uint64(s), xi_step)
            z = at + uint64(2 * s)
            out[z] = y00 + beta
            if 2 * s + 1 < ow:
                out[z + 1] = y01 + beta
            if y + 1 < oh:
                out[z + uint64(ow)] = y10 + beta
                if 2 * s + 1 < ow:
                    out[z + uint64(ow) + 1] = y11 + beta


@njit(inline="always")
def _output_block(m, j, xi_step):
    """A^T m A for the 4x4 products m[j + xi*xi_step]: (y00, y01, y10, y11)."""
    a0, b0 = _output_transform(m[j], m[j + 4 * xi_step], m[j + 8 * xi_step], m[j + 12 * xi_step])
    a1, b1 = _output_transform(m[j + xi_step], m[j + 5 * xi_step], m[j + 9 * xi_step],
                               m[j + 13 * xi_step])  # fmt: skip
    a2, b2 = _output_transform(m[j + 2 * xi_step], m[j + 6 * xi_step], m[j + 10 * xi_step],
                               m[j + 14 * xi_step])  # fmt: skip
    a3, b3 = _output_transform(m[j + 3 * xi_step], m[j + 7 * xi_step], m[j + 11 * xi_step],
                               m[j + 15 * xi_step])  # fmt: skip
    y00, y01 = _output_transform(a0, a1, a2, a3)
    y10, y11 = _output_transform(b0, b1, b2, b3)
    return y00, y01, y10, y11


@njit(parallel=True, cache=True)
def _weight_grad(x, n, c, h, w, ph, pw, grad, k, oh, ow, task_rows, partial, zero):
    """partial[t] (flat, xi-major 16 x cr x kq, cr = c rounded up to MR rows and kq = k to
    NR columns) = sum over thread t's blocks of V[xi][ch, j] E[xi][j, o]: the transformed
    input blocks B^T d B of x (N, C, H, W) padded by (ph, pw), times the transformed
    output-gradient blocks A dY A^T of grad (N, K, OH, OW). Thread t takes tasks t,
    t + threads, ...; the sum over threads is left to the caller."""
    threads = partial.shape[0]
    nr = np.int64(_tile_cols(grad))
    cr = (c + MR - 1) // MR * MR
    kq = (k + nr - 1) // nr * nr
    bh, bw = (oh + 1) // 2, (ow + 1) // 2
    tasks_per_image = (bh + task_rows - 1) // task_rows
    tasks = n * tasks_per_image
    tp = task_rows * bw
    half = bw + 1
    vx = cr * tp + SKEW
    ex = tp * kq + SKEW
    sx = cr * kq
    for t in prange(threads):
        acc = partial[t]
        acc[:] = 0
        v = np.zeros(16 * vx, grad.dtype)  # v[xi*vx + ch*tp + j], rows past c stay 0
        e = np.zeros(16 * ex, grad.dtype)  # e[xi*ex + j*kq + o], columns past k stay 0
        scratch = np.empty((2 * task_rows + 2) * 2 * half, grad.dtype)
        for task in range(t, tasks, threads):
            b, r0, brows = _task_blocks(task, tasks_per_image, task_rows, bh)
            for ch in range(c):
                _load_rows(x, (b * c + ch) * h * w, h, w, 2 * r0 - ph, pw, 2 * brows + 2, half,
                           scratch)  # fmt: skip
                _transform_input(scratch, half, brows, bw, v, ch * tp, vx)
            _transform_grad(grad, (b * k) * oh * ow, k, oh, ow, r0, brows, bw, e, kq, ex, zero)
            for xi in range(16):
                for i in range(0, c, MR):
                    for jp in range(0, kq, nr):
                        _micro_kernel(brows * bw, v, xi * vx + i * tp, tp, 1, e, xi * ex + jp,
                                      kq, acc, xi * sx + i * kq + jp, kq, min(MR, c - i), nr,
                                      True)  # fmt: skip


@njit(cache=True)
def _transform_grad(grad, at, k, oh, ow, r0, brows, bw, e, kq, xi_step, zero):
    """e[xi*xi_step + (r*bw + s)*kq + o] = (A y A^T)[xi] for the 2x2 block y of output
    channel o at block (r0 + r, s) of grad[at:] (K, OH, OW), `zero` past its edges.
    A vector of channels at a time (gathered loads, one per block corner), through a
    stack buffer as in `_transform_input` (one by one: ~22 us per task of 64 x 64)."""
    at, xi_step, kq, k = uint64(at), uint64(xi_step), uint64(kq), uint64(k)
    lanes = _tile_cols(e) // uint64(2)
    planes = _vectors(e)  # planes[xi*lanes + q]: (A y A^T)[xi] of channel o0 + q
    plane = uint64(oh * ow)
    for r in range(brows):
        y = 2 * (r0 + r)
        down = y + 1 < oh
        below = uint64(ow if down else 0)  # (a step that stays in the image when not down)
        for s in range(bw):
            right = 2 * s + 1 < ow
            beside = uint64(1 if right else 0)
            corner = at + uint64(y * ow + 2 * s)
            j = uint64(r * bw + s) * kq
            for o0 in range(uint64(0), k, lanes):
                for q in range(lanes):
                    src = corner + min(o0 + q, k - uint64(1)) * plane  # past k: a copy, unused
                    y00 = grad[src]
                    y01 = grad[src + beside] if right else zero
                    y10 = grad[src + below] if down else zero
                    y11 = grad[src + below + beside] if right and down else zero
                    a0, a1, a2, a3 = _grad_transform(y00, y10)
                    b0, b1, b2, b3 = _grad_transform(y01, y11)
                    _put_grad_row(planes, q, lanes, 0, a0, b0)
                    _put_grad_row(planes, q, lanes, 1, a1, b1)
                    _put_grad_row(planes, q, lanes, 2, a2, b2)
                    _put_grad_row(planes, q, lanes, 3, a3, b3)
                count = min(lanes, k - o0)
                for xi in range(uint64(16)):
                    _copy(e, xi * xi_step + j + o0, planes, xi * lanes, count)


@njit(inline="always")
def _put_grad_row(planes, q, lanes, row, p0, p1):
    """Row `row` of A y A^T, planes[(4*row + i)*lanes + q], from that row (p0, p1) of A y."""
    t0, t1, t2, t3 = _grad_transform(p0, p1)
    planes[(4 * row) * lanes + q] = t0
    planes[(4 * row + 1) * lanes + q] = t1
    planes[(4 * row + 2) * lanes + q] = t2
    planes[(4 * row + 3) * lanes + q] = t3


@njit(parallel=True, cache=True)
def _finish_weight_grad(partial, c, k, kq, grad_w):
    """grad_w[o, ch] (K, C, 3, 3) flat = G^T S G, S[xi] = sum over t of partial[t] at
    (xi, ch, o) (the layout of `_weight_grad`)."""
    cr = (c + MR - 1) // MR * MR
    sx = cr * kq
    for task in prange(k * c):
        o, ch = task // c, task % c
        s = np.zeros(16, partial.dtype)
        for t in range(partial.shape[0]):
            for xi in range(16):
                s[xi] += partial[t, xi * sx + ch * kq + o]
        rows = np.empty(12, partial.dtype)  # G^T s: 3 rows of 4
        for col in range(4):
            r0, r1, r2 = _kernel_grad_transform(s[col], s[4 + col], s[8 + col], s[12 + col])
            rows[col], rows[4 + col], rows[8 + col] = r0, r1, r2
        dst = (o * c + ch) * 9
        for r in range(3):
            q0, q1, q2 = _kernel_grad_transform(rows[4 * r], rows[4 * r + 1], rows[4 * r + 2],
                                                rows[4 * r + 3])  # fmt: skip
            grad_w[dst + 3 * r], grad_w[dst + 3 * r + 1], grad_w[dst + 3 * r + 2] = q0, q1, q2


def supported(x: np.ndarray, w: np.ndarray, stride, padding, dilation, groups) -> bool:
    """Whether these convolution parameters have a Winograd F(2x2, 3x3) form here."""
    return (
        w.shape[2:] == (3, 3)
        and tuple(stride) == (1, 1)
        and tuple(dilation) == (1, 1)
        and groups == 1
        and max(padding) <= 2
        and x.dtype in (np.float32, np.float64)
    )


def forward(x, w, bias, padding, out, flip=False):
    """out (N, K, OH, OW) C-contiguous = conv2d(x, w, bias, padding) for a 3x3 stride-1
    kernel; with `flip`, w is (C, K, 3, 3) used rotated and transposed (the input gradient
    of a convolution)."""
    n, c, h, wd = x.shape
    k, oh, ow = out.shape[1:]
    kp = -(-k // MR)
    u = np.empty(16 * kp * MR * c, out.dtype)
    _transform_weight(w.reshape(-1), k, c, flip, kp, u)
    bias = np.zeros(k, out.dtype) if bias is None else np.ascontiguousarray(bias)
    bw = (ow + 1) // 2
    task_rows = max(1, TASK_BLOCKS // bw)
    _run_tiled(_forward, x.reshape(-1), n, c, h, wd, padding[0], padding[1], u, k, kp, bias,
               out.reshape(-1), oh, ow, task_rows, loops=True)  # fmt: skip


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
    bw = (ow + 1) // 2
    task_rows = max(1, TASK_BLOCKS // bw)
    threads = min(numba.get_num_threads(), n * -(-((oh + 1) // 2) // task_rows))
    partial = np.empty((threads, 16 * cr * kq), grad_w.dtype)
    zero = grad_w.dtype.type(0)
    _run_tiled(_weight_grad, x.reshape(-1), n, c, h, wd, padding[0], padding[1],
               grad_out.reshape(-1), k, oh, ow, task_rows, partial, zero, loops=True)  # fmt: skip
    _finish_weight_grad(partial, c, k, kq, grad_w.reshape(-1))


__all__ = ["forward", "input_grad", "supported", "weight_grad"]
