"""`Function`: an op's forward and backward side by side, and the graph node (the `ctx`)
that one call of it leaves behind for the engine."""

from __future__ import annotations

from ..tensor import TensorBase as Tensor  # every tensor is one (see tensor.py)
from . import grad_mode

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class Node:
    """A node of the backward graph. Its class name is the grad_fn name users see
    (`AddBackward0`); `next_functions` lead to the nodes of the inputs."""

    _function: type[Function] | None = None

    # class-level defaults keep creating a node cheap; instances override what they use
    _edges: tuple = ()  # one (node, output_nr) or None per forward argument
    _saved: tuple | None = None
    _saved_versions: tuple = ()
    _freed = False
    _pre_hooks: dict | None = None  # output_nr -> hooks on that output's gradient
    _output_meta: list = ()  # (shape, dtype, device) per output, to make zero grads
    _non_differentiable: frozenset | set = frozenset()  # ids of outputs given no grad_fn
    _dirty: frozenset | set = frozenset()  # ids of inputs modified in place (mark_dirty)
    needs_input_grad: tuple = ()
    materialize_grads = True

    # -- what autograd.Function's ctx offers ------------------------------------------
    def save_for_backward(self, *tensors) -> None:
        self._saved = tensors
        self._saved_versions = tuple([t._storage.version if t is not None else 0 for t in tensors])

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED_MESSAGE)
        if self._saved is None:
            return ()
        for t, version in zip(self._saved, self._saved_versions):
            if t is not None and t._storage.version != version:
                raise RuntimeError(_version_message(t, version))
        return self._saved

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that forward modified in place: they are returned as outputs
        (not copies of them), and the call rewrites their history, as in PyTorch."""
        self._dirty = {id(t) for t in tensors}

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    # -- graph inspection ---------------------------------------------------------------
    @property
    def next_functions(self) -> tuple:
        return tuple(edge if edge is not None else (None, 0) for edge in self._edges)

    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, hook) -> None:
        raise NotImplementedError("hooks on graph nodes are not supported; use Tensor hooks")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"

    # -- what the engine calls ------------------------------------------------------------
    def apply(self, *grads):
        result = self._function.backward(self, *grads)
        return result if isinstance(result, tuple) else (result,)

    def _release(self) -> None:
        """Free what forward kept for backward, once backward has used it (not under
        retain_graph): the saved tensors, and any attribute forward set on the ctx that
        holds tensors or arrays (conv's im2col columns, Mul's operands); numbers and shapes
        stay. A second backward then gets PyTorch's error from `saved_tensors` or from
        `__getattr__`."""
        attributes = self.__dict__
        held = [n for n, v in attributes.items() if n not in _GRAPH and _holds_memory(v)]
        if self._saved is not None or held:
            self._saved = None
            self._freed = True
        for name in held:
            del attributes[name]

    def __getattr__(self, name: str):
        # only reached for a missing attribute: one that `_release` freed, or a typo
        if self.__dict__.get("_freed") and not name.startswith("__"):
            raise RuntimeError(_FREED_MESSAGE)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")


# node attributes `_release` leaves alone: the graph's structure and its own bookkeeping
_GRAPH = frozenset(
    {"_edges", "_output_meta", "_pre_hooks", "needs_input_grad", "variable", "_saved",
     "_saved_versions", "_non_differentiable", "_dirty", "_freed"}
)  # fmt: skip
_PLAIN = frozenset({int, float, bool, str, type(None)})


def _holds_memory(value) -> bool:
    """Whether a ctx attribute holds a tensor or a backend array (directly or in a tuple
    or list), which `_release` frees. Runs for every attribute of every node a backward
    pass visits, so the common plain values are ruled out first."""
    cls = value.__class__
    if cls in _PLAIN:
        return False
    if cls is tuple or cls is list:
        return any(_holds_memory(v) for v in value)
    return (
        isinstance(value, Tensor)
        or hasattr(value, "__array_interface__")
        or hasattr(value, "__cuda_array_interface__")
    )


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the incoming gradient into `variable.grad`."""

    def __init__(self, variable) -> None:
        super().__init__()
        self.variable = variable


def _version_message(t, expected: int) -> str:
    shape = list(t.shape)
    description = f"[{t.type()} {shape}]"
    where = f", which is output {t._output_nr} of {t.grad_fn.name()}," if t.grad_fn else ""
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {description}{where} is at version {t._version}; expected "
        f"version {expected} instead. Hint: the backtrace further above shows the operation "
        "that failed to compute its gradient. The variable in question was changed in there "
        "or anywhere later. Good luck!"
    )


class Function:
    """Subclass with static `forward(ctx, *args)` and `backward(ctx, *grad_outputs)`;
    call `apply`. Built-in ops name their nodes `<Name>Backward0`, user Functions
    `<Name>Backward`, as PyTorch does."""

    _node_suffix = "Backward"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("node_name") or cls.__name__ + cls._node_suffix
        cls._node_class = type(name, (Node,), {"_function": cls})

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement the backward function for custom Function.")

    @classmethod
    def apply(cls, *args):
        # numbatorch._trace swaps this method for a recording wrapper while it traces
        ctx = cls._node_class()
        needs = tuple(
            [isinstance(a, Tensor) and (a._requires_grad or a.grad_fn is not None) for a in args]
        )
        ctx.needs_input_grad = needs
        state = grad_mode._state  # this thread's mode
        if not state.enabled or True not in needs:
            return cls.forward(ctx, *args)  # nothing inside can track either
        state.enabled = False  # no_grad, without a context manager's cost
        try:
            outputs = cls.forward(ctx, *args)
        finally:
            state.enabled = True
        ctx._edges = tuple([a._grad_edge() if need else None for a, need in zip(args, needs)])
        if not isinstance(outputs, tuple):
            ctx._output_meta = [None]
            return _track(ctx, 0, outputs, args)
        ctx._output_meta = [None] * len(outputs)
        return tuple([_track(ctx, nr, out, args) for nr, out in enumerate(outputs)])


def _track(ctx: Node, nr: int, out, args: tuple):
    """Output `nr` of the Function call `ctx`: made its grad_fn's output (an input
    returned as is first gets an alias, so it keeps its own history)."""
    if not isinstance(out, Tensor):
        return out
    for a in args:
        if a is out:
            if id(out) in ctx._dirty:  # modified in place: the input itself gets the history
                if out._requires_grad and out.grad_fn is None:
                    raise RuntimeError(
                        "a leaf Variable that requires grad is being used in an in-place operation."
                    )
                out._bump_version()
            else:
                out = out._alias()
            break
    ctx._output_meta[nr] = (out._array.shape, out.dtype, out._storage.device)
    if out.dtype.is_floating_point and id(out) not in ctx._non_differentiable:
        out.grad_fn = ctx
        out._output_nr = nr
    return out


class BuiltinFunction(Function):
    """Base of numbatorch's own ops: node names end in `Backward0` like PyTorch's."""

    _node_suffix = "Backward0"


class InplaceFunction(Function):
    pass


class once_differentiable:  # noqa: N801 - PyTorch's public name
    def __new__(cls, fn):
        return fn
