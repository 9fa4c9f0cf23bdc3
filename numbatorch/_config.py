"""Process-wide runtime setup, decided once and in one place, before any kernel runs.

- Numba's OpenMP workers spin GOMP_SPINCOUNT times (about 50 ns each here) after a
  parallel region before they sleep. Too long a spin starves other thread pools (OpenBLAS,
  PyTorch's) that run in between (NUMBA_NOTES.md: 8.5 ms vs 0.15 ms per iteration with
  libgomp's default); too short a spin puts the worker to sleep in every Python gap
  between two kernels, and the scheduler often wakes it on the main thread's core, where
  both then share one core for milliseconds (a 256^3 GEMM ran 0.15 ms or 0.31 ms per call
  depending on it, with 1000). 30000 (~1.5 ms) keeps the workers awake through a training
  step: LeNet-5 step 5.2 -> 4.6 ms, two-layer step 0.52 -> 0.46 ms; a small parallel op
  alternating with a numpy matmul stayed at 0.16 ms per iteration.
- The on-disk kernel cache goes to a user-writable folder even when the package sits in
  a read-only site-packages (`NUMBA_CACHE_DIR` still wins when set).
"""

from __future__ import annotations

import os
import sys


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "numbatorch", "numba")


os.environ.setdefault("GOMP_SPINCOUNT", "30000")
if "NUMBA_CACHE_DIR" not in os.environ and "numba" not in sys.modules:
    os.environ["NUMBA_CACHE_DIR"] = _cache_dir()


def _install_notice() -> None:
    from ._jit_notice import install

    install()


_install_notice()
