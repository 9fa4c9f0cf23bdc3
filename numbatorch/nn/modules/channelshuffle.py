"""`ChannelShuffle`: ShuffleNet's regrouping of channels."""

from __future__ import annotations

from .. import functional as F
from .module import Module


class ChannelShuffle(Module):
    """Divides the channels of an :math:`(N, C, *)` input into ``groups`` groups and
    interleaves them: output channel :math:`j g + i` is input channel :math:`i C/g + j`.

    Args:
        groups: the number of groups, which must divide :math:`C`

    Example::

        >>> m = nn.ChannelShuffle(2)
        >>> m(torch.arange(4.0).reshape(1, 4, 1, 1)).flatten()  # tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
