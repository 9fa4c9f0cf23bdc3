"""One translator per traced op: `translate(builder, node)` emits the ONNX nodes of one
`_trace.Node` and returns the ONNX names of its outputs. Keyed by the Function's class
name; a subclass without its own entry (`Transpose` of `Permute`) uses its base's."""

from __future__ import annotations

import math

import numpy as np

from .._trace import Value
from .errors import OnnxExporterError, UnsupportedOperatorError

TRANSLATORS: dict = {}

_INT64_MAX = np.iinfo(np.int64).max


def translator_for(function: type):
    for cls in function.__mro__:
        if cls.__name__ in TRANSLATORS:
            return TRANSLATORS[cls.__name__]
    return None


def translates(*names: str):
    def register(fn):
        for name in names:
            TRANSLATORS[name] = fn
        return fn

    return register


def _out_dtype(node):
    return node.outputs[0].dtype


def _x(b, node, name: str = "x") -> str:
    """Argument `name` in the output's dtype (the ops below compute in it)."""
    return b.operand(node.args[name], _out_dtype(node))


# --- elementwise ---------------------------------------------------------------------------

_BINARY = {"Add": "Add", "Sub": "Sub", "Mul": "Mul", "Div": "Div", "Pow": "Pow",
           "Maximum": "Max", "Minimum": "Min"}  # fmt: skip


def _size_scalar(b, node, traced, other, dtype) -> str:
    """A 0-d operand of `dtype` for a number that is `traced` here and `other` in the twin
    trace: a constant where they agree, else the size of a dynamic axis it is (x / n), read
    at run time; a number that is no whole size stays (the twin build then differs)."""
    whole = all(isinstance(v, (int, float)) and float(v).is_integer() for v in (traced, other))
    if traced == other or isinstance(traced, bool) or not whole:
        return b.operand(traced, dtype)
    from .. import _dtype

    size = b.size(int(traced), int(other), node.inputs, f"'numbatorch::{node.op}'")
    return b.cast(b.op("Reshape", [size, b.ints([])]), _dtype.int64, dtype)


def _operand(b, node, name: str, dtype) -> str:
    """Argument `name` in `dtype`: a Value, or a number that may be a dynamic size."""
    item = node.args[name]
    if isinstance(item, Value):
        return b.operand(item, dtype)
    return _size_scalar(b, node, item, b.twin(node).args[name], dtype)


@translates(*_BINARY)
def _binary(b, node):
    dtype = _out_dtype(node)
    other = _operand(b, node, "b", dtype)
    if node.args.get("alpha", 1) != 1:
        other = b.op("Mul", [other, _operand(b, node, "alpha", dtype)])
    return b.op(_BINARY[node.op], [_operand(b, node, "a", dtype), other])


_UNARY = {"Neg": "Neg", "Abs": "Abs", "Exp": "Exp", "Log": "Log", "Sqrt": "Sqrt", "Sin": "Sin",
          "Cos": "Cos", "Tanh": "Tanh", "Sigmoid": "Sigmoid", "Relu": "Relu",
          "Reciprocal": "Reciprocal", "Erf": "Erf", "Floor": "Floor", "Ceil": "Ceil",
          "Round": "Round", "Sign": "Sign"}  # fmt: skip


@translates(*_UNARY)
def _unary(b, node):
    return b.op(_UNARY[node.op], [_x(b, node)])


def _scalar(b, node, value) -> str:
    return b.operand(value, _out_dtype(node))


@translates("Rsqrt")
def _rsqrt(b, node):
    return b.op("Reciprocal", [b.op("Sqrt", [_x(b, node)])])


@translates("Square")
def _square(b, node):
    x = _x(b, node)
    return b.op("Mul", [x, x])


@translates("Log1p")
def _log1p(b, node):
    return b.op("Log", [b.op("Add", [_x(b, node), _scalar(b, node, 1)])])


@translates("Expm1")
def _expm1(b, node):
    return b.op("Sub", [b.op("Exp", [_x(b, node)]), _scalar(b, node, 1)])


@translates("Log2")
def _log2(b, node):
    return b.op("Div", [b.op("Log", [_x(b, node)]), _scalar(b, node, math.log(2))])


@translates("Clamp")
def _clamp(b, node):
    low, high = node.args["p0"], node.args["p1"]
    inputs = [_x(b, node)]
    inputs.append(_scalar(b, node, low) if low != -math.inf else "")
    if high != math.inf:
        inputs.append(_scalar(b, node, high))
    return b.op("Clip", inputs)


@translates("LeakyRelu")
def _leaky_relu(b, node):
    return b.op("LeakyRelu", [_x(b, node)], alpha=float(node.args["p0"]))


@translates("Elu")
def _elu(b, node):
    return b.op("Elu", [_x(b, node)], alpha=float(node.args["p0"]))


@translates("Silu")
def _silu(b, node):
    x = _x(b, node)
    return b.op("Mul", [x, b.op("Sigmoid", [x])])


@translates("Gelu")
def _gelu(b, node):
    x = _x(b, node)
    if b.opset >= 20:
        return b.op("Gelu", [x])
    # x * 0.5 * (1 + erf(x / sqrt(2))), the exact GELU before opset 20 has it as one op
    erf = b.op("Erf", [b.op("Div", [x, _scalar(b, node, math.sqrt(2.0))])])
    half_x = b.op("Mul", [x, _scalar(b, node, 0.5)])
    return b.op("Mul", [half_x, b.op("Add", [erf, _scalar(b, node, 1.0)])])


@translates("GeluTanh")
def _gelu_tanh(b, node):
    x = _x(b, node)
    if b.opset >= 20:
        return b.op("Gelu", [x], approximate="tanh")
    # 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))), GELU's tanh form
    cube = b.op("Mul", [b.op("Mul", [x, x]), x])
    inner = b.op("Add", [x, b.op("Mul", [cube, _scalar(b, node, 0.044715)])])
    tanh = b.op("Tanh", [b.op("Mul", [inner, _scalar(b, node, math.sqrt(2.0 / math.pi))])])
    half_x = b.op("Mul", [x, _scalar(b, node, 0.5)])
    return b.op("Mul", [half_x, b.op("Add", [tanh, _scalar(b, node, 1.0)])])


@translates("Softplus")
def _softplus(b, node):
    beta, threshold = node.args["p0"], node.args["p1"]
    x = _x(b, node)
    scaled = x if beta == 1 else b.op("Mul", [x, _scalar(b, node, beta)])
    soft = b.op("Softplus", [scaled])
    if beta != 1:
        soft = b.op("Div", [soft, _scalar(b, node, beta)])
    if threshold == math.inf:
        return soft
    # PyTorch's linear cut-off: x where beta * x > threshold
    above = b.op("Greater", [scaled, _scalar(b, node, threshold)])
    return b.op("Where", [above, x, soft])


@translates("Where")
def _where(b, node):
    from .. import _dtype

    condition = b.operand(node.args["condition"], _dtype.bool)
    dtype = _out_dtype(node)
    return b.op("Where", [condition, b.operand(node.args["a"], dtype),
                          b.operand(node.args["b"], dtype)])  # fmt: skip


@translates("MaskedFill")
def _masked_fill(b, node):
    from .. import _dtype

    dtype = _out_dtype(node)
    mask = b.operand(node.args["mask"], _dtype.bool)
    return b.op("Where", [mask, b.operand(node.args["value"], dtype), _x(b, node)])


@translates("Clone")
def _clone(b, node):
    return b.op("Identity", [b.name(node.args["x"])])


@translates("ToCopy")
def _to_copy(b, node):
    x, dtype = node.args["x"], node.args["dtype"]
    if x.dtype is dtype:
        return b.op("Identity", [b.name(x)])
    return b.cast(b.name(x), x.dtype, dtype)


# --- matrix products -------------------------------------------------------------------------


@translates("Linear")
def _linear(b, node):
    inputs = [b.name(node.args["input"]), b.name(node.args["weight"])]
    if node.args["bias"] is not None:
        inputs.append(_x(b, node, "bias"))
    return b.op("Gemm", inputs, transB=1)


@translates("Addmm")
def _addmm(b, node):
    return b.op("Gemm", [b.name(node.args["a"]), b.name(node.args["b"]), _x(b, node, "bias")])


@translates("Mm", "Bmm", "BatchedMatmul")
def _matmul(b, node):
    return b.op("MatMul", [b.name(node.args["a"]), b.name(node.args["b"])])


# --- convolution and pooling -----------------------------------------------------------------


@translates("Convolution")
def _convolution(b, node):
    args = node.args
    weight = args["weight"]
    inputs = [b.name(args["x"]), b.name(weight)]
    if args["bias"] is not None:
        inputs.append(_x(b, node, "bias"))
    padding = list(args["padding"])
    attributes = {
        "kernel_shape": list(weight.shape[2:]),
        "strides": list(args["stride"]),
        "pads": padding + padding,
        "dilations": list(args["dilation"]),
        "group": int(args["groups"]),
    }
    if args["transposed"]:
        return b.op("ConvTranspose", inputs, output_padding=list(args["output_padding"]),
                    **attributes)  # fmt: skip
    return b.op("Conv", inputs, **attributes)


def _ceil_mode(in_size, out_size, kernel, stride, padding, dilation) -> int:
    """1 when the traced output size is the ceil-mode one (the Function receives sizes)."""
    for n, out, k, s, p, d in zip(in_size, out_size, kernel, stride, padding, dilation):
        if (n + 2 * p - d * (k - 1) - 1) // s + 1 != out:
            return 1
    return 0


@translates("MaxPool2DWithIndices")
def _max_pool(b, node):
    args = node.args
    x = args["x"]
    padding = list(args["padding"])
    ceil = _ceil_mode(x.shape[2:], args["output_size"], args["kernel_size"], args["stride"],
                      padding, args["dilation"])  # fmt: skip
    out = b.op(
        "MaxPool",
        [b.name(x)],
        kernel_shape=list(args["kernel_size"]),
        strides=list(args["stride"]),
        pads=padding + padding,
        dilations=list(args["dilation"]),
        ceil_mode=ceil,
    )
    # ONNX's indices count over the whole tensor, PyTorch's over each plane: not exported
    return [out, None]


@translates("AvgPool2D")
def _avg_pool(b, node):
    args = node.args
    if args["divisor_override"]:  # 0 stands for None
        raise OnnxExporterError("ONNX export: avg_pool2d with divisor_override is not supported")
    padding = list(args["padding"])
    return b.op(
        "AveragePool",
        [b.name(args["x"])],
        kernel_shape=list(args["kernel_size"]),
        strides=list(args["stride"]),
        pads=padding + padding,
        ceil_mode=int(bool(args["ceil_mode"])),
        count_include_pad=int(bool(args["count_include_pad"])),
    )


@translates("AdaptiveAvgPool2D")
def _adaptive_avg_pool(b, node):
    x, output_size = node.args["x"], tuple(node.args["output_size"])
    if output_size == (1, 1):
        return b.op("GlobalAveragePool", [b.name(x)])
    in_size = x.shape[2:]
    if any(n % out for n, out in zip(in_size, output_size)):
        raise OnnxExporterError(
            f"ONNX export: adaptive_avg_pool2d from {list(in_size)} to {list(output_size)} "
            "(not a whole multiple) is not supported"
        )
    kernel = [n // out for n, out in zip(in_size, output_size)]
    return b.op("AveragePool", [b.name(x)], kernel_shape=kernel, strides=kernel)


# --- normalization, embedding ----------------------------------------------------------------


@translates("NativeBatchNorm")
def _batch_norm(b, node):
    args = node.args
    if args["training"]:
        raise OnnxExporterError(
            "ONNX export: batch_norm with batch statistics (training=True or no running "
            "stats) is not supported; export a model whose BatchNorm layers track running stats"
        )
    dtype = _out_dtype(node)
    channels = args["x"].shape[1]
    scale = args["weight"] if args["weight"] is not None else 1.0
    shift = args["bias"] if args["bias"] is not None else 0.0
    inputs = [
        _x(b, node),
        _per_channel(b, scale, dtype, channels),
        _per_channel(b, shift, dtype, channels),
        b.operand(args["running_mean"], dtype),
        b.operand(args["running_var"], dtype),
    ]
    return b.op("BatchNormalization", inputs, epsilon=float(args["eps"]),
                momentum=1.0 - float(args["momentum"]))  # fmt: skip


def _per_channel(b, item, dtype, channels) -> str:
    if isinstance(item, Value):
        return b.operand(item, dtype)
    return b.constant(np.full(channels, item, dtype=dtype.numpy))


@translates("NativeLayerNorm")
def _layer_norm(b, node):
    if b.opset < 17:
        raise UnsupportedOperatorError("numbatorch::NativeLayerNorm", b.opset, 17)
    args = node.args
    x, n, dtype = args["x"], args["n"], _out_dtype(node)
    # the fewest trailing dims that hold the n normalized elements (more, all of size 1,
    # normalize the same groups)
    k = next(k for k in range(1, len(x.shape) + 1) if math.prod(x.shape[-k:]) == n)
    normalized = x.shape[-k:]
    weight, bias = args["weight"], args["bias"]
    if weight is None:
        scale = b.constant(np.ones(normalized, dtype=dtype.numpy))
    else:
        scale = _shaped(b, weight, dtype, normalized)
    inputs = [_x(b, node), scale]
    if bias is not None:
        inputs.append(_shaped(b, bias, dtype, normalized))
    return b.op("LayerNormalization", inputs, axis=-k, epsilon=float(args["eps"]))


def _shaped(b, value: Value, dtype, shape: tuple) -> str:
    operand = b.operand(value, dtype)
    return operand if value.shape == shape else b.op("Reshape", [operand, b.ints(shape)])


@translates("Embedding")
def _embedding(b, node):
    weight, flat, shape = node.args["weight"], node.args["flat"], tuple(node.args["shape"])
    producer = flat.producer
    if producer is not None and _is_reshape(producer) and producer.args["x"].shape == shape:
        # the indices as given, before embedding() flattened them: Gather keeps their shape
        return b.op("Gather", [b.name(weight), b.name(producer.args["x"])], axis=0)
    rows = b.op("Gather", [b.name(weight), b.name(flat)], axis=0)
    target = b.sizes(node, lambda n: (*n.args["shape"], n.args["weight"].shape[1]), infer=True)
    return b.op("Reshape", [rows, target])


@translates("IndexSelect")
def _index_select(b, node):
    x = node.args["x"]

    def steps_of(n) -> int | None:
        known = b.known(n.args["index"]) if int(n.args["dim"]) == 0 else None
        if known is None or len(known) != n.args["x"].shape[0]:
            return None
        return _block_reversal(known)

    if steps_of(node) is not None:
        # the time reversal of a recurrent layer's reverse direction: blocks of rows in
        # reverse order, as a Slice that needs no index constant of the traced size
        rest = list(x.shape[1:])
        target = b.sizes(node, lambda n: [steps_of(n) or 0, -1, *n.args["x"].shape[1:]])
        blocks = b.op("Reshape", [b.name(x), target])
        start, stop = b.ints([-1]), b.ints([-_INT64_MAX])
        reversed_ = b.op("Slice", [blocks, start, stop, b.ints([0]), b.ints([-1])])
        return b.op("Reshape", [reversed_, b.ints([-1] + rest)])
    return b.op("Gather", [b.name(node.args["x"]), b.name(node.args["index"])],
                axis=int(node.args["dim"]))  # fmt: skip


def _block_reversal(index) -> int | None:
    """The number of blocks when `index` lists equal blocks of consecutive rows, last block
    first ([4, 5, 2, 3, 0, 1]: 3), else None."""
    if index.ndim != 1 or len(index) < 2:
        return None
    size = len(index) - int(index[0])
    if size < 1 or len(index) % size:
        return None
    blocks = len(index) // size
    expected = np.arange(len(index)).reshape(blocks, size)[::-1].ravel()
    return blocks if np.array_equal(index, expected) else None


@translates("Gather")
def _gather(b, node):
    return b.op("GatherElements", [b.name(node.args["x"]), b.name(node.args["index"])],
                axis=int(node.args["dim"]))  # fmt: skip


# --- reductions and softmax ------------------------------------------------------------------


def _reduction(op_type: str, axes_input_from: int):
    def translate(b, node):
        dims = tuple(node.args["dims"])
        if not dims:
            return b.op("Identity", [_x(b, node)])
        return b.reduce_axes(op_type, _x(b, node), dims, node.args["keepdim"], axes_input_from)

    return translate


TRANSLATORS["Sum"] = _reduction("ReduceSum", 13)
TRANSLATORS["Mean"] = _reduction("ReduceMean", 18)
TRANSLATORS["LogSumExp"] = _reduction("ReduceLogSumExp", 18)


TRANSLATORS["Prod"] = _reduction("ReduceProd", 18)


@translates("Var")
def _var(b, node):
    x, dims, keepdim = node.args["x"], tuple(node.args["dims"]), node.args["keepdim"]
    source = _x(b, node)
    centered = b.op("Sub", [source, b.reduce_axes("ReduceMean", source, dims, True, 18)])
    squares = b.reduce_axes("ReduceSum", b.op("Mul", [centered, centered]), dims, keepdim, 13)
    correction = node.args["correction"]
    traced = math.prod(x.shape[d] for d in dims)
    other = math.prod(b.twin(node).args["x"].shape[d] for d in dims)
    # PyTorch divides by n - correction even where that is 0 or less (inf or nan)
    if traced == other:
        return b.op("Div", [squares, _scalar(b, node, max(traced - correction, 0))])
    count = b.op("Sub", [_size_scalar(b, node, traced, other, _out_dtype(node)),
                         _scalar(b, node, correction)])  # fmt: skip
    return b.op("Div", [squares, b.op("Max", [count, _scalar(b, node, 0)])])


@translates("Norm")
def _norm(b, node):
    p, dims, keepdim = node.args["p"], tuple(node.args["dims"]), node.args["keepdim"]
    x = _x(b, node)
    if p in (1, 2):
        return b.reduce_axes(f"ReduceL{int(p)}", x, dims, keepdim, 18)
    magnitude = b.op("Abs", [x])
    if p == math.inf:
        return b.reduce_axes("ReduceMax", magnitude, dims, keepdim, 18)
    powered = b.op("Pow", [magnitude, _scalar(b, node, p)])
    total = b.reduce_axes("ReduceSum", powered, dims, keepdim, 13)
    return b.op("Pow", [total, _scalar(b, node, 1.0 / p)])


@translates("AmaxAmin")
def _amax(b, node):
    op_type = "ReduceMax" if node.args["is_max"] else "ReduceMin"
    return b.reduce_axes(op_type, _x(b, node), node.args["dims"], node.args["keepdim"], 18)


@translates("MaxMinAll")
def _max_all(b, node):
    op_type = "ReduceMax" if node.args["is_max"] else "ReduceMin"
    x = node.args["x"]
    return b.reduce_axes(op_type, _x(b, node), range(len(x.shape)), False, 18)


@translates("MaxMin")
def _max_dim(b, node):
    x, dim, keepdim = node.args["x"], int(node.args["dim"]), node.args["keepdim"]
    is_max = node.args["is_max"]
    values = b.reduce_axes("ReduceMax" if is_max else "ReduceMin", b.name(x), (dim,), keepdim, 18)
    indices = b.op("ArgMax" if is_max else "ArgMin", [b.name(x)], axis=dim,
                   keepdims=int(keepdim))  # fmt: skip
    return [values, indices]


@translates("Topk", "Sort")
def _top_k(b, node):
    x, dim = node.args["x"], int(node.args["dim"])
    if node.op == "Sort":
        k, largest = b.sizes(node, lambda n: [n.args["x"].shape[dim]]), node.args["descending"]
    else:
        k, largest = b.sizes(node, lambda n: [n.args["k"]]), node.args["largest"]
    return b.op("TopK", [b.name(x), k], outputs=2, axis=dim, largest=int(largest))


@translates("Tril", "Triu")
def _triangle(b, node):
    if b.opset < 14:
        raise UnsupportedOperatorError(f"numbatorch::{node.op}", b.opset, 14)
    diagonal = b.constant(np.array(int(node.args["diagonal"]), dtype=np.int64))
    return b.op("Trilu", [b.name(node.args["x"]), diagonal], upper=int(node.op == "Triu"))


@translates("Softmax")
def _softmax(b, node):
    op_type = "LogSoftmax" if node.args["log"] else "Softmax"
    return b.op(op_type, [_x(b, node)], axis=int(node.args["dim"]))


@translates("Cumsum")
def _cumsum(b, node):
    axis = b.constant(np.array(int(node.args["dim"]), dtype=np.int64))
    return b.op("CumSum", [_x(b, node), axis])


# --- shapes ----------------------------------------------------------------------------------


def _is_reshape(node) -> bool:
    return translator_for(node.function) is _view


@translates("View")
def _view(b, node):
    target = b.sizes(node, lambda n: n.outputs[0].shape, infer=True)
    return b.op("Reshape", [b.name(node.args["x"]), target])


@translates("Unsqueeze")
def _unsqueeze(b, node):
    def fits(n, i) -> bool:
        x, out = tuple(n.args["x"].shape), tuple(n.outputs[0].shape)
        return out[:i] + out[i + 1 :] == x

    # the axis that fits the twin trace too (an input of size 1 fits on either side)
    twin, rank = b.twin(node), len(node.outputs[0].shape)
    axis = next((i for i in range(rank) if fits(node, i) and fits(twin, i)), None)
    if axis is None:
        axis = next(i for i in range(rank) if fits(node, i))
    return b.op("Unsqueeze", [b.name(node.args["x"]), b.ints([axis])])


@translates("Squeeze")
def _squeeze(b, node):
    x, out = tuple(node.args["x"].shape), tuple(node.outputs[0].shape)
    axes, j = [], 0
    for i, n in enumerate(x):
        if j < len(out) and out[j] == n:
            j += 1
        else:
            axes.append(i)
    if not axes:
        return b.op("Identity", [b.name(node.args["x"])])
    return b.op("Squeeze", [b.name(node.args["x"]), b.ints(axes)])


@translates("Permute")
def _permute(b, node):
    return b.op("Transpose", [b.name(node.args["x"])], perm=list(node.args["dims"]))


@translates("Expand")
def _expand(b, node):
    def target_of(n) -> list:
        # a size equal to the input's is given as 1 (ONNX broadcasts it back)
        x, shape = n.args["x"].shape, n.args["shape"]
        lead = len(shape) - len(x)
        return [1 if i >= lead and x[i - lead] == size else size for i, size in enumerate(shape)]

    return b.op("Expand", [b.name(node.args["x"]), b.sizes(node, target_of)])


def _slice_plan(shape: tuple, index: tuple) -> tuple:
    """x[index] on a tensor of `shape` as ONNX's Slice, Squeeze and Unsqueeze: (bounds,
    axes, steps, squeeze, unsqueeze), each bound a (start, stop, size of its dim)."""
    bounds, axes, steps, squeeze, unsqueeze = [], [], [], [], []
    d = out = 0
    for item in index:
        if item is None:
            unsqueeze.append(out)
            out += 1
        elif isinstance(item, slice):
            start, stop, step = item.indices(shape[d])
            if (start, stop, step) != (0, shape[d], 1):
                bounds.append((start, stop, shape[d]))
                axes.append(d)
                steps.append(step)
            d += 1
            out += 1
        else:
            start = item if item >= 0 else item + shape[d]
            bounds.append((start, start + 1, shape[d]))
            axes.append(d)
            steps.append(1)
            squeeze.append(d)
            d += 1
    return bounds, axes, steps, squeeze, unsqueeze


def _bound(b, node, traced: int, other: int, size: int, other_size: int):
    """A slice bound that is `traced` here and `other` in the twin trace on a dim of
    `size` and `other_size`: counted from the end where that offset is the same in both
    (-1: the last; the end itself: ONNX's "to the end", as PyTorch steps are positive),
    else the traced value where both agree, else read from the runtime shapes."""
    if traced - size == other - other_size and (traced != other or traced == size):
        return traced - size if traced < size else _INT64_MAX
    if traced == other:
        return traced
    return b.size(traced, other, node.inputs, f"'numbatorch::{node.op}'")


@translates("Slice")
def _slice(b, node):
    x = node.args["x"]
    twin = b.twin(node)
    bounds, axes, steps, squeeze, unsqueeze = _slice_plan(x.shape, node.args["index"])
    other = _slice_plan(twin.args["x"].shape, twin.args["index"])[0]
    if len(other) != len(bounds):
        other = bounds  # another plan: the twin build differs and says so
    starts = [_bound(b, node, a[0], c[0], a[2], c[2]) for a, c in zip(bounds, other)]
    ends = [_bound(b, node, a[1], c[1], a[2], c[2]) for a, c in zip(bounds, other)]
    name = b.name(x)
    if axes:
        name = b.op("Slice", [name, b.vector(starts), b.vector(ends), b.ints(axes), b.ints(steps)])
    if squeeze:
        name = b.op("Squeeze", [name, b.ints(squeeze)])
    if unsqueeze:
        name = b.op("Unsqueeze", [name, b.ints(unsqueeze)])
    if name == b.name(x):
        name = b.op("Identity", [name])
    return name


@translates("Cat")
def _cat(b, node):
    dtype = _out_dtype(node)
    inputs = [b.operand(t, dtype) for t in node.args["tensors"]]
    return b.op("Concat", inputs, axis=int(node.args["dim"]))


# --- attention and recurrent layers ----------------------------------------------------------


@translates("ScaledDotProductAttention")
def _attention(b, node):
    args = node.args
    query, key, value, mask = args["query"], args["key"], args["value"], args["mask"]
    _, (heads, key_heads, value_heads), _ = args["plan"]
    if not heads == key_heads == value_heads:
        raise OnnxExporterError(
            f"ONNX export: scaled_dot_product_attention with grouped heads ({heads} query, "
            f"{key_heads} key, {value_heads} value heads) is not supported"
        )
    if args["dropout_p"] > 0:
        raise OnnxExporterError(
            "ONNX export: scaled_dot_product_attention with dropout_p > 0 is not supported"
        )
    dtype = _out_dtype(node)
    rank = len(key.shape)
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    key_t = b.op("Transpose", [b.name(key)], perm=perm)
    scores = b.op("MatMul", [b.name(query), key_t])
    scores = b.op("Mul", [scores, _scalar(b, node, args["scale"])])
    if mask is not None:  # always additive here: the functional turned a bool mask into one
        scores = b.op("Add", [scores, b.operand(mask, dtype)])
    if args["causal"]:
        # top-left aligned, as the kernel: column j > row i is masked
        lengths = [query.shape[-2], key.shape[-2]]
        twin = b.twin(node)
        if lengths == [twin.args["query"].shape[-2], twin.args["key"].shape[-2]]:
            upper = np.triu(np.ones(lengths, dtype=bool), 1)
            causal = b.constant(np.where(upper, -np.inf, 0).astype(dtype.numpy))
        elif b.opset < 14:
            raise UnsupportedOperatorError(
                "numbatorch::ScaledDotProductAttention (causal, of dynamic length)", b.opset, 14
            )
        else:  # -inf above the diagonal of a (length, source) tensor made at run time
            shape = b.sizes(node, lambda n: [n.args["query"].shape[-2], n.args["key"].shape[-2]])
            minus_inf = b.onnx.numpy_helper.from_array(np.array([-np.inf], dtype=dtype.numpy))
            filled = b.op("ConstantOfShape", [shape], value=minus_inf)
            causal = b.op("Trilu", [filled, b.constant(np.array(1, dtype=np.int64))], upper=1)
        scores = b.op("Add", [scores, causal])
    probs = b.op("Softmax", [scores], axis=-1)
    if mask is not None:
        # a row the mask leaves no column gives zeros, as the kernel (Softmax: nan)
        top = b.reduce_axes("ReduceMax", scores, (-1,), True, 18)
        empty_row = b.op("Equal", [top, _scalar(b, node, -math.inf)])
        probs = b.op("Where", [empty_row, _scalar(b, node, 0.0), probs])
    return b.op("MatMul", [probs, b.name(value)])


# ONNX's gate order as indices into PyTorch's: LSTM i,f,g,o -> i,o,f,c; GRU r,z,n -> z,r,h
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


def _gates_reordered(b, weight: Value, order: list, hidden: int) -> str:
    """A (gates*H, ...) weight or bias with its gate blocks in ONNX's order, as ops on the
    parameter (it stays one initializer under its state_dict name, or a graph input)."""
    rest = list(weight.shape[1:])
    blocks = b.op("Reshape", [b.name(weight), b.ints([len(order), hidden] + rest)])
    if order != list(range(len(order))):
        blocks = b.op("Gather", [blocks, b.ints(order)], axis=0)
    return b.op("Reshape", [blocks, b.ints([1, len(order) * hidden] + rest)])


def _initial_state(b, state: Value) -> str:
    """(B, H) as ONNX's (1, B, H); "" (ONNX's default, zeros) for the zeros a layer starts
    from without a given state."""
    known = b.known(state)
    if known is not None and not known.any():
        return ""
    return b.op("Unsqueeze", [b.name(state), b.ints([0])])


@translates("RnnLayer")
def _rnn_layer(b, node):
    """One layer and direction: ONNX's LSTM/GRU/RNN, direction forward, over the time-major
    (T, B, I) view of the packed rows (a reverse direction's input arrives reversed)."""
    args = node.args
    mode, plan, w_ih = args["mode"], args["plan"], args["w_ih"]
    if args["w_hr"] is not None:
        raise UnsupportedOperatorError(
            f"numbatorch::RnnLayer (LSTM with proj_size={args['w_hr'].shape[0]})", b.opset, None
        )
    if not plan.uniform:
        raise UnsupportedOperatorError(
            "numbatorch::RnnLayer (a PackedSequence of unequal lengths)", b.opset, None
        )
    order = _GATE_ORDER[mode]
    hidden = w_ih.shape[0] // len(order)
    features = w_ih.shape[1]
    target = b.sizes(node, lambda n: [len(n.args["plan"].sizes), -1, features])
    x = b.op("Reshape", [b.name(args["input"]), target])
    inputs = [x, _gates_reordered(b, w_ih, order, hidden),
              _gates_reordered(b, args["w_hh"], order, hidden)]  # fmt: skip
    b_ih, b_hh = args["b_ih"], args["b_hh"]
    if b_ih is not None:  # ONNX's B is [Wb, Rb] in one row; absent means zeros
        ih = _gates_reordered(b, b_ih, order, hidden)
        hh = _gates_reordered(b, b_hh, order, hidden)
        inputs.append(b.op("Concat", [ih, hh], axis=1))
    else:
        inputs.append("")
    inputs += ["", _initial_state(b, args["h0"])]  # no sequence_lens
    attributes = {"hidden_size": hidden}
    if mode == "LSTM":
        inputs.append(_initial_state(b, args["c0"]))
        op_type, outputs = "LSTM", 3
    elif mode == "GRU":
        # PyTorch's GRU applies r after the recurrent product: n = tanh(.. + r*(W_hn h + b_hn))
        op_type, outputs, attributes["linear_before_reset"] = "GRU", 2, 1
    else:
        op_type, outputs = "RNN", 2
        attributes["activations"] = ["Tanh" if mode == "RNN_TANH" else "Relu"]
    results = b.op(op_type, inputs, outputs=outputs, **attributes)
    # Y (T, 1, B, H) back to the packed rows; Y_h, Y_c (1, B, H) to (B, H)
    output = b.op("Reshape", [results[0], b.ints([-1, hidden])])
    states = [b.op("Squeeze", [state, b.ints([0])]) for state in results[1:]]
    return [output, *states]
