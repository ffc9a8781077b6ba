"""Read a comp-plan workbook: one sheet per input table.

Sheets (names are case- and space-insensitive): ``Transactions``,
``Payees``, ``Plans`` and ``RateTables`` are required; ``Assignments``,
``Quotas``, ``Hierarchy`` and ``Settings`` are optional. Row 1 holds the
headers; data starts in row 2 (an Excel Table of the same name may stand
anywhere instead). Cells are read by :mod:`xlspm.io.xlsx`.

Every problem is a :class:`~xlspm.schema.problems.Problem`; the workbook
knows where each table and column lives and names the place as ``Sheet!A1``
(:meth:`Workbook.describe`). The file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, PlanInputError, XlspmError
from ..schema.problems import Problem
from ..schema.values import name_key
from .xlsx import Region, WorkbookFileError, Xlsx, column_letter, open_xlsx

__all__ = ["SHEETS", "TablePlace", "Workbook", "column_letter", "read_workbook"]

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


@dataclass(frozen=True)
class TablePlace:
    """Where an input table lives: its sheet (or file), columns and header row.

    Attributes
    ----------
    sheet : str
        The sheet (or, for external transactions, the file name).
    letters : dict of str to str
        :func:`~xlspm.schema.values.name_key` of each header -> column letter.
    header_row : int
        The Excel row of the headers (data follows; the table's row labels
        are Excel row numbers).
    """

    sheet: str
    letters: dict = field(default_factory=dict)
    header_row: int = 1

    def describe(self, problem: Problem) -> str:
        """Return the problem's message placed on the sheet (``Sheet!C4 ...``)."""
        letter = self.letters.get(name_key(problem.column)) if problem.column else None
        if problem.rows:
            if letter:
                at = ", ".join(f"{self.sheet}!{letter}{r}" for r in problem.rows)
                at += f" ({', '.join(problem.keys)})" if problem.keys else ""
                at += f" and {problem.more} more" if problem.more else ""
            else:
                at = f"{self.sheet} {problem.rows_part()}"
                at += f", column {problem.column}" if problem.column else ""
            return f"{at}{problem.sep}{problem.detail()}"
        at = f"{self.sheet}!{letter}{self.header_row}" if letter else self.sheet
        return f"{at}: {problem.detail()}"


@dataclass
class Workbook:
    """The input tables of a workbook, with where each column lives."""

    path: Path
    tables: dict[str, pd.DataFrame]
    layout: dict[str, TablePlace]  # input table -> where it lives
    settings: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    transactions_files: list | None = None  # external files, when named

    def describe(self, problem) -> str:
        """Return a problem's message with its place in the workbook.

        A :class:`~xlspm.schema.problems.Problem` about a table read from the
        workbook is placed by sheet, column letter and row (``Payees!F3 holds
        'someday'; expected a date ...``); any other problem is shown as is.
        """
        place = self.layout.get(getattr(problem, "table", None))
        if place is None or problem.where:
            return str(problem)
        return place.describe(problem)

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


def _sheet_frame(region: Region, problems: list):
    """Rows of a sheet (header in row 1) as a DataFrame indexed by Excel row."""
    rows, name = list(region.rows), region.sheet
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        problems.append(
            Problem(
                where=f"{name}!A1", text="the sheet is empty; expected a header row."
            )
        )
        return None, None
    for (r0, c0), (r1, c1) in region.merged:
        if r0 == 0:
            cells = f"{column_letter(c0)}1:{column_letter(c1)}{r1 + 1}"
            problems.append(
                Problem(
                    where=f"{name}!{cells}",
                    text="merged header cells; unmerge them and give each column "
                    "its own header.",
                )
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
            Problem(
                where=f"{shown}{more}",
                text="blank row(s) between data rows; delete them (rows below a "
                "blank row would otherwise be dropped).",
            )
        )
    keep = [j for j, h in enumerate(header) if h]
    for j, h in enumerate(header):
        if not h and any(row[j] != "" for row in data if j < len(row)):
            cell = f"{column_letter(first_col + j)}{first_row - 1}"
            problems.append(
                Problem(
                    where=f"{name}!{cell}",
                    text="a column has data but no header; add a header.",
                )
            )
    frame = pd.DataFrame(
        [[row[j] for j in keep] for row in data],
        columns=[header[j] for j in keep],
        dtype=object,
    )
    frame = frame.replace("", None)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    letters = {name_key(header[j]): column_letter(first_col + j) for j in keep}
    return frame, TablePlace(name, letters, first_row - 1)


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
        raise PlanInputError([Problem(where=str(path), text=exc.reason)]) from exc
    with book:
        tables, layout, problems = _read_tables(book)
    settings = _settings(tables.get("settings"))
    notes, files = _external_transactions(
        path, settings, tables, layout, problems, transactions, load_transactions
    )
    if files is None and "transactions" not in tables:
        problems.append(
            Problem(
                where="Transactions",
                text="missing sheet (or Excel Table, or Settings transactions_file); "
                f"the workbook has {', '.join(book.sheet_names)}.",
            )
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
            frame, place = _table_frame(region, problems)
        elif name := book.find_sheet(shown):
            region = book.sheet(name, from_a1=True)
            frame, place = _sheet_frame(region, problems)
        else:
            if required and table != "transactions":
                problems.append(
                    Problem(
                        where=shown,
                        text="missing sheet (or Excel Table); the workbook has "
                        f"{', '.join(book.sheet_names)}.",
                    )
                )
            continue
        _scan(book, region.sheet, problems)
        if frame is not None:
            tables[table] = frame
            layout[table] = place
    return tables, layout, problems


def _scan(book: Xlsx, sheet: str, problems: list) -> None:
    """Report error cells and formulas never calculated on a sheet."""
    scan = book.scan(sheet)
    if scan.errors:
        (r, c), text = next(iter(scan.errors.items()))
        more = len(scan.errors) - 1
        more = f" and {more} more cells" if more else ""
        problems.append(
            Problem(
                where=f"{sheet}!{column_letter(c)}{r + 1}{more}",
                text=f"the cell shows the error {text}; expected a value. Fix the "
                "formula (or paste values) and save.",
            )
        )
    if scan.uncalculated:
        r, c = scan.uncalculated[0]
        more = len(scan.uncalculated) - 1
        more = f" and {more} more cells" if more else ""
        problems.append(
            Problem(
                where=f"{sheet}!{column_letter(c)}{r + 1}{more}",
                text="formulas without a calculated value (the file was written by "
                "a tool that does not calculate); open and save it in Excel, or "
                "run xlspm recalc.",
            )
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
    where = "--transactions" if override else "Settings"
    subject = f"{name!r}" if override else f"transactions_file {name!r}"
    base = Path.cwd() if override else path.parent
    target = name if Path(name).is_absolute() else str(base / name)
    if not any(ch in name for ch in "*?[") and not Path(target).exists():
        near = "the current directory" if override else "the workbook"
        text = f"{subject} not found next to {near} ({target})."
        problems.append(Problem(where=where, text=text))
        return [], None
    try:
        label = f"{where}{' ' if override else ': '}{subject}"
        files = source_files(target, label=label)
    except InputError as exc:
        problems.append(Problem(text=str(exc)))  # names the place it looked at
        return [], None
    if not load:
        return [f"Transactions in {name} ({len(files)} file(s))."], files
    try:
        frame = read_files(files)
    except XlspmError as exc:
        problems.append(Problem(where=where, text=f"{subject}: {exc}"))
        return [], None
    first = 2 if len(files) == 1 else 0  # one file: its line numbers
    frame.index = pd.RangeIndex(first, first + len(frame))
    tables["transactions"] = frame
    layout["transactions"] = TablePlace(files[0].name if len(files) == 1 else name)
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
        sheet = layout["assignments"].sheet
        return [
            f"{sheet}: split_pct values are fractions (cells formatted as %); "
            "read 0.6 as 60%."
        ]
    return []
