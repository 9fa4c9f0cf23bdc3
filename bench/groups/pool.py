"""2x2 max pooling (stride 2) in GB/s: the input read once and the output written once.
Ours also writes the argmax indices that backward needs, as PyTorch does when the input
requires grad; that traffic is not counted."""

from __future__ import annotations

import numpy as np
from numbatorch.kernels.contract import Window

from ..harness import Case, require

# (batch, channels, height = width) per preset
SHAPES = {"tiny": (2, 4, 8), "small": (16, 32, 32), "default": (64, 32, 32),
          "large": (128, 64, 32)}  # fmt: skip


def cases(ctx) -> list[Case]:
    n, c, hw = SHAPES.get(ctx.options.sizes, SHAPES["default"])
    oh = hw // 2
    data = lambda: ctx.random(n, c, hw, hw)  # noqa: E731

    def ours():
        require(ctx.numbatorch, "nn.functional.max_pool2d")
        x = ctx.ours(data())
        return lambda: ctx.numbatorch.nn.functional.max_pool2d(x, 2)

    def ours_raw():
        forward = ctx.kernel("max_pool2d_forward", "pool")
        kernels = ctx.kernels
        x = kernels.from_host(data())
        out = kernels.empty((n, c, oh, oh), ctx.np_dtype)
        indices = kernels.empty((n, c, oh, oh), np.dtype(np.int64))
        window = Window(2, 2, 2, 2, 0, 0)
        return lambda: forward(x, window, out, indices)

    def numpy():
        x = ctx.numpy_array(data())
        out = np.empty((n, c, oh, oh), ctx.np_dtype)
        blocks = x.reshape(n, c, oh, 2, oh, 2)
        return lambda: np.max(blocks, axis=(3, 5), out=out)

    def torch():
        x = ctx.theirs(data())
        return lambda: ctx.torch.nn.functional.max_pool2d(x, 2)

    itemsize = ctx.np_dtype.itemsize
    return [Case("max_pool2d 2x2", f"{n}x{c}x{hw}x{hw}", "GB/s",
                 {"ours": ours, "ours-raw": ours_raw, "numpy": numpy, "torch": torch},
                 work=n * c * (hw * hw + oh * oh) * itemsize, size_value=n)]  # fmt: skip
