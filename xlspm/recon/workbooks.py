"""Reconcile workbooks: read both sides, map the columns, call reconcile.

The engine side is either a results workbook written by ``xlspm calc``
(its ``Results``, ``Credits`` and ``Tiers`` sheets are read) or a comp-plan
workbook, which is calculated on the spot. Engine rows are limited to the
periods that appear on the legacy side, so a legacy workbook for one quarter
reconciles against a plan that calculates the whole year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..io.results_table import read_results_table
from ..io.xlsx import Xlsx, open_xlsx
from ..schema.values import column_name, name_key
from .reconcile import reconcile

__all__ = [
    "EngineSide",
    "auto_mapping",
    "load_engine",
    "read_accepted",
    "reconcile_workbooks",
]

ACCEPTED_COLUMNS = ("reason", "accepted_by", "note")
SYNONYMS = {
    "payee_id": (
        "payee",
        "payeeid",
        "rep",
        "repid",
        "seller",
        "employee",
        "employeeid",
    ),
    "payout_due": ("payout", "payoutdue", "commission", "pay", "payment", "incentive"),
    "credited": ("credited", "credit", "credits", "bookings"),
    "attainment": ("attainment", "attain", "achievement", "pctquota"),
}


@dataclass
class EngineSide:
    """The engine's results, with what helps explain differences."""

    frame: pd.DataFrame
    source: Path
    credits: pd.DataFrame | None = None
    tiers: pd.DataFrame | None = None
    notes: list = field(default_factory=list)


def _is_plan_workbook(path: Path) -> bool:
    try:
        with open_xlsx(path, tables=False) as book:
            names = {name_key(n) for n in book.sheet_names}
    except InputError:
        return False
    return {"transactions", "plans"} <= names


def _optional_table(book: Xlsx, name: str) -> pd.DataFrame | None:
    try:
        return read_results_table(book, sheet=name).frame
    except InputError:
        return None


def _credits(book: Xlsx) -> pd.DataFrame | None:
    """Read the Credits sheet and its continuations (Credits 2, Credits 3, ...)."""
    first = _optional_table(book, "Credits")
    if first is None:
        return None
    more = [f"Credits {i}" for i in range(2, 100)]
    parts = [_optional_table(book, n) for n in more if book.find_sheet(n)]
    return pd.concat([first, *[p for p in parts if p is not None]], ignore_index=True)


def load_engine(path, *, sheet: str | None = None) -> EngineSide:
    """Read or calculate the engine side.

    Parameters
    ----------
    path : str or path-like
        A results workbook from ``xlspm calc`` or a comp-plan workbook.
    sheet : str, optional
        The results sheet or Table (default ``Results``).

    Returns
    -------
    EngineSide
        Results, credits and rate tables when the workbook has them.
    """
    path = Path(path)
    if sheet is None and path.is_file() and _is_plan_workbook(path):
        from ..engine.results import tiers_table
        from ..engine.workbook import calculate_workbook
        from ..io.plan_workbook import read_workbook

        res = calculate_workbook(read_workbook(path))
        note = f"engine: calculated the plan workbook {path.name}."
        return EngineSide(res.results, path, res.credits, tiers_table(res), [note])
    with open_xlsx(path) as book:
        table = read_results_table(book, sheet=sheet or "Results")
        tiers = _optional_table(book, "Tiers")
        return EngineSide(table.frame, path, _credits(book), tiers)


def auto_mapping(names, engine_columns, explicit=None) -> dict[str, str]:
    """Map legacy column names to engine columns.

    Explicit pairs win; then a column of the same name (case- and
    space-insensitive); then the usual synonyms (Payee -> payee_id,
    Payout/Commission -> payout_due, ...).
    """
    explicit = dict(explicit or {})
    by_key = {name_key(c): c for c in engine_columns}
    out = {}
    for name in names:
        if name in explicit:
            out[name] = explicit[name]
            continue
        key = name_key(name)
        if key in by_key:
            out[name] = by_key[key]
            continue
        for target, words in SYNONYMS.items():
            if key in words and target in engine_columns:
                out[name] = target
                break
        else:
            out[name] = name
    return out


def read_accepted(path) -> pd.DataFrame:
    """Read an accepted-differences list (.csv or .xlsx).

    Columns: some key columns, ``reason``, ``accepted_by``, ``note``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"--accepted: {path} not found.")
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = read_results_table(path, columns=["reason", "accepted_by"]).frame
        frame = frame.astype(object).where(frame.notna(), "")
    else:
        raise InputError(f"--accepted: {path} must be a .csv or .xlsx file.")
    return frame.rename(columns={c: _accepted_name(c) for c in frame.columns})


def _accepted_name(name) -> str:
    """Return the accepted-list spelling of a header (Accepted By -> accepted_by)."""
    spelled = column_name(name)
    return spelled if spelled in ACCEPTED_COLUMNS else str(name).strip()


def _limit_periods(engine: pd.DataFrame, legacy: pd.DataFrame, keys, mapping):
    """Keep the engine rows of the periods that the legacy side has."""
    period = [
        k for k in keys if "period" in name_key(mapping[k]) or "period" in name_key(k)
    ]
    if not period:
        return engine, None
    key = period[0]
    wanted = set(legacy[key].dropna().astype(str).str.strip())
    column = engine[mapping[key]].astype(str).str.strip()
    kept = engine[column.isin(wanted)]
    dropped = len(engine) - len(kept)
    note = None
    if dropped:
        note = (
            f"engine: compared the periods on the legacy sheet "
            f"({', '.join(sorted(wanted))}); {dropped:,} engine rows of other "
            "periods left out."
        )
    return kept, note


def reconcile_workbooks(
    legacy_path,
    engine: EngineSide,
    *,
    keys,
    values,
    legacy_sheet=None,
    mapping=None,
    abs_tol=0.005,
    rel_tol=0.0,
    accepted=None,
):
    """Reconcile a legacy workbook's results table against the engine side.

    Parameters
    ----------
    legacy_path : str or path-like
        The legacy workbook (only read).
    engine : EngineSide
        From :func:`load_engine`.
    keys, values : list of str
        Key and value columns, named as on the legacy sheet.
    legacy_sheet : str, optional
        Sheet, Excel Table or named range (default: found by header names).
    mapping : mapping, optional
        Legacy -> engine column names beyond :func:`auto_mapping`.
    abs_tol, rel_tol : float
        Money tolerances, as in :func:`xlspm.reconcile`.
    accepted : pandas.DataFrame, optional
        Accepted differences.

    Returns
    -------
    tuple
        ``(ReconResult, ResultsTable, notes)``.
    """
    legacy = read_results_table(
        legacy_path, sheet=legacy_sheet, columns=values, keys=keys
    )
    full = auto_mapping([*keys, *values], list(engine.frame.columns), mapping)
    frame, note = _limit_periods(engine.frame, legacy.frame, keys, full)
    result = reconcile(
        legacy.frame,
        frame,
        keys=keys,
        values=values,
        mapping=full,
        abs_tol=abs_tol,
        rel_tol=rel_tol,
        tiers=engine.tiers,
        credits=engine.credits,
        accepted=accepted,
    )
    notes = [*legacy.notes, *engine.notes, *([note] if note else [])]
    return result, legacy, notes
