"""The CPU GEMM kernels against np.matmul: the direct (small) and packed paths, any
strides, bias, accumulation and batches."""

import numpy as np
import pytest
from numbatorch.kernels.contract import Operand
from numbatorch.kernels.cpu import matmul

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}

# (M, K, N): below SMALL_GEMM the direct kernel runs, above it the packed one; the packed
# shapes have partial register tiles and K split into two depth blocks (K > KC)
SMALL_SHAPES = [(1, 1, 1), (3, 5, 2), (1, 7, 9), (9, 7, 1), (5, 1, 6), (17, 13, 19)]
PACKED_SHAPES = [(70, 90, 65), (9, 300, 45), (130, 20, 70)]


def _operands(m, k, n, dtype, transpose_a=False, transpose_b=False, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if transpose_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if transpose_b else (k, n)).astype(dtype)
    return (a.T if transpose_a else a), (b.T if transpose_b else b)


def _check(out, expected):
    scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
    np.testing.assert_allclose(out, expected, rtol=0, atol=RTOL[out.dtype.type] * 10 * scale)


def _reference(a, b):
    return a.astype(np.float64) @ b.astype(np.float64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SMALL_SHAPES + PACKED_SHAPES)
def test_gemm_matches_numpy(dtype, shape):
    a, b = _operands(*shape, dtype)
    out = np.full((shape[0], shape[2]), np.nan, dtype)
    matmul.gemm(a, b, out)
    _check(out, _reference(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 2), (70, 90, 65)])
@pytest.mark.parametrize("transpose_a, transpose_b", [(True, False), (False, True), (True, True)])
def test_gemm_reads_transposed_views_without_copy(dtype, shape, transpose_a, transpose_b):
    a, b = _operands(*shape, dtype, transpose_a, transpose_b)
    out = np.empty((shape[0], shape[2]), dtype)
    matmul.gemm(a, b, out)
    _check(out, _reference(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 6, 5), (70, 90, 65)])
def test_gemm_reads_sliced_and_reversed_views(dtype, shape):
    m, k, n = shape
    a, b = _operands(2 * m, 3 * k, n, dtype)
    a = a[::2, ::3]  # strided rows and columns
    b = b[::3][::-1]  # negative row stride
    out = np.empty((m, n), dtype)
    matmul.gemm(a, b, out)
    _check(out, _reference(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 2), (70, 90, 65)])
def test_gemm_adds_bias_to_every_row(dtype, shape):
    a, b = _operands(*shape, dtype)
    bias = np.random.default_rng(1).standard_normal(shape[2]).astype(dtype)
    out = np.empty((shape[0], shape[2]), dtype)
    matmul.gemm(a, b, out, bias=bias)
    _check(out, _reference(a, b) + bias)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 2), (70, 90, 65)])
def test_gemm_beta_accumulate_adds_to_out(dtype, shape):
    a, b = _operands(*shape, dtype)
    start = np.random.default_rng(2).standard_normal((shape[0], shape[2])).astype(dtype)
    out = start.copy()
    matmul.gemm(a, b, out, beta_accumulate=True)
    _check(out, start + _reference(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 2), (70, 90, 65)])
def test_gemm_beta_accumulate_with_bias_adds_both(dtype, shape):
    a, b = _operands(*shape, dtype)
    rng = np.random.default_rng(5)
    start = rng.standard_normal((shape[0], shape[2])).astype(dtype)
    bias = rng.standard_normal(shape[2]).astype(dtype)
    out = start.copy()
    matmul.gemm(a, b, out, bias=bias, beta_accumulate=True)
    _check(out, start + _reference(a, b) + bias)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_with_empty_depth_gives_zeros_or_bias(dtype):
    a = np.empty((3, 0), dtype)
    b = np.empty((0, 4), dtype)
    out = np.full((3, 4), np.nan, dtype)
    matmul.gemm(a, b, out)
    np.testing.assert_array_equal(out, np.zeros((3, 4)))
    bias = np.arange(4, dtype=dtype)
    matmul.gemm(a, b, out, bias=bias)
    np.testing.assert_array_equal(out, np.broadcast_to(bias, (3, 4)))
    matmul.gemm(a, b, out, beta_accumulate=True)
    np.testing.assert_array_equal(out, np.broadcast_to(bias, (3, 4)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_accepts_read_only_inputs(dtype):
    a, b = _operands(70, 90, 65, dtype)
    a.flags.writeable = False
    b.flags.writeable = False
    out = np.empty((70, 65), dtype)
    matmul.gemm(a, b, out)
    _check(out, _reference(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 5, 2), (70, 90, 65)])
def test_gemm_blas_matches_gemm(dtype, shape):
    a, b = _operands(*shape, dtype, transpose_a=True)
    bias = np.ones(shape[2], dtype)
    ours = np.empty((shape[0], shape[2]), dtype)
    blas = np.empty_like(ours)
    matmul.gemm(a, b, ours, bias=bias)
    matmul.gemm_blas(a, b, blas, bias=bias)
    _check(ours, blas.astype(np.float64))
    start = ours.copy()
    matmul.gemm_blas(a, b, blas, beta_accumulate=True)
    _check(blas, start + _reference(a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 5), (60, 70, 50)])
def test_bmm_matches_numpy(dtype, shape):
    m, k, n = shape
    rng = np.random.default_rng(3)
    a = rng.standard_normal((4, m, k)).astype(dtype)
    b = rng.standard_normal((4, n, k)).astype(dtype).transpose(0, 2, 1)
    out = np.empty((4, m, n), dtype)
    matmul.bmm(a, b, out)
    _check(out, np.matmul(a.astype(np.float64), b.astype(np.float64)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 5), (60, 70, 50)])
@pytest.mark.parametrize("broadcast", ["a", "b"])
def test_bmm_broadcasts_a_batch_of_stride_zero(dtype, shape, broadcast):
    m, k, n = shape
    rng = np.random.default_rng(4)
    a = rng.standard_normal((1 if broadcast == "a" else 3, m, k)).astype(dtype)
    b = rng.standard_normal((1 if broadcast == "b" else 3, k, n)).astype(dtype)
    a = np.broadcast_to(a, (3, m, k))
    b = np.broadcast_to(b, (3, k, n))
    out = np.empty((3, m, n), dtype)
    matmul.bmm(a, b, out)
    _check(out, np.matmul(a.astype(np.float64), b.astype(np.float64)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("terms", [6, 7])
@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_batched_sums_over_r_in_parallel_slices(dtype, terms, accumulate):
    # one small C and a long sum over r (a conv weight gradient's shape): the sum is cut
    # into slices summed apart, then added together (7 terms: slices of one)
    m, k, n = 6, 500, 40  # m*n*k above SMALL_GEMM: the packed kernel
    rng = np.random.default_rng(5)
    a = rng.standard_normal((terms, m, k)).astype(dtype)
    b = rng.standard_normal((terms, n, k)).astype(dtype)  # read transposed: B[r] = b[r].T
    out = rng.standard_normal((m, n)).astype(dtype)
    expected = np.einsum("rik,rjk->ij", a.astype(np.float64), b.astype(np.float64))
    if accumulate:
        expected += out
    t = np.arange(terms, dtype=np.int64)[None, :]
    assert matmul._sum_split(m, n, 1, terms) > 1  # the sliced path runs
    a_operand = Operand(matmul.flat_view(a)[0], t * m * k, k, 1)
    b_operand = Operand(matmul.flat_view(b)[0], t * n * k, 1, k)
    matmul.gemm_batched(
        a_operand, b_operand, out.reshape(-1), np.zeros(1, np.int64), m, n, k, accumulate=accumulate
    )
    _check(out, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 4000, 7), (64, 84, 10), (3, 5, 2)])  # thin, small, tiny
@pytest.mark.parametrize("accumulate", [False, True])
def test_gemm_of_rows_by_columns_runs_as_dot_products(dtype, shape, accumulate):
    # a @ b.T: A's rows and B's columns lie along k in memory, as in x @ W.T; odd row and
    # column counts leave single rows and columns beside the kernel's 2 x 2 blocks
    m, k, n = shape
    a, b = _operands(m, k, n, dtype, transpose_b=True, seed=7)
    bias = np.random.default_rng(8).standard_normal(n).astype(dtype)
    out = np.random.default_rng(9).standard_normal((m, n)).astype(dtype)
    expected = _reference(a, b) + bias + (out if accumulate else 0)
    matmul.gemm(a, b, out, bias, beta_accumulate=accumulate)
    _check(out, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("accumulate", [False, True])
def test_batch_of_thin_products_reads_b_in_place(dtype, accumulate):
    # fewer rows than a register tile over a wide B (a small conv's forward: one weight,
    # many samples): the products run direct, in parallel over the batch
    m, k, n, batch = matmul.MR - 1, 25, 2000, 5  # m*n*k above SMALL_GEMM
    rng = np.random.default_rng(11)
    w = rng.standard_normal((m, k)).astype(dtype)
    cols = rng.standard_normal((batch, k, n)).astype(dtype)
    bias = rng.standard_normal(m).astype(dtype)
    out = rng.standard_normal((batch, m, n)).astype(dtype)
    expected = np.einsum("ik,bkn->bin", w.astype(np.float64), cols) + bias[:, None]
    if accumulate:
        expected += out
    assert m < matmul.MR and m * n * k > matmul.SMALL_GEMM
    w_operand = Operand(matmul.flat_view(w)[0], np.zeros((batch, 1), np.int64), k, 1)
    cols_operand = Operand(matmul.flat_view(cols)[0], (np.arange(batch) * k * n)[:, None], n, 1)
    bias_operand = Operand(matmul.flat_view(bias)[0], np.zeros(batch, np.int64), 1, 0)
    matmul.gemm_batched(
        w_operand,
        cols_operand,
        out.reshape(-1),
        np.arange(batch) * m * n,
        m,
        n,
        k,
        bias_operand,
        accumulate=accumulate,
    )
    for b in range(batch):
        _check(out[b], expected[b])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2 * matmul.MR, 16, 40), (matmul.MR + 3, 5, 7)])
def test_batch_of_small_products_reads_a_in_place(dtype, shape):
    # many one-term products below SMALL_GEMM (attention's heads): A read through its
    # strides, B column-major, a last panel of rows short of a register tile and a last
    # panel of columns short of NR; every entry of C written, nothing past it
    m, k, n = shape
    rng = np.random.default_rng(12)
    a = rng.standard_normal((3, m, 2, k)).astype(dtype)[:, :, 1]  # rows 2k apart
    b = rng.standard_normal((3, n, k)).astype(dtype).transpose(0, 2, 1)
    memory = np.full(3 * m * n + 8, np.nan, dtype)
    out = memory[: 3 * m * n].reshape(3, m, n)
    assert m * n * k <= matmul.SMALL_GEMM and k <= matmul.KC
    matmul.bmm(a, b, out)
    _check(out, np.matmul(a.astype(np.float64), b.astype(np.float64)))
    assert np.isnan(memory[3 * m * n :]).all()
