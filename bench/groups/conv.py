"""2-D convolution in GFLOP/s: a 3x3, padding-1 conv of 32 -> 64 channels on a batch of
32x32 images, forward (2*N*OC*OH*OW*C*9 flops) and forward+backward (three times that:
the input and weight gradients each cost a forward). On the CPU such a convolution runs
as Winograd F(4x4, 3x3), which does fewer multiplies than that count (GFLOP/s are the
direct convolution's flops over the time); `ours-im2col` times the im2col + GEMM
kernels it replaces."""

from __future__ import annotations

import sys

import numpy as np

from ..harness import Case, Unavailable, require

# (batch, in channels, height = width, out channels) per preset
SHAPES = {"tiny": (2, 4, 8, 8), "small": (16, 32, 32, 64), "default": (64, 32, 32, 64),
          "large": (128, 32, 32, 64)}  # fmt: skip
KERNEL = 3
PADDING = 1


def cases(ctx) -> list[Case]:
    n, c, hw, oc = SHAPES.get(ctx.options.sizes, SHAPES["default"])
    flops = 2.0 * n * oc * hw * hw * c * KERNEL * KERNEL
    label = f"{n}x{c}x{hw}x{hw}->{oc}"
    data = lambda: (ctx.random(n, c, hw, hw, seed=0),  # noqa: E731
                    ctx.random(oc, c, KERNEL, KERNEL, seed=1) * 0.1,
                    ctx.random(oc, seed=2),
                    ctx.random(n, oc, hw, hw, seed=3))  # fmt: skip

    def api(lib_name: str, backward: bool):
        def build():
            if lib_name == "ours":
                lib, tensor = ctx.numbatorch, ctx.ours
                require(lib, "nn.functional.conv2d")
            else:
                lib, tensor = ctx.torch, ctx.theirs
            x, w, b, grad = data()
            x, w, b = (tensor(a, requires_grad=backward) for a in (x, w, b))
            grad = tensor(grad)
            conv2d = lib.nn.functional.conv2d
            if not backward:
                return lambda: conv2d(x, w, b, padding=PADDING)

            def step():
                x.grad = w.grad = b.grad = None
                conv2d(x, w, b, padding=PADDING).backward(grad)

            return step

        return build

    def raw(backward: bool, winograd: bool = True):
        def build():
            step = build_step()
            if winograd:
                return step
            module = sys.modules[ctx.kernel("conv2d_forward", "conv").__module__]
            return _without_winograd(module, step)

        def build_step():
            forward = ctx.kernel("conv2d_forward", "conv")
            backward_kernel = ctx.kernel("conv2d_backward", "conv")
            kernels = ctx.kernels
            x, w, b, grad = (kernels.from_host(a) for a in data())
            out = kernels.empty((n, oc, hw, hw), ctx.np_dtype)
            geometry = ((1, 1), (PADDING, PADDING), (1, 1), 1)
            if not backward:
                return lambda: forward(x, w, b, *geometry, out)
            grad_x = kernels.empty(x.shape, ctx.np_dtype)
            grad_w = kernels.empty(w.shape, ctx.np_dtype)
            grad_b = kernels.empty(b.shape, ctx.np_dtype)

            def step():
                forward(x, w, b, *geometry, out)
                backward_kernel(x, w, grad, *geometry, grad_x, grad_w, grad_b)

            return step

        return build

    def numpy():
        """im2col by sliding windows, then one BLAS product: the numpy way to convolve."""
        x, w, b, _ = (ctx.numpy_array(a) for a in data())
        padded = np.zeros((n, c, hw + 2 * PADDING, hw + 2 * PADDING), ctx.np_dtype)
        weights = w.reshape(oc, -1)

        def forward():
            padded[:, :, PADDING:-PADDING, PADDING:-PADDING] = x
            windows = np.lib.stride_tricks.sliding_window_view(padded, (KERNEL, KERNEL), (2, 3))
            cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * KERNEL * KERNEL, -1)
            out = (weights @ cols).reshape(oc, n, hw, hw).transpose(1, 0, 2, 3)
            return out + b[None, :, None, None]

        return forward

    return [
        Case("conv2d forward", label, "GFLOP/s",
             {"ours": api("ours", False), "ours-raw": raw(False),
              "ours-im2col": raw(False, winograd=False), "numpy": numpy,
              "torch": api("torch", False)}, work=flops, size_value=n),
        Case("conv2d forward+backward", label, "GFLOP/s",
             {"ours": api("ours", True), "ours-raw": raw(True),
              "ours-im2col": raw(True, winograd=False), "torch": api("torch", True)},
             work=3 * flops, size_value=n),
    ]  # fmt: skip


def _without_winograd(module, step):
    """`step` with the backend's Winograd path switched off for its duration: the im2col +
    GEMM kernels alone (where the backend has no Winograd path, there is nothing to time)."""
    if not hasattr(module, "WINOGRAD_CHANNELS"):
        raise Unavailable(f"{module.__name__} has no Winograd path to switch off")

    def without():
        saved = module.WINOGRAD_CHANNELS
        module.WINOGRAD_CHANNELS = 1 << 62
        try:
            step()
        finally:
            module.WINOGRAD_CHANNELS = saved

    return without
