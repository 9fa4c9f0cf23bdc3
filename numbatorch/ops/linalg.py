"""Matrix products: mm, addmm (bias fused into the GEMM epilogue), bmm, and on top of
them matmul with all of PyTorch's rank cases, mv, dot, outer, einsum and linear."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import _dtype
from .._autocast import LOWER, autocast_op
from .._dispatch import backend
from ..autograd import grad_mode
from ..autograd.function import BuiltinFunction
from ..kernels.common.reduction import SUM
from ..tensor import empty_like_array, view_of
from ._common import check_device, empty, expanded_array, kernels
from .reduction import reduce

if TYPE_CHECKING:
    from ..tensor import Tensor
else:  # imported while tensor.py builds Tensor: every tensor is a TensorBase
    from ..tensor import TensorBase as Tensor


_DTYPE_WORD = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bfloat16": "c10::BFloat16",
    "int64": "long int",
    "int32": "int",
}


def _check_dtypes(a: Tensor, b: Tensor) -> None:
    if a.dtype is not b.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: "
            f"{_DTYPE_WORD.get(a.dtype.name, a.dtype.name)} != "
            f"{_DTYPE_WORD.get(b.dtype.name, b.dtype.name)}"
        )


def _compute(t: Tensor) -> Tensor:
    """The GEMM kernels take float32/float64: other dtypes go through float64."""
    return t if t.dtype in (_dtype.float32, _dtype.float64) else t.to(_dtype.float64)


def _gemm(a: Tensor, b: Tensor, bias: Tensor | None = None, transpose_b: bool = False) -> Tensor:
    """a @ b (b.T with `transpose_b`, read through its strides) + bias, in a new tensor."""
    if a.dtype in _GEMM_DTYPES and b.dtype is a.dtype and (bias is None or bias.dtype is a.dtype):
        ca, cb, cbias = a, b, bias  # the usual case, without three calls that change nothing
    else:
        ca, cb = _compute(a), _compute(b)
        cbias = None if bias is None else _compute(bias)
    b_array = cb._array.T if transpose_b else cb._array
    bias_array = None if cbias is None else cbias.contiguous()._array
    out = _product(ca._array, b_array, bias_array, ca.dtype, a._storage.device)
    return out if out.dtype is a.dtype else out.to(a.dtype)


def _product(a, b, bias, dtype, dev) -> Tensor:
    """The backend arrays a @ b (+ bias) in a new tensor of `dtype` (a and b's, float32 or
    float64) on `dev`: the small products of a backward pass go straight here."""
    out = empty_like_array((a.shape[0], b.shape[1]), dtype, dev)
    backend(dev).gemm(a, b, out._array, bias)
    return out


_GEMM_DTYPES = (_dtype.float32, _dtype.float64)


def _t(t: Tensor) -> Tensor:
    """The transpose of a 2-D tensor as a bare view: no autograd node (for the GEMMs of a
    backward pass that builds no graph, and of forwards that save their own inputs)."""
    rows, cols = t._array.shape
    return view_of(t, (cols, rows), t.stride()[::-1], t._offset)


def _products_grads(grad: Tensor, a: Tensor, b: Tensor, need_a: bool, need_b: bool):
    """The gradients of a @ b: grad @ b.T and a.T @ grad. Straight into the GEMM kernel
    when no graph is being built (the usual backward); through differentiable ops under
    create_graph."""
    if grad_mode._state.enabled:
        return (grad.mm(b.t()) if need_a else None, a.t().mm(grad) if need_b else None)
    return (_gemm(grad, _t(b)) if need_a else None, _gemm(_t(a), grad) if need_b else None)


class Mm(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _gemm(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _products_grads(grad, a, b, *ctx.needs_input_grad)


class Addmm(BuiltinFunction):
    """bias + a @ b with a 1-D bias of b's columns added in the GEMM's output loop."""

    @staticmethod
    def forward(ctx, bias, a, b):
        ctx.save_for_backward(a, b)
        ctx.bias_shape = bias.shape
        return _gemm(a, b, bias.to(a.dtype))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_bias, need_a, need_b = ctx.needs_input_grad
        grad_bias = grad.sum_to_size(ctx.bias_shape) if need_bias else None
        return (grad_bias, *_products_grads(grad, a, b, need_a, need_b))


class Linear(BuiltinFunction):
    """input @ weight.T + bias on 2-D input, the bias added in the GEMM's output loop.
    Backward computes the weight's gradient as grad.T @ input, already in the weight's
    (out, in) layout, so no transposed copy is made. PyTorch shows this node as
    AddmmBackward0 (bias, input, weight)."""

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, bias, input, weight):
        ctx.save_for_backward(input, weight)
        if bias is not None and bias.dtype is not input.dtype:
            bias = bias.to(input.dtype)
        return _gemm(input, weight, bias, transpose_b=True)  # the GEMM reads weight.T's strides

    @staticmethod
    def backward(ctx, grad):
        input, weight = ctx.saved_tensors
        need_bias, need_input, need_weight = ctx.needs_input_grad
        if grad_mode._state.enabled:  # create_graph: differentiable ops build this pass's graph
            return (
                grad.sum(0) if need_bias else None,
                grad.mm(weight) if need_input else None,
                grad.t().mm(input) if need_weight else None,
            )
        # straight into the kernels; grad.T @ input is already in the weight's layout
        if grad.dtype is not input.dtype or grad.dtype not in _GEMM_DTYPES:
            return (
                reduce(SUM, grad, (0,), False, grad.dtype) if need_bias else None,
                _gemm(grad, weight) if need_input else None,
                _gemm(_t(grad), input) if need_weight else None,
            )
        # the usual case (one float dtype) on the backend arrays: no views, no dtype checks
        dtype, dev, g = grad.dtype, grad._storage.device, grad._array
        return (
            _bias_grad(grad) if need_bias else None,
            _product(g, weight._array, None, dtype, dev) if need_input else None,
            _product(g.T, input._array, None, dtype, dev) if need_weight else None,
        )


def _bias_grad(grad: Tensor) -> Tensor:
    """grad.sum(0) of a 2-D gradient: the reduction kernel on its rows when it is laid out
    plainly (C-contiguous, no stride-0 dim), as `reduce` would call it, without the
    general path's layout work; anything else through `reduce`."""
    array = grad._array
    if not grad.is_contiguous() or 0 in array.strides:
        return reduce(SUM, grad, (0,), False, grad.dtype)
    rows, cols = array.shape
    out = empty_like_array((cols,), grad.dtype, grad._storage.device)
    backend(grad._storage.device).reduce(SUM, array, out._array, rows, cols)
    return out


class BatchedMatmul(BuiltinFunction):
    """a @ b over broadcast batch dims: a (*A, m, k) and b (*B, k, n), one float dtype,
    read through their strides by one batched GEMM (attention's heads permuted out of a
    qkv projection, keys transposed, stride-0 broadcasts), where bmm would first copy
    each into a (batch, rows, cols) block. The backward's two products read their
    operands in place too. PyTorch shows this node as UnsafeViewBackward0 (the view
    after its bmm)."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b, batch):
        ctx.save_for_backward(a, b)
        ctx.batch = batch
        return _batched_product(a, b, batch)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad[:2]
        if grad_mode._state.enabled:  # create_graph: differentiable ops build this graph
            grad_a = grad.matmul(b.transpose(-2, -1)) if need_a else None
            grad_b = a.transpose(-2, -1).matmul(grad) if need_b else None
        else:
            grad_a = _batched_product(grad, _mt(b), ctx.batch) if need_a else None
            grad_b = _batched_product(_mt(a), grad, ctx.batch) if need_b else None
        # an operand broadcast over batch dims gets the sum of its copies' gradients
        if grad_a is not None and grad_a.shape != a.shape:
            grad_a = grad_a.sum_to_size(a.shape)
        if grad_b is not None and grad_b.shape != b.shape:
            grad_b = grad_b.sum_to_size(b.shape)
        return grad_a, grad_b, None


def _mt(t: Tensor) -> Tensor:
    """t with its last two dims swapped, as a bare view (no autograd node)."""
    strides = t.stride()
    shape = (*t.shape[:-2], t.shape[-1], t.shape[-2])
    return view_of(t, shape, (*strides[:-2], strides[-1], strides[-2]), t._offset)


def _batched_product(a: Tensor, b: Tensor, batch: tuple) -> Tensor:
    """a @ b, broadcast over the batch dims `batch`, in a new C-contiguous tensor; both
    operands reach the kernel as strided views (`attention_bmm` with one head each way)."""
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    out = empty_like_array((*batch, m, n), a.dtype, a._storage.device)
    backend(a._storage.device).attention_bmm(
        expanded_array(a, (*batch, m, k)), expanded_array(b, (*batch, k, n)), out._array
    )
    return out


class Bmm(BuiltinFunction):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ca, cb = _compute(a), _compute(b)
        out = empty((a.shape[0], a.shape[1], b.shape[2]), ca.dtype, a.device)
        kernels(a).bmm(ca._array, cb._array, out._array)
        return out if out.dtype is a.dtype else out.to(a.dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (
            grad.bmm(b.transpose(1, 2)) if need_a else None,
            a.transpose(1, 2).bmm(grad) if need_b else None,
        )


# --- the functional API ---------------------------------------------------------------------


def _shape_text(t: Tensor) -> str:
    return "x".join(str(s) for s in t.shape)


@autocast_op(cpu=LOWER, cuda=LOWER)
def mm(input: Tensor, mat2: Tensor, *, out=None) -> Tensor:
    check_device(input, mat2)
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(input)} and "
            f"{_shape_text(mat2)})"
        )
    _check_dtypes(input, mat2)
    result = Mm.apply(input, mat2)
    if out is not None:
        from ._common import write_out

        return write_out(out, result)
    return result


@autocast_op(cpu=LOWER, cuda=LOWER)
def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    check_device(input, mat1, mat2)
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(mat1)} and "
            f"{_shape_text(mat2)})"
        )
    _check_dtypes(mat1, mat2)
    if (
        beta == 1
        and alpha == 1
        and input.ndim <= 1
        and (input.ndim == 0 or input.shape[0] in (1, mat2.shape[1]))
    ):
        bias = input.expand(mat2.shape[1]) if input.ndim == 0 or input.shape[0] == 1 else input
        return Addmm.apply(bias, mat1, mat2)
    return input * beta + mm(mat1, mat2) * alpha


@autocast_op(cpu=LOWER, cuda=LOWER)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    check_device(input, mat2)
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if mat2.shape[0] != input.shape[0] or mat2.shape[1] != input.shape[2]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    _check_dtypes(input, mat2)
    return Bmm.apply(input, mat2)


def dot(input: Tensor, other: Tensor) -> Tensor:
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got "
            f"{input.shape[0]} and {other.shape[0]} elements respectively"
        )
    _check_dtypes(input, other)
    return mm(input.unsqueeze(0), other.unsqueeze(1)).reshape(())


vdot = inner = dot


def mv(input: Tensor, vec: Tensor) -> Tensor:
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got {input.ndim}, {input.ndim}, {vec.ndim}"
        )
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({_shape_text(input)}), vec "
            f"({vec.shape[0]})"
        )
    return mm(input, vec.unsqueeze(1)).squeeze(1)


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


@autocast_op(cpu=LOWER, cuda=LOWER)
def matmul(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """PyTorch's rank cases: 1-D·1-D dot, 2-D·2-D mm, 1-D prepended/appended dims, and
    broadcast batch dims for higher ranks (batched through bmm with stride-0 batches)."""
    if not isinstance(other, Tensor) or not isinstance(input, Tensor):
        raise TypeError("matmul(): argument 'other' (position 2) must be Tensor")
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
            f"{other.ndim}D"
        )
    check_device(input, other)
    if input.ndim == 1 and other.ndim == 1:
        result = dot(input, other)
    elif input.ndim == 2 and other.ndim == 2:
        result = mm(input, other)
    elif input.ndim == 1 and other.ndim == 2:
        result = mm(input.unsqueeze(0), other).squeeze(0)
    elif input.ndim == 2 and other.ndim == 1:
        result = mv(input, other)
    else:
        result = _batched_matmul(input, other)
    if out is not None:
        from ._common import write_out

        return write_out(out, result)
    return result


def _batched_matmul(a: Tensor, b: Tensor) -> Tensor:
    from ._common import broadcast_shapes

    a_vector, b_vector = a.ndim == 1, b.ndim == 1
    if a_vector:
        a = a.unsqueeze(0)
    if b_vector:
        b = b.unsqueeze(1)
    if a.shape[-1] != b.shape[-2]:
        if a.ndim > 2 and b.ndim > 2:
            raise RuntimeError(
                "Expected size for first two dimensions of batch2 tensor to be: "
                f"[{_numel(a.shape[:-2])}, {a.shape[-1]}] but got: "
                f"[{_numel(b.shape[:-2])}, {b.shape[-2]}]."
            )
        rows = _shape_text(a.reshape(-1, a.shape[-1]))
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows} and {_shape_text(b)})"
        )
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
    if b.ndim == 2 and not b_vector:
        # (..., m, k) @ (k, n): one GEMM over all rows, the weight read once
        result = mm(a.reshape(-1, k), b).reshape(*batch, m, n)
    elif a.dtype in _GEMM_DTYPES and b.dtype is a.dtype:
        result = BatchedMatmul.apply(a, b, batch)
    else:
        a3 = a.expand(*batch, m, k).reshape(-1, m, k)
        b3 = b.expand(*batch, k, n).reshape(-1, k, n)
        result = bmm(a3, b3).reshape(*batch, m, n)
    if a_vector:
        result = result.squeeze(-2)
    if b_vector:
        result = result.squeeze(-1)
    return result


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _check_bias(bias: Tensor, target: tuple) -> None:
    """The bias must expand to the output's shape, never broadcast the output up."""
    sizes = tuple(bias.shape)
    if len(sizes) > len(target):
        raise RuntimeError(
            f"The expanded size of the tensor ({len(target)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({len(sizes)})"
        )
    for d in range(-1, -len(sizes) - 1, -1):
        if sizes[d] != 1 and sizes[d] != target[d]:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[d]}) must match the existing size "
                f"({sizes[d]}) at non-singleton dimension {len(target) + d}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(sizes)}"
            )


@autocast_op(cpu=LOWER, cuda=LOWER)
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias, the bias fused into the GEMM for 2-D inputs."""
    # tuples: the CUDA simulator's shape objects refuse negative indices
    shape, weight_shape = tuple(input._array.shape), tuple(weight._array.shape)
    if not shape or weight.ndim != 2 or shape[-1] != weight_shape[-1]:
        rows = _shape_text(input.reshape(-1, input.shape[-1])) if input.ndim else "1x1"
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows} and {_shape_text(weight.t())})"
        )
    check_device(input, weight, bias)
    _check_dtypes(input, weight)
    if bias is not None and tuple(bias._array.shape) != weight_shape[:1]:
        # a bias that broadcasts (shape (1,), or more dims): the GEMM adds only an
        # (out_features,) bias in its output loop
        _check_bias(bias, (*shape[:-1], weight_shape[0]))
        return matmul(input, weight.t()) + bias
    if len(shape) == 2:
        return Linear.apply(bias, input, weight)
    result = Linear.apply(bias, input.reshape(-1, shape[-1]), weight)
    return result.reshape(*shape[:-1], weight_shape[0])


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation for one to three operands, reduced to permutes, sums and bmm."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    equation = equation.replace(" ", "")
    if "->" in equation:
        inputs_text, output = equation.split("->")
    else:
        inputs_text = equation
        letters = inputs_text.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    terms = inputs_text.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(
            "einsum(): more operands were provided than specified in the equation"
            if len(operands) > len(terms)
            else "einsum(): fewer operands were provided than specified in the equation"
        )
    for term, op in zip(terms, operands):
        if len(term) != op.ndim or len(set(term)) != len(term):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({len(term)}) does not "
                f"match the number of dimensions ({op.ndim}) for operand and no ellipsis was "
                "given"
            )
    result, term = operands[0], terms[0]
    for other, other_term in zip(operands[1:], terms[1:]):
        keep = set(output) | set("".join(terms[terms.index(other_term) + 1 :]))
        result, term = _einsum_pair(result, term, other, other_term, keep)
    return _einsum_finish(result, term, output)


def _sum_out(t: Tensor, term: str, keep: set) -> tuple[Tensor, str]:
    dims = tuple(i for i, c in enumerate(term) if c not in keep)
    if dims:
        t = t.sum(dim=dims)
        term = "".join(c for c in term if c in keep)
    return t, term


def _einsum_pair(a, ta, b, tb, keep):
    a, ta = _sum_out(a, ta, keep | set(tb))
    b, tb = _sum_out(b, tb, keep | set(ta))
    batch = [c for c in ta if c in tb and c in keep]
    contract = [c for c in ta if c in tb and c not in keep]
    left = [c for c in ta if c not in tb]
    right = [c for c in tb if c not in ta]
    sizes = {c: a.shape[ta.index(c)] for c in ta}
    sizes.update({c: b.shape[tb.index(c)] for c in tb})
    a3 = a.permute(*[ta.index(c) for c in batch + left + contract]).reshape(
        _numel(sizes[c] for c in batch),
        _numel(sizes[c] for c in left),
        _numel(sizes[c] for c in contract),
    )
    b3 = b.permute(*[tb.index(c) for c in batch + contract + right]).reshape(
        _numel(sizes[c] for c in batch),
        _numel(sizes[c] for c in contract),
        _numel(sizes[c] for c in right),
    )
    product = bmm(a3, b3).reshape(*[sizes[c] for c in batch + left + right])
    return product, "".join(batch + left + right)


def _einsum_finish(t: Tensor, term: str, output: str) -> Tensor:
    t, term = _sum_out(t, term, set(output))
    if term != output:
        t = t.permute(*[term.index(c) for c in output])
    return t
