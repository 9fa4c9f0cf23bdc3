"""One optimizer step (Adam; SGD with momentum 0.9) over the parameters of a
Linear(1000, 1000) layer (1.0M values), in GB/s of the traffic a fused update must make:
Adam reads param, grad, exp_avg, exp_avg_sq and writes the three it updates (7 arrays);
SGD-momentum reads param, grad, buffer and writes param and buffer (5 arrays)."""

from __future__ import annotations

import math

import numpy as np
from numbatorch.kernels.contract import AdamOptions, SGDOptions

from ..harness import Case, require

WIDTH = {"tiny": 100, "small": 300, "default": 1000, "large": 3000}  # Linear(WIDTH, WIDTH)
LR = 1e-3
BETAS = (0.9, 0.999)
EPS = 1e-8
MOMENTUM = 0.9


def cases(ctx) -> list[Case]:
    width = WIDTH.get(ctx.options.sizes, WIDTH["default"])
    shapes = [(width, width), (width,)]
    count = sum(math.prod(s) for s in shapes)
    label = f"{count / 1e6:.2f}M params" if count >= 1e5 else f"{count} params"

    def arrays(seed: int):
        return [ctx.random(*shape, seed=seed + i) for i, shape in enumerate(shapes)]

    def api(lib_name: str, algorithm: str):
        def build():
            if lib_name == "ours":
                lib, tensor = ctx.numbatorch, ctx.ours
                require(lib, f"optim.{algorithm}")
            else:
                lib, tensor = ctx.torch, ctx.theirs
            params = [tensor(a, requires_grad=True) for a in arrays(0)]
            for p, g in zip(params, arrays(10)):
                p.grad = tensor(g)
            if algorithm == "Adam":
                optimizer = lib.optim.Adam(params, lr=LR, betas=BETAS, eps=EPS)
            else:
                optimizer = lib.optim.SGD(params, lr=LR, momentum=MOMENTUM)
            return optimizer.step

        return build

    def raw(algorithm: str):
        def build():
            kernels = ctx.kernels
            params = [kernels.from_host(a) for a in arrays(0)]
            grads = [kernels.from_host(a) for a in arrays(10)]
            states = [[kernels.from_host(np.zeros_like(a)) for a in arrays(0)]
                      for _ in range(2)]  # fmt: skip
            empty = kernels.empty((0,), ctx.np_dtype)
            if algorithm == "SGD":
                sgd_step = ctx.kernel("sgd_step", "optim")
                options = SGDOptions(LR, MOMENTUM, 0.0, 0.0, False, False, False)

                def step():
                    for p, g, buffer in zip(params, grads, states[0]):
                        sgd_step(p, g, buffer, options)

                return step
            adam_step = ctx.kernel("adam_step", "optim")
            count = [0]

            def step():
                count[0] += 1
                for p, g, m, v in zip(params, grads, *states):
                    options = AdamOptions(LR, *BETAS, EPS, 0.0, count[0], False, False, False)
                    adam_step(p, g, m, v, empty, options)

            return step

        return build

    def numpy(algorithm: str):
        def build():
            """The update written with numpy ufuncs in place (one pass per operation)."""
            params = [ctx.numpy_array(a) for a in arrays(0)]
            grads = [ctx.numpy_array(a) for a in arrays(10)]
            first = [np.zeros_like(p) for p in params]
            second = [np.zeros_like(p) for p in params]
            scratch = [np.empty_like(p) for p in params]
            if algorithm == "SGD":

                def step():
                    for p, g, buffer, tmp in zip(params, grads, first, scratch):
                        buffer *= MOMENTUM
                        buffer += g
                        np.multiply(buffer, LR, out=tmp)
                        p -= tmp

                return step
            beta1, beta2 = BETAS
            count = [0]

            def step():
                count[0] += 1
                correction1 = 1 - beta1 ** count[0]
                correction2 = math.sqrt(1 - beta2 ** count[0])
                for p, g, m, v, tmp in zip(params, grads, first, second, scratch):
                    m *= beta1
                    np.multiply(g, 1 - beta1, out=tmp)
                    m += tmp
                    v *= beta2
                    np.multiply(g, g, out=tmp)
                    tmp *= 1 - beta2
                    v += tmp
                    np.sqrt(v, out=tmp)
                    tmp /= correction2
                    tmp += EPS
                    np.divide(m, tmp, out=tmp)
                    tmp *= LR / correction1
                    p -= tmp

            return step

        return build

    itemsize = ctx.np_dtype.itemsize
    return [
        Case(f"{algorithm} step", label, "GB/s",
             {"ours": api("ours", algorithm), "ours-raw": raw(algorithm),
              "numpy": numpy(algorithm), "torch": api("torch", algorithm)},
             work=arrays_moved * count * itemsize, size_value=count)
        for algorithm, arrays_moved in (("Adam", 7), ("SGD", 5))
    ]  # fmt: skip
