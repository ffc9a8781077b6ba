"""Validation helpers: each returns the converted value or raises InputError.

Messages name the argument, what was received, the rule and the fix.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..kernels.dispatch import kernel

__all__ = [
    "ArrayArg",
    "as_choice",
    "as_float_array",
    "as_int",
    "as_number",
    "as_param",
    "require_finite",
    "wrap_like",
]


@dataclass(frozen=True)
class ArrayArg:
    """A numeric argument flattened to a contiguous float64 vector.

    Attributes
    ----------
    values : numpy.ndarray
        1-D, C-contiguous float64 copy-or-view of the input.
    shape : tuple of int
        Shape of the original input (``()`` for a scalar).
    index : object or None
        The pandas index when the input was a Series, else None.
    name : object or None
        The Series name, if any.
    """

    values: np.ndarray
    shape: tuple
    index: object = None
    name: object = None


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def as_float_array(value, name: str) -> ArrayArg:
    """Convert a number, sequence, ndarray or Series to an :class:`ArrayArg`.

    Parameters
    ----------
    value : scalar or array-like
        Numbers only; NaN is allowed here (see :func:`require_finite`).
    name : str
        Argument name used in messages.

    Returns
    -------
    ArrayArg
        The flattened float64 values with the original shape.

    Raises
    ------
    InputError
        If a value is not a number (text, None, a date, ...).
    """
    index = getattr(value, "index", None) if hasattr(value, "to_numpy") else None
    series_name = getattr(value, "name", None) if index is not None else None
    raw = value.to_numpy() if hasattr(value, "to_numpy") else value
    if isinstance(raw, (str, bytes)):
        raise InputError(f"{name}: got text {_describe(raw)}; expected a number.")
    try:
        arr = np.asarray(raw)
    except ValueError as exc:  # ragged nested sequences
        raise InputError(
            f"{name}: got rows of different lengths; expected a number or a "
            "rectangular array of numbers."
        ) from exc
    if arr.dtype.kind not in "iuf":
        _reject_non_numbers(np.asarray(raw, dtype=object), name)
    return ArrayArg(
        np.ascontiguousarray(arr.astype(np.float64, copy=False).ravel()),
        arr.shape,
        index,
        series_name,
    )


def _reject_non_numbers(arr: np.ndarray, name: str) -> None:
    flat = arr.ravel()
    for pos, item in enumerate(flat.tolist()):
        if isinstance(item, bool) or not isinstance(item, numbers.Real):
            where = name if arr.ndim == 0 else f"{name}[{pos}]"
            raise InputError(
                f"{where}: got {_describe(item)} ({type(item).__name__}); expected "
                "a number. Convert text to numbers and fill blanks before calling."
            )


def _count_nonfinite(values: np.ndarray) -> int:
    if values.size < 10_000:  # below this a kernel call costs more than it saves
        return int(values.size - np.isfinite(values).sum())
    return int(kernel("numerics.count_nonfinite")(values))


def require_finite(values: np.ndarray, name: str) -> np.ndarray:
    """Reject NaN and infinite values, naming the first position.

    Parameters
    ----------
    values : numpy.ndarray
        Flattened values.
    name : str
        Argument name used in messages.

    Returns
    -------
    numpy.ndarray
        ``values`` unchanged.

    Raises
    ------
    InputError
        If any value is NaN (a blank) or infinite.
    """
    if _count_nonfinite(values) == 0:
        return values
    bad = ~np.isfinite(values)
    if bad.any():
        pos = int(np.argmax(bad))
        got, count = float(values[pos]), int(bad.sum())
        raise InputError(
            f"{name}[{pos}]: got {got!r} ({count} such value(s)); "
            "every value must be a finite number. A blank is not zero in comp: "
            "fill blanks with 0 or drop those rows explicitly."
        )
    return values


def as_choice(value, name: str, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``.

    Parameters
    ----------
    value : object
        The received value.
    name : str
        Argument name used in messages.
    choices : tuple of str
        Accepted values.

    Returns
    -------
    str
        The value.

    Raises
    ------
    InputError
        If the value is not one of the choices.
    """
    if isinstance(value, str) and value in choices:
        return value
    raise InputError(
        f"{name}: got {_describe(value)}; expected one of "
        + ", ".join(repr(c) for c in choices)
        + "."
    )


def as_int(value, name: str, low: int, high: int) -> int:
    """Return ``value`` as an int in ``[low, high]`` (integral floats accepted).

    Parameters
    ----------
    value : int or float
        The received value (Excel passes whole numbers as floats).
    name : str
        Argument name used in messages.
    low, high : int
        Inclusive bounds.

    Returns
    -------
    int
        The integer value.

    Raises
    ------
    InputError
        If the value is not a whole number or is out of range.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and float(value).is_integer() and low <= value <= high:
        return int(value)
    raise InputError(
        f"{name}: got {_describe(value)}; expected a whole number from {low} to {high}."
    )


def as_number(value, name: str, *, low: float | None = None) -> float:
    """Return ``value`` as a float: a real number, not NaN, at least ``low``.

    Parameters
    ----------
    value : int or float
        The received value (booleans and text are not numbers).
    name : str
        Argument name used in messages.
    low : float, optional
        Inclusive lower bound.

    Returns
    -------
    float
        The value.

    Raises
    ------
    InputError
        If the value is not a number, is NaN or is below ``low``.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    out = float(value) if ok else float("nan")
    if out == out and (low is None or out >= low):
        return out
    rule = "a number" if low is None else f"a number >= {low:g}"
    raise InputError(f"{name}: got {_describe(value)}; expected {rule}.")


def as_param(value, name: str, size: int) -> tuple[np.ndarray, int]:
    """Convert a per-element parameter: one number, or one value per element.

    Parameters
    ----------
    value : scalar or array-like
        The parameter.
    name : str
        Argument name used in messages.
    size : int
        Number of elements of ``x``.

    Returns
    -------
    tuple of (numpy.ndarray, int)
        The values and the step to index them with (0 for a single number).

    Raises
    ------
    InputError
        If a value is not finite or the size does not match ``x``.
    """
    arr = as_float_array(value, name).values
    require_finite(arr, name)
    if arr.size == 1:
        return arr, 0
    if arr.size != size:
        raise InputError(
            f"{name}: got {arr.size} values but x has {size}; pass one number "
            "or exactly one value per element of x."
        )
    return arr, 1


def wrap_like(out: np.ndarray, like: ArrayArg):
    """Give ``out`` the shape and type of the original input.

    Parameters
    ----------
    out : numpy.ndarray
        Flat result.
    like : ArrayArg
        The converted input it corresponds to.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        A Python scalar for scalar input, a Series for Series input, else an
        array of the input's shape.
    """
    if like.shape == ():
        return out[0].item()
    if like.index is not None:
        import pandas as pd

        return pd.Series(out, index=like.index, name=like.name)
    return out.reshape(like.shape)
