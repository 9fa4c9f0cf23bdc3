"""Tensor's methods are declared in class bodies (Tensor, TensorBase or the mixins of
numbatorch/_tensor_methods.py), where grep, `inspect` and type checkers find them;
nothing is attached to the class after its class statement."""

import ast
import inspect
import textwrap

import pytest

import numbatorch as torch
import numbatorch.autograd.function as function_module
from numbatorch.tensor import Tensor, TensorBase

# implicit attributes every class has, which no class body declares
IMPLICIT = {"__dict__", "__weakref__", "__module__", "__doc__", "__qualname__", "__annotations__"}

CORE = [
    "add", "add_", "sub", "mul", "mul_", "div", "pow", "exp", "relu", "relu_", "sigmoid",
    "clamp", "clamp_", "eq", "where", "sum", "mean", "max", "argmax", "softmax", "view",
    "reshape", "transpose", "permute", "unsqueeze", "squeeze_", "flip", "T", "mT",
    "index_select", "gather", "scatter_", "masked_fill", "sort", "topk", "matmul", "mm",
    "norm", "fill_", "zero_", "copy_", "uniform_", "normal_", "new_zeros", "new_tensor",
    "__add__", "__radd__", "__iadd__", "__mul__", "__getitem__", "__setitem__", "__eq__",
    "__matmul__", "backward", "to", "detach", "item", "numpy", "shape", "size", "grad",
]  # fmt: skip


def _declared(cls: type) -> set[str]:
    """The names a class statement's body defines or assigns."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    (body,) = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    names = set()
    for node in body.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _owner(name: str) -> type:
    return next(cls for cls in Tensor.__mro__ if name in vars(cls))


def test_tensor_is_built_from_the_data_model_and_the_mixins():
    bases = Tensor.__mro__[1:-1]
    assert bases[0] is TensorBase
    assert all(cls.__module__ == "numbatorch._tensor_methods" for cls in bases[1:])
    assert type(torch.zeros(2)) is Tensor


@pytest.mark.parametrize("name", CORE)
def test_core_method_is_declared_in_a_class_body(name):
    owner = _owner(name)
    assert owner is not object, name
    assert name in _declared(owner), f"{name} is in vars({owner.__name__}) but not its body"


def test_every_attribute_of_tensor_is_declared_in_a_class_body():
    """An attribute set onto Tensor (or a base) after its class statement fails here."""
    undeclared = []
    for name in dir(Tensor):
        owner = _owner(name)
        if owner is object or name in IMPLICIT:
            continue
        if name not in _declared(owner):
            undeclared.append(f"{owner.__name__}.{name}")
    assert undeclared == []


def test_methods_written_here_name_their_class():
    """A `def` in a mixin has the mixin in its __qualname__ (what inspect and tracebacks
    show); the functional ops assigned as methods keep their own names."""
    for name in ("flip", "copy_", "fill_", "sum_to_size", "where"):
        method = vars(_owner(name))[name]
        assert method.__qualname__ == f"{_owner(name).__name__}.{name}"
    assert Tensor.add is torch.add
    assert Tensor.sum is torch.sum
    assert "def add(" in inspect.getsource(Tensor.add)


def test_autograd_knows_tensors_without_a_placeholder():
    """autograd/function.py imports the data model; it has no `Tensor = None` to fill."""
    assert function_module.Tensor is TensorBase
    assert "Tensor = None" not in inspect.getsource(function_module)
