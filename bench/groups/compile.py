"""Seconds to the first result of a fresh process, import included: once with an empty
Numba cache (every kernel compiles) and once more with the cache the first run filled.
PyTorch compiles nothing, so its two rows only show its import and first call. The note
gives the CPU seconds of the child and of the processes it started (numbatorch's precompile
worker: numbatorch/_precompile.py), on a shared machine steadier than the wall time, and,
for numbatorch, how many kernel signatures the child compiled itself."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from .. import nets
from ..harness import Case, Timing, require

NETS_FILE = nets.__file__

# a child process: import the library, produce one result, report the two durations and
# the number of compiles Numba started (nested ones included, as the progress line counts
# them)
SCRIPT = """\
import json, sys, time
start = time.perf_counter()
import {module} as lib
imported = time.perf_counter()
compiles = []
if "numba" in sys.modules:
    from numba.core import event

    class Count(event.Listener):
        def on_start(self, data):
            compiles.append(data)

        def on_end(self, data):
            pass

    event.register("numba:compile", Count())
{work}
done = time.perf_counter()
print(json.dumps({{"import_s": imported - start, "first_result_s": done - imported,
                  "compiles": len(compiles)}}))
"""
FIRST_OP = "x = lib.ones(1000)\nfloat((x + x).sum())"
LENET = ("import runpy\n"
         f"nets = runpy.run_path({NETS_FILE!r})\n"
         "float(nets['lenet_step'](lib)())")  # fmt: skip


def cases(ctx) -> list[Case]:
    cache = tempfile.TemporaryDirectory(prefix="numbatorch-bench-cache-")
    works = [("first op: (x + x).sum()", FIRST_OP, ())]
    if ctx.options.sizes != "tiny":
        works.append(("LeNet-5 training step", LENET, nets.LENET_NEEDS))
    found = []
    for name, work, needs in works:
        for size in ("cold cache", "warm cache"):
            measure = _measurer(ctx, work, needs, cache)
            found.append(Case(name, size, "s", {"ours": None, "torch": None}, measure=measure))
    return found


def _measurer(ctx, work: str, needs: tuple, cache):
    def measure(impl: str):
        if impl == "ours":
            require(ctx.numbatorch, *needs)
            module = "numbatorch"
        else:
            ctx.need_torch()
            module = "torch"
        env = dict(os.environ, NUMBA_CACHE_DIR=cache.name,
                   NUMBA_NUM_THREADS=str(ctx.options.threads))  # fmt: skip
        script = SCRIPT.format(module=module, work=work)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, check=False)  # fmt: skip
        wall = time.perf_counter() - start
        # the child's CPU time and that of the processes it started and waited for
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if done.returncode != 0:
            lines = done.stderr.strip().splitlines() or ["no output"]
            raise RuntimeError(f"child process failed: {lines[-1]}")
        parts = json.loads(done.stdout.strip().splitlines()[-1])
        note = (f"import {parts['import_s']:.2f} s + first result {parts['first_result_s']:.2f} s, "
                f"{cpu:.1f} s CPU")  # fmt: skip
        if impl == "ours":
            note += f", {parts['compiles']} kernels compiled"
        return Timing.measured(wall), note

    return measure
