"""`numbatorch.nn`: Modules, Parameter, layers, `functional`, `init` and `utils`, with
PyTorch's names, defaults and reprs."""

from . import functional, init, parallel, utils
from .modules import *  # noqa: F403 - the layer classes, listed in modules.__all__
from .modules import __all__ as _layers
from .parallel import DataParallel
from .parameter import Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [
    "DataParallel",
    "Parameter",
    "functional",
    "init",
    "parallel",
    "utils",
    *_layers,
    "UninitializedBuffer",
    "UninitializedParameter",
]
