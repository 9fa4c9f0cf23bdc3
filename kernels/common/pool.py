"""2-D and 3-D pooling rules both backends share: output sizes and PyTorch's window and
divisor rules, as kernels whose outer loop is a `prange` over (N*C, D, H, W) volumes (a
2-D image is a volume of depth 1). The CPU compiles
them as they are (kernels/cpu/pool.py); CUDA runs each body a plane per thread
(kernels/cuda/pool.py). The backward bodies scatter only inside their own plane, so
neither needs atomics."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..contract import Array, Window, Window3d


def pool_output_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """Output length of a pooling over `size` (kernel k, stride s, padding p, dilation d).
    With ceil_mode a last, partial window is kept when it starts inside the input or the
    left padding, as in PyTorch."""
    span = size + 2 * p - d * (k - 1) - 1
    if not ceil_mode:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return out


def max_pool_forward(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, out, indices):
    """out[p, t, y, z] = max of x[p] over the dilated window at (t*sd - pd, y*sh - ph,
    z*sw - pw), the padding counting as -inf; a NaN wins. indices[p, t, y, z] =
    (d*H + h)*W + w of that maximum (the first of equal values, the last NaN, the window's
    first valid pixel when all are -inf, as PyTorch's CPU kernel). x is (planes, D, H, W);
    2-D pooling is D = kd = 1."""
    planes, d, h, w = x.shape
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    # the common 2x2 window at stride 2 with no padding, spelled out: 3.6x faster than the
    # general loops below (64x6x28x28: 640 -> 178 us), which pay for their variable bounds
    if (
        kh == kw == sh == sw == 2
        and kd == sd == dd == dh == dw == 1
        and pd == ph == pw == 0
        and od <= d
        and 2 * oh <= h
        and 2 * ow <= w
    ):
        for p in prange(planes):
            for t in range(od):
                for y in range(oh):
                    top, bottom = x[p, t, 2 * y], x[p, t, 2 * y + 1]
                    best, where = out[p, t, y], indices[p, t, y]
                    at = (t * h + 2 * y) * w
                    for z in range(ow):
                        b, i = top[2 * z], at + 2 * z
                        v = top[2 * z + 1]
                        take = (v > b) | (v != v)
                        b, i = (v, at + 2 * z + 1) if take else (b, i)
                        v = bottom[2 * z]
                        take = (v > b) | (v != v)
                        b, i = (v, at + w + 2 * z) if take else (b, i)
                        v = bottom[2 * z + 1]
                        take = (v > b) | (v != v)
                        b, i = (v, at + w + 2 * z + 1) if take else (b, i)
                        best[z], where[z] = b, i
        return
    for p in prange(planes):
        for t in range(od):
            t0 = t * sd - pd
            q_lo = 0 if t0 >= 0 else (-t0 + dd - 1) // dd
            q_hi = min(kd, (d - t0 + dd - 1) // dd)
            for y in range(oh):
                y0 = y * sh - ph
                i_lo = 0 if y0 >= 0 else (-y0 + dh - 1) // dh
                i_hi = min(kh, (h - y0 + dh - 1) // dh)
                for z in range(ow):
                    z0 = z * sw - pw
                    j_lo = 0 if z0 >= 0 else (-z0 + dw - 1) // dw
                    j_hi = min(kw, (w - z0 + dw - 1) // dw)
                    best = -np.inf
                    where = ((t0 + q_lo * dd) * h + y0 + i_lo * dh) * w + z0 + j_lo * dw
                    for q in range(q_lo, q_hi):
                        depth = t0 + q * dd
                        for i in range(i_lo, i_hi):
                            row = y0 + i * dh
                            for j in range(j_lo, j_hi):
                                col = z0 + j * dw
                                v = x[p, depth, row, col]
                                # selects, not branches: a random maximum's position
                                # mispredicts half the time (pool of 64x6x28x28: 706 -> 390
                                # us, same run)
                                take = (v > best) | (v != v)  # v != v: NaN
                                best = v if take else best
                                where = (depth * h + row) * w + col if take else where
                    out[p, t, y, z] = best
                    indices[p, t, y, z] = where


def scatter_planes(src, indices, out, accumulate):
    """out[p] = 0, then out[p, indices[p, t, y, z]] += src[p, t, y, z] (max pooling's
    backward) or, without `accumulate`, = src[p, t, y, z] (max unpooling, where of two
    entries with one index the later stays). out is (N*C, D*H*W), so the flat index needs
    no division."""
    planes, size = out.shape
    d, h, w = src.shape[1], src.shape[2], src.shape[3]
    for p in prange(planes):
        for u in range(size):
            out[p, u] = 0
        for t in range(d):
            for y in range(h):
                for z in range(w):
                    # indices in [0, D*H*W): written by max_pool_forward (saved,
                    # version-checked) or checked by ops.pool's max_unpool
                    # (_check_index_range) before the launch
                    if accumulate:
                        out[p, indices[p, t, y, z]] += src[p, t, y, z]
                    else:
                        out[p, indices[p, t, y, z]] = src[p, t, y, z]


def max_unpool_backward(grad_out, indices, grad_in):
    """grad_in[p, t, y, z] = grad_out[p, indices[p, t, y, z]]; grad_out is
    (N*C, OD*OH*OW)."""
    planes, d, h, w = grad_in.shape
    for p in prange(planes):
        for t in range(d):
            for y in range(h):
                for z in range(w):
                    # indices in [0, OD*OH*OW): checked by max_unpool, saved and
                    # version-checked
                    grad_in[p, t, y, z] = grad_out[p, indices[p, t, y, z]]


@njit(inline="always")
def _avg_window(y, k, s, pad, size):
    """PyTorch's average-pool window along one axis: the input range [lo, hi) and the
    window length counting the padding (clipped to the padded input)."""
    start = y * s - pad
    end = min(start + k, size + pad)
    return max(start, 0), min(end, size), end - start


@njit(inline="always")
def _avg_divisor(inside, padded, count_include_pad, divisor_override):
    if divisor_override:
        return divisor_override
    if count_include_pad:
        return padded
    return inside


def avg_pool_forward(x, kd, kh, kw, sd, sh, sw, pd, ph, pw, count_include_pad,
                     divisor_override, out):  # fmt: skip
    """out[p, t, y, z] = sum of x[p] over the window at (t*sd - pd, y*sh - ph, z*sw - pw)
    / divisor, with PyTorch's divisor (see `_avg_divisor`: the window's size inside the
    input, or inside the padded input); a window wholly in the padding gives 0."""
    planes, d, h, w = x.shape
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        for t in range(od):
            f0, f1, depth_padded = _avg_window(t, kd, sd, pd, d)
            for y in range(oh):
                r0, r1, rows_padded = _avg_window(y, kh, sh, ph, h)
                for z in range(ow):
                    c0, c1, cols_padded = _avg_window(z, kw, sw, pw, w)
                    if f0 >= f1 or r0 >= r1 or c0 >= c1:
                        out[p, t, y, z] = 0
                        continue
                    total = 0.0
                    for q in range(f0, f1):
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                total += x[p, q, i, j]
                    divisor = _avg_divisor(
                        (f1 - f0) * (r1 - r0) * (c1 - c0),
                        depth_padded * rows_padded * cols_padded,
                        count_include_pad,
                        divisor_override,
                    )
                    out[p, t, y, z] = total / divisor


def avg_pool_backward(grad_out, kd, kh, kw, sd, sh, sw, pd, ph, pw, count_include_pad,
                      divisor_override, grad_in):  # fmt: skip
    """grad_in[p] = 0, then every window of `avg_pool_forward` gets grad_out / divisor
    added to each of its input pixels."""
    planes, d, h, w = grad_in.shape
    od, oh, ow = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    for p in prange(planes):
        for q in range(d):
            for i in range(h):
                for j in range(w):
                    grad_in[p, q, i, j] = 0
        for t in range(od):
            f0, f1, depth_padded = _avg_window(t, kd, sd, pd, d)
            for y in range(oh):
                r0, r1, rows_padded = _avg_window(y, kh, sh, ph, h)
                for z in range(ow):
                    c0, c1, cols_padded = _avg_window(z, kw, sw, pw, w)
                    if f0 >= f1 or r0 >= r1 or c0 >= c1:
                        continue
                    divisor = _avg_divisor(
                        (f1 - f0) * (r1 - r0) * (c1 - c0),
                        depth_padded * rows_padded * cols_padded,
                        count_include_pad,
                        divisor_override,
                    )
                    g = grad_out[p, t, y, z] / divisor
                    for q in range(f0, f1):
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                grad_in[p, q, i, j] += g


@njit(inline="always")
def adaptive_window(y, out_size, size):
    """PyTorch's adaptive window: [floor(y*size/out_size), ceil((y+1)*size/out_size))."""
    return y * size // out_size, -(-(y + 1) * size // out_size)


def adaptive_avg_pool_forward(x, out):
    """out[p, t, y, z] = mean of x[p] (planes, D, H, W) over the adaptive window of
    (t, y, z)."""
    planes, d, h, w = x.shape
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        for t in range(od):
            f0, f1 = adaptive_window(t, od, d)
            for y in range(oh):
                r0, r1 = adaptive_window(y, oh, h)
                for z in range(ow):
                    c0, c1 = adaptive_window(z, ow, w)
                    total = 0.0
                    for q in range(f0, f1):
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                total += x[p, q, i, j]
                    out[p, t, y, z] = total / ((f1 - f0) * (r1 - r0) * (c1 - c0))


def adaptive_avg_pool_backward(grad_out, grad_in):
    """grad_in[p] = 0, then each adaptive window adds grad_out / its volume to its
    pixels."""
    planes, d, h, w = grad_in.shape
    od, oh, ow = grad_out.shape[1], grad_out.shape[2], grad_out.shape[3]
    for p in prange(planes):
        for q in range(d):
            for i in range(h):
                for j in range(w):
                    grad_in[p, q, i, j] = 0
        for t in range(od):
            f0, f1 = adaptive_window(t, od, d)
            for y in range(oh):
                r0, r1 = adaptive_window(y, oh, h)
                for z in range(ow):
                    c0, c1 = adaptive_window(z, ow, w)
                    g = grad_out[p, t, y, z] / ((f1 - f0) * (r1 - r0) * (c1 - c0))
                    for q in range(f0, f1):
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                grad_in[p, q, i, j] += g


# --- the host side, written once: the launchers of both backends -----------------------------


def launchers(kernels: dict, run, planes, flat_planes) -> tuple:
    """A backend's pooling launchers, in the order of its `__all__` (max, unpool, avg,
    adaptive avg). `kernels` maps each rule above to the backend's compiled kernel of it,
    `run(kernel, *args)` calls one over the planes of its first argument, and
    `planes(x, readonly)` / `flat_planes(x, readonly)` view a C-contiguous (N, C, H, W)
    or (N, C, D, H, W) array as (N*C, D, H, W) (D = 1 for 4-D) / (N*C, D*H*W) (a flat
    index (d*H + h)*W + w then needs no division). Each launcher takes 2-D pooling's
    (N, C, H, W) arrays with a `Window`, or 3-D pooling's (N, C, D, H, W) ones with a
    `Window3d` (the flat indices then count (d*H + h)*W + w)."""

    def max_pool2d_forward(x: Array, window: Window | Window3d, out: Array, indices: Array) -> None:
        """out (N, C, OH, OW) = max pooling of x (N, C, H, W), padding counting as -inf;
        indices (N, C, OH, OW) int64 = the flat index h*W + w of each maximum in its input
        plane (PyTorch's return_indices). All C-contiguous."""
        if out.size:
            run(
                kernels[max_pool_forward],
                planes(x, True),
                *Window3d.lift(window),
                planes(out, False),
                planes(indices, False),
            )

    def max_pool2d_backward(grad_out: Array, indices: Array, grad_in: Array) -> None:
        """grad_in (N, C, H, W) = 0, then each grad_out (N, C, OH, OW) entry is added at the
        input position `indices` recorded by `max_pool2d_forward`. All C-contiguous."""
        if grad_in.size:
            run(
                kernels[scatter_planes],
                planes(grad_out, True),
                planes(indices, True),
                flat_planes(grad_in, False),
                True,
            )

    def max_unpool2d_forward(x: Array, indices: Array, out: Array) -> None:
        """out (N, C, OH, OW) = 0, then each x (N, C, H, W) entry is put at the flat
        position indices (N, C, H, W) int64 (in range [0, OH*OW), checked by the caller)
        of its plane: the inverse of `max_pool2d_forward`. All C-contiguous."""
        if out.size:
            run(
                kernels[scatter_planes],
                planes(x, True),
                planes(indices, True),
                flat_planes(out, False),
                False,
            )

    def max_unpool2d_backward(grad_out: Array, indices: Array, grad_in: Array) -> None:
        """grad_in (N, C, H, W) = grad_out (N, C, OH, OW) read at `indices` in each plane."""
        if grad_in.size:
            run(
                kernels[max_unpool_backward],
                flat_planes(grad_out, True),
                planes(indices, True),
                planes(grad_in, False),
            )

    def avg_pool2d_forward(
        x: Array,
        window: Window | Window3d,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int,
        out: Array,
    ) -> None:
        """out (N, C, OH, OW) = average pooling of x (N, C, H, W), both C-contiguous.
        ceil_mode only decides OH/OW (`pool_output_size`), which out's shape already holds;
        a window that starts in the padding and lies wholly in it gives 0. The divisor is
        divisor_override when nonzero, else the window size within the padded input
        (count_include_pad) or within the input. The window's dilation is not used."""
        if out.size:
            run(
                kernels[avg_pool_forward],
                planes(x, True),
                *Window3d.lift(window)[:9],
                bool(count_include_pad),
                int(divisor_override),
                planes(out, False),
            )

    def avg_pool2d_backward(
        grad_out: Array,
        window: Window | Window3d,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int,
        grad_in: Array,
    ) -> None:
        """grad_in (N, C, H, W) = the gradient of `avg_pool2d_forward` given grad_out
        (N, C, OH, OW); both C-contiguous, overwritten. ceil_mode is in grad_out's shape."""
        if grad_in.size:
            run(
                kernels[avg_pool_backward],
                planes(grad_out, True),
                *Window3d.lift(window)[:9],
                bool(count_include_pad),
                int(divisor_override),
                planes(grad_in, False),
            )

    def adaptive_avg_pool2d_forward(x: Array, out: Array) -> None:
        """out (N, C, OH, OW) = adaptive average pooling of x (N, C, H, W): window (y, z)
        covers rows floor(y*H/OH) to ceil((y+1)*H/OH), columns likewise. C-contiguous."""
        if out.size:
            run(kernels[adaptive_avg_pool_forward], planes(x, True), planes(out, False))

    def adaptive_avg_pool2d_backward(grad_out: Array, grad_in: Array) -> None:
        """grad_in (N, C, H, W) = the gradient of `adaptive_avg_pool2d_forward` given
        grad_out (N, C, OH, OW); both C-contiguous, overwritten."""
        if grad_in.size:
            run(kernels[adaptive_avg_pool_backward], planes(grad_out, True), planes(grad_in, False))

    return (
        max_pool2d_forward,
        max_pool2d_backward,
        max_unpool2d_forward,
        max_unpool2d_backward,
        avg_pool2d_forward,
        avg_pool2d_backward,
        adaptive_avg_pool2d_forward,
        adaptive_avg_pool2d_backward,
    )


RULES = (
    max_pool_forward,
    scatter_planes,
    max_unpool_backward,
    avg_pool_forward,
    avg_pool_backward,
    adaptive_avg_pool_forward,
    adaptive_avg_pool_backward,
)
