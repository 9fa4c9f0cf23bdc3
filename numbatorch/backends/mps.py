"""`torch.backends.mps`: numbatorch has no Apple Metal backend."""


def is_available() -> bool:
    return False


def is_built() -> bool:
    return False
