"""`torch.backends.mkldnn`: numbatorch's CPU kernels are its own Numba kernels, not oneDNN."""

enabled: bool = False


def is_available() -> bool:
    return False
