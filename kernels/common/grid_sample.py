"""grid_sample's rules, written once for both backends: where a normalised grid point falls
in the input (align_corners, padding_mode) and the bilinear or nearest sample there,
forward and backward, on 4-D inputs (N, C, H, W) and grids (N, OH, OW, 2).

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


@njit(inline="always")
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
def _corner_value(x, n, c, y, z, h, w):
    """x[n, c, y, z], or 0 outside the image (zeros padding)."""
    if y >= 0 and y < h and z >= 0 and z < w:
        return x[n, c, y, z]
    return 0.0


@njit(inline="always")
def _locate(grid, t, h, w, padding, align_corners):
    """The sample n, output location (i, j) of item t, and the pixel coordinates (ix, iy)
    it reads with their derivatives (dx, dy)."""
    oh, ow = grid.shape[1], grid.shape[2]
    n = t // (oh * ow)
    i = (t // ow) % oh
    j = t % ow
    ix, dx = source_index(grid[n, i, j, 0], w, padding, align_corners)
    iy, dy = source_index(grid[n, i, j, 1], h, padding, align_corners)
    return n, i, j, ix, iy, dx, dy


@njit(inline="always")
def sample_location(x, grid, mode, padding, align_corners, out, t):
    """out[n, :, i, j] for output location t = (n*OH + i)*OW + j < N*OH*OW: every channel
    sampled at grid[n, i, j]. Reads of x are range-tested (`_corner_value`)."""
    _, channels, h, w = x.shape
    n, i, j, ix, iy, _, _ = _locate(grid, t, h, w, padding, align_corners)
    if mode == NEAREST:
        z = _nearest_index(ix, w)
        y = _nearest_index(iy, h)
        for c in range(channels):
            out[n, c, i, j] = _corner_value(x, n, c, y, z, h, w)
        return
    z = _floor_index(ix, w)
    y = _floor_index(iy, h)
    tx = ix - z
    ty = iy - y
    for c in range(channels):
        top = (1.0 - tx) * _corner_value(x, n, c, y, z, h, w) + tx * _corner_value(
            x, n, c, y, z + 1, h, w
        )
        bottom = (1.0 - tx) * _corner_value(x, n, c, y + 1, z, h, w) + tx * _corner_value(
            x, n, c, y + 1, z + 1, h, w
        )
        out[n, c, i, j] = (1.0 - ty) * top + ty * bottom


@njit(inline="always")
def _scatter(grad_x, n, c, y, z, h, w, value):
    """grad_x[n, c, y, z] += value inside the image; nothing outside."""
    if y >= 0 and y < h and z >= 0 and z < w:
        grad_x[n, c, y, z] += value


@njit(inline="always")
def input_grad_plane(grad_out, grid, mode, padding, align_corners, grad_x, p):
    """grad_x[n, c] for plane p = n*C + c < N*C: the output gradient of every location of
    sample n sent back to the pixels it was sampled from (writes range-tested in
    `_scatter`). A plane is one item, so no two items write one pixel."""
    _, channels, h, w = grad_x.shape
    oh, ow = grid.shape[1], grid.shape[2]
    n = p // channels
    c = p % channels
    for y in range(h):
        for z in range(w):
            grad_x[n, c, y, z] = 0
    for t in range(n * oh * ow, (n + 1) * oh * ow):
        _, i, j, ix, iy, _, _ = _locate(grid, t, h, w, padding, align_corners)
        g = grad_out[n, c, i, j]
        if mode == NEAREST:
            _scatter(grad_x, n, c, _nearest_index(iy, h), _nearest_index(ix, w), h, w, g)
            continue
        z = _floor_index(ix, w)
        y = _floor_index(iy, h)
        tx = ix - z
        ty = iy - y
        _scatter(grad_x, n, c, y, z, h, w, g * (1.0 - ty) * (1.0 - tx))
        _scatter(grad_x, n, c, y, z + 1, h, w, g * (1.0 - ty) * tx)
        _scatter(grad_x, n, c, y + 1, z, h, w, g * ty * (1.0 - tx))
        _scatter(grad_x, n, c, y + 1, z + 1, h, w, g * ty * tx)


@njit(inline="always")
def grid_grad_location(grad_out, x, grid, mode, padding, align_corners, grad_grid, t):
    """grad_grid[n, i, j] for output location t (as in `sample_location`): the bilinear
    weights' derivatives times the corner values, summed over channels, times the
    derivative of the coordinate transform; 0 for nearest sampling (piecewise constant)."""
    _, channels, h, w = x.shape
    n, i, j, ix, iy, dx, dy = _locate(grid, t, h, w, padding, align_corners)
    grad_ix = 0.0
    grad_iy = 0.0
    if mode == BILINEAR:
        z = _floor_index(ix, w)
        y = _floor_index(iy, h)
        tx = ix - z
        ty = iy - y
        for c in range(channels):
            g = grad_out[n, c, i, j]
            nw = _corner_value(x, n, c, y, z, h, w)
            ne = _corner_value(x, n, c, y, z + 1, h, w)
            sw = _corner_value(x, n, c, y + 1, z, h, w)
            se = _corner_value(x, n, c, y + 1, z + 1, h, w)
            grad_ix += g * ((1.0 - ty) * (ne - nw) + ty * (se - sw))
            grad_iy += g * ((1.0 - tx) * (sw - nw) + tx * (se - ne))
    grad_grid[n, i, j, 0] = grad_ix * dx
    grad_grid[n, i, j, 1] = grad_iy * dy
