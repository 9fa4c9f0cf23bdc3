"""Matrix products in GFLOP/s (2*M*N*K per call): square sizes and the GEMM a 3x3 conv of
64 -> 64 channels on 56x56 runs (64 x 576 x 3136). Our own packed kernel (`gemm`) and its
BLAS alternative (`gemm_blas`) are both timed, beside numpy's and PyTorch's matmul."""

from __future__ import annotations

import numpy as np

from ..harness import Case

SIZES = {
    "tiny": [64],
    "small": [128, 256],
    "default": [128, 256, 512, 1024],
    "large": [128, 256, 512, 1024, 2048],
}
CONV_SHAPED = (64, 576, 3136)  # M x K x N: 64 filters, 64 channels x 3x3, 56x56 pixels


def cases(ctx) -> list[Case]:
    found = [_case(ctx, "gemm", n, n, n, f"{n}^3") for n in ctx.sizes(SIZES)]
    if ctx.options.sizes in ("small", "default", "large"):
        m, k, n = CONV_SHAPED
        found.append(_case(ctx, "gemm conv-shaped", m, k, n, f"{m}x{k}x{n}"))
    return found


def _case(ctx, name: str, m: int, k: int, n: int, label: str) -> Case:
    inputs = lambda: (ctx.random(m, k, seed=0), ctx.random(k, n, seed=1))  # noqa: E731

    def ours():
        a, b = (ctx.ours(x) for x in inputs())
        return lambda: ctx.numbatorch.mm(a, b)

    def raw(launcher: str):
        def build():
            kernels = ctx.kernels
            launch = ctx.kernel(launcher, "matmul")
            a, b = (kernels.from_host(x) for x in inputs())
            out = kernels.empty((m, n), ctx.np_dtype)
            return lambda: launch(a, b, out)

        return build

    def numpy():
        a, b = (ctx.numpy_array(x) for x in inputs())
        out = np.empty((m, n), ctx.np_dtype)
        return lambda: np.matmul(a, b, out=out)

    def torch():
        a, b = (ctx.theirs(x) for x in inputs())
        out = ctx.theirs(np.empty((m, n), ctx.np_dtype))
        return lambda: ctx.torch.mm(a, b, out=out)

    impls = {"ours": ours, "ours-raw": raw("gemm"), "blas": raw("gemm_blas"), "numpy": numpy,
             "torch": torch}  # fmt: skip
    return Case(name, label, "GFLOP/s", impls, work=2.0 * m * n * k, size_value=n)
