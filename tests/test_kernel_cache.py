"""The kernel cache never stops numbatorch: damaged entries are recompiled, and an
unusable cache folder gives way to a private temporary one. Each test runs numbatorch in
a subprocess, since the cache folder is chosen once, at import."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from numbatorch import _cache

# zeros(3) compiles one small kernel, the contiguous fill
_RUN = "import os, numbatorch; print(numbatorch.zeros(3).tolist(), os.environ['NUMBA_CACHE_DIR'])"
_KERNEL = "_fill_contiguous"
_DAMAGED_NOTICE = "could not be read"
_FALLBACK_NOTICE = "cannot cache compiled kernels in"


def run_numbatorch(**env) -> subprocess.CompletedProcess:
    """Runs `_RUN` with `env` over this process's environment (None removes a variable),
    at Numba's default optimisation level unless `env` names one (the suite lowers it)."""
    environment = {**os.environ, "NUMBATORCH_QUIET": "1"}
    environment.pop("NUMBA_OPT", None)
    for name, value in env.items():
        environment.pop(name, None)
        if value is not None:
            environment[name] = str(value)
    result = subprocess.run(
        [sys.executable, "-c", _RUN], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    values, folder = result.stdout.split("] ")
    assert values == "[0.0, 0.0, 0.0"
    result.folder = folder.strip()
    return result


def kernel_files(folder) -> list:
    """The cache files (index and data) of `_KERNEL` under `folder`."""
    return sorted(
        os.path.join(root, name)
        for root, _, names in os.walk(folder)
        for name in names
        if name.startswith(f"elementwise.{_KERNEL}-")
    )


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cache")
    run_numbatorch(NUMBA_CACHE_DIR=folder)
    assert [os.path.splitext(f)[1] for f in kernel_files(folder)] == [".nbc", ".nbi"]
    return folder


DAMAGES = {
    "empty": lambda data: b"",
    "truncated": lambda data: data[: len(data) // 2],
    "garbled": lambda data: bytes(b ^ 0x5A for b in data[:64]) + data[64:],
}


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("extension", [".nbi", ".nbc"])
def test_a_damaged_cache_entry_is_recompiled_with_one_notice(
    filled_cache, tmp_path, extension, damage
):
    folder = tmp_path / "cache"
    shutil.copytree(filled_cache, folder)
    (damaged,) = [f for f in kernel_files(folder) if f.endswith(extension)]
    with open(damaged, "rb") as file:
        data = file.read()
    with open(damaged, "wb") as file:
        file.write(DAMAGES[damage](data))

    healing = run_numbatorch(NUMBA_CACHE_DIR=folder)
    assert healing.stderr.count(_DAMAGED_NOTICE) == 1
    assert os.path.dirname(damaged) in healing.stderr
    assert len(kernel_files(folder)) == 2  # saved again
    assert _DAMAGED_NOTICE not in run_numbatorch(NUMBA_CACHE_DIR=folder).stderr


def _check_fallback(result, unusable, temporary) -> None:
    expected = os.path.join(temporary, f"numbatorch-{os.getuid()}", "numba")
    assert result.folder == expected
    assert result.stderr.count(_FALLBACK_NOTICE) == 1 and str(unusable) in result.stderr
    assert len(kernel_files(expected)) == 2  # Numba cached there, not in the package


def test_a_cache_folder_under_a_regular_file_gives_way_to_a_temporary_one(tmp_path):
    (tmp_path / "file").write_text("")
    unusable = tmp_path / "file" / "cache"
    result = run_numbatorch(NUMBA_CACHE_DIR=unusable, TMPDIR=tmp_path)
    _check_fallback(result, unusable, tmp_path)


def test_an_unwritable_home_gives_way_to_a_temporary_cache(tmp_path):
    (tmp_path / "file").write_text("")
    home = tmp_path / "file" / "home"
    result = run_numbatorch(NUMBA_CACHE_DIR=None, XDG_CACHE_HOME=None, HOME=home, TMPDIR=tmp_path)
    _check_fallback(result, home / ".cache" / "numbatorch" / "numba", tmp_path)


def test_a_read_only_cache_folder_gives_way_to_a_temporary_one(tmp_path):
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    try:
        try:
            tempfile.TemporaryFile(dir=read_only).close()
        except OSError:
            pass
        else:
            pytest.skip("chmod does not stop this user (root) from writing")
        result = run_numbatorch(NUMBA_CACHE_DIR=read_only, TMPDIR=tmp_path)
    finally:
        read_only.chmod(0o755)
    _check_fallback(result, read_only, tmp_path)


@pytest.mark.parametrize(("level", "folder"), [(None, "numba"), ("1", "numba-opt1")])
def test_kernels_of_another_optimisation_level_get_a_default_folder_of_their_own(
    tmp_path, level, folder
):
    # Numba's cache index does not record NUMBA_OPT: one folder would mix the levels
    result = run_numbatorch(NUMBA_CACHE_DIR=None, XDG_CACHE_HOME=tmp_path, NUMBA_OPT=level)
    expected = tmp_path / "numbatorch" / folder
    assert result.folder == str(expected)
    assert len(kernel_files(expected)) == 2


def test_each_reduction_op_loads_its_own_cached_kernels(tmp_path):
    """The reduction kernels bind their op's code as a global, which Numba's cache key
    does not see: a max run after a sum, each in a fresh process sharing one cache, must
    still take the max (the long vector takes the chunked path, one kernel per op)."""
    script = (
        "import sys, numpy as np, numbatorch as torch\n"
        "x = np.random.default_rng(1).standard_normal(70_000).astype(np.float32)\n"
        "op = sys.argv[1]\n"
        "got = getattr(torch.tensor(x), op)().item()\n"
        "assert np.isclose(got, getattr(x, op)(), rtol=1e-4), (op, got)\n"
    )
    environment = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "NUMBATORCH_QUIET": "1"}
    for op in ("sum", "max", "min", "sum", "max"):
        result = subprocess.run(
            [sys.executable, "-c", script, op], env=environment, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr


@pytest.mark.skipif(_cache.fcntl is None, reason="no advisory file locks (Windows)")
def test_numba_saves_a_cache_entry_under_the_folder_lock(tmp_path):
    # two processes saving two signatures of one kernel at once could both write data
    # file number 1: each save must hold the cache folder's lock
    from numba.core import caching

    held = []

    def save_and_look(cache, sig, data):
        with open(tmp_path / _cache.LOCK_NAME, "a") as file:
            try:
                _cache.fcntl.flock(file, _cache.fcntl.LOCK_EX | _cache.fcntl.LOCK_NB)
            except BlockingIOError:
                held.append(True)
            else:
                held.append(False)

    class Cache:
        _cache_path = str(tmp_path)

    assert getattr(caching.Cache.save_overload, _cache._LOCKING)  # numbatorch installed it
    _cache._one_at_a_time(save_and_look)(Cache(), None, None)
    assert held == [True]
