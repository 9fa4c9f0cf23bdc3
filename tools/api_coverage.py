"""How much of PyTorch's public API numbatorch covers: for each namespace (torch,
torch.nn, torch.nn.functional, torch.optim, torch.optim.lr_scheduler, torch.linalg), the
public callables PyTorch has and how many of them numbatorch has under the same name.
Needs PyTorch installed (it is the reference, never a dependency).

    python tools/api_coverage.py            # one line per namespace
    python tools/api_coverage.py --missing  # and the names still missing
"""

from __future__ import annotations

import argparse
import importlib
import inspect

NAMESPACES = [
    "",
    ".nn",
    ".nn.functional",
    ".optim",
    ".optim.lr_scheduler",
    ".linalg",
]


def public_callables(module) -> set[str]:
    """Names in `module` that a user calls: public, callable, not a submodule, and not a
    typing helper re-exported from elsewhere."""
    names = set()
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name, None)
        if inspect.ismodule(value) or not callable(value):
            continue
        origin = getattr(value, "__module__", "") or ""
        if origin.startswith(("typing", "collections", "builtins", "enum")):
            continue
        names.add(name)
    return names


def coverage(torch_root: str = "torch", ours_root: str = "numbatorch") -> list[tuple]:
    rows = []
    for suffix in NAMESPACES:
        theirs = public_callables(importlib.import_module(torch_root + suffix))
        try:
            ours_module = importlib.import_module(ours_root + suffix)
        except ImportError:
            ours = set()
        else:
            ours = {name for name in theirs if hasattr(ours_module, name)}
        rows.append(("torch" + suffix, len(ours), len(theirs), sorted(theirs - ours)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--missing", action="store_true", help="list the missing names")
    args = parser.parse_args()
    import torch

    print(f"PyTorch {torch.__version__}: public callables numbatorch has under the same name")
    for namespace, have, total, missing in coverage():
        print(f"{namespace:28s} {have:4d} / {total:4d}  ({100 * have / max(total, 1):.0f}%)")
        if args.missing:
            print("    missing: " + ", ".join(missing))


if __name__ == "__main__":
    main()
