"""A one-line notice on stderr when the first JIT compile of a process runs long, so a
user staring at a silent first epoch knows why (later runs load kernels from the cache)."""

from __future__ import annotations

import os
import sys
import threading

from numba.core import event

NOTICE_AFTER_S = 2.0


class _CompileNotice(event.Listener):
    def __init__(self) -> None:
        self.depth = 0
        self.timer: threading.Timer | None = None
        self.shown = False

    def on_start(self, event_) -> None:
        self.depth += 1
        if self.depth == 1 and not self.shown:
            self.timer = threading.Timer(NOTICE_AFTER_S, self._show)
            self.timer.daemon = True
            self.timer.start()

    def on_end(self, event_) -> None:
        self.depth -= 1
        if self.depth == 0 and self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _show(self) -> None:
        self.shown = True
        cache = os.environ.get("NUMBA_CACHE_DIR", "__pycache__ folders")
        print(
            f"numbatorch: compiling kernels for their first use (once; cached in {cache})...",
            file=sys.stderr,
            flush=True,
        )


def install() -> None:
    if os.environ.get("NUMBATORCH_QUIET") != "1":
        event.register("numba:compile", _CompileNotice())
