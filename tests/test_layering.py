"""The layers talk only to the one below: `nn` checks arguments and composes ops; every
autograd Function lives in `numbatorch/ops`, and only the ops (and the data model under
them) reach the dispatcher and the kernels."""

import ast
import importlib
import inspect
import pathlib
import pkgutil

import numbatorch as torch
import numbatorch.nn
from numbatorch.autograd.function import Function

NN_DIR = pathlib.Path(numbatorch.nn.__file__).parent

# what only the ops may import: the dispatcher, the kernel packages and ops/_common's
# `kernels(t)` (a tensor's launchers)
BACKEND_MODULES = ("_dispatch", "kernels")
BACKEND_NAMES = {"backend", "kernels", "_dispatch"}


def _nn_sources():
    return sorted(NN_DIR.rglob("*.py"))


def _backend_imports(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if any(part in BACKEND_MODULES for part in module.split(".")):
                found.append(f"from {'.' * node.level}{module} import ...")
            found += [f"import of {a.name}" for a in node.names if a.name in BACKEND_NAMES]
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if "kernels" in a.name or "_dispatch" in a.name]
    return found


def _function_classes(tree: ast.AST) -> list[str]:
    return [
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).endswith("Function") for base in node.bases)
    ]


def test_nn_imports_neither_dispatcher_nor_kernels():
    offenders = {}
    for path in _nn_sources():
        found = _backend_imports(ast.parse(path.read_text()))
        if found:
            offenders[str(path.relative_to(NN_DIR))] = found
    assert offenders == {}


def test_nn_defines_no_autograd_function_in_its_source():
    offenders = {}
    for path in _nn_sources():
        found = _function_classes(ast.parse(path.read_text()))
        if found:
            offenders[str(path.relative_to(NN_DIR))] = found
    assert offenders == {}


def test_every_function_reached_from_nn_lives_in_ops():
    """Also catches a Function class made at run time (type(...), a factory) in nn."""
    misplaced = []
    for info in pkgutil.walk_packages(numbatorch.nn.__path__, "numbatorch.nn."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Function):
                home = value.__module__
                if (
                    not home.startswith("numbatorch.ops.")
                    and home != "numbatorch.autograd.function"
                ):
                    misplaced.append(f"{info.name}.{name} (defined in {home})")
    assert misplaced == []


def test_the_scans_see_what_they_look_for():
    """The checks above flag the forms they are meant to find."""
    source = (
        "from ..ops._common import kernels\n"
        "from ... import _dispatch\n"
        "from numbatorch.kernels.cpu import copy\n"
        "class Foo(BuiltinFunction):\n    pass\n"
    )
    tree = ast.parse(source)
    assert len(_backend_imports(tree)) == 3
    assert _function_classes(tree) == ["Foo"]


def test_the_moved_functions_keep_their_node_names():
    x = torch.randn(3, 4, requires_grad=True)
    target = torch.tensor([0, 2, 1])
    cases = {
        "NativeBatchNormBackward0": torch.nn.functional.batch_norm(x, None, None, training=True),
        "NativeLayerNormBackward0": torch.nn.functional.layer_norm(x, (4,)),
        "MseLossBackward0": torch.nn.functional.mse_loss(x, torch.zeros(3, 4)),
        "NllLossBackward0": torch.nn.functional.cross_entropy(x, target),
        "BinaryCrossEntropyBackward0": torch.nn.functional.binary_cross_entropy(
            x.sigmoid().detach().requires_grad_(), torch.ones(3, 4), reduction="none"
        ),
        "EmbeddingBackward0": torch.nn.functional.embedding(target, x),
    }
    for name, result in cases.items():
        assert type(result.grad_fn).__name__ == name
        assert result.grad_fn._function.__module__.startswith("numbatorch.ops."), name
