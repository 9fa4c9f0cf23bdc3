"""Draw the autograd graph of a computation: `make_dot(loss, params=dict(net.named_parameters()))`
gives DOT text (the counterpart of TensorBoard's `add_graph`); `render` turns it into SVG
or PNG when Graphviz's `dot` program is installed."""

from __future__ import annotations

import shutil
import subprocess

from ..autograd.function import AccumulateGrad
from ..tensor import Tensor


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


def _shape(t: Tensor) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ")"


def make_dot(output, params: dict | None = None) -> Digraph:
    """The backward graph from `output` (a tensor or tuple of tensors): blue boxes are
    parameters (named from `params`), grey boxes the ops, green the outputs."""
    names = {id(p): name for name, p in (params or {}).items()}
    outputs = output if isinstance(output, (tuple, list)) else (output,)
    lines = ['  node [shape=box, style=filled, fontname="monospace", fontsize=10]']
    seen: set[int] = set()

    def node_id(obj) -> str:
        return f"n{id(obj)}"

    def visit(fn) -> None:
        if id(fn) in seen:
            return
        seen.add(id(fn))
        if isinstance(fn, AccumulateGrad):
            var = fn.variable
            label = f"{names.get(id(var), '')}\\n{_shape(var)}".lstrip("\\n")
            lines.append(f'  {node_id(fn)} [label="{label}", fillcolor=lightblue]')
            return
        lines.append(f'  {node_id(fn)} [label="{type(fn).__name__}", fillcolor=lightgrey]')
        for next_fn, _ in fn.next_functions:
            if next_fn is not None:
                visit(next_fn)
                lines.append(f"  {node_id(next_fn)} -> {node_id(fn)}")

    for out in outputs:
        label = f"output\\n{_shape(out)}"
        lines.append(f'  {node_id(out)} [label="{label}", fillcolor=darkolivegreen1]')
        if out.grad_fn is not None:
            visit(out.grad_fn)
            lines.append(f"  {node_id(out.grad_fn)} -> {node_id(out)}")
    return Digraph(lines)
