"""Mixed precision: torch.autocast casts the inputs of PyTorch's listed ops per device
type (low precision for matmuls, convolutions and linear; float32 for losses and, on
CUDA, reductions and softmax; other ops promote), and GradScaler scales the loss,
unscales gradients with an inf/NaN check, skips steps that overflowed and adapts the
scale, with PyTorch's semantics, errors and warnings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numbatorch.kernels import cpu as C

import numbatorch as torch
import numbatorch.nn as nn
import numbatorch.nn.functional as F


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def _ops(lib, x, w, image, kernel):
    """Each op under test in library `lib` (numbatorch or PyTorch), on float32 inputs
    (x: (3, 4), w: (5, 4)) and bfloat16 ones."""
    functional = lib.nn.functional
    xb = x.bfloat16()
    labels = lib.tensor([0, 1, 2], device=x.device)
    return {
        "matmul": lambda: x @ w.t(),
        "mm": lambda: lib.mm(x, w.t()),
        "addmm": lambda: lib.addmm(lib.zeros(5, device=x.device), x, w.t()),
        "bmm": lambda: lib.bmm(x[None], w.t()[None]),
        "linear": lambda: functional.linear(x, w),
        "conv2d": lambda: functional.conv2d(image, kernel),
        "float64 mm": lambda: x.double() @ w.double().t(),
        "mse_loss": lambda: functional.mse_loss(xb, xb),
        "cross_entropy": lambda: functional.cross_entropy(xb, labels),
        "nll_loss": lambda: functional.nll_loss(xb, labels),
        "bce_with_logits": lambda: functional.binary_cross_entropy_with_logits(xb, xb),
        "prod": lambda: xb.prod(),
        "softmax": lambda: functional.softmax(xb, 1),
        "sum": lambda: xb.sum(),
        "layer_norm": lambda: functional.layer_norm(xb, (4,)),
        "relu": lambda: functional.relu(xb),
        "add (promotes)": lambda: xb + x,
        "cat (promotes)": lambda: lib.cat([xb, x]),
    }


# what PyTorch 2.13 gives under autocast("cpu") (bfloat16)
CPU_DTYPES = {
    "matmul": torch.bfloat16, "mm": torch.bfloat16, "addmm": torch.bfloat16,
    "bmm": torch.bfloat16, "linear": torch.bfloat16, "conv2d": torch.bfloat16,
    "float64 mm": torch.float64, "mse_loss": torch.float32, "cross_entropy": torch.float32,
    "nll_loss": torch.float32, "bce_with_logits": torch.float32, "prod": torch.float32,
    "softmax": torch.bfloat16, "sum": torch.bfloat16, "layer_norm": torch.bfloat16,
    "relu": torch.bfloat16, "add (promotes)": torch.float32, "cat (promotes)": torch.float32,
}  # fmt: skip


def _inputs(device):
    return (
        torch.ones(3, 4, device=device),
        torch.ones(5, 4, device=device),
        torch.ones(1, 2, 4, 4, device=device),
        torch.ones(3, 2, 3, 3, device=device),
    )


def test_cpu_autocast_follows_pytorchs_op_lists():
    ops = _ops(torch, *_inputs("cpu"))
    with torch.autocast("cpu"):
        got = {name: op().dtype for name, op in ops.items()}
    assert got == CPU_DTYPES
    assert (ops["matmul"]().dtype, ops["sum"]().dtype) == (torch.float32, torch.bfloat16)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA (or simulator)")
def test_cuda_autocast_follows_pytorchs_cuda_lists_and_leaves_cpu_tensors_alone():
    x, w = torch.ones(2, 3, device="cuda"), torch.ones(2, 3, device="cuda")
    with torch.autocast("cuda"):
        assert torch.get_autocast_dtype("cuda") is torch.float16 and torch.is_autocast_enabled()
        assert (x @ w.t()).dtype is torch.float16
        assert F.softmax(x.bfloat16(), 1).dtype is torch.float32
        assert F.mse_loss(x.half(), w.half()).dtype is torch.float32
        assert (torch.ones(2, 3) @ torch.ones(3, 2)).dtype is torch.float32  # a CPU matmul


def test_autocast_state_nests_restores_and_decorates():
    assert not torch.is_autocast_enabled("cpu")
    assert torch.get_autocast_dtype("cpu") is torch.bfloat16
    assert torch.get_autocast_dtype("cuda") is torch.float16
    x = torch.ones(2, 2)
    with torch.autocast("cpu"):
        assert torch.is_autocast_enabled("cpu") and not torch.is_autocast_enabled()
        with torch.autocast("cpu", dtype=torch.float16):
            assert (x @ x).dtype is torch.float16
            with torch.autocast("cpu", enabled=False):
                assert (x @ x).dtype is torch.float32
        assert (x @ x).dtype is torch.bfloat16 and torch.get_autocast_dtype("cpu") is torch.bfloat16
    assert not torch.is_autocast_enabled("cpu") and (x @ x).dtype is torch.float32

    @torch.amp.autocast("cpu")
    def forward(a):
        return a @ a

    assert forward(x).dtype is torch.bfloat16 and (x @ x).dtype is torch.float32


def test_autocast_restores_its_state_when_the_region_raises():
    with pytest.raises(ZeroDivisionError), torch.autocast("cpu"):
        math.floor(1 / 0)
    assert not torch.is_autocast_enabled("cpu")


def test_gradients_flow_back_through_autocast_casts_in_the_parameters_dtype():
    model = nn.Linear(4, 2)
    with torch.autocast("cpu"):
        out = model(torch.ones(3, 4))
        loss = F.mse_loss(out, torch.zeros(3, 2))
    assert out.dtype is torch.bfloat16 and loss.dtype is torch.float32
    loss.backward()
    assert model.weight.grad.dtype is torch.float32 and model.bias.grad.dtype is torch.float32


def test_unsupported_cpu_dtype_warns_and_disables_autocast():
    with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported"):
        region = torch.autocast("cpu", dtype=torch.float64)
    with region:
        assert not torch.is_autocast_enabled("cpu")


def test_cuda_autocast_without_cuda_warns_and_disables(no_gpu):
    with pytest.warns(UserWarning, match="CUDA is not available or torch_xla is imported"):
        region = torch.autocast("cuda")
    with region:
        assert not torch.is_autocast_enabled("cuda")


def test_device_specific_autocasts_are_deprecated_aliases():
    with pytest.warns(FutureWarning, match=r"`torch.cpu.amp.autocast\(args...\)` is deprecated"):
        region = torch.cpu.amp.autocast()
    with region:
        assert (
            torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") is torch.bfloat16
        )
    with pytest.warns(FutureWarning, match=r"Please use `torch.amp.autocast\('cuda', args...\)`"):
        torch.cuda.amp.autocast(enabled=False)


def test_autocast_rejects_bad_device_types():
    with pytest.raises(
        ValueError, match="Expected `device_type` of type `str`, got: `<class 'int'>`"
    ):
        torch.autocast(0)
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        torch.autocast("gpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'meta'"):
        torch.autocast("meta")


# --- GradScaler ---


def test_unscale_kernel_scales_and_flags_non_finite_values():
    grad = np.array([2.0, -4.0, 8.0], np.float32)
    found = np.zeros(1, np.float32)
    C.non_finite_check_and_unscale(grad, found, 0.25)
    assert grad.tolist() == [0.5, -1.0, 2.0] and found[0] == 0
    for bad in (np.inf, -np.inf, np.nan):
        grad = np.array([1.0, bad, 3.0])
        C.non_finite_check_and_unscale(grad, found, 0.5)
        assert found[0] == 1 and grad[0] == 0.5 and grad[2] == 1.5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA (or simulator)")
def test_unscale_kernel_on_cuda_matches_cpu():
    from numbatorch.kernels import cuda as G

    values = np.array([1.0, -3.0, np.inf, 0.5], np.float32)
    grad, found = G.from_host(values), G.from_host(np.zeros(1, np.float32))
    G.non_finite_check_and_unscale(grad, found, 0.5)
    expected, expected_found = values.copy(), np.zeros(1, np.float32)
    C.non_finite_check_and_unscale(expected, expected_found, 0.5)
    np.testing.assert_array_equal(G.to_host(grad), expected)
    assert G.to_host(found)[0] == expected_found[0] == 1


def _scaler_loop(device, steps=6, inf_at=2):
    """SGD on sum(p^2) with a GradScaler(init_scale=4, growth_interval=2); the loss of step
    `inf_at` is multiplied by inf. Returns (scale, p) after each step."""
    p = nn.Parameter(torch.tensor([1.0, -2.0, 0.5], device=device))
    optimizer = torch.optim.SGD([p], lr=0.1)
    scaler = torch.amp.GradScaler(device, init_scale=4.0, growth_interval=2)
    trace = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = (p * p).sum() * (math.inf if step == inf_at else 1.0)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        trace.append((scaler.get_scale(), p.tolist()))
    return trace, scaler


def test_grad_scaler_skips_the_step_that_overflowed_and_backs_off():
    trace, scaler = _scaler_loop("cpu")
    scales = [scale for scale, _ in trace]
    # grows after every 2 clean steps, halves on the inf step and restarts the count
    assert scales == [4.0, 8.0, 4.0, 4.0, 8.0, 8.0]
    p = np.array([1.0, -2.0, 0.5], np.float32)
    expected = []
    for step in range(6):
        if step != 2:  # unscaled gradient 2p: p -= 0.1 * 2p
            p = (p - np.float32(0.1) * (2 * p)).astype(np.float32)
        expected.append(p.tolist())
    for (_, got), want in zip(trace, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    assert trace[2][1] == trace[1][1]  # the skipped step left p as it was
    assert scaler.state_dict() == {
        "scale": 8.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2,
        "_growth_tracker": 1,
    }  # fmt: skip


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA (or simulator)")
def test_grad_scaler_on_cuda_skips_an_overflowed_step_and_backs_off():
    p = nn.Parameter(torch.tensor([1.0, 2.0], device="cuda"))
    optimizer = torch.optim.SGD([p], lr=1.0)
    scaler = torch.amp.GradScaler("cuda", init_scale=4.0)
    assert scaler.scale(torch.ones((), device="cuda")).item() == 4.0
    p.grad = torch.tensor([math.inf, 4.0], device="cuda")
    assert scaler.step(optimizer) is None
    scaler.update()
    assert p.tolist() == [1.0, 2.0] and scaler.get_scale() == 2.0
    p.grad = torch.tensor([2.0, 4.0], device="cuda")
    scaler.step(optimizer)
    scaler.update()
    assert p.tolist() == [0.0, 0.0] and scaler.get_scale() == 2.0


def test_unscale_then_step_and_the_order_errors():
    p = nn.Parameter(torch.tensor([3.0]))
    optimizer = torch.optim.SGD([p], lr=1.0)
    scaler = torch.amp.GradScaler("cpu", init_scale=8.0)
    with pytest.raises(AssertionError, match="Attempted unscale_ but _scale is None"):
        scaler.unscale_(optimizer)
    scaler.scale(p.sum()).backward()
    assert p.grad.item() == 8.0
    scaler.unscale_(optimizer)
    assert p.grad.item() == 1.0
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(optimizer)
    scaler.step(optimizer)
    assert p.item() == 2.0
    with pytest.raises(RuntimeError, match="unscale_\\(\\) is being called after step\\(\\)"):
        scaler.unscale_(optimizer)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called since the last"):
        scaler.step(optimizer)
    scaler.update(2.0)
    assert scaler.get_scale() == 2.0


def test_grad_scaler_refuses_fp16_gradients_and_closures():
    p = nn.Parameter(torch.ones(2, dtype=torch.float16))
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0)
    scaler.scale(p.sum()).backward()
    with pytest.raises(ValueError, match="Attempting to unscale FP16 gradients."):
        scaler.unscale_(torch.optim.SGD([p], lr=0.1))
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        scaler.step(torch.optim.SGD([p], lr=0.1), closure=lambda: None)


def test_grad_scaler_state_dict_round_trip():
    _, trained = _scaler_loop("cpu", steps=3)
    fresh = torch.amp.GradScaler("cpu", growth_interval=7)
    fresh.load_state_dict(trained.state_dict())
    assert fresh.state_dict() == trained.state_dict() and fresh.get_scale() == 4.0
    with pytest.raises(RuntimeError, match="The source state dict is empty"):
        fresh.load_state_dict({})


def test_grad_scaler_without_cuda_warns_and_is_a_pass_through(no_gpu):
    with pytest.warns(UserWarning, match="GradScaler is enabled, but CUDA is not available.  Dis"):
        scaler = torch.amp.GradScaler()
    loss = torch.tensor(3.0)
    assert not scaler.is_enabled() and scaler.scale(loss) is loss
    assert scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.amp.GradScaler()
    assert [w.category for w in caught] == [FutureWarning, UserWarning]
    assert "torch.amp.GradScaler('cuda', args...)" in str(caught[0].message)


def test_grad_scaler_checks_its_factors():
    with pytest.raises(AssertionError, match="The growth factor must be > 1.0."):
        torch.amp.GradScaler("cpu", growth_factor=1.0)
    with pytest.raises(AssertionError, match="The backoff factor must be < 1.0."):
        torch.amp.GradScaler("cpu", backoff_factor=1.0)


@pytest.mark.torch
def test_autocast_and_grad_scaler_match_pytorch():
    pytorch = pytest.importorskip("torch")
    theirs = {}
    x, w = pytorch.ones(3, 4), pytorch.ones(5, 4)
    image, kernel = pytorch.ones(1, 2, 4, 4), pytorch.ones(3, 2, 3, 3)
    with pytorch.autocast("cpu"):
        for name, op in _ops(pytorch, x, w, image, kernel).items():
            theirs[name] = str(op().dtype)
    assert theirs == {name: str(d) for name, d in CPU_DTYPES.items()}

    p = pytorch.nn.Parameter(pytorch.tensor([1.0, -2.0, 0.5]))
    optimizer = pytorch.optim.SGD([p], lr=0.1)
    scaler = pytorch.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
    trace = []
    for step in range(6):
        optimizer.zero_grad()
        loss = (p * p).sum() * (math.inf if step == 2 else 1.0)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        trace.append((scaler.get_scale(), p.tolist()))
    assert _scaler_loop("cpu")[0] == trace


def test_unscale_kernel_refuses_a_flag_without_an_element():
    with pytest.raises(ValueError, match="found_inf must have one element"):
        C.non_finite_check_and_unscale(np.ones(2), np.zeros(0, np.float32), 0.5)
