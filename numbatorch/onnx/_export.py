"""`export`: trace the model, translate each recorded op (`_ops.TRANSLATORS`) into ONNX
nodes through `_Builder`, check the model with `onnx.checker` and write it. With dynamic
axes the model is traced again at other sizes of them, and each size a translator reads
is a constant where the two traces agree, else computed from the runtime shapes
(`_Builder.sizes`); both traces must translate to the same ONNX graph."""

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
    Value. Translators call `name`, `constant`, `cast` and `op`, and `sizes` (or `size`)
    for each size they read off a traced shape."""

    def __init__(self, opset: int, pairs: dict | None = None, twin_arrays=None) -> None:
        import onnx

        self.onnx = onnx
        self.opset = opset
        self.nodes: list = []
        self.initializers: dict[str, Any] = {}
        self.names: dict[_trace.Value, str] = {}
        self._small: dict[tuple, str] = {}
        self._count = 0
        # with dynamic axes: each Value and Node of this trace -> its twin in the trace at
        # other sizes of those axes, and the twin trace's known arrays (see `sizes`)
        self.pairs = pairs or {}
        self.twin_arrays = twin_arrays or {}
        self.inputs: list[_trace.Value] = []  # the graph's inputs, where sizes are read
        self.arrays: dict[_trace.Value, Any] = {}  # constants bound other than as initializers
        self.leaves: dict[str, int] = {}  # initializer name -> index of the Value it holds
        self.varying: dict[str, tuple] = {}  # constant read in -> (Value, its twin's shape)
        self.recomputed: set[_trace.Value] = set()  # constants remade from runtime shapes
        self.origins: list = []  # the traced Node each ONNX node translates (None: a leaf)
        self._sizes: dict[tuple, str] = {}
        self._shapes: dict[_trace.Value, str] = {}

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
        by constant folding), else None; the same for a Value of the twin trace."""
        if value in self.twin_arrays:
            return self.twin_arrays[value]
        if value in self.arrays:
            return self.arrays[value]
        tensor = self.initializers.get(self.names.get(value))
        return None if tensor is None else self.onnx.numpy_helper.to_array(tensor)

    def twin(self, item):
        """The Value or Node of the trace at other sizes of the dynamic axes that matches
        `item`; `item` itself when no axis is dynamic."""
        return self.pairs.get(item, item)

    def sizes(self, node, sizes_of, infer: bool = False) -> str:
        """A 1-D int64 tensor of the sizes `sizes_of(node)` reads off traced shapes (a
        Reshape target, an Expand shape): constants where the trace at other sizes of the
        dynamic axes (`sizes_of(twin node)`) gives the same, else computed from the
        runtime shapes; with `infer` a single such size is -1 (Reshape infers it)."""
        return self.shape_of(list(sizes_of(node)), list(sizes_of(self.twin(node))),
                             node.inputs, f"'numbatorch::{node.op}'", infer)  # fmt: skip

    def shape_of(self, traced: list, other: list, near: list, what: str, infer=False) -> str:
        """`sizes` for the sizes `traced` that are `other` in the twin trace; `near` are
        the Values where a size is looked for first, `what` names the user in errors."""
        varying = [i for i, (a, c) in enumerate(zip(traced, other)) if a != c]
        if len(traced) != len(other) or (infer and len(varying) == 1):
            traced = [-1 if i in varying else n for i, n in enumerate(traced)]
            return self.ints(traced)  # (a rank that differs: the twin build will not match)
        return self.vector([a if a == c else self.size(a, c, near, what)
                            for a, c in zip(traced, other)])  # fmt: skip

    def vector(self, entries: list) -> str:
        """A 1-D int64 tensor of ints and 1-element int64 tensors (ONNX names)."""
        pieces, run = [], []
        for entry in entries:
            if not isinstance(entry, str):
                run.append(entry)
                continue
            if run:
                pieces.append(self.ints(run))
                run = []
            pieces.append(entry)
        if run or not pieces:
            pieces.append(self.ints(run))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", pieces, axis=0)

    def size(self, traced: int, other: int, near: list, what: str) -> str:
        """A 1-element int64 tensor of the size that is `traced` here and `other` in the
        twin trace: dim k of a Value whose size there is the same in both traces (a
        Value in `near`, else a graph input), a whole multiple of one (batch * heads),
        one plus an offset (seq - 1), or a product of two."""
        key = (traced, other)
        if key not in self._sizes:
            found = self._find_size(traced, other, near)
            if found is None:
                raise OnnxExporterError(
                    f"ONNX export: {what} uses the size {traced}, which is {other} when the "
                    "dynamic axes take other sizes, but no size of its inputs or of the graph's "
                    "inputs (nor a multiple, an offset or a product of them) follows it: it "
                    "cannot be exported with those axes dynamic"
                )
            self._sizes[key] = found
        return self._sizes[key]

    def _find_size(self, traced: int, other: int, near: list) -> str | None:
        dims = []  # (Value, dim, traced size, twin size) of each dim that varies
        for value in dict.fromkeys([*near, *self.inputs]):
            if value in self.names:
                twin_shape = self.twin(value).shape
                dims += [(value, k, a, c) for k, (a, c) in enumerate(zip(value.shape, twin_shape))
                         if a != c]  # fmt: skip
        for value, k, a, c in dims:
            if (a, c) == (traced, other):
                return self._dim(value, k)
        for value, k, a, c in dims:
            if a and c and traced % a == 0 and other % c == 0 and traced // a == other // c:
                return self.op("Mul", [self._dim(value, k), self.ints([traced // a])])
        for value, k, a, c in dims:
            if traced - a == other - c:
                return self.op("Add", [self._dim(value, k), self.ints([traced - a])])
        for i, (value, k, a, c) in enumerate(dims):
            for value2, k2, a2, c2 in dims[i:]:
                if a * a2 == traced and c * c2 == other:
                    return self.op("Mul", [self._dim(value, k), self._dim(value2, k2)])
        return None

    def _dim(self, value: _trace.Value, k: int) -> str:
        if value not in self._shapes:
            self._shapes[value] = self.op("Shape", [self.name(value)])
        return self.op("Gather", [self._shapes[value], self.ints([k])], axis=0)

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


def _fold_constants(nodes: list, foldable_kinds: tuple, varying: set) -> tuple:
    """Runs ahead of time each node whose inputs are all known (constants, and parameters
    when they are exported with the model): returns the nodes left, the values computed
    (numpy arrays by Value), those among them that derive from a `computed` constant, and
    the arrays of the nodes on `varying` Values (of a shape that follows a dynamic axis),
    which are computed for translators to read but stay in the graph, to run on the
    runtime shapes."""
    known: dict = {}
    derived = set()
    left, kept = [], set()
    for node in nodes:
        if node.inputs and all(v.kind in foldable_kinds or v in known for v in node.inputs):
            with grad_mode.no_grad():
                outputs = [v for v in node.outputs if isinstance(v, _trace.Value)]
                known.update(zip(outputs, node.run(known)))
            if any(v.computed or v in derived for v in node.inputs):
                derived.update(outputs)
            if any(v in varying or v in kept for v in node.inputs):
                left.append(node)
                kept.update(outputs)
        else:
            left.append(node)
    arrays = {v: t.detach().cpu().numpy() for v, t in known.items()}
    folded = {v: a for v, a in arrays.items() if v not in kept}
    return left, folded, derived - kept, arrays


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
    symbolic: the model is traced a second time with those input dims at other sizes, and
    the sizes that change between the two traces (reshape targets, slice bounds, expand
    shapes...) are computed from the runtime shapes; a model whose ops, or a constant it
    reads, depend on those sizes otherwise raises `errors.OnnxExporterError` naming it.
    Dims that must stay equal (the batch of a query and of its key) need one symbol.
    ``export_params=False`` makes the parameters graph inputs
    instead of initializers; ``do_constant_folding`` computes ops on known tensors ahead.
    ``verbose`` prints the exported graph. An op without an ONNX translation raises
    `errors.UnsupportedOperatorError` naming it."""
    import onnx

    if not _MIN_OPSET <= opset_version <= onnx.defs.onnx_opset_version():
        raise ValueError(
            f"Unsupported ONNX opset version: {opset_version}. Supported versions are "
            f"{_MIN_OPSET} to {onnx.defs.onnx_opset_version()}"
        )
    args = _as_tuple(args)
    graph = _trace_in_eval(model, args)
    in_names = _names(input_names, len(graph.inputs), "input", "input")
    out_names = _names(output_names, len(graph.outputs), "output", "output")
    dynamic = _dynamic_dims(dynamic_axes, in_names + out_names)
    kinds = ("constant", "parameter") if export_params else ("constant",)
    folding = kinds if do_constant_folding else None
    graph_inputs = [
        _value_info(onnx, name, value, dynamic.get(name, {}))
        for value, name in zip(graph.inputs, in_names)
    ]

    twin = _trace_at_other_sizes(model, args, in_names, dynamic)
    pairs, twin_arrays, varying = {}, {}, set()
    if twin is not None:
        pairs = _pair(graph, twin)
        varying = {v for v in graph.values if v.shape != pairs[v].shape}
        twin_prepared = _prepare(twin, folding, {pairs[v] for v in varying})
        twin_arrays = _arrays(twin, twin_prepared, kinds)
    prepared = _prepare(graph, folding, varying)
    builder = _build(graph, prepared, in_names, pairs, twin_arrays, model, export_params,
                     graph_inputs, opset_version)  # fmt: skip
    if twin is not None:
        # the same translation of the twin trace must give the same ONNX graph: where it
        # does not, a translator read a size of a dynamic axis as a constant
        inverse = {b: a for a, b in pairs.items()}
        twin_builder = _build(twin, twin_prepared, in_names, inverse,
                              _arrays(graph, prepared, kinds), model, export_params, [],
                              opset_version)  # fmt: skip
        _check_same_onnx(builder, twin_builder)
    nodes, _, derived, _ = prepared
    used = {v for node in nodes for v in node.inputs} | set(graph.outputs)
    _name_outputs(builder, graph.outputs, out_names)
    nodes_out = _prune(builder.nodes, out_names)
    needed = {name for node in nodes_out for name in node.input} | set(out_names)
    for name, (value, twin_shape) in builder.varying.items():
        if name in needed:
            raise OnnxExporterError(
                f"ONNX export: a {value.dtype.name} tensor of shape {list(value.shape)} that the "
                "model computed outside the ops a trace records (a tensor of a Python list, a "
                "comparison, a value from .item()) has shape "
                f"{list(twin_shape)} when the dynamic axes take other sizes: the exported model "
                "cannot recompute it from its inputs"
            )
    # only what the exported graph reads: a translator may leave a constant out (the zero
    # initial state of a recurrent layer, ONNX's default)
    for value in used:
        # (a factory's fill or arange remade from the runtime shape is no constant; a bool
        # one is a comparison's result, which may depend on the values)
        if value in builder.recomputed and value.dtype.name != "bool":
            continue
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


def _build(graph, prepared, in_names, pairs, twin_arrays, model, export_params, graph_inputs,
           opset) -> _Builder:  # fmt: skip
    """Translates `graph`'s nodes `prepared` (`_prepare`) into a `_Builder` and returns it;
    parameters made graph inputs are appended to `graph_inputs`. `pairs` maps `graph`'s
    Values and Nodes to those of the trace at other sizes of the dynamic axes (empty when
    there is none), `twin_arrays` that trace's known arrays (`_arrays`)."""
    from ._ops import translator_for

    builder = _Builder(opset, pairs, twin_arrays)
    for value, name in zip(graph.inputs, in_names):
        builder.names[value] = name
    builder.inputs = list(graph.inputs)
    nodes, folded, _, arrays = prepared
    builder.arrays.update(arrays)
    used = {v for node in nodes for v in node.inputs} | set(graph.outputs)
    graph_inputs += _bind_leaves(builder, graph, used, folded, model, export_params)
    builder.origins = [None] * len(builder.nodes)
    for node in nodes:
        translate = translator_for(node.function)
        if translate is None:
            raise UnsupportedOperatorError(f"numbatorch::{node.op}", opset, None)
        names = translate(builder, node)
        names = names if isinstance(names, (tuple, list)) else (names,)
        for value, name in zip(node.outputs, names):
            if isinstance(value, _trace.Value) and name is not None:
                builder.names[value] = name
        builder.origins += [node] * (len(builder.nodes) - len(builder.origins))
    return builder


def _prepare(graph, folding, varying: set) -> tuple[list, dict, set, dict]:
    """The live nodes of `graph`, with those on constants (and parameters, as `folding`
    says) computed ahead: see `_fold_constants`."""
    nodes = _live_nodes(graph)
    if folding is None:
        return nodes, {}, set(), {}
    return _fold_constants(nodes, folding, varying)


def _arrays(graph, prepared, kinds) -> dict:
    """The arrays of `graph` a translator may read with `_Builder.known`: its constants,
    its parameters when exported with the model, the values folded ahead (`prepared`)."""
    arrays = {v: v.tensor.detach().cpu().numpy() for v in graph.values if v.kind in kinds}
    arrays.update(prepared[3])
    return arrays


_FIRST_OFFSET = 5  # sizes of the second trace: the traced ones plus distinct primes from 5


def _trace_at_other_sizes(model, args: tuple, in_names: list, dynamic: dict):
    """The trace of the model with each dynamic input dim grown by a prime of its own (the
    same for the dims of one symbol), or None when no input dim is dynamic. The inputs
    are the given ones repeated along those dims, so indices and masks stay valid."""
    from .._creation import from_numpy

    offsets: dict[str, int] = {}
    resized, grown = [], []
    for tensor, name in zip(args, in_names):
        array = tensor.detach().cpu().numpy()
        for d, symbol in sorted(dynamic.get(name, {}).items()):
            if not 0 <= d < array.ndim or array.shape[d] == 0:
                continue
            if symbol not in offsets:
                offsets[symbol] = _next_prime(max(offsets.values(), default=_FIRST_OFFSET - 1))
            n = array.shape[d]
            array = np.take(array, np.arange(n + offsets[symbol]) % n, axis=d)
            grown.append(f"{name}[{d}] {n} -> {n + offsets[symbol]}")
        resized.append(from_numpy(np.ascontiguousarray(array)).to(tensor.device))
    if not offsets:
        return None
    try:
        return _trace_in_eval(model, tuple(resized))
    except Exception as error:
        raise OnnxExporterError(
            f"ONNX export: the model fails when the dynamic axes take other sizes "
            f"({', '.join(grown)}), so it cannot be exported with them dynamic (dims that must "
            f"stay equal need the same name in dynamic_axes): {error}"
        ) from error


def _next_prime(n: int) -> int:
    n += 1
    while any(n % q == 0 for q in range(2, int(n**0.5) + 1)):
        n += 1
    return n


def _pair(graph: _trace.Graph, twin: _trace.Graph) -> dict:
    """Each Value and Node of `graph` -> the same one of `twin`, the trace at other sizes;
    the two must run the same ops on the same arguments."""

    def differ(a, b) -> bool:
        inputs = [v.index for v in a.inputs] != [v.index for v in b.inputs]
        return a.function is not b.function or inputs or len(a.outputs) != len(b.outputs)

    first = next((i for i, (a, b) in enumerate(zip(graph.nodes, twin.nodes)) if differ(a, b)),
                 None)  # fmt: skip
    if first is None and len(graph.nodes) != len(twin.nodes):
        first = min(len(graph.nodes), len(twin.nodes))
    same = first is None and len(graph.values) == len(twin.values)
    same = same and all(
        a.kind == b.kind and a.dtype is b.dtype and len(a.shape) == len(b.shape)
        for a, b in zip(graph.values, twin.values)
    )
    if not same or [v.index for v in graph.outputs] != [v.index for v in twin.outputs]:
        where = ""
        if first is not None:
            ops = [repr(g.nodes[first]) if first < len(g.nodes) else "none" for g in (graph, twin)]
            where = f" (op {first}: {ops[0]} at the traced sizes, {ops[1]} at others)"
        raise OnnxExporterError(
            "ONNX export: the model runs other ops, or on other tensors, when the dynamic axes "
            f"take other sizes{where}, so its graph depends on those sizes and cannot be "
            "exported with them dynamic"
        )
    pairs: dict = dict(zip(graph.values, twin.values))
    pairs.update(zip(graph.nodes, twin.nodes))
    return pairs


def _check_same_onnx(builder: _Builder, twin: _Builder) -> None:
    """Raises naming the first op whose ONNX nodes differ between the builds of the two
    traces (a size of a dynamic axis that its translator baked in)."""

    def content(b: _Builder, node) -> tuple:
        def item(name):
            if name in b.leaves:
                return b.leaves[name]  # the constant itself, whatever it holds
            tensor = b.initializers.get(name)
            return name if tensor is None else (tuple(tensor.dims), tensor.raw_data)

        attributes = [a.SerializeToString() for a in node.attribute]
        return node.op_type, [item(x) for x in node.input], list(node.output), attributes

    for i in range(max(len(builder.nodes), len(twin.nodes))):
        mine = content(builder, builder.nodes[i]) if i < len(builder.nodes) else None
        if mine != (content(twin, twin.nodes[i]) if i < len(twin.nodes) else None):
            origin = builder.origins[min(i, len(builder.origins) - 1)]
            what = f"'numbatorch::{origin.op}'" if origin is not None else "a constant"
            raise OnnxExporterError(
                f"ONNX export: the translation of {what} reads a size that the dynamic axes "
                "change as a constant (its ONNX nodes differ when traced at other sizes): it "
                "cannot be exported with those axes dynamic"
            )


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
        if value in folded or value.kind == "constant":
            array = folded[value] if value in folded else value.tensor.detach().cpu().numpy()
            builder.names[value] = _leaf(builder, value, array)
        elif value.kind == "parameter":
            builder.names[value] = value.name
            builder.leaves[value.name] = value.index
            if export_params:
                array = np.asarray(value.tensor.detach().cpu().numpy(), order="C")
                builder.initializers[value.name] = onnx.numpy_helper.from_array(array, value.name)
            else:
                inputs.append(_value_info(onnx, value.name, value, {}))
    return inputs


def _leaf(builder: _Builder, value, array) -> str:
    """The ONNX name of a constant or folded Value. One whose shape follows the dynamic
    axes is remade from the runtime shapes when it holds one value throughout in both
    traces (zeros_like of an input: that value expanded) or is an arange in both (Range);
    else it is noted in `builder.varying` (an error if the exported graph reads it)."""
    twin = builder.known(builder.twin(value))
    if twin is None or twin.shape == array.shape:
        name = builder.constant(array)
        builder.leaves[name] = value.index
        return name
    builder.arrays[value] = array
    fill = array.reshape(-1)[:1]
    what = f"a constant {value!r}"
    if array.size and twin.size and (array == fill).all() and (twin == fill).all():
        shape = builder.shape_of(list(array.shape), list(twin.shape), [], what)
        builder.recomputed.add(value)
        return builder.op("Expand", [builder.constant(fill.reshape(())), shape])
    progression = _progression(array, twin)
    if progression is not None:  # an arange of a dynamic length: start + step * Range(n)
        start, step = (builder.constant(np.array(v, dtype=array.dtype)) for v in progression)
        length = builder.size(len(array), len(twin), [], what)
        count = builder.op("Reshape", [length, builder.ints([])])
        zero, one = (builder.constant(np.array(v, dtype=np.int64)) for v in (0, 1))
        positions = builder.op("Range", [zero, count, one])
        positions = builder.op("Cast", [positions], to=onnx_type(builder.onnx, value.dtype))
        builder.recomputed.add(value)
        return builder.op("Add", [builder.op("Mul", [positions, step]), start])
    name = builder.fresh("Constant")
    builder.initializers[name] = builder.onnx.numpy_helper.from_array(
        np.asarray(array, order="C"), name
    )
    builder.varying[name] = (value, twin.shape)
    builder.leaves[name] = value.index
    return name


def _progression(array, twin):
    """(start, step) when `array` and `twin` are numeric 1-D aranges of one start and step
    (of two or more elements between them), else None."""
    if array.ndim != 1 or twin.ndim != 1 or array.dtype.kind not in "iuf":
        return None
    longer = twin if len(twin) > len(array) else array
    if len(longer) < 2 or not len(array) or array[0] != twin[0]:
        return None
    start, step = longer[0], longer[1] - longer[0]
    for values in (array, twin):
        if not np.array_equal(values, start + step * np.arange(len(values), dtype=values.dtype)):
            return None
    return start, step


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
