"""Autograd Functions of batch and layer normalization, each with a closed-form backward
(fewer graph nodes and saved tensors than the composition, and PyTorch's grad_fn names).
Arguments arrive checked from `nn.functional.batch_norm` / `layer_norm`."""

from __future__ import annotations

from .. import _dtype
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..tensor import Tensor, empty_like_array
from ._common import kernels


def _channels_first_2d(x: Tensor) -> Tensor:
    """x (N, C, *) as a contiguous (C, N*prod(*)) matrix, so per-channel statistics are
    reductions over one contiguous row."""
    return x.transpose(0, 1).reshape(x.shape[1], -1)


class NativeBatchNorm(BuiltinFunction):
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1); in training
    the batch statistics are used and the running ones (when given) updated in place.
    Saves x, mean and invstd, as PyTorch does: the backward recomputes x_hat from them."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        channels = x.shape[1]
        shape = (1, channels) + (1,) * (x.ndim - 2)
        if training:
            rows = _channels_first_2d(x)
            mean = rows.mean(1)
            var = rows.var(1, correction=0)
            if running_mean is not None:
                n = rows.shape[1]
                running_mean.mul_(1 - momentum).add_(mean * momentum)
                running_var.mul_(1 - momentum).add_(var * (momentum * n / max(n - 1, 1)))
        else:
            mean, var = running_mean.to(x.dtype), running_var.to(x.dtype)
        invstd = (var + eps).rsqrt()
        out = (x - mean.reshape(shape)) * invstd.reshape(shape)
        if weight is not None:
            out = out * weight.reshape(shape)
        if bias is not None:
            out = out + bias.reshape(shape)
        ctx.save_for_backward(x, weight, mean, invstd)
        ctx.training, ctx.eps = training, eps
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, invstd = ctx.saved_tensors
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        if ctx.training and grad_mode.is_grad_enabled():
            # create_graph: the batch statistics as functions of x, so that the gradient's
            # own gradient sees how they move with it
            rows = _channels_first_2d(x)
            mean = rows.mean(1)
            invstd = (rows.var(1, correction=0) + ctx.eps).rsqrt()
        x_hat = (x - mean.reshape(shape)) * invstd.reshape(shape)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        if need_x:
            g = grad * weight.reshape(shape) if weight is not None else grad
            if ctx.training:
                # d/dx of the normalization with the batch statistics depending on x
                g_mean = _channels_first_2d(g).mean(1).reshape(shape)
                gx_mean = _channels_first_2d(g * x_hat).mean(1).reshape(shape)
                grad_x = (g - g_mean - x_hat * gx_mean) * invstd.reshape(shape)
            else:
                grad_x = g * invstd.reshape(shape)
        if need_w:
            grad_w = _channels_first_2d(grad * x_hat).sum(1)
        if need_b:
            grad_b = _channels_first_2d(grad).sum(1)
        return grad_x, grad_w, grad_b, None, None, None, None, None


class NativeLayerNorm(BuiltinFunction):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the trailing `n` elements: one
    kernel (mean and variance in one pass over each row, then the write), which saves
    each row's mean and 1 / sqrt(var + eps) for the backward kernel. Both directions hand
    the kernels (rows, n) reshapes of the backend arrays rather than reshaped tensors
    (five reshape ops a call, ~30 us, in a transformer block's three norms a step), and
    the weight and bias gradients are fresh tensors a leaf keeps without a copy."""

    @staticmethod
    def forward(ctx, x, n, weight, bias, eps):
        x = x.contiguous()
        dev = x._storage.device
        out = empty_like_array(tuple(x.shape), x.dtype, dev)
        rows = x.numel() // n if n else 0
        mean, rstd = (empty_like_array((rows,), _dtype.float64, dev) for _ in range(2))
        kernels(x).layer_norm_forward(
            _rows(x, n), _vector(weight, n), _vector(bias, n), _rows(out, n), mean._array,
            rstd._array, eps,
        )  # fmt: skip
        ctx.save_for_backward(x, weight, mean, rstd)
        ctx.meta = (x.shape, n)
        ctx.eps = eps
        ctx.bias_shape = bias.shape if bias is not None else None
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors
        shape, n = ctx.meta
        need_x, _, need_w, need_b, _ = ctx.needs_input_grad
        grad = grad.to(x.dtype).contiguous()
        if grad_mode.is_grad_enabled():
            # create_graph: a differentiable composition, with the row statistics as
            # functions of x, so that the gradient's own gradient sees how they move with it
            rows = x.reshape(-1, n)
            mean = rows.mean(1)
            rstd = (rows.var(1, correction=0) + ctx.eps).rsqrt()
            return _layer_norm_backward_composed(grad.reshape(-1, n), rows, weight, mean, rstd,
                                                 ctx)  # fmt: skip
        dev = x._storage.device
        grad_x = empty_like_array(tuple(shape), x.dtype, dev) if need_x else None
        sums = need_w or need_b
        grad_w, grad_b = (empty_like_array((n,), x.dtype, dev) if sums else None for _ in range(2))
        kernels(x).layer_norm_backward(
            _rows(grad, n), _rows(x, n), _vector(weight, n), mean._array, rstd._array,
            _rows(grad_x, n) if need_x else None, grad_w._array if sums else None,
            grad_b._array if sums else None,
        )  # fmt: skip
        if need_w and tuple(weight.shape) != (n,):
            grad_w = grad_w.reshape(weight.shape)
        if need_b and tuple(ctx.bias_shape) != (n,):
            grad_b = grad_b.reshape(ctx.bias_shape)
        return grad_x, None, grad_w if need_w else None, grad_b if need_b else None, None


def _rows(t: Tensor, n: int):
    """The backend array of contiguous t as (rows, n)."""
    return t._array.reshape(t.numel() // n if n else 0, n)


def _vector(t: Tensor | None, n: int):
    """The backend array of an affine parameter as (n,) (contiguous first), or None."""
    return None if t is None else t.contiguous()._array.reshape(n)


def _layer_norm_backward_composed(grad, rows, weight, mean, rstd, ctx):
    """NativeLayerNorm's gradients as tensor ops, differentiable again (double backward)."""
    shape, n = ctx.meta
    need_x, _, need_w, need_b, _ = ctx.needs_input_grad
    mean = mean.to(rows.dtype).unsqueeze(1)
    rstd = rstd.to(rows.dtype).unsqueeze(1)
    x_hat = (rows - mean) * rstd
    grad_x = grad_w = grad_b = None
    if need_x:
        g = grad * weight.reshape(n) if weight is not None else grad
        grad_x = (
            (g - g.mean(1, keepdim=True) - x_hat * (g * x_hat).mean(1, keepdim=True)) * rstd
        ).reshape(shape)
    if need_w:
        grad_w = (grad * x_hat).sum(0).reshape(weight.shape)
    if need_b:
        grad_b = grad.sum(0).reshape(ctx.bias_shape)
    return grad_x, None, grad_w, grad_b, None
