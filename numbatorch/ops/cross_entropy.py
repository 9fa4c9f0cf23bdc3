"""cross_entropy's one-kernel row path for what CrossEntropyIndices (plain class indices)
does not cover: class weights, label smoothing and class-probability targets, on logits
(M, C). log_softmax + nll_loss + the smoothing term as separate ops cost a dozen ops and
as many temporaries each way; here one kernel pass does the forward and one the backward."""

from __future__ import annotations

from .. import _creation, _dtype
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..tensor import Tensor
from . import elementwise as ew
from . import reduction as rd
from ._common import empty, kernels
from .indexing import _check_index_range


class CrossEntropyDistribution(BuiltinFunction):
    """cross_entropy of logits x (M, C) against each row's target distribution
    q[k] = w[k] ((1 - s) p[k] + s / C), p the row's class probabilities or the one-hot of
    its class index (0 on rows whose class is ignore_index): a row's loss is
    sum_k q[k] (lse - x[k]), its gradient softmax(x) sum_k q[k] - q. The mean divides by
    the number of rows (probabilities) or by the sum of w[t] over the rows kept (indices),
    as PyTorch does."""

    @staticmethod
    def forward(ctx, x, probs, target, weight, ignore_index, smoothing, reduction):
        x = x.contiguous()
        rows, classes = x.shape
        lse, losses, mass, counts = (empty((rows,), x.dtype, x.device) for _ in range(4))
        bad = _creation.zeros(1, dtype=_dtype.int64, device=x.device)
        kernels(x).soft_cross_entropy_forward(
            x._array, None if probs is None else probs._array,
            None if target is None else target._array, weight._array, ignore_index,
            smoothing, lse._array, losses._array, mass._array, counts._array, bad._array,
        )  # fmt: skip
        if bad.item():  # PyTorch's IndexError naming the first bad class
            kept = ew.where(target != ignore_index, target, 0)
            _check_index_range(
                kept, classes, negative=False, message="Target {index} is out of bounds."
            )
        total = counts.sum()
        ctx.save_for_backward(x, probs, target, weight, lse, mass, total)
        ctx.meta = (ignore_index, smoothing, reduction)
        if reduction == "none":
            return losses
        loss = losses.sum()
        return loss if reduction == "sum" else loss / total

    @staticmethod
    def backward(ctx, grad):
        x, probs, target, weight, lse, mass, total = ctx.saved_tensors
        ignore_index, smoothing, reduction = ctx.meta
        scale = grad / total if reduction == "mean" else grad
        row_scale = scale.expand(x.shape[0]).contiguous() if scale.ndim == 0 else scale
        if grad_mode.is_grad_enabled():  # create_graph: the same gradient, differentiable
            if probs is None:
                kept = (target != ignore_index).to(x.dtype).unsqueeze(1)
                classes = _creation.arange(x.shape[1], device=x.device)
                probs = (classes.unsqueeze(0) == target.unsqueeze(1)).to(x.dtype) * kept
            else:
                kept = 1.0
            q = weight * (probs * (1 - smoothing) + smoothing / x.shape[1]) * kept
            grad_x = rd.softmax(x, 1) * mass.unsqueeze(1) - q
            return grad_x * row_scale.unsqueeze(1), None, None, None, None, None, None
        grad_x = empty(tuple(x.shape), x.dtype, x.device)
        kernels(x).soft_cross_entropy_backward(
            x._array, None if probs is None else probs._array,
            None if target is None else target._array, weight._array, ignore_index,
            smoothing, lse._array, mass._array, row_scale.contiguous()._array, grad_x._array,
        )  # fmt: skip
        return grad_x, None, None, None, None, None, None


def cross_entropy_rows(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                       reduction: str, label_smoothing: float) -> Tensor | None:  # fmt: skip
    """cross_entropy on the one-kernel path, or None where that path does not apply (then
    the caller's general path runs, and raises PyTorch's errors for bad input): 2-D float32
    or float64 logits, with class weights or label smoothing on class indices (plain
    indices have CrossEntropyIndices), or with class probabilities of the logits' dtype;
    targets and weights that do not require grad."""
    if input.ndim != 2 or input.dtype not in (_dtype.float32, _dtype.float64):
        return None
    if weight is not None and (weight.requires_grad or weight.device != input.device):
        return None
    if target.requires_grad or target.device != input.device:
        return None
    rows, classes = input.shape
    weighted = weight is not None
    if not (weighted or label_smoothing > 0 or target.dtype.is_floating_point):
        return None  # plain class indices (CrossEntropyIndices): no ones weight to build
    if weight is None:
        weight = _creation.ones(classes, dtype=input.dtype, device=input.device)
    weight = weight.to(input.dtype).contiguous()
    smoothing = float(label_smoothing)
    if tuple(target.shape) == (rows, classes) and target.dtype == input.dtype:
        return CrossEntropyDistribution.apply(
            input, target.contiguous(), None, weight, ignore_index, smoothing, reduction
        )
    indices = tuple(target.shape) == (rows,) and target.dtype in (_dtype.int64, _dtype.uint8)
    if indices and (smoothing > 0 or weighted):
        target = target.to(_dtype.int64).contiguous()
        return CrossEntropyDistribution.apply(
            input, None, target, weight, ignore_index, smoothing, reduction
        )
    return None
