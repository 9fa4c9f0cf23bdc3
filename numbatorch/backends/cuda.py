"""`torch.backends.cuda` flags. numbatorch's float32 matmul never uses TF32 (Numba has no
tensor-core access), so `matmul.allow_tf32` is recorded only."""

from __future__ import annotations


class _MatmulFlags:
    """`torch.backends.cuda.matmul`: the TF32 and reduced-precision switches."""

    def __init__(self) -> None:
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built() -> bool:
    from .. import cuda

    return cuda.is_available()
