"""Tensor printing that reproduces PyTorch's ``repr`` character for character.

Formatting only: the caller hands over a host numpy array plus the metadata that
PyTorch shows as suffixes. Mirrors ``torch/_tensor_str.py`` (PyTorch 2.x).
"""

import contextlib
import dataclasses
import math

import numpy as np


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


_OPTIONS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(
    precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None
):
    """Set options for printing tensors, as ``torch.set_printoptions``.

    A profile ('default', 'short', 'full') is applied first, then any explicit option.
    Like PyTorch, ``sci_mode`` is always assigned, so omitting it restores automatic mode.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(
                f"set_printoptions: unknown profile {profile!r}, expected one of "
                f"{sorted(_PROFILES)}"
            )
        for name, value in _PROFILES[profile].items():
            setattr(_OPTIONS, name, value)
    for name, value in (
        ("precision", precision),
        ("threshold", threshold),
        ("edgeitems", edgeitems),
        ("linewidth", linewidth),
    ):
        if value is not None:
            setattr(_OPTIONS, name, value)
    _OPTIONS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current options, as keyword arguments that ``set_printoptions`` accepts."""
    return dataclasses.asdict(_OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (arguments as ``set_printoptions``)."""
    saved = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**saved)


# ---------------------------------------------------------------------------------------
# Element formatting: one formatter per tensor, so every element gets the same width.
# ---------------------------------------------------------------------------------------


class _Formatter:
    """Chooses int mode / scientific mode and a common width from the values it is shown.

    Only nonzero finite values drive the choice (and the width) for floats, so ``nan``,
    ``inf`` and zeros never switch a tensor into scientific notation.
    """

    def __init__(self, flat_values: np.ndarray):
        self.floating = flat_values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = _OPTIONS.precision

        if not self.floating:
            for value in flat_values.tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return

        shown = flat_values[np.isfinite(flat_values) & (flat_values != 0)]
        if shown.size == 0:
            return
        # float64 because float16 overflows at 1e8, the scientific-mode bound.
        magnitudes = np.abs(shown).astype(np.float64)
        # Python floats: their division overflows to inf silently, as torch's does.
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        if _OPTIONS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = _OPTIONS.sci_mode

        if self.sci_mode:
            widths = (len(f"{v:.{precision}e}") for v in shown.tolist())
        elif self.int_mode:
            # +1 for the trailing "." that marks an integral float ("2.").
            widths = (len(f"{v:.0f}") + 1 for v in shown.tolist())
        else:
            widths = (len(f"{v:.{precision}f}") for v in shown.tolist())
        self.max_width = max(self.max_width, *widths)

    def format(self, value) -> str:
        precision = _OPTIONS.precision
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{precision}f}"
        return text.rjust(self.max_width)


def _summarized_values(values: np.ndarray) -> np.ndarray:
    """The flat values a summarized print will show (edgeitems per side of every dim)."""
    edge = _OPTIONS.edgeitems
    if values.ndim == 0:
        return values.reshape(-1)
    if values.ndim == 1:
        # values[-0:] is the whole vector; PyTorch shares that quirk for edgeitems=0.
        if values.shape[0] > 2 * edge:
            return np.concatenate((values[:edge], values[-edge:]))
        return values
    if not edge:
        return values.reshape(-1)[:0]
    rows = range(values.shape[0])
    if values.shape[0] > 2 * edge:
        rows = [*rows[:edge], *rows[-edge:]]
    return np.concatenate([_summarized_values(values[i]).reshape(-1) for i in rows])


# ---------------------------------------------------------------------------------------
# Layout: nested brackets, line wrapping and "..." summarization.
# ---------------------------------------------------------------------------------------


def _vector_str(values: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    edge = _OPTIONS.edgeitems
    element_length = formatter.max_width + 2  # the ", " between elements
    per_line = max(1, (_OPTIONS.linewidth - indent) // element_length)

    if summarize and not edge:
        elements = ["..."]
    elif summarize and values.shape[0] > 2 * edge:
        head = [formatter.format(v) for v in values[:edge].tolist()]
        tail = [formatter.format(v) for v in values[-edge:].tolist()]
        elements = [*head, " ...", *tail]
    else:
        elements = [formatter.format(v) for v in values.tolist()]

    lines = [", ".join(elements[i : i + per_line]) for i in range(0, len(elements), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector_str(values, indent, summarize, formatter)

    edge = _OPTIONS.edgeitems
    count = values.shape[0]
    if summarize and count > 2 * edge:
        head = [_nested_str(values[i], indent + 1, summarize, formatter) for i in range(edge)]
        tail = [
            _nested_str(values[i], indent + 1, summarize, formatter)
            for i in range(count - edge, count)
        ]
        slices = [*head, "...", *tail]
    else:
        slices = [_nested_str(row, indent + 1, summarize, formatter) for row in values]
    # A 3-D tensor separates its matrices by one blank line, a 4-D one by two, ...
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _values_str(values: np.ndarray, indent: int) -> str:
    summarize = values.size > _OPTIONS.threshold
    formatter = _Formatter(_summarized_values(values) if summarize else values.reshape(-1))
    return _nested_str(values, indent, summarize, formatter)


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, starting a new line when one would pass linewidth."""
    # PyTorch's "+ 1" (and rfind's -1 when there is no newline) overcount the last line;
    # reproduced so wrapping happens at exactly the same widths.
    last_line_length = len(text) - text.rfind("\n") + 1
    parts = [text]
    for suffix in suffixes:
        if last_line_length + len(suffix) + 2 > _OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_length += len(suffix) + 2
    return "".join(parts) + ")"


def tensor_repr(
    values: np.ndarray,
    *,
    dtype_name: str,
    print_dtype: bool,
    device: str | None = None,
    grad_fn: str | None = None,
    requires_grad: bool = False,
    prefix: str = "tensor(",
) -> str:
    """PyTorch's ``repr`` of a tensor holding ``values`` (a host array of its shape).

    ``print_dtype`` follows PyTorch's rule for non-empty tensors (False for the default
    float dtype, int64 and bool); an empty tensor still shows int64/bool, as PyTorch does,
    because no element reveals its dtype. ``device`` is None for cpu; ``grad_fn`` is the
    backward node's class name and takes precedence over ``requires_grad``.
    """
    values = np.asarray(values)
    indent = len(prefix)
    suffixes = []
    if device is not None:
        suffixes.append(f"device='{device}'")
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if print_dtype or dtype_name in ("int64", "bool"):
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = "[]"
    else:
        if not _OPTIONS.edgeitems:
            suffixes.append(f"size={tuple(values.shape)}")
        if print_dtype:
            suffixes.append(f"dtype=torch.{dtype_name}")
        body = _values_str(values, indent)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
