"""torch.special's ndtri, erfcx, i0e, i1e, bessel_j0, bessel_j1 and zeta beyond the shared
table (op_table.py): PyTorch's values at the special inputs, the tails where the plain
formulas overflow or cancel, exact values from rational arithmetic, and the gradients
PyTorch has (and has not)."""

import math
from fractions import Fraction

import numpy as np
import pytest

import numbatorch as torch

INF, NAN = math.inf, math.nan
S = torch.special


def values(t):
    return t.detach().cpu().numpy()


@pytest.mark.parametrize(
    ("fn", "inputs", "expected"),
    [
        (S.ndtri, [0.0, 1.0, -0.1, 1.1, 0.5, NAN], [-INF, INF, NAN, NAN, 0.0, NAN]),
        (S.erfcx, [-INF, INF, NAN, 0.0, -30.0], [INF, 0.0, NAN, 1.0, INF]),
        (S.i0e, [0.0, INF, -INF, NAN], [1.0, 0.0, 0.0, NAN]),
        (S.i1e, [0.0, INF, -INF, NAN], [0.0, 0.0, -0.0, NAN]),
        (S.bessel_j0, [0.0, INF, -INF, NAN], [1.0, NAN, NAN, NAN]),  # PyTorch: NaN at inf
        (S.bessel_j1, [0.0, INF, -INF, NAN], [0.0, NAN, NAN, NAN]),
    ],
)
def test_special_values(fn, inputs, expected, device):
    result = fn(torch.tensor(inputs, dtype=torch.float64, device=device))
    np.testing.assert_array_equal(values(result), expected)


# PyTorch's float64 values where the plain formulas fail: far tails, overflowing exponentials
@pytest.mark.parametrize(
    ("fn", "inputs", "expected"),
    [
        (S.ndtri, [1e-300, 1e-20, 0.02, 0.75, 0.999],
         [-37.0470962993612, -9.262340089798409, -2.053748910631823, 0.6744897501960817,
          3.090232306167813]),
        (S.erfcx, [-3.0, 6.0, 30.0, 1e4, 1e300],
         [16205.988853999586, 0.09277656780053836, 0.018795888861416754,
          5.641895807268084e-05, 5.641895835477562e-301]),
        (S.i0e, [-7.0, 39.0, 41.0, 1000.0, 1e6],
         [0.15373774467288123, 0.06408967575058332, 0.062496943756818885,
          0.012617240455891257, 0.00039894233026924577]),
        (S.i1e, [-7.0, 39.0, 41.0, 1000.0, 1e6],
         [-0.1422892347095986, 0.06326260540048712, 0.06173002069951817,
          0.01261093025692863, 0.0003989421307980308]),
        (S.bessel_j0, [25.1, 30.0, 1000.0],
         [0.1082756714999491, -0.08636798358104034, 0.024786686152420034]),
        (S.bessel_j1, [-25.1, 30.0, 1000.0],
         [0.11463478413442194, -0.11875106261662309, 0.00472831190708902]),
    ],
)  # fmt: skip
def test_tails_match_pytorch(fn, inputs, expected):
    result = values(fn(torch.tensor(inputs, dtype=torch.float64)))
    np.testing.assert_allclose(result, expected, rtol=1e-13, atol=1e-15)


def _exact_bessel_j(x: float, order: int) -> float:
    """J0 or J1 by the power series in rational arithmetic: no rounding, no cancellation."""
    x = Fraction(x)
    term = Fraction(1) if order == 0 else x / 2
    total = Fraction(0)
    for k in range(1, 90):
        total += term
        term *= -(x * x / 4) / (k * (k + order))
    return float(total)


def test_bessel_j_matches_the_exact_series_where_the_float_series_cancels():
    points = [2.5, 5.025, 10.0, 17.3, 24.9]
    x = torch.tensor(points, dtype=torch.float64)
    for fn, order in ((S.bessel_j0, 0), (S.bessel_j1, 1)):
        expected = [_exact_bessel_j(v, order) for v in points]
        np.testing.assert_allclose(values(fn(x)), expected, rtol=1e-13, atol=1e-15)
    # odd and even
    np.testing.assert_array_equal(values(S.bessel_j1(-x)), -values(S.bessel_j1(x)))
    np.testing.assert_array_equal(values(S.bessel_j0(-x)), values(S.bessel_j0(x)))


def test_zeta_known_values_poles_and_domain(device):
    x = torch.tensor(
        [2.0, 4.0, 2.0, 3.0, 1.0, 0.5, 2.0, 2.5, 2.0, INF], dtype=torch.float64, device=device
    )
    q = torch.tensor(
        [1.0, 1.0, 0.5, 1.0, 1.0, 1.0, -1.0, -1.5, -1.5, 1.0], dtype=torch.float64, device=device
    )
    expected = [math.pi**2 / 6, math.pi**4 / 90, math.pi**2 / 2, 1.2020569031595942,
                INF, NAN, INF, NAN, 1 / 2.25 + 4 + math.pi**2 / 2, 1.0]  # fmt: skip
    np.testing.assert_allclose(values(S.zeta(x, q)), expected, rtol=1e-14)
    assert S.zeta(2.0, torch.tensor([1.0], dtype=torch.float64)).item() == pytest.approx(
        math.pi**2 / 6, rel=1e-14
    )
    assert S.zeta(torch.tensor([2, 3]), 1).dtype == torch.float32


def test_gradients_pytorch_has_and_has_not():
    x = torch.tensor([0.3, 1.5], dtype=torch.float64, requires_grad=True)
    assert S.i0e(x).grad_fn.name() == "SpecialI0EBackward0"
    assert S.ndtri(x * 0.5).grad_fn.name() == "SpecialNdtriBackward0"
    # PyTorch records no gradient for the Bessel functions of the first kind
    assert not S.bessel_j0(x).requires_grad and not S.bessel_j1(x).requires_grad
    zero = torch.tensor([0.0], dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(S.i1e(zero).sum(), zero)
    assert grad.item() == 0.5
    s = torch.tensor([2.0, 3.0], dtype=torch.float64)
    q = torch.tensor([1.0, 2.5], dtype=torch.float64, requires_grad=True)
    (grad_q,) = torch.autograd.grad(S.zeta(s, q).sum(), q)
    np.testing.assert_allclose(
        values(grad_q), [-2.404113806319188, -0.11195292440862604], rtol=1e-12
    )
    s.requires_grad_()
    with pytest.raises(NotImplementedError, match="the derivative for 'zeta' is not implemented."):
        S.zeta(s, q).sum().backward()


def test_integer_inputs_give_the_default_float():
    assert S.i0e(torch.tensor([1, 2])).dtype == torch.float32
    np.testing.assert_array_equal(values(S.ndtri(torch.tensor([0, 1]))), [-INF, INF])
