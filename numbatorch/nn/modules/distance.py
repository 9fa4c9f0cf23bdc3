"""Distance layers, thin wrappers over `nn.functional` (PyTorch's torch/nn/modules/distance.py)."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class PairwiseDistance(Module):
    r"""The p-norm distance between rows of x1 and x2 (`F.pairwise_distance`):
    :math:`\lVert x_1 - x_2 + \epsilon \rVert_p` along the last dimension.

    Args:
        p: the norm's order. Default: 2.0
        eps: added to the difference, against a zero norm's gradient. Default: 1e-6
        keepdim: keep the reduced last dimension with size 1. Default: ``False``

    Shape:
        - Input1: :math:`(N, D)` or :math:`(D)`; Input2: broadcastable to it.
        - Output: :math:`(N)` (or :math:`(N, 1)` with ``keepdim``).

    Example::

        >>> pdist = nn.PairwiseDistance(p=2)
        >>> output = pdist(torch.randn(100, 128), torch.randn(100, 128))
    """

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    r"""The cosine similarity of x1 and x2 along `dim` (`F.cosine_similarity`):
    :math:`x_1 \cdot x_2 / \max(\lVert x_1 \rVert \lVert x_2 \rVert, \epsilon)`.

    Args:
        dim: the dimension of the vectors. Default: 1
        eps: the smallest denominator. Default: 1e-8

    Shape:
        - Input1: :math:`(*_1, D, *_2)`; Input2: broadcastable to it.
        - Output: :math:`(*_1, *_2)`.

    Example::

        >>> cos = nn.CosineSimilarity(dim=1)
        >>> output = cos(torch.randn(100, 128), torch.randn(100, 128))
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
