"""The losses added to `nn.functional` (re-exported there): margin, ranking, embedding,
multi-label, Poisson and Gaussian likelihood losses composed of kernel-backed ops as
PyTorch composes them, and the CTC loss on its own kernels; PyTorch's signatures,
reductions and argument checks."""

from __future__ import annotations

import math

import numpy as np

from .. import _creation, _dtype
from ..autograd import grad_mode
from ..ops import elementwise as ew
from ..ops import reduction as rd
from ..ops._common import check_device
from ..ops.layers import CtcLoss
from ..ops.products import pairwise_distance
from ..tensor import Tensor
from .functional import _check_reduction, _reduce, _reduction, logsigmoid


def _zeros_like(t: Tensor) -> Tensor:
    return _creation.zeros(*t.shape, dtype=t.dtype, device=t.device)


def cosine_embedding_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    check_device(input1, input2, target)
    target_dim = target.ndim
    if target_dim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if target_dim == 1 and (input1.ndim != 2 or input2.ndim != 2):
        raise RuntimeError(
            "1D target tensor expects 2D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    if target_dim == 0 and (input1.ndim != 1 or input2.ndim != 1):
        raise RuntimeError(
            "0D target tensor expects 1D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}."
        )
    eps = 1e-12  # PyTorch's: keeps a zero vector's cosine finite
    dim = target_dim
    products = (input1 * input2).sum(dim)
    squares1 = (input1 * input1).sum(dim) + eps
    squares2 = (input2 * input2).sum(dim) + eps
    cos = products / ew.sqrt(squares1 * squares2)
    zeros = _zeros_like(cos)
    positive = ew.where(target == 1, 1 - cos, zeros)
    negative = ew.where(target == -1, ew.clamp(cos - margin, min=0.0), zeros)
    return _reduce(positive + negative, reduction)


def margin_ranking_loss(
    input1: Tensor,
    input2: Tensor,
    target: Tensor,
    margin: float = 0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, -target * (x1 - x2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _reduce(ew.clamp(-target * (input1 - input2) + margin, min=0.0), reduction)


def hinge_embedding_loss(
    input: Tensor,
    target: Tensor,
    margin: float = 1.0,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """x where target is 1, max(0, margin - x) where it is -1 (PyTorch's where-sum, so
    other target values take both terms)."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    zeros = _zeros_like(input)
    margin_part = ew.where(target != 1, ew.clamp(margin - input, min=0.0), zeros)
    self_part = ew.where(target != -1, input, zeros)
    return _reduce(margin_part + self_part, reduction)


def soft_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """log(1 + exp(-target * x)), as the stable softplus."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce(ew.Softplus.apply(-target * input, 1.0, math.inf), reduction)


def _check_triplet_dims(anchor: Tensor, positive: Tensor, negative: Tensor) -> None:
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and "
            f"negative {negative.ndim}D inputs"
        )


def _triplet(dist_pos, dist_neg, dist_swap, margin: float, reduction: str) -> Tensor:
    if dist_swap is not None:
        dist_neg = ew.minimum(dist_neg, dist_swap)
    return _reduce(ew.clamp(dist_pos - dist_neg + margin, min=0.0), reduction)


def triplet_margin_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with the p-norm distance; with `swap`, d(a, n)
    is replaced by d(p, n) where that is smaller."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    dist_swap = pairwise_distance(positive, negative, p, eps) if swap else None
    return _triplet(dist_pos, dist_neg, dist_swap, margin, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor,
    positive: Tensor,
    negative: Tensor,
    *,
    distance_function=None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """`triplet_margin_loss` with any distance function (default the 2-norm)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    if distance_function is None:
        distance_function = lambda a, b: pairwise_distance(a, b, 2.0, 1e-6)  # noqa: E731
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    dist_swap = distance_function(positive, negative) if swap else None
    return _triplet(dist_pos, dist_neg, dist_swap, margin, reduction)


def multilabel_soft_margin_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """The mean over classes of the binary logistic loss of each class."""
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def _class_rows(input: Tensor, target: Tensor, name: str) -> tuple[Tensor, Tensor]:
    """input (N, C) or (C,) as (N, C) rows and target as (N,) class indices (checked)."""
    if input.ndim > 2 or input.numel() == 0:
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    rows = input.reshape(1, -1) if input.ndim < 2 else input
    if target.ndim > 1 or target.numel() != rows.shape[0]:
        raise RuntimeError(
            f"{name}: target tensor should be 1-D with size equal to the number of input "
            f"samples (batch size). Expected target size [{rows.shape[0]}], but got "
            f"{list(target.shape)}. Input has shape {list(input.shape)}."
        )
    labels = target.reshape(-1).to(_dtype.int64)
    if labels.numel() and bool(((labels < 0) | (labels >= rows.shape[1])).any()):
        raise RuntimeError("target out of range")
    return rows, labels


def multi_margin_loss(
    input: Tensor,
    target: Tensor,
    p: int = 1,
    margin: float = 1.0,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """sum over classes j != y of max(0, margin - x[y] + x[j])^p (times weight[y]) / C."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    rows, labels = _class_rows(input, target, "multi_margin_loss")
    classes = rows.shape[1]
    picked = rows.gather(1, labels.unsqueeze(1))
    hinge = ew.clamp(rows - picked + margin, min=0.0)
    if p == 2:
        hinge = hinge * hinge
    if weight is not None:
        hinge = hinge * weight.to(rows.dtype).index_select(0, labels).unsqueeze(1)
    others = 1 - _creation.zeros(*rows.shape, dtype=rows.dtype, device=rows.device).scatter(
        1, labels.unsqueeze(1), 1.0
    )
    loss = (hinge * others).sum(1) / classes
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """sum over listed target classes j and unlisted classes k of max(0, 1 - (x[j] - x[k]))
    / C; a row's target list ends at its first -1."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.ndim > 2 or input.numel() == 0:
        raise RuntimeError(
            "Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
            f"{list(input.shape)}"
        )
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"inconsistent target size: {list(target.shape)} for input of size: {list(input.shape)}"
        )
    rows = input.reshape(1, -1) if input.ndim < 2 else input
    labels = target.reshape(rows.shape).to(_dtype.int64)
    classes = rows.shape[1]
    listed = rd.cumprod((labels != -1).to(_dtype.int64), 1) > 0
    if bool((listed & ((labels < 0) | (labels >= classes))).any()):
        raise RuntimeError("argument #2 'target' is out of range")
    safe = ew.where(listed, labels, 0)
    counts = _creation.zeros(*rows.shape, dtype=rows.dtype, device=rows.device).scatter_add(
        1, safe, listed.to(rows.dtype)
    )
    unlisted = (counts == 0).to(rows.dtype)
    # (N, C, C): row j a listed class (weighted by how often it is listed), column k unlisted
    hinge = ew.clamp(1 - rows.unsqueeze(2) + rows.unsqueeze(1), min=0.0)
    loss = (hinge * counts.unsqueeze(2) * unlisted.unsqueeze(1)).sum((1, 2)) / classes
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def poisson_nll_loss(
    input: Tensor,
    target: Tensor,
    log_input: bool = True,
    full: bool = False,
    size_average=None,
    eps: float = 1e-8,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """exp(x) - t*x (log_input) or x - t*log(x + eps); `full` adds Stirling's term
    t*log(t) - t + log(2*pi*t)/2 where t > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = ew.exp(input) - target * input
    else:
        loss = input - target * ew.log(input + eps)
    if full:
        above = target > 1
        safe = ew.where(above, target, _creation.tensor(2.0, dtype=target.dtype,
                                                         device=target.device))  # fmt: skip
        stirling = safe * ew.log(safe) - safe + ew.log(safe * (2 * math.pi)) * 0.5
        loss = loss + ew.where(above, stirling, _zeros_like(stirling))
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor,
    target: Tensor,
    var,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """(log(max(var, eps)) + (x - t)^2 / max(var, eps)) / 2, plus log(2*pi)/2 when `full`;
    var as input's shape, one dim short, or with one dim of size 1."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = _creation.full(tuple(input.shape), var, dtype=input.dtype, device=input.device)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif (
            input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1
        ):
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    # the clamp does not take part in the gradient, as in PyTorch (var.clamp_ under no_grad)
    with grad_mode.no_grad():
        floor = ew.clamp(var, min=eps) - var
    var = var + floor
    loss = (ew.log(var) + (input - target) ** 2 / var) * 0.5
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# --- CTC -----------------------------------------------------------------------------------


def _lengths(value) -> np.ndarray:
    """Input or target lengths (a tensor, an int, or a list/tuple of ints) on the host."""
    if isinstance(value, Tensor):
        return np.asarray(value.detach().cpu().numpy(), dtype=np.int64).reshape(-1)
    if isinstance(value, int):
        return np.array([value], dtype=np.int64)
    return np.asarray(list(value), dtype=np.int64).reshape(-1)


def ctc_loss(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths,
    target_lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """The Connectionist Temporal Classification loss of log_probs (T, N, C) (or unbatched
    (T, C)) for targets padded (N, S) or concatenated (sum of target_lengths,); 'mean'
    divides each sample's loss by its target length, then averages over the batch."""
    _check_reduction(reduction)
    check_device(log_probs, targets)
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(
            f"ctc_loss: expected log_probs to be 2-D or 3-D, but got {log_probs.ndim}-D"
        )
    steps, batch, classes = lp.shape
    if not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    in_lens = _lengths(input_lengths)
    tgt_lens = _lengths(target_lengths)
    if in_lens.shape[0] != batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_lens.shape[0] != batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    where = "(while checking arguments for ctc_loss_allocate_outputs)"
    for name, lengths in (("input_lengths", in_lens), ("target_lengths", tgt_lens)):
        if lengths.size and lengths.min() < 0:
            raise RuntimeError(
                f"Expected {name} to have value at least 0, but got value {lengths.min()} {where}"
            )
    if in_lens.size and in_lens.max() > steps:
        raise RuntimeError(
            f"Expected input_lengths to have value at most {steps}, but got value "
            f"{in_lens.max()} {where}"
        )
    labels = np.asarray(targets.detach().cpu().numpy()).astype(np.int64)
    if unbatched:
        labels = labels.reshape(1, -1)
    longest = int(tgt_lens.max()) if tgt_lens.size else 0
    if labels.ndim == 1:  # concatenated targets: cut them into padded rows
        total = int(tgt_lens.sum())
        if labels.shape[0] < total:
            raise RuntimeError(
                f"Expected tensor to have size at least {total} at dimension 0, but got size "
                f"{labels.shape[0]} for argument #2 'targets' {where}"
            )
        padded = np.zeros((batch, longest), np.int64)
        ends = np.cumsum(tgt_lens)
        for n in range(batch):
            padded[n, : tgt_lens[n]] = labels[ends[n] - tgt_lens[n] : ends[n]]
    else:
        if labels.shape[0] != batch:
            raise RuntimeError(
                f"Expected tensor to have size {batch} at dimension 0, but got size "
                f"{labels.shape[0]} for argument #2 'targets' {where}"
            )
        if labels.shape[1] < longest:
            raise RuntimeError(
                f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                f"{labels.shape[1]} for argument #2 'targets' {where}"
            )
        padded = np.ascontiguousarray(labels[:, :longest])
    used = np.arange(longest)[None, :] < tgt_lens[:, None]
    # PyTorch reads labels outside [0, C) unchecked; here they would index past log_probs
    if ((padded < 0) | (padded >= classes))[used].any():
        raise RuntimeError(f"ctc_loss: target labels must be in [0, {classes})")
    device = lp.device
    as_tensor = lambda a: _creation.tensor(a, dtype=_dtype.int64, device=device)  # noqa: E731
    nll = CtcLoss.apply(lp.transpose(0, 1), as_tensor(padded), as_tensor(in_lens),
                        as_tensor(tgt_lens), blank, bool(zero_infinity))  # fmt: skip
    if reduction == "none":
        return nll.reshape(()) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    return (nll / ew.clamp(as_tensor(tgt_lens), min=1).to(nll.dtype)).mean()
