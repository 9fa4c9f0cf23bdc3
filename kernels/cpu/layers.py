"""Kernels of the layers that are not a chain of other ops (group norm, adaptive max
pooling, EmbeddingBag's max mode, the CTC loss): the rules of kernels/common/layers.py
compiled to run in parallel over their independent slices."""

from __future__ import annotations

from numba import njit

from ..common import layers as common
from .pool import _planes

# --- group normalization ------------------------------------------------------------------


_group_norm_forward = njit(parallel=True, cache=True)(common.group_norm_forward)


_group_norm_backward = njit(parallel=True, cache=True)(common.group_norm_backward)


def group_norm_forward(x, weight, bias, groups: int, eps: float, out, mean, rstd) -> None:
    """out (N, C, *) = group norm of x (N, C, *) (both C-contiguous) over `groups` groups
    of channels; mean, rstd (N*groups,) get each group's mean and 1/sqrt(var + eps).
    weight and bias (C,) scale and shift each channel (ones and zeros without affine)."""
    if x.size == 0:
        return
    rows = x.shape[0] * groups
    per = x.shape[1] // groups
    shaped = x.reshape(rows, per, -1)
    _group_norm_forward(shaped, weight.reshape(groups, per), bias.reshape(groups, per),
                        float(eps), out.reshape(shaped.shape), mean, rstd)  # fmt: skip


def group_norm_backward(grad, x, mean, rstd, weight, groups: int, grad_x, grad_scale,
                        grad_shift) -> None:  # fmt: skip
    """Gradients of `group_norm_forward`: grad_x (N, C, *) and, per sample and channel,
    grad_scale (N, C) = sum of grad * x_hat and grad_shift (N, C) = sum of grad."""
    if x.size == 0:
        return
    rows = x.shape[0] * groups
    per = x.shape[1] // groups
    shaped = x.reshape(rows, per, -1)
    _group_norm_backward(grad.reshape(shaped.shape), shaped, mean, rstd,
                         weight.reshape(groups, per),
                         grad_x.reshape(shaped.shape), grad_scale.reshape(rows, per),
                         grad_shift.reshape(rows, per))  # fmt: skip


# --- adaptive max pooling -----------------------------------------------------------------


_adaptive_max_pool_forward = njit(parallel=True, cache=True)(common.adaptive_max_pool_forward)


def adaptive_max_pool2d_forward(x, out, indices) -> None:
    """out (N, C, OH, OW) = adaptive max pooling of x (N, C, H, W) (H, W >= 1); indices
    (N, C, OH, OW) int64 = the flat index h*W + w of each maximum. All C-contiguous; the
    backward is `max_pool2d_backward` with these indices. (N, C, D, H, W) volumes alike,
    the index counting (d*H + h)*W + w."""
    if out.size == 0:
        return
    _adaptive_max_pool_forward(_planes(x, True), _planes(out), _planes(indices))


# --- EmbeddingBag, max mode -----------------------------------------------------------------


_bag_max = njit(parallel=True, cache=True)(common.bag_max)


def embedding_bag_max(weight, indices, starts, ends, padding_idx: int, out, argmax) -> None:
    """out (B, D), argmax (B, D) int64: the max mode of EmbeddingBag over the bags
    [starts[b], ends[b]) of indices (all checked in range). C-contiguous."""
    if out.size == 0:
        return
    _bag_max(weight, indices, starts, ends, int(padding_idx), out, argmax)


# --- CTC loss -------------------------------------------------------------------------------


_ctc_forward = njit(parallel=True, cache=True)(common.ctc_forward)


_ctc_backward = njit(parallel=True, cache=True)(common.ctc_backward)


def ctc_forward(log_probs, targets, input_lengths, target_lengths, blank: int, log_alpha,
                nll) -> None:  # fmt: skip
    """nll (N,) = CTC negative log-likelihoods of log_probs (N, T, C) C-contiguous for the
    padded targets (N, S) int64, with lengths (N,) int64 checked by the caller
    (input_lengths <= T, target_lengths <= S, labels in [0, C)); log_alpha (N, T, 2S+1)
    is kept for the backward."""
    if nll.size == 0:
        return
    _ctc_forward(log_probs, targets, input_lengths, target_lengths, int(blank), log_alpha, nll)


def ctc_backward(log_probs, targets, input_lengths, target_lengths, blank: int, log_alpha, nll,
                 grad_out, zero_infinity: bool, log_beta, grad) -> None:  # fmt: skip
    """grad (N, T, C) = the gradient of `ctc_forward`'s nll weighted by grad_out (N,);
    log_beta (N, T, 2S+1) is scratch."""
    if grad.size == 0:
        return
    _ctc_backward(log_probs, targets, input_lengths, target_lengths, int(blank), log_alpha, nll,
                  grad_out, bool(zero_infinity), log_beta, grad)  # fmt: skip


__all__ = [
    "adaptive_max_pool2d_forward",
    "ctc_backward",
    "ctc_forward",
    "embedding_bag_max",
    "group_norm_backward",
    "group_norm_forward",
]
