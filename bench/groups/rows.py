"""Row kernels at a transformer's shapes, forward and forward+backward, in GB/s: softmax
and log_softmax over the last dim of attention scores (batch x heads, seq, seq),
layer_norm over the width of (tokens, width) activations, with weight and bias, and
cross_entropy (class indices, mean) over (tokens, classes) logits."""

from __future__ import annotations

import numpy as np

from ..harness import Case, size_label

# (rows, row length): 64 x 128 x 128 attention scores; 8192 tokens of width 128
SHAPES = {
    "tiny": (64, 128),
    "small": (64 * 128, 128),
    "default": (64 * 128, 128),
    "large": (256 * 128, 128),
}


def cases(ctx) -> list[Case]:
    rows, row = SHAPES.get(ctx.options.sizes, SHAPES["default"])
    return [
        _case(ctx, name, rows, row, backward)
        for name in ("softmax", "log_softmax", "layer_norm", "cross_entropy")
        for backward in (False, True)
    ]


def _call(lib, name: str, x, params):
    if name == "cross_entropy":
        return lib.nn.functional.cross_entropy(x, *params)
    if name == "layer_norm":
        return lib.nn.functional.layer_norm(x, x.shape[-1:], *params)
    return getattr(lib, name)(x, dim=-1)


def _case(ctx, name: str, rows: int, row: int, backward: bool) -> Case:
    def build(lib, tensor):
        x = tensor(ctx.random(rows, row), requires_grad=backward)
        params = [tensor(ctx.random(row, seed=s), requires_grad=backward) for s in (1, 2)]
        params = params if name == "layer_norm" else []
        grad = tensor(ctx.random(rows, row, seed=3))
        if name == "cross_entropy":  # targets, and the mean loss's gradient of one
            targets = np.random.default_rng(4).integers(0, row, rows)
            params = [lib.from_numpy(targets).to(x.device)]
            grad = None

        def forward():
            return _call(lib, name, x, params)

        def forward_backward():
            _call(lib, name, x, params).backward(grad)

        return forward_backward if backward else forward

    def ours():
        return build(ctx.numbatorch, ctx.ours)

    def torch():
        return build(ctx.need_torch(), ctx.theirs)

    # bytes: x read and y written; the backward reads y (or x) and grad, writes grad x
    passes = 5 if backward else 2
    if name == "cross_entropy":  # x read; the backward reads x again and writes grad x
        passes = 3 if backward else 1
    return Case(f"{name} {'fwd+bwd' if backward else 'fwd'} (rows of {row})",
                size_label(rows * row), "GB/s", {"ours": ours, "torch": torch},
                work=passes * rows * row * ctx.np_dtype.itemsize,
                size_value=rows * row)  # fmt: skip
