"""The exporter's exceptions, under PyTorch's names (`torch.onnx.errors`)."""

from __future__ import annotations


class OnnxExporterError(RuntimeError):
    """Errors raised by the ONNX exporter."""


class OnnxExporterWarning(UserWarning):
    """Warnings of the ONNX exporter: the model exported may not generalize."""


class UnsupportedOperatorError(OnnxExporterError):
    """Raised when an operator is unsupported by the exporter."""

    def __init__(self, name: str, version: int, supported_version: int | None) -> None:
        if supported_version is not None:
            message = (
                f"Exporting the operator '{name}' to ONNX opset version {version} "
                "is not supported. Support for this operator was added in version "
                f"{supported_version}, try exporting with this version"
            )
        else:
            message = (
                f"Exporting the operator '{name}' to ONNX opset version {version} is not supported"
            )
        super().__init__(message)
        self.name = name
