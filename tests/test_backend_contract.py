"""The two backends offer one set of launchers with one signature each, so an op written
against `backend(device)` runs on both; the CUDA backend loads or fails loudly."""

import ast
import inspect
import pathlib
import sys
import types

import pytest
from numbatorch.kernels.contract import Backend

import numbatorch as torch

# launchers only one backend has, and why
CPU_ONLY = {
    "gemm_blas": "the bench's numpy-BLAS comparison",
    "flat_kernels": "the eager fast lane (numbatorch/ops/_lane.py) serves CPU tensors only",
    "flat_reduction": "the eager fast lane's reductions, CPU tensors only",
}
CUDA_ONLY: dict[str, str] = {}


@pytest.fixture(scope="module")
def backends():
    if not torch.cuda.is_available():
        pytest.skip("no CUDA backend (numba-cuda missing)")
    import numbatorch.kernels.cpu as cpu
    import numbatorch.kernels.cuda as cuda

    return cpu, cuda


def test_both_backends_export_the_same_launchers(backends):
    cpu, cuda = backends
    assert set(cpu.__all__) - set(cuda.__all__) == set(CPU_ONLY)
    assert set(cuda.__all__) - set(cpu.__all__) == set(CUDA_ONLY)
    for name in cpu.__all__:
        assert hasattr(cpu, name), name
    for name in cuda.__all__:
        assert hasattr(cuda, name), name


def _contract() -> dict[str, inspect.Signature]:
    """The Protocol's launchers and their signatures, `self` left out."""
    members = {}
    for name, member in vars(Backend).items():
        if inspect.isfunction(member) and not name.startswith("_"):
            signature = inspect.signature(member)
            members[name] = signature.replace(parameters=list(signature.parameters.values())[1:])
    return members


def _differences(module, contract: dict) -> list[str]:
    """How `module`'s launchers depart from the contract: missing, unlisted in its
    `__all__`, or taking other parameters (names, order, kinds or defaults)."""
    found = []
    exported = set(module.__all__) - set(CPU_ONLY) - set(CUDA_ONLY)
    found += [f"{name}: not exported" for name in sorted(set(contract) - exported)]
    found += [f"{name}: not in the contract" for name in sorted(exported - set(contract))]
    for name in sorted(set(contract) & exported):
        ours = inspect.signature(getattr(module, name)).parameters.values()
        theirs = contract[name].parameters.values()
        shape = [(p.name, p.kind, p.default) for p in ours]
        if shape != [(p.name, p.kind, p.default) for p in theirs]:
            found.append(f"{name}{inspect.signature(getattr(module, name))}")
    return found


@pytest.mark.parametrize("name", ["cpu", "cuda"])
def test_each_backend_implements_the_contract(backends, name):
    module = dict(zip(["cpu", "cuda"], backends))[name]
    assert _differences(module, _contract()) == []


def test_the_contract_check_sees_a_missing_or_changed_launcher(backends):
    cpu, _ = backends
    missing = types.ModuleType("partial")
    missing.__all__ = [name for name in cpu.__all__ if name != "sort"]
    for name in missing.__all__:
        setattr(missing, name, getattr(cpu, name))
    assert _differences(missing, _contract()) == ["sort: not exported"]
    missing.__all__.append("sort")
    missing.sort = lambda x, values, indices: None
    assert _differences(missing, _contract()) == ["sort(x, values, indices)"]


def test_a_broken_cuda_backend_surfaces(monkeypatch):
    """Only a missing numba-cuda or GPU makes is_available() False; a bug in the backend
    raises instead of silently dropping the CUDA half of the tests."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA backend (numba-cuda missing)")
    monkeypatch.setitem(sys.modules, "numbatorch.kernels.cuda", None)
    with pytest.raises(ImportError):
        torch.cuda.is_available()


# --- the layering of the kernel packages, read from the source ------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[1]
KERNELS = ROOT / "kernels"


def _imported_modules(path: pathlib.Path, package: str) -> set[str]:
    """The absolute names of the modules that `path` (a module of `package`) imports from."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _imports_of(folder: str) -> dict[str, set[str]]:
    package = f"numbatorch.kernels.{folder}"
    return {
        path.name: _imported_modules(path, package)
        for path in sorted((KERNELS / folder).glob("*.py"))
    }


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [("cuda", "numbatorch.kernels.cpu"), ("cpu", "numbatorch.kernels.cuda"),
     ("common", "numbatorch.kernels.cpu"), ("common", "numbatorch.kernels.cuda")],
)  # fmt: skip
def test_a_kernel_package_imports_only_common_code_of_the_other_backend(folder, forbidden):
    """What both backends need lives in kernels/common: a backend that imported the other
    would break when the other's private helpers change (and hide it: a failed CUDA
    import only makes cuda.is_available() False)."""
    found = {
        name: sorted(m for m in modules if m == forbidden or m.startswith(forbidden + "."))
        for name, modules in _imports_of(folder).items()
    }
    assert {name: found[name] for name in found if found[name]} == {}


def test_the_scan_resolves_the_relative_imports_kernels_use(tmp_path):
    # a scan that missed `from ..cpu import x` would pass whatever the kernels import
    source = tmp_path / "conv.py"
    source.write_text("from ..cpu import optim as cpu\nfrom ..cpu.conv import _table\n")
    found = _imported_modules(source, "numbatorch.kernels.cuda")
    assert {"numbatorch.kernels.cpu.optim", "numbatorch.kernels.cpu.conv._table"} <= found


def test_the_api_takes_opcodes_from_kernels_common():
    """numbatorch's ops name opcodes (E.ADD, R.SUM); they come from kernels.common, never
    from a backend's module (kernels are reached through `backend(device)` only)."""
    offenders = {}
    for path in sorted((ROOT / "numbatorch").rglob("*.py")):
        # _dispatch maps devices to backends (it sets their thresholds); _precompile compiles
        # named CPU kernels ahead of their first call, under the CPU GEMM's compile flags
        if path.name in ("_dispatch.py", "_precompile.py"):
            continue
        package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
        if path.name == "__init__.py":
            package = ".".join(path.relative_to(ROOT).parts[:-1])
        backends = sorted(
            m
            for m in _imported_modules(path, package)
            if m.startswith(("numbatorch.kernels.cpu.", "numbatorch.kernels.cuda."))
        )
        if backends:
            offenders[str(path.relative_to(ROOT))] = backends
    assert offenders == {}
