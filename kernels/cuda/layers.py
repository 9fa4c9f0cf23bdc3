"""The layer kernels of kernels/common/layers.py on device arrays: a thread takes one slice
(a group of one sample, an image plane, a bag, a sample) and runs the rule's body on its
one-slice views (`per_slice`), so the math exists once for both devices."""

from __future__ import annotations

from numba import cuda

from ..common import layers as common
from ._launch import launch, per_slice
from .pool import _planes

_group_forward = per_slice(common.group_norm_forward)
_group_backward = per_slice(common.group_norm_backward)
_adaptive_max = per_slice(common.adaptive_max_pool_forward)
_bag_max = per_slice(common.bag_max)
_ctc_forward = per_slice(common.ctc_forward)
_ctc_backward = per_slice(common.ctc_backward)


@cuda.jit(cache=True)
def _group_forward_kernel(x, weight, bias, eps, out, mean, rstd):
    groups = weight.shape[0]
    for r in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        g = r % groups
        _group_forward(x[r:r + 1], weight[g:g + 1], bias[g:g + 1], eps, out[r:r + 1],
                       mean[r:r + 1], rstd[r:r + 1])  # fmt: skip


@cuda.jit(cache=True)
def _group_backward_kernel(grad, x, mean, rstd, weight, grad_x, grad_scale, grad_shift):
    groups = weight.shape[0]
    for r in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        g = r % groups
        _group_backward(grad[r:r + 1], x[r:r + 1], mean[r:r + 1], rstd[r:r + 1],
                        weight[g:g + 1], grad_x[r:r + 1], grad_scale[r:r + 1],
                        grad_shift[r:r + 1])  # fmt: skip


@cuda.jit(cache=True)
def _adaptive_max_kernel(x, out, indices):
    for p in range(cuda.grid(1), x.shape[0], cuda.gridsize(1)):
        _adaptive_max(x[p : p + 1], out[p : p + 1], indices[p : p + 1])


@cuda.jit(cache=True)
def _bag_max_kernel(weight, indices, starts, ends, padding_idx, out, argmax):
    for b in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        _bag_max(weight, indices, starts[b:b + 1], ends[b:b + 1], padding_idx, out[b:b + 1],
                 argmax[b:b + 1])  # fmt: skip


@cuda.jit(cache=True)
def _ctc_forward_kernel(log_probs, targets, input_lengths, target_lengths, blank, log_alpha,
                        nll):  # fmt: skip
    for n in range(cuda.grid(1), log_probs.shape[0], cuda.gridsize(1)):
        _ctc_forward(log_probs[n:n + 1], targets[n:n + 1], input_lengths[n:n + 1],
                     target_lengths[n:n + 1], blank, log_alpha[n:n + 1],
                     nll[n:n + 1])  # fmt: skip


@cuda.jit(cache=True)
def _ctc_backward_kernel(log_probs, targets, input_lengths, target_lengths, blank, log_alpha,
                         nll, grad_out, zero_infinity, log_beta, grad):  # fmt: skip
    for n in range(cuda.grid(1), log_probs.shape[0], cuda.gridsize(1)):
        _ctc_backward(log_probs[n:n + 1], targets[n:n + 1], input_lengths[n:n + 1],
                      target_lengths[n:n + 1], blank, log_alpha[n:n + 1], nll[n:n + 1],
                      grad_out[n:n + 1], zero_infinity, log_beta[n:n + 1],
                      grad[n:n + 1])  # fmt: skip


def group_norm_forward(x, weight, bias, groups: int, eps: float, out, mean, rstd) -> None:
    """out (N, C, *) = group norm of x (N, C, *) over `groups` groups of channels, scaled
    and shifted by weight, bias (C,); mean, rstd (N*groups,). C-contiguous."""
    if x.size == 0:
        return
    rows, per = x.shape[0] * groups, x.shape[1] // groups
    shaped = x.reshape(rows, per, x.size // (rows * per))
    _group_forward_kernel[launch(rows)](shaped, weight.reshape(groups, per),
                                        bias.reshape(groups, per), float(eps),
                                        out.reshape(shaped.shape), mean, rstd)  # fmt: skip


def group_norm_backward(grad, x, mean, rstd, weight, groups: int, grad_x, grad_scale,
                        grad_shift) -> None:  # fmt: skip
    """Gradients of `group_norm_forward`: grad_x (N, C, *), grad_scale and grad_shift (N, C)
    (per sample and channel: sum of grad * x_hat, sum of grad)."""
    if x.size == 0:
        return
    rows, per = x.shape[0] * groups, x.shape[1] // groups
    shaped = x.reshape(rows, per, x.size // (rows * per))
    _group_backward_kernel[launch(rows)](grad.reshape(shaped.shape), shaped, mean, rstd,
                                         weight.reshape(groups, per),
                                         grad_x.reshape(shaped.shape),
                                         grad_scale.reshape(rows, per),
                                         grad_shift.reshape(rows, per))  # fmt: skip


def adaptive_max_pool2d_forward(x, out, indices) -> None:
    """out, indices (N, C, OH, OW) = adaptive max pooling of x (N, C, H, W) and the flat
    index h*W + w of each maximum; (N, C, D, H, W) volumes alike. C-contiguous."""
    if out.size == 0:
        return
    _adaptive_max_kernel[launch(x.shape[0] * x.shape[1])](_planes(x), _planes(out),
                                                          _planes(indices))  # fmt: skip


def embedding_bag_max(weight, indices, starts, ends, padding_idx: int, out, argmax) -> None:
    """out, argmax (B, D): the max mode of EmbeddingBag (see the CPU launcher)."""
    if out.size == 0:
        return
    _bag_max_kernel[launch(out.shape[0])](weight, indices, starts, ends, int(padding_idx), out,
                                          argmax)  # fmt: skip


def ctc_forward(log_probs, targets, input_lengths, target_lengths, blank: int, log_alpha,
                nll) -> None:  # fmt: skip
    """nll (N,) and log_alpha (N, T, 2S+1) of the CTC loss (see the CPU launcher)."""
    if nll.size == 0:
        return
    _ctc_forward_kernel[launch(nll.shape[0])](log_probs, targets, input_lengths,
                                              target_lengths, int(blank), log_alpha,
                                              nll)  # fmt: skip


def ctc_backward(log_probs, targets, input_lengths, target_lengths, blank: int, log_alpha, nll,
                 grad_out, zero_infinity: bool, log_beta, grad) -> None:  # fmt: skip
    """grad (N, T, C) of the CTC loss (see the CPU launcher); log_beta is scratch."""
    if grad.size == 0:
        return
    _ctc_backward_kernel[launch(grad.shape[0])](log_probs, targets, input_lengths,
                                                target_lengths, int(blank), log_alpha, nll,
                                                grad_out, bool(zero_infinity), log_beta,
                                                grad)  # fmt: skip


__all__ = [
    "adaptive_max_pool2d_forward",
    "ctc_backward",
    "ctc_forward",
    "embedding_bag_max",
    "group_norm_backward",
    "group_norm_forward",
]
