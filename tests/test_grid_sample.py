"""F.grid_sample and F.affine_grid (the spatial transformer's ops): values against a
Python reference of PyTorch's sampling rules, gradients by gradcheck, PyTorch's warnings
and errors."""

import itertools
import math

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F


def _source(coord, size, padding, align_corners):
    """PyTorch's grid_sampler_compute_source_index, in plain Python."""
    if align_corners:
        pixel = (coord + 1) / 2 * (size - 1)
    else:
        pixel = ((coord + 1) * size - 1) / 2
    if padding == "reflection":
        low, high = (0.0, size - 1.0) if align_corners else (-0.5, size - 0.5)
        span = high - low
        if span == 0:
            return 0.0
        offset = abs(pixel - low)
        flips, extra = divmod(offset, span)
        pixel = low + (extra if flips % 2 == 0 else span - extra)
    if padding in ("border", "reflection"):
        pixel = min(max(pixel, 0.0), size - 1.0)
    return pixel


def reference_grid_sample(x, grid, mode, padding, align_corners):
    n, c, h, w = x.shape
    out = np.zeros((n, c) + grid.shape[1:3])

    def at(b, y, z):
        inside = 0 <= y < h and 0 <= z < w
        return x[b, :, y, z] if inside else np.zeros(c)

    for b, i, j in itertools.product(range(n), range(grid.shape[1]), range(grid.shape[2])):
        ix = _source(grid[b, i, j, 0], w, padding, align_corners)
        iy = _source(grid[b, i, j, 1], h, padding, align_corners)
        if mode == "nearest":
            out[b, :, i, j] = at(b, round(iy), round(ix))  # round: halves to even
            continue
        z, y = math.floor(ix), math.floor(iy)
        tx, ty = ix - z, iy - y
        out[b, :, i, j] = (
            at(b, y, z) * (1 - tx) * (1 - ty)
            + at(b, y, z + 1) * tx * (1 - ty)
            + at(b, y + 1, z) * (1 - tx) * ty
            + at(b, y + 1, z + 1) * tx * ty
        )
    return out


def _inputs(dtype=torch.float64, device="cpu"):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5))
    # points inside, on the edges and outside (reflected and clipped several times)
    grid = rng.uniform(-2.5, 2.5, (2, 3, 4, 2))
    grid[0, 0, 0] = (1.0, -1.0)
    return (
        x,
        grid,
        torch.tensor(x, dtype=dtype, device=device),
        torch.tensor(grid, dtype=dtype, device=device),
    )


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_matches_the_reference(mode, padding, align_corners):
    x, grid, tx, tgrid = _inputs()
    out = F.grid_sample(tx, tgrid, mode, padding, align_corners)
    expected = reference_grid_sample(x, grid, mode, padding, align_corners)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_grid_sample_float32_and_noncontiguous_views():
    x, grid, tx, tgrid = _inputs(torch.float32)
    # the same values through transposed storage
    x_t = torch.tensor(x.transpose(0, 1, 3, 2).copy(), dtype=torch.float32).transpose(2, 3)
    grid_t = torch.tensor(grid.transpose(3, 0, 1, 2).copy(), dtype=torch.float32).permute(
        1, 2, 3, 0
    )
    assert not x_t.is_contiguous() and not grid_t.is_contiguous()
    out = F.grid_sample(x_t, grid_t, "bilinear", "border", False)
    assert out.dtype == torch.float32
    expected = reference_grid_sample(x, grid.astype(np.float32), "bilinear", "border", False)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_gradients_to_input_and_grid(padding, align_corners):
    rng = np.random.default_rng(1)
    x = torch.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    grid = torch.tensor(rng.uniform(-1.6, 1.6, (1, 2, 3, 2)), requires_grad=True)

    def sample(x, grid):
        return F.grid_sample(x, grid, "bilinear", padding, align_corners)

    assert torch.autograd.gradcheck(sample, (x, grid))


def test_nearest_grid_sample_sends_no_gradient_to_the_grid():
    _, _, x, grid = _inputs()
    x.requires_grad_()
    grid.requires_grad_()
    out = F.grid_sample(x, grid, "nearest", "zeros", False)
    out.sum().backward()
    assert np.all(grid.grad.numpy() == 0)
    # each output takes one pixel: the input's gradient counts how often each was taken
    assert x.grad.sum().item() == pytest.approx(float((out != 0).sum().item()))


def test_grid_sample_on_device(device):
    x, grid, tx, tgrid = _inputs(device=device)
    tx, tgrid = tx[:1, :2, :3, :3], tgrid[:1, :2, :2]
    tx.requires_grad_()
    tgrid.requires_grad_()
    out = F.grid_sample(tx, tgrid, "bilinear", "reflection", True)
    expected = reference_grid_sample(
        x[:1, :2, :3, :3], grid[:1, :2, :2], "bilinear", "reflection", True
    )
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected, rtol=1e-12, atol=1e-12)
    out.sum().backward()
    cpu_x = tx.detach().cpu().requires_grad_()
    cpu_grid = tgrid.detach().cpu().requires_grad_()
    F.grid_sample(cpu_x, cpu_grid, "bilinear", "reflection", True).sum().backward()
    np.testing.assert_allclose(tx.grad.cpu().numpy(), cpu_x.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(tgrid.grad.cpu().numpy(), cpu_grid.grad.numpy(), rtol=1e-12)


def test_grid_sample_half_and_empty_batches():
    _, _, x, grid = _inputs(torch.float16)
    assert F.grid_sample(x, grid, align_corners=False).dtype == torch.float16
    empty = F.grid_sample(x[:, :0], grid, align_corners=False)
    assert empty.shape == (2, 0, 3, 4)


def test_grid_sample_warns_without_align_corners():
    _, _, x, grid = _inputs()
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(x, grid)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x, g: F.grid_sample(x, g, "bicubicc", align_corners=False), ValueError,
         "expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: 'bicubicc'"),
        (lambda x, g: F.grid_sample(x, g, padding_mode="wrap", align_corners=False), ValueError,
         "expected padding_mode to be 'zeros', 'border', or 'reflection', but got: 'wrap'"),
        (lambda x, g: F.grid_sample(x, g.float(), align_corners=False), RuntimeError,
         "expected scalar type Double but found Float"),
        (lambda x, g: F.grid_sample(x, g[:1], align_corners=False), RuntimeError,
         "expected grid and input to have same batch size, but got input with sizes "
         r"\[2, 3, 4, 5\] and grid with sizes \[1, 3, 4, 2\]"),
        (lambda x, g: F.grid_sample(x, g[..., :1], align_corners=False), RuntimeError,
         r"expected grid to have size 2 in last dimension, but got grid with sizes \[2, 3, 4, 1\]"),
        (lambda x, g: F.grid_sample(x[:, :, :0], g, align_corners=False), RuntimeError,
         r"input has sizes \[2, 3, 0, 5\] with dimension 2 being empty"),
        (lambda x, g: F.grid_sample(x.long(), g.long(), align_corners=False),
         NotImplementedError, "not implemented for 'Long'"),
    ],
)  # fmt: skip
def test_grid_sample_errors(call, error, message):
    _, _, x, grid = _inputs()
    with pytest.raises(error, match=message):
        call(x, grid)


def reference_grid_sample_3d(x, grid, mode, padding, align_corners):
    n, c, d, h, w = x.shape
    out = np.zeros((n, c) + grid.shape[1:4])

    def at(b, s, y, z):
        inside = 0 <= s < d and 0 <= y < h and 0 <= z < w
        return x[b, :, s, y, z] if inside else np.zeros(c)

    for b, o, i, j in itertools.product(*(range(k) for k in grid.shape[:4])):
        ix, iy, iz = (_source(grid[b, o, i, j, k], size, padding, align_corners)
                      for k, size in enumerate((w, h, d)))  # fmt: skip
        if mode == "nearest":
            out[b, :, o, i, j] = at(b, round(iz), round(iy), round(ix))
            continue
        z, y, s = math.floor(ix), math.floor(iy), math.floor(iz)
        tx, ty, ts = ix - z, iy - y, iz - s
        for ds, dy, dz in itertools.product((0, 1), repeat=3):
            weight = (ts if ds else 1 - ts) * (ty if dy else 1 - ty) * (tx if dz else 1 - tx)
            out[b, :, o, i, j] += weight * at(b, s + ds, y + dy, z + dz)
    return out


def _volume_inputs(device="cpu"):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 3, 4, 3))
    grid = rng.uniform(-1.8, 1.8, (2, 2, 3, 2, 3))
    return x, grid, torch.tensor(x, device=device), torch.tensor(grid, device=device)


@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_grid_sample_on_volumes_matches_the_reference(mode, padding):
    x, grid, tx, tgrid = _volume_inputs()
    for align_corners in (False, True):
        out = F.grid_sample(tx, tgrid, mode, padding, align_corners)
        expected = reference_grid_sample_3d(x, grid, mode, padding, align_corners)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_grid_sample_on_volumes_gradients_and_device(device):
    x, grid, tx, tgrid = _volume_inputs(device)
    tx = tx[:1, :1, :2, :2, :2].contiguous().requires_grad_()
    tgrid = tgrid[:1, :1, :2, :1].contiguous().requires_grad_()
    out = F.grid_sample(tx, tgrid, "bilinear", "border", False)
    assert out.grad_fn.name() == "GridSampler3DBackward0"
    expected = reference_grid_sample_3d(x[:1, :1, :2, :2, :2], grid[:1, :1, :2, :1], "bilinear",
                                        "border", False)  # fmt: skip
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected, rtol=1e-12, atol=1e-12)
    if device == "cpu":
        assert torch.autograd.gradcheck(
            lambda a, g: F.grid_sample(a, g, "bilinear", "zeros", True), (tx, tgrid)
        )


def test_grid_sample_dimension_errors():
    with pytest.raises(RuntimeError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(torch.ones(1, 1, 2, 2, 2), torch.ones(1, 1, 1, 1, 3), "bicubic",
                      align_corners=False)  # fmt: skip
    with pytest.raises(RuntimeError, match="expected 4D input and grid with same number of dim"):
        F.grid_sample(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 1, 2, 2), align_corners=False)


# --- affine_grid ---------------------------------------------------------------------------


def reference_affine_grid(theta, size, align_corners):
    spatial = size[2:]
    lines = []
    for steps in spatial:
        line = np.linspace(-1.0, 1.0, steps) if steps > 1 else np.zeros(steps)
        lines.append(line if align_corners or steps <= 1 else line * (steps - 1) / steps)
    points = np.stack([*np.meshgrid(*lines, indexing="ij")[::-1], np.ones(spatial)], -1)
    return np.einsum("...k,nck->n...c", points, theta)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_the_reference(align_corners):
    rng = np.random.default_rng(2)
    theta = rng.standard_normal((2, 2, 3))
    grid = F.affine_grid(torch.tensor(theta), [2, 3, 4, 5], align_corners)
    assert grid.shape == (2, 4, 5, 2)
    expected = reference_affine_grid(theta, (2, 3, 4, 5), align_corners)
    np.testing.assert_allclose(grid.numpy(), expected, rtol=1e-12, atol=1e-14)
    theta3 = rng.standard_normal((1, 3, 4))
    grid3 = F.affine_grid(torch.tensor(theta3), [1, 1, 2, 3, 4], align_corners)
    expected3 = reference_affine_grid(theta3, (1, 1, 2, 3, 4), align_corners)
    np.testing.assert_allclose(grid3.numpy(), expected3, rtol=1e-12, atol=1e-14)


def test_identity_transform_samples_the_input_back():
    x = torch.arange(24, dtype=torch.float64).reshape(1, 2, 3, 4)
    theta = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], dtype=torch.float64)
    for align_corners in (False, True):
        grid = F.affine_grid(theta, list(x.shape), align_corners=align_corners)
        out = F.grid_sample(x, grid, align_corners=align_corners)
        np.testing.assert_allclose(out.numpy(), x.numpy(), atol=1e-12)


def test_spatial_transformer_gradient_reaches_theta():
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.standard_normal((1, 1, 3, 3)))
    theta = torch.tensor(rng.standard_normal((1, 2, 3)) * 0.5, requires_grad=True)

    def transform(theta):
        grid = F.affine_grid(theta, [1, 1, 2, 3], align_corners=False)
        return F.grid_sample(x, grid, align_corners=False)

    assert torch.autograd.gradcheck(transform, (theta,))
    assert (
        F.affine_grid(theta, [1, 1, 2, 3], False).grad_fn.name() == "AffineGridGeneratorBackward0"
    )


@pytest.mark.parametrize(
    ("theta", "size", "error", "message"),
    [
        (torch.zeros(1, 2, 3, dtype=torch.long), [1, 1, 2, 2], ValueError,
         "Expected theta to have floating point type, but got torch.int64"),
        (torch.zeros(1, 3, 3), [1, 1, 2, 2], ValueError,
         "Expected a batch of 2D affine matrices of shape Nx2x3 for size"),
        (torch.zeros(1, 2, 3), [1, 1, 2, 2, 2], ValueError,
         "Expected a batch of 3D affine matrices of shape Nx3x4 for size"),
        (torch.zeros(1, 2, 3), [1, 1, 2], NotImplementedError,
         r"affine_grid only supports 4D and 5D sizes, .* Got size \[1, 1, 2\]"),
        (torch.zeros(1, 2, 3), [1, 1, 0, 2], ValueError,
         r"Expected non-zero, positive output size. Got \[1, 1, 0, 2\]"),
    ],
)  # fmt: skip
def test_affine_grid_errors(theta, size, error, message):
    with pytest.raises(error, match=message):
        F.affine_grid(theta, size, align_corners=False)
