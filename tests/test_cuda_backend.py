"""The CUDA backend (numbatorch.kernels.cuda) matches the CPU backend launcher by launcher on
the same data, on contiguous, transposed, broadcast and offset views; and tensors on
'cuda' behave as PyTorch's do. Runs in Numba's CUDA simulator (tests/conftest.py), which
runs every simulated thread as a Python thread: shapes stay tiny, and blocks small."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numbatorch.kernels import cpu as C
from numbatorch.kernels import cuda as G
from numbatorch.kernels.common import elementwise as E
from numbatorch.kernels.common import reduction as R
from numbatorch.kernels.contract import (
    AdadeltaOptions,
    AdagradOptions,
    AdamaxOptions,
    AdamOptions,
    ASGDOptions,
    NAdamOptions,
    RAdamOptions,
    RMSpropOptions,
    RpropOptions,
    SGDOptions,
    Window,
)

import numbatorch as torch

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA (or simulator)")

RNG = np.random.default_rng(0)


def values(shape, dtype=np.float32):
    """Random values of `dtype`: floats in [-2, 2], integers in [-4, 4], bools."""
    if np.dtype(dtype) == np.bool_:
        return RNG.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-4, 5, shape).astype(dtype)
    return RNG.uniform(-2, 2, shape).astype(dtype)


def on_device(view: np.ndarray, base: np.ndarray, device_base):
    """The device view with `view`'s shape, strides and offset into `base` (1-D)."""
    itemsize = base.itemsize
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return G.as_strided(
        device_base, view.shape, tuple(s // itemsize for s in view.strides), offset // itemsize
    )


# each layout takes a 1-D base of 24 elements to a (3, 4)-shaped view of it
LAYOUTS = {
    "contiguous": lambda base: base[:12].reshape(3, 4),
    "transposed": lambda base: base[:12].reshape(4, 3).T,
    "offset_stepped": lambda base: base[1:].reshape(-1)[: 3 * 7].reshape(3, 7)[:, ::2],
    "broadcast_row": lambda base: np.broadcast_to(base[5:9], (3, 4)),
    "broadcast_column": lambda base: np.broadcast_to(base[2:5, None], (3, 4)),
}


def operand(layout: str, dtype=np.float32):
    """(numpy view, device view) of one layout over the same random values."""
    base = values(24, dtype)
    view = LAYOUTS[layout](base)
    return view, on_device(view, base, G.from_host(base))


def assert_same(device_array, expected: np.ndarray, exact: bool = False) -> None:
    got = G.to_host(device_array)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if exact or expected.dtype.kind in "biu":
        np.testing.assert_array_equal(got, expected)
    else:
        rtol = 1e-5 if expected.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol, equal_nan=True)


# --- storage ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.bool_])
def test_host_round_trip_copies_values_and_dtype(dtype):
    host = values((2, 3), dtype)
    device = G.from_host(host)
    assert device.shape == (2, 3) and device.ndim == 2 and device.size == 6
    assert device.dtype == np.dtype(dtype) and device.is_c_contiguous()
    assert device.strides == host.strides
    assert device.reshape(-1).shape == (6,)
    back = G.to_host(device)
    np.testing.assert_array_equal(back, host)
    host[0, 0] = host[0, 1]  # the device copy does not share the host's memory
    np.testing.assert_array_equal(G.to_host(device), back)


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_as_strided_views_read_like_numpy(layout):
    view, device = operand(layout)
    assert device.shape == view.shape and device.strides == view.strides
    assert device.is_c_contiguous() == view.flags.c_contiguous
    np.testing.assert_array_equal(G.to_host(device), view)


def test_as_strided_view_writes_land_in_its_storage():
    storage = G.from_host(np.zeros(12, np.float32))
    column = G.as_strided(storage, (3,), (4,), 1)  # column 1 of a (3, 4)
    G.fill(column, 7.0)
    expected = np.zeros((3, 4), np.float32)
    expected[:, 1] = 7
    np.testing.assert_array_equal(G.to_host(storage).reshape(3, 4), expected)


def test_empty_views_and_zero_dim_arrays():
    assert G.to_host(G.empty((0, 3), np.float32)).shape == (0, 3)
    scalar = G.from_host(np.array(2.5, np.float64))
    assert scalar.shape == () and G.to_host(scalar).item() == 2.5
    storage = G.from_host(np.arange(4, dtype=np.int64))
    assert G.to_host(G.as_strided(storage, (), (), 3)).item() == 3


# --- elementwise ------------------------------------------------------------------------------

UNARY_CASES = [  # (op, dtype, p0, p1)
    (E.EXP, np.float32, 0.0, 0.0),
    (E.RELU, np.float64, 0.0, 0.0),
    (E.ROUND, np.float32, 0.0, 0.0),
    (E.CLAMP, np.float32, -0.5, 1.0),
    (E.SIGN, np.int64, 0.0, 0.0),
    (E.LOGICAL_NOT, np.bool_, 0.0, 0.0),
]


@pytest.mark.parametrize(("op", "dtype", "p0", "p1"), UNARY_CASES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "broadcast_row"])
def test_unary_matches_cpu(op, dtype, p0, p1, layout):
    x, dx = operand(layout, dtype)
    expected = np.empty((3, 4), dtype)
    C.unary(op, x, expected, p0, p1)
    out = G.empty((3, 4), np.dtype(dtype))
    G.unary(op, dx, out, p0, p1)
    assert_same(out, expected)


def test_only_opcode_keeps_the_one_branch_and_the_code_around_it():
    """The simulator's per-opcode functions: ADD's names no other opcode, so nothing
    else gets typed (`&` on floats would not); a chain whose kept branch falls through
    keeps what follows it."""
    from numbatorch.kernels.cuda._launch import only_opcode

    add = only_opcode(E.apply_binary, E.ADD)
    assert "BITWISE_AND" not in add.__code__.co_names and "SUB" not in add.__code__.co_names
    assert add(E.ADD, 2.5, 0.25) == 2.75
    logit = only_opcode(E.apply_unary_more, E.LOGIT)
    assert logit(E.LOGIT, 0.5, 0.0, 0.0) == 0.0
    shift = only_opcode(E._integer_binary, E.RIGHT_SHIFT)  # GCD/LCM gone, the rest kept
    assert "_gcd" not in shift.__code__.co_names
    assert shift(E.RIGHT_SHIFT, -12, 2) == -3 and shift(E.RIGHT_SHIFT, -12, 70) == -1


def test_per_opcode_compiles_each_opcode_once_under_concurrent_threads(monkeypatch):
    """The simulator's threads call an opcode's function at once: one of them builds it,
    the others wait (CPython 3.11's AST builder fails when two threads parse at once)."""
    import threading
    import time

    from numbatorch.kernels.cuda import _launch

    if not _launch.SIMULATOR:
        pytest.skip("per-opcode functions exist in the simulator only")
    built = []
    original = _launch.only_opcode

    def slow_only_opcode(fn, op):
        built.append(op)
        time.sleep(0.05)  # long enough for every thread to miss the cache without the lock
        return original(fn, op)

    monkeypatch.setattr(_launch, "only_opcode", slow_only_opcode)
    add = _launch.per_opcode(E.apply_binary)
    start = threading.Barrier(4)
    results = []

    def thread():
        start.wait()
        results.append(add(E.ADD, 1.5, 2.0))

    threads = [threading.Thread(target=thread) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert built == [E.ADD] and results == [3.5] * 4


def test_round_is_half_to_even_like_the_cpu():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -0.51, np.inf, np.nan, 1e20], np.float32)
    expected = np.empty_like(x)
    C.unary(E.ROUND, x, expected)
    out = G.empty(x.shape, x.dtype)
    G.unary(E.ROUND, G.from_host(x), out)
    assert_same(out, expected)
    np.testing.assert_array_equal(expected, np.round(x))


BINARY_CASES = [  # (op, dtype, result dtype)
    (E.ADD, np.float32, np.float32),
    (E.DIV, np.float64, np.float64),
    (E.REMAINDER, np.int64, np.int64),
    (E.MAXIMUM, np.float32, np.float32),
    (E.LT, np.float32, np.bool_),
    (E.BITWISE_AND, np.int64, np.int64),
    (E.LOGICAL_XOR, np.bool_, np.bool_),
]
PAIRS = [
    ("contiguous", "contiguous"),
    ("transposed", "broadcast_row"),
    ("offset_stepped", "broadcast_column"),
]


@pytest.mark.parametrize(("op", "dtype", "result"), BINARY_CASES)
@pytest.mark.parametrize(("layout_a", "layout_b"), PAIRS)
def test_binary_matches_cpu(op, dtype, result, layout_a, layout_b):
    a, da = operand(layout_a, dtype)
    b, db = operand(layout_b, dtype)
    if op == E.REMAINDER:
        b = np.where(b == 0, 3, b)
        db = G.from_host(b)
    expected = np.empty((3, 4), result)
    C.binary(op, a, b, expected)
    out = G.empty((3, 4), np.dtype(result))
    G.binary(op, da, db, out)
    assert_same(out, expected)


@pytest.mark.parametrize("layout", ["contiguous", "transposed"])
@pytest.mark.parametrize("scalar_left", [False, True])
def test_binary_takes_a_python_scalar_on_either_side(layout, scalar_left):
    x, dx = operand(layout)
    scalar = np.array([0.5], np.float32)
    a, b = (scalar, x) if scalar_left else (x, scalar)
    expected = (a - b).astype(np.float32)
    out = G.empty((3, 4), np.dtype(np.float32))
    G.binary(E.SUB, *((scalar, dx) if scalar_left else (dx, scalar)), out)
    assert_same(out, expected)


def test_binary_propagates_nan_through_maximum():
    a = np.array([np.nan, 1.0, 2.0], np.float32)
    b = np.array([0.0, np.nan, 1.0], np.float32)
    out = G.empty((3,), np.dtype(np.float32))
    G.binary(E.MAXIMUM, G.from_host(a), G.from_host(b), out)
    assert_same(out, np.maximum(a, b))


def test_where_broadcasts_condition_and_zero_dim_operand():
    cond, dcond = operand("broadcast_column", np.bool_)
    b, db = operand("transposed")
    a = np.array(9.0, np.float32)
    expected = np.empty((3, 4), np.float32)
    C.where(cond, a, b, expected)
    out = G.empty((3, 4), np.dtype(np.float32))
    G.where(dcond, G.from_host(a), db, out)
    assert_same(out, expected)
    np.testing.assert_array_equal(expected, np.where(cond, a, b))


@pytest.mark.parametrize(
    ("source", "target"), [(np.float32, np.int64), (np.float64, np.bool_), (np.int64, np.float32)]
)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "broadcast_column"])
def test_copy_casts_any_layout_like_cpu(source, target, layout):
    x, dx = operand(layout, source)
    expected = np.empty((3, 4), target)
    C.copy(x, expected)
    out = G.empty((3, 4), np.dtype(target))
    G.copy(dx, out)
    assert_same(out, expected)


def test_copy_splits_views_that_do_not_fold_into_four_dims():
    base = values(64)
    x = base.reshape(2, 2, 2, 2, 2, 2).transpose(5, 3, 1, 4, 2, 0)  # nothing merges
    out = G.empty(x.shape, np.dtype(np.float64))
    G.copy(on_device(x, base, G.from_host(base)), out)
    assert_same(out, x.astype(np.float64))


def test_fill_writes_strided_out_only():
    storage = G.from_host(np.zeros(12, np.int64))
    G.fill(G.as_strided(storage, (4, 3), (1, 4), 0), 5)  # the transpose of all of it
    G.fill(G.as_strided(storage, (2,), (1,), 0), -1)
    expected = np.full(12, 5, np.int64)
    expected[:2] = -1
    assert_same(storage, expected)


def test_range_fill_matches_cpu():
    expected = np.empty(5, np.float64)
    C.range_fill(expected, 1.0, 0.25)
    out = G.empty((5,), np.dtype(np.float64))
    G.range_fill(out, 1.0, 0.25)
    assert_same(out, expected)


# --- reductions -------------------------------------------------------------------------------

REDUCTIONS = [  # (op, input dtype, output dtype, p)
    (R.SUM, np.float32, np.float32, 0.0),
    (R.MEAN, np.float64, np.float64, 0.0),
    (R.PROD, np.int64, np.int64, 0.0),
    (R.MAX, np.float32, np.float32, 0.0),
    (R.MIN, np.int64, np.int64, 0.0),
    (R.ARGMAX, np.float32, np.int64, 0.0),
    (R.ARGMIN, np.int64, np.int64, 0.0),
    (R.ALL, np.bool_, np.bool_, 0.0),
    (R.ANY, np.bool_, np.bool_, 0.0),
    (R.NORM, np.float64, np.float64, 3.0),
    (R.VAR, np.float32, np.float32, 1.0),
    (R.LOGSUMEXP, np.float64, np.float64, 0.0),
]


def _reduce_both(op, x, out_dtype, n, inner, p):
    expected = np.empty(x.shape[0] * inner, out_dtype)
    C.reduce(op, x, expected, n, inner, p)
    out = G.empty(expected.shape, np.dtype(out_dtype))
    G.reduce(op, G.from_host(x), out, n, inner, p)
    return out, expected


@pytest.mark.parametrize(("op", "dtype", "out_dtype", "p"), REDUCTIONS)
def test_reduce_short_axis_thread_per_output_matches_cpu(op, dtype, out_dtype, p):
    x = values((2, 3, 4), dtype)
    if dtype == np.bool_:
        x[0, :, 0] = True  # one all-true line
    out, expected = _reduce_both(op, x, out_dtype, 3, 4, p)
    assert_same(out, expected)


@pytest.mark.parametrize(("op", "dtype", "out_dtype", "p"), REDUCTIONS)
def test_reduce_long_axis_block_tree_matches_cpu(op, dtype, out_dtype, p):
    n = 45  # more than SMALL_N: a block per output, threads that hold 1 or 2 items
    x = values((2, n), dtype)
    if op == R.PROD:
        x = np.where(np.abs(x) > 1, 1, x)  # keep the product small
    if dtype == np.bool_:
        x[0] = True
    if op in (R.ARGMAX, R.ARGMIN):
        x[1, 40] = x[1, 7] = x[1].max() + 1 if op == R.ARGMAX else x[1].min() - 1  # a tie
    out, expected = _reduce_both(op, x, out_dtype, n, 1, p)
    assert_same(out, expected)


@pytest.mark.parametrize("op", [R.MAX, R.ARGMAX, R.SUM])
def test_reduce_propagates_nan_like_cpu(op):
    x = values((1, 40), np.float32)
    x[0, 9] = x[0, 33] = np.nan
    out, expected = _reduce_both(op, x, np.int64 if op == R.ARGMAX else np.float32, 40, 1, 0)
    assert_same(out, expected)


@pytest.mark.parametrize(
    ("op", "dtype", "out_dtype"),
    [(R.MEAN, np.float32, np.float32), (R.MAX, np.int64, np.int64), (R.ALL, np.bool_, np.bool_)],
)
def test_reduce_of_one_long_line_splits_over_blocks(monkeypatch, op, dtype, out_dtype):
    from numbatorch.kernels.cuda import reduction

    # the thresholds of a GPU, scaled down: 4 blocks of 32 threads, then a combining pass
    monkeypatch.setattr(reduction, "SPLIT_N", 64)
    monkeypatch.setattr(reduction, "SPLIT_ITEMS", 1)
    monkeypatch.setattr(reduction, "SPLIT_THREADS", 32)
    x = values((1, 100), dtype)
    if dtype == np.bool_:
        x[:] = True
    out, expected = _reduce_both(op, x, out_dtype, 100, 1, 0.0)
    assert_same(out, expected)


def test_reduce_over_middle_axis_with_inner_block_path():
    x = values((2, 36, 3), np.float64)
    out, expected = _reduce_both(R.SUM, x, np.float64, 36, 3, 0.0)
    assert_same(out, expected)


def test_reduce_empty_axis_gives_identity():
    out, expected = _reduce_both(R.SUM, np.empty((2, 0), np.float32), np.float32, 0, 1, 0.0)
    assert_same(out, expected)


def test_cumsum_matches_cpu():
    x = values((2, 3, 2), np.int64)
    expected = np.empty_like(x)
    C.cumsum(x, expected, 3, 2)
    out = G.empty(x.shape, x.dtype)
    G.cumsum(G.from_host(x), out, 3, 2)
    assert_same(out, expected)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize(("shape", "n", "inner"), [((2, 3, 4), 3, 4), ((2, 40), 40, 1)])
def test_softmax_matches_cpu(log, shape, n, inner):
    x = values(shape, np.float32) * 20
    x.reshape(-1)[0] = -np.inf
    expected = np.empty_like(x)
    C.softmax(x, expected, n, inner, log)
    out = G.empty(x.shape, x.dtype)
    G.softmax(G.from_host(x), out, n, inner, log)
    assert_same(out, expected)


@pytest.mark.parametrize("bad_target", [False, True])
def test_cross_entropy_rows_match_cpu(bad_target):
    x = values((5, 4), np.float32) * 5
    target = np.array([3, -100, 0, 7 if bad_target else 1, 2], np.int64)
    sizes = {"lse": 5, "losses": 5, "valid": 5, "total": 1, "count": 1}
    expected = {k: np.empty(n, np.float32) for k, n in sizes.items()}
    bad = np.ones(1, np.int64)  # the launchers need no initial value
    C.cross_entropy_forward(x, target, -100, True, *expected.values(), bad)
    got = {k: G.empty((n,), np.float32) for k, n in sizes.items()}
    dbad = G.from_host(np.ones(1, np.int64))
    dx, dtarget = G.from_host(x), G.from_host(target)
    G.cross_entropy_forward(dx, dtarget, -100, True, *got.values(), dbad)
    for k in sizes:
        assert_same(got[k], expected[k])
    assert_same(dbad, bad)
    assert bad[0] == bad_target
    kept = expected["valid"].sum()
    assert expected["count"][0] == kept
    np.testing.assert_allclose(expected["total"][0], expected["losses"].sum() / kept, rtol=1e-6)
    if not bad_target:
        count = expected["count"]
        for grad, mean in ((np.full(1, 0.5, np.float32), True), (values(5), False)):
            grad_x = np.empty_like(x)
            C.cross_entropy_backward(x, target, -100, expected["lse"], grad, count, mean, grad_x)
            dgrad_x = G.empty(x.shape, x.dtype)
            G.cross_entropy_backward(dx, dtarget, -100, got["lse"], G.from_host(grad),
                                     G.from_host(count), mean, dgrad_x)  # fmt: skip
            assert_same(dgrad_x, grad_x)
            scale = grad / count[0] if mean else grad
            softmax = np.exp(x - expected["lse"][:, None])
            onehot = np.eye(4, dtype=np.float32)[np.where(target < 0, 0, target)]
            reference = (softmax - onehot) * (scale * (target != -100))[:, None]
            np.testing.assert_allclose(grad_x, reference, rtol=1e-5, atol=1e-6)


# --- indexing ---------------------------------------------------------------------------------


def test_index_select_matches_cpu():
    x = values((2, 4, 3))
    index = np.array([3, 0, 3], np.int64)
    expected = np.empty((2, 3, 3), np.float32)
    C.index_select(x, index, expected, 4, 3)
    out = G.empty((2, 3, 3), np.dtype(np.float32))
    G.index_select(G.from_host(x), G.from_host(index), out, 4, 3)
    assert_same(out, expected)


@pytest.mark.parametrize(
    ("dtype", "accumulate"), [(np.float32, True), (np.int64, False), (np.bool_, True)]
)
def test_index_put_adds_repeated_indices_like_cpu(dtype, accumulate):
    target = values((2, 4, 2), dtype)
    src = values((2, 3, 2), dtype)
    index = np.array([1, 3, 1] if accumulate else [2, 0, 3], np.int64)
    expected = target.copy()
    C.index_put(expected, index, src, 4, 2, accumulate)
    out = G.from_host(target)
    G.index_put(out, G.from_host(index), G.from_host(src), 4, 2, accumulate)
    assert_same(out, expected)


def test_gather_from_transposed_input_matches_cpu():
    x, dx = operand("transposed")
    index = np.array([[3, 0], [1, 1], [2, 3]], np.int64)
    expected = np.empty((3, 2), np.float32)
    C.gather(x, index, 1, expected)
    out = G.empty((3, 2), np.dtype(np.float32))
    G.gather(dx, G.from_host(index), 1, out)
    assert_same(out, expected)
    np.testing.assert_array_equal(expected, np.take_along_axis(x, index, 1))


@pytest.mark.parametrize("accumulate", [False, True])
def test_scatter_matches_cpu(accumulate):
    src, dsrc = operand("transposed")
    index = np.array([[0, 2], [2, 2], [1, 0]], np.int64)
    if not accumulate:
        index = np.array([[0, 2], [2, 1], [1, 0]], np.int64)
    target = values((3, 3), np.float32)
    expected = target.copy()
    C.scatter(expected, index, 0, src, accumulate)
    out = G.from_host(target)
    G.scatter(out, G.from_host(index), 0, dsrc, accumulate)
    assert_same(out, expected)


def test_nonzero_returns_device_indices():
    x = np.array([[0, 1.5, 0], [2, 0, -1]], np.float32)
    found = G.nonzero(G.from_host(x))
    assert not isinstance(found, np.ndarray)
    assert_same(found, C.nonzero(x))


# --- matmul, optimizer updates, convolution, pooling ------------------------------------------


def test_gemm_of_transposed_operand_with_bias_matches_cpu():
    a = values((5, 3))  # used as a.T: a (3, 5) operand with strides (1, 3)
    b, bias = values((5, 4)), values(4)
    expected = np.empty((3, 4), np.float32)
    C.gemm(a.T, b, expected, bias)
    out = G.empty((3, 4), np.dtype(np.float32))
    G.gemm(on_device(a.T, a.reshape(-1), G.from_host(a)), G.from_host(b), out,
           G.from_host(bias))  # fmt: skip
    assert_same(out, expected)
    G.gemm(G.from_host(a.T.copy()), G.from_host(b), out, None, beta_accumulate=True)
    assert_same(out, expected + a.T @ b)


def test_gemm_with_empty_inner_dimension_gives_the_bias():
    bias = values(3)
    out = G.empty((2, 3), np.dtype(np.float32))
    G.gemm(G.empty((2, 0), np.float32), G.empty((0, 3), np.float32), out, G.from_host(bias))
    assert_same(out, np.broadcast_to(bias, (2, 3)).copy())


def test_bmm_with_broadcast_batch_matches_cpu():
    a, b = values((2, 3, 5), np.float64), values((5, 2), np.float64)
    b_batched = np.broadcast_to(b, (2, 5, 2))
    expected = np.empty((2, 3, 2))
    C.bmm(a, b_batched, expected)
    out = G.empty((2, 3, 2), np.dtype(np.float64))
    G.bmm(G.from_host(a), on_device(b_batched, b.reshape(-1), G.from_host(b)), out)
    assert_same(out, expected)


OPTIMIZER_CASES = [  # (launcher, number of state arrays, empty state arrays, options)
    ("sgd_step", 1, (), SGDOptions(0.1, 0.9, 0.1, 0.01, True, False, False)),
    ("adam_step", 3, (), AdamOptions(0.1, 0.9, 0.999, 1e-8, 0.01, 3, True, False, True)),
    ("rmsprop_step", 3, (), RMSpropOptions(0.01, 0.99, 1e-8, 0.0, 0.9, True, False)),
    ("adagrad_step", 1, (), AdagradOptions(0.1, 1e-10, 0.0, True)),
    ("adadelta_step", 2, (), AdadeltaOptions(1.0, 0.9, 1e-6, 0.01, True)),
    ("adam_step", 3, (2,), AdamOptions(0.1, 0.9, 0.999, 1e-8, 0.0, 1, False, False, False)),
    ("adamax_step", 2, (), AdamaxOptions(0.1, 0.9, 0.999, 1e-8, 0.01, 3, True)),
    (
        "nadam_step",
        2,
        (),
        NAdamOptions(0.1, 0.9, 0.999, 1e-8, 0.01, 0.003, -0.05, -0.4, False, True),
    ),
    ("radam_step", 2, (), RAdamOptions(0.1, 0.9, 0.6, 1e-8, 0.01, 4, 0.8, True, False)),
    ("asgd_step", 1, (), ASGDOptions(0.1, 0.5, 0.5, 0.01, False)),
    ("rprop_step", 2, (), RpropOptions(0.5, 1.2, 1e-6, 50.0, False)),
]


@pytest.mark.parametrize(("name", "states", "empty", "options"), OPTIMIZER_CASES)
def test_optimizer_updates_match_cpu(name, states, empty, options):
    param, grad = values(6), values(6)
    # non-negative states, the first (a running square) large enough for centred RMSprop
    state = [
        np.zeros(0, np.float32) if i in empty else (i == 0) + np.abs(values(6)) / 10
        for i in range(states)
    ]
    expected = [param.copy()] + [s.copy() for s in state]
    getattr(C, name)(expected[0], grad, *expected[1:], options)
    device = [G.from_host(a) for a in [param, *state]]
    getattr(G, name)(device[0], G.from_host(grad), *device[1:], options)
    for got, want in zip(device, expected):
        # the simulator runs the update in Python, whose float32 scalars round differently
        np.testing.assert_allclose(G.to_host(got), want, rtol=2e-6, atol=1e-7)


def test_sgd_foreach_matches_sgd_step_on_each_parameter():
    options = SGDOptions(0.1, 0.9, 0.1, 0.01, True, False, False)
    params, grads, buffers = (values(n) for n in (3, 5)), (values(n) for n in (3, 5)), None
    params, grads = list(params), list(grads)
    buffers = [np.abs(values(n)) for n in (3, 5)]
    expected = [(p.copy(), b.copy()) for p, b in zip(params, buffers)]
    for (p, b), g in zip(expected, grads):
        C.sgd_step(p, g, b, options)
    got = [(G.from_host(p), G.from_host(b)) for p, b in zip(params, buffers)]
    G.sgd_foreach([p for p, _ in got], [G.from_host(g) for g in grads], [b for _, b in got],
                  options)  # fmt: skip
    for pair, want in zip(got, expected):
        for array, value in zip(pair, want):
            np.testing.assert_allclose(G.to_host(array), value, rtol=2e-6, atol=1e-7)
    cpu = [(p.copy(), b.copy()) for p, b in zip(params, buffers)]
    C.sgd_foreach([p for p, _ in cpu], grads, [b for _, b in cpu], options)
    for pair, want in zip(cpu, expected):
        for array, value in zip(pair, want):
            np.testing.assert_array_equal(array, value)


def test_conv2d_forward_and_backward_match_cpu():
    x, w, bias = values((2, 2, 5, 4)), values((4, 1, 3, 2)), values(4)
    geometry = ((2, 1), (1, 1), (1, 1), 2)  # stride, padding, dilation, groups (depthwise x2)
    oh, ow = C.conv_output_size(5, 3, 2, 1, 1), C.conv_output_size(4, 2, 1, 1, 1)
    expected = np.empty((2, 4, oh, ow), np.float32)
    C.conv2d_forward(x, w, bias, *geometry, expected)
    out = G.empty(expected.shape, np.dtype(np.float32))
    dx, dw = G.from_host(x), G.from_host(w)
    G.conv2d_forward(dx, dw, G.from_host(bias), *geometry, out)
    assert_same(out, expected)
    grad_out = values(expected.shape)
    expected_grads = [np.empty_like(x), np.empty_like(w), np.empty_like(bias)]
    C.conv2d_backward(x, w, grad_out, *geometry, *expected_grads)
    grads = [G.empty(a.shape, a.dtype) for a in expected_grads]
    G.conv2d_backward(dx, dw, G.from_host(grad_out), *geometry, *grads)
    for got, want in zip(grads, expected_grads):
        assert_same(got, want)
    # the columns a forward keeps serve the weight gradient without a second im2col
    columns = G.conv2d_forward(dx, dw, None, *geometry, out, True)
    assert columns is not None
    grad_w = G.empty(w.shape, w.dtype)
    G.conv2d_backward(G.from_host(x + 1), dw, G.from_host(grad_out), *geometry, None, grad_w,
                      None, columns)  # fmt: skip
    assert_same(grad_w, expected_grads[1])


def run_both(name: str, args: list, outputs: tuple) -> None:
    """Launcher `name` on the CPU and in the simulator on the same host arrays (and
    scalars); the arrays at positions `outputs` come out the same."""
    host = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    device = [G.from_host(a) if isinstance(a, np.ndarray) else a for a in args]
    getattr(C, name)(*host)
    getattr(G, name)(*device)
    for i in outputs:
        assert_same(device[i], host[i])


def test_pooling_forward_and_backward_match_cpu():
    x = values((1, 2, 5, 4))
    out, indices = np.empty((1, 2, 2, 2), np.float32), np.empty((1, 2, 2, 2), np.int64)
    C.max_pool2d_forward(x, Window(2, 2, 2, 2, 0, 0), out, indices)
    dx, dout, dindices = (
        G.from_host(x),
        G.empty(out.shape, out.dtype),
        G.empty(out.shape, indices.dtype),
    )
    G.max_pool2d_forward(dx, Window(2, 2, 2, 2, 0, 0), dout, dindices)
    assert_same(dout, out)
    assert_same(dindices, indices)
    grad_in, dgrad_in = np.empty_like(x), G.empty(x.shape, x.dtype)
    C.max_pool2d_backward(out, indices, grad_in)
    G.max_pool2d_backward(dout, dindices, dgrad_in)
    assert_same(dgrad_in, grad_in)
    # an overlapping, padded window: the general loops (the 2x2 above has its own path)
    general = Window(3, 3, 1, 1, 1, 1)
    outputs = [np.empty((1, 2, 5, 4), np.float32), np.empty((1, 2, 5, 4), np.int64)]
    run_both("max_pool2d_forward", [x, general, *outputs], outputs=(2, 3))
    # max_unpool2d puts the maxima back, and its backward gathers
    run_both("max_unpool2d_forward", [out, indices, np.empty_like(x)], outputs=(2,))
    run_both("max_unpool2d_backward", [x, indices, np.empty_like(out)], outputs=(2,))
    avg = (Window(3, 2, 2, 2, 1, 1), False, False, 0)  # window, ceil, pad, divisor
    C.avg_pool2d_forward(x, *avg, out)
    G.avg_pool2d_forward(dx, *avg, dout)
    assert_same(dout, out)
    C.avg_pool2d_backward(out, *avg, grad_in)
    G.avg_pool2d_backward(dout, *avg, dgrad_in)
    assert_same(dgrad_in, grad_in)
    adaptive, dadaptive = np.empty((1, 2, 3, 3), np.float32), G.empty((1, 2, 3, 3), x.dtype)
    C.adaptive_avg_pool2d_forward(x, adaptive)
    G.adaptive_avg_pool2d_forward(dx, dadaptive)
    assert_same(dadaptive, adaptive)
    C.adaptive_avg_pool2d_backward(adaptive, grad_in)
    G.adaptive_avg_pool2d_backward(dadaptive, dgrad_in)
    assert_same(dgrad_in, grad_in)


# --- tensors on 'cuda' ------------------------------------------------------------------------


def assert_close(cuda_tensor, cpu_tensor) -> None:
    """torch.testing.assert_close's check: same shape and dtype, values to float tolerance."""
    assert cuda_tensor.shape == cpu_tensor.shape and cuda_tensor.dtype == cpu_tensor.dtype
    np.testing.assert_allclose(
        cuda_tensor.detach().cpu().numpy(), cpu_tensor.detach().numpy(), rtol=1.3e-6, atol=1e-5
    )


def test_tensor_expression_on_cuda_matches_cpu():
    x = torch.randn(3, 4)
    y = (x.cuda() * 2 + 1).relu().sum(1)
    assert y.device == torch.device("cuda", 0) and y.is_cuda
    assert_close(y.cpu(), (x * 2 + 1).relu().sum(1))


def test_views_of_cuda_tensors_share_storage():
    x = torch.zeros(3, 4).cuda()
    x.t()[1].fill_(2.0)  # column 1
    expected = np.zeros((3, 4), np.float32)
    expected[:, 1] = 2
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    assert not x.t().is_contiguous()
    np.testing.assert_array_equal(x.t().contiguous().cpu().numpy(), expected.T)


def test_autograd_on_cuda_matches_cpu_gradients():
    data, weight = values((2, 3)), values(3)
    grads = []
    for device in ("cpu", "cuda"):
        x = torch.tensor(data, device=device, requires_grad=True)
        w = torch.tensor(weight, device=device, requires_grad=True)
        loss = ((x * w).sigmoid() + x.exp() / 4).sum()
        loss.backward()
        grads.append((x.grad.cpu(), w.grad.cpu(), loss.cpu()))
    for cpu_value, cuda_value in zip(*grads):
        assert_close(cuda_value, cpu_value)


def test_cuda_tensor_prints_its_device():
    assert "device='cuda:0'" in repr(torch.tensor([1.0, 2.0]).cuda())


def test_numpy_of_cuda_tensor_raises_type_error():
    with pytest.raises(TypeError, match="cuda"):
        torch.ones(2).cuda().numpy()


def test_mixing_devices_raises():
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        torch.ones(2) + torch.ones(2).cuda()
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        torch.nn.functional.cross_entropy(torch.ones(2, 3).cuda(), torch.tensor([0, 2]))


def test_cuda_reductions_and_indexing_through_tensors():
    x = torch.tensor([[1.0, 5.0, 3.0], [4.0, -2.0, math.pi]])
    g = x.cuda()
    assert_close(g.max(1).values.cpu(), x.max(1).values)
    assert g.argmax(1).tolist() == x.argmax(1).tolist()
    assert_close(g.softmax(0).cpu(), x.softmax(0))
    assert_close(g[:, [2, 0]].cpu(), x[:, [2, 0]])


def test_nonzero_of_cuda_tensor_is_on_cuda():
    x = torch.tensor([[0.0, 5.0], [4.0, 0.0]])
    found = x.cuda().nonzero()
    assert found.is_cuda and found.tolist() == x.nonzero().tolist()
    assert x.cuda()[x.cuda() > 1].tolist() == [5.0, 4.0]


def test_training_step_on_cuda_matches_cpu():
    data, target = values((4, 3)), values((4, 2))
    results = []
    for device in ("cpu", "cuda"):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 2).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x, y = torch.tensor(data, device=device), torch.tensor(target, device=device)
        loss = ((model(x) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        results.append([loss.detach(), model.weight.detach(), model.bias.detach()])
    for cpu_value, cuda_value in zip(*results):
        assert cuda_value.device == torch.device("cuda", 0)
        assert_close(cuda_value, cpu_value)


def test_cnn_training_steps_on_cuda_match_cpu():
    # conv -> ReLU -> max pool -> BatchNorm -> linear, cross-entropy, SGD with momentum:
    # two steps, so the second one reads the momentum buffers the first left on the device
    data = values((2, 1, 6, 6))
    labels = np.array([0, 2])
    results = []
    for device in ("cpu", "cuda"):
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Conv2d(1, 2, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.BatchNorm2d(2),
            torch.nn.Flatten(),
            torch.nn.Linear(18, 3),
        ).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        x = torch.tensor(data, device=device)
        y = torch.tensor(labels, device=device)
        losses = []
        for _ in range(2):
            loss = torch.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.detach())
        results.append(losses + [p.detach() for p in model.parameters()] + [model[3].running_var])
    for cpu_value, cuda_value in zip(*results):
        assert cuda_value.device == torch.device("cuda", 0)
        assert_close(cuda_value, cpu_value)
