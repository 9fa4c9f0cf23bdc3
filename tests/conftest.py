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
    inside its own event) and the CPU seconds they took: a cold run is mostly these."""

    def __init__(self) -> None:
        self.depth = self.count = 0
        self.cpu_s = self.started = 0.0

    def on_start(self, data) -> None:
        if self.depth == 0:
            self.started = time.process_time()
        self.depth += 1

    def on_end(self, data) -> None:
        self.depth -= 1
        if self.depth == 0:
            self.count += 1
            self.cpu_s += time.process_time() - self.started


COMPILES = CompileCount()
event.register("numba:compile", COMPILES)
_worker_compiles: dict[str, tuple[int, float]] = {}  # xdist worker id -> (count, CPU s)


def pytest_sessionfinish(session):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints the totals
        workeroutput["compiles"] = (COMPILES.count, COMPILES.cpu_s)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    if "compiles" in getattr(node, "workeroutput", {}):
        _worker_compiles[node.gateway.id] = tuple(node.workeroutput["compiles"])


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
