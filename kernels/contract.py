"""The kernel contract: every launcher both backends export (kernels/cpu, kernels/cuda),
with one signature each, so an op written against `backend(device)` runs on either, and
the small records that group a launcher's related parameters. tests/test_backend_contract.py
checks that each backend implements `Backend` exactly.

An `Array` is a numpy array on the CPU and a numba device array on CUDA; launchers write
into the outputs they are given (see each backend's docstrings for the layouts).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import numpy as np

Array = Any  # numpy.ndarray (CPU) or a numba device array (CUDA)


class Operand(NamedTuple):
    """A stack of matrices in flat memory, as `gemm_batched` reads them: matrix (q, r)
    starts at array[at[q, r]] (`at`: an int64 table, (Q, R) for A and B, (Q,) for a
    bias) and its element (i, j) lies i * row_stride + j * column_stride further."""

    array: Array
    at: Array
    row_stride: int
    column_stride: int


class Window(NamedTuple):
    """A 2-D sliding window (convolution patches, pooling): kernel size, stride, padding
    and dilation along height and width."""

    kh: int
    kw: int
    sh: int
    sw: int
    ph: int
    pw: int
    dh: int = 1
    dw: int = 1

    @classmethod
    def of(cls, kernel_size, stride, padding, dilation=(1, 1)) -> Window:
        """The window of PyTorch's (height, width) pairs."""
        return cls(*kernel_size, *stride, *padding, *dilation)


class Window3d(NamedTuple):
    """A 3-D sliding window (convolution patches, pooling): kernel size, stride, padding
    and dilation along depth, height and width. The kernels take this one; a 2-D `Window`
    is the 3-D window of depth 1 (`lift`)."""

    kd: int
    kh: int
    kw: int
    sd: int
    sh: int
    sw: int
    pd: int
    ph: int
    pw: int
    dd: int = 1
    dh: int = 1
    dw: int = 1

    @classmethod
    def of(cls, kernel_size, stride, padding, dilation=(1, 1, 1)) -> Window3d:
        """The window of PyTorch's (depth, height, width) triples."""
        return cls(*kernel_size, *stride, *padding, *dilation)

    @classmethod
    def lift(cls, window: Window | Window3d) -> Window3d:
        """`window` as a 3-D window: itself, or a 2-D one with a unit depth."""
        if isinstance(window, Window3d):
            return window
        kh, kw, sh, sw, ph, pw, dh, dw = window
        return cls(1, kh, kw, 1, sh, sw, 0, ph, pw, 1, dh, dw)


# --- optimizer hyper-parameters: the scalars of one update, in the update rule's order ------


class SGDOptions(NamedTuple):
    lr: float
    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    maximize: bool
    first_step: bool


class AdamOptions(NamedTuple):
    """`step` counts this update too; decoupled_weight_decay=True is AdamW."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    step: float
    amsgrad: bool
    maximize: bool
    decoupled_weight_decay: bool


class RMSpropOptions(NamedTuple):
    lr: float
    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    maximize: bool


class AdagradOptions(NamedTuple):
    """`clr` is the learning rate after lr_decay for this step."""

    clr: float
    eps: float
    weight_decay: float
    maximize: bool


class AdadeltaOptions(NamedTuple):
    lr: float
    rho: float
    eps: float
    weight_decay: float
    maximize: bool


class AdamaxOptions(NamedTuple):
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    step: float
    maximize: bool


class NAdamOptions(NamedTuple):
    """The momentum schedule (mu, mu_product) folded into the two coefficients."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    bias_correction2: float
    grad_coefficient: float
    exp_avg_coefficient: float
    maximize: bool
    decoupled_weight_decay: bool


class RAdamOptions(NamedTuple):
    """`rect` is the variance rectification term, <= 0 for a momentum-only step."""

    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    step: float
    rect: float
    maximize: bool
    decoupled_weight_decay: bool


class ASGDOptions(NamedTuple):
    eta: float
    lambd: float
    mu: float
    weight_decay: float
    maximize: bool


class RpropOptions(NamedTuple):
    etaminus: float
    etaplus: float
    step_size_min: float
    step_size_max: float
    maximize: bool


class Backend(Protocol):
    """The launchers of a backend module (its `__all__`, less the ones tests name as
    deliberately one-sided)."""

    def adadelta_step(
        self,
        param: Array,
        grad: Array,
        square_avg: Array,
        acc_delta: Array,
        options: AdadeltaOptions,
    ) -> None: ...
    def adagrad_step(
        self, param: Array, grad: Array, state_sum: Array, options: AdagradOptions
    ) -> None: ...
    def adam_step(
        self,
        param: Array,
        grad: Array,
        exp_avg: Array,
        exp_avg_sq: Array,
        max_exp_avg_sq: Array,
        options: AdamOptions,
    ) -> None: ...
    def adamax_step(
        self, param: Array, grad: Array, exp_avg: Array, exp_inf: Array, options: AdamaxOptions
    ) -> None: ...
    def adaptive_avg_pool2d_backward(self, grad_out: Array, grad_in: Array) -> None: ...
    def adaptive_avg_pool2d_forward(self, x: Array, out: Array) -> None: ...
    def adaptive_max_pool2d_forward(self, x: Array, out: Array, indices: Array) -> None: ...
    def as_strided(self, storage: Array, shape: tuple, strides: tuple, offset: int) -> Array: ...
    def asgd_step(self, param: Array, grad: Array, ax: Array, options: ASGDOptions) -> None: ...
    def attention_bmm(self, a: Array, b: Array, out: Array) -> None: ...
    def attention_softmax(
        self,
        scores: Array,
        mask: Array | None,
        causal: bool,
        scale: float,
        keep: float,
        dropped: Array | None,
    ) -> None: ...
    def attention_softmax_backward(
        self, probs: Array, dropped: Array, grad: Array, scale: float
    ) -> None: ...
    def avg_pool2d_backward(
        self,
        grad_out: Array,
        window: Window,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int,
        grad_in: Array,
    ) -> None: ...
    def avg_pool2d_forward(
        self,
        x: Array,
        window: Window,
        ceil_mode: bool,
        count_include_pad: bool,
        divisor_override: int,
        out: Array,
    ) -> None: ...
    def binary(self, op: int, a: Array, b: Array, out: Array) -> None: ...
    def bmm(self, a: Array, b: Array, out: Array) -> None: ...
    def cholesky(self, a: Array, lower: Array, info: Array) -> None: ...
    def col2im(self, cols: Array, window: Window, out: Array) -> None: ...
    def conv2d_backward(
        self,
        x: Array,
        w: Array,
        grad_out: Array,
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        groups: int,
        grad_x: Array | None,
        grad_w: Array | None,
        grad_b: Array | None,
        columns: Array | None = None,
    ) -> None: ...
    def conv2d_forward(
        self,
        x: Array,
        w: Array,
        bias: Array | None,
        stride: tuple[int, int],
        padding: tuple[int, int],
        dilation: tuple[int, int],
        groups: int,
        out: Array,
        keep_columns: bool = False,
    ) -> Array | None: ...
    def conv_output_size(self, size: int, k: int, s: int, p: int, d: int) -> int: ...
    def copy(self, x: Array, out: Array) -> None: ...
    def cross_entropy_backward(
        self,
        x: Array,
        target: Array,
        ignore_index: int,
        lse: Array,
        grad: Array,
        count: Array,
        mean: bool,
        grad_x: Array,
    ) -> None: ...
    def cross_entropy_forward(
        self,
        x: Array,
        target: Array,
        ignore_index: int,
        mean: bool,
        lse: Array,
        losses: Array,
        valid: Array,
        total: Array,
        count: Array,
        bad: Array,
    ) -> None: ...
    def ctc_backward(
        self,
        log_probs: Array,
        targets: Array,
        input_lengths: Array,
        target_lengths: Array,
        blank: int,
        log_alpha: Array,
        nll: Array,
        grad_out: Array,
        zero_infinity: bool,
        log_beta: Array,
        grad: Array,
    ) -> None: ...
    def ctc_forward(
        self,
        log_probs: Array,
        targets: Array,
        input_lengths: Array,
        target_lengths: Array,
        blank: int,
        log_alpha: Array,
        nll: Array,
    ) -> None: ...
    def cumprod(self, x: Array, out: Array, n: int, inner: int) -> None: ...
    def cumsum(self, x: Array, out: Array, n: int, inner: int) -> None: ...
    def cumulative_extreme(self, x: Array, values: Array, indices: Array, is_max: bool) -> None: ...
    def eigh(self, a: Array, values: Array, vectors: Array, lower: bool) -> None: ...
    def embedding_bag_max(
        self,
        weight: Array,
        indices: Array,
        starts: Array,
        ends: Array,
        padding_idx: int,
        out: Array,
        argmax: Array,
    ) -> None: ...
    def empty(self, shape: tuple, dtype: np.dtype) -> Array: ...
    def fill(self, out: Array, value: float) -> None: ...
    def from_host(self, array: Array) -> Array: ...
    def gather(self, x: Array, index: Array, dim: int, out: Array) -> None: ...
    def gemm_batched(
        self,
        a: Operand,
        b: Operand,
        c: Array,
        c_at: Array,
        m: int,
        n: int,
        k: int,
        bias: Operand | None = None,
        accumulate: bool = False,
    ) -> None: ...
    def gemm(
        self,
        a: Array,
        b: Array,
        out: Array,
        bias: Array | None = None,
        beta_accumulate: bool = False,
    ) -> None: ...
    def group_norm_backward(
        self,
        grad: Array,
        x: Array,
        mean: Array,
        rstd: Array,
        weight: Array,
        groups: int,
        grad_x: Array,
        grad_scale: Array,
        grad_shift: Array,
    ) -> None: ...
    def group_norm_forward(
        self,
        x: Array,
        weight: Array,
        bias: Array,
        groups: int,
        eps: float,
        out: Array,
        mean: Array,
        rstd: Array,
    ) -> None: ...
    def gru_backward(
        self,
        gates: Array,
        at: int,
        hn: Array,
        hs: Array,
        prev: int,
        cur: int,
        dhs: Array,
        dgates: Array,
        dhg: Array,
        rows: int,
    ) -> None: ...
    def gru_forward(
        self, gates: Array, at: int, hg: Array, hs: Array, prev: int, cur: int, hn: Array, rows: int
    ) -> None: ...
    def im2col(self, x: Array, window: Window, cols: Array) -> None: ...
    def index_put(
        self, out: Array, index: Array, src: Array, n: int, inner: int, accumulate: bool
    ) -> None: ...
    def index_select(self, x: Array, index: Array, out: Array, n: int, inner: int) -> None: ...
    def layer_norm_backward(
        self,
        grad: Array,
        x: Array,
        weight: Array,
        mean: Array,
        rstd: Array,
        grad_x: Array,
        grad_weight: Array,
        grad_bias: Array,
    ) -> None: ...
    def layer_norm_forward(
        self, x: Array, weight: Array, bias: Array, out: Array, mean: Array, rstd: Array, eps: float
    ) -> None: ...
    def lstm_backward(
        self,
        gates: Array,
        at: int,
        cs: Array,
        prev: int,
        cur: int,
        dh: Array,
        dh_at: int,
        dcs: Array,
        dgates: Array,
        rows: int,
    ) -> None: ...
    def lstm_forward(
        self,
        gates: Array,
        at: int,
        cs: Array,
        prev: int,
        cur: int,
        h_out: Array,
        h_at: int,
        rows: int,
    ) -> None: ...
    def lu_det(
        self, lu: Array, pivots: Array, det: Array, sign: Array, logabsdet: Array
    ) -> None: ...
    def lu_factor(self, a: Array, lu: Array, pivots: Array, info: Array) -> None: ...
    def lu_solve(self, lu: Array, pivots: Array, x: Array, identity: bool) -> None: ...
    def max_pool2d_backward(self, grad_out: Array, indices: Array, grad_in: Array) -> None: ...
    def max_pool2d_forward(self, x: Array, window: Window, out: Array, indices: Array) -> None: ...
    def max_unpool2d_backward(self, grad_out: Array, indices: Array, grad_in: Array) -> None: ...
    def max_unpool2d_forward(self, x: Array, indices: Array, out: Array) -> None: ...
    def mode_of_sorted(
        self, values: Array, positions: Array, mode: Array, mode_position: Array
    ) -> None: ...
    def nadam_step(
        self, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, options: NAdamOptions
    ) -> None: ...
    def non_finite_check_and_unscale(
        self, grad: Array, found_inf: Array, inv_scale: float
    ) -> None: ...
    def nonzero(self, x: Array) -> Array: ...
    def pool_output_size(
        self, size: int, k: int, s: int, p: int, d: int, ceil_mode: bool
    ) -> int: ...
    def qr(self, a: Array, q: Array, r: Array) -> None: ...
    def radam_step(
        self, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, options: RAdamOptions
    ) -> None: ...
    def range_fill(self, out: Array, start: float, step: float) -> None: ...
    def reduce(self, op: int, x: Array, out: Array, n: int, inner: int, p: float = 0.0) -> None: ...
    def rmsprop_step(
        self,
        param: Array,
        grad: Array,
        square_avg: Array,
        grad_avg: Array,
        momentum_buffer: Array,
        options: RMSpropOptions,
    ) -> None: ...
    def rnn_backward(
        self, hs: Array, cur: int, dhs: Array, dgates: Array, at: int, rows: int, relu: bool
    ) -> None: ...
    def rnn_forward(
        self, gates: Array, at: int, hs: Array, cur: int, rows: int, relu: bool
    ) -> None: ...
    def roll_flip(self, x: Array, out: Array, shifts: tuple, flips: tuple) -> None: ...
    def rprop_step(
        self, param: Array, grad: Array, prev: Array, step_size: Array, options: RpropOptions
    ) -> None: ...
    def scatter(self, out: Array, index: Array, dim: int, src: Array, accumulate: bool) -> None: ...
    def search_sorted(self, sequence: Array, values: Array, out: Array, right: bool) -> None: ...
    def sgd_foreach(
        self,
        params: list[Array],
        grads: list[Array],
        momentum_buffers: list[Array],
        options: SGDOptions,
    ) -> None: ...
    def sgd_step(
        self, param: Array, grad: Array, momentum_buffer: Array, options: SGDOptions
    ) -> None: ...
    def soft_cross_entropy_backward(
        self,
        x: Array,
        probs: Array | None,
        target: Array | None,
        weight: Array,
        ignore_index: int,
        smoothing: float,
        lse: Array,
        mass: Array,
        row_scale: Array,
        grad_x: Array,
    ) -> None: ...
    def soft_cross_entropy_forward(
        self,
        x: Array,
        probs: Array | None,
        target: Array | None,
        weight: Array,
        ignore_index: int,
        smoothing: float,
        lse: Array,
        losses: Array,
        mass: Array,
        counts: Array,
        bad: Array,
    ) -> None: ...
    def softmax(self, x: Array, out: Array, n: int, inner: int, log: bool) -> None: ...
    def softmax_backward(
        self, y: Array, grad: Array, out: Array, n: int, inner: int, log: bool
    ) -> None: ...
    def sort(self, x: Array, values: Array, indices: Array, descending: bool) -> None: ...
    def svd(self, a: Array, u: Array, s: Array, v: Array) -> None: ...
    def to_host(self, array: Array) -> Array: ...
    def triangle(self, x: Array, out: Array, diagonal: int, upper: bool) -> None: ...
    def unary(self, op: int, x: Array, out: Array, p0: float = 0.0, p1: float = 0.0) -> None: ...
    def where(self, cond: Array, a: Array, b: Array, out: Array) -> None: ...

    # grid_sample, the cumulative log-sum-exp, frexp and the matrix exponential (issue 15)
    def grid_sample_backward(
        self,
        grad_out: Array,
        x: Array,
        grid: Array,
        mode: int,
        padding: int,
        align_corners: bool,
        grad_x: Array | None,
        grad_grid: Array | None,
    ) -> None: ...
    def grid_sample_forward(
        self, x: Array, grid: Array, mode: int, padding: int, align_corners: bool, out: Array
    ) -> None: ...
    def logcumsumexp(self, x: Array, out: Array, n: int, inner: int) -> None: ...
    def frexp(self, x: Array, mantissa: Array, exponent: Array) -> None: ...
    def matrix_exp(self, a: Array, out: Array) -> None: ...


# every launcher the contract names: both backends export these (their `__all__`)
LAUNCHERS = tuple(
    sorted(name for name, member in vars(Backend).items() if callable(member) and name[0] != "_")
)
