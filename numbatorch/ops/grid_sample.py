"""Autograd Functions of the spatial transformer's two ops: `grid_sampler` (the sampling
kernels of kernels/*/grid_sample.py) and `affine_grid_generator` (the affine map of a
base grid, one batched product). Arguments arrive checked from `nn.functional`."""

from __future__ import annotations

from .. import _creation, _dtype
from ..autograd.function import BuiltinFunction
from ..tensor import Tensor
from ._common import TYPE_WORD, check_device, empty, half_in_float32, kernels


class GridSampler2D(BuiltinFunction):
    """out[n, c, i, j] = input[n, c] sampled at the pixel that grid[n, i, j] points at (and
    the same one dimension up, as GridSampler3D)."""

    @staticmethod
    def forward(ctx, input, grid, mode, padding, align_corners):
        x = input.contiguous()
        g = grid.contiguous()
        n, c = x.shape[:2]
        out = empty((n, c, *g.shape[1:-1]), x.dtype, x.device)
        kernels(x).grid_sample_forward(x._array, g._array, mode, padding, align_corners,
                                       out._array)  # fmt: skip
        ctx.save_for_backward(x, g)
        ctx.meta = (mode, padding, align_corners)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        need_input, need_grid = ctx.needs_input_grad[:2]
        grad_x = empty(x.shape, x.dtype, x.device) if need_input else None
        grad_grid = empty(g.shape, g.dtype, g.device) if need_grid else None
        kernels(x).grid_sample_backward(
            grad.to(x.dtype).contiguous()._array,
            x._array,
            g._array,
            *ctx.meta,
            grad_x._array if need_input else None,
            grad_grid._array if need_grid else None,
        )
        return grad_x, grad_grid, None, None, None


class GridSampler3D(GridSampler2D):
    """out[n, c, o, i, j] = input[n, c] sampled at the voxel that grid[n, o, i, j] points at."""


def _check_grid_sampler(input: Tensor, grid: Tensor) -> None:
    """torch.grid_sampler's own checks, with its messages."""
    check_device(input, grid)
    if input.dtype is not grid.dtype:
        raise RuntimeError(
            f"expected scalar type {TYPE_WORD[input.dtype.name]} but found "
            f"{TYPE_WORD[grid.dtype.name]}"
        )
    if input.ndim == 0 or grid.ndim == 0 or input.shape[0] != grid.shape[0]:
        raise RuntimeError(
            "grid_sampler(): expected grid and input to have same batch size, but got input "
            f"with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
        )
    if grid.shape[-1] != input.ndim - 2:
        raise RuntimeError(
            f"grid_sampler(): expected grid to have size {input.ndim - 2} in last dimension, "
            f"but got grid with sizes {list(grid.shape)}"
        )
    for d in range(2, input.ndim):
        if input.shape[d] == 0:
            raise RuntimeError(
                "grid_sampler(): expected input to have non-empty spatial dimensions, but "
                f"input has sizes {list(input.shape)} with dimension {d} being empty"
            )
    if grid.ndim != input.ndim or input.ndim not in (4, 5):
        raise RuntimeError(
            f"grid_sampler(): expected {'4D' if input.ndim == 4 else '5D'} input and grid with "
            f"same number of dimensions, but got input with sizes {list(input.shape)} and grid "
            f"with sizes {list(grid.shape)}"
        )
    if not input.dtype.is_floating_point:
        kernel = "grid_sampler_2d_cpu_kernel_impl" if input.ndim == 4 else "grid_sampler3d_cpu"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{TYPE_WORD[input.dtype.name]}'"
        )


def grid_sampler(
    input: Tensor, grid: Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Tensor:
    """torch.grid_sampler: modes numbered bilinear 0, nearest 1; padding zeros 0, border 1,
    reflection 2."""
    _check_grid_sampler(input, grid)
    if interpolation_mode not in (0, 1):
        if input.ndim == 5:
            raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
        raise NotImplementedError("grid_sampler(): numbatorch has no bicubic sampling")
    if input.dtype in _dtype.HALF_TYPES:  # no half arithmetic in Numba
        return grid_sampler(input.float(), grid.float(), interpolation_mode, padding_mode,
                            align_corners).to(input.dtype)  # fmt: skip
    sampler = GridSampler2D if input.ndim == 4 else GridSampler3D
    return sampler.apply(input, grid, interpolation_mode, padding_mode, bool(align_corners))


def _base_coordinates(steps: int, align_corners: bool, like: Tensor) -> Tensor:
    """The normalised centres of `steps` pixels: -1 .. 1, or (with align_corners False)
    the same scaled by (steps - 1) / steps; 0 for a single pixel, as in PyTorch."""
    if steps <= 1:
        return _creation.zeros(max(steps, 0), dtype=like.dtype, device=like.device)
    line = _creation.linspace(-1.0, 1.0, steps, dtype=like.dtype, device=like.device)
    return line if align_corners else line * ((steps - 1) / steps)


def _base_grid(spatial: tuple, align_corners: bool, like: Tensor) -> Tensor:
    """(prod(spatial), k + 1): each pixel's normalised coordinates, fastest dimension first
    (x, y[, z]), then 1."""
    parts = []
    for axis in reversed(range(len(spatial))):
        view = [1] * len(spatial)
        view[axis] = spatial[axis]
        line = _base_coordinates(spatial[axis], align_corners, like)
        parts.append(line.reshape(view).expand(*spatial))
    parts.append(_creation.ones(*spatial, dtype=like.dtype, device=like.device))
    stacked = parts[0].unsqueeze(-1).expand(*spatial, len(parts)).contiguous()
    for k, part in enumerate(parts[1:], 1):
        stacked[..., k] = part
    return stacked.reshape(-1, len(parts))


class AffineGridGenerator(BuiltinFunction):
    """grid[n, p] = theta[n] @ (base point p, 1): each output pixel's source coordinates."""

    @staticmethod
    def forward(ctx, theta, size, align_corners):
        spatial = tuple(size[2:])
        base = _base_grid(spatial, align_corners, theta)
        ctx.save_for_backward(base)
        grid = base.matmul(theta.transpose(1, 2))
        return grid.reshape(size[0], *spatial, len(spatial))

    @staticmethod
    def backward(ctx, grad):
        (base,) = ctx.saved_tensors
        rows = grad.reshape(grad.shape[0], -1, grad.shape[-1]).transpose(1, 2)
        return rows.matmul(base), None, None


def affine_grid_generator(theta: Tensor, size: list, align_corners: bool) -> Tensor:
    """torch.affine_grid_generator: the (N, *spatial, k) sampling grid of the affine
    matrices theta (N, k, k + 1) for an output of `size` (N, C, *spatial)."""
    if theta.shape[0] != size[0]:
        raise RuntimeError(
            "Expected size for first two dimensions of batch2 tensor to be: "
            f"[{size[0]}, {theta.shape[2]}] but got: [{theta.shape[0]}, {theta.shape[2]}]."
        )
    return half_in_float32(
        lambda t: AffineGridGenerator.apply(t, tuple(size), bool(align_corners)), theta
    )
