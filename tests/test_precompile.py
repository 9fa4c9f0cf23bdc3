"""The precompile worker (numbatorch/_precompile.py): its manifest names kernels that
exist with signatures it can read back, a kernel it compiles lands in the disk cache where
the program loads it without compiling, and the program waits for a kernel the worker has
claimed instead of compiling it twice."""

import os
import subprocess
import sys

from numbatorch import _precompile
from numbatorch._precompile_manifest import MANIFEST


def test_manifest_entries_name_kernels_and_signatures_that_read_back():
    kernels = _precompile.kernels()
    assert MANIFEST
    for module, qualname, text, slp, loops, seconds in MANIFEST:
        assert (module, qualname) in kernels
        assert _precompile.signature_text(_precompile.parse_signature(text)) == text
        assert not loops or slp
        assert seconds >= _precompile.RECORD_AT_LEAST_S


def test_the_tiled_gemm_is_compiled_with_the_slp_vectorizer():
    # compiled without it, the GEMM's cache entry would hold code ~25x slower
    (entry,) = [e for e in MANIFEST if e[1] == "_gemm_packed"]
    assert entry[3:5] == (True, False)


def test_a_claim_is_taken_once(tmp_path):
    assert _precompile.claim(str(tmp_path), "key")
    assert not _precompile.claim(str(tmp_path), "key")


# one cheap kernel of the cache tests (tests/test_kernel_cache.py), fill of a float32 array
_FILL = ("numbatorch.kernels.cpu.elementwise", "_fill_contiguous",
         ("Array(float32, 1, 'C', False, aligned=True)", "float32"), False, False, 0.1)  # fmt: skip
_WORKER = f"""
import os, sys
from numbatorch import _precompile
_precompile.work(sys.argv[1], os.getppid(), [{_FILL!r}])
"""
_PROGRAM = """
from numba.core import event
compiled = []

class Count(event.Listener):
    def on_start(self, data):
        compiled.append(data)

    def on_end(self, data):
        pass

event.register("numba:compile", Count())
import numbatorch
print(numbatorch.zeros(3).tolist(), len(compiled))
"""


def test_a_kernel_the_worker_compiled_loads_from_the_cache(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "NUMBATORCH_QUIET": "1",
           "NUMBATORCH_PRECOMPILE": "0"}  # fmt: skip
    env.pop("NUMBA_OPT", None)
    claims = tmp_path / "claims"
    claims.mkdir()
    subprocess.run([sys.executable, "-c", _WORKER, str(claims)], env=env, check=True)
    assert len(list(claims.glob("*.done"))) == 1
    program = subprocess.run([sys.executable, "-c", _PROGRAM], env=env, check=True,
                             capture_output=True, text=True)  # fmt: skip
    assert program.stdout.split() == ["[0.0,", "0.0,", "0.0]", "0"]


class _WorkerHasIt:
    """A session whose worker has claimed every kernel and finishes at once."""

    def __init__(self):
        self.waited = []

    def claim(self, key):
        return False

    def wait(self, key):
        self.waited.append(key)


class _Cache:
    def __init__(self, function):
        self._py_func = function


def test_the_program_waits_for_a_manifest_kernel_the_worker_claimed(monkeypatch):
    session = _WorkerHasIt()
    monkeypatch.setattr(_precompile, "_session", session)
    module, qualname, text = MANIFEST[0][:3]
    kernel = _precompile.kernels()[(module, qualname)]
    signature = _precompile.parse_signature(text)
    assert _precompile._on_miss(_Cache(kernel.py_func), signature)
    assert len(session.waited) == 1
    # a kernel outside the manifest is the program's to compile, at once
    assert not _precompile._on_miss(_Cache(kernel.py_func), signature[:-1])
    assert len(session.waited) == 1
