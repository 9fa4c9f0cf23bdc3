"""The vector ISA the CPU kernels are compiled for, and the GEMM register tile and cache
blocking chosen for it.

Numba compiles for the host unless `NUMBA_CPU_NAME` / `NUMBA_CPU_FEATURES` name another
target (`NUMBA_CPU_NAME=haswell` on an AVX-512 machine gives AVX2 code that runs and can be
timed there). The tile follows that same target, so its accumulators fit the target's
registers: a tile shaped for 32 512-bit registers spills on 16 256-bit ones (the AVX-512
tile ran at 0.3-0.4x numpy's BLAS on an AVX2-only Zen 3).
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import NamedTuple

from llvmlite import binding
from numba.core import config

# LLVM's names of the CPUs with AVX-512F and with AVX2 + FMA (used when NUMBA_CPU_NAME
# names the target without NUMBA_CPU_FEATURES, so LLVM takes that CPU's own features)
_AVX512_CPUS = frozenset(
    "skylake-avx512 cascadelake cooperlake cannonlake icelake-client icelake-server tigerlake "
    "rocketlake sapphirerapids emeraldrapids graniterapids diamondrapids znver4 znver5 "
    "x86-64-v4 knl knm".split()
)
_AVX2_CPUS = frozenset(
    "haswell broadwell skylake alderlake raptorlake meteorlake arrowlake lunarlake gracemont "
    "znver1 znver2 znver3 bdver4 x86-64-v3".split()
)


class Tile(NamedTuple):
    """The micro-kernel's register tile: `rows` rows of A against `width` bytes of B's row,
    held in vectors of `vector` bytes (the ISA's register): rows * width / vector
    accumulators in all."""

    rows: int
    width: int
    vector: int


# accumulators: AVX-512 8 x 2 zmm = 16 of 32 registers (measured 270-350 GFLOP/s f32 on
# Zen 5); AVX2 6 x 2 ymm = 12 of 16, leaving one for A's broadcast and two for B's row
# (BLIS's Haswell shape); NEON 8 x 2 q = 16 of 32; anything else (SSE2) 4 x 2 of 16 xmm
TILES = {
    "avx512": Tile(8, 128, 64),
    "avx2": Tile(6, 64, 32),
    "neon": Tile(8, 32, 16),
    "generic": Tile(4, 32, 16),
}


def target_cpu() -> str:
    """The CPU name Numba compiles for."""
    name = config.CPU_NAME
    return binding.get_host_cpu_name() if not name or name == "host" else name


def target_features() -> frozenset:
    """The features Numba compiles for ('avx2', 'fma', ...), as Numba chooses them: the
    host's unless NUMBA_CPU_FEATURES is set, even when NUMBA_CPU_NAME names another CPU
    (`NUMBA_CPU_NAME=haswell` alone on an AVX-512 host compiles AVX-512 code tuned for
    Haswell). Empty when NUMBA_CPU_FEATURES is empty: LLVM then takes the named CPU's own
    features, which is how to compile true AVX2 code here (the bench's `--cpu`)."""
    text = config.CPU_FEATURES
    if text is None:
        text = binding.get_host_cpu_features().flatten()
    return frozenset(f[1:] for f in text.split(",") if f.startswith("+"))


def vector_isa() -> str:
    """'avx512', 'avx2', 'neon' or 'generic': the register file the kernels are shaped for."""
    cpu, features = target_cpu(), target_features()
    if "avx512f" in features or (not features and cpu in _AVX512_CPUS):
        return "avx512"
    if {"avx2", "fma"} <= features or (not features and cpu in _AVX2_CPUS):
        return "avx2"
    if "neon" in features or platform.machine().lower() in ("arm64", "aarch64"):
        return "neon"
    return "generic"


def cache_bytes(level: int, default: int) -> int:
    """The size of cpu0's data (or unified) cache at `level`, from Linux's sysfs."""
    for index in sorted(Path("/sys/devices/system/cpu/cpu0/cache").glob("index*")):
        try:
            if int((index / "level").read_text()) != level:
                continue
            if (index / "type").read_text().strip() == "Instruction":
                continue
            text = (index / "size").read_text().strip().upper()
        except (OSError, ValueError):
            continue
        scale = {"K": 1 << 10, "M": 1 << 20}.get(text[-1:], 1)
        try:
            return int(text.rstrip("KM")) * scale
        except ValueError:
            break
    return default


def blocking(tile: Tile) -> tuple[int, int]:
    """(KC, MC): the depth of a packed block, so that one B micro-panel (KC x tile width)
    fills two thirds of L1 while A streams past it; and the rows of a parallel task, so that
    its A block (MC x KC float32) fills a quarter of L2. Both at most 256, the values
    measured best on a Zen 5 (48 KB L1, 1 MB L2), and multiples of 16."""
    l1, l2 = cache_bytes(1, 32 << 10), cache_bytes(2, 512 << 10)
    kc = min(256, max(64, l1 * 2 // 3 // tile.width // 16 * 16))
    mc = min(256, max(64, l2 // 4 // (kc * 4) // 16 * 16))
    return kc, mc


ISA = vector_isa()
TILE = TILES[ISA]
