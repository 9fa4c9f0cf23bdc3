"""Fused gate kernels of the recurrent layers (RNN tanh/relu, LSTM, GRU): one launch per
time step applies every gate's nonlinearity and the state update (forward), or the whole
chain rule back to the gate pre-activations (backward). The matrix products around them
run in the GEMM kernels (numbatorch/ops/rnn.py drives the time loop).

Layouts (all C-contiguous, rows are batch entries of one time step, packed time-major as
in a PackedSequence: step t owns `rows` rows starting at row `at`):
- gates (N, G*H): the gate pre-activations of every step, overwritten by the forward
  kernels with the activations backward needs (LSTM i, f, g, o; GRU r, z, n; PyTorch's
  order); dgates (N, G*H) receives their gradients;
- hs, cs (B + N, H): the hidden and cell states, rows [0, B) the initial state and rows
  B + at.. those of step t; a step reads its previous state at row `prev` (0 for the first
  step, else the previous step's first row: sequences end in order, so a step's rows are
  the first rows of the step before) and writes row `cur` = B + at;
- GRU: hg (B, 3H) the step's W_hh h + b_hh, hn (N, H) its n-part saved for backward,
  dhg (N, 3H) the gradients of hg.

The per-element math sits in `@njit(inline="always")` functions on one row of each array,
shared with the CUDA kernels (kernels/cuda/rnn.py). Row ranges are validated once per
sequence by numbatorch.ops.rnn.RnnPlan, which is what keeps every row index below in its
array: at + rows <= N, prev + rows <= cur <= B + N - rows.
"""

from __future__ import annotations

from numba import njit, prange

from ..common.fastmath import sigmoid, tanh
from ._launch import parallel_for, twins

# --- the math of one hidden unit j of one row ------------------------------------------------


@njit(inline="always")
def lstm_forward_unit(gate, c_prev, c, h, j, hidden):
    """c = f*c_prev + i*g, h = o*tanh(c); the gate row keeps i, f, g, o."""
    i = sigmoid(gate[j])
    f = sigmoid(gate[hidden + j])
    g = tanh(gate[2 * hidden + j])
    o = sigmoid(gate[3 * hidden + j])
    cj = f * c_prev[j] + i * g
    c[j] = cj
    h[j] = o * tanh(cj)
    gate[j] = i
    gate[hidden + j] = f
    gate[2 * hidden + j] = g
    gate[3 * hidden + j] = o


@njit(inline="always")
def lstm_backward_unit(gate, c_prev, c, dh, dc, dc_prev, dgate, j, hidden):
    """Gradients of the pre-activations from dh (all of h's gradient) and dc (c's, from
    later steps); adds this step's share of c_prev's gradient into dc_prev."""
    one = type(dh[j])(1.0)
    i, f, g, o = gate[j], gate[hidden + j], gate[2 * hidden + j], gate[3 * hidden + j]
    tc = tanh(c[j])
    dcj = dc[j] + dh[j] * o * (one - tc * tc)
    dgate[j] = dcj * g * i * (one - i)
    dgate[hidden + j] = dcj * c_prev[j] * f * (one - f)
    dgate[2 * hidden + j] = dcj * i * (one - g * g)
    dgate[3 * hidden + j] = dh[j] * tc * o * (one - o)
    dc_prev[j] += dcj * f


@njit(inline="always")
def gru_forward_unit(gate, hg, h_prev, h, hn, j, hidden):
    """PyTorch's GRU: r, z from input and hidden parts summed, n = tanh(in + r*(W_hn h +
    b_hn)), h = (1-z)*n + z*h_prev; the gate row keeps r, z, n, hn keeps W_hn h + b_hn."""
    one = type(gate[j])(1.0)
    r = sigmoid(gate[j] + hg[j])
    z = sigmoid(gate[hidden + j] + hg[hidden + j])
    hnj = hg[2 * hidden + j]
    n = tanh(gate[2 * hidden + j] + r * hnj)
    h[j] = (one - z) * n + z * h_prev[j]
    gate[j] = r
    gate[hidden + j] = z
    gate[2 * hidden + j] = n
    hn[j] = hnj


@njit(inline="always")
def gru_backward_unit(gate, hn, h_prev, dh, dh_prev, dgate, dhg, j, hidden):
    """Gradients of the input-side (dgate) and hidden-side (dhg) pre-activations from dh;
    adds the direct z*dh share of h_prev's gradient into dh_prev."""
    one = type(dh[j])(1.0)
    r, z, n = gate[j], gate[hidden + j], gate[2 * hidden + j]
    d = dh[j]
    dn = d * (one - z) * (one - n * n)
    dr = dn * hn[j] * r * (one - r)
    dz = d * (h_prev[j] - n) * z * (one - z)
    dgate[j] = dr
    dgate[hidden + j] = dz
    dgate[2 * hidden + j] = dn
    dhg[j] = dr
    dhg[hidden + j] = dz
    dhg[2 * hidden + j] = dn * r
    dh_prev[j] += d * z


@njit(inline="always")
def rnn_forward_unit(gate, h, j, relu):
    """h = tanh(pre) or relu(pre)."""
    x = gate[j]
    if relu:
        h[j] = x if x > 0 else type(x)(0.0)
    else:
        h[j] = tanh(x)


@njit(inline="always")
def rnn_backward_unit(h, dh, dgate, j, relu):
    """The pre-activation's gradient, from the activation's value h."""
    if relu:
        dgate[j] = dh[j] if h[j] > 0 else type(h[j])(0.0)
    else:
        dgate[j] = dh[j] * (type(h[j])(1.0) - h[j] * h[j])


# --- the kernels: a row per task, its hidden units in the inner loop ----------------------


def _lstm_forward(gates, at, cs, prev, cur, h_out, h_at, rows):
    hidden = cs.shape[1]
    for i in prange(rows):
        # rows at+i < N, prev+i and cur+i < B+N, h_at+i < len(h_out): RnnPlan's ranges
        gate, c_prev, c, h = gates[at + i], cs[prev + i], cs[cur + i], h_out[h_at + i]
        for j in range(hidden):
            lstm_forward_unit(gate, c_prev, c, h, j, hidden)


def _lstm_backward(gates, at, cs, prev, cur, dh, dh_at, dcs, dgates, rows):
    hidden = cs.shape[1]
    for i in prange(rows):
        # rows in range by RnnPlan; dcs rows prev+i and cur+i are distinct (prev < cur)
        gate, c_prev, c, dc, dc_prev = (
            gates[at + i],
            cs[prev + i],
            cs[cur + i],
            dcs[cur + i],
            dcs[prev + i],
        )
        dhi, dgate = dh[dh_at + i], dgates[at + i]
        for j in range(hidden):
            lstm_backward_unit(gate, c_prev, c, dhi, dc, dc_prev, dgate, j, hidden)


def _gru_forward(gates, at, hg, hs, prev, cur, hn, rows):
    hidden = hs.shape[1]
    for i in prange(rows):
        # rows in range by RnnPlan; hg holds the step's rows from 0
        gate, hgi, h_prev, h, hni = gates[at + i], hg[i], hs[prev + i], hs[cur + i], hn[at + i]
        for j in range(hidden):
            gru_forward_unit(gate, hgi, h_prev, h, hni, j, hidden)


def _gru_backward(gates, at, hn, hs, prev, cur, dhs, dgates, dhg, rows):
    hidden = hs.shape[1]
    for i in prange(rows):
        # rows in range by RnnPlan; dhs rows prev+i and cur+i are distinct (prev < cur)
        gate, hni, h_prev, dh, dh_prev = (
            gates[at + i],
            hn[at + i],
            hs[prev + i],
            dhs[cur + i],
            dhs[prev + i],
        )
        dgate, dhgi = dgates[at + i], dhg[at + i]
        for j in range(hidden):
            gru_backward_unit(gate, hni, h_prev, dh, dh_prev, dgate, dhgi, j, hidden)


def _rnn_forward(gates, at, hs, cur, rows, relu):
    hidden = hs.shape[1]
    for i in prange(rows):
        gate, h = gates[at + i], hs[cur + i]  # rows in range by RnnPlan
        for j in range(hidden):
            rnn_forward_unit(gate, h, j, relu)


def _rnn_backward(hs, cur, dhs, dgates, at, rows, relu):
    hidden = hs.shape[1]
    for i in prange(rows):
        h, dh, dgate = hs[cur + i], dhs[cur + i], dgates[at + i]  # rows in range by RnnPlan
        for j in range(hidden):
            rnn_backward_unit(h, dh, dgate, j, relu)


_LSTM_FORWARD = twins(_lstm_forward)
_LSTM_BACKWARD = twins(_lstm_backward)
_GRU_FORWARD = twins(_gru_forward)
_GRU_BACKWARD = twins(_gru_backward)
_RNN_FORWARD = twins(_rnn_forward)
_RNN_BACKWARD = twins(_rnn_backward)


def _twin(pair, rows: int, hidden: int):
    return pair[parallel_for(rows * hidden)]


def lstm_forward(gates, at: int, cs, prev: int, cur: int, h_out, h_at: int, rows: int) -> None:
    """One LSTM step: activations of gates[at:at+rows] (in place), c into cs[cur:], h into
    h_out[h_at:] (hs[cur:], or the unprojected h when a projection follows)."""
    _twin(_LSTM_FORWARD, rows, cs.shape[1])(gates, at, cs, prev, cur, h_out, h_at, rows)


def lstm_backward(gates, at: int, cs, prev: int, cur: int, dh, dh_at: int, dcs, dgates,
                  rows: int) -> None:  # fmt: skip
    """One LSTM step backward: dgates[at:at+rows] from dh[dh_at:] and dcs[cur:]; adds
    c_prev's gradient into dcs[prev:]."""
    _twin(_LSTM_BACKWARD, rows, cs.shape[1])(gates, at, cs, prev, cur, dh, dh_at, dcs, dgates,
                                             rows)  # fmt: skip


def gru_forward(gates, at: int, hg, hs, prev: int, cur: int, hn, rows: int) -> None:
    """One GRU step: gates[at:at+rows] (input side, in place: r, z, n) with hg[:rows]
    (hidden side) into hs[cur:]; hn[at:] keeps hg's n part."""
    _twin(_GRU_FORWARD, rows, hs.shape[1])(gates, at, hg, hs, prev, cur, hn, rows)


def gru_backward(gates, at: int, hn, hs, prev: int, cur: int, dhs, dgates, dhg,
                 rows: int) -> None:  # fmt: skip
    """One GRU step backward: dgates and dhg rows [at, at+rows) from dhs[cur:]; adds the
    direct share of h_prev's gradient into dhs[prev:]."""
    _twin(_GRU_BACKWARD, rows, hs.shape[1])(gates, at, hn, hs, prev, cur, dhs, dgates, dhg,
                                            rows)  # fmt: skip


def rnn_forward(gates, at: int, hs, cur: int, rows: int, relu: bool) -> None:
    """One Elman RNN step: hs[cur:cur+rows] = tanh or relu of gates[at:at+rows]."""
    _twin(_RNN_FORWARD, rows, hs.shape[1])(gates, at, hs, cur, rows, relu)


def rnn_backward(hs, cur: int, dhs, dgates, at: int, rows: int, relu: bool) -> None:
    """One Elman RNN step backward: dgates[at:at+rows] from dhs[cur:] and the outputs."""
    _twin(_RNN_BACKWARD, rows, hs.shape[1])(hs, cur, dhs, dgates, at, rows, relu)


__all__ = [
    "gru_backward",
    "gru_forward",
    "lstm_backward",
    "lstm_forward",
    "rnn_backward",
    "rnn_forward",
]
