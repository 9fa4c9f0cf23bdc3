"""Optimizers follow PyTorch's update rules (checked over 3 steps against numpy
implementations of them), validate their hyper-parameters with PyTorch's messages, save
and load their state in PyTorch's layout and never leave parameters half-updated; the
schedulers produce PyTorch's learning-rate sequences."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.optim as optim
from numbatorch.optim import lr_scheduler

# --- numpy references of PyTorch's single-tensor updates ---


def ref_sgd(
    p, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False
):
    buf = None
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(
    p,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        if amsgrad:
            vmax = np.maximum(vmax, v)
        denom = np.sqrt(vmax if amsgrad else v) / math.sqrt(1 - betas[1] ** step) + eps
        p = p - lr / (1 - betas[0] ** step) * m / denom
    return p


def ref_rmsprop(
    p,
    grads,
    lr=1e-2,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    square, average, buf = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * p
        square = alpha * square + (1 - alpha) * g * g
        if centered:
            average = alpha * average + (1 - alpha) * g
            denom = np.sqrt(square - average**2) + eps
        else:
            denom = np.sqrt(square) + eps
        if momentum > 0:
            buf = momentum * buf + g / denom
            p = p - lr * buf
        else:
            p = p - lr * g / denom
    return p


def ref_adagrad(
    p,
    grads,
    lr=1e-2,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    total = np.full_like(p, initial_accumulator_value)
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        g = g + weight_decay * p
        clr = lr / (1 + (step - 1) * lr_decay)
        total = total + g * g
        p = p - clr * g / (np.sqrt(total) + eps)
    return p


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    square, acc_delta = np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * p
        square = rho * square + (1 - rho) * g * g
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square + eps) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta * delta
        p = p - lr * delta
    return p


def _run(optimizer_class, options, steps=3):
    """3 steps of optimizer_class on a float64 (2, 3) parameter with gradients that depend
    on the step and on the parameter (so state and parameter interact)."""
    rng = np.random.default_rng(0)
    start = rng.uniform(-1, 1, (2, 3))
    bias = rng.uniform(-1, 1, (2, 3))
    param = nn.Parameter(torch.tensor(start))
    optimizer = optimizer_class([param], **options)
    grads = []
    for step in range(steps):
        grad = np.sin(param.detach().numpy() * (step + 1)) + bias
        grads.append(grad)
        param.grad = torch.tensor(grad)
        optimizer.step()
    return start, grads, param.detach().numpy(), optimizer


def _replay(reference, start, grads, options):
    """The reference fed the same gradients; they were computed from the parameter values
    of the run, so equal results mean equal trajectories."""
    return reference(start.copy(), grads, **options)


CONFIGS = [
    (optim.SGD, ref_sgd, {"lr": 0.1}),
    (optim.SGD, ref_sgd, {"lr": 0.1, "momentum": 0.9}),
    (optim.SGD, ref_sgd, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1}),
    (optim.SGD, ref_sgd, {"lr": 0.05, "momentum": 0.8, "nesterov": True, "maximize": True}),
    (optim.Adam, ref_adam, {}),
    (optim.Adam, ref_adam, {"lr": 0.1, "betas": (0.8, 0.9), "weight_decay": 0.1, "amsgrad": True}),
    (optim.Adam, ref_adam, {"lr": 0.1, "maximize": True, "eps": 1e-3}),
    (
        optim.AdamW,
        lambda p, g, **o: ref_adam(p, g, decoupled=True, **o),
        {"lr": 0.1, "weight_decay": 0.1},
    ),
    (
        optim.AdamW,
        lambda p, g, **o: ref_adam(p, g, decoupled=True, **o),
        {"lr": 0.1, "amsgrad": True, "weight_decay": 0.01},
    ),
    (optim.RMSprop, ref_rmsprop, {}),
    (
        optim.RMSprop,
        ref_rmsprop,
        {"lr": 0.05, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
    ),
    (optim.RMSprop, ref_rmsprop, {"maximize": True, "momentum": 0.3}),
    (optim.Adagrad, ref_adagrad, {}),
    (optim.Adadelta, ref_adadelta, {}),
    (optim.Adadelta, ref_adadelta, {"lr": 0.5, "rho": 0.6, "eps": 1e-3, "weight_decay": 0.1}),
    (optim.Adadelta, ref_adadelta, {"maximize": True, "rho": 0.95}),
    (
        optim.Adagrad,
        ref_adagrad,
        {
            "lr": 0.1,
            "lr_decay": 0.5,
            "weight_decay": 0.2,
            "initial_accumulator_value": 0.3,
            "maximize": True,
        },
    ),
]


@pytest.mark.parametrize(
    ("optimizer_class", "reference", "options"),
    CONFIGS,
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_three_steps_match_pytorchs_update_rule(optimizer_class, reference, options):
    start, grads, result, _ = _run(optimizer_class, options)
    expected = _replay(reference, start, grads, options)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(result, start)


@pytest.mark.torch
def test_adadelta_matches_pytorch_over_five_steps():
    pytorch = pytest.importorskip("torch")
    options = {"lr": 0.7, "rho": 0.8, "eps": 1e-4, "weight_decay": 0.05}
    start = np.random.default_rng(2).uniform(-1, 1, (2, 3))
    ours = nn.Parameter(torch.tensor(start))
    theirs = pytorch.nn.Parameter(pytorch.tensor(start))
    ours_optimizer = optim.Adadelta([ours], **options)
    theirs_optimizer = pytorch.optim.Adadelta([theirs], **options)
    for step in range(5):
        grad = np.cos(theirs.detach().numpy() * (step + 1))
        ours.grad, theirs.grad = torch.tensor(grad), pytorch.tensor(grad)
        ours_optimizer.step()
        theirs_optimizer.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    assert sorted(ours_optimizer.state[ours]) == sorted(theirs_optimizer.state[theirs])


def test_float32_parameters_update_in_float32():
    param = nn.Parameter(torch.tensor([1.0, -2.0]))
    param.grad = torch.tensor([0.5, 0.5])
    optim.Adam([param], lr=0.1).step()
    assert param.dtype is torch.float32
    np.testing.assert_allclose(param.detach().numpy(), [0.9, -2.1], rtol=1e-6)


def test_parameters_without_gradients_are_skipped():
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    a.grad = torch.ones(2)
    optimizer = optim.SGD([a, b], lr=0.5, momentum=0.9)
    optimizer.step()
    assert a.tolist() == [0.5, 0.5] and b.tolist() == [1.0, 1.0]
    assert b not in optimizer.state


def test_sgd_momentum_buffers_start_per_parameter_within_one_group():
    # the group is updated in one launcher call per first_step value: b's buffer starts
    # as its first gradient on step 2, while a's already holds a step's history
    a, b = nn.Parameter(torch.tensor([1.0, 2.0])), nn.Parameter(torch.tensor([3.0]))
    optimizer = optim.SGD([a, b], lr=0.5, momentum=0.9, dampening=0.1)
    a.grad = torch.tensor([1.0, -1.0])
    optimizer.step()
    a.grad, b.grad = torch.tensor([2.0, 0.5]), torch.tensor([4.0])
    optimizer.step()
    buffer_a = 0.9 * np.array([1.0, -1.0]) + 0.9 * np.array([2.0, 0.5])
    np.testing.assert_allclose(a.tolist(), np.array([0.5, 2.5]) - 0.5 * buffer_a, rtol=1e-6)
    np.testing.assert_allclose(b.tolist(), [3.0 - 0.5 * 4.0], rtol=1e-6)
    np.testing.assert_allclose(optimizer.state[b]["momentum_buffer"].tolist(), [4.0])


def test_step_bumps_the_parameter_version():
    p = nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    before = p._version
    optim.SGD([p], lr=0.1).step()
    assert p._version > before


def test_closure_is_evaluated_with_grad_and_its_loss_returned():
    p = nn.Parameter(torch.tensor([2.0]))
    optimizer = optim.SGD([p], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with torch.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0 and p.item() == 1.0


# --- groups, validation, zero_grad ---


def test_param_groups_fill_defaults_and_keep_overrides():
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    optimizer = optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.5}],
        lr=0.1,
        momentum=0.9,
    )
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in optimizer.param_groups)
    assert isinstance(optimizer.param_groups[0]["params"], list)
    extra = nn.Parameter(torch.zeros(1))
    optimizer.add_param_group({"params": extra, "lr": 1.0})
    assert optimizer.param_groups[2]["params"] == [extra]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [extra]})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "Invalid weight_decay value: -1"),
        (
            lambda p: optim.SGD(p, lr=0.1, nesterov=True),
            "Nesterov momentum requires a momentum and zero dampening",
        ),
        (lambda p: optim.Adam(p, lr=-0.1), "Invalid learning rate: -0.1"),
        (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
        (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
        (lambda p: optim.RMSprop(p, alpha=-0.5), "Invalid alpha value: -0.5"),
        (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
        (
            lambda p: optim.Adagrad(p, initial_accumulator_value=-1),
            "Invalid initial_accumulator_value value: -1",
        ),
        (lambda p: optim.LBFGS(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.Adadelta(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
        (lambda p: optim.Adadelta(p, eps=-1.0), "Invalid epsilon value: -1.0"),
        (lambda p: optim.Adadelta(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
    ],
)
def test_invalid_hyper_parameters_raise_pytorchs_value_error(make, message):
    with pytest.raises(ValueError) as info:
        make([nn.Parameter(torch.zeros(1))])
    assert str(info.value) == message


def test_params_must_be_an_iterable_of_leaf_tensors():
    with pytest.raises(
        TypeError, match="should be an iterable of Tensors or dicts, but got torch.FloatTensor"
    ):
        optim.SGD(nn.Parameter(torch.zeros(1)), lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([nn.Parameter(torch.zeros(1)) * 2], lr=0.1)


def test_zero_grad_sets_to_none_or_zeroes():
    p = nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    optimizer = optim.SGD([p], lr=0.1)
    optimizer.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert p.grad is None


def test_a_failing_step_leaves_every_parameter_untouched():
    good, bad = nn.Parameter(torch.ones(3)), nn.Parameter(torch.ones(2))
    good.grad = torch.ones(3)
    bad._grad = torch.ones(3)  # wrong shape (past the .grad setter's check): found in step
    optimizer = optim.Adam([good, bad], lr=0.1)
    with pytest.raises(RuntimeError, match="assigned grad has data of a different size"):
        optimizer.step()
    assert good.tolist() == [1.0, 1.0, 1.0]
    assert len(optimizer.state) == 0
    bad.grad = torch.ones(2)
    optimizer.step()
    np.testing.assert_allclose(good.detach().numpy(), 0.9, rtol=1e-6)
    assert optimizer.state[good]["step"].item() == 1


# --- state_dict ---


def test_state_dict_uses_pytorchs_layout():
    model = nn.Linear(2, 1)
    optimizer = optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
    model(torch.ones(3, 2)).sum().backward()
    optimizer.step()
    state = optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert list(state["state"]) == [0, 1]
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert state["state"][0]["step"].item() == 1.0
    group = state["param_groups"][0]
    assert group["params"] == [0, 1] and group["lr"] == 0.01 and group["amsgrad"] is True


@pytest.mark.parametrize(
    ("optimizer_class", "options"),
    [
        (optim.SGD, {"lr": 0.1, "momentum": 0.9}),
        (optim.Adam, {"lr": 0.1}),
        (optim.RMSprop, {"momentum": 0.5, "centered": True}),
        (optim.Adagrad, {"lr_decay": 0.1}),
        (optim.Adadelta, {"rho": 0.8}),
    ],
)
def test_state_dict_round_trip_continues_identically(optimizer_class, options):
    def make():
        torch.manual_seed(0)
        model = nn.Linear(3, 2).double()
        return model, optimizer_class(model.parameters(), **options)

    def train(model, optimizer, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            (model(torch.ones(4, 3, dtype=torch.float64)) ** 2).sum().backward()
            optimizer.step()

    model, optimizer = make()
    train(model, optimizer, 2)
    # state_dict() returns references, as in PyTorch: copy before training on
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    train(model, optimizer, 2)

    resumed, resumed_optimizer = make()
    resumed.load_state_dict(saved_model)
    resumed_optimizer.load_state_dict(saved_optimizer)
    train(resumed, resumed_optimizer, 2)
    np.testing.assert_allclose(
        resumed.weight.detach().numpy(), model.weight.detach().numpy(), rtol=1e-12
    )


def test_load_state_dict_rejects_mismatched_groups():
    a, b = nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1))
    saved = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(
        ValueError,
        match="loaded state dict contains a parameter group that "
        "doesn't match the size of optimizer's group",
    ):
        optim.SGD([a], lr=0.1).load_state_dict(saved)
    with pytest.raises(
        ValueError, match="loaded state dict has a different number of parameter groups"
    ):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)


def test_load_state_dict_restores_hyper_parameters():
    p = nn.Parameter(torch.zeros(1))
    saved = optim.SGD([p], lr=0.5, momentum=0.9).state_dict()
    optimizer = optim.SGD([p], lr=0.1)
    optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0]["lr"] == 0.5
    assert optimizer.param_groups[0]["params"][0] is p


# --- LBFGS ---


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_rosenbrock(line_search_fn):
    xy = nn.Parameter(torch.tensor([-1.5, 2.0], dtype=torch.float64))
    optimizer = optim.LBFGS(
        [xy],
        lr=1 if line_search_fn else 0.1,
        max_iter=100,
        line_search_fn=line_search_fn,
        history_size=10,
    )

    def closure():
        optimizer.zero_grad()
        x, y = xy[0], xy[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    for _ in range(5 if line_search_fn else 30):
        optimizer.step(closure)
    np.testing.assert_allclose(xy.detach().numpy(), [1.0, 1.0], atol=1e-3)


# --- schedulers ---


def _lrs(make_scheduler, epochs=10, lr=1.0):
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=lr)
    scheduler = make_scheduler(optimizer)
    values = []
    for _ in range(epochs):
        values.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return values


def test_step_lr_sequence():
    values = _lrs(lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5))
    np.testing.assert_allclose(values, [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125])


def test_multi_step_lr_sequence():
    values = _lrs(lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.1))
    np.testing.assert_allclose(values, [1, 1, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001, 0.001, 0.001])


def test_exponential_lr_sequence():
    np.testing.assert_allclose(
        _lrs(lambda o: lr_scheduler.ExponentialLR(o, 0.9), 5), [0.9**k for k in range(5)]
    )


def test_cosine_annealing_follows_the_closed_form_over_periods():
    values = _lrs(lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.1), 12)
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * k / 4)) / 2 for k in range(12)]
    np.testing.assert_allclose(values, expected, atol=1e-12)


def test_lambda_lr_per_group():
    a, b = nn.Parameter(torch.zeros(1)), nn.Parameter(torch.zeros(1))
    optimizer = optim.SGD([{"params": [a]}, {"params": [b], "lr": 2.0}], lr=1.0)
    scheduler = lr_scheduler.LambdaLR(optimizer, [lambda e: 0.5**e, lambda e: 1 / (e + 1)])
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [0.125, 0.5]
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0])


def test_reduce_lr_on_plateau():
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(
        optimizer, patience=2, factor=0.5, cooldown=1, min_lr=0.2
    )
    lrs = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]:
        scheduler.step(metric)
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        lr_scheduler.ReduceLROnPlateau(optimizer, factor=1.5)


def test_scheduler_state_dict_round_trip():
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    other = lr_scheduler.StepLR(optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0), 5)
    other.load_state_dict(state)
    assert other.step_size == 2 and other.last_epoch == 3
    assert other.get_last_lr() == scheduler.get_last_lr()
    assert optimizer.param_groups[0]["initial_lr"] == 1.0


# --- Adamax, NAdam, RAdam, ASGD, Rprop: numpy references of PyTorch's documented updates ---


def ref_adamax(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    m, u = np.zeros_like(p), np.zeros_like(p)
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        u = np.maximum(betas[1] * u, np.abs(g) + eps)
        p = p - lr / (1 - betas[0] ** step) * m / u
    return p


def ref_nadam(
    p,
    grads,
    lr=2e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    momentum_decay=4e-3,
    decoupled_weight_decay=False,
    maximize=False,
):
    m, v = np.zeros_like(p), np.zeros_like(p)
    mu_product = np.float32(1.0)  # PyTorch keeps it in a float32 0-d tensor
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        mu = betas[0] * (1 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = betas[0] * (1 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product = np.float32(mu_product * np.float32(mu))
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        denom = np.sqrt(v / (1 - betas[1] ** step)) + eps
        p = p - lr * (1 - mu) / (1 - float(mu_product)) * g / denom
        p = p - lr * mu_next / (1 - float(mu_product) * mu_next) * m / denom
    return p


def ref_radam(
    p,
    grads,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    decoupled_weight_decay=False,
    maximize=False,
):
    m, v = np.zeros_like(p), np.zeros_like(p)
    rho_inf = 2 / (1 - betas[1]) - 1
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        m_hat = m / (1 - betas[0] ** step)
        rho = rho_inf - 2 * step * betas[1] ** step / (1 - betas[1] ** step)
        if rho > 5:
            rect = math.sqrt(
                (rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)
            )
            adaptive = math.sqrt(1 - betas[1] ** step) / (np.sqrt(v) + eps)
            p = p - m_hat * lr * adaptive * rect
        else:
            p = p - m_hat * lr
    return p


def ref_asgd(p, grads, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False):
    eta, mu = np.float32(lr), 1.0  # PyTorch keeps eta and mu in float32 0-d tensors
    ax = np.zeros_like(p)
    for step, g in enumerate(grads, 1):
        g = -g if maximize else g
        g = g + weight_decay * p
        p = p * (1 - lambd * float(eta)) - float(eta) * g
        ax = ax + (p - ax) * mu if mu != 1 else p.copy()
        eta = np.float32(lr / (1 + lambd * lr * step) ** alpha)
        mu = float(np.float32(1 / max(1, step - t0)))
    return p, ax


def ref_rprop(p, grads, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    prev, size = np.zeros_like(p), np.full_like(p, lr)
    for g in grads:
        g = -g if maximize else g
        agreement = g * prev
        factor = np.where(agreement > 0, etas[1], np.where(agreement < 0, etas[0], 1.0))
        size = np.clip(size * factor, *step_sizes)
        g = np.where(agreement < 0, 0.0, g)
        p = p - np.sign(g) * size
        prev = g
    return p


NEW_CONFIGS = [
    (optim.Adamax, ref_adamax, {}),
    (optim.Adamax, ref_adamax, {"lr": 0.1, "betas": (0.8, 0.9), "weight_decay": 0.1}),
    (optim.Adamax, ref_adamax, {"lr": 0.05, "eps": 1e-2, "maximize": True}),
    (optim.NAdam, ref_nadam, {}),
    (optim.NAdam, ref_nadam, {"lr": 0.1, "weight_decay": 0.1, "momentum_decay": 0.1}),
    (
        optim.NAdam,
        ref_nadam,
        {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True, "maximize": True},
    ),
    (optim.RAdam, ref_radam, {}),
    # beta2 = 0.5 turns the rectification on from step 2 (rho_t > 5)
    (optim.RAdam, ref_radam, {"lr": 0.1, "betas": (0.8, 0.5), "weight_decay": 0.1}),
    (
        optim.RAdam,
        ref_radam,
        {"lr": 0.1, "betas": (0.9, 0.6), "weight_decay": 0.1, "decoupled_weight_decay": True},
    ),
    (optim.RAdam, ref_radam, {"betas": (0.9, 0.5), "maximize": True, "eps": 1e-2}),
    (optim.ASGD, lambda *a, **o: ref_asgd(*a, **o)[0], {}),
    # t0 = 1 starts the averaging (mu < 1) within the three steps
    (
        optim.ASGD,
        lambda *a, **o: ref_asgd(*a, **o)[0],
        {"lr": 0.1, "lambd": 0.5, "alpha": 0.5, "t0": 1, "weight_decay": 0.1, "maximize": True},
    ),
    (optim.Rprop, ref_rprop, {}),
    (optim.Rprop, ref_rprop, {"lr": 0.1, "etas": (0.3, 1.5), "step_sizes": (0.05, 0.2)}),
    (optim.Rprop, ref_rprop, {"lr": 0.1, "maximize": True}),
]


@pytest.mark.parametrize(
    ("optimizer_class", "reference", "options"),
    NEW_CONFIGS,
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_adamax_nadam_radam_asgd_rprop_match_pytorchs_update_rule(
    optimizer_class, reference, options
):
    start, grads, result, _ = _run(optimizer_class, options, steps=4)
    expected = _replay(reference, start, grads, options)
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12)
    assert not np.allclose(result, start)


def test_asgd_averages_the_iterates_from_t0_on():
    options = {"lr": 0.1, "lambd": 0.5, "t0": 1}
    start, grads, _, optimizer = _run(optim.ASGD, options, steps=4)
    state = next(iter(optimizer.state.values()))
    _, ax = ref_asgd(start.copy(), grads, **options)
    np.testing.assert_allclose(state["ax"].numpy(), ax, rtol=1e-12)
    assert state["mu"].item() == float(np.float32(1 / 3)) and state["mu"].dtype is torch.float32
    assert state["eta"].item() == pytest.approx(0.1 / (1 + 0.5 * 0.1 * 4) ** 0.75, rel=1e-7)


def test_rprop_skips_the_step_of_an_element_whose_gradient_flips_sign():
    param = nn.Parameter(torch.tensor([0.0, 0.0], dtype=torch.float64))
    optimizer = optim.Rprop([param], lr=0.1, etas=(0.5, 2.0))
    for grad in ([1.0, 1.0], [1.0, -1.0], [1.0, 1.0]):
        param.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
    state = optimizer.state[param]
    # element 0: steps 0.1, 0.2, 0.4; element 1: 0.1, then a flip (size halved, no step,
    # prev = 0), then a fresh step at the halved size
    np.testing.assert_allclose(param.detach().numpy(), [-0.7, -0.15])
    np.testing.assert_allclose(state["step_size"].numpy(), [0.4, 0.05])
    np.testing.assert_allclose(state["prev"].numpy(), [1.0, 1.0])


@pytest.mark.parametrize(
    ("optimizer_class", "keys"),
    [
        (optim.Adamax, ["exp_avg", "exp_inf", "step"]),
        (optim.NAdam, ["exp_avg", "exp_avg_sq", "mu_product", "step"]),
        (optim.RAdam, ["exp_avg", "exp_avg_sq", "step"]),
        (optim.ASGD, ["ax", "eta", "mu", "step"]),
        (optim.Rprop, ["prev", "step", "step_size"]),
    ],
)
def test_new_optimizers_state_and_defaults_use_pytorchs_names(optimizer_class, keys):
    param = nn.Parameter(torch.ones(2))
    param.grad = torch.ones(2)
    optimizer = optimizer_class([param])
    optimizer.step()
    assert sorted(optimizer.state_dict()["state"][0]) == keys
    assert {"foreach", "maximize", "differentiable", "capturable"} <= set(optimizer.defaults)


def test_new_optimizers_defaults_are_pytorchs():
    p = [nn.Parameter(torch.zeros(1))]
    assert optim.Adamax(p).defaults["lr"] == 2e-3
    nadam = optim.NAdam(p).defaults
    assert (nadam["lr"], nadam["momentum_decay"], nadam["decoupled_weight_decay"]) == (
        2e-3,
        4e-3,
        False,
    )
    assert optim.RAdam(p).defaults["betas"] == (0.9, 0.999)
    asgd = optim.ASGD(p).defaults
    assert (asgd["lr"], asgd["lambd"], asgd["alpha"], asgd["t0"]) == (1e-2, 1e-4, 0.75, 1e6)
    rprop = optim.Rprop(p).defaults
    assert (rprop["lr"], rprop["etas"], rprop["step_sizes"]) == (1e-2, (0.5, 1.2), (1e-6, 50))


def test_param_groups_override_new_optimizers_hyper_parameters():
    a, b = nn.Parameter(torch.ones(2)), nn.Parameter(torch.ones(2))
    optimizer = optim.Rprop([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad, b.grad = torch.ones(2), torch.ones(2)
    optimizer.step()
    np.testing.assert_allclose(a.detach().numpy(), 0.9, rtol=1e-6)
    np.testing.assert_allclose(b.detach().numpy(), 0.5, rtol=1e-6)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.Adamax(p, lr=-1), "Invalid learning rate: -1"),
        (lambda p: optim.Adamax(p, eps=-1.0, betas=(2.0, 0.9)), "Invalid epsilon value: -1.0"),
        (lambda p: optim.Adamax(p, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
        (lambda p: optim.NAdam(p, momentum_decay=-1), "Invalid momentum_decay value: -1"),
        (lambda p: optim.NAdam(p, weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
        (lambda p: optim.RAdam(p, betas=(-0.1, 0.9)), "Invalid beta parameter at index 0: -0.1"),
        (lambda p: optim.ASGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
        (lambda p: optim.ASGD(p, lr=-0.5), "Invalid learning rate: -0.5"),
        (lambda p: optim.Rprop(p, etas=(1.5, 2)), "Invalid eta values: 1.5, 2"),
        (lambda p: optim.Rprop(p, etas=(0.5, 0.9)), "Invalid eta values: 0.5, 0.9"),
    ],
)
def test_new_optimizers_raise_pytorchs_value_errors(make, message):
    with pytest.raises(ValueError) as info:
        make([nn.Parameter(torch.zeros(1))])
    assert str(info.value) == message


@pytest.mark.parametrize("optimizer_class", [optim.Adamax, optim.RAdam, optim.Rprop])
def test_new_optimizers_state_dict_round_trip_continues_identically(optimizer_class):
    test_state_dict_round_trip_continues_identically(optimizer_class, {"lr": 0.05})


@pytest.mark.parametrize(("optimizer_class", "scalars"), [
    (optim.NAdam, ["mu_product"]),
    (optim.ASGD, ["eta", "mu"]),
])  # fmt: skip
def test_loading_casts_scalar_state_to_the_parameters_dtype_as_pytorch_does(
    optimizer_class, scalars
):
    # PyTorch's load_state_dict casts every state tensor but 'step' to the parameter's
    # dtype: a float64 model resumes with float64 mu_product/eta/mu (float32 before)
    param = nn.Parameter(torch.ones(2, dtype=torch.float64))
    param.grad = torch.ones(2, dtype=torch.float64)
    optimizer = optimizer_class([param])
    optimizer.step()
    saved = optimizer.state_dict()
    resumed = optimizer_class([param])
    resumed.load_state_dict(saved)
    for key in scalars:
        assert saved["state"][0][key].dtype is torch.float32
        assert resumed.state[param][key].dtype is torch.float64
        assert resumed.state[param][key].item() == saved["state"][0][key].item()
    assert resumed.state[param]["step"].dtype is torch.float32


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("Adamax", {"lr": 0.1, "weight_decay": 0.1}),
        ("NAdam", {"lr": 0.1, "momentum_decay": 0.05, "decoupled_weight_decay": True}),
        ("RAdam", {"lr": 0.1, "betas": (0.9, 0.6), "weight_decay": 0.1}),
        ("ASGD", {"lr": 0.1, "lambd": 0.3, "t0": 2, "weight_decay": 0.05}),
        ("Rprop", {"lr": 0.1, "etas": (0.4, 1.5), "maximize": True}),
    ],
)
def test_new_optimizers_match_pytorch_over_five_steps(name, options):
    pytorch = pytest.importorskip("torch")
    start = np.random.default_rng(3).uniform(-1, 1, (2, 3))
    ours = nn.Parameter(torch.tensor(start))
    theirs = pytorch.nn.Parameter(pytorch.tensor(start))
    ours_optimizer = getattr(optim, name)([ours], **options)
    theirs_optimizer = getattr(pytorch.optim, name)([theirs], **options)
    for step in range(5):
        grad = np.cos(theirs.detach().numpy() * (step + 1)) - 0.3
        ours.grad, theirs.grad = torch.tensor(grad), pytorch.tensor(grad)
        ours_optimizer.step()
        theirs_optimizer.step()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours_state, theirs_state = ours_optimizer.state[ours], theirs_optimizer.state[theirs]
    assert sorted(ours_state) == sorted(theirs_state)
    for key, value in theirs_state.items():
        assert str(ours_state[key].dtype) == str(value.dtype)
        np.testing.assert_allclose(ours_state[key].numpy(), value.numpy(), rtol=1e-12)
    # PyTorch's optimizer resumes from our state, converted tensor by tensor
    saved = ours_optimizer.state_dict()
    saved["state"] = {
        index: {k: pytorch.tensor(v.numpy()) for k, v in entry.items()}
        for index, entry in saved["state"].items()
    }
    theirs_optimizer.load_state_dict(saved)


# --- ConstantLR, LinearLR, PolynomialLR, SequentialLR, ChainedScheduler, SGDR, CyclicLR,
# OneCycleLR: sequences against PyTorch's closed forms ---


def test_constant_lr_holds_the_factor_until_total_iters():
    values = _lrs(lambda o: lr_scheduler.ConstantLR(o, factor=0.5, total_iters=4), 7)
    np.testing.assert_allclose(values, [0.5] * 4 + [1.0] * 3)


def test_linear_lr_follows_the_closed_form():
    values = _lrs(
        lambda o: lr_scheduler.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=6),
        10,
    )
    expected = [0.25 + 0.5 * min(6, t) / 6 for t in range(10)]
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_polynomial_lr_follows_the_closed_form():
    values = _lrs(lambda o: lr_scheduler.PolynomialLR(o, total_iters=8, power=2.0), 11)
    expected = [(1 - min(8, t) / 8) ** 2 for t in range(11)]
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-15)


def test_sequential_lr_restarts_each_scheduler_at_its_milestone():
    def make(o):
        warmup = lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3)
        decay = lr_scheduler.ExponentialLR(o, gamma=0.9)
        return lr_scheduler.SequentialLR(o, [warmup, decay], milestones=[4])

    expected = [0.1 + 0.9 * min(3, t) / 3 for t in range(4)] + [0.9**k for k in range(6)]
    np.testing.assert_allclose(_lrs(make, 10), expected, rtol=1e-12)


def test_chained_scheduler_multiplies_its_schedulers_factors():
    def make(o):
        return lr_scheduler.ChainedScheduler(
            [
                lr_scheduler.ConstantLR(o, factor=0.5, total_iters=3),
                lr_scheduler.ExponentialLR(o, gamma=0.9),
            ]
        )

    expected = [(0.5 if t < 3 else 1.0) * 0.9**t for t in range(8)]
    np.testing.assert_allclose(_lrs(make, 8), expected, rtol=1e-12)


def test_cosine_annealing_warm_restarts_lengthens_each_period_by_t_mult():
    values = _lrs(
        lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.05), 21
    )
    expected = []
    for period in (3, 6, 12):  # epochs 0-2, 3-8, 9-20
        expected += [0.05 + 0.95 * (1 + math.cos(math.pi * t / period)) / 2 for t in range(period)]
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_cosine_annealing_warm_restarts_takes_fractional_epochs():
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2)
    scheduler.step(7.2)  # in the third period, which starts at epoch 6 and lasts 8
    assert (scheduler.T_i, scheduler.last_epoch) == (8, 7)
    assert scheduler.get_last_lr()[0] == pytest.approx((1 + math.cos(math.pi * 1.2 / 8)) / 2)


def _cyclic_reference(t, base, high, up, down, scale):
    """PyTorch's CyclicLR: position x in the cycle, the triangle height, scaled."""
    total = up + down
    cycle = math.floor(1 + t / total)
    x = 1 + t / total - cycle
    height = x / (up / total) if x <= up / total else (x - 1) / (up / total - 1)
    return base + (high - base) * height * scale(cycle, t)


@pytest.mark.parametrize(
    ("options", "scale"),
    [
        ({"mode": "triangular"}, lambda cycle, t: 1.0),
        ({"mode": "triangular2"}, lambda cycle, t: 1 / 2 ** (cycle - 1)),
        ({"mode": "exp_range", "gamma": 0.9}, lambda cycle, t: 0.9**t),
    ],
)
def test_cyclic_lr_modes_follow_pytorchs_formula_and_cycle_momentum(options, scale):
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0, momentum=0.5)
    scheduler = lr_scheduler.CyclicLR(
        optimizer, base_lr=0.1, max_lr=1.0, step_size_up=3, step_size_down=5, **options
    )
    for t in range(20):
        lr = _cyclic_reference(t, 0.1, 1.0, 3, 5, scale)
        assert scheduler.get_last_lr()[0] == pytest.approx(lr, rel=1e-12)
        # momentum moves against the lr: max_momentum at base_lr, base_momentum at max_lr
        momentum = 0.9 - (0.9 - 0.8) * (lr - 0.1) / (1.0 - 0.1)
        assert optimizer.param_groups[0]["momentum"] == pytest.approx(momentum, rel=1e-12)
        optimizer.step()
        scheduler.step()


def test_cyclic_lr_cycles_adams_beta1():
    optimizer = optim.Adam([nn.Parameter(torch.zeros(1))])
    lr_scheduler.CyclicLR(optimizer, 0.1, 1.0, step_size_up=2, max_momentum=0.95)
    assert optimizer.param_groups[0]["betas"] == (0.95, 0.999)


def _one_cycle_reference(t, total, max_lr, pct_start=0.3, div=25.0, final_div=1e4):
    start, low = max_lr / div, max_lr / div / final_div
    up_end = pct_start * total - 1
    if t <= up_end:
        begin, end, pct = start, max_lr, t / up_end
    else:
        begin, end, pct = max_lr, low, (t - up_end) / (total - 1 - up_end)
    return end + (begin - end) / 2 * (math.cos(math.pi * pct) + 1)


def test_one_cycle_lr_anneals_up_then_down_with_cosines():
    values = _lrs(lambda o: lr_scheduler.OneCycleLR(o, max_lr=2.0, total_steps=20), 20)
    expected = [_one_cycle_reference(t, 20, 2.0) for t in range(20)]
    np.testing.assert_allclose(values, expected, rtol=1e-12)


def test_one_cycle_lr_linear_three_phase_and_momentum():
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(
        optimizer, max_lr=1.0, epochs=2, steps_per_epoch=5, pct_start=0.2, three_phase=True,
        anneal_strategy="linear", div_factor=10.0,
    )  # fmt: skip
    # phases end at steps 1 (up to max_lr), 2 (back to initial_lr) and 9 (down to min_lr)
    lrs, momentums = [], []
    for _ in range(10):
        lrs.append(scheduler.get_last_lr()[0])
        momentums.append(optimizer.param_groups[0]["momentum"])
        optimizer.step()
        scheduler.step()
    low = 0.1 / 1e4
    expected = [0.1, 1.0, 0.1] + [0.1 + (low - 0.1) * k / 7 for k in range(1, 8)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12)
    np.testing.assert_allclose(momentums[:3], [0.95, 0.85, 0.95], rtol=1e-12)
    with pytest.raises(ValueError, match="Tried to step 11 times. The specified number of total"):
        scheduler.step()


def test_scheduler_stepped_before_its_optimizer_warns_as_pytorch_does():
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = lr_scheduler.LinearLR(optimizer)
    with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
        scheduler.step()
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        scheduler.get_lr()


def test_scheduler_stepped_after_its_optimizer_does_not_warn(recwarn):
    optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=5)
    optimizer.step()
    scheduler.step()
    assert not recwarn.list


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda o: lr_scheduler.ConstantLR(o, factor=1.5),
            "Constant multiplicative factor expected to be between 0 and 1.",
        ),
        (
            lambda o: lr_scheduler.LinearLR(o, start_factor=0),
            "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.",
        ),
        (
            lambda o: lr_scheduler.LinearLR(o, end_factor=2),
            "Ending multiplicative factor expected to be between 0 and 1.",
        ),
        (
            lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ConstantLR(o)], milestones=[3]),
            "Sequential Schedulers expects number of schedulers provided to be one more than the "
            "number of milestone points, but got number of schedulers 1 and the number of "
            "milestones to be equal to 1",
        ),
        (
            lambda o: lr_scheduler.ChainedScheduler([]),
            "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.",
        ),
        (
            lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0),
            "Expected positive integer T_0, but got 0",
        ),
        (
            lambda o: lr_scheduler.CyclicLR(o, 0.1, [1.0, 2.0]),
            "max_lr must have the same length as optimizer.param_groups. max_lr has 2 values, "
            "param_groups has 1.",
        ),
        (
            lambda o: lr_scheduler.CyclicLR(o, 0.1, 1.0),
            "optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0),
            "You must define either total_steps OR (epochs AND steps_per_epoch)",
        ),
        (
            lambda o: lr_scheduler.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1),
            "Expected float between 0 and 1 pct_start, but got 1",
        ),
    ],
)
def test_new_schedulers_raise_pytorchs_value_errors(make, message):
    optimizer = optim.Adagrad([nn.Parameter(torch.zeros(1))])  # no momentum, no betas
    with pytest.raises(ValueError) as info:
        make(optimizer)
    assert str(info.value) == message


def test_sequential_lr_state_dict_round_trip_continues_identically():
    def make():
        optimizer = optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0, momentum=0.9)
        warmup = lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=3)
        cycle = lr_scheduler.CyclicLR(optimizer, 0.1, 1.0, step_size_up=2)
        return optimizer, lr_scheduler.SequentialLR(optimizer, [warmup, cycle], milestones=[3])

    optimizer, scheduler = make()
    for _ in range(4):
        optimizer.step()
        scheduler.step()
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    saved = copy.deepcopy(scheduler.state_dict())
    assert [len(s) > 0 for s in saved["_schedulers"]] == [True, True]
    resumed_optimizer, resumed = make()
    resumed_optimizer.load_state_dict(saved_optimizer)
    resumed.load_state_dict(saved)
    for _ in range(5):
        for o, s in ((optimizer, scheduler), (resumed_optimizer, resumed)):
            o.step()
            s.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()
        assert (
            resumed_optimizer.param_groups[0]["momentum"] == optimizer.param_groups[0]["momentum"]
        )


SCHEDULER_CASES = {
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=4),
    "LinearLR": lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=6),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=8, power=2.0),
    "SequentialLR": lambda L, o: L.SequentialLR(
        o,
        [L.LinearLR(o, start_factor=0.1, total_iters=3), L.ExponentialLR(o, 0.9), L.StepLR(o, 2)],
        milestones=[4, 9],
    ),  # fmt: skip
    "ChainedScheduler": lambda L, o: L.ChainedScheduler(
        [L.ConstantLR(o, factor=0.5, total_iters=3), L.ExponentialLR(o, 0.9)]
    ),  # fmt: skip
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.05
    ),  # fmt: skip
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.1, [1.0, 2.0], step_size_up=2, mode="triangular2"),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, max_lr=[1.0, 3.0], total_steps=25),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", SCHEDULER_CASES)
@pytest.mark.parametrize("optimizer_name", ["SGD", "Adam"])
def test_new_schedulers_match_pytorch(name, optimizer_name):
    pytorch = pytest.importorskip("torch")

    def run(library):
        params = [library.nn.Parameter(library.zeros(1)) for _ in range(2)]
        options = {"momentum": 0.9} if optimizer_name == "SGD" else {}
        optimizer = getattr(library.optim, optimizer_name)(
            [{"params": [params[0]]}, {"params": [params[1]], "lr": 2.0}], lr=1.0, **options
        )
        scheduler = SCHEDULER_CASES[name](library.optim.lr_scheduler, optimizer)
        trace = []
        for _ in range(25):
            group = optimizer.param_groups[1]
            trace.append((scheduler.get_last_lr(), group.get("momentum"), group.get("betas")))
            optimizer.step()
            scheduler.step()
        return trace

    assert run(torch) == run(pytorch)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA (or simulator)")
@pytest.mark.parametrize("name", ["Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_new_optimizers_on_cuda_follow_the_cpu(name):
    def run(device):
        param = nn.Parameter(torch.tensor([0.5, -1.0, 2.0], device=device))
        options = {"lr": 0.1} if name == "Rprop" else {"lr": 0.1, "weight_decay": 0.1}
        optimizer = getattr(optim, name)([param], **options)
        for step in range(2):
            param.grad = torch.tensor([1.0, -0.5, 0.25 * step], device=device)
            optimizer.step()
        return param.detach().cpu().numpy()

    np.testing.assert_allclose(run("cuda"), run("cpu"), rtol=2e-6, atol=1e-7)
