"""Reductions in GB/s: full sum and max of a vector, softmax along rows of 1024, and a
sum over each dim of a square matrix (the strided and the contiguous axis)."""

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
ROW = 1024  # softmax row length: a classifier's or an attention row's width


def cases(ctx) -> list[Case]:
    sizes = ctx.sizes(SIZES)
    found = [_full(ctx, op, n) for op in ("sum", "max") for n in sizes]
    found += [_softmax(ctx, n) for n in sizes if n % ROW == 0]
    side = MATRIX.get(ctx.options.sizes, MATRIX["default"])
    found += [_sum_dim(ctx, side, dim) for dim in (0, 1)]
    return found


def _full(ctx, op: str, n: int) -> Case:
    def ours():
        x = ctx.ours(ctx.random(n))
        return getattr(x, op)

    def ours_raw():
        from numbatorch.kernels.cpu import reduction as opcodes

        kernels = ctx.kernels
        x = kernels.from_host(ctx.random(n))
        out = kernels.empty((1,), ctx.np_dtype)
        code = getattr(opcodes, op.upper())
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


def _softmax(ctx, n: int) -> Case:
    rows = n // ROW

    def ours():
        x = ctx.ours(ctx.random(rows, ROW))
        return lambda: ctx.numbatorch.softmax(x, dim=-1)

    def ours_raw():
        kernels = ctx.kernels
        x = kernels.from_host(ctx.random(rows, ROW))
        out = kernels.empty((rows, ROW), ctx.np_dtype)
        return lambda: kernels.softmax(x, out, ROW, 1, False)

    def numpy():
        x = ctx.numpy_array(ctx.random(rows, ROW))
        out = np.empty_like(x)
        row = np.empty((rows, 1), ctx.np_dtype)

        def softmax():  # the usual numpy softmax, in place where numpy allows
            np.max(x, axis=1, keepdims=True, out=row)
            np.subtract(x, row, out=out)
            np.exp(out, out=out)
            np.sum(out, axis=1, keepdims=True, out=row)
            np.divide(out, row, out=out)

        return softmax

    def torch():
        x = ctx.theirs(ctx.random(rows, ROW))
        return lambda: ctx.torch.softmax(x, dim=-1)

    return Case(f"softmax(rows of {ROW})", size_label(n), "GB/s",
                {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
                work=2 * n * ctx.np_dtype.itemsize, size_value=n)  # fmt: skip


def _sum_dim(ctx, side: int, dim: int) -> Case:
    def ours():
        x = ctx.ours(ctx.random(side, side))
        return lambda: x.sum(dim=dim)

    def ours_raw():
        from numbatorch.kernels.cpu.reduction import SUM

        kernels = ctx.kernels
        x = kernels.from_host(ctx.random(side, side))
        out = kernels.empty((side,), ctx.np_dtype)
        inner = side if dim == 0 else 1  # x seen as (outer, n, inner), reduced over n
        return lambda: kernels.reduce(SUM, x, out, side, inner)

    def numpy():
        x = ctx.numpy_array(ctx.random(side, side))
        out = np.empty(side, ctx.np_dtype)
        return lambda: np.sum(x, axis=dim, out=out)

    def torch():
        x = ctx.theirs(ctx.random(side, side))
        out = ctx.theirs(np.empty(side, ctx.np_dtype))
        return lambda: ctx.torch.sum(x, dim=dim, out=out)

    return Case(f"sum(dim={dim})", f"{side}x{side}", "GB/s",
                {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
                work=(side * side + side) * ctx.np_dtype.itemsize,
                size_value=side * side)  # fmt: skip
