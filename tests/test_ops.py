"""Every op of the shared table (tests/op_table.py) matches numpy in value, shape and dtype
on contiguous and non-contiguous inputs, and its gradient passes gradcheck; the three
call forms (function with `out=`, method, in-place method) and the operators agree."""

import numpy as np
import pytest
from op_table import (
    check_gradient,
    check_value,
    gradient_params,
    mark_device,
    nonzero,
    random_values,
    skip_on_simulator,
    value_params,
)

import numbatorch as torch


@pytest.fixture(autouse=True)
def _cuda_backend_may_be_missing(request, device):
    mark_device(request, device)


@pytest.mark.parametrize(("op", "dtype", "layout"), value_params())
def test_value_matches_numpy(op, dtype, layout, device):
    skip_on_simulator(device, op, dtype, layout)
    check_value(op, dtype, layout, device)


@pytest.mark.parametrize("op", gradient_params())
def test_gradient_matches_finite_differences(op, device):
    check_gradient(op, device)


# --- call forms: torch.op(x, y, out=r), x.op(y), x.op_(y) agree ---------------------------

FORMS = [
    ("add", lambda a, b: a + b, {}),
    ("add", lambda a, b: a + 2 * b, {"alpha": 2}),
    ("sub", lambda a, b: a - b, {}),
    ("mul", np.multiply, {}),
    ("div", np.true_divide, {}),
    ("true_divide", np.true_divide, {}),
    ("floor_divide", np.floor_divide, {}),
    ("remainder", np.remainder, {}),
    ("pow", np.power, {}),
    ("maximum", np.maximum, {}),
    ("minimum", np.minimum, {}),
]
UNARY_FORMS = [
    ("neg", np.negative),
    ("abs", np.abs),
    ("exp", np.exp),
    ("sqrt", np.sqrt),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a))),
    ("relu", lambda a: np.maximum(a, 0)),
    ("tanh", np.tanh),
]


def _operands(device, shape=(2, 3), other_shape=(3,)):
    rng = np.random.default_rng(0)
    a = np.abs(random_values(shape, torch.float32, rng, nonzero)) + 0.5
    b = random_values(other_shape, torch.float32, rng, nonzero)
    return a, b, torch.tensor(a, device=device), torch.tensor(b, device=device)


def _close(tensor, expected):
    np.testing.assert_allclose(
        tensor.cpu().numpy(), np.asarray(expected, np.float32), rtol=2e-5, atol=2e-6
    )


@pytest.mark.parametrize(
    ("name", "ref", "kwargs"),
    FORMS,
    ids=[f"{name}{'-' if k else ''}{'-'.join(k)}" for name, _, k in FORMS],
)
def test_function_method_out_and_inplace_forms_agree(name, ref, kwargs, device):
    a, b, x, y = _operands(device)
    expected = ref(a, b)
    _close(getattr(torch, name)(x, y, **kwargs), expected)
    _close(getattr(x, name)(y, **kwargs), expected)
    out = torch.empty(2, 3, device=device)
    assert getattr(torch, name)(x, y, **kwargs, out=out) is out
    _close(out, expected)
    version = x._version
    assert getattr(x, name + "_")(y, **kwargs) is x
    _close(x, expected)
    assert x._version > version


@pytest.mark.parametrize(("name", "ref"), UNARY_FORMS, ids=[n for n, _ in UNARY_FORMS])
def test_unary_function_method_out_and_inplace_forms_agree(name, ref, device):
    a, _, x, _ = _operands(device)
    expected = ref(a)
    _close(getattr(torch, name)(x), expected)
    _close(getattr(x, name)(), expected)
    out = torch.empty(2, 3, device=device)
    assert getattr(torch, name)(x, out=out) is out
    _close(out, expected)
    assert getattr(x, name + "_")() is x
    _close(x, expected)


def test_inplace_on_a_view_writes_through_to_the_base(device):
    base = torch.zeros(3, 4, device=device)
    base[:, 1].add_(torch.ones(3, device=device))
    base.t()[2].mul_(0).add_(5)
    np.testing.assert_array_equal(base.cpu().numpy()[:, 1:3], [[1, 5], [1, 5], [1, 5]])


def test_inplace_result_keeps_the_destination_dtype(device):
    x = torch.ones(3, dtype=torch.float64, device=device)
    x.add_(torch.ones(3, dtype=torch.float32, device=device))
    assert x.dtype == torch.float64


def test_inplace_cannot_cast_float_into_int():
    x = torch.ones(3, dtype=torch.int64)
    with pytest.raises(
        RuntimeError, match="result type Float can't be cast to the desired output type Long"
    ):
        x.add_(torch.ones(3))


def test_inplace_cannot_broadcast_the_destination():
    x = torch.ones(3)
    with pytest.raises(
        RuntimeError,
        match=r"output with shape \[3\] doesn't match the "
        r"broadcast shape \[2, 3\]",
    ):
        x.add_(torch.ones(2, 3))


# --- operators ------------------------------------------------------------------------------

OPERATORS = [
    ("x + y", lambda x, y: x + y, lambda a, b: a + b),
    ("x - y", lambda x, y: x - y, lambda a, b: a - b),
    ("x * y", lambda x, y: x * y, lambda a, b: a * b),
    ("x / y", lambda x, y: x / y, lambda a, b: a / b),
    ("x // y", lambda x, y: x // y, lambda a, b: a // b),
    ("x % y", lambda x, y: x % y, lambda a, b: a % b),
    ("x ** y", lambda x, y: x**y, lambda a, b: a**b),
    ("-x", lambda x, y: -x, lambda a, b: -a),
    ("abs(x)", lambda x, y: abs(x), lambda a, b: np.abs(a)),
    ("+x", lambda x, y: +x, lambda a, b: a),
    ("2 + x", lambda x, y: 2 + x, lambda a, b: 2 + a),
    ("2 - x", lambda x, y: 2 - x, lambda a, b: 2 - a),
    ("2 * x", lambda x, y: 2 * x, lambda a, b: 2 * a),
    ("2 / x", lambda x, y: 2 / x, lambda a, b: 2 / a),
    ("7 // x", lambda x, y: 7 // x, lambda a, b: 7 // a),
    ("7 % x", lambda x, y: 7 % x, lambda a, b: 7 % a),
    ("2 ** x", lambda x, y: 2**x, lambda a, b: 2.0**a),
    ("x ** 2", lambda x, y: x**2, lambda a, b: a**2),
    ("x < y", lambda x, y: x < y, lambda a, b: a < b),
    ("x >= 1", lambda x, y: x >= 1, lambda a, b: a >= 1),
    ("x == x", lambda x, y: x == x, lambda a, b: a == a),
    ("1 < x", lambda x, y: 1 < x, lambda a, b: 1 < a),
]


@pytest.mark.parametrize(("text", "fn", "ref"), OPERATORS, ids=[t for t, _, _ in OPERATORS])
def test_operator_matches_numpy(text, fn, ref, device):
    a, b, x, y = _operands(device)
    result = fn(x, y)
    expected = np.asarray(ref(a, b))
    assert result.dtype == (torch.bool if expected.dtype == bool else torch.float32)
    np.testing.assert_allclose(result.cpu().numpy(), expected, rtol=2e-5, atol=2e-6)


AUGMENTED = [
    ("+=", lambda x, y: x.__iadd__(y), np.add),
    ("-=", lambda x, y: x.__isub__(y), np.subtract),
    ("*=", lambda x, y: x.__imul__(y), np.multiply),
    ("/=", lambda x, y: x.__itruediv__(y), np.true_divide),
    ("**=", lambda x, y: x.__ipow__(y), np.power),
]


@pytest.mark.parametrize(("text", "fn", "ref"), AUGMENTED, ids=[t for t, _, _ in AUGMENTED])
def test_augmented_assignment_updates_in_place(text, fn, ref, device):
    a, b, x, y = _operands(device)
    alias = x
    result = fn(x, y)
    assert result is alias
    _close(alias, ref(a, b))


def test_plus_equals_on_a_slice_writes_into_the_tensor(device):
    x = torch.zeros(2, 3, device=device)
    x[0] += 1
    x[:, 2] += torch.tensor([10.0, 20.0], device=device)
    np.testing.assert_array_equal(x.cpu().numpy(), [[1, 1, 11], [0, 0, 20]])


# --- copy_, fill_, zero_ -----------------------------------------------------------------


def test_copy_converts_dtype_and_broadcasts(device):
    x = torch.zeros(2, 3, dtype=torch.float64, device=device)
    assert x.copy_(torch.tensor([1, 2, 3], device=device)) is x
    assert x.dtype == torch.float64
    np.testing.assert_array_equal(x.cpu().numpy(), [[1, 2, 3], [1, 2, 3]])


def test_copy_into_a_transposed_view_writes_the_base(device):
    base = torch.zeros(2, 3, device=device)
    base.t().copy_(torch.arange(6.0, device=device).view(3, 2))
    np.testing.assert_array_equal(base.cpu().numpy(), [[0, 2, 4], [1, 3, 5]])


def test_fill_and_zero_write_every_element_of_a_strided_view(device):
    base = torch.ones(3, 4, device=device)
    base[:, ::2].fill_(7)
    np.testing.assert_array_equal(base.cpu().numpy()[0], [7, 1, 7, 1])
    base.t().zero_()
    assert base.cpu().numpy().sum() == 0


def test_fill_with_a_zero_dim_tensor(device):
    x = torch.empty(2, device=device).fill_(torch.tensor(3.0, device=device))
    np.testing.assert_array_equal(x.cpu().numpy(), [3, 3])


# --- ops whose semantics go beyond a numpy one-liner --------------------------------------


def test_remainder_takes_the_sign_of_the_divisor():
    x = torch.tensor([-3, 3, -3, 3])
    y = torch.tensor([2, -2, -2, 2])
    assert torch.remainder(x, y).tolist() == [1, -1, -1, 1]
    assert torch.remainder(torch.tensor([-3.5]), 2).tolist() == [0.5]


def test_max_with_dim_returns_named_values_and_indices():
    result = torch.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]]).max(dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [5.0, 7.0]
    assert indices.tolist() == [1, 0]


def test_max_of_two_tensors_is_the_elementwise_maximum():
    x, y = torch.tensor([1.0, 4.0]), torch.tensor([3.0, 2.0])
    assert torch.max(x, y).tolist() == [3.0, 4.0]
    assert torch.min(x, y).tolist() == [1.0, 2.0]


def test_softmax_of_large_inputs_is_finite():
    x = torch.tensor([[1000.0, 1000.0], [1000.0, -1000.0]])
    assert torch.softmax(x, dim=1).tolist() == [[0.5, 0.5], [1.0, 0.0]]
    log = torch.log_softmax(x, dim=1).tolist()
    assert log[0] == pytest.approx([-0.6931472, -0.6931472])
    assert log[1] == [0.0, -2000.0]


def test_var_and_std_are_unbiased_by_default():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5 / 3)
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert x.std().item() == pytest.approx((5 / 3) ** 0.5)


def test_sum_of_int_and_bool_tensors_is_int64():
    assert torch.tensor([1, 2], dtype=torch.int32).sum().dtype == torch.int64
    assert torch.tensor([True, True, False]).sum().item() == 2


def test_integer_true_division_gives_float32():
    result = torch.tensor([1, 2]) / torch.tensor([2, 4])
    assert result.dtype == torch.float32
    assert result.tolist() == [0.5, 0.5]


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        torch.clamp(torch.ones(2))


def test_scatter_add_sums_repeated_indices():
    x = torch.zeros(3).scatter_add(0, torch.tensor([0, 0, 2, 0]), torch.ones(4))
    assert x.tolist() == [3.0, 0.0, 1.0]


def test_setitem_with_a_mask_sets_only_the_masked_elements(device):
    x = torch.tensor([[1.0, -2.0], [-3.0, 4.0]], device=device)
    x[x < 0] = 0
    assert x.cpu().tolist() == [[1.0, 0.0], [0.0, 4.0]]


def test_setitem_with_an_index_tensor_writes_rows(device):
    x = torch.zeros(3, 2, device=device)
    x[torch.tensor([2, 0], device=device)] = torch.tensor([[1.0, 2.0], [3.0, 4.0]], device=device)
    assert x.cpu().tolist() == [[3.0, 4.0], [0.0, 0.0], [1.0, 2.0]]


def test_split_and_chunk_return_views_of_the_input():
    x = torch.arange(6.0)
    first, _ = x.split(3)
    first[0] = 100
    assert x[0].item() == 100
    assert [p.shape[0] for p in x.chunk(4)] == [2, 2, 2]


def test_in_place_view_methods_change_the_tensor_itself():
    x = torch.arange(6.0).view(2, 3)
    assert x.t_() is x
    assert x.shape == (3, 2) and x.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    y = torch.zeros(1, 3)
    assert y.squeeze_() is y and y.shape == (3,)
    assert y.unsqueeze_(1) is y and y.shape == (3, 1)
    assert y.transpose_(0, 1) is y and y.shape == (1, 3)
