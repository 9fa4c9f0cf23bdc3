"""Autograd Functions of the layers with kernels of their own (kernels/*/layers.py): group
normalization, adaptive max pooling, EmbeddingBag's max mode and the CTC loss; and
Unfold/Fold on the convolution's im2col/col2im kernels. Arguments arrive checked from
`nn.functional`."""

from __future__ import annotations

from .. import _creation, _dtype
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..kernels.contract import Window
from ._common import cast, empty, kernels


def _compute_dtype(x):
    """Numba has no half arithmetic: float16 inputs are computed in float32."""
    return _dtype.float32 if x.dtype is _dtype.float16 else x.dtype


class NativeGroupNorm(BuiltinFunction):
    """y = (x - mean) * rstd * weight + bias with mean and rstd over each group of
    channels of each sample, in one kernel pass each way; weight and bias may be None."""

    @staticmethod
    def forward(ctx, x, groups, weight, bias, eps):
        dtype = _compute_dtype(x)
        channels = x.shape[1]
        xc = cast(x, dtype).contiguous()
        w = cast(weight, dtype).contiguous() if weight is not None else None
        if w is None:
            w = _creation.ones(channels, dtype=dtype, device=x.device)
        b = cast(bias, dtype).contiguous() if bias is not None else None
        if b is None:
            b = _creation.zeros(channels, dtype=dtype, device=x.device)
        out = empty(x.shape, dtype, x.device)
        mean = empty((x.shape[0] * groups,), dtype, x.device)
        rstd = empty((x.shape[0] * groups,), dtype, x.device)
        kernels(x).group_norm_forward(xc._array, w._array, b._array, groups, eps, out._array,
                                      mean._array, rstd._array)  # fmt: skip
        ctx.save_for_backward(xc, mean, rstd, w)
        ctx.meta = (groups, x.dtype)
        ctx.eps = eps
        return cast(out, x.dtype)

    @staticmethod
    def _composed_backward(x, grad, w, groups, eps, dtype, needs):
        """The backward from differentiable ops, the statistics recomputed from x, so a
        graph is built through it (double backward)."""
        n, channels = x.shape[:2]
        rows = x.reshape(n, groups, -1)
        mean = rows.mean(2, keepdim=True)
        rstd = (rows.var(2, correction=0, keepdim=True) + eps).rsqrt()
        x_hat = ((rows - mean) * rstd).reshape(x.shape)
        per_channel = (1, channels) + (1,) * (x.ndim - 2)
        g = (grad * w.reshape(per_channel)).reshape(n, groups, -1)
        x_hat_rows = x_hat.reshape(n, groups, -1)
        grad_x = (
            g - g.mean(2, keepdim=True) - x_hat_rows * (g * x_hat_rows).mean(2, keepdim=True)
        ) * rstd
        others = tuple(d for d in range(x.ndim) if d != 1)
        return (
            cast(grad_x.reshape(x.shape), dtype) if needs[0] else None,
            None,
            cast((grad * x_hat).sum(others), dtype) if needs[2] else None,
            cast(grad.sum(others), dtype) if needs[3] else None,
            None,
        )

    @staticmethod
    def backward(ctx, grad):
        xc, mean, rstd, w = ctx.saved_tensors
        groups, dtype = ctx.meta
        need_x, _, need_w, need_b, _ = ctx.needs_input_grad
        if grad_mode.is_grad_enabled():  # create_graph: the same gradient, differentiable
            return NativeGroupNorm._composed_backward(xc, grad, w, groups, ctx.eps, dtype,
                                                      ctx.needs_input_grad)  # fmt: skip
        grad_x = empty(xc.shape, xc.dtype, xc.device)
        grad_scale = empty(xc.shape[:2], xc.dtype, xc.device)
        grad_shift = empty(xc.shape[:2], xc.dtype, xc.device)
        kernels(xc).group_norm_backward(cast(grad, xc.dtype).contiguous()._array, xc._array,
                                        mean._array, rstd._array, w._array, groups,
                                        grad_x._array, grad_scale._array,
                                        grad_shift._array)  # fmt: skip
        return (
            cast(grad_x, dtype) if need_x else None,
            None,
            cast(grad_scale.sum(0), dtype) if need_w else None,
            cast(grad_shift.sum(0), dtype) if need_b else None,
            None,
        )


class AdaptiveMaxPool2D(BuiltinFunction):
    """Adaptive max pooling of x (N, C, H, W) to `output_size`; also returns the flat
    index h*W + w of each maximum. The backward is max pooling's scatter."""

    @staticmethod
    def forward(ctx, x, output_size):
        dtype = _compute_dtype(x)
        out = empty((*x.shape[:2], *output_size), dtype, x.device)
        indices = empty(out.shape, _dtype.int64, x.device)
        kernels(x).adaptive_max_pool2d_forward(cast(x, dtype).contiguous()._array, out._array,
                                               indices._array)  # fmt: skip
        ctx.save_for_backward(indices)
        ctx.input_meta = (x.shape, x.dtype)
        ctx.mark_non_differentiable(indices)
        return cast(out, x.dtype), indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        (indices,) = ctx.saved_tensors
        shape, dtype = ctx.input_meta
        compute = _dtype.float32 if dtype is _dtype.float16 else dtype
        grad_in = empty(shape, compute, grad.device)
        kernels(grad).max_pool2d_backward(cast(grad, compute).contiguous()._array,
                                          indices._array, grad_in._array)  # fmt: skip
        return cast(grad_in, dtype), None


class EmbeddingBagMax(BuiltinFunction):
    """The max mode of EmbeddingBag: out[b, d] = max of weight[i, d] over bag b's rows
    (indices and bag bounds checked); the gradient goes to each maximum's row."""

    @staticmethod
    def forward(ctx, weight, indices, starts, ends, padding_idx):
        bags, dim = starts.shape[0], weight.shape[1]
        out = empty((bags, dim), weight.dtype, weight.device)
        argmax = empty((bags, dim), _dtype.int64, weight.device)
        kernels(weight).embedding_bag_max(weight.contiguous()._array, indices._array,
                                          starts._array, ends._array, padding_idx, out._array,
                                          argmax._array)  # fmt: skip
        ctx.save_for_backward(argmax)
        ctx.weight_shape = tuple(weight.shape)
        ctx.mark_non_differentiable(argmax)
        return out, argmax

    @staticmethod
    def backward(ctx, grad, grad_argmax):
        (argmax,) = ctx.saved_tensors
        empty_bag = argmax < 0
        rows = argmax.masked_fill(empty_bag, 0)
        grad = grad.masked_fill(empty_bag, 0.0)
        grad_weight = grad.new_zeros(ctx.weight_shape).scatter_add(0, rows, grad)
        return grad_weight, None, None, None, None


class CtcLoss(BuiltinFunction):
    """Per-sample CTC negative log-likelihoods of log_probs (N, T, C) for padded targets
    (N, S); forward and backward each one kernel with a thread per sample."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        lp = log_probs.contiguous()
        batch, steps = lp.shape[:2]
        width = 2 * targets.shape[1] + 1
        log_alpha = empty((batch, steps, width), lp.dtype, lp.device)
        nll = empty((batch,), lp.dtype, lp.device)
        kernels(lp).ctc_forward(lp._array, targets._array, input_lengths._array,
                                target_lengths._array, blank, log_alpha._array,
                                nll._array)  # fmt: skip
        ctx.save_for_backward(lp, targets, input_lengths, target_lengths, log_alpha, nll)
        ctx.meta = (blank, zero_infinity)
        if zero_infinity:
            return nll.masked_fill(nll == float("inf"), 0.0)
        return nll

    @staticmethod
    def backward(ctx, grad):
        lp, targets, input_lengths, target_lengths, log_alpha, nll = ctx.saved_tensors
        blank, zero_infinity = ctx.meta
        log_beta = empty(log_alpha.shape, lp.dtype, lp.device)
        grad_lp = empty(lp.shape, lp.dtype, lp.device)
        kernels(lp).ctc_backward(lp._array, targets._array, input_lengths._array,
                                 target_lengths._array, blank, log_alpha._array, nll._array,
                                 cast(grad, lp.dtype).contiguous()._array, zero_infinity,
                                 log_beta._array, grad_lp._array)  # fmt: skip
        return grad_lp, None, None, None, None, None


class Im2Col(BuiltinFunction):
    """F.unfold: the sliding blocks of x (N, C, H, W) as columns (N, C*kh*kw, L), by the
    convolution's im2col kernel; its backward is col2im."""

    @staticmethod
    def forward(ctx, x, kernel_size, dilation, padding, stride, blocks):
        dtype = _compute_dtype(x)
        n, c = x.shape[:2]
        cols = empty((n, c * kernel_size[0] * kernel_size[1], blocks), dtype, x.device)
        window = Window.of(kernel_size, stride, padding, dilation)
        kernels(x).im2col(cast(x, dtype).contiguous()._array, window, cols._array)
        ctx.meta = (tuple(x.shape), x.dtype, kernel_size, dilation, padding, stride)
        return cast(cols, x.dtype)

    @staticmethod
    def backward(ctx, grad):
        shape, dtype, kernel_size, dilation, padding, stride = ctx.meta
        return Col2Im.apply(grad, shape[2:], kernel_size, dilation, padding, stride), *(None,) * 5


class Col2Im(BuiltinFunction):
    """F.fold: columns (N, C*kh*kw, L) summed into an (N, C, H, W) image by the
    convolution's col2im kernel; its backward is im2col."""

    @staticmethod
    def forward(ctx, cols, output_size, kernel_size, dilation, padding, stride):
        dtype = _compute_dtype(cols)
        n = cols.shape[0]
        c = cols.shape[1] // (kernel_size[0] * kernel_size[1])
        out = empty((n, c, *output_size), dtype, cols.device)
        window = Window.of(kernel_size, stride, padding, dilation)
        kernels(cols).col2im(cast(cols, dtype).contiguous()._array, window, out._array)
        ctx.meta = (cols.shape[2], kernel_size, dilation, padding, stride)
        return cast(out, cols.dtype)

    @staticmethod
    def backward(ctx, grad):
        blocks, kernel_size, dilation, padding, stride = ctx.meta
        return Im2Col.apply(grad, kernel_size, dilation, padding, stride, blocks), *(None,) * 5
