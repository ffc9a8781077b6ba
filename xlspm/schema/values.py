"""Cell values as inputs hold them: names, keys, numbers and dates.

One definition of each, used by every reader (plan workbooks, legacy results
tables, Excel cells, CSV partitions) and by the plan-input checks:

* :func:`column_name` spells a header as the engine's column name
  (``"Start Date"`` -> ``start_date``); :func:`name_key` is the looser key
  that names are matched by (case, spaces, underscores and punctuation
  ignored: sheet ``Rate Tables`` is table ``rate_tables``);
* :func:`norm_key` / :func:`norm_keys` turn an id or attribute cell into
  text (``101.0`` -> ``101``, blanks -> ``""``);
* :func:`parse_number` / :func:`parse_numbers` read numbers from numbers or
  numeric text (what :func:`pandas.to_numeric` accepts; never booleans, never
  thousands separators: ``"1,5"`` is not 15);
* :func:`parse_dates` reads dates from date cells, date text (ISO such as
  ``2026-03-31``) and Excel serial numbers (46023 is 2026-01-01).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "EXCEL_ERRORS",
    "ParsedColumn",
    "blank_mask",
    "column_name",
    "infer_numbers",
    "name_key",
    "norm_key",
    "norm_keys",
    "parse_dates",
    "parse_number",
    "parse_numbers",
]

EXCEL_ERRORS = frozenset(
    [
        "#N/A",
        "#DIV/0!",
        "#REF!",
        "#VALUE!",
        "#NAME?",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
        "#CONNECT!",
        "#BUSY!",
    ]
)
EXCEL_EPOCH_SERIAL = 25569  # Excel's serial number of 1970-01-01 (1900 system)
MAX_SERIAL = 2958465  # 9999-12-31


def column_name(name) -> str:
    """Return a header as a column name: trimmed, lower-case, spaces as ``_``."""
    return str(name).strip().lower().replace(" ", "_")


def name_key(name) -> str:
    """Return the key names are matched by: lower-case letters and digits only."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def norm_key(value) -> str:
    """Normalise an id or attribute value: trimmed text, ``101.0`` as ``101``."""
    if value is None or (not isinstance(value, str) and _is_na(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value).strip()


def _is_na(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays, lists: not a missing scalar
        return False


def norm_keys(series) -> np.ndarray:
    """Vector form of :func:`norm_key` (object array of str)."""
    values = series.to_numpy() if hasattr(series, "to_numpy") else np.asarray(series)
    if values.dtype.kind in "mM":  # as Timestamps, as a cell would show them
        values = pd.Series(values).astype(object).to_numpy()
    if values.dtype.kind in "iu":
        return values.astype(str).astype(object)
    if values.dtype.kind == "f":
        out = values.astype(str).astype(object)
        whole = np.isfinite(values) & (values == np.round(values))
        whole &= np.abs(values) < 2.0**62  # exact as int64
        out[whole] = values[whole].astype(np.int64).astype(str)
        big = np.isfinite(values) & ~whole & (values == np.round(values))
        out[big] = [norm_key(v) for v in values[big]]
        out[np.isnan(values)] = ""
        return out
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        text = pd.Series(values, dtype=object).fillna("").astype(str).str.strip()
        return text.to_numpy(dtype=object)
    return np.array([norm_key(v) for v in values], dtype=object)


def blank_mask(series: pd.Series) -> np.ndarray:
    """Return a mask of blank cells: missing values or empty/space-only text."""
    mask = series.isna().to_numpy().copy()
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype(str).str.strip()
        mask |= (text == "").to_numpy()
    return mask


@dataclass(frozen=True)
class ParsedColumn:
    """A column read as numbers or dates.

    Attributes
    ----------
    values : numpy.ndarray
        float64 numbers (NaN where blank or bad) or int64 days since
        1970-01-01 (0 where blank or bad).
    blank : numpy.ndarray
        Mask of blank cells.
    bad : numpy.ndarray
        Mask of filled cells that are not a number (a date).
    """

    values: np.ndarray
    blank: np.ndarray
    bad: np.ndarray


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _mask(raw: np.ndarray, test, yes=(), no=()) -> np.ndarray:
    """Mask of ``test`` per value, skipping the loop when the type says."""
    kind = pd.api.types.infer_dtype(raw, skipna=True)
    if kind in yes or kind in no:
        return np.full(raw.size, kind in yes, dtype=bool)
    return np.fromiter((test(v) for v in raw), dtype=bool, count=raw.size)


def parse_number(value) -> float | None:
    """Return a cell's number (numbers and numeric text), else None.

    Booleans are not numbers; text is read as :func:`pandas.to_numeric` reads
    it (``" 12 "``, ``1e3``), with no thousands separators.
    """
    if _is_bool(value):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        out = pd.to_numeric(value.strip(), errors="coerce")
        return None if pd.isna(out) else float(out)
    return None


def parse_numbers(series: pd.Series) -> ParsedColumn:
    """Read a column as numbers (see :func:`parse_number`).

    Infinite values are numbers here; the plan checks reject them.
    """
    kind = series.dtype.kind
    if kind in "iuf":
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        blank = np.isnan(values)
        return ParsedColumn(values, blank, np.zeros(values.size, dtype=bool))
    blank = blank_mask(series)
    raw = series.to_numpy(dtype=object)
    flags = _mask(raw, _is_bool, yes=("boolean",), no=("string", "empty"))
    values = pd.to_numeric(
        pd.Series(np.where(flags, None, raw), dtype=object), errors="coerce"
    ).to_numpy(dtype=np.float64, na_value=np.nan)
    bad = (np.isnan(values) | flags) & ~blank
    values = np.where(bad | blank, np.nan, values)
    return ParsedColumn(values, blank, bad)


def infer_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn text columns whose every filled cell is a number into numbers.

    What ``pandas.read_csv`` infers for a file, done per partition (CSV is
    read as text so that partitions cannot disagree on types); ``txn_id``
    stays text, as in the single-machine reader.
    """
    out = {}
    for name in frame.columns:
        col = frame[name]
        if column_name(name) == "txn_id" or col.dtype.kind in "iufbM":
            continue
        parsed = parse_numbers(col)
        spaces = parsed.blank & col.notna().to_numpy()  # read_csv keeps " " as text
        if not parsed.blank.all() and not (parsed.bad | spaces).any():
            out[name] = pd.to_numeric(col)  # whole numbers stay int64, as in read_csv
    return frame.assign(**out) if out else frame


def _serials(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days of Excel serial numbers (whole days; the time of day is dropped)."""
    ok = np.isfinite(values) & (values >= 1) & (values < MAX_SERIAL + 1)
    days = np.zeros(values.size, dtype=np.int64)
    days[ok] = np.floor(values[ok]).astype(np.int64) - EXCEL_EPOCH_SERIAL
    return days, ok


def parse_dates(series: pd.Series) -> ParsedColumn:
    """Read a column as dates: int days since 1970-01-01.

    Date cells and date text (ISO ``2026-03-31``; other unambiguous forms as
    :func:`pandas.to_datetime` reads them) are dates; so are numbers, as
    Excel serial dates (what a date cell holds when formatted as a number).
    """
    blank = blank_mask(series)
    n = len(series)
    if series.dtype.kind == "M":
        days = series.to_numpy().astype("datetime64[D]").astype(np.int64)
        days[blank] = 0
        return ParsedColumn(days, blank, np.zeros(n, dtype=bool))
    raw = series.to_numpy(dtype=object)
    is_number = _mask(
        raw,
        lambda v: isinstance(v, numbers.Real) and not _is_bool(v),
        yes=("integer", "floating"),
        no=("string", "empty", "boolean", "datetime", "datetime64", "date"),
    )
    is_number &= ~blank
    days = np.zeros(n, dtype=np.int64)
    ok = np.zeros(n, dtype=bool)
    if is_number.any():
        serial = raw[is_number].astype(np.float64)
        days[is_number], ok[is_number] = _serials(serial)
    rest = ~is_number & ~blank
    if rest.any():
        text = pd.Series(np.where(rest, raw, None), dtype=object)
        parsed = pd.to_datetime(text, errors="coerce", format="mixed")
        good = rest & parsed.notna().to_numpy()
        days[good] = parsed[good].to_numpy().astype("datetime64[D]").astype(np.int64)
        ok |= good
    return ParsedColumn(days, blank, ~ok & ~blank)
