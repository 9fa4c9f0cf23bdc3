"""Process-wide runtime setup, decided once and in one place, before any kernel runs.

- Numba's OpenMP pool spin-waits after each parallel region and starves other thread
  pools (OpenBLAS, PyTorch's) that run in between; a short spin count gives the cores
  back quickly (NUMBA_NOTES.md measured 8.5 ms vs 0.15 ms per iteration without it).
- The on-disk kernel cache goes to a user-writable folder even when the package sits in
  a read-only site-packages (`NUMBA_CACHE_DIR` still wins when set).
"""

from __future__ import annotations

import os
import sys


def _cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "numbatorch", "numba")


os.environ.setdefault("GOMP_SPINCOUNT", "1000")
if "NUMBA_CACHE_DIR" not in os.environ and "numba" not in sys.modules:
    os.environ["NUMBA_CACHE_DIR"] = _cache_dir()


def _install_notice() -> None:
    from ._jit_notice import install

    install()


_install_notice()
