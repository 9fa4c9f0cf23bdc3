"""The CPU convolution kernels: im2col against a numpy gather, col2im as its adjoint,
conv2d forward against a numpy reference and backward against numeric differentiation
of that reference."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numbatorch.kernels.contract import Window
from numbatorch.kernels.cpu import conv

DTYPES = [np.float32, np.float64]
ATOL = {np.float32: 2e-5, np.float64: 1e-11}

# (N, C, H, W, OC, KH, KW, stride, padding, dilation, groups)
CASES = {
    "plain": (2, 3, 7, 6, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    "stride2_padding": (2, 4, 9, 8, 6, 3, 2, (2, 2), (1, 2), (1, 1), 1),
    "dilation2": (2, 3, 9, 9, 4, 3, 3, (1, 1), (2, 1), (2, 2), 1),
    "groups2": (2, 4, 6, 7, 6, 3, 3, (1, 2), (1, 1), (1, 1), 2),
    "depthwise": (3, 4, 6, 6, 8, 3, 3, (1, 1), (1, 1), (1, 1), 4),
    "pointwise": (2, 6, 5, 5, 4, 1, 1, (1, 1), (0, 0), (1, 1), 2),
    # big enough for the packed GEMM path (M*N*K above SMALL_GEMM)
    "packed": (2, 8, 16, 16, 16, 3, 3, (1, 1), (1, 1), (1, 1), 1),
}


def _out_shape(case):
    n, _, h, w, oc, kh, kw, stride, padding, dilation, _ = case
    oh = conv.conv_output_size(h, kh, stride[0], padding[0], dilation[0])
    ow = conv.conv_output_size(w, kw, stride[1], padding[1], dilation[1])
    return n, oc, oh, ow


def _patch(xp, i, j, stride, dilation, oh, ow):
    """xp[:, :, i*dh + y*sh, j*dw + z*sw] for all (y, z): the pixels kernel tap (i, j) sees."""
    r0, c0 = i * dilation[0], j * dilation[1]
    return xp[:, :, r0 : r0 + stride[0] * (oh - 1) + 1 : stride[0],
              c0 : c0 + stride[1] * (ow - 1) + 1 : stride[1]]  # fmt: skip


def _reference_conv(x, w, bias, stride, padding, dilation, groups):
    n, c, _, _ = x.shape
    oc, cg, kh, kw = w.shape
    _, _, oh, ow = _out_shape((n, c, *x.shape[2:], oc, kh, kw, stride, padding, dilation, 0))
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    out = np.zeros((n, oc, oh, ow))
    ocg = oc // groups
    for o in range(oc):
        group = slice(o // ocg * cg, (o // ocg + 1) * cg)
        for i in range(kh):
            for j in range(kw):
                patch = _patch(xp[:, group], i, j, stride, dilation, oh, ow)
                out[:, o] += np.einsum("nchw,c->nhw", patch, w[o, :, i, j])
        if bias is not None:
            out[:, o] += bias[o]
    return out


def _inputs(case, dtype, seed=0):
    n, c, h, w, oc, kh, kw, _, _, _, groups = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    weight = rng.standard_normal((oc, c // groups, kh, kw)).astype(dtype)
    bias = rng.standard_normal(oc).astype(dtype)
    return x, weight, bias


def test_conv_output_size_follows_pytorch():
    assert conv.conv_output_size(32, 3, 1, 1, 1) == 32
    assert conv.conv_output_size(32, 3, 2, 1, 1) == 16
    assert conv.conv_output_size(9, 3, 1, 0, 2) == 5
    assert conv.conv_output_size(7, 2, 3, 0, 1) == 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["plain", "stride2_padding", "dilation2"])
def test_im2col_gathers_patches_with_zero_padding(dtype, name):
    n, c, h, w, _, kh, kw, stride, padding, dilation, _ = CASES[name]
    x, _, _ = _inputs(CASES[name], dtype)
    _, _, oh, ow = _out_shape(CASES[name])
    cols = np.full((n, c * kh * kw, oh * ow), np.nan, dtype)
    conv.im2col(x, Window.of((kh, kw), stride, padding, dilation), cols)
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    expected = np.stack(
        [_patch(xp, i, j, stride, dilation, oh, ow) for i in range(kh) for j in range(kw)],
        axis=2,
    ).reshape(n, c * kh * kw, oh * ow)
    np.testing.assert_array_equal(cols, expected)


@pytest.mark.parametrize("name", ["plain", "stride2_padding", "dilation2"])
def test_col2im_is_the_adjoint_of_im2col(name):
    n, c, h, w, _, kh, kw, stride, padding, dilation, _ = CASES[name]
    _, _, oh, ow = _out_shape(CASES[name])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, c, h, w))
    cols_in = rng.standard_normal((n, c * kh * kw, oh * ow))
    cols = np.empty_like(cols_in)
    conv.im2col(x, Window.of((kh, kw), stride, padding, dilation), cols)
    back = np.full_like(x, np.nan)
    conv.col2im(cols_in, Window.of((kh, kw), stride, padding, dilation), back)
    np.testing.assert_allclose(np.vdot(back, x), np.vdot(cols_in, cols), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(CASES))
def test_conv2d_forward_matches_reference(dtype, name):
    case = CASES[name]
    x, weight, bias = _inputs(case, dtype)
    out = np.full(_out_shape(case), np.nan, dtype)
    conv.conv2d_forward(x, weight, bias, *case[7:], out)
    expected = _reference_conv(x.astype(np.float64), weight.astype(np.float64), bias, *case[7:])
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL[dtype] * 10)


@pytest.mark.parametrize("name", ["plain", "groups2"])
def test_conv2d_forward_without_bias(name):
    case = CASES[name]
    x, weight, _ = _inputs(case, np.float64)
    out = np.empty(_out_shape(case))
    conv.conv2d_forward(x, weight, None, *case[7:], out)
    np.testing.assert_allclose(out, _reference_conv(x, weight, None, *case[7:]), atol=1e-12)


def _numeric_gradient(loss, value, eps=1e-3):
    """Forward differences of loss at value, one element at a time. loss is affine in
    value here (a convolution is linear in each of x, weight and bias), so one step is
    exact up to rounding, as central differences would be at twice the reference calls."""
    grad = np.zeros_like(value)
    at_value = loss()
    for index in np.ndindex(value.shape):
        saved = value[index]
        value[index] = saved + eps
        grad[index] = (loss() - at_value) / eps
        value[index] = saved
    return grad


@pytest.mark.parametrize("name", ["plain", "stride2_padding", "dilation2", "groups2",
                                  "depthwise", "pointwise"])  # fmt: skip
def test_conv2d_backward_matches_numeric_gradient(name):
    _check_backward_numerically(CASES[name])


def _check_backward_numerically(case):
    x, weight, bias = _inputs(case, np.float64)
    grad_out = np.random.default_rng(2).standard_normal(_out_shape(case))

    def loss():
        return np.vdot(grad_out, _reference_conv(x, weight, bias, *case[7:]))

    grad_x = np.full_like(x, np.nan)
    grad_w = np.full_like(weight, np.nan)
    grad_b = np.full_like(bias, np.nan)
    conv.conv2d_backward(x, weight, grad_out, *case[7:], grad_x, grad_w, grad_b)
    np.testing.assert_allclose(grad_x, _numeric_gradient(loss, x), atol=1e-7)
    np.testing.assert_allclose(grad_w, _numeric_gradient(loss, weight), atol=1e-7)
    np.testing.assert_allclose(grad_b, _numeric_gradient(loss, bias), atol=1e-7)


@pytest.mark.parametrize("name", ["plain", "depthwise", "packed"])
def test_conv2d_backward_float32_matches_float64(name):
    case = CASES[name]
    x, weight, _ = _inputs(case, np.float64)
    grad_out = np.random.default_rng(3).standard_normal(_out_shape(case))
    grads64 = [np.empty_like(x), np.empty_like(weight), np.empty(weight.shape[0])]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *grads64)
    f32 = [a.astype(np.float32) for a in (x, weight, grad_out)]
    grads32 = [np.empty(g.shape, np.float32) for g in grads64]
    conv.conv2d_backward(*f32, *case[7:], *grads32)
    for ours, expected in zip(grads32, grads64):
        scale = max(1.0, np.abs(expected).max())
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize("wanted", ["grad_x", "grad_w", "grad_b"])
def test_conv2d_backward_computes_only_the_gradients_asked_for(wanted):
    case = CASES["stride2_padding"]
    x, weight, bias = _inputs(case, np.float64)
    grad_out = np.random.default_rng(4).standard_normal(_out_shape(case))
    full = [np.empty_like(x), np.empty_like(weight), np.empty_like(bias)]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *full)
    names = ["grad_x", "grad_w", "grad_b"]
    only = [np.full_like(g, np.nan) if n == wanted else None for n, g in zip(names, full)]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *only)
    position = names.index(wanted)
    np.testing.assert_allclose(only[position], full[position], atol=1e-12)


def test_conv2d_runs_the_batch_in_chunks(monkeypatch):
    # a tiny column budget forces one sample per chunk, and grad_w accumulates over them
    monkeypatch.setattr(conv, "COLS_BUDGET", 1)
    case = CASES["stride2_padding"]
    x, weight, bias = _inputs(case, np.float64)
    out = np.empty(_out_shape(case))
    conv.conv2d_forward(x, weight, bias, *case[7:], out)
    np.testing.assert_allclose(out, _reference_conv(x, weight, bias, *case[7:]), atol=1e-12)
    grad_out = np.random.default_rng(5).standard_normal(out.shape)
    grad_w = np.empty_like(weight)
    conv.conv2d_backward(x, weight, grad_out, *case[7:], None, grad_w, None)
    monkeypatch.setattr(conv, "COLS_BUDGET", 8 << 20)
    expected = np.empty_like(weight)
    conv.conv2d_backward(x, weight, grad_out, *case[7:], None, expected, None)
    np.testing.assert_allclose(grad_w, expected, atol=1e-12)


def test_conv2d_forward_with_no_input_channels_gives_the_bias():
    x = np.empty((2, 0, 4, 4))
    weight = np.empty((3, 0, 3, 3))
    bias = np.array([1.0, 2.0, 3.0])
    out = np.full((2, 3, 2, 2), np.nan)
    conv.conv2d_forward(x, weight, bias, (1, 1), (0, 0), (1, 1), 1, out)
    np.testing.assert_array_equal(out, np.broadcast_to(bias[:, None, None], out.shape))


@pytest.mark.parametrize("name", ["plain", "depthwise", "stride2_padding"])
def test_conv2d_backward_reads_the_columns_the_forward_kept(name):
    case = CASES[name]
    x, weight, bias = _inputs(case, np.float64)
    out = np.empty(_out_shape(case))
    columns = conv.conv2d_forward(x, weight, bias, *case[7:], out, True)
    assert columns is not None
    kept = columns.copy()
    grad_out = np.random.default_rng(6).standard_normal(out.shape)
    expected = [np.empty_like(x), np.empty_like(weight), np.empty_like(bias)]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *expected)
    x_changed = x + 1  # so a backward that made its columns again would differ
    got = [np.empty_like(x), np.empty_like(weight), np.empty_like(bias)]
    conv.conv2d_backward(x_changed, weight, grad_out, *case[7:], *got, columns)
    for ours, want in zip(got, expected):
        np.testing.assert_allclose(ours, want, atol=1e-12)
    np.testing.assert_array_equal(columns, kept)  # read, never written


def test_conv2d_keeps_no_columns_when_made_in_chunks(monkeypatch):
    monkeypatch.setattr(conv, "COLS_BUDGET", 1)
    case = CASES["stride2_padding"]
    x, weight, bias = _inputs(case, np.float64)
    assert conv.conv2d_forward(x, weight, bias, *case[7:], np.empty(_out_shape(case)), True) is None


# --- Winograd F(4x4, 3x3): 3x3 stride-1 convolutions with enough channels ---------------

# odd and even sizes (partial 4x4 blocks at the edges), padding 0-2, channel counts that
# are not multiples of the register tile, batches cut into tasks of several images
WINOGRAD_CASES = {
    "odd_padding1": (2, 3, 7, 5, 5, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    "valid": (1, 9, 6, 9, 17, 3, 3, (1, 1), (0, 0), (1, 1), 1),
    "padding2": (3, 4, 5, 4, 2, 3, 3, (1, 1), (2, 1), (1, 1), 1),
    "wide": (1, 4, 3, 21, 5, 3, 3, (1, 1), (1, 0), (1, 1), 1),
    # a batch that makes tasks of several images, the last one short
    "batch9": (9, 2, 5, 5, 3, 3, 3, (1, 1), (1, 1), (1, 1), 1),
}


def always_winograd(monkeypatch):
    for name in ("WINOGRAD_CHANNELS", "WINOGRAD_IMAGE_BLOCKS", "WINOGRAD_THREAD_BLOCKS"):
        monkeypatch.setattr(conv, name, 0)
    monkeypatch.setattr(conv, "WINOGRAD_WEIGHT_BYTES", 1 << 62)


@pytest.fixture(params=["several_images_per_task", "one_block_row_per_task"])
def winograd_everywhere(request, monkeypatch):
    always_winograd(monkeypatch)
    if request.param == "one_block_row_per_task":  # tasks that start inside an image
        for name in ("TASK_BYTES", "TASK_LEAST_BLOCKS", "TASK_LEAST_DEPTH"):
            monkeypatch.setattr(conv.winograd, name, 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(WINOGRAD_CASES))
def test_winograd_forward_matches_reference(winograd_everywhere, dtype, name):
    case = WINOGRAD_CASES[name]
    x, weight, bias = _inputs(case, dtype)
    out = np.full(_out_shape(case), np.nan, dtype)
    assert conv.conv2d_forward(x, weight, bias, *case[7:], out, True) is None  # no columns
    expected = _reference_conv(x.astype(np.float64), weight.astype(np.float64), bias, *case[7:])
    np.testing.assert_allclose(out, expected, rtol=0, atol=ATOL[dtype] * 10)


# Two cases anchor Winograd's gradients to finite differences; every case is checked
# against im2col's gradients (themselves checked numerically above) in the next test, and
# the numeric reference is slow: one reference convolution per element of x and weight.
@pytest.mark.parametrize("name", ["odd_padding1", "padding2"])
def test_winograd_backward_matches_numeric_gradient(monkeypatch, name):
    always_winograd(monkeypatch)
    _check_backward_numerically(WINOGRAD_CASES[name])


@pytest.mark.parametrize("name", list(WINOGRAD_CASES))
def test_winograd_gradients_match_im2col(winograd_everywhere, name):
    # each way of cutting the work into tasks, against the other convolution path
    case = WINOGRAD_CASES[name]
    x, weight, _ = _inputs(case, np.float64)
    grad_out = np.random.default_rng(4).standard_normal(_out_shape(case))
    ours = [np.full_like(x, np.nan), np.full_like(weight, np.nan)]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *ours, None)
    conv.WINOGRAD_CHANNELS = 1 << 62  # undone by monkeypatch
    expected = [np.empty_like(x), np.empty_like(weight)]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *expected, None)
    for got, want in zip(ours, expected):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 * max(1.0, np.abs(want).max()))


@pytest.mark.parametrize("name", list(WINOGRAD_CASES))
def test_winograd_float32_gradients_match_float64(winograd_everywhere, name):
    case = WINOGRAD_CASES[name]
    x, weight, _ = _inputs(case, np.float64)
    grad_out = np.random.default_rng(3).standard_normal(_out_shape(case))
    grads64 = [np.empty_like(x), np.empty_like(weight)]
    conv.conv2d_backward(x, weight, grad_out, *case[7:], *grads64, None)
    f32 = [a.astype(np.float32) for a in (x, weight, grad_out)]
    grads32 = [np.full(g.shape, np.nan, np.float32) for g in grads64]
    conv.conv2d_backward(*f32, *case[7:], *grads32, None)
    for ours, expected in zip(grads32, grads64):
        scale = max(1.0, np.abs(expected).max())
        np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "groups", "dtype", "expected"),
    [
        ((3, 3), (1, 1), (1, 1), (1, 1), 1, np.float32, True),
        ((3, 3), (1, 1), (2, 0), (1, 1), 1, np.float64, True),
        ((5, 5), (1, 1), (1, 1), (1, 1), 1, np.float32, False),
        ((3, 3), (2, 2), (1, 1), (1, 1), 1, np.float32, False),
        ((3, 3), (1, 1), (1, 1), (2, 2), 1, np.float32, False),
        ((3, 3), (1, 1), (1, 1), (1, 1), 2, np.float32, False),
        ((3, 3), (1, 1), (3, 1), (1, 1), 1, np.float32, False),
    ],
)
def test_winograd_takes_only_3x3_stride1_ungrouped(
    kernel, stride, padding, dilation, groups, dtype, expected
):
    x = np.empty((1, 16, 8, 8), dtype)
    w = np.empty((16, 16 // groups, *kernel), dtype)
    assert conv.winograd.supported(x, w, stride, padding, dilation, groups) is expected


@pytest.mark.parametrize(
    ("channels", "side", "batch", "used"),
    [
        (16, 16, 16, True),  # 16 channels, 16 blocks of 4x4 per image, 256 in the batch
        (15, 16, 16, False),  # too few channels
        (16, 12, 32, False),  # too few blocks per image
        (16, 16, 4, False),  # too few blocks in the batch for two threads
        (400, 16, 16, False),  # a transformed weight (36 x 400 x 16 x 4 bytes) over 0.9 MB
    ],
)
def test_winograd_needs_enough_channels_and_pixels(monkeypatch, channels, side, batch, used):
    monkeypatch.setattr(numba, "get_num_threads", lambda: 2)
    monkeypatch.setattr(conv, "WINOGRAD_WEIGHT_BYTES", 900_000)
    calls = []
    monkeypatch.setattr(conv.winograd, "forward", lambda *args: calls.append(args))
    x = np.zeros((batch, channels, side, side), np.float32)
    w = np.zeros((16, channels, 3, 3), np.float32)
    out = np.empty((batch, 16, side, side), np.float32)
    conv.conv2d_forward(x, w, None, (1, 1), (1, 1), (1, 1), 1, out)
    assert bool(calls) is used


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 40),
    channels=st.integers(1, 600),
    oh=st.integers(1, 70),
    ow=st.integers(1, 70),
    least=st.sampled_from([1, 32, 128]),
    threads=st.integers(1, 4),
)
def test_winograd_tasks_cover_every_block_once(n, channels, oh, ow, least, threads):
    w = conv.winograd
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(numba, "get_num_threads", lambda: threads)
        images, task_rows = w._tasks(n, channels, oh, ow, 4, least)
    bh = -(-oh // 4)
    assert images >= 1 and 1 <= task_rows <= bh
    assert images == 1 or task_rows == bh  # several images only whole
    tasks_per_image = -(-bh // task_rows)
    seen = []
    for task in range(-(-n // images) * tasks_per_image):
        b0, count, r0, rows = w._task_blocks(task, n, images, tasks_per_image, task_rows, bh)
        assert count >= 1 and rows >= 1
        seen += [(b, r) for b in range(b0, b0 + count) for r in range(r0, r0 + rows)]
    assert sorted(seen) == [(b, r) for b in range(n) for r in range(bh)]
