"""The CPU pooling kernels against plain numpy references written from PyTorch's rules;
backward kernels against a scatter reference or the adjoint identity."""

import numpy as np
import pytest
from numbatorch.kernels.contract import Window
from numbatorch.kernels.cpu import pool

DTYPES = [np.float32, np.float64]

# (kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode)
MAX_CASES = {
    "plain": (2, 2, 2, 2, 0, 0, 1, 1, False),  # the kernel's spelled-out 2x2 path
    "plain_ceil": (2, 2, 2, 2, 0, 0, 1, 1, True),  # a last, partial window: the general path
    "overlapping_padded": (3, 3, 1, 1, 1, 1, 1, 1, False),
    "stride2_ceil": (3, 3, 2, 2, 1, 1, 1, 1, True),
    "dilation2": (2, 3, 1, 2, 1, 0, 2, 1, False),
    "ceil_drops_window_in_padding": (3, 2, 3, 3, 1, 1, 1, 1, True),
}
# (kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad, divisor_override)
AVG_CASES = {
    "plain": (2, 2, 2, 2, 0, 0, False, True, 0),
    "padded_include_pad": (3, 3, 2, 2, 1, 1, False, True, 0),
    "padded_exclude_pad": (3, 3, 2, 2, 1, 1, False, False, 0),
    "ceil_include_pad": (3, 3, 2, 2, 1, 1, True, True, 0),
    "ceil_exclude_pad": (2, 3, 3, 2, 1, 1, True, False, 0),
    "divisor_override": (3, 2, 2, 1, 1, 0, False, True, 5),
    "ceil_window_past_input": (3, 3, 2, 2, 0, 0, True, True, 0),
}
SHAPE = (2, 3, 7, 8)


def _input(dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(SHAPE).astype(dtype)


def _sizes(h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode):
    return (pool.pool_output_size(h, kh, sh, ph, dh, ceil_mode),
            pool.pool_output_size(w, kw, sw, pw, dw, ceil_mode))  # fmt: skip


def test_pool_output_size_follows_pytorch():
    assert pool.pool_output_size(8, 2, 2, 0, 1, False) == 4
    assert pool.pool_output_size(7, 2, 2, 0, 1, False) == 3
    assert pool.pool_output_size(7, 2, 2, 0, 1, True) == 4
    assert pool.pool_output_size(7, 3, 2, 1, 2, False) == 3


def test_pool_output_size_ceil_mode_drops_a_window_starting_in_right_padding():
    # without the rule ceil would give 3, but window 2 would start at 5 = size + padding
    assert pool.pool_output_size(5, 3, 3, 1, 1, True) == 2
    assert pool.pool_output_size(5, 3, 3, 1, 1, False) == 2


def _reference_max_pool(x, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode):
    n, c, h, w = x.shape
    oh, ow = _sizes(h, w, kh, kw, sh, sw, ph, pw, dh, dw, ceil_mode)
    out = np.empty((n, c, oh, ow), x.dtype)
    indices = np.empty((n, c, oh, ow), np.int64)
    for y in range(oh):
        for z in range(ow):
            rows = [y * sh - ph + i * dh for i in range(kh)]
            cols = [z * sw - pw + j * dw for j in range(kw)]
            flat = [r * w + q for r in rows if 0 <= r < h for q in cols if 0 <= q < w]
            window = x.reshape(n, c, h * w)[:, :, flat]
            best = window.argmax(axis=2)
            out[:, :, y, z] = np.take_along_axis(window, best[..., None], 2)[..., 0]
            indices[:, :, y, z] = np.array(flat)[best]
    return out, indices


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(MAX_CASES))
def test_max_pool2d_forward_gives_maxima_and_flat_indices(dtype, name):
    case = MAX_CASES[name]
    x = _input(dtype)
    expected_out, expected_indices = _reference_max_pool(x, *case)
    out = np.full(expected_out.shape, np.nan, dtype)
    indices = np.full(expected_out.shape, -1, np.int64)
    pool.max_pool2d_forward(x, Window(*case[:8]), out, indices)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(indices, expected_indices)


@pytest.mark.parametrize("name", ["plain", "overlapping_padded"])
def test_max_pool2d_forward_indices_take_the_first_of_equal_maxima(name):
    case = MAX_CASES[name]
    x = np.random.default_rng(3).integers(-1, 2, SHAPE).astype(np.float32)  # many ties
    expected_out, expected_indices = _reference_max_pool(x, *case)
    out = np.empty(expected_out.shape, np.float32)
    indices = np.empty(expected_out.shape, np.int64)
    pool.max_pool2d_forward(x, Window(*case[:8]), out, indices)
    np.testing.assert_array_equal(out, expected_out)
    np.testing.assert_array_equal(indices, expected_indices)


def test_max_pool2d_forward_propagates_nan():
    x = _input(np.float64)
    x[0, 1, 2, 3] = np.nan
    out = np.empty((2, 3, 3, 4))
    indices = np.empty((2, 3, 3, 4), np.int64)
    pool.max_pool2d_forward(x, Window(2, 2, 2, 2, 0, 0), out, indices)
    assert np.isnan(out[0, 1, 1, 1])
    assert indices[0, 1, 1, 1] == 2 * 8 + 3
    assert np.isnan(out).sum() == 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["plain", "overlapping_padded", "dilation2"])
def test_max_pool2d_backward_scatters_into_argmax_positions(dtype, name):
    case = MAX_CASES[name]
    x = _input(dtype)
    _, indices = _reference_max_pool(x, *case)
    grad_out = np.random.default_rng(1).standard_normal(indices.shape).astype(dtype)
    expected = np.zeros((6, 7 * 8))
    for plane in range(6):  # overlapping windows sharing a maximum add up
        np.add.at(expected[plane], indices.reshape(6, -1)[plane], grad_out.reshape(6, -1)[plane])
    grad_in = np.full(x.shape, np.nan, dtype)
    pool.max_pool2d_backward(grad_out, indices, grad_in)
    np.testing.assert_allclose(grad_in.reshape(6, -1), expected, rtol=1e-6)


def _reference_avg_pool(x, kh, kw, sh, sw, ph, pw, ceil_mode, count_include_pad, divisor):
    n, c, h, w = x.shape
    oh, ow = _sizes(h, w, kh, kw, sh, sw, ph, pw, 1, 1, ceil_mode)
    out = np.zeros((n, c, oh, ow))
    for y in range(oh):
        for z in range(ow):
            r0, c0 = y * sh - ph, z * sw - pw
            r1, c1 = min(r0 + kh, h + ph), min(c0 + kw, w + pw)
            padded = (r1 - r0) * (c1 - c0)  # the window clipped to the padded input
            r0, c0, r1, c1 = max(r0, 0), max(c0, 0), min(r1, h), min(c1, w)
            if r0 >= r1 or c0 >= c1:
                continue
            if divisor:
                count = divisor
            else:
                count = padded if count_include_pad else (r1 - r0) * (c1 - c0)
            out[:, :, y, z] = x[:, :, r0:r1, c0:c1].sum(axis=(2, 3)) / count
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(AVG_CASES))
def test_avg_pool2d_forward_matches_reference(dtype, name):
    case = AVG_CASES[name]
    x = _input(dtype)
    expected = _reference_avg_pool(x.astype(np.float64), *case)
    out = np.full(expected.shape, np.nan, dtype)
    pool.avg_pool2d_forward(x, Window(*case[:6]), *case[6:], out)
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("name", list(AVG_CASES))
def test_avg_pool2d_backward_is_the_adjoint_of_forward(name):
    case = AVG_CASES[name]
    x = _input(np.float64)
    out = np.empty(_reference_avg_pool(x, *case).shape)
    pool.avg_pool2d_forward(x, Window(*case[:6]), *case[6:], out)
    grad_out = np.random.default_rng(2).standard_normal(out.shape)
    grad_in = np.full_like(x, np.nan)
    pool.avg_pool2d_backward(grad_out, Window(*case[:6]), *case[6:], grad_in)
    np.testing.assert_allclose(np.vdot(grad_in, x), np.vdot(grad_out, out), rtol=1e-12)


def test_avg_pool2d_backward_float32_matches_float64():
    case = AVG_CASES["ceil_exclude_pad"]
    shape = _reference_avg_pool(_input(np.float64), *case).shape
    grad_out = np.random.default_rng(3).standard_normal(shape)
    grad64 = np.empty(SHAPE)
    pool.avg_pool2d_backward(grad_out, Window(*case[:6]), *case[6:], grad64)
    grad32 = np.empty(SHAPE, np.float32)
    pool.avg_pool2d_backward(grad_out.astype(np.float32), Window(*case[:6]), *case[6:], grad32)
    np.testing.assert_allclose(grad32, grad64, rtol=1e-5, atol=1e-6)


def _reference_adaptive(x, oh, ow):
    n, c, h, w = x.shape
    out = np.empty((n, c, oh, ow))
    for y in range(oh):
        for z in range(ow):
            r0, r1 = (y * h) // oh, -(-((y + 1) * h) // oh)
            c0, c1 = (z * w) // ow, -(-((z + 1) * w) // ow)
            out[:, :, y, z] = x[:, :, r0:r1, c0:c1].mean(axis=(2, 3))
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [(1, 1), (3, 5), (7, 8), (4, 3), (10, 11)])
def test_adaptive_avg_pool2d_forward_averages_pytorch_windows(dtype, size):
    x = _input(dtype)
    out = np.full((2, 3, *size), np.nan, dtype)
    pool.adaptive_avg_pool2d_forward(x, out)
    expected = _reference_adaptive(x.astype(np.float64), *size)
    np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("size", [(1, 1), (3, 5), (4, 3), (10, 11)])
def test_adaptive_avg_pool2d_backward_is_the_adjoint_of_forward(size):
    x = _input(np.float64)
    out = np.empty((2, 3, *size))
    pool.adaptive_avg_pool2d_forward(x, out)
    grad_out = np.random.default_rng(4).standard_normal(out.shape)
    grad_in = np.full_like(x, np.nan)
    pool.adaptive_avg_pool2d_backward(grad_out, grad_in)
    np.testing.assert_allclose(np.vdot(grad_in, x), np.vdot(grad_out, out), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_unpool2d_puts_values_at_indices_and_backward_gathers_them(dtype):
    x = _input(dtype)
    out = np.empty((2, 3, 3, 4), dtype)
    indices = np.empty((2, 3, 3, 4), np.int64)
    pool.max_pool2d_forward(x, Window(2, 2, 2, 2, 0, 0), out, indices)
    restored = np.full(x.shape, np.nan, dtype)
    pool.max_unpool2d_forward(out, indices, restored)
    expected = np.zeros(x.shape, dtype).reshape(2, 3, -1)
    np.put_along_axis(expected, indices.reshape(2, 3, -1), out.reshape(2, 3, -1), axis=2)
    np.testing.assert_array_equal(restored, expected.reshape(x.shape))
    # the backward is the adjoint: <unpool(a), g> == <a, unpool_backward(g)>
    grad_out = _input(dtype, seed=4)
    grad_in = np.empty(out.shape, dtype)
    pool.max_unpool2d_backward(grad_out, indices, grad_in)
    np.testing.assert_array_equal(
        grad_in, np.take_along_axis(grad_out.reshape(2, 3, -1), indices.reshape(2, 3, -1), 2)
        .reshape(out.shape),
    )  # fmt: skip
