"""Recurrent layers (Elman RNN, LSTM, GRU): one autograd Function per layer and direction
runs the whole time loop, forward and backward, on the GEMM kernels and the fused gate
kernels of kernels/*/rnn.py.

Forward: one GEMM projects the input of every time step at once (x W_ih^T + b_ih); then
each step costs one GEMM with the previous hidden state (W_hh h + b_hh) and one gate
kernel (LSTM with a projection adds a GEMM by W_hr). Backward mirrors it: per step one
gate-backward kernel and one GEMM sending the gradient to the previous state, then one
GEMM each for the input's and the weights' gradients over the whole sequence.

Sequences are stored time-major and packed, as in a PackedSequence: step t holds the
`batch_sizes[t]` sequences still running, longest first, so padded input is the case
where every step holds the whole batch. The reverse direction runs the same forward
recurrence on each sequence reversed (a row permutation of the packed rows).

Double backward (create_graph=True) takes a slower path: the recurrence is run again with
differentiable ops, one per gate and step, and differentiated with create_graph.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..kernels.common.reduction import SUM
from ..tensor import Tensor, from_array, view_of
from ._common import TYPE_WORD, check_device, empty, kernels
from .indexing import IndexSelect
from .linalg import _gemm, _t
from .reduction import reduce
from .shape import cat, stack

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RnnPlan:
    """Where each time step's rows sit in the packed layout, for a sequence batch with
    `batch_sizes` (non-increasing, each in [1, batch]): step t owns rows
    [starts[t], starts[t] + sizes[t]) of the packed (N, features) data. The state buffers
    (B + N rows, kernels/cpu/rnn.py) keep the initial state in rows [0, B).

    Checked here, once, is what keeps the gate kernels' row indices in their arrays: every
    step's rows end by N, and a step never has more rows than the one before it, so its
    previous state rows [prev, prev + rows) lie before its own rows."""

    def __init__(self, batch_sizes: tuple, device) -> None:
        sizes = np.asarray(batch_sizes, np.int64)
        if sizes.ndim != 1 or not len(sizes) or sizes[-1] < 1 or np.any(np.diff(sizes) > 0):
            raise ValueError(f"batch_sizes must be non-increasing and positive, got {sizes}")
        self.sizes = [int(b) for b in sizes]
        self.batch = self.sizes[0]
        starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        self.starts = [int(s) for s in starts]
        self.rows = int(sizes.sum())
        self.uniform = sizes[0] == sizes[-1]
        batch = self.batch
        # steps as (at, prev, cur, rows); prev of the first step is the initial state
        self.steps = [
            (at, 0 if t == 0 else batch + self.starts[t - 1], batch + at, rows)
            for t, (at, rows) in enumerate(zip(self.starts, self.sizes))
        ]
        lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(1)  # per sequence
        column = np.arange(batch)
        self.end_rows = _index(batch + starts[lengths - 1] + column, device)
        # row r of step t, sequence j: the state it reads, and the row of its reversal
        step = np.repeat(np.arange(len(sizes)), sizes)
        seq = np.concatenate([np.arange(b) for b in self.sizes])
        prev = np.where(step == 0, seq, batch + starts[np.maximum(step - 1, 0)] + seq)
        self.prev_rows = None if self.uniform else _index(prev, device)
        self.reverse_rows = _index(starts[lengths[seq] - 1 - step] + seq, device)


def _index(values: np.ndarray, device) -> Tensor:
    t = from_array(np.ascontiguousarray(values, np.int64))
    return t if device.type == "cpu" else t.to(device)


@lru_cache(maxsize=64)
def plan_for(batch_sizes: tuple, device) -> RnnPlan:
    """The plan of a batch layout, kept: a training loop repeats a few layouts."""
    return RnnPlan(batch_sizes, device)


def _rows(x: Tensor, start: int, count: int) -> Tensor:
    """Rows [start, start + count) of a C-contiguous 2-D tensor, as a bare view."""
    cols = x.shape[1]
    return view_of(x, (count, cols), (cols, 1), x._offset + start * cols)


class RnnLayer(BuiltinFunction):
    """One layer and direction of a recurrent net over a packed sequence.

    forward(input (N, I), h0 (B, H_out), c0 (B, H) or None, w_ih, w_hh, b_ih, b_hh, w_hr,
    mode, plan) -> (output (N, H_out), h_n (B, H_out)[, c_n (B, H)]): H_out is the
    projection's size with w_hr, else H. Saves the gate activations and the states of
    every step; backward runs the steps in reverse with the fused gate-backward kernels."""

    @staticmethod
    def forward(ctx, input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, plan):
        _check_shapes(input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, plan)
        k = kernels(input)
        lstm, gru = mode == "LSTM", mode == "GRU"
        hidden = w_ih.shape[0] // GATES[mode]
        out_size = w_hh.shape[1]
        batch, n = plan.batch, plan.rows
        dtype, device = input.dtype, input.device
        gates = empty((n, w_ih.shape[0]), dtype, device)
        k.gemm(input._array, _t(w_ih)._array, gates._array, _bias(b_ih))
        w_hh_t, b_hh_array = _t(w_hh)._array, _bias(b_hh)
        hs = empty((batch + n, out_size), dtype, device)
        k.copy(h0._array, hs._array[:batch])
        cs = hraw = hn = hg = None
        if lstm:
            cs = empty((batch + n, hidden), dtype, device)
            k.copy(c0._array, cs._array[:batch])
            if w_hr is not None:
                hraw = empty((n, hidden), dtype, device)
                w_hr_t = _t(w_hr)._array
        if gru:
            hn = empty((n, hidden), dtype, device)
            hg = empty((batch, w_ih.shape[0]), dtype, device)._array
        g, h = gates._array, hs._array
        for at, prev, cur, rows in plan.steps:
            h_prev = h[prev : prev + rows]
            if gru:
                k.gemm(h_prev, w_hh_t, hg[:rows], b_hh_array)
                k.gru_forward(g, at, hg, h, prev, cur, hn._array, rows)
                continue
            k.gemm(h_prev, w_hh_t, g[at : at + rows], b_hh_array, True)
            if not lstm:
                k.rnn_forward(g, at, h, cur, rows, mode == "RNN_RELU")
            elif hraw is None:
                k.lstm_forward(g, at, cs._array, prev, cur, h, cur, rows)
            else:
                k.lstm_forward(g, at, cs._array, prev, cur, hraw._array, at, rows)
                k.gemm(hraw._array[at : at + rows], w_hr_t, h[cur : cur + rows])
        ctx.mode, ctx.plan = mode, plan
        ctx.save_for_backward(input, w_ih, w_hh, w_hr, gates, hs, cs, hraw, hn)
        ctx.graph_inputs = (input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)  # for create_graph
        output = _rows(hs, batch, n)
        if not lstm:
            # PyTorch's GRU and RNN keep no view of their output for backward (its LSTM
            # does): an in-place op on the output must not change the saved states
            output = output.clone()
        h_n = _gather(hs, plan.end_rows)
        return (output, h_n, _gather(cs, plan.end_rows)) if lstm else (output, h_n)

    @staticmethod
    def backward(ctx, grad_output, grad_h_n, grad_c_n=None):
        input, w_ih, w_hh, w_hr, gates, hs, cs, hraw, hn = ctx.saved_tensors
        if grad_mode._state.enabled:  # create_graph: gradients that are differentiable too
            return _graph_backward(ctx, (grad_output, grad_h_n, grad_c_n))
        mode, plan = ctx.mode, ctx.plan
        needs = ctx.needs_input_grad
        k = kernels(input)
        lstm, gru = mode == "LSTM", mode == "GRU"
        batch, n = plan.batch, plan.rows
        dtype, device = input.dtype, input.device
        g, h = gates._array, hs._array
        # the gradients of the states, laid out as hs/cs: every output row's own gradient
        # (output and h_n/c_n), to which each step adds what it sends to the step before
        dhs = _scattered(hs, plan, grad_output, grad_h_n)
        dcs = _scattered(cs, plan, None, grad_c_n) if lstm else None
        dgates = empty(gates.shape, dtype, device)
        dg = dgates._array
        dhg = empty(gates.shape, dtype, device) if gru else dgates
        dh_raw = empty((batch, cs.shape[1]), dtype, device)._array if hraw is not None else None
        w_hh_array = w_hh._array
        for at, prev, cur, rows in reversed(plan.steps):
            dh = dhs._array
            if gru:
                k.gru_backward(g, at, hn._array, h, prev, cur, dh, dg, dhg._array, rows)
            elif not lstm:
                k.rnn_backward(h, cur, dh, dg, at, rows, mode == "RNN_RELU")
            elif dh_raw is None:
                k.lstm_backward(g, at, cs._array, prev, cur, dh, cur, dcs._array, dg, rows)
            else:
                k.gemm(dh[cur : cur + rows], w_hr._array, dh_raw[:rows])
                k.lstm_backward(g, at, cs._array, prev, cur, dh_raw, 0, dcs._array, dg, rows)
            k.gemm(dhg._array[at : at + rows], w_hh_array, dh[prev : prev + rows], None, True)
        need_input, need_h0, need_c0, need_w_ih, need_w_hh, need_b_ih, need_b_hh = needs[:7]
        h_prev = _rows(hs, 0, n) if plan.uniform else _gather(hs, plan.prev_rows)
        grad_b_ih = reduce(SUM, dgates, (0,), False, dtype) if need_b_ih else None
        grad_b_hh = reduce(SUM, dhg, (0,), False, dtype) if need_b_hh else None
        if grad_b_hh is not None and dhg is dgates:
            grad_b_hh = grad_b_hh.clone()  # one gradient tensor per bias
        return (
            _gemm(dgates, w_ih) if need_input else None,
            _rows(dhs, 0, batch) if need_h0 else None,
            _rows(dcs, 0, batch) if lstm and need_c0 else None,
            _gemm(_t(dgates), input) if need_w_ih else None,
            _gemm(_t(dhg), h_prev) if need_w_hh else None,
            grad_b_ih,
            grad_b_hh,
            _gemm(_t(_rows(dhs, batch, n)), hraw) if hraw is not None and needs[7] else None,
            None,
            None,
        )


def _graph_backward(ctx, grads: tuple) -> tuple:
    """RnnLayer's gradients as differentiable tensors (backward under create_graph): the
    recurrence is run again step by step with differentiable ops, and differentiated
    with create_graph, so second derivatives flow. Slow; only double backward uses it."""
    from ..autograd import grad

    inputs = ctx.graph_inputs
    wanted = [i for i, need in enumerate(ctx.needs_input_grad[:8]) if need]
    with grad_mode.enable_grad():
        # the forward's own inputs, so the gradients' graph reaches what produced them
        outputs = _recurrence(*inputs, ctx.mode, ctx.plan)
        pairs = [(o, g) for o, g in zip(outputs, grads) if g is not None]
        found = grad([o for o, _ in pairs], [inputs[i] for i in wanted],
                     [g for _, g in pairs], create_graph=True, allow_unused=True)  # fmt: skip
    result = [None] * 10
    for i, g in zip(wanted, found):
        result[i] = g
    return tuple(result)


def _recurrence(input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, plan):
    """RnnLayer's forward written with differentiable ops, one op per gate and step. Rows
    and gate columns are taken with index_select: its backward is differentiable again,
    where slicing's is not (yet)."""
    from ..nn.functional import linear

    def take(t: Tensor, dim: int, start: int, count: int) -> Tensor:
        return IndexSelect.apply(t, dim, _index(np.arange(start, start + count), t.device))

    hidden = w_ih.shape[0] // GATES[mode]
    gates_x = linear(input, w_ih, b_ih)
    states, cells = [], []
    h, c = h0, c0
    for at, _, _, rows in plan.steps:
        h_prev = take(h, 0, 0, rows)
        pre_x, pre_h = take(gates_x, 0, at, rows), linear(h_prev, w_hh, b_hh)
        if mode == "LSTM":
            i, f, g, o = (take(pre_x + pre_h, 1, k * hidden, hidden) for k in range(4))
            c = f.sigmoid() * take(c, 0, 0, rows) + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            if w_hr is not None:
                h = linear(h, w_hr)
            cells.append(c)
        elif mode == "GRU":
            x_r, x_z, x_n = (take(pre_x, 1, k * hidden, hidden) for k in range(3))
            h_r, h_z, h_n = (take(pre_h, 1, k * hidden, hidden) for k in range(3))
            r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
            h = (1 - z) * (x_n + r * h_n).tanh() + z * h_prev
        else:
            h = (pre_x + pre_h).tanh() if mode == "RNN_TANH" else (pre_x + pre_h).relu()
        states.append(h)
    output = cat(states)
    # each sequence's last row, as in the forward's state buffer (rows 0..B-1: the start)
    h_n = IndexSelect.apply(cat([h0, output]), 0, plan.end_rows)
    if mode != "LSTM":
        return output, h_n
    return output, h_n, IndexSelect.apply(cat([c0, *cells]), 0, plan.end_rows)


def _check_shapes(input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode, plan) -> None:
    """Every array the kernels of a layer index must have the shape the plan and the
    weights imply: the GEMMs read their operands' sizes, the gate kernels the plan's rows.
    Raised for a PackedSequence whose data does not match its batch_sizes, or a weight
    replaced by one of another shape."""
    hidden = w_ih.shape[0] // GATES[mode]
    gates = GATES[mode] * hidden
    out_size = hidden if w_hr is None else w_hr.shape[0]
    expected = [
        ("input", input, (plan.rows, w_ih.shape[1])),
        ("hx", h0, (plan.batch, out_size)),
        ("cx", c0, (plan.batch, hidden)),
        ("weight_ih", w_ih, (gates, input.shape[1])),
        ("weight_hh", w_hh, (gates, out_size)),
        ("bias_ih", b_ih, (gates,)),
        ("bias_hh", b_hh, (gates,)),
        ("weight_hr", w_hr, (out_size, hidden)),
    ]
    for name, t, shape in expected:
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"{name} of size {list(t.shape)} does not fit this layer (expected {list(shape)}"
                f" for batch_sizes summing to {plan.rows} and hidden_size {hidden})"
            )
    if mode == "LSTM" and c0 is None:
        raise RuntimeError("an LSTM layer needs an initial cell state")
    check_device(input, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
    for t in (input, h0, c0, b_ih, b_hh, w_hh, w_hr):
        if t is not None and t.dtype is not w_ih.dtype:
            raise RuntimeError(
                "mat1 and mat2 must have the same dtype, but got "
                f"{TYPE_WORD[t.dtype.name]} and {TYPE_WORD[w_ih.dtype.name]}"
            )


def _bias(b: Tensor | None):
    return None if b is None else b._array


def _gather(x: Tensor, rows: Tensor) -> Tensor:
    """x's rows `rows` (in range: RnnPlan made them) as a new tensor."""
    out = empty((rows.shape[0], x.shape[1]), x.dtype, x.device)
    kernels(x).index_select(x._array, rows._array, out._array, x.shape[0], x.shape[1])
    return out


def _scattered(states: Tensor, plan: RnnPlan, grad_output, grad_last) -> Tensor:
    """Zeros shaped like a state buffer, holding grad_output in the step rows and
    grad_last added in each sequence's last row."""
    k = kernels(states)
    out = empty(states.shape, states.dtype, states.device)
    k.fill(out._array, 0)
    if grad_output is not None:
        k.copy(grad_output._array, out._array[plan.batch :])
    if grad_last is not None:
        last = grad_last.contiguous()
        k.index_put(out._array, plan.end_rows._array, last._array, out.shape[0], out.shape[1],
                    True)  # fmt: skip
    return out


# --- the functional entry -------------------------------------------------------------------


def rnn_layers(
    input: Tensor,
    plan: RnnPlan,
    hx: Tensor,
    cx: Tensor | None,
    weights: list,
    mode: str,
    num_layers: int,
    dropout: float,
    training: bool,
    bidirectional: bool,
):
    """Run a stack of recurrent layers over packed `input` (N, input_size).

    hx (layers*directions, B, H_out) and, for the LSTM, cx (layers*directions, B, H) are
    the initial states; `weights` holds per layer and direction (w_ih, w_hh, b_ih, b_hh,
    w_hr), absent ones None. Returns (output (N, directions*H_out), h_n[, c_n])."""
    from ..nn.functional import dropout as dropout_fn

    directions = 2 if bidirectional else 1
    h_last, c_last = [], []
    layer_input = input.contiguous()
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            index = layer * directions + direction
            x = layer_input
            if direction == 1:
                x = IndexSelect.apply(x, 0, plan.reverse_rows)
            c0 = cx[index] if cx is not None else None
            result = RnnLayer.apply(x, hx[index], c0, *weights[index], mode, plan)
            y = result[0]
            if direction == 1:
                y = IndexSelect.apply(y, 0, plan.reverse_rows)
            outputs.append(y)
            h_last.append(result[1])
            if cx is not None:
                c_last.append(result[2])
        layer_input = outputs[0] if directions == 1 else cat(outputs, 1)
        if dropout > 0 and training and layer < num_layers - 1:
            layer_input = dropout_fn(layer_input, dropout, True)
    h_n = stack(h_last)
    return (layer_input, h_n, stack(c_last)) if cx is not None else (layer_input, h_n)
