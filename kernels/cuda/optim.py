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


_KERNELS = {
    rules.SGDOptions: _sgd_kernel,
    rules.AdamOptions: _adam_kernel,
    rules.RMSpropOptions: _rmsprop_kernel,
    rules.AdagradOptions: _adagrad_kernel,
    rules.AdadeltaOptions: _adadelta_kernel,
    rules.AdamaxOptions: _adamax_kernel,
    rules.NAdamOptions: _nadam_kernel,
    rules.RAdamOptions: _radam_kernel,
    rules.ASGDOptions: _asgd_kernel,
    rules.RpropOptions: _rprop_kernel,
}


def _run(param, arrays: tuple, options) -> None:
    if param.size:
        flat = [a.reshape(-1) for a in (param, *arrays)]
        _KERNELS[type(options)][launch(param.size)](*flat, *rules.scalars(options))


def _run_each(params: list, arrays: list, options) -> None:
    for param, extra in zip(params, arrays):
        _run(param, extra, options)


sgd_step, adam_step, rmsprop_step, adagrad_step, adadelta_step, *_more = rules.launchers(_run)
adamax_step, nadam_step, radam_step, asgd_step, rprop_step = _more
sgd_foreach = rules.sgd_foreach_launcher(_run_each)
