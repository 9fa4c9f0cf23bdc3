"""The layer kernels that are not a chain of other ops, as rules both backends run: group
normalization (instance norm is its one-channel-per-group case), adaptive max pooling, the
max mode of EmbeddingBag and the CTC loss, forward and backward.

Each rule's outer loop is a `prange` over independent slices (a group of one sample, an
image plane, a bag, a sample): the CPU compiles it as is (kernels/cpu/layers.py), and CUDA
runs the body a slice per thread on its own one-slice views (kernels/cuda/layers.py).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .pool import adaptive_window


def group_norm_forward(x, weight, bias, eps, out, mean, rstd):
    """x, out: (R, K, S) C-contiguous, R = N*groups rows of K = C/groups channels of S
    positions. weight, bias: (G, K) with G = groups (or the row's own group on a one-row
    slice, G = 1). mean[r], rstd[r] = the group's statistics; out = x normalised, then
    scaled and shifted per channel."""
    rows, k, s = x.shape
    count = k * s
    for r in prange(rows):
        # one pass, shifted by the group's first value: sum and sum of squares of
        # (x - shift) keep their precision when the mean is large against the spread
        shift = x[r, 0, 0] if count else 0.0
        total = 0.0
        squares = 0.0
        for c in range(k):
            for t in range(s):
                d = x[r, c, t] - shift
                total += d
                squares += d * d
        centred = total / max(count, 1)
        var = max(squares / max(count, 1) - centred * centred, 0.0)
        m = shift + centred
        inv = 1.0 / math.sqrt(var + eps)
        mean[r] = m
        rstd[r] = inv
        g = r % weight.shape[0]
        for c in range(k):
            scale = inv * weight[g, c]
            offset = bias[g, c] - m * scale
            for t in range(s):
                out[r, c, t] = x[r, c, t] * scale + offset


def group_norm_backward(grad, x, mean, rstd, weight, grad_x, grad_scale, grad_shift):
    """The gradient of `group_norm_forward` (same layouts) given grad (R, K, S):
    grad_x (R, K, S), and per row and channel grad_scale[r, c] = sum over t of
    grad * x_hat and grad_shift[r, c] = sum over t of grad (summed over the batch by the
    caller for the weight and bias gradients)."""
    rows, k, s = x.shape
    count = max(k * s, 1)
    for r in prange(rows):
        m = mean[r]
        inv = rstd[r]
        g = r % weight.shape[0]
        sum_gy = 0.0
        sum_gy_xhat = 0.0
        for c in range(k):
            dot = 0.0
            plain = 0.0
            for t in range(s):
                v = grad[r, c, t]
                dot += v * x[r, c, t]
                plain += v
            scaled = (dot - m * plain) * inv
            grad_scale[r, c] = scaled
            grad_shift[r, c] = plain
            w = weight[g, c]
            sum_gy += w * plain
            sum_gy_xhat += w * scaled
        # d/dx of (x - mean) * rstd with the group's statistics depending on x
        a = sum_gy / count
        b = sum_gy_xhat / count
        for c in range(k):
            w = weight[g, c]
            for t in range(s):
                x_hat = (x[r, c, t] - m) * inv
                grad_x[r, c, t] = inv * (w * grad[r, c, t] - a - x_hat * b)


def adaptive_max_pool_forward(x, out, indices):
    """out[p, t, y, z] = max of x[p] (planes, D, H, W) over the adaptive window of (t, y, z)
    (a NaN wins); indices[p, t, y, z] = (d*H + h)*W + w of the first maximum. 2-D pooling
    is D = 1."""
    planes, d, h, w = x.shape
    od, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    for p in prange(planes):
        for t in range(od):
            f0, f1 = adaptive_window(t, od, d)
            for y in range(oh):
                r0, r1 = adaptive_window(y, oh, h)
                for z in range(ow):
                    c0, c1 = adaptive_window(z, ow, w)
                    best = x[p, f0, r0, c0]
                    where = (f0 * h + r0) * w + c0
                    for q in range(f0, f1):
                        for i in range(r0, r1):
                            for j in range(c0, c1):
                                v = x[p, q, i, j]
                                take = (v > best) | ((v != v) & (best == best))
                                best = v if take else best
                                where = (q * h + i) * w + j if take else where
                    out[p, t, y, z] = best
                    indices[p, t, y, z] = where


def bag_max(weight, indices, starts, ends, padding_idx, out, argmax):
    """out[b, d] = max over i in [starts[b], ends[b]) (indices[i] != padding_idx) of
    weight[indices[i], d]; argmax[b, d] = that row, -1 and out 0 for an empty bag."""
    bags, dim = out.shape
    for b in prange(bags):
        for d in range(dim):
            out[b, d] = 0
            argmax[b, d] = -1
        # 0 <= starts[b] <= ends[b] <= len(indices): checked by embedding_bag
        for i in range(starts[b], ends[b]):
            row = indices[i]
            if row == padding_idx:
                continue
            # row in [0, num_embeddings): checked by embedding_bag before the launch
            for d in range(dim):
                v = weight[row, d]
                if argmax[b, d] < 0 or v > out[b, d] or v != v:
                    out[b, d] = v
                    argmax[b, d] = row


@njit(inline="always")
def _log_add(a, b):
    """log(exp(a) + exp(b)) without overflow; -inf stays -inf."""
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    top = max(a, b)
    return top + math.log1p(math.exp(-abs(a - b)))


@njit(inline="always")
def _label(targets, n, s, blank):
    """The s-th label of sample n's extended target (blanks between and around)."""
    return blank if s % 2 == 0 else targets[n, s // 2]


def ctc_forward(log_probs, targets, input_lengths, target_lengths, blank, log_alpha, nll):
    """log_probs (N, T, C), targets (N, S) padded; log_alpha (N, T, 2S+1) = the forward
    variables in log space; nll[n] = -log p(target | input) (inf when impossible)."""
    batch = log_probs.shape[0]
    for n in prange(batch):
        length = input_lengths[n]
        labels = 2 * target_lengths[n] + 1
        width = log_alpha.shape[2]
        for t in range(log_alpha.shape[1]):
            for s in range(width):
                log_alpha[n, t, s] = -np.inf
        if length == 0:
            nll[n] = 0.0 if labels == 1 else np.inf
            continue
        # labels (and blank) lie in [0, C), s // 2 < target_lengths[n] <= S and t <
        # input_lengths[n] <= T: all checked by ctc_loss before the launch
        log_alpha[n, 0, 0] = log_probs[n, 0, blank]
        if labels > 1:
            log_alpha[n, 0, 1] = log_probs[n, 0, _label(targets, n, 1, blank)]
        for t in range(1, length):
            for s in range(labels):
                c = _label(targets, n, s, blank)
                a = log_alpha[n, t - 1, s]
                if s > 0:
                    a = _log_add(a, log_alpha[n, t - 1, s - 1])
                if s > 1 and c != blank and c != _label(targets, n, s - 2, blank):
                    a = _log_add(a, log_alpha[n, t - 1, s - 2])
                log_alpha[n, t, s] = a + log_probs[n, t, c] if a != -np.inf else -np.inf
        end = log_alpha[n, length - 1, labels - 1]
        if labels > 1:
            end = _log_add(end, log_alpha[n, length - 1, labels - 2])
        nll[n] = -end


def ctc_backward(log_probs, targets, input_lengths, target_lengths, blank, log_alpha, nll,
                  grad_out, zero_infinity, log_beta, grad):  # fmt: skip
    """grad (N, T, C) = PyTorch's gradient of nll[n] * grad_out[n] with respect to
    log_probs: exp(log_probs) - exp(log(sum of alpha*beta over the positions of class c)
    + nll - log_probs), the form that is exact once it flows through log_softmax; zero
    past each input length, and zero for an infinite loss under zero_infinity."""
    batch, steps, classes = log_probs.shape
    for n in prange(batch):
        length = input_lengths[n]
        labels = 2 * target_lengths[n] + 1
        width = log_beta.shape[2]
        for t in range(steps):
            for c in range(classes):
                grad[n, t, c] = 0.0
            for s in range(width):
                log_beta[n, t, s] = -np.inf
        loss = nll[n]
        if length == 0 or (zero_infinity and loss == np.inf):
            continue
        scale = grad_out[n]
        last = length - 1
        log_beta[n, last, labels - 1] = log_probs[n, last, blank]
        if labels > 1:
            log_beta[n, last, labels - 2] = log_probs[n, last, _label(targets, n, labels - 2,
                                                                      blank)]  # fmt: skip
        for t in range(last - 1, -1, -1):
            for s in range(labels):
                c = _label(targets, n, s, blank)
                b = log_beta[n, t + 1, s]
                if s < labels - 1:
                    b = _log_add(b, log_beta[n, t + 1, s + 1])
                if s < labels - 2 and c != blank and c != _label(targets, n, s + 2, blank):
                    b = _log_add(b, log_beta[n, t + 1, s + 2])
                log_beta[n, t, s] = b + log_probs[n, t, c] if b != -np.inf else -np.inf
        for t in range(length):
            # grad[n, t, c] collects log(sum alpha*beta) per class first, then is replaced
            for c in range(classes):
                grad[n, t, c] = -np.inf
            for s in range(labels):
                c = _label(targets, n, s, blank)  # in [0, C): checked by ctc_loss
                grad[n, t, c] = _log_add(grad[n, t, c], log_alpha[n, t, s] + log_beta[n, t, s])
            for c in range(classes):
                lp = log_probs[n, t, c]
                grad[n, t, c] = (math.exp(lp) - math.exp(grad[n, t, c] + loss - lp)) * scale
