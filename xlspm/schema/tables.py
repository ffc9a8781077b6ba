"""Table helpers shared by the plan inputs: columns, dates, numbers, key codes.

Every problem is a :class:`~xlspm.schema.problems.Problem` naming the table,
the row labels (the DataFrame index: a workbook reader sets it to the sheet
row) and the column, what was found and what was expected.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from .problems import MAX_LISTED, Problems, rows_text, shown
from .values import column_name, norm_key, parse_dates, parse_numbers

__all__ = [
    "OPEN_END",
    "OPEN_START",
    "Problems",  # defined in .problems; here for the engine's imports
    "column",
    "normalize",
    "rows_text",
    "span",
]

OPEN_START = np.int64(-(2**62))  # a blank start date: since forever
OPEN_END = np.int64(2**62)  # a blank end date: open-ended


def normalize(frame, table: str) -> pd.DataFrame:
    """Return a copy with columns lower-cased, trimmed, spaces as underscores.

    Raises
    ------
    InputError
        If ``frame`` is not a DataFrame or two columns collide.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"{table}: got {type(frame).__name__}; expected a pandas DataFrame."
        )
    names = [column_name(c) for c in frame.columns]
    seen = {}
    for original, name in zip(frame.columns, names, strict=True):
        if name in seen:
            raise InputError(
                f"{table}: columns {seen[name]!r} and {original!r} are the same "
                "name ignoring case and spaces; rename one."
            )
        seen[name] = original
    out = frame.copy(deep=False)
    out.columns = names
    return out


def require_columns(frame: pd.DataFrame, table: str, columns, problems) -> bool:
    """Record an error for each missing column; return True when all exist."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        problems.error(
            table,
            f"missing column(s) {', '.join(missing)}; found "
            f"{', '.join(frame.columns) or 'none'}.",
        )
    return not missing


DATE_EXPECTED = "a date (an Excel date or ISO text such as 2026-03-31)"


def _report_bad(series, bad, table: str, column: str, expected: str, problems):
    """Record one error naming the bad cells of a column and what they hold."""
    if not bad.any():
        return
    idx = np.flatnonzero(bad)
    problems.error(
        table,
        column=column,
        rows=series.index[idx],
        found=tuple(shown(series.iloc[i]) for i in idx[:MAX_LISTED]),
        expected=expected,
    )


def column(frame: pd.DataFrame, name: str, default=None) -> pd.Series:
    """Return ``frame[name]``, or a column of ``default`` when it is absent."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index, dtype=object)


def span(frame: pd.DataFrame, table: str, first: str, last: str, problems):
    """Parse an optional validity span; blank or absent dates are open-ended."""
    start = dates(column(frame, first), table, first, problems, fill=OPEN_START)[0]
    end = dates(column(frame, last), table, last, problems, fill=OPEN_END)[0]
    return start, end


def dates(series: pd.Series, table: str, column: str, problems, *, fill=None):
    """Parse a column of dates (:func:`~xlspm.schema.values.parse_dates`).

    Blank cells get ``fill`` (an int) or, when ``fill`` is None, are reported.
    Unparsable cells are always reported. Returns ``(days, bad_mask)``.
    """
    parsed = parse_dates(series)
    days, bad = parsed.values, parsed.bad
    if fill is not None:
        days = np.where(parsed.blank, np.int64(fill), days)
    else:
        bad = bad | parsed.blank
    _report_bad(series, bad, table, column, DATE_EXPECTED, problems)
    return days, bad


def numbers(series: pd.Series, table: str, column: str, problems, *, required=True):
    """Parse a numeric column; report text, infinities and (when required) blanks."""
    parsed = parse_numbers(series)
    values = parsed.values
    bad = parsed.bad | np.isinf(values)
    if required:
        bad |= parsed.blank
    _report_bad(series, bad, table, column, "a number", problems)
    return values, bad


def _dense_codes(values: np.ndarray, labels: bool = True):
    """Codes for integer-valued numbers without hashing (None if not suitable).

    ``labels=False`` skips building the text of each code (returns a count).
    """
    if values.dtype.kind not in "iuf" or values.size == 0:
        return None
    finite = np.isfinite(values) if values.dtype.kind == "f" else None
    ok = values if finite is None else values[finite]
    if ok.size == 0:
        return None
    lo, hi = ok.min(), ok.max()
    if hi - lo > max(4 * values.size, 1 << 16) or (
        values.dtype.kind == "f" and not np.all(ok == np.round(ok))
    ):
        return None
    lo = int(lo)
    raw = (values if finite is None else np.where(finite, values, lo)).astype(
        np.int64
    ) - lo
    present = np.zeros(int(hi) - lo + 1, dtype=bool)
    present[raw if finite is None else raw[finite]] = True
    remap = np.cumsum(present) - 1
    codes = remap[raw]
    if finite is not None:
        codes[~finite] = -1
    if not labels:
        return codes, int(remap[-1]) + 1
    texts = [str(v + lo) for v in np.flatnonzero(present)]
    return codes, texts


def key_codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer-code a column of ids/attributes by normalised value.

    Integer-valued numbers are coded directly from their range (no hashing);
    other columns are factorised, then uniques that normalise to the same
    text (``101`` and ``"101"``) are merged. Blank cells get code -1.

    Returns
    -------
    tuple of (numpy.ndarray, list of str)
        Codes and the normalised text of each code.
    """
    dense = _dense_codes(series.to_numpy())
    if dense is not None:
        return dense
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts: list[str] = []
    first: dict[str, int] = {}
    remap = np.empty(len(uniques) + 1, dtype=np.int64)
    remap[-1] = -1
    for i, value in enumerate(uniques):
        key = norm_key(value)
        if key == "":
            remap[i] = -1
            continue
        if key not in first:
            first[key] = len(texts)
            texts.append(key)
        remap[i] = first[key]
    return remap[codes], texts
