"""Property tests over random shapes and indices: broadcasting, reshape/view round trips,
basic indexing (read and write), permute and transpose all agree with numpy."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import numbatorch as torch

SETTINGS = settings(max_examples=40, deadline=None)

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=4).map(tuple)


def arange_tensor(shape):
    """A float32 tensor of `shape` holding 0, 1, 2, ... and the same numpy array."""
    array = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    return torch.tensor(array), array


@st.composite
def broadcastable_shapes(draw):
    """Two shapes that broadcast: one drawn, the other a copy with some dims set to 1 and
    some leading dims dropped."""
    shape = draw(shapes)
    other = [1 if draw(st.booleans()) else n for n in shape]
    return shape, tuple(other[draw(st.integers(0, len(other))) :])


@SETTINGS
@given(broadcastable_shapes(), st.booleans())
def test_broadcast_shapes_matches_numpy(pair, swap):
    a, b = pair[::-1] if swap else pair
    assert torch.broadcast_shapes(a, b) == np.broadcast_shapes(a, b)


@SETTINGS
@given(shapes, shapes)
def test_broadcast_shapes_fails_where_numpy_fails(a, b):
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        with pytest.raises(RuntimeError, match="The size of tensor a"):
            torch.broadcast_shapes(a, b)
    else:
        assert torch.broadcast_shapes(a, b) == expected


@SETTINGS
@given(broadcastable_shapes())
def test_binary_op_broadcasts_like_numpy(pair):
    a_shape, b_shape = pair
    a, a_array = arange_tensor(a_shape)
    b, b_array = arange_tensor(b_shape)
    np.testing.assert_array_equal((a + b * 2).numpy(), a_array + b_array * 2)


@st.composite
def shape_and_reshape(draw):
    """A shape and another of the same numel, with one size possibly given as -1."""
    shape = draw(shapes)
    factors = []
    remaining = int(np.prod(shape))
    for p in (2, 3):
        while remaining % p == 0:
            factors.append(p)
            remaining //= p
    new = list(draw(st.permutations(factors)))
    groups = []
    while new:
        take = draw(st.integers(1, len(new)))
        groups.append(int(np.prod(new[:take])))
        new = new[take:]
    groups += [1] * draw(st.integers(0, 2))
    groups = list(draw(st.permutations(groups)))
    if groups and draw(st.booleans()):
        groups[draw(st.integers(0, len(groups) - 1))] = -1
    return shape, tuple(groups)


@SETTINGS
@given(shape_and_reshape())
def test_view_matches_numpy_reshape_and_shares_storage(pair):
    shape, new = pair
    t, array = arange_tensor(shape)
    view = t.view(*new) if new else t.view(())
    np.testing.assert_array_equal(view.numpy(), array.reshape(new))
    assert view.data_ptr() == t.data_ptr()
    assert view.view(*shape).tolist() == array.tolist()


@SETTINGS
@given(shape_and_reshape(), st.data())
def test_reshape_of_a_permuted_tensor_matches_numpy(pair, data):
    shape, new = pair
    order = data.draw(st.permutations(range(len(shape))))
    t, array = arange_tensor(shape)
    permuted = t.permute(*order)
    expected = array.transpose(order).reshape(new)
    np.testing.assert_array_equal(permuted.reshape(new).numpy(), expected)
    np.testing.assert_array_equal(
        permuted.reshape(new).reshape(permuted.shape).numpy(), array.transpose(order)
    )


@SETTINGS
@given(shapes, st.data())
def test_permute_matches_numpy_transpose(shape, data):
    order = data.draw(st.permutations(range(len(shape))))
    t, array = arange_tensor(shape)
    permuted = t.permute(*order)
    np.testing.assert_array_equal(permuted.numpy(), array.transpose(order))
    assert permuted.stride() == tuple(s // 4 for s in array.transpose(order).strides)


@SETTINGS
@given(shapes.filter(len), st.data())
def test_transpose_matches_numpy_swapaxes(shape, data):
    dims = st.integers(-len(shape), len(shape) - 1)
    d0, d1 = data.draw(dims), data.draw(dims)
    t, array = arange_tensor(shape)
    np.testing.assert_array_equal(t.transpose(d0, d1).numpy(), np.swapaxes(array, d0, d1))


@st.composite
def basic_index(draw, shape):
    """An index of ints, slices (any sign of start/stop, positive step) and None for a
    tensor of `shape`: one item per dim, then either a run of items replaced by an
    Ellipsis or the trailing items left out."""
    items = []
    for n in shape:
        while draw(st.integers(0, 3)) == 0:
            items.append(None)
        if draw(st.booleans()):
            items.append(draw(st.integers(-n, n - 1)))
        else:
            bound = st.none() | st.integers(-n - 2, n + 2)
            items.append(slice(draw(bound), draw(bound), draw(st.none() | st.integers(1, 3))))
    if draw(st.booleans()):
        start = draw(st.integers(0, len(items)))
        items[start : draw(st.integers(start, len(items)))] = [Ellipsis]
    else:
        items = items[: draw(st.integers(0, len(items)))]
    return tuple(items)


@SETTINGS
@given(shapes, st.data())
def test_basic_indexing_reads_like_numpy(shape, data):
    index = data.draw(basic_index(shape))
    t, array = arange_tensor(shape)
    result = t[index]
    expected = array[index]
    assert tuple(result.shape) == expected.shape
    np.testing.assert_array_equal(result.numpy(), expected)


@SETTINGS
@given(shapes, st.data())
def test_basic_indexing_writes_like_numpy(shape, data):
    index = data.draw(basic_index(shape))
    t, array = arange_tensor(shape)
    target_shape = array[index].shape
    value = -np.arange(int(np.prod(target_shape)), dtype=np.float32).reshape(target_shape) - 1
    t[index] = torch.tensor(value)
    array[index] = value
    np.testing.assert_array_equal(t.numpy(), array)
    t[index] = 7.0
    array[index] = 7.0
    np.testing.assert_array_equal(t.numpy(), array)


@SETTINGS
@given(shapes.filter(len), st.data())
def test_integer_array_indexing_reads_like_numpy(shape, data):
    dim = data.draw(st.integers(0, len(shape) - 1))
    n = shape[dim]
    picks = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4))
    t, array = arange_tensor(shape)
    index = (slice(None),) * dim + (torch.tensor(picks),)
    expected = array[(slice(None),) * dim + (np.array(picks),)]
    np.testing.assert_array_equal(t[index].numpy(), expected)


@SETTINGS
@given(shapes.filter(len), st.data())
def test_boolean_mask_indexing_reads_and_writes_like_numpy(shape, data):
    mask = np.array(
        data.draw(
            st.lists(st.booleans(), min_size=int(np.prod(shape)), max_size=int(np.prod(shape)))
        )
    ).reshape(shape)
    assume(mask.ndim)
    t, array = arange_tensor(shape)
    np.testing.assert_array_equal(t[torch.tensor(mask)].numpy(), array[mask])
    t[torch.tensor(mask)] = 0.0
    array[mask] = 0.0
    np.testing.assert_array_equal(t.numpy(), array)


@st.composite
def two_views_of_one_storage(draw):
    """Two same-shaped strided views (start, step per dim) of one 1-D storage of 24."""
    ndim = draw(st.integers(1, 2))
    shape = tuple(draw(st.integers(1, 3)) for _ in range(ndim))

    def view():
        steps = [draw(st.integers(1, 4)) for _ in range(ndim)]
        extent = sum((n - 1) * s for n, s in zip(shape, steps))
        return draw(st.integers(0, 23 - extent)), tuple(steps)

    return shape, view(), view()


@SETTINGS
@given(two_views_of_one_storage())
def test_copy_between_overlapping_views_raises_or_equals_a_copy_from_a_clone(views):
    from numbatorch.tensor import view_of

    shape, (dest_at, dest_steps), (src_at, src_steps) = views
    offsets = dest_at + sum(np.indices(shape)[d] * step for d, step in enumerate(dest_steps))
    assume(np.unique(offsets).size == offsets.size)  # a write into itself has no one answer
    base = torch.arange(24.0)
    expected = torch.arange(24.0)
    view_of(expected, shape, dest_steps, dest_at).copy_(
        view_of(torch.arange(24.0), shape, src_steps, src_at)
    )
    dest = view_of(base, shape, dest_steps, dest_at)
    source = view_of(base, shape, src_steps, src_at)
    try:
        dest.copy_(source)
    except RuntimeError as error:
        assert "refer to a single memory location" in str(error)
        assert base.tolist() == list(range(24))  # refused before anything was written
        return
    assert base.tolist() == expected.tolist()
