"""Class indices to vectors: the Embedding Function (rows of a weight matrix, their
gradient scattered back) and one_hot. Indices arrive checked from `nn.functional`."""

from __future__ import annotations

from .. import _creation, _dtype
from ..autograd.function import BuiltinFunction
from ..tensor import Tensor
from .indexing import IndexAdd, IndexSelect


class Embedding(BuiltinFunction):
    """Rows `flat` (checked by `_check_index_range`) of `weight`, shaped `shape` + [dim];
    the row `padding_idx` gets no gradient."""

    @staticmethod
    def forward(ctx, weight, flat, shape, padding_idx):
        ctx.save_for_backward(flat)
        ctx.meta = (weight.shape, padding_idx)
        return IndexSelect.apply(weight, 0, flat).reshape(*shape, weight.shape[1])

    @staticmethod
    def backward(ctx, grad):
        (flat,) = ctx.saved_tensors
        shape, padding_idx = ctx.meta
        rows = grad.reshape(-1, shape[1])
        grad_weight = IndexAdd.apply(grad.new_zeros(shape), 0, flat, rows, True)
        if padding_idx is not None:
            grad_weight = grad_weight.index_fill(0, flat.new_tensor([padding_idx]), 0.0)
        return grad_weight, None, None, None


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    if tensor.dtype is not _dtype.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and int(tensor.min().item()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1 if tensor.numel() else 0
    elif tensor.numel() and int(tensor.max().item()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = _creation.zeros(*tensor.shape, num_classes, dtype=_dtype.int64, device=tensor.device)
    return out.scatter(-1, tensor.unsqueeze(-1), 1)
