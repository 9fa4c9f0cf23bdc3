"""numbatorch.onnx.export: each model is checked by onnx.checker, run in onnxruntime and
compared with numbatorch's own outputs (float32, atol 1e-5), also at other sizes of the
dynamic axes."""

import importlib.util
import io
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch
import numbatorch.nn as nn
import numbatorch.nn.functional as F
from numbatorch import _trace

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def export_and_run(model, args, run_args=None, **options):
    """Exports to memory; returns (ONNX model, onnxruntime's outputs on `run_args`, ours)."""
    buffer = io.BytesIO()
    numbatorch.onnx.export(model, args, buffer, **options)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    run_args = args if run_args is None else run_args
    run_args = run_args if isinstance(run_args, tuple) else (run_args,)
    feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), run_args)}
    model.eval()  # what was exported
    with numbatorch.no_grad():
        ours = model(*run_args)
    return proto, session.run(None, feeds), [t.numpy() for t in _trace._flatten(ours)]


def assert_matches(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


def op_types(proto) -> list[str]:
    return [node.op_type for node in proto.graph.node]


def test_mlp_with_each_activation_matches_onnxruntime():
    numbatorch.manual_seed(0)
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(12, 16), nn.GELU(), nn.Linear(16, 16), nn.SiLU(),
        nn.Dropout(0.5), nn.Linear(16, 8), nn.LeakyReLU(0.2), nn.Tanh(), nn.Linear(8, 4),
        nn.Sigmoid(),
    )  # fmt: skip
    x = numbatorch.randn(3, 3, 4)
    model.train()  # export runs the model in eval mode (dropout off) and restores this
    model[5].eval()
    numbatorch.onnx.export(model, x, io.BytesIO())
    assert [m.training for m in model.modules()] == [True] * 6 + [False] + [True] * 5
    proto, got, expected = export_and_run(model, x)
    assert_matches(got, expected)
    assert "Dropout" not in op_types(proto) and op_types(proto).count("Gemm") == 4
    initializers = [i.name for i in proto.graph.initializer]
    assert initializers[:8] == [name for name, _ in model.named_parameters()]


def _load_trainer():
    spec = importlib.util.spec_from_file_location(
        "train_digits", ROOT / "examples" / "train_digits.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lenet_of_train_digits_matches_with_a_dynamic_batch():
    numbatorch.manual_seed(1)
    model = _load_trainer().DigitsCNN()
    options = {
        "input_names": ["images"],
        "output_names": ["logits"],
        "dynamic_axes": {"images": {0: "batch"}, "logits": {0: "batch"}},
    }
    x = numbatorch.randn(2, 1, 8, 8)
    proto, got, expected = export_and_run(model, x, **options)
    assert_matches(got, expected)
    # the same file on another batch size
    proto, got, expected = export_and_run(model, x, numbatorch.randn(5, 1, 8, 8), **options)
    assert_matches(got, expected)
    for info in (proto.graph.input[0], proto.graph.output[0]):
        assert info.type.tensor_type.shape.dim[0].dim_param == "batch"
    assert [i.name for i in proto.graph.input] == ["images"]


class ConvNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=4, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.avg = nn.AvgPool2d(2, count_include_pad=False)
        self.head = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.pool(x)
        x = F.relu(self.bn2(self.conv2(x)), inplace=True)
        y = self.avg(x)
        x = self.head(y) + y.mean((2, 3), keepdim=True)
        return F.softmax(self.fc(x.view(x.shape[0], -1)), dim=1)


def test_conv_net_with_batch_norm_and_pooling_matches():
    numbatorch.manual_seed(2)
    model = ConvNet()
    with numbatorch.no_grad():  # running statistics other than the initial 0 and 1
        for bn in (model.bn1, model.bn2):
            bn.running_mean.copy_(numbatorch.randn(8) * 0.1)
            bn.running_var.copy_(numbatorch.rand(8) + 0.5)
    proto, got, expected = export_and_run(model, numbatorch.randn(2, 3, 12, 12))
    assert_matches(got, expected)
    kinds = op_types(proto)
    for kind in ("Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool"):
        assert kind in kinds
    conv2 = [n for n in proto.graph.node if n.op_type == "Conv"][1]
    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in conv2.attribute}
    assert attributes["group"] == 4 and attributes["dilations"] == [2, 2]


class AttentionBlock(nn.Module):
    """Embedding, layer norm, one head of softmax attention, and shape ops around it."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(11, 8)
        self.norm = nn.LayerNorm(8)
        self.qkv = nn.Linear(8, 24)
        self.out = nn.Linear(16, 3)

    def forward(self, tokens):
        x = self.norm(self.embed(tokens))
        q, k, v = self.qkv(x).split(8, dim=-1)
        scores = q @ k.transpose(1, 2) / 8**0.5
        attended = F.softmax(scores, dim=-1) @ v
        mixed = torch_cat(x, attended).permute(0, 2, 1).unsqueeze(1).squeeze(1)
        pooled = (mixed.pow(2) - 0.5 * mixed).sum(2) / tokens.shape[1]
        return F.log_softmax(self.out(pooled), dim=1), scores


def torch_cat(a, b):
    return numbatorch.cat([a, b], dim=2)


def test_layer_norm_softmax_block_matches_with_dynamic_batch_and_two_outputs():
    numbatorch.manual_seed(3)
    model = AttentionBlock()
    tokens = numbatorch.randint(0, 11, (2, 5))
    options = {
        "input_names": ["tokens"],
        "output_names": ["log_probs", "scores"],
        "dynamic_axes": {"tokens": [0], "log_probs": [0], "scores": [0]},
    }
    proto, got, expected = export_and_run(model, tokens, **options)
    assert_matches(got, expected)
    proto, got, expected = export_and_run(model, tokens, numbatorch.randint(0, 11, (3, 5)),
                                          **options)  # fmt: skip
    assert_matches(got, expected)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "tokens_dynamic_axes_1"
    assert {"Gather", "LayerNormalization", "Softmax", "LogSoftmax", "Concat"} <= set(
        op_types(proto)
    )


def test_elementwise_ops_with_scalars_and_broadcast_match():
    weight = numbatorch.tensor([[1.0], [-2.0]])

    class Arithmetic(nn.Module):
        def forward(self, a, b):
            x = (a + b) * 2 - 1 / (b.abs() + 1) + (a - weight).pow(3)
            return 3 - x / 4, (2**a).exp() + x.sub(b, alpha=0.5)

    a, b = numbatorch.randn(2, 3), numbatorch.randn(3)
    proto, got, expected = export_and_run(Arithmetic(), (a, b))
    assert_matches(got, expected)


def test_unsupported_op_raises_naming_it():
    class Cumulative(nn.Module):
        def forward(self, x):
            return x.cumprod(1)

    with pytest.raises(numbatorch.onnx.errors.UnsupportedOperatorError, match="Cumprod"):
        numbatorch.onnx.export(Cumulative(), numbatorch.randn(2, 3), io.BytesIO())
    assert issubclass(numbatorch.onnx.errors.UnsupportedOperatorError, RuntimeError)


def test_is_in_onnx_export_is_true_only_while_exporting():
    seen = []

    def forward(x):
        seen.append(numbatorch.onnx.is_in_onnx_export())
        return x + 1

    numbatorch.onnx.export(Lambda(forward), numbatorch.ones(2), io.BytesIO())
    assert seen == [True] and not numbatorch.onnx.is_in_onnx_export()


def test_max_pool_indices_cannot_be_exported():
    class WithIndices(nn.Module):
        def forward(self, x):
            values, indices = F.max_pool2d(x, 2, return_indices=True)
            return values + indices

    with pytest.raises(numbatorch.onnx.errors.OnnxExporterError, match="MaxPool2DWithIndices"):
        numbatorch.onnx.export(WithIndices(), numbatorch.randn(1, 1, 4, 4), io.BytesIO())


def test_a_tensor_computed_outside_the_recorded_ops_is_exported_with_a_warning():
    # comparisons run outside autograd Functions; the cast of their result is folded
    model = Lambda(lambda x: x * (x > 0).float())
    with pytest.warns(
        numbatorch.onnx.errors.OnnxExporterWarning, match=r"float32 tensor of shape \[2, 3\]"
    ):
        numbatorch.onnx.export(model, numbatorch.randn(2, 3), io.BytesIO())


def test_layer_norm_needs_opset_17_as_pytorch_says():
    error = numbatorch.onnx.errors.UnsupportedOperatorError
    with pytest.raises(error, match="opset version 16 .* added in version 17"):
        numbatorch.onnx.export(nn.LayerNorm(4), numbatorch.randn(2, 4), io.BytesIO(),
                               opset_version=16)  # fmt: skip


def test_export_to_a_path_and_without_params(tmp_path):
    numbatorch.manual_seed(4)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU())
    path = tmp_path / "model.onnx"
    numbatorch.onnx.export(model, (numbatorch.randn(2, 4),), str(path))
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto)
    assert len(proto.graph.initializer) == 2 and proto.producer_name == "numbatorch"

    buffer = io.BytesIO()
    numbatorch.onnx.export(model, numbatorch.randn(2, 4), buffer, export_params=False)
    proto = onnx.load_from_string(buffer.getvalue())
    assert not proto.graph.initializer
    assert [i.name for i in proto.graph.input] == ["input", "0.weight", "0.bias"]


def test_verbose_prints_the_exported_graph(capsys):
    numbatorch.onnx.export(nn.Linear(2, 3), numbatorch.ones(1, 2), io.BytesIO(), verbose=True)
    printed = capsys.readouterr().out
    assert "%output = Gemm[transB=1](%input, %weight, %bias)" in printed
    assert "graph Linear(%input[1x2])" in printed and "%weight: initializer[3, 2]" in printed


def test_constant_folding_computes_ops_on_parameters_ahead():
    class Transposed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(numbatorch.randn(3, 4))

        def forward(self, x):
            return x @ self.weight.t()

    x = numbatorch.randn(2, 4)
    proto, got, expected = export_and_run(Transposed(), x)
    assert_matches(got, expected)
    assert op_types(proto) == ["MatMul"]
    proto, got, expected = export_and_run(Transposed(), x, do_constant_folding=False)
    assert op_types(proto) == ["Transpose", "MatMul"]


def test_bad_arguments_are_refused():
    model = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match=r"number of input names provided \(2\) exceeded"):
        numbatorch.onnx.export(model, numbatorch.ones(1, 2), io.BytesIO(), input_names=["a", "b"])
    with pytest.raises(TypeError, match="args must be a Tensor or a tuple"):
        numbatorch.onnx.export(model, [[1.0, 2.0]][0][0], io.BytesIO())
    with pytest.raises(ValueError, match="Unsupported ONNX opset version: 7"):
        numbatorch.onnx.export(model, numbatorch.ones(1, 2), io.BytesIO(), opset_version=7)
    with pytest.warns(UserWarning, match="Provided key x for dynamic axes"):
        numbatorch.onnx.export(model, numbatorch.ones(1, 2), io.BytesIO(), dynamic_axes={"x": [0]})


def test_importing_numbatorch_does_not_import_onnx():
    code = "import sys, numbatorch; print('onnx' in sys.modules, 'onnxruntime' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_train_digits_exports_the_trained_model(tmp_path):
    trainer = _load_trainer()
    path = tmp_path / "digits.onnx"
    trainer.main(["--model", "mlp", "--limit", "16", "--batch-size", "16", "--epochs", "1",
                  "--checkpoint", str(tmp_path / "c.pt"), "--export-onnx", str(path)])  # fmt: skip
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"images": np.zeros((3, 1, 8, 8), np.float32)})
    assert logits.shape == (3, 10)


class Lambda(nn.Module):
    def __init__(self, fn) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


class Gain(nn.Module):
    """A 0-d parameter: its initializer keeps rank 0."""

    def __init__(self) -> None:
        super().__init__()
        self.gain = nn.Parameter(numbatorch.tensor(2.0))

    def forward(self, x):
        return x.sum() * self.gain


MASK = numbatorch.tensor([[True, False, True, False]] * 3)
INDEX = numbatorch.tensor([2, 0])

# one export per row: (name, function, input shape); inputs are randn float32
OPS = [
    ("slice_int_none", lambda x: x[1, None, 1:3], (3, 4)),
    ("slice_last", lambda x: x[:, -1], (3, 4)),
    ("slice_steps", lambda x: x[1:, ::2] + x[:2, 1::2], (3, 4)),
    ("layer_norm_no_affine", lambda x: F.layer_norm(x, (2, 4), bias=x[0, 0, 0] + x[0]), (3, 2, 4)),
    (
        "narrow_split_chunk",
        lambda x: x.narrow(1, 1, 2) + x.split(2, 1)[0] * x.chunk(2, 1)[1],
        (3, 4),
    ),
    ("stack_unbind", lambda x: numbatorch.stack(x.unbind(0), dim=1), (3, 4)),
    ("expand", lambda x: x[:, :1].expand(3, 4) - x, (3, 4)),
    ("transpose_t_squeeze", lambda x: x.t().unsqueeze(0).squeeze(0).transpose(0, 1), (3, 4)),
    ("clamp_hardtanh_relu6", lambda x: x.clamp(-0.5, 0.5) + F.hardtanh(x) + F.relu6(x * 4), (3, 4)),
    ("clamp_min", lambda x: x.clamp(min=0.1), (3, 4)),
    ("elu_softplus", lambda x: F.elu(x, 0.5) + F.softplus(x * 12, beta=2, threshold=10), (3, 4)),
    ("exp_log", lambda x: x.exp() + (x.abs() + 1).log(), (3, 4)),
    ("sqrt_rsqrt", lambda x: x.abs().sqrt() + (x * x + 1).rsqrt(), (3, 4)),
    ("neg_abs_reciprocal", lambda x: -x.abs() + (x.abs() + 1).reciprocal(), (3, 4)),
    (
        "maximum_minimum",
        lambda x: numbatorch.maximum(x, x * 0.5) + numbatorch.minimum(x, x * 2),
        (3, 4),
    ),
    (
        "where_masked_fill",
        lambda x: numbatorch.where(MASK, x, 0.0) + x.masked_fill(MASK, -1.0),
        (3, 4),
    ),
    ("amax_max_dim", lambda x: x.amax(1) + x.max(0).values.sum() + x.max(), (3, 4)),
    ("logsumexp_cumsum", lambda x: x.logsumexp(1, keepdim=True) + x.cumsum(1), (3, 4)),
    ("mean_all_sum_dims", lambda x: x.mean() + x.sum((0, 1)), (3, 4)),
    (
        "index_select_gather",
        lambda x: x.index_select(1, INDEX) + x.gather(1, INDEX.expand(3, 2)),
        (3, 4),
    ),
    ("softmax_dim0", lambda x: F.softmax(x, dim=0) + F.log_softmax(x, dim=-1), (3, 4)),
    ("matmul_3d_2d", lambda x: x @ x[0].t(), (2, 3, 4)),
    ("bmm", lambda x: numbatorch.bmm(x, x.transpose(1, 2)), (2, 3, 4)),
    ("addmm", lambda x: numbatorch.addmm(x[0, 0, :3], x[0], x[1].t()), (2, 3, 4)),
    (
        "conv_transpose2d",
        nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
        (1, 2, 4, 4),
    ),
    (
        "conv1d_pool1d",
        nn.Sequential(nn.Conv1d(2, 3, 3), nn.MaxPool1d(2), nn.AvgPool1d(2)),
        (2, 2, 10),
    ),
    ("batch_norm1d", nn.BatchNorm1d(4), (3, 4)),
    ("adaptive_avg_pool_2x2", nn.AdaptiveAvgPool2d(2), (1, 2, 4, 6)),
    ("gelu_tanh", nn.GELU(approximate="tanh"), (3, 4)),
    ("int_sum_to_float", lambda x: x.long().sum(1) + x.sum(1), (3, 4)),
    ("no_op_at_all", nn.Dropout(), (3, 4)),
    ("zero_dim_parameter", Gain(), (3, 4)),
    ("var_std", lambda x: x.var(1, keepdim=True) + x.std(0).sum() + x.var(), (3, 4)),
    (
        "norm_normalize",
        lambda x: F.normalize(x) + x.norm(p=3) + x.norm(1) + x.norm(p=math.inf),
        (3, 4),
    ),
    ("prod", lambda x: x.prod(1), (3, 4)),
    ("tril_triu", lambda x: x.tril() + x.triu(1), (3, 4)),
    (
        "topk_sort",
        lambda x: x.topk(2, dim=1).values.sum(1) + x.sort(1, descending=True).values[:, 0],
        (3, 4),
    ),
]


@pytest.mark.parametrize("name, fn, shape", OPS, ids=[row[0] for row in OPS])
def test_op_matches_onnxruntime(name, fn, shape):
    numbatorch.manual_seed(5)
    model = fn if isinstance(fn, nn.Module) else Lambda(fn)
    _, got, expected = export_and_run(model, numbatorch.randn(*shape))
    assert_matches(got, expected)


class Scale(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(numbatorch.tensor([1.0, -2.0, 3.0]))

    def forward(self, x):
        return (x * self.scale).relu()


def test_a_model_on_any_device_exports_and_runs_on_the_host(device):
    # elementwise only: a GEMM in the CUDA simulator takes seconds
    model = Scale().to(device)
    x = numbatorch.randn(2, 3)
    buffer = io.BytesIO()
    numbatorch.onnx.export(model, x.to(device), buffer)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x.numpy()})
    with numbatorch.no_grad():
        np.testing.assert_allclose(got, model(x.to(device)).cpu().numpy(), rtol=1e-5, atol=1e-5)


SHAPE = (3, 4, 5)


@st.composite
def basic_indices(draw) -> tuple:
    """Up to three ints, slices (any start/stop, step >= 1) and Nones over SHAPE."""
    index, dim = [], 0
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["int", "slice", "none"]))
        if kind == "none":
            index.append(None)
            continue
        size = SHAPE[dim]
        if kind == "int":
            index.append(draw(st.integers(-size, size - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-size - 1, size + 1))
            index.append(slice(draw(bound), draw(bound), draw(st.integers(1, 3))))
        dim += 1
    return tuple(index)


@settings(max_examples=25, deadline=None)
@given(basic_indices())
def test_basic_indexing_matches_onnxruntime(index):
    x = numbatorch.randn(*SHAPE)
    _, got, expected = export_and_run(Lambda(lambda t: t[index] * 1.0), x)
    assert_matches(got, expected)


# --- attention -------------------------------------------------------------------------------


class SelfAttention(nn.Module):
    """nn.MultiheadAttention over (query, key) with a fixed key_padding_mask (a constant of
    the exported graph)."""

    def __init__(self, batch_first: bool, key_padding_mask) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=batch_first)
        self.key_padding_mask = key_padding_mask

    def forward(self, query, key):
        return self.attention(query, key, key, key_padding_mask=self.key_padding_mask)


@pytest.mark.parametrize("batch_first", [True, False])
@pytest.mark.parametrize("padded", [False, True])
def test_multihead_attention_matches_onnxruntime(batch_first, padded):
    numbatorch.manual_seed(0)
    mask = numbatorch.tensor([[False, False, True, False, True], [False] * 5]) if padded else None
    model = SelfAttention(batch_first, mask)
    query = numbatorch.randn(*((2, 3, 8) if batch_first else (3, 2, 8)))
    key = numbatorch.randn(*((2, 5, 8) if batch_first else (5, 2, 8)))
    if padded:  # the mask, made bool -> additive outside any Function, is traced as constant
        with pytest.warns(numbatorch.onnx.errors.OnnxExporterWarning, match=r"\[4, 1, 5\]"):
            proto, got, expected = export_and_run(model, (query, key))
    else:
        proto, got, expected = export_and_run(model, (query, key))
    assert_matches(got, expected)  # the output and the head-averaged weights
    assert op_types(proto).count("Softmax") == 1


def test_causal_attention_and_transformer_encoder_match_onnxruntime():
    numbatorch.manual_seed(0)
    q, k, v = (numbatorch.randn(2, 2, 4, 3) for _ in range(3))
    sdpa = Lambda(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True))
    _, got, expected = export_and_run(sdpa, (q, k, v))
    assert_matches(got, expected)

    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    model = Lambda(lambda x: encoder(x, mask=causal, is_causal=True))
    model.encoder = encoder  # its parameters become the graph's initializers
    x = numbatorch.randn(2, 5, 8)
    proto, got, expected = export_and_run(model, x)
    assert_matches(got, expected)
    assert op_types(proto).count("Softmax") == 2


def test_attention_row_with_every_key_masked_gives_zeros_as_numbatorch():
    numbatorch.manual_seed(0)
    q, k, v = (numbatorch.randn(2, 3, 4) for _ in range(3))
    mask = numbatorch.tensor([[True, True, False], [False, False, False], [True, False, True]])
    sdpa = Lambda(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask))
    with pytest.warns(numbatorch.onnx.errors.OnnxExporterWarning, match=r"\[3, 3\]"):
        _, got, expected = export_and_run(sdpa, (q, k, v))
    assert_matches(got, expected)
    assert not expected[0][:, 1].any()


# --- recurrent layers ------------------------------------------------------------------------

# the default zero states and the reversal rows of a reverse direction, made outside any
# Function, do not reach the exported graph (ONNX's default states, a Slice): no warning
no_constant_warning = pytest.mark.filterwarnings(
    "error::numbatorch.onnx.errors.OnnxExporterWarning"
)


@no_constant_warning
@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
@pytest.mark.parametrize("layers, bidirectional, batch_first", [(1, False, False), (2, True, True)])
def test_lstm_and_gru_match_onnxruntime(cls, layers, bidirectional, batch_first):
    numbatorch.manual_seed(0)
    model = cls(3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    proto, got, expected = export_and_run(model, numbatorch.randn(2, 5, 3))
    assert_matches(got, expected)  # output, h_n (and c_n): the LSTM's nested tuple flattened
    assert op_types(proto).count(cls.__name__) == layers * (2 if bidirectional else 1)


@no_constant_warning
def test_rnn_relu_and_given_initial_states_match_onnxruntime():
    numbatorch.manual_seed(0)
    rnn = nn.RNN(3, 4, nonlinearity="relu", bias=False)
    _, got, expected = export_and_run(rnn, numbatorch.randn(5, 2, 3))
    assert_matches(got, expected)
    lstm = nn.LSTM(3, 4, num_layers=2)
    model = Lambda(lambda x, h, c: lstm(x, (h, c)))
    model.lstm = lstm
    args = (numbatorch.randn(5, 2, 3), numbatorch.randn(2, 2, 4), numbatorch.randn(2, 2, 4))
    _, got, expected = export_and_run(model, args)
    assert_matches(got, expected)


@no_constant_warning
def test_lstm_with_projection_is_unsupported():
    model = nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(numbatorch.onnx.errors.UnsupportedOperatorError, match="proj_size=2"):
        numbatorch.onnx.export(model, numbatorch.randn(5, 2, 3), io.BytesIO())


@no_constant_warning
def test_lstm_over_packed_sequences_of_unequal_lengths_is_unsupported():
    from numbatorch.nn.utils.rnn import pack_padded_sequence

    lstm = nn.LSTM(3, 4)
    model = Lambda(lambda x: lstm(pack_padded_sequence(x, [5, 3]))[1][0])
    model.lstm = lstm
    with pytest.raises(numbatorch.onnx.errors.UnsupportedOperatorError, match="unequal lengths"):
        numbatorch.onnx.export(model, numbatorch.randn(5, 2, 3), io.BytesIO())


@pytest.mark.filterwarnings("ignore::numbatorch.onnx.errors.OnnxExporterWarning")
def test_a_computed_tensor_written_in_place_is_exported_with_its_traced_values():
    # zeros_like is a constant of the trace; masked_fill_ then writes it in place (as
    # nn.MultiheadAttention makes a bool mask additive): the mask given at run time counts
    model = Lambda(lambda x, mask: x + numbatorch.zeros_like(x).masked_fill_(mask, -1.0))
    x, mask = numbatorch.randn(2, 3), numbatorch.tensor([[True, False, False]] * 2)
    _, got, expected = export_and_run(model, (x, mask), (x, mask.logical_not()))
    assert_matches(got, expected)


# --- dynamic axes ----------------------------------------------------------------------------


def assert_follows_dynamic_axes(model, args, axes: dict, others: list):
    """Exports `model` on `args` with `axes` ({input name: {dim: symbol}}; inputs named
    "in0", "in1", ...) dynamic, then checks onnxruntime against numbatorch on each tuple of
    inputs in `others` (other sizes on those axes); returns the ONNX model."""
    names = [f"in{i}" for i in range(len(args))]
    buffer = io.BytesIO()
    numbatorch.onnx.export(model, args, buffer, input_names=names, dynamic_axes=axes)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    model.eval()
    for inputs in others:
        got = session.run(None, {name: a.numpy() for name, a in zip(names, inputs)})
        with numbatorch.no_grad():
            expected = [t.numpy() for t in _trace._flatten(model(*inputs))]
        assert_matches(got, expected)
    return onnx.load_from_string(buffer.getvalue())


def test_mlp_and_conv_net_follow_dynamic_batch_and_sequence():
    numbatorch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    axes = {"in0": {0: "batch", 1: "seq"}}
    others = [(numbatorch.randn(5, 7, 4),), (numbatorch.randn(1, 2, 4),)]
    proto = assert_follows_dynamic_axes(mlp, (numbatorch.randn(2, 3, 4),), axes, others)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", "seq", 4]
    model = ConvNet()  # x.view(x.shape[0], -1) of the traced batch
    assert_follows_dynamic_axes(model, (numbatorch.randn(2, 3, 12, 12),), {"in0": [0]},
                                [(numbatorch.randn(3, 3, 12, 12),)])  # fmt: skip
    # a mean over the sequence by its length, a variance over it, the last two steps
    pool = Lambda(lambda x: x.sum(1) / x.shape[1] + x.var(1) + x[:, -2:].sum(1))
    assert_follows_dynamic_axes(pool, (numbatorch.randn(2, 3, 4),), axes, others)


@no_constant_warning
@pytest.mark.parametrize(
    "cls, layers, bidirectional, batch_first",
    [(nn.LSTM, 2, True, False), (nn.GRU, 2, True, True), (nn.RNN, 1, False, True)],
)
def test_recurrent_layers_follow_dynamic_sequence_and_batch(
    cls, layers, bidirectional, batch_first
):
    numbatorch.manual_seed(0)
    model = cls(3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    seq, batch = (1, 0) if batch_first else (0, 1)

    def inputs(length, size):
        shape = [0, 0, 3]
        shape[seq], shape[batch] = length, size
        return (numbatorch.randn(*shape),)

    # a longer run at the traced batch silently read the rows as more batches before
    axes = {"in0": {seq: "seq", batch: "batch"}}
    assert_follows_dynamic_axes(
        model, inputs(3, 2), axes, [inputs(6, 2), inputs(3, 5), inputs(4, 1)]
    )


class Encoder(nn.Module):
    """A Transformer encoder layer whose attention mask and key padding mask are inputs."""

    def __init__(self, batch_first: bool) -> None:
        super().__init__()
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first)

    def forward(self, x, mask, padding):
        return self.layer(x, src_mask=mask, src_key_padding_mask=padding)


class Decoder(nn.Module):
    """A Transformer decoder layer with a causal target mask as input."""

    def __init__(self, batch_first: bool) -> None:
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=batch_first)

    def forward(self, target, memory, mask):
        return self.layer(target, memory, tgt_mask=mask, tgt_is_causal=True)


def padding_mask(batch: int, length: int):
    mask = np.zeros((batch, length), dtype=bool)
    mask[0, -1] = True
    return numbatorch.tensor(mask)


@no_constant_warning  # zeros_like(padding) is remade from the runtime shape
@pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning")  # as PyTorch warns
@pytest.mark.parametrize("batch_first", [False, True])
def test_attention_and_transformer_layers_follow_dynamic_sequence_and_batch(batch_first):
    numbatorch.manual_seed(0)
    seq, batch = (1, 0) if batch_first else (0, 1)

    def tokens(length, size):
        return numbatorch.randn(*((size, length, 8) if batch_first else (length, size, 8)))

    def encoder_inputs(length, size):
        return tokens(length, size), numbatorch.randn(length, length), padding_mask(size, length)

    axes = {"in0": {seq: "seq", batch: "batch"}, "in1": {0: "seq", 1: "seq"},
            "in2": {0: "batch", 1: "seq"}}  # fmt: skip
    others = [encoder_inputs(5, 2), encoder_inputs(3, 4), encoder_inputs(6, 1)]
    assert_follows_dynamic_axes(Encoder(batch_first), encoder_inputs(3, 2), axes, others)

    def decoder_inputs(length, source, size):
        causal = nn.Transformer.generate_square_subsequent_mask(length)
        return tokens(length, size), tokens(source, size), causal

    axes = {"in0": {seq: "seq", batch: "batch"}, "in1": {seq: "source", batch: "batch"},
            "in2": {0: "seq", 1: "seq"}}  # fmt: skip
    assert_follows_dynamic_axes(Decoder(batch_first), decoder_inputs(3, 4, 2), axes,
                                [decoder_inputs(5, 2, 2), decoder_inputs(2, 6, 3)])  # fmt: skip

    attention = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    model = Lambda(lambda q, k, padding: attention(q, k, k, key_padding_mask=padding))
    model.attention = attention

    def attention_inputs(length, source, size):
        return tokens(length, size), tokens(source, size), padding_mask(size, source)

    axes = {"in0": {seq: "seq", batch: "batch"}, "in1": {seq: "source", batch: "batch"},
            "in2": {0: "batch", 1: "source"}}  # fmt: skip
    # the output and the head-averaged weights
    assert_follows_dynamic_axes(model, attention_inputs(3, 4, 2), axes,
                                [attention_inputs(5, 2, 2), attention_inputs(2, 6, 3)])  # fmt: skip


def test_causal_attention_flag_follows_a_dynamic_sequence():
    numbatorch.manual_seed(0)
    sdpa = Lambda(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True))
    axes = {name: {1: "seq"} for name in ("in0", "in1", "in2")}
    inputs = [tuple(numbatorch.randn(2, length, 4) for _ in range(3)) for length in (3, 5)]
    assert_follows_dynamic_axes(sdpa, inputs[0], axes, inputs[1:])


class Decoding(nn.Module):
    """A decoder-only block: its positions and causal mask made in forward from the length."""

    def __init__(self) -> None:
        super().__init__()
        self.position = nn.Embedding(16, 8)
        self.layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)

    def forward(self, x):
        length = x.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(length)
        positions = self.position(numbatorch.arange(length))
        return self.layer(x + positions, src_mask=mask, is_causal=True)


@no_constant_warning  # the arange and the mask are remade from the runtime length
def test_positions_and_causal_mask_made_in_forward_follow_a_dynamic_sequence():
    numbatorch.manual_seed(0)
    others = [(numbatorch.randn(4, 6, 8),), (numbatorch.randn(1, 1, 8),)]
    assert_follows_dynamic_axes(Decoding(), (numbatorch.randn(2, 3, 8),), {"in0": [0, 1]}, others)


def test_a_size_dependent_constant_of_a_dynamic_axis_is_refused():
    error = numbatorch.onnx.errors.OnnxExporterError
    # a tensor of a Python list as long as the traced sequence
    model = Lambda(lambda x: x + numbatorch.tensor([float(i * i) for i in range(x.shape[1])]))
    with pytest.raises(error, match=r"float32 tensor of shape \[3\] .* has shape \[8\]"):
        numbatorch.onnx.export(model, numbatorch.randn(2, 3), io.BytesIO(),
                               input_names=["x"], dynamic_axes={"x": {1: "seq"}})  # fmt: skip
    # a size that follows no dim of the inputs
    model = Lambda(lambda x: x.unsqueeze(0).expand(x.shape[0] ** 3, *x.shape))
    with pytest.raises(error, match=r"'numbatorch::Expand' uses the size 8, which is 343"):
        numbatorch.onnx.export(model, numbatorch.randn(2, 3), io.BytesIO(),
                               input_names=["x"], dynamic_axes={"x": [0]})  # fmt: skip
    # a branch on a size
    model = Lambda(lambda x: x * 2 if x.shape[0] < 4 else x + 1)
    with pytest.raises(error, match=r"runs other ops.*Mul.*at the traced sizes.*Add"):
        numbatorch.onnx.export(model, numbatorch.randn(2, 3), io.BytesIO(),
                               input_names=["x"], dynamic_axes={"x": [0]})  # fmt: skip
