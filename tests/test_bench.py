"""The bench runs: a tiny run of every group completes and writes the documented JSON.
No timing is asserted (docs/ARCHITECTURE.md: speed is measured by the bench, never by a test)."""

import json
import os
import re

import pytest
from numbatorch.bench import harness
from numbatorch.bench.__main__ import main
from numbatorch.bench.groups import GROUPS

CASE_FIELDS = {
    "group", "name", "size", "dtype", "device", "impl", "median_s", "iqr_s", "min_s", "max_s",
    "compile_s", "repeats", "inner", "metric", "metric_value", "size_value", "ratio_vs", "note",
}  # fmt: skip
MACHINE_FIELDS = {"cpu", "cores", "numba", "numba_threads", "threading_layer", "numpy",
                  "llvmlite", "blas", "torch", "gpu", "env"}  # fmt: skip


def run_tiny(group, tmp_path, monkeypatch):
    # The harness pauses before each switch between implementations and collects garbage
    # before each one's first call, so that they are timed alike; a test times nothing,
    # and those pauses and collections (in a process holding the whole suite's objects)
    # were most of a tiny run's time
    monkeypatch.setattr(harness, "SETTLE_S", 0.0)
    monkeypatch.setattr(harness, "WARM_S", 0.0)
    monkeypatch.setattr(harness.gc, "collect", lambda: 0)
    path = tmp_path / "bench.json"
    status = main([group, "--sizes", "tiny", "--repeat", "2", "--min-time", "0.005",
                   "--device", "cpu", "--json", str(path), "--quiet"])  # fmt: skip
    return status, json.loads(path.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("group", GROUPS)
def test_tiny_run_of_group_completes_with_documented_json(group, tmp_path, capsys, monkeypatch):
    status, data = run_tiny(group, tmp_path, monkeypatch)
    failures = [s for s in data["skipped"] if s["reason"].startswith("error")]
    assert status == 0, f"implementations failed: {failures}"
    ours = [c for c in data["cases"] if c["impl"] not in harness.REFERENCES]
    if not ours:
        reasons = sorted({s["reason"] for s in data["skipped"]})
        pytest.skip(f"{group}: nothing of ours to time yet: {'; '.join(reasons)}")
    assert MACHINE_FIELDS <= set(data["machine"])
    for case in data["cases"]:
        assert set(case) == CASE_FIELDS
        assert case["group"] == group and case["dtype"] == "float32"
        assert case["median_s"] > 0 and case["metric_value"] > 0
        assert set(case["ratio_vs"]) <= set(harness.REFERENCES)
    table = capsys.readouterr().out
    assert f"== {group}" in table
    if group == "compile":  # a cold child compiles kernels; a warm one loads every one
        compiled = {c["size"]: re.search(r"(\d+) kernels compiled", c["note"]) for c in ours}
        assert int(compiled["cold cache"][1]) > 0 and int(compiled["warm cache"][1]) == 0


def test_missing_api_is_reported_as_unavailable_not_raised():
    def build():
        harness.require(pytest, "no_such_module.function")

    case = harness.Case("probe", "1", "us/call", {"ours": build})
    ctx = type("Ctx", (), {"options": None, "dtype": "float32", "device": "cpu",
                           "sync": lambda self: None})()  # fmt: skip
    results, skipped = harness.run_cases(ctx, "probe", [case], ["ours"], harness.Progress(False))
    assert results == []
    assert skipped[0].reason == "unavailable: pytest.no_such_module.function does not exist yet"


def test_progress_says_compile_only_for_our_implementations(capsys):
    def build():
        harness.require(pytest, "no_such_module.function")

    case = harness.Case("probe", "1", "us/call", {"ours": build, "numpy": build})
    ctx = type("Ctx", (), {"options": None, "dtype": "float32", "device": "cpu",
                           "sync": lambda self: None})()  # fmt: skip
    harness.run_cases(ctx, "probe", [case], ["ours", "numpy"], harness.Progress(True))
    ours, numpy = capsys.readouterr().err.splitlines()
    assert ours.endswith("ours: first call (compiles or loads kernels)...")
    assert numpy.endswith("numpy: first call (warm-up)...")


def test_ratio_is_our_speed_over_the_reference_speed():
    def row(impl, seconds):
        return harness.Result("g", "c", "1", "float32", "cpu", impl, seconds, 0, seconds,
                              seconds, None, 1, 1, "GB/s", 1 / seconds)  # fmt: skip

    ours, numpy = row("ours", 2.0), row("numpy", 1.0)
    harness.add_ratios([ours, numpy])
    assert ours.ratio_vs == {"numpy": 0.5}
    assert numpy.ratio_vs == {}


def test_size_list_accepts_suffixes():
    assert harness.parse_size_list("1K,64K,1M,100") == [1024, 65536, 1 << 20, 100]


def test_sample_after_another_implementation_follows_warm_up_calls(monkeypatch):
    monkeypatch.setattr(harness, "SETTLE_S", 0.0)
    monkeypatch.setattr(harness, "WARM_S", 0.0)
    calls = []
    timings = {}
    for impl in ("ours", "numpy"):
        timings[impl] = harness.Timing(lambda impl=impl: calls.append(impl), None)
        timings[impl].inner, timings[impl].wanted = 2, 2
    harness._sample_in_turn(timings, "g", harness.Case("c", "1", "us/call", {}), [])
    # ours's first sample follows nothing; every later switch makes one untimed call first
    assert calls == ["ours"] * 2 + ["numpy"] * 3 + ["ours"] * 3 + ["numpy"] * 3
    assert [len(t.samples) for t in timings.values()] == [2, 2]


class _Restarted(Exception):
    pass


def test_cpu_option_restarts_for_that_cpu_and_its_own_features(monkeypatch):
    # Numba keeps the host's features when only NUMBA_CPU_NAME is set: `--cpu haswell` on an
    # AVX-512 host would time AVX-512 code; an empty NUMBA_CPU_FEATURES gives Haswell's own
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CPU")}
    monkeypatch.setattr(os, "environ", environ)

    def execv(path, argv):
        raise _Restarted(argv)

    monkeypatch.setattr(os, "execv", execv)
    with pytest.raises(_Restarted) as restart:
        main(["matmul", "--cpu", "haswell", "--quiet"])
    assert restart.value.args[0][-4:] == ["matmul", "--cpu", "haswell", "--quiet"]
    assert environ["NUMBA_CPU_NAME"] == "haswell" and environ["NUMBA_CPU_FEATURES"] == ""
