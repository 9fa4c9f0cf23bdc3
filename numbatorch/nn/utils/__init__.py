"""`nn.utils`: gradient clipping and the flat-vector view of parameters."""

from . import rnn
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one 1-D tensor."""
    from ...ops.shape import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D `vec` into the parameters (their data)."""
    offset = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[offset : offset + n].reshape(param.shape).detach().clone()
        offset += n


__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "vector_to_parameters",
    "rnn",
]
