"""Reductions in GB/s: full sum, max and argmax of a vector, softmax and log_softmax along
rows of 64, 1024 and 4096, and a sum and an amax over each dim of a square matrix (the
strided and the contiguous axis)."""

from __future__ import annotations

import numpy as np

from ..harness import Case, size_label

SIZES = {
    "tiny": [1 << 16],
    "small": [1 << 20],
    "default": [1 << 20, 1 << 24],
    "large": [1 << 20, 1 << 24, 1 << 26],
}
MATRIX = {"tiny": 256, "small": 1024, "default": 1024, "large": 4096}
# softmax row lengths: a small classifier's, an attention row's, a vocabulary slice's
ROWS = (64, 1024, 4096)


def cases(ctx) -> list[Case]:
    sizes = ctx.sizes(SIZES)
    found = [_full(ctx, op, n) for op in ("sum", "max", "argmax") for n in sizes]
    found += [
        _softmax(ctx, n, row, log)
        for log in (False, True)
        for row in ROWS
        for n in sizes
        if n % row == 0
    ]
    side = MATRIX.get(ctx.options.sizes, MATRIX["default"])
    found += [_along_dim(ctx, op, side, dim) for op in ("sum", "amax") for dim in (0, 1)]
    return found


def _full(ctx, op: str, n: int) -> Case:
    def ours():
        x = ctx.ours(ctx.random(n))
        return getattr(x, op)

    def ours_raw():
        from numbatorch.kernels.common import reduction as opcodes

        kernels = ctx.kernels
        x = kernels.from_host(ctx.random(n))
        out = kernels.empty((1,), ctx.np_dtype)
        code = getattr(opcodes, op.upper())
        if op == "argmax":
            out = kernels.empty((1,), np.int64)
        return lambda: kernels.reduce(code, x, out, n, 1)

    def numpy():
        x = ctx.numpy_array(ctx.random(n))
        return getattr(x, op)

    def torch():
        x = ctx.theirs(ctx.random(n))
        return getattr(x, op)

    return Case(op, size_label(n), "GB/s",
                {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
                work=n * ctx.np_dtype.itemsize, size_value=n)  # fmt: skip


def _softmax(ctx, n: int, row: int, log: bool) -> Case:
    rows = n // row
    name = "log_softmax" if log else "softmax"

    def ours():
        x = ctx.ours(ctx.random(rows, row))
        fn = getattr(ctx.numbatorch, name)
        return lambda: fn(x, dim=-1)

    def ours_raw():
        kernels = ctx.kernels
        x = kernels.from_host(ctx.random(rows, row))
        out = kernels.empty((rows, row), ctx.np_dtype)
        return lambda: kernels.softmax(x, out, row, 1, log)

    def numpy():
        x = ctx.numpy_array(ctx.random(rows, row))
        out = np.empty_like(x)
        line = np.empty((rows, 1), ctx.np_dtype)
        scratch = np.empty_like(x)

        def softmax():  # the usual numpy softmax, in place where numpy allows
            np.max(x, axis=1, keepdims=True, out=line)
            np.subtract(x, line, out=out)
            if log:
                np.exp(out, out=scratch)
                np.sum(scratch, axis=1, keepdims=True, out=line)
                np.log(line, out=line)
                np.subtract(out, line, out=out)
                return
            np.exp(out, out=out)
            np.sum(out, axis=1, keepdims=True, out=line)
            np.divide(out, line, out=out)

        return softmax

    def torch():
        x = ctx.theirs(ctx.random(rows, row))
        fn = getattr(ctx.torch, name)
        return lambda: fn(x, dim=-1)

    return Case(f"{name}(rows of {row})", size_label(n), "GB/s",
                {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
                work=2 * n * ctx.np_dtype.itemsize, size_value=n)  # fmt: skip


def _along_dim(ctx, op: str, side: int, dim: int) -> Case:
    def ours():
        x = ctx.ours(ctx.random(side, side))
        fn = getattr(x, op)
        return lambda: fn(dim=dim)

    def ours_raw():
        from numbatorch.kernels.common import reduction as opcodes

        kernels = ctx.kernels
        x = kernels.from_host(ctx.random(side, side))
        out = kernels.empty((side,), ctx.np_dtype)
        code = opcodes.SUM if op == "sum" else opcodes.MAX
        inner = side if dim == 0 else 1  # x seen as (outer, n, inner), reduced over n
        return lambda: kernels.reduce(code, x, out, side, inner)

    def numpy():
        x = ctx.numpy_array(ctx.random(side, side))
        out = np.empty(side, ctx.np_dtype)
        fn = np.sum if op == "sum" else np.amax
        return lambda: fn(x, axis=dim, out=out)

    def torch():
        x = ctx.theirs(ctx.random(side, side))
        out = ctx.theirs(np.empty(side, ctx.np_dtype))
        fn = getattr(ctx.torch, op)
        return lambda: fn(x, dim=dim, out=out)

    return Case(f"{op}(dim={dim})", f"{side}x{side}", "GB/s",
                {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
                work=(side * side + side) * ctx.np_dtype.itemsize,
                size_value=side * side)  # fmt: skip
