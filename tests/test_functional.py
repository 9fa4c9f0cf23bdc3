"""Every op of `nn.functional` matches a numpy reference in value (float32 and float64) and
passes gradcheck in float64, from one table checked by one helper; then the errors that
PyTorch raises for bad arguments, with its messages."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest
from numbatorch.kernels.cpu import conv as conv_kernels

import numbatorch as torch
import numbatorch.nn.functional as F

# --- numpy references ---


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def np_conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        xs = xp[:, g * cg : (g + 1) * cg]
        for i in range(kh):
            for j in range(kw):
                patch = xs[
                    :,
                    :,
                    i * dh : i * dh + sh * (oh - 1) + 1 : sh,
                    j * dw : j * dw + sw * (ow - 1) + 1 : sw,
                ]
                out[:, g * og : (g + 1) * og] += np.einsum(
                    "nchw,oc->nohw", patch, w[g * og : (g + 1) * og, :, i, j]
                )
    return out if b is None else out + b[None, :, None, None]


def np_conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    oph, opw = _pair(output_padding)
    n, cin, h, wd = x.shape
    _, og, kh, kw = w.shape
    hout = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    wout = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    canvas = np.zeros((n, og * groups, hout + 2 * ph, wout + 2 * pw))
    cg = cin // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                contribution = np.einsum(
                    "nchw,co->nohw", x[:, g * cg : (g + 1) * cg], w[g * cg : (g + 1) * cg, :, i, j]
                )
                canvas[
                    :,
                    g * og : (g + 1) * og,
                    i * dh : i * dh + sh * (h - 1) + 1 : sh,
                    j * dw : j * dw + sw * (wd - 1) + 1 : sw,
                ] += contribution
    out = canvas[:, :, ph : ph + hout, pw : pw + wout]
    return out if b is None else out + b[None, :, None, None]


def np_conv1d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    return np_conv2d(
        x[:, :, None], w[:, :, None], b, (1, stride), (0, padding), (1, dilation), groups
    )[:, :, 0]


def _pool_size(size, k, s, p, d, ceil_mode):
    span = size + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def np_max_pool2d(x, k, s=None, p=0, d=1, ceil_mode=False):
    (kh, kw), (ph, pw), (dh, dw) = _pair(k), _pair(p), _pair(d)
    sh, sw = _pair(s if s is not None else k)
    n, c, h, w = x.shape
    oh = _pool_size(h, kh, sh, ph, dh, ceil_mode)
    ow = _pool_size(w, kw, sw, pw, dw, ceil_mode)
    out = np.full((n, c, oh, ow), -np.inf)
    for y in range(oh):
        for z in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, q = y * sh - ph + i * dh, z * sw - pw + j * dw
                    if 0 <= r < h and 0 <= q < w:
                        out[:, :, y, z] = np.maximum(out[:, :, y, z], x[:, :, r, q])
    return out


def np_avg_pool2d(
    x, k, s=None, p=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    (kh, kw), (ph, pw) = _pair(k), _pair(p)
    sh, sw = _pair(s if s is not None else k)
    n, c, h, w = x.shape
    oh = _pool_size(h, kh, sh, ph, 1, ceil_mode)
    ow = _pool_size(w, kw, sw, pw, 1, ceil_mode)
    out = np.zeros((n, c, oh, ow))
    for y in range(oh):
        for z in range(ow):
            r0, q0 = y * sh - ph, z * sw - pw
            r1, q1 = min(r0 + kh, h + ph), min(q0 + kw, w + pw)
            padded = (r1 - r0) * (q1 - q0)
            r0, q0, r1, q1 = max(r0, 0), max(q0, 0), min(r1, h), min(q1, w)
            total = x[:, :, r0:r1, q0:q1].sum(axis=(2, 3))
            divisor = divisor_override or (padded if count_include_pad else (r1 - r0) * (q1 - q0))
            out[:, :, y, z] = total / divisor
    return out


def np_adaptive_avg_pool2d(x, size):
    oh, ow = _pair(size)
    n, c, h, w = x.shape
    out = np.zeros((n, c, oh, ow))
    for y in range(oh):
        for z in range(ow):
            r0, r1 = y * h // oh, -(-(y + 1) * h // oh)
            q0, q1 = z * w // ow, -(-(z + 1) * w // ow)
            out[:, :, y, z] = x[:, :, r0:r1, q0:q1].mean(axis=(2, 3))
    return out


def np_log_softmax(a, axis):
    shifted = a - a.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def np_softmax(a, axis):
    return np.exp(np_log_softmax(a, axis))


def np_batch_norm_train(x, w, b, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w.reshape(shape) + b.reshape(shape)


def np_layer_norm(x, w, b, eps=1e-5):
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def np_nll(logp, target, weight=None, ignore_index=-100, reduction="mean"):
    logp = np.moveaxis(logp, 1, -1).reshape(-1, logp.shape[1]) if logp.ndim > 2 else logp
    flat = target.reshape(-1)
    w = np.ones(logp.shape[1]) if weight is None else weight
    picked = np.array(
        [-w[t] * logp[i, t] if t != ignore_index else 0.0 for i, t in enumerate(flat)]
    )
    weights = np.array([w[t] if t != ignore_index else 0.0 for t in flat])
    if reduction == "none":
        return picked.reshape(target.shape)
    return picked.sum() if reduction == "sum" else picked.sum() / weights.sum()


def np_cross_entropy_smoothed(x, target, weight, epsilon):
    logp = np_log_softmax(x, 1)
    classes = x.shape[1]
    w = np.ones(classes) if weight is None else weight
    nll = np_nll(logp, target, weight)
    smooth = -(logp * w).sum(axis=1).sum() / w[target].sum()
    return (1 - epsilon) * nll + epsilon / classes * smooth


def np_sigmoid(a):
    return 1 / (1 + np.exp(-a))


def np_softplus(a):
    return np.log1p(np.exp(-np.abs(a))) + np.maximum(a, 0)


def np_erf(a):
    return np.vectorize(math.erf)(a)


# --- the table ---


@dataclasses.dataclass
class Case:
    """One functional op on one set of operands. `inputs` are shapes of random float
    tensors (gradchecked) or fixed values (integer targets, settings) given as callables of
    the dtype; `domain` maps the uniform [-2, 2] values of float inputs."""

    name: str
    fn: Callable
    ref: Callable
    inputs: tuple
    domain: Callable | None = None
    gradcheck: bool = True


def fixed(value, dtype=None):
    """A constant operand: the same numpy value in the reference and as a tensor."""

    def make(float_dtype, device="cpu"):
        array = np.asarray(value)
        return array, torch.tensor(array, dtype=dtype or float_dtype, device=device)

    return make


def probabilities(a):
    return (np.abs(a) + 0.1) / 2.2  # in (0, 1)


def positive(a):
    return np.abs(a) + 0.2


def np_max_unpool2d(x, indices, size):
    """Each x value put at its flat index in zero planes of `size`."""
    n, c = x.shape[:2]
    out = np.zeros((n, c, size[0] * size[1]), x.dtype)
    np.put_along_axis(out, indices.reshape(n, c, -1), x.reshape(n, c, -1), axis=2)
    return out.reshape(n, c, *size)


def unpool_indices(size, pooled, seed):
    """Valid, distinct max-pool indices into planes of `size` for a (1, 2, *pooled) input:
    one pixel of each 2x2 window, chosen at random."""
    rng = np.random.default_rng(seed)
    rows = 2 * np.arange(pooled[0])[:, None] + rng.integers(0, 2, (2, *pooled))
    cols = 2 * np.arange(pooled[1])[None, :] + rng.integers(0, 2, (2, *pooled))
    return (rows * size[1] + cols)[None].astype(np.int64)


def no_ties(a):
    """Distinct values (max pooling is not differentiable at ties)."""
    return a + np.arange(a.size).reshape(a.shape) * 1e-2


TARGETS = fixed([1, 0, 3], torch.int64)
W4 = fixed([0.5, 1.0, 2.0, 1.5])
CASES = [
    # layers
    Case("linear", F.linear, lambda x, w, b: x @ w.T + b, ((3, 4), (5, 4), (5,))),
    Case("linear_3d_no_bias", F.linear, lambda x, w: x @ w.T, ((2, 3, 4), (5, 4))),
    Case("conv2d", F.conv2d, np_conv2d, ((2, 2, 5, 5), (3, 2, 3, 3), (3,))),
    Case(
        "conv2d_strided_padded_dilated_groups",
        lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
        lambda x, w, b: np_conv2d(x, w, b, (2, 1), 1, (1, 2), 2),
        ((1, 4, 5, 6), (4, 2, 3, 2), (4,)),
    ),
    Case("conv2d_pointwise", F.conv2d, np_conv2d, ((2, 3, 3, 3), (2, 3, 1, 1))),
    Case(
        "conv2d_unbatched_same",
        lambda x, w: F.conv2d(x, w, padding="same"),
        lambda x, w: np_conv2d(x[None], w, padding=1)[0],
        ((2, 4, 4), (3, 2, 3, 3)),
    ),
    Case(
        "conv2d_same_even_kernel",
        lambda x, w: F.conv2d(x, w, padding="same"),
        lambda x, w: np_conv2d(np.pad(x, ((0, 0), (0, 0), (0, 1), (1, 2))), w),
        ((1, 2, 4, 5), (2, 2, 2, 4)),
    ),
    Case(
        "conv1d",
        lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1),
        lambda x, w, b: np_conv1d(x, w, b, 2, 1),
        ((2, 3, 7), (4, 3, 3), (4,)),
    ),
    Case(
        "conv_transpose2d",
        F.conv_transpose2d,
        np_conv_transpose2d,
        ((2, 3, 3, 3), (3, 2, 3, 3), (2,)),
    ),
    Case(
        "conv_transpose2d_strided_groups",
        lambda x, w, b: F.conv_transpose2d(
            x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=1
        ),
        lambda x, w, b: np_conv_transpose2d(x, w, b, 2, 1, 1, 2, 1),
        ((1, 4, 3, 2), (4, 1, 3, 3), (2,)),
    ),
    Case(
        "conv_transpose1d",
        lambda x, w: F.conv_transpose1d(x, w, stride=2),
        lambda x, w: np_conv_transpose2d(x[:, :, None], w[:, :, None], None, (1, 2))[:, :, 0],
        ((1, 2, 4), (2, 3, 3)),
    ),
    Case(
        "max_pool2d",
        lambda x: F.max_pool2d(x, 2),
        lambda x: np_max_pool2d(x, 2),
        ((2, 2, 4, 5),),
        no_ties,
    ),
    Case(
        "max_pool2d_padded_ceil_dilated",
        lambda x: F.max_pool2d(x, 3, 2, 1, dilation=1, ceil_mode=True),
        lambda x: np_max_pool2d(x, 3, 2, 1, 1, True),
        ((1, 2, 6, 5),),
        no_ties,
    ),
    Case(
        "max_pool2d_dilated",
        lambda x: F.max_pool2d(x, 2, 1, 0, dilation=2),
        lambda x: np_max_pool2d(x, 2, 1, 0, 2),
        ((1, 1, 5, 5),),
        no_ties,
    ),
    Case(
        "max_pool1d",
        lambda x: F.max_pool1d(x, 3, 2, 1),
        lambda x: np_max_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1))[:, :, 0],
        ((2, 2, 7),),
        no_ties,
    ),
    Case(
        "max_unpool2d",
        lambda x, i: F.max_unpool2d(x, i, 2),
        lambda x, i: np_max_unpool2d(x, i, (4, 6)),
        ((1, 2, 2, 3), fixed(unpool_indices((4, 6), (2, 3), 0), torch.int64)),
    ),
    Case(
        "max_unpool2d_output_size",
        lambda x, i: F.max_unpool2d(x, i, 2, output_size=(5, 7)),
        lambda x, i: np_max_unpool2d(x, i, (5, 7)),
        ((1, 2, 2, 3), fixed(unpool_indices((5, 7), (2, 3), 1), torch.int64)),
    ),
    Case(
        "avg_pool2d", lambda x: F.avg_pool2d(x, 2), lambda x: np_avg_pool2d(x, 2), ((2, 2, 4, 4),)
    ),
    Case(
        "avg_pool2d_padded_ceil_exclude_pad",
        lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        lambda x: np_avg_pool2d(x, 3, 2, 1, True, False),
        ((1, 2, 6, 5),),
    ),
    Case(
        "avg_pool2d_include_pad_divisor",
        lambda x: F.avg_pool2d(x, 3, 2, 1, divisor_override=4),
        lambda x: np_avg_pool2d(x, 3, 2, 1, divisor_override=4),
        ((1, 1, 5, 5),),
    ),
    Case(
        "avg_pool1d",
        lambda x: F.avg_pool1d(x, 2),
        lambda x: np_avg_pool2d(x[:, :, None], (1, 2))[:, :, 0],
        ((2, 3, 6),),
    ),
    Case(
        "adaptive_avg_pool2d",
        lambda x: F.adaptive_avg_pool2d(x, (3, 2)),
        lambda x: np_adaptive_avg_pool2d(x, (3, 2)),
        ((2, 2, 5, 5),),
    ),
    Case(
        "adaptive_avg_pool2d_global",
        lambda x: F.adaptive_avg_pool2d(x, 1),
        lambda x: x.mean(axis=(2, 3), keepdims=True),
        ((2, 3, 4, 4),),
    ),
    # activations
    Case("relu", F.relu, lambda x: np.maximum(x, 0), ((3, 4),)),
    Case("relu6", F.relu6, lambda x: np.clip(x, 0, 6), ((3, 4),), lambda a: a * 4),
    Case(
        "leaky_relu",
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: np.where(x > 0, x, 0.2 * x),
        ((3, 4),),
    ),
    Case(
        "elu", lambda x: F.elu(x, 0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), ((3, 4),)
    ),
    Case(
        "selu",
        F.selu,
        lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
        ((3, 4),),
    ),
    Case("gelu", F.gelu, lambda x: 0.5 * x * (1 + np_erf(x / np.sqrt(2))), ((3, 4),)),
    Case(
        "gelu_tanh",
        lambda x: F.gelu(x, approximate="tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))),
        ((3, 4),),
    ),
    Case("silu", F.silu, lambda x: x * np_sigmoid(x), ((3, 4),)),
    Case("mish", F.mish, lambda x: x * np.tanh(np_softplus(x)), ((3, 4),)),
    Case("sigmoid", F.sigmoid, np_sigmoid, ((3, 4),)),
    Case("tanh", F.tanh, np.tanh, ((3, 4),)),
    Case(
        "softplus",
        lambda x: F.softplus(x, beta=2, threshold=3),
        lambda x: np.where(2 * x > 3, x, np_softplus(2 * x) / 2),
        ((3, 4),),
    ),
    Case("logsigmoid", F.logsigmoid, lambda x: -np_softplus(-x), ((3, 4),), lambda a: a * 20),
    Case("softsign", F.softsign, lambda x: x / (1 + np.abs(x)), ((3, 4),)),
    Case(
        "hardtanh", lambda x: F.hardtanh(x, -0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5), ((3, 4),)
    ),
    Case(
        "hardsigmoid",
        F.hardsigmoid,
        lambda x: np.clip(x / 6 + 0.5, 0, 1),
        ((3, 4),),
        lambda a: a * 3,
    ),
    Case(
        "hardswish",
        F.hardswish,
        lambda x: x * np.clip(x / 6 + 0.5, 0, 1),
        ((3, 4),),
        lambda a: a * 3,
    ),
    Case("softmax", lambda x: F.softmax(x, dim=1), lambda x: np_softmax(x, 1), ((3, 4),)),
    Case(
        "log_softmax",
        lambda x: F.log_softmax(x, dim=-1),
        lambda x: np_log_softmax(x, -1),
        ((2, 3, 4),),
    ),
    Case("softmin", lambda x: F.softmin(x, dim=0), lambda x: np_softmax(-x, 0), ((3, 4),)),
    # normalization, embedding, padding
    Case(
        "batch_norm_training",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        np_batch_norm_train,
        ((3, 2, 2, 2), (2,), (2,)),
    ),
    Case(
        "batch_norm_1d_training",
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        np_batch_norm_train,
        ((4, 3), (3,), (3,)),
    ),
    Case(
        "batch_norm_eval",
        lambda x, m, v, w, b: F.batch_norm(x, m.detach(), v.detach(), w, b, training=False),
        lambda x, m, v, w, b: (
            (x - m[:, None]) / np.sqrt(v[:, None] + 1e-5) * w[:, None] + b[:, None]
        ),
        ((4, 3, 2), fixed([0.1, -0.2, 0.3]), fixed([1.5, 0.5, 2.0]), (3,), (3,)),
    ),
    Case(
        "layer_norm",
        lambda x, w, b: F.layer_norm(x, (4,), w, b),
        np_layer_norm,
        ((2, 3, 4), (4,), (4,)),
    ),
    Case(
        "layer_norm_2d_shape",
        lambda x: F.layer_norm(x, (2, 3)),
        lambda x: np_layer_norm(x.reshape(4, 6), 1.0, 0.0).reshape(4, 2, 3),
        ((4, 2, 3),),
    ),
    Case(
        "embedding",
        lambda i, w: F.embedding(i, w),
        lambda i, w: w[i],
        (fixed([[0, 2], [3, 2]], torch.int64), (4, 3)),
    ),
    Case(
        "pad_constant",
        lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
        lambda x: np.pad(x, ((0, 0), (0, 1), (1, 2)), constant_values=0.5),
        ((2, 3, 2),),
    ),
    Case(
        "pad_crop",
        lambda x: F.pad(x, (-1, 1)),
        lambda x: np.pad(x[:, 1:], ((0, 0), (0, 1))),
        ((2, 4),),
    ),
    Case(
        "pad_reflect",
        lambda x: F.pad(x, (2, 1), mode="reflect"),
        lambda x: np.pad(x, ((0, 0), (0, 0), (2, 1)), mode="reflect"),
        ((1, 2, 4),),
    ),
    Case(
        "pad_replicate",
        lambda x: F.pad(x, (1, 2, 2, 0), mode="replicate"),
        lambda x: np.pad(x, ((0, 0), (0, 0), (2, 0), (1, 2)), mode="edge"),
        ((1, 1, 3, 3),),
    ),
    Case(
        "pad_circular",
        lambda x: F.pad(x, (1, 2), mode="circular"),
        lambda x: np.pad(x, ((0, 0), (0, 0), (1, 2)), mode="wrap"),
        ((1, 2, 4),),
    ),
    Case(
        "normalize", F.normalize, lambda x: x / np.linalg.norm(x, axis=1, keepdims=True), ((3, 4),)
    ),
    # losses
    Case("mse_loss", F.mse_loss, lambda x, y: ((x - y) ** 2).mean(), ((3, 4), (3, 4))),
    Case(
        "mse_loss_sum",
        lambda x, y: F.mse_loss(x, y, reduction="sum"),
        lambda x, y: ((x - y) ** 2).sum(),
        ((3, 4), (3, 4)),
    ),
    Case(
        "mse_loss_none",
        lambda x, y: F.mse_loss(x, y, reduction="none"),
        lambda x, y: (x - y) ** 2,
        ((3, 4), (3, 4)),
    ),
    Case("l1_loss", F.l1_loss, lambda x, y: np.abs(x - y).mean(), ((3, 4), (3, 4))),
    Case(
        "smooth_l1_loss",
        lambda x, y: F.smooth_l1_loss(x, y, beta=0.5),
        lambda x, y: np.where(
            np.abs(x - y) < 0.5, 0.5 * (x - y) ** 2 / 0.5, np.abs(x - y) - 0.25
        ).mean(),
        ((3, 4), (3, 4)),
    ),
    Case(
        "huber_loss",
        lambda x, y: F.huber_loss(x, y, reduction="sum", delta=0.7),
        lambda x, y: np.where(
            np.abs(x - y) < 0.7, 0.5 * (x - y) ** 2, 0.7 * (np.abs(x - y) - 0.35)
        ).sum(),
        ((3, 4), (3, 4)),
    ),
    Case("nll_loss", F.nll_loss, np_nll, ((3, 4), TARGETS)),
    Case(
        "nll_loss_weight_ignore",
        lambda x, t, w: F.nll_loss(x, t, w, ignore_index=3),
        lambda x, t, w: np_nll(x, t, w, ignore_index=3),
        ((3, 4), TARGETS, W4),
    ),
    Case(
        "nll_loss_spatial_none",
        lambda x, t: F.nll_loss(x, t, reduction="none"),
        lambda x, t: np_nll(x, t, reduction="none"),
        ((2, 3, 2), fixed([[0, 2], [1, 1]], torch.int64)),
    ),
    Case(
        "cross_entropy",
        F.cross_entropy,
        lambda x, t: np_nll(np_log_softmax(x, 1), t),
        ((3, 4), TARGETS),
    ),
    Case(
        "cross_entropy_none",
        lambda x, t: F.cross_entropy(x, t, reduction="none"),
        lambda x, t: np_nll(np_log_softmax(x, 1), t, reduction="none"),
        ((3, 4), TARGETS),
    ),
    Case(
        "cross_entropy_sum_weight",
        lambda x, t, w: F.cross_entropy(x, t, w, reduction="sum"),
        lambda x, t, w: np_nll(np_log_softmax(x, 1), t, w, reduction="sum"),
        ((3, 4), TARGETS, W4),
    ),
    Case(
        "cross_entropy_ignore_index",
        lambda x, t: F.cross_entropy(x, t, ignore_index=0),
        lambda x, t: np_nll(np_log_softmax(x, 1), t, ignore_index=0),
        ((3, 4), TARGETS),
    ),
    Case(
        "cross_entropy_label_smoothing",
        lambda x, t, w: F.cross_entropy(x, t, w, label_smoothing=0.2),
        lambda x, t, w: np_cross_entropy_smoothed(x, t, w, 0.2),
        ((3, 4), TARGETS, W4),
    ),
    Case(
        "cross_entropy_probabilities",
        lambda x, p: F.cross_entropy(x, p, label_smoothing=0.1),
        lambda x, p: -(np_log_softmax(x, 1) * (p * 0.9 + 0.025)).sum(axis=1).mean(),
        ((3, 4), fixed(np_softmax(np.arange(12.0).reshape(3, 4) % 5, 1))),
    ),
    Case(
        "cross_entropy_unbatched",
        F.cross_entropy,
        lambda x, t: -np_log_softmax(x, 0)[t],
        ((5,), fixed(2, torch.int64)),
    ),
    Case(
        "binary_cross_entropy",
        F.binary_cross_entropy,
        lambda x, y: -(y * np.log(x) + (1 - y) * np.log(1 - x)).mean(),
        ((3, 4), (3, 4)),
        probabilities,
    ),
    Case(
        "binary_cross_entropy_weight_sum",
        lambda x, y, w: F.binary_cross_entropy(x, y, w, reduction="sum"),
        lambda x, y, w: -(w * (y * np.log(x) + (1 - y) * np.log(1 - x))).sum(),
        ((3, 4), (3, 4), (4,)),
        probabilities,
    ),
    Case(
        "binary_cross_entropy_with_logits",
        lambda x, y: F.binary_cross_entropy_with_logits(x, y),
        lambda x, y: (-(y * np.log(np_sigmoid(x)) + (1 - y) * np.log(1 - np_sigmoid(x)))).mean(),
        ((3, 4), fixed(np.linspace(0, 1, 12).reshape(3, 4))),
    ),
    Case(
        "binary_cross_entropy_with_logits_pos_weight",
        lambda x, y, p: F.binary_cross_entropy_with_logits(x, y, pos_weight=p, reduction="none"),
        lambda x, y, p: -(p * y * np.log(np_sigmoid(x)) + (1 - y) * np.log(1 - np_sigmoid(x))),
        ((3, 4), fixed(np.linspace(0, 1, 12).reshape(3, 4)), W4),
    ),
    Case(
        "kl_div",
        lambda x, y: F.kl_div(x, y, reduction="batchmean"),
        lambda x, y: (y * (np.log(y) - x)).sum() / x.shape[0],
        ((3, 4), (3, 4)),
        positive,
    ),
]


def _operands(case: Case, dtype, seed: int = 0, device: str = "cpu"):
    """(numbatorch operands, numpy operands): random float tensors for shapes, fixed values
    as given; in float64 the random ones require grad."""
    rng = np.random.default_rng(seed)
    tensors, arrays = [], []
    for spec in case.inputs:
        if callable(spec):
            array, tensor = spec(dtype, device)
        else:
            array = rng.uniform(-2, 2, spec)
            if case.domain is not None:
                array = case.domain(array)
            tensor = torch.tensor(array, dtype=dtype, device=device)
            if dtype is torch.float64:
                tensor.requires_grad_(True)
        tensors.append(tensor)
        arrays.append(array)
    return tensors, arrays


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_value_matches_numpy(case, dtype, device):
    if device == "cuda" and dtype is torch.float64:
        pytest.skip("the CUDA simulator runs the functional table in float32 only")
    tensors, arrays = _operands(case, dtype, device=device)
    result = case.fn(*tensors)
    expected = np.asarray(case.ref(*arrays))
    assert result.dtype is dtype
    assert result.device.type == device
    assert tuple(result.shape) == expected.shape
    tolerance = 2e-5 if dtype is torch.float32 else 1e-10
    got = result.detach().cpu().numpy()
    np.testing.assert_allclose(got, expected, rtol=tolerance, atol=tolerance)


def _differentiable(case: Case, tensors: list):
    """case.fn as a function of the operands that require grad, and those operands."""
    positions = [i for i, t in enumerate(tensors) if t.requires_grad]

    def fn(*differentiable):
        args = list(tensors)
        for i, t in zip(positions, differentiable):
            args[i] = t
        return case.fn(*args)

    return fn, [tensors[i] for i in positions]


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=lambda c: c.name)
def test_gradient_passes_gradcheck(case, device):
    """gradcheck in float64 on the CPU; on CUDA, the gradients equal the CPU's (which
    gradcheck vouches for), as the op table checks them."""
    fn, inputs = _differentiable(case, _operands(case, torch.float64, seed=1)[0])
    if device == "cpu":
        assert torch.autograd.gradcheck(fn, inputs)
        return
    device_fn, device_inputs = _differentiable(
        case, _operands(case, torch.float64, seed=1, device=device)[0]
    )
    grads = []
    for run, xs in ((fn, inputs), (device_fn, device_inputs)):
        output = run(*xs)
        grads.append(torch.autograd.grad(output, xs, torch.ones_like(output), allow_unused=True))
    for want, got, x in zip(*grads, inputs):
        want = np.zeros(x.shape) if want is None else want.numpy()
        got = np.zeros(x.shape) if got is None else got.cpu().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("padding", [0, 1, 2])
def test_conv2d_as_winograd_matches_numpy_and_passes_gradcheck(monkeypatch, padding):
    # the CPU runs 3x3 stride-1 convolutions with enough channels and pixels as Winograd;
    # forced here on small shapes, a non-contiguous input (a transposed view) included
    for name in ("WINOGRAD_CHANNELS", "WINOGRAD_IMAGE_BLOCKS", "WINOGRAD_THREAD_BLOCKS"):
        monkeypatch.setattr(conv_kernels, name, 0)
    monkeypatch.setattr(conv_kernels, "WINOGRAD_WEIGHT_BYTES", 1 << 62)
    calls = []
    run = conv_kernels.winograd.forward
    monkeypatch.setattr(
        conv_kernels.winograd, "forward", lambda *a, **k: calls.append(a) or run(*a, **k)
    )
    rng = np.random.default_rng(7)
    x_array = rng.uniform(-2, 2, (2, 3, 4, 5))
    w_array, b_array = rng.uniform(-2, 2, (4, 3, 3, 3)), rng.uniform(-2, 2, 4)
    x_t = torch.tensor(x_array.transpose(0, 1, 3, 2).copy(), requires_grad=True)
    w = torch.tensor(w_array, requires_grad=True)
    b = torch.tensor(b_array, requires_grad=True)

    def conv(x_t, w, b):
        x = x_t.transpose(2, 3)
        assert not x.is_contiguous()
        return F.conv2d(x, w, b, padding=padding)

    expected = np_conv2d(x_array, w_array, b_array, padding=padding)
    np.testing.assert_allclose(conv(x_t, w, b).detach().numpy(), expected, rtol=1e-10, atol=1e-10)
    assert torch.autograd.gradcheck(conv, [x_t, w, b])
    assert calls  # the forward and the input gradient ran as Winograd


# --- grad_fn names ---


@pytest.mark.parametrize(
    ("fn", "name"),
    [
        (lambda x: F.conv2d(x, torch.randn(2, 1, 3, 3)), "ConvolutionBackward0"),
        (lambda x: F.conv_transpose2d(x, torch.randn(1, 2, 3, 3)), "ConvolutionBackward0"),
        (lambda x: F.max_pool2d(x, 2), "MaxPool2DWithIndicesBackward0"),
        (lambda x: F.avg_pool2d(x, 2), "AvgPool2DBackward0"),
        (
            lambda x: F.max_unpool2d(x, torch.arange(0, 64, 4).reshape(1, 1, 4, 4), 2),
            "MaxUnpool2DBackward0",
        ),
        (lambda x: F.adaptive_avg_pool2d(x, 2), "AdaptiveAvgPool2DBackward0"),
        (lambda x: F.batch_norm(x, None, None, training=True), "NativeBatchNormBackward0"),
        (lambda x: F.layer_norm(x, (4,)), "NativeLayerNormBackward0"),
        (lambda x: F.mse_loss(x, torch.zeros(1, 1, 4, 4)), "MseLossBackward0"),
        (
            lambda x: F.cross_entropy(x.reshape(4, 4), torch.tensor([0, 1, 2, 3])),
            "NllLossBackward0",
        ),
    ],
)
def test_grad_fn_names_are_pytorchs(fn, name):
    x = torch.randn(1, 1, 4, 4, requires_grad=True)
    assert type(fn(x).grad_fn).__name__ == name


def test_max_pool_returns_pytorch_flat_indices():
    x = torch.tensor([[[[1.0, 5.0, 2.0], [4.0, 3.0, 9.0], [0.0, 8.0, 7.0]]]])
    out, indices = F.max_pool2d(x, 2, 1, return_indices=True)
    assert out.tolist() == [[[[5.0, 9.0], [8.0, 9.0]]]]
    assert indices.tolist() == [[[[1, 5], [7, 5]]]]
    assert indices.dtype is torch.int64


def test_max_pool_gradient_goes_to_each_maximum():
    x = torch.tensor([[[[1.0, 5.0, 2.0], [4.0, 3.0, 9.0], [0.0, 8.0, 7.0]]]], requires_grad=True)
    F.max_pool2d(x, 2, 1).sum().backward()
    assert x.grad.tolist() == [[[[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [0.0, 1.0, 0.0]]]]


def test_cross_entropy_equals_log_softmax_then_nll():
    x = torch.randn(5, 3)
    t = torch.tensor([0, 2, 1, 1, 0])
    np.testing.assert_allclose(
        F.cross_entropy(x, t).item(), F.nll_loss(F.log_softmax(x, 1), t).item(), rtol=1e-6
    )


def test_cross_entropy_of_only_ignored_targets_is_nan_with_zero_gradient():
    x = torch.randn(3, 4, requires_grad=True)
    loss = F.cross_entropy(x, torch.tensor([-100, -100, -100]))
    loss.backward()
    assert math.isnan(loss.item())
    assert x.grad.tolist() == [[0.0] * 4] * 3


def test_cross_entropy_has_a_second_derivative():
    # the one-kernel backward builds no graph; create_graph takes a differentiable one
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([1, -100, 4, 0])
    assert torch.autograd.gradgradcheck(lambda z: F.cross_entropy(z, target), [x])


def test_binary_cross_entropy_with_logits_is_stable_for_large_logits():
    x = torch.tensor([1000.0, -1000.0, 0.0], requires_grad=True)
    y = torch.tensor([0.0, 1.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), [1000.0, 1000.0, math.log(2)], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, -0.5], rtol=1e-6)


def test_binary_cross_entropy_clamps_log_at_minus_100():
    loss = F.binary_cross_entropy(
        torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]), reduction="none"
    )
    assert loss.tolist() == [100.0, 100.0]


def test_batch_norm_updates_running_statistics_with_unbiased_variance():
    x = torch.randn(4, 3, 2, 2)
    mean, var = torch.zeros(3), torch.ones(3)
    F.batch_norm(x, mean, var, training=True, momentum=0.25)
    values = x.numpy().transpose(1, 0, 2, 3).reshape(3, -1)
    np.testing.assert_allclose(mean.numpy(), 0.25 * values.mean(1), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(var.numpy(), 0.75 + 0.25 * values.var(1, ddof=1), rtol=1e-5)


def test_dropout_scales_kept_values_and_zeroes_the_rest():
    x = torch.ones(2000)
    y = F.dropout(x, p=0.25)
    kept = y.numpy()[y.numpy() != 0]
    np.testing.assert_allclose(kept, 1 / 0.75, rtol=1e-6)
    assert 0.2 < float((y == 0).float().mean()) < 0.3


def test_dropout_is_identity_when_not_training_or_p_zero():
    x = torch.randn(10)
    assert F.dropout(x, 0.5, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 0.0).numpy(), x.numpy())
    assert F.dropout(x, 1.0).abs().sum().item() == 0


def test_dropout_follows_the_global_seed():
    torch.manual_seed(3)
    a = F.dropout(torch.ones(50))
    torch.manual_seed(3)
    b = F.dropout(torch.ones(50))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dropout2d_zeroes_whole_channels():
    y = F.dropout2d(torch.ones(4, 8, 3, 3), p=0.5)
    per_channel = y.reshape(32, 9).numpy()
    assert all(len(set(row.tolist())) == 1 for row in per_channel)


DROPOUT2D_RANK_WARNING = (
    r"dropout2d: Received a 2-D input to dropout2d, which is deprecated and will result in "
    r"an error in a future release\. To retain the behavior and silence this warning, please "
    r"use dropout instead\."
)


def test_dropout2d_on_a_2d_input_warns_like_pytorch_and_drops_elements():
    layer = torch.nn.Dropout2d(0.5)
    with pytest.warns(UserWarning, match=DROPOUT2D_RANK_WARNING):
        y = layer(torch.ones(20, 30))
    # PyTorch's feature dropout draws per (dim 0, dim 1) pair: here per element
    assert set(np.unique(y.numpy()).tolist()) == {0.0, 2.0}
    assert all(len(set(row.tolist())) == 2 for row in y.numpy())


def test_dropout2d_on_a_3d_input_takes_it_as_n_c_l_as_pytorch_does():
    with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
        y = F.dropout2d(torch.ones(6, 5, 4))
    rows = y.reshape(30, 4).numpy()
    assert all(len(set(row.tolist())) == 1 for row in rows)
    assert len({row[0] for row in rows}) == 2


def test_dropout2d_on_a_1d_input_warns_then_raises():
    with pytest.warns(UserWarning, match="Received a 1-D input to dropout2d"):
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
            F.dropout2d(torch.ones(5))


def test_dropout1d_and_dropout3d_draw_per_channel():
    y = F.dropout1d(torch.ones(8, 5))  # unbatched (C, L)
    assert all(len(set(row.tolist())) == 1 for row in y.numpy())
    z = torch.nn.Dropout3d()(torch.ones(2, 6, 2, 2, 2))
    assert all(len(set(row.tolist())) == 1 for row in z.reshape(12, 8).numpy())
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D"):
        F.dropout1d(torch.ones(1, 2, 3, 4))


def test_inplace_relu_writes_into_its_input():
    x = torch.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x
    assert x.tolist() == [0.0, 2.0]
    y = torch.tensor([-1.0, 2.0])
    F.leaky_relu(y, 0.5, inplace=True)
    assert y.tolist() == [-0.5, 2.0]


def test_embedding_padding_row_gets_no_gradient():
    weight = torch.randn(4, 2, requires_grad=True)
    F.embedding(torch.tensor([0, 1, 1, 3]), weight, padding_idx=1).sum().backward()
    assert weight.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]


def test_one_hot():
    assert F.one_hot(torch.tensor([2, 0])).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert F.one_hot(torch.tensor([1]), 4).tolist() == [[0, 1, 0, 0]]


# --- errors with PyTorch's types and messages ---


def _raises(error, message, fn):
    with pytest.raises(error) as info:
        fn()
    assert str(info.value) == message


def test_conv2d_channel_mismatch_message():
    _raises(
        RuntimeError,
        "Given groups=1, weight of size [64, 3, 3, 3], expected "
        "input[4, 64, 10, 10] to have 3 channels, but got 64 channels instead",
        lambda: F.conv2d(torch.randn(4, 64, 10, 10), torch.randn(64, 3, 3, 3)),
    )


def test_conv2d_kernel_larger_than_padded_input_message():
    _raises(
        RuntimeError,
        "Calculated padded input size per channel: (2 x 2). Kernel size: "
        "(3 x 3). Kernel size can't be greater than actual input size",
        lambda: F.conv2d(torch.randn(1, 3, 2, 2), torch.randn(4, 3, 3, 3)),
    )


def test_conv_wrong_rank_messages():
    _raises(
        RuntimeError,
        "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 2]",
        lambda: F.conv2d(torch.randn(3, 2), torch.randn(1, 3, 1, 1)),
    )
    _raises(
        RuntimeError,
        "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got "
        "input of size: [1, 2, 3, 4]",
        lambda: F.conv1d(torch.randn(1, 2, 3, 4), torch.randn(1, 2, 1)),
    )


def test_conv2d_groups_and_bias_messages():
    _raises(
        RuntimeError,
        "Given groups=2, expected weight to be divisible by 2 at dimension 0, "
        "but got weight of size [3, 1, 3, 3] instead",
        lambda: F.conv2d(torch.randn(1, 2, 5, 5), torch.randn(3, 1, 3, 3), groups=2),
    )
    _raises(
        RuntimeError,
        "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional "
        "with 4 elements, but got bias of size [5] instead",
        lambda: F.conv2d(torch.randn(1, 3, 5, 5), torch.randn(4, 3, 3, 3), torch.randn(5)),
    )


def test_conv_transpose2d_channel_mismatch_message():
    _raises(
        RuntimeError,
        "Given transposed=1, weight of size [3, 6, 5, 5], expected "
        "input[1, 4, 8, 8] to have 3 channels, but got 4 channels instead",
        lambda: F.conv_transpose2d(torch.randn(1, 4, 8, 8), torch.randn(3, 6, 5, 5)),
    )


def test_conv2d_mixed_dtypes_message():
    _raises(
        RuntimeError,
        "Input type (torch.DoubleTensor) and weight type (torch.FloatTensor) should be the same",
        lambda: F.conv2d(torch.randn(1, 1, 3, 3, dtype=torch.float64), torch.randn(1, 1, 2, 2)),
    )


def test_pool_messages():
    _raises(
        RuntimeError,
        "pad should be at most half of effective kernel size, but got pad=2, "
        "kernel_size=3 and dilation=1",
        lambda: F.max_pool2d(torch.randn(1, 1, 5, 5), 3, padding=2),
    )
    _raises(
        RuntimeError,
        "Given input size: (1x1x1). Calculated output size: (1x0x0). Output size is too small",
        lambda: F.max_pool2d(torch.randn(1, 1, 1, 1), 2),
    )


def test_max_unpool2d_inverts_max_pool2d_and_repr():
    x = torch.randn(2, 3, 4, 6)
    out, indices = F.max_pool2d(x, 2, return_indices=True)
    restored = torch.nn.MaxUnpool2d(2)(out, indices)
    kept = restored.numpy() != 0
    np.testing.assert_array_equal(restored.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == out.numel()
    assert repr(torch.nn.MaxUnpool2d(2)) == (
        "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    )
    unbatched = F.max_unpool2d(out[0], indices[0], 2)
    np.testing.assert_array_equal(unbatched.numpy(), restored.numpy()[0])


def test_max_unpool2d_messages():
    x, i = torch.randn(1, 2, 2, 2), torch.tensor([[[[0, 1], [4, 5]]] * 2])
    _raises(RuntimeError, "elements in indices should be type int64 but got: Float",
            lambda: F.max_unpool2d(x, i.float(), 2))  # fmt: skip
    _raises(
        RuntimeError,
        "Expected shape of indices to be same as that of the input tensor ([1, 2, 2, 2]) but "
        "got indices tensor with shape: [1, 1, 2, 2]",
        lambda: F.max_unpool2d(x, i[:, :1], 2),
    )
    _raises(
        RuntimeError,
        "Found an invalid max index: 16 (output volumes are of size 4x4)",
        lambda: F.max_unpool2d(x, i + 11, 2),
    )
    _raises(
        ValueError,
        'invalid output_size "(9, 9)" (dim 0 must be between 2 and 6)',
        lambda: F.max_unpool2d(x, i, 2, output_size=(9, 9)),
    )


def test_loss_messages():
    _raises(
        ValueError,
        "Expected input batch_size (3) to match target batch_size (2).",
        lambda: F.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1])),
    )
    _raises(
        IndexError,
        "Target 4 is out of bounds.",
        lambda: F.cross_entropy(torch.randn(2, 4), torch.tensor([0, 4])),
    )
    _raises(
        ValueError,
        "foo is not a valid value for reduction",
        lambda: F.mse_loss(torch.randn(2), torch.randn(2), reduction="foo"),
    )
    _raises(
        ValueError,
        "Target size (torch.Size([3])) must be the same as input size (torch.Size([3, 1]))",
        lambda: F.binary_cross_entropy_with_logits(torch.randn(3, 1), torch.rand(3)),
    )
    _raises(
        ValueError,
        "Using a target size (torch.Size([3])) that is different to the input "
        "size (torch.Size([3, 1])) is deprecated. Please ensure they have the same size.",
        lambda: F.binary_cross_entropy(torch.rand(3, 1), torch.rand(3)),
    )
    _raises(
        RuntimeError,
        "expected target dtype to be Long or Byte, but got Float",
        lambda: F.nll_loss(torch.randn(2, 3), torch.tensor([0.0, 1.0])),
    )


def test_mse_loss_warns_when_target_broadcasts():
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(torch.randn(3, 1), torch.randn(3))


def test_dropout_probability_message():
    _raises(
        ValueError,
        "dropout probability has to be between 0 and 1, but got 1.5",
        lambda: F.dropout(torch.randn(2), 1.5),
    )


def test_embedding_index_out_of_range():
    _raises(
        IndexError,
        "index out of range in self",
        lambda: F.embedding(torch.tensor([4]), torch.randn(4, 2)),
    )
