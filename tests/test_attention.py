"""Attention: F.scaled_dot_product_attention (values against a numpy reference, masks,
causal, scale, grouped-query heads, dropout, gradients, PyTorch's errors),
nn.MultiheadAttention and the transformer layers (values against numpy references,
PyTorch's parameter names and errors), on the CPU and in the CUDA simulator."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch
import numbatorch.nn.functional as F
from numbatorch.autograd import gradcheck

rng = np.random.default_rng(0)


def reference(q, k, v, mask=None, causal=False, scale=None, dropout=None):
    """softmax(q k^T * scale + mask) v in float64 numpy, with heads repeated for grouped
    query attention, rows with no column left giving 0, and the probabilities multiplied
    by `dropout` (0 or 1 / keep rate) when given."""
    heads = q.shape[-3] if q.ndim > 2 else 1
    if k.ndim > 2:
        k = np.repeat(k, heads // k.shape[-3], axis=-3)
        v = np.repeat(v, heads // v.shape[-3], axis=-3)
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ np.swapaxes(k, -1, -2)) * scale
    if mask is not None:
        scores = scores + (np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask)
    if causal:
        scores = np.where(np.tri(*scores.shape[-2:], dtype=bool), scores, -np.inf)
    top = scores.max(-1, keepdims=True)
    e = np.exp(scores - np.where(np.isfinite(top), top, 0))
    total = e.sum(-1, keepdims=True)
    probs = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    if dropout is not None:
        probs = probs * dropout
    return probs @ v


def normal(*shape):
    return rng.standard_normal(shape)


def attend(q, k, v, mask=None, dtype=torch.float64, device="cpu", **options):
    as_tensor = lambda a: None if a is None else torch.tensor(a, device=device)  # noqa: E731
    q, k, v = (torch.tensor(a, dtype=dtype, device=device) for a in (q, k, v))
    return F.scaled_dot_product_attention(q, k, v, attn_mask=as_tensor(mask), **options)


CASES = {
    "plain": ((2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
    "bool mask over batch and heads": (
        (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), rng.random((4, 6)) < 0.7, {},
    ),
    "float mask per batch": (
        (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), normal(2, 1, 4, 6), {},
    ),
    "causal, more keys than queries": ((2, 4, 5), (2, 6, 5), (2, 6, 3), None, {"is_causal": True}),
    "causal, more queries than keys": ((6, 5), (4, 5), (4, 3), None, {"is_causal": True}),
    "scale": ((1, 2, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4), None, {"scale": 0.3}),
    "grouped query heads": (
        (2, 6, 4, 5), (2, 3, 6, 5), (2, 2, 6, 7), None, {"enable_gqa": True},
    ),
    "broadcast batch dims": ((2, 3, 4, 5), (1, 3, 6, 5), (3, 6, 7), None, {}),
    "one key head for all": ((2, 4, 3, 5), (2, 1, 6, 5), (2, 1, 6, 5), None, {}),
    "two batch dims": ((2, 2, 1, 3, 4), (2, 2, 1, 5, 4), (2, 2, 1, 5, 4), None, {}),
    "unbatched": ((4, 5), (6, 5), (6, 7), None, {}),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_sdpa_matches_the_numpy_reference(case):
    q_shape, k_shape, v_shape, mask, options = CASES[case]
    q, k, v = normal(*q_shape), normal(*k_shape), normal(*v_shape)
    out = attend(q, k, v, mask, **options)
    expected = reference(q, k, v, mask, options.get("is_causal", False), options.get("scale"))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_sdpa_in_float32_keeps_the_dtype():
    q, k, v = normal(2, 3, 5), normal(2, 4, 5), normal(2, 4, 5)
    mask = rng.random((3, 4)) < 0.5
    out = attend(q, k, v, mask, dtype=torch.float32)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), reference(q, k, v, mask), rtol=1e-5, atol=1e-6)


def test_rows_with_every_key_masked_give_zeros_and_zero_gradients():
    # PyTorch 2.13's math path: a safe softmax, not NaN
    mask = np.ones((3, 4), bool)
    mask[1] = False
    q = torch.tensor(normal(3, 5), requires_grad=True)
    k, v = torch.tensor(normal(4, 5)), torch.tensor(normal(4, 2))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(mask))
    out.sum().backward()
    assert out[1].tolist() == [0.0, 0.0] and q.grad[1].tolist() == [0.0] * 5
    assert np.isfinite(out.detach().numpy()).all()
    float_mask = torch.tensor(np.where(mask, 0.0, -np.inf))
    assert F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask)[1].tolist() == [0, 0]


def test_no_features_attend_uniformly_and_no_keys_give_zeros():
    v = normal(3, 2)
    uniform = attend(np.zeros((2, 0)), np.zeros((3, 0)), v)  # PyTorch: weights 1/S
    np.testing.assert_allclose(uniform.numpy(), np.tile(v.mean(0), (2, 1)), atol=1e-15)
    q = torch.tensor(normal(4, 5), requires_grad=True)
    nothing = F.scaled_dot_product_attention(q, torch.zeros(0, 5, dtype=torch.float64),
                                             torch.zeros(0, 3, dtype=torch.float64))  # fmt: skip
    nothing.sum().backward()
    assert nothing.tolist() == [[0.0] * 3] * 4 and q.grad.abs().max().item() == 0


def test_sdpa_gradients_of_query_key_value_and_float_mask():
    shapes = ((1, 2, 2, 3), (1, 2, 3, 3), (1, 2, 3, 2), (2, 1, 3))  # the mask broadcast over L
    inputs = [torch.tensor(normal(*s), requires_grad=True) for s in shapes]

    def attention(q, k, v, mask):
        return F.scaled_dot_product_attention(q, k, v, mask, scale=0.7)

    assert gradcheck(attention, inputs)


@pytest.mark.parametrize(
    "shapes, options",
    [
        (((2, 3, 4), (2, 5, 4), (2, 5, 3)), {"is_causal": True}),
        (((1, 4, 2, 3), (1, 2, 4, 3), (1, 1, 4, 2)), {"enable_gqa": True}),
        (((2, 2, 3), (1, 4, 3), (4, 2)), {}),  # broadcast batch and head dims
    ],
)
def test_sdpa_gradients_through_causal_grouped_and_broadcast_inputs(shapes, options):
    inputs = [torch.tensor(normal(*s), requires_grad=True) for s in shapes]
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **options), inputs)


def test_dropout_drops_probabilities_with_the_global_generator():
    q, k, v = normal(2, 3, 4), normal(2, 5, 4), normal(2, 5, 3)
    torch.manual_seed(7)
    keep = torch.rand(2, 3, 5, dtype=torch.float64).numpy() < 0.6
    torch.manual_seed(7)
    out = attend(q, k, v, dropout_p=0.4)
    expected = reference(q, k, v, dropout=np.where(keep, 1 / 0.6, 0.0))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert attend(q, k, v, dropout_p=1.0).abs().max().item() == 0.0


def test_dropout_gradients():
    inputs = [
        torch.tensor(normal(*s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3))
    ]

    def attention_with_fixed_dropout(q, k, v):
        torch.manual_seed(3)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)

    assert gradcheck(attention_with_fixed_dropout, inputs)


@settings(max_examples=15, deadline=None)
@given(
    batch=st.lists(st.integers(1, 2), min_size=0, max_size=2),
    heads=st.sampled_from([(1, 1), (2, 1), (4, 2), (2, 2)]),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
    causal=st.booleans(),
)
def test_sdpa_shapes_against_the_reference(batch, heads, sizes, causal):
    (h, h_kv), (length, source, e, ev) = heads, sizes
    q, k, v = (
        normal(*batch, h, length, e),
        normal(*batch, h_kv, source, e),
        normal(*batch, h_kv, source, ev),
    )
    out = attend(q, k, v, is_causal=causal, enable_gqa=True)
    np.testing.assert_allclose(out.numpy(), reference(q, k, v, causal=causal), atol=1e-12)


def test_sdpa_grad_fn_is_one_node():
    q = torch.randn(1, 2, 3, 4, requires_grad=True)
    out = F.scaled_dot_product_attention(q, q, q)
    assert type(out.grad_fn).__name__ == "ScaledDotProductFlashAttentionForCpuBackward0"


SDPA_ERRORS = [
    (((5,), (5,), (5,)), {}, "Expected query, key, and value to all be  at least 2 dimensional, "
     "but got query.dim: 1 key.dim: 1 and value.dim: 1 instead."),
    (((2, 6, 4, 5), (2, 4, 6, 5), (2, 4, 6, 7)), {"enable_gqa": True},
     "Number of heads in key and value must divide the number of heads in "),
    (((2, 6, 4, 5), (2, 2, 6, 5), (2, 2, 6, 7)), {},
     "The size of tensor a (6) must match the size of tensor b (2) at non-singleton dimension 1"),
    (((2, 6, 4, 5), (2, 6, 6, 4), (2, 6, 6, 7)), {},
     "Expected size for first two dimensions of batch2 tensor to be: [12, 5] but got: [12, 4]."),
    (((2, 6, 4, 5), (2, 6, 6, 5), (2, 6, 5, 7)), {},
     "Expected size for first two dimensions of batch2 tensor to be: [12, 6] but got: [12, 5]."),
    (((4, 5), (6, 5), (6, 7)), {"attn_mask": np.zeros((4, 5))},
     "The size of tensor a (6) must match the size of tensor b (5) at non-singleton dimension 1"),
    (((4, 5), (6, 5), (6, 7)), {"attn_mask": np.zeros((3, 4, 6))},
     "output with shape [4, 6] doesn't match the broadcast shape [3, 4, 6]"),
    (((4, 5), (6, 5), (6, 7)), {"attn_mask": np.zeros((4, 6), np.int64)},
     "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
     "attn_mask.dtype: long int and  query.dtype: double instead."),
    (((4, 5), (6, 5), (6, 7)), {"attn_mask": np.zeros((4, 6), bool), "is_causal": True},
     "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True"),
    (((4, 5), (6, 5), (6, 7)), {"dropout_p": 1.5},
     "dropout probability has to be between 0 and 1, but got 1.5"),
]  # fmt: skip


@pytest.mark.parametrize("shapes, options, message", SDPA_ERRORS)
def test_sdpa_errors_are_pytorchs(shapes, options, message):
    options = dict(options)
    mask = options.pop("attn_mask", None)
    with pytest.raises(RuntimeError) as error:
        attend(*(normal(*s) for s in shapes), mask, **options)
    assert str(error.value) == message


def test_sdpa_refuses_mixed_dtypes():
    q = torch.zeros(2, 3)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same dtype"):
        F.scaled_dot_product_attention(q, q, q.double())


def test_sdpa_on_cuda_matches_the_cpu_forward_and_backward(device):
    q, k, v = normal(1, 2, 2, 3), normal(1, 1, 3, 3), normal(1, 1, 3, 2)
    mask, weights = normal(2, 1, 3), normal(1, 2, 2, 2)
    results = []
    for dev in ("cpu", device):
        inputs = [torch.tensor(a, device=dev, requires_grad=True) for a in (q, k, v, mask)]
        out = F.scaled_dot_product_attention(*inputs, enable_gqa=True)
        (out * torch.tensor(weights, device=dev)).sum().backward()
        results.append([out.detach().cpu().numpy()] + [t.grad.cpu().numpy() for t in inputs])
    for cpu, other in zip(*results):
        np.testing.assert_allclose(other, cpu, rtol=1e-10, atol=1e-12)
    torch.manual_seed(5)
    keep = torch.rand(2, 3, dtype=torch.float64).numpy() < 0.5
    torch.manual_seed(5)
    dropped = attend(q[0, 0], k[0, 0], v[0, 0], device=device, dropout_p=0.5, is_causal=True)
    expected = reference(q[0, 0], k[0, 0], v[0, 0], causal=True, dropout=np.where(keep, 2.0, 0))
    np.testing.assert_allclose(dropped.cpu().numpy(), expected, atol=1e-12)


# --- MultiheadAttention ------------------------------------------------------------------


def mha_reference(module, query, key, value, additive_mask=None):
    """PyTorch's multi-head attention of sequence-first (L, N, E) numpy inputs: the
    projections, per-head attention and the out-projection; returns (output, weights
    averaged over heads)."""
    heads, e = module.num_heads, module.embed_dim
    w, b = module.in_proj_weight.detach().numpy(), module.in_proj_bias.detach().numpy()
    q, k, v = (x @ w[i * e : (i + 1) * e].T + b[i * e : (i + 1) * e]
               for i, x in enumerate((query, key, value)))  # fmt: skip

    def split(x):  # (T, N, E) -> (N, heads, T, E / heads)
        return x.reshape(x.shape[0], x.shape[1], heads, -1).transpose(1, 2, 0, 3)

    scores = split(q) @ split(k).transpose(0, 1, 3, 2) / math.sqrt(e // heads)
    if additive_mask is not None:
        scores = scores + additive_mask
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ split(v)).transpose(2, 0, 1, 3).reshape(query.shape[0], query.shape[1], e)
    out = out @ module.out_proj.weight.detach().numpy().T + module.out_proj.bias.detach().numpy()
    return out, weights.mean(1)


def test_mha_parameters_are_pytorchs():
    mha = torch.nn.MultiheadAttention(8, 2)
    assert [name for name, _ in mha.named_parameters()] == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias",
    ]  # fmt: skip
    assert type(mha.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert mha.in_proj_bias.abs().max().item() == 0 == mha.out_proj.bias.abs().max().item()
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ of (24, 8)
    assert 0.5 * bound < mha.in_proj_weight.abs().max().item() <= bound
    separate = torch.nn.MultiheadAttention(8, 2, bias=False, add_bias_kv=True, kdim=3, vdim=5)
    assert {name: tuple(p.shape) for name, p in separate.named_parameters()} == {
        "q_proj_weight": (8, 8), "k_proj_weight": (8, 3), "v_proj_weight": (8, 5),
        "bias_k": (1, 1, 8), "bias_v": (1, 1, 8), "out_proj.weight": (8, 8),
    }  # fmt: skip
    assert separate.in_proj_weight is None and separate.in_proj_bias is None


def test_mha_with_key_padding_mask_and_weights_matches_the_reference():
    mha = torch.nn.MultiheadAttention(6, 3).double()
    query, memory = normal(4, 2, 6), normal(5, 2, 6)
    padding = np.zeros((2, 5), bool)
    padding[1, 3:] = True
    out, weights = mha(torch.tensor(query), torch.tensor(memory), torch.tensor(memory),
                       key_padding_mask=torch.tensor(padding))  # fmt: skip
    additive = np.where(padding, -np.inf, 0.0)[:, None, None, :]
    expected, expected_weights = mha_reference(mha, query, memory, memory, additive)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), expected_weights, atol=1e-12)
    unaveraged = mha(
        torch.tensor(query),
        torch.tensor(memory),
        torch.tensor(memory),
        key_padding_mask=torch.tensor(padding),
        average_attn_weights=False,
    )[1]
    assert unaveraged.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(unaveraged.mean(1).detach().numpy(), expected_weights, atol=1e-12)


def test_mha_without_weights_uses_the_same_attention_batch_first_and_unbatched():
    mha = torch.nn.MultiheadAttention(4, 2, batch_first=True).double()
    x = normal(2, 3, 4)
    causal = np.triu(np.ones((3, 3), bool), 1)  # True: not attended, as PyTorch's MHA
    xt = torch.tensor(x)
    out, weights = mha(xt, xt, xt, attn_mask=torch.tensor(causal), need_weights=False)
    additive = np.where(causal, -np.inf, 0.0)
    expected, _ = mha_reference(mha, *(x.transpose(1, 0, 2),) * 3, additive)
    assert weights is None
    np.testing.assert_allclose(out.detach().numpy(), expected.transpose(1, 0, 2), atol=1e-12)
    hinted = mha(xt, xt, xt, attn_mask=torch.tensor(causal), need_weights=False, is_causal=True)
    np.testing.assert_allclose(hinted[0].detach().numpy(), out.detach().numpy(), atol=1e-12)
    single, single_weights = mha(xt[0], xt[0], xt[0])  # unbatched (L, E)
    expected, expected_weights = mha_reference(mha, *(x[0][:, None],) * 3)
    np.testing.assert_allclose(single.detach().numpy(), expected[:, 0], atol=1e-12)
    np.testing.assert_allclose(single_weights.detach().numpy(), expected_weights[0], atol=1e-12)


def test_mha_gradients_reach_every_parameter():
    mha = torch.nn.MultiheadAttention(4, 2, add_bias_kv=True, add_zero_attn=True).double()
    x = torch.tensor(normal(3, 2, 4), requires_grad=True)
    out, _ = mha(x, x, x, need_weights=False)
    out.sum().backward()
    assert x.grad is not None
    assert all(p.grad is not None and p.grad.abs().sum().item() > 0 for p in mha.parameters())


X = torch.zeros(3, 2, 4)
MHA_ERRORS = [
    (lambda: torch.nn.MultiheadAttention(6, 4), AssertionError,
     "embed_dim must be divisible by num_heads"),
    (lambda: torch.nn.MultiheadAttention(0, 2), ValueError,
     "embed_dim and num_heads must be greater than 0, got embed_dim=0 and num_heads=2 instead"),
    (lambda: torch.nn.MultiheadAttention(4, 2)(*(torch.zeros(3, 2, 4),) * 3, is_causal=True),
     RuntimeError, "Need attn_mask if specifying the is_causal hint. You may use the Transformer "
     "module method `generate_square_subsequent_mask` to create this mask."),
    (lambda: torch.nn.MultiheadAttention(4, 2)(X, X, X, key_padding_mask=torch.zeros(2, 4) > 0),
     AssertionError, "Expected key_padded_mask.shape[1] to be 3, but got 4"),
    (lambda: torch.nn.MultiheadAttention(4, 2)(*(torch.zeros(3, 2, 4),) * 3,
                                               attn_mask=torch.zeros(3, 4)),
     RuntimeError, "The shape of the 2D attn_mask is torch.Size([3, 4]), but should be (3, 3)."),
    (lambda: torch.nn.MultiheadAttention(4, 2)(torch.zeros(3, 2, 4), torch.zeros(3, 4),
                                               torch.zeros(3, 4)),
     AssertionError, "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
     "2-D and 2-D tensors respectively"),
    (lambda: torch.nn.MultiheadAttention(4, 2)(*(torch.zeros(3, 2, 5),) * 3), AssertionError,
     "was expecting embedding dimension of 4, but got 5"),
    (lambda: torch.nn.MultiheadAttention(4, 2)(X, X, X, key_padding_mask=torch.zeros(2, 3).long()),
     AssertionError, "only bool and floating types of key_padding_mask are supported"),
]  # fmt: skip


@pytest.mark.parametrize("call, kind, message", MHA_ERRORS)
def test_mha_errors_are_pytorchs(call, kind, message):
    with pytest.raises(kind) as error:
        call()
    assert str(error.value) == message


# --- transformer layers ------------------------------------------------------------------


def layer_norm(x, eps=1e-5):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)


def feed_forward(layer, h):
    """linear2(relu(linear1(h))) of a transformer layer, in numpy."""
    linear1, linear2 = layer.linear1, layer.linear2
    h = np.maximum(h @ linear1.weight.detach().numpy().T + linear1.bias.detach().numpy(), 0)
    return h @ linear2.weight.detach().numpy().T + linear2.bias.detach().numpy()


def encoder_layer_reference(layer, x, additive_mask=None):
    """TransformerEncoderLayer on (S, N, E) numpy input, dropout off, LayerNorm weights 1/0."""

    def attention(h):
        return mha_reference(layer.self_attn, h, h, h, additive_mask)[0]

    if layer.norm_first:
        x = x + attention(layer_norm(x))
        return x + feed_forward(layer, layer_norm(x))
    x = layer_norm(x + attention(x))
    return layer_norm(x + feed_forward(layer, x))


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_the_reference(norm_first):
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first).double()
    x = normal(5, 2, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    out = layer(torch.tensor(x), src_mask=mask)
    expected = encoder_layer_reference(layer, x, mask.numpy())
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-9, atol=1e-10)


def test_decoder_layer_matches_the_reference():
    layer = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0).double()
    x, memory = normal(4, 2, 8), normal(6, 2, 8)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    out = layer(torch.tensor(x), torch.tensor(memory), tgt_mask=mask)
    expected = layer_norm(x + mha_reference(layer.self_attn, x, x, x, mask.numpy())[0])
    expected = layer_norm(
        expected + mha_reference(layer.multihead_attn, expected, memory, memory)[0]
    )
    expected = layer_norm(expected + feed_forward(layer, expected))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-9, atol=1e-10)


def test_encoder_stack_applies_its_layers_and_norm_and_detects_the_causal_mask():
    layer = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True).double()
    encoder = torch.nn.TransformerEncoder(layer, 2, norm=torch.nn.LayerNorm(4).double(),
                                          enable_nested_tensor=False)  # fmt: skip
    x = torch.tensor(normal(2, 3, 4))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(3, dtype=torch.float64)
    out = encoder(x, mask=mask)
    by_hand = x
    for each in encoder.layers:
        by_hand = each(by_hand, src_mask=mask)
    by_hand = encoder.norm(by_hand)
    np.testing.assert_allclose(out.detach().numpy(), by_hand.detach().numpy(), atol=1e-12)
    hinted = encoder(x, mask=mask, is_causal=True)
    np.testing.assert_allclose(hinted.detach().numpy(), out.detach().numpy(), atol=1e-12)
    assert encoder.layers[0] is not encoder.layers[1]


def test_nested_tensor_warning_as_in_pytorch():
    layer = torch.nn.TransformerEncoderLayer(4, 2, 8)
    with pytest.warns(UserWarning, match="encoder_layer.self_attn.batch_first was not True"):
        torch.nn.TransformerEncoder(layer, 1)


def test_transformer_state_dict_keys_and_generate_square_subsequent_mask():
    from numbatorch.nn.modules.activation import MultiheadAttention
    from numbatorch.nn.modules.transformer import Transformer

    assert MultiheadAttention is torch.nn.MultiheadAttention  # PyTorch's module paths

    model = Transformer(8, 2, 1, 1, 16, activation="gelu", norm_first=True)
    keys = list(model.state_dict())
    assert keys[:6] == [
        "encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias",
        "encoder.layers.0.self_attn.out_proj.weight", "encoder.layers.0.self_attn.out_proj.bias",
        "encoder.layers.0.linear1.weight", "encoder.layers.0.linear1.bias",
    ]  # fmt: skip
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in keys
    assert "decoder.layers.0.norm3.bias" in keys and keys[-2:] == [
        "decoder.norm.weight", "decoder.norm.bias",
    ]  # fmt: skip
    assert len(keys) == 34
    assert Transformer.generate_square_subsequent_mask(3).tolist() == [
        [0.0, -math.inf, -math.inf], [0.0, 0.0, -math.inf], [0.0, 0.0, 0.0],
    ]  # fmt: skip


def test_transformer_runs_encoder_then_decoder_and_checks_its_inputs():
    model = torch.nn.Transformer(4, 2, 1, 1, 8, dropout=0.0, batch_first=True).double()
    src, tgt = torch.tensor(normal(2, 5, 4)), torch.tensor(normal(2, 3, 4))
    tgt_mask = model.generate_square_subsequent_mask(3, dtype=torch.float64)
    out = model(src, tgt, tgt_mask=tgt_mask)
    memory = model.encoder(src)
    expected = model.decoder(tgt, memory, tgt_mask=tgt_mask)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-12)
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(src, tgt[:1])
    with pytest.raises(RuntimeError, match="the feature number of src and tgt must be equal"):
        model(src, torch.zeros(2, 3, 6, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        torch.nn.TransformerEncoderLayer(4, 2, activation="tanh")


@pytest.mark.torch
def test_pytorch_transformer_state_dict_loads_and_gives_pytorchs_outputs():
    pytorch = pytest.importorskip("torch")
    pytorch.manual_seed(0)
    theirs = pytorch.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=True).double()
    ours = torch.nn.Transformer(8, 2, 2, 2, 16, dropout=0.0, batch_first=True).double()
    ours.load_state_dict({k: torch.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    src, tgt = normal(2, 5, 8), normal(2, 4, 8)
    padding = np.zeros((2, 5), bool)
    padding[1, 3:] = True
    expected = theirs(pytorch.tensor(src), pytorch.tensor(tgt),
                      tgt_mask=pytorch.nn.Transformer.generate_square_subsequent_mask(4),
                      src_key_padding_mask=pytorch.tensor(padding))  # fmt: skip
    out = ours(torch.tensor(src), torch.tensor(tgt),
               tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
               src_key_padding_mask=torch.tensor(padding))  # fmt: skip
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-10)
