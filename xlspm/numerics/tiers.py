"""The tier engine: rate tables, tier lookup and tiered payouts.

A rate table is two equal-length vectors: ``floors`` (inclusive lower bounds,
strictly increasing) and ``rates``; ``rates[i]`` applies from ``floors[i]``
up to (not including) ``floors[i + 1]``, the last tier is open-ended. This
is VLOOKUP's approximate-match table: ``VLOOKUP(x, table, 2, TRUE)``.

Modes (a worked example of each is in the user guide, The engine in Python):

``retroactive``
    ``(base if given else x * scale) * rate(x)``: the whole amount is paid at
    the rate of the tier reached.
``marginal``
    ``scale * sum_i rates[i] * clip(x - floors[i], 0, floors[i+1] - floors[i])``:
    each band pays its own rate, like tax brackets.
``flat``
    ``scale * rate(x)``: the rate of the tier reached is an amount.
``linear``
    ``scale * (r_i + (x - f_i) * (r_{i+1} - r_i) / (f_{i+1} - f_i))``:
    straight lines between the (floor, rate) points, flat after the last.

Below the first floor (spreadsheets show #N/A) the tier index is -1 and the
payout and rate are 0; ``below="error"`` raises instead. A negative ``x``
(returns exceed sales) is just a value: below a table that starts at 0 it
pays 0; give the table a negative first floor to pay (claw back) on it.
Gate, cap and rounding are applied in that order after the mode's payout.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, TierTableError
from ..kernels import numerics_numpy as _num_np
from ..kernels import tiers as _nb
from ..kernels import tiers_numpy as _np
from ..kernels.dispatch import get_backend
from ..kernels.jit import KERNEL_LOCK
from .checks import (
    as_choice,
    as_float_array,
    as_int,
    as_param,
    require_finite,
    wrap_like,
)
from .rounding import PRECISIONS

__all__ = ["BELOW", "MODES", "RateTable", "tier_index", "tier_rate", "tiered_payout"]

MODES = ("retroactive", "marginal", "flat", "linear")
BELOW = ("zero", "error")
_MODE_CODES = {"retroactive": _nb.RETROACTIVE, "marginal": _nb.MARGINAL}
_MODE_CODES.update(flat=_nb.FLAT, linear=_nb.LINEAR)


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
    m, e = _num_np.sig15(f)
    power = m == 1e14  # below 10**k the 15-digit grid is ten times finer
    y = _num_np.from_sig(
        np.where(power, 1e15 - 0.5, m - 0.5), np.where(power, e - 1, e)
    )
    while (low := _num_np.snap15(y) < f).any():
        y[low] = np.nextafter(y[low], np.inf)
    while True:
        prev = np.nextafter(y, -np.inf)
        high = _num_np.snap15(prev) >= f
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
        seen = _num_np.snap15(f)
        _check_increasing(f, seen, " at 15 significant digits (as Excel compares)")
        thr = _excel_thresholds(seen)
    cum = np.zeros(f.size)
    for i in range(1, f.size):
        cum[i] = cum[i - 1] + r[i - 1] * (f[i] - f[i - 1])
    for arr in (f, r, thr, cum):
        arr.setflags(write=False)
    return RateTable(f, r, precision, thr, cum)


def _x_values(x):
    arg = as_float_array(x, "x")
    require_finite(arg.values, "x")
    return arg


def _index(values: np.ndarray, table: RateTable) -> np.ndarray:
    if get_backend() == "numba":
        out = np.empty(values.size, dtype=np.int64)
        with KERNEL_LOCK:
            _nb.tier_index(values, table.thresholds, out)
        return out
    return _np.tier_index(values, table.thresholds)


def _raise_below(values: np.ndarray, table: RateTable) -> None:
    below = _index(values, table) < 0
    pos, count = int(np.argmax(below)), int(below.sum())
    raise InputError(
        f"x[{pos}] = {float(values[pos])!r} is below the first floor "
        f"{float(table.floors[0])!r} of the rate table ({count} value(s) are); a "
        "spreadsheet VLOOKUP shows #N/A here. Add a lower tier to the table, or "
        "pass below='zero' to pay 0 below it."
    )


def tier_index(x, floors, *, precision="excel"):
    """Return the tier each ``x`` falls in (0-based; -1 below the first floor).

    Parameters
    ----------
    x : float or array-like
        Finite values (attainment, credited amount, ...).
    floors : array-like
        Inclusive lower bounds, strictly increasing.
    precision : {"excel", "ieee"}, default "excel"
        ``excel`` compares at 15 significant digits, like VLOOKUP/MATCH.

    Returns
    -------
    int or numpy.ndarray of int64
        Tier indices, shaped like ``x``.

    Examples
    --------
    >>> tier_index([0.5, 119791.96 / 149739.95, 1.2], [0, 0.8, 1.0])
    array([0, 1, 2])
    """
    f = _table_vector(floors, "floors")
    table = RateTable.build(f, np.zeros(f.size), precision)
    arg = _x_values(x)
    out = _index(arg.values, table)
    return int(out[0]) if arg.shape == () else out.reshape(arg.shape)


def tier_rate(x, floors, rates, *, precision="excel", below="zero"):
    """Return the rate of the tier each ``x`` falls in: ``VLOOKUP(x, table, 2, TRUE)``.

    Parameters
    ----------
    x : float or array-like
        Finite values.
    floors, rates : array-like
        The rate table.
    precision : {"excel", "ieee"}, default "excel"
        Comparison rule.
    below : {"zero", "error"}, default "zero"
        Below the first floor: rate 0, or raise ``InputError``.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Rates shaped like ``x``.
    """
    below = as_choice(below, "below", BELOW)
    table = RateTable.build(floors, rates, precision)
    arg = _x_values(x)
    idx = _index(arg.values, table)
    if below == "error" and (idx < 0).any():
        _raise_below(arg.values, table)
    out = np.where(idx < 0, 0.0, table.rates[np.maximum(idx, 0)])
    return wrap_like(out, arg)


def tiered_payout(
    x,
    floors,
    rates,
    *,
    mode="retroactive",
    scale=1.0,
    base=None,
    cap=None,
    gate=None,
    precision="excel",
    round_to=None,
    below="zero",
):
    """Pay ``x`` through a rate table, vectorised.

    Parameters
    ----------
    x : float or array-like
        Finite values that select the tier (attainment or an amount).
    floors, rates : array-like
        The rate table: inclusive lower bounds (strictly increasing) and rates.
    mode : {"retroactive", "marginal", "flat", "linear"}, default "retroactive"
        How the table pays; see the module documentation.
    scale : float or array-like, default 1.0
        Multiplier (for example the quota or target incentive), one number or
        one per ``x``.
    base : float or array-like, optional
        ``retroactive`` only: the amount the rate is applied to instead of
        ``x * scale`` (for example revenue when ``x`` is attainment).
    cap : float or array-like, optional
        Payouts never exceed it.
    gate : float or array-like, optional
        ``x`` below the gate pays 0 (compared under ``precision``).
    precision : {"excel", "ieee"}, default "excel"
        ``excel``: tiers and gates compare at 15 significant digits and
        ``round_to`` uses Excel's ROUND. ``ieee``: plain doubles.
    round_to : int, optional
        Round each payout to this many decimals (2 for cents) after gate and
        cap; None leaves payouts unrounded.
    below : {"zero", "error"}, default "zero"
        Below the first floor: pay 0, or raise ``InputError``.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Payouts shaped like ``x``.

    Raises
    ------
    TierTableError
        If the table is malformed.
    InputError
        For non-finite ``x``/parameters, size mismatches, ``base`` outside
        retroactive mode, ``base`` together with ``scale``, or (with
        ``below="error"``) values below the first floor.

    Examples
    --------
    >>> floors, rates = [0.0, 0.8, 1.0], [0.0, 0.5, 1.0]
    >>> tiered_payout(0.9, floors, rates, mode="marginal", scale=1000, round_to=2)
    50.0
    """
    mode = as_choice(mode, "mode", MODES)
    below = as_choice(below, "below", BELOW)
    table = RateTable.build(floors, rates, precision)
    arg = _x_values(x)
    n = arg.values.size
    if base is not None and mode != "retroactive":
        raise InputError(
            f"base: only the 'retroactive' mode pays a base amount; mode is {mode!r}. "
            "Use scale to multiply the table's value instead."
        )
    if base is not None and not (np.ndim(scale) == 0 and scale == 1.0):
        raise InputError(
            "base and scale were both given; retroactive pays base * rate when "
            "base is given and x * scale * rate otherwise. Pass one of them."
        )
    digits = None if round_to is None else as_int(round_to, "round_to", -15, 15)
    params = {
        key: (None, 0) if val is None else as_param(val, key, n)
        for key, val in (("scale", scale), ("base", base), ("gate", gate), ("cap", cap))
    }
    pay, n_below = _payout(arg.values, table, mode, params, digits)
    if below == "error" and n_below:
        _raise_below(arg.values, table)
    return wrap_like(pay, arg)


def _payout(values, table: RateTable, mode: str, params: dict, digits):
    code = _MODE_CODES[mode]
    excel = table.precision == "excel"
    if get_backend() == "numpy":
        arrays = {k: v[0] for k, v in params.items()}
        return _np.tier_payout(
            values,
            table.thresholds,
            table.floors,
            table.rates,
            table.cumulative,
            code,
            arrays["scale"],
            arrays["base"],
            arrays["gate"],
            arrays["cap"],
            excel,
            digits,
        )
    flags = 8 * (digits is not None) + 16 * excel
    args = []
    for bit, key in ((0, "scale"), (1, "base"), (2, "gate"), (4, "cap")):
        arr, step = params[key]
        flags += bit * (arr is not None)
        args += [np.zeros(1) if arr is None else arr, step]
    out = np.empty_like(values)
    with KERNEL_LOCK:
        n_below = _nb.tier_payout(
            values,
            table.thresholds,
            table.floors,
            table.rates,
            table.cumulative,
            code,
            *args,
            flags,
            0 if digits is None else digits,
            out,
        )
    return out, int(n_below)
