"""A one-layer LSTM over a sequence in GFLOP/s, forward and forward+backward. The flops
are its GEMMs': 2*T*B*4H*(I + H) forward (input and hidden products of every step),
three times that forward+backward (each product's two gradients cost a forward each).
The gate nonlinearities are not counted; at these sizes they are a few percent."""

from __future__ import annotations

from ..harness import Case, require

# (steps, batch, input size, hidden size) per preset; default: a word-level language
# model's shape (35-step windows)
SHAPES = {"tiny": (4, 2, 8, 8), "small": (16, 32, 64, 128), "default": (35, 64, 128, 256),
          "large": (35, 128, 256, 512)}  # fmt: skip


def cases(ctx) -> list[Case]:
    steps, batch, inputs, hidden = SHAPES.get(ctx.options.sizes, SHAPES["default"])
    flops = 2.0 * steps * batch * 4 * hidden * (inputs + hidden)
    label = f"T{steps} B{batch} {inputs}->{hidden}"

    def api(lib_name: str, backward: bool):
        def build():
            if lib_name == "ours":
                lib, tensor = ctx.numbatorch, ctx.ours
                require(lib, "nn.LSTM")
            else:
                lib, tensor = ctx.need_torch(), ctx.theirs
            lib.manual_seed(0)
            dtype = getattr(lib, ctx.np_dtype.name)
            lstm = lib.nn.LSTM(inputs, hidden, device=ctx.device, dtype=dtype)
            x = tensor(ctx.random(steps, batch, inputs), requires_grad=backward)
            if not backward:
                return lambda: lstm(x)
            grad = tensor(ctx.random(steps, batch, hidden, seed=1))

            def step():
                x.grad = None
                lstm.zero_grad()
                lstm(x)[0].backward(grad)

            return step

        return build

    impls = lambda backward: {"ours": api("ours", backward), "torch": api("torch", backward)}  # noqa: E731
    return [
        Case("lstm forward", label, "GFLOP/s", impls(False), work=flops, size_value=batch),
        Case("lstm forward+backward", label, "GFLOP/s", impls(True), work=3 * flops,
             size_value=batch),
    ]  # fmt: skip
