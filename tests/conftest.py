"""Test-suite setup: CUDA kernels run in Numba's simulator unless NUMBATORCH_REAL_GPU=1,
and a `device` fixture runs a test on the CPU and, where available, on CUDA."""

import os

if os.environ.get("NUMBATORCH_REAL_GPU") != "1":
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

import pytest  # noqa: E402

import numbatorch  # noqa: E402


def _devices():
    devices = ["cpu"]
    if numbatorch.cuda.is_available():
        devices.append("cuda")
    return devices


@pytest.fixture(params=_devices())
def device(request):
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    numbatorch.manual_seed(0)
