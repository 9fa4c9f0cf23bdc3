"""The vectorised row kernels and reductions: max/min/argmax/argmin/amax/amin with
PyTorch's NaN and tie rules, softmax/log_softmax forward and backward kernels, and the
layer_norm kernels, against numpy float64 references, by gradcheck, and on the CUDA
simulator."""

import math

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck, gradgradcheck

NAN, INF = math.nan, math.inf


def _special_rows(n: int, dtype=np.float32) -> np.ndarray:
    """Rows with a NaN first, two NaNs in the middle, a NaN last, all -inf, all equal,
    and a max and a min that occur twice."""
    x = np.random.default_rng(0).standard_normal((6, n)).astype(dtype)
    x[0, 0] = NAN
    x[1, n // 2] = x[1, n // 2 + 2] = NAN
    x[2, n - 1] = NAN
    x[3] = -INF
    x[4] = 1.0
    x[5, 1] = x[5, n - 2] = 100.0
    x[5, 2] = x[5, n - 1] = -100.0
    return x


def _check_extremes(x: np.ndarray, device: str) -> None:
    t = torch.tensor(x, device=device)
    for name, np_value, np_index in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
        values, indices = getattr(t, name)(dim=1)
        np.testing.assert_array_equal(values.cpu().numpy(), np_value(x, axis=1))
        # numpy's argmax/argmin give the first NaN, else the first extreme: PyTorch's rule
        np.testing.assert_array_equal(indices.cpu().numpy(), np_index(x, axis=1))
        arg = getattr(t, "arg" + name)(1).cpu().numpy()
        np.testing.assert_array_equal(arg, np_index(x, axis=1))
        amax = getattr(t, "a" + name)(1).cpu().numpy()
        np.testing.assert_array_equal(amax, np_value(x, axis=1))
        assert getattr(t[1:], "arg" + name)().item() == np_index(x[1:])


@pytest.mark.parametrize("n", [9, 600])
def test_max_min_and_their_indices_follow_pytorchs_nan_and_tie_rules(n):
    # 600 spans three of the vectorised argmax's blocks
    _check_extremes(_special_rows(n), "cpu")


def test_max_min_rules_in_float64_and_for_integers():
    _check_extremes(_special_rows(300, np.float64), "cpu")
    ints = np.array([[3, 7, 7, -2, -2], [0, 0, 0, 0, 0]], np.int64)
    t = torch.tensor(ints)
    assert t.argmax(1).tolist() == [1, 0] and t.argmin(1).tolist() == [3, 0]
    assert t.amax(1).tolist() == [7, 0] and t.amin(1).tolist() == [-2, 0]


@pytest.mark.parametrize("n", [9, 40])
def test_max_min_rules_on_cuda(n):
    # 9: a thread per row; 40: a block per row
    if not torch.cuda.is_available():
        pytest.skip("no CUDA (not even the simulator)")
    _check_extremes(_special_rows(n), "cuda")


def test_float32_max_min_of_all_negative_rows_and_a_nan_with_its_sign_bit_set():
    # the float32 reduction compares bits: negatives order in reverse, and a NaN is found
    # by its magnitude whatever its sign
    x = np.array([[-3, -1, -2, -5] * 5, [2, 1, 0, -1] * 5, [-INF, -7, -INF, -INF] * 5], np.float32)
    x[1, 13] = -np.float32(NAN)
    assert np.signbit(x[1, 13])
    t = torch.tensor(x)
    np.testing.assert_array_equal(t.amax(1).numpy(), [-1, NAN, -7])
    np.testing.assert_array_equal(t.amin(1).numpy(), [-5, NAN, -INF])
    assert math.isnan(t.max().item()) and t[0].min().item() == -5


def test_full_max_of_a_long_vector_finds_a_nan_in_any_chunk():
    x = np.random.default_rng(1).standard_normal(70_000).astype(np.float32)
    assert torch.tensor(x).max().item() == x.max()
    x[50_000] = NAN
    assert math.isnan(torch.tensor(x).max().item())
    assert torch.tensor(x).argmin().item() == 50_000


def test_max_keeps_the_sign_of_a_negative_zero():
    assert math.copysign(1, torch.tensor([-0.0]).max().item()) == -1
    assert torch.tensor([-0.0, 0.0]).argmax().item() == 0  # equal: the first wins


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_max_min_over_a_leading_dim_propagate_nan_in_every_column_block(dtype):
    # (2, 5, 300) reduced over dim 1: inner 300 spans two of the column kernel's blocks
    x = np.random.default_rng(8).standard_normal((2, 5, 300)) * 100
    if dtype != np.int64:
        x[0, 3, 7] = x[1, 0, 299] = x[1, 4, 299] = NAN
        x[0, :, 280] = -INF
        x[1, :, 3] = INF
    x = x.astype(dtype)
    t = torch.tensor(x)
    for name, reference in (("amax", np.max), ("amin", np.min)):
        np.testing.assert_array_equal(getattr(t, name)(1).numpy(), reference(x, axis=1))
        np.testing.assert_array_equal(getattr(t[0], name)(0).numpy(), reference(x[0], axis=0))
    np.testing.assert_array_equal(t.max(dim=1).values.numpy(), x.max(axis=1))


# --- softmax / log_softmax ------------------------------------------------------------------


def np_softmax(x: np.ndarray, axis: int, log: bool) -> np.ndarray:
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):  # a row of -inf gives NaN
        shifted = x - x.max(axis=axis, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return log_probs if log else np.exp(log_probs)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [-1, 1])
def test_softmax_values_along_the_last_and_a_middle_dim(dim, log):
    x = np.random.default_rng(2).standard_normal((3, 70, 5)).astype(np.float32) * 10
    x[0, 3] = -INF  # last dim: a row of -inf (NaN); middle dim: a -inf in each line
    fn = torch.log_softmax if log else torch.softmax
    got = fn(torch.tensor(x), dim=dim).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np_softmax(x, dim, log), rtol=2e-6, atol=2e-7)


def test_softmax_dtype_argument_and_half_inputs():
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    wide = torch.softmax(torch.tensor(x), dim=1, dtype=torch.float64)
    assert wide.dtype is torch.float64
    np.testing.assert_allclose(wide.numpy(), np_softmax(x, 1, False), rtol=1e-12)
    half = torch.log_softmax(torch.tensor(x).half(), dim=1)
    assert half.dtype is torch.float16
    expected = np_softmax(x.astype(np.float16), 1, True)
    np.testing.assert_allclose(half.float().numpy(), expected, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [-1, 0])
def test_softmax_backward_kernel_passes_gradcheck(dim, log):
    x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
    fn = torch.log_softmax if log else torch.softmax
    assert gradcheck(lambda t: fn(t, dim=dim), [x])
    assert gradgradcheck(lambda t: fn(t, dim=dim), [x])  # the composed create_graph path


@pytest.mark.parametrize("log", [False, True])
def test_softmax_backward_matches_the_formula_on_a_non_contiguous_gradient(log):
    x = np.random.default_rng(4).standard_normal((5, 6)).astype(np.float32)
    g = np.random.default_rng(5).standard_normal((6, 5)).astype(np.float32)
    t = torch.tensor(x, requires_grad=True)
    y = (torch.log_softmax if log else torch.softmax)(t, dim=1)
    y.backward(torch.tensor(g).t())  # a transposed gradient
    ref = np_softmax(x, 1, log)
    gt = g.T.astype(np.float64)
    if log:
        expected = gt - np.exp(ref) * gt.sum(1, keepdims=True)
    else:
        expected = ref * (gt - (gt * ref).sum(1, keepdims=True))
    np.testing.assert_allclose(t.grad.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("log", [False, True])
def test_softmax_backward_on_cuda_matches_the_cpu(log):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA (not even the simulator)")
    x = np.random.default_rng(6).standard_normal((2, 3, 4)).astype(np.float32)
    g = np.random.default_rng(7).standard_normal((2, 3, 4)).astype(np.float32)
    grads = []
    for device in ("cpu", "cuda"):
        for dim in (1, 2):
            t = torch.tensor(x, device=device, requires_grad=True)
            (torch.log_softmax if log else torch.softmax)(t, dim=dim).backward(
                torch.tensor(g, device=device)
            )
            grads.append(t.grad.cpu().numpy())
    np.testing.assert_allclose(grads[2], grads[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads[3], grads[1], rtol=1e-5, atol=1e-6)


# --- layer_norm -----------------------------------------------------------------------------


def np_layer_norm(x, weight, bias, dims: int, eps=1e-5):
    x = x.astype(np.float64)
    axes = tuple(range(x.ndim - dims, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    out = centred / np.sqrt((centred**2).mean(axis=axes, keepdims=True) + eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_layer_norm_values_with_and_without_affine(affine):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 5, 7)).astype(np.float32) * 3 + 1000  # a large mean
    w = rng.standard_normal((5, 7)).astype(np.float32) if affine in ("both", "weight") else None
    b = rng.standard_normal((5, 7)).astype(np.float32) if affine in ("both", "bias") else None
    got = F.layer_norm(
        torch.tensor(x), (5, 7), *(torch.tensor(t) if t is not None else None for t in (w, b))
    )
    np.testing.assert_allclose(got.numpy(), np_layer_norm(x, w, b, 2), rtol=1e-4, atol=1e-4)


def test_layer_norm_float64_and_half():
    x = np.random.default_rng(9).standard_normal((4, 33))
    got = F.layer_norm(torch.tensor(x), (33,), eps=1e-3).numpy()
    np.testing.assert_allclose(got, np_layer_norm(x, None, None, 1, 1e-3), rtol=1e-12, atol=1e-12)
    half = F.layer_norm(torch.tensor(x).half(), (33,))
    assert half.dtype is torch.float16
    expected = np_layer_norm(x.astype(np.float16), None, None, 1)
    np.testing.assert_allclose(half.float().numpy(), expected, rtol=5e-3, atol=5e-3)


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_backward_kernels_pass_gradcheck(affine):
    x = torch.randn(3, 2, 4, dtype=torch.float64, requires_grad=True)
    params = [torch.randn(2, 4, dtype=torch.float64, requires_grad=True) for _ in range(2)]
    if affine:
        assert gradcheck(lambda t, w, b: F.layer_norm(t, (2, 4), w, b), [x, *params])
        assert gradcheck(lambda t, b: F.layer_norm(t, (4,), None, b[0]), [x, params[1]])
    else:
        assert gradcheck(lambda t: F.layer_norm(t, (4,)), [x])
        assert gradgradcheck(lambda t: F.layer_norm(t, (4,)), [x])


@pytest.mark.parametrize("shape", [(1024, 72), (256, 300)], ids=["narrow", "two_blocks"])
def test_layer_norm_parameter_gradients_summed_in_runs_of_rows(shape):
    # large enough for the parallel kernel, which sums the rows in runs (parts) per
    # block of columns and then adds the runs: against numpy's float64 sums
    rng = np.random.default_rng(11)
    x, grad = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
    w, b = (torch.tensor(rng.standard_normal(shape[1]).astype(np.float32), requires_grad=True)
            for _ in range(2))  # fmt: skip
    F.layer_norm(torch.tensor(x), shape[1:], w, b).backward(torch.tensor(grad))
    x_hat = np_layer_norm(x, None, None, 1)
    np.testing.assert_allclose(w.grad.numpy(), (grad * x_hat).sum(0), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(b.grad.numpy(), grad.astype(np.float64).sum(0), rtol=1e-5,
                               atol=1e-4)  # fmt: skip


def test_layer_norm_on_cuda_matches_the_cpu():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA (not even the simulator)")
    rng = np.random.default_rng(10)
    arrays = [rng.standard_normal(shape).astype(np.float32) for shape in ((3, 5), (5,), (5,))]
    results = []
    for device in ("cpu", "cuda"):
        x, w, b = (torch.tensor(a, device=device, requires_grad=True) for a in arrays)
        y = F.layer_norm(x, (5,), w, b)
        y.backward(torch.tensor(arrays[0] * 2, device=device))
        results.append([t.detach().cpu().numpy() for t in (y, x.grad, w.grad, b.grad)])
    for cpu, cuda in zip(*results):
        np.testing.assert_allclose(cuda, cpu, rtol=1e-5, atol=1e-5)
