"""Elementwise maps (add, mul, exp, relu) over a sweep of sizes, in GB/s: the bytes read
and written once, which is all a memory-bound map has to move."""

from __future__ import annotations

import numpy as np

from ..harness import Case, size_label

SIZES = {
    "tiny": [1 << 10, 1 << 16],
    "small": [1 << 10, 1 << 16, 1 << 20],
    "default": [1 << 10, 1 << 16, 1 << 20, 1 << 24],
    "large": [1 << 10, 1 << 16, 1 << 20, 1 << 24, 1 << 26],
}

# op -> (arity, numpy with out=, torch with out=)
OPS = {
    "add": (2, lambda a, b, out: np.add(a, b, out=out), "add"),
    "mul": (2, lambda a, b, out: np.multiply(a, b, out=out), "mul"),
    "exp": (1, lambda a, out: np.exp(a, out=out), "exp"),
    "relu": (1, lambda a, out: np.maximum(a, 0, out=out), "relu"),
}


def cases(ctx) -> list[Case]:
    return [_case(ctx, op, n) for op in OPS for n in ctx.sizes(SIZES)]


def _case(ctx, op: str, n: int) -> Case:
    arity, numpy_op, _ = OPS[op]
    inputs = lambda: [ctx.random(n, seed=s) for s in range(arity)]  # noqa: E731

    def ours():
        args = [ctx.ours(x) for x in inputs()]
        fn = getattr(ctx.numbatorch, op)
        return lambda: fn(*args)

    def ours_raw():
        from numbatorch.kernels.cpu import elementwise as opcodes

        kernels = ctx.kernels
        args = [kernels.from_host(x) for x in inputs()]
        out = kernels.empty((n,), ctx.np_dtype)
        code = getattr(opcodes, op.upper())
        launch = kernels.binary if arity == 2 else kernels.unary
        return lambda: launch(code, *args, out)

    def numpy():
        args = [ctx.numpy_array(x) for x in inputs()]
        out = np.empty(n, ctx.np_dtype)
        return lambda: numpy_op(*args, out)

    def torch():
        args = [ctx.theirs(x) for x in inputs()]
        out = ctx.theirs(np.empty(n, ctx.np_dtype))
        if op == "relu":  # torch.relu has no out=; clamp_min is the same map
            return lambda: ctx.torch.clamp_min(args[0], 0, out=out)
        fn = getattr(ctx.torch, op)
        return lambda: fn(*args, out=out)

    return Case(
        op, size_label(n), "GB/s",
        {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
        work=(arity + 1) * n * ctx.np_dtype.itemsize, size_value=n,
    )  # fmt: skip
