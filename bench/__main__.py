"""`python -m numbatorch.bench`: time numbatorch's kernels, per-op overhead and training
steps beside numpy and PyTorch (where installed), in one run. See bench/README.md."""

from __future__ import annotations

import argparse
import os
import sys

from numbatorch import _config

from . import harness
from .groups import DEFAULT_GROUPS, GROUPS, load

SIZE_PRESETS = ("tiny", "small", "default", "large")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m numbatorch.bench",
        description="Time numbatorch's kernel families, per-op overhead and training steps, "
        "and the same work in numpy and PyTorch when they are installed. Prints a machine "
        "line and one table per group; progress goes to stderr. Ratios 'vs X' are our "
        "speed / X's speed: above 1 ours is faster.",
        epilog="Also report the figures without the environment's OpenBLAS overrides: "
        "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python -m numbatorch.bench ...",
    )
    parser.add_argument(
        "groups", nargs="*", metavar="GROUP",
        help=f"groups to run, from: {', '.join(GROUPS)} (default: all but compile, "
        "which starts subprocesses with a cold kernel cache)",
    )  # fmt: skip
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="device the kernels run on (default cpu); CUDA timings are "
                        "synchronised after every call")  # fmt: skip
    parser.add_argument(
        "--dtype",
        choices=("float32", "float64"),
        default="float32",
        help="element type of the data (default float32)",
    )
    parser.add_argument(
        "--sizes", default="default",
        help="a preset (tiny, small, default, large) or a comma list such as 1K,64K,1M: "
        "element counts for elementwise/reduction, square sizes n for matmul; groups with "
        "fixed shapes use the default preset for a list (default: default)",
    )  # fmt: skip
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="N",
        help="timed samples per implementation (default 20, fewer for "
        "calls slower than 0.1 s); warm-up calls are never timed",
    )
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="time the samples of one implementation should add up to; "
        "fast calls are timed in batches to reach it (default 0.2)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads for Numba, PyTorch and numpy's BLAS alike "
        "(default: the cores this process may use)",
    )
    parser.add_argument(
        "--compare",
        default="numpy,torch",
        metavar="LIST",
        help="references to time beside ours: numpy,torch (default), one "
        "of them, or none; a missing library is skipped with a note",
    )
    parser.add_argument(
        "--impl",
        default=",".join(harness.IMPLS),
        metavar="LIST",
        help=f"implementations to time (default all: {','.join(harness.IMPLS)})",
    )
    parser.add_argument(
        "--torch-subprocess", choices=("auto", "always", "never"), default="auto",
        help="time PyTorch in a separate process, where Numba's thread pool cannot fight "
        "its own: auto (default) does so when a probe finds the two pools slow each other "
        f"down more than {harness.FIGHT_LIMIT:g}x",
    )  # fmt: skip
    parser.add_argument(
        "--cpu",
        metavar="NAME",
        help="compile the kernels for this LLVM CPU and its features (NUMBA_CPU_NAME, and "
        "NUMBA_CPU_FEATURES empty unless set), e.g. haswell for the AVX2 variant on an "
        "AVX-512 host; the bench restarts itself with them set",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results to FILE")
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help="draw matmul GFLOP/s and elementwise GB/s against size (needs matplotlib)",
    )
    parser.add_argument(
        "--no-table", action="store_true", help="print no machine line and no tables (with --json)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    options = parser.parse_args(argv)

    unknown = [g for g in options.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    options.groups = options.groups or list(DEFAULT_GROUPS)
    options.compare = [] if options.compare == "none" else options.compare.split(",")
    options.impl = options.impl.split(",")
    for name in options.compare + options.impl:
        if name not in harness.IMPLS:
            parser.error(f"unknown implementation {name!r}; choose from {harness.IMPLS}")
    options.explicit_repeat = options.repeat is not None
    options.repeat = options.repeat or 20
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    if options.sizes not in SIZE_PRESETS:
        harness.parse_size_list(options.sizes)  # fails early on a bad list
    return options


def main(argv=None) -> int:
    options = parse_args(argv)
    if options.cpu and os.environ.get("NUMBA_CPU_NAME") != options.cpu:
        # Numba reads the target CPU once, at start-up: run the bench again with it set.
        # An empty NUMBA_CPU_FEATURES gives that CPU's own features: without it Numba keeps
        # the host's (AVX-512 code tuned for Haswell, not the AVX2 variant)
        os.environ["NUMBA_CPU_NAME"] = options.cpu
        if os.environ.get("NUMBA_CPU_FEATURES") == _config.wide_vector_features():
            del os.environ["NUMBA_CPU_FEATURES"]  # numbatorch's choice for the host, not the user's
        os.environ.setdefault("NUMBA_CPU_FEATURES", "")
        arguments = sys.argv[1:] if argv is None else list(argv)
        os.execv(sys.executable, [sys.executable, "-m", "numbatorch.bench", *arguments])
    progress = harness.Progress(not options.quiet)
    ctx = harness.Context(options)
    if options.device == "cuda" and not ctx.numbatorch.cuda.is_available():
        print("cuda: unavailable: numbatorch found no CUDA GPU (numbatorch.cuda.is_available() "
              "is False); run with --device cpu", file=sys.stderr)  # fmt: skip
        return 2
    options.threads = harness.set_threads(ctx, options.threads or harness.available_cores())
    ctx.malloc_keeps_freed = harness.keep_freed_memory()
    impls = [i for i in options.impl if i not in harness.REFERENCES or i in options.compare]
    if options.device != "cpu":
        impls = [i for i in impls if i != "numpy"]  # numpy has no GPU: nothing to compare

    ours_selected = any(i not in harness.REFERENCES for i in impls)
    if ours_selected and options.device == "cpu":
        harness.warm_thread_pool()
    if ctx.torch is not None and "torch" in impls:
        if options.torch_subprocess == "always":
            ctx.torch_in_subprocess = True
        elif options.torch_subprocess == "auto" and ours_selected and options.device == "cpu":
            ctx.fight = harness.thread_fight(ctx.torch)
            ctx.torch_in_subprocess = ctx.fight > harness.FIGHT_LIMIT
    missing = [r for r in options.compare if r == "torch" and ctx.torch is None]

    info = harness.machine_info(ctx)
    if not options.no_table:
        print(harness.machine_line(info))
        if missing:
            print("  (torch is not installed: its columns are empty)")
        if options.device != "cpu":
            print("  (numpy runs on the CPU only: no numpy rows on this device)")
        print(flush=True)

    results, skipped = [], []
    for group in options.groups:
        module = load(group)
        cases = list(module.cases(ctx))
        in_process = [i for i in impls if not (i == "torch" and ctx.torch_in_subprocess)]
        if ctx.torch is None:
            in_process = [i for i in in_process if i != "torch"]
        group_results, group_skipped = harness.run_cases(ctx, group, cases, in_process, progress)
        if ctx.torch_in_subprocess and "torch" in impls:
            more, more_skipped = harness.torch_in_subprocess(ctx, [group], progress)
            group_results += more
            group_skipped += more_skipped
        harness.add_ratios(group_results)
        results += group_results
        skipped += group_skipped
        if not options.no_table:
            print(harness.format_table(group, group_results, group_skipped), end="\n\n",
                  flush=True)  # fmt: skip

    failures = [s for s in skipped if s.reason.startswith("error")]
    if options.json:
        settings = {k: v for k, v in vars(options).items() if k not in ("json", "plot")}
        harness.write_json(options.json, harness.machine_info(ctx), settings, results, skipped)
    if options.plot:
        print(harness.plot(options.plot, results), file=sys.stderr)
    if failures and not options.no_table:
        print(f"{len(failures)} implementation(s) failed; see the 'error:' lines above.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
