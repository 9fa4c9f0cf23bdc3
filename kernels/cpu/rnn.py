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

The math of one hidden unit sits in pure `@njit(inline="always")` functions of scalars,
shared with the CUDA kernels (kernels/cuda/rnn.py). Row ranges are validated once per
sequence by numbatorch.ops.rnn.RnnPlan, which is what keeps every row index below in its
array: at + rows <= N, prev + rows <= cur <= B + N - rows.
"""

from __future__ import annotations

from numba import njit, prange

from ..common.rnn import (
    gru_backward_unit,
    gru_forward_unit,
    lstm_backward_unit,
    lstm_forward_unit,
    rnn_backward_unit,
    rnn_forward_unit,
)
from ._launch import parallel_for, twins

# numpy's error model: Python's checks every division (the sigmoids') for zero, a branch
# that keeps the unit loop from vectorising. No nnan/ninf: NaN and inf propagate as in PyTorch.
_OPTIONS = {"error_model": "numpy", "fastmath": {"contract", "arcp", "nsz"}}

# --- one row (a batch entry of one step): its hidden units in a vector loop ---------------
# The unit math is pure (functions of scalars), so that each loop does its own loads and
# stores: with the stores inside the shared function the unit loop did not vectorise
# (measured on AVX-512, 32 x 64 float32 LSTM units: 67 us a step; as pure functions 9 us).
# A row is a plain (not inlined) function that both twins below call: the parallel twin
# reuses the serial one's compiled row instead of compiling the loop again inside its
# gufunc (measured, float64 LSTM forward at NUMBA_OPT=1: the parallel twin 8.3 s -> 0.25 s
# of compiling, the same 39 us a step).
_row = njit(**_OPTIONS)


@_row
def _lstm_forward_row(gate, c_prev, c, h, hidden):
    for j in range(hidden):
        i, f, g, o, c[j], h[j] = lstm_forward_unit(
            gate[j], gate[hidden + j], gate[2 * hidden + j], gate[3 * hidden + j], c_prev[j]
        )
        gate[j], gate[hidden + j], gate[2 * hidden + j], gate[3 * hidden + j] = i, f, g, o


@_row
def _lstm_backward_row(gate, c_prev, c, dh, dc, dgate, dc_prev, hidden):
    for j in range(hidden):
        di, df, dg, do, share = lstm_backward_unit(
            gate[j], gate[hidden + j], gate[2 * hidden + j], gate[3 * hidden + j],
            c_prev[j], c[j], dh[j], dc[j],
        )  # fmt: skip
        dgate[j], dgate[hidden + j], dgate[2 * hidden + j] = di, df, dg
        dgate[3 * hidden + j] = do
        dc_prev[j] += share


@_row
def _gru_forward_row(gate, hg, h_prev, h, hn, hidden):
    for j in range(hidden):
        h_n = hg[2 * hidden + j]
        rj, z, n, h[j] = gru_forward_unit(
            gate[j], gate[hidden + j], gate[2 * hidden + j], hg[j], hg[hidden + j], h_n,
            h_prev[j],
        )  # fmt: skip
        gate[j], gate[hidden + j], gate[2 * hidden + j], hn[j] = rj, z, n, h_n


@_row
def _gru_backward_row(gate, hn, h_prev, dh, dh_prev, dgate, dhg, hidden):
    for j in range(hidden):
        dr, dz, dn, dh_n, share = gru_backward_unit(
            gate[j], gate[hidden + j], gate[2 * hidden + j], hn[j], h_prev[j], dh[j]
        )
        dgate[j], dgate[hidden + j], dgate[2 * hidden + j] = dr, dz, dn
        dhg[j], dhg[hidden + j], dhg[2 * hidden + j] = dr, dz, dh_n
        dh_prev[j] += share


@_row
def _rnn_forward_row(gate, h, hidden, relu):
    for j in range(hidden):
        h[j] = rnn_forward_unit(gate[j], relu)


@_row
def _rnn_backward_row(h, dh, dgate, hidden, relu):
    for j in range(hidden):
        dgate[j] = rnn_backward_unit(h[j], dh[j], relu)


# --- the kernels: a row per task ----------------------------------------------------------


def _lstm_forward(gates, at, cs, prev, cur, h_out, h_at, rows):
    hidden = cs.shape[1]
    for r in prange(rows):
        # rows at+r < N, prev+r and cur+r < B+N, h_at+r < len(h_out): RnnPlan's ranges
        _lstm_forward_row(gates[at + r], cs[prev + r], cs[cur + r], h_out[h_at + r], hidden)


def _lstm_backward(gates, at, cs, prev, cur, dh, dh_at, dcs, dgates, rows):
    hidden = cs.shape[1]
    for r in prange(rows):
        # rows in range by RnnPlan; dcs rows prev+r and cur+r are distinct (prev < cur)
        _lstm_backward_row(gates[at + r], cs[prev + r], cs[cur + r], dh[dh_at + r],
                           dcs[cur + r], dgates[at + r], dcs[prev + r], hidden)  # fmt: skip


def _gru_forward(gates, at, hg, hs, prev, cur, hn, rows):
    hidden = hs.shape[1]
    for r in prange(rows):
        # rows in range by RnnPlan; hg holds the step's rows from 0
        _gru_forward_row(gates[at + r], hg[r], hs[prev + r], hs[cur + r], hn[at + r], hidden)


def _gru_backward(gates, at, hn, hs, prev, cur, dhs, dgates, dhg, rows):
    hidden = hs.shape[1]
    for r in prange(rows):
        # rows in range by RnnPlan; dhs rows prev+r and cur+r are distinct (prev < cur)
        _gru_backward_row(gates[at + r], hn[at + r], hs[prev + r], dhs[cur + r], dhs[prev + r],
                          dgates[at + r], dhg[at + r], hidden)  # fmt: skip


def _rnn_forward(gates, at, hs, cur, rows, relu):
    hidden = hs.shape[1]
    for r in prange(rows):
        _rnn_forward_row(gates[at + r], hs[cur + r], hidden, relu)  # rows in range by RnnPlan


def _rnn_backward(hs, cur, dhs, dgates, at, rows, relu):
    hidden = hs.shape[1]
    for r in prange(rows):
        _rnn_backward_row(hs[cur + r], dhs[cur + r], dgates[at + r], hidden, relu)  # RnnPlan


_LSTM_FORWARD = twins(_lstm_forward, **_OPTIONS)
_LSTM_BACKWARD = twins(_lstm_backward, **_OPTIONS)
_GRU_FORWARD = twins(_gru_forward, **_OPTIONS)
_GRU_BACKWARD = twins(_gru_backward, **_OPTIONS)
_RNN_FORWARD = twins(_rnn_forward, **_OPTIONS)
_RNN_BACKWARD = twins(_rnn_backward, **_OPTIONS)


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
