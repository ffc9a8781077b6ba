"""Excel-exact numerics: ROUND, the 15-digit value, and IEEE rounding.

Excel keeps IEEE doubles but shows, compares and rounds them through their
15-significant-digit decimal form. xlspm copies that:

``precision="excel"`` (the default everywhere)
    Rounding is Excel's ROUND: the value is first taken to 15 significant
    digits, then rounded half away from zero. Comparisons against tier floors
    and gates are made on the 15-digit values, as VLOOKUP/MATCH do.
``precision="ieee"``
    Plain doubles: comparisons are exact IEEE comparisons and rounding is
    half away from zero on the exact binary value, so ``2.675`` (stored as
    2.67499999999999982...) rounds to 2.67.

Examples
--------
>>> from xlspm import excel_round
>>> from xlspm.numerics.rounding import snap15
>>> excel_round(2.675, 2), excel_round(3365.6649999999995, 2), excel_round(-2.5)
(2.68, 3365.67, -3.0)
>>> snap15(119791.96 / 149739.95)
0.8
"""

from __future__ import annotations

import numpy as np

from ..kernels.dispatch import kernel
from .checks import as_choice, as_float_array, as_int, wrap_like

__all__ = [
    "PRECISIONS",
    "excel_round",
    "ieee_round",
    "round_half_away",
    "rounded",
    "snap15",
    "to_cents",
]

PRECISIONS = ("excel", "ieee")
DIGITS_RANGE = (-300, 300)


def _apply(name: str, values: np.ndarray, *args) -> np.ndarray:
    out = np.empty_like(values)
    kernel(name)(values, *args, out)
    return out


def snap15(x):
    """Return ``x`` as Excel sees it: rounded to 15 significant digits.

    Parameters
    ----------
    x : float or array-like
        Values; NaN and infinities pass through unchanged, as do magnitudes
        outside ``[1e-280, 1e290]`` (far beyond any money or attainment).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same shape and type as ``x``. The result equals
        ``float(f"{x:.15g}")`` but is computed without string formatting.

    Examples
    --------
    >>> snap15(0.1 + 0.2)
    0.3
    """
    arg = as_float_array(x, "x")
    return wrap_like(_apply("numerics.snap15", arg.values), arg)


def excel_round(x, digits=0):
    """Excel's ``ROUND(x, digits)``, element-wise and exact.

    The value is taken to 15 significant digits (what Excel shows), then
    rounded half away from zero at ``digits`` decimals (negative ``digits``
    round to tens, hundreds, ...).

    Parameters
    ----------
    x : float or array-like
        Values to round; NaN and infinities pass through.
    digits : int, default 0
        Decimal places, from -300 to 300. Whole-number floats (as Excel
        passes them) are accepted.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same shape and type as ``x``; the double nearest to the decimal result.

    Raises
    ------
    InputError
        If ``x`` holds non-numbers or ``digits`` is not a whole number.

    Examples
    --------
    >>> excel_round(2.675, 2)  # Python's round gives 2.67
    2.68
    >>> excel_round(-2.5)
    -3.0
    """
    arg = as_float_array(x, "x")
    d = as_int(digits, "digits", *DIGITS_RANGE)
    return wrap_like(_apply("numerics.round_excel", arg.values, d), arg)


def ieee_round(x, digits=0):
    """Round half away from zero on the exact binary value (no 15-digit step).

    Parameters
    ----------
    x : float or array-like
        Values to round; NaN and infinities pass through.
    digits : int, default 0
        Decimal places, from -300 to 300.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same shape and type as ``x``.

    Examples
    --------
    >>> ieee_round(2.675, 2)  # 2.675 is stored as 2.67499999999999982...
    2.67
    """
    arg = as_float_array(x, "x")
    d = as_int(digits, "digits", *DIGITS_RANGE)
    return wrap_like(_apply("numerics.round_ieee", arg.values, d), arg)


def round_half_away(x, digits=0, *, precision="excel"):
    """Round with the rule of ``precision``: :func:`excel_round` or :func:`ieee_round`.

    Parameters
    ----------
    x : float or array-like
        Values to round.
    digits : int, default 0
        Decimal places.
    precision : {"excel", "ieee"}, default "excel"
        Which rounding rule to apply.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Same shape and type as ``x``.
    """
    if as_choice(precision, "precision", PRECISIONS) == "excel":
        return excel_round(x, digits)
    return ieee_round(x, digits)


def rounded(values: np.ndarray, digits: int, precision: str) -> np.ndarray:
    """Round with the rule of ``precision``; the unchecked call for internal code.

    Parameters
    ----------
    values : numpy.ndarray
        C-contiguous float64 vector.
    digits : int
        Decimal places, within ``DIGITS_RANGE`` (not checked).
    precision : {"excel", "ieee"}
        Excel's ROUND, or half away from zero on the exact binary value.

    Returns
    -------
    numpy.ndarray
        The rounded values, a new array.
    """
    name = "numerics.round_excel" if precision == "excel" else "numerics.round_ieee"
    return _apply(name, values, digits)


CENTS_LIMIT = 9e13  # |x| above this has no exact cents in a double's 53 bits


def to_cents(x) -> np.ndarray:
    """Return money as exact integer cents: Excel ``ROUND(x, 2) * 100`` as int64.

    Comparing cents instead of floats keeps tolerance tests exact:
    ``3365.67 - 3365.66`` is ``0.010000000000218`` in floats but 1 cent here.

    Parameters
    ----------
    x : float or array-like
        Amounts in currency units; finite, ``|x| <= 9e13``.

    Returns
    -------
    numpy.ndarray of int64
        Cents, same shape as ``x``.

    Raises
    ------
    InputError
        If ``x`` holds non-numbers, NaN, infinities or amounts beyond ``9e13``.

    Examples
    --------
    >>> to_cents([3365.6649999999995, -2.675, 0.1 + 0.2]).tolist()
    [336567, -268, 30]
    """
    from ..errors import InputError

    values = np.ascontiguousarray(as_float_array(x, "x").values, dtype=np.float64)
    bad = ~(np.abs(values) <= CENTS_LIMIT)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise InputError(
            f"x: got {values.ravel()[i]!r} at position {i}; amounts must be finite "
            f"and at most {CENTS_LIMIT:g} in size to convert to cents."
        )
    out = np.empty(values.shape, dtype=np.int64)
    kernel("numerics.to_cents")(values.ravel(), out.ravel())
    return out
