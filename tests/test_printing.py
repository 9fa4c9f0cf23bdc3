"""Tensor printing reproduces PyTorch 2.x ``repr`` exactly.

Every expected string in CASES was produced by PyTorch 2.13 (CPU) from the same values and
options, then hard-coded so the default test run does not need PyTorch.
"""

import numpy as np
import pytest

from numbatorch._printing import get_printoptions, printoptions, set_printoptions, tensor_repr

# PyTorch leaves these dtypes out of a non-empty tensor's repr.
UNPRINTED_DTYPES = ("float32", "int64", "bool")


def show(values, **extras):
    dtype_name = values.dtype.name
    return tensor_repr(
        values, dtype_name=dtype_name, print_dtype=dtype_name not in UNPRINTED_DTYPES, **extras
    )


def case(case_id, values, expected, extras=None, options=None):
    return pytest.param(values, expected, extras or {}, options or {}, id=case_id)


@pytest.fixture(autouse=True)
def default_printoptions():
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")


CASES = [
    case(
        "scalar_integral_float_has_trailing_dot",
        np.array(3.0, np.float32),
        "tensor(3.)",
    ),
    case(
        "scalar_tiny_float_uses_scientific",
        np.array(1e-5, np.float32),
        "tensor(1.0000e-05)",
    ),
    case(
        "scalar_fraction_float_has_four_decimals",
        np.array(-2.5, np.float32),
        "tensor(-2.5000)",
    ),
    case(
        "scalar_int64_has_no_dtype",
        np.array(-7, np.int64),
        "tensor(-7)",
    ),
    case(
        "scalar_bool",
        np.array(True),
        "tensor(True)",
    ),
    case(
        "scalar_float64_shows_dtype",
        np.array(0.1, np.float64),
        "tensor(0.1000, dtype=torch.float64)",
    ),
    case(
        "vector_integral_floats_print_as_int_mode",
        np.array([1.0, 2.0, -3.0], np.float32),
        "tensor([ 1.,  2., -3.])",
    ),
    case(
        "vector_fractions_share_width",
        np.array([1.5, -2.25, 30.125], np.float32),
        "tensor([ 1.5000, -2.2500, 30.1250])",
    ),
    case(
        "float16_shows_dtype",
        np.array([0.1, 0.2, 1000.0], np.float16),
        "tensor([9.9976e-02, 1.9995e-01, 1.0000e+03], dtype=torch.float16)",
    ),
    case(
        "float64_shows_dtype",
        np.array([0.5, 1.0 / 3.0], np.float64),
        "tensor([0.5000, 0.3333], dtype=torch.float64)",
    ),
    case(
        "int8_shows_dtype",
        np.array([-128, 0, 127], np.int8),
        "tensor([-128,    0,  127], dtype=torch.int8)",
    ),
    case(
        "int16_shows_dtype",
        np.array([-300, 2, 40], np.int16),
        "tensor([-300,    2,   40], dtype=torch.int16)",
    ),
    case(
        "int32_negatives_right_aligned",
        np.array([[-1, 20], [300, -4000]], np.int32),
        "tensor([[   -1,    20],\n        [  300, -4000]], dtype=torch.int32)",
    ),
    case(
        "int64_negatives_right_aligned",
        np.array([-5, 10, 100, -1000], np.int64),
        "tensor([   -5,    10,   100, -1000])",
    ),
    case(
        "uint8_shows_dtype",
        np.array([0, 7, 255], np.uint8),
        "tensor([  0,   7, 255], dtype=torch.uint8)",
    ),
    case(
        "bool_values_right_aligned",
        np.array([True, False, True]),
        "tensor([ True, False,  True])",
    ),
    case(
        "int64_beyond_1e8_prints_all_digits",
        np.array([123456789012345, -3], np.int64),
        "tensor([123456789012345,              -3])",
    ),
    case(
        "matrix_2d",
        (np.arange(6, dtype=np.float32) / 3).reshape(2, 3),
        "tensor([[0.0000, 0.3333, 0.6667],\n        [1.0000, 1.3333, 1.6667]])",
    ),
    case(
        "tensor_3d_blank_line_between_matrices",
        np.arange(24, dtype=np.int64).reshape(2, 3, 4),
        "tensor([[[ 0,  1,  2,  3],\n"
        "         [ 4,  5,  6,  7],\n"
        "         [ 8,  9, 10, 11]],\n"
        "\n"
        "        [[12, 13, 14, 15],\n"
        "         [16, 17, 18, 19],\n"
        "         [20, 21, 22, 23]]])",
    ),
    case(
        "tensor_4d_two_blank_lines_between_blocks",
        np.arange(16, dtype=np.float32).reshape(2, 2, 2, 2),
        "tensor([[[[ 0.,  1.],\n"
        "          [ 2.,  3.]],\n"
        "\n"
        "         [[ 4.,  5.],\n"
        "          [ 6.,  7.]]],\n"
        "\n"
        "\n"
        "        [[[ 8.,  9.],\n"
        "          [10., 11.]],\n"
        "\n"
        "         [[12., 13.],\n"
        "          [14., 15.]]]])",
    ),
    case(
        "empty_vector",
        np.zeros(0, np.float32),
        "tensor([])",
    ),
    case(
        "empty_matrix_shows_size",
        np.zeros((0, 3), np.float32),
        "tensor([], size=(0, 3))",
    ),
    case(
        "empty_int32_shows_dtype",
        np.zeros(0, np.int32),
        "tensor([], dtype=torch.int32)",
    ),
    case(
        "empty_int64_shows_dtype",
        np.zeros(0, np.int64),
        "tensor([], dtype=torch.int64)",
    ),
    case(
        "empty_bool_with_size_shows_dtype",
        np.zeros((2, 0), bool),
        "tensor([], size=(2, 0), dtype=torch.bool)",
    ),
    case(
        "wide_vector_wraps_at_linewidth",
        np.linspace(0, 1, 20, dtype=np.float32),
        "tensor([0.0000, 0.0526, 0.1053, 0.1579, 0.2105, 0.2632, 0.3158, 0.3684, 0.4211,\n"
        "        0.4737, 0.5263, 0.5789, 0.6316, 0.6842, 0.7368, 0.7895, 0.8421, 0.8947,\n"
        "        0.9474, 1.0000])",
    ),
    case(
        "wide_matrix_rows_wrap_with_indent",
        (np.arange(30, dtype=np.float32) / 7).reshape(3, 10),
        "tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n"
        "         1.2857],\n"
        "        [1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286, 2.5714,\n"
        "         2.7143],\n"
        "        [2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143, 3.8571, 4.0000,\n"
        "         4.1429]])",
    ),
    case(
        "long_int_vector_wraps",
        np.arange(40, dtype=np.int64) * 1000,
        "tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,\n"
        "        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,\n"
        "        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000,\n"
        "        30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000])",
    ),
    case(
        "summarized_1d_over_threshold",
        np.arange(2000, dtype=np.float32),
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
        "        1.9990e+03])",
    ),
    case(
        "summarized_2d_over_threshold",
        (np.arange(1200, dtype=np.float32) / 3).reshape(40, 30),
        "tensor([[0.0000e+00, 3.3333e-01, 6.6667e-01,  ..., 9.0000e+00, 9.3333e+00,\n"
        "         9.6667e+00],\n"
        "        [1.0000e+01, 1.0333e+01, 1.0667e+01,  ..., 1.9000e+01, 1.9333e+01,\n"
        "         1.9667e+01],\n"
        "        [2.0000e+01, 2.0333e+01, 2.0667e+01,  ..., 2.9000e+01, 2.9333e+01,\n"
        "         2.9667e+01],\n"
        "        ...,\n"
        "        [3.7000e+02, 3.7033e+02, 3.7067e+02,  ..., 3.7900e+02, 3.7933e+02,\n"
        "         3.7967e+02],\n"
        "        [3.8000e+02, 3.8033e+02, 3.8067e+02,  ..., 3.8900e+02, 3.8933e+02,\n"
        "         3.8967e+02],\n"
        "        [3.9000e+02, 3.9033e+02, 3.9067e+02,  ..., 3.9900e+02, 3.9933e+02,\n"
        "         3.9967e+02]])",
    ),
    case(
        "summarized_3d_over_threshold",
        np.arange(2000, dtype=np.int64).reshape(10, 10, 20),
        "tensor([[[   0,    1,    2,  ...,   17,   18,   19],\n"
        "         [  20,   21,   22,  ...,   37,   38,   39],\n"
        "         [  40,   41,   42,  ...,   57,   58,   59],\n"
        "         ...,\n"
        "         [ 140,  141,  142,  ...,  157,  158,  159],\n"
        "         [ 160,  161,  162,  ...,  177,  178,  179],\n"
        "         [ 180,  181,  182,  ...,  197,  198,  199]],\n"
        "\n"
        "        [[ 200,  201,  202,  ...,  217,  218,  219],\n"
        "         [ 220,  221,  222,  ...,  237,  238,  239],\n"
        "         [ 240,  241,  242,  ...,  257,  258,  259],\n"
        "         ...,\n"
        "         [ 340,  341,  342,  ...,  357,  358,  359],\n"
        "         [ 360,  361,  362,  ...,  377,  378,  379],\n"
        "         [ 380,  381,  382,  ...,  397,  398,  399]],\n"
        "\n"
        "        [[ 400,  401,  402,  ...,  417,  418,  419],\n"
        "         [ 420,  421,  422,  ...,  437,  438,  439],\n"
        "         [ 440,  441,  442,  ...,  457,  458,  459],\n"
        "         ...,\n"
        "         [ 540,  541,  542,  ...,  557,  558,  559],\n"
        "         [ 560,  561,  562,  ...,  577,  578,  579],\n"
        "         [ 580,  581,  582,  ...,  597,  598,  599]],\n"
        "\n"
        "        ...,\n"
        "\n"
        "        [[1400, 1401, 1402,  ..., 1417, 1418, 1419],\n"
        "         [1420, 1421, 1422,  ..., 1437, 1438, 1439],\n"
        "         [1440, 1441, 1442,  ..., 1457, 1458, 1459],\n"
        "         ...,\n"
        "         [1540, 1541, 1542,  ..., 1557, 1558, 1559],\n"
        "         [1560, 1561, 1562,  ..., 1577, 1578, 1579],\n"
        "         [1580, 1581, 1582,  ..., 1597, 1598, 1599]],\n"
        "\n"
        "        [[1600, 1601, 1602,  ..., 1617, 1618, 1619],\n"
        "         [1620, 1621, 1622,  ..., 1637, 1638, 1639],\n"
        "         [1640, 1641, 1642,  ..., 1657, 1658, 1659],\n"
        "         ...,\n"
        "         [1740, 1741, 1742,  ..., 1757, 1758, 1759],\n"
        "         [1760, 1761, 1762,  ..., 1777, 1778, 1779],\n"
        "         [1780, 1781, 1782,  ..., 1797, 1798, 1799]],\n"
        "\n"
        "        [[1800, 1801, 1802,  ..., 1817, 1818, 1819],\n"
        "         [1820, 1821, 1822,  ..., 1837, 1838, 1839],\n"
        "         [1840, 1841, 1842,  ..., 1857, 1858, 1859],\n"
        "         ...,\n"
        "         [1940, 1941, 1942,  ..., 1957, 1958, 1959],\n"
        "         [1960, 1961, 1962,  ..., 1977, 1978, 1979],\n"
        "         [1980, 1981, 1982,  ..., 1997, 1998, 1999]]])",
    ),
    case(
        "summarized_width_ignores_hidden_values",
        np.concatenate([np.ones(600), [1e12], np.ones(600)]).astype(np.float32),
        "tensor([1., 1., 1.,  ..., 1., 1., 1.])",
    ),
    case(
        "mixed_magnitudes_switch_to_scientific",
        np.array([1e-3, 1.0, 1e3], np.float32),
        "tensor([1.0000e-03, 1.0000e+00, 1.0000e+03])",
    ),
    case(
        "ratio_under_1000_stays_fixed",
        np.array([0.01, 1.0, 9.99], np.float32),
        "tensor([0.0100, 1.0000, 9.9900])",
    ),
    case(
        "integral_floats_over_1e8_use_scientific",
        np.array([1e9, 2.0], np.float32),
        "tensor([1.0000e+09, 2.0000e+00])",
    ),
    case(
        "integral_float64_under_1e8_print_whole",
        np.array([12345678.0, -1.0], np.float64),
        "tensor([ 1.2346e+07, -1.0000e+00], dtype=torch.float64)",
    ),
    case(
        "nan_and_inf_do_not_affect_mode",
        np.array([np.nan, np.inf, -np.inf, 1.5], np.float32),
        "tensor([   nan,    inf,   -inf, 1.5000])",
    ),
    case(
        "nan_and_inf_in_int_mode_have_no_dot",
        np.array([np.nan, -np.inf, 2.0], np.float32),
        "tensor([nan, -inf, 2.])",
    ),
    case(
        "nan_and_inf_padded_in_scientific",
        np.array([np.nan, np.inf, 1e-7, 1.0], np.float32),
        "tensor([       nan,        inf, 1.0000e-07, 1.0000e+00])",
    ),
    case(
        "all_nan",
        np.array([np.nan, np.nan], np.float32),
        "tensor([nan, nan])",
    ),
    case(
        "negative_zero_keeps_sign",
        np.array([0.0, -0.0], np.float32),
        "tensor([0., -0.])",
    ),
    case(
        "negative_zero_with_fractions",
        np.array([-0.0, 1.5], np.float32),
        "tensor([-0.0000, 1.5000])",
    ),
    case(
        "requires_grad_suffix",
        np.array([1.0, 2.0], np.float32),
        "tensor([1., 2.], requires_grad=True)",
        extras={"requires_grad": True},
    ),
    case(
        "grad_fn_suffix_replaces_requires_grad",
        np.array([1.0, 2.0], np.float32),
        "tensor([1., 2.], grad_fn=<AddBackward0>)",
        extras={"grad_fn": "AddBackward0", "requires_grad": True},
    ),
    case(
        "scalar_with_grad_fn",
        np.array(0.25, np.float32),
        "tensor(0.2500, grad_fn=<SumBackward0>)",
        extras={"grad_fn": "SumBackward0", "requires_grad": True},
    ),
    case(
        "device_suffix",
        np.array([1.0, 2.0], np.float32),
        "tensor([1., 2.], device='cuda:0')",
        extras={"device": "cuda:0"},
    ),
    case(
        "suffix_order_device_dtype_grad_fn",
        np.array([1.0, 2.0], np.float64),
        "tensor([1., 2.], device='cuda:0', dtype=torch.float64, grad_fn=<MulBackward0>)",
        extras={"device": "cuda:0", "grad_fn": "MulBackward0", "requires_grad": True},
    ),
    case(
        "long_suffixes_move_to_new_line",
        np.arange(8, dtype=np.float64) / 3,
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333],\n"
        "       dtype=torch.float64, grad_fn=<AddBackward0>)",
        extras={"grad_fn": "AddBackward0", "requires_grad": True},
    ),
    case(
        "only_overflowing_suffix_moves",
        np.arange(6, dtype=np.float64) / 3,
        "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667], dtype=torch.float64,\n"
        "       grad_fn=<AddBackward0>)",
        extras={"grad_fn": "AddBackward0", "requires_grad": True},
    ),
    case(
        "suffix_wraps_two_chars_before_linewidth_on_one_line",
        np.array([-1.0, 1e-5, 2.0, 3.0], np.float32),
        "tensor([-1.0000e+00,  1.0000e-05,  2.0000e+00,  3.0000e+00],\n       requires_grad=True)",
        extras={"requires_grad": True},
    ),
    case(
        "suffix_stays_when_line_is_short_enough",
        np.array([-1.0, 1e-5, 2.0], np.float32),
        "tensor([-1.0000e+00,  1.0000e-05,  2.0000e+00], requires_grad=True)",
        extras={"requires_grad": True},
    ),
    case(
        "suffix_wraps_two_chars_before_linewidth_after_rows",
        np.arange(20, dtype=np.float32).reshape(2, 10),
        "tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9.],\n"
        "        [10., 11., 12., 13., 14., 15., 16., 17., 18., 19.]],\n"
        "       requires_grad=True)",
        extras={"requires_grad": True},
    ),
    case(
        "empty_with_device_and_grad",
        np.zeros((0, 2), np.float32),
        "tensor([], device='cuda:1', size=(0, 2), requires_grad=True)",
        extras={"device": "cuda:1", "requires_grad": True},
    ),
    case(
        "custom_prefix_sets_indent",
        (np.arange(30, dtype=np.float32) / 7).reshape(3, 10),
        "MyTensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000,\n"
        "           1.1429, 1.2857],\n"
        "          [1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n"
        "           2.5714, 2.7143],\n"
        "          [2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143, 3.8571,\n"
        "           4.0000, 4.1429]])",
        extras={"prefix": "MyTensor("},
    ),
    case(
        "precision_2",
        np.array([1.12345, -2.5, 1e-5], np.float32),
        "tensor([ 1.12e+00, -2.50e+00,  1.00e-05])",
        options={"precision": 2},
    ),
    case(
        "precision_2_fixed",
        np.array([1.12345, -2.5], np.float32),
        "tensor([ 1.12, -2.50])",
        options={"precision": 2},
    ),
    case(
        "sci_mode_true_forces_scientific",
        np.array([1.5, 2.0], np.float32),
        "tensor([1.5000e+00, 2.0000e+00])",
        options={"sci_mode": True},
    ),
    case(
        "sci_mode_false_forces_fixed",
        np.array([1e-6, 1e6], np.float32),
        "tensor([      0.0000, 1000000.0000])",
        options={"sci_mode": False},
    ),
    case(
        "threshold_and_edgeitems",
        np.arange(10, dtype=np.int64),
        "tensor([0, 1,  ..., 8, 9])",
        options={"threshold": 5, "edgeitems": 2},
    ),
    case(
        "edgeitems_zero_prints_size",
        np.arange(12, dtype=np.float32).reshape(3, 4),
        "tensor([...], size=(3, 4))",
        options={"threshold": 5, "edgeitems": 0},
    ),
    case(
        "narrow_linewidth",
        np.arange(10, dtype=np.float32) / 4,
        "tensor([0.0000, 0.2500,\n"
        "        0.5000, 0.7500,\n"
        "        1.0000, 1.2500,\n"
        "        1.5000, 1.7500,\n"
        "        2.0000, 2.2500])",
        options={"linewidth": 30},
    ),
    case(
        "short_profile",
        np.linspace(0, 1, 7, dtype=np.float32),
        "tensor([0.00, 0.17, 0.33, 0.50, 0.67, 0.83, 1.00])",
        options={"profile": "short"},
    ),
    case(
        "full_profile_never_summarizes",
        np.arange(1001, dtype=np.int64) % 10,
        "tensor([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7,\n"
        "        8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1,\n"
        "        2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5,\n"
        "        6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9,\n"
        "        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3,\n"
        "        4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0])",
        options={"profile": "full"},
    ),
]


@pytest.mark.parametrize("values, expected, extras, options", CASES)
def test_repr_matches_pytorch(values, expected, extras, options):
    with printoptions(**options):
        assert show(values, **extras) == expected


def test_default_printoptions_match_pytorch():
    assert get_printoptions() == {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }


def test_set_printoptions_precision_then_default_profile_restores():
    values = np.array([1.12345], np.float32)
    set_printoptions(precision=2)
    assert show(values) == "tensor([1.12])"
    set_printoptions(profile="default")
    assert show(values) == "tensor([1.1235])"


def test_set_printoptions_without_sci_mode_resets_it_to_automatic():
    set_printoptions(sci_mode=True)
    set_printoptions(precision=4)
    assert get_printoptions()["sci_mode"] is None


def test_short_profile_lowers_precision_and_edgeitems():
    set_printoptions(profile="short")
    options = get_printoptions()
    assert (options["precision"], options["edgeitems"]) == (2, 2)


def test_full_profile_never_summarizes():
    set_printoptions(profile="full")
    assert get_printoptions()["threshold"] == float("inf")


def test_printoptions_context_restores_previous_options():
    set_printoptions(linewidth=120)
    before = get_printoptions()
    with printoptions(precision=1, sci_mode=True):
        assert get_printoptions()["precision"] == 1
    assert get_printoptions() == before


def test_unknown_profile_is_rejected():
    with pytest.raises(ValueError, match="profile"):
        set_printoptions(profile="compact")


def _random_array(rng):
    """A random array that exercises int mode, sci mode, nan/inf, wrapping and summarizing."""
    ndim = int(rng.integers(0, 5))
    shape = tuple(int(rng.integers(0, 40 if ndim == 1 else 7)) for _ in range(ndim))
    if rng.random() < 0.1:
        shape = tuple(int(rng.integers(1, 60)) for _ in range(ndim))
    dtype = str(
        rng.choice(["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"])
    )
    size = int(np.prod(shape))
    if dtype == "bool":
        return (rng.random(size) < 0.5).reshape(shape)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        scale = 10 ** int(rng.integers(0, 19))
        low, high = max(info.min, -scale), min(info.max, scale)
        return rng.integers(low, high, size=size, endpoint=True).astype(dtype).reshape(shape)
    kind = rng.integers(0, 4)
    if kind == 0:
        values = np.round(rng.standard_normal(size) * 10.0 ** rng.integers(0, 12))
    elif kind == 1:
        values = rng.standard_normal(size) * 10.0 ** rng.integers(-8, 12)
    elif kind == 2:
        values = rng.standard_normal(size) * 10.0 ** rng.integers(-6, 6, size)
    else:
        special = [0.0, -0.0, np.nan, np.inf, -np.inf, 1.5, 2.0, -3.0, 1e-5, 1e9]
        values = rng.choice(special, size)
    with np.errstate(over="ignore"):
        return values.astype(dtype).reshape(shape)


@pytest.mark.torch
def test_repr_matches_pytorch_on_random_arrays():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    try:
        for _ in range(500):
            values = _random_array(rng)
            options = {}
            if rng.random() < 0.3:
                options = {
                    "precision": int(rng.integers(0, 8)),
                    "threshold": int(rng.integers(1, 200)),
                    "edgeitems": int(rng.integers(0, 5)),
                    "linewidth": int(rng.integers(20, 150)),
                    "sci_mode": [None, True, False][int(rng.integers(0, 3))],
                }
            torch.set_printoptions(**options)
            set_printoptions(**options)
            tensor = torch.from_numpy(values.copy())
            requires_grad = tensor.is_floating_point() and rng.random() < 0.2
            expected = repr(tensor.requires_grad_(requires_grad))
            assert show(values, requires_grad=requires_grad) == expected, (values.shape, options)
            torch.set_printoptions(profile="default")
            set_printoptions(profile="default")
    finally:
        torch.set_printoptions(profile="default")
