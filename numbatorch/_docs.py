r"""Docstrings of the top-level functions a tutorial uses, in PyTorch's form (like PyTorch's
own `_torch_docs.py`): many of these functions are made by factories (`exp`, `relu` come
from one `_unary_api`), so their text is attached here, in one place, at import. Each
text says what PyTorch's does; where numbatorch differs, it says so."""

from __future__ import annotations

import numbatorch

_DTYPE = "dtype: the result's dtype. Default: the global default (``float32``)"
_DEVICE = "device: ``'cpu'`` or ``'cuda'``. Default: the default device"
_GRAD = "requires_grad: record operations on the result for autograd. Default: ``False``"
_SIZE = "size: the shape, as ints or one sequence of ints"
_INPUT = "input: the input tensor"
_DIM = "dim: the dimension to reduce; ``None`` reduces all of them"
_KEEPDIM = "keepdim: keep the reduced dimension with size 1. Default: ``False``"
_OUT = "out: a tensor to write the result into (resized with PyTorch's warning if needed)"


def _doc(summary: str, args: list[str], example: list[str]) -> str:
    text = summary + "\n\nArgs:\n" + "".join(f"    {a}\n" for a in args)
    return text + "\nExample::\n\n" + "".join(f"    >>> {e}\n" for e in example)


def _unary(name: str, formula: str) -> str:
    return _doc(
        f"{formula}, elementwise. Integer inputs give the default float dtype.",
        [_INPUT, _OUT],
        [f"torch.{name}(torch.tensor([0.5, 1.0, 2.0]))"],
    )


DOCS = {
    "tensor": _doc(
        "A new tensor holding a copy of ``data`` (a number, nested sequences, a numpy array "
        "or a tensor). Without ``dtype``: int64 for integers, the default float dtype for "
        "floats, bool for bools.",
        [
            "data: the initial values",
            _DTYPE.replace("the global default (``float32``)", "inferred from ``data``"),
            _DEVICE,
            _GRAD,
            "pin_memory: accepted (host memory is already usable by the device)",
        ],
        ["torch.tensor([[0.1, 1.2], [2.2, 3.1]])", "torch.tensor([0, 1], dtype=torch.int32)"],
    ),  # fmt: skip
    "zeros": _doc(
        "A tensor of ``size`` filled with 0.",
        [_SIZE, _OUT, _DTYPE, _DEVICE, _GRAD],
        ["torch.zeros(2, 3)"],
    ),  # fmt: skip
    "ones": _doc(
        "A tensor of ``size`` filled with 1.", [_SIZE, _DTYPE, _DEVICE, _GRAD], ["torch.ones(2, 3)"]
    ),  # fmt: skip
    "empty": _doc(
        "A tensor of ``size`` whose values are not set (uninitialised memory, as in PyTorch).",
        [_SIZE, _DTYPE, _DEVICE, _GRAD, "memory_format: accepted; tensors are contiguous"],
        ["torch.empty(2, 3)"],
    ),
    "full": _doc(
        "A tensor of ``size`` filled with ``fill_value``; its dtype follows the value "
        "(bool, int64 or the default float) unless given.",
        ["size: a sequence of ints", "fill_value: the value", _DTYPE, _DEVICE, _GRAD],
        ["torch.full((2, 3), 3.14)"],
    ),
    "rand": _doc(
        "A tensor of ``size`` drawn uniformly from [0, 1) by the global generator "
        "(``manual_seed``) or ``generator``.",
        [_SIZE, "generator: a ``torch.Generator`` to draw from", _DTYPE, _DEVICE, _GRAD],
        ["torch.manual_seed(0)", "torch.rand(2, 3)"],
    ),
    "randn": _doc(
        "A tensor of ``size`` drawn from the standard normal distribution by the global "
        "generator (``manual_seed``) or ``generator``.",
        [_SIZE, "generator: a ``torch.Generator`` to draw from", _DTYPE, _DEVICE, _GRAD],
        ["torch.manual_seed(0)", "torch.randn(2, 3)"],
    ),
    "randint": _doc(
        "A tensor of ``size`` of integers drawn uniformly from [``low``, ``high``).",
        [
            "low: the lowest value (0 when only ``high`` is given)",
            "high: one above the highest",
            "size: a sequence of ints",
            "generator: a ``torch.Generator`` to draw from",
            "dtype: the result's dtype. Default: ``int64``",
            _DEVICE,
            _GRAD,
        ],
        ["torch.randint(3, 10, (2, 2))"],
    ),  # fmt: skip
    "arange": _doc(
        "The values from ``start`` to ``end`` (excluded) by ``step``, as a 1-D tensor: int64 "
        "when all are integers, else the default float dtype.",
        [
            "start: the first value (0 when only ``end`` is given)",
            "end: the bound, excluded",
            "step: the difference between neighbours. Default: 1",
            _DTYPE,
            _DEVICE,
            _GRAD,
        ],
        ["torch.arange(5)", "torch.arange(1, 2.5, 0.5)"],
    ),  # fmt: skip
    "linspace": _doc(
        "``steps`` values evenly spaced from ``start`` to ``end``, both included.",
        [
            "start: the first value",
            "end: the last value",
            "steps: how many values",
            _DTYPE,
            _DEVICE,
            _GRAD,
        ],
        ["torch.linspace(-10, 10, steps=5)"],
    ),  # fmt: skip
    "eye": _doc(
        "A 2-D tensor with ones on the diagonal and zeros elsewhere.",
        [
            "n: the number of rows",
            "m: the number of columns. Default: ``n``",
            _DTYPE,
            _DEVICE,
            _GRAD,
        ],
        ["torch.eye(3)"],
    ),  # fmt: skip
    "zeros_like": _doc(
        "Zeros with ``input``'s shape (and dtype and device unless given).",
        [_INPUT, _DTYPE, _DEVICE, _GRAD],
        ["torch.zeros_like(torch.ones(2, 3))"],
    ),
    "ones_like": _doc(
        "Ones with ``input``'s shape (and dtype and device unless given).",
        [_INPUT, _DTYPE, _DEVICE, _GRAD],
        ["torch.ones_like(torch.zeros(2, 3))"],
    ),
    "randn_like": _doc(
        "Standard normal values with ``input``'s shape (and dtype and device unless given).",
        [_INPUT, _DTYPE, _DEVICE, _GRAD],
        ["torch.randn_like(torch.zeros(2, 3))"],
    ),
    "is_tensor": _doc(
        "Whether ``obj`` is a tensor (a ``Parameter`` is one).",
        ["obj: any object"],
        ["torch.is_tensor(torch.ones(1))"],
    ),  # fmt: skip
    "numel": _doc(
        "The number of elements of ``input``.", [_INPUT], ["torch.numel(torch.zeros(4, 4))"]
    ),  # fmt: skip
    "cat": _doc(
        "Joins tensors along an existing dimension ``dim``; all have the same shape except "
        "in it (1-D empty tensors are skipped, as in PyTorch). Differentiable.",
        [
            "tensors: a sequence of tensors of one dtype and device",
            "dim: the dimension. Default: 0",
            _OUT,
        ],
        ["x = torch.randn(2, 3)", "torch.cat((x, x, x), 1).shape  # (2, 9)"],
    ),  # fmt: skip
    "stack": _doc(
        "Joins tensors of one shape along a new dimension ``dim``.",
        [
            "tensors: a sequence of tensors of one shape",
            "dim: where the new dimension goes. Default: 0",
            _OUT,
        ],
        ["x = torch.randn(2, 3)", "torch.stack((x, x)).shape  # (2, 2, 3)"],
    ),  # fmt: skip
    "flatten": _doc(
        "The dimensions ``start_dim`` to ``end_dim`` flattened into one: a view where the "
        "layout allows, else a copy (as ``reshape``).",
        [
            _INPUT,
            "start_dim: the first dimension to flatten. Default: 0",
            "end_dim: the last dimension to flatten. Default: -1",
        ],
        ["torch.flatten(torch.zeros(2, 3, 4), 1).shape  # (2, 12)"],
    ),  # fmt: skip
    "reshape": _doc(
        "``input``'s elements in ``shape`` (one size may be -1, inferred): a view when the "
        "strides allow, else a copy.",
        [_INPUT, "shape: the new shape"],
        ["torch.reshape(torch.arange(4.0), (2, 2))"],
    ),
    "transpose": _doc(
        "A view of ``input`` with dimensions ``dim0`` and ``dim1`` swapped.",
        [_INPUT, "dim0: the first dimension", "dim1: the second dimension"],
        ["torch.transpose(torch.randn(2, 3), 0, 1).shape  # (3, 2)"],
    ),
    "squeeze": _doc(
        "A view of ``input`` without its size-1 dimensions (or only ``dim``, where size 1; "
        "a tuple of dims is accepted).",
        [_INPUT, "dim: the dimension(s) to remove. Default: all of size 1"],
        ["torch.squeeze(torch.zeros(2, 1, 3)).shape  # (2, 3)"],
    ),
    "unsqueeze": _doc(
        "A view of ``input`` with a size-1 dimension inserted at ``dim``.",
        [_INPUT, "dim: where to insert, in [-input.dim() - 1, input.dim()]"],
        ["torch.unsqueeze(torch.tensor([1, 2, 3]), 0).shape  # (1, 3)"],
    ),
    "sum": _doc(
        "The sum of ``input``'s elements over ``dim`` (all of them when ``dim`` is None). "
        "Integer and bool inputs sum in int64, as in PyTorch.",
        [
            _INPUT,
            _DIM + "; a tuple reduces several",
            _KEEPDIM,
            "dtype: the accumulation and result dtype",
        ],
        ["a = torch.ones(2, 3)", "torch.sum(a), torch.sum(a, 1)"],
    ),  # fmt: skip
    "mean": _doc(
        "The mean of ``input``'s elements over ``dim`` (all of them when ``dim`` is None); "
        "floating inputs only, unless ``dtype`` is given.",
        [_INPUT, _DIM + "; a tuple reduces several", _KEEPDIM, "dtype: the result's dtype"],
        ["torch.mean(torch.arange(4.0))"],
    ),
    "max": _doc(
        "``max(input)``: the largest element. ``max(input, dim, keepdim=False)``: a namedtuple "
        "(values, indices) of the largest along ``dim`` (the first index among ties). "
        "``max(input, other)``: the elementwise maximum. NaN propagates, as in PyTorch.",
        [_INPUT, "dim: the dimension to reduce, or another tensor", _KEEPDIM],
        ["a = torch.tensor([[1.0, 5.0], [4.0, 2.0]])", "torch.max(a), torch.max(a, 1)"],
    ),
    "min": _doc(
        "``min(input)``: the smallest element. ``min(input, dim, keepdim=False)``: a "
        "namedtuple (values, indices) along ``dim``. ``min(input, other)``: the elementwise "
        "minimum. NaN propagates, as in PyTorch.",
        [_INPUT, "dim: the dimension to reduce, or another tensor", _KEEPDIM],
        ["torch.min(torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 0)"],
    ),
    "argmax": _doc(
        "The index of the largest element (of the flattened input when ``dim`` is None; "
        "the first among ties).",
        [_INPUT, _DIM, _KEEPDIM],
        ["torch.argmax(torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1)"],
    ),
    "argmin": _doc(
        "The index of the smallest element (of the flattened input when ``dim`` is None; "
        "the first among ties).",
        [_INPUT, _DIM, _KEEPDIM],
        ["torch.argmin(torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1)"],
    ),
    "softmax": _doc(
        r":math:`e^{x_i} / \sum_j e^{x_j}` along ``dim``, in one stable pass per row (rows of "
        "-inf give NaN, as in PyTorch).",
        [
            _INPUT,
            "dim: the dimension to normalise over",
            "dtype: cast the input to this dtype first",
        ],
        ["torch.softmax(torch.randn(2, 3), dim=1)"],
    ),  # fmt: skip
    "exp": _unary("exp", ":math:`e^x`"),
    "log": _unary("log", "The natural logarithm"),
    "sqrt": _unary("sqrt", "The square root"),
    "abs": _doc(
        "The absolute value, elementwise; keeps the dtype.",
        [_INPUT, _OUT],
        ["torch.abs(torch.tensor([-1, -2, 3]))"],
    ),  # fmt: skip
    "tanh": _unary("tanh", "The hyperbolic tangent"),
    "sigmoid": _unary("sigmoid", r"The logistic sigmoid :math:`1 / (1 + e^{-x})`"),
    "relu": _doc(
        r":math:`\max(0, x)`, elementwise; keeps the dtype.",
        [_INPUT, _OUT],
        ["torch.relu(torch.tensor([-1.0, 2.0]))"],
    ),  # fmt: skip
    "clamp": _doc(
        "Each element clamped to [``min``, ``max``] (either may be None, or a tensor that "
        "broadcasts).",
        [_INPUT, "min: the lower bound", "max: the upper bound", _OUT],
        ["torch.clamp(torch.randn(4), min=-0.5, max=0.5)"],
    ),
    "where": _doc(
        "``input`` where ``condition`` holds, else ``other`` (broadcast together). With "
        "``condition`` alone: ``nonzero(condition, as_tuple=True)``.",
        [
            "condition: a bool tensor",
            "input: the values where it holds (a tensor or number)",
            "other: the values elsewhere (a tensor or number)",
        ],
        ["x = torch.randn(3)", "torch.where(x > 0, x, 0.0)"],
    ),  # fmt: skip
    "mm": _doc(
        "The matrix product of 2-D ``input`` (n x m) and ``mat2`` (m x p), by numbatorch's "
        "GEMM kernels; no broadcasting (see ``matmul``).",
        [_INPUT, "mat2: the second matrix", _OUT],
        ["torch.mm(torch.randn(2, 3), torch.randn(3, 4)).shape  # (2, 4)"],
    ),
    "bmm": _doc(
        "Batched matrix products of 3-D ``input`` (b x n x m) and ``mat2`` (b x m x p).",
        [_INPUT, "mat2: the second batch of matrices"],
        ["torch.bmm(torch.randn(10, 3, 4), torch.randn(10, 4, 5)).shape  # (10, 3, 5)"],
    ),
    "enable_grad": _doc(
        "A context manager (or decorator) that turns gradient recording on in this thread, "
        "inside ``no_grad``.",
        ["(none)"],
        ["with torch.no_grad():", "    with torch.enable_grad():", "        y = x * 2"],
    ),
}


def add_docstrings() -> None:
    """Attach each text to its function (a function made by a factory, or a class)."""
    for name, text in DOCS.items():
        target = getattr(numbatorch, name)
        if not (target.__doc__ or "").strip():
            target.__doc__ = text
