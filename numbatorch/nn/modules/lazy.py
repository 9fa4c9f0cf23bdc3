"""Lazy modules: layers whose input size (in_features, in_channels, num_features) is read
from their first input. Until then their parameters and buffers are Uninitialized
placeholders; the first forward materializes them in place (the same objects, so an
optimizer built before holds them), initializes them and turns the module into the plain
class (`LazyLinear` becomes `Linear`), as in PyTorch."""

from __future__ import annotations

import itertools

from ... import _creation, _dtype
from ...autograd import grad_mode
from ..parameter import UninitializedBuffer, UninitializedParameter, is_lazy
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .module import Module
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)


class LazyModuleMixin:
    """Infers a module's parameter shapes at its first call (a forward pre-hook that runs
    `initialize_parameters(*args, **kwargs)`), then becomes `cls_to_become`. A state dict
    saves the placeholders as they are; loading initialized values into a lazy module
    materializes its placeholders first, and the next forward keeps them."""

    cls_to_become: type | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(
            self._infer_parameters, with_kwargs=True
        )

    def initialize_parameters(self, *args, **kwargs) -> None:
        raise NotImplementedError(
            f"initialize_parameters is not implemented for {type(self).__name__}"
        )

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module is still a placeholder."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                       self._buffers.values()))  # fmt: skip

    def _infer_parameters(self, module: Module, args, kwargs=None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _save_to_state_dict(self, destination: dict, prefix: str, keep_vars: bool) -> None:
        # a placeholder is saved as itself: detaching one would use it
        for name, param in self._parameters.items():
            if param is not None:
                keep = keep_vars or is_lazy(param)
                destination[prefix + name] = param if keep else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                keep = keep_vars or is_lazy(buffer)
                destination[prefix + name] = buffer if keep else buffer.detach()

    def _load_from_state_dict(self, state_dict, prefix, *args) -> None:
        # placeholders take the shapes of the initialized values loaded into them
        for name, param in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                value = state_dict[key]
                if not is_lazy(value):
                    with grad_mode.no_grad():
                        param.materialize(value.shape)
        super()._load_from_state_dict(state_dict, prefix, *args)


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is the last size of its first input.

    Args:
        out_features: size of each output sample
        bias: learn an additive bias. Default: ``True``

    Example::

        >>> m = nn.LazyLinear(30)
        >>> m(torch.randn(128, 20)).shape  # (128, 30); m is now Linear(20, 30)
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        # a Linear of no features, whose parameters become placeholders
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            with grad_mode.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvXdMixin(LazyModuleMixin):
    """A convolution whose ``in_channels`` is the channel size of its first input."""

    _spatial: int

    def _placeholders(self, out_channels: int, bias: bool, device, dtype) -> None:
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def _get_in_channels(self, input) -> int:
        unbatched = self._spatial + 1
        if input.ndim not in (unbatched, unbatched + 1):
            raise RuntimeError(
                f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}"
            )
        return input.shape[1] if input.ndim == unbatched + 1 else input.shape[0]

    def initialize_parameters(self, input, *args, **kwargs) -> None:
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            channels = (
                (self.in_channels, self.out_channels // self.groups)
                if self.transposed
                else (self.out_channels, self.in_channels // self.groups)
            )
            with grad_mode.no_grad():
                self.weight.materialize((*channels, *self.kernel_size))
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()


class _LazyConv(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device, dtype)  # fmt: skip
        self._placeholders(out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(
        self,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups: int = 1,
        bias: bool = True,
        dilation=1,
        padding_mode: str = "zeros",
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode, device, dtype)  # fmt: skip
        self._placeholders(out_channels, bias, device, dtype)


class LazyConv1d(_LazyConv, Conv1d):
    """A ``Conv1d`` whose ``in_channels`` is read from its first input; until then its
    weight and bias are ``UninitializedParameter`` s.

    Args:
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        dilation: the step between kernel elements. Default: 1
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default:
            ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, L)` or without the batch dimension; :math:`C_{in}` becomes
          ``in_channels``.
        - Output: as ``Conv1d``'s.

    Example::

        >>> m = nn.LazyConv1d(33, 3)
        >>> output = m(torch.randn(20, 16, 50))  # a Conv1d now
    """

    cls_to_become = Conv1d
    _spatial = 1


class LazyConv2d(_LazyConv, Conv2d):
    """A ``Conv2d`` whose ``in_channels`` is read from its first input; until then its
    weight and bias are ``UninitializedParameter`` s.

    Args:
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        dilation: the step between kernel elements. Default: 1
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default:
            ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or without the batch dimension; :math:`C_{in}` becomes
          ``in_channels``.
        - Output: as ``Conv2d``'s.

    Example::

        >>> m = nn.LazyConv2d(33, 3)
        >>> output = m(torch.randn(20, 16, 50, 100))  # a Conv2d now
    """

    cls_to_become = Conv2d
    _spatial = 2


class LazyConv3d(_LazyConv, Conv3d):
    """A ``Conv3d`` whose ``in_channels`` is read from its first input; until then its
    weight and bias are ``UninitializedParameter`` s.

    Args:
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides, or ``'valid'`` / ``'same'``. Default: 0
        dilation: the step between kernel elements. Default: 1
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``. Default:
            ``'zeros'``

    Shape:
        - Input: :math:`(N, C_{in}, D, H, W)` or without the batch dimension; :math:`C_{in}` becomes
          ``in_channels``.
        - Output: as ``Conv3d``'s.

    Example::

        >>> m = nn.LazyConv3d(33, 3)
        >>> output = m(torch.randn(20, 16, 10, 50, 100))  # a Conv3d now
    """

    cls_to_become = Conv3d
    _spatial = 3


class LazyConvTranspose1d(_LazyConvTranspose, ConvTranspose1d):
    """A ``ConvTranspose1d`` whose ``in_channels`` is read from its first input; until then
    its weight and bias are ``UninitializedParameter`` s.

    Args:
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides. Default: 0
        output_padding: size added to one side of the output. Default: 0
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        dilation: the step between kernel elements. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, L)` or without the batch dimension; :math:`C_{in}` becomes
          ``in_channels``.
        - Output: as ``ConvTranspose1d``'s.

    Example::

        >>> m = nn.LazyConvTranspose1d(33, 3)
        >>> output = m(torch.randn(20, 16, 50))  # a ConvTranspose1d now
    """

    cls_to_become = ConvTranspose1d
    _spatial = 1


class LazyConvTranspose2d(_LazyConvTranspose, ConvTranspose2d):
    """A ``ConvTranspose2d`` whose ``in_channels`` is read from its first input; until then
    its weight and bias are ``UninitializedParameter`` s.

    Args:
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides. Default: 0
        output_padding: size added to one side of the output. Default: 0
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        dilation: the step between kernel elements. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, H, W)` or without the batch dimension; :math:`C_{in}` becomes
          ``in_channels``.
        - Output: as ``ConvTranspose2d``'s.

    Example::

        >>> m = nn.LazyConvTranspose2d(33, 3)
        >>> output = m(torch.randn(20, 16, 50, 100))  # a ConvTranspose2d now
    """

    cls_to_become = ConvTranspose2d
    _spatial = 2


class LazyConvTranspose3d(_LazyConvTranspose, ConvTranspose3d):
    """A ``ConvTranspose3d`` whose ``in_channels`` is read from its first input; until then
    its weight and bias are ``UninitializedParameter`` s.

    Args:
        out_channels: channels of the output
        kernel_size: the kernel's size
        stride: the step of the kernel. Default: 1
        padding: zeros added to both sides. Default: 0
        output_padding: size added to one side of the output. Default: 0
        groups: blocked connections from input to output channels. Default: 1
        bias: learn a bias per output channel. Default: ``True``
        dilation: the step between kernel elements. Default: 1

    Shape:
        - Input: :math:`(N, C_{in}, D, H, W)` or without the batch dimension; :math:`C_{in}` becomes
          ``in_channels``.
        - Output: as ``ConvTranspose3d``'s.

    Example::

        >>> m = nn.LazyConvTranspose3d(33, 3)
        >>> output = m(torch.randn(20, 16, 10, 50, 100))  # a ConvTranspose3d now
    """

    cls_to_become = ConvTranspose3d
    _spatial = 3


class _LazyNormBase(LazyModuleMixin):
    """A batch or instance norm whose ``num_features`` is the size of dim 1 of its first
    input (PyTorch's rule, for unbatched instance-norm inputs too). Defaults: affine and
    tracking running statistics, for the instance norms as well, as in PyTorch."""

    def __init__(
        self,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        # a norm of no features without parameters or statistics, then placeholders
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = _creation.tensor(0, dtype=_dtype.int64, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with grad_mode.no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
                self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, BatchNorm1d):
    """A ``BatchNorm1d`` whose ``num_features`` is the size of dim 1 of its first input;
    until then its parameters and running statistics are placeholders.

    Args:
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average).
            Default: ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var``. Default: ``True``

    Shape:
        - Input: :math:`(N, C)` or :math:`(N, C, L)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.LazyBatchNorm1d()
        >>> output = m(torch.randn(20, 100))  # m is now a BatchNorm1d(100)
    """

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormBase, BatchNorm2d):
    """A ``BatchNorm2d`` whose ``num_features`` is the size of dim 1 of its first input;
    until then its parameters and running statistics are placeholders.

    Args:
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average).
            Default: ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var``. Default: ``True``

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.LazyBatchNorm2d()
        >>> output = m(torch.randn(20, 100, 35, 45))  # m is now a BatchNorm2d(100)
    """

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormBase, BatchNorm3d):
    """A ``BatchNorm3d`` whose ``num_features`` is the size of dim 1 of its first input;
    until then its parameters and running statistics are placeholders.

    Args:
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average).
            Default: ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var``. Default: ``True``

    Shape:
        - Input: :math:`(N, C, D, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.LazyBatchNorm3d()
        >>> output = m(torch.randn(20, 100, 35, 45, 10))  # m is now a BatchNorm3d(100)
    """

    cls_to_become = BatchNorm3d


class LazyInstanceNorm1d(_LazyNormBase, InstanceNorm1d):
    """An ``InstanceNorm1d`` whose ``num_features`` is the size of dim 1 of its first input;
    until then its parameters and running statistics are placeholders.

    Args:
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average).
            Default: ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var``. Default: ``True``

    Shape:
        - Input: :math:`(N, C, L)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.LazyInstanceNorm1d()
        >>> output = m(torch.randn(20, 100, 40))  # m is now a InstanceNorm1d(100)
    """

    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyNormBase, InstanceNorm2d):
    """An ``InstanceNorm2d`` whose ``num_features`` is the size of dim 1 of its first input;
    until then its parameters and running statistics are placeholders.

    Args:
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average).
            Default: ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var``. Default: ``True``

    Shape:
        - Input: :math:`(N, C, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.LazyInstanceNorm2d()
        >>> output = m(torch.randn(20, 100, 35, 45))  # m is now a InstanceNorm2d(100)
    """

    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyNormBase, InstanceNorm3d):
    """An ``InstanceNorm3d`` whose ``num_features`` is the size of dim 1 of its first input;
    until then its parameters and running statistics are placeholders.

    Args:
        eps: added to the variance for stability. Default: ``1e-5``
        momentum: the running statistics' update factor (``None``: a cumulative average).
            Default: ``0.1``
        affine: learn a scale (``weight``) and shift (``bias``) per channel. Default: ``True``
        track_running_stats: keep ``running_mean``/``running_var``. Default: ``True``

    Shape:
        - Input: :math:`(N, C, D, H, W)`.
        - Output: the input's shape.

    Example::

        >>> m = nn.LazyInstanceNorm3d()
        >>> output = m(torch.randn(20, 100, 35, 45, 10))  # m is now a InstanceNorm3d(100)
    """

    cls_to_become = InstanceNorm3d
