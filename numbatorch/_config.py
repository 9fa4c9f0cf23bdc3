"""Process-wide runtime setup, decided once and in one place, before any kernel runs.

- Numba's OpenMP workers spin GOMP_SPINCOUNT times (about 50 ns each here) after a
  parallel region before they sleep. Too short a spin puts the worker to sleep in every
  Python gap between two kernels, and the scheduler often wakes it on the main thread's
  core, where both then share one core for milliseconds (a 256^3 GEMM ran 0.15 ms or
  0.31 ms per call depending on it, with 1000). 30000 (~1.5 ms) keeps the workers awake
  through a training step: median LeNet-5 step 7.0-7.5 -> 4.4-4.9 ms, two-layer step
  0.61-0.73 -> 0.44 ms (libgomp's own default is 300000). The price falls on other thread
  pools that run in between: a parallel op alternating with a numpy matmul took 0.25 ms
  per iteration with 1000 and 1.7 ms with 30000 (docs/NUMBA_NOTES.md). Code that mixes numpy
  BLAS calls with numbatorch ops in a loop can set GOMP_SPINCOUNT=1000 itself: only a
  value the environment does not already have is set here.
- The on-disk kernel cache goes to a user-writable folder even when the package sits in
  a read-only site-packages (`NUMBA_CACHE_DIR` still wins when set and writable), and
  damaged cache entries are recompiled (`_cache.py`).
- A cold first training step compiles its big kernels on two cores, not one: a worker
  process compiles them into the cache from the other end (`_precompile.py`).
- Loops vectorise at the width of the host's AVX-512 registers (`_wide_vectors`).
"""

from __future__ import annotations

import os
import sys

from . import _cache

os.environ.setdefault("GOMP_SPINCOUNT", "30000")


def wide_vector_features() -> str | None:
    """The host's CPU features with LLVM's preference for 256-bit vectors turned off, on a
    host with AVX-512 (else None): what `_wide_vectors` gives Numba."""
    from llvmlite import binding

    features = binding.get_host_cpu_features()
    return features.flatten() + ",-prefer-256-bit" if features.get("avx512f") else None


def _wide_vectors() -> None:
    """LLVM's tuning for Intel's AVX-512 cores (Skylake-X to Sapphire Rapids, Rocket Lake)
    prefers 256-bit vectors, so Numba's loops used half of each zmm register; with the
    preference off they vectorise at 512 bits, as PyTorch's AVX-512 kernels do and as LLVM
    does for Zen 4/5 anyway. Measured on a 2-core Xeon (rocketlake to LLVM), 1M float32,
    one thread: exp 509 -> 342 us, tanh 842 -> 547 us (PyTorch 297 and 365). Not when the
    environment names the target (NUMBA_CPU_NAME or NUMBA_CPU_FEATURES, as the bench's
    `--cpu` does), nor with NUMBATORCH_VECTOR_BITS=256."""
    if {"NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES"} & os.environ.keys():
        return
    if os.environ.get("NUMBATORCH_VECTOR_BITS") == "256":
        return
    text = wide_vector_features()
    if text is None:
        return
    os.environ["NUMBA_CPU_FEATURES"] = text  # processes started from this one agree
    if "numba.core.config" in sys.modules:  # Numba read the variable when it was imported
        sys.modules["numba.core.config"].CPU_FEATURES = text


_wide_vectors()
_cache.choose_folder()  # before Numba reads NUMBA_CACHE_DIR, i.e. before it is imported
_cache.install()


def _install_precompile() -> None:
    from . import _precompile  # imports Numba: after the cache folder is chosen

    _precompile.install()


_install_precompile()


def _install_notice() -> None:
    from ._jit_notice import install

    install()


_install_notice()
