"""`numbatorch.nn.functional`: the stateless form of every layer: linear, convolution,
pooling, activations, dropout, normalization, embedding, padding and the losses.

Each function here checks its arguments (PyTorch's messages) and composes ops; the
layers with a Function of their own (batch/layer norm in `ops/norm.py`, embedding in
`ops/embedding.py`, the losses with a closed-form backward in `ops/loss.py`) call it
after the checks. Nothing here calls a kernel or the dispatcher (tests/test_layering.py).
"""

from __future__ import annotations

import math
import warnings

from .. import _creation, _dtype
from .._autocast import FP32, autocast_op
from ..ops import elementwise as ew
from ..ops import reduction as rd
from ..ops import shape as sh
from ..ops._common import TYPE_WORD, check_device
from ..ops.attention import scaled_dot_product_attention
from ..ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from ..ops.cross_entropy import cross_entropy_rows
from ..ops.embedding import Embedding, one_hot
from ..ops.indexing import OUT_OF_RANGE, _check_index_range
from ..ops.linalg import linear
from ..ops.loss import BinaryCrossEntropy, CrossEntropyIndices, MseLoss, NllLoss
from ..ops.loss import reduce_loss as _reduce  # the private names this module's losses use
from ..ops.loss import target_weights as _target_weights
from ..ops.norm import NativeBatchNorm, NativeLayerNorm
from ..ops.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_pool2d_with_indices,
    max_unpool2d,
)
from ..tensor import Tensor
from ._multi_head_attention import multi_head_attention_forward

# --- activations ---------------------------------------------------------------------------


def _maybe_inplace(function, input, inplace, *args):
    """function(input, *args), written into input's memory when `inplace`."""
    if inplace:
        return ew.inplace(function)(input, *args)
    return function(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return input.relu_() if inplace else ew.relu(input)


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def _clamp(input, min_val, max_val):
    return ew.Clamp.apply(input, float(min_val), float(max_val))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.dtype is _dtype.bool:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    return _maybe_inplace(_clamp, input, inplace, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return hardtanh(input, 0.0, 6.0, inplace)


def _leaky_relu(input, negative_slope):
    return ew.LeakyRelu.apply(input, float(negative_slope), 0.0)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _maybe_inplace(_leaky_relu, input, inplace, negative_slope)


def _elu(input, alpha):
    return ew.Elu.apply(input, float(alpha), 0.0)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _maybe_inplace(_elu, input, inplace, alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(lambda x: _elu(x, _SELU_ALPHA) * _SELU_SCALE, input, inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    if approximate == "none":
        return ew.Gelu.apply(input)
    if approximate == "tanh":
        return ew.GeluTanh.apply(input)
    raise RuntimeError("approximate argument must be either none or tanh.")


def _silu(input):
    return ew.Silu.apply(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(_silu, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return ew.Softplus.apply(input, float(beta), float(threshold))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(lambda x: x * ew.tanh(softplus(x)), input, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    # -softplus(-x) without the linear cut-off: exact and stable for any x
    return -ew.Softplus.apply(-input, 1.0, math.inf)


def softsign(input: Tensor) -> Tensor:
    return input / (ew.abs(input) + 1)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(lambda x: _clamp(x / 6 + 0.5, 0.0, 1.0), input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    return _maybe_inplace(lambda x: x * _clamp(x / 6 + 0.5, 0.0, 1.0), input, inplace)


def sigmoid(input: Tensor) -> Tensor:
    return ew.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    return ew.tanh(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    # PyTorch's legacy rule for a call without dim, with its deprecation warning
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return rd.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return rd.log_softmax(input, dim, dtype=dtype)


def softmin(input: Tensor, dim=None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return rd.softmax(-input, dim, dtype=dtype)


# --- dropout -------------------------------------------------------------------------------


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout(input: Tensor, p: float, training: bool, inplace: bool, mask_shape) -> Tensor:
    _check_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        return input.zero_() if inplace else input * 0
    # a mask of 0 and 1/(1-p) from the global generator, so manual_seed fixes it
    noise = _creation.rand(*mask_shape, dtype=input.dtype, device=input.device)
    mask = (noise < 1 - p).to(input.dtype) * (1 / (1 - p))
    return input.mul_(mask) if inplace else input * mask


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    return _dropout(input, p, training, inplace, tuple(input.shape))


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """PyTorch's feature dropout: one draw per (dim 0, dim 1) pair, the same over the rest."""
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _dropout(input, p, training, inplace, mask_shape)


def _warn_channel_dims(input: Tensor, spatial: int) -> None:
    """PyTorch's deprecation warning for dropout2d/3d on a rank they were not meant for."""
    if input.ndim not in (spatial + 1, spatial + 2):
        name = f"dropout{spatial}d"
        warnings.warn(
            f"{name}: Received a {input.ndim}-D input to {name}, which is deprecated and will "
            "result in an error in a future release. To retain the behavior and silence this "
            f"warning, please use dropout instead. Note that {name} exists to provide "
            f"channel-wise dropout on inputs with {spatial} spatial dimensions, a channel "
            f"dimension, and an optional batch dimension (i.e. {spatial + 1}D or "
            f"{spatial + 2}D inputs).",
            UserWarning,
            stacklevel=3,
        )


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            "that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            "inputs)."
        )
    if input.ndim == 2:  # unbatched (C, L): a draw per channel
        return _dropout(input, p, training, inplace, (input.shape[0], 1))
    return _feature_dropout(input, p, training, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zeroes whole channels (dim 1) of (N, C, H, W) input. Other ranks run as PyTorch runs
    them, with its warnings: dropout on the first two dims, so a 3-D input is taken as
    (N, C, L) and a 2-D one is dropped elementwise."""
    _check_p(p)
    _warn_channel_dims(input, 2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C "
            "is the channel dim. This behavior will change in a future release to interpret "
            "the input as one without a batch dimension, i.e. shape (C, H, W). To maintain the "
            "1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning,
            stacklevel=2,
        )
    return _feature_dropout(input, p, training, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zeroes whole channels (dim 1) of (N, C, D, H, W) input. Any other rank is taken as
    one unbatched sample, as in PyTorch (with its warning unless 4-D): a draw per dim 0."""
    _check_p(p)
    _warn_channel_dims(input, 3)
    if input.ndim == 5:
        return _feature_dropout(input, p, training, inplace)
    if input.ndim < 1:  # PyTorch adds a batch dim, which leaves too few for feature dropout
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return _dropout(input, p, training, inplace, (input.shape[0],) + (1,) * (input.ndim - 1))


# --- normalization -------------------------------------------------------------------------


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    if training:
        per_channel = input.numel() // max(input.shape[1], 1) if input.ndim > 1 else 0
        if per_channel == 1 or input.ndim < 2:
            raise ValueError(
                "Expected more than 1 value per channel when training, got input "
                f"size {input.shape}"
            )
    elif running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    channels = input.shape[1] if input.ndim > 1 else 1
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):  # fmt: skip
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    return NativeBatchNorm.apply(
        input, weight, bias, running_mean, running_var, training, momentum, eps
    )


@autocast_op(cuda=FP32)
def layer_norm(
    input: Tensor,
    normalized_shape,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    normalized_shape = (
        (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    )
    k = len(normalized_shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size"
            f"{list(input.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got "
                f"{name} of shape {list(t.shape)} and normalized_shape = "
                f"{list(normalized_shape)}"
            )
    if input.dtype is _dtype.float16:  # Numba has no half arithmetic: compute in float32
        wide = [t.float() if t is not None else None for t in (input, weight, bias)]
        return layer_norm(wide[0], normalized_shape, wide[1], wide[2], eps).half()
    return NativeLayerNorm.apply(input, math.prod(normalized_shape), weight, bias, eps)


# --- embedding, padding, misc --------------------------------------------------------------


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    if input.dtype not in (_dtype.int64, _dtype.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
            "embedding)"
        )
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    check_device(weight, input)
    if padding_idx is not None:
        rows = weight.shape[0]
        assert -rows <= padding_idx < rows, "Padding_idx must be within num_embeddings"
        padding_idx %= rows
    flat = _check_index_range(
        input.reshape(-1), weight.shape[0], negative=False, message=OUT_OF_RANGE
    )
    if max_norm is not None:
        _renorm_rows(weight, flat, max_norm, norm_type)
    return Embedding.apply(weight, flat, tuple(input.shape), padding_idx)


def _renorm_rows(weight: Tensor, indices: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale, in place, the rows of `weight` that `indices` use and whose norm exceeds
    max_norm down to max_norm (PyTorch's embedding_renorm_)."""
    from ..autograd import grad_mode

    with grad_mode.no_grad():
        rows = sorted(set(indices.reshape(-1).tolist()))
        index = indices.new_tensor(rows, dtype=_dtype.int64)
        selected = weight.index_select(0, index)
        norms = selected.norm(norm_type, dim=1, keepdim=True)
        scale = ew.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).to(weight.dtype)
        weight.index_copy_(0, index, selected * scale)


def _pad_indices(size: int, left: int, right: int, mode: str, dim: int, shape) -> list:
    """Source positions of each output position along one padded dim."""
    positions = range(-left, size + right)
    if mode == "reflect":
        if left >= size or right >= size:
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({left}, {right}) at dimension {dim} of input "
                f"{list(shape)}"
            )
        period = 2 * (size - 1)
        if not period:
            return [0 for _ in positions]
        return [q if q < size else period - q for q in (p % period for p in positions)]
    if mode == "replicate":
        return [min(max(p, 0), size - 1) for p in positions]
    if mode == "circular":
        if left > size or right > size:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        return [p % size for p in positions]
    raise NotImplementedError(f"Unrecognised padding mode {mode}")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)//2 dims: pad = (left of last dim, right of last dim, left of
    the one before, ...); negative amounts crop."""
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but "
            f"got padding length {len(pad)} and input of dimension {input.ndim}"
        )
    if mode != "constant" and value:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    padded_dims = len(pad) // 2
    if mode != "constant" and not (
        1 <= padded_dims <= 3 and input.ndim in (padded_dims + 1, padded_dims + 2)
    ):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    out = input
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        if mode == "constant":
            out = _pad_constant(out, dim, left, right, 0.0 if value is None else value)
        else:
            index = _pad_indices(out.shape[dim], left, right, mode, dim, input.shape)
            out = out.index_select(
                dim, _creation.tensor(index, dtype=_dtype.int64, device=input.device)
            )
    return out


def _pad_constant(x: Tensor, dim: int, left: int, right: int, value) -> Tensor:
    if left < 0:
        x = x.narrow(dim, -left, x.shape[dim] + left)
        left = 0
    if right < 0:
        x = x.narrow(dim, 0, x.shape[dim] + right)
        right = 0
    parts = []
    for amount in (left, None, right):
        if amount is None:
            parts.append(x)
        elif amount:
            shape = list(x.shape)
            shape[dim] = amount
            parts.append(_creation.full(shape, value, dtype=x.dtype, device=x.device))
    return sh.cat(parts, dim) if len(parts) > 1 else x


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None
) -> Tensor:
    denominator = ew.clamp(rd.norm(input, p, dim, keepdim=True), min=eps).expand_as(input)
    result = input / denominator
    return result if out is None else out.copy_(result)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return sh.flatten(input, start_dim, end_dim)


# --- losses --------------------------------------------------------------------------------


def _legacy_reduction(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def _reduction(size_average, reduce, reduction: str) -> str:
    if size_average is not None or reduce is not None:
        warnings.warn(
            "size_average and reduce args will be deprecated, please use "
            f"reduction='{_legacy_reduction(size_average, reduce)}' instead.",
            stacklevel=3,
        )
        return _legacy_reduction(size_average, reduce)
    return reduction


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_broadcast(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )


@autocast_op(cpu=FP32, cuda=FP32)
def mse_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_broadcast(input, target)
    if weight is not None:
        return _reduce((input - target) ** 2 * weight, reduction)
    return MseLoss.apply(input, target, reduction)


@autocast_op(cpu=FP32, cuda=FP32)
def l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    weight: Tensor | None = None,
) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _warn_broadcast(input, target)
    loss = ew.abs(input - target)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_op(cpu=FP32, cuda=FP32)
def smooth_l1_loss(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    beta: float = 1.0,
) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_broadcast(input, target)
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    diff = ew.abs(input - target)
    loss = ew.where(diff < beta, diff * diff * (0.5 / beta), diff - 0.5 * beta)
    return _reduce(loss, reduction)


@autocast_op(cpu=FP32, cuda=FP32)
def huber_loss(
    input: Tensor,
    target: Tensor,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: Tensor | None = None,
) -> Tensor:
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _warn_broadcast(input, target)
    diff = ew.abs(input - target)
    loss = ew.where(diff < delta, diff * diff * 0.5, (diff - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _class_last(input: Tensor) -> Tensor:
    """(N, C, d1, ...) scores as (N*d1*..., C) rows; (C,) as (1, C)."""
    if input.ndim == 1:
        return input.unsqueeze(0)
    if input.ndim == 2:
        return input
    return input.movedim(1, -1).reshape(-1, input.shape[1])


def _check_targets(input: Tensor, target: Tensor) -> None:
    """PyTorch's checks of class-index targets, in its order: shapes, then the dtype."""
    check_device(input, target)
    if input.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if input.ndim == 1:
        if target.ndim != 0:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    else:
        if target.ndim == 0 or input.shape[0] != target.shape[0]:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target "
                f"batch_size ({target.shape[0] if target.ndim else 0})."
            )
        expected = [input.shape[0], *input.shape[2:]]
        if list(target.shape) != expected:
            if input.ndim == 2:
                raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
            raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    if target.dtype not in (_dtype.int64, _dtype.uint8):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {TYPE_WORD[target.dtype.name]}"
        )


def _nll(log_probs: Tensor, target: Tensor, weight, ignore_index: int, reduction: str):
    """nll_loss of checked inputs; also returns the per-sample weights."""
    rows = _class_last(log_probs)
    safe, weights = _target_weights(
        target.reshape(-1).to(_dtype.int64), weight, ignore_index, rows.shape[1], rows.dtype
    )
    loss = NllLoss.apply(rows, safe, weights, reduction)
    return (loss.reshape(target.shape) if reduction == "none" else loss), weights


@autocast_op(cpu=FP32, cuda=FP32)
def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_targets(input, target)
    _check_weight(input, weight)
    return _nll(input, target, weight, ignore_index, reduction)[0]


def _check_weight(input: Tensor, weight: Tensor | None) -> None:
    classes = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None and (weight.ndim != 1 or weight.shape[0] != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or "
            f"no classes but got weight tensor of shape: {list(weight.shape)}"
        )


@autocast_op(cpu=FP32, cuda=FP32)
def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """log_softmax over the class dim (1, or 0 for an unbatched input), then the negative
    log-likelihood of class indices or, for a floating target, of class probabilities."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 1 if input.ndim >= 2 else 0
    classes = input.shape[class_dim] if input.ndim else 0
    _check_weight(input, weight)
    # weights, smoothing, probabilities on 2-D logits: one kernel (ops/cross_entropy.py)
    fused = cross_entropy_rows(input, target, weight, ignore_index, reduction, label_smoothing)
    if fused is not None:
        return fused
    if tuple(target.shape) == tuple(input.shape):  # PyTorch's test for class probabilities
        if not target.dtype.is_floating_point:
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{TYPE_WORD[target.dtype.name]}"
            )
        log_probs = rd.log_softmax(input, class_dim)
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / classes
        terms = log_probs * target
        if weight is not None:
            terms = terms * weight.reshape([-1 if d == class_dim else 1 for d in range(input.ndim)])
        loss = -terms.sum(class_dim)
        if reduction == "mean":
            return loss.sum() / (input.numel() // max(classes, 1))
        return _reduce(loss, reduction)
    _check_targets(input, target)
    if (
        input.ndim == 2
        and weight is None
        and label_smoothing == 0
        and input.dtype in (_dtype.float32, _dtype.float64)
    ):
        target = target.to(_dtype.int64).contiguous()
        return CrossEntropyIndices.apply(input, target, ignore_index, reduction)
    log_probs = rd.log_softmax(input, class_dim)
    nll, weights = _nll(log_probs, target, weight, ignore_index, reduction)
    if label_smoothing == 0:
        return nll
    # the smoothing term: -sum over classes of w_c * log p_c per sample (0 when ignored),
    # normalised like the nll term so the mean stays a weighted mean
    rows = _class_last(log_probs)
    smooth_terms = rows * weight.to(rows.dtype) if weight is not None else rows
    valid = (target.reshape(-1) != ignore_index).to(rows.dtype)
    smooth = -smooth_terms.sum(1) * valid
    if reduction == "none":
        smooth = smooth.reshape(target.shape)
    elif reduction == "sum":
        smooth = smooth.sum()
    else:
        smooth = smooth.sum() / weights.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / classes)


@autocast_op(cpu=FP32, cuda=FP32)
def binary_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if input.numel() and bool(((input < 0) | (input > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target.to(input.dtype))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_op(cpu=FP32, cuda=FP32)
def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    """(1 - t) x + w_pos(t) * softplus(-x), the stable form of -[t log s(x) + (1-t) log(1-s(x))]
    with w_pos(t) = 1 + (pos_weight - 1) t."""
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    softplus_neg = ew.Softplus.apply(-input, 1.0, math.inf)
    if pos_weight is not None:
        softplus_neg = softplus_neg * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * input + softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


@autocast_op(cpu=FP32, cuda=FP32)
def kl_div(
    input: Tensor,
    target: Tensor,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    reduction = _reduction(size_average, reduce, reduction)
    if log_target:
        loss = ew.exp(target) * (target - input)
    else:
        positive = target > 0
        safe = ew.where(positive, target, 1.0)
        loss = ew.where(positive, target * (ew.log(safe) - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.",
            stacklevel=2,
        )
    return _reduce(loss, reduction)


# the layers added for issue 15: their functional forms live in their own modules
from ._functional_layers import (  # noqa: E402
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    bilinear,
    celu,
    celu_,
    embedding_bag,
    fold,
    glu,
    group_norm,
    hardshrink,
    instance_norm,
    interpolate,
    local_response_norm,
    lp_pool1d,
    lp_pool2d,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    rrelu,
    rrelu_,
    softshrink,
    tanhshrink,
    threshold,
    threshold_,
    unfold,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from ._functional_losses import (  # noqa: E402
    cosine_embedding_loss,
    ctc_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "batch_norm",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "conv1d",
    "conv2d",
    "conv_transpose1d",
    "conv_transpose2d",
    "cross_entropy",
    "dropout",
    "dropout1d",
    "dropout2d",
    "elu",
    "embedding",
    "flatten",
    "gelu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "huber_loss",
    "kl_div",
    "l1_loss",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "max_pool1d",
    "max_pool2d",
    "max_pool2d_with_indices",
    "max_unpool2d",
    "mish",
    "mse_loss",
    "nll_loss",
    "normalize",
    "one_hot",
    "pad",
    "relu",
    "relu6",
    "relu_",
    "selu",
    "sigmoid",
    "silu",
    "smooth_l1_loss",
    "softmax",
    "softmin",
    "softplus",
    "softsign",
    "tanh",
    "adaptive_max_pool1d",
    "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d",
    "adaptive_max_pool2d_with_indices",
    "bilinear",
    "celu",
    "celu_",
    "embedding_bag",
    "fold",
    "glu",
    "group_norm",
    "hardshrink",
    "instance_norm",
    "interpolate",
    "local_response_norm",
    "lp_pool1d",
    "lp_pool2d",
    "pixel_shuffle",
    "pixel_unshuffle",
    "prelu",
    "rrelu",
    "rrelu_",
    "softshrink",
    "tanhshrink",
    "threshold",
    "threshold_",
    "unfold",
    "upsample",
    "upsample_bilinear",
    "upsample_nearest",
    "cosine_embedding_loss",
    "ctc_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multi_margin_loss",
    "multilabel_margin_loss",
    "multilabel_soft_margin_loss",
    "poisson_nll_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
    "cosine_similarity",
    "pairwise_distance",
    "rms_norm",
    "affine_grid",
    "grid_sample",
    "gumbel_softmax",
    "pdist",
]

from ..ops.composite import rms_norm  # noqa: E402
from ..ops.products import cosine_similarity, pairwise_distance  # noqa: E402

# isort: split
# issue 15: the spatial transformer's ops, the Gumbel-softmax sample, pdist
from ..ops.products import pdist  # noqa: E402
from ._functional_sampling import affine_grid, grid_sample, gumbel_softmax  # noqa: E402


# the in-place forms PyTorch names with a trailing underscore
def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


# the volume, unpooling, shuffle and alpha dropout layers of issue 15
from ..ops.channel_shuffle import channel_shuffle  # noqa: E402
from ..ops.conv import conv3d, conv_transpose3d  # noqa: E402
from ..ops.pool import max_pool1d_with_indices, max_unpool1d  # noqa: E402
from ..ops.pool3d import (  # noqa: E402
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool3d,
    lp_pool3d,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool3d,
)

native_channel_shuffle = channel_shuffle

# SELU's fixed point: alpha * scale of selu, the value a dropped unit takes
_ALPHA_DROPOUT = 1.7580993408473766


def _alpha_dropout(input: Tensor, p: float, training: bool, inplace: bool, feature: bool):
    """PyTorch's alpha dropout: dropped units take SELU's negative saturation, and an affine
    map a*x + b keeps a zero-mean unit-variance input so. `feature`: one draw per (dim 0,
    dim 1) pair, shared over the rest."""
    _check_p(p)
    if feature and training and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        return input.zero_() if inplace else input * 0
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    noise = _creation.rand(*shape, dtype=input.dtype, device=input.device)
    keep = (noise < 1 - p).to(input.dtype)
    a = 1 / math.sqrt((_ALPHA_DROPOUT**2 * p + 1) * (1 - p))
    scale = keep * a
    shift = (keep - 1) * (_ALPHA_DROPOUT * a) + _ALPHA_DROPOUT * a * p
    return input.mul_(scale).add_(shift) if inplace else input * scale + shift


def alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    return _alpha_dropout(input, p, training, inplace, False)


def feature_alpha_dropout(
    input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False
) -> Tensor:
    return _alpha_dropout(input, p, training, inplace, True)


__all__ += [
    "conv3d",
    "conv_transpose3d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "adaptive_max_pool3d_with_indices",
    "avg_pool3d",
    "max_pool3d",
    "max_pool3d_with_indices",
    "max_pool1d_with_indices",
    "max_unpool1d",
    "max_unpool3d",
    "channel_shuffle",
    "native_channel_shuffle",
    "alpha_dropout",
    "feature_alpha_dropout",
    "lp_pool3d",
]
