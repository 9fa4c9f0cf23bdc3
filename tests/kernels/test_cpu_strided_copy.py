"""The CPU copy of strided arrays of any rank into C-contiguous ones (kernels/cpu/
strided_copy.py, reached through the `copy` launcher) against numpy: permuted layouts of
more dims than the general strided kernels take, transposes, broadcasts, dtype
conversion, and the layouts it leaves to the general kernels."""

import numpy as np
import pytest
from numbatorch.kernels.cpu import copy
from numbatorch.kernels.cpu.strided_copy import copy_to_contiguous

rng = np.random.default_rng(0)


def _copied(x: np.ndarray, dtype=None) -> np.ndarray:
    memory = np.full(x.size + 4, -7, dtype or x.dtype)  # a guard past the output
    out = memory[: x.size].reshape(x.shape)
    copy(x, out)
    assert (memory[x.size :] == -7).all()
    return out


@pytest.mark.parametrize(
    "shape, axes",
    [
        ((3, 4, 5, 2, 6), (1, 3, 0, 2, 4)),  # a qkv gradient's layout: 5 dims, rows of 6
        ((4, 3, 9, 5), (0, 2, 1, 3)),  # heads merged back: rows of 5 in planes of 3 rows
        ((13, 11), (1, 0)),  # a transpose: columns read 11 apart, planes of 13 rows
        ((2, 3, 1, 4), (3, 2, 1, 0)),  # a size-1 dim and every stride reversed in order
    ],
)
def test_permuted_layouts_copy_into_contiguous_memory(shape, axes):
    x = rng.standard_normal(shape).astype(np.float32).transpose(axes)
    assert copy_to_contiguous(x, np.empty(x.shape, np.float32))  # this path runs
    np.testing.assert_array_equal(_copied(x), np.ascontiguousarray(x))


def test_a_size_one_dim_walked_backwards_is_copied():
    x = rng.standard_normal((1, 3, 4))[::-1].transpose(2, 1, 0)  # its stride < 0
    assert copy_to_contiguous(x, np.empty(x.shape))
    np.testing.assert_array_equal(_copied(x), np.ascontiguousarray(x))


def test_sliced_rows_and_a_dtype_change_are_copied():
    x = rng.standard_normal((6, 5, 8))[::2, :, 1::3]  # steps along the first and last dim
    np.testing.assert_array_equal(_copied(x, np.float32), x.astype(np.float32))


def test_a_broadcast_view_is_repeated_into_each_copy():
    x = np.broadcast_to(rng.standard_normal((3, 1, 4)), (2, 3, 5, 4))  # strides 0
    np.testing.assert_array_equal(_copied(x), x)


def test_negative_strides_are_left_to_the_general_kernels():
    x = rng.standard_normal((4, 5))[::-1].T
    assert not copy_to_contiguous(x, np.empty(x.shape))
    np.testing.assert_array_equal(_copied(x), np.ascontiguousarray(x))


def test_empty_and_zero_dim_arrays_copy():
    assert _copied(np.empty((0, 3, 2)).transpose(1, 0, 2)).shape == (3, 0, 2)
    np.testing.assert_array_equal(_copied(np.array(2.5)), np.array(2.5))
