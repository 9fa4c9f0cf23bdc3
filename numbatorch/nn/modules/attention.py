"""`MultiheadAttention`, with PyTorch's parameters, names, init and forward."""

from __future__ import annotations

from ... import _creation
from .. import init
from .._multi_head_attention import multi_head_attention_forward
from ..parameter import Parameter
from .linear import Linear
from .module import Module


class NonDynamicallyQuantizableLinear(Linear):
    """PyTorch's class of `MultiheadAttention.out_proj` (a Linear), named as it is there."""


class MultiheadAttention(Module):
    r"""Attention of a query sequence over key/value sequences with `num_heads` heads of
    embed_dim // num_heads features each.

    Parameters (PyTorch's names, so its state_dicts load): `in_proj_weight` (3E, E) and
    `in_proj_bias` (3E,) when key and value have E features, else `q_proj_weight` (E, E),
    `k_proj_weight` (E, kdim), `v_proj_weight` (E, vdim); `out_proj` (Linear E -> E);
    `bias_k`, `bias_v` (1, 1, E) with `add_bias_kv`. Inputs are (L, N, E) sequence-first,
    (N, L, E) with `batch_first`, or unbatched (L, E).

    Args:
        embed_dim: E, the model width
        num_heads: heads, each of E // num_heads features
        dropout: dropout on the attention weights in training. Default: 0.0
        bias: biases in the projections. Default: ``True``
        add_bias_kv: learn a key and value appended to the sequences. Default: ``False``
        add_zero_attn: append a zero key and value. Default: ``False``
        kdim, vdim: features of key and value. Default: E
        batch_first: (N, L, E) instead of (L, N, E). Default: ``False``

    Shape:
        - query: :math:`(L, N, E)`; key: :math:`(S, N, kdim)`; value: :math:`(S, N, vdim)`.
        - key_padding_mask: :math:`(N, S)`, True (or -inf) where a key is padding; attn_mask:
          :math:`(L, S)` or :math:`(N \cdot heads, L, S)`.
        - Output: :math:`(L, N, E)`, and the weights :math:`(N, L, S)` (averaged over heads) or
          :math:`(N, heads, L, S)` when ``need_weights``.

    Example::

        >>> mha = nn.MultiheadAttention(32, 4, batch_first=True)
        >>> x = torch.randn(2, 10, 32)
        >>> out, weights = mha(x, x, x)
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(_creation.empty(3 * embed_dim, embed_dim, **factory))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(_creation.empty(embed_dim, embed_dim, **factory))
            self.k_proj_weight = Parameter(_creation.empty(embed_dim, self.kdim, **factory))
            self.v_proj_weight = Parameter(_creation.empty(embed_dim, self.vdim, **factory))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(_creation.empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(_creation.empty(1, 1, embed_dim, **factory))
            self.bias_v = Parameter(_creation.empty(1, 1, embed_dim, **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights: bool = True,
        attn_mask=None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ):
        """(output, weights): output shaped as query; weights (N, L, S), or (N, heads, L,
        S) without `average_attn_weights`, or None without `need_weights`.
        key_padding_mask (N, S) and attn_mask (L, S) or (N * heads, L, S): bool (True:
        not attended) or additive float. `is_causal` is a hint that attn_mask is causal."""
        is_batched = query.dim() == 3
        if self.batch_first and is_batched:
            # keep `query is key is value` true for self-attention (one projection GEMM)
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        output, weights = multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight,
            k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
        )
        if self.batch_first and is_batched:
            return output.transpose(1, 0), weights
        return output, weights
