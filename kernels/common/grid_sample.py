"""grid_sample's rules, written once for both backends: where a normalised grid point falls
in the input (align_corners, padding_mode) and the bilinear (trilinear) or nearest sample
there, forward and backward, on 5-D inputs (N, C, D, H, W) and grids (N, OD, OH, OW, k).
k = 3 samples volumes; k = 2 samples images, given as volumes of depth 1 (OD = 1): the
depth coordinate is then 0 and only the four corners of that one slice are read.

Each rule handles one item (an output location, or an input plane for the scatter of the
input's gradient); the CPU runs the items in a `prange` loop (kernels/cpu/grid_sample.py)
and CUDA a thread per item (kernels/cuda/grid_sample.py).
"""

from __future__ import annotations

import math

from numba import njit

# modes and padding modes, numbered as torch.grid_sampler numbers them
BILINEAR, NEAREST = 0, 1
ZEROS, BORDER, REFLECTION = 0, 1, 2


@njit(inline="always")
def _clip(pixel, size):
    """pixel clipped to [0, size - 1] and the derivative of the clip; the borders count as
    outside (derivative 0), as in PyTorch."""
    if pixel <= 0.0:
        return 0.0, 0.0
    top = size - 1.0
    if pixel >= top:
        return top, 0.0
    return pixel, 1.0


@njit(inline="always")
def _reflect(pixel, twice_low, twice_high):
    """pixel reflected off the bounds twice_low / 2 and twice_high / 2 until it lies
    between them, and the derivative of the reflection (+-1)."""
    if twice_low == twice_high:
        return 0.0, 0.0
    low = twice_low / 2.0
    span = (twice_high - twice_low) / 2.0
    pixel -= low
    sign = 1.0
    if pixel < 0.0:
        sign = -1.0
        pixel = -pixel
    # float // and % (NaN for inf: Numba's math.floor would give an int, undefined there)
    extra = pixel % span
    if (pixel // span) % 2.0 == 0.0:
        return extra + low, sign
    return span - extra + low, -sign


# source_index and _locate are called, not inlined in Numba's IR: inlined, each rule
# carried three copies of source_index with both of its padding branches, and every
# kernel compiled 7-15 s (NUMBA_OPT=1); as calls (which LLVM still inlines), forward and
# backward compile in ~2 s each, at the same speed (float32, 4x8x32x32, 24x24 grid, AVX-512).
@njit
def source_index(coord, size, padding, align_corners):
    """The pixel coordinate that the normalised coordinate `coord` (-1 and 1 the edges)
    points at along a dimension of `size` pixels after the padding mode, and its
    derivative with respect to coord (computed in float64 whatever the input dtype)."""
    coord = float(coord)
    if align_corners:
        scale = (size - 1) / 2.0
        pixel = (coord + 1.0) * scale
    else:
        scale = size / 2.0
        pixel = ((coord + 1.0) * size - 1.0) / 2.0
    if padding == BORDER:
        pixel, clipped = _clip(pixel, size)
        scale *= clipped
    elif padding == REFLECTION:
        if align_corners:
            pixel, reflected = _reflect(pixel, 0.0, 2.0 * (size - 1))
        else:
            pixel, reflected = _reflect(pixel, -1.0, 2.0 * size - 1.0)
        pixel, clipped = _clip(pixel, size)
        scale *= reflected * clipped
    return pixel, scale


@njit(inline="always")
def _floor_index(pixel, size):
    """floor(pixel) when one of pixel's two neighbours lies inside [0, size), else -2 (both
    neighbours outside); the range test comes first, so NaN and inf never reach int()."""
    if pixel > -1.0 and pixel < size:
        return int(math.floor(pixel))
    return -2


@njit(inline="always")
def _nearest_index(pixel, size):
    """The nearest pixel, halves rounded to even as std::nearbyint does, or -1 (outside)
    when pixel is out of reach (NaN and inf included)."""
    if not (pixel > -1.0 and pixel < size):
        return -1
    below = math.floor(pixel)
    rest = pixel - below
    nearest = int(below)
    if rest > 0.5 or (rest == 0.5 and nearest % 2 != 0):
        nearest += 1
    return nearest


@njit(inline="always")
def _inside(s, y, z, d, h, w):
    return s >= 0 and s < d and y >= 0 and y < h and z >= 0 and z < w


@njit(inline="always")
def _weight(corner, tx, ty, ts):
    """The interpolation weight of corner (bit 0: x + 1, bit 1: y + 1, bit 2: z + 1)."""
    wx = tx if corner & 1 else 1.0 - tx
    wy = ty if corner & 2 else 1.0 - ty
    ws = ts if corner & 4 else 1.0 - ts
    return wx * wy * ws


@njit
def _locate(grid, t, d, h, w, padding, align_corners):
    """The sample n, output location (o, i, j) of item t < N*OD*OH*OW, and the pixel
    coordinates (ix, iy, iz) it reads with their derivatives (dx, dy, dz); iz = 0 for a
    grid of 2-D points."""
    od, oh, ow = grid.shape[1], grid.shape[2], grid.shape[3]
    n = t // (od * oh * ow)
    o = (t // (oh * ow)) % od
    i = (t // ow) % oh
    j = t % ow
    ix, dx = source_index(grid[n, o, i, j, 0], w, padding, align_corners)
    iy, dy = source_index(grid[n, o, i, j, 1], h, padding, align_corners)
    iz, dz = 0.0, 0.0
    if grid.shape[4] == 3:
        iz, dz = source_index(grid[n, o, i, j, 2], d, padding, align_corners)
    return n, o, i, j, ix, iy, iz, dx, dy, dz


@njit(inline="always")
def sample_location(x, grid, mode, padding, align_corners, out, t):
    """out[n, :, o, i, j] for output location t = ((n*OD + o)*OH + i)*OW + j: every channel
    sampled at grid[n, o, i, j]. Reads of x are range-tested (`_inside`)."""
    _, channels, d, h, w = x.shape
    n, o, i, j, ix, iy, iz, _, _, _ = _locate(grid, t, d, h, w, padding, align_corners)
    if mode == NEAREST:
        z = _nearest_index(ix, w)
        y = _nearest_index(iy, h)
        s = _nearest_index(iz, d)
        for c in range(channels):
            out[n, c, o, i, j] = x[n, c, s, y, z] if _inside(s, y, z, d, h, w) else 0.0
        return
    z = _floor_index(ix, w)
    y = _floor_index(iy, h)
    s = _floor_index(iz, d)
    tx, ty, ts = ix - z, iy - y, iz - s
    corners = 8 if grid.shape[4] == 3 else 4
    for c in range(channels):
        total = 0.0
        for corner in range(corners):
            cs, cy, cz = s + (corner >> 2), y + ((corner >> 1) & 1), z + (corner & 1)
            if _inside(cs, cy, cz, d, h, w):
                total += _weight(corner, tx, ty, ts) * x[n, c, cs, cy, cz]
        out[n, c, o, i, j] = total


@njit(inline="always")
def input_grad_plane(grad_out, grid, mode, padding, align_corners, grad_x, p):
    """grad_x[n, c] for plane p = n*C + c < N*C: the output gradient of every location of
    sample n sent back to the pixels it was sampled from (writes range-tested by
    `_inside`). A plane is one item, so no two items write one pixel."""
    _, channels, d, h, w = grad_x.shape
    locations = grid.shape[1] * grid.shape[2] * grid.shape[3]
    n = p // channels
    c = p % channels
    for s in range(d):
        for y in range(h):
            for z in range(w):
                grad_x[n, c, s, y, z] = 0
    corners = 8 if grid.shape[4] == 3 else 4
    for t in range(n * locations, (n + 1) * locations):
        _, o, i, j, ix, iy, iz, _, _, _ = _locate(grid, t, d, h, w, padding, align_corners)
        g = grad_out[n, c, o, i, j]
        if mode == NEAREST:
            z = _nearest_index(ix, w)
            y = _nearest_index(iy, h)
            s = _nearest_index(iz, d)
            if _inside(s, y, z, d, h, w):
                grad_x[n, c, s, y, z] += g
            continue
        z = _floor_index(ix, w)
        y = _floor_index(iy, h)
        s = _floor_index(iz, d)
        tx, ty, ts = ix - z, iy - y, iz - s
        for corner in range(corners):
            cs, cy, cz = s + (corner >> 2), y + ((corner >> 1) & 1), z + (corner & 1)
            if _inside(cs, cy, cz, d, h, w):
                grad_x[n, c, cs, cy, cz] += g * _weight(corner, tx, ty, ts)


@njit(inline="always")
def grid_grad_location(grad_out, x, grid, mode, padding, align_corners, grad_grid, t):
    """grad_grid[n, o, i, j] for output location t (as in `sample_location`): each weight's
    derivative along each axis (+-1 times the other two weights) times the corner values,
    summed over channels, times the derivative of the coordinate transform; 0 for nearest
    sampling (piecewise constant)."""
    _, channels, d, h, w = x.shape
    n, o, i, j, ix, iy, iz, dx, dy, dz = _locate(grid, t, d, h, w, padding, align_corners)
    grad_ix = 0.0
    grad_iy = 0.0
    grad_iz = 0.0
    if mode == BILINEAR:
        z = _floor_index(ix, w)
        y = _floor_index(iy, h)
        s = _floor_index(iz, d)
        tx, ty, ts = ix - z, iy - y, iz - s
        corners = 8 if grid.shape[4] == 3 else 4
        for c in range(channels):
            g = grad_out[n, c, o, i, j]
            for corner in range(corners):
                cs, cy, cz = s + (corner >> 2), y + ((corner >> 1) & 1), z + (corner & 1)
                if not _inside(cs, cy, cz, d, h, w):
                    continue
                v = g * x[n, c, cs, cy, cz]
                wx = tx if corner & 1 else 1.0 - tx
                wy = ty if corner & 2 else 1.0 - ty
                ws = ts if corner & 4 else 1.0 - ts
                grad_ix += v * wy * ws if corner & 1 else -v * wy * ws
                grad_iy += v * wx * ws if corner & 2 else -v * wx * ws
                grad_iz += v * wx * wy if corner & 4 else -v * wx * wy
    grad_grid[n, o, i, j, 0] = grad_ix * dx
    grad_grid[n, o, i, j, 1] = grad_iy * dy
    if grid.shape[4] == 3:
        grad_grid[n, o, i, j, 2] = grad_iz * dz


def as_volume(array, grid: bool = False):
    """A 4-D image batch (N, C, H, W) as volumes of depth 1 (N, C, 1, H, W), a 4-D grid
    (N, OH, OW, 2) as (N, 1, OH, OW, 2): the rules take 5-D arrays only. 5-D arrays and None
    pass as they are. Host-side; views of C-contiguous arrays on either device."""
    if array is None or array.ndim == 5:
        return array
    n, a, b, c = array.shape
    return array.reshape(n, 1, a, b, c) if grid else array.reshape(n, a, 1, b, c)
