"""Dropout layers: active in training mode only, masks drawn from the global generator."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    function = None

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return type(self).function(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training, zeroes each element with probability ``p`` and scales the rest by
    :math:`1/(1-p)`; the identity in evaluation. Masks come from the global generator
    (``manual_seed``).

    Args:
        p: the probability of zeroing. Default: ``0.5``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.Dropout(p=0.2)
        >>> output = m(torch.randn(20, 16))
    """

    function = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """In training, zeroes whole channels (all of :math:`(N, C)`'s length-L rows) with probability
    ``p``, scaling the rest by :math:`1/(1-p)`.

    Args:
        p: the probability of zeroing. Default: ``0.5``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(N, C, L)` or :math:`(C, L)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.Dropout1d(p=0.2)
        >>> output = m(torch.randn(20, 16, 32))
    """

    function = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """In training, zeroes whole channels (2-D feature maps) with probability ``p``, scaling the
    rest by :math:`1/(1-p)`; PyTorch's warnings for other ranks.

    Args:
        p: the probability of zeroing. Default: ``0.5``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.Dropout2d(p=0.2)
        >>> output = m(torch.randn(20, 16, 32, 32))
    """

    function = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """In training, zeroes whole channels (3-D feature maps) with probability ``p``, scaling the
    rest by :math:`1/(1-p)`.

    Args:
        p: the probability of zeroing. Default: ``0.5``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(N, C, D, H, W)` or :math:`(C, D, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.Dropout3d(p=0.2)
        >>> output = m(torch.randn(20, 16, 4, 32, 32))
    """

    function = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: in training, each element is set with probability ``p`` to
    SELU's negative saturation, then all are mapped affinely so that a zero-mean,
    unit-variance input keeps its mean and variance; the identity in evaluation.

    Args:
        p: the probability of dropping. Default: ``0.5``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(*)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.AlphaDropout(p=0.2)
        >>> output = m(torch.randn(20, 16))
    """

    function = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """``AlphaDropout`` of whole channels: one draw per (sample, channel) pair.

    Args:
        p: the probability of dropping. Default: ``0.5``
        inplace: do the operation in place. Default: ``False``

    Shape:
        - Input: :math:`(N, C, *)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.FeatureAlphaDropout(p=0.2)
        >>> output = m(torch.randn(20, 16, 4, 32, 32))
    """

    function = staticmethod(F.feature_alpha_dropout)
