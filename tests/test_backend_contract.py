"""The two backends offer one set of launchers with one signature each, so an op written
against `backend(device)` runs on both; the CUDA backend loads or fails loudly."""

import inspect
import sys

import pytest

import numbatorch as torch

# launchers only one backend has, and why
CPU_ONLY = {
    "gemm_blas": "the bench's numpy-BLAS comparison",
    "flat_kernels": "the eager fast lane (numbatorch/ops/_lane.py) serves CPU tensors only",
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


def test_shared_launchers_take_the_same_parameters(backends):
    cpu, cuda = backends
    for name in sorted(set(cpu.__all__) & set(cuda.__all__)):
        ours, theirs = inspect.signature(getattr(cpu, name)), inspect.signature(getattr(cuda, name))
        assert list(ours.parameters) == list(theirs.parameters), name


def test_a_broken_cuda_backend_surfaces(monkeypatch):
    """Only a missing numba-cuda or GPU makes is_available() False; a bug in the backend
    raises instead of silently dropping the CUDA half of the tests."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA backend (numba-cuda missing)")
    monkeypatch.setitem(sys.modules, "numbatorch.kernels.cuda", None)
    with pytest.raises(ImportError):
        torch.cuda.is_available()
