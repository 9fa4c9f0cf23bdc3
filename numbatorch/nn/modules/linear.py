"""`Linear` (y = x W^T + b) and `Identity`."""

from __future__ import annotations

import math

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments.

    Shape:
        - Input: :math:`(*)`.
        - Output: the input itself.

    Example::

        >>> m = nn.Identity(54, unused_argument=0.1)
        >>> m(torch.randn(128, 20)).shape  # (128, 20)
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    r"""y = x W^T + b, the bias added in the GEMM's output loop.

    Args:
        in_features: the size of each input sample
        out_features: the size of each output sample
        bias: learn an additive bias. Default: ``True``
        device, dtype: where and in what type the parameters are made

    Shape:
        - Input: :math:`(*, H_{in})`, :math:`H_{in}` = ``in_features``.
        - Output: :math:`(*, H_{out})`, :math:`H_{out}` = ``out_features``.
        - ``weight``: :math:`(H_{out}, H_{in})` and ``bias``: :math:`(H_{out})`, both drawn from
          :math:`U(-1/\sqrt{H_{in}}, 1/\sqrt{H_{in}})` as in PyTorch.

    Example::

        >>> m = nn.Linear(20, 30)
        >>> m(torch.randn(128, 20)).shape  # (128, 30)
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(
            _creation.empty(out_features, in_features, device=device, dtype=dtype)
        )
        if bias:
            self.bias = Parameter(_creation.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    r"""A bilinear map of two inputs: :math:`y_o = x_1^T W_o x_2 + b_o` for each output feature.

    Args:
        in1_features: the size of each first input sample.
        in2_features: the size of each second input sample.
        out_features: the size of each output sample.
        bias: if ``False``, the layer learns no additive bias. Default: ``True``

    Attributes:
        weight: shape ``(out_features, in1_features, in2_features)``, drawn from
            :math:`U(-1/\sqrt{\text{in1\_features}}, 1/\sqrt{\text{in1\_features}})`.
        bias: shape ``(out_features)``, drawn from the same range.

    Shape:
        - Input1: :math:`(*, H_{in1})` and Input2: :math:`(*, H_{in2})`, the same
          :math:`*` in both.
        - Output: :math:`(*, H_{out})`.

    Example::

        >>> m = nn.Bilinear(20, 30, 40)
        >>> output = m(torch.randn(128, 20), torch.randn(128, 30))  # (128, 40)
    """

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        factory = {"device": device, "dtype": dtype}
        self.weight = Parameter(
            _creation.empty(out_features, in1_features, in2_features, **factory)
        )
        if bias:
            self.bias = Parameter(_creation.empty(out_features, **factory))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )
