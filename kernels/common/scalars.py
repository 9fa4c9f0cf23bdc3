"""How a Python number becomes one element of an array's dtype, as PyTorch converts it."""

from __future__ import annotations

import numpy as np

_INT64 = np.iinfo(np.int64)


def element(value, dtype: np.dtype):
    """`value` as a scalar of `dtype`. A Python int in int64's range wraps modulo 2**bits
    into a narrower integer type (PyTorch: uint8 tensor + -1 subtracts one, mod 256), where
    numpy would raise; anything else converts as numpy converts it."""
    if dtype.kind in "iu" and type(value) is int and _INT64.min <= value <= _INT64.max:
        return np.array(value, np.int64).astype(dtype)[()]
    return dtype.type(value)
