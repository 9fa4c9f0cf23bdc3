"""`gradcheck`: compare autograd's gradients with central finite differences."""

from __future__ import annotations


class GradcheckError(RuntimeError):
    pass


def _numerical_jacobian_column(fn, inputs, outputs_ref, tensor, k, eps):
    """d(outputs)/d(tensor.flat[k]) by central differences (tensor edited in place)."""
    from .grad_mode import no_grad

    flat = tensor.detach().reshape(-1) if tensor.is_contiguous() else None
    if flat is None:
        raise GradcheckError("gradcheck needs contiguous inputs")
    with no_grad():
        original = flat[k].item()
        flat[k] = original + eps
        plus = [o.detach().clone() for o in _outputs(fn(*inputs))]
        flat[k] = original - eps
        minus = [o.detach().clone() for o in _outputs(fn(*inputs))]
        flat[k] = original
        tensor._storage.version -= 3  # restore: these probes are not user edits
    return [((p - m) / (2 * eps)).reshape(-1) for p, m in zip(plus, minus)]


def _outputs(result):
    from ..tensor import Tensor

    return [result] if isinstance(result, Tensor) else [r for r in result if isinstance(r, Tensor)]


def gradcheck(
    fn,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    **_ignored,
) -> bool:
    """True when the analytical Jacobian of `fn` at `inputs` (float64 tensors that
    require grad) matches the numerical one; else raises GradcheckError."""
    from ..tensor import Tensor
    from . import grad as autograd_grad

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    outputs = _outputs(fn(*inputs))
    differentiable = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in differentiable:
        if t.dtype.name != "float64":
            import warnings

            warnings.warn(
                "Input #0 requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point.",
                stacklevel=2,
            )
    for out_index, out in enumerate(outputs):
        if not out.requires_grad:
            continue
        n_out = out.numel()
        for i, t in enumerate(differentiable):
            numerical = [
                _numerical_jacobian_column(fn, inputs, outputs, t, k, eps)[out_index]
                for k in range(t.numel())
            ]
            for j in range(n_out):
                seed = out.detach().new_zeros(out.shape).reshape(-1)
                seed[j] = 1.0
                (g,) = autograd_grad(
                    out, t, seed.reshape(out.shape), retain_graph=True, allow_unused=True
                )
                analytical = g.reshape(-1) if g is not None else t.detach().new_zeros(t.numel())
                for k in range(t.numel()):
                    a, n = analytical[k].item(), numerical[k][j].item()
                    if abs(a - n) > atol + rtol * abs(n):
                        if not raise_exception:
                            return False
                        raise GradcheckError(
                            f"Jacobian mismatch for output {out_index} with respect to input "
                            f"{i},\nnumerical:{n}\nanalytical:{a}\n(at output element {j}, "
                            f"input element {k})"
                        )
    return True


def gradgradcheck(
    fn,
    inputs,
    grad_outputs=None,
    *,
    eps=1e-6,
    atol=1e-5,
    rtol=1e-3,
    raise_exception=True,
    **_ignored,
) -> bool:
    """gradcheck of the first derivative (the vector-Jacobian product) of `fn`."""
    from ..tensor import Tensor
    from . import grad as autograd_grad
    from .grad_mode import enable_grad

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    differentiable = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    outputs = _outputs(fn(*inputs))
    if grad_outputs is None:
        from .._creation import randn

        grad_outputs = [randn(*o.shape, dtype=o.dtype) for o in outputs]

    def first_derivative(*args):
        # gradcheck probes its function under no_grad; this one needs a graph to differentiate
        with enable_grad():
            outs = _outputs(fn(*args))
            diff = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
            grads = autograd_grad(outs, diff, grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    del differentiable
    return gradcheck(
        first_derivative, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )
