"""`export`: trace the model, translate each recorded op (`_ops.TRANSLATORS`) into ONNX
nodes through `_Builder`, check the model with `onnx.checker` and write it."""

from __future__ import annotations

import os
import warnings
from typing import IO, Any

import numpy as np

from .. import _trace
from ..autograd import grad_mode
from ..tensor import Tensor
from .errors import OnnxExporterError, OnnxExporterWarning, UnsupportedOperatorError

_MIN_OPSET = 13  # Squeeze/Unsqueeze/ReduceSum take their axes as inputs from 13 on


class _Builder:
    """The ONNX graph under construction: nodes, initializers and the name of each traced
    Value. Translators call `name`, `constant`, `cast` and `op`."""

    def __init__(self, opset: int) -> None:
        import onnx

        self.onnx = onnx
        self.opset = opset
        self.nodes: list = []
        self.initializers: dict[str, Any] = {}
        self.names: dict[_trace.Value, str] = {}
        self._small: dict[tuple, str] = {}
        self._count = 0

    def fresh(self, hint: str) -> str:
        self._count += 1
        return f"/{hint}_{self._count}"

    def name(self, value: _trace.Value) -> str:
        if value not in self.names:
            producer = value.producer
            raise OnnxExporterError(
                f"ONNX export: output {producer.outputs.index(value)} of "
                f"'numbatorch::{producer.op}' has no ONNX equivalent (e.g. the indices of "
                "max_pool2d) and cannot be used by the exported graph"
            )
        return self.names[value]

    def constant(self, array) -> str:
        from onnx import numpy_helper

        array = np.asarray(array, order="C")  # (np.ascontiguousarray makes 0-d arrays 1-d)
        small = array.size <= 16  # scalars, shapes and axes: one initializer per value
        key = (array.dtype.str, array.shape, array.tobytes()) if small else None
        if key in self._small:
            return self._small[key]
        name = self.fresh("Constant")
        self.initializers[name] = numpy_helper.from_array(array, name)
        if small:
            self._small[key] = name
        return name

    def known(self, value: _trace.Value):
        """The array of a Value exported as an initializer (a constant, or computed ahead
        by constant folding), else None."""
        tensor = self.initializers.get(self.names.get(value))
        return None if tensor is None else self.onnx.numpy_helper.to_array(tensor)

    def ints(self, values) -> str:
        """A 1-D int64 constant (shapes, axes, pads given as inputs)."""
        return self.constant(np.array(list(values), dtype=np.int64))

    def op(self, op_type: str, inputs: list, outputs: int = 1, **attributes):
        """Appends one node; returns its output name (a list of them when outputs > 1)."""
        names = [self.fresh(f"{op_type}_output") for _ in range(outputs)]
        node = self.onnx.helper.make_node(
            op_type, list(inputs), names, name=self.fresh(op_type), **attributes
        )
        self.nodes.append(node)
        return names if outputs > 1 else names[0]

    def cast(self, name: str, source, target) -> str:
        """`name` (of numbatorch dtype `source`) converted to `target`."""
        if source is target:
            return name
        return self.op("Cast", [name], to=onnx_type(self.onnx, target))

    def operand(self, item, dtype) -> str:
        """A Value or a Python scalar as an ONNX name in `dtype` (scalars: 0-d constants)."""
        if isinstance(item, _trace.Value):
            return self.cast(self.name(item), item.dtype, dtype)
        return self.constant(np.array(item, dtype=dtype.numpy))

    def reduce_axes(self, op_type: str, x: str, axes, keepdims: bool, inputs_from: int) -> str:
        """A Reduce* node: `axes` became an input at opset `inputs_from` (13 for
        ReduceSum, 18 for the others)."""
        if self.opset >= inputs_from:
            return self.op(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.op(op_type, [x], axes=list(axes), keepdims=int(keepdims))


def onnx_type(onnx, dtype) -> int:
    return onnx.helper.np_dtype_to_tensor_dtype(dtype.numpy)


def _as_tuple(args) -> tuple:
    if isinstance(args, Tensor):
        return (args,)
    if isinstance(args, (tuple, list)):
        for i, a in enumerate(args):
            if not isinstance(a, Tensor):
                raise TypeError(
                    f"export: args[{i}] must be a Tensor, not {type(a).__name__} (only "
                    "tensor arguments can be exported)"
                )
        return tuple(args)
    raise TypeError(
        f"export: args must be a Tensor or a tuple of Tensors, not {type(args).__name__}"
    )


def _names(given, count: int, default: str, what: str) -> list[str]:
    given = list(given or [])
    if len(given) > count:
        raise RuntimeError(
            f"number of {what} names provided ({len(given)}) exceeded number of {what}s ({count})"
        )
    if count == 1 and not given:
        return [default]
    return given + [f"{default}_{i}" for i in range(len(given), count)]


def _dynamic_dims(dynamic_axes, names: list[str]) -> dict[str, dict[int, str]]:
    """dynamic_axes as {name: {dim: symbol}}; a list of dims gets PyTorch's symbols
    ``<name>_dynamic_axes_<k>``."""
    result = {}
    for key, axes in (dynamic_axes or {}).items():
        if key not in names:
            warnings.warn(
                f"Provided key {key} for dynamic axes is not a valid input/output name",
                stacklevel=3,
            )
            continue
        if isinstance(axes, dict):
            result[key] = {int(d): str(symbol) for d, symbol in axes.items()}
        else:
            result[key] = {int(d): f"{key}_dynamic_axes_{k + 1}" for k, d in enumerate(axes)}
    return result


def _live_nodes(graph: _trace.Graph) -> list:
    """The nodes some output depends on, in order (a trace also records ops whose results
    served only Python-side checks, such as an index range check's min and max)."""
    needed = {v for v in graph.outputs}
    live = []
    for node in reversed(graph.nodes):
        if any(v in needed for v in node.outputs if isinstance(v, _trace.Value)):
            live.append(node)
            needed.update(node.inputs)
    return live[::-1]


def _fold_constants(nodes: list, foldable_kinds: tuple) -> tuple[list, dict, set]:
    """Runs ahead of time each node whose inputs are all known (constants, and parameters
    when they are exported with the model): returns the nodes left, the values computed
    (numpy arrays by Value) and those among them that derive from a `computed` constant."""
    known: dict = {}
    derived = set()
    left = []
    for node in nodes:
        if node.inputs and all(v.kind in foldable_kinds or v in known for v in node.inputs):
            with grad_mode.no_grad():
                outputs = [v for v in node.outputs if isinstance(v, _trace.Value)]
                known.update(zip(outputs, node.run(known)))
            if any(v.computed or v in derived for v in node.inputs):
                derived.update(outputs)
        else:
            left.append(node)
    return left, {v: t.detach().cpu().numpy() for v, t in known.items()}, derived


def _prune(nodes: list, outputs: list[str]) -> list:
    """The ONNX nodes the outputs need (translators may leave some unused)."""
    needed = set(outputs)
    kept = []
    for node in reversed(nodes):
        if any(name in needed for name in node.output):
            kept.append(node)
            needed.update(node.input)
    return kept[::-1]


def export(
    model,
    args,
    f: str | os.PathLike | IO[bytes],
    *,
    input_names: list[str] | None = None,
    output_names: list[str] | None = None,
    dynamic_axes: dict[str, dict[int, str] | list[int]] | None = None,
    opset_version: int = 17,
    do_constant_folding: bool = True,
    export_params: bool = True,
    verbose: bool = False,
) -> None:
    """Exports ``model`` to ONNX by running it once on ``args`` (a tensor or a tuple of
    them) in eval mode and translating the ops it ran; writes the model to ``f`` (a path or
    a binary file object). ``input_names``/``output_names`` name the graph's inputs and
    outputs (default ``input``/``output``, ``_<i>`` appended when there are several);
    ``dynamic_axes`` maps such a name to the dims (a list, or {dim: symbol}) that stay
    symbolic. Reshapes keep a leading (batch) dim dynamic: copied when the traced size is
    unchanged, else inferred. ``export_params=False`` makes the parameters graph inputs
    instead of initializers; ``do_constant_folding`` computes ops on known tensors ahead.
    ``verbose`` prints the exported graph. An op without an ONNX translation raises
    `errors.UnsupportedOperatorError` naming it."""
    import onnx

    from ._ops import translator_for

    if not _MIN_OPSET <= opset_version <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"Unsupported ONNX opset version: {opset_version}. Supported versions are "
            f"{_MIN_OPSET} to {onnx.defs.onnx_opset_version()}"
        )
    graph = _trace_in_eval(model, _as_tuple(args))
    in_names = _names(input_names, len(graph.inputs), "input", "input")
    out_names = _names(output_names, len(graph.outputs), "output", "output")
    dynamic = _dynamic_dims(dynamic_axes, in_names + out_names)

    builder = _Builder(opset_version)
    graph_inputs = []
    for value, name in zip(graph.inputs, in_names):
        builder.names[value] = name
        graph_inputs.append(_value_info(onnx, name, value, dynamic.get(name, {})))
    nodes = _live_nodes(graph)
    folded, derived = {}, set()
    if do_constant_folding:
        kinds = ("constant", "parameter") if export_params else ("constant",)
        nodes, folded, derived = _fold_constants(nodes, kinds)
    used = {v for node in nodes for v in node.inputs} | set(graph.outputs)
    graph_inputs += _bind_leaves(builder, graph, used, folded, model, export_params)
    for node in nodes:
        translate = translator_for(node.function)
        if translate is None:
            raise UnsupportedOperatorError(f"numbatorch::{node.op}", opset_version, None)
        names = translate(builder, node)
        names = names if isinstance(names, (tuple, list)) else (names,)
        for value, name in zip(node.outputs, names):
            if isinstance(value, _trace.Value) and name is not None:
                builder.names[value] = name
    _name_outputs(builder, graph.outputs, out_names)
    nodes_out = _prune(builder.nodes, out_names)
    needed = {name for node in nodes_out for name in node.input} | set(out_names)
    # only what the exported graph reads: a translator may leave a constant out (the zero
    # initial state of a recurrent layer, ONNX's default)
    for value in used:
        if (value.computed or value in derived) and builder.names.get(value) in needed:
            warnings.warn(
                f"numbatorch.onnx.export: a {value.dtype.name} tensor of shape "
                f"{list(value.shape)} that the model computed outside the ops a trace records "
                "(a comparison, a factory such as zeros, a value from .item()) is exported as "
                "a constant: the exported model does not recompute it from its inputs",
                OnnxExporterWarning,
                stacklevel=2,
            )
    initializers = [t for name, t in builder.initializers.items() if name in needed]
    outputs = _output_infos(onnx, builder, nodes_out, graph_inputs, initializers, graph,
                            out_names, dynamic, opset_version)  # fmt: skip
    proto = onnx.helper.make_graph(
        nodes_out, type(model).__name__, graph_inputs, outputs, initializer=initializers
    )
    model_proto = onnx.helper.make_model(
        proto,
        opset_imports=[onnx.helper.make_opsetid("", opset_version)],
        producer_name="numbatorch",
    )
    onnx.checker.check_model(model_proto)
    if verbose:
        print(_describe(onnx, model_proto.graph))
    onnx.save_model(model_proto, f)


_exporting = False


def is_in_onnx_export() -> bool:
    """True while `export` runs the model (a forward may take another path for export)."""
    return _exporting


def _trace_in_eval(model, args: tuple) -> _trace.Graph:
    """The trace of ``model(*args)`` under no_grad with every submodule in eval mode
    (PyTorch's TrainingMode.EVAL), each one's mode restored afterwards."""
    modules = list(model.modules()) if hasattr(model, "modules") else []
    modes = [m.training for m in modules]
    for m in modules:
        m.training = False
    global _exporting
    _exporting = True
    try:
        with grad_mode.no_grad():
            if hasattr(model, "named_parameters"):
                return _trace.trace_module(model, args)[0]
            return _trace.trace(model, args)[0]
    finally:
        _exporting = False
        for m, mode in zip(modules, modes):
            m.training = mode


def _bind_leaves(builder: _Builder, graph, used: set, folded: dict, model, export_params):
    """Names the parameters, constants and folded values the nodes read: initializers (a
    parameter under its state_dict key), or with ``export_params=False`` the parameters
    as graph inputs, whose value infos are returned."""
    onnx = builder.onnx
    inputs = []
    # parameters in state_dict order, the rest in the order the trace met them
    order = {name: i for i, name in enumerate(getattr(model, "state_dict", dict)())}
    for value in sorted(graph.values, key=lambda v: order.get(v.name, len(order))):
        if value not in used or value in builder.names:
            continue
        if value in folded:
            builder.names[value] = builder.constant(folded[value])
        elif value.kind == "parameter":
            builder.names[value] = value.name
            if export_params:
                array = np.asarray(value.tensor.detach().cpu().numpy(), order="C")
                builder.initializers[value.name] = onnx.numpy_helper.from_array(array, value.name)
            else:
                inputs.append(_value_info(onnx, value.name, value, {}))
        elif value.kind == "constant":
            array = value.tensor.detach().cpu().numpy()
            builder.names[value] = builder.constant(array)
    return inputs


def _describe(onnx, graph) -> str:
    """The graph one node a line, initializers by shape only (onnx.printer prints their
    values)."""

    def typed(info) -> str:
        dims = [d.dim_param or str(d.dim_value) for d in info.type.tensor_type.shape.dim]
        return f"%{info.name}[{'x'.join(dims)}]"

    lines = [f"graph {graph.name}(" + ", ".join(typed(i) for i in graph.input) + "):"]
    lines += [f"  %{t.name}: initializer{list(t.dims)}" for t in graph.initializer]
    for node in graph.node:
        attributes = ", ".join(
            f"{a.name}={onnx.helper.get_attribute_value(a)}" for a in node.attribute
        )
        inputs = ", ".join(f"%{name}" for name in node.input)
        lines.append(f"  %{', %'.join(node.output)} = {node.op_type}[{attributes}]({inputs})")
    lines.append("  return " + ", ".join(typed(o) for o in graph.output))
    return "\n".join(lines)


def _value_info(onnx, name: str, value: _trace.Value, symbols: dict[int, str]):
    dims = [symbols.get(d, n) for d, n in enumerate(value.shape)]
    return onnx.helper.make_tensor_value_info(name, onnx_type(onnx, value.dtype), dims)


def _name_outputs(builder: _Builder, values: list, names: list[str]) -> None:
    """Renames the node output behind each graph output to the output's name; an output
    that is a graph input, an initializer or an earlier output gets an Identity."""
    produced = {out: node for node in builder.nodes for out in node.output}
    taken = set()
    for value, name in zip(values, names):
        current = builder.name(value)
        node = produced.get(current)
        if node is None or current in taken:
            builder.nodes.append(
                builder.onnx.helper.make_node(
                    "Identity", [current], [name], name=f"/Identity_{name}"
                )
            )
            continue
        for other in builder.nodes:
            for i, x in enumerate(other.input):
                if x == current:
                    other.input[i] = name
        node.output[list(node.output).index(current)] = name
        builder.names[value] = name
        taken.add(name)


def _output_infos(onnx, builder, nodes, inputs, initializers, graph, names, dynamic, opset):
    """Output types with the shapes ONNX infers (symbolic where the inputs' are), the
    traced sizes where it infers none, and the requested dynamic axes on top."""
    bare = [
        onnx.helper.make_tensor_value_info(name, onnx_type(onnx, v.dtype), None)
        for v, name in zip(graph.outputs, names)
    ]
    probe = onnx.helper.make_model(
        onnx.helper.make_graph(nodes, "probe", inputs, bare, initializer=initializers),
        opset_imports=[onnx.helper.make_opsetid("", opset)],
    )
    inferred = {}
    try:
        for info in onnx.shape_inference.infer_shapes(probe).graph.output:
            if info.type.tensor_type.HasField("shape"):
                inferred[info.name] = [
                    d.dim_param if d.HasField("dim_param") else d.dim_value
                    if d.HasField("dim_value") else None
                    for d in info.type.tensor_type.shape.dim
                ]  # fmt: skip
    except onnx.shape_inference.InferenceError:
        pass
    infos = []
    for value, name in zip(graph.outputs, names):
        dims = inferred.get(name)
        if dims is None or len(dims) != len(value.shape):
            dims = list(value.shape)
        for d, symbol in dynamic.get(name, {}).items():
            dims[d] = symbol
        infos.append(onnx.helper.make_tensor_value_info(name, onnx_type(onnx, value.dtype), dims))
    return infos
