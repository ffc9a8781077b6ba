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

import numpy as np

from ..errors import InputError
from .checks import (
    as_choice,
    as_float_array,
    as_int,
    as_param,
    require_finite,
    wrap_like,
)
from .rate_table import RateTable, _table_vector
from .tier_pay import MODES, TierOptions, lookup, pay_tiers

__all__ = ["BELOW", "MODES", "RateTable", "tier_index", "tier_rate", "tiered_payout"]

BELOW = ("zero", "error")


def _x_values(x):
    arg = as_float_array(x, "x")
    require_finite(arg.values, "x")
    return arg


def _raise_below(values: np.ndarray, table: RateTable) -> None:
    below = lookup(values, table)[0] < 0
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
    out = lookup(arg.values, table)[0]
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
    idx, rates = lookup(arg.values, table)
    if below == "error" and (idx < 0).any():
        _raise_below(arg.values, table)
    return wrap_like(rates, arg)


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
    terms = {
        key: None if val is None else as_param(val, key, n)[0]
        for key, val in (("scale", scale), ("base", base), ("gate", gate), ("cap", cap))
    }
    options = TierOptions(mode=mode, round_to=digits, **terms)
    paid = pay_tiers(arg.values, table, options)
    if below == "error" and paid.below:
        _raise_below(arg.values, table)
    return wrap_like(paid.payout, arg)
