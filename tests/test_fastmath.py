"""Accuracy of the vectorised transcendentals (kernels/common/fastmath.py) through the ops
that use them: the error in ulps against a higher-precision reference over a dense sweep
(one kernel call on 2**20 points), and PyTorch's values at the special inputs."""

import math

import numpy as np
import pytest

import numbatorch as torch

SWEEP = 1 << 20


def _linear(low, high):
    """Evenly spaced points plus +-(1e-30 .. 1), where the small-argument paths live."""
    tiny = np.geomspace(1e-30, 1.0, 4096)
    return np.concatenate([np.linspace(low, high, SWEEP - 8192), tiny, -tiny])


def _longdouble(fn):
    return lambda x: fn(x.astype(np.longdouble))


# name -> (op, reference, float32 inputs, float64 inputs, ulp bound float32, float64).
# References: long double libm (64-bit mantissa).
CASES = {
    "exp": (torch.exp, _longdouble(np.exp), _linear(-110, 90), _linear(-750, 712), 2, 4),
    "tanh": (torch.tanh, _longdouble(np.tanh), _linear(-12, 12), _linear(-25, 25), 2, 4),
    "sigmoid": (
        torch.sigmoid,
        _longdouble(lambda x: 1 / (1 + np.exp(-x))),
        _linear(-87, 30),
        _linear(-700, 40),
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
    assert _same(got, expected), (got, expected)


@pytest.mark.parametrize("name", list(CASES))
def test_fastmath_float64_special_values_are_exact(name):
    """float64 at the special inputs that have exact answers (0, +-inf, NaN)."""
    op = CASES[name][0]
    got = op(torch.tensor(EDGES[:5], dtype=torch.float64)).numpy()
    expected = np.array(EXPECTED32[name][:5], np.float64)
    assert _same(got, expected), (got, expected)


@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid"])
def test_fastmath_cuda_twin_agrees_with_the_cpu(name):
    """The CUDA kernels compile the same scalar functions: a few points across the range,
    within 2 float32 ulp (the CPU contracts a * b + c into one FMA, the simulator cannot)."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA (not even the simulator)")
    op = CASES[name][0]
    x = torch.linspace(-20, 20, 33)
    np.testing.assert_allclose(op(x.cuda()).cpu().numpy(), op(x).numpy(), rtol=2.4e-7, atol=0)
