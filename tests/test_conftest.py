"""The suite's own summary: skipped tests are counted by reason, in an inner pytest session
that uses this conftest."""

import pathlib

from numba import njit

# Numba imports its registries and boxing code on a process's first compile. pytester drops
# the modules an inner session imported when it ends, and a re-import registers their types
# twice: every later compile in this process failed with "duplicate registration for ...".
# Compiled once here, as the inner sessions compile, those modules predate them and stay.
njit(lambda x: x + 1)(1)

CONFTEST = pathlib.Path(__file__).with_name("conftest.py")


def test_summary_counts_skipped_tests_by_reason(pytester):
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(3))
        def test_skips_inside(n):
            pytest.skip("reason A")

        @pytest.mark.skip(reason="reason B")
        def test_skipped_by_marker():
            pass

        def test_runs():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, skipped=4)
    result.stdout.fnmatch_lines(
        ["*skipped tests, by reason*", "     3  reason A", "     1  reason B"]
    )


def test_summary_is_silent_without_skips(pytester):
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile("def test_runs():\n    pass\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*by reason*")


def test_summary_counts_the_kernels_numba_compiled(pytester):
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(
        """
        from numba import njit

        def test_compiles_two_signatures():
            increment = njit(lambda x: x + 1)
            assert increment(1) == 2 and increment(1.5) == 2.5
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["numba compiled 2 kernel signatures in * s of CPU (1 process)"])


def test_compile_report_lists_each_tests_signatures_when_asked(pytester, monkeypatch):
    monkeypatch.setenv("NUMBATORCH_COMPILE_REPORT", "5")
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile(
        """
        from numba import njit

        def test_compiles_two_signatures():
            increment = njit(lambda x: x + 1)
            assert increment(1) == 2 and increment(1.5) == 2.5

        def test_compiles_nothing():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "*kernel compile CPU by test (NUMBATORCH_COMPILE_REPORT)*",
            "* s  test_compile_report_*.py::test_compiles_two_signatures",
            "*  test_compile_report_*.<lambda>(*)",
            "*  test_compile_report_*.<lambda>(*)",
        ]
    )
    result.stdout.no_fnmatch_line("*::test_compiles_nothing")
    assert "int64" in result.stdout.str() and "float64" in result.stdout.str()


def test_compile_report_is_off_by_default(pytester, monkeypatch):
    monkeypatch.delenv("NUMBATORCH_COMPILE_REPORT", raising=False)
    pytester.makeconftest(CONFTEST.read_text())
    pytester.makepyfile("from numba import njit\n\ndef test_runs():\n    njit(lambda: 1)()\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.no_fnmatch_line("*NUMBATORCH_COMPILE_REPORT*")
