"""The ops of ops/pointwise.py, ops/selection.py and the products and distances beyond
what the shared table (op_table.py) checks: special values, call forms, dtypes and
PyTorch's errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch

SETTINGS = settings(max_examples=30, deadline=None)
shapes = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)

INF, NAN = math.inf, math.nan


def values(t):
    return t.detach().cpu().numpy()


# --- pointwise: special values ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fn", "inputs", "expected"),
    [
        (torch.digamma, [0.0, -0.0, -1.0, INF, -INF, NAN], [-INF, INF, NAN, INF, NAN, NAN]),
        (torch.lgamma, [0.0, -1.0, 1.0, 2.0], [INF, INF, 0.0, 0.0]),
        (torch.erfinv, [1.0, -1.0, 1.5, 0.0], [INF, -INF, NAN, 0.0]),
        (torch.atanh, [1.0, -1.0, 2.0], [INF, -INF, NAN]),
        (torch.acosh, [1.0, 0.5], [0.0, NAN]),
        (torch.asin, [1.0, 1.5], [math.pi / 2, NAN]),
        (torch.sinc, [0.0, 1.0], [1.0, math.sin(math.pi) / math.pi]),
        (torch.logit, [0.0, 1.0, 0.5, -1.0], [-INF, INF, 0.0, NAN]),
        (torch.log10, [0.0, -1.0, 100.0], [-INF, NAN, 2.0]),
        (torch.i0, [0.0, NAN], [1.0, NAN]),
        (torch.frac, [-1.5, 2.75, INF], [-0.5, 0.75, NAN]),
        (  # both tails and the series' switch at -30, against mpmath's log(ncdf(x))
            torch.special.log_ndtr,
            [-100.0, -40.0, -31.0, -29.0, -5.0, 0.0, 5.0, 10.0, 40.0, -INF, INF, NAN],
            [
                -5005.524208694205,
                -804.6084420137538,
                -484.85396362717927,
                -424.78741990973015,
                -15.064998393988725,
                -0.6931471805599453,
                -2.866516129637636e-07,
                -7.619853024160525e-24,
                0.0,
                -INF,
                0.0,
                NAN,
            ],
        ),
    ],
)
def test_unary_special_values(fn, inputs, expected, device):
    result = fn(torch.tensor(inputs, dtype=torch.float64, device=device))
    np.testing.assert_allclose(values(result), expected, rtol=1e-12, atol=1e-15)


def test_erfinv_tail_inverts_erfc():
    # near 1, erf(x) rounds to 1: the result must still be the x whose erfc is 1 - y
    y = 1 - np.logspace(-15, -1, 15)
    x = values(torch.erfinv(torch.tensor(y, dtype=torch.float64)))
    np.testing.assert_allclose([math.erfc(v) for v in x], 1 - y, rtol=1e-12)


@pytest.mark.parametrize(
    ("fn", "a", "b", "expected"),
    [
        (torch.xlogy, [0.0, 0.0, 1.0, 2.0], [0.0, NAN, 0.0, 1.0], [0.0, NAN, -INF, 0.0]),
        (torch.logaddexp, [INF, -INF, 1.0], [INF, -INF, NAN], [INF, -INF, NAN]),
        (torch.logaddexp2, [INF, 1.0], [INF, 1.0], [INF, 2.0]),
        (torch.hypot, [3.0, INF], [4.0, NAN], [5.0, INF]),
        (torch.copysign, [1.0, 2.0, 3.0], [-0.0, 0.0, -INF], [-1.0, 2.0, -3.0]),
    ],
)
def test_binary_special_values(fn, a, b, expected, device):
    a, b = (torch.tensor(v, dtype=torch.float64, device=device) for v in (a, b))
    np.testing.assert_allclose(values(fn(a, b)), expected, rtol=1e-12)


def test_signbit_sees_negative_zero(device):
    x = torch.tensor([-0.0, 0.0, -1.0, NAN], dtype=torch.float64, device=device)
    assert values(torch.signbit(x)).tolist() == [True, False, True, False]


def test_isposinf_isneginf():
    x = torch.tensor([INF, -INF, NAN, 1.0], dtype=torch.float64)
    assert values(torch.isposinf(x)).tolist() == [True, False, False, False]
    assert values(x.isneginf()).tolist() == [False, True, False, False]
    assert not torch.isposinf(torch.tensor([1, 2])).any()


def test_integer_inputs_give_default_float():
    assert torch.asin(torch.tensor([0, 1])).dtype == torch.float32
    assert torch.copysign(torch.tensor([1, 2]), -1).dtype == torch.float32
    assert torch.deg2rad(torch.tensor([180])).dtype == torch.float32


# --- pointwise: call forms -----------------------------------------------------------------


def test_inplace_forms_write_into_the_tensor():
    x = torch.tensor([0.25, 0.5], dtype=torch.float64)
    storage = x.data_ptr()
    assert x.asin_() is x and x.data_ptr() == storage
    np.testing.assert_allclose(values(x), np.arcsin([0.25, 0.5]))
    y = torch.tensor([3.0, 5.0], dtype=torch.float64)
    y.hypot_(torch.tensor([4.0, 12.0], dtype=torch.float64))
    np.testing.assert_allclose(values(y), [5.0, 13.0])


def test_out_argument():
    out = torch.empty(2, dtype=torch.float64)
    torch.tan(torch.tensor([0.0, 0.5], dtype=torch.float64), out=out)
    np.testing.assert_allclose(values(out), np.tan([0.0, 0.5]))


def test_inplace_on_integers_refuses_float_results():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "):
        torch.tensor([1, 2]).acos_()


def test_special_namespace_names():
    x = torch.tensor([0.5, 1.5], dtype=torch.float64)
    assert torch.special.expit is torch.sigmoid
    np.testing.assert_allclose(
        values(torch.special.gammaln(x)), [math.lgamma(0.5), math.lgamma(1.5)]
    )
    np.testing.assert_allclose(
        values(torch.special.ndtr(x)), [0.5 * math.erfc(-v / math.sqrt(2)) for v in (0.5, 1.5)]
    )
    entr = torch.special.entr(torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64))
    np.testing.assert_allclose(values(entr), [-INF, 0.0, -2 * math.log(2)])


def test_polygamma_orders():
    x = torch.tensor([1.0], dtype=torch.float64)
    np.testing.assert_allclose(values(torch.polygamma(1, x)), [math.pi**2 / 6], rtol=1e-12)
    np.testing.assert_allclose(values(x.polygamma(0)), [-0.5772156649015329], rtol=1e-12)
    with pytest.raises(RuntimeError, match="does not support negative n"):
        torch.polygamma(-1, x)


def test_lerp_tensor_weight_and_gradient():
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([3.0, 6.0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([0.5, 0.25], dtype=torch.float64, requires_grad=True)
    np.testing.assert_allclose(values(torch.lerp(a, b, w)), [2.0, 3.0])
    assert torch.autograd.gradcheck(torch.lerp, (a, b, w))


def test_nan_to_num_keeps_integers():
    x = torch.tensor([1, 2])
    assert values(torch.nan_to_num(x)).tolist() == [1, 2]


# --- pointwise: PyTorch's errors ------------------------------------------------------------


def test_frac_refuses_integers():
    with pytest.raises(NotImplementedError, match="\"frac_cpu\" not implemented for 'Long'"):
        torch.frac(torch.tensor([1, 2]))


@pytest.mark.parametrize("name", ["hypot", "logaddexp", "logaddexp2"])
def test_float_only_binary_ops_refuse_integers(name):
    with pytest.raises(NotImplementedError, match=f"\"{name}_cpu\" not implemented for 'Long'"):
        getattr(torch, name)(torch.tensor([1]), torch.tensor([2]))


def test_xlogy_needs_a_tensor():
    with pytest.raises(TypeError, match="xlogy"):
        torch.xlogy(2, 3)


def test_lerp_errors():
    a = torch.tensor([1.0])
    with pytest.raises(RuntimeError, match="expected dtype float for `end` but got dtype double"):
        torch.lerp(a, torch.tensor([2.0], dtype=torch.float64), 0.5)
    with pytest.raises(NotImplementedError, match="lerp_kernel_scalar"):
        torch.lerp(torch.tensor([1]), torch.tensor([2]), 0.5)


# --- selection: rules the table's random values do not reach --------------------------------


def test_cummax_ties_take_the_later_position_and_nan_sticks(device):
    x = torch.tensor([1.0, 3.0, 3.0, 2.0, NAN, 4.0, NAN], dtype=torch.float64, device=device)
    values_, indices = torch.cummax(x, 0)
    np.testing.assert_array_equal(values(values_), [1, 3, 3, 3, NAN, NAN, NAN])
    assert values(indices).tolist() == [0, 1, 2, 2, 4, 4, 6]
    assert values(torch.cummin(x, 0).indices).tolist() == [0, 0, 0, 0, 4, 4, 6]


def test_mode_picks_smallest_of_the_most_frequent_and_its_last_position(device):
    x = torch.tensor([[1, 1, 2, 2, 2, 5], [7, 7, 7, 0, 0, 0]], device=device)
    result = torch.mode(x, 1)
    assert values(result.values).tolist() == [2, 0]
    assert values(result.indices).tolist() == [4, 5]


def test_median_nan_rules():
    x = torch.tensor([[1.0, NAN, 3.0, NAN], [4.0, 2.0, 3.0, 1.0]], dtype=torch.float64)
    median = torch.median(x, 1)
    np.testing.assert_array_equal(values(median.values), [NAN, 2.0])
    assert values(median.indices).tolist() == [1, 1]
    np.testing.assert_array_equal(values(torch.nanmedian(x, 1).values), [1.0, 2.0])
    assert math.isnan(torch.median(x).item()) and torch.nanmedian(x).item() == 2.0


def test_unique_sorted_inverse_counts(device):
    x = torch.tensor([[3, 1, 2], [3, 3, 0]], device=device)
    uniq, inverse, counts = torch.unique(x, return_inverse=True, return_counts=True)
    assert values(uniq).tolist() == [0, 1, 2, 3]
    assert values(inverse).tolist() == [[3, 1, 2], [3, 3, 0]]
    assert values(counts).tolist() == [1, 1, 1, 3]
    runs, run_counts = torch.tensor([1, 1, 2, 1]).unique_consecutive(return_counts=True)
    assert values(runs).tolist() == [1, 2, 1] and values(run_counts).tolist() == [2, 1, 1]


def test_bincount(device):
    x = torch.tensor([1, 1, 3], device=device)
    assert values(torch.bincount(x)).tolist() == [0, 2, 0, 1]
    weighted = torch.bincount(x, torch.tensor([0.5, 1.0, 2.0], device=device), minlength=5)
    assert weighted.dtype == torch.float32
    assert values(weighted).tolist() == [0.0, 1.5, 0.0, 2.0, 0.0]


def test_histc_bins_edges_and_data_range():
    data = torch.tensor([0.0, 0.25, 0.5, 2.0, NAN, -1.0, 3.0], dtype=torch.float64)
    assert values(torch.histc(data, bins=4, min=0, max=2)).tolist() == [2, 1, 0, 1]
    assert values(torch.histc(torch.tensor([1.0, 1.0]), bins=4)).tolist() == [0, 0, 2, 0]


def test_searchsorted_sides_sorter_and_scalar(device):
    sequence = torch.tensor([1.0, 2.0, 2.0, 3.0], dtype=torch.float64, device=device)
    points = torch.tensor([[2.0, 0.0], [3.5, 2.5]], dtype=torch.float64, device=device)
    assert values(torch.searchsorted(sequence, points)).tolist() == [[1, 0], [4, 3]]
    right = torch.searchsorted(sequence, points, side="right", out_int32=True)
    assert right.dtype == torch.int32 and values(right).tolist() == [[3, 0], [4, 3]]
    shuffled = torch.tensor([3.0, 1.0, 2.0], dtype=torch.float64, device=device)
    order = torch.tensor([1, 2, 0], device=device)
    assert torch.searchsorted(shuffled, 2.5, sorter=order).item() == 2
    assert values(torch.bucketize(points, sequence, right=True)).tolist() == [[3, 0], [4, 3]]


def test_searchsorted_rows_of_a_2d_sequence():
    sequence = torch.tensor([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]], dtype=torch.float64)
    points = torch.tensor([[2.5], [5.0]], dtype=torch.float64)
    assert values(torch.searchsorted(sequence, points)).tolist() == [[2], [0]]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: torch.kthvalue(torch.ones(2), 3), RuntimeError, "selected number k out of range"),
        (lambda: torch.median(torch.ones(0, 2), 0), IndexError, "Expected reduction dim 0"),
        (lambda: torch.bincount(torch.tensor([-1, 2])), RuntimeError, "1-d non-negative integral"),
        (lambda: torch.bincount(torch.ones(2)), NotImplementedError, "for 'Float'"),
        (
            lambda: torch.bincount(torch.tensor([1, 2]), torch.ones(1)),
            RuntimeError,
            "weights should be 1-d and have the same length as input",
        ),
        (lambda: torch.histc(torch.tensor([1, 2])), NotImplementedError, "histogram_cpu"),
        (lambda: torch.histc(torch.ones(2), bins=0), RuntimeError, "bins must be > 0, but got 0"),
        (lambda: torch.histc(torch.ones(2), 3, 2, 1), RuntimeError, "max must be larger than min"),
        (
            lambda: torch.searchsorted(torch.ones(2, 3), torch.ones(3, 1)),
            RuntimeError,
            r"boundaries tensor \[2, 3\] and input value tensor \[3, 1\]",
        ),
        (
            lambda: torch.searchsorted(torch.ones(3), torch.ones(1), side="left", right=True),
            RuntimeError,
            "side and right can't be set to opposites",
        ),
        (
            lambda: torch.searchsorted(torch.ones(3), torch.ones(1), sorter=torch.tensor([0, 1])),
            RuntimeError,
            "boundary and sorter must have the same size",
        ),
        (lambda: torch.bucketize(torch.ones(1), torch.ones(1, 2)), RuntimeError, r"dim\(2\)"),
        (
            lambda: torch.take(torch.ones(2, 2), torch.tensor([4])),
            IndexError,
            "tried to access index 4 on a tensor of 4 elements",
        ),
        (lambda: torch.take(torch.ones(2), torch.ones(1)), RuntimeError, "Expected a long tensor"),
        (
            lambda: torch.take_along_dim(torch.ones(2, 2), torch.tensor([1]), 0),
            RuntimeError,
            "should have the same number of dimensions",
        ),
        (
            lambda: torch.ones(2, 2).masked_scatter(torch.tensor([1, 0]), torch.ones(4)),
            RuntimeError,
            "only supports boolean masks, but got mask with dtype Long",
        ),
        (
            lambda: torch.ones(2, 2).masked_scatter(torch.tensor([True, True]), torch.ones(3)),
            RuntimeError,
            "Number of elements of source < number of ones in mask",
        ),
        (lambda: torch.rot90(torch.ones(2, 2), 1, [0]), RuntimeError, "rotation dims == 2"),
        (lambda: torch.rot90(torch.ones(2), 1, [0, 1]), RuntimeError, "total dims >= 2"),
        (lambda: torch.rot90(torch.ones(2, 2), 1, [1, 1]), RuntimeError, "dim0 = 1 and dim1 = 1"),
    ],
)
def test_selection_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_masked_scatter_in_place():
    x = torch.zeros(2, 3, dtype=torch.float64)
    x.masked_scatter_(torch.tensor([True, False, True]), torch.arange(6.0, dtype=torch.float64))
    assert values(x).tolist() == [[0, 0, 1], [2, 0, 3]]


# --- products and distances -------------------------------------------------------------------


def test_baddbmm_beta_zero_ignores_nan_in_input():
    a, b = torch.ones(1, 2, 3, dtype=torch.float64), torch.ones(1, 3, 2, dtype=torch.float64)
    result = torch.baddbmm(torch.full((1, 2, 2), NAN, dtype=torch.float64), a, b, beta=0)
    assert values(result).tolist() == [[[3.0, 3.0], [3.0, 3.0]]]


def test_cdist_coincident_points_have_finite_gradients():
    a = torch.tensor([[0.0, 1.0], [2.0, 2.0]], dtype=torch.float64, requires_grad=True)
    torch.cdist(a, a.detach()).sum().backward()
    assert np.isfinite(values(a.grad)).all()


def test_distance_modules():
    a = torch.tensor([[3.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([[0.0, 4.0], [1.0, 1.0]], dtype=torch.float64)
    np.testing.assert_allclose(values(torch.nn.PairwiseDistance(eps=0)(a, b)), [5.0, 0.0])
    np.testing.assert_allclose(values(torch.nn.CosineSimilarity()(a, b)), [0.0, 1.0], atol=1e-15)
    # a zero vector: its norm is clamped to eps, so the similarity is 0, not NaN
    zero = torch.zeros(1, 2, dtype=torch.float64)
    assert torch.nn.functional.cosine_similarity(zero, b[:1]).item() == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: torch.cdist(torch.ones(3), torch.ones(2, 3)), "at least 2D tensors"),
        (lambda: torch.cdist(torch.ones(2, 3), torch.ones(2, 4)), "same number of columns"),
        (lambda: torch.cdist(torch.ones(2, 3), torch.ones(2, 3), p=-1), "non-negative p"),
        (lambda: torch.addr(torch.ones(2, 2), torch.ones(2, 1), torch.ones(2)), "1-D argument"),
        (
            lambda: torch.inner(torch.ones(2, 3), torch.ones(2)),
            "the last dimension must match",
        ),
    ],
)
def test_product_errors(call, message):
    with pytest.raises(RuntimeError, match=message):
        call()


# --- random: statistics with generous tolerances, shapes, dtypes, errors -------------------


def test_multinomial_with_replacement_follows_the_weights():
    weights = torch.tensor([[1.0, 0.0, 3.0], [0.0, 2.0, 2.0]], dtype=torch.float64)
    picks = torch.multinomial(weights, 4000, replacement=True)
    assert picks.shape == (2, 4000) and picks.dtype == torch.int64
    counts = [np.bincount(row, minlength=3) / 4000 for row in values(picks)]
    np.testing.assert_allclose(counts, [[0.25, 0.0, 0.75], [0.0, 0.5, 0.5]], atol=0.04)


def test_multinomial_without_replacement_draws_distinct_and_zero_weights_last():
    picks = values(torch.tensor([0.1, 0.0, 5.0, 1.0]).multinomial(4))
    assert sorted(picks.tolist()) == [0, 1, 2, 3] and picks[-1] == 1
    torch.manual_seed(3)
    first = torch.multinomial(torch.ones(10), 3)
    torch.manual_seed(3)
    assert values(torch.multinomial(torch.ones(10), 3)).tolist() == values(first).tolist()


@pytest.mark.parametrize(
    ("weights", "n", "replacement", "message"),
    [
        (torch.ones(2, 2, 2), 1, False, "prob_dist must be 1 or 2 dim"),
        (torch.ones(3), 0, False, "cannot sample n_sample <= 0 samples"),
        (torch.ones(3), 4, False, "cannot sample n_sample > prob_dist.size"),
        (torch.tensor([1.0, -1.0]), 1, True, "contains either `inf`, `nan` or element < 0"),
        (torch.zeros(2), 1, True, r"invalid multinomial distribution \(sum of probabilities"),
        (torch.tensor([1, 2]), 1, True, "only supports floating-point dtypes for input, got: Long"),
    ],
)
def test_multinomial_errors(weights, n, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        torch.multinomial(weights, n, replacement)


def test_bernoulli_forms():
    p = torch.tensor([0.0, 1.0, 0.3], dtype=torch.float64).expand(2000, 3)
    draws = values(torch.bernoulli(p))
    assert draws[:, 0].sum() == 0 and draws[:, 1].sum() == 2000
    assert abs(draws[:, 2].mean() - 0.3) < 0.05
    assert abs(values(torch.zeros(4000).bernoulli(0.8)).mean() - 0.8) < 0.05
    with pytest.raises(
        RuntimeError, match=r"bernoulli_ expects p to be in \[0, 1\], but got p=1.5"
    ):
        torch.zeros(2).bernoulli_(1.5)


def test_normal_forms_broadcast_and_check_std():
    draws = torch.normal(torch.tensor([0.0, 10.0]).expand(3000, 2), 2.0)
    assert draws.shape == (3000, 2)
    np.testing.assert_allclose(values(draws).mean(0), [0.0, 10.0], atol=0.2)
    np.testing.assert_allclose(values(draws).std(0), [2.0, 2.0], rtol=0.1)
    assert torch.normal(1.0, 0.5, size=(4, 2)).shape == (4, 2)
    with pytest.raises(RuntimeError, match="normal expects all elements of std >= 0.0"):
        torch.normal(torch.zeros(2), torch.tensor([-1.0, 1.0]))
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0, but found std -1"):
        torch.normal(0.0, -1.0, size=(2,))


def test_poisson_mean_and_errors():
    rates = torch.tensor([0.0, 4.0], dtype=torch.float64).expand(3000, 2)
    draws = values(torch.poisson(rates))
    assert draws[:, 0].sum() == 0 and abs(draws[:, 1].mean() - 4.0) < 0.2
    with pytest.raises(RuntimeError, match="invalid Poisson rate"):
        torch.poisson(torch.tensor([-1.0]))
    with pytest.raises(NotImplementedError, match="poisson_cpu"):
        torch.poisson(torch.tensor([1, 2]))


def test_inplace_distributions():
    x = torch.empty(4000, dtype=torch.float64)
    geometric = values(x.geometric_(0.25))
    assert geometric.min() >= 1 and abs(geometric.mean() - 4.0) < 0.3
    assert abs(np.median(values(x.log_normal_(1.0, 0.5))) - math.e) < 0.15
    assert abs(np.median(values(x.cauchy_(2.0, 1.0))) - 2.0) < 0.15
    assert abs(values(x.exponential_(2.0)).mean() - 0.5) < 0.05
    uniform = values(x.uniform_(-1.0, 3.0))
    assert uniform.min() >= -1 and uniform.max() < 3 and abs(uniform.mean() - 1.0) < 0.1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: x.geometric_(0), r"geometric_ expects p to be in \(0, 1\), but got p=0"),
        (lambda x: x.log_normal_(0, -1), "log_normal_ expects std > 0.0, but found std=-1"),
        (lambda x: x.cauchy_(0, -1), "cauchy_ expects sigma > 0.0, but found sigma=-1"),
        (lambda x: x.exponential_(-1), "exponential_ expects lambda > 0.0, but found lambda=-1"),
        (lambda x: x.uniform_(2, 1), r"\[from, to\) range, but found from=2 > to=1"),
        (lambda x: x.normal_(0, -1), "normal expects std >= 0.0, but found std -1"),
    ],
)
def test_inplace_distribution_errors(call, message):
    x = torch.zeros(2)
    with pytest.raises(RuntimeError, match=message):
        call(x)
    assert values(x).tolist() == [0.0, 0.0]


# --- shape logic over random shapes (hypothesis) ----------------------------------------------


@SETTINGS
@given(shapes, st.integers(0, 2**32 - 1))
def test_unique_matches_numpy(shape, seed):
    array = np.random.default_rng(seed).integers(0, 4, shape)
    uniq, inverse, counts = torch.unique(
        torch.tensor(array), return_inverse=True, return_counts=True
    )
    want, want_inverse, want_counts = np.unique(array, return_inverse=True, return_counts=True)
    assert values(uniq).tolist() == want.tolist()
    assert values(inverse).shape == array.shape
    assert values(inverse).ravel().tolist() == want_inverse.ravel().tolist()
    assert values(counts).tolist() == want_counts.tolist()


@SETTINGS
@given(shapes, st.integers(1, 5), st.booleans(), st.integers(0, 2**32 - 1))
def test_searchsorted_matches_numpy(shape, n, right, seed):
    rng = np.random.default_rng(seed)
    sequence = np.sort(rng.integers(0, 5, n)).astype(np.float64)
    points = rng.integers(-1, 6, shape).astype(np.float64)
    result = torch.searchsorted(torch.tensor(sequence), torch.tensor(points), right=right)
    want = np.searchsorted(sequence, points, side="right" if right else "left")
    assert values(result).shape == want.shape and (values(result) == want).all()


@SETTINGS
@given(
    st.lists(st.integers(1, 3), max_size=2).map(tuple),
    st.lists(st.sampled_from([0, 1]), max_size=2),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_cdist_broadcasts_batch_dims(batch, ones, rows1, rows2, columns):
    other = tuple(1 if i < len(ones) and ones[i] else n for i, n in enumerate(batch))
    rng = np.random.default_rng(0)
    a, b = rng.uniform(size=batch + (rows1, columns)), rng.uniform(size=other + (rows2, columns))
    result = torch.cdist(torch.tensor(a), torch.tensor(b))
    want = np.linalg.norm(a[..., :, None, :] - b[..., None, :, :], axis=-1)
    assert values(result).shape == want.shape
    np.testing.assert_allclose(values(result), want, rtol=1e-12)


def test_relu_gives_plus_zero_below_zero_and_keeps_nan_like_pytorch(device):
    x = torch.tensor([-1.0, -0.0, math.nan, 2.0, -math.inf], device=device, requires_grad=True)
    y = torch.relu(x)
    y.backward(torch.full((5,), -1.0, device=device))
    values, grads = y.detach().cpu().numpy(), x.grad.cpu().numpy()
    np.testing.assert_array_equal(values, [0.0, -0.0, math.nan, 2.0, 0.0])
    assert np.signbit(values).tolist() == [False, True, False, False, False]
    # PyTorch's threshold_backward: 0 where the input is <= 0, the gradient elsewhere (NaN too)
    np.testing.assert_array_equal(grads, [0.0, 0.0, -1.0, -1.0, 0.0])
    assert not np.signbit(grads[[0, 1, 4]]).any()


def _shift_reference(a, n, left, bits):
    """PyTorch's shifts on Python ints, wrapped to the dtype's width."""
    out = []
    for x, k in zip(a.ravel().tolist(), n.ravel().tolist()):
        if left:
            v = x << k if 0 <= k < 64 else 0
        else:
            v = 0 if k < 0 else (x >> k if k < 64 else -1 if x < 0 else 0)
        out.append(v)
    return np.array(out, dtype=np.int64).astype(a.dtype).reshape(a.shape)


@pytest.mark.parametrize("dtype", [np.int64, np.int8, np.uint8])
def test_gcd_lcm_and_shifts_match_numpy_and_pytorchs_edge_rules(dtype, device):
    if str(device).startswith("cuda") and dtype is not np.int64:
        pytest.skip("the CUDA simulator stores Python ints, which do not wrap at 8 bits")
    rng = np.random.default_rng(3)
    signed = np.issubdtype(dtype, np.signedinteger)
    a = rng.integers(-60 if signed else 0, 60, (3, 4)).astype(dtype)
    b = rng.integers(0, 40, (4, 3)).astype(dtype).T  # a transposed (strided) operand
    counts = np.array([[-1, 0, 3, 9]], dtype) if signed else np.array([[0, 1, 7, 9]], dtype)
    ta, tb, tn = (torch.tensor(v, device=device) for v in (a, np.ascontiguousarray(b), counts))
    tb = tb.t().contiguous().t()
    np.testing.assert_array_equal(values(torch.gcd(ta, tb)), np.gcd(a, b))
    np.testing.assert_array_equal(values(torch.lcm(ta, tb)), np.lcm(a, b))
    bits = np.broadcast_arrays(a, counts)
    np.testing.assert_array_equal(values(ta << tn), _shift_reference(*bits, True, 0))
    np.testing.assert_array_equal(values(ta >> tn), _shift_reference(*bits, False, 0))


def test_shift_counts_past_the_width_and_gcd_errors():
    a = torch.tensor([5, -5, 7, -8, 1])
    n = torch.tensor([1, 1, 64, 70, -1])
    assert torch.bitwise_left_shift(a, n).tolist() == [10, -10, 0, 0, 0]
    assert torch.bitwise_right_shift(a, n).tolist() == [2, -3, 0, -1, 0]
    assert (2 << torch.tensor([1, 2])).tolist() == [4, 8]
    with pytest.raises(NotImplementedError, match="\"gcd_cpu\" not implemented for 'Float'"):
        torch.gcd(torch.ones(2), torch.ones(2))
    with pytest.raises(NotImplementedError, match="\"lshift_cpu\" not implemented for 'Double'"):
        torch.ones(2, dtype=torch.float64) << 1
    with pytest.raises(NotImplementedError, match="\"nextafter_cpu\" not implemented for 'Long'"):
        torch.nextafter(torch.tensor([1]), torch.tensor([2]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nextafter_steps_one_ulp_toward_other(dtype, device):
    x = np.array([1.0, 0.0, np.nan, 2.0, -np.inf, 1.0], dtype)
    y = np.array([2.0, -1.0, 1.0, 2.0, 0.0, np.nan], dtype)
    got = values(torch.nextafter(torch.tensor(x, device=device), torch.tensor(y, device=device)))
    assert got.dtype == dtype
    np.testing.assert_array_equal(got, np.nextafter(x, y))
