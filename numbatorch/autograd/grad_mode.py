"""Grad modes: `no_grad`, `enable_grad`, `set_grad_enabled`, `inference_mode`; each is a
context manager and a decorator, as in PyTorch. The mode is per thread, as in PyTorch:
a thread inside `no_grad()` leaves every other thread's graph building alone."""

from __future__ import annotations

import functools
import threading


class _State(threading.local):
    # A class attribute, not one set in __init__: a thread that never changed its mode
    # reads this default (grad enabled, as a new PyTorch thread starts) at no setup cost.
    # Reading `_state.enabled` costs ~25 ns more than a module global did; every op reads it.
    enabled = True
    inference = False


_state = _State()


def is_grad_enabled() -> bool:
    return _state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside `inference_mode()` (in this thread)."""
    return _state.inference


def _set(mode: bool) -> None:
    _state.enabled = bool(mode)


class _GradMode:
    mode = True

    def __enter__(self) -> None:
        self.previous = _state.enabled
        _set(self.mode)

    def __exit__(self, *exc) -> None:
        _set(self.previous)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):  # noqa: N801 - PyTorch's public name
    """Operations inside build no autograd graph (in this thread)."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    mode = True


class inference_mode(_GradMode):  # noqa: N801
    """Like no_grad (numbatorch has no separate inference tensors)."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = not mode

    def __enter__(self) -> None:
        self.previous_inference = _state.inference
        _state.inference = not self.mode
        super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        _state.inference = self.previous_inference


class set_grad_enabled(_GradMode):  # noqa: N801
    """Sets grad mode at once; restores the previous mode when used as a context."""

    def __init__(self, mode: bool) -> None:
        self.previous = _state.enabled
        self.mode = bool(mode)
        _set(mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn):
        _set(self.previous)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper
