"""The layers and losses added for issue 15 (normalization, padding, resampling, fold,
activations, pooling, bilinear, EmbeddingBag, the margin/likelihood losses and CTC): values
against numpy references, gradients by gradcheck in float64, the new kernels on each
device, modules' parameters and reprs as PyTorch's, and PyTorch's errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)


def randn(*shape) -> np.ndarray:
    return RNG.standard_normal(shape)


def t64(a, grad: bool = False, device: str = "cpu"):
    return torch.tensor(np.asarray(a, np.float64), device=device, requires_grad=grad)


def close(actual, expected, tol: float = 1e-10) -> None:
    value = actual.detach().cpu().numpy() if isinstance(actual, torch.Tensor) else actual
    np.testing.assert_allclose(value, expected, rtol=tol, atol=tol)


# --- numpy references ----------------------------------------------------------------------


def np_group_norm(x, groups, w=None, b=None, eps=1e-5):
    n, c = x.shape[:2]
    g = x.reshape(n, groups, -1)
    y = ((g - g.mean(2, keepdims=True)) / np.sqrt(g.var(2, keepdims=True) + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    if w is not None:
        y = y * w.reshape(shape)
    if b is not None:
        y = y + b.reshape(shape)
    return y


def np_linear_resize(x, axis, size_out, align_corners, scale=None):
    """1-D linear resampling along `axis` with PyTorch's source-index rule, written from
    its definition: source = o * (in-1)/(out-1) (align_corners) or (o+0.5)*step - 0.5
    clamped at 0, step = 1/scale_factor when given, else in/out; then the two neighbours
    weighted."""
    size_in = x.shape[axis]
    step = 1 / scale if scale else size_in / size_out
    out = []
    for o in range(size_out):
        if align_corners:
            src = o * (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
        else:
            src = max((o + 0.5) * step - 0.5, 0.0)
        lo = min(int(np.floor(src)), size_in - 1)
        hi = min(lo + 1, size_in - 1)
        frac = src - lo
        a, b = np.take(x, lo, axis), np.take(x, hi, axis)
        out.append(a + (b - a) * frac)
    return np.stack(out, axis)


def np_unfold(x, k, d, p, s):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    cols = np.zeros((n, c, k[0], k[1], oh, ow))
    for i in range(k[0]):
        for j in range(k[1]):
            rows = slice(i * d[0], i * d[0] + s[0] * (oh - 1) + 1, s[0])
            colsl = slice(j * d[1], j * d[1] + s[1] * (ow - 1) + 1, s[1])
            cols[:, :, i, j] = xp[:, :, rows, colsl]
    return cols.reshape(n, c * k[0] * k[1], oh * ow)


def np_adaptive_max(x, oh, ow):
    n, c, h, w = x.shape
    out = np.zeros((n, c, oh, ow))
    where = np.zeros((n, c, oh, ow), np.int64)
    for y in range(oh):
        r0, r1 = y * h // oh, -(-(y + 1) * h // oh)
        for z in range(ow):
            c0, c1 = z * w // ow, -(-(z + 1) * w // ow)
            window = x[:, :, r0:r1, c0:c1].reshape(n, c, -1)
            arg = window.argmax(2)
            out[:, :, y, z] = window.max(2)
            where[:, :, y, z] = (r0 + arg // (c1 - c0)) * w + c0 + arg % (c1 - c0)
    return out, where


def np_ctc_nll(log_probs, target, blank):
    """-log of the summed probability of every alignment of length T that collapses to
    `target` (repeats merged, then blanks removed), by enumeration: tiny T and C only."""
    steps, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
        if [c for c in merged if c != blank] == list(target):
            total += math.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


def log_softmax_np(x, axis):
    shifted = x - x.max(axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


# --- normalization -------------------------------------------------------------------------


def test_group_norm_matches_numpy_and_its_kernel_runs_on_each_device(device):
    x, w, b = randn(2, 4, 3), randn(4), randn(4)
    xt, wt, bt = (t64(a, True, device) for a in (x, w, b))
    out = F.group_norm(xt, 2, wt, bt)
    close(out, np_group_norm(x, 2, w, b), 1e-9)
    grad = randn(2, 4, 3)
    out.backward(t64(grad, device=device))
    # d/dw and d/db from the closed forms: sum of grad * x_hat and of grad
    x_hat = np_group_norm(x, 2)
    close(wt.grad, (grad * x_hat).sum((0, 2)), 1e-9)
    close(bt.grad, grad.sum((0, 2)), 1e-9)
    assert xt.grad.device == xt.device


def test_group_norm_keeps_precision_of_large_offsets_in_float32():
    x = (randn(2, 4, 8) * 0.01 + 1000.0).astype(np.float32)
    out = F.group_norm(torch.tensor(x), 2)
    close(out, np_group_norm(x.astype(np.float64), 2), 2e-3)


def test_group_norm_gradcheck():
    x, w, b = t64(randn(2, 4, 3), True), t64(randn(4), True), t64(randn(4), True)
    assert gradcheck(lambda a, c, d: F.group_norm(a, 2, c, d), (x, w, b))
    assert gradcheck(lambda a: F.group_norm(a, 4), (t64(randn(1, 4, 2, 2), True),))


def test_group_norm_double_backward_gradgradcheck():
    x, w, b = t64(randn(2, 4, 2), True), t64(randn(4), True), t64(randn(4), True)
    assert gradgradcheck(lambda a, c, d: F.group_norm(a, 2, c, d), (x, w, b))


def test_group_norm_module_parameters_and_repr():
    layer = nn.GroupNorm(2, 4)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert list(nn.GroupNorm(2, 4, affine=False).state_dict()) == []
    x = randn(3, 4, 5)
    close(layer.double()(t64(x)), np_group_norm(x, 2), 1e-9)


def test_instance_norm_normalises_each_channel_and_updates_running_stats():
    x = randn(3, 2, 5)
    running_mean, running_var = (
        torch.zeros(2, dtype=torch.float64),
        torch.ones(2, dtype=torch.float64),
    )
    out = F.instance_norm(t64(x), running_mean, running_var, momentum=0.5)
    close(out, np_group_norm(x, 2), 1e-9)
    close(running_mean, 0.5 * x.mean(2).mean(0))
    close(running_var, 0.5 + 0.5 * x.var(2, ddof=1).mean(0))


def test_instance_norm_module_uses_running_stats_in_eval():
    layer = nn.InstanceNorm1d(2, affine=True, track_running_stats=True).double()
    assert list(layer.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"
    ]  # fmt: skip
    x = randn(3, 2, 5)
    layer(t64(x))
    layer.eval()
    mean, var = layer.running_mean.numpy(), layer.running_var.numpy()
    expected = (x - mean[None, :, None]) / np.sqrt(var[None, :, None] + 1e-5)
    close(layer(t64(x)), expected, 1e-9)
    # unbatched (C, L) input
    close(layer(t64(x[0])), expected[0], 1e-9)


def test_instance_norm_reprs_and_gradcheck():
    assert repr(nn.InstanceNorm2d(3)) == (
        "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, "
        "track_running_stats=False)"
    )
    w, b = t64(randn(2), True), t64(randn(2), True)
    x = t64(randn(2, 2, 2, 2), True)
    assert gradcheck(lambda a, c, d: F.instance_norm(a, weight=c, bias=d), (x, w, b))


def test_local_response_norm_matches_numpy_and_gradcheck():
    x = randn(2, 5, 3)
    size, alpha, beta, k = 3, 0.1, 0.75, 2.0
    squares = np.pad(x * x, ((0, 0), (size // 2, (size - 1) // 2), (0, 0)))
    div = np.stack([squares[:, c : c + size].mean(1) for c in range(5)], 1)
    close(F.local_response_norm(t64(x), size, alpha, beta, k), x / (k + alpha * div) ** beta)
    four = t64(randn(1, 4, 2, 2), True)
    assert gradcheck(lambda a: F.local_response_norm(a, 2, 0.5), (four,))
    assert repr(nn.LocalResponseNorm(2)) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"


# --- padding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")]
)
def test_pad_modes_match_numpy(mode, numpy_mode):
    x = randn(1, 2, 3, 4)
    out = F.pad(t64(x), (1, 2, 2, 1), mode=mode)
    close(out, np.pad(x, ((0, 0), (0, 0), (2, 1), (1, 2)), mode=numpy_mode))


@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=3, max_size=4),
    pads=st.lists(st.integers(0, 3), min_size=2, max_size=4),
    mode=st.sampled_from(["reflect", "replicate", "circular", "constant"]),
)
def test_pad_matches_numpy_for_any_shape_and_amounts(shape, pads, mode):
    """F.pad's result, or PyTorch's error, for every shape and padding of the sizes the
    non-constant modes accept (the last len(pad)//2 dims, input of that rank + 1 or 2)."""
    pads = pads[: 2 * (len(pads) // 2)]
    x = RNG.standard_normal(shape)
    padded = len(pads) // 2
    widths = [(0, 0)] * (x.ndim - padded) + [
        (pads[2 * i], pads[2 * i + 1]) for i in reversed(range(padded))
    ]
    too_far = any(
        (mode == "reflect" and max(w) >= n) or (mode == "circular" and max(w) > n)
        for w, n in zip(widths, x.shape)
    )
    if mode != "constant" and x.ndim not in (padded + 1, padded + 2):
        with pytest.raises(NotImplementedError, match="is not supported for"):
            F.pad(t64(x), pads, mode=mode)
    elif too_far:
        with pytest.raises(RuntimeError):
            F.pad(t64(x), pads, mode=mode)
    else:
        numpy_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
        close(F.pad(t64(x), pads, mode=mode), np.pad(x, widths, mode=numpy_mode))


def test_padding_modules_and_reprs():
    x = randn(1, 2, 3, 4)
    close(nn.ZeroPad2d((1, 0, 0, 2))(t64(x)), np.pad(x, ((0, 0), (0, 0), (0, 2), (1, 0))))
    close(nn.ConstantPad1d(2, 3.5)(t64(x)), np.pad(x, ((0, 0),) * 3 + ((2, 2),),
                                                   constant_values=3.5))  # fmt: skip
    close(nn.ReflectionPad1d(1)(t64(x[0])), np.pad(x[0], ((0, 0), (0, 0), (1, 1)), "reflect"))
    close(nn.ReplicationPad2d(1)(t64(x)), np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), "edge"))
    close(nn.CircularPad2d(1)(t64(x)), np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), "wrap"))
    assert repr(nn.ReflectionPad2d(2)) == "ReflectionPad2d((2, 2, 2, 2))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(nn.ZeroPad2d((1, 2, 3, 4))) == "ZeroPad2d((1, 2, 3, 4))"


# --- resampling ----------------------------------------------------------------------------


def test_bilinear_upsampling_gives_pytorchs_values():
    x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = [[1.0, 1.25, 1.75, 2.0], [1.5, 1.75, 2.25, 2.5],
                [2.5, 2.75, 3.25, 3.5], [3.0, 3.25, 3.75, 4.0]]  # fmt: skip
    close(F.interpolate(x, scale_factor=2, mode="bilinear"), [[expected]], 1e-6)
    corners = F.interpolate(x, size=3, mode="bilinear", align_corners=True)
    close(corners, [[[[1.0, 1.5, 2.0], [2.0, 2.5, 3.0], [3.0, 3.5, 4.0]]]], 1e-6)


@pytest.mark.parametrize("align_corners", [False, True])
def test_linear_modes_match_the_separable_numpy_reference(align_corners):
    x = randn(1, 2, 3, 5)
    out = F.interpolate(t64(x), size=(4, 7), mode="bilinear", align_corners=align_corners)
    ref = np_linear_resize(np_linear_resize(x, 2, 4, align_corners), 3, 7, align_corners)
    close(out, ref)
    line = F.interpolate(t64(x[0]), scale_factor=1.5, mode="linear", align_corners=align_corners)
    close(line, np_linear_resize(x[0], 2, 7, align_corners, None if align_corners else 1.5))


def test_nearest_modes_pick_pytorchs_source_pixels():
    x = t64(np.arange(5.0).reshape(1, 1, 5))
    close(F.interpolate(x, size=3), [[[0.0, 1.0, 3.0]]])
    close(F.interpolate(x, size=3, mode="nearest-exact"), [[[0.0, 2.0, 4.0]]])
    close(F.interpolate(x, scale_factor=2), [[[0, 0, 1, 1, 2, 2, 3, 3, 4, 4]]])
    assert repr(nn.Upsample(scale_factor=2, mode="bilinear")) == (
        "Upsample(scale_factor=2.0, mode='bilinear')"
    )
    close(nn.UpsamplingNearest2d(scale_factor=2)(t64(np.ones((1, 1, 2, 2)))), np.ones((1, 1, 4, 4)))


def test_area_mode_is_adaptive_average_pooling():
    x = randn(1, 1, 4, 6)
    out = F.interpolate(t64(x), size=(2, 3), mode="area")
    close(out, x.reshape(1, 1, 2, 2, 3, 2).mean((3, 5)))
    close(F.interpolate(t64(x[0]), scale_factor=0.5, mode="area"), x[0].reshape(1, 4, 3, 2).mean(3))


def test_interpolate_gradcheck():
    x = t64(randn(1, 1, 2, 3), True)
    assert gradcheck(lambda a: F.interpolate(a, size=(3, 4), mode="bilinear"), (x,))
    assert gradcheck(lambda a: F.interpolate(a, scale_factor=2, mode="nearest"), (x,))


def test_pixel_shuffle_and_unshuffle_are_inverse_rearrangements():
    x = randn(2, 8, 2, 3)
    out = F.pixel_shuffle(t64(x), 2)
    ref = x.reshape(2, 2, 2, 2, 2, 3).transpose(0, 1, 4, 2, 5, 3).reshape(2, 2, 4, 6)
    close(out, ref)
    close(F.pixel_unshuffle(out, 2), x)
    assert repr(nn.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"


def test_unfold_and_fold_match_im2col_and_its_adjoint(device):
    x = randn(1, 2, 3, 4)
    args = ((2, 2), (1, 2), (1, 0), (2, 1))  # kernel, dilation, padding, stride
    cols = F.unfold(t64(x, device=device), *args)
    close(cols, np_unfold(x, *args))
    # fold is the adjoint: <unfold(x), c> == <x, fold(c)>
    c = randn(*cols.shape)
    folded = F.fold(t64(c, device=device), (3, 4), *args)
    close(float((folded.cpu().numpy() * x).sum()), float((np_unfold(x, *args) * c).sum()))
    assert repr(nn.Unfold(2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=1)"


def test_fold_unfold_gradcheck():
    x = t64(randn(1, 1, 3, 3), True)
    assert gradcheck(lambda a: F.unfold(a, 2, padding=1), (x,))
    cols = t64(randn(1, 4, 4), True)
    assert gradcheck(lambda a: F.fold(a, (3, 3), 2), (cols,))


# --- activations ---------------------------------------------------------------------------


def test_elementwise_activations_match_numpy():
    x = randn(3, 4)
    xt = t64(x)
    close(F.celu(xt, 0.5), np.maximum(x, 0) + np.minimum(0, 0.5 * np.expm1(x / 0.5)))
    close(F.threshold(xt, 0.1, 20.0), np.where(x > 0.1, x, 20.0))
    close(F.hardshrink(xt, 0.3), np.where(np.abs(x) > 0.3, x, 0))
    close(F.softshrink(xt, 0.3), np.where(x > 0.3, x - 0.3, np.where(x < -0.3, x + 0.3, 0)))
    close(F.tanhshrink(xt), x - np.tanh(x))
    close(F.glu(xt, 1), x[:, :2] / (1 + np.exp(-x[:, 2:])))
    close(F.rrelu(xt), np.where(x >= 0, x, x * (1 / 8 + 1 / 3) / 2))


def test_inplace_functional_variants_write_into_their_input():
    x = randn(5)
    for function, expected in (
        (lambda t: F.celu_(t, 2.0), np.where(x > 0, x, 2.0 * np.expm1(x / 2.0))),
        (lambda t: F.threshold_(t, 0.0, -7.0), np.where(x > 0, x, -7.0)),
        (lambda t: F.rrelu_(t, 0.2, 0.4), np.where(x >= 0, x, 0.3 * x)),
    ):
        t = t64(x)
        assert function(t) is t
        close(t, expected)


def test_rrelu_in_training_draws_slopes_between_lower_and_upper():
    x = -torch.ones(1000, dtype=torch.float64)
    out = F.rrelu(x, 0.1, 0.3, training=True).numpy()
    assert out.min() >= -0.3 and out.max() <= -0.1 and out.std() > 0.01
    layer = nn.RReLU(0.1, 0.3).eval()
    close(layer(x), np.full(1000, -0.2))


def test_prelu_scales_negatives_per_channel():
    layer = nn.PReLU(3).double()
    assert list(layer.state_dict()) == ["weight"]
    close(layer.weight, [0.25] * 3)
    x = randn(2, 3, 2)
    slope = np.array([0.25, 0.25, 0.25])[None, :, None]
    close(layer(t64(x)), np.where(x > 0, x, x * slope))
    w = t64([0.1, -0.2, 0.3], True)
    assert gradcheck(lambda a, b: F.prelu(a, b), (t64(x, True), w))


def test_activation_gradchecks_and_reprs():
    x = t64(randn(2, 4), True)
    for function in (lambda a: F.celu(a, 0.7), lambda a: F.glu(a), F.tanhshrink,
                     lambda a: F.softshrink(a, 0.2)):  # fmt: skip
        assert gradcheck(function, (x,))
    assert repr(nn.CELU()) == "CELU(alpha=1.0)"
    assert repr(nn.Threshold(0.1, 20)) == "Threshold(threshold=0.1, value=20)"
    assert repr(nn.RReLU()) == "RReLU(lower=0.125, upper=0.3333333333333333)"
    assert repr(nn.Hardshrink()) == "Hardshrink(0.5)"
    assert repr(nn.GLU()) == "GLU(dim=-1)"
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"


# --- pooling -------------------------------------------------------------------------------


def test_adaptive_max_pool2d_values_indices_and_gradient(device):
    x = randn(1, 2, 5, 4)
    xt = t64(x, True, device)
    out, indices = F.adaptive_max_pool2d(xt, (3, 2), return_indices=True)
    ref, ref_indices = np_adaptive_max(x, 3, 2)
    close(out, ref)
    assert indices.cpu().numpy().tolist() == ref_indices.tolist()
    out.sum().backward()
    expected = np.zeros(x.size // 2 * 2).reshape(2, 20)
    for p in range(2):
        for i in ref_indices[0, p].reshape(-1):
            expected[p, i] += 1
    close(xt.grad, expected.reshape(x.shape))


def test_adaptive_max_pool1d_and_module():
    x = randn(2, 7)
    out = nn.AdaptiveMaxPool1d(3)(t64(x))
    close(out, np_adaptive_max(x[None, :, None, :], 1, 3)[0][0, :, 0])
    assert repr(nn.AdaptiveMaxPool2d(3)) == "AdaptiveMaxPool2d(output_size=3)"
    assert F.adaptive_max_pool2d(t64(randn(1, 1, 3, 4)), (None, 2)).shape == (1, 1, 3, 2)
    assert gradcheck(lambda a: F.adaptive_max_pool2d(a, 2), (t64(randn(1, 1, 3, 3), True),))


def test_lp_pool_is_the_p_norm_of_each_window():
    x = np.abs(randn(1, 1, 4, 4)) + 0.1
    out = F.lp_pool2d(t64(x), 3, 2)
    windows = x.reshape(1, 1, 2, 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 1, 2, 2, 4)
    close(out, ((windows**3).sum(-1)) ** (1 / 3))
    out1 = nn.LPPool1d(2, 2)(t64(x[0, :, 0]))
    close(out1, np.sqrt((x[0, :, 0].reshape(1, 2, 2) ** 2).sum(-1)))
    assert repr(nn.LPPool2d(2, 3)) == (
        "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    )


# --- bilinear, embedding_bag ---------------------------------------------------------------


def test_bilinear_matches_einsum_and_gradcheck():
    x1, x2, w, b = randn(3, 2), randn(3, 4), randn(5, 2, 4), randn(5)
    out = F.bilinear(t64(x1), t64(x2), t64(w), t64(b))
    close(out, np.einsum("ni,oij,nj->no", x1, w, x2) + b)
    layer = nn.Bilinear(2, 4, 5)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert tuple(layer.weight.shape) == (5, 2, 4)
    args = (t64(randn(2, 2), True), t64(randn(2, 3), True), t64(randn(2, 2, 3), True))
    assert gradcheck(F.bilinear, args)


def np_bags(weight, indices, offsets, mode, psw=None, padding_idx=None):
    ends = list(offsets[1:]) + [len(indices)]
    out = []
    for start, end in zip(offsets, ends):
        rows = [i for i in range(start, end) if indices[i] != padding_idx]
        if not rows:
            out.append(np.zeros(weight.shape[1]))
            continue
        picked = weight[indices[rows]] * (psw[rows, None] if psw is not None else 1)
        out.append({"sum": picked.sum(0), "mean": picked.mean(0), "max": picked.max(0)}[mode])
    return np.array(out)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_modes_match_numpy(mode, device):
    weight, indices, offsets = randn(6, 3), np.array([1, 2, 4, 5, 4, 0, 2]), np.array([0, 2, 2, 5])
    wt = t64(weight, True, device)
    index, bounds = torch.tensor(indices, device=device), torch.tensor(offsets, device=device)
    out = F.embedding_bag(index, wt, bounds, mode=mode, padding_idx=0)
    close(out, np_bags(weight, indices, offsets, mode, padding_idx=0))
    out.sum().backward()
    assert wt.grad.cpu().numpy()[0].tolist() == [0.0, 0.0, 0.0]  # padding row: no gradient


def test_embedding_bag_per_sample_weights_2d_input_and_gradcheck():
    weight, indices, psw = randn(5, 2), np.array([[1, 2, 3], [4, 4, 0]]), randn(2, 3)
    out = F.embedding_bag(torch.tensor(indices), t64(weight), mode="sum",
                          per_sample_weights=t64(psw))  # fmt: skip
    close(out, np_bags(weight, indices.reshape(-1), np.array([0, 3]), "sum", psw.reshape(-1)))
    index = torch.tensor(indices)
    for mode in ("sum", "max"):
        bags = lambda w, mode=mode: F.embedding_bag(index, w, mode=mode)  # noqa: E731
        assert gradcheck(bags, (t64(weight, True),))
    assert gradcheck(lambda w, p: F.embedding_bag(index, w, mode="sum", per_sample_weights=p),
                     (t64(weight, True), t64(psw, True)))  # fmt: skip
    bag = nn.EmbeddingBag(10, 3, mode="max", padding_idx=0)
    assert repr(bag) == "EmbeddingBag(10, 3, mode='max', padding_idx=0)"
    assert list(bag.state_dict()) == ["weight"]


# --- losses --------------------------------------------------------------------------------


def test_margin_and_embedding_losses_match_numpy():
    a, b, c = randn(4, 3), randn(4, 3), randn(4, 3)
    y = np.array([1.0, -1.0, 1.0, -1.0])
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    ref = np.where(y == 1, 1 - cos, np.maximum(cos - 0.2, 0))
    close(F.cosine_embedding_loss(t64(a), t64(b), t64(y), 0.2, reduction="none"), ref)
    close(F.cosine_embedding_loss(t64(a), t64(b), t64(y), 0.2), ref.mean())
    close(F.margin_ranking_loss(t64(a[:, 0]), t64(b[:, 0]), t64(y), 0.1, reduction="sum"),
          np.maximum(-y * (a[:, 0] - b[:, 0]) + 0.1, 0).sum())  # fmt: skip
    close(F.hinge_embedding_loss(t64(a[:, 0]), t64(y), 0.5, reduction="none"),
          np.where(y == 1, a[:, 0], np.maximum(0.5 - a[:, 0], 0)))  # fmt: skip
    close(F.soft_margin_loss(t64(a), t64(np.sign(b))), np.log1p(np.exp(-np.sign(b) * a)).mean())
    d_pos = np.linalg.norm(a - b + 1e-6, axis=1)
    d_neg = np.minimum(np.linalg.norm(a - c + 1e-6, axis=1), np.linalg.norm(b - c + 1e-6, axis=1))
    close(F.triplet_margin_loss(t64(a), t64(b), t64(c), 2.0, swap=True, reduction="none"),
          np.maximum(d_pos - d_neg + 2.0, 0))  # fmt: skip
    l1 = lambda u, v: (u - v).abs().sum(-1)  # noqa: E731
    close(F.triplet_margin_with_distance_loss(t64(a), t64(b), t64(c), distance_function=l1),
          np.maximum(np.abs(a - b).sum(1) - np.abs(a - c).sum(1) + 1, 0).mean())  # fmt: skip


def test_multi_class_losses_match_numpy():
    x, y, w = randn(3, 4), np.array([0, 3, 1]), np.array([0.5, 1.0, 2.0, 1.5])
    hinge = np.maximum(0.7 - x[np.arange(3), y][:, None] + x, 0) ** 2 * w[y][:, None]
    hinge[np.arange(3), y] = 0
    close(F.multi_margin_loss(t64(x), torch.tensor(y), p=2, margin=0.7, weight=t64(w),
                              reduction="none"), hinge.sum(1) / 4)  # fmt: skip
    targets = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 1, 2, 3]])
    ref = []
    for row, labels in zip(x, targets):
        listed = list(itertools.takewhile(lambda v: v != -1, labels))
        ref.append(sum(max(0, 1 - (row[j] - row[k])) for j in listed for k in range(4)
                       if k not in listed) / 4)  # fmt: skip
    close(F.multilabel_margin_loss(t64(x), torch.tensor(targets), reduction="none"), ref)
    t = (randn(3, 4) > 0).astype(float)
    sig = 1 / (1 + np.exp(-x))
    ref = -(t * np.log(sig) + (1 - t) * np.log(1 - sig)).mean(1)
    close(F.multilabel_soft_margin_loss(t64(x), t64(t), reduction="none"), ref)


def test_likelihood_losses_match_numpy():
    x, t = randn(3, 4), RNG.poisson(2.0, (3, 4)).astype(float)
    close(F.poisson_nll_loss(t64(x), t64(t)), (np.exp(x) - t * x).mean())
    pos = np.abs(x) + 0.1
    st = np.where(
        t > 1, t * np.log(np.maximum(t, 1)) - t + 0.5 * np.log(2 * np.pi * np.maximum(t, 1)), 0
    )
    close(F.poisson_nll_loss(t64(pos), t64(t), log_input=False, full=True, reduction="sum"),
          (pos - t * np.log(pos + 1e-8) + st).sum())  # fmt: skip
    var = np.abs(randn(3, 4)) + 0.1
    close(F.gaussian_nll_loss(t64(x), t64(t), t64(var), full=True),
          (0.5 * (np.log(var) + (x - t) ** 2 / var) + 0.5 * np.log(2 * np.pi)).mean())  # fmt: skip
    homo = np.abs(randn(3)) + 0.1  # one variance per sample, broadcast over the last dim
    close(F.gaussian_nll_loss(t64(x), t64(t), t64(homo), reduction="none"),
          0.5 * (np.log(homo[:, None]) + (x - t) ** 2 / homo[:, None]))  # fmt: skip


def test_loss_gradchecks():
    a, b, c = (t64(randn(3, 4), True) for _ in range(3))
    y = t64([1.0, -1.0, 1.0])
    assert gradcheck(lambda u, v: F.cosine_embedding_loss(u, v, y, 0.1), (a, b))
    assert gradcheck(lambda u, v, w: F.triplet_margin_loss(u, v, w, 3.0, swap=True), (a, b, c))
    labels = torch.tensor([0, 3, 1])
    assert gradcheck(lambda u: F.multi_margin_loss(u, labels, p=2), (a,))
    targets = torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 1, 2, 3]])
    assert gradcheck(lambda u: F.multilabel_margin_loss(u, targets), (a,))
    var = t64(np.abs(randn(3, 4)) + 0.5, True)
    assert gradcheck(lambda u, v: F.gaussian_nll_loss(u, b.detach(), v), (a, var))
    assert gradcheck(lambda u: F.poisson_nll_loss(u, b.detach().abs()), (a,))


def test_loss_modules_keep_pytorchs_attributes():
    assert nn.TripletMarginLoss().p == 2.0 and nn.TripletMarginLoss().margin == 1.0
    loss = nn.MultiMarginLoss(weight=torch.ones(3))
    assert list(loss.state_dict()) == ["weight"] and loss.p == 1
    ctc = nn.CTCLoss(blank=2, zero_infinity=True)
    assert (ctc.blank, ctc.reduction, ctc.zero_infinity) == (2, "mean", True)
    assert repr(nn.GaussianNLLLoss()) == "GaussianNLLLoss()"


def test_ctc_loss_matches_the_sum_over_alignments(device):
    steps, batch, classes = 4, 2, 3
    logits = randn(steps, batch, classes)
    targets, lengths = np.array([[1, 2], [1, 1]]), [2, 2]

    def reference(z):
        log_probs = log_softmax_np(z, 2)
        return [np_ctc_nll(log_probs[:, n], targets[n], 0) for n in range(batch)]

    x = t64(logits, True, device)
    loss = F.ctc_loss(F.log_softmax(x, 2), torch.tensor(targets, device=device), [4, 4], lengths,
                      reduction="none")  # fmt: skip
    close(loss, reference(logits), 1e-9)
    loss.sum().backward()
    # the gradient with respect to the logits by central differences of the enumeration
    numeric = np.zeros_like(logits)
    for index in np.ndindex(*logits.shape):
        step = np.zeros_like(logits)
        step[index] = 1e-6
        numeric[index] = (sum(reference(logits + step)) - sum(reference(logits - step))) / 2e-6
    close(x.grad, numeric, 1e-6)


def test_ctc_loss_reductions_blank_and_unbatched_input():
    logits = randn(4, 2, 3)
    log_probs = log_softmax_np(logits, 2)
    lp = t64(log_probs)
    targets = torch.tensor([2, 0, 2])  # concatenated: sample 0 -> [2, 0], sample 1 -> [2]
    nll = [np_ctc_nll(log_probs[:, 0], [2, 0], 1), np_ctc_nll(log_probs[:3, 1], [2], 1)]
    close(F.ctc_loss(lp, targets, [4, 3], [2, 1], blank=1, reduction="sum"), sum(nll), 1e-9)
    close(F.ctc_loss(lp, targets, [4, 3], [2, 1], blank=1), (nll[0] / 2 + nll[1]) / 2, 1e-9)
    close(F.ctc_loss(lp[:, 0], torch.tensor([2, 0]), [4], [2], blank=1, reduction="none"),
          nll[0], 1e-9)  # fmt: skip


def test_ctc_loss_infinite_and_zero_infinity():
    lp = t64(log_softmax_np(randn(2, 1, 3), 2), True)
    target = torch.tensor([[1, 1]])  # needs a blank between the repeats: 3 steps at least
    assert F.ctc_loss(lp, target, [2], [2], reduction="sum").item() == math.inf
    loss = F.ctc_loss(lp, target, [2], [2], reduction="sum", zero_infinity=True)
    assert loss.item() == 0.0
    loss.backward()
    assert np.abs(lp.grad.numpy()).max() == 0.0


def test_ctc_loss_gradcheck_through_log_softmax():
    logits = t64(randn(4, 2, 3), True)
    targets = torch.tensor([[1, 2], [2, 2]])
    assert gradcheck(lambda x: F.ctc_loss(F.log_softmax(x, 2), targets, [4, 3], [2, 1]), (logits,))


# --- errors --------------------------------------------------------------------------------


def _x(*shape):
    return torch.zeros(*shape)


ERRORS = [
    (lambda: F.group_norm(_x(2, 3, 4), 2), RuntimeError,
     "Expected number of channels in input to be divisible by num_groups, but got input of "
     "shape [2, 3, 4] and num_groups=2"),
    (lambda: nn.GroupNorm(2, 3), ValueError,
     "num_channels (3) must be divisible by num_groups (2)"),
    (lambda: F.group_norm(_x(2, 4, 4), 2, torch.ones(3)), RuntimeError,
     "Expected weight to be a vector of size equal to the number of channels in input, but got "
     "weight of shape [3] and input of shape [2, 4, 4]"),
    (lambda: F.instance_norm(_x(2, 3, 1)), ValueError,
     "Expected more than 1 spatial element when training, got input size torch.Size([2, 3, 1])"),
    (lambda: nn.InstanceNorm1d(3)(_x(2, 3, 4, 5)), ValueError,
     "expected 2D or 3D input (got 4D input)"),
    (lambda: nn.InstanceNorm1d(3, affine=True)(_x(2, 4, 5)), ValueError,
     "expected input's size at dim=1 to match num_features (3), but got: 4."),
    (lambda: F.local_response_norm(_x(2, 3), 2), ValueError,
     "Expected 3D or higher dimensionality                          input (got 2 dimensions)"),
    (lambda: F.pad(_x(1, 2, 4), (4, 1), mode="reflect"), RuntimeError,
     "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
     "padding (4, 1) at dimension 2 of input [1, 2, 4]"),
    (lambda: F.pad(_x(4), (1, 1), mode="reflect"), NotImplementedError,
     "Padding size 2 is not supported for 1D input tensor."),
    (lambda: F.pad(_x(1, 2, 4), (5, 1), mode="circular"), RuntimeError,
     "Padding value causes wrapping around more than once."),
    (lambda: F.interpolate(_x(1, 1, 4), scale_factor=2, mode="bilinear"), NotImplementedError,
     "Got 3D input, but bilinear mode needs 4D input"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), mode="bilinear"), ValueError,
     "either size or scale_factor should be defined"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=3, scale_factor=2), ValueError,
     "only one of size or scale_factor should be defined"),
    (lambda: F.interpolate(_x(1, 1, 4), size=3, align_corners=True), ValueError,
     "align_corners option can only be set with the interpolating modes: linear | bilinear | "
     "bicubic | trilinear"),
    (lambda: F.interpolate(_x(1, 1, 4, 4), size=0), RuntimeError,
     "Input and output sizes should be greater than 0, but got input (H: 4, W: 4) output "
     "(H: 0, W: 0)"),
    (lambda: F.interpolate(_x(4, 4), size=3), NotImplementedError,
     "Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D)"),
    (lambda: F.pixel_shuffle(_x(1, 3, 2, 2), 2), RuntimeError,
     "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
     "upscale_factor, but input.size(-3)=3 is not divisible by 4"),
    (lambda: F.fold(_x(2, 24, 12), (5, 6), (2, 3), padding=1, stride=2), RuntimeError,
     "Given output_size=(5, 6), kernel_size=(2, 3), dilation=(1, 1), padding=(1, 1), "
     "stride=(2, 2), expected size of input's dimension 2 to match the calculated number of "
     "sliding blocks 3 * 3 = 9, but got input.size(2)=12."),
    (lambda: F.glu(_x(2, 3)), RuntimeError,
     "Halving dimension must be even, but dimension 1 is size 3"),
    (lambda: F.prelu(_x(2, 3), torch.ones(2)), RuntimeError,
     "Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and "
     "channel size = 3."),
    (lambda: F.celu(_x(2), alpha=0.0), RuntimeError,
     "ZeroDivisionError: alpha cannot be 0 for CELU"),
    (lambda: F.adaptive_max_pool2d(_x(2, 3, 0, 4), 2), RuntimeError,
     "adaptive_max_pool2d(): Expected input to have non-zero size for non-batch dimensions, but "
     "input has sizes [2, 3, 0, 4] with dimension 2 being empty"),
    (lambda: F.bilinear(_x(3, 2), _x(3, 4), _x(5, 3, 4)), RuntimeError,
     "bilinear(): input1 size does not match weight size: got 2 but expected 3"),
    (lambda: F.embedding_bag(torch.tensor([1, 2]), _x(5, 2), torch.tensor([1])), RuntimeError,
     "offsets[0] has to be 0"),
    (lambda: F.embedding_bag(torch.tensor([1, 7]), _x(5, 2), torch.tensor([0])), IndexError,
     "index out of range in self"),
    (lambda: F.embedding_bag(torch.tensor([1, 2]), _x(5, 2), torch.tensor([0]), mode="max",
                             per_sample_weights=torch.ones(2)), NotImplementedError,
     "per_sample_weights is only supported for mode='sum' (got mode='max')"),
    (lambda: F.cosine_embedding_loss(_x(3, 4), _x(3, 4), torch.ones(())), RuntimeError,
     "0D target tensor expects 1D input tensors, but found inputs with sizes [3, 4] and [3, 4]."),
    (lambda: F.margin_ranking_loss(_x(3), _x(3), _x(3, 1)), RuntimeError,
     "margin_ranking_loss : All input tensors should have same dimension"),
    (lambda: F.triplet_margin_loss(_x(3, 4), _x(3, 4), _x(4)), RuntimeError,
     "The anchor, positive, and negative tensors are expected to have the same number of "
     "dimensions, but got: anchor 2D, positive 2D, and negative 1D inputs"),
    (lambda: F.triplet_margin_loss(_x(3, 4), _x(3, 4), _x(3, 4), margin=0), ValueError,
     "margin must be greater than 0, got 0"),
    (lambda: F.multi_margin_loss(_x(3, 4), torch.tensor([1, 2])), RuntimeError,
     "multi_margin_loss: target tensor should be 1-D with size equal to the number of input "
     "samples (batch size). Expected target size [3], but got [2]. Input has shape [3, 4]."),
    (lambda: F.multi_margin_loss(_x(3, 4), torch.tensor([1, 2, 4])), RuntimeError,
     "target out of range"),
    (lambda: F.multi_margin_loss(_x(3, 4), torch.tensor([1, 2, 3]), p=3), ValueError,
     "only p == 1 and p == 2 supported"),
    (lambda: F.multilabel_margin_loss(_x(3, 4), torch.tensor([1, 2, 3])), RuntimeError,
     "inconsistent target size: [3] for input of size: [3, 4]"),
    (lambda: F.gaussian_nll_loss(_x(3, 4), _x(3, 4), torch.ones(3, 2)), ValueError,
     "var is of incorrect size"),
    (lambda: F.gaussian_nll_loss(_x(3, 4), _x(3, 4), -torch.ones(3, 4)), ValueError,
     "var has negative entry/entries"),
    (lambda: F.poisson_nll_loss(_x(3), _x(3), reduction="foo"), ValueError,
     "foo is not a valid value for reduction"),
    (lambda: F.ctc_loss(_x(5, 2, 4), torch.tensor([[1, 2], [1, 1]]), [5, 5], [2, 2], blank=4),
     RuntimeError, "blank must be in label range"),
    (lambda: F.ctc_loss(_x(5, 2, 4), torch.tensor([[1, 2], [1, 1]]), [6, 5], [2, 2]),
     RuntimeError, "Expected input_lengths to have value at most 5, but got value 6"),
    (lambda: F.ctc_loss(_x(5, 2, 4), torch.tensor([[1, 2], [1, 1]]), [5, 5], [3, 2]),
     RuntimeError, "Expected tensor to have size at least 3 at dimension 1, but got size 2 for "
     "argument #2 'targets'"),
    (lambda: F.ctc_loss(_x(5, 2, 4), torch.tensor([[1, 2], [1, 1]]), [5, 5, 5], [2, 2]),
     RuntimeError, "input_lengths must be of size batch_size"),
    (lambda: F.ctc_loss(_x(5, 2, 4), torch.tensor([[1, 7], [1, 1]]), [5, 5], [2, 2]),
     RuntimeError, "ctc_loss: target labels must be in [0, 4)"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, message", ERRORS, ids=range(len(ERRORS)))
def test_errors_speak_pytorch(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# --- PyTorch as the oracle, where installed ------------------------------------------------

# (name, function of (torch-like module, its functional module, *tensors), input arrays);
# float arrays are differentiated, integer ones are indices
ORACLE = [
    (
        "group_norm",
        lambda m, f, x, w, b: f.group_norm(x, 2, w, b),
        (randn(2, 4, 3), randn(4), randn(4)),
    ),
    ("instance_norm", lambda m, f, x: f.instance_norm(x), (randn(2, 3, 4),)),
    ("local_response_norm", lambda m, f, x: f.local_response_norm(x, 3), (randn(2, 5, 2, 2),)),
    (
        "pad_reflect_3d",
        lambda m, f, x: f.pad(x, (1, 1, 0, 2, 1, 0), mode="reflect"),
        (randn(1, 2, 3, 3, 3),),
    ),
    (
        "bilinear_scale",
        lambda m, f, x: f.interpolate(x, scale_factor=1.7, mode="bilinear"),
        (randn(1, 2, 3, 4),),
    ),
    (
        "trilinear_corners",
        lambda m, f, x: f.interpolate(x, size=(2, 3, 4), mode="trilinear", align_corners=True),
        (randn(1, 1, 3, 2, 3),),
    ),
    (
        "nearest_exact",
        lambda m, f, x: f.interpolate(x, scale_factor=0.6, mode="nearest-exact"),
        (randn(1, 1, 5, 7),),
    ),
    ("fold", lambda m, f, c: f.fold(c, (4, 5), 2, padding=1, stride=2), (randn(2, 8, 9),)),
    ("prelu", lambda m, f, x, w: f.prelu(x, w), (randn(2, 3, 2), randn(3))),
    ("adaptive_max_pool2d", lambda m, f, x: f.adaptive_max_pool2d(x, (2, 3)), (randn(1, 2, 5, 7),)),
    ("lp_pool2d", lambda m, f, x: f.lp_pool2d(x, 2.0, 2, 1), (randn(1, 1, 3, 4),)),
    (
        "bilinear",
        lambda m, f, a, b, w: f.bilinear(a, b, w),
        (randn(3, 2), randn(3, 4), randn(2, 2, 4)),
    ),
    (
        "embedding_bag_mean",
        lambda m, f, w, i, o: f.embedding_bag(i, w, o, padding_idx=1),
        (randn(6, 2), np.array([1, 2, 1, 5, 0]), np.array([0, 1, 3])),
    ),
    (
        "cosine_embedding",
        lambda m, f, a, b: f.cosine_embedding_loss(a, b, m.tensor([1.0, -1.0, -1.0])),
        (randn(3, 4), randn(3, 4)),
    ),
    (
        "multilabel_margin",
        lambda m, f, x: f.multilabel_margin_loss(x, m.tensor([[2, 0, -1], [1, -1, 0]])),
        (randn(2, 3),),
    ),
    (
        "poisson_full",
        lambda m, f, x: f.poisson_nll_loss(x, m.tensor([[0.0, 1.0, 2.0, 5.0]] * 3), full=True),
        (randn(3, 4),),
    ),
    (
        "ctc",
        lambda m, f, x: f.ctc_loss(
            x.log_softmax(2), m.tensor([[1, 2, 2], [3, 1, 0]]), [6, 5], [3, 2]
        ),
        (randn(6, 2, 4),),
    ),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, function, arrays", ORACLE, ids=[c[0] for c in ORACLE])
def test_values_and_gradients_match_pytorch(name, function, arrays):
    pytorch = pytest.importorskip("torch")
    results = []
    for module, functional in ((pytorch, pytorch.nn.functional), (torch, F)):
        inputs = [
            module.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
            for a in arrays
        ]
        out = function(module, functional, *inputs)
        out.backward(module.ones_like(out))
        grads = [t.grad.numpy() for t in inputs if t.dtype.is_floating_point]
        results.append((out.detach().numpy(), grads))
    (expected, expected_grads), (actual, actual_grads) = results
    np.testing.assert_allclose(actual, expected, rtol=1e-9, atol=1e-10)
    for got, want in zip(actual_grads, expected_grads):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)
