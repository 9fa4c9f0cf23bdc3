"""PyTorch's rules for writing in place and for values with no answer: writes into
expanded tensors and partially overlapping copies are refused, leaves that require grad
(and their views) are not modified, `.grad` assignments are checked, integer division by
zero raises, ties share the gradient of amax/amin, and reductions see empty dims and
expanded inputs as PyTorch does."""

import re
import warnings

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn.functional as F

INTERNAL = (
    "unsupported operation: more than one element of the written-to tensor refers to a "
    "single memory location. Please clone() the tensor before performing the operation."
)
PARTIAL = (
    "unsupported operation: some elements of the input tensor and the written-to tensor "
    "refer to a single memory location. Please clone() the tensor before performing the "
    "operation."
)


def raises(exception, message):
    return pytest.raises(exception, match=re.escape(message))


# --- writes into tensors whose elements share memory ----------------------------------------


@pytest.mark.parametrize(
    "write",
    [
        lambda t: t.add_(1),
        lambda t: t.mul_(torch.ones(4, 3, device=t.device)),
        lambda t: t.copy_(torch.ones(4, 3, device=t.device)),
        lambda t: t.clamp_(0, 1),
        lambda t: torch.add(torch.ones(4, 3, device=t.device), 1, out=t),
        lambda t: t.__setitem__((slice(None), 0), torch.ones(4, device=t.device)),
    ],
    ids=["add_", "mul_", "copy_", "clamp_", "out=", "setitem"],
)
def test_write_into_expanded_tensor_is_refused_and_changes_nothing(device, write):
    base = torch.zeros(1, 3, device=device)
    expanded = base.expand(4, 3)
    with raises(RuntimeError, INTERNAL):
        write(expanded)
    assert base.cpu().tolist() == [[0.0, 0.0, 0.0]]


def test_fill_of_expanded_tensor_is_allowed_as_in_pytorch(device):
    base = torch.zeros(3, device=device)
    base.expand(2, 3).fill_(2)
    base.expand(2, 3)[:, 0] = 5
    assert base.cpu().tolist() == [5.0, 2.0, 2.0]


@pytest.mark.parametrize(
    "write",
    [
        lambda a: a[1:].copy_(a[:-1]),
        lambda a: a[:-1].copy_(a[1:]),
        lambda a: a[1:].add_(a[:-1]),
        lambda a: a.__setitem__(slice(1, None), a[:-1]),
        lambda a: a.view(2, 3).copy_(a.view(3, 2).t()),
    ],
    ids=["copy-right", "copy-left", "add_", "setitem", "transposed"],
)
def test_partially_overlapping_write_is_refused_and_changes_nothing(device, write):
    a = torch.arange(6.0, device=device)
    with raises(RuntimeError, PARTIAL):
        write(a)
    assert a.cpu().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_interleaved_views_of_one_storage_copy_correctly(device):
    a = torch.arange(8.0, device=device)
    a[2::2].copy_(a[0:6:2])  # ranges cross, elements do not: reads see the old values
    assert a.cpu().tolist() == [0.0, 1.0, 0.0, 3.0, 2.0, 5.0, 4.0, 7.0]
    b = torch.arange(6.0, device=device)
    b[::2] = b[1::2]
    assert b.cpu().tolist() == [1.0, 1.0, 3.0, 3.0, 5.0, 5.0]


def test_copy_of_a_tensor_into_itself_keeps_its_values(device):
    a = torch.arange(6.0, device=device)
    a.copy_(a)
    a[:] += a
    assert a.cpu().tolist() == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


# --- leaves that require grad ---------------------------------------------------------------


def test_inplace_on_leaf_that_requires_grad_is_refused():
    x = torch.ones(2, requires_grad=True)
    with raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place"):
        x.mul_(2)
    assert x.tolist() == [1.0, 1.0] and x._version == 0


def test_inplace_on_view_of_leaf_that_requires_grad_is_refused():
    x = torch.ones(2, requires_grad=True)
    with raises(RuntimeError, "a view of a leaf Variable that requires grad is being used"):
        x[0].mul_(2)
    assert x.tolist() == [1.0, 1.0] and x._version == 0


def test_inplace_on_leaf_is_allowed_without_grad_and_through_detach():
    x = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        x[0].mul_(2)
    x.detach().add_(1)
    x.data.mul_(2)
    assert x.tolist() == [6.0, 4.0]


# --- .grad assignment -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "exception", "message"),
    [
        (
            lambda: torch.ones(3),
            RuntimeError,
            "attempting to assign a gradient of size '[3]' to a tensor of size '[2, 2]'",
        ),
        (
            lambda: torch.ones(2, 2, dtype=torch.float64),
            RuntimeError,
            "attempting to assign a gradient with dtype 'double' to a tensor with grad_dtype "
            "'Float'",
        ),
        (
            lambda: 3,
            TypeError,
            "assigned grad expected to be a Tensor or None but got grad of type int",
        ),
    ],
    ids=["size", "dtype", "type"],
)
def test_grad_assignment_is_checked(value, exception, message):
    weight = torch.nn.Linear(2, 2).weight
    with raises(exception, message):
        weight.grad = value()
    assert weight.grad is None
    weight.grad = torch.ones(2, 2)
    assert weight.grad.tolist() == [[1.0, 1.0], [1.0, 1.0]]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA or its simulator")
def test_grad_on_another_device_is_refused():
    weight = torch.ones(2, requires_grad=True)
    with raises(RuntimeError, "attempting to assign a gradient with device type 'cuda'"):
        weight.grad = torch.ones(2, device="cuda")


# --- integer division by zero ---------------------------------------------------------------


@pytest.mark.parametrize(
    "divide",
    [
        lambda a, z: a // z,
        lambda a, z: a % z,
        lambda a, z: a % 0,
        lambda a, z: a.fmod(0),
        lambda a, z: a.div(z, rounding_mode="trunc"),
        lambda a, z: a.div(0, rounding_mode="floor"),
        lambda a, z: a.remainder_(z),
        lambda a, z: a.floor_divide_(0),
    ],
    ids=["floordiv", "mod", "mod-scalar", "fmod", "trunc", "floor", "remainder_", "floordiv_"],
)
def test_integer_division_by_zero_raises_and_changes_nothing(device, divide):
    a = torch.tensor([1, 2], device=device)
    with raises(RuntimeError, "ZeroDivisionError"):
        divide(a, torch.tensor([0, 1], device=device))
    assert a.cpu().tolist() == [1, 2]


def test_integer_division_by_nonzero_and_float_division_by_zero(device):
    a = torch.tensor([7, -7], device=device)
    assert (a // 2).cpu().tolist() == [3, -4]
    assert (a % 3).cpu().tolist() == [1, 2]
    assert a.fmod(3).cpu().tolist() == [1, -1] and a.fmod(3).dtype == torch.int64
    assert (torch.tensor([1.0, -1.0], device=device) // 0).cpu().tolist() == [np.inf, -np.inf]


# --- amax/amin ties, empty dims, expanded inputs --------------------------------------------


@pytest.mark.parametrize("reduce", [torch.amax, torch.amin, torch.max, torch.min])
def test_ties_share_the_gradient_of_full_reductions_evenly(device, reduce):
    x = torch.tensor([1.0, 3.0, 3.0], device=device)
    if reduce in (torch.amin, torch.min):
        x = -x
    x.requires_grad_()
    reduce(x).backward()
    assert x.grad.cpu().tolist() == [0.0, 0.5, 0.5]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_amax_over_several_dims_matches_numpy_and_gradcheck(device, dtype):
    values = np.array([[[1, 5, 5], [2, 0, 5]], [[3, 3, 1], [0, 3, 2]]], dtype=np.float64)
    x = torch.tensor(values, dtype=dtype, device=device)
    for dims, keepdim in [((0, 2), False), ((1,), True), ((-1, 0), True)]:
        np.testing.assert_array_equal(
            x.amax(dims, keepdim).cpu().numpy(), values.max(axis=dims, keepdims=keepdim)
        )
        np.testing.assert_array_equal(
            x.amin(dims, keepdim).cpu().numpy(), values.min(axis=dims, keepdims=keepdim)
        )
    assert x.requires_grad_().amax((0, 2)).grad_fn.name() == "AmaxBackward0"
    distinct = torch.randn(2, 3, 4, dtype=torch.float64, device=device, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: t.amax((0, 2)), (distinct,))
    assert torch.autograd.gradcheck(lambda t: t.amin(1, keepdim=True), (distinct,))


@pytest.mark.parametrize(
    ("call", "exception", "message"),
    [
        (lambda x: x.max(dim=0), IndexError, "max(): Expected reduction dim 0 to have non-zero"),
        (lambda x: x.amax(dim=0), IndexError, "amax(): Expected reduction dim 0 to have non-zero"),
        (lambda x: x.argmin(dim=0), IndexError, "argmin(): Expected reduction dim 0 to have"),
        (lambda x: x.amax(), RuntimeError, "amax(): Expected reduction dim to be specified for"),
        (lambda x: x.argmax(), IndexError, "argmax(): Expected reduction dim to be specified"),
    ],
    ids=["max-dim", "amax-dim", "argmin-dim", "amax-all", "argmax-all"],
)
def test_reduction_over_an_empty_dim_raises_pytorchs_error(device, call, exception, message):
    with raises(exception, message):
        call(torch.ones(0, 3, device=device))


def test_reduction_over_nonempty_dims_of_an_empty_tensor_is_empty(device):
    x = torch.ones(0, 3, device=device)
    assert tuple(x.amax(dim=1).shape) == (0,)
    values, indices = x.min(dim=1)
    assert tuple(values.shape) == (0,) and indices.dtype == torch.int64
    assert x.sum(dim=0).cpu().tolist() == [0.0, 0.0, 0.0]


def test_reductions_of_expanded_tensors_do_not_materialise_them():
    huge = torch.ones(1).expand(10**5, 10**5)  # 37 GiB if it were copied
    assert huge.sum().item() == 1e10
    assert huge.mean().item() == 1.0 and huge.amax().item() == 1.0


def test_reductions_of_expanded_tensors_match_numpy(device):
    row = torch.tensor([[3.0, -1.0, 2.0]], device=device)
    x, values = row.expand(4, 3), np.broadcast_to(np.array([[3.0, -1.0, 2.0]]), (4, 3))
    np.testing.assert_allclose(x.sum(0).cpu().numpy(), values.sum(0))
    np.testing.assert_allclose(x.sum().item(), values.sum())
    np.testing.assert_allclose(x.mean(0).cpu().numpy(), values.mean(0))
    np.testing.assert_array_equal(x.argmax(0).cpu().numpy(), values.argmax(0))
    np.testing.assert_array_equal(x.amin(1).cpu().numpy(), values.min(1))
    assert torch.arange(3, device=device).expand(4, 3).sum().item() == 12


# --- out= arguments, read-only numpy arrays, integer convolution ---------------------------


def test_out_of_another_shape_is_resized_with_pytorchs_warning(device):
    out = torch.empty(5, device=device)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        torch.add(torch.ones(3, device=device), 1, out=out)
    assert tuple(out.shape) == (3,) and out.cpu().tolist() == [2.0, 2.0, 2.0]
    empty = torch.empty(0, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torch.mul(torch.ones(2, device=device), 3, out=empty)
    assert empty.cpu().tolist() == [3.0, 3.0]


def test_tensor_from_read_only_array_warns_then_writes():
    from numbatorch import _creation

    _creation._warned_not_writable = False
    array = np.arange(3.0)
    array.flags.writeable = False
    with pytest.warns(UserWarning, match="The given NumPy array is not writable"):
        t = torch.from_numpy(array)
    t.add_(1)
    assert array.tolist() == [1.0, 2.0, 3.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per program, as in PyTorch
        torch.from_numpy(array)


def test_integer_convolution_is_exact(device):
    x = torch.arange(16, device=device).reshape(1, 1, 4, 4)
    w = torch.tensor([[[[1, -2], [3, 1]]]], device=device)
    result = F.conv2d(x, w)
    assert result.dtype == torch.int64
    values = np.arange(16).reshape(4, 4)
    expected = [
        [int((values[i : i + 2, j : j + 2] * [[1, -2], [3, 1]]).sum()) for j in range(3)]
        for i in range(3)
    ]
    assert result.cpu()[0, 0].tolist() == expected
