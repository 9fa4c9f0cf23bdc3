"""Whole training steps in milliseconds (forward, loss, backward, optimizer step), the
same nets (bench/nets.py) built with numbatorch and with PyTorch."""

from __future__ import annotations

from .. import nets
from ..harness import Case, require

BATCH = {"tiny": 8, "small": 64, "default": 64, "large": 256}


def cases(ctx) -> list[Case]:
    batch = BATCH.get(ctx.options.sizes, BATCH["default"])

    def impls(make_step, needs):
        def ours():
            require(ctx.numbatorch, *needs)
            return make_step(ctx.numbatorch, batch, ctx.device, ctx.dtype)

        def torch():
            return make_step(ctx.need_torch(), batch, ctx.device, ctx.dtype)

        return {"ours": ours, "torch": torch}

    return [
        Case("two-layer net 1000-100-10, Adam, MSE", f"batch {batch}", "ms/step",
             impls(nets.two_layer_step, nets.TWO_LAYER_NEEDS), size_value=batch),
        Case("LeNet-5 1x28x28, SGD momentum, CE", f"batch {batch}", "ms/step",
             impls(nets.lenet_step, nets.LENET_NEEDS), size_value=batch),
        Case("transformer block 64-wide, 4 heads, seq 32, AdamW, CE", "batch 16", "ms/step",
             impls(lambda lib, _, device, dtype: nets.transformer_step(lib, 16, device, dtype),
                   nets.TRANSFORMER_NEEDS), size_value=16),
    ]  # fmt: skip
