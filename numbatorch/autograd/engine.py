"""The backward engine: runs graph nodes in dependency order, sums the gradients that
meet at a node, applies hooks, accumulates into leaves' `.grad` (backward) or hands the
gradients of chosen inputs back (`autograd.grad`), and frees the graph afterwards."""

from __future__ import annotations

from . import function as _function
from . import grad_mode
from .function import AccumulateGrad, Node


def _topological_counts(roots: list[Node]) -> dict[Node, int]:
    """How many edges point at each node reachable from `roots`."""
    counts: dict[Node, int] = {}
    seen = set(roots)
    stack = list(roots)
    while stack:
        node = stack.pop()
        for edge in node._edges:
            if edge is None:
                continue
            child = edge[0]
            counts[child] = counts.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return counts


def _accumulate(buffer: list, nr: int, grad) -> None:
    buffer[nr] = grad if buffer[nr] is None else buffer[nr] + grad


def run_backward(
    roots: list,
    grad_roots: list,
    retain_graph: bool,
    create_graph: bool,
    inputs: list | None = None,
    accumulate_into_grad: bool = True,
    allow_unused: bool = True,
) -> list | None:
    """Backpropagate `grad_roots` from tensors `roots`. With `accumulate_into_grad` the
    leaves' `.grad` fields receive the gradients (restricted to `inputs` when given);
    otherwise the gradients of `inputs` are returned (`autograd.grad`)."""
    root_nodes: list[Node] = []
    buffers: dict[Node, list] = {}
    for tensor, grad in zip(roots, grad_roots):
        node = tensor.grad_fn if tensor.grad_fn is not None else tensor._grad_edge()[0]
        if node not in buffers:
            root_nodes.append(node)
            buffers[node] = [None] * max(1, len(node._output_meta))
        nr = tensor._output_nr if tensor.grad_fn is not None else 0
        _accumulate(buffers[node], nr, grad)

    targets: dict[tuple, int] = {}  # (node, output_nr) -> position in `inputs`
    if inputs is not None:
        for i, t in enumerate(inputs):
            if not isinstance(t, _function.Tensor) or not t.requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            targets[t._grad_edge()] = i
    captured: list = [None] * (len(inputs) if inputs is not None else 0)

    counts = _topological_counts(root_nodes)
    ready = [n for n in root_nodes if counts.get(n, 0) == 0]
    state = grad_mode._state
    enabled = state.enabled
    state.enabled = bool(create_graph)  # set_grad_enabled, without a context manager's cost
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node)
            if node._pre_hooks:
                for nr, hooks in node._pre_hooks.items():
                    for hook in hooks:
                        if grads[nr] is not None:
                            result = hook(grads[nr])
                            if result is not None:
                                grads[nr] = result
            if targets:
                for nr, grad in enumerate(grads):
                    position = targets.get((node, nr))
                    if position is not None:
                        captured[position] = grad
            if isinstance(node, AccumulateGrad):
                variable_wanted = inputs is None or (node, 0) in targets
                if accumulate_into_grad and variable_wanted and grads[0] is not None:
                    node.variable._accumulate_grad(grads[0], create_graph)
                continue
            grad_inputs = _call_backward(node, grads)
            if not retain_graph:
                node._release()
            _mark_owned(grads, grad_inputs)
            # leaves ready now are accumulated next, before the walk goes deeper: their
            # post-accumulate hooks (DDP's all-reduce launches) then fire as early as
            # PyTorch's engine fires them
            leaves = None
            for edge, grad in zip(node._edges, grad_inputs):
                if edge is None:
                    continue
                child, nr = edge
                if grad is not None:
                    buffer = buffers.get(child)
                    if buffer is None:
                        buffer = buffers[child] = [None] * max(1, len(child._output_meta))
                    _accumulate(buffer, nr, grad)
                count = counts[child] - 1
                counts[child] = count
                if count == 0:
                    if child in buffers:
                        if isinstance(child, AccumulateGrad):
                            if leaves is None:
                                leaves = [child]
                            else:
                                leaves.append(child)
                        else:
                            ready.append(child)
                    else:  # no gradient reached it: its whole subgraph gets none
                        _skip(child, counts, buffers, ready)
            if leaves is not None:
                ready.extend(leaves)
    finally:
        state.enabled = enabled
    if not accumulate_into_grad:
        if not allow_unused and any(g is None for g in captured):
            raise RuntimeError(
                "One of the differentiated Tensors appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."
            )
        return captured
    return None


def _mark_owned(grads: list, grad_inputs) -> None:
    """Flag the gradients no one else holds: freshly made by this backward (not a view,
    not an incoming gradient passed through) and sent along one edge only. A leaf may
    keep such a gradient as its `.grad` without the defensive copy. Identity tests over
    these few-element lists cost less than building sets of ids."""
    for i, g in enumerate(grad_inputs):
        if g is None or g._base is not None:
            continue
        for incoming in grads:
            if incoming is g:
                break
        else:
            for j, other in enumerate(grad_inputs):
                if other is g and j != i:
                    break
            else:
                g._owned = True


def _skip(node: Node, counts: dict, buffers: dict, ready: list) -> None:
    """Walk past a node that received no gradient, releasing its children's counts."""
    for edge in node._edges:
        if edge is None:
            continue
        child = edge[0]
        counts[child] -= 1
        if counts[child] == 0:
            if child in buffers:
                ready.append(child)
            else:
                _skip(child, counts, buffers, ready)


def _call_backward(node: Node, grads: list) -> tuple:
    if node.materialize_grads and _has_none(grads):
        from ..tensor import zeros

        grads = [
            g if g is not None else zeros(meta[0], dtype=meta[1], device=meta[2])
            for g, meta in zip(grads, node._output_meta)
        ]
    result = node.apply(*grads)
    expected = len(node._edges)
    if len(result) < expected:
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {expected}, got {len(result)})"
        )
    return result


def _has_none(grads: list) -> bool:
    for g in grads:
        if g is None:
            return True
    return False
