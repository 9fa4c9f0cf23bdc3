"""Draw the autograd graph of a computation: `make_dot(loss, params=dict(net.named_parameters()))`
gives DOT text (the counterpart of TensorBoard's `add_graph`); `render` turns it into SVG
or PNG when Graphviz's `dot` program is installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import NamedTuple

from ..autograd.function import AccumulateGrad


class Digraph:
    """DOT source of a graph, with `source`, `save` and `render`."""

    def __init__(self, lines: list[str]) -> None:
        self.source = "\n".join(["digraph {", *lines, "}"]) + "\n"

    def __str__(self) -> str:
        return self.source

    def save(self, filename: str) -> str:
        with open(filename, "w") as f:
            f.write(self.source)
        return filename

    def render(self, filename: str, format: str = "png") -> str:  # noqa: A002
        """Write `filename.<format>` with Graphviz; raises RuntimeError when `dot` is absent."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError(
                "Graphviz's `dot` program is not installed (apt-get install graphviz); "
                "use Digraph.save() to keep the DOT text."
            )
        target = f"{filename}.{format}"
        subprocess.run([dot, f"-T{format}", "-o", target], input=self.source.encode(), check=True)
        return target


class GraphNode(NamedTuple):
    """A node of the backward graph: `kind` is "parameter" (a leaf tensor, `name` from
    `params`, '' when absent), "op" (a grad_fn, `name` its class name) or "output"."""

    key: int  # unique while the graph lives: the id of its grad_fn, leaf node or output
    kind: str
    name: str
    shape: tuple | None  # known for parameters and outputs


def autograd_graph(output, params: dict | None = None) -> Iterator[GraphNode | tuple[int, int]]:
    """The backward graph from `output` (a tensor or tuple of tensors), depth first: each
    node once, and each edge as (key of the input's node, key of its consumer's node)
    after both of its nodes. `make_dot` and TensorBoard's `add_graph` draw it."""
    names = {id(p): name for name, p in (params or {}).items()}
    outputs = output if isinstance(output, (tuple, list)) else (output,)
    seen: set[int] = set()

    def visit(fn) -> Iterator[GraphNode | tuple[int, int]]:
        if id(fn) in seen:
            return
        seen.add(id(fn))
        if isinstance(fn, AccumulateGrad):
            var = fn.variable
            yield GraphNode(id(fn), "parameter", names.get(id(var), ""), tuple(var.shape))
            return
        yield GraphNode(id(fn), "op", type(fn).__name__, None)
        for next_fn, _ in fn.next_functions:
            if next_fn is not None:
                yield from visit(next_fn)
                yield (id(next_fn), id(fn))

    for out in outputs:
        yield GraphNode(id(out), "output", "output", tuple(out.shape))
        if out.grad_fn is not None:
            yield from visit(out.grad_fn)
            yield (id(out.grad_fn), id(out))


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ")"


_FILL = {"parameter": "lightblue", "op": "lightgrey", "output": "darkolivegreen1"}


def make_dot(output, params: dict | None = None) -> Digraph:
    """The backward graph from `output` (a tensor or tuple of tensors): blue boxes are
    parameters (named from `params`), grey boxes the ops, green the outputs."""
    lines = ['  node [shape=box, style=filled, fontname="monospace", fontsize=10]']
    for item in autograd_graph(output, params):
        if isinstance(item, GraphNode):
            label = item.name
            if item.shape is not None:
                label = f"{label}\\n{_shape(item.shape)}" if label else _shape(item.shape)
            lines.append(f'  n{item.key} [label="{label}", fillcolor={_FILL[item.kind]}]')
        else:
            lines.append(f"  n{item[0]} -> n{item[1]}")
    return Digraph(lines)
