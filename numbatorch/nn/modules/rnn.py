"""Recurrent layers: `RNN`, `LSTM`, `GRU` and their one-step cells, with PyTorch's
parameter names and order, initialisation, shapes, options and errors. The arithmetic
runs in numbatorch.ops.rnn (a fused time loop per layer and direction)."""

from __future__ import annotations

import math
import numbers
import warnings

from ... import _creation
from ...ops.rnn import GATES, RnnLayer, plan_for, rnn_layers
from ...tensor import Tensor
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["GRU", "LSTM", "RNN", "GRUCell", "LSTMCell", "RNNBase", "RNNCell", "RNNCellBase"]


class RNNBase(Module):
    r"""The stack of recurrent layers behind :class:`RNN`, :class:`LSTM` and :class:`GRU`; it has
    no ``forward`` of its own.

    Its parameters are ``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (and ``weight_hr_l{k}`` with ``proj_size``) for each layer :math:`k`,
    suffixed ``_reverse`` for the backward direction, registered in PyTorch's order and drawn
    from :math:`U(-1/\sqrt{\text{hidden\_size}}, 1/\sqrt{\text{hidden\_size}})`.

    Args:
        mode: ``'RNN_TANH'`` | ``'RNN_RELU'`` | ``'LSTM'`` | ``'GRU'``.
        input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
            proj_size: as in :class:`LSTM` (``proj_size`` is for ``'LSTM'`` only).

    Shape:
        - Parameters: ``weight_ih_l0`` is :math:`(G \cdot H_{out}, H_{in})`, with :math:`G`
          gates: 1, 4 or 3.

    Example::

        >>> base = nn.RNNBase('GRU', 10, 20, num_layers=2)
        >>> [p.shape for p in base.all_weights[0]]
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        if (
            not isinstance(dropout, numbers.Number)
            or not 0 <= dropout <= 1
            or isinstance(dropout, bool)
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                "an element being zeroed"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                "dropout expects num_layers greater than 1, but got "
                f"dropout={dropout} and num_layers={num_layers}",
                stacklevel=3,
            )
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError(
                "proj_size should be a positive integer or zero to disable projections"
            )
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = GATES[mode] * hidden_size
        real_hidden_size = proj_size if proj_size > 0 else hidden_size
        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input_size = input_size if layer == 0 else real_hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [
                    ("weight_ih", (gate_size, layer_input_size)),
                    ("weight_hh", (gate_size, real_hidden_size)),
                ]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for prefix, shape in shapes:
                    name = f"{prefix}_l{layer}{suffix}"
                    setattr(self, name, Parameter(_creation.empty(*shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Parameter]]:
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """A no-op: PyTorch packs the weights into one buffer for cuDNN; here each
        layer's GEMMs read the parameters where they are."""

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- checks, with PyTorch's messages ------------------------------------------------
    def _layer_weights(self) -> list:
        """Per layer and direction (w_ih, w_hh, b_ih, b_hh, w_hr), absent ones None."""
        return [
            tuple(
                getattr(self, f"{prefix}{names[0][len('weight_ih') :]}", None)
                for prefix in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
            )
            for names in self._all_weights
        ]

    def _check_input(self, input: Tensor, packed: bool) -> None:
        weight = self._flat_weights[0]
        if input.dtype is not weight.dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                f"Convert input: input.to({weight.dtype}), or convert model: "
                f"model.to({input.dtype})"
            )
        expected = 2 if packed else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(
                "input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.size(-1)}"
            )

    def _state_size(self, batch: int, cell: bool = False) -> tuple:
        size = self.proj_size if self.proj_size > 0 and not cell else self.hidden_size
        return (self.num_layers * (2 if self.bidirectional else 1), batch, size)

    @staticmethod
    def _check_hidden_size(hx: Tensor, expected: tuple, what: str = "hidden") -> None:
        if tuple(hx.size()) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(hx.size())}")

    # -- forward ----------------------------------------------------------------------
    def _run(self, input, hx, cx):
        """The shared forward: unpack/transpose the input, check it and the states, run
        the layers; returns (output, h_n, c_n or None) in the input's own form."""
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            sizes = tuple(int(b) for b in batch_sizes.tolist())
            batch = sizes[0]
            x = data
        else:
            name = "RNN" if self.mode.startswith("RNN") else self.mode
            if input.dim() not in (2, 3):
                raise ValueError(
                    f"{name}: Expected input to be 2D or 3D, got {input.dim()}D "
                    + ("tensor instead" if name == "RNN" else "instead")
                )
            batched = input.dim() == 3
            batch_dim = 0 if self.batch_first else 1
            if not batched:
                input = input.unsqueeze(batch_dim)
                states = [s for s in (hx, cx) if s is not None]
                if any(s.dim() != 2 for s in states):
                    raise RuntimeError(self._state_dim_message(hx, cx, "unbatched 2-D", 2))
                hx = hx.unsqueeze(1) if hx is not None else None
                cx = cx.unsqueeze(1) if cx is not None else None
            elif any(s is not None and s.dim() != 3 for s in (hx, cx)):
                raise RuntimeError(self._state_dim_message(hx, cx, "batched 3-D", 3))
            x = input.transpose(0, 1) if self.batch_first else input
            steps, batch = x.shape[0], x.shape[1]
            sizes = (batch,) * steps
            sorted_indices = unsorted_indices = None
        self._check_input(x, packed)
        if hx is None:
            options = {"dtype": x.dtype, "device": x.device}
            hx = _creation.zeros(*self._state_size(batch), **options)
            cx = _creation.zeros(*self._state_size(batch, True), **options) if lstm else None
        else:
            if lstm:
                self._check_hidden_size(hx, self._state_size(batch), "hidden[0]")
                self._check_hidden_size(cx, self._state_size(batch, True), "hidden[1]")
            else:
                self._check_hidden_size(hx, self._state_size(batch))
            if sorted_indices is not None:
                hx = hx.index_select(1, sorted_indices)
                cx = cx.index_select(1, sorted_indices) if lstm else None
        plan = plan_for(sizes, x.device)
        flat = x.reshape(-1, self.input_size) if not packed else x
        result = rnn_layers(
            flat, plan, hx, cx, self._layer_weights(), self.mode, self.num_layers,
            self.dropout, self.training, self.bidirectional,
        )  # fmt: skip
        output, h_n = result[0], result[1]
        c_n = result[2] if lstm else None
        if unsorted_indices is not None:
            h_n = h_n.index_select(1, unsorted_indices)
            c_n = c_n.index_select(1, unsorted_indices) if lstm else None
        if packed:
            return PackedSequence(output, batch_sizes, sorted_indices, unsorted_indices), h_n, c_n
        output = output.reshape(len(sizes), batch, output.shape[-1])
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(batch_dim)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        return output, h_n, c_n

    def _state_dim_message(self, hx, cx, kind: str, dims: int) -> str:
        if self.mode == "LSTM":
            return (
                f"For {kind} input, hx and cx should also be {dims}-D but got "
                f"({hx.dim()}-D, {cx.dim()}-D) tensors"
            )
        return f"For {kind} input, hx should also be {dims}-D but got {hx.dim()}-D tensor"


class RNN(RNNBase):
    r"""Elman RNN: :math:`h_t = \tanh(x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh})` (or
    ReLU) at each step, layer by layer.

    Args:
        input_size: the number of features :math:`H_{in}` of each input step.
        hidden_size: the number of features :math:`H_{out}` of the hidden state.
        num_layers: how many recurrent layers are stacked. Default: ``1``
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``
        bias: learn the biases ``b_ih`` and ``b_hh``. Default: ``True``
        batch_first: :math:`(N, L, *)` input and output, not :math:`(L, N, *)`. Default: ``False``
        dropout: dropout on the outputs of all layers but the last, in training. Default: ``0.0``
        bidirectional: run a second stack backwards; :math:`D = 2`, else 1. Default: ``False``

    Shape (``forward(input, hx=None)`` returns ``(output, h_n)``):
        - Input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with ``batch_first``,
          :math:`(L, H_{in})` unbatched, or a ``PackedSequence``.
        - hx, h_n: :math:`(D \cdot \text{num\_layers}, N, H_{out})`, without :math:`N`
          unbatched; ``hx=None`` starts from zeros.
        - Output: :math:`(L, N, D \cdot H_{out})`, the last layer's :math:`h_t` for every step.

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(torch.randn(5, 3, 10), torch.randn(2, 3, 20))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args,
                         **kwargs)  # fmt: skip

    def forward(self, input, hx: Tensor | None = None):
        output, h_n, _ = self._run(input, hx, None)
        return output, h_n


class LSTM(RNNBase):
    r"""Long short-term memory: gates :math:`i, f, g, o` (PyTorch's order) from
    :math:`x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh}`, then
    :math:`c_t = f \odot c_{t-1} + i \odot g` and :math:`h_t = o \odot \tanh(c_t)`.

    Args:
        input_size: the number of features :math:`H_{in}` of each input step.
        hidden_size: the number of features :math:`H_{out}` of the hidden state.
        num_layers: how many recurrent layers are stacked. Default: ``1``
        bias: learn the biases ``b_ih`` and ``b_hh``. Default: ``True``
        batch_first: :math:`(N, L, *)` input and output, not :math:`(L, N, *)`. Default: ``False``
        dropout: dropout on the outputs of all layers but the last, in training. Default: ``0.0``
        bidirectional: run a second stack backwards; :math:`D = 2`, else 1. Default: ``False``
        proj_size: if above 0, :math:`h_t` is projected to this size. Default: ``0``

    Shape (``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``):
        - Input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with ``batch_first``,
          :math:`(L, H_{in})` unbatched, or a ``PackedSequence``.
        - h_0, h_n: :math:`(D \cdot \text{num\_layers}, N, H_{out})`, :math:`H_{out}` being
          ``proj_size`` if set; c_0, c_n: the same with ``hidden_size``; no :math:`N` unbatched.
        - Output: :math:`(L, N, D \cdot H_{out})`.

    Example::

        >>> lstm = nn.LSTM(10, 20, 2)
        >>> output, (hn, cn) = lstm(torch.randn(5, 3, 10))
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(self, input, hx: tuple[Tensor, Tensor] | None = None):
        h0, c0 = hx if hx is not None else (None, None)
        output, h_n, c_n = self._run(input, h0, c0)
        return output, (h_n, c_n)


class GRU(RNNBase):
    r"""Gated recurrent unit: gates :math:`r, z, n` (PyTorch's order),
    :math:`n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))` and
    :math:`h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}`.

    Args:
        input_size: the number of features :math:`H_{in}` of each input step.
        hidden_size: the number of features :math:`H_{out}` of the hidden state.
        num_layers: how many recurrent layers are stacked. Default: ``1``
        bias: learn the biases ``b_ih`` and ``b_hh``. Default: ``True``
        batch_first: :math:`(N, L, *)` input and output, not :math:`(L, N, *)`. Default: ``False``
        dropout: dropout on the outputs of all layers but the last, in training. Default: ``0.0``
        bidirectional: run a second stack backwards; :math:`D = 2`, else 1. Default: ``False``

    Shape (``forward(input, hx=None)`` returns ``(output, h_n)``):
        - Input: :math:`(L, N, H_{in})`, :math:`(N, L, H_{in})` with ``batch_first``,
          :math:`(L, H_{in})` unbatched, or a ``PackedSequence``.
        - hx, h_n: :math:`(D \cdot \text{num\_layers}, N, H_{out})`, no :math:`N` unbatched.
        - Output: :math:`(L, N, D \cdot H_{out})`.

    Example::

        >>> gru = nn.GRU(10, 20, 2)
        >>> output, hn = gru(torch.randn(5, 3, 10), torch.randn(2, 3, 20))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx: Tensor | None = None):
        output, h_n, _ = self._run(input, hx, None)
        return output, h_n


# --- cells -----------------------------------------------------------------------------------


class RNNCellBase(Module):
    r"""The parameters of one recurrent step, shared by :class:`RNNCell`, :class:`LSTMCell` and
    :class:`GRUCell`: ``weight_ih`` :math:`(G \cdot H_{out}, H_{in})`, ``weight_hh``
    :math:`(G \cdot H_{out}, H_{out})` and biases :math:`(G \cdot H_{out})` for :math:`G`
    gates, drawn from :math:`U(-1/\sqrt{\text{hidden\_size}}, 1/\sqrt{\text{hidden\_size}})`.

    Args:
        input_size: :math:`H_{in}`.
        hidden_size: :math:`H_{out}`.
        bias: learn ``bias_ih`` and ``bias_hh``.
        num_chunks: :math:`G`, the number of gates (1, 4 or 3).

    Example::

        >>> cell = nn.RNNCellBase(10, 20, True, 4)
        >>> cell.weight_ih.shape
    """

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:  # fmt: skip
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = num_chunks * hidden_size
        self.weight_ih = Parameter(_creation.empty(gates, input_size, **factory))
        self.weight_hh = Parameter(_creation.empty(gates, hidden_size, **factory))
        if bias:
            self.bias_ih = Parameter(_creation.empty(gates, **factory))
            self.bias_hh = Parameter(_creation.empty(gates, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, input: Tensor, states: list, mode: str):
        """Run one step on batched (B, input_size) input from `states` (h[, c]), None for
        zeros; checks shapes with PyTorch's messages. Returns (h,) or (h, c)."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            states = [s.unsqueeze(0) if s is not None else None for s in states]
        batch = input.shape[0]
        if input.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {input.shape[1]} expected "
                f"{self.input_size}"
            )
        full = []
        for k, state in enumerate(states):
            if state is None:
                state = _creation.zeros(batch, self.hidden_size, dtype=input.dtype,
                                        device=input.device)  # fmt: skip
            elif state.shape[0] != batch:
                raise RuntimeError(
                    f"Input batch size {batch} doesn't match hidden{k} batch size {state.shape[0]}"
                )
            elif state.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{k} has inconsistent hidden_size: got {state.shape[1]}, expected "
                    f"{self.hidden_size}"
                )
            full.append(state)
        c0 = full[1] if mode == "LSTM" else None
        result = RnnLayer.apply(input.contiguous(), full[0], c0, self.weight_ih, self.weight_hh,
                                self.bias_ih, self.bias_hh, None, mode,
                                plan_for((batch,), input.device))  # fmt: skip
        out = result[1:]
        return out if batched else tuple(t.squeeze(0) for t in out)


class RNNCell(RNNCellBase):
    r"""One Elman RNN step: :math:`h' = \tanh(x W_{ih}^T + b_{ih} + h W_{hh}^T + b_{hh})` (or ReLU).

    Args:
        input_size: the number of features :math:`H_{in}` of the input.
        hidden_size: the number of features :math:`H_{out}` of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``. Default: ``True``
        nonlinearity: ``'tanh'`` or ``'relu'``. Default: ``'tanh'``

    Shape (``forward(input, hx=None)``, zeros for a missing ``hx``):
        - Input: :math:`(N, H_{in})` or :math:`(H_{in})`.
        - hx, Output: :math:`(N, H_{out})` or :math:`(H_{out})`.

    Example::

        >>> cell = nn.RNNCell(10, 20)
        >>> hx = torch.randn(3, 20)
        >>> for x in torch.randn(6, 3, 10):
        ...     hx = cell(x, hx)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"RNNCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(input, [hx], mode)[0]


class LSTMCell(RNNCellBase):
    r"""One LSTM step: the gates :math:`i, f, g, o` of :class:`LSTM`, then
    :math:`c' = f \odot c + i \odot g` and :math:`h' = o \odot \tanh(c')`.

    Args:
        input_size: the number of features :math:`H_{in}` of the input.
        hidden_size: the number of features :math:`H_{out}` of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``. Default: ``True``

    Shape (``forward(input, (h, c)=None)`` returns ``(h', c')``; zeros for a missing state):
        - Input: :math:`(N, H_{in})` or :math:`(H_{in})`.
        - h, c, h', c': :math:`(N, H_{out})` or :math:`(H_{out})`.

    Example::

        >>> cell = nn.LSTMCell(10, 20)
        >>> hx, cx = torch.randn(3, 20), torch.randn(3, 20)
        >>> for x in torch.randn(6, 3, 10):
        ...     hx, cx = cell(x, (hx, cx))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None):
        if hx is not None:
            for index, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(
                        f"LSTMCell: Expected hx[{index}] to be 1D or 2D, got {value.dim()}D instead"
                    )
        return self._step(input, list(hx) if hx is not None else [None, None], "LSTM")


class GRUCell(RNNCellBase):
    r"""One GRU step: the gates :math:`r, z, n` of :class:`GRU`, then
    :math:`h' = (1 - z) \odot n + z \odot h`.

    Args:
        input_size: the number of features :math:`H_{in}` of the input.
        hidden_size: the number of features :math:`H_{out}` of the hidden state.
        bias: learn ``bias_ih`` and ``bias_hh``. Default: ``True``

    Shape (``forward(input, hx=None)``, zeros for a missing ``hx``):
        - Input: :math:`(N, H_{in})` or :math:`(H_{in})`.
        - hx, Output: :math:`(N, H_{out})` or :math:`(H_{out})`.

    Example::

        >>> cell = nn.GRUCell(10, 20)
        >>> hx = torch.randn(3, 20)
        >>> for x in torch.randn(6, 3, 10):
        ...     hx = cell(x, hx)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"GRUCell: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        return self._step(input, [hx], "GRU")[0]
