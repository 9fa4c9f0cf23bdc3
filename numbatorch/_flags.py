"""Process-wide switches PyTorch scripts set: the kernels' thread count and the
deterministic-algorithms mode."""

from __future__ import annotations

_deterministic = False
_deterministic_warn_only = False


def set_num_threads(num_threads: int, /) -> None:
    """Number of threads the parallel CPU kernels use (Numba's thread count). Numba cannot
    start threads beyond the pool it made at start-up (NUMBA_NUM_THREADS), so a larger
    request uses the whole pool, as asking PyTorch for more threads than cores does."""
    import numba

    if not isinstance(num_threads, int) or isinstance(num_threads, bool):
        kind = type(num_threads).__name__
        raise RuntimeError(f"set_num_threads expects an int, but got {kind}")
    if num_threads <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    numba.set_num_threads(min(num_threads, numba.config.NUMBA_NUM_THREADS))


def get_num_threads() -> int:
    import numba

    return numba.get_num_threads()


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the mode, for scripts that read it back. numbatorch does not yet refuse (or
    warn about) its nondeterministic ops: on CUDA, scatter_add, index_add and accumulating
    index_put add floats with atomics, in an order that varies between runs."""
    if not isinstance(mode, bool):
        raise TypeError(
            "_set_deterministic_algorithms(): argument 'mode' (position 1) must be bool, "
            f"not {type(mode).__name__}"
        )
    global _deterministic, _deterministic_warn_only
    _deterministic, _deterministic_warn_only = mode, bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _deterministic_warn_only


# numbatorch's float32 matmuls always compute in float32 ("highest"); the setting is kept
# so that scripts which choose TF32 or bfloat16 matmuls read back what they set
_float32_matmul_precision = "highest"


def set_float32_matmul_precision(precision: str) -> None:
    """Records the float32 matmul precision ('highest', 'high' or 'medium'); numbatorch
    computes float32 matmuls in float32 whatever it is, as PyTorch on a CPU without
    bfloat16 matmul support. Another value warns and changes nothing, as in PyTorch."""
    global _float32_matmul_precision
    if precision not in ("highest", "high", "medium"):
        import warnings

        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
            "setFloat32MatmulPrecision call has no effect.",
            stacklevel=2,
        )
        return
    _float32_matmul_precision = precision


def get_float32_matmul_precision() -> str:
    return _float32_matmul_precision
