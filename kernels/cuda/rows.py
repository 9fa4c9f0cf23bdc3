"""Row CUDA kernels: softmax / log_softmax backward and layer_norm forward and backward,
the row rules of kernels/common/rows.py run by one thread per line, row or column on
one-slice views (`per_slice`), so each rule is written once. (The softmax forward is in
reduction.py: a block per long line.)"""

from __future__ import annotations

from numba import cuda

from ..common import rows as common
from ._launch import empty, launch, per_slice

_softmax_backward_line = per_slice(common.softmax_backward_lines)
_layer_norm_row = per_slice(common.layer_norm_rows)
_layer_norm_backward_row = per_slice(common.layer_norm_backward_rows)
_layer_norm_backward_column = per_slice(common.layer_norm_backward_columns)


@cuda.jit(cache=True)
def _softmax_backward_kernel(y, grad, out, n, inner, log):
    for t in range(cuda.grid(1), y.size // n, cuda.gridsize(1)):
        # line t: n elements from base, inner apart; base + (n-1)*inner < y.size
        base = (t // inner) * n * inner + t % inner
        end = base + (n - 1) * inner + 1
        _softmax_backward_line(y[base:end:inner], grad[base:end:inner], out[base:end:inner],
                               n, 1, log)  # fmt: skip


@cuda.jit(cache=True)
def _layer_norm_kernel(x, weight, bias, out, mean, rstd, eps, has_weight, has_bias):
    for r in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):  # r < rows
        _layer_norm_row(x[r : r + 1], weight, bias, out[r : r + 1], mean[r : r + 1],
                        rstd[r : r + 1], eps, has_weight, has_bias)  # fmt: skip


@cuda.jit(cache=True)
def _layer_norm_backward_kernel(grad, x, weight, mean, rstd, grad_x, has_weight):
    for r in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):  # r < rows
        _layer_norm_backward_row(grad[r : r + 1], x[r : r + 1], weight, mean[r : r + 1],
                                 rstd[r : r + 1], grad_x[r : r + 1], has_weight)  # fmt: skip


@cuda.jit(cache=True)
def _layer_norm_columns_kernel(grad, x, mean, rstd, sums, grad_weight, grad_bias):
    for j in range(cuda.grid(1), x.shape[1], cuda.gridsize(1)):  # j < n
        _layer_norm_backward_column(grad[:, j : j + 1], x[:, j : j + 1], mean, rstd,
                                    sums[:, :, j : j + 1], grad_weight[j : j + 1],
                                    grad_bias[j : j + 1])  # fmt: skip


def softmax_backward(y, grad, out, n: int, inner: int, log: bool) -> None:
    """The CPU launcher's gradient (see there), a thread per line."""
    if y.size:
        _softmax_backward_kernel[launch(y.size // n)](
            y.reshape(-1), grad.reshape(-1), out.reshape(-1), n, inner, log
        )


def layer_norm_forward(x, weight, bias, out, mean, rstd, eps: float) -> None:
    """The CPU launcher's layer_norm (see there), a thread per row."""
    if x.size:
        dummy = x[0]
        _layer_norm_kernel[launch(x.shape[0])](
            x, dummy if weight is None else weight, dummy if bias is None else bias,
            out, mean, rstd, float(eps), weight is not None, bias is not None,
        )  # fmt: skip


def layer_norm_backward(grad, x, weight, mean, rstd, grad_x, grad_weight, grad_bias) -> None:
    """The CPU launcher's gradients (see there): a thread per row for grad_x, a thread per
    column for grad_weight and grad_bias."""
    if x.size == 0:
        return
    if grad_x is not None:
        _layer_norm_backward_kernel[launch(x.shape[0])](
            grad, x, x[0] if weight is None else weight, mean, rstd, grad_x, weight is not None
        )
    if grad_weight is not None:
        sums = empty((1, 2, x.shape[1]), mean.dtype)
        _layer_norm_columns_kernel[launch(x.shape[1])](
            grad, x, mean, rstd, sums, grad_weight, grad_bias
        )


__all__ = ["layer_norm_backward", "layer_norm_forward", "softmax_backward"]
