"""Test-suite setup: CUDA kernels run in Numba's simulator unless NUMBATORCH_REAL_GPU=1,
a `device` fixture runs a test on the CPU and, where available, on CUDA, and the summary
says why tests were skipped and how many kernel signatures were compiled at what cost."""

import os
import time
from collections import Counter

if os.environ.get("NUMBATORCH_REAL_GPU") != "1":
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
if "NUMBA_OPT" not in os.environ:
    # A cold test run is mostly compiling, and the kernels' speed does not matter to it:
    # LLVM at -O1 (which still vectorises loops) compiles a LeNet step's 28 kernels in
    # ~22% less CPU than the default -O3. Numba's cache index does not record the level,
    # so these kernels go to a folder of their own (numbatorch/_cache.py names the default
    # one numba-opt1); the xdist workers and the programs the tests start inherit both.
    # NUMBA_OPT=3 python -m pytest tests the kernels as users run them.
    os.environ["NUMBA_OPT"] = "1"
    if os.environ.get("NUMBA_CACHE_DIR"):
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(os.environ["NUMBA_CACHE_DIR"], "opt1")
# pytest captures the compile progress per test, and its last line would land after the
# summary; the suite's own progress is pytest's (test_jit_notice.py checks the progress)
os.environ.setdefault("NUMBATORCH_QUIET", "1")
if os.environ.get("PYTEST_XDIST_WORKER"):
    # several test processes share the cores: OpenMP workers that spin between kernels
    # (numbatorch's default, see numbatorch/_config.py) would take them from each other
    os.environ.setdefault("GOMP_SPINCOUNT", "0")

import pytest  # noqa: E402
from numba.core import event  # noqa: E402

import numbatorch  # noqa: E402

pytest_plugins = ["pytester"]  # test_conftest.py runs the summary hook in an inner session


def _devices():
    devices = ["cpu"]
    if numbatorch.cuda.is_available():
        devices.append("cuda")
    return devices


@pytest.fixture(params=_devices())
def device(request):
    return request.param


@pytest.fixture(autouse=True)
def _seed():
    numbatorch.manual_seed(0)


class CompileCount(event.Listener):
    """This process's outermost Numba compiles (a kernel compiles the functions it calls
    inside its own event) and the CPU seconds they took: a cold run is mostly these.
    With NUMBATORCH_COMPILE_REPORT set, each compile is also recorded against the test
    that ran it, as (CPU s, kernel, argument types)."""

    def __init__(self) -> None:
        self.depth = self.count = 0
        self.cpu_s = self.started = 0.0
        self.kernel = self.arguments = ""
        self.current: list[tuple[float, str, str]] | None = None

    def on_start(self, compile_event) -> None:
        if self.depth == 0:
            self.started = time.process_time()
            if self.current is not None:
                function = compile_event.data["dispatcher"].py_func
                self.kernel = f"{function.__module__}.{function.__qualname__}"
                self.arguments = ", ".join(map(str, compile_event.data["args"]))
        self.depth += 1

    def on_end(self, compile_event) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.count += 1
            seconds = time.process_time() - self.started
            self.cpu_s += seconds
            if self.current is not None:
                self.current.append((seconds, self.kernel, self.arguments))


COMPILES = CompileCount()
event.register("numba:compile", COMPILES)
_worker_compiles: dict[str, tuple[int, float]] = {}  # xdist worker id -> (count, CPU s)
# NUMBATORCH_COMPILE_REPORT=N: the summary lists the N tests whose kernels took the most
# compile CPU, with the signatures each compiled first; those are where a cold run's time
# goes, and a signature only one test compiles is a candidate for a dtype or layout that
# other tests compile anyway.
_REPORT_LINES = int(os.environ.get("NUMBATORCH_COMPILE_REPORT") or 0)
_test_compiles: dict[str, list] = {}  # test id -> [(CPU s, kernel, argument types)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item):
    if not _REPORT_LINES:
        return (yield)
    COMPILES.current = _test_compiles.setdefault(item.nodeid, [])
    try:
        return (yield)
    finally:
        COMPILES.current = None


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints the totals
        workeroutput["compiles"] = (COMPILES.count, COMPILES.cpu_s)
        workeroutput["test_compiles"] = {k: v for k, v in _test_compiles.items() if v}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    if "compiles" in getattr(node, "workeroutput", {}):
        _worker_compiles[node.gateway.id] = tuple(node.workeroutput["compiles"])
        _test_compiles.update(node.workeroutput.get("test_compiles", {}))


def skip_reasons(reports) -> Counter:
    """Skip reasons and how many tests each skipped. A skip's longrepr is (path, line,
    "Skipped: reason")."""
    return Counter(str(report.longrepr[2]).removeprefix("Skipped: ") for report in reports)


def pytest_terminal_summary(terminalreporter):
    # Most skips are by design (the CUDA simulator runs part of the op table; PyTorch is an
    # optional oracle): one line per reason shows that without `-rs`'s line per test site.
    reasons = skip_reasons(terminalreporter.stats.get("skipped", []))
    if reasons:
        terminalreporter.section("skipped tests, by reason")
        for reason, count in reasons.most_common():
            terminalreporter.line(f"{count:6d}  {reason}")
    processes = _worker_compiles or {"this process": (COMPILES.count, COMPILES.cpu_s)}
    count = sum(n for n, _ in processes.values())
    cpu_s = sum(s for _, s in processes.values())
    signatures = "signature" if count == 1 else "signatures"
    terminalreporter.line(
        f"numba compiled {count} kernel {signatures} in {cpu_s:.1f} s of CPU "
        f"({len(processes)} process{'es' if len(processes) > 1 else ''})"
    )
    if _REPORT_LINES:
        _report_compiles_per_test(terminalreporter)


def _report_compiles_per_test(terminalreporter) -> None:
    terminalreporter.section("kernel compile CPU by test (NUMBATORCH_COMPILE_REPORT)")
    totals = {test: sum(s for s, *_ in records) for test, records in _test_compiles.items()}
    for test in sorted((t for t in totals if totals[t]), key=totals.get, reverse=True)[
        :_REPORT_LINES
    ]:
        terminalreporter.line(f"{totals[test]:7.2f} s  {test}")
        for seconds, kernel, arguments in sorted(_test_compiles[test], reverse=True):
            terminalreporter.line(f"    {seconds:6.2f}  {kernel}({arguments})")
