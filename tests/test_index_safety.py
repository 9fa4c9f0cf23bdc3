"""Every op that takes indices checks them on the host before a kernel runs: an index out
of range, a source of the wrong shape or an index of the wrong dtype raises PyTorch's
exception with PyTorch's message (2.13), and leaves the target tensor as it was."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import numbatorch as torch
import numbatorch.nn.functional as F


def raises(exception, message):
    return pytest.raises(exception, match=re.escape(message))


def index(values, device):
    return torch.tensor(values, dtype=torch.int64, device=device)


# --- the indices that used to crash the process --------------------------------------------

CRASHES = [
    ("index_add_", "t.index_add_(0, i, torch.ones(1))", "IndexError: index out of range in self"),
    (
        "index_copy_",
        "t.index_copy_(0, i, torch.ones(1))",
        "IndexError: index_copy_(): index 1000000000 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_fill_",
        "t.index_fill_(0, i, 1.0)",
        "IndexError: index 1000000000 is out of bounds for dimension 0 with size 3",
    ),
]


@pytest.mark.parametrize(("name", "call", "error"), CRASHES, ids=[c[0] for c in CRASHES])
def test_huge_index_raises_instead_of_killing_the_process(name, call, error):
    code = f"import numbatorch as torch\nt = torch.zeros(3)\ni = torch.tensor([10**9])\n{call}\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "NUMBATORCH_QUIET": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stderr  # a signal gives a negative code
    assert result.stderr.strip().splitlines()[-1] == error


# --- bad indices: PyTorch's error, and the target unchanged ---------------------------------


def _add_one_at(x, i):
    x[i] += 1


# (name, write(x, device) on x = arange(6.).view(3, 2), exception, message)
BAD_WRITES = [
    (
        "index_add_-past-end",
        lambda x, d: x.index_add_(0, index([0, 4], d), torch.ones(2, 2, device=d)),
        RuntimeError,
        "index 4 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_add_-negative",
        lambda x, d: x.index_add_(0, index([-1], d), torch.ones(1, 2, device=d)),
        RuntimeError,
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_add_-first-bad-named",
        lambda x, d: x.index_add_(0, index([-7, 5], d), torch.ones(2, 2, device=d)),
        RuntimeError,
        "index -7 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_add_-vector",
        lambda x, d: x.view(-1).index_add_(0, index([6], d), torch.ones(1, device=d)),
        IndexError,
        "index out of range in self",
    ),
    (
        "index_add_-alpha",
        lambda x, d: x.index_add_(0, index([3], d), torch.ones(1, 2, device=d), alpha=2),
        IndexError,
        "index out of range in self",
    ),
    (
        "index_copy_-past-end",
        lambda x, d: x.index_copy_(0, index([0, 3], d), torch.ones(2, 2, device=d)),
        IndexError,
        "index_copy_(): index 3 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_copy_-negative",
        lambda x, d: x.index_copy_(0, index([-1], d), torch.ones(1, 2, device=d)),
        IndexError,
        "index_copy_(): index -1 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_fill_-dim1",
        lambda x, d: x.index_fill_(1, index([2], d), 7.0),
        IndexError,
        "index 2 is out of bounds for dimension 1 with size 2",
    ),
    (
        "index_fill_-negative",
        lambda x, d: x.index_fill_(0, index([-4], d), 7.0),
        IndexError,
        "index -4 is out of bounds for dimension 0 with size 3",
    ),
    (
        "scatter_-negative",
        lambda x, d: x.scatter_(1, index([[0, -1]], d), torch.ones(1, 2, device=d)),
        RuntimeError,
        "index -1 is out of bounds for dimension 1 with size 2",
    ),
    (
        "scatter_-reduce-add",
        lambda x, d: x.scatter_(0, index([[5, 0]], d), torch.ones(1, 2, device=d), reduce="add"),
        RuntimeError,
        "index 5 is out of bounds for dimension 0 with size 3",
    ),
    (
        "scatter_add_-negative",
        lambda x, d: x.scatter_add_(0, index([[-1, 0]], d), torch.ones(1, 2, device=d)),
        RuntimeError,
        "index -1 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_put_-past-end",
        lambda x, d: x.index_put_((index([3], d),), torch.ones(2, device=d)),
        IndexError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_put_-accumulate-negative",
        lambda x, d: x.index_put_((index([-4], d),), torch.ones(2, device=d), accumulate=True),
        IndexError,
        "index -4 is out of bounds for dimension 0 with size 3",
    ),
    (
        "index_put_-values-dtype",
        lambda x, d: x.index_put_((index([0], d),), torch.ones(2, dtype=torch.float64).to(d)),
        RuntimeError,
        "Index put requires the source and destination dtypes match, got Float for the "
        "destination and Double for the source.",
    ),
    (
        "setitem-dim1-named-by-its-place",
        lambda x, d: x.__setitem__((slice(None), index([2], d)), 1.0),
        IndexError,
        "index 2 is out of bounds for dimension 0 with size 2",
    ),
    (
        "setitem-list",
        lambda x, d: x.__setitem__([0, 3], torch.ones(2, 2, device=d)),
        IndexError,
        "index 3 is out of bounds for dimension 0 with size 3",
    ),
    (
        "iadd-through-index",
        lambda x, d: _add_one_at(x, index([-4], d)),
        IndexError,
        "index -4 is out of bounds for dimension 0 with size 3",
    ),
    (
        "setitem-index-dtype",
        lambda x, d: x.__setitem__(torch.tensor([1], dtype=torch.int16, device=d), 1.0),
        IndexError,
        "tensors used as indices must be long, int, byte or bool tensors",
    ),
]


@pytest.mark.parametrize(
    ("name", "write", "exception", "message"), BAD_WRITES, ids=[w[0] for w in BAD_WRITES]
)
def test_bad_index_raises_and_leaves_the_target_unchanged(name, write, exception, message, device):
    x = torch.arange(6.0, device=device).view(3, 2)
    before, version = x.cpu().numpy().copy(), x._version
    with raises(exception, message):
        write(x, device)
    np.testing.assert_array_equal(x.cpu().numpy(), before)
    assert x._version == version


# (name, read(x, device) on x = arange(6.).view(3, 2), exception, message)
BAD_READS = [
    (
        "index_select-past-end",
        lambda x, d: x.index_select(0, index([3], d)),
        IndexError,
        "index out of range in self",
    ),
    (
        "index_select-negative",
        lambda x, d: x.index_select(1, index([-1], d)),
        IndexError,
        "index out of range in self",
    ),
    (
        "gather-negative",
        lambda x, d: x.gather(1, index([[0], [-1], [0]], d)),
        RuntimeError,
        "index -1 is out of bounds for dimension 1 with size 2",
    ),
    (
        "getitem-dim1-named-by-its-place",
        lambda x, d: x[:, index([4], d)],
        IndexError,
        "index 4 is out of bounds for dimension 0 with size 2",
    ),
    (
        "getitem-first-bad-named",
        lambda x, d: x[index([-7, 5], d)],
        IndexError,
        "index -7 is out of bounds for dimension 0 with size 3",
    ),
    (
        "embedding-past-end",
        lambda x, d: F.embedding(index([[0, 3]], d), x),
        IndexError,
        "index out of range in self",
    ),
    (
        "embedding-weight-1d",
        lambda x, d: F.embedding(index([0], d), x.view(-1)),
        RuntimeError,
        "'weight' must be 2-D",
    ),
    (
        "cross_entropy-first-bad-target",
        lambda x, d: F.cross_entropy(torch.ones(3, 5, device=d), index([9, -2, 7], d)),
        IndexError,
        "Target 9 is out of bounds.",
    ),
    (
        "cross_entropy-negative-target-weighted",
        lambda x, d: F.cross_entropy(x, index([0, 1, -2], d), weight=torch.ones(2, device=d)),
        IndexError,
        "Target -2 is out of bounds.",
    ),
    (
        "cross_entropy-float-class-target",
        lambda x, d: F.cross_entropy(torch.ones(3, 5, device=d), torch.tensor([1.0, 2, 3]).to(d)),
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Float",
    ),
    (
        "cross_entropy-int-target",
        lambda x, d: F.cross_entropy(x, torch.tensor([0, 1, 1], dtype=torch.int32).to(d)),
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Int",
    ),
    (
        "cross_entropy-long-probabilities",
        lambda x, d: F.cross_entropy(x, torch.zeros(3, 2, dtype=torch.int64, device=d)),
        RuntimeError,
        "Expected floating point type for target with class probabilities, got Long",
    ),
    (
        "max_unpool2d-last-bad-named",
        lambda x, d: F.max_unpool2d(
            torch.ones(1, 1, 2, 2, device=d), index([[[[0, -3], [99, 1]]]], d), 2
        ),
        RuntimeError,
        "Found an invalid max index: 99 (output volumes are of size 4x4)",
    ),
]


@pytest.mark.parametrize(
    ("name", "read", "exception", "message"), BAD_READS, ids=[r[0] for r in BAD_READS]
)
def test_bad_index_read_raises_pytorchs_error(name, read, exception, message, device):
    x = torch.arange(6.0, device=device).view(3, 2)
    with raises(exception, message):
        read(x, device)


# --- sources, index dtypes and dims checked against the target -----------------------------

BAD_ARGUMENTS = [
    (
        "index_add_-source-shape",
        lambda x, d: x.index_add_(0, index([0], d), torch.ones(1, 50, device=d)),
        RuntimeError,
        "source tensor shape must match self tensor shape, excluding the specified dimension. "
        "Got self.shape = [3, 2] source.shape = [1, 50]",
    ),
    (
        "index_add_-index-count",
        lambda x, d: x.index_add_(0, index([0, 1], d), torch.ones(1, 2, device=d)),
        RuntimeError,
        "index_add_(): Number of indices (2) should be equal to source.size(dim): (1), for dim: 0",
    ),
    (
        "index_add_-source-dims",
        lambda x, d: x.index_add_(1, index([0], d), torch.ones(3, device=d)),
        RuntimeError,
        "index_add_(): Indexing dim 1 is out of bounds of the source tensor with dim 1",
    ),
    (
        "index_add_-float-index",
        lambda x, d: x.index_add_(0, torch.tensor([0.0], device=d), torch.ones(1, 2, device=d)),
        RuntimeError,
        "index_add_(): Expected dtype int32/int64 for index but got: Float",
    ),
    (
        "index_add_-2d-index",
        lambda x, d: x.index_add_(0, index([[0]], d), torch.ones(1, 2, device=d)),
        IndexError,
        "index_add_(): Index is supposed to be a vector, but got dim: 2 with type: Long and "
        "size: [1, 1]",
    ),
    (
        "index_add_-source-dtype",
        lambda x, d: x.index_add_(0, index([0], d), torch.ones(1, 2, dtype=torch.float64).to(d)),
        RuntimeError,
        "index_add_(): self (Float) and source (Double) must have the same scalar type",
    ),
    (
        "index_copy_-index-count",
        lambda x, d: x.index_copy_(0, index([0, 1, 2], d), torch.ones(1, 2, device=d)),
        IndexError,
        "index_copy_(): Number of indices (3) should be equal to source.size(dim) (1)",
    ),
    (
        "index_copy_-slice-shape",
        lambda x, d: x.index_copy_(0, index([0], d), torch.ones(1, 3, device=d)),
        RuntimeError,
        "index_copy_(): Source/destination tensor must have same slice shapes. Destination "
        "slice shape: 2 at dimension 0 and source slice shape: 3 at dimension 0.",
    ),
    (
        "index_copy_-source-dims",
        lambda x, d: x.index_copy_(0, index([0, 1], d), torch.ones(2, device=d)),
        IndexError,
        "index_copy_(): When source and destination are not scalars, their dimensionality must "
        "match. Source dimensionality (1), destination dimensionality (2)",
    ),
    (
        "index_copy_-int-index",
        lambda x, d: x.index_copy_(
            0, torch.tensor([0], dtype=torch.int32).to(d), torch.ones(1, 2, device=d)
        ),
        RuntimeError,
        "index_copy_(): Expected a long tensor for index, but got Int",
    ),
    (
        "index_fill_-int-index",
        lambda x, d: x.index_fill_(0, torch.tensor([0], dtype=torch.int32).to(d), 1.0),
        IndexError,
        "index_fill_(): Expected dtype int64 for index.",
    ),
    (
        "index_fill_-2d-index",
        lambda x, d: x.index_fill_(0, index([[0]], d), 1.0),
        RuntimeError,
        "Index has to be a vector/scalar",
    ),
    (
        "scatter_-source-smaller-than-index",
        lambda x, d: x.scatter_(1, index([[0, 1]] * 3, d), torch.ones(3, 1, device=d)),
        RuntimeError,
        "Expected index [3, 2] to be no larger than self [3, 2] apart from dimension 1 and to "
        "be no larger size than src [3, 1]",
    ),
    (
        "scatter_-source-dims",
        lambda x, d: x.scatter_(1, index([[0]], d), torch.ones(2, 2, 2, device=d)),
        RuntimeError,
        "Index tensor must have the same number of dimensions as src tensor",
    ),
    (
        "scatter_add_-source-dtype",
        lambda x, d: x.scatter_add_(
            1, index([[0]], d), torch.ones(1, 1, dtype=torch.float64).to(d)
        ),
        RuntimeError,
        "scatter(): Expected self.dtype to be equal to src.dtype",
    ),
    (
        "scatter_-reduce",
        lambda x, d: x.scatter_(1, index([[0]], d), 1.0, reduce="max"),
        RuntimeError,
        "reduce argument must be either add or multiply.",
    ),
]


@pytest.mark.parametrize(
    ("name", "write", "exception", "message"), BAD_ARGUMENTS, ids=[a[0] for a in BAD_ARGUMENTS]
)
def test_bad_source_or_index_type_raises_and_leaves_the_target_unchanged(
    name, write, exception, message, device
):
    x = torch.arange(6.0, device=device).view(3, 2)
    before, version = x.cpu().numpy().copy(), x._version
    with raises(exception, message):
        write(x, device)
    np.testing.assert_array_equal(x.cpu().numpy(), before)
    assert x._version == version


# --- what stays allowed ---------------------------------------------------------------------


def test_negative_indices_work_where_pytorch_accepts_them(device):
    x = torch.arange(6.0, device=device).view(3, 2)
    assert x[index([-1, 0], device)].tolist() == [[4.0, 5.0], [0.0, 1.0]]
    assert x[[-3]].tolist() == [[0.0, 1.0]]
    x[index([-1], device)] = 9.0
    x[:, index([-2], device)] += 1.0
    assert x.tolist() == [[1.0, 1.0], [3.0, 3.0], [10.0, 9.0]]
    assert x.index_fill(1, index([-1], device), 0.0).tolist() == [[1, 0], [3, 0], [10, 0]]


def test_ignored_targets_may_lie_outside_the_classes(device):
    scores = torch.zeros(3, 5, device=device)
    loss = F.cross_entropy(scores, index([1, 7, 2], device), ignore_index=7)
    assert loss.item() == pytest.approx(np.log(5))
    loss = F.nll_loss(scores, index([-100, 4, -100], device))
    assert loss.item() == 0.0


def test_int32_indices_index_like_int64(device):
    x = torch.arange(6.0, device=device).view(3, 2)
    small = torch.tensor([2, 0], dtype=torch.int32).to(device)
    assert x.index_select(0, small).tolist() == [[4, 5], [0, 1]]
    assert x.gather(1, torch.tensor([[1], [0], [1]], dtype=torch.int32).to(device)).tolist() == [
        [1],
        [2],
        [5],
    ]
    assert x[small].tolist() == [[4, 5], [0, 1]]


def test_byte_mask_indexes_as_a_bool_mask(device):
    x = torch.arange(3.0, device=device)
    with pytest.warns(UserWarning, match="indexing with dtype torch.uint8 is now deprecated"):
        picked = x[torch.tensor([1, 0, 1], dtype=torch.uint8).to(device)]
    assert picked.tolist() == [0.0, 2.0]


def test_index_put_accumulates_repeated_indices(device):
    x = torch.zeros(3, 2, device=device)
    rows = index([1, 1, -1], device)
    x.index_put_((rows,), torch.ones(3, 2, device=device), accumulate=True)
    assert x.tolist() == [[0, 0], [2, 2], [1, 1]]
    x.index_put_((rows, index([0, 0, 1], device)), torch.tensor(7.0, device=device))
    assert x.tolist() == [[0, 0], [7, 2], [1, 7]]


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_gradients(accumulate):
    x = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    values = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    rows = index([2, 2] if accumulate else [2, 0], "cpu")  # repeated rows add up
    out = x.index_put((rows,), values, accumulate=accumulate)
    assert type(out.grad_fn).__name__ == "IndexPutBackward0"
    assert torch.autograd.gradcheck(
        lambda a, v: a.index_put((rows,), v, accumulate=accumulate), (x, values)
    )


# --- devices --------------------------------------------------------------------------------

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA or its simulator")


@needs_cuda
@pytest.mark.parametrize(
    "call",
    [
        lambda x, i: x.index_select(0, i),
        lambda x, i: x.index_add_(0, i, torch.ones(1, 2)),
        lambda x, i: x.index_fill_(0, i, 1.0),
        lambda x, i: x.gather(0, i.view(1, 1)),
        lambda x, i: x.scatter_(0, i.view(1, 1), 1.0),
        lambda x, i: F.embedding(i, x),
    ],
    ids=["index_select", "index_add_", "index_fill_", "gather", "scatter_", "embedding"],
)
def test_index_on_another_device_raises(call):
    x = torch.arange(6.0).view(3, 2)
    with raises(
        RuntimeError,
        "Expected all tensors to be on the same device, but found at least two devices, "
        "cuda:0 and cpu!",
    ):
        call(x, index([0], "cuda"))
    assert x.tolist() == [[0, 1], [2, 3], [4, 5]]


@needs_cuda
def test_index_copy_names_the_three_devices():
    x = torch.zeros(3)
    with raises(
        RuntimeError,
        "index_copy_(): self, index and source expected to be in the same device, but got "
        "(self) cpu, (index) cuda:0, and (source) cpu",
    ):
        x.index_copy_(0, index([0], "cuda"), torch.ones(1))


@needs_cuda
def test_advanced_indexing_takes_cpu_indices_but_not_other_devices():
    x = torch.arange(3.0, device="cuda")
    assert x[index([2], "cpu")].tolist() == [2.0]
    with raises(
        RuntimeError,
        "indices should be either on cpu or on the same device as the indexed tensor (cpu)",
    ):
        torch.arange(3.0)[index([2], "cuda")]


# --- fuzz: out-of-range indices never reach a kernel ----------------------------------------

# op name -> whether PyTorch accepts an index in [-size, 0)
NEGATIVE_OK = {
    "index_add_": False,
    "index_copy_": False,
    "index_fill_": True,
    "index_put_": True,
    "index_select": False,
    "gather": False,
    "scatter_": False,
    "scatter_add_": False,
    "getitem": True,
    "setitem": True,
}


def _call(op, x, dim, idx, device):
    """Run `op` on x along dim with the 1-D index `idx` (a list)."""
    if op in ("gather", "scatter_", "scatter_add_"):
        shape = list(x.shape)
        shape[dim] = len(idx)
        values = np.zeros(shape, np.int64)
        np.moveaxis(values, dim, 0)[...] = np.reshape(idx, (-1,) + (1,) * (len(shape) - 1))
        full = torch.tensor(values, device=device)
        if op == "gather":
            return x.gather(dim, full)
        return getattr(x, op)(dim, full, torch.ones(shape, device=device))
    i = index(idx, device)
    if op == "index_select":
        return x.index_select(dim, i)
    if op == "index_fill_":
        return x.index_fill_(dim, i, 1.0)
    if op == "index_put_":
        ones = torch.ones((), device=device)
        return x.movedim(dim, 0).index_put_((i,), ones, accumulate=True)
    if op in ("index_add_", "index_copy_"):
        shape = list(x.shape)
        shape[dim] = len(idx)
        return getattr(x, op)(dim, i, torch.ones(shape, device=device))
    where = (slice(None),) * dim + (i,)
    if op == "getitem":
        return x[where]
    x[where] = 1.0
    return x


@st.composite
def _bad_calls(draw):
    op = draw(st.sampled_from(sorted(NEGATIVE_OK)))
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    dim = draw(st.integers(0, len(shape) - 1))
    size = shape[dim]
    floor = -size if NEGATIVE_OK[op] else 0
    valid = draw(st.lists(st.integers(floor, size - 1), max_size=3))
    bad = draw(
        st.one_of(
            st.integers(size, size + 4),
            st.integers(floor - 4, floor - 1),
            st.sampled_from([10**9, -(10**9)]),
        )
    )
    at = draw(st.integers(0, len(valid)))
    return op, shape, dim, valid[:at] + [bad] + valid[at:]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=_bad_calls())
def test_out_of_range_index_raises_and_changes_nothing(case, device):
    op, shape, dim, idx = case
    x = torch.arange(float(np.prod(shape)), device=device).reshape(shape)
    before, version = x.cpu().numpy().copy(), x._version
    with pytest.raises((IndexError, RuntimeError), match="out of"):
        _call(op, x, dim, idx, device)
    np.testing.assert_array_equal(x.cpu().numpy(), before)
    assert x._version == version
