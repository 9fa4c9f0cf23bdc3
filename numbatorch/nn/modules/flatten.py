"""`Flatten` and `Unflatten`: reshape a range of dims into one, and one dim into several."""

from __future__ import annotations

from .module import Module


class Flatten(Module):
    r"""Flattens the dimensions ``start_dim`` to ``end_dim`` into one (a view where the layout
    allows).

    Args:
        start_dim: the first dimension to flatten. Default: 1
        end_dim: the last dimension to flatten. Default: -1

    Shape:
        - Input: :math:`(*, S_{start}, ..., S_{end}, *)`.
        - Output: :math:`(*, \prod S, *)`.

    Example::

        >>> m = nn.Flatten()
        >>> output = m(torch.randn(32, 1, 5, 5))  # (32, 25)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Splits dimension ``dim`` into ``unflattened_size``.

    Args:
        dim: the dimension to split
        unflattened_size: the new sizes (a tuple or list of ints; their product is that dimension's
            size)

    Shape:
        - Input: :math:`(*, S_{dim}, *)`.
        - Output: :math:`(*, U_1, ..., U_n, *)`.

    Example::

        >>> m = nn.Unflatten(1, (2, 5))
        >>> output = m(torch.randn(2, 10))  # (2, 2, 5)
    """

    def __init__(self, dim: int | str, unflattened_size) -> None:
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError(
                "unflattened_size must be tuple of ints, but found type "
                f"{type(unflattened_size).__name__}"
            )
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
