"""The one compile policy of xlspm.

* ``njit(cache=True)``, no ``fastmath``: reordered sums change cents.
* When numba is not installed (xlwings Lite runs on Pyodide, which has no
  numba) or ``XLSPM_DISABLE_NUMBA`` is set to a true value, the decorator
  returns the plain Python function and the public API uses the pure-NumPy
  kernels instead.
"""

from __future__ import annotations

import os

try:  # pragma: no cover - depends on the installation
    import numba as _numba
except ImportError:  # pragma: no cover - exercised on Pyodide
    _numba = None

__all__ = ["NUMBA_AVAILABLE", "NUMBA_DISABLED_BY_ENV", "njit"]

_FALSE_WORDS = {"", "0", "false", "no", "off"}

NUMBA_AVAILABLE = _numba is not None
NUMBA_DISABLED_BY_ENV = (
    os.environ.get("XLSPM_DISABLE_NUMBA", "").strip().lower() not in _FALSE_WORDS
)


def njit(func):
    """Compile ``func`` with the project's numba policy, or return it as is.

    Parameters
    ----------
    func : callable
        A kernel written in the numba-compatible subset of Python.

    Returns
    -------
    callable
        The numba dispatcher (compiled lazily, cached on disk) or ``func``
        itself when numba is unavailable or disabled.
    """
    if _numba is None or NUMBA_DISABLED_BY_ENV:
        return func
    return _numba.njit(cache=True, fastmath=False, nogil=True)(func)
