"""The bench groups, one module per kernel family or scenario. Each module has
`cases(ctx) -> list[harness.Case]`: what to time and through which implementations."""

from __future__ import annotations

import importlib

GROUPS = ("elementwise", "reduction", "matmul", "conv", "pool", "optim", "overhead", "train",
          "compile", "distributed", "dataloader", "rnn", "rows")  # fmt: skip
# these start processes (compile: cold-cache runs, distributed: MPI jobs, dataloader:
# workers); run them by name
DEFAULT_GROUPS = tuple(g for g in GROUPS if g not in ("compile", "distributed", "dataloader"))


def load(group: str):
    return importlib.import_module(f"{__name__}.{group}")
