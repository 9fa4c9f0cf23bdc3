"""The 3-D volume layers of issue 15 (conv3d and its transpose, max/avg/adaptive pooling over
volumes, BatchNorm3d) and its unpooling, channel shuffle and alpha dropout: values against
numpy references, gradients by gradcheck in float64, their kernels (the 2-D ones grown a
depth) on each device, modules as PyTorch's, and PyTorch's errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck

RNG = np.random.default_rng(0)


def randn(*shape) -> np.ndarray:
    return RNG.standard_normal(shape)


def t64(a, grad: bool = False, device: str = "cpu"):
    return torch.tensor(np.asarray(a, np.float64), device=device, requires_grad=grad)


def close(actual, expected, tol: float = 1e-10) -> None:
    value = actual.detach().cpu().numpy() if isinstance(actual, torch.Tensor) else actual
    np.testing.assert_allclose(value, expected, rtol=tol, atol=tol)


# --- numpy references ----------------------------------------------------------------------


def np_conv3d(x, w, b=None, stride=(1, 1, 1), padding=(0, 0, 0), dilation=(1, 1, 1), groups=1):
    """Direct convolution: a sum over kernel taps of strided slices of the zero-padded x."""
    n, c = x.shape[:2]
    oc, cg, *kernel = w.shape
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])
    out_sizes = [
        (x.shape[2 + i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
        for i in range(3)
    ]
    out = np.zeros((n, oc, *out_sizes))
    ocg = oc // groups
    for g in range(groups):
        xs = xp[:, g * cg : (g + 1) * cg]
        for q, i, j in itertools.product(*(range(k) for k in kernel)):
            at = [t * d for t, d in zip((q, i, j), dilation)]
            patch = xs[
                :,
                :,
                at[0] : at[0] + stride[0] * out_sizes[0] : stride[0],
                at[1] : at[1] + stride[1] * out_sizes[1] : stride[1],
                at[2] : at[2] + stride[2] * out_sizes[2] : stride[2],
            ]
            out[:, g * ocg : (g + 1) * ocg] += np.einsum(
                "oc,ncdhw->nodhw", w[g * ocg : (g + 1) * ocg, :, q, i, j], patch
            )
    if b is not None:
        out += b[None, :, None, None, None]
    return out


def np_pool_output(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def np_max_pool3d(x, kernel, stride, padding, dilation=(1, 1, 1), ceil_mode=False):
    """Values and PyTorch's flat indices (the first maximum) of max pooling, window by
    window."""
    n, c, *size = x.shape
    outs = [np_pool_output(size[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
            for i in range(3)]  # fmt: skip
    values = np.zeros((n, c, *outs))
    indices = np.zeros((n, c, *outs), np.int64)
    for b, ch, t, y, z in itertools.product(range(n), range(c), *map(range, outs)):
        best, where = -np.inf, None
        for q, i, j in itertools.product(*map(range, kernel)):
            at = [o * s - p + k * d for o, s, p, k, d in
                  zip((t, y, z), stride, padding, (q, i, j), dilation)]  # fmt: skip
            if all(0 <= a < m for a, m in zip(at, size)):
                v = x[b, ch, at[0], at[1], at[2]]
                if where is None or v > best:
                    best, where = v, (at[0] * size[1] + at[1]) * size[2] + at[2]
        values[b, ch, t, y, z], indices[b, ch, t, y, z] = best, where
    return values, indices


def np_avg_pool3d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    n, c, *size = x.shape
    outs = [np_pool_output(size[i], kernel[i], stride[i], padding[i], 1, ceil_mode)
            for i in range(3)]  # fmt: skip
    out = np.zeros((n, c, *outs))
    for t, y, z in itertools.product(*map(range, outs)):
        starts = [o * s - p for o, s, p in zip((t, y, z), stride, padding)]
        ends = [min(a + k, m + p) for a, k, m, p in zip(starts, kernel, size, padding)]
        padded = np.prod([e - a for a, e in zip(starts, ends)])
        lo = [max(a, 0) for a in starts]
        hi = [min(e, m) for e, m in zip(ends, size)]
        window = x[:, :, lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]]
        inside = np.prod([h - a for a, h in zip(lo, hi)])
        divisor = divisor_override or (padded if count_include_pad else inside)
        out[:, :, t, y, z] = window.sum(axis=(2, 3, 4)) / divisor
    return out


def np_adaptive_pool3d(x, outs, reduce):
    """reduce(window) over PyTorch's adaptive windows [floor(i*n/o), ceil((i+1)*n/o))."""
    n, c, *size = x.shape
    out = np.zeros((n, c, *outs))
    for t, y, z in itertools.product(*map(range, outs)):
        lo = [o * m // k for o, m, k in zip((t, y, z), size, outs)]
        hi = [-(-(o + 1) * m // k) for o, m, k in zip((t, y, z), size, outs)]
        window = x[:, :, lo[0] : hi[0], lo[1] : hi[1], lo[2] : hi[2]]
        out[:, :, t, y, z] = reduce(window.reshape(n, c, -1), axis=2)
    return out


# --- conv3d and conv_transpose3d -------------------------------------------------------------


def test_conv3d_matches_numpy_with_groups_stride_padding_and_dilation():
    x, w, b = randn(2, 4, 5, 6, 5), randn(6, 2, 2, 3, 2), randn(6)
    geometry = dict(stride=(1, 2, 1), padding=(1, 0, 2), dilation=(2, 1, 1), groups=2)
    out = F.conv3d(t64(x), t64(w), t64(b), **geometry)
    close(out, np_conv3d(x, w, b, **geometry))


def test_conv3d_same_and_valid_padding_and_an_unbatched_input():
    x, w = randn(3, 4, 5, 4), randn(2, 3, 2, 3, 2)
    same = F.conv3d(t64(x), t64(w), padding="same")
    # PyTorch pads an even kernel's extra row on the far side
    padded = np.pad(x, [(0, 0), (0, 1), (1, 1), (0, 1)])
    close(same, np_conv3d(padded[None], w)[0])
    close(F.conv3d(t64(x), t64(w), padding="valid"), np_conv3d(x[None], w)[0])


def test_conv3d_gradients():
    x, w, b = t64(randn(1, 2, 3, 3, 2), True), t64(randn(2, 1, 2, 2, 1), True), t64(randn(2), True)
    assert gradcheck(lambda *a: F.conv3d(*a, stride=(1, 2, 1), padding=1, groups=2), (x, w, b))


def test_conv_transpose3d_is_the_adjoint_of_conv3d():
    # <conv3d(y, w), x> == <y, conv_transpose3d(x, w)> for every y of the output's shape
    x, w = randn(2, 4, 3, 2, 3), randn(4, 3, 2, 3, 2)
    geometry = dict(stride=(2, 1, 2), padding=(0, 1, 1), groups=2, dilation=(1, 2, 1))
    out = F.conv_transpose3d(t64(x), t64(w), output_padding=(1, 0, 1), **geometry)
    assert out.shape == (2, 6, 7, 4, 5)
    y = randn(*out.shape)
    forward = np_conv3d(y, w, **geometry)
    np.testing.assert_allclose((forward * x).sum(), (y * out.numpy()).sum(), rtol=1e-10)
    with_bias = F.conv_transpose3d(t64(x), t64(w), t64(np.arange(6.0)), output_padding=(1, 0, 1),
                                   **geometry)  # fmt: skip
    close(with_bias, out.numpy() + np.arange(6.0)[None, :, None, None, None])


def test_conv_transpose3d_gradients():
    x, w, b = t64(randn(1, 2, 2, 2, 2), True), t64(randn(2, 1, 2, 1, 2), True), t64(randn(1), True)
    assert gradcheck(lambda *a: F.conv_transpose3d(*a, stride=2, output_padding=1), (x, w, b))


def test_conv3d_and_its_transpose_run_on_each_device(device):
    x, w, b = randn(1, 2, 3, 3, 3), randn(2, 2, 2, 2, 2), randn(2)
    xt, wt, bt = t64(x, True, device), t64(w, True, device), t64(b, True, device)
    out = F.conv3d(xt, wt, bt, padding=(1, 0, 0))
    close(out, np_conv3d(x, w, b, padding=(1, 0, 0)))
    out.sum().backward()
    cpu = [t64(a, True) for a in (x, w, b)]
    F.conv3d(*cpu, padding=(1, 0, 0)).sum().backward()
    for grad, expected in zip((xt.grad, wt.grad, bt.grad), cpu):
        close(grad, expected.grad.numpy())
    transposed = F.conv_transpose3d(t64(x, device=device), t64(w, device=device), stride=2)
    close(transposed, F.conv_transpose3d(t64(x), t64(w), stride=2).numpy())


def test_conv3d_modules():
    conv = nn.Conv3d(2, 4, (1, 2, 3), stride=2, padding=1, groups=2, bias=False)
    assert conv.weight.shape == (4, 1, 1, 2, 3)
    assert repr(conv) == (
        "Conv3d(2, 4, kernel_size=(1, 2, 3), stride=(2, 2, 2), padding=(1, 1, 1), groups=2, "
        "bias=False)"
    )
    x = randn(1, 2, 3, 4, 5)
    close(conv(t64(x).float()), np_conv3d(x, conv.weight.detach().double().numpy(), None,
                                          (2, 2, 2), (1, 1, 1), groups=2), 1e-5)  # fmt: skip
    circular = nn.Conv3d(1, 1, 3, padding=1, padding_mode="circular", dtype=torch.float64)
    wrapped = np.pad(x[:, :1], [(0, 0), (0, 0), (1, 1), (1, 1), (1, 1)], mode="wrap")
    close(circular(t64(x[:, :1])), np_conv3d(wrapped, circular.weight.detach().numpy(),
                                             circular.bias.detach().numpy()))  # fmt: skip
    up = nn.ConvTranspose3d(2, 3, 2, stride=2)
    assert up(torch.randn(1, 2, 2, 3, 2), output_size=(5, 7, 5)).shape == (1, 3, 5, 7, 5)
    assert repr(up) == "ConvTranspose3d(2, 3, kernel_size=(2, 2, 2), stride=(2, 2, 2))"


# --- pooling -------------------------------------------------------------------------------


def test_max_pool3d_values_and_indices_match_numpy():
    x = randn(2, 3, 5, 6, 5)
    geometry = ((2, 3, 2), (1, 2, 1), (1, 1, 0), (2, 1, 1), True)
    out, indices = F.max_pool3d(t64(x), *geometry, return_indices=True)
    ref, ref_indices = np_max_pool3d(x, *geometry)
    close(out, ref)
    assert indices.dtype == torch.int64
    np.testing.assert_array_equal(indices.numpy(), ref_indices)
    # the 2x2x2 window at stride 2 (depth 1 per output is the 2-D fast path's shape)
    out, indices = F.max_pool3d_with_indices(t64(x), 2)
    ref, ref_indices = np_max_pool3d(x, (2, 2, 2), (2, 2, 2), (0, 0, 0))
    close(out, ref)
    np.testing.assert_array_equal(indices.numpy(), ref_indices)


@settings(max_examples=15, deadline=None)
@given(
    kernel=st.tuples(*[st.integers(1, 3)] * 3),
    stride=st.tuples(*[st.integers(1, 3)] * 3),
    dilation=st.tuples(*[st.integers(1, 2)] * 3),
    ceil_mode=st.booleans(),
    data=st.data(),
)
def test_max_pool3d_geometry_matches_numpy(kernel, stride, dilation, ceil_mode, data):
    padding = tuple(data.draw(st.integers(0, ((k - 1) * d + 1) // 2))
                    for k, d in zip(kernel, dilation))  # fmt: skip
    x = randn(1, 1, 4, 5, 4)
    if any(np_pool_output(n, k, s, p, d, ceil_mode) < 1 for n, k, s, p, d in
           zip(x.shape[2:], kernel, stride, padding, dilation)):  # fmt: skip
        return
    out, indices = F.max_pool3d(t64(x), kernel, stride, padding, dilation, ceil_mode, True)
    ref, ref_indices = np_max_pool3d(x, kernel, stride, padding, dilation, ceil_mode)
    close(out, ref)
    np.testing.assert_array_equal(indices.numpy(), ref_indices)


@pytest.mark.parametrize(
    "geometry",
    [
        ((2, 2, 2), (2, 2, 2), (0, 0, 0), False, True, None),
        ((3, 2, 3), (2, 1, 2), (1, 1, 1), True, False, None),
        ((3, 2, 3), (2, 1, 2), (1, 0, 1), True, True, None),
        ((3, 2, 3), (2, 2, 2), (1, 1, 1), False, True, 5),
    ],
)
def test_avg_pool3d_matches_numpy_with_pytorchs_divisors(geometry):
    x = randn(1, 2, 5, 6, 5)
    close(F.avg_pool3d(t64(x), *geometry), np_avg_pool3d(x, *geometry))


def test_adaptive_pool3d_match_numpy():
    x = randn(2, 3, 5, 5, 7)
    close(F.adaptive_avg_pool3d(t64(x), (3, 2, 4)), np_adaptive_pool3d(x, (3, 2, 4), np.mean))
    close(F.adaptive_avg_pool3d(t64(x), (None, 1, 4)), np_adaptive_pool3d(x, (5, 1, 4), np.mean))
    out, indices = F.adaptive_max_pool3d(t64(x), (3, 2, 4), return_indices=True)
    close(out, np_adaptive_pool3d(x, (3, 2, 4), np.max))
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(
        np.take_along_axis(flat, indices.numpy().reshape(2, 3, -1), 2),
        out.numpy().reshape(2, 3, -1),
    )


def test_lp_pool3d_is_the_p_norm_of_each_window():
    x = np.abs(randn(1, 2, 5, 4, 6)) + 0.1
    out = nn.LPPool3d(3, (3, 2, 2), stride=(2, 1, 2), ceil_mode=True)(t64(x))
    sums = np_avg_pool3d(x**3, (3, 2, 2), (2, 1, 2), (0, 0, 0), True, True, None) * 12
    close(out, sums ** (1 / 3))
    assert (
        repr(nn.LPPool3d(2, 3))
        == "LPPool3d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    )


def test_pool3d_gradients():
    x = t64(randn(1, 2, 3, 4, 3), True)
    assert gradcheck(lambda a: F.max_pool3d(a, 2, 1, 1), (x,))
    assert gradcheck(lambda a: F.avg_pool3d(a, (2, 3, 2), 2, 1, True, False), (x,))
    assert gradcheck(lambda a: F.avg_pool3d(a, 2, divisor_override=3), (x,))
    assert gradcheck(lambda a: F.adaptive_avg_pool3d(a, (2, 3, 2)), (x,))
    assert gradcheck(lambda a: F.adaptive_max_pool3d(a, (2, 3, 2)), (x,))


def test_pool3d_kernels_run_on_each_device(device):
    x = randn(1, 2, 3, 4, 3)
    for fn in (
        lambda a: F.max_pool3d(a, 2, 1, 1, return_indices=True),
        lambda a: F.avg_pool3d(a, 2, 1, 1, count_include_pad=False),
        lambda a: F.adaptive_avg_pool3d(a, (2, 3, 2)),
        lambda a: F.adaptive_max_pool3d(a, (2, 3, 2), return_indices=True),
    ):
        xt, xc = t64(x, True, device), t64(x, True)
        out, ref = fn(xt), fn(xc)
        if isinstance(out, tuple):
            np.testing.assert_array_equal(out[1].cpu().numpy(), ref[1].numpy())
            out, ref = out[0], ref[0]
        close(out, ref.detach().numpy())
        out.sum().backward()
        ref.sum().backward()
        close(xt.grad, xc.grad.numpy())


def test_pool3d_unbatched_inputs_names_and_modules():
    x = randn(2, 4, 4, 4)
    out, indices = nn.MaxPool3d(2, return_indices=True)(t64(x))
    ref, ref_indices = np_max_pool3d(x[None], (2, 2, 2), (2, 2, 2), (0, 0, 0))
    close(out, ref[0])
    np.testing.assert_array_equal(indices.numpy(), ref_indices[0])
    assert nn.AvgPool3d(2)(t64(x)).shape == (2, 2, 2, 2)
    assert nn.AdaptiveAvgPool3d(1)(t64(x)).shape == (2, 1, 1, 1)
    assert nn.AdaptiveMaxPool3d((2, None, 1))(t64(x)).shape == (2, 2, 4, 1)
    assert torch.max_pool3d(t64(x), 2).shape == (2, 2, 2, 2)
    grad = t64(x[None], True)
    names = [
        F.max_pool3d(grad, 2).grad_fn.name(),
        F.avg_pool3d(grad, 2).grad_fn.name(),
        F.adaptive_avg_pool3d(grad, 2).grad_fn.name(),
        F.adaptive_max_pool3d(grad, 2).grad_fn.name(),
    ]
    assert names == [
        "MaxPool3DWithIndicesBackward0",
        "AvgPool3DBackward0",
        "AdaptiveAvgPool3DBackward0",
        "AdaptiveMaxPool3DBackward0",
    ]
    assert repr(nn.MaxPool3d(2)) == (
        "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool3d(2)) == "AvgPool3d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveMaxPool3d((2, None, 3))) == "AdaptiveMaxPool3d(output_size=(2, None, 3))"


def test_batch_norm3d_normalises_each_channel_over_batch_and_volume():
    x = randn(2, 3, 2, 3, 2)
    bn = nn.BatchNorm3d(3, dtype=torch.float64)
    mean, var = x.mean(axis=(0, 2, 3, 4)), x.var(axis=(0, 2, 3, 4))
    expected = (x - mean[None, :, None, None, None]) / np.sqrt(
        var[None, :, None, None, None] + 1e-5
    )
    close(bn(t64(x)), expected, 1e-8)
    close(bn.running_var, 0.9 + 0.1 * x.var(axis=(0, 2, 3, 4), ddof=1), 1e-12)
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        bn(t64(x[0]))


# --- unpooling, channel shuffle, alpha dropout ----------------------------------------------


def np_unpool(x, indices, sizes):
    """Each value of x put at its flat index in zero (N, C, *sizes) planes."""
    n, c = x.shape[:2]
    out = np.zeros((n, c, int(np.prod(sizes))))
    for b, ch in itertools.product(range(n), range(c)):
        out[b, ch, indices[b, ch].reshape(-1)] = x[b, ch].reshape(-1)
    return out.reshape(n, c, *sizes)


def test_max_unpool3d_inverts_max_pool3d(device):
    x = randn(1, 2, 4, 4, 3)
    out, indices = F.max_pool3d(t64(x), 2, return_indices=True)
    values = t64(out.numpy(), True, device)
    restored = F.max_unpool3d(values, indices.to(device), 2, output_size=(5, 5, 3))
    assert restored.grad_fn.name() == "MaxUnpool3DBackward0"
    close(restored, np_unpool(out.numpy(), indices.numpy(), (5, 5, 3)))
    restored.backward(t64(np.arange(150.0).reshape(1, 2, 5, 5, 3), device=device))
    flat = np.arange(150.0).reshape(1, 2, -1)
    close(values.grad, np.take_along_axis(flat, indices.numpy().reshape(1, 2, -1), 2)
          .reshape(out.shape))  # fmt: skip
    unbatched = nn.MaxUnpool3d(2)(out[0], indices[0], output_size=(4, 4, 3))
    close(unbatched, (x * (np_unpool(out.numpy(), indices.numpy(), (4, 4, 3)) != 0))[0])
    assert repr(nn.MaxUnpool3d((2, 1, 2), stride=1)) == (
        "MaxUnpool3d(kernel_size=(2, 1, 2), stride=(1, 1, 1), padding=(0, 0, 0))"
    )


def test_max_pool1d_with_indices_and_max_unpool1d():
    x = randn(2, 3, 7)
    out, indices = F.max_pool1d_with_indices(t64(x), 3, 2, 1)
    same, same_indices = F.max_pool1d(t64(x), 3, 2, 1, return_indices=True)
    close(out, same.numpy())
    np.testing.assert_array_equal(indices.numpy(), same_indices.numpy())
    assert torch.max_pool1d_with_indices(t64(x), 3)[1].shape == (2, 3, 2)
    restored = nn.MaxUnpool1d(3, 2, 1)(out, indices, output_size=(8,))
    close(restored, np_unpool(out.numpy(), indices.numpy(), (8,)))
    assert repr(nn.MaxUnpool1d(2)) == "MaxUnpool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    # distinct indices (windows that do not overlap): a repeated one keeps one value only
    out, indices = F.max_pool1d(t64(x), 2, return_indices=True)
    assert gradcheck(lambda a: F.max_unpool1d(a, indices, 2), (t64(out.numpy(), True),))


def test_channel_shuffle_interleaves_the_groups():
    x = randn(2, 6, 2, 3)
    expected = x.reshape(2, 2, 3, 2, 3).transpose(0, 2, 1, 3, 4).reshape(x.shape)
    out = F.channel_shuffle(t64(x, True), 2)
    close(out, expected)
    assert out.grad_fn.name() == "ChannelShuffleBackward0"
    close(torch.channel_shuffle(t64(x), 3), x.reshape(2, 3, 2, 2, 3).transpose(0, 2, 1, 3, 4)
          .reshape(x.shape))  # fmt: skip
    assert gradcheck(lambda a: F.channel_shuffle(a, 3), (t64(randn(1, 6, 2), True),))
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    alpha, p = 1.7580993408473766, 0.3
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    x = torch.randn(20_000, dtype=torch.float64)
    out = F.alpha_dropout(x, p, training=True).numpy()
    kept = np.isclose(out, a * x.numpy() + alpha * a * p)
    np.testing.assert_allclose(out[~kept], alpha * a * (p - 1))
    # 20,000 draws: the standard errors of these are below 0.01
    assert abs(kept.mean() - (1 - p)) < 0.03
    assert abs(out.mean()) < 0.03 and abs(out.std() - 1) < 0.03
    assert F.alpha_dropout(x, p) is x and nn.AlphaDropout(p).eval()(x) is x
    assert repr(nn.AlphaDropout(0.2)) == "AlphaDropout(p=0.2, inplace=False)"


def test_feature_alpha_dropout_drops_whole_channels():
    x = torch.randn(8, 6, 5, dtype=torch.float64)
    out = nn.FeatureAlphaDropout(0.5)(x).numpy()
    alpha = 1.7580993408473766
    dropped = alpha / np.sqrt((alpha**2 * 0.5 + 1) * 0.5) * -0.5
    per_channel = np.isclose(out, dropped).all(axis=2)
    assert per_channel.any() and not per_channel.all()
    assert not np.isclose(out[~per_channel], dropped).any()


# --- PyTorch's errors ----------------------------------------------------------------------


def _w():
    return torch.zeros(2, 3, 2, 2, 2)


ERRORS = [
    (lambda: F.max_pool3d(torch.zeros(3, 4, 4), 2),
     "non-empty 4D or 5D (batch mode) tensor expected for input"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 0, stride=1),
     "kernel size should be greater than zero, but got kT: 0 kH: 0 kW: 0"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, stride=(1, 0, 1)),
     "stride should not be zero"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, stride=(1, -1, 1)),
     "stride should be greater than zero, but got dT: 1 dH: -1 dW: 1"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, dilation=(1, 0, 1)),
     "dilation should be greater than zero, but got dilationT: 1 dilationH: 0 dilationW: 1"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, stride=(1, 1)),
     "max_pool3d: stride must either be omitted, a single int, or a tuple of three ints"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, padding=2),
     "pad should be at most half of effective kernel size, but got pad=2, kernel_size=2 and "
     "dilation=1"),
    (lambda: F.max_pool3d(torch.zeros(1, 2, 1, 4, 4), (1, 5, 2)),
     "Given input size: (2x1x4x4). Calculated output size: (2x1x0x2). Output size is too small"),
    (lambda: F.max_pool3d(torch.zeros(2, 0, 4, 4, 4), 2),
     "max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions to have "
     "positive length, but input has a shape of [2, 0, 4, 4, 4] and non-batch dimension 0 has "
     "length zero!"),
    (lambda: F.avg_pool3d(torch.zeros(1, 2, 4, 4, 4), (2, 2)),
     "avg_pool3d: kernel_size must be a single int, or a tuple of three ints"),
    (lambda: F.avg_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, padding=-1),
     "pad must be non-negative, but got pad: -1"),
    (lambda: F.avg_pool3d(torch.zeros(1, 2, 3, 4, 4), 4, padding=2),
     "input image (T: 3 H: 4 W: 4) smaller than kernel size (kT: 4 kH: 4 kW: 4)"),
    (lambda: F.avg_pool3d(torch.zeros(1, 2, 4, 4, 4), 2, divisor_override=0),
     "divisor must be not zero"),
    (lambda: F.adaptive_avg_pool3d(torch.zeros(3, 4), 2),
     "adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got [3, 4]"),
    (lambda: F.adaptive_avg_pool3d(torch.zeros(1, 3, 4, 4, 4), (2, 2)),
     "adaptive_avg_pool3d: output_size must be 3"),
    (lambda: F.adaptive_avg_pool3d(torch.zeros(1, 3, 4, 4, 4), (2, -1, 2)),
     "adaptive_avg_pool3d: elements of output_size must be greater than or equal to 0 but "
     "received {2, -1,2}"),
    (lambda: F.adaptive_max_pool3d(torch.zeros(3, 4), 2),
     "adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: [3, 4]"),
    (lambda: F.adaptive_max_pool3d(torch.zeros(1, 3, 0, 4, 4), 2),
     "adaptive_max_pool3d(): Expected input to have non-zero size for non-batch dimensions, but "
     "input has sizes [1, 3, 0, 4, 4] with dimension 2 being empty"),
    (lambda: F.conv3d(torch.zeros(1, 3, 4, 4, 4, 4), _w()),
     "Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: "
     "[1, 3, 4, 4, 4, 4]"),
    (lambda: F.conv3d(torch.zeros(1, 3, 4, 4), _w()),
     "Given groups=1, weight of size [2, 3, 2, 2, 2], expected input[1, 1, 3, 4, 4] to have 3 "
     "channels, but got 1 channels instead"),
    (lambda: F.conv3d(torch.zeros(1, 3, 1, 4, 4), _w()),
     "Calculated padded input size per channel: (1 x 4 x 4). Kernel size: (2 x 2 x 2). Kernel "
     "size can't be greater than actual input size"),
    (lambda: F.conv3d(torch.zeros(1, 3, 4, 4, 4), _w(), stride=(1, 2)),
     "expected stride to be a single integer value or a list of 3 values to match the "
     "convolution dimensions, but got stride=[1, 2]"),
    (lambda: F.conv3d(torch.zeros(1, 3, 4, 4, 4), _w(), padding="same", stride=2),
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv_transpose3d(torch.zeros(1, 2, 4, 4, 4), _w(), output_padding=1),
     "output padding must be smaller than either stride or dilation, but got "
     "output_padding_depth: 1 output_padding_height: 1 output_padding_width: 1 stride_depth: 1 "
     "stride_height: 1 stride_width: 1 dilation_depth: 1 dilation_height: 1 dilation_width: 1"),
    (lambda: F.conv_transpose1d(torch.zeros(1, 2, 4), torch.zeros(2, 3, 2), output_padding=1),
     "output padding must be smaller than either stride or dilation, but got "
     "output_padding_height: 0 output_padding_width: 1 stride_height: 1 stride_width: 1 "
     "dilation_height: 1 dilation_width: 1"),
    (lambda: F.max_unpool3d(torch.zeros(1, 2, 2, 2, 2), torch.zeros(1, 2, 2, 2, 2).int(), 2),
     "elements in indices should be type int64"),
    (lambda: F.max_unpool3d(torch.zeros(2, 2, 2), torch.zeros(2, 2, 2).long(), 2),
     "Input to max_unpooling3d should be a 4d or 5d Tensor, but got a tensor with 3 dimensions."),
    (lambda: F.max_unpool3d(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2).long(), (2, 2)),
     "There should be exactly three elements (depth, height, width) in output_size, but got 2 "
     "elements."),
    (lambda: F.max_unpool3d(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2).long(), 2, 0),
     "strides should be greater than zero, but got stride: [0, 0, 0]"),
    (lambda: F.max_unpool3d(torch.zeros(1, 1, 1, 1), torch.tensor([[[[-3]]]]), 2),
     "Found an invalid max index: -3 (output volumes are of size 2x2x2)"),
    (lambda: F.max_unpool1d(torch.zeros(2, 3), torch.tensor([[0, 2, 9], [1, 3, 5]]), 2),
     "Found an invalid max index: 9 (output volumes are of size 6x1)"),
    (lambda: F.max_unpool1d(torch.zeros(3), torch.zeros(3).long(), 2),
     "Input to max_unpooling2d should be a 3d or 4d Tensor, but got a tensor with 2 dimensions."),
    (lambda: F.channel_shuffle(torch.zeros(2, 6), 2),
     "channel_shuffle expects input with > 2 dims, but got input with sizes [2, 6]"),
    (lambda: F.channel_shuffle(torch.zeros(2, 6, 3), 0),
     "Number of groups to divide channels in must be positive. Value of groups:0"),
    (lambda: F.channel_shuffle(torch.zeros(2, 5, 3), 2),
     "Number of channels must be divisible by groups. Got 5 channels and 2 groups."),
    (lambda: F.feature_alpha_dropout(torch.zeros(3), 0.5, True),
     "Feature dropout requires at least 2 dimensions in the input"),
    (lambda: torch.alpha_dropout(torch.zeros(3), 1.5, False),
     "dropout probability has to be between 0 and 1, but got 1.5"),
]  # fmt: skip


@pytest.mark.parametrize("call, message", ERRORS)
def test_volume_layers_raise_pytorchs_errors(call, message):
    with pytest.raises(RuntimeError) as raised:
        call()
    assert str(raised.value) == message
