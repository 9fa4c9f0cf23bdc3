"""Tensor creation, metadata, conversions, type promotion, shared storage of views and
reprs, as PyTorch defines them."""

import numpy as np
import pytest

import numbatorch as torch

# --- creation: dtypes and defaults -----------------------------------------------------


@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.0, 2.0], torch.float32),
        ([1, 2], torch.int64),
        ([True, False], torch.bool),
        ([[1, 2], [3, 4.5]], torch.float32),
        (3.5, torch.float32),
        (7, torch.int64),
        (np.array([1, 2], np.int32), torch.int32),
        (np.array([1.0]), torch.float64),
    ],
    ids=[
        "floats",
        "ints",
        "bools",
        "nested-mixed",
        "float-scalar",
        "int-scalar",
        "numpy-int32",
        "numpy-float64",
    ],
)
def test_tensor_infers_pytorchs_dtype(data, dtype):
    assert torch.tensor(data).dtype == dtype


def test_tensor_copies_its_data():
    array = np.zeros(3)
    t = torch.tensor(array)
    array[0] = 1
    assert t[0].item() == 0


def test_tensor_takes_dtype_and_requires_grad():
    t = torch.tensor([1, 2], dtype=torch.float64, requires_grad=True)
    assert t.dtype == torch.float64 and t.requires_grad and t.is_leaf


def test_tensor_of_a_python_scalar_is_zero_dim():
    t = torch.tensor(2.5)
    assert t.shape == () and t.ndim == 0 and t.item() == 2.5


def test_legacy_constructors():
    assert torch.Tensor(2, 3).shape == (2, 3)
    assert torch.Tensor(2, 3).dtype == torch.float32
    assert torch.Tensor([1, 2]).dtype == torch.float32
    assert torch.FloatTensor([1, 2]).tolist() == [1.0, 2.0]
    assert torch.LongTensor([1, 2]).dtype == torch.int64
    assert torch.DoubleTensor(2).dtype == torch.float64
    assert isinstance(torch.FloatTensor([1]), torch.Tensor)


@pytest.mark.parametrize("factory", [torch.empty, torch.zeros, torch.ones, torch.rand, torch.randn])
def test_factories_take_sizes_as_arguments_or_a_tuple(factory):
    assert factory(2, 3).shape == (2, 3)
    assert factory((2, 3)).shape == (2, 3)
    assert factory([4]).shape == (4,)
    assert factory(2, 3).dtype == torch.float32
    assert factory(2, dtype=torch.float64).dtype == torch.float64


def test_zeros_and_ones_values():
    assert torch.zeros(2, dtype=torch.int64).tolist() == [0, 0]
    assert torch.ones(2, 2).tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.parametrize(
    ("fill", "dtype"), [(7, torch.int64), (1.5, torch.float32), (True, torch.bool)]
)
def test_full_infers_the_dtype_from_the_fill_value(fill, dtype):
    t = torch.full((2, 2), fill)
    assert t.dtype == dtype
    assert t.tolist() == [[fill, fill], [fill, fill]]


def test_rand_is_uniform_in_unit_interval():
    values = torch.rand(1000).numpy()
    assert values.min() >= 0 and values.max() < 1
    assert 0.4 < values.mean() < 0.6


def test_randn_is_standard_normal():
    values = torch.randn(2000, dtype=torch.float64).numpy()
    assert abs(values.mean()) < 0.1 and 0.9 < values.std() < 1.1


def test_randint_is_int64_within_bounds():
    t = torch.randint(3, 7, (200,))
    assert t.dtype == torch.int64
    assert set(t.tolist()) == {3, 4, 5, 6}
    assert torch.randint(5, (3,)).max().item() < 5


def test_randperm_is_a_permutation():
    t = torch.randperm(6)
    assert t.dtype == torch.int64
    assert sorted(t.tolist()) == list(range(6))


@pytest.mark.parametrize(
    ("args", "values", "dtype"),
    [
        ((5,), [0, 1, 2, 3, 4], torch.int64),
        ((1, 4), [1, 2, 3], torch.int64),
        ((0, 1, 0.25), [0, 0.25, 0.5, 0.75], torch.float32),
        ((3, 0, -1), [3, 2, 1], torch.int64),
        ((0.0, 3), [0, 1, 2], torch.float32),
    ],
    ids=["end", "start-end", "float-step", "negative-step", "float-start"],
)
def test_arange(args, values, dtype):
    t = torch.arange(*args)
    assert t.dtype == dtype
    assert t.tolist() == values


def test_linspace_includes_both_ends():
    t = torch.linspace(0, 1, 5)
    assert t.dtype == torch.float32
    assert t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_eye():
    assert torch.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert torch.eye(2, 3, dtype=torch.int64).tolist() == [[1, 0, 0], [0, 1, 0]]


@pytest.mark.parametrize(
    "factory",
    [torch.zeros_like, torch.ones_like, torch.empty_like, torch.rand_like, torch.randn_like],
)
def test_like_factories_keep_shape_and_dtype(factory):
    like = torch.zeros(2, 3, dtype=torch.float64)
    t = factory(like)
    assert t.shape == (2, 3) and t.dtype == torch.float64
    assert factory(like, dtype=torch.float32).dtype == torch.float32


def test_full_like_and_randint_like():
    like = torch.zeros(2, dtype=torch.int64)
    assert torch.full_like(like, 4).tolist() == [4, 4]
    assert torch.randint_like(like, 3).dtype == torch.int64


@pytest.mark.parametrize("name", ["new_zeros", "new_ones", "new_empty"])
def test_new_factories_keep_dtype_and_device(name):
    base = torch.zeros(1, dtype=torch.float64)
    t = getattr(base, name)(2, 3)
    assert t.shape == (2, 3) and t.dtype == torch.float64 and t.device == base.device


def test_new_full_and_new_tensor_keep_dtype():
    base = torch.zeros(1, dtype=torch.int64)
    assert base.new_full((2,), 3).tolist() == [3, 3]
    assert base.new_tensor([1, 2]).dtype == torch.int64


def test_from_numpy_shares_memory_both_ways():
    array = np.arange(3.0)
    t = torch.from_numpy(array)
    assert t.dtype == torch.float64
    array[0] = 5
    assert t[0].item() == 5
    t[1] = 7
    assert array[1] == 7
    t.add_(1)
    assert array.tolist() == [6.0, 8.0, 3.0]


def test_numpy_shares_memory_with_the_tensor():
    t = torch.ones(3)
    array = t.numpy()
    t.mul_(4)
    assert array.tolist() == [4.0, 4.0, 4.0]
    array[2] = 0
    assert t.tolist() == [4.0, 4.0, 0.0]


def test_from_numpy_keeps_non_contiguous_strides():
    array = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = torch.from_numpy(array)
    assert t.tolist() == array.tolist()
    t[0, 1] = -1
    assert array[0, 1] == -1


@pytest.mark.parametrize(
    "factory",
    [
        lambda: torch.rand(3),
        lambda: torch.randn(3),
        lambda: torch.randint(0, 100, (3,)),
        lambda: torch.randperm(10),
    ],
    ids=["rand", "randn", "randint", "randperm"],
)
def test_manual_seed_makes_random_factories_reproducible(factory):
    torch.manual_seed(3)
    first = factory().tolist()
    torch.manual_seed(3)
    assert factory().tolist() == first
    assert factory().tolist() != first


# --- metadata ------------------------------------------------------------------------------


def test_shape_and_size():
    t = torch.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.size() == (2, 3, 4)
    assert t.size(1) == 3 and t.size(-1) == 4
    assert isinstance(t.shape, torch.Size) and isinstance(t.shape, tuple)


def test_size_repr():
    assert repr(torch.zeros(2, 3).shape) == "torch.Size([2, 3])"
    assert repr(torch.tensor(1.0).shape) == "torch.Size([])"
    assert str(torch.zeros(4).size()) == "torch.Size([4])"


def test_dim_numel_dtype_device():
    t = torch.zeros(2, 3)
    assert t.dim() == 2 and t.ndim == 2 and t.numel() == 6
    assert t.dtype == torch.float32
    assert t.device == torch.device("cpu")
    assert repr(t.device) == "device(type='cpu')"
    assert str(t.device) == "cpu"


def test_strides_and_contiguity():
    t = torch.zeros(2, 3, 4)
    assert t.stride() == (12, 4, 1) and t.stride(0) == 12 and t.stride(-1) == 1
    assert t.is_contiguous()
    transposed = t.transpose(0, 2)
    assert transposed.stride() == (1, 4, 12)
    assert not transposed.is_contiguous()
    assert transposed.contiguous().is_contiguous()


def test_item():
    assert torch.tensor(3.5).item() == 3.5
    assert isinstance(torch.tensor([7]).item(), int)
    assert torch.tensor([[True]]).item() is True


def test_tolist():
    assert torch.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert torch.tensor(2.0).tolist() == 2.0
    assert torch.arange(4).view(2, 2).t().tolist() == [[0, 2], [1, 3]]


def test_len_and_iteration_follow_the_first_dim():
    t = torch.arange(6).view(3, 2)
    assert len(t) == 3
    assert [row.tolist() for row in t] == [[0, 1], [2, 3], [4, 5]]


# --- conversions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "dtype"),
    [
        ("float", torch.float32),
        ("double", torch.float64),
        ("long", torch.int64),
        ("int", torch.int32),
        ("bool", torch.bool),
        ("half", torch.float16),
        ("byte", torch.uint8),
    ],
)
def test_conversion_methods(method, dtype):
    assert getattr(torch.tensor([1.0, 0.0]), method)().dtype == dtype


def test_float_to_int_truncates_toward_zero():
    assert torch.tensor([-1.7, 1.7, 2.5]).long().tolist() == [-1, 1, 2]


def test_to_bool_is_nonzero():
    assert torch.tensor([0.0, -0.5, 2.0]).bool().tolist() == [False, True, True]


def test_to_returns_self_when_nothing_changes():
    t = torch.ones(2)
    assert t.to(torch.float32) is t
    assert t.to("cpu") is t
    assert t.to(torch.float64) is not t


def test_to_accepts_a_tensor_and_keyword_dtype():
    t = torch.ones(2)
    assert t.to(torch.zeros(1, dtype=torch.int64)).dtype == torch.int64
    assert t.to(dtype=torch.float64).dtype == torch.float64
    assert t.to("cpu", torch.float64).dtype == torch.float64


def test_type_names_the_legacy_class():
    assert torch.ones(1).type() == "torch.FloatTensor"
    assert torch.ones(1, dtype=torch.int64).type() == "torch.LongTensor"
    assert torch.ones(1).type(torch.float64).dtype == torch.float64
    assert torch.ones(1).type_as(torch.zeros(1, dtype=torch.int64)).dtype == torch.int64


def test_a_conversion_copies():
    t = torch.ones(2)
    converted = t.double()
    converted[0] = 5
    assert t[0].item() == 1


# --- type promotion ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "dtype"),
    [
        (torch.tensor([1, 2]), torch.tensor([0.5, 1.5]), torch.float32),
        (torch.tensor([1, 2]), 2.5, torch.float32),
        (torch.tensor([1, 2]), 3, torch.int64),
        (torch.tensor([1, 2], dtype=torch.int32), 3, torch.int32),
        (
            torch.tensor([1, 2], dtype=torch.uint8),
            torch.tensor([1, 2], dtype=torch.int8),
            torch.int16,
        ),
        (torch.tensor([1, 2], dtype=torch.int32), torch.tensor(1), torch.int32),
        (torch.tensor([1, 2]), torch.tensor(1.0, dtype=torch.float64), torch.float64),
        (torch.tensor([1.0]), torch.tensor(1.0, dtype=torch.float64), torch.float32),
        (torch.tensor([True]), torch.tensor([1, 2]), torch.int64),
        (torch.tensor([True]), 1.5, torch.float32),
        (torch.tensor(1), torch.tensor(2.0), torch.float32),
        (torch.tensor([1.0], dtype=torch.float16), torch.tensor(1.0), torch.float16),
        (torch.tensor([1.0], dtype=torch.float16), 2.5, torch.float16),
        (
            torch.tensor([1], dtype=torch.int64),
            torch.tensor([1.0], dtype=torch.float16),
            torch.float16,
        ),
    ],
    ids=[
        "int+float",
        "int+pyfloat",
        "int+pyint",
        "int32+pyint",
        "uint8+int8",
        "int32+0d-int64",
        "int+0d-float64",
        "float+0d-float64",
        "bool+int",
        "bool+pyfloat",
        "0d-int+0d-float",
        "half+0d-float",
        "half+pyfloat",
        "long+half",
    ],
)
def test_result_type_follows_pytorchs_promotion(a, b, dtype):
    assert torch.result_type(a, b) == dtype


@pytest.mark.parametrize(
    ("a", "b", "dtype"),
    [
        (torch.tensor([1, 2]), torch.tensor([0.5, 1.5]), torch.float32),
        (torch.tensor([1, 2]), 2.5, torch.float32),
        (
            torch.tensor([1, 2], dtype=torch.uint8),
            torch.tensor([1, 2], dtype=torch.int8),
            torch.int16,
        ),
        (torch.tensor([1, 2]), torch.tensor(1.0, dtype=torch.float64), torch.float64),
        (torch.tensor([1.0, 2.0]), torch.tensor(1.0, dtype=torch.float64), torch.float32),
    ],
    ids=["int+float", "int+pyfloat", "uint8+int8", "int+0d-float64", "float+0d-float64"],
)
def test_add_result_dtype_follows_promotion(a, b, dtype):
    result = a + b
    assert result.dtype == dtype
    assert (b + a).dtype == dtype


def test_half_arithmetic_stays_half():
    t = torch.tensor([1.0, 2.0], dtype=torch.float16)
    assert (t + torch.tensor(1.0)).dtype == torch.float16


def test_comparison_of_mixed_dtypes_promotes_first():
    assert (torch.tensor([1, 2]) < torch.tensor([1.5, 1.5])).tolist() == [True, False]


# --- views share storage -------------------------------------------------------------------


def test_view_shares_storage_with_base():
    base = torch.zeros(2, 3)
    view = base.view(6)
    view[4] = 1
    assert base[1, 1].item() == 1
    assert view.data_ptr() == base.data_ptr()
    assert view.untyped_storage() is base.untyped_storage()


@pytest.mark.parametrize(
    "make_view",
    [
        lambda t: t.t(),
        lambda t: t.transpose(0, 1),
        lambda t: t.permute(1, 0),
        lambda t: t[:, 1:],
        lambda t: t[::2],
        lambda t: t[1],
        lambda t: t.unsqueeze(0),
        lambda t: t.reshape(6),
        lambda t: t.narrow(1, 1, 2),
        lambda t: t.view(3, 2),
        lambda t: t[None, ..., 0],
        lambda t: t.detach(),
        lambda t: t.flatten(),
        lambda t: t.split(1)[1],
        lambda t: t.select(1, 2),
        lambda t: t.T,
    ],
    ids=[
        "t",
        "transpose",
        "permute",
        "slice",
        "step",
        "int",
        "unsqueeze",
        "reshape",
        "narrow",
        "view",
        "none-ellipsis",
        "detach",
        "flatten",
        "split",
        "select",
        "T",
    ],
)
def test_writes_through_a_view_reach_the_base(make_view):
    base = torch.zeros(2, 3)
    view = make_view(base)
    view.fill_(1)
    assert base.sum().item() == view.numel()


def test_expand_is_a_stride_zero_view():
    base = torch.tensor([[1.0], [2.0]])
    expanded = base.expand(2, 3)
    assert expanded.stride() == (1, 0)
    base[0, 0] = 9
    assert expanded[0].tolist() == [9.0, 9.0, 9.0]


def test_squeeze_is_a_view():
    base = torch.zeros(1, 3)
    base.squeeze(0)[1] = 4
    assert base[0, 1].item() == 4


def test_reshape_of_a_non_contiguous_tensor_copies():
    base = torch.zeros(2, 3)
    flat = base.t().reshape(6)
    flat[0] = 1
    assert base.sum().item() == 0


def test_advanced_indexing_copies():
    base = torch.zeros(3)
    picked = base[torch.tensor([0, 1])]
    picked[0] = 1
    assert base[0].item() == 0


def test_a_range_indexes_like_the_list_of_its_values(device):
    x = torch.zeros(3, 4, device=device)
    x[range(3), torch.tensor([0, 2, 3], device=device)] = 1.0
    expected = np.zeros((3, 4))
    expected[range(3), [0, 2, 3]] = 1.0
    np.testing.assert_array_equal(x.cpu().numpy(), expected)
    np.testing.assert_array_equal(x[range(2)].cpu().numpy(), expected[:2])
    np.testing.assert_array_equal(x[:, range(3, 0, -2)].cpu().numpy(), expected[:, [3, 1]])
    assert x[range(0)].shape == (0, 4)


def test_a_range_index_passes_the_gradient_back():
    x = torch.zeros(2, 3, requires_grad=True)
    x[range(2), [1, 2]].sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def test_inplace_ops_bump_the_version_shared_by_views():
    base = torch.zeros(3)
    view = base[1:]
    start = base._version
    view.add_(1)
    assert base._version == view._version == start + 1
    base[0] = 2
    assert view._version == start + 2
    base.zero_()
    assert view._version == start + 3


def test_out_of_place_ops_leave_the_version_alone():
    base = torch.zeros(3)
    _ = base + 1
    _ = base.view(3, 1)
    assert base._version == 0


def test_contiguous_of_a_contiguous_tensor_is_itself():
    t = torch.zeros(2)
    assert t.contiguous() is t


# --- reprs -------------------------------------------------------------------------------------


def test_repr_of_a_result_names_its_grad_fn():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    assert repr(a + 1) == "tensor([2., 3.], grad_fn=<AddBackward0>)"
    assert repr((a * a).sum()) == "tensor(5., grad_fn=<SumBackward0>)"


def test_repr_of_a_leaf_requiring_grad():
    assert repr(torch.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"


def test_repr_shows_non_default_dtypes_only():
    assert repr(torch.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(torch.tensor([1.0], dtype=torch.float64)) == "tensor([1.], dtype=torch.float64)"
    assert repr(torch.tensor([1], dtype=torch.int32)) == "tensor([1], dtype=torch.int32)"


def test_repr_of_a_non_contiguous_view_shows_its_values():
    t = torch.arange(6).view(2, 3).t()
    assert repr(t) == "tensor([[0, 3],\n        [1, 4],\n        [2, 5]])"


def test_detached_repr_has_no_autograd_suffix():
    a = torch.tensor([1.0], requires_grad=True)
    assert repr((a * 2).detach()) == "tensor([2.])"


def test_format_of_a_zero_dim_tensor():
    assert f"{torch.tensor(2.5):.2f}" == "2.50"
