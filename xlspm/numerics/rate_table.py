"""Rate tables: validated once, prepared once per precision, cached.

A rate table is two equal-length vectors: ``floors`` (inclusive lower bounds,
strictly increasing) and ``rates``; ``rates[i]`` applies from ``floors[i]``
up to (not including) ``floors[i + 1]``. :class:`RateTable` checks them and
computes what the tier kernels need: the comparison thresholds of the
precision and the cumulative marginal payout below each tier.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, TierTableError
from ..kernels.numerics_numpy import from_sig, sig15, snap15_one
from .checks import as_choice, as_float_array
from .rounding import PRECISIONS

__all__ = ["RateTable", "threshold"]


def _table_vector(values, name: str) -> np.ndarray:
    try:
        arr = as_float_array(values, name)
    except InputError as exc:
        raise TierTableError(str(exc)) from None
    if len(arr.shape) > 1:
        raise TierTableError(
            f"{name}: got an array of shape {arr.shape}; expected one column of "
            "numbers. Pass floors and rates as separate 1-D sequences."
        )
    vec = arr.values
    bad = ~np.isfinite(vec)
    if bad.any():
        pos = int(np.argmax(bad))
        raise TierTableError(
            f"{name}[{pos}]: got {float(vec[pos])!r}; every {name[:-1]} must be a "
            "finite number. Fill the blank cell or delete the row."
        )
    return vec


def _check_increasing(floors: np.ndarray, seen: np.ndarray, how: str) -> None:
    steps = np.diff(seen)
    bad = steps <= 0
    if bad.any():
        i = int(np.argmax(bad)) + 1
        kind = "duplicates" if steps[i - 1] == 0 else "is below"
        raise TierTableError(
            f"floors[{i}] = {float(floors[i])!r} {kind} floors[{i - 1}] = "
            f"{float(floors[i - 1])!r}{how}; floors must be strictly increasing. Sort "
            "the table by floor and remove duplicate rows."
        )


def _excel_thresholds(seen: np.ndarray) -> np.ndarray:
    """Smallest doubles whose 15-digit values reach the (snapped) floors ``seen``.

    Starts at the decimal midpoint below each floor (where Excel's rounding
    flips) and steps by single ulps until the boundary is exact.
    """
    thr = seen.copy()
    nz = seen != 0.0  # the threshold of 0 is 0
    f = seen[nz]
    m, e = sig15(f)
    power = m == 1e14  # below 10**k the 15-digit grid is ten times finer
    y = from_sig(np.where(power, 1e15 - 0.5, m - 0.5), np.where(power, e - 1, e))
    while (low := snap15_one(y) < f).any():
        y[low] = np.nextafter(y[low], np.inf)
    while True:
        prev = np.nextafter(y, -np.inf)
        high = snap15_one(prev) >= f
        if not high.any():
            break
        y[high] = prev[high]
    thr[nz] = y
    return thr


@dataclass(frozen=True)
class RateTable:
    """A validated rate table, prepared for one precision.

    Attributes
    ----------
    floors, rates : numpy.ndarray
        The table as given (read-only float64 vectors).
    precision : {"excel", "ieee"}
        Comparison rule the thresholds were prepared for.
    thresholds : numpy.ndarray
        ``x >= thresholds[i]`` is exactly "x reaches tier i" under
        ``precision`` (for ``excel``: the 15-digit value reaches the floor).
    cumulative : numpy.ndarray
        Marginal payout of all complete bands below each tier.
    """

    floors: np.ndarray
    rates: np.ndarray
    precision: str
    thresholds: np.ndarray
    cumulative: np.ndarray

    @classmethod
    def build(cls, floors, rates, precision: str = "excel") -> RateTable:
        """Validate ``floors``/``rates`` and prepare them.

        Parameters
        ----------
        floors, rates : array-like
            Inclusive lower bounds (strictly increasing) and their rates.
        precision : {"excel", "ieee"}, default "excel"
            Comparison rule.

        Returns
        -------
        RateTable
            The prepared table.

        Raises
        ------
        TierTableError
            Empty, mismatched, non-finite, unsorted or duplicate floors.
        """
        precision = as_choice(precision, "precision", PRECISIONS)
        f = _table_vector(floors, "floors")
        r = _table_vector(rates, "rates")
        if f.size == 0:
            raise TierTableError(
                "floors: the rate table is empty; give at least one tier "
                "(a floor and its rate)."
            )
        if f.size != r.size:
            raise TierTableError(
                f"floors has {f.size} values but rates has {r.size}; each floor "
                "needs exactly one rate (rates[i] applies from floors[i] up to "
                "floors[i+1])."
            )
        return _prepared(f.tobytes(), r.tobytes(), precision)


@functools.lru_cache(maxsize=512)
def _prepared(floor_bytes: bytes, rate_bytes: bytes, precision: str) -> RateTable:
    """Check order and compute thresholds once per distinct table."""
    f = np.frombuffer(floor_bytes, dtype=np.float64).copy()
    r = np.frombuffer(rate_bytes, dtype=np.float64).copy()
    _check_increasing(f, f, "")
    thr = f.copy()
    if precision == "excel":
        seen = snap15_one(f)
        _check_increasing(f, seen, " at 15 significant digits (as Excel compares)")
        thr = _excel_thresholds(seen)
    cum = np.zeros(f.size)
    for i in range(1, f.size):
        cum[i] = cum[i - 1] + r[i - 1] * (f[i] - f[i - 1])
    for arr in (f, r, thr, cum):
        arr.setflags(write=False)
    return RateTable(f, r, precision, thr, cum)


def threshold(value: float, precision: str) -> float:
    """Return the smallest ``x`` that reaches ``value`` under ``precision``.

    ``x >= threshold(value, precision)`` is exactly "``x`` is not below
    ``value``" as the tier lookup compares (a one-floor table): Excel's
    15-digit comparison, or plain doubles for ``ieee``. No checks: ``value``
    is finite and ``precision`` one of ``PRECISIONS``.

    Parameters
    ----------
    value : float
        The bound, for example a component's gate.
    precision : {"excel", "ieee"}
        Comparison rule.

    Returns
    -------
    float
        The threshold.
    """
    one = np.array([float(value)]).tobytes()
    return float(_prepared(one, np.zeros(1).tobytes(), precision).thresholds[0])
