"""bfloat16 conversion kernels on numpy arrays: the rules of kernels/common/bfloat16.py as
serial and parallel twins."""

from __future__ import annotations

import numpy as np

from ..common.bfloat16 import check_sizes, round_bits, widen_bits
from ._launch import parallel_for, twins

_ROUND = twins(round_bits)
_WIDEN = twins(widen_bits)


def round_to_bfloat16(x, out) -> None:
    """out = bfloat16 bits of float32 x; both 1-D contiguous of one size."""
    check_sizes(x, out)
    serial, parallel = _ROUND
    (parallel if parallel_for(x.size) else serial)(x.view(np.uint32), out)


def widen_bfloat16(x, out) -> None:
    """out = float32 of bfloat16 bits x; both 1-D contiguous of one size."""
    check_sizes(x, out)
    serial, parallel = _WIDEN
    (parallel if parallel_for(x.size) else serial)(x, out.view(np.uint32))
