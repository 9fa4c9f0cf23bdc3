"""CPU backend: Numba kernels on numpy arrays, plus the storage functions the Tensor
needs (allocate, view, move to and from the host). The CUDA backend exports the same
names with the same signatures."""

from __future__ import annotations

import numpy as np

from ..contract import LAUNCHERS
from .amp import non_finite_check_and_unscale
from .attention import attention_bmm, attention_softmax, attention_softmax_backward
from .conv import col2im, conv2d_backward, conv2d_forward, conv_output_size, im2col
from .elementwise import binary, copy, fill, flat_kernels, range_fill, unary, where
from .indexing import gather, index_put, index_select, nonzero, scatter
from .linalg import cholesky, eigh, lu_det, lu_factor, lu_solve, qr, svd
from .matmul import bmm, gemm, gemm_batched, gemm_blas
from .optim import (
    adadelta_step,
    adagrad_step,
    adam_step,
    adamax_step,
    asgd_step,
    nadam_step,
    radam_step,
    rmsprop_step,
    rprop_step,
    sgd_foreach,
    sgd_step,
)
from .pool import (
    adaptive_avg_pool2d_backward,
    adaptive_avg_pool2d_forward,
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
    max_unpool2d_backward,
    max_unpool2d_forward,
    pool_output_size,
)
from .reduction import (
    cross_entropy_backward,
    cross_entropy_forward,
    cumprod,
    cumsum,
    reduce,
)
from .rnn import gru_backward, gru_forward, lstm_backward, lstm_forward, rnn_backward, rnn_forward
from .rows import layer_norm_backward, layer_norm_forward, softmax, softmax_backward
from .selection import cumulative_extreme, mode_of_sorted, search_sorted
from .shape import roll_flip, triangle
from .sorting import sort

# isort: split
from .layers import (
    adaptive_max_pool2d_forward,
    ctc_backward,
    ctc_forward,
    embedding_bag_max,
    group_norm_backward,
    group_norm_forward,
)


def empty(shape: tuple, dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype)


def as_strided(storage: np.ndarray, shape: tuple, strides: tuple, offset: int) -> np.ndarray:
    """A view of the 1-D `storage` with element `strides`, starting at element `offset`."""
    itemsize = storage.itemsize
    return np.ndarray(
        shape,
        storage.dtype,
        buffer=storage,
        offset=offset * itemsize,
        strides=tuple(s * itemsize for s in strides),
    )


def to_host(array: np.ndarray) -> np.ndarray:
    return array


def from_host(array: np.ndarray) -> np.ndarray:
    return array


from .reduction import soft_cross_entropy_backward, soft_cross_entropy_forward  # noqa: E402

# isort: split
# issue 15's grid_sample, cumulative log-sum-exp, frexp and matrix exponential
from .floating import frexp  # noqa: E402
from .grid_sample import grid_sample_backward, grid_sample_forward  # noqa: E402
from .linalg import matrix_exp  # noqa: E402
from .reduction import flat_reduction, logcumsumexp  # noqa: E402

# the contract's launchers, and (CPU) the ones only this backend has (see the contract test)
__all__ = [*LAUNCHERS, "flat_kernels", "flat_reduction", "gemm_blas"]
