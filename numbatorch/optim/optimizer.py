"""`Optimizer`: the base of every optimizer. It owns `param_groups` (a list of dicts, the
defaults filled in) and `state` (a dict keyed by parameter), and saves both in PyTorch's
`state_dict` layout (parameters replaced by their index)."""

from __future__ import annotations

import copy
from collections import defaultdict

from .. import _dtype
from ..autograd import grad_mode
from ..ops._common import check_device, kernels
from ..tensor import Tensor


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


# PyTorch's range check and message for each hyper-parameter the optimizers validate
_RANGES = {
    "lr": (lambda v: 0.0 <= v, "Invalid learning rate: {}"),
    "lr_decay": (lambda v: 0.0 <= v, "Invalid lr_decay value: {}"),
    "rho": (lambda v: 0.0 <= v <= 1.0, "Invalid rho value: {}"),
    "eps": (lambda v: 0.0 <= v, "Invalid epsilon value: {}"),
    "momentum": (lambda v: 0.0 <= v, "Invalid momentum value: {}"),
    "weight_decay": (lambda v: 0.0 <= v, "Invalid weight_decay value: {}"),
    "alpha": (lambda v: 0.0 <= v, "Invalid alpha value: {}"),
    "initial_accumulator_value": (
        lambda v: 0.0 <= v,
        "Invalid initial_accumulator_value value: {}",
    ),
    "momentum_decay": (lambda v: 0.0 <= v, "Invalid momentum_decay value: {}"),
}


def hyper_parameters(**defaults) -> dict:
    """An optimizer's `defaults` dict, after PyTorch's checks of its values in the order
    given (the first bad one is the one reported, as in PyTorch): the ranges above, each
    beta in [0, 1), etas with 0 < etas[0] < 1 < etas[1]. `capturable` and `differentiable`
    are accepted as False only: the fused kernels keep no device-side step and record no
    graph."""
    for name, value in defaults.items():
        if name in _RANGES:
            in_range, message = _RANGES[name]
            if not in_range(value):
                raise ValueError(message.format(value))
        elif name == "betas":
            for index, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
            defaults[name] = tuple(value)
        elif name == "etas" and not 0.0 < value[0] < 1.0 < value[1]:
            raise ValueError(f"Invalid eta values: {value[0]}, {value[1]}")
    if defaults.get("capturable") or defaults.get("differentiable"):
        flags = "capturable and differentiable" if "capturable" in defaults else "differentiable"
        raise NotImplementedError(f"{flags} optimizers are not supported")
    return defaults


_PLACEHOLDERS: dict = {}  # (dtype, device) -> the 0-element tensor of `_empty_like`


class Optimizer:
    """Subclasses implement `_update(group, param, grad)`, which validates and returns a
    callable applying the parameter's update (one fused kernel call). `step` validates
    every parameter first and updates only when all passed, so an error never leaves the
    parameters half-updated."""

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of "
                f"Tensors or dicts, but got {_typename(params)}"
            )
        param_groups = list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    def add_param_group(self, param_group: dict) -> None:
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {_typename(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, "
                "but the ordering of tensors in sets will change between runs. "
                "Please use a list instead."
            )
        else:
            param_group["params"] = list(params)
        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but one of the params is "
                    + _typename(param)
                )
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(
                    "parameter group didn't specify a value of required "
                    f"optimization parameter {name}"
                )
            param_group.setdefault(name, default)
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            import warnings

            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in "
                "future, this will cause an error; see "
                "github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if existing & {id(p) for p in param_group["params"]}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if param._grad is None:
                    continue
                if set_to_none:
                    param._grad = None
                else:
                    if param.grad.grad_fn is not None:
                        param.grad.detach_()
                    else:
                        param.grad.requires_grad_(False)
                    param.grad.zero_()

    # -- stepping -------------------------------------------------------------------------------
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        updates = []
        for group in self.param_groups:
            params = [param for param in group["params"] if param._grad is not None]
            if params:
                updates += self._group_updates(group, params)
        state = grad_mode._state
        enabled = state.enabled
        state.enabled = False  # no_grad, without a context manager's cost
        try:
            for update in updates:
                update()
        finally:
            state.enabled = enabled
        return loss

    def _update(self, group: dict, param: Tensor, grad: Tensor):
        raise NotImplementedError

    def _group_updates(self, group: dict, params: list) -> list:
        """The updates of a group's parameters that have a gradient, each validated here
        (the callables run once every group has passed): one per parameter, or fewer
        where an optimizer updates a whole group in one call."""
        return [self._update(group, param, self._checked_grad(param)) for param in params]

    @staticmethod
    def _checked_grad(param: Tensor) -> Tensor:
        """param's gradient as a contiguous tensor the fused kernels can take, or PyTorch's
        error for a gradient that does not fit its parameter. The kernels only read its
        memory: a plain contiguous gradient is passed as it is, without a detached view."""
        grad = param._grad
        if grad._storage.device is not param._storage.device:
            check_device(param, grad)
        if tuple(grad._array.shape) != tuple(param._array.shape):
            raise RuntimeError("assigned grad has data of a different size")
        if grad.dtype is not param.dtype:
            raise RuntimeError("assigned grad has data of a different type")
        if grad.grad_fn is None and not grad._requires_grad and grad.is_contiguous():
            return grad
        return grad.detach().contiguous()

    @staticmethod
    def _run(param: Tensor, kernel_name: str, *args) -> None:
        """Call fused kernel `kernel_name` on param's memory (a contiguous copy that is
        written back, for the rare non-contiguous parameter) with `args` (tensors are
        passed as their arrays), then bump param's version as an in-place op does.
        A float16/bfloat16 parameter updates in float32 copies of itself and of its
        state (the kernels have no half arithmetic), rounded back once per step."""
        if param.dtype in _dtype.HALF_TYPES:
            grad, *rest = args
            wide = [a.float() if isinstance(a, Tensor) else a for a in rest]
            target = param.detach().float()
            Optimizer._run(target, kernel_name, grad.float(), *wide)
            param.detach().copy_(target)
            for narrow, widened in zip(rest, wide):
                if widened is not narrow:
                    narrow.copy_(widened)
            param._bump_version()
            return
        target = param if param.is_contiguous() else param.detach().contiguous()
        arrays = [a._array if isinstance(a, Tensor) else a for a in args]
        getattr(kernels(param), kernel_name)(target._array, *arrays)
        if target is not param:
            param.detach().copy_(target)
        param._bump_version()

    @staticmethod
    def _zeros_like(param: Tensor) -> Tensor:
        from .._creation import zeros_like

        return zeros_like(param.detach())

    @staticmethod
    def _empty_like(param: Tensor) -> Tensor:
        """A 0-element state placeholder for an array a kernel does not use: one per dtype
        and device, made once (nothing ever writes into it)."""
        key = (param.dtype, param._storage.device)
        placeholder = _PLACEHOLDERS.get(key)
        if placeholder is None:
            from .._creation import empty

            placeholder = _PLACEHOLDERS[key] = empty(0, dtype=param.dtype, device=key[1])
        return placeholder

    @staticmethod
    def _increment(step: Tensor) -> float:
        """step += 1 (a 0-d float32 tensor, as PyTorch keeps it); returns the new count."""
        value = step.item() + 1
        Optimizer._assign(step, value)
        return value

    @staticmethod
    def _assign(scalar: Tensor, value: float) -> None:
        """Store `value` in a 0-d state tensor (rounded to its dtype, as PyTorch's `copy_`
        of a Python number rounds it), bumping its version."""
        kernels(scalar).fill(scalar._array, value)
        scalar._bump_version()

    # -- saving and loading ---------------------------------------------------------------------
    def state_dict(self) -> dict:
        mapping: dict[int, int] = {}
        start = 0

        def pack(group: dict) -> dict:
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        state_dict = copy.deepcopy(state_dict)
        groups, saved_groups = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match "
                "the size of optimizer's group"
            )
        index_to_param = {
            saved: param
            for g, s in zip(groups, saved_groups)
            for saved, param in zip(s["params"], g["params"])
        }
        state: defaultdict = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in index_to_param:
                param = index_to_param[key]
                state[param] = {k: self._cast_state(param, k, v) for k, v in value.items()}
            else:
                state[key] = value
        self.state = state
        self.param_groups = [
            {**saved, "params": group["params"]} for group, saved in zip(groups, saved_groups)
        ]

    @staticmethod
    def _cast_state(param: Tensor, key: str, value):
        """State tensors follow their parameter's dtype and device; 'step' stays as saved."""
        if isinstance(value, Tensor) and key != "step":
            if value.is_floating_point():
                return value.to(param.device, param.dtype)
            return value.to(param.device)
        return value
