"""nn.RNN/LSTM/GRU, their cells and nn.utils.rnn: values against a numpy reference of the
recurrences, gradients by gradcheck, packed sequences against padded ones, PyTorch's
parameter layout and errors, the CUDA kernels in the simulator, and PyTorch itself where
it is installed."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch
from numbatorch import nn
from numbatorch.autograd import gradcheck, gradgradcheck
from numbatorch.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
)

MODES = {
    "LSTM": lambda *a, **k: nn.LSTM(*a, **k),
    "GRU": lambda *a, **k: nn.GRU(*a, **k),
    "RNN_TANH": lambda *a, **k: nn.RNN(*a, **k),
    "RNN_RELU": lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k),
}


# --- the numpy reference --------------------------------------------------------------------


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr):
    """One step of one sequence (vectors), PyTorch's equations."""
    gi = w_ih @ x + (0 if b_ih is None else b_ih)
    gh = w_hh @ h + (0 if b_hh is None else b_hh)
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return (h if w_hr is None else w_hr @ h), c
    if mode == "GRU":
        (ir, iz, in_), (hr, hz, hn) = np.split(gi, 3), np.split(gh, 3)
        r, z = _sigmoid(ir + hr), _sigmoid(iz + hz)
        n = np.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, c
    pre = gi + gh
    return (np.tanh(pre) if mode == "RNN_TANH" else np.maximum(pre, 0)), c


def _reference(mode, module, x, lengths, h0, c0, zero_between_layers=False):
    """Output (T, B, D*H_out) zero-padded past each length, h_n and c_n of `module`'s
    weights on time-major x, one sequence and step at a time."""
    weights = [
        [None if w is None else w.detach().numpy() for w in ws] for ws in _layer_weights(module)
    ]
    steps, batch = x.shape[:2]
    directions = 2 if module.bidirectional else 1
    layer_input = x
    h_n, c_n = np.zeros_like(h0), np.zeros_like(c0)
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            out = np.zeros((steps, batch, h0.shape[2]))
            for b in range(batch):
                h, c = h0[index, b], c0[index, b]
                order = range(lengths[b]) if direction == 0 else reversed(range(lengths[b]))
                for t in order:
                    h, c = _step(mode, layer_input[t, b], h, c, *weights[index])
                    out[t, b] = h
                h_n[index, b], c_n[index, b] = h, c
            outputs.append(out)
        layer_input = np.concatenate(outputs, axis=2)
        if zero_between_layers and layer < module.num_layers - 1:
            layer_input = np.zeros_like(layer_input)
    return layer_input, h_n, c_n


def _layer_weights(module):
    return [
        [getattr(module, f"{p}{names[0][len('weight_ih') :]}", None) for p in
         ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")]
        for names in module._all_weights
    ]  # fmt: skip


def _states(module, batch, rng):
    directions = 2 if module.bidirectional else 1
    layers = module.num_layers * directions
    out_size = module.proj_size or module.hidden_size
    h0 = rng.standard_normal((layers, batch, out_size))
    c0 = rng.standard_normal((layers, batch, module.hidden_size))
    return h0, c0


def _run(module, x, h0, c0):
    if module.mode == "LSTM":
        y, (h_n, c_n) = module(x, (h0, c0))
        return y, h_n, c_n
    y, h_n = module(x, h0)
    return y, h_n, None


# --- the parameters --------------------------------------------------------------------------


def test_parameter_names_order_and_shapes_match_pytorch():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True, proj_size=2)
    layer0 = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"]
    names = [n.format(k, s) for k, s in ((0, ""), (0, "_reverse"), (1, ""), (1, "_reverse"))
             for n in [x.replace("l0", "l{}{}") for x in layer0]]  # fmt: skip
    assert [n for n, _ in lstm.named_parameters()] == names
    shapes = dict((n, tuple(p.shape)) for n, p in lstm.named_parameters())
    assert shapes["weight_ih_l0"] == (20, 3) and shapes["weight_ih_l1_reverse"] == (20, 4)
    assert shapes["weight_hh_l1"] == (20, 2) and shapes["weight_hr_l0_reverse"] == (2, 5)
    assert [[p.shape for p in ws] for ws in lstm.all_weights][0][0] == (20, 3)
    gru = nn.GRU(3, 4, bias=False)
    assert [n for n, _ in gru.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert tuple(gru.weight_ih_l0.shape) == (12, 3)
    assert [n for n, _ in nn.LSTMCell(3, 4).named_parameters()] == [
        "weight_ih", "weight_hh", "bias_ih", "bias_hh"]  # fmt: skip


def test_init_draws_from_plus_minus_one_over_sqrt_hidden():
    values = np.concatenate([p.detach().numpy().ravel() for p in nn.GRU(8, 16).parameters()])
    assert np.abs(values).max() <= 0.25 and np.abs(values).max() > 0.2
    assert abs(values.mean()) < 0.02


def test_repr_and_flatten_parameters():
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)
    assert (
        repr(lstm) == "LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)"
    )
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"
    assert lstm.flatten_parameters() is None


# --- values --------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(MODES))
def test_two_bidirectional_layers_match_the_reference(mode):
    rng = np.random.default_rng(1)
    options = {"proj_size": 2} if mode == "LSTM" else {}
    module = MODES[mode](3, 4, num_layers=2, bidirectional=True, **options).double()
    x = rng.standard_normal((5, 2, 3))
    h0, c0 = _states(module, 2, rng)
    y, h_n, c_n = _run(module, torch.tensor(x), torch.tensor(h0), torch.tensor(c0))
    ref_y, ref_h, ref_c = _reference(mode, module, x, [5, 5], h0, c0)
    assert tuple(y.shape) == ((5, 2, 4) if mode == "LSTM" else (5, 2, 8))
    np.testing.assert_allclose(y.detach().numpy(), ref_y, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), ref_h, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(c_n.detach().numpy(), ref_c, atol=1e-12)


def test_default_initial_state_is_zeros_and_batch_first_matches_time_major():
    rng = np.random.default_rng(2)
    gru = nn.GRU(3, 4, batch_first=True).double()
    x = rng.standard_normal((2, 5, 3))
    y, h_n = gru(torch.tensor(x))
    ref_y, ref_h, _ = _reference("GRU", gru, x.transpose(1, 0, 2), [5, 5], np.zeros((1, 2, 4)),
                                 np.zeros((1, 2, 4)))  # fmt: skip
    np.testing.assert_allclose(y.detach().numpy(), ref_y.transpose(1, 0, 2), atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), ref_h, atol=1e-12)


def test_unbatched_input_gives_unbatched_output():
    lstm = nn.LSTM(3, 4, num_layers=2).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    h0, c0 = torch.randn(2, 4, dtype=torch.float64), torch.randn(2, 4, dtype=torch.float64)
    y, (h_n, c_n) = lstm(x, (h0, c0))
    batched_y, (batched_h, _) = lstm(x.unsqueeze(1), (h0.unsqueeze(1), c0.unsqueeze(1)))
    assert tuple(y.shape) == (5, 4) and tuple(h_n.shape) == (2, 4) and tuple(c_n.shape) == (2, 4)
    np.testing.assert_allclose(y.detach().numpy(), batched_y[:, 0].detach().numpy())
    np.testing.assert_allclose(h_n.detach().numpy(), batched_h[:, 0].detach().numpy())


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_cells_match_one_step_of_the_reference(mode):
    rng = np.random.default_rng(3)
    cell = {"LSTM": nn.LSTMCell, "GRU": nn.GRUCell, "RNN_TANH": nn.RNNCell}[mode](3, 4).double()
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    weights = [p.detach().numpy() for p in cell.parameters()] + [None]
    expected = [_step(mode, x[b], h[b], c[b], *weights) for b in range(2)]
    if mode == "LSTM":
        h_new, c_new = cell(torch.tensor(x), (torch.tensor(h), torch.tensor(c)))
        np.testing.assert_allclose(c_new.detach().numpy(), [e[1] for e in expected], atol=1e-12)
    else:
        h_new = cell(torch.tensor(x), torch.tensor(h))
    np.testing.assert_allclose(h_new.detach().numpy(), [e[0] for e in expected], atol=1e-12)
    unbatched = cell(torch.tensor(x[0]))
    assert tuple((unbatched[0] if mode == "LSTM" else unbatched).shape) == (4,)


def test_relu_rnn_keeps_nan_as_pytorchs_relu():
    cell = nn.RNNCell(1, 1, nonlinearity="relu").double()
    with torch.no_grad():
        for p, value in zip(cell.parameters(), (1.0, 0.0, 0.0, 0.0)):
            p.fill_(value)
    x = torch.tensor([[float("nan")], [-2.0], [3.0]], dtype=torch.float64)
    out = cell(x).reshape(-1).tolist()
    assert np.isnan(out[0]) and out[1:] == [0.0, 3.0]


def test_dropout_between_layers_only_in_training():
    rng = np.random.default_rng(4)
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=1.0).double()
    x = rng.standard_normal((3, 2, 3))
    h0, c0 = _states(lstm, 2, rng)
    args = torch.tensor(x), torch.tensor(h0), torch.tensor(c0)
    dropped, _, _ = _run(lstm, *args)  # p = 1: the second layer sees zeros
    np.testing.assert_allclose(
        dropped.detach().numpy(),
        _reference("LSTM", lstm, x, [3, 3], h0, c0, zero_between_layers=True)[0],
        atol=1e-12,
    )
    lstm.eval()
    kept, _, _ = _run(lstm, *args)
    expected = _reference("LSTM", lstm, x, [3, 3], h0, c0)[0]
    np.testing.assert_allclose(kept.detach().numpy(), expected, atol=1e-12)


# --- packed sequences ------------------------------------------------------------------------


def test_packed_input_matches_each_sequence_run_alone():
    rng = np.random.default_rng(5)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).double()
    lengths = [2, 4, 3]
    x = rng.standard_normal((4, 3, 3))
    h0, c0 = _states(lstm, 3, rng)
    packed = pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    out, (h_n, c_n) = lstm(packed, (torch.tensor(h0), torch.tensor(c0)))
    assert isinstance(out, PackedSequence) and out.batch_sizes.tolist() == [3, 3, 2, 1]
    y, out_lengths = pad_packed_sequence(out)
    assert out_lengths.tolist() == lengths
    ref_y, ref_h, ref_c = _reference("LSTM", lstm, x, lengths, h0, c0)
    np.testing.assert_allclose(y.detach().numpy(), ref_y, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), ref_h, atol=1e-12)
    np.testing.assert_allclose(c_n.detach().numpy(), ref_c, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_packed_bidirectional_gru_matches_the_reference_for_any_lengths(lengths):
    rng = np.random.default_rng(len(lengths))
    gru = nn.GRU(2, 2, bidirectional=True).double()
    x = rng.standard_normal((max(lengths), len(lengths), 2))
    h0, _ = _states(gru, len(lengths), rng)
    packed = pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=False)
    out, h_n = gru(packed, torch.tensor(h0))
    ref_y, ref_h, _ = _reference("GRU", gru, x, lengths, h0, np.zeros_like(h0))
    np.testing.assert_allclose(pad_packed_sequence(out)[0].detach().numpy(), ref_y, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), ref_h, atol=1e-12)


def test_pack_padded_sequence_layout_and_round_trip():
    x = torch.arange(12.0, dtype=torch.float64).reshape(4, 3, 1)  # x[t, b] = 3t + b
    packed = pack_padded_sequence(x, torch.tensor([2, 4, 1]), enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 2, 1, 1]
    assert packed.sorted_indices.tolist() == [1, 0, 2]
    assert packed.unsorted_indices.tolist() == [1, 0, 2]
    assert packed.data.reshape(-1).tolist() == [1, 0, 2, 4, 3, 7, 10]
    padded, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=-1.0,
                                          total_length=5)  # fmt: skip
    assert lengths.tolist() == [2, 4, 1] and tuple(padded.shape) == (3, 5, 1)
    assert padded[:, :, 0].tolist() == [[0, 3, -1, -1, -1], [1, 4, 7, 10, -1], [2, -1, -1, -1, -1]]
    single = packed.float()
    assert single.data.dtype is torch.float32 and single.batch_sizes is packed.batch_sizes
    assert single.unsorted_indices.tolist() == [1, 0, 2] and not single.is_cuda


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=4), st.booleans())
def test_pack_then_pad_restores_every_sequence(lengths, batch_first):
    sequences = [torch.randn(n, 2, dtype=torch.float64) for n in lengths]
    packed = pack_sequence(sequences, enforce_sorted=False)
    assert packed.batch_sizes.sum().item() == sum(lengths)
    padded, got = pad_packed_sequence(packed, batch_first=batch_first)
    assert got.tolist() == lengths
    for b, seq in enumerate(sequences):
        rows = padded[b] if batch_first else padded[:, b]
        np.testing.assert_array_equal(rows[: lengths[b]].numpy(), seq.numpy())
        assert not rows[lengths[b] :].numpy().any()
    for seq, back in zip(sequences, unpack_sequence(packed)):
        np.testing.assert_array_equal(back.numpy(), seq.numpy())


def test_pad_sequence_sides_and_layouts():
    a = torch.ones(2, 3, dtype=torch.float64)
    b = torch.full((4, 3), 2.0, dtype=torch.float64)
    right = pad_sequence([a, b], padding_value=9.0)
    assert tuple(right.shape) == (4, 2, 3) and right[:, 0, 0].tolist() == [1, 1, 9, 9]
    left = pad_sequence([a, b], batch_first=True, padding_side="left")
    assert tuple(left.shape) == (2, 4, 3) and left[0, :, 0].tolist() == [0, 0, 1, 1]


def test_packing_carries_gradients_back_to_the_padded_batch():
    x = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True)
    packed = pack_padded_sequence(x, [3, 1])
    padded, _ = pad_packed_sequence(packed)
    (padded * torch.arange(12.0, dtype=torch.float64).reshape(3, 2, 2)).sum().backward()
    expected = np.arange(12.0).reshape(3, 2, 2)
    expected[1:, 1] = 0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# --- gradients -------------------------------------------------------------------------------


def _projected(*outputs):
    """A few fixed random combinations of the outputs: gradcheck then runs one backward
    per combination instead of one per output element."""
    flat = torch.cat([o.reshape(-1) for o in outputs])
    weights = torch.tensor(np.random.default_rng(0).standard_normal((3, flat.shape[0])))
    return weights.mm(flat.unsqueeze(1)).reshape(-1)


@pytest.mark.parametrize("mode", list(MODES))
def test_layer_gradcheck(mode):
    module = MODES[mode](2, 2).double()
    x = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(1, 2, 2, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(1, 2, 2, dtype=torch.float64, requires_grad=True)
    inputs = [x, h0, c0] if mode == "LSTM" else [x, h0]
    assert gradcheck(lambda *a: _projected(*_run(module, x, h0, c0)[:len(inputs)]),
                     [*inputs, *module.parameters()])  # fmt: skip


def test_packed_bidirectional_projected_lstm_gradcheck():
    lstm = nn.LSTM(2, 2, num_layers=2, bidirectional=True, proj_size=1).double()
    x = torch.randn(3, 2, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(4, 2, 1, dtype=torch.float64, requires_grad=True)
    c0 = torch.randn(4, 2, 2, dtype=torch.float64, requires_grad=True)
    # a weight of each kind, spread over layers and directions (all of them are checked
    # by test_layer_gradcheck): each probed element costs two forward passes
    names = ["weight_hh_l0_reverse", "weight_hr_l0_reverse", "weight_ih_l1", "bias_hh_l1_reverse"]

    def fn(*_):
        out, (h_n, c_n) = lstm(pack_padded_sequence(x, [2, 3], enforce_sorted=False), (h0, c0))
        return _projected(out.data, h_n, c_n)

    assert gradcheck(fn, [x, h0, c0, *(getattr(lstm, name) for name in names)])


@pytest.mark.parametrize("cell_class", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cell_gradcheck(cell_class):
    cell = cell_class(2, 3).double()
    x = torch.randn(2, 2, dtype=torch.float64, requires_grad=True)
    h = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    c = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    if cell_class is nn.LSTMCell:
        assert gradcheck(lambda *_: _projected(*cell(x, (h, c))), [x, h, c, *cell.parameters()])
    else:
        assert gradcheck(lambda *_: _projected(cell(x, h)), [x, h, *cell.parameters()])


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_in_place_on_the_output_before_backward_as_pytorch(mode):
    module = MODES[mode](2, 2).double()
    x = torch.randn(3, 1, 2, dtype=torch.float64, requires_grad=True)
    y = module(x)[0]
    expected = y.detach().clamp(min=0)
    y.relu_()  # PyTorch's LSTM saves its output for backward, its GRU and RNN do not
    np.testing.assert_array_equal(y.detach().numpy(), expected.numpy())
    if mode == "LSTM":
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    else:
        y.sum().backward()
        assert x.grad is not None


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_gradgradcheck(mode):
    module = MODES[mode](1, 2).double()
    x = torch.randn(2, 1, 1, dtype=torch.float64, requires_grad=True)
    weights = [module.bias_hh_l0]

    def fn(x, *_):
        return _projected(*[o for o in _run(module, x, None, None) if o is not None])

    assert gradgradcheck(fn, [x, *weights])


def test_double_backward_reaches_the_parameters():
    # a gradient penalty: d/dw of |d out / d x|^2 needs the second derivative through w
    lstm = nn.LSTM(1, 2, proj_size=1, bidirectional=True).double()
    packed = lambda x: pack_padded_sequence(x, [2, 1])  # noqa: E731
    x = torch.randn(2, 2, 1, dtype=torch.float64, requires_grad=True)

    def penalty(w):
        lstm.weight_hh_l0_reverse.data = w
        out, _ = lstm(packed(x))
        (g,) = torch.autograd.grad(out.data.sum(), x, create_graph=True)
        return (g * g).sum()

    w = lstm.weight_hh_l0_reverse.detach().clone()
    lstm.weight_hh_l0_reverse.data = w
    lstm.zero_grad()
    penalty(w).backward()
    analytical = lstm.weight_hh_l0_reverse.grad.numpy().copy()
    numerical = np.zeros_like(analytical)
    for k in range(w.numel()):
        step = np.zeros(w.numel())
        step[k] = 1e-6
        delta = torch.tensor(step.reshape(tuple(w.shape)))
        up, down = penalty(w + delta).item(), penalty(w - delta).item()
        numerical.flat[k] = (up - down) / 2e-6
    np.testing.assert_allclose(analytical, numerical, rtol=1e-4, atol=1e-7)


# --- errors ----------------------------------------------------------------------------------


def _with_weight(module, name, shape):
    setattr(module, name, nn.Parameter(torch.randn(*shape)))
    return module


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: nn.LSTM(10, 20)(torch.randn(5, 3, 7)), RuntimeError,
         "input.size(-1) must be equal to input_size. Expected 10, got 7"),
        (lambda: nn.GRU(10, 20)(torch.randn(5, 3, 10), torch.randn(2, 3, 20)), RuntimeError,
         "Expected hidden size (1, 3, 20), got [2, 3, 20]"),
        (lambda: nn.LSTM(10, 20)(torch.randn(5, 3, 10), (torch.randn(1, 3, 20),
                                                         torch.randn(1, 3, 21))),
         RuntimeError, "Expected hidden[1] size (1, 3, 20), got [1, 3, 21]"),
        (lambda: nn.LSTM(10, 20, proj_size=5)(torch.randn(5, 3, 10), (torch.randn(1, 3, 20),
                                                                      torch.randn(1, 3, 20))),
         RuntimeError, "Expected hidden[0] size (1, 3, 5), got [1, 3, 20]"),
        (lambda: nn.GRU(10, 20)(torch.randn(5, 3, 10), torch.randn(3, 20)), RuntimeError,
         "For batched 3-D input, hx should also be 3-D but got 2-D tensor"),
        (lambda: nn.LSTM(10, 20)(torch.randn(5, 3, 10, 1)), ValueError,
         "LSTM: Expected input to be 2D or 3D, got 4D instead"),
        (lambda: nn.RNN(10, 20)(torch.randn(5, 3, 10, dtype=torch.float64)), ValueError,
         "RNN input dtype (torch.float64) does not match weight dtype (torch.float32)"),
        (lambda: nn.LSTM(3, 4, proj_size=4), ValueError,
         "proj_size has to be smaller than hidden_size"),
        (lambda: nn.GRU(3, 4, proj_size=2), ValueError,
         "proj_size argument is only supported for LSTM, not RNN or GRU"),
        (lambda: nn.RNN(3, 4, nonlinearity="gelu"), ValueError,
         "Unknown nonlinearity 'gelu'. Select from 'tanh' or 'relu'."),
        (lambda: nn.LSTM(3, 4, dropout=1.5), ValueError, "dropout should be a number in range"),
        (lambda: nn.LSTM(3, 0), ValueError, "hidden_size must be greater than zero"),
        (lambda: nn.GRUCell(3, 4)(torch.randn(2, 3), torch.randn(2, 4, dtype=torch.float64)),
         RuntimeError, "mat1 and mat2 must have the same dtype, but got Double and Float"),
        (lambda: nn.LSTMCell(10, 20)(torch.randn(3, 7)), RuntimeError,
         "input has inconsistent input_size: got 7 expected 10"),
        (lambda: nn.GRUCell(10, 20)(torch.randn(3, 10), torch.randn(4, 20)), RuntimeError,
         "Input batch size 3 doesn't match hidden0 batch size 4"),
        (lambda: nn.LSTMCell(10, 20)(torch.randn(3, 10), (torch.randn(3, 20),
                                                          torch.randn(3, 21))),
         RuntimeError, "hidden1 has inconsistent hidden_size: got 21, expected 20"),
        (lambda: pack_padded_sequence(torch.randn(5, 3, 2), [5, 3, 4]), RuntimeError,
         "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True"),
        (lambda: pack_padded_sequence(torch.randn(5, 3, 2), [5, 3, 0]), RuntimeError,
         "Length of all samples has to be greater than 0"),
        (lambda: pack_padded_sequence(torch.randn(5, 3, 2), [5, 3]), RuntimeError,
         "Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)"),
        (lambda: pack_padded_sequence(torch.randn(5, 3, 2), [6, 3, 2]), RuntimeError,
         "at most the padded length 5"),
        (lambda: pad_packed_sequence(pack_sequence([torch.ones(3, 1, dtype=torch.float64)]),
                                     total_length=2),
         ValueError, "Expected total_length to be at least the length of the longest"),
        (lambda: pad_sequence([torch.ones(2)], padding_side="middle"), RuntimeError,
         "Expected padding_side to be one of left or right, but got middle."),
        (lambda: pad_sequence([]), RuntimeError, "received an empty list of sequences"),
        (lambda: nn.GRU(2, 3)(PackedSequence(torch.randn(4, 2), torch.tensor([2, 1]))),
         RuntimeError, "input of size [4, 2] does not fit this layer (expected [3, 2]"),
        (lambda: _with_weight(nn.GRU(2, 3), "weight_hh_l0", (9, 2))(torch.randn(2, 1, 2)),
         RuntimeError, "weight_hh of size [9, 2] does not fit this layer (expected [9, 3]"),
    ],
)  # fmt: skip
def test_bad_input_raises_pytorchs_error(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


def test_dropout_with_one_layer_warns_as_pytorch():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(3, 4, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.GRU(3, 4, num_layers=2, dropout=0.2)


# --- devices and PyTorch -------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_forward_and_backward_on_each_device(device, mode):
    rng = np.random.default_rng(6)
    module = MODES[mode](2, 2).double()
    x = rng.standard_normal((2, 1, 2))
    h0, c0 = _states(module, 1, rng)
    ref_y, ref_h, _ = _reference(mode, module, x, [2], h0, c0)
    expected = {}
    for dev in dict.fromkeys(["cpu", device]):
        module.to(dev).zero_grad()
        inputs = [torch.tensor(a, device=dev, requires_grad=True) for a in (x, h0, c0)]
        y, h_n, _ = _run(module, *inputs)
        assert y.device.type == dev
        np.testing.assert_allclose(y.detach().cpu().numpy(), ref_y, atol=1e-12)
        np.testing.assert_allclose(h_n.detach().cpu().numpy(), ref_h, atol=1e-12)
        (y.sum() + (h_n * h_n).sum()).backward()
        grads = [t.grad for t in inputs[:2]] + [p.grad for p in module.parameters()]
        expected.setdefault("grads", [g.cpu().numpy() for g in grads])
        for got, want in zip(grads, expected["grads"]):
            np.testing.assert_allclose(got.cpu().numpy(), want, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_values_and_gradients_match_pytorch(mode):
    pytorch = pytest.importorskip("torch")
    options = {"num_layers": 2, "bidirectional": True, "batch_first": True}
    if mode == "LSTM":
        options["proj_size"] = 2
    ours = MODES[mode](3, 4, **options).double()
    theirs = getattr(pytorch.nn, mode)(3, 4, **options).double()
    with pytorch.no_grad():
        for name, param in theirs.named_parameters():
            param.copy_(pytorch.tensor(getattr(ours, name).detach().numpy()))
    x = np.random.default_rng(7).standard_normal((2, 4, 3))
    results = []
    for lib, module in ((torch, ours), (pytorch, theirs)):
        xt = lib.tensor(x, requires_grad=True)
        y, h = module(xt)
        h_n = h[0] if mode == "LSTM" else h
        (y.sum() + (h_n * h_n).sum()).backward()
        grads = [p.grad.numpy() for _, p in module.named_parameters()]
        results.append((y.detach().numpy(), h_n.detach().numpy(), xt.grad.numpy(), grads))
    for got, want in zip(results[0][:3], results[1][:3]):
        np.testing.assert_allclose(got, want, atol=1e-10)
    for got, want in zip(results[0][3], results[1][3]):
        np.testing.assert_allclose(got, want, atol=1e-10)
