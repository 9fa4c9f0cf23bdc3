"""Activation layers, each a thin wrapper over its `nn.functional` twin."""

from __future__ import annotations

from .. import functional as F
from .attention import MultiheadAttention  # noqa: F401 - where PyTorch defines it
from .module import Module


def _inplace_text(inplace: bool, lead: str = "") -> str:
    return f"{lead}inplace=True" if inplace else ""


class ReLU(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        if min_val >= max_val:
            raise ValueError("min_val cannot be greater than or equal to max_val")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_text(self.inplace, ", ")


class ReLU6(Hardtanh):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace_text(self.inplace, ", ")


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_text(self.inplace, ", ")


class _InplaceActivation(Module):
    function = None

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return type(self).function(input, inplace=self.inplace)

    def extra_repr(self) -> str:
        return _inplace_text(self.inplace)


class SELU(_InplaceActivation):
    function = staticmethod(F.selu)


class SiLU(_InplaceActivation):
    function = staticmethod(F.silu)


class Mish(_InplaceActivation):
    function = staticmethod(F.mish)


class Hardsigmoid(_InplaceActivation):
    function = staticmethod(F.hardsigmoid)


class Hardswish(_InplaceActivation):
    function = staticmethod(F.hardswish)


class GELU(Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _Plain(Module):
    function = None

    def forward(self, input):
        return type(self).function(input)


class Sigmoid(_Plain):
    function = staticmethod(F.sigmoid)


class Tanh(_Plain):
    function = staticmethod(F.tanh)


class LogSigmoid(_Plain):
    function = staticmethod(F.logsigmoid)


class Softsign(_Plain):
    function = staticmethod(F.softsign)


class _SoftmaxBase(Module):
    function = None

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return type(self).function(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    function = staticmethod(F.softmax)


class LogSoftmax(_SoftmaxBase):
    function = staticmethod(F.log_softmax)


class Softmin(_SoftmaxBase):
    function = staticmethod(F.softmin)
