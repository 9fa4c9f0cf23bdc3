"""`scaled_dot_product_attention`: PyTorch's math (masks, causal, scale, dropout, grouped
query heads, broadcast batch dims) as one autograd Function on two head-mapped batched
products around a fused row kernel, so nothing larger than the (L, S) score matrix of
each batch-head is ever made."""

from __future__ import annotations

import math

from .. import _creation, _dtype
from ..autograd.function import BuiltinFunction
from ..tensor import Tensor
from ._common import TYPE_WORD, broadcast_shapes, check_device, empty, expanded_array, kernels
from .linalg import _DTYPE_WORD


class ScaledDotProductAttention(BuiltinFunction):
    """softmax(q @ k^T * scale + mask) @ v. forward saves the probabilities and, with
    dropout, the dropped ones (the noise array overwritten in place); backward runs the
    four products of the chain rule and the row kernel's backward in between."""

    # the name PyTorch's CPU path gives this node
    node_name = "ScaledDotProductFlashAttentionForCpuBackward0"

    @staticmethod
    def forward(ctx, query, key, value, mask, plan, causal, scale, dropout_p):
        batch, (heads, key_heads, value_heads), out_shape = plan
        length, source = query.shape[-2], key.shape[-2]
        scores_shape = (*batch, heads, length, source)
        dev = query.device
        probs = empty(scores_shape, query.dtype, dev)
        backend = kernels(query)
        backend.attention_bmm(
            _operand(query, batch, heads),
            _operand(key, batch, key_heads, transpose=True),
            probs._array,
        )
        dropped = probs
        if dropout_p > 0:
            dropped = _creation.rand(*scores_shape, dtype=query.dtype, device=dev)
        mask_array = None if mask is None else expanded_array(mask, scores_shape)
        backend.attention_softmax(
            probs._array,
            mask_array,
            causal,
            scale,
            1.0 - dropout_p,
            dropped._array if dropped is not probs else None,
        )
        out = empty(out_shape, query.dtype, dev)
        backend.attention_bmm(
            dropped._array,
            _operand(value, batch, value_heads),
            out._array.reshape((*batch, heads, length, value.shape[-1])),
        )
        ctx.save_for_backward(query, key, value, probs, dropped)
        ctx.meta = (plan, scale, None if mask is None else tuple(mask.shape))
        return out

    @staticmethod
    def backward(ctx, grad):
        query, key, value, probs, dropped = ctx.saved_tensors
        (batch, (heads, key_heads, value_heads), _), scale, mask_shape = ctx.meta
        need_query, need_key, need_value, need_mask = ctx.needs_input_grad[:4]
        backend = kernels(grad)
        grad_out = _operand(grad, batch, heads)
        grad_query = grad_key = grad_value = grad_mask = None
        if need_value:
            grad_value = _product(
                backend, dropped.transpose(-2, -1), grad_out, (*batch, value_heads), value
            )
        grad_scores = empty(probs.shape, probs.dtype, probs.device)
        backend.attention_bmm(
            grad_out, _operand(value, batch, value_heads, transpose=True), grad_scores._array
        )
        # with a mask to differentiate, the kernel leaves the gradient of the masked scores
        # (the mask's own), and the scale moves onto the smaller query and key gradients
        row_scale = 1.0 if need_mask else scale
        backend.attention_softmax_backward(
            probs._array, dropped._array, grad_scores._array, row_scale
        )
        if need_mask:
            grad_mask = grad_scores.sum_to_size(mask_shape)
        if need_query:
            grad_query = _product(
                backend, grad_scores, _operand(key, batch, key_heads), (*batch, heads), query
            )
        if need_key:
            grad_key = _product(
                backend,
                grad_scores.transpose(-2, -1),
                _operand(query, batch, heads),
                (*batch, key_heads),
                key,
            )
        if need_mask and scale != 1.0:
            grad_query = None if grad_query is None else grad_query * scale
            grad_key = None if grad_key is None else grad_key * scale
        return grad_query, grad_key, grad_value, grad_mask, None, None, None, None


def _operand(t: Tensor, batch: tuple, heads: int, transpose: bool = False):
    """t's array as (*batch, heads, rows, cols) (its last two dims swapped with
    `transpose`), broadcast where t has fewer or size-1 dims: a view, no copy."""
    if transpose:
        t = t.transpose(-2, -1)
    return expanded_array(t, (*batch, heads, *t.shape[-2:]))


def _product(backend, a, b, lead: tuple, like: Tensor) -> Tensor:
    """a @ b over heads into a new (*lead, rows, cols) tensor, summed down to `like`'s
    shape (the gradient of an input that was broadcast or shared by a group of heads)."""
    a_array = a._array if isinstance(a, Tensor) else a
    # tuples: the CUDA simulator's shape objects refuse negative indices
    rows, cols = tuple(a_array.shape)[-2], tuple(b.shape)[-1]
    out = empty((*lead, rows, cols), like.dtype, like.device)
    backend.attention_bmm(a_array, b, out._array)
    return out.sum_to_size(like.shape) if tuple(out.shape) != tuple(like.shape) else out


def _plan(query: Tensor, key: Tensor, value: Tensor, enable_gqa: bool):
    """The broadcast batch dims, the (query, key, value) head counts the kernels use and
    the output's shape, with PyTorch's errors for shapes that do not fit."""
    ndim = max(query.ndim, key.ndim, value.ndim)
    q, k, v = ((1,) * (ndim - t.ndim) + tuple(t.shape) for t in (query, key, value))
    if ndim == 2:  # no head dim: one head of its own
        batch, heads = (), (1, 1, 1)
    elif enable_gqa and (k[-3] != q[-3] or v[-3] != q[-3]):
        if q[-3] % k[-3] or q[-3] % v[-3]:
            # PyTorch's message, cut short as it is there
            raise RuntimeError(
                "Number of heads in key and value must divide the number of heads in "
            )
        batch, heads = broadcast_shapes(q[:-3], k[:-3], v[:-3]), (q[-3], k[-3], v[-3])
    else:
        lead = broadcast_shapes(q[:-2], k[:-2], v[:-2])
        batch, heads = lead[:-1], (lead[-1],) * 3
    products = math.prod(batch) * heads[0]
    for expected, got in ((q[-1], k[-1]), (k[-2], v[-2])):  # the two bmm's of PyTorch's math
        if expected != got:
            raise RuntimeError(
                f"Expected size for first two dimensions of batch2 tensor to be: "
                f"[{products}, {expected}] but got: [{products}, {got}]."
            )
    out_shape = (*batch, heads[0], q[-2], v[-1]) if ndim > 2 else (q[-2], v[-1])
    return batch, heads, out_shape


def _dtype_word(dt) -> str:
    return _DTYPE_WORD.get(dt.name, dt.name)


def _check(query: Tensor, key: Tensor, value: Tensor, attn_mask, dropout_p, is_causal) -> None:
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {query.ndim} key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if not (query.dtype is key.dtype is value.dtype):
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_dtype_word(query.dtype)} key.dtype: {_dtype_word(key.dtype)} and value.dtype: "
            f"{_dtype_word(value.dtype)} instead."
        )
    if not query.dtype.is_floating_point:
        raise RuntimeError(
            f"expected scalar type Float but found {TYPE_WORD.get(query.dtype.name, query.dtype)}"
        )
    check_device(query, key, value, attn_mask)
    if attn_mask is not None:
        if attn_mask.dtype is not _dtype.bool and attn_mask.dtype is not query.dtype:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_dtype_word(attn_mask.dtype)} and  query.dtype: "
                f"{_dtype_word(query.dtype)} instead."
            )
        if is_causal:
            raise RuntimeError(
                "_scaled_dot_product_attention: Explicit attn_mask should not be set when "
                "is_causal=True"
            )
    if dropout_p > 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """softmax(query @ key^T * scale + mask) @ value, as PyTorch computes it.

    query (*N, H, L, E), key (*N, Hk, S, E), value (*N, Hv, S, Ev); leading dims broadcast,
    and with `enable_gqa` Hk and Hv may be divisors of H (groups of query heads share a
    key/value head). attn_mask broadcasts to (*N, H, L, S): bool (True takes part) or
    additive float. `is_causal` masks the columns j > i (top-left aligned). A row with no
    column left gives zeros, as in PyTorch. `scale` defaults to 1 / sqrt(E); dropout is
    applied to the probabilities whenever dropout_p > 0. Returns (*N, H, L, Ev)."""
    _check(query, key, value, attn_mask, dropout_p, is_causal)
    batch, heads, out_shape = _plan(query, key, value, enable_gqa)
    scores_shape = (*out_shape[:-1], key.shape[-2])
    if attn_mask is not None:
        if broadcast_shapes(scores_shape, tuple(attn_mask.shape)) != scores_shape:
            raise RuntimeError(
                f"output with shape {list(scores_shape)} doesn't match the broadcast shape "
                f"{list(broadcast_shapes(scores_shape, tuple(attn_mask.shape)))}"
            )
        if attn_mask.dtype is _dtype.bool:  # PyTorch's conversion: -inf where False
            attn_mask = _creation.zeros(
                tuple(attn_mask.shape), dtype=query.dtype, device=query.device
            ).masked_fill(attn_mask.logical_not(), -math.inf)
    if scale is None:
        # E = 0: every score is an empty sum, 0 at any scale (uniform weights, as PyTorch)
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    dtype = query.dtype
    if dtype not in (_dtype.float32, _dtype.float64):  # the kernels run half types in float32
        query, key, value = (t.to(_dtype.float32) for t in (query, key, value))
        attn_mask = None if attn_mask is None else attn_mask.to(_dtype.float32)
    out = ScaledDotProductAttention.apply(
        query,
        key,
        value,
        attn_mask,
        (batch, heads, out_shape),
        bool(is_causal),
        float(scale),
        float(dropout_p) if dropout_p > 0 else 0.0,
    )
    return out if out.dtype is dtype else out.to(dtype)
