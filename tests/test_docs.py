"""The public API explains itself: nn modules, optimizers, the data utilities and the
top-level functions a tutorial uses carry docstrings in PyTorch's form."""

import inspect

import pytest

import numbatorch as torch
import numbatorch.utils.data as data

TUTORIAL_FUNCTIONS = [
    "tensor", "zeros", "ones", "empty", "full", "rand", "randn", "randint", "arange",
    "linspace", "eye", "zeros_like", "ones_like", "randn_like", "from_numpy", "manual_seed",
    "is_tensor", "numel", "cat", "stack", "flatten", "reshape", "transpose", "squeeze",
    "unsqueeze", "sum", "mean", "max", "min", "argmax", "argmin", "softmax", "exp", "log",
    "sqrt", "abs", "tanh", "sigmoid", "relu", "clamp", "where", "mm", "bmm", "matmul",
    "save", "load", "no_grad", "enable_grad",
]  # fmt: skip


def public_classes(module):
    return [
        (name, value)
        for name, value in vars(module).items()
        if not name.startswith("_") and inspect.isclass(value)
    ]


@pytest.mark.parametrize("name", TUTORIAL_FUNCTIONS)
def test_tutorial_functions_have_docstrings(name):
    assert (getattr(torch, name).__doc__ or "").strip(), name


def test_nn_modules_document_args_shape_and_an_example():
    undocumented = []
    for name, cls in public_classes(torch.nn):
        if not issubclass(cls, torch.nn.Module) or name in ("Module", "Parameter"):
            continue
        doc = cls.__dict__.get("__doc__") or ""
        if "Example" not in doc or ("Args" not in doc and "Shape" not in doc):
            undocumented.append(name)
    assert not undocumented, f"nn modules without Args/Shape and an Example: {undocumented}"


def test_data_utilities_have_docstrings():
    missing = [name for name, cls in public_classes(data) if not (cls.__doc__ or "").strip()]
    assert not missing, missing
