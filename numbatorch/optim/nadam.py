"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum-decay schedule."""

from __future__ import annotations

from .. import _creation
from ..kernels.contract import NAdamOptions
from .optimizer import Optimizer, hyper_parameters


class NAdam(Optimizer):
    """PyTorch's NAdam: mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)),
    mu_product = prod mu_t (kept as a 0-d state tensor, rounded to its dtype each step as
    PyTorch's is), and with exp_avg/exp_avg_sq as in Adam and
    denom = sqrt(exp_avg_sq / (1 - beta2^t)) + eps,
    param -= lr (1 - mu_t) / (1 - mu_product) g / denom
             + lr mu_{t+1} / (1 - mu_product mu_{t+1}) exp_avg / denom.
    `decoupled_weight_decay` multiplies param by 1 - lr * weight_decay instead (NAdamW)."""

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = hyper_parameters(
            lr=lr,
            eps=eps,
            betas=betas,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _update(self, group, param, grad):
        def update():
            state = self.state[param]
            if not state:
                state["step"] = _creation.tensor(0.0)
                state["mu_product"] = _creation.tensor(1.0)
                state["exp_avg"] = self._zeros_like(param)
                state["exp_avg_sq"] = self._zeros_like(param)
            step = self._increment(state["step"])
            lr, (beta1, beta2) = group["lr"], group["betas"]
            momentum_decay = group["momentum_decay"]
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
            # PyTorch's in-place product, which rounds mu to the state's dtype first
            mu_product = state["mu_product"].mul_(mu).item()
            self._run(
                param,
                "nadam_step",
                grad,
                state["exp_avg"],
                state["exp_avg_sq"],
                NAdamOptions(
                    lr=lr,
                    beta1=beta1,
                    beta2=beta2,
                    eps=group["eps"],
                    weight_decay=group["weight_decay"],
                    bias_correction2=1 - beta2**step,
                    grad_coefficient=-lr * (1.0 - mu) / (1.0 - mu_product),
                    exp_avg_coefficient=-lr * mu_next / (1.0 - mu_product * mu_next),
                    maximize=group["maximize"],
                    decoupled_weight_decay=group["decoupled_weight_decay"],
                ),
            )

        return update
