"""The CPU launch plumbing: serial/parallel twins of one kernel body."""

import pytest
from numbatorch.kernels.common.elementwise import ADD
from numbatorch.kernels.contract import SGDOptions
from numbatorch.kernels.cpu import elementwise, indexing, matmul, optim, rows

PAIRS = {
    "copy": (elementwise._copy_serial, elementwise._copy_parallel),
    "binary": elementwise._BINARY[ADD][:2],
    "gather": indexing._GATHER,
    "sgd": optim._KERNELS[SGDOptions],
    "dots": (matmul._gemm_dots_serial, matmul._gemm_dots),
    "softmax": rows._SOFTMAX,
    "layer_norm": rows._LAYER_NORM,
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_parallel_twin_has_its_own_cache_entry(name):
    # Numba names a cache entry by function, not flags: sharing one, the parallel twin
    # would load the serial code compiled before it, and run on one thread
    serial, parallel = PAIRS[name]
    assert not serial.targetoptions.get("parallel")
    assert parallel.targetoptions.get("parallel") is True
    assert serial._cache._cache_file._index_name != parallel._cache._cache_file._index_name


def test_optimize_at_compiles_at_that_level_and_restores_numbas():
    """`optimize_at` lowers the LLVM level for its kernels' compiles only (never raising
    it above NUMBA_OPT), and the level is Numba's own again afterwards."""
    from numba import njit
    from numba.core import config
    from numbatorch.kernels.cpu._launch import optimize_at

    kernel = njit(lambda x: x + 1)
    seen = []
    compile_ = kernel._compiler.compile

    def spy(args, return_type):
        seen.append(int(config.OPT))
        return compile_(args, return_type)

    kernel._compiler.compile = spy
    before = config.OPT
    optimize_at(1, kernel)
    assert kernel(1) == 2 and kernel(1.5) == 2.5
    assert seen == [min(1, int(before))] * 2
    assert config.OPT == before and type(config.OPT) is type(before)
