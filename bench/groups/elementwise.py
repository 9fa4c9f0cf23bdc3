"""Elementwise maps (add, mul, relu and the transcendentals exp, tanh, sigmoid, gelu) over
a sweep of sizes, in GB/s: the bytes read and written once, which is all a memory-bound
map has to move."""

from __future__ import annotations

import numpy as np

from ..harness import Case, Unavailable, size_label

SIZES = {
    "tiny": [1 << 10, 1 << 16],
    "small": [1 << 10, 1 << 16, 1 << 20],
    "default": [1 << 10, 1 << 16, 1 << 20, 1 << 24],
    "large": [1 << 10, 1 << 16, 1 << 20, 1 << 24, 1 << 26],
}


def _numpy_sigmoid(a, out):
    np.negative(a, out=out)
    np.exp(out, out=out)
    np.add(out, 1, out=out)
    np.reciprocal(out, out=out)


# op -> (arity, numpy with out= (None: numpy has no such function, e.g. erf for gelu))
OPS = {
    "add": (2, lambda a, b, out: np.add(a, b, out=out)),
    "mul": (2, lambda a, b, out: np.multiply(a, b, out=out)),
    "exp": (1, lambda a, out: np.exp(a, out=out)),
    "relu": (1, lambda a, out: np.maximum(a, 0, out=out)),
    "tanh": (1, lambda a, out: np.tanh(a, out=out)),
    "sigmoid": (1, _numpy_sigmoid),
    "gelu": (1, None),
}


def cases(ctx) -> list[Case]:
    return [_case(ctx, op, n) for op in OPS for n in ctx.sizes(SIZES)]


def _case(ctx, op: str, n: int) -> Case:
    arity, numpy_op = OPS[op]
    inputs = lambda: [ctx.random(n, seed=s) for s in range(arity)]  # noqa: E731

    def ours():
        args = [ctx.ours(x) for x in inputs()]
        fn = ctx.numbatorch.nn.functional.gelu if op == "gelu" else getattr(ctx.numbatorch, op)
        return lambda: fn(*args)

    def ours_raw():
        from numbatorch.kernels.common import elementwise as opcodes

        kernels = ctx.kernels
        args = [kernels.from_host(x) for x in inputs()]
        out = kernels.empty((n,), ctx.np_dtype)
        code = getattr(opcodes, op.upper())
        launch = kernels.binary if arity == 2 else kernels.unary
        return lambda: launch(code, *args, out)

    def numpy():
        if numpy_op is None:
            raise Unavailable(f"numpy has no {op}")
        args = [ctx.numpy_array(x) for x in inputs()]
        out = np.empty(n, ctx.np_dtype)
        return lambda: numpy_op(*args, out)

    def torch():
        args = [ctx.theirs(x) for x in inputs()]
        out = ctx.theirs(np.empty(n, ctx.np_dtype))
        if op == "relu":  # torch.relu has no out=; clamp_min is the same map
            return lambda: ctx.torch.clamp_min(args[0], 0, out=out)
        if op == "gelu":  # no out= either
            return lambda: ctx.torch.nn.functional.gelu(args[0])
        fn = getattr(ctx.torch, op)
        return lambda: fn(*args, out=out)

    return Case(
        op, size_label(n), "GB/s",
        {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
        work=(arity + 1) * n * ctx.np_dtype.itemsize, size_value=n,
    )  # fmt: skip
