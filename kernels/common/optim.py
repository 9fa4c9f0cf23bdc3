"""The optimizer updates, written once for both backends.

The rules: one function per algorithm whose outer loop is a `prange` over a parameter's
elements and whose body is the whole update (PyTorch's single-tensor rules, hyper-parameters
as scalars, in the order of the algorithm's options record in kernels/contract.py). The CPU
compiles each as is (kernels/cpu/optim.py); CUDA runs the body a thread per element
(`per_slice`, kernels/cuda/optim.py). The launchers: `launchers(run)`, given how a backend
runs a compiled update.

Every array is C-contiguous of the parameter's size and dtype; a state array an algorithm
does not use with the given options (SGD's momentum buffer without momentum, Adam's
max_exp_avg_sq without amsgrad) is passed empty. Scalars arrive as float64, so the
arithmetic runs in float64 and is rounded once into each stored array.
"""

from __future__ import annotations

import math
from typing import get_type_hints

from numba import njit, prange

from ..contract import (
    AdadeltaOptions,
    AdagradOptions,
    AdamaxOptions,
    AdamOptions,
    Array,
    ASGDOptions,
    NAdamOptions,
    RAdamOptions,
    RMSpropOptions,
    RpropOptions,
    SGDOptions,
)


@njit(inline="always")
def decayed(grad, param, lr, weight_decay, maximize, decoupled_weight_decay):
    """(gradient, parameter) an update starts from, in float64: the gradient negated to
    maximize, and weight decay either added to it (L2) or, decoupled (AdamW), applied to
    the parameter."""
    g = -grad if maximize else grad
    p = param * 1.0
    if weight_decay != 0:
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    return g, p


def sgd(
    param,
    grad,
    momentum_buffer,
    lr,
    momentum,
    dampening,
    weight_decay,
    nesterov,
    maximize,
    first_step,
):
    """SGD with momentum (the buffer starts as the first gradient), dampening, Nesterov."""
    for i in prange(param.size):
        g, _ = decayed(grad[i], param[i], lr, weight_decay, maximize, False)
        if momentum != 0:
            b = g if first_step else momentum * momentum_buffer[i] + (1 - dampening) * g
            momentum_buffer[i] = b
            g = g + momentum * b if nesterov else b
        param[i] = param[i] - lr * g


def adam(
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    max_exp_avg_sq,
    lr,
    beta1,
    beta2,
    eps,
    weight_decay,
    step,
    amsgrad,
    maximize,
    decoupled_weight_decay,
):
    """Adam (decoupled_weight_decay=True is AdamW); `step` counts this update too."""
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    for i in prange(param.size):
        g, p = decayed(grad[i], param[i], lr, weight_decay, maximize, decoupled_weight_decay)
        m = exp_avg[i] + (g - exp_avg[i]) * (1 - beta1)
        v = exp_avg_sq[i] * beta2 + (1 - beta2) * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        if amsgrad:
            v = max(max_exp_avg_sq[i], v)
            max_exp_avg_sq[i] = v
        param[i] = p - step_size * m / (math.sqrt(v) / bias_correction2_sqrt + eps)


def rmsprop(
    param,
    grad,
    square_avg,
    grad_avg,
    momentum_buffer,
    lr,
    alpha,
    eps,
    weight_decay,
    momentum,
    centered,
    maximize,
):
    """RMSprop, optionally centered and with momentum."""
    for i in prange(param.size):
        g, _ = decayed(grad[i], param[i], lr, weight_decay, maximize, False)
        s = square_avg[i] * alpha + (1 - alpha) * g * g
        square_avg[i] = s
        if centered:
            a = grad_avg[i] + (g - grad_avg[i]) * (1 - alpha)
            grad_avg[i] = a
            s = s - a * a
        denom = math.sqrt(s) + eps
        if momentum > 0:
            b = momentum_buffer[i] * momentum + g / denom
            momentum_buffer[i] = b
            param[i] = param[i] - lr * b
        else:
            param[i] = param[i] - lr * g / denom


def adagrad(param, grad, state_sum, clr, eps, weight_decay, maximize):
    """Adagrad; `clr` is the learning rate after lr_decay for this step."""
    for i in prange(param.size):
        g, _ = decayed(grad[i], param[i], clr, weight_decay, maximize, False)
        s = state_sum[i] + g * g
        state_sum[i] = s
        param[i] = param[i] - clr * g / (math.sqrt(s) + eps)


def adadelta(param, grad, square_avg, acc_delta, lr, rho, eps, weight_decay, maximize):
    """Adadelta: the step is the gradient scaled by RMS(past steps) / RMS(gradients)."""
    for i in prange(param.size):
        g, _ = decayed(grad[i], param[i], lr, weight_decay, maximize, False)
        s = square_avg[i] * rho + (1 - rho) * g * g
        square_avg[i] = s
        delta = math.sqrt(acc_delta[i] + eps) / math.sqrt(s + eps) * g
        acc_delta[i] = acc_delta[i] * rho + (1 - rho) * delta * delta
        param[i] = param[i] - lr * delta


def adamax(param, grad, exp_avg, exp_inf, lr, beta1, beta2, eps, weight_decay, step, maximize):
    """Adamax: Adam with the infinity norm, exp_inf = max(beta2 * exp_inf, |g| + eps)."""
    clr = lr / (1 - beta1**step)
    for i in prange(param.size):
        g, _ = decayed(grad[i], param[i], lr, weight_decay, maximize, False)
        m = exp_avg[i] + (g - exp_avg[i]) * (1 - beta1)
        u = max(exp_inf[i] * beta2, abs(g) + eps)
        exp_avg[i] = m
        exp_inf[i] = u
        param[i] = param[i] - clr * (m / u)


def nadam(
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    lr,
    beta1,
    beta2,
    eps,
    weight_decay,
    bias_correction2,
    grad_coefficient,
    exp_avg_coefficient,
    maximize,
    decoupled_weight_decay,
):
    """NAdam: the caller folds the momentum schedule (mu, mu_product) into the two
    coefficients, param += (grad_coefficient * g + exp_avg_coefficient * m) / denom."""
    for i in prange(param.size):
        g, p = decayed(grad[i], param[i], lr, weight_decay, maximize, decoupled_weight_decay)
        m = exp_avg[i] + (g - exp_avg[i]) * (1 - beta1)
        v = exp_avg_sq[i] * beta2 + (1 - beta2) * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        denom = math.sqrt(v / bias_correction2) + eps
        p = p + grad_coefficient * (g / denom)
        param[i] = p + exp_avg_coefficient * (m / denom)


def radam(
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    lr,
    beta1,
    beta2,
    eps,
    weight_decay,
    step,
    rect,
    maximize,
    decoupled_weight_decay,
):
    """RAdam: the adaptive step scaled by the variance rectification `rect`, or the plain
    momentum step while the variance is intractable (the caller passes rect <= 0)."""
    bias_correction1 = 1 - beta1**step
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    for i in prange(param.size):
        g, p = decayed(grad[i], param[i], lr, weight_decay, maximize, decoupled_weight_decay)
        m = exp_avg[i] + (g - exp_avg[i]) * (1 - beta1)
        v = exp_avg_sq[i] * beta2 + (1 - beta2) * g * g
        exp_avg[i] = m
        exp_avg_sq[i] = v
        update = m / bias_correction1 * lr
        if rect > 0:
            update = update * (bias_correction2_sqrt / (math.sqrt(v) + eps)) * rect
        param[i] = p - update


def asgd(param, grad, ax, eta, lambd, mu, weight_decay, maximize):
    """ASGD: a decayed SGD step at rate eta, and ax averages the iterates from t0 on
    (mu = 1 copies the parameter)."""
    for i in prange(param.size):
        g, _ = decayed(grad[i], param[i], eta, weight_decay, maximize, False)
        p = param[i] * (1 - lambd * eta)
        p = p - eta * g
        param[i] = p
        if mu != 1:
            ax[i] = ax[i] + (p - ax[i]) * mu
        else:
            ax[i] = p


def rprop(param, grad, prev, step_size, etaminus, etaplus, step_size_min, step_size_max,
           maximize):  # fmt: skip
    """Rprop: each element's step size grows by etaplus while its gradient keeps its sign,
    shrinks by etaminus when it flips (and that step is skipped), within the bounds."""
    for i in prange(param.size):
        g = -grad[i] if maximize else grad[i]
        agreement = g * prev[i]
        factor = 1.0
        if agreement > 0:
            factor = etaplus
        elif agreement < 0:
            factor = etaminus
            g = 0.0
        size = min(max(step_size[i] * factor, step_size_min), step_size_max)
        step_size[i] = size
        if g > 0:
            param[i] = param[i] - size
        elif g < 0:
            param[i] = param[i] + size
        prev[i] = g


# --- the host side, written once: the launchers of both backends -----------------------------

RULES = {
    SGDOptions: sgd,
    AdamOptions: adam,
    RMSpropOptions: rmsprop,
    AdagradOptions: adagrad,
    AdadeltaOptions: adadelta,
    AdamaxOptions: adamax,
    NAdamOptions: nadam,
    RAdamOptions: radam,
    ASGDOptions: asgd,
    RpropOptions: rprop,
}
_CONVERTERS = {options: tuple(get_type_hints(options).values()) for options in RULES}


def scalars(options) -> tuple:
    """The fields of `options` as the kernels take them, float64 or bool, so one compiled
    kernel serves whatever Python numbers (or 0-d arrays) an optimizer holds."""
    return tuple(convert(value) for convert, value in zip(_CONVERTERS[type(options)], options))


def sgd_foreach_launcher(run_each):
    """A backend's `sgd_foreach`, given `run_each(params, arrays, options)`: its compiled
    update of `type(options)` on each param with the arrays of the same position."""

    def sgd_foreach(
        params: list[Array], grads: list[Array], momentum_buffers: list[Array], options: SGDOptions
    ) -> None:
        """`sgd_step` on each parameter of a list with the same options, in one call: the
        options are converted and the kernels looked up once per parameter group, not per
        parameter (most of a small net's update was that per-parameter Python)."""
        run_each(params, list(zip(grads, momentum_buffers)), options)

    return sgd_foreach


def launchers(run) -> tuple:
    """A backend's optimizer launchers, in the order of `RULES`. `run(param, arrays,
    options)` calls the backend's compiled update for `type(options)` on param and the
    other arrays (C-contiguous, param's size)."""

    def sgd_step(param: Array, grad: Array, momentum_buffer: Array, options: SGDOptions) -> None:
        """One SGD update of param (and momentum_buffer, when momentum != 0) in place."""
        run(param, (grad, momentum_buffer), options)

    def adam_step(
        param: Array,
        grad: Array,
        exp_avg: Array,
        exp_avg_sq: Array,
        max_exp_avg_sq: Array,
        options: AdamOptions,
    ) -> None:
        """One Adam/AdamW update of param, exp_avg, exp_avg_sq (and max_exp_avg_sq with
        amsgrad) in place."""
        run(param, (grad, exp_avg, exp_avg_sq, max_exp_avg_sq), options)

    def rmsprop_step(
        param: Array,
        grad: Array,
        square_avg: Array,
        grad_avg: Array,
        momentum_buffer: Array,
        options: RMSpropOptions,
    ) -> None:
        """One RMSprop update of param and square_avg (grad_avg when centered,
        momentum_buffer when momentum > 0) in place."""
        run(param, (grad, square_avg, grad_avg, momentum_buffer), options)

    def adagrad_step(param: Array, grad: Array, state_sum: Array, options: AdagradOptions) -> None:
        """One Adagrad update of param and state_sum in place."""
        run(param, (grad, state_sum), options)

    def adadelta_step(
        param: Array, grad: Array, square_avg: Array, acc_delta: Array, options: AdadeltaOptions
    ) -> None:
        """One Adadelta update of param, square_avg and acc_delta in place."""
        run(param, (grad, square_avg, acc_delta), options)

    def adamax_step(
        param: Array, grad: Array, exp_avg: Array, exp_inf: Array, options: AdamaxOptions
    ) -> None:
        """One Adamax update of param, exp_avg and exp_inf in place."""
        run(param, (grad, exp_avg, exp_inf), options)

    def nadam_step(
        param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, options: NAdamOptions
    ) -> None:
        """One NAdam update of param, exp_avg and exp_avg_sq in place."""
        run(param, (grad, exp_avg, exp_avg_sq), options)

    def radam_step(
        param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, options: RAdamOptions
    ) -> None:
        """One RAdam update of param, exp_avg and exp_avg_sq in place."""
        run(param, (grad, exp_avg, exp_avg_sq), options)

    def asgd_step(param: Array, grad: Array, ax: Array, options: ASGDOptions) -> None:
        """One ASGD update of param and its average ax in place."""
        run(param, (grad, ax), options)

    def rprop_step(
        param: Array, grad: Array, prev: Array, step_size: Array, options: RpropOptions
    ) -> None:
        """One Rprop update of param, prev (the last gradient used) and step_size in place."""
        run(param, (grad, prev, step_size), options)

    return (
        sgd_step,
        adam_step,
        rmsprop_step,
        adagrad_step,
        adadelta_step,
        adamax_step,
        nadam_step,
        radam_step,
        asgd_step,
        rprop_step,
    )
