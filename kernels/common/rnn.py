"""The recurrent cells' gate math both backends share: one inlined unit per cell and
direction (LSTM, GRU, Elman RNN), which the CPU's row kernels (kernels/cpu/rnn.py) and the
CUDA kernels (kernels/cuda/rnn.py) call per hidden unit."""

from __future__ import annotations

from numba import njit

from .fastmath import sigmoid, tanh


@njit(inline="always")
def lstm_forward_unit(i_pre, f_pre, g_pre, o_pre, c_prev):
    """(i, f, g, o, c, h): c = f*c_prev + i*g, h = o*tanh(c)."""
    i, f, g, o = sigmoid(i_pre), sigmoid(f_pre), tanh(g_pre), sigmoid(o_pre)
    c = f * c_prev + i * g
    return i, f, g, o, c, o * tanh(c)


@njit(inline="always")
def lstm_backward_unit(i, f, g, o, c_prev, c, dh, dc):
    """The gradients of the four pre-activations and c_prev's share, from dh (all of h's
    gradient) and dc (c's gradient from later steps)."""
    one = type(dh)(1.0)
    tc = tanh(c)
    dc = dc + dh * o * (one - tc * tc)
    return (dc * g * i * (one - i), dc * c_prev * f * (one - f), dc * i * (one - g * g),
            dh * tc * o * (one - o), dc * f)  # fmt: skip


@njit(inline="always")
def gru_forward_unit(i_r, i_z, i_n, h_r, h_z, h_n, h_prev):
    """(r, z, n, h), PyTorch's GRU: n = tanh(i_n + r*h_n), h = (1-z)*n + z*h_prev, where
    i_* are the input parts and h_* the hidden parts (biases included)."""
    one = type(h_prev)(1.0)
    r, z = sigmoid(i_r + h_r), sigmoid(i_z + h_z)
    n = tanh(i_n + r * h_n)
    return r, z, n, (one - z) * n + z * h_prev


@njit(inline="always")
def gru_backward_unit(r, z, n, h_n, h_prev, dh):
    """(d r_pre, d z_pre, d n_pre, d h_n, h_prev's direct share) from dh."""
    one = type(dh)(1.0)
    dn = dh * (one - z) * (one - n * n)
    return dn * h_n * r * (one - r), dh * (h_prev - n) * z * (one - z), dn, dn * r, dh * z


@njit(inline="always")
def rnn_forward_unit(pre, relu):
    """tanh(pre) or relu(pre) (NaN stays NaN, as PyTorch's relu keeps it)."""
    if relu:
        return type(pre)(0.0) if pre <= 0 else pre
    return tanh(pre)


@njit(inline="always")
def rnn_backward_unit(h, dh, relu):
    """The pre-activation's gradient, from the activation's value h."""
    if relu:
        return dh if h > 0 else type(h)(0.0)
    return dh * (type(h)(1.0) - h * h)
