"""Fused optimizer updates on numpy arrays: the update rules of kernels/common/optim.py,
each compiled as a serial and a parallel kernel that reads a parameter's gradient and
state and writes the new parameter and state in a single pass."""

from __future__ import annotations

from ..common import optim as rules
from ._launch import parallel_for, twins

# error_model="numpy": Python's model checks every division for zero, a branch that kept
# the Adam loop from vectorising (100K floats: 823 us -> 104 us serial, measured).
# A serial and a parallel compilation of each update: small parameters (biases) do not
# wake the thread pool.
_OPTIONS = {"error_model": "numpy", "fastmath": {"contract", "arcp", "nsz"}}
_KERNELS = {options: twins(rule, **_OPTIONS) for options, rule in rules.RULES.items()}


def _run_each(params: list, arrays: list, options) -> None:
    serial, parallel = _KERNELS[type(options)]
    values = rules.scalars(options)
    for param, extra in zip(params, arrays):
        flat = [a.reshape(-1) for a in extra]
        (parallel if parallel_for(param.size) else serial)(param.reshape(-1), *flat, *values)


def _run(param, arrays: tuple, options) -> None:
    _run_each([param], [arrays], options)


sgd_step, adam_step, rmsprop_step, adagrad_step, adadelta_step, *_more = rules.launchers(_run)
adamax_step, nadam_step, radam_step, asgd_step, rprop_step = _more
sgd_foreach = rules.sgd_foreach_launcher(_run_each)
