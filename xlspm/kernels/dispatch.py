"""Choose the compute backend, and hand out its kernels: the one place that does.

Both backends give identical results (the test-suite compares each against
the naive loops in ``tests/naive.py``). numba is the default when it is
installed; the NumPy path is used when numba is missing (for example on
Pyodide / xlwings Lite) or when the environment variable
``XLSPM_DISABLE_NUMBA=1`` is set before xlspm is imported.

Code outside this module never asks which backend is active: it calls
``kernel("family.function")(...)`` and gets the numba kernel (run under
:data:`~xlspm.kernels.jit.KERNEL_LOCK`) or its NumPy twin, which takes the
same arguments and fills the same ``out`` arrays. Families without a NumPy
twin (crediting, aggregation) run their loops as plain Python there.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator

from ..errors import BackendError
from . import (
    aggregate,
    crediting,
    numerics,
    numerics_numpy,
    reconcile,
    reconcile_numpy,
    tiers,
    tiers_numpy,
)
from .jit import KERNEL_LOCK, NUMBA_AVAILABLE, NUMBA_DISABLED_BY_ENV, thread_count

__all__ = [
    "FAMILIES",
    "available_backends",
    "get_backend",
    "kernel",
    "parallel_parts",
    "set_backend",
    "use_backend",
]

FAMILIES = {  # family: (numba kernels, NumPy twins or None for plain-Python loops)
    "aggregate": (aggregate, None),
    "crediting": (crediting, None),
    "numerics": (numerics, numerics_numpy),
    "reconcile": (reconcile, reconcile_numpy),
    "tiers": (tiers, tiers_numpy),
}

_BACKENDS = ("numba", "numpy")
_DEFAULT = "numba" if NUMBA_AVAILABLE and not NUMBA_DISABLED_BY_ENV else "numpy"
_current: contextvars.ContextVar[str] = contextvars.ContextVar(
    "xlspm_backend", default=_DEFAULT
)


def available_backends() -> tuple[str, ...]:
    """Return the backends usable in this process, fastest first.

    Returns
    -------
    tuple of str
        ``("numba", "numpy")`` normally; ``("numpy",)`` when numba is not
        installed or was disabled with ``XLSPM_DISABLE_NUMBA``.
    """
    if NUMBA_AVAILABLE and not NUMBA_DISABLED_BY_ENV:
        return _BACKENDS
    return ("numpy",)


def _checked(name: str) -> str:
    if name not in _BACKENDS:
        raise BackendError(
            f"backend: got {name!r}; it must be one of {', '.join(_BACKENDS)}."
        )
    if name not in available_backends():
        why = (
            "XLSPM_DISABLE_NUMBA is set"
            if NUMBA_AVAILABLE
            else "numba is not installed"
        )
        raise BackendError(
            f"backend: 'numba' was requested but {why}; install numba "
            "(pip install numba) and unset XLSPM_DISABLE_NUMBA, or use 'numpy'."
        )
    return name


def get_backend() -> str:
    """Return the active backend name, ``"numba"`` or ``"numpy"``.

    Returns
    -------
    str
        The backend the public functions will use in this context.
    """
    return _current.get()


def set_backend(name: str) -> None:
    """Make ``name`` the active backend for the current context.

    Parameters
    ----------
    name : {"numba", "numpy"}
        Backend to use from now on.

    Raises
    ------
    BackendError
        If the name is unknown or numba was requested but is unavailable.
    """
    _current.set(_checked(name))


@contextlib.contextmanager
def use_backend(name: str) -> Iterator[str]:
    """Use backend ``name`` inside a ``with`` block, then restore the previous one.

    Parameters
    ----------
    name : {"numba", "numpy"}
        Backend to use inside the block.

    Yields
    ------
    str
        The backend name.
    """
    token = _current.set(_checked(name))
    try:
        yield name
    finally:
        _current.reset(token)


def kernel(name: str) -> Callable:
    """Return the kernel ``name`` of the active backend, ready to call.

    Parameters
    ----------
    name : str
        ``"family.function"``, for example ``"tiers.tier_payout"``; the
        families are the keys of :data:`FAMILIES`.

    Returns
    -------
    callable
        numba backend: the compiled kernel, called under ``KERNEL_LOCK`` (two
        threads launching parallel kernels at once abort the process under
        numba's workqueue layer). NumPy backend: the twin of the same name in
        the family's ``*_numpy`` module, or the kernel's own loop as plain
        Python when the family has no twin. Either takes the same arguments.
    """
    return _resolve(name, _current.get())


@functools.cache
def _resolve(name: str, backend: str) -> Callable:
    family, _, func = name.partition(".")
    fast, twin = FAMILIES[family]
    fn = getattr(fast, func)
    if backend == "numba":
        return _locked(fn)
    if twin is not None:
        return getattr(twin, func)
    return getattr(fn, "py_func", fn)


def _locked(fn: Callable) -> Callable:
    def call(*args):
        with KERNEL_LOCK:
            return fn(*args)

    call.__name__ = getattr(fn, "__name__", "kernel")
    call.__doc__ = fn.__doc__
    call.__wrapped__ = fn
    return call


def parallel_parts() -> int:
    """Return how many parts a partitioned kernel should split its work into.

    Returns
    -------
    int
        numba's thread count on the numba backend; 1 on the NumPy backend,
        where the loops run as plain Python on one thread.
    """
    return thread_count() if _current.get() == "numba" else 1
