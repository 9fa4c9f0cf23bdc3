"""The on-disk kernel cache never stops numbatorch from running.

- `choose_folder` picks the folder Numba caches compiled kernels in: `NUMBA_CACHE_DIR` when
  the user set it, else ~/.cache/numbatorch/numba; when that cannot be created or written,
  a private folder under the system's temporary folder, and never the package's own
  folder (where Numba would go next, and fail with "no locator available" when that is
  read-only too). Kernels compiled at another LLVM optimisation level (`NUMBA_OPT`, which
  the test suite lowers to 1) get default folders of their own, `numba-opt1` and so on:
  Numba's cache index does not record the level, so one folder would hand the test
  suite's less optimised kernels to a training run, or the reverse.
- `install` makes a damaged cache entry (an empty, truncated or garbled .nbi/.nbc file,
  e.g. after a full disk or a crash) a cache miss: its files are removed, the kernel is
  recompiled and saved again, where Numba would fail at that kernel in every later run.
  It also makes processes that share a cache folder (the precompile worker and its
  program, test workers, MPI ranks) save entries one at a time: Numba reads a function's
  index, picks the first free data file number and writes both back, so two processes
  saving two signatures of one function at once could both take number 1, and the index
  could then name the other signature's code.

Each says what it did in one line on stderr, once per process.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; saves stay as Numba makes them
    fcntl = None

_HEALING = "_numbatorch_heals_damaged_entries"


def _say(message: str) -> None:
    print(f"numbatorch: {message}", file=sys.stderr, flush=True)


def _folder_name() -> str:
    """numba, or numba-opt<level> for kernels compiled at another NUMBA_OPT than Numba's
    default 3."""
    level = os.environ.get("NUMBA_OPT", "3").strip()
    return "numba" if level == "3" else f"numba-opt{level}"


def _default_folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "numbatorch", _folder_name())


def _unusable(folder: str) -> str | None:
    """Why `folder` cannot hold the cache, or None when it can. The same test Numba makes
    per function (create it, write a file), so Numba accepts what passes here."""
    try:
        os.makedirs(folder, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        return error.strerror or str(error)
    return None


def _private_temporary_folder() -> str:
    """<tmp>/numbatorch-<uid>/numba (numba-opt<level>: see `_folder_name`), or a new folder
    of this process's own when that one belongs to someone else: a cache that others can
    write could run their code here."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    base = os.path.join(tempfile.gettempdir(), f"numbatorch-{user}")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        info = os.lstat(base)
        private = not hasattr(os, "getuid") or (
            info.st_uid == os.getuid() and not info.st_mode & 0o022
        )
    except OSError:
        private = False
    if not private:
        base = tempfile.mkdtemp(prefix="numbatorch-")
    return os.path.join(base, _folder_name())


def choose_folder() -> None:
    """Sets NUMBA_CACHE_DIR (and Numba's config, when Numba is imported already) to a
    folder that works, saying so when it is not the one asked for."""
    wanted = os.environ.get("NUMBA_CACHE_DIR") or _default_folder()
    folder = wanted
    problem = _unusable(wanted)
    if problem is not None:
        try:
            folder = _private_temporary_folder()
            fallback_problem = _unusable(folder)
        except OSError as error:  # no usable temporary folder at all
            fallback_problem = error.strerror or str(error)
        if fallback_problem is not None:
            _say(
                f"cannot cache compiled kernels in {wanted} ({problem}) nor in a temporary "
                f"folder ({fallback_problem}); set NUMBA_CACHE_DIR to a writable folder"
            )
            folder = wanted
        else:
            _say(f"cannot cache compiled kernels in {wanted} ({problem}); using {folder}")
    os.environ["NUMBA_CACHE_DIR"] = folder
    if "numba.core.config" in sys.modules:  # Numba read the variable when it was imported
        sys.modules["numba.core.config"].CACHE_DIR = folder


class _Healer:
    """Wraps Numba's `Cache.load_overload`, the one call through which every cached
    kernel is read, so that a failure to read an entry drops the entry."""

    def __init__(self) -> None:
        self.told = False

    def wrap(self, load_overload):
        @functools.wraps(load_overload)
        def load_or_drop(cache, sig, target_context):
            try:
                return load_overload(cache, sig, target_context)
            except Exception as error:  # whatever a damaged pickle raises: a cache miss
                self.drop(cache, error)
                return None  # Numba compiles the kernel and saves a fresh entry

        setattr(load_or_drop, _HEALING, True)
        return load_or_drop

    def drop(self, cache, error: Exception) -> None:
        """Removes the index and data files of `cache`'s function (the index lists the
        data files, so with a bad index none of them can be trusted or found)."""
        folder = cache.cache_path
        stem = cache._impl.filename_base + "."  # <function>-<line>.py<version>.
        try:
            names = [name for name in os.listdir(folder) if name.startswith(stem)]
        except OSError:
            names = []
        for name in names:
            number, _, extension = name[len(stem) :].partition(".")
            if name == stem + "nbi" or (number.isdigit() and extension == "nbc"):
                try:
                    os.remove(os.path.join(folder, name))
                except OSError:
                    pass  # removed by another process meanwhile, or read-only: stays a miss
        if not self.told:
            self.told = True
            reason = f"{type(error).__name__}: {error}".splitlines()[0][:120]
            _say(
                f"a kernel cache entry in {folder} could not be read ({reason}); removed "
                "it, recompiling (further damaged entries are replaced silently)"
            )


LOCK_NAME = "numbatorch-save.lock"
_LOCKING = "_numbatorch_saves_one_at_a_time"


@contextlib.contextmanager
def save_lock(folder: str):
    """Holds an exclusive lock on `folder`'s lock file (released when the process dies
    too); without one when the folder cannot hold the file (a read-only cache saves
    nothing anyway)."""
    try:
        os.makedirs(folder, exist_ok=True)
        file = open(os.path.join(folder, LOCK_NAME), "a")
    except OSError:
        yield
        return
    with file:
        if fcntl is not None:
            fcntl.flock(file, fcntl.LOCK_EX)
        yield


def _one_at_a_time(save_overload):
    @functools.wraps(save_overload)
    def save_locked(cache, sig, data):
        with save_lock(cache._cache_path):
            return save_overload(cache, sig, data)

    setattr(save_locked, _LOCKING, True)
    return save_locked


def install() -> None:
    """Makes damaged cache entries heal and saves take turns (idempotent: a reload does
    not wrap twice)."""
    from numba.core import caching

    if not getattr(caching.Cache.load_overload, _HEALING, False):
        caching.Cache.load_overload = _Healer().wrap(caching.Cache.load_overload)
    if not getattr(caching.Cache.save_overload, _LOCKING, False):
        caching.Cache.save_overload = _one_at_a_time(caching.Cache.save_overload)
