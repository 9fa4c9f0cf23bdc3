"""Progress on stderr while Numba compiles kernels, so that a first run, which compiles for
about a minute on 2 cores before its first epoch ends (later runs load the kernels from the
on-disk cache in milliseconds), never sits silent.

On a terminal one line is rewritten in place while a kernel compiles, and blanked between
compiles, so that the program's own output never lands on it; in a log (stderr is not a
terminal) a line appears once compiling has lasted FIRST_LINE_AFTER_S and then at
most every LOG_EVERY_S while it continues, so a log never goes longer than that without
output. A last line says how many kernels were compiled and how long it took.
NUMBATORCH_QUIET=1 turns it off.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from typing import TextIO

import numba
from numba.core import event

from . import _precompile

# One kernel signature compiles in 0.2-1 s: a single short compile (a warm cache that
# misses one kernel) stays silent.
FIRST_LINE_AFTER_S = 1.0
# a log line at most this often while compiling continues: below the 5 s that a log may
# stay silent, since a compile holding the GIL delays the ticker (seen: 5.2 s gaps at 5.0)
LOG_EVERY_S = 4.0
# a terminal line is redrawn this often
REDRAW_S = 0.2
# A pause in compiling this long ends a spell. The Python between the first calls of two
# ops takes milliseconds, so one training step's compiles form one spell.
SPELL_GAP_S = 1.0


def _kernel_name(data) -> str:
    # The listener must never raise into a compile, whatever compiles: every dispatcher
    # Numba fires this event for has a py_func today, but nothing guarantees it.
    function = getattr((data or {}).get("dispatcher"), "py_func", None)
    if function is None:
        return "kernel"
    # kernel factories reuse inner names ("contiguous", "axis"): the module tells them apart
    return f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"


class CompileProgress(event.Listener):
    """Listens to Numba's "numba:compile" events (they nest: a kernel compiles the
    functions it calls inside its own event) and reports a spell of compiles on `stream`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.terminal = stream.isatty()
        self.lock = threading.RLock()
        self.compiling: list[str] = []  # names of the nested compiles under way
        self.last_name = ""
        self.done = 0  # compiles finished in this spell
        self.spell_start: float | None = None  # None: no spell under way
        self.last_end = 0.0
        self.shown_at: float | None = None  # when the last line was written in this spell
        self.drawn = False  # the terminal line holds progress text now
        self.ticker: threading.Thread | None = None

    def on_start(self, event_) -> None:
        with self.lock:
            now = time.perf_counter()
            self.compiling.append(_kernel_name(event_.data))
            if self.spell_start is None:
                self.spell_start, self.done, self.shown_at = now, 0, None
            if self.ticker is None:
                # a daemon: it never keeps a finished program alive; atexit ends the line
                self.ticker = threading.Thread(target=self._tick, daemon=True)
                self.ticker.start()
            self._report(now)

    def on_end(self, event_) -> None:
        with self.lock:
            now = time.perf_counter()
            self.last_name = self.compiling.pop()
            self.done += 1
            self.last_end = now
            if self.compiling or not self.terminal:
                self._report(now)
            elif self.drawn:
                # back in the program, which may print: leave it an empty line
                self._write("\r\x1b[K")
                self.drawn = False

    def _tick(self) -> None:
        """Reports while one long compile runs (no events come), and ends the spell once
        compiling has paused for SPELL_GAP_S."""
        while True:
            time.sleep(REDRAW_S)
            with self.lock:
                now = time.perf_counter()
                if self.compiling:
                    self._report(now)
                elif now - self.last_end >= SPELL_GAP_S:
                    self.finish()
                    self.ticker = None
                    return

    def _text(self, now: float) -> str:
        name = self.compiling[-1] if self.compiling else self.last_name
        return (
            f"numbatorch: compiling kernels ({self.done} done, {name}, "
            f"{now - self.spell_start:.1f} s) — cached in {_cache_dir()}"
        )

    def _report(self, now: float) -> None:
        if self.spell_start is None or now - self.spell_start < FIRST_LINE_AFTER_S:
            return
        since = None if self.shown_at is None else now - self.shown_at
        if self.terminal:
            if not self.drawn or since >= REDRAW_S:
                # \x1b[K clears what a longer previous line left to the right
                self._write("\r" + self._text(now) + "\x1b[K")
                self.shown_at, self.drawn = now, True
        elif since is None or since >= LOG_EVERY_S:
            self._write(self._text(now) + "\n")
            self.shown_at = now

    def finish(self) -> None:
        """Ends the spell; its last line is written only if progress was shown."""
        with self.lock:
            if self.spell_start is not None and self.shown_at is not None:
                kernels = "kernel" if self.done == 1 else "kernels"
                text = (
                    f"numbatorch: compiled {self.done} {kernels} in "
                    f"{self.last_end - self.spell_start:.1f} s — cached in {_cache_dir()}"
                )
                self._write(("\r" + text + "\x1b[K" if self.terminal else text) + "\n")
            self.spell_start = None

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed or broken stderr must not fail a compile
            pass


def _cache_dir() -> str:
    return numba.config.CACHE_DIR or "__pycache__ folders beside the kernels"


def install() -> None:
    if os.environ.get("NUMBATORCH_QUIET") == "1":
        return
    progress = CompileProgress(sys.stderr)
    event.register("numba:compile", progress)
    # a kernel the precompile worker is compiling while the program waits for it
    event.register(_precompile.WAIT_EVENT, progress)
    atexit.register(progress.finish)
