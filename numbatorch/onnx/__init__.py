"""ONNX export (`torch.onnx.export`): the forward is traced once (`numbatorch._trace`) and
each recorded op translated to ONNX nodes with the `onnx` package (optional extra
``numbatorch[onnx]``), which is imported only when `export` runs."""

from . import errors
from ._export import export, is_in_onnx_export

__all__ = ["errors", "export", "is_in_onnx_export"]
