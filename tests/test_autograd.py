"""Autograd as PyTorch defines it: leaves and grad_fn names, backward and autograd.grad,
accumulation, graph freeing, hooks, grad modes, custom Functions and the in-place checks."""

import contextlib
import functools
import threading

import numpy as np
import pytest

import numbatorch as torch
from numbatorch.autograd import Function


def leaf(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype, requires_grad=True)


# --- leaves, grad_fn, next_functions --------------------------------------------------------


def test_tensors_do_not_require_grad_by_default():
    t = torch.ones(2)
    assert not t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None


def test_requires_grad_marks_a_leaf():
    t = torch.ones(2)
    assert t.requires_grad_() is t
    assert t.requires_grad and t.is_leaf
    t.requires_grad = False
    assert not t.requires_grad


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(
        RuntimeError, match="only Tensors of floating point dtype can require gradients"
    ):
        torch.ones(2, dtype=torch.int64).requires_grad_()


def test_results_of_ops_on_grad_tensors_are_not_leaves():
    x = leaf([1.0, 2.0])
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None


def test_ops_on_tensors_without_grad_record_nothing():
    y = torch.ones(2) * 2
    assert y.grad_fn is None and not y.requires_grad


GRAD_FN_NAMES = [
    ("x + y", lambda x, y: x + y, "AddBackward0"),
    ("x - y", lambda x, y: x - y, "SubBackward0"),
    ("x * y", lambda x, y: x * y, "MulBackward0"),
    ("x / y", lambda x, y: x / y, "DivBackward0"),
    ("x ** 3", lambda x, y: x**3, "PowBackward0"),
    ("x ** 2", lambda x, y: x**2, "PowBackward0"),
    ("mean", lambda x, y: x.mean(), "MeanBackward0"),
    ("sum", lambda x, y: x.sum(), "SumBackward0"),
    ("view", lambda x, y: x.view(2, 1), "ViewBackward0"),
    ("exp", lambda x, y: x.exp(), "ExpBackward0"),
    ("neg", lambda x, y: -x, "NegBackward0"),
    ("relu", lambda x, y: x.relu(), "ReluBackward0"),
    ("sigmoid", lambda x, y: x.sigmoid(), "SigmoidBackward0"),
    ("tanh", lambda x, y: torch.tanh(x), "TanhBackward0"),
    ("transpose", lambda x, y: x.view(1, 2).t(), "TBackward0"),
    ("permute", lambda x, y: x.view(1, 2).permute(1, 0), "PermuteBackward0"),
    ("unsqueeze", lambda x, y: x.unsqueeze(0), "UnsqueezeBackward0"),
    ("expand", lambda x, y: x.expand(3, 2), "ExpandBackward0"),
    ("cat", lambda x, y: torch.cat([x, y]), "CatBackward0"),
    ("stack", lambda x, y: torch.stack([x, y]), "StackBackward0"),
    ("index", lambda x, y: x[torch.tensor([0])], "IndexBackward0"),
    ("select", lambda x, y: x[0], "SelectBackward0"),
    ("slice", lambda x, y: x[1:], "SliceBackward0"),
    ("clone", lambda x, y: x.clone(), "CloneBackward0"),
    ("max", lambda x, y: x.max(), "MaxBackward1"),
    ("clamp", lambda x, y: x.clamp(0, 1), "ClampBackward1"),
    ("softmax", lambda x, y: x.softmax(0), "SoftmaxBackward0"),
    ("log_softmax", lambda x, y: x.log_softmax(0), "LogSoftmaxBackward0"),
]


@pytest.mark.parametrize(
    ("text", "fn", "name"), GRAD_FN_NAMES, ids=[t for t, _, _ in GRAD_FN_NAMES]
)
def test_grad_fn_names_match_pytorch(text, fn, name):
    result = fn(leaf([1.0, 2.0]), leaf([3.0, 4.0]))
    assert type(result.grad_fn).__name__ == name
    assert result.grad_fn.name() == name


def test_next_functions_lead_to_the_inputs_nodes():
    x, y = leaf([1.0]), leaf([2.0])
    z = x * y + x
    add = z.grad_fn
    (mul, _), (accumulate, _) = add.next_functions[:2]  # add's alpha follows as (None, 0)
    assert type(mul).__name__ == "MulBackward0"
    assert type(accumulate).__name__ == "AccumulateGrad"
    assert accumulate.variable is x
    assert [node.variable for node, _ in mul.next_functions] == [x, y]


def test_next_functions_of_an_input_without_grad_is_none():
    z = leaf([1.0]) * torch.ones(1)
    assert z.grad_fn.next_functions[1] == (None, 0)


# --- backward ---------------------------------------------------------------------------


def test_backward_of_a_scalar_fills_leaf_grads():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    assert not x.grad.requires_grad


def test_backward_with_an_explicit_gradient():
    x = leaf([1.0, 2.0])
    (x * 3).backward(torch.tensor([1.0, 0.5]))
    assert x.grad.tolist() == [3.0, 1.5]


def test_backward_of_a_non_scalar_needs_a_gradient():
    x = leaf([1.0, 2.0])
    with pytest.raises(
        RuntimeError, match="grad can be implicitly created only for scalar outputs"
    ):
        (x * 2).backward()


def test_backward_of_a_tensor_without_grad_fn_raises():
    with pytest.raises(
        RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"
    ):
        torch.ones(1).sum().backward()


def test_gradient_shape_must_match_the_output():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(torch.ones(3))


def test_grads_accumulate_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_a_tensor_used_twice_gets_the_sum_of_both_paths():
    x = leaf([3.0])
    (x * x + x).backward()
    assert x.grad.tolist() == [7.0]


def test_second_backward_through_a_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_non_leaf_grads_are_not_kept():
    x = leaf([1.0])
    y = x * 2
    (y * 3).backward()
    assert y.grad is None


def test_retain_grad_keeps_a_non_leaf_grad():
    x = leaf([1.0])
    y = x * 2
    y.retain_grad()
    (y * 3).backward()
    assert y.retains_grad
    assert y.grad.tolist() == [3.0]
    assert x.grad.tolist() == [6.0]


def test_broadcast_gradients_are_reduced_to_each_input_shape():
    a = leaf([[1.0], [2.0], [3.0]])  # (3, 1)
    b = leaf([1.0, 2.0, 3.0, 4.0])  # (4,)
    c = leaf(2.0)  # 0-d
    (a * b * c).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (4,) and c.grad.shape == ()
    assert a.grad.tolist() == [[20.0], [20.0], [20.0]]
    assert b.grad.tolist() == [12.0, 12.0, 12.0, 12.0]
    assert c.grad.item() == 60.0


def test_gradient_keeps_the_inputs_dtype():
    x = leaf([1.0], dtype=torch.float64)
    (x * torch.ones(1)).sum().backward()
    assert x.grad.dtype == torch.float64


def test_backward_inputs_restricts_which_leaves_get_grads():
    x, y = leaf([1.0]), leaf([2.0])
    (x * y).backward(inputs=[x])
    assert x.grad.tolist() == [2.0] and y.grad is None


# --- autograd.grad and higher order -------------------------------------------------------------


def test_autograd_grad_returns_gradients_without_touching_grad():
    x = leaf([1.0, 2.0])
    (g,) = torch.autograd.grad((x**3).sum(), x)
    assert g.tolist() == [3.0, 12.0]
    assert x.grad is None


def test_autograd_grad_of_an_unused_input_raises_unless_allowed():
    x, y = leaf([1.0]), leaf([1.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        torch.autograd.grad((x * 2).sum(), [x, y], retain_graph=True)
    gx, gy = torch.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gx.tolist() == [2.0] and gy is None


def test_second_derivative_of_a_quadratic_is_twice_its_leading_coefficient():
    a, b, c = 3.0, -2.0, 5.0
    x = leaf([0.5, 1.5])
    y = (a * x**2 + b * x + c).sum()
    (dy,) = torch.autograd.grad(y, x, create_graph=True)
    assert dy.requires_grad
    np.testing.assert_allclose(dy.detach().numpy(), 2 * a * np.array([0.5, 1.5]) + b)
    (d2y,) = torch.autograd.grad(dy.sum(), x)
    assert d2y.tolist() == [2 * a, 2 * a]


def test_third_derivative_through_create_graph():
    x = leaf([2.0], dtype=torch.float64)
    (d1,) = torch.autograd.grad((x**4).sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = torch.autograd.grad(d2.sum(), x)
    assert d3.item() == pytest.approx(24 * 2.0)


def test_backward_with_create_graph_gives_a_differentiable_grad():
    x = leaf([3.0])
    (x**3).backward(create_graph=True)
    assert x.grad.requires_grad
    (d2,) = torch.autograd.grad(x.grad.sum(), x)
    assert d2.item() == 18.0


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, w, b: torch.nn.functional.linear(x, w, b).tanh(),
        lambda x, w, b: (x.mm(w.t()) + b).tanh(),
        lambda x, w, b: torch.addmm(b, x, w.t()).tanh(),
    ],
    ids=["linear", "mm", "addmm"],
)
def test_products_differentiate_twice(fn):
    # a plain backward calls the GEMM kernels directly; create_graph must still build
    # the graph of the gradients through weight, input and bias
    rng = np.random.default_rng(0)
    x, w, b = (
        torch.tensor(rng.standard_normal(shape), dtype=torch.float64, requires_grad=True)
        for shape in ((3, 4), (2, 4), (2,))
    )
    assert torch.autograd.gradcheck(fn, (x, w, b))
    assert torch.autograd.gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize(
    "fn",
    [
        lambda m: m[:, :1] * m,
        lambda m: m[1] * m,
        lambda m: m.narrow(1, 0, 3) * m,
        lambda m: m.chunk(3, 1)[2] @ m[:1],
        lambda m: m.diagonal() * m[0],
    ],
    ids=["slice", "select", "narrow", "chunk", "diagonal"],
)
def test_views_differentiate_twice(fn):
    # the view's backward scatters into zeros: with create_graph that scatter must itself
    # be recorded, or the part of the gradient that came through the view has no history
    m = torch.tensor(np.random.default_rng(1).standard_normal((3, 3)), requires_grad=True)
    assert torch.autograd.gradgradcheck(fn, (m,))


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_differentiates_twice(training):
    # a gradient penalty (WGAN-GP) differentiates the gradient through batch statistics
    rng = np.random.default_rng(2)
    x, w, b = (
        torch.tensor(rng.standard_normal(shape), requires_grad=True)
        for shape in ((3, 2, 2), (2,), (2,))
    )
    stats = torch.tensor(rng.standard_normal(2)), torch.tensor(rng.random(2) + 0.5)

    def fn(x, w, b):
        return torch.nn.functional.batch_norm(x, *stats, w, b, training=training)

    assert torch.autograd.gradgradcheck(fn, (x, w, b))


def test_gradcheck_accepts_a_correct_gradient_and_rejects_a_wrong_one():
    class WrongSquare(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * x  # should be 2x

    x = leaf([0.5, -1.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(lambda t: t * t, (x,))
    with pytest.raises(torch.autograd.GradcheckError, match="Jacobian mismatch"):
        torch.autograd.gradcheck(WrongSquare.apply, (x,))
    assert not torch.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False)


# --- hooks ---------------------------------------------------------------------------------------


def test_hook_on_a_leaf_can_replace_its_gradient():
    x = leaf([1.0, 2.0])
    x.register_hook(lambda grad: grad * 10)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]


def test_hook_on_a_non_leaf_changes_what_flows_back():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda grad: seen.append(grad.tolist()))
    y.register_hook(lambda grad: grad + 1)
    (y * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [8.0, 8.0]


def test_removed_hook_no_longer_runs():
    x = leaf([1.0])
    handle = x.register_hook(lambda grad: grad * 100)
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(
        RuntimeError, match="cannot register a hook on a tensor that doesn't require gradient"
    ):
        torch.ones(1).register_hook(lambda grad: grad)


def test_post_accumulate_grad_hook_sees_the_accumulated_grad_once_per_backward():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append((t is x, t.grad.tolist())))
    (x * 2 + x).sum().backward()  # two paths into x: one accumulation
    (x * 2).sum().backward()
    assert seen == [(True, [3.0, 3.0]), (True, [5.0, 5.0])]


def test_a_leaf_is_accumulated_as_soon_as_its_gradient_is_complete():
    # b's gradient is complete after the last op's backward: DDP launches its all-reduce
    # from the hook while backward still walks down to a
    a, b = leaf([1.0]), leaf([2.0])
    order = []
    a.register_post_accumulate_grad_hook(lambda t: order.append("a"))
    b.register_post_accumulate_grad_hook(lambda t: order.append("b"))
    (b * (a * 3).exp()).sum().backward()
    assert order == ["b", "a"]


def test_removed_post_accumulate_grad_hook_no_longer_runs():
    x = leaf([1.0])
    seen = []
    x.register_post_accumulate_grad_hook(seen.append).remove()
    (x * 2).sum().backward()
    assert seen == []


def test_post_accumulate_grad_hook_only_on_leaves_that_require_grad():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        torch.ones(1).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match="^post accumulate grad hooks cannot be registered on "
                       "non-leaf tensors$"):  # fmt: skip
        (leaf([1.0]) * 2).register_post_accumulate_grad_hook(print)


# --- detach, .data ----------------------------------------------------------------------


def test_detach_shares_storage_and_drops_history():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    d[0] = 100
    assert y[0].item() == 100


def test_detach_in_place():
    y = leaf([1.0]) * 2
    assert y.detach_() is y
    assert y.grad_fn is None and not y.requires_grad


def test_data_is_a_detached_alias():
    x = leaf([1.0, 2.0])
    data = x.data
    assert not data.requires_grad
    data.mul_(3)  # no leaf error: .data is outside autograd
    assert x.tolist() == [3.0, 6.0]
    assert x.requires_grad


def test_assigning_data_replaces_values_but_keeps_the_leaf():
    x = leaf([1.0, 2.0])
    x.data = torch.tensor([5.0, 6.0])
    assert x.tolist() == [5.0, 6.0] and x.requires_grad and x.is_leaf


# --- grad modes ----------------------------------------------------------------------------


def test_no_grad_context_records_nothing():
    x = leaf([1.0])
    with torch.no_grad():
        y = x * 2
        assert not torch.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert torch.is_grad_enabled()


def test_no_grad_as_a_decorator():
    @torch.no_grad()
    def double(t):
        return t * 2

    assert not double(leaf([1.0])).requires_grad
    assert torch.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = leaf([1.0])
    with torch.no_grad():
        with torch.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_enable_grad_as_a_decorator():
    @torch.enable_grad()
    def double(t):
        return t * 2

    with torch.no_grad():
        assert double(leaf([1.0])).requires_grad


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_as_a_context_manager(mode):
    x = leaf([1.0])
    with torch.set_grad_enabled(mode):
        y = x * 2
    assert y.requires_grad is mode
    assert torch.is_grad_enabled()


def test_set_grad_enabled_as_a_function_and_a_decorator():
    torch.set_grad_enabled(False)
    try:
        assert not (leaf([1.0]) * 2).requires_grad
    finally:
        torch.set_grad_enabled(True)

    @torch.set_grad_enabled(False)
    def double(t):
        return t * 2

    assert torch.is_grad_enabled()
    assert not double(leaf([1.0])).requires_grad
    assert torch.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), torch.no_grad():
        raise ValueError
    assert torch.is_grad_enabled()


def test_inplace_under_no_grad_keeps_the_history():
    x = leaf([1.0])
    y = x * 2
    with torch.no_grad():
        y.add_(1)
    assert y.grad_fn is not None


def test_inplace_update_of_a_leaf_under_no_grad_is_allowed():
    w = leaf([1.0, 2.0])
    with torch.no_grad():
        w -= 0.5 * torch.ones(2)
    assert w.tolist() == [0.5, 1.5] and w.is_leaf and w.requires_grad


# --- grad modes are per thread ---------------------------------------------------------------


def _in_thread(target) -> None:
    """Runs `target` in a new thread and re-raises what it raised, here."""
    errors = []

    def run():
        try:
            target()
        except BaseException as error:  # handed to the test's thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_is_not_seen_in_another():
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def hold_no_grad():
        with torch.no_grad():
            entered.set()
            checked.wait()
            seen["inside"] = torch.is_grad_enabled()

    thread = threading.Thread(target=hold_no_grad)
    thread.start()
    entered.wait()
    try:
        seen["other"] = torch.is_grad_enabled()
        y = leaf([1.0]) * 2
    finally:
        checked.set()
        thread.join()
    assert seen == {"other": True, "inside": False}
    assert y.requires_grad


def test_a_new_thread_starts_with_grad_enabled_whatever_its_creator_set():
    seen = []
    with torch.no_grad():
        _in_thread(lambda: seen.append((torch.is_grad_enabled(), (leaf([1.0]) * 2).requires_grad)))
    assert seen == [(True, True)]


def test_set_grad_enabled_in_a_thread_stays_in_that_thread():
    _in_thread(lambda: torch.set_grad_enabled(False))
    assert torch.is_grad_enabled()


def _model(seed: int):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    return model, torch.randn(5, 3), torch.randn(5, 1)


def _train(model, x, y, evaluate_between_steps: bool) -> list:
    """Losses of three SGD steps (and, toggling no_grad, the outputs between them)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    record = []
    for _ in range(3):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        record.append(loss.item())
        if evaluate_between_steps:
            with torch.no_grad():
                record.append(model(x).tolist())
    return record + [p.tolist() for p in model.parameters()]


def _infer(model, x, y) -> list:
    return model(x).tolist()


def test_four_threads_each_training_a_model_match_serial_runs():
    # The last thread sits in no_grad for its whole life, spanning the others' training
    # (the barriers order it so); the third toggles no_grad between its steps.
    jobs = [
        functools.partial(_train, evaluate_between_steps=False),
        functools.partial(_train, evaluate_between_steps=False),
        functools.partial(_train, evaluate_between_steps=True),
        _infer,
    ]
    serial = [job(*_model(number)) for number, job in enumerate(jobs)]
    models = [_model(number) for number in range(4)]  # the global generator is not per thread
    start, end = threading.Barrier(4, timeout=120), threading.Barrier(4, timeout=120)
    results, errors = [None] * 4, [None] * 4

    def worker(number: int) -> None:
        mode = torch.no_grad() if jobs[number] is _infer else contextlib.nullcontext()
        try:
            with mode:
                start.wait()
                try:
                    results[number] = jobs[number](*models[number])
                finally:
                    end.wait()
        except BaseException as error:  # checked below, in the test's thread
            errors[number] = error

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [None] * 4
    assert results == serial


# --- custom Functions ------------------------------------------------------------------------


class MyFunc(Function):
    """y = x * exp(s) with s a Python scalar."""

    @staticmethod
    def forward(ctx, x, w, scale):
        ctx.save_for_backward(x, w)
        ctx.scale = scale
        return x * w * scale

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        gx = grad * w * ctx.scale if ctx.needs_input_grad[0] else None
        gw = grad * x * ctx.scale if ctx.needs_input_grad[1] else None
        return gx, gw, None


def test_custom_function_forward_and_backward():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = MyFunc.apply(x, w, 2.0)
    assert y.tolist() == [6.0, 16.0]
    assert type(y.grad_fn).__name__ == "MyFuncBackward"
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 8.0]
    assert w.grad.tolist() == [2.0, 4.0]


def test_custom_function_sees_which_inputs_need_grad():
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            seen.append(ctx.needs_input_grad)
            return grad, None

    Probe.apply(leaf([1.0]), torch.ones(1)).sum().backward()
    assert seen == [(True, False)]


def test_custom_function_passes_gradcheck():
    x, w = leaf([0.3, -0.7], torch.float64), leaf([1.1, 0.4], torch.float64)
    assert torch.autograd.gradcheck(lambda a, b: MyFunc.apply(a, b, 1.5), (x, w))


def test_custom_function_without_grad_inputs_records_nothing():
    y = MyFunc.apply(torch.ones(1), torch.ones(1), 1.0)
    assert y.grad_fn is None


def test_saved_tensors_are_freed_after_backward():
    x, w = leaf([1.0]), leaf([2.0])
    y = MyFunc.apply(x, w, 1.0)
    node = y.grad_fn
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        node.saved_tensors  # noqa: B018 - the property access is the behaviour tested


def test_variable_is_the_legacy_alias_returning_a_tensor():
    v = torch.autograd.Variable(torch.ones(2), requires_grad=True)
    assert isinstance(v, torch.Tensor) and v.requires_grad


# --- in-place checks ---------------------------------------------------------------------------


def test_inplace_on_a_leaf_requiring_grad_raises():
    x = leaf([1.0])
    with pytest.raises(
        RuntimeError,
        match="a leaf Variable that requires grad is being used in an in-place operation.",
    ):
        x.add_(1)


@pytest.mark.parametrize(
    "write",
    [
        lambda x: x.__setitem__(0, 1.0),
        lambda x: x.fill_(1),
        lambda x: x.zero_(),
        lambda x: x.copy_(torch.ones(1)),
        lambda x: x.__iadd__(1),
    ],
    ids=["setitem", "fill_", "zero_", "copy_", "+="],
)
def test_every_inplace_form_on_a_leaf_requiring_grad_raises(write):
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        write(leaf([2.0]))


def test_modifying_a_saved_tensor_in_place_fails_at_backward():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y * y  # saves y
    y.add_(1)
    with pytest.raises(
        RuntimeError,
        match=r"one of the variables needed for gradient "
        r"computation has been modified by an inplace "
        r"operation: \[torch.FloatTensor \[2\]\], which is "
        r"output 0 of AddBackward0, is at version 1; "
        r"expected version 0 instead",
    ):
        z.sum().backward()


def test_modifying_an_unsaved_tensor_in_place_is_fine():
    x = leaf([1.0, 2.0])
    y = x * 2
    z = y + 1  # add saves nothing
    y.mul_(3)
    z.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_gradient_flows_through_an_inplace_op_on_a_non_leaf():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.mul_(3)
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_gradient_of_overwritten_values_is_zero():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 1
    y[1] = 0.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_fill_cuts_the_gradient_to_the_old_values():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.fill_(5)
    (y * x).sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_copy_from_a_tensor_without_grad_cuts_the_old_history():
    x = leaf([1.0, 2.0])
    y = x * 1
    y.copy_(torch.tensor([4.0, 4.0]))
    (y + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_a_leafs_first_gradient_is_kept_as_is_not_as_a_view():
    # PyTorch's .grad of a plain backward is no view: the engine's fresh gradient itself
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert x.grad._base is None and x.grad.grad_fn is None and not x.grad.requires_grad
    assert x.grad.tolist() == [2.0, 4.0]
