"""logcumsumexp, frexp and ldexp beyond the shared table (op_table.py): special values,
stability where exp overflows, dtypes, call forms and PyTorch's errors."""

import math

import numpy as np
import pytest

import numbatorch as torch

INF, NAN = math.inf, math.nan


def values(t):
    return t.detach().cpu().numpy()


# --- logcumsumexp ------------------------------------------------------------------------


def test_logcumsumexp_special_values(device):
    x = torch.tensor([-INF, -INF, 0.0, INF, INF, 1.0], dtype=torch.float64, device=device)
    np.testing.assert_array_equal(values(torch.logcumsumexp(x, 0)), [-INF, -INF, 0, INF, INF, INF])
    x = torch.tensor([1.0, NAN, 0.0], dtype=torch.float64, device=device)
    np.testing.assert_array_equal(values(x.logcumsumexp(0)), [1.0, NAN, NAN])


def test_logcumsumexp_does_not_overflow_where_exp_does():
    x = torch.tensor([1000.0, 1000.0, -1000.0, 999.0], dtype=torch.float32)
    result = values(torch.logcumsumexp(x, 0))
    expected = np.logaddexp.accumulate(np.array([1000.0, 1000.0, -1000.0, 999.0]))
    np.testing.assert_allclose(result, expected, rtol=1e-7)


def test_logcumsumexp_gradient_with_large_and_minus_inf_inputs():
    x = torch.tensor([[800.0, -INF, 1.0], [0.5, 2.0, -1.0]], dtype=torch.float64)
    x.requires_grad_()
    out = torch.logcumsumexp(x, 1)
    out.backward(torch.tensor([[1.0, -2.0, 0.5], [1.0, 1.0, 1.0]], dtype=torch.float64))
    # row 0: out = 800 throughout, so the first input takes all of the gradient
    np.testing.assert_allclose(values(x.grad)[0], [-0.5, 0.0, 0.0], atol=1e-12)
    assert out.grad_fn.name() == "LogcumsumexpBackward0"
    row = torch.tensor([[0.5, 2.0, -1.0]], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: torch.logcumsumexp(t, 1), (row,))


def test_logcumsumexp_forms_and_dtypes():
    x = torch.tensor([1.0, 2.0])
    assert torch.logcumsumexp(torch.tensor(2.0), 0).item() == 2.0
    half = torch.logcumsumexp(x.half(), 0)
    assert half.dtype == torch.float16
    out = torch.empty(2)
    assert torch.logcumsumexp(x, dim=0, out=out) is out
    np.testing.assert_allclose(values(out), [1.0, math.log(math.e + math.e**2)], rtol=1e-6)


def test_logcumsumexp_errors():
    with pytest.raises(
        NotImplementedError, match="\"logcumsumexp_out_cpu\" not implemented for 'Long'"
    ):
        torch.logcumsumexp(torch.tensor([1, 2]), 0)
    with pytest.raises(
        IndexError,
        match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)",
    ):
        torch.logcumsumexp(torch.tensor([1.0, 2.0]), 1)


# --- frexp and ldexp ---------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_frexp_special_values_and_subnormals(dtype, device):
    tiny = 1e-40 if dtype is torch.float32 else 3e-310  # subnormal in each dtype
    x = torch.tensor([1.0, -2.5, 0.0, -0.0, INF, NAN, tiny], dtype=dtype, device=device)
    mantissa, exponent = torch.frexp(x)
    assert exponent.dtype == torch.int32 and mantissa.dtype == dtype
    expected_m, expected_e = np.frexp(values(x))
    np.testing.assert_array_equal(values(mantissa), expected_m)
    np.testing.assert_array_equal(values(exponent)[:6], [1, 2, 0, 0, 0, 0])
    assert values(exponent)[6] == expected_e[6]
    assert np.signbit(values(mantissa)[3])


def test_frexp_forms_and_errors():
    x = torch.tensor([1.5, 3.0])
    result = x.frexp()
    assert type(result).__name__ == "frexp" and result._fields == ("mantissa", "exponent")
    mantissa, exponent = torch.empty(2), torch.empty(2, dtype=torch.int32)
    out = torch.frexp(x, out=(mantissa, exponent))
    assert out.mantissa is mantissa and out.exponent is exponent
    np.testing.assert_array_equal(values(exponent), [1, 2])
    assert torch.frexp(x.half()).mantissa.dtype == torch.float16
    with pytest.raises(RuntimeError, match="only supports floating-point dtypes"):
        torch.frexp(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="expects exponent to have int dtype but got float"):
        torch.frexp(x, out=(torch.empty(2), torch.empty(2)))


def test_frexp_mantissa_gradient_and_no_exponent_gradient():
    x = torch.tensor([1.5, -3.0, 0.3], dtype=torch.float64, requires_grad=True)
    mantissa, exponent = torch.frexp(x)
    assert mantissa.grad_fn.name() == "FrexpBackward0" and not exponent.requires_grad
    assert torch.autograd.gradcheck(lambda t: torch.frexp(t).mantissa, (x,))


def test_ldexp_dtypes_gradient_and_errors():
    ints = torch.ldexp(torch.tensor([1, 2]), torch.tensor([3, 4]))
    assert ints.dtype == torch.float32
    np.testing.assert_array_equal(values(ints), [8.0, 32.0])
    double = torch.ldexp(torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([3, 4]))
    assert double.dtype == torch.float64
    x = torch.tensor([1.0, 2.0])
    assert x.ldexp_(torch.tensor([1, 2])) is x
    np.testing.assert_array_equal(values(x), [2.0, 8.0])
    a = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    assert torch.ldexp(a, torch.tensor([1, 2])).grad_fn.name() == "LdexpBackward0"
    with pytest.raises(
        TypeError, match="argument 'other' \\(position 2\\) must be Tensor, not int"
    ):
        torch.ldexp(x, 2)
