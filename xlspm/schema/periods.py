"""Calendar periods: months, quarters and years as integer ids and labels.

Dates are handled as integer days since 1970-01-01 (``datetime64[D]``).
A period id is ``year * 12 + month - 1`` for months, ``year * 4 + quarter - 1``
for quarters and ``year`` for years; labels are ``2026-01``, ``2026-Q1`` and
``2026``. Cumulative (year-to-date) components accumulate within the calendar
year of the period.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "KINDS",
    "parse_label",
    "period_bounds",
    "period_ids",
    "period_label",
    "year_of",
]

KINDS = ("month", "quarter", "year")
_PER_YEAR = {"month": 12, "quarter": 4, "year": 1}


def period_ids(days: np.ndarray, kind: str) -> np.ndarray:
    """Return the period id of each date (int days since the epoch).

    Parameters
    ----------
    days : numpy.ndarray of int64
        Dates as days since 1970-01-01.
    kind : {"month", "quarter", "year"}
        Period length.

    Returns
    -------
    numpy.ndarray of int64
        Period ids.
    """
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    months = months + 1970 * 12  # months since year 0
    if kind == "month":
        return months
    if kind == "quarter":
        return months // 3
    return months // 12


def year_of(pid: np.ndarray, kind: str) -> np.ndarray:
    """Return the calendar year of period ids."""
    return np.asarray(pid) // _PER_YEAR[kind]


def period_bounds(pid: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """First and last day (inclusive, days since the epoch) of each period id."""
    months = np.asarray(pid, dtype=np.int64) * (12 // _PER_YEAR[kind]) - 1970 * 12
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    nxt = (
        (months + 12 // _PER_YEAR[kind]).astype("datetime64[M]").astype("datetime64[D]")
    )
    return first.astype(np.int64), nxt.astype(np.int64) - 1


def period_label(pid: int, kind: str) -> str:
    """Return the label of one period id: ``2026-01``, ``2026-Q1`` or ``2026``."""
    pid = int(pid)
    if kind == "month":
        return f"{pid // 12:04d}-{pid % 12 + 1:02d}"
    if kind == "quarter":
        return f"{pid // 4:04d}-Q{pid % 4 + 1}"
    return f"{pid:04d}"


def parse_label(label: str, kind: str) -> int | None:
    """Return the period id of a label, or None when it is not of ``kind``."""
    text = str(label).strip().upper()
    try:
        if kind == "year" and len(text) == 4:
            return int(text)
        year, rest = text.split("-", 1)
        if (
            kind == "quarter"
            and rest.startswith("Q")
            and rest[1:] in ("1", "2", "3", "4")
        ):
            return int(year) * 4 + int(rest[1:]) - 1
        if kind == "month" and 1 <= int(rest) <= 12:
            return int(year) * 12 + int(rest) - 1
    except ValueError:
        return None
    return None
