"""The one compile policy of xlspm.

* ``njit(cache=True)``, no ``fastmath``: reordered sums change cents.
* Element-wise kernels may ask for ``parallel=True`` and loop with
  :data:`prange`; each element is computed independently, so threads never
  change a result. The threading layer defaults to a fork-safe one (set
  ``NUMBA_THREADING_LAYER`` to override), and calls run under
  :data:`KERNEL_LOCK` because the ``workqueue`` layer aborts the process when
  two Python threads launch parallel kernels at once (a web server or a Dask
  worker would).
* When numba is not installed (xlwings Lite runs on Pyodide, which has no
  numba) or ``XLSPM_DISABLE_NUMBA`` is set to a true value, the decorator
  returns the plain Python function and the public API uses the pure-NumPy
  kernels instead.
"""

from __future__ import annotations

import os
import threading

try:  # pragma: no cover - depends on the installation
    import numba as _numba
except ImportError:  # pragma: no cover - exercised on Pyodide
    _numba = None

__all__ = [
    "KERNEL_LOCK",
    "NUMBA_AVAILABLE",
    "NUMBA_DISABLED_BY_ENV",
    "njit",
    "prange",
    "thread_count",
]

_FALSE_WORDS = {"", "0", "false", "no", "off"}

NUMBA_AVAILABLE = _numba is not None
NUMBA_DISABLED_BY_ENV = (
    os.environ.get("XLSPM_DISABLE_NUMBA", "").strip().lower() not in _FALSE_WORDS
)
_ENABLED = NUMBA_AVAILABLE and not NUMBA_DISABLED_BY_ENV

KERNEL_LOCK = threading.RLock()  # re-entrant: a kernel call may nest another
prange = _numba.prange if _ENABLED else range

if _ENABLED and not os.environ.get("NUMBA_THREADING_LAYER"):
    # GNU OpenMP, numba's usual pick on Linux, hangs a forked child (Dask,
    # gunicorn, multiprocessing); "forksafe" picks TBB or the workqueue.
    _numba.config.THREADING_LAYER = "forksafe"


def thread_count() -> int:
    """Threads numba's parallel kernels use (1 without numba)."""
    return _numba.get_num_threads() if _ENABLED else 1


def njit(func=None, *, parallel: bool = False, inline: bool = False):
    """Compile with the project's numba policy, or return the function as is.

    Use as ``@njit``, ``@njit(parallel=True)`` or ``@njit(inline=True)``.

    Parameters
    ----------
    func : callable, optional
        A kernel written in the numba-compatible subset of Python.
    parallel : bool, default False
        Let ``prange`` loops run on all cores (element-wise kernels only).
    inline : bool, default False
        Inline into every caller (small per-element helpers on hot loops:
        numba's calling convention costs several ns per call).

    Returns
    -------
    callable
        The numba dispatcher (compiled lazily, cached on disk), or ``func``
        itself when numba is unavailable or disabled.
    """
    if func is None:
        return lambda f: njit(f, parallel=parallel, inline=inline)
    if not _ENABLED:
        return func
    return _numba.njit(
        cache=True,
        fastmath=False,
        nogil=True,
        parallel=parallel,
        inline="always" if inline else "never",
    )(func)
