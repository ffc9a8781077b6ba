"""Choose the compute backend: numba kernels or the pure-NumPy path.

Both backends give identical results (the test-suite compares each against
the naive loops in ``tests/naive.py``). numba is the default when it is
installed; the NumPy path is used when numba is missing (for example on
Pyodide / xlwings Lite) or when the environment variable
``XLSPM_DISABLE_NUMBA=1`` is set before xlspm is imported.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from ..errors import BackendError
from .jit import NUMBA_AVAILABLE, NUMBA_DISABLED_BY_ENV

__all__ = ["available_backends", "get_backend", "set_backend", "use_backend"]

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
