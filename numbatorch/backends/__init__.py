"""`numbatorch.backends`: the switches PyTorch scripts set for cuDNN, TF32, MPS and oneDNN.

numbatorch runs its own Numba kernels, not cuDNN, oneDNN or MPS, so these flags are kept
(scripts read back what they set) but change no kernel; the `is_available()` questions
answer for numbatorch's kernels.
"""

from . import cuda, cudnn, mkldnn, mps

__all__ = ["cuda", "cudnn", "mkldnn", "mps"]
