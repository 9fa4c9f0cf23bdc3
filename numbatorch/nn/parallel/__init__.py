"""Data parallelism, as torch.nn.parallel: across processes (DistributedDataParallel) and
the single-process DataParallel wrapper."""

from .data_parallel import DataParallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]
