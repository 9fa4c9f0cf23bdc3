"""The suite's own summary: skipped tests are counted by reason, in an inner pytest session
that uses this conftest."""

import pathlib

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
