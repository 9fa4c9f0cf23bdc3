"""channel_shuffle: the C channels of (N, C, *) as `groups` rows of C/groups read column by
column (ShuffleNet's shuffle), one autograd node whose backward is the inverse shuffle."""

from __future__ import annotations

from ..autograd.function import BuiltinFunction
from ..tensor import Tensor


def _shuffle(x: Tensor, groups: int) -> Tensor:
    """out[:, j*groups + g] = x[:, g*(C/groups) + j]: a transposing copy (the copy kernel)."""
    n, c = x.shape[:2]
    return x.reshape(n, groups, c // groups, -1).transpose(1, 2).contiguous().reshape(x.shape)


class ChannelShuffle(BuiltinFunction):
    @staticmethod
    def forward(ctx, x, groups):
        ctx.groups = groups
        return _shuffle(x, groups)

    @staticmethod
    def backward(ctx, grad):
        # the inverse of a shuffle in g groups of C/g is the shuffle in C/g groups
        return _shuffle(grad, grad.shape[1] // ctx.groups), None


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Divide the channels of input (N, C, *) into `groups` groups and interleave them."""
    if input.ndim <= 2:
        raise RuntimeError(
            f"channel_shuffle expects input with > 2 dims, but got input with sizes "
            f"{list(input.shape)}"
        )
    if groups <= 0:
        raise RuntimeError(
            f"Number of groups to divide channels in must be positive. Value of groups:{groups}"
        )
    if input.shape[1] % groups:
        raise RuntimeError(
            f"Number of channels must be divisible by groups. Got {input.shape[1]} channels and "
            f"{groups} groups."
        )
    return ChannelShuffle.apply(input, int(groups))


__all__ = ["ChannelShuffle", "channel_shuffle"]
