"""numbatorch: a PyTorch-style deep learning framework whose kernels are written in Numba.

`import numbatorch as torch` runs the classic PyTorch tutorials on the CPU, and on NVIDIA
GPUs through Numba's CUDA target.
"""

from __future__ import annotations

from . import _config  # noqa: F401 - threading and cache setup, before any kernel runs
from ._device import Size, device, get_default_device, set_default_device
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .tensor import Tensor
from .ops._common import TYPE_WORD
from . import autograd, cuda  # noqa: E402
from ._creation import (  # noqa: E402
    Generator,
    arange,
    as_tensor,
    asarray,
    bernoulli,
    default_generator,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_rng_state,
    initial_seed,
    linspace,
    logspace,
    manual_seed,
    multinomial,
    normal,
    ones,
    poisson,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    range,
    seed,
    set_rng_state,
    tensor,
    tril_indices,
    triu_indices,
    zeros,
    zeros_like,
)
from ._printing import get_printoptions, set_printoptions  # noqa: E402
from .autograd import (  # noqa: E402
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops.elementwise import (  # noqa: E402
    abs,
    absolute,
    add,
    atan2,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    addcdiv,
    addcmul,
    clamp,
    clamp_max,
    clamp_min,
    fmax,
    fmin,
    clip,
    clone,
    cos,
    div,
    divide,
    eq,
    erf,
    exp,
    expm1,
    floor,
    floor_divide,
    fmod,
    ge,
    greater,
    greater_equal,
    gt,
    isfinite,
    isinf,
    isnan,
    le,
    lerp,
    less,
    less_equal,
    log,
    log1p,
    log2,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    nan_to_num,
    ne,
    neg,
    negative,
    not_equal,
    pow,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    rsub,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    sub,
    subtract,
    tanh,
    true_divide,
    trunc,
    where,
)
from .ops.indexing import (  # noqa: E402
    argwhere,
    gather,
    index_add,
    index_copy,
    index_fill,
    index_put,
    index_select,
    masked_fill,
    masked_select,
    nonzero,
    scatter,
    scatter_add,
)
from .ops.reduction import (  # noqa: E402
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    log_softmax,
    logsumexp,
    max,
    mean,
    min,
    nansum,
    prod,
    softmax,
    std,
    std_mean,
    sum,
    var,
    var_mean,
)
from .ops.shape import (  # noqa: E402
    broadcast_to,
    cat,
    chunk,
    concat,
    concatenate,
    diag,
    diagonal,
    diff,
    flatten,
    flip,
    fliplr,
    flipud,
    hstack,
    meshgrid,
    movedim,
    narrow,
    repeat_interleave,
    permute,
    reshape,
    roll,
    select,
    split,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    trace,
    transpose,
    tril,
    triu,
    unbind,
    unflatten,
    unsqueeze,
    vstack,
)
from .ops.sorting import argsort, sort, topk  # noqa: E402
from .ops._common import broadcast_shapes  # noqa: E402
from . import accelerator, backends, datasets, distributed, nn, optim, utils  # noqa: E402
from ._dtype import finfo, iinfo  # noqa: E402
from ._flags import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_num_threads,
    use_deterministic_algorithms,
)
from .serialization import load, save  # noqa: E402
from .ops.linalg import (  # noqa: E402
    addmm,
    bmm,
    dot,
    einsum,
    ger,
    inner,
    matmul,
    mm,
    mv,
    outer,
    vdot,
)
from .ops.pointwise import (  # noqa: E402
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan,
    atanh,
    bitwise_left_shift,
    bitwise_right_shift,
    copysign,
    cosh,
    deg2rad,
    digamma,
    erfc,
    erfinv,
    exp2,
    fix,
    frac,
    gcd,
    hypot,
    i0,
    isneginf,
    isposinf,
    lcm,
    lgamma,
    log10,
    logaddexp,
    logaddexp2,
    logit,
    nextafter,
    polygamma,
    rad2deg,
    signbit,
    sinc,
    sinh,
    tan,
    xlogy,
)
from .ops.selection import (  # noqa: E402
    bincount,
    bucketize,
    cummax,
    cummin,
    diag_embed,
    histc,
    kthvalue,
    masked_scatter,
    median,
    mode,
    nanmedian,
    rot90,
    searchsorted,
    take,
    take_along_dim,
    unique,
    unique_consecutive,
)
from .ops.products import (  # noqa: E402
    addbmm,
    addmv,
    addr,
    baddbmm,
    cdist,
    cosine_similarity,
    inner,  # noqa: F811 - replaces ops.linalg's inner, which took 1-D tensors only
    kron,
    pairwise_distance,
)
from . import special  # noqa: E402


def _legacy(dtype_):
    class _Legacy(Tensor):
        def __new__(cls, *args, **kwargs):
            return Tensor(*args, dtype=dtype_, **kwargs)

    return _Legacy


FloatTensor = _legacy(float32)
DoubleTensor = _legacy(float64)
HalfTensor = _legacy(float16)
LongTensor = _legacy(int64)
IntTensor = _legacy(int32)
ShortTensor = _legacy(int16)
CharTensor = _legacy(int8)
ByteTensor = _legacy(uint8)
BoolTensor = _legacy(bool)


def is_tensor(obj) -> object:
    return isinstance(obj, Tensor)


def numel(input: Tensor):
    return input.numel()


def is_floating_point(input: Tensor):
    return input.dtype.is_floating_point


def result_type(a, b):
    from .ops._common import promote

    return promote(a, b)


def can_cast(from_, to):
    return from_._kind <= to._kind


def promote_types(a, b):
    from ._dtype import _promote_pair

    return _promote_pair(a, b)


__version__ = "0.1.0"


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
):
    return isclose(input, other, rtol, atol, equal_nan).all().item()


def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """|input - other| <= atol + rtol * |other|, elementwise (NaNs equal with equal_nan).
    Both are tensors of one dtype, as in PyTorch."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"isclose(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    if input.dtype != other.dtype:
        raise RuntimeError(
            f"{TYPE_WORD[input.dtype.name]} did not match {TYPE_WORD[other.dtype.name]}"
        )
    close = (input - other).abs() <= atol + rtol * other.abs()
    close = logical_or(close, eq(input, other))  # equal infinities
    if equal_nan:
        close = logical_or(close, logical_and(isnan(input), isnan(other)))
    return close


def equal(input: Tensor, other: Tensor):
    return tuple(input.shape) == tuple(other.shape) and eq(input, other).all().item()


from . import linalg  # noqa: E402
from .ops.dense_linalg import (  # noqa: E402
    cholesky_solve,
    det,
    dist,
    inverse,
    logdet,
    matrix_power,
    pinverse,
)
from .ops.dense_linalg import torch_cholesky as cholesky  # noqa: E402
from .ops.dense_linalg import torch_cross as cross  # noqa: E402
from .ops.dense_linalg import torch_norm as norm  # noqa: E402
from .ops.dense_linalg import torch_qr as qr  # noqa: E402
from .ops.dense_linalg import torch_slogdet as slogdet  # noqa: E402
from .ops.dense_linalg import torch_svd as svd  # noqa: E402

# torch.onnx: the exporter imports the `onnx` package only when export() runs
from . import onnx  # noqa: E402

# bfloat16 and mixed precision
from ._dtype import bfloat16  # noqa: E402

BFloat16Tensor = _legacy(bfloat16)
from . import amp, cpu  # noqa: E402
from .amp.autocast_mode import (  # noqa: E402
    autocast,
    get_autocast_cpu_dtype,
    get_autocast_dtype,
    get_autocast_gpu_dtype,
    is_autocast_available,
    is_autocast_cpu_enabled,
    is_autocast_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from .cuda import amp as _cuda_amp  # noqa: E402, F401 - makes torch.cuda.amp an attribute
from . import return_types  # noqa: E402, F401 - torch.return_types

# everyday names composed of other ops, and torch-level names of nn.functional ops
from ._flags import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402
from . import _functional_aliases  # noqa: E402
from ._functional_aliases import (  # noqa: E402
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    avg_pool1d,
    batch_norm,
    bilinear,
    celu,
    conv1d,
    conv2d,
    conv_transpose1d,
    conv_transpose2d,
    dropout,
    embedding,
    feature_dropout,
    group_norm,
    hardshrink,
    instance_norm,
    layer_norm,
    max_pool1d,
    max_pool2d,
    pixel_shuffle,
    pixel_unshuffle,
    prelu,
    rrelu,
    selu,
    threshold,
)
from .ops.composite import (  # noqa: E402
    aminmax,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    bartlett_window,
    blackman_window,
    block_diag,
    broadcast_tensors,
    cartesian_prod,
    column_stack,
    combinations,
    cumulative_trapezoid,
    diagflat,
    dsplit,
    dstack,
    float_power,
    hamming_window,
    hann_window,
    heaviside,
    hsplit,
    isin,
    moveaxis,
    msort,
    nanmean,
    ravel,
    rms_norm,
    row_stack,
    tensor_split,
    tensordot,
    tile,
    trapezoid,
    trapz,
    unravel_index,
    vander,
    vsplit,
)


def detach(input: Tensor) -> Tensor:
    return input.detach()


def is_complex(input: Tensor) -> bool:
    """False: numbatorch has no complex dtypes."""
    return False


is_signed = Tensor.is_signed
is_nonzero = Tensor.is_nonzero
is_same_size = Tensor.is_same_size
sgn = Tensor.sgn  # the sign, for real tensors
positive = Tensor.positive

# the 3-D volume layers of issue 15
from ._functional_aliases import (  # noqa: E402
    alpha_dropout,
    alpha_dropout_,
    channel_shuffle,
    conv3d,
    conv_transpose3d,
    feature_alpha_dropout,
    feature_alpha_dropout_,
    max_pool1d_with_indices,
    max_pool3d,
    native_channel_shuffle,
)


# issue 15's last everyday names: composites, torch-level losses (ATen's signatures) and
# in-place activations
from ._functional_aliases import (  # noqa: E402
    binary_cross_entropy_with_logits,
    celu_,
    cosine_embedding_loss,
    ctc_loss,
    dropout_,
    feature_dropout_,
    hinge_embedding_loss,
    kl_div,
    margin_ranking_loss,
    poisson_nll_loss,
    rrelu_,
    selu_,
    threshold_,
    triplet_margin_loss,
)
from .ops.composite import (  # noqa: E402
    adjoint,
    chain_matmul,
    cholesky_inverse,
    corrcoef,
    cov,
    fill,
    isreal,
    kaiser_window,
    mvlgamma,
    renorm,
    scalar_tensor,
    split_with_sizes,
)


def get_device(input: Tensor) -> int:
    return input.get_device()


# torch.relu_(x), torch.clamp_(x, ...): the in-place Tensor methods at top level
for _name in _functional_aliases.INPLACE:
    globals()[_name] = getattr(_functional_aliases, _name)

# issue 15's missing names: the spatial transformer's native ops, float decomposition, scans,
# quantiles, pdist, the LU family and the matrix exponential
from .ops.floating import frexp, ldexp  # noqa: E402
from .ops.grid_sample import affine_grid_generator, grid_sampler  # noqa: E402
from .ops.reduction import logcumsumexp  # noqa: E402
from .ops.quantile import nanquantile, quantile  # noqa: E402
from .ops.products import pdist  # noqa: E402
from .ops.lu import lu_unpack, matrix_exp  # noqa: E402
from .ops.lu import torch_lu as lu  # noqa: E402
from .ops.lu import torch_lu_solve as lu_solve  # noqa: E402

from ._docs import add_docstrings as _add_docstrings  # noqa: E402

_add_docstrings()
