"""Fused gate kernels of the recurrent layers on device arrays: the CPU's kernels
(kernels/cpu/rnn.py, which documents the layouts) with a thread per (row, hidden unit),
each calling the per-unit math of kernels/common/rnn.py, which both devices share."""

from __future__ import annotations

from numba import cuda

from ..common import rnn as common
from ._launch import device_function, launch

lstm_forward_unit = device_function(common.lstm_forward_unit)
lstm_backward_unit = device_function(common.lstm_backward_unit)
gru_forward_unit = device_function(common.gru_forward_unit)
gru_backward_unit = device_function(common.gru_backward_unit)
rnn_forward_unit = device_function(common.rnn_forward_unit)
rnn_backward_unit = device_function(common.rnn_backward_unit)


@cuda.jit(cache=True)
def _lstm_forward(gates, at, cs, prev, cur, h_out, h_at, rows):
    hidden = cs.shape[1]
    for t in range(cuda.grid(1), rows * hidden, cuda.gridsize(1)):
        r, j = t // hidden, t % hidden  # r < rows: row ranges checked by RnnPlan
        gate = gates[at + r]
        i, f, g, o, c, h = lstm_forward_unit(gate[j], gate[hidden + j], gate[2 * hidden + j],
                                             gate[3 * hidden + j], cs[prev + r, j])  # fmt: skip
        gate[j], gate[hidden + j], gate[2 * hidden + j], gate[3 * hidden + j] = i, f, g, o
        cs[cur + r, j] = c
        h_out[h_at + r, j] = h


@cuda.jit(cache=True)
def _lstm_backward(gates, at, cs, prev, cur, dh, dh_at, dcs, dgates, rows):
    hidden = cs.shape[1]
    for t in range(cuda.grid(1), rows * hidden, cuda.gridsize(1)):
        r, j = t // hidden, t % hidden  # r < rows: row ranges checked by RnnPlan
        gate, dgate = gates[at + r], dgates[at + r]
        di, df, dg, do, share = lstm_backward_unit(
            gate[j], gate[hidden + j], gate[2 * hidden + j], gate[3 * hidden + j],
            cs[prev + r, j], cs[cur + r, j], dh[dh_at + r, j], dcs[cur + r, j],
        )  # fmt: skip
        dgate[j], dgate[hidden + j], dgate[2 * hidden + j], dgate[3 * hidden + j] = di, df, dg, do
        dcs[prev + r, j] += share  # this thread's own (row, unit): no other writer


@cuda.jit(cache=True)
def _gru_forward(gates, at, hg, hs, prev, cur, hn, rows):
    hidden = hs.shape[1]
    for t in range(cuda.grid(1), rows * hidden, cuda.gridsize(1)):
        r, j = t // hidden, t % hidden  # r < rows: row ranges checked by RnnPlan
        gate, hgr = gates[at + r], hg[r]
        h_n = hgr[2 * hidden + j]
        rj, z, n, h = gru_forward_unit(gate[j], gate[hidden + j], gate[2 * hidden + j], hgr[j],
                                       hgr[hidden + j], h_n, hs[prev + r, j])  # fmt: skip
        gate[j], gate[hidden + j], gate[2 * hidden + j] = rj, z, n
        hn[at + r, j] = h_n
        hs[cur + r, j] = h


@cuda.jit(cache=True)
def _gru_backward(gates, at, hn, hs, prev, cur, dhs, dgates, dhg, rows):
    hidden = hs.shape[1]
    for t in range(cuda.grid(1), rows * hidden, cuda.gridsize(1)):
        r, j = t // hidden, t % hidden  # r < rows: row ranges checked by RnnPlan
        gate, dgate, dhgr = gates[at + r], dgates[at + r], dhg[at + r]
        dr, dz, dn, dh_n, share = gru_backward_unit(gate[j], gate[hidden + j],
                                                    gate[2 * hidden + j], hn[at + r, j],
                                                    hs[prev + r, j], dhs[cur + r, j])  # fmt: skip
        dgate[j], dgate[hidden + j], dgate[2 * hidden + j] = dr, dz, dn
        dhgr[j], dhgr[hidden + j], dhgr[2 * hidden + j] = dr, dz, dh_n
        dhs[prev + r, j] += share  # this thread's own (row, unit): no other writer


@cuda.jit(cache=True)
def _rnn_forward(gates, at, hs, cur, rows, relu):
    hidden = hs.shape[1]
    for t in range(cuda.grid(1), rows * hidden, cuda.gridsize(1)):
        r, j = t // hidden, t % hidden  # r < rows: row ranges checked by RnnPlan
        hs[cur + r, j] = rnn_forward_unit(gates[at + r, j], relu)


@cuda.jit(cache=True)
def _rnn_backward(hs, cur, dhs, dgates, at, rows, relu):
    hidden = hs.shape[1]
    for t in range(cuda.grid(1), rows * hidden, cuda.gridsize(1)):
        r, j = t // hidden, t % hidden  # r < rows: row ranges checked by RnnPlan
        dgates[at + r, j] = rnn_backward_unit(hs[cur + r, j], dhs[cur + r, j], relu)


def lstm_forward(gates, at: int, cs, prev: int, cur: int, h_out, h_at: int, rows: int) -> None:
    """The CPU's `lstm_forward` on device arrays."""
    _lstm_forward[launch(rows * cs.shape[1])](gates, at, cs, prev, cur, h_out, h_at, rows)


def lstm_backward(gates, at: int, cs, prev: int, cur: int, dh, dh_at: int, dcs, dgates,
                  rows: int) -> None:  # fmt: skip
    """The CPU's `lstm_backward` on device arrays."""
    _lstm_backward[launch(rows * cs.shape[1])](gates, at, cs, prev, cur, dh, dh_at, dcs, dgates,
                                               rows)  # fmt: skip


def gru_forward(gates, at: int, hg, hs, prev: int, cur: int, hn, rows: int) -> None:
    """The CPU's `gru_forward` on device arrays."""
    _gru_forward[launch(rows * hs.shape[1])](gates, at, hg, hs, prev, cur, hn, rows)


def gru_backward(gates, at: int, hn, hs, prev: int, cur: int, dhs, dgates, dhg,
                 rows: int) -> None:  # fmt: skip
    """The CPU's `gru_backward` on device arrays."""
    _gru_backward[launch(rows * hs.shape[1])](gates, at, hn, hs, prev, cur, dhs, dgates, dhg,
                                              rows)  # fmt: skip


def rnn_forward(gates, at: int, hs, cur: int, rows: int, relu: bool) -> None:
    """The CPU's `rnn_forward` on device arrays."""
    _rnn_forward[launch(rows * hs.shape[1])](gates, at, hs, cur, rows, relu)


def rnn_backward(hs, cur: int, dhs, dgates, at: int, rows: int, relu: bool) -> None:
    """The CPU's `rnn_backward` on device arrays."""
    _rnn_backward[launch(rows * hs.shape[1])](hs, cur, dhs, dgates, at, rows, relu)


__all__ = [
    "gru_backward",
    "gru_forward",
    "lstm_backward",
    "lstm_forward",
    "rnn_backward",
    "rnn_forward",
]
