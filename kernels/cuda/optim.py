"""Fused optimizer updates on device arrays: the update rules of kernels/common/optim.py,
run a thread per element.

Each rule is a `prange` loop over the parameter's elements whose body is the whole
update; `per_slice` compiles that source as a device function that each thread calls
on the one-element slices of its element: one copy of every formula for both devices. Arrays
are C-contiguous of the parameter's size; an unused state array is passed empty (its
slices are empty too, and the update never reads them).
"""

from __future__ import annotations

from numba import cuda

from ..common import optim as rules
from ._launch import launch, per_slice

_sgd = per_slice(rules.sgd)
_adam = per_slice(rules.adam)
_rmsprop = per_slice(rules.rmsprop)
_adagrad = per_slice(rules.adagrad)
_adadelta = per_slice(rules.adadelta)
_adamax = per_slice(rules.adamax)
_nadam = per_slice(rules.nadam)
_radam = per_slice(rules.radam)
_asgd = per_slice(rules.asgd)
_rprop = per_slice(rules.rprop)


@cuda.jit(cache=True)
def _sgd_kernel(param, grad, buffer, lr, momentum, dampening, weight_decay, nesterov, maximize,
                first_step):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _sgd(param[i:i + 1], grad[i:i + 1], buffer[i:i + 1], lr, momentum, dampening,
             weight_decay, nesterov, maximize, first_step)  # fmt: skip


@cuda.jit(cache=True)
def _adam_kernel(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
                 weight_decay, step, amsgrad, maximize, decoupled_weight_decay):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _adam(param[i:i + 1], grad[i:i + 1], exp_avg[i:i + 1], exp_avg_sq[i:i + 1],
              max_exp_avg_sq[i:i + 1], lr, beta1, beta2, eps, weight_decay, step, amsgrad,
              maximize, decoupled_weight_decay)  # fmt: skip


@cuda.jit(cache=True)
def _rmsprop_kernel(param, grad, square_avg, grad_avg, buffer, lr, alpha, eps, weight_decay,
                    momentum, centered, maximize):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _rmsprop(param[i:i + 1], grad[i:i + 1], square_avg[i:i + 1], grad_avg[i:i + 1],
                 buffer[i:i + 1], lr, alpha, eps, weight_decay, momentum, centered,
                 maximize)  # fmt: skip


@cuda.jit(cache=True)
def _adagrad_kernel(param, grad, state_sum, clr, eps, weight_decay, maximize):
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _adagrad(param[i:i + 1], grad[i:i + 1], state_sum[i:i + 1], clr, eps, weight_decay,
                 maximize)  # fmt: skip


@cuda.jit(cache=True)
def _adadelta_kernel(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _adadelta(param[i:i + 1], grad[i:i + 1], square_avg[i:i + 1], acc_delta[i:i + 1], lr,
                  rho, eps, weight_decay, maximize)  # fmt: skip


@cuda.jit(cache=True)
def _adamax_kernel(param, grad, exp_avg, exp_inf, lr, beta1, beta2, eps, weight_decay, step,
                   maximize):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _adamax(param[i:i + 1], grad[i:i + 1], exp_avg[i:i + 1], exp_inf[i:i + 1], lr, beta1,
                beta2, eps, weight_decay, step, maximize)  # fmt: skip


@cuda.jit(cache=True)
def _nadam_kernel(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay,
                  bias_correction2, grad_coefficient, exp_avg_coefficient, maximize,
                  decoupled_weight_decay):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _nadam(param[i:i + 1], grad[i:i + 1], exp_avg[i:i + 1], exp_avg_sq[i:i + 1], lr, beta1,
               beta2, eps, weight_decay, bias_correction2, grad_coefficient,
               exp_avg_coefficient, maximize, decoupled_weight_decay)  # fmt: skip


@cuda.jit(cache=True)
def _radam_kernel(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step,
                  rect, maximize, decoupled_weight_decay):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _radam(param[i:i + 1], grad[i:i + 1], exp_avg[i:i + 1], exp_avg_sq[i:i + 1], lr, beta1,
               beta2, eps, weight_decay, step, rect, maximize,
               decoupled_weight_decay)  # fmt: skip


@cuda.jit(cache=True)
def _asgd_kernel(param, grad, ax, eta, lambd, mu, weight_decay, maximize):
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _asgd(param[i:i + 1], grad[i:i + 1], ax[i:i + 1], eta, lambd, mu, weight_decay,
              maximize)  # fmt: skip


@cuda.jit(cache=True)
def _rprop_kernel(param, grad, prev, step_size, etaminus, etaplus, step_size_min,
                  step_size_max, maximize):  # fmt: skip
    for i in range(cuda.grid(1), param.size, cuda.gridsize(1)):
        _rprop(param[i:i + 1], grad[i:i + 1], prev[i:i + 1], step_size[i:i + 1], etaminus,
               etaplus, step_size_min, step_size_max, maximize)  # fmt: skip


def _run(kernel, param, *args) -> None:
    if param.size:
        flat = [a.reshape(-1) if hasattr(a, "reshape") else a for a in (param, *args)]
        kernel[launch(param.size)](*flat)


def sgd_step(param, grad, momentum_buffer, lr, momentum, dampening, weight_decay, nesterov,
             maximize, first_step) -> None:  # fmt: skip
    """One SGD update of param (and momentum_buffer, when momentum != 0) in place."""
    _run(_sgd_kernel, param, grad, momentum_buffer, float(lr), float(momentum),
         float(dampening), float(weight_decay), bool(nesterov), bool(maximize),
         bool(first_step))  # fmt: skip


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps,
              weight_decay, step, amsgrad, maximize, decoupled_weight_decay) -> None:  # fmt: skip
    """One Adam/AdamW update of param, exp_avg, exp_avg_sq (and max_exp_avg_sq with
    amsgrad) in place; `step` is the 1-based count including this update."""
    _run(_adam_kernel, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, float(lr),
         float(beta1), float(beta2), float(eps), float(weight_decay), float(step),
         bool(amsgrad), bool(maximize), bool(decoupled_weight_decay))  # fmt: skip


def rmsprop_step(param, grad, square_avg, grad_avg, momentum_buffer, lr, alpha, eps,
                 weight_decay, momentum, centered, maximize) -> None:  # fmt: skip
    """One RMSprop update of param and square_avg (grad_avg when centered, momentum_buffer
    when momentum > 0) in place."""
    _run(_rmsprop_kernel, param, grad, square_avg, grad_avg, momentum_buffer, float(lr),
         float(alpha), float(eps), float(weight_decay), float(momentum), bool(centered),
         bool(maximize))  # fmt: skip


def adagrad_step(param, grad, state_sum, clr, eps, weight_decay, maximize) -> None:
    """One Adagrad update of param and state_sum in place, at learning rate `clr`."""
    _run(
        _adagrad_kernel,
        param,
        grad,
        state_sum,
        float(clr),
        float(eps),
        float(weight_decay),
        bool(maximize),
    )


def adadelta_step(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """One Adadelta update of param, square_avg and acc_delta in place."""
    _run(_adadelta_kernel, param, grad, square_avg, acc_delta, float(lr), float(rho),
         float(eps), float(weight_decay), bool(maximize))  # fmt: skip


def adamax_step(param, grad, exp_avg, exp_inf, lr, beta1, beta2, eps, weight_decay, step,
                maximize) -> None:  # fmt: skip
    """One Adamax update of param, exp_avg and exp_inf in place; `step` is the 1-based
    count including this update."""
    _run(_adamax_kernel, param, grad, exp_avg, exp_inf, float(lr), float(beta1), float(beta2),
         float(eps), float(weight_decay), float(step), bool(maximize))  # fmt: skip


def nadam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay,
               bias_correction2, grad_coefficient, exp_avg_coefficient, maximize,
               decoupled_weight_decay) -> None:  # fmt: skip
    """One NAdam update of param, exp_avg and exp_avg_sq in place."""
    _run(_nadam_kernel, param, grad, exp_avg, exp_avg_sq, float(lr), float(beta1),
         float(beta2), float(eps), float(weight_decay), float(bias_correction2),
         float(grad_coefficient), float(exp_avg_coefficient), bool(maximize),
         bool(decoupled_weight_decay))  # fmt: skip


def radam_step(param, grad, exp_avg, exp_avg_sq, lr, beta1, beta2, eps, weight_decay, step,
               rect, maximize, decoupled_weight_decay) -> None:  # fmt: skip
    """One RAdam update of param, exp_avg and exp_avg_sq in place; `rect` is the variance
    rectification term, <= 0 for an unrectified (momentum only) step."""
    _run(_radam_kernel, param, grad, exp_avg, exp_avg_sq, float(lr), float(beta1),
         float(beta2), float(eps), float(weight_decay), float(step), float(rect),
         bool(maximize), bool(decoupled_weight_decay))  # fmt: skip


def asgd_step(param, grad, ax, eta, lambd, mu, weight_decay, maximize) -> None:
    """One ASGD update of param and its average ax in place, at this step's eta and mu."""
    _run(_asgd_kernel, param, grad, ax, float(eta), float(lambd), float(mu),
         float(weight_decay), bool(maximize))  # fmt: skip


def rprop_step(param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max,
               maximize) -> None:  # fmt: skip
    """One Rprop update of param, prev (the last gradient used) and step_size in place."""
    _run(_rprop_kernel, param, grad, prev, step_size, float(etaminus), float(etaplus),
         float(step_size_min), float(step_size_max), bool(maximize))  # fmt: skip


__all__ = [
    "adadelta_step",
    "adagrad_step",
    "adam_step",
    "rmsprop_step",
    "sgd_step",
    "adamax_step",
    "asgd_step",
    "nadam_step",
    "radam_step",
    "rprop_step",
]
