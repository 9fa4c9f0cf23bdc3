"""Per-op Python overhead in microseconds per call: ops on 100 elements, where the
arithmetic costs almost nothing and what is timed is dispatch, allocation and autograd
bookkeeping (docs/ARCHITECTURE.md: "Small tensors stay cheap")."""

from __future__ import annotations

import numpy as np

from ..harness import Case, require

N = 100
IN_FEATURES, OUT_FEATURES = 100, 10


def cases(ctx) -> list[Case]:
    x = lambda: ctx.random(N, seed=0)  # noqa: E731
    y = lambda: ctx.random(N, seed=1)  # noqa: E731

    def per_lib(make):
        """impls for one op from `make(lib, tensor)`, the same code for numbatorch and
        torch (their APIs match), with numpy given separately."""

        def ours():
            return make(ctx.numbatorch, ctx.ours)

        def torch():
            return make(ctx.need_torch(), ctx.theirs)

        return {"ours": ours, "torch": torch}

    def add(lib, tensor):
        a, b = tensor(x()), tensor(y())
        return lambda: a + b

    def total(lib, tensor):
        return tensor(x()).sum

    def view(lib, tensor):
        a = tensor(x())
        return lambda: a.view(10, 10)

    def relu(lib, tensor):
        a = tensor(x())
        return lambda: lib.relu(a)

    def linear(lib, tensor):
        if lib is ctx.numbatorch:
            require(lib, "nn.Linear")
        layer = lib.nn.Linear(IN_FEATURES, OUT_FEATURES)
        if ctx.device != "cpu":
            layer = layer.to(ctx.device)
        a = tensor(ctx.random(1, IN_FEATURES))
        return lambda: layer(a)

    def numpy_linear():
        a = ctx.numpy_array(ctx.random(1, IN_FEATURES))
        w = ctx.numpy_array(ctx.random(OUT_FEATURES, IN_FEATURES))
        b = ctx.numpy_array(ctx.random(OUT_FEATURES))
        return lambda: a @ w.T + b

    def numpy_of(fn):
        def build():
            a, b = ctx.numpy_array(x()), ctx.numpy_array(y())
            return lambda: fn(a, b)

        return build

    specs = [
        ("a + b", str(N), add, numpy_of(lambda a, b: a + b)),
        ("a.sum()", str(N), total, numpy_of(lambda a, b: a.sum())),
        ("a.view(10, 10)", str(N), view, numpy_of(lambda a, b: a.reshape(10, 10))),
        ("relu(a)", str(N), relu, numpy_of(lambda a, b: np.maximum(a, 0))),
        (f"Linear({IN_FEATURES}, {OUT_FEATURES}) forward", f"1x{IN_FEATURES}", linear,
         numpy_linear),
    ]  # fmt: skip
    return [Case(name, size, "us/call", {**per_lib(make), "numpy": numpy_build})
            for name, size, make, numpy_build in specs]  # fmt: skip
