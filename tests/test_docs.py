"""The public API explains itself: nn modules, optimizers, the data utilities and the
top-level functions a tutorial uses carry docstrings in PyTorch's form."""

import doctest
import inspect

import pytest

import numbatorch as torch
import numbatorch.utils.data as data
import numbatorch.utils.data.distributed as data_distributed

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


DATA_UTILITIES = [
    *(cls for _, cls in public_classes(data)),
    data.random_split,
    data.default_collate,
    data.default_convert,
    data.get_worker_info,
    data_distributed.DistributedSampler,
]
# what takes no argument a user passes: nothing for an Args section to describe
NO_ARGS = {"Dataset", "IterableDataset", "Sampler", "get_worker_info"}


@pytest.mark.parametrize("utility", DATA_UTILITIES, ids=lambda u: u.__name__)
def test_data_utilities_document_args_and_an_example(utility):
    doc = utility.__doc__ or ""
    assert "Example" in doc, utility.__name__
    assert "Args:" in doc or utility.__name__ in NO_ARGS, utility.__name__


def test_tensor_dataset_documents_the_shapes():
    assert "Shape:" in data.TensorDataset.__doc__


@pytest.mark.parametrize("utility", DATA_UTILITIES, ids=lambda u: u.__name__)
def test_data_utility_examples_run_as_written(utility):
    """Each Example runs (doctest) and prints what its docstring shows."""
    module = inspect.getmodule(utility)
    globs = {**vars(data), **vars(module), "numbatorch": torch}
    examples = doctest.DocTestParser().get_doctest(
        utility.__doc__, globs, utility.__name__, module.__file__, 0
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(examples, out=lambda text: None)
    assert examples.examples and runner.failures == 0, utility.__name__
