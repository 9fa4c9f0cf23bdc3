"""The bench's machinery: cases and results, timing, thread setup, the machine line, the
terminal table, the JSON file and the plot. The groups (`groups/*.py`) only say what to
time; everything about how it is timed and reported lives here."""

from __future__ import annotations

import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from numbatorch import _config

# Implementations, in table order. The first four are numbatorch: its public API ("ours"),
# the kernel launcher on preallocated arrays ("ours-raw"), conv's launchers with their
# Winograd path switched off ("ours-im2col"), and the BLAS alternative the dispatcher may
# choose ("blas"). numpy and torch are the references; raw mpi4py is the distributed
# group's baseline (its ratio is in the note).
IMPLS = ("ours", "ours-raw", "ours-im2col", "blas", "numpy", "torch", "mpi4py")
REFERENCES = ("numpy", "torch")

# A metric and whether more of it is better; `work` is bytes for GB/s, flops for GFLOP/s,
# items for images/s.
METRICS = {"GB/s": True, "GFLOP/s": True, "images/s": True, "us/call": False,
           "ms/step": False, "s": False}  # fmt: skip

# Every library's worker threads keep spinning after a call returns (OpenBLAS's for about
# 70 ms, THREAD_TIMEOUT; Numba's and PyTorch's OpenMP pools GOMP_SPINCOUNT turns), halving
# the speed of whatever runs next on a 2-core machine (measured: our 1024^3 gemm 5.1 ms
# alone, 10.8 ms right after numpy's). A sample that follows another implementation's waits
# SETTLE_S, then runs untimed for WARM_S: after a pause the scheduler often wakes a worker
# on the main thread's core, and a 10 ms sample taken then ran 2x slow (a running training
# loop never pauses, so the warm figure is the one users see).
SETTLE_S = 0.15
WARM_S = 0.02

FIGHT_LIMIT = 2.0  # in-process slowdown (probe) above which torch is timed in a subprocess


class Unavailable(Exception):
    """Raised by a builder whose API (or library, or device) is missing; the reason is
    shown as `unavailable: <reason>` and the bench goes on."""


def require(module, *names: str) -> None:
    """Raise Unavailable naming the first dotted attribute of `module` that is missing,
    e.g. require(numbatorch, "nn.functional.conv2d")."""
    for dotted in names:
        obj = module
        for part in dotted.split("."):
            try:
                obj = getattr(obj, part)
            except AttributeError:
                if hasattr(obj, "__path__"):  # a package whose submodule is not imported yet
                    try:
                        obj = __import__(f"{obj.__name__}.{part}", fromlist=["_"])
                        continue
                    except ImportError:
                        pass
                raise Unavailable(f"{module.__name__}.{dotted} does not exist yet") from None


@dataclass
class Case:
    """One piece of work timed through several implementations. `impls` maps an
    implementation name to a builder: a function that prepares the inputs (untimed) and
    returns the zero-argument callable that is timed. `work` is the bytes moved (GB/s)
    or the flops (GFLOP/s) of one call."""

    name: str
    size: str
    metric: str
    impls: dict[str, Callable[[], Callable[[], object]]]
    work: float = 0.0
    size_value: float = 0.0  # the size as a number, for the plot's x axis
    # replaces the timing loop (the compile group): impl -> (Timing.measured(...), note)
    measure: Callable | None = None


@dataclass
class Result:
    group: str
    name: str
    size: str
    dtype: str
    device: str
    impl: str
    median_s: float
    iqr_s: float
    min_s: float
    max_s: float
    compile_s: float | None  # first call minus the median: JIT compile or cache load
    repeats: int  # timed samples
    inner: int  # calls per sample (fast calls are timed in batches)
    metric: str
    metric_value: float
    size_value: float = 0.0
    ratio_vs: dict = field(default_factory=dict)
    note: str = ""


@dataclass
class Skipped:
    group: str
    name: str
    size: str
    impl: str
    reason: str  # "unavailable: ..." for a missing API, "error: ..." for a failure


class Context:
    """The options of a run and the libraries it compares, handed to every group."""

    def __init__(self, options):
        self.options = options
        self.device = options.device
        self.dtype = options.dtype
        self.np_dtype = np.dtype(options.dtype)
        import numbatorch

        self.numbatorch = numbatorch
        self.torch = _import_torch() if "torch" in options.compare else None
        self.torch_in_subprocess = False
        self.fight = None  # the thread-fight probe's slowdown, when it ran
        self.blas_limits = None  # threadpoolctl's hold on numpy's BLAS threads
        self.malloc_keeps_freed = False  # set by `keep_freed_memory`

    # --- sizes -----------------------------------------------------------------------
    def sizes(self, presets: dict) -> list:
        """The sizes of a group for --sizes: a preset name, or (for groups whose presets
        are plain numbers) the user's comma list."""
        if self.options.sizes in presets:
            return presets[self.options.sizes]
        numbers = parse_size_list(self.options.sizes)
        if all(isinstance(v, int) for v in presets["default"]):
            return numbers
        return presets["default"]

    # --- data --------------------------------------------------------------------------
    def random(self, *shape: int, seed: int = 0) -> np.ndarray:
        return np.random.default_rng(seed).standard_normal(shape, dtype=self.np_dtype)

    def ours(self, array: np.ndarray, requires_grad: bool = False):
        tensor = self.numbatorch.from_numpy(array.copy())
        if self.device != "cpu":
            tensor = tensor.to(self.device)
        return tensor.requires_grad_() if requires_grad else tensor

    def need_torch(self):
        if self.torch is None:
            raise Unavailable("torch is not installed")
        return self.torch

    def theirs(self, array: np.ndarray, requires_grad: bool = False):
        tensor = self.need_torch().from_numpy(array.copy()).to(self.device)
        return tensor.requires_grad_() if requires_grad else tensor

    def numpy_array(self, array: np.ndarray) -> np.ndarray:
        if self.device != "cpu":
            raise Unavailable("numpy runs on the CPU only")
        return array.copy()

    @property
    def kernels(self):
        """The backend module of kernel launchers for the device (numbatorch.kernels.cpu
        or .cuda); its arrays come from `kernels.from_host`."""
        from numbatorch._device import device
        from numbatorch._dispatch import backend

        return backend(device(self.device))

    def kernel(self, name: str, module: str):
        """A launcher exported by the backend, or found in its `module` file."""
        kernels = self.kernels
        if hasattr(kernels, name):
            return getattr(kernels, name)
        try:
            family = __import__(f"{kernels.__name__}.{module}", fromlist=["_"])
        except ImportError:
            family = None
        if family is None or not hasattr(family, name):
            raise Unavailable(f"{kernels.__name__} has no {name} kernel yet")
        return getattr(family, name)

    def sync(self) -> Callable[[], None] | None:
        """What makes a CUDA call's time include its kernels (None on the CPU)."""
        if self.device == "cpu":
            return None
        from numba import cuda

        torch = self.torch

        def synchronize():
            cuda.synchronize()
            if torch is not None and torch.cuda.is_available():
                torch.cuda.synchronize()

        return synchronize


def parse_size_list(text: str) -> list[int]:
    """'1K,64K,1M' -> [1024, 65536, 1048576]; plain integers as they are."""
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    sizes = []
    for item in text.split(","):
        item = item.strip().upper()
        if not item:
            continue
        try:
            sizes.append(int(item[:-1]) * scale[item[-1]] if item[-1] in scale else int(item))
        except (ValueError, KeyError):
            raise SystemExit(f"--sizes: {item!r} is neither a preset nor a size") from None
    return sizes


def size_label(n: int) -> str:
    for suffix, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{suffix}"
    return str(n)


def _import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# --- timing --------------------------------------------------------------------------------


class Timing:
    """One implementation of a case being timed. `prepare` makes the first call alone (it
    compiles or loads the kernels) and untimed warm-up calls, and picks `inner`, the calls
    per sample, so that the samples together last about `min_time` however fast one call
    is; `sample` then times one batch. Without an explicit --repeat, slow calls get fewer
    samples (at least 5, about 2 s in all)."""

    def __init__(self, fn: Callable, sync: Callable | None):
        self.fn = fn
        self.sync = sync
        self.samples: list[float] = []
        self.first = self.inner = self.wanted = 0

    def batch(self, calls: int) -> float:
        """Seconds per call over `calls` calls."""
        start = time.perf_counter()
        for _ in range(calls):
            self.fn()
            if self.sync is not None:
                self.sync()
        return (time.perf_counter() - start) / calls

    def prepare(self, repeat: int, min_time: float, explicit_repeat: bool) -> None:
        gc.collect()
        self.first = self.batch(1)
        warm_up = min(0.05, min_time / 4)
        calls, start = 0, time.perf_counter()
        while calls < 2 or (time.perf_counter() - start < warm_up and calls < 1000):
            self.batch(1)
            calls += 1
        per_call = max((time.perf_counter() - start) / calls, 1e-9)
        self.wanted = repeat if explicit_repeat else min(repeat, max(5, math.ceil(2 / per_call)))
        self.inner = max(1, int(min_time / self.wanted / per_call))

    def sample(self) -> None:
        self.samples.append(self.batch(self.inner))

    def warm(self, seconds: float) -> None:
        """Untimed calls for about `seconds` (at least one)."""
        end = time.perf_counter() + seconds
        self.batch(1)
        while time.perf_counter() < end:
            self.batch(1)

    @classmethod
    def measured(cls, seconds: float) -> Timing:
        """One measurement taken elsewhere (the wall time of a subprocess)."""
        timing = cls(lambda: None, None)
        timing.samples, timing.inner, timing.wanted = [seconds], 1, 1
        return timing

    @property
    def done(self) -> bool:
        return len(self.samples) >= self.wanted


def summarize(samples: list[float]) -> tuple[float, float]:
    """Median and interquartile range."""
    if len(samples) < 2:
        return samples[0], 0.0
    q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return statistics.median(samples), q3 - q1


def metric_value(metric: str, work: float, seconds: float) -> float:
    if metric in ("GB/s", "GFLOP/s"):
        return work / seconds / 1e9
    if metric == "images/s":
        return work / seconds
    if metric == "us/call":
        return seconds * 1e6
    if metric == "ms/step":
        return seconds * 1e3
    return seconds


class Progress:
    """One status line per timed implementation on stderr, so a long compile shows what
    it is compiling."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str) -> None:
        if self.enabled:
            print(text, file=sys.stderr, flush=True)


def run_cases(ctx: Context, group: str, cases: list[Case], impls, progress: Progress):
    """Time every selected implementation of every case; returns (results, skipped).
    The samples of a case's implementations are taken in turn (ours, numpy, torch, ours,
    ...), so that a burst of load from other processes slows all of them alike and their
    ratios stay fair."""
    options = ctx.options
    results, skipped = [], []
    sync = ctx.sync()
    for number, case in enumerate(cases, 1):
        names = [impl for impl in IMPLS if impl in case.impls and impl in impls]
        timings, notes = {}, {}
        for impl in names:
            # only numbatorch's implementations have Numba kernels to compile or load
            first = "first call (warm-up)" if impl in REFERENCES else (
                "first call (compiles or loads kernels)")  # fmt: skip
            progress(f"[{group} {number}/{len(cases)}] {case.name} {case.size} {ctx.dtype} "
                     f"{impl}: {first}...")  # fmt: skip
            try:
                if case.measure is not None:  # measured in its own way (compile group)
                    timings[impl], notes[impl] = case.measure(impl)
                else:
                    timing = Timing(case.impls[impl](), sync)
                    timing.prepare(options.repeat, options.min_time, options.explicit_repeat)
                    timings[impl] = timing
            except Exception as error:
                skipped.append(Skipped(group, case.name, case.size, impl, _reason(error)))
        if case.measure is None:
            timings = _sample_in_turn(timings, group, case, skipped)
        for impl, timing in timings.items():
            median, iqr = summarize(timing.samples)
            compile_s = None if case.measure is not None else max(timing.first - median, 0.0)
            results.append(Result(
                group, case.name, case.size, ctx.dtype, ctx.device, impl, median, iqr,
                min(timing.samples), max(timing.samples), compile_s, len(timing.samples),
                timing.inner, case.metric, metric_value(case.metric, case.work, median),
                case.size_value, note=notes.get(impl, ""),
            ))  # fmt: skip
    return results, skipped


def _sample_in_turn(timings: dict, group: str, case: Case, skipped: list) -> dict:
    """Take one sample of each unfinished implementation per round until all are done;
    an implementation that raises is dropped with its error."""
    gc_was_enabled = gc.isenabled()
    gc.disable()
    previous = None
    try:
        while not all(t.done for t in timings.values()):
            for impl, timing in list(timings.items()):
                if timing.done:
                    continue
                try:
                    if previous not in (None, impl):
                        time.sleep(SETTLE_S)  # until the other one's threads sleep
                        timing.warm(WARM_S)  # and this one's caches and threads are warm
                    previous = impl
                    timing.sample()
                except Exception as error:
                    skipped.append(Skipped(group, case.name, case.size, impl, _reason(error)))
                    del timings[impl]
    finally:
        if gc_was_enabled:
            gc.enable()
    return timings


def _reason(error: Exception) -> str:
    """`unavailable: ...` for a missing API; `error: ...` for a present one that fails."""
    if isinstance(error, Unavailable):
        return f"unavailable: {error}"
    return f"error: {type(error).__name__}: {error}".splitlines()[0][:300]


def add_ratios(results: list[Result]) -> None:
    """ratio_vs[ref] = our speed / the reference's speed (= its time / ours), so > 1 means
    ours is faster, whatever the metric."""
    by_case: dict[tuple, dict[str, Result]] = {}
    for r in results:
        by_case.setdefault((r.group, r.name, r.size, r.dtype, r.device), {})[r.impl] = r
    for rows in by_case.values():
        for impl, row in rows.items():
            if impl in REFERENCES:
                continue
            row.ratio_vs = {ref: rows[ref].median_s / row.median_s for ref in REFERENCES
                            if ref in rows and row.median_s > 0}  # fmt: skip


# --- threads -------------------------------------------------------------------------------


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# glibc's malloc gives freed memory back to the OS by its own thresholds, which adapt to
# the program's pattern. Two libraries in one process upset them: after PyTorch's LeNet
# step ran, each of ours page-faulted 1000-1800 times and took 10.5-11.4 ms instead of 4.8-6.3 (same
# run, 0.15 s pauses, PyTorch itself 3.9-4.8 ms either way). The bench keeps freed memory
# for the whole process, for every implementation alike; numbatorch alone does not need it.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
KEEP_FREED_BYTES = 1 << 30


def keep_freed_memory() -> bool:
    """Make glibc keep freed blocks up to KEEP_FREED_BYTES for reuse (no trimming of the
    heap, no mmap per large array). False where the C library is not glibc."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, KEEP_FREED_BYTES)) and bool(
        mallopt(_M_MMAP_THRESHOLD, KEEP_FREED_BYTES)
    )


def set_threads(ctx: Context, threads: int) -> int:
    """Give Numba, PyTorch and numpy's BLAS the same thread count; returns it."""
    import numba

    threads = max(1, min(threads, numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(threads)
    if ctx.torch is not None:
        ctx.torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        ctx.blas_limits = threadpool_limits(threads, user_api="blas")
    return threads


def warm_thread_pool() -> None:
    """Run one parallel kernel, so the threading layer is chosen and can be reported."""
    from numbatorch.kernels.common.elementwise import ADD
    from numbatorch.kernels.cpu import binary

    x = np.ones(1 << 17, np.float32)
    binary(ADD, x, x, np.empty_like(x))


def thread_fight(torch) -> float:
    """How much slower a 256^2 torch matmul and a parallel numbatorch add run when they
    alternate than when each runs alone: two OpenMP pools spinning for the same cores
    (docs/NUMBA_NOTES.md). Returns the worse of the two slowdowns."""
    from numbatorch.kernels.common.elementwise import ADD
    from numbatorch.kernels.cpu import binary

    x = np.ones(1 << 17, np.float32)
    out = np.empty_like(x)
    m = torch.ones(256, 256)

    def ours():
        binary(ADD, x, x, out)

    def theirs():
        torch.mm(m, m)

    def timed(fn, before=None, runs=40):
        times = []
        for _ in range(runs):
            if before is not None:
                before()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    timed(ours, runs=3), timed(theirs, runs=3)
    return max(timed(theirs, ours) / timed(theirs), timed(ours, theirs) / timed(ours))


def torch_in_subprocess(ctx: Context, groups: list[str], progress: Progress):
    """Time the torch implementations of `groups` in a child process that never starts
    Numba's pool; returns its (results, skipped)."""
    options = ctx.options
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "torch.json")
        command = [sys.executable, "-m", "numbatorch.bench", *groups, "--impl", "torch",
                   "--no-table", "--torch-subprocess", "never", "--json", path,
                   "--device", options.device, "--dtype", options.dtype, "--sizes",
                   options.sizes, "--threads", str(options.threads), "--min-time",
                   str(options.min_time)]  # fmt: skip
        if options.explicit_repeat:
            command += ["--repeat", str(options.repeat)]
        if not progress.enabled:
            command.append("--quiet")
        done = subprocess.run(command, check=False)
        if done.returncode not in (0, 1) or not os.path.exists(path):
            return [], [Skipped(g, "*", "*", "torch", "error: torch subprocess failed")
                        for g in groups]  # fmt: skip
        with open(path) as f:
            data = json.load(f)
    results = [Result(**{**c, "note": "subprocess"}) for c in data["cases"]]
    return results, [Skipped(**s) for s in data["skipped"]]


# --- the machine line ------------------------------------------------------------------------


def machine_info(ctx: Context) -> dict:
    import llvmlite
    import numba

    info = {
        "cpu": _cpu_model(),
        "cpu_flags": [f for f in ("avx2", "avx512f", "avx512_bf16") if f in _cpu_flags()],
        "cores": available_cores(),
        "python": platform.python_version(),
        "numba": numba.__version__,
        "numba_threads": numba.get_num_threads(),
        "threading_layer": _threading_layer(),
        "numpy": np.__version__,
        "llvmlite": llvmlite.__version__,
        "blas": _blas(),
        "torch": None,
        "torch_threads": None,
        "torch_timing": None,
        "gpu": _gpu_name(),
        "kernels": _kernel_target(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "malloc_keeps_freed": ctx.malloc_keeps_freed,
        "env": {
            name: os.environ.get(name)
            for name in (
                "OPENBLAS_CORETYPE",
                "OPENBLAS_L2_SIZE",
                "GOMP_SPINCOUNT",
                "OMP_NUM_THREADS",
                "NUMBA_NUM_THREADS",
                "NUMBA_CACHE_DIR",
            )
        },  # fmt: skip
    }
    if ctx.torch is not None:
        info["torch"] = ctx.torch.__version__
        info["torch_threads"] = ctx.torch.get_num_threads()
        info["torch_timing"] = "subprocess" if ctx.torch_in_subprocess else "in-process"
        info["thread_fight"] = ctx.fight
    return info


def machine_line(info: dict) -> str:
    env = info["env"]
    blas = "; ".join(info["blas"]) or "unknown"
    torch = "not installed (pip install torch to compare)"
    if info["torch"]:
        torch = f"{info['torch']} ({info['torch_threads']} threads, timed {info['torch_timing']}"
        if info.get("thread_fight"):
            torch += f", thread-fight probe {info['thread_fight']:.1f}x"
        torch += ")"
    openblas = [f"{k}={env[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if env[k]]
    lines = [
        f"machine: {info['cpu']} [{' '.join(info['cpu_flags'])}], {info['cores']} cores, "
        f"Python {info['python']}",
        f"  numba {info['numba']} ({info['numba_threads']} threads, "
        f"{info['threading_layer']} layer), llvmlite {info['llvmlite']}, numpy {info['numpy']}",
        f"  kernels: {info['kernels']}",
        f"  BLAS: {blas}",
        f"  torch: {torch}; GPU: {info['gpu'] or 'none'}",
        "  malloc: "
        + (
            "freed memory kept for reuse (glibc thresholds 1 GiB, all implementations)"
            if info.get("malloc_keeps_freed")
            else "default thresholds"
        ),  # fmt: skip
        f"  load average {info['load_average']:.1f} on {info['cores']} cores"
        + (
            " (busy: parallel kernels suffer most; compare within one run)"
            if info["load_average"] > 0.5 * info["cores"]
            else ""
        ),
        "  OPENBLAS env: "
        + (
            " ".join(openblas) + " set (numpy's BLAS is slowed; compare "
            "`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`)"
            if openblas
            else "not set"
        ),  # fmt: skip
    ]
    return "\n".join(lines)


def _kernel_target() -> str:
    """What the CPU kernels are compiled for and the GEMM shape chosen for it."""
    from numbatorch.kernels.cpu import isa, matmul

    forced = " (NUMBA_CPU_NAME)" if os.environ.get("NUMBA_CPU_NAME") else ""
    features = os.environ.get("NUMBA_CPU_FEATURES")
    if features is not None and features == _config.wide_vector_features():
        forced += ", 512-bit loops"
    elif features is not None:
        forced += f" with {'its own features' if not features else 'NUMBA_CPU_FEATURES'}"
    return (
        f"compiled for {isa.target_cpu()}{forced}, {isa.ISA} variant: GEMM register tile "
        f"{matmul.MR} rows x {matmul.TILE_BYTES} bytes, KC {matmul.KC}, MC/NC {matmul.MC}"
    )


def _cpuinfo() -> dict:
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return fields


def _cpu_model() -> str:
    return _cpuinfo().get("model name") or platform.processor() or platform.machine()


def _cpu_flags() -> set:
    return set(_cpuinfo().get("flags", "").split())


def _threading_layer() -> str:
    import numba

    try:
        return numba.threading_layer()
    except ValueError:  # no parallel kernel has run in this process
        return f"{numba.config.THREADING_LAYER}, not started"


def _blas() -> list[str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        config = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
        return [f"numpy: {config.get('name', '?')} {config.get('version', '')}".strip()]
    described = []
    for pool in threadpool_info():
        if pool.get("user_api") != "blas":
            continue
        # the package that ships the library: site-packages/numpy.libs/... -> numpy
        path = pool.get("filepath", "")
        owner = path.split("site-packages/")[-1].split("/")[0].removesuffix(".libs")
        described.append(
            f"{owner}: {pool.get('internal_api')} {pool.get('version')} "
            f"{pool.get('architecture') or ''} {pool.get('num_threads')} threads"
        )
    return described


def _gpu_name() -> str | None:
    from numbatorch import cuda

    if not cuda.is_available():
        return None
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return "CUDA simulator"
    return cuda.get_device_name()


# --- output --------------------------------------------------------------------------------


def format_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def format_table(group: str, results: list[Result], skipped: list[Skipped]) -> str:
    """An aligned table of one group's results: one block of rows per case."""
    if not results and not skipped:
        return ""
    metric = results[0].metric if results else ""
    better = "higher" if METRICS.get(metric, True) else "lower"
    header = (f"== {group}" + (f" — {metric}, {better} is better" if metric else "")
              + "; vs X = our speed / X's speed (>1: ours faster)")  # fmt: skip
    columns = ("case", "size", "impl", "median", "IQR", "min", "first call", metric or "metric",
               "vs numpy", "vs torch", "note")  # fmt: skip
    rows, last = [], None
    order = {impl: i for i, impl in enumerate(IMPLS)}
    for r in sorted(results, key=lambda r: (_case_order(results, r), order[r.impl])):
        key = (r.name, r.size)
        rows.append((
            r.name if key != last else "", r.size if key != last else "", r.impl,
            format_time(r.median_s),
            f"±{100 * r.iqr_s / r.median_s:.0f}%" if r.median_s and r.repeats > 1 else "",
            format_time(r.min_s) if r.repeats > 1 else "",
            "" if r.compile_s is None else format_time(r.compile_s),
            f"{r.metric_value:.4g}",
            f"{r.ratio_vs['numpy']:.2f}x" if "numpy" in r.ratio_vs else "",
            f"{r.ratio_vs['torch']:.2f}x" if "torch" in r.ratio_vs else "",
            r.note,
        ))  # fmt: skip
        last = key
    widths = [max(len(str(c)) for c in column) for column in zip(columns, *rows)]
    lines = [header, "  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
    for s in skipped:
        lines.append(f"  {s.name} {s.size} {s.impl}: {s.reason}")
    return "\n".join(lines)


def _case_order(results: list[Result], row: Result) -> int:
    """Cases keep the order in which they were first timed."""
    for i, r in enumerate(results):
        if (r.name, r.size) == (row.name, row.size):
            return i
    return len(results)


def write_json(path: str, info: dict, options: dict, results, skipped) -> None:
    data = {
        "machine": info,
        "options": options,
        "cases": [asdict(r) for r in results],
        "skipped": [asdict(s) for s in skipped],
    }
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def plot(path: str, results: list[Result]) -> str:
    """Draw the size sweeps (matmul GFLOP/s, elementwise GB/s vs size) into `path`;
    returns a message saying what was done."""
    try:
        import matplotlib
    except ImportError:
        return "--plot: matplotlib is not installed (pip install matplotlib); no plot drawn"
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("matmul", "gemm")] + [("elementwise", op) for op in ("add", "mul", "exp", "relu")]
    panels = [(g, n) for g, n in panels if any(r.group == g and r.name == n for r in results)]
    if not panels:
        return "--plot: no matmul or elementwise size sweep in this run; no plot drawn"
    columns = min(3, len(panels))
    rows_of_panels = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows_of_panels, columns, figsize=(4.5 * columns,
                                3.6 * rows_of_panels), squeeze=False)  # fmt: skip
    for ax in axes.flat[len(panels) :]:
        ax.set_visible(False)
    for ax, (group, name) in zip(axes.flat, panels):
        rows = [r for r in results if r.group == group and r.name == name]
        for impl in IMPLS:
            points = sorted((r.size_value, r.metric_value) for r in rows if r.impl == impl)
            if points:
                ax.plot(*zip(*points), marker="o", label=impl)
        ax.set_xscale("log", base=2)
        ax.set_title(f"{group}: {name}")
        ax.set_xlabel("n (square)" if group == "matmul" else "elements")
        ax.set_ylabel(rows[0].metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return f"plot written to {path}"
