"""Accuracy of the vectorised transcendentals (kernels/common/fastmath.py) through the ops
that use them: the error in ulps against a higher-precision reference over a dense sweep
(one kernel call on 2**20 or 2**16 points), and PyTorch's values at the special inputs."""

import math

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F

SWEEP = 1 << 20
# the functions added later sweep fewer points, below the parallel threshold, so the serial
# kernels that the other tests compile anyway serve them (a compile per dtype is seconds)
SMALL_SWEEP = (1 << 16) - 1


def _linear(low, high, size=SWEEP):
    """Evenly spaced points plus +-(1e-30 .. 1), where the small-argument paths live."""
    tiny = np.geomspace(1e-30, 1.0, 4096)
    return np.concatenate([np.linspace(low, high, size - 8192), tiny, -tiny])


def _positive(smallest, largest):
    """Logarithmically spaced points over (smallest .. largest), subnormals included, plus
    evenly spaced ones around 1, where log's reduction switches."""
    return np.concatenate(
        [np.geomspace(smallest, largest, SMALL_SWEEP - 8192), np.linspace(0.5, 2.0, 8192)]
    )


def _above_minus_one(largest):
    """log1p's domain: (-1 .. largest), dense near 0 on both sides."""
    below = -np.geomspace(1e-30, 1 - 1e-7, 8192)
    return np.concatenate([below, np.geomspace(1e-30, largest, SMALL_SWEEP - 8192)])


def _longdouble(fn):
    return lambda x: fn(x.astype(np.longdouble))


def _libm(fn):
    """A float64 libm reference (for float32 results: 2**29 times finer than their ulp)."""
    return lambda x: np.vectorize(fn, otypes=[np.float64])(x.astype(np.float64))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


SQRT_2_OVER_PI = np.longdouble(0.79788456080286535587989211986876)

# name -> (op, reference, float32 inputs, float64 inputs, ulp bound float32, float64).
# References: long double libm (64-bit mantissa); erf and GELU: float64 libm, so float64
# is not swept there (float64 erf and GELU call libm themselves).
CASES = {
    "exp": (torch.exp, _longdouble(np.exp), _linear(-110, 90), _linear(-750, 712), 2, 4),
    "tanh": (torch.tanh, _longdouble(np.tanh), _linear(-12, 12), _linear(-25, 25), 2, 4),
    "sigmoid": (
        torch.sigmoid,
        _longdouble(_sigmoid),
        _linear(-87, 30),
        _linear(-700, 40),
        2,
        4,
    ),  # fmt: skip
    "log": (torch.log, _longdouble(np.log), _positive(1e-45, 3e38), _positive(5e-324, 1e308), 2, 4),
    "log2": (
        torch.log2,
        _longdouble(np.log2),
        _positive(1e-45, 3e38),
        _positive(5e-324, 1e308),
        2,
        4,
    ),  # fmt: skip
    "log1p": (
        torch.log1p,
        _longdouble(np.log1p),
        _above_minus_one(3e38),
        _above_minus_one(1e308),
        2,
        4,
    ),  # fmt: skip
    "expm1": (
        torch.expm1,
        _longdouble(np.expm1),
        _linear(-30, 89, SMALL_SWEEP),
        _linear(-60, 709, SMALL_SWEEP),
        2,
        4,
    ),  # fmt: skip
    "erf": (torch.erf, _libm(math.erf), _linear(-6, 6, SMALL_SWEEP), None, 2, None),
    "gelu": (
        F.gelu,
        _libm(lambda v: 0.5 * v * math.erfc(-v / math.sqrt(2))),
        # below -5.6 the erfc fit ends (|x| / sqrt 2 > 4) and GELU gives -0, as PyTorch's
        # 1 + erf(x / sqrt 2) does from -5.4 on
        _linear(-5.6, 20, SMALL_SWEEP),
        None,
        2,
        None,
    ),  # fmt: skip
    "gelu_tanh": (
        lambda t: F.gelu(t, approximate="tanh"),
        _longdouble(lambda x: x * _sigmoid(2 * SQRT_2_OVER_PI * (x + 0.044715 * x**3))),
        _linear(-10, 20, SMALL_SWEEP),
        _linear(-10, 20, SMALL_SWEEP),
        2,
        # sigmoid(2u) turns the ~2 ulp rounding of u into a relative error 2|u| times
        # larger (u = -44 at x = -10; measured 160): PyTorch's float64 formula shares it
        192,
    ),
    "silu": (
        F.silu,
        _longdouble(lambda x: x * _sigmoid(x)),
        _linear(-80, 30, SMALL_SWEEP),
        _linear(-700, 40, SMALL_SWEEP),
        2,  # x q + x c from sigmoid's parts (x * sigmoid(x) rounded twice: 2.04)
        5,
    ),  # fmt: skip
    "softplus": (
        F.softplus,
        _longdouble(lambda x: np.where(x > 20, x, np.log1p(np.exp(x)))),
        _linear(-100, 30, SMALL_SWEEP),
        _linear(-740, 30, SMALL_SWEEP),
        2,
        4,
    ),  # fmt: skip
    "elu": (
        F.elu,
        _longdouble(lambda x: np.where(x > 0, x, np.expm1(x))),
        _linear(-30, 10, SMALL_SWEEP),
        _linear(-60, 10, SMALL_SWEEP),
        2,
        4,
    ),  # fmt: skip
}


def ulp_errors(got: np.ndarray, reference: np.ndarray, dtype) -> np.ndarray:
    """|got - reference| in units of the spacing of dtype at the rounded reference; 0 where
    both are the same inf or both NaN."""
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = reference.astype(dtype)
        spacing = np.spacing(np.abs(rounded)).astype(np.longdouble)
        errors = np.abs(got.astype(np.longdouble) - reference) / spacing
    same = (np.isnan(got) & np.isnan(rounded)) | (np.isinf(rounded) & (got == rounded))
    errors[same] = 0
    return errors


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CASES))
def test_fastmath_error_within_ulp_bound_over_a_dense_sweep(name, dtype):
    op, reference, inputs32, inputs64, bound32, bound64 = CASES[name]
    if dtype == np.float64 and inputs64 is None:
        pytest.skip("float64 calls libm, the reference itself")
    x = (inputs32 if dtype == np.float32 else inputs64).astype(dtype)
    got = op(torch.from_numpy(x)).numpy()
    errors = ulp_errors(got, reference(x), dtype)
    worst = int(np.argmax(errors))
    bound = bound32 if dtype == np.float32 else bound64
    assert errors[worst] <= bound, (x[worst], got[worst], errors[worst])


EDGES = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-40, -1e-40, 88.8, -104.0, -1.0, 1.0]
NAN, INF = math.nan, math.inf
# PyTorch 2.13's float32 results at EDGES (signs of zero included).
EXPECTED32 = {
    "exp": [1.0, 1.0, INF, 0.0, NAN, 1.0, 1.0, INF, 0.0, 0.36787945, 2.7182817],
    "tanh": [0.0, -0.0, 1.0, -1.0, NAN, 1e-40, -1e-40, 1.0, -1.0, -0.7615942, 0.7615942],
    "sigmoid": [0.5, 0.5, 1.0, 0.0, NAN, 0.5, 0.5, 1.0, 0.0, 0.26894143, 0.7310586],
    "log": [-INF, -INF, INF, NAN, NAN, -92.10340881347656, NAN, 4.486386775970459, NAN, NAN, 0.0],
    "log2": [
        -INF,
        -INF,
        INF,
        NAN,
        NAN,
        -132.87713623046875,
        NAN,
        6.472487926483154,
        NAN,
        NAN,
        0.0,
    ],  # fmt: skip
    "log1p": [
        0.0,
        -0.0,
        INF,
        NAN,
        NAN,
        1e-40,
        -1e-40,
        4.497584819793701,
        NAN,
        -INF,
        0.6931471824645996,
    ],  # fmt: skip
    "expm1": [
        0.0,
        -0.0,
        INF,
        -1.0,
        NAN,
        1e-40,
        -1e-40,
        INF,
        -1.0,
        -0.6321205496788025,
        1.718281865119934,
    ],  # fmt: skip
    "erf": [
        0.0,
        -0.0,
        1.0,
        -1.0,
        NAN,
        1.1283675624282725e-40,
        -1.1283675624282725e-40,
        1.0,
        -1.0,
        -0.8427007794380188,
        0.8427007794380188,
    ],  # fmt: skip
    # at +inf PyTorch 2.13's float32 gives NaN (its float64 and its tanh form give inf)
    "gelu": [
        0.0,
        -0.0,
        INF,
        NAN,
        NAN,
        5e-41,
        -5e-41,
        88.8,
        -0.0,
        -0.15865525603294373,
        0.8413447141647339,
    ],  # fmt: skip
    "gelu_tanh": [
        0.0,
        -0.0,
        INF,
        NAN,
        NAN,
        5e-41,
        -5e-41,
        88.8,
        -0.0,
        -0.15880799293518066,
        0.8411920070648193,
    ],  # fmt: skip
    "silu": [
        0.0,
        -0.0,
        INF,
        NAN,
        NAN,
        5e-41,
        -5e-41,
        88.8,
        -0.0,
        -0.2689414322376251,
        0.7310585975646973,
    ],  # fmt: skip
    # softplus(-inf) is 0 (max(x, 0 * x) made it NaN)
    "softplus": [
        0.6931471824645996,
        0.6931471824645996,
        INF,
        0.0,
        NAN,
        0.6931471824645996,
        0.6931471824645996,
        88.8,
        0.0,
        0.3132616877555847,
        1.31326162815094,
    ],  # fmt: skip
    "elu": [0.0, -0.0, INF, -1.0, NAN, 1e-40, -1e-40, 88.8, -1.0, -0.6321205496788025, 1.0],
}


def _same(got: np.ndarray, expected: np.ndarray) -> bool:
    """Equal as floats of this dtype, NaN to NaN, and with the same sign of zero."""
    return bool(
        np.all((got == expected) | (np.isnan(got) & np.isnan(expected)))
        and np.all(np.signbit(got[got == 0]) == np.signbit(expected[got == 0]))
    )


@pytest.mark.parametrize("name", list(EXPECTED32))
def test_fastmath_special_values_match_pytorch(name, device):
    op = CASES[name][0]
    x = torch.tensor(EDGES, dtype=torch.float32, device=device)
    got = op(x).cpu().numpy()
    expected = np.array(EXPECTED32[name], np.float32)
    # exactly PyTorch's at the special inputs; at +-1 (the last two), within the ulp bound
    assert _same(got[:-2], expected[:-2]), (got, expected)
    assert (ulp_errors(got[-2:], expected[-2:].astype(np.longdouble), np.float32) <= 2).all()


@pytest.mark.parametrize("name", list(CASES))
def test_fastmath_float64_special_values_are_exact(name):
    """float64 at the special inputs that have exact answers (0, +-inf, NaN)."""
    op = CASES[name][0]
    got = op(torch.tensor(EDGES[:5], dtype=torch.float64)).numpy()
    # softplus(+-0) is log 2, rounded to float64 here
    zero = [math.log(2)] * 2 if name == "softplus" else EXPECTED32[name][:2]
    expected = np.array(zero + EXPECTED32[name][2:5], np.float64)
    assert _same(got, expected), (got, expected)


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid", "log", "gelu", "gelu_tanh", "softplus"])
def test_fastmath_cuda_twin_agrees_with_the_cpu(name):
    """The CUDA kernels compile the same scalar functions: a few points across the range,
    within 2 float32 ulp (the CPU contracts a * b + c into one FMA, the simulator cannot)."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA (not even the simulator)")
    op = CASES[name][0]
    x = torch.linspace(-20, 20, 33)
    np.testing.assert_allclose(op(x.cuda()).cpu().numpy(), op(x).numpy(), rtol=2.4e-7, atol=1e-44)
