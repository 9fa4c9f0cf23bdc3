"""`Parameter`: a Tensor that a Module registers as one of its parameters when assigned
as an attribute; it requires grad by default."""

from __future__ import annotations

from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor sharing `data`'s storage that a Module lists in `parameters()`."""

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            from .._creation import empty

            data = empty(0)
        self._init(data._storage, data._array, data._offset, data.dtype)
        self._base = None
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor.__reduce_ex__(self, protocol), self.requires_grad))


def _rebuild_parameter(reduced, requires_grad: bool) -> Parameter:
    rebuild, args = reduced
    return Parameter(rebuild(*args), requires_grad=requires_grad)
