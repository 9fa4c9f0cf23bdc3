"""Compiles the kernels of a first training step on a second core while the program runs.

Numba compiles a kernel when it is first called, one after another on one core, so a
cold first training step compiles for many seconds while the other cores idle (a LeNet-5
step: ~60 kernels, ~20 s of CPU on one core). `MANIFEST` (_precompile_manifest.py) lists,
in the order a conv net's first step calls them, the big kernels such a step compiles.
The first time the program misses the on-disk cache for one of them, a worker process
starts and compiles the list, costliest first, into the same cache, while the program
compiles in the order it calls them; each kernel the program reaches that the worker has
compiled loads from the cache in milliseconds. Neither compiles a kernel the other has
taken: each takes an entry by creating its claim file first (one
atomic create), and the program waits for a kernel the worker is compiling rather than
compiling it a second time.

The worker runs only while the program does (it is ended at exit, and ends itself when
the program is gone), never when the cache already holds the kernels, never in
pytest-xdist's workers, and never with NUMBATORCH_PRECOMPILE=0.
`python -m numbatorch._precompile --record` rewrites the manifest from the bench's
LeNet-5 step and the digits example's CNN.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Iterator

import numba
from numba.core import event

from ._precompile_manifest import MANIFEST

WAIT_POLL_S = 0.02  # how often the program looks whether the worker finished a kernel

# an entry: (module of the kernel's Python function, its qualified name, its argument
# types as Python source, whether it compiles with the SLP vectorizer on (the tiled GEMM
# kernels: see kernels/cpu/matmul.py `_tile_vectorizer`), and with the loop vectorizer,
# and the CPU seconds it took to compile when recorded)
Entry = tuple[str, str, tuple[str, ...], bool, bool, float]


def signature_text(args) -> tuple[str, ...]:
    """Argument types as Python source that `parse_signature` reads back."""
    return tuple(map(repr, args))


@functools.cache
def _type_names() -> dict:
    names = dict(vars(numba.types))
    names["bool"] = numba.types.boolean  # repr(types.boolean) is "bool"
    return names


def parse_signature(text: tuple[str, ...]) -> tuple:
    # evaluates our own manifest's type names only
    return tuple(eval(arg, {"__builtins__": {}}, _type_names()) for arg in text)


def _key(module: str, qualname: str, text: tuple[str, ...]) -> str:
    return hashlib.sha1(f"{module}:{qualname}({', '.join(text)})".encode()).hexdigest()[:20]


_KEYS = {_key(*entry[:3]) for entry in MANIFEST}


def kernels() -> dict:
    """The CPU kernels that module globals of numbatorch.kernels.cpu hold (directly or in
    a dict, tuple or list), by (module, qualified name) of their Python function. Kernel
    families built per opcode on first use (elementwise.Lazy) are not among them."""
    from .kernels import cpu  # noqa: F401 - imports the kernel modules

    found = {}

    def add(value, depth: int) -> None:
        function = getattr(value, "py_func", None)
        if isinstance(value, numba.core.registry.CPUDispatcher) and function is not None:
            found[(function.__module__, function.__qualname__)] = value
        elif depth and type(value) in (dict, tuple, list):  # not Lazy: built on first use
            for item in value.values() if isinstance(value, dict) else value:
                add(item, depth - 1)

    for name, module in list(sys.modules.items()):
        if name.startswith("numbatorch.kernels.cpu.") and module is not None:
            for value in vars(module).values():
                add(value, 2)  # a dict of (serial, parallel) twins at most
    return found


@contextlib.contextmanager
def _vectorizers(slp: bool, loops: bool) -> Iterator[None]:
    if not slp:
        yield
        return
    from .kernels.cpu.matmul import _tile_vectorizer

    with _tile_vectorizer(loops):
        yield


class Session:
    """The program's side: the worker process and the folder of claim and done files."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="numbatorch-precompile-")
        env = dict(os.environ, NUMBATORCH_PRECOMPILE="0", NUMBATORCH_QUIET="1")
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "numbatorch._precompile", self.folder, str(os.getpid())],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        atexit.register(self.close)

    def claim(self, key: str) -> bool:
        return claim(self.folder, key)

    def wait(self, key: str) -> None:
        """Until the worker has finished the kernel `key` (or has died)."""
        done = os.path.join(self.folder, key + ".done")
        while not os.path.exists(done) and self.worker.poll() is None:
            time.sleep(WAIT_POLL_S)

    def close(self) -> None:
        if self.worker.poll() is None:
            self.worker.terminate()
        self.worker.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def claim(folder: str, key: str) -> bool:
    """Takes the kernel `key` for this process; False when the other one has it."""
    try:
        os.close(os.open(os.path.join(folder, key + ".claim"), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


_session: Session | None = None


def _on_miss(cache, sig) -> bool:
    """Called when the program misses the cache for `cache`'s kernel at `sig`: True when
    the worker has compiled it meanwhile (load it again), False to compile it here."""
    global _session
    function = cache._py_func
    args = sig.args if hasattr(sig, "args") else tuple(sig)
    key = _key(function.__module__, function.__qualname__, signature_text(args))
    if key not in _KEYS:
        return False
    if _session is None:
        _session = Session()
    if _session.claim(key):
        return False
    # the compile progress line (numbatorch/_jit_notice.py) shows the kernel while we wait
    with event.trigger_event(
        WAIT_EVENT, data={"dispatcher": types.SimpleNamespace(py_func=function)}
    ):
        _session.wait(key)
    return True


WAIT_EVENT = "numbatorch:precompile-wait"


def install() -> None:
    """Makes the program's cache misses start and consult the worker (idempotent)."""
    # pytest-xdist's workers keep every core busy already: a worker each would only add
    # compiles of kernels their tests may never call
    if os.environ.get("NUMBATORCH_PRECOMPILE") == "0" or "PYTEST_XDIST_WORKER" in os.environ:
        return
    from numba.core import caching

    load_overload = caching.Cache.load_overload
    if getattr(load_overload, "_numbatorch_precompile", False):
        return

    @functools.wraps(load_overload)
    def load_or_precompiled(cache, sig, target_context):
        result = load_overload(cache, sig, target_context)
        if result is None and _on_miss(cache, sig):
            result = load_overload(cache, sig, target_context)
        return result

    load_or_precompiled._numbatorch_precompile = True
    caching.Cache.load_overload = load_or_precompiled


def work(folder: str, parent: int, entries: list[Entry] = MANIFEST) -> None:
    """The worker: compiles the kernels of `entries`, the costliest first, skipping those
    the program (process `parent`) has claimed, until all are done or the program is gone.
    The costliest first, not simply the last first: the program calls the GEMM early, and
    it takes a quarter of the step's compile time (the two processes meet in the middle of
    the work, not of the list: simulated on the recorded costs, a LeNet-5 step's compiles
    end after 11.8 s instead of 14.4 s, ideal 11.0, serial 20.4)."""
    found = kernels()
    for module, qualname, text, slp, loops, _ in sorted(entries, key=lambda e: -e[5]):
        if os.getppid() != parent:
            return
        key = _key(module, qualname, text)
        if not claim(folder, key):
            continue
        try:
            kernel = found.get((module, qualname))
            if kernel is not None:
                with _vectorizers(slp, loops):
                    kernel.compile(parse_signature(text))
        except Exception:  # the program compiles it itself, and reports what fails
            pass
        finally:
            open(os.path.join(folder, key + ".done"), "w").close()


# Kernels that compile in less CPU time than this (fills, copies, an optimizer update)
# stay out of the manifest: the worker would save little on them, and they must not
# start a worker (zeros(3) compiles a fill).
RECORD_AT_LEAST_S = 0.25


def record() -> list[Entry]:
    """The manifest's entries: the kernels with an entry in `kernels()` that a LeNet-5
    training step (the bench's) and the digits example's CNN compile, in call order,
    each at least RECORD_AT_LEAST_S of CPU time (its nested compiles included)."""
    import runpy
    from pathlib import Path

    import numpy as np

    import numbatorch as lib

    root = Path(__file__).resolve().parent.parent
    entries: dict[Entry, float] = {}
    started: list = []

    class Recorder(event.Listener):
        def on_start(self, event_) -> None:
            data = event_.data
            function = data["dispatcher"].py_func
            slp, loops = numba.config.SLP_VECTORIZE, numba.config.LOOP_VECTORIZE
            entry = (function.__module__, function.__qualname__,
                     signature_text(data["args"]), bool(slp), bool(loops and slp))  # fmt: skip
            started.append((entry, time.thread_time()))

        def on_end(self, event_) -> None:
            entry, start = started.pop()
            if not started:  # a kernel the program calls, not one compiled inside another
                entries[entry] = entries.get(entry, 0.0) + time.thread_time() - start

    event.register("numba:compile", Recorder())
    nets = runpy.run_path(str(root / "bench" / "nets.py"))
    float(nets["lenet_step"](lib)())
    example = runpy.run_path(str(root / "examples" / "train_digits.py"))
    model = example["DigitsCNN"]()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    images = lib.from_numpy(np.zeros((16, 1, 8, 8), np.float32))
    loss = lib.nn.functional.cross_entropy(model(images), lib.zeros(16, dtype=lib.int64))
    loss.backward()
    optimizer.step()
    found = kernels()
    return [(*e, round(cpu, 2)) for e, cpu in entries.items()
            if e[:2] in found and cpu >= RECORD_AT_LEAST_S]  # fmt: skip


MANIFEST_HEADER = '''"""The kernels a conv net's first CPU training step compiles,
in the order it calls them (module, qualified name, argument types, SLP vectorizer, loop
vectorizer under SLP, CPU seconds it took to compile): what the precompile worker
compiles (numbatorch/_precompile.py). Written by
NUMBA_CACHE_DIR=$(mktemp -d) NUMBATORCH_PRECOMPILE=0 python -m numbatorch._precompile --record
"""

MANIFEST = [
'''


def write_manifest(entries: list[Entry]) -> None:
    """Writes `entries` as _precompile_manifest.py, laid out as ruff formats it."""
    lines = []
    for module, qualname, text, slp, loops, seconds in entries:
        args = "".join(f'            "{arg}",\n' for arg in text)  # no " in a type's name
        flags = "".join(f"        {value},\n" for value in (slp, loops, seconds))
        lines.append(f'    (\n        "{module}",\n        "{qualname}",\n        (\n{args}'
                     f"        ),\n{flags}    ),\n")  # fmt: skip
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_precompile_manifest.py")
    with open(path, "w") as file:
        file.write(MANIFEST_HEADER + "".join(lines) + "]\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        write_manifest(record())
    else:
        work(sys.argv[1], int(sys.argv[2]))
