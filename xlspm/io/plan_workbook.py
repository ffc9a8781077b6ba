"""Read a comp-plan workbook: one sheet per input table.

Sheets (names are case- and space-insensitive): ``Transactions``,
``Payees``, ``Plans`` and ``RateTables`` are required; ``Assignments``,
``Quotas``, ``Hierarchy`` and ``Settings`` are optional. Row 1 holds the
headers; data starts in row 2. Bulk reading uses python-calamine (Rust);
the workbook's XML is scanned only for what calamine cannot report
(formulas that were never calculated).

Every problem names its place as ``Sheet!A1``. The file is only read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, PlanInputError, XlspmError
from ..schema.values import name_key
from .xlsx import Region, WorkbookFileError, Xlsx, column_letter, open_xlsx

__all__ = ["SHEETS", "Workbook", "column_letter", "locate", "read_workbook"]

# input table -> (sheet name shown to users, required)
SHEETS = {
    "transactions": ("Transactions", True),
    "payees": ("Payees", True),
    "assignments": ("Assignments", False),
    "plans": ("Plans", True),
    "rate_tables": ("RateTables", True),
    "quotas": ("Quotas", False),
    "hierarchy": ("Hierarchy", False),
    "settings": ("Settings", False),
}


@dataclass
class Workbook:
    """The input tables of a workbook, with where each column lives."""

    path: Path
    tables: dict[str, pd.DataFrame]
    layout: dict[str, tuple[str, dict[str, str]]]  # table -> (sheet, column letters)
    settings: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    transactions_files: list | None = None  # external files, when named

    def inputs(self) -> dict[str, pd.DataFrame]:
        """Return the keyword arguments of :func:`xlspm.calculate`."""
        names = (
            "transactions",
            "payees",
            "assignments",
            "plans",
            "rate_tables",
            "quotas",
            "hierarchy",
        )
        return {n: self.tables.get(n) for n in names}


def _sheet_frame(region: Region, problems: list[str]):
    """Rows of a sheet (header in row 1) as a DataFrame indexed by Excel row."""
    rows, name = list(region.rows), region.sheet
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        problems.append(f"{name}!A1: the sheet is empty; expected a header row.")
        return None, {}
    for (r0, c0), (r1, c1) in region.merged:
        if r0 == 0:
            problems.append(
                f"{name}!{column_letter(c0)}1:{column_letter(c1)}{r1 + 1}: merged "
                "header cells; unmerge them and give each column its own header."
            )
    return _to_frame(rows[0], rows[1:], name, 2, 0, problems)


def _to_frame(header, data, name: str, first_row: int, first_col: int, problems):
    """Turn a header and data rows into a DataFrame indexed by Excel row."""
    header = [str(v).strip() for v in header]
    blank_rows = [
        i + first_row for i, row in enumerate(data) if all(v == "" for v in row)
    ]
    if blank_rows:
        shown = ", ".join(
            f"{name}!{column_letter(first_col)}{r}" for r in blank_rows[:5]
        )
        more = f" and {len(blank_rows) - 5} more" if len(blank_rows) > 5 else ""
        problems.append(
            f"{shown}{more}: blank row(s) between data rows; delete them (rows "
            "below a blank row would otherwise be dropped)."
        )
    keep = [j for j, h in enumerate(header) if h]
    for j, h in enumerate(header):
        if not h and any(row[j] != "" for row in data if j < len(row)):
            problems.append(
                f"{name}!{column_letter(first_col + j)}{first_row - 1}: a column has "
                "data but no header; add a header."
            )
    frame = pd.DataFrame(
        [[row[j] for j in keep] for row in data],
        columns=[header[j] for j in keep],
        dtype=object,
    )
    frame = frame.replace("", None)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    letters = {name_key(header[j]): column_letter(first_col + j) for j in keep}
    return frame, letters


def _table_frame(region: Region, problems):
    """Read an Excel Table (ListObject); row numbers follow its place."""
    header, *data = region.rows
    first_row = region.top + 2  # the Excel row of the first data row
    return _to_frame(header, data, region.sheet, first_row, region.left, problems)


def _settings(frame: pd.DataFrame | None) -> dict[str, object]:
    if frame is None or frame.empty:
        return {}
    key, value = frame.columns[0], frame.columns[min(1, len(frame.columns) - 1)]
    return {name_key(k): v for k, v in zip(frame[key], frame[value], strict=True) if k}


def read_workbook(path, *, transactions=None, load_transactions=True) -> Workbook:
    """Read and check a comp-plan workbook.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file (only read; never modified).
    transactions : str, optional
        Transactions outside the workbook (CSV or Parquet file, directory or
        glob; relative to the current directory), instead of Settings
        ``transactions_file`` (relative to the workbook) or the sheet.
    load_transactions : bool, default True
        Read external transactions into ``tables``; False only locates them
        (``transactions_files``), for the Dask engine.

    Returns
    -------
    Workbook
        The tables (DataFrames indexed by Excel row number), the sheet and
        column letter of every column, and the settings.

    Raises
    ------
    PlanInputError
        Listing every problem found, each as ``Sheet!A1: what, expected``.
    """
    path = Path(path)
    try:
        book = open_xlsx(path)
    except WorkbookFileError as exc:
        raise PlanInputError([str(exc)]) from exc
    with book:
        tables, layout, problems = _read_tables(book)
    settings = _settings(tables.get("settings"))
    notes, files = _external_transactions(
        path, settings, tables, layout, problems, transactions, load_transactions
    )
    if files is None and "transactions" not in tables:
        problems.append(
            "Transactions: missing sheet (or Excel Table, or Settings "
            f"transactions_file); the workbook has {', '.join(book.sheet_names)}."
        )
    notes += _percent_splits(tables, layout)
    if problems:
        raise PlanInputError(problems)
    return Workbook(path, tables, layout, settings, notes, files)


def _read_tables(book: Xlsx):
    """Read every input table the workbook has; return tables, layout, problems."""
    tables, layout, problems = {}, {}, []
    for table, (shown, required) in SHEETS.items():
        if name := book.find_table(shown):  # an Excel Table of that name wins
            region = book.table(name)
            frame, letters = _table_frame(region, problems)
        elif name := book.find_sheet(shown):
            region = book.sheet(name, from_a1=True)
            frame, letters = _sheet_frame(region, problems)
        else:
            if required and table != "transactions":
                problems.append(
                    f"{shown}: missing sheet (or Excel Table); the "
                    f"workbook has {', '.join(book.sheet_names)}."
                )
            continue
        _scan(book, region.sheet, problems)
        if frame is not None:
            tables[table] = frame
            layout[table] = (region.sheet, letters)
    return tables, layout, problems


def _scan(book: Xlsx, sheet: str, problems: list) -> None:
    """Report error cells and formulas never calculated on a sheet."""
    scan = book.scan(sheet)
    if scan.errors:
        (r, c), text = next(iter(scan.errors.items()))
        more = len(scan.errors) - 1
        more = f" and {more} more cells" if more else ""
        problems.append(
            f"{sheet}!{column_letter(c)}{r + 1}{more}: the cell shows the error "
            f"{text}; expected a value. Fix the formula (or paste values) and save."
        )
    if scan.uncalculated:
        r, c = scan.uncalculated[0]
        more = len(scan.uncalculated) - 1
        more = f" and {more} more cells" if more else ""
        problems.append(
            f"{sheet}!{column_letter(c)}{r + 1}{more}: formulas without a calculated "
            "value (the file was written by a tool that does not calculate); open "
            "and save it in Excel, or run xlspm recalc."
        )


def _external_transactions(
    path: Path, settings, tables, layout, problems, override=None, load=True
):
    """Find (and unless ``load`` is False, read) external transactions.

    ``override`` (the command line's ``--transactions``, relative to the
    current directory) wins over Settings ``transactions_file`` (relative to
    the workbook). Either may name a CSV or Parquet file, a directory of
    them, or a glob. Returns (notes, source files or None).
    """
    from .sources import read_files, source_files

    name = str(override or settings.get("transactionsfile") or "").strip()
    if not name:
        return [], None
    where = "--transactions" if override else "Settings: transactions_file"
    base = Path.cwd() if override else path.parent
    target = name if Path(name).is_absolute() else str(base / name)
    if not any(ch in name for ch in "*?[") and not Path(target).exists():
        near = "the current directory" if override else "the workbook"
        problems.append(f"{where} {name!r} not found next to {near} ({target}).")
        return [], None
    try:
        files = source_files(target, label=f"{where} {name!r}")
    except InputError as exc:
        problems.append(str(exc))
        return [], None
    if not load:
        return [f"Transactions in {name} ({len(files)} file(s))."], files
    try:
        frame = read_files(files)
    except XlspmError as exc:
        problems.append(f"{where} {name!r}: {exc}")
        return [], None
    first = 2 if len(files) == 1 else 0  # one file: its line numbers
    frame.index = pd.RangeIndex(first, first + len(frame))
    tables["transactions"] = frame
    layout["transactions"] = (files[0].name if len(files) == 1 else name, {})
    return [f"Transactions read from {name} ({len(frame):,} rows)."], files


def _percent_splits(tables, layout) -> list[str]:
    """Excel stores 60% as 0.6: read an all-fraction split_pct column as percent."""
    rules = tables.get("assignments")
    if rules is None:
        return []
    column = next((c for c in rules.columns if name_key(c) == "splitpct"), None)
    if column is None:
        return []
    values = pd.to_numeric(rules[column], errors="coerce")
    if values.notna().any() and values.max() <= 1.0:
        rules[column] = values * 100.0
        sheet = layout["assignments"][0]
        return [
            f"{sheet}: split_pct values are fractions (cells formatted as %); "
            "read 0.6 as 60%."
        ]
    return []


_MESSAGE = re.compile(
    r"^(?P<table>[a-z_]+)(?:\.(?P<col>[a-z_0-9]+))?:? "
    r"(?P<word>rows?) (?P<rows>\d+(?:, \d+)*)"
)


def locate(message: str, layout: dict) -> str:
    """Rewrite an engine message's ``table.column: row 12`` as ``Sheet!C12``."""
    m = _MESSAGE.match(message)
    if not m or m.group("table") not in layout:
        head = re.match(r"^(?P<table>[a-z_]+)(?:\.(?P<col>[a-z_0-9]+))?: ", message)
        if head and head.group("table") in layout:
            sheet, letters = layout[head.group("table")]
            col = letters.get(name_key(head.group("col") or ""), "")
            place = f"{sheet}!{col}1" if col else sheet
            return f"{place}: {message[head.end() :]}"
        return message
    sheet, letters = layout[m.group("table")]
    rows = m.group("rows").split(", ")
    col = letters.get(name_key(m.group("col") or ""), "")
    if col:
        place = ", ".join(f"{sheet}!{col}{r}" for r in rows)
    else:
        place = f"{sheet} row{'s' if len(rows) > 1 else ''} {', '.join(rows)}"
    rest = message[m.end() :]
    return f"{place}{rest}" if rest.startswith((":", " ")) else f"{place}: {rest}"
