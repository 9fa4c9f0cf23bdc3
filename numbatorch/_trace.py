"""Graph capture: run a function once on example inputs and record every autograd-Function
call it makes as a small graph IR, which exporters (`numbatorch.onnx`) and compilers read.

The IR knows nothing of any target format:

- `Value`: one tensor of the trace, with its static `shape` and `dtype` and a `kind`:
  ``"input"`` (an argument of the traced call), ``"parameter"`` (a parameter or buffer,
  `name` its state_dict key, `tensor` the live tensor), ``"constant"`` (any other tensor
  the ops read that no recorded op made: `tensor` holds it; `computed` when the traced
  call itself made it, see below) or ``"intermediate"`` (made by `producer`, a `Node`).
- `Node`: one call `function.apply(*args)`. `op` is the Function's class name (``"Linear"``,
  ``"Convolution"``, ``"Relu"``); `args` maps each parameter name of the Function's
  `forward` (after ``ctx``) to a `Value`, a Python literal (stride, dims, alpha, ...), None,
  or for a ``*tensors`` parameter a tuple of those. `inputs` lists the Values in argument
  order, `attributes` the rest; `outputs` holds one Value per tensor the call returned.
- `Graph`: `inputs`, `outputs` (Values, in the order the traced call takes and returns
  them) and `nodes` in execution order. `graph(*tensors)` replays the nodes through the same
  Functions (the reference any rewrite of the graph is checked against).

Hook point: while `trace` runs, `Function.apply` (the one entry of every op into autograd,
`autograd/function.py`) is swapped for a recording wrapper and restored afterwards, so ops
pay nothing when no trace runs. Only the outermost Function call is recorded: the ops a
Function's `forward` runs inside itself belong to it. An in-place op reaches the graph
through `ops._common.write_into` (`rebind`): the written tensor takes the new Value
(`binary_into`, the in-place fast path that skips the Function, steps aside meanwhile).

What a trace cannot see: work done outside an autograd Function. Comparisons, logical and
bitwise ops, floor division, factories (`zeros`, `arange`) and Python-side arithmetic on
`.item()` or shapes run straight to their kernels, so a tensor they make reaches the graph
as a constant holding its traced value, as in `torch.jit.trace`; such a constant is
marked `computed` (the trace also swaps `Storage.__init__` to note the memory allocated
outside Functions), so that a consumer can warn that it may depend on the inputs; such a
constant keeps a copy of its values as the op read them (the call may write it in place
next, as `zeros_like(mask).masked_fill_(mask, -inf)` does). A
tensor written in place by such an op (its version counter moved since the trace last
saw it) is refused rather than read stale.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .autograd.function import Function
from .tensor import Storage

if TYPE_CHECKING:
    from .tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from .tensor import TensorBase as Tensor


_ORIGINAL_APPLY = Function.__dict__["apply"]
_ORIGINAL_STORAGE_INIT = Storage.__init__
_recorder: _Recorder | None = None  # the trace running now, if any


class Value:
    """A tensor of the graph: static shape and dtype, where it comes from (`kind`)."""

    __slots__ = ("index", "kind", "shape", "dtype", "name", "tensor", "producer", "computed")

    def __init__(self, index, kind, shape, dtype, name=None, tensor=None, producer=None) -> None:
        self.index = index
        self.kind = kind
        self.shape = shape
        self.dtype = dtype
        self.name = name
        self.tensor = tensor
        self.producer = producer
        self.computed = False  # a constant the traced call made outside any Function

    def __repr__(self) -> str:
        label = f" {self.name}" if self.name else ""
        kind = f"{self.kind}, computed" if self.computed else self.kind
        return f"%{self.index}{label}: {self.dtype.name}{list(self.shape)} ({kind})"


class Node:
    """One recorded Function call: `op`, its arguments by name, its output Values."""

    __slots__ = ("function", "args", "outputs")

    def __init__(self, function: type, args: dict, outputs: tuple) -> None:
        self.function = function
        self.args = args
        self.outputs = outputs

    @property
    def op(self) -> str:
        return self.function.__name__

    @property
    def inputs(self) -> list[Value]:
        found = []
        for item in self.args.values():
            for x in item if isinstance(item, tuple) else (item,):
                if isinstance(x, Value):
                    found.append(x)
        return found

    @property
    def attributes(self) -> dict:
        return {
            name: item
            for name, item in self.args.items()
            if not isinstance(item, Value)
            and not (isinstance(item, tuple) and any(isinstance(x, Value) for x in item))
        }

    def run(self, tensors: dict) -> tuple:
        """Calls the Function again, each Value argument taken from `tensors` (a
        parameter's or constant's own tensor when absent); returns the outputs."""

        def resolve(item):
            if isinstance(item, Value):
                return tensors[item] if item in tensors else item.tensor
            if isinstance(item, tuple):
                return tuple(resolve(x) for x in item)
            return item

        varargs = _signature(self.function)[1]
        args = []
        for name, item in self.args.items():
            if name == varargs:
                args.extend(resolve(item))
            else:
                args.append(resolve(item))
        result = self.function.apply(*args)
        return result if isinstance(result, tuple) else (result,)

    def __repr__(self) -> str:
        outputs = ", ".join(
            f"%{v.index}" if isinstance(v, Value) else repr(v) for v in self.outputs
        )
        args = ", ".join(f"{name}={_show(item)}" for name, item in self.args.items())
        return f"{outputs} = {self.op}({args})"


def _show(item) -> str:
    if isinstance(item, Value):
        return f"%{item.index}"
    if isinstance(item, tuple) and any(isinstance(x, Value) for x in item):
        return "(" + ", ".join(_show(x) for x in item) + ")"
    return repr(item)


class Graph:
    """The recorded ops of one call, between its input and output Values."""

    def __init__(self, inputs: list[Value], outputs: list, nodes: list[Node], values) -> None:
        self.inputs = inputs
        self.outputs = outputs
        self.nodes = nodes
        self.values = values

    def parameters(self) -> list[Value]:
        return [v for v in self.values if v.kind == "parameter"]

    def constants(self) -> list[Value]:
        return [v for v in self.values if v.kind == "constant"]

    def users(self, value: Value) -> list[Node]:
        return [node for node in self.nodes if any(x is value for x in node.inputs)]

    def __call__(self, *inputs: Tensor):
        """Runs the recorded ops again on `inputs` with the parameters' current values
        (constants keep their traced values, `computed` ones too)."""
        if len(inputs) != len(self.inputs):
            raise TypeError(f"the graph takes {len(self.inputs)} inputs but got {len(inputs)}")
        env = dict(zip(self.inputs, inputs))
        for node in self.nodes:
            env.update(zip(node.outputs, node.run(env)))
        results = tuple(env[v] if v in env else v.tensor for v in self.outputs)
        return results[0] if len(results) == 1 else results

    def __str__(self) -> str:
        lines = ["graph(" + ", ".join(map(repr, self.inputs)) + "):"]
        lines += [f"  {v!r}" for v in self.values if v.kind in ("parameter", "constant")]
        lines += [f"  {node!r}" for node in self.nodes]
        lines.append("  return " + ", ".join(_show(v) for v in self.outputs))
        return "\n".join(lines)


_SIGNATURES: dict[type, tuple[tuple[str, ...], str | None]] = {}


def _signature(function: type) -> tuple[tuple[str, ...], str | None]:
    """The argument names of `function.forward` after ctx, and the *args one if any."""
    if function not in _SIGNATURES:
        parameters = list(inspect.signature(function.forward).parameters.values())[1:]
        names = tuple(p.name for p in parameters if p.kind != p.VAR_KEYWORD)
        varargs = next((p.name for p in parameters if p.kind == p.VAR_POSITIONAL), None)
        _SIGNATURES[function] = (names, varargs)
    return _SIGNATURES[function]


class _Recorder:
    def __init__(self, named_tensors: dict[str, Tensor]) -> None:
        self.thread = threading.get_ident()
        self.depth = 0
        self.values: list[Value] = []
        self.nodes: list[Node] = []
        # id(tensor) -> (tensor, Value, version when bound); the tensor is held so that
        # its id is not reused while the trace runs
        self.bound: dict[int, tuple[Tensor, Value, int]] = {}
        self.named = {id(t): name for name, t in named_tensors.items()}
        self.made_outside: dict[int, Storage] = {}  # storages allocated at depth 0
        self.named_views = {
            _geometry(t): name for name, t in named_tensors.items() if isinstance(t, Tensor)
        }

    def new_value(self, tensor: Tensor, kind: str, name=None, producer=None) -> Value:
        keep = tensor if kind in ("parameter", "constant") else None
        value = Value(len(self.values), kind, tuple(tensor.shape), tensor.dtype, name, keep,
                      producer)  # fmt: skip
        self.values.append(value)
        self.bind(tensor, value)
        return value

    def bind(self, tensor: Tensor, value: Value) -> None:
        self.bound[id(tensor)] = (tensor, value, tensor._version)

    def value_of(self, tensor: Tensor) -> Value:
        entry = self.bound.get(id(tensor))
        if entry is not None:
            _, value, version = entry
            if tensor._version != version:
                raise RuntimeError(
                    f"trace: a tensor of shape {list(tensor.shape)} ({value!r}) was modified "
                    "in place by an operation the tracer does not record"
                )
            return value
        name = self.named.get(id(tensor)) or self.named_views.get(_geometry(tensor))
        if name is not None:
            return self.new_value(tensor, "parameter", name)
        value = self.new_value(tensor, "constant")
        value.computed = id(tensor._storage) in self.made_outside
        if value.computed:
            # the traced call made it and may write it in place next (zeros_like(mask)
            # .masked_fill_(mask, -inf)): the Value keeps the values it had when read
            self.depth += 1  # the copy is no op of the traced call
            try:
                value.tensor = tensor.detach().clone()
            finally:
                self.depth -= 1
        return value

    def record(self, function: type, args: tuple, outputs) -> None:
        names, varargs = _signature(function)
        by_name: dict[str, Any] = {}
        for i, name in enumerate(names):
            if name == varargs:
                by_name[name] = tuple(self.convert(a) for a in args[i:])
                break
            by_name[name] = self.convert(args[i]) if i < len(args) else _default(function, name)
        node = Node(function, by_name, ())
        results = outputs if isinstance(outputs, tuple) else (outputs,)
        node.outputs = tuple(
            self.new_value(out, "intermediate", producer=node) if isinstance(out, Tensor) else out
            for out in results
        )
        self.nodes.append(node)

    def convert(self, item):
        if isinstance(item, Tensor):
            return self.value_of(item)
        if isinstance(item, (tuple, list)) and any(isinstance(x, Tensor) for x in item):
            return tuple(self.convert(x) for x in item)
        return item

    def rebind(self, dest: Tensor, result: Tensor) -> None:
        """`dest` now holds `result`'s values (an in-place op wrote them); a result no
        recorded op made is a constant, as anywhere else."""
        self.bind(dest, self.value_of(result))


def _geometry(t: Tensor) -> tuple:
    return (id(t._storage), t._offset, tuple(t.shape), t.stride(), t.dtype)


def _default(function: type, name: str):
    return inspect.signature(function.forward).parameters[name].default


def _recording_apply(cls, *args):
    recorder = _recorder
    if recorder is None or recorder.depth or threading.get_ident() != recorder.thread:
        return _ORIGINAL_APPLY.__func__(cls, *args)
    recorder.depth += 1
    try:
        outputs = _ORIGINAL_APPLY.__func__(cls, *args)
    finally:
        recorder.depth -= 1
    recorder.record(cls, args, outputs)
    return outputs


def _recording_storage_init(self, data, dev) -> None:
    _ORIGINAL_STORAGE_INIT(self, data, dev)
    recorder = _recorder
    if recorder is not None and not recorder.depth and threading.get_ident() == recorder.thread:
        recorder.made_outside[id(self)] = self


def recording() -> bool:
    """Whether a trace is recording on this thread (ops that would skip `Function.apply`
    for speed take it then, so the trace sees them)."""
    recorder = _recorder
    return recorder is not None and recorder.thread == threading.get_ident()


def rebind(dest: Tensor, result: Tensor) -> None:
    """Called by every in-place write (`ops._common.write_into`): `dest` takes `result`'s
    Value when a trace records on this thread."""
    recorder = _recorder
    if recorder is not None and recorder.thread == threading.get_ident():
        recorder.rebind(dest, result)


def trace(
    fn: Callable, args: tuple, named_tensors: dict[str, Tensor] | None = None
) -> tuple[Graph, Any]:
    """Runs ``fn(*args)`` once, recording the Function calls it makes; returns the graph
    and what ``fn`` returned. `args` are tensors; `named_tensors` (name -> tensor, e.g. a
    module's parameters and buffers) become ``"parameter"`` Values under those names.
    The call returns a tensor or a (nested) tuple/list of tensors; the graph's outputs are
    them flattened in order."""
    global _recorder
    if _recorder is not None:
        raise RuntimeError("trace: another trace is already recording")
    for i, a in enumerate(args):
        if not isinstance(a, Tensor):
            raise TypeError(f"trace: argument {i} must be a Tensor, not {type(a).__name__}")
    recorder = _Recorder(named_tensors or {})
    inputs = [recorder.new_value(a, "input", f"input_{i}") for i, a in enumerate(args)]
    _recorder = recorder
    Function.apply = classmethod(_recording_apply)
    Storage.__init__ = _recording_storage_init
    try:
        result = fn(*args)
    finally:
        Function.apply = _ORIGINAL_APPLY
        Storage.__init__ = _ORIGINAL_STORAGE_INIT
        _recorder = None
    results = _flatten(result)
    for i, out in enumerate(results):
        if not isinstance(out, Tensor):
            raise TypeError(
                f"trace: output {i} is a {type(out).__name__}; only tensors, or (nested) "
                "tuples or lists of them, can be traced"
            )
    outputs = [recorder.value_of(out) for out in results]
    return Graph(inputs, outputs, recorder.nodes, recorder.values), result


def _flatten(result) -> list:
    """The call's outputs in order, nested tuples and lists flattened (an LSTM returns
    (output, (h_n, c_n))), as torch.onnx.export flattens them."""
    if not isinstance(result, (tuple, list)):
        return [result]
    return [out for item in result for out in _flatten(item)]


def trace_module(model, args: tuple) -> tuple[Graph, Any]:
    """`trace` of ``model(*args)`` with the model's parameters and buffers named as in its
    state_dict."""
    named = dict(model.named_parameters())
    named.update(dict(model.named_buffers()))
    return trace(model, args, named)
