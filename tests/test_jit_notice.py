"""The compile progress on stderr: a child process with an empty kernel cache compiles a
kernel that calls another (two nested compiles) and its stderr is read. The delays are
set to 0 or to an hour in the child, so what it prints does not depend on the machine's
speed."""

import os
import pty
import subprocess
import sys

import pytest

CHILD = """
import sys
import numbatorch._jit_notice as notice
notice.FIRST_LINE_AFTER_S, notice.LOG_EVERY_S = float(sys.argv[1]), float(sys.argv[2])
from numba import njit

@njit
def inner(x):
    return x + 1

@njit
def outer(x):
    return inner(x) * 2

outer(1)
"""


def _run(tmp_path, first_line_after, log_every, quiet=False, terminal=False) -> str:
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NUMBATORCH_QUIET", None)
    if quiet:
        env["NUMBATORCH_QUIET"] = "1"
    command = [sys.executable, str(script), str(first_line_after), str(log_every)]
    if not terminal:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        return done.stderr
    parent, child = pty.openpty()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    assert process.wait() == 0
    return b"".join(chunks).decode()


def test_log_follows_each_nested_compile_when_the_interval_is_zero(tmp_path):
    lines = _run(tmp_path, 0, 0).splitlines()
    cache = str(tmp_path / "cache")
    assert all(line.startswith("numbatorch: ") and line.endswith(cache) for line in lines)
    # the ticker may repeat a state while a compile runs: keep each state once, in order
    states = []
    for line in lines[:-1]:
        state = line.removeprefix("numbatorch: compiling kernels (").rsplit(", ", 1)[0]
        if not states or states[-1] != state:
            states.append(state)
    assert states == [
        f"{done} done, __main__.{name}"
        for done, name in ((0, "outer"), (0, "inner"), (1, "outer"), (2, "outer"))
    ]
    assert lines[-1].startswith("numbatorch: compiled 2 kernels in ")


def test_log_lines_are_rate_limited(tmp_path):
    lines = _run(tmp_path, 0, 3600).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("numbatorch: compiling kernels (0 done, __main__.outer, ")
    assert lines[1].startswith("numbatorch: compiled 2 kernels in ")


def test_short_compiles_stay_silent(tmp_path):
    assert _run(tmp_path, 3600, 0) == ""


def test_quiet_turns_progress_off(tmp_path):
    assert _run(tmp_path, 0, 0, quiet=True) == ""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminal test")
def test_terminal_gets_one_line_rewritten_in_place(tmp_path):
    output = _run(tmp_path, 0, 3600, terminal=True)
    updates, last = output.rsplit("\r", 1)[0], output.rsplit("\r", 2)[-2]
    assert output.startswith("\rnumbatorch: compiling kernels (0 done, __main__.outer, ")
    assert "\n" not in updates
    assert last.startswith("numbatorch: compiled 2 kernels in ")
    # blanked once compiling stopped, so the program's own output gets a clean line
    assert "\r\x1b[K\rnumbatorch: compiled 2 kernels in " in output
    assert output.endswith("\x1b[K\r\n")  # the terminal turns the final "\n" into "\r\n"
