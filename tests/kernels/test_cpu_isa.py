"""The CPU kernels' ISA variants: the target is read from Numba's settings as Numba reads
it, each variant's tile fits its registers, and the variants not native to this host
(compiled for another CPU with NUMBA_CPU_NAME, in a subprocess) give numpy's values."""

import os
import subprocess
import sys
import textwrap

import pytest
from numbatorch.kernels.cpu import isa, matmul


@pytest.mark.parametrize(
    ("cpu", "features", "expected"),
    [
        ("haswell", "", "avx2"),
        ("znver3", "", "avx2"),
        ("skylake-avx512", "", "avx512"),
        ("znver5", "", "avx512"),
        ("x86-64", "", "generic"),
        (None, "+avx,+avx2,+fma,-avx512f", "avx2"),
        (None, "+avx2,+fma,+avx512f", "avx512"),
        ("znver5", "+sse2,+avx,-avx2,-avx512f", "generic"),
    ],
)
def test_variant_follows_the_compile_target(monkeypatch, cpu, features, expected):
    monkeypatch.setattr(isa.config, "CPU_NAME", cpu)
    monkeypatch.setattr(isa.config, "CPU_FEATURES", features)
    assert isa.vector_isa() == expected


class _HostFeatures:
    def flatten(self):
        return "+sse2,+avx,+avx2,+fma,+avx512f,-amx-tile"


def test_cpu_name_alone_keeps_the_host_features(monkeypatch):
    # Numba compiles for the host's features unless NUMBA_CPU_FEATURES is set, whatever
    # NUMBA_CPU_NAME says: such code has AVX-512, so the tile must be AVX-512's
    monkeypatch.setattr(isa.config, "CPU_NAME", "haswell")
    monkeypatch.setattr(isa.config, "CPU_FEATURES", None)
    monkeypatch.setattr(isa.binding, "get_host_cpu_features", _HostFeatures)
    assert isa.target_features() >= {"avx512f", "avx2"}
    assert isa.vector_isa() == "avx512"


def test_native_variant_is_the_one_in_use():
    assert matmul.MR == isa.TILE.rows and matmul.TILE_BYTES == isa.TILE.width
    assert isa.ISA == isa.vector_isa()


@pytest.mark.parametrize("name", sorted(isa.TILES))
def test_each_tile_fits_its_register_file(name):
    vector_bytes, registers = {"avx512": (64, 32), "avx2": (32, 16), "neon": (16, 32),
                               "generic": (16, 16)}[name]  # fmt: skip
    tile = isa.TILES[name]
    assert tile.vector == vector_bytes and tile.width % tile.vector == 0
    accumulators = tile.rows * tile.width // vector_bytes
    # one register for A's broadcast and the vectors of one row of B besides the tile
    assert accumulators + 1 + tile.width // vector_bytes <= registers


def test_blocking_keeps_panels_in_cache_and_depths_round():
    for tile in isa.TILES.values():
        kc, mc = isa.blocking(tile)
        assert 64 <= kc <= 256 and 64 <= mc <= 256
        assert kc % 16 == 0 and mc % 16 == 0


# The other variants, each compiled for a CPU this host can run (NUMBA_CPU_FEATURES empty:
# that CPU's own features, not the host's): the micro-kernel uses only that ISA's registers
# and keeps its tile in them through the k loop (a fresh, uncached compile: cached code has
# no assembly to show), and the GEMM's small, packed (partial tiles, two depth blocks) and
# batched paths and a Winograd convolution match numpy. A subprocess, since Numba reads
# its target once, at start-up.
_VARIANT_CHECK = textwrap.dedent(
    """
    import re
    import numba
    import numpy as np
    from numbatorch.kernels.cpu import isa, matmul, winograd

    assert isa.ISA == {variant!r}, isa.ISA
    fresh = numba.njit(fastmath=matmul.FASTMATH)(matmul._micro_kernel.py_func)
    flat, i = numba.types.float32[::1], numba.types.int64
    signature = (i, flat, i, i, i, flat, i, i, flat, i, i, i, i, numba.types.boolean)
    with matmul._tile_vectorizer():
        fresh.compile(signature)
    asm = fresh.inspect_asm(signature)
    foreign = {{"avx2": r"%(zmm|[xy]mm(1[6-9]|[23][0-9]))", "generic": r"%[yz]mm"}}[isa.ISA]
    assert not re.search(foreign, asm), "registers of another ISA"
    lines = asm.splitlines()  # the k loop: from the label before its first multiply to a jump
    first = next(n for n, line in enumerate(lines) if re.search("fmadd|mulps", line))
    start = max(n for n in range(first) if lines[n].startswith(".LBB"))
    end = next(n for n in range(first, len(lines)) if lines[n].strip().startswith("j"))
    assert not any("rsp" in line for line in lines[start:end]), "the tile spills"
    rng = np.random.default_rng(0)
    for dtype, tol in ((np.float32, 1e-4), (np.float64, 1e-11)):
        for m, k, n in ((3, 5, 2), (70, 300, 65), (2 * matmul.MR + 1, 40, 90)):
            a = rng.standard_normal((m, k)).astype(dtype)
            b = rng.standard_normal((k, n)).astype(dtype)
            out = np.empty((m, n), dtype)
            matmul.gemm(a, b.T.copy().T, out)
            np.testing.assert_allclose(out, a.astype(float) @ b, rtol=0, atol=tol * k)
    x = rng.standard_normal((2, 16, 18, 18)).astype(np.float32)
    w = rng.standard_normal((20, 16, 3, 3)).astype(np.float32)
    out = np.empty((2, 20, 16, 16), np.float32)
    winograd.forward(x, w, None, (0, 0), out)
    windows = np.lib.stride_tricks.sliding_window_view(x.astype(float), (3, 3), axis=(2, 3))
    np.testing.assert_allclose(
        out, np.einsum("nchwij,kcij->nkhw", windows, w.astype(float)), rtol=0, atol=1e-3
    )
    grad_w = np.empty_like(w)
    winograd.weight_grad(x, out, (0, 0), grad_w)
    np.testing.assert_allclose(
        grad_w, np.einsum("nchwij,nkhw->kcij", windows, out.astype(float)), rtol=1e-4, atol=1e-2
    )
    print("ok", isa.ISA, matmul.MR, matmul.TILE_BYTES)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(("cpu", "variant"), [("haswell", "avx2"), ("x86-64", "generic")])
def test_variant_compiled_for_another_cpu_matches_numpy(cpu, variant):
    if isa.ISA not in ("avx512", "avx2") or (variant == "avx2" and isa.ISA != "avx512"):
        pytest.skip(f"this {isa.ISA} host runs only its own variant and the generic one")
    env = dict(os.environ, NUMBA_CPU_NAME=cpu, NUMBA_CPU_FEATURES="", NUMBATORCH_QUIET="1")
    result = subprocess.run(
        [sys.executable, "-c", _VARIANT_CHECK.format(variant=variant)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith(f"ok {variant}")
