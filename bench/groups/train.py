"""Whole training steps in milliseconds (forward, loss, backward, optimizer step), the
same nets (bench/nets.py) built with numbatorch and with PyTorch."""

from __future__ import annotations

from .. import nets
from ..harness import Case, require

BATCH = {"tiny": 8, "small": 64, "default": 64, "large": 256}


def cases(ctx) -> list[Case]:
    batch = BATCH.get(ctx.options.sizes, BATCH["default"])

    def impls(make_step, needs, rows=batch):
        def ours():
            require(ctx.numbatorch, *needs)
            return make_step(ctx.numbatorch, rows, ctx.device, ctx.dtype)

        def torch():
            return make_step(ctx.need_torch(), rows, ctx.device, ctx.dtype)

        return {"ours": ours, "torch": torch}

    return [
        Case("two-layer net 1000-100-10, Adam, MSE", f"batch {batch}", "ms/step",
             impls(nets.two_layer_step, nets.TWO_LAYER_NEEDS), size_value=batch),
        Case("LeNet-5 1x28x28, SGD momentum, CE", f"batch {batch}", "ms/step",
             impls(nets.lenet_step, nets.LENET_NEEDS), size_value=batch),
        # one example per step: the per-op overhead of a whole step (issue: <= 1.2x PyTorch)
        Case("MLP 784-128-64-10, SGD, CE", "batch 1", "ms/step",
             impls(nets.mlp_step, nets.MLP_NEEDS, rows=1), size_value=1),
        Case("transformer block 64-wide, 4 heads, seq 32, AdamW, CE", "batch 16", "ms/step",
             impls(lambda lib, _, device, dtype: nets.transformer_step(lib, 16, device, dtype),
                   nets.TRANSFORMER_NEEDS), size_value=16),
    ]  # fmt: skip
