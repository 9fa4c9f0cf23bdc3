"""Bad input raises the exception type PyTorch raises, with a message naming the shapes,
dims and arguments; and a failing op changes no state."""

import re

import numpy as np
import pytest
from op_table import cuda_backend_missing

import numbatorch as torch


def raises(exception, message):
    return pytest.raises(exception, match=re.escape(message))


ERRORS = [
    (
        "sub-bool",
        lambda: torch.tensor([True, False]) - torch.ones(2),
        RuntimeError,
        "Subtraction, the `-` operator, with a bool tensor is not supported.",
    ),
    (
        "maximum-scalar",
        lambda: torch.maximum(torch.ones(2), 2.5),
        TypeError,
        "maximum(): argument 'other' (position 2) must be Tensor, not float",
    ),
    (
        "bitwise-float",
        lambda: torch.bitwise_xor(torch.ones(2), torch.ones(2, dtype=torch.float64)),
        NotImplementedError,
        "\"bitwise_xor_cpu\" not implemented for 'Double'",
    ),
    (
        "broadcast",
        lambda: torch.ones(2, 3) + torch.ones(2, 4),
        RuntimeError,
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
    ),
    (
        "broadcast-lower-rank",
        lambda: torch.ones(2, 3) * torch.ones(4),
        RuntimeError,
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
    ),
    (
        "broadcast-leading-dim",
        lambda: torch.ones(2, 1, 3) - torch.ones(5, 4, 3),
        RuntimeError,
        "The size of tensor a (2) must match the size of tensor b (5) at non-singleton dimension 0",
    ),
    (
        "broadcast-where",
        lambda: torch.where(torch.ones(3, dtype=torch.bool), torch.ones(3), torch.ones(2)),
        RuntimeError,
        "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 0",
    ),
    (
        "view-non-contiguous",
        lambda: torch.ones(2, 3).t().view(6),
        RuntimeError,
        "view size is not compatible with input tensor's size and stride (at least one "
        "dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    ),
    (
        "view-bad-size",
        lambda: torch.ones(2, 3).view(4, 2),
        RuntimeError,
        "shape '[4, 2]' is invalid for input of size 6",
    ),
    (
        "reshape-two-inferred",
        lambda: torch.ones(6).reshape(-1, -1),
        RuntimeError,
        "only one dimension can be inferred",
    ),
    (
        "sum-dim",
        lambda: torch.ones(2, 3).sum(2),
        IndexError,
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "mean-negative-dim",
        lambda: torch.ones(2, 3).mean(-3),
        IndexError,
        "Dimension out of range (expected to be in range of [-2, 1], but got -3)",
    ),
    (
        "softmax-dim",
        lambda: torch.ones(2, 3).softmax(2),
        IndexError,
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "transpose-dim",
        lambda: torch.ones(2, 3).transpose(0, 2),
        IndexError,
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "unsqueeze-dim",
        lambda: torch.ones(2, 3).unsqueeze(3),
        IndexError,
        "Dimension out of range (expected to be in range of [-3, 2], but got 3)",
    ),
    (
        "size-dim",
        lambda: torch.ones(2, 3).size(2),
        IndexError,
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "cat-dim",
        lambda: torch.cat([torch.ones(2, 3)], dim=2),
        IndexError,
        "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
    ),
    (
        "getitem-int",
        lambda: torch.ones(3, 2)[3],
        IndexError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    (
        "getitem-negative-int",
        lambda: torch.ones(3, 2)[:, -3],
        IndexError,
        "index -3 is out of bounds for dimension 1 with size 2",
    ),
    (
        "getitem-tensor",
        lambda: torch.ones(3)[torch.tensor([0, 5])],
        IndexError,
        "index 5 is out of bounds for dimension 0 with size 3",
    ),
    (
        "getitem-too-many",
        lambda: torch.ones(3, 2)[0, 0, 0],
        IndexError,
        "too many indices for tensor of dimension 2",
    ),
    (
        "getitem-float-tensor",
        lambda: torch.ones(3)[torch.tensor([0.0])],
        IndexError,
        "tensors used as indices must be long, int, byte or bool tensors",
    ),
    (
        "getitem-mask-shape",
        lambda: torch.ones(3)[torch.tensor([True, False])],
        IndexError,
        "The shape of the mask [2] at index 0 does not match the shape of the indexed tensor "
        "[3] at index 0",
    ),
    (
        "select-index",
        lambda: torch.ones(3, 2).select(1, 2),
        IndexError,
        "index 2 is out of bounds for dimension 1 with size 2",
    ),
    (
        "index_select-index",
        lambda: torch.ones(3).index_select(0, torch.tensor([3])),
        IndexError,
        "index out of range in self",
    ),
    (
        "gather-index",
        lambda: torch.ones(2, 3).gather(1, torch.tensor([[0], [3]])),
        RuntimeError,
        "index 3 is out of bounds for dimension 1 with size 3",
    ),
    (
        "cat-sizes",
        lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)]),
        RuntimeError,
        "Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for "
        "tensor number 1 in the list.",
    ),
    (
        "cat-ndim",
        lambda: torch.cat([torch.ones(2, 3), torch.ones(3)]),
        RuntimeError,
        "Tensors must have same number of dimensions: got 2 and 1",
    ),
    (
        "cat-empty",
        lambda: torch.cat([]),
        ValueError,
        "torch.cat(): expected a non-empty list of Tensors",
    ),
    (
        "stack-sizes",
        lambda: torch.stack([torch.ones(2, 3), torch.ones(2, 4)]),
        RuntimeError,
        "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at "
        "entry 1",
    ),
    (
        "index_select-float",
        lambda: torch.ones(3).index_select(0, torch.tensor([0.0])),
        RuntimeError,
        "index_select(): Expected dtype int32 or int64 for index",
    ),
    (
        "gather-float",
        lambda: torch.ones(2, 2).gather(1, torch.tensor([[0.0]])),
        RuntimeError,
        "gather(): Expected dtype int32/int64 for index",
    ),
    (
        "scatter-float",
        lambda: torch.ones(2).scatter(0, torch.tensor([0.0]), 1.0),
        RuntimeError,
        "scatter(): Expected dtype int32/int64 for index",
    ),
    (
        "cross_entropy-float-class-indices",
        lambda: torch.nn.functional.cross_entropy(torch.ones(3, 5), torch.tensor([1.0, 2, 3])),
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Float",
    ),
    (
        "masked_fill-float-mask",
        lambda: torch.ones(2).masked_fill(torch.ones(2), 0.0),
        RuntimeError,
        "masked_fill_ only supports boolean masks, but got mask with dtype float32",
    ),
    (
        "expand",
        lambda: torch.ones(2, 3).expand(4, 3),
        RuntimeError,
        "The expanded size of the tensor (4) must match the existing size (2) at non-singleton "
        "dimension 0.  Target sizes: [4, 3].  Tensor sizes: [2, 3]",
    ),
    (
        "narrow",
        lambda: torch.ones(3).narrow(0, 2, 2),
        RuntimeError,
        "start (2) + length (2) exceeds dimension size (3).",
    ),
    (
        "split-sizes",
        lambda: torch.ones(3).split([1, 1]),
        RuntimeError,
        "split_with_sizes expects split_sizes to sum exactly to 3 (input tensor's size at "
        "dimension 0), but got split_sizes=[1, 1]",
    ),
    (
        "t-3d",
        lambda: torch.ones(2, 2, 2).t(),
        RuntimeError,
        "t() expects a tensor with <= 2 dimensions, but self is 3D",
    ),
    (
        "item",
        lambda: torch.ones(2, 3).item(),
        RuntimeError,
        "a Tensor with 6 elements cannot be converted to Scalar",
    ),
    (
        "bool",
        lambda: bool(torch.ones(2)),
        RuntimeError,
        "Boolean value of Tensor with more than one value is ambiguous",
    ),
    (
        "mean-int",
        lambda: torch.ones(2, dtype=torch.int64).mean(),
        RuntimeError,
        "mean(): could not infer output dtype. Input dtype must be either a floating point or "
        "complex dtype. Got: Long",
    ),
    (
        "numpy-requires-grad",
        lambda: torch.ones(2, requires_grad=True).numpy(),
        RuntimeError,
        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
    ),
    (
        "setitem-slice-shape",
        lambda: torch.ones(3).__setitem__(slice(None), torch.ones(2)),
        RuntimeError,
        "The expanded size of the tensor (3) must match the existing size (2) at "
        "non-singleton dimension 0.  Target sizes: [3].  Tensor sizes: [2]",
    ),
    (
        "setitem-index-shape",
        lambda: torch.ones(3).__setitem__(torch.tensor([0, 1, 2]), torch.ones(2)),
        RuntimeError,
        "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing "
        "result of shape [3]",
    ),
    (
        "neg-bool",
        lambda: -torch.tensor([True]),
        RuntimeError,
        "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
        "invert a mask, use the `~` or `logical_not()` operator instead.",
    ),
    (
        "pow-int-negative",
        lambda: torch.tensor([2]) ** -1,
        RuntimeError,
        "Integers to negative integer powers are not allowed.",
    ),
    ("len-0d", lambda: len(torch.tensor(1.0)), TypeError, "len() of a 0-d tensor"),
    (
        "broadcast-names-last-mismatch",
        lambda: torch.ones(2, 3) + torch.ones(3, 2),
        RuntimeError,
        "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1",
    ),
    (
        "linear-bias-size",
        lambda: torch.nn.functional.linear(torch.ones(3, 4), torch.ones(2, 4), torch.ones(3)),
        RuntimeError,
        "The expanded size of the tensor (2) must match the existing size (3) at non-singleton "
        "dimension 1.  Target sizes: [3, 2].  Tensor sizes: [3]",
    ),
    (
        "batch-norm-channels",
        lambda: torch.nn.BatchNorm2d(3)(torch.ones(2, 4, 3, 3)),
        RuntimeError,
        "running_mean should contain 4 elements not 3",
    ),
    (
        "batch-norm-channels-eval",
        lambda: torch.nn.BatchNorm2d(3).eval()(torch.ones(2, 4, 3, 3)),
        RuntimeError,
        "running_mean should contain 4 elements not 3",
    ),
    (
        "bad-device",
        lambda: torch.ones(2, device="tpu"),
        RuntimeError,
        "Expected one of cpu, cuda device type at start of device string: tpu",
    ),
    # Sizes are checked where every tensor is allocated. 10**15 elements pass any machine's
    # address space, so the allocation fails even where memory is overcommitted.
    ("zeros-negative", lambda: torch.zeros(-1), RuntimeError, "zeros: Dimension size must be"),
    (
        "empty-negative",
        lambda: torch.empty(2, -3),
        RuntimeError,
        "Trying to create tensor with negative dimension -3: [2, -3]",
    ),
    (
        "linear-negative",
        lambda: torch.nn.Linear(-1, 2),
        RuntimeError,
        "Trying to create tensor with negative dimension -1: [2, -1]",
    ),
    (
        "randint-negative",
        lambda: torch.randint(0, 5, (-1,)),
        RuntimeError,
        "Trying to create tensor with negative dimension -1: [-1]",
    ),
    (
        "legacy-constructor-negative",
        lambda: torch.Tensor(-1),
        RuntimeError,
        "Trying to create tensor with negative dimension -1: [-1]",
    ),
    (
        "randn-too-big-counts-its-own-dtype",
        lambda: torch.randn(10**15),
        RuntimeError,
        "can't allocate memory: you tried to allocate 4000000000000000 bytes",
    ),
    (
        "ones-too-big-float64",
        lambda: torch.ones(10**15, dtype=torch.float64),
        RuntimeError,
        "can't allocate memory: you tried to allocate 8000000000000000 bytes",
    ),
    (
        "result-too-big",
        lambda: torch.ones(1, 1).expand(10**8, 10**8) + 1,
        RuntimeError,
        "can't allocate memory: you tried to allocate 40000000000000000 bytes",
    ),
    (
        "size-overflows",
        lambda: torch.empty(2**40, 2**40),
        RuntimeError,
        "Storage size calculation overflowed with sizes=[1099511627776, 1099511627776]",
    ),
]


@pytest.mark.parametrize(
    ("name", "call", "exception", "message"), ERRORS, ids=[e[0] for e in ERRORS]
)
def test_bad_input_raises_pytorchs_error(name, call, exception, message):
    with raises(exception, message):
        call()


# --- a failing op changes no state --------------------------------------------------------

FAILING_WRITES = [
    ("add_-broadcast", lambda x: x.add_(torch.ones(4)), RuntimeError),
    ("add_-grows-destination", lambda x: x.add_(torch.ones(2, 2, 3)), RuntimeError),
    ("mul_-float-into-int", lambda x: x.long().mul_(0.5), RuntimeError),
    ("copy_-shape", lambda x: x.copy_(torch.ones(3, 2)), RuntimeError),
    ("setitem-index", lambda x: x.__setitem__(5, 0.0), IndexError),
    ("setitem-value-shape", lambda x: x.__setitem__(0, torch.zeros(2)), RuntimeError),
    (
        "setitem-bad-mask",
        lambda x: x.__setitem__(torch.tensor([True, False, True]), 0.0),
        IndexError,
    ),
    ("setitem-index-tensor", lambda x: x.__setitem__(torch.tensor([0, 4]), 0.0), IndexError),
    ("masked_fill_-mask-dtype", lambda x: x.masked_fill_(torch.ones(2, 3), 0.0), RuntimeError),
    ("scatter_-index", lambda x: x.scatter_(1, torch.tensor([[0, 9]]), 0.0), RuntimeError),
    ("index_add_-index", lambda x: x.index_add_(0, torch.tensor([0, 4]), x * 0), RuntimeError),
    ("index_copy_-source", lambda x: x.index_copy_(0, torch.tensor([0, 1]), x[:1]), IndexError),
    ("index_fill_-index", lambda x: x.index_fill_(1, torch.tensor([3]), 0.0), IndexError),
    ("clamp_-no-bounds", lambda x: x.clamp_(), RuntimeError),
]


@pytest.mark.parametrize(
    ("name", "write", "exception"), FAILING_WRITES, ids=[w[0] for w in FAILING_WRITES]
)
def test_failing_inplace_op_leaves_its_input_unchanged(name, write, exception):
    x = torch.arange(6.0).view(2, 3)
    before, version = x.numpy().copy(), x._version
    with pytest.raises(exception):
        write(x)
    np.testing.assert_array_equal(x.numpy(), before)
    assert x._version == version


def test_failing_op_leaves_autograd_state_unchanged():
    x = torch.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError):
        x * torch.ones(4)
    assert x.grad is None and x.is_leaf and x._version == 0


def test_failing_out_argument_leaves_out_unchanged():
    out = torch.zeros(2, dtype=torch.int64)
    with raises(RuntimeError, "result type Float can't be cast to the desired output type Long"):
        torch.add(torch.ones(2), torch.ones(2), out=out)
    assert out.tolist() == [0, 0]


def test_failing_cat_with_out_leaves_out_unchanged():
    out = torch.zeros(4, 3)
    with pytest.raises(RuntimeError):
        torch.cat([torch.ones(2, 3), torch.ones(2, 2)], out=out)
    assert out.sum().item() == 0


# --- devices --------------------------------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA or its simulator")
@pytest.mark.xfail(
    cuda_backend_missing() is not None, reason=str(cuda_backend_missing()), strict=False
)
@pytest.mark.parametrize(
    "call",
    [
        lambda a, b: a + b,
        lambda a, b: torch.cat([a, b]),
        lambda a, b: torch.where(a > 0, a, b),
        lambda a, b: a.masked_fill(b > 0, 0.0),
    ],
    ids=["add", "cat", "where", "masked_fill"],
)
def test_mixing_devices_raises(call):
    a, b = torch.ones(2), torch.ones(2, device="cuda")
    with raises(
        RuntimeError,
        "Expected all tensors to be on the same device, but found at "
        "least two devices, cuda:0 and cpu!",
    ):
        call(a, b)


def test_no_cuda_error_is_clear(monkeypatch):
    from numbatorch import _dispatch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(_dispatch, "_backends", {})
    with raises(RuntimeError, "Torch not compiled with CUDA enabled"):
        torch.ones(2, device="cuda")
