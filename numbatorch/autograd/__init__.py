"""Automatic differentiation: `backward`, `grad`, `Function`, grad modes, `gradcheck`."""

from __future__ import annotations

from . import function as _function
from .engine import run_backward
from .function import Function, Node, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck


def _make_grads(outputs, grad_outputs, create_graph):
    from .._creation import ones_like

    grads = []
    for out, grad in zip(outputs, grad_outputs):
        if grad is None:
            if not out.requires_grad:
                raise RuntimeError(
                    "element 0 of tensors does not require grad and does not have a grad_fn"
                )
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            grads.append(ones_like(out))  # a fresh tensor: nothing to detach
            continue
        if grad.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {grad.shape} and output[0] "
                f"has a shape of {out.shape}."
            )
        elif not out.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn"
            )
        grads.append(grad if create_graph else grad.detach())
    return grads


def _as_list(value):
    if value is None:
        return None
    return [value] if isinstance(value, _function.Tensor) else list(value)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of `tensors` into the `.grad` of the graph's leaves."""
    tensors = _as_list(tensors)
    grad_tensors = _as_list(grad_tensors) or [None] * len(tensors)
    retain_graph = create_graph if retain_graph is None else retain_graph
    grads = _make_grads(tensors, grad_tensors, create_graph)
    run_backward(tensors, grads, retain_graph, create_graph, inputs=_as_list(inputs))


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """The gradients of `outputs` with respect to `inputs`, without touching `.grad`."""
    outputs = _as_list(outputs)
    inputs_list = _as_list(inputs)
    grad_outputs = _as_list(grad_outputs) or [None] * len(outputs)
    retain_graph = create_graph if retain_graph is None else retain_graph
    grads = _make_grads(outputs, grad_outputs, create_graph)
    result = run_backward(
        outputs,
        grads,
        retain_graph,
        create_graph,
        inputs=inputs_list,
        accumulate_into_grad=False,
        allow_unused=bool(allow_unused) or materialize_grads,
    )
    if materialize_grads:
        from .._creation import zeros_like

        result = [g if g is not None else zeros_like(i) for g, i in zip(result, inputs_list)]
    return tuple(result)


def Variable(data, requires_grad: bool = False, volatile: bool = False):  # noqa: N802
    """The legacy wrapper: returns the tensor itself, as PyTorch does since 0.4."""
    if requires_grad:
        data.requires_grad_(True)
    return data


__all__ = [
    "Function",
    "GradcheckError",
    "Node",
    "Variable",
    "backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "no_grad",
    "once_differentiable",
    "set_grad_enabled",
]
