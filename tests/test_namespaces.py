"""PyTorch names that scripts touch before any math: torch.backends flags, torch.accelerator,
nn.DataParallel, device predicates, pinned memory, thread count, finfo/iinfo, deterministic
mode and the deprecated torch.range."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numbatorch as torch
from numbatorch import nn


@pytest.fixture
def no_gpu(monkeypatch):
    """A machine without CUDA (the test session runs the CUDA simulator)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


# --- torch.backends ------------------------------------------------------------------


def test_cudnn_flags_have_pytorchs_defaults_and_keep_what_a_script_sets(monkeypatch):
    cudnn = torch.backends.cudnn
    assert (cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, cudnn.enabled) == (
        False,
        False,
        True,
        True,
    )
    monkeypatch.setattr(cudnn, "benchmark", True)
    import numbatorch.backends.cudnn as imported

    assert imported.benchmark is True


def test_cudnn_is_available_only_with_cuda(no_gpu):
    assert torch.backends.cudnn.is_available() is False


def test_cudnn_is_available_with_cuda():
    assert torch.backends.cudnn.is_available() is torch.cuda.is_available() is True


def test_cuda_matmul_tf32_flag_defaults_off():
    assert torch.backends.cuda.matmul.allow_tf32 is False


def test_mps_and_mkldnn_are_not_available():
    assert torch.backends.mps.is_available() is False
    assert torch.backends.mkldnn.is_available() is False


# --- torch.accelerator -----------------------------------------------------------------


def test_accelerator_is_cuda_when_a_gpu_is_usable():
    assert torch.accelerator.is_available() is True
    assert torch.accelerator.current_accelerator() == torch.device("cuda")
    assert torch.accelerator.device_count() == torch.cuda.device_count() >= 1


def test_accelerator_is_none_without_a_gpu(no_gpu):
    assert torch.accelerator.is_available() is False
    assert torch.accelerator.current_accelerator() is None
    assert torch.accelerator.current_accelerator(check_available=True) is None
    assert torch.accelerator.device_count() == 0


# --- nn.DataParallel -------------------------------------------------------------------


def test_data_parallel_forward_calls_the_module_and_prefixes_state_dict_keys():
    torch.manual_seed(0)
    inner = nn.Linear(3, 2)
    model = nn.DataParallel(inner)
    assert model.module is inner
    assert nn.parallel.DataParallel is nn.DataParallel
    x = torch.randn(4, 3)
    assert torch.equal(model(x), inner(x))
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    assert [p is q for p, q in zip(model.parameters(), inner.parameters())] == [True, True]


def test_data_parallel_state_dict_loads_into_a_fresh_wrapper():
    source, target = nn.DataParallel(nn.Linear(2, 2)), nn.DataParallel(nn.Linear(2, 2))
    target.load_state_dict(source.state_dict())
    assert torch.equal(target.module.weight, source.module.weight)


# --- device predicates, pinned memory ---------------------------------------------------


def test_device_predicates(device):
    x = torch.ones(2, device=device)
    assert x.is_cpu is (device == "cpu")
    assert (x.is_xpu, x.is_mps, x.is_meta) == (False, False, False)


def test_pin_memory_without_an_accelerator_raises_pytorchs_error(no_gpu):
    x = torch.ones(2)
    with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none is"):
        x.pin_memory()
    assert not x.is_pinned()


def test_pin_memory_returns_a_pinned_copy_with_the_values():
    x = torch.arange(6.0).view(2, 3).t()
    pinned = x.pin_memory()
    assert pinned.is_pinned() and not x.is_pinned()
    np.testing.assert_array_equal(pinned.numpy(), x.numpy())
    assert pinned.data_ptr() != x.data_ptr()
    assert pinned.pin_memory() is pinned


def test_pin_memory_of_a_cuda_tensor_raises():
    with pytest.raises(RuntimeError, match=r"cannot pin 'torch.cuda.FloatTensor' only dense CPU"):
        torch.ones(2, device="cuda").pin_memory()


# --- threads, deterministic mode ----------------------------------------------------------


def test_set_num_threads_sets_numbas_thread_count():
    import numba

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert torch.get_num_threads() == numba.get_num_threads() == 1
        torch.set_num_threads(10_000)  # more than the pool: the whole pool
        assert torch.get_num_threads() == numba.config.NUMBA_NUM_THREADS
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "set_num_threads expects a positive integer"),
        (-1, "set_num_threads expects a positive integer"),
        (1.5, "set_num_threads expects an int, but got float"),
    ],
)
def test_set_num_threads_rejects_bad_counts(value, message):
    before = torch.get_num_threads()
    with pytest.raises(RuntimeError, match=f"^{message}$"):
        torch.set_num_threads(value)
    assert torch.get_num_threads() == before


def test_deterministic_algorithms_flag_round_trips():
    assert torch.are_deterministic_algorithms_enabled() is False
    try:
        torch.use_deterministic_algorithms(True, warn_only=True)
        assert torch.are_deterministic_algorithms_enabled() is True
        assert torch.is_deterministic_algorithms_warn_only_enabled() is True
    finally:
        torch.use_deterministic_algorithms(False)
    assert torch.are_deterministic_algorithms_enabled() is False


def test_deterministic_algorithms_mode_must_be_a_bool():
    with pytest.raises(TypeError, match="argument 'mode' \\(position 1\\) must be bool, not str"):
        torch.use_deterministic_algorithms("yes")


# --- default device ------------------------------------------------------------------------


@pytest.fixture
def restore_default_device():
    yield
    torch.set_default_device(None)


def test_factories_follow_the_default_device(restore_default_device):
    assert torch.get_default_device() == torch.device("cpu")
    torch.set_default_device("cuda")
    assert torch.get_default_device() == torch.device("cuda", 0)
    made = [
        torch.zeros(2),
        torch.tensor([1.0]),
        torch.arange(3),
        torch.randn(2),
        nn.Linear(1, 1).weight,
    ]
    assert all(t.device == torch.device("cuda", 0) for t in made)
    assert torch.ones(1, device="cpu").device == torch.device("cpu")
    torch.set_default_device(None)
    assert torch.zeros(1).device == torch.device("cpu")


# --- torch.cuda additions ----------------------------------------------------------------


def test_cuda_set_device_accepts_gpu_zero_and_rejects_missing_ordinals():
    torch.cuda.set_device(0)
    torch.cuda.set_device("cuda:0")
    torch.cuda.set_device(torch.device("cuda"))
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        torch.cuda.set_device(torch.cuda.device_count())


def test_cuda_set_device_without_cuda_raises(no_gpu):
    with pytest.raises(RuntimeError, match="Torch not compiled with CUDA enabled"):
        torch.cuda.set_device(0)


def test_cuda_supports_bfloat16_where_cuda_is_available():
    assert torch.cuda.is_bf16_supported() is torch.cuda.is_available()


# --- finfo / iinfo -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_finfo_matches_numpy(dtype):
    info, ref = torch.finfo(dtype), np.finfo(dtype.numpy)
    assert (info.bits, info.eps, info.max, info.min) == (ref.bits, ref.eps, ref.max, ref.min)
    assert info.tiny == info.smallest_normal == ref.smallest_normal
    assert info.resolution == ref.resolution
    assert info.dtype == dtype.name


def test_finfo_defaults_to_the_default_dtype_and_prints_like_pytorch():
    assert repr(torch.finfo()) == (
        "finfo(resolution=1e-06, min=-3.40282e+38, max=3.40282e+38, eps=1.19209e-07, "
        "smallest_normal=1.17549e-38, tiny=1.17549e-38, dtype=float32)"
    )
    assert torch.finfo(torch.float32).eps == 2.0**-23


@pytest.mark.parametrize("dtype", [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64])
def test_iinfo_matches_numpy(dtype):
    info, ref = torch.iinfo(dtype), np.iinfo(dtype.numpy)
    assert (info.bits, info.max, info.min, info.dtype) == (ref.bits, ref.max, ref.min, dtype.name)
    assert isinstance(info.max, int)


def test_iinfo_prints_like_pytorch():
    assert repr(torch.iinfo(torch.uint8)) == "iinfo(min=0, max=255, dtype=uint8)"
    assert repr(torch.iinfo(torch.int64)) == "iinfo(min=-9.22337e+18, max=9.22337e+18, dtype=int64)"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: torch.finfo(torch.int64), "torch.finfo() requires a floating point input type"),
        (lambda: torch.iinfo(torch.float32), "torch.iinfo() requires an integer input type"),
        (lambda: torch.iinfo(torch.bool), "torch.bool is not supported by torch.iinfo"),
        (
            lambda: torch.finfo(3),
            "finfo(): argument 'type' (position 1) must be torch.dtype, not int",
        ),
    ],
)
def test_info_of_the_wrong_kind_raises_type_error(call, message):
    with pytest.raises(TypeError) as error:
        call()
    assert str(error.value).startswith(message)


# --- torch.range ---------------------------------------------------------------------------


def test_range_includes_the_end_warns_and_is_float():
    with pytest.warns(UserWarning, match="^torch.range is deprecated and will be removed") as w:
        r = torch.range(1, 4)
    assert w[0].filename == __file__
    assert r.dtype == torch.float32
    np.testing.assert_array_equal(r.numpy(), [1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((0, 1, 0.25), np.arange(5) * 0.25),
        ((3, 0, -1), [3.0, 2.0, 1.0, 0.0]),
        ((0, 2.5), [0, 1, 2]),
    ],
)
def test_range_values(args, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_allclose(torch.range(*args).numpy(), expected)
        assert torch.range(0, 3, dtype=torch.int64).dtype == torch.int64


@pytest.mark.parametrize(
    ("args", "message"),
    [((0, 3, 0), "step must be nonzero"), ((3, 0), "upper bound and lower bound inconsistent")],
)
def test_range_rejects_bad_steps(args, message):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(RuntimeError, match=message):
            torch.range(*args)


def test_range_length_is_floor_of_span_over_step_plus_one():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert torch.range(0, 1, 0.1).numel() == math.floor(1 / 0.1) + 1 == 11


# --- tril / triu / flip / roll: forms and errors (values and gradients: op_table.py) -------


def test_tril_and_triu_in_place_write_through_a_view(device):
    base = torch.ones(2, 3, 3, device=device)
    view = base[1]
    assert view.tril_(-1) is view
    np.testing.assert_array_equal(base[1].cpu().numpy(), np.tril(np.ones((3, 3)), -1))
    np.testing.assert_array_equal(base[0].cpu().numpy(), np.ones((3, 3)))
    base[0].triu_(diagonal=2)
    np.testing.assert_array_equal(base[0].cpu().numpy(), np.triu(np.ones((3, 3)), 2))


def test_tril_out_argument(device):
    x = torch.arange(6.0, device=device).view(2, 3)
    out = torch.empty(2, 3, device=device)
    assert torch.tril(x, out=out) is out
    np.testing.assert_array_equal(out.cpu().numpy(), np.tril(np.arange(6.0).reshape(2, 3)))


def test_grad_fn_names_match_pytorch():
    x = torch.ones(2, 3, requires_grad=True)
    names = [type(f(x).grad_fn).__name__ for f in (torch.tril, torch.triu)]
    names += [type(x.flip(0).grad_fn).__name__, type(x.roll(1, 1).grad_fn).__name__]
    assert names == ["TrilBackward0", "TriuBackward0", "FlipBackward0", "RollBackward0"]


def test_flip_and_roll_return_copies():
    x = torch.arange(4.0)
    flipped, rolled = x.flip(0), x.roll(1)
    x.fill_(9.0)
    np.testing.assert_array_equal(flipped.numpy(), [3.0, 2.0, 1.0, 0.0])
    np.testing.assert_array_equal(rolled.numpy(), [3.0, 0.0, 1.0, 2.0])


def test_flip_with_no_dims_is_a_copy_and_roll_of_an_empty_tensor_is_empty():
    x = torch.arange(3.0)
    np.testing.assert_array_equal(torch.flip(x, ()).numpy(), x.numpy())
    assert torch.roll(torch.ones(0, 2), 1, 0).shape == (0, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda x: torch.tril(x[0]),
            RuntimeError,
            "tril: input tensor must have at least 2 dimensions",
        ),
        (lambda x: x[0].triu(), RuntimeError, "triu: input tensor must have at least 2 dimensions"),
        (
            lambda x: x[0].tril_(),
            RuntimeError,
            "tril: input tensor must have at least 2 dimensions",
        ),
        (lambda x: torch.flip(x, (0, 0)), RuntimeError, "dim 0 appears multiple times"),
        (lambda x: x.flip(2), IndexError, r"range of \[-2, 1\], but got 2\)"),
        (lambda x: torch.flip(x, 0), TypeError, "argument 'dims' .*tuple of ints, not int"),
        (lambda x: x.roll((1, 2), (0,)), RuntimeError, "must align. shifts: 2, dims:1"),
        (lambda x: x.roll((1, 2)), RuntimeError, "must align. shifts: 2, dims:0"),
        (lambda x: x.roll((), ()), RuntimeError, "`shifts` required"),
        (lambda x: x.roll(1.5), TypeError, "argument 'shifts' .*tuple of ints, not float"),
        (lambda x: x.roll(1, 3), IndexError, "Dimension out of range"),
    ],
)
def test_bad_arguments_raise_pytorchs_errors_and_change_nothing(call, error, message):
    x = torch.arange(6.0).view(2, 3)
    with pytest.raises(error, match=message):
        call(x)
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@settings(max_examples=25, deadline=None)
@given(shape=shapes, data=st.data())
def test_roll_and_flip_match_numpy_on_any_shape(shape, data):
    a = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    ndim = len(shape)
    dims = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim))
    shifts = data.draw(st.lists(st.integers(-9, 9), min_size=len(dims), max_size=len(dims)))
    x = torch.from_numpy(a)
    np.testing.assert_array_equal(x.roll(shifts, dims).numpy(), np.roll(a, shifts, dims))
    unique = sorted({d % ndim for d in dims})
    np.testing.assert_array_equal(torch.flip(x, unique).numpy(), np.flip(a, unique))
