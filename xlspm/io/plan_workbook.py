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
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError, PlanInputError, XlspmError

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
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
ZIP_MAGIC = b"PK\x03\x04"


def column_letter(index: int) -> str:
    """Return the Excel column letter of a 0-based column index (0 -> A)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _squash(name: str) -> str:
    return re.sub(r"[\s_]+", "", str(name)).lower()


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


def _check_file(path: Path) -> list[str]:
    if not path.is_file():
        return [f"{path}: no such workbook."]
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return [
            f"{path}: expected an .xlsx workbook, got '{path.suffix or 'no'}' file."
        ]
    lock = path.with_name("~$" + path.name)
    if lock.exists():
        return [
            f"{path}: the workbook is open in Excel (lock file {lock.name}); "
            "close it in Excel and run again."
        ]
    head = path.read_bytes()[:4] if path.stat().st_size else b""
    if head == OLE_MAGIC:
        return [
            f"{path}: the file is password-protected (encrypted) or an old .xls "
            "saved as .xlsx; save a copy as .xlsx without a password."
        ]
    if head != ZIP_MAGIC:
        return [
            f"{path}: not an .xlsx workbook (the file is not a zip package); "
            "open it in Excel and save it as .xlsx."
        ]
    return []


def _sheet_xml_paths(path: Path) -> dict[str, str]:
    """Map sheet name -> its part in the package (xl/worksheets/sheet1.xml)."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode("utf8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf8", "replace")
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    targets.update(
        {a: b for b, a in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
    )
    out = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", book):
        name = re.search(r'name="([^"]*)"', tag)
        rid = re.search(r'r:id="([^"]*)"', tag)
        if name and rid and rid.group(1) in targets:
            target = targets[rid.group(1)].lstrip("/")
            out[name.group(1)] = target if target.startswith("xl/") else "xl/" + target
    return out


_FORMULA_NO_VALUE = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*'
    rb"(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)


_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]+[0-9]+)"[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>', re.S
)


def _error_cells(path: Path, part: str) -> list[tuple[str, str]]:
    """Cells showing an Excel error (#N/A, #DIV/0!, ...), which calamine reads as ''."""
    with zipfile.ZipFile(path) as z:
        data = z.read(part)
    if b't="e"' not in data:
        return []
    return [(r.decode(), v.decode()) for r, v in _ERROR_CELL.findall(data)]


def _uncalculated(path: Path, part: str) -> list[str]:
    """Cells holding a formula but no cached value (never calculated)."""
    with zipfile.ZipFile(path) as z:
        data = z.read(part)
    if b"<f" not in data:
        return []
    return [m.decode() for m in _FORMULA_NO_VALUE.findall(data)]


def _frame(sheet, name: str, problems: list[str]):
    """Rows of one sheet as a DataFrame indexed by Excel row numbers."""
    rows = sheet.to_python(skip_empty_area=False)
    while rows and all(v == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        problems.append(f"{name}!A1: the sheet is empty; expected a header row.")
        return None, {}
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []:
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
    letters = {_squash(header[j]): column_letter(first_col + j) for j in keep}
    return frame, letters


def _from_table(table, problems):
    """Read an Excel Table (ListObject); row numbers follow its place."""
    (r0, c0), _ = table.start, table.end
    return _to_frame(
        table.columns, table.to_python(), table.sheet, r0 + 1, c0, problems
    )


def _settings(frame: pd.DataFrame | None) -> dict[str, object]:
    if frame is None or frame.empty:
        return {}
    key, value = frame.columns[0], frame.columns[min(1, len(frame.columns) - 1)]
    return {_squash(k): v for k, v in zip(frame[key], frame[value], strict=True) if k}


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
    import python_calamine as pc

    path = Path(path)
    problems = _check_file(path)
    if problems:
        raise PlanInputError(problems)
    try:
        book = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    except pc.PasswordError as exc:
        raise PlanInputError(
            [f"{path}: password-protected; save a copy without a password."]
        ) from exc
    except pc.CalamineError as exc:
        raise PlanInputError(
            [f"{path}: cannot be read as a workbook ({exc})."]
        ) from exc
    names = {_squash(n): n for n in book.sheet_names}
    table_names = {_squash(n): n for n in (book.table_names or [])}
    parts = _sheet_xml_paths(path)
    tables, layout = {}, {}
    for table, (shown, required) in SHEETS.items():
        if _squash(shown) in table_names:  # an Excel Table of that name wins
            frame, letters = _from_table(
                book.get_table_by_name(table_names[_squash(shown)]), problems
            )
            sheet_name = book.get_table_by_name(table_names[_squash(shown)]).sheet
        elif _squash(shown) in names:
            sheet_name = names[_squash(shown)]
            frame, letters = _frame(
                book.get_sheet_by_name(sheet_name), sheet_name, problems
            )
        else:
            if required and table != "transactions":
                problems.append(
                    f"{shown}: missing sheet (or Excel Table); the "
                    f"workbook has {', '.join(book.sheet_names)}."
                )
            continue
        errors = _error_cells(path, parts[sheet_name]) if sheet_name in parts else []
        if errors:
            ref, text = errors[0]
            more = f" and {len(errors) - 1} more cells" if len(errors) > 1 else ""
            problems.append(
                f"{sheet_name}!{ref}{more}: the cell shows the error {text}; expected "
                "a value. Fix the formula (or paste values) and save."
            )
        cells = _uncalculated(path, parts[sheet_name]) if sheet_name in parts else []
        if cells:
            problems.append(
                f"{sheet_name}!{cells[0]}"
                + (f" and {len(cells) - 1} more cells" if len(cells) > 1 else "")
                + ": formulas without a calculated value (the file was written by a "
                "tool that does not calculate); open and save it in Excel, or run "
                "xlspm recalc."
            )
        if frame is not None:
            tables[table] = frame
            layout[table] = (sheet_name, letters)
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
    column = next((c for c in rules.columns if _squash(c) == "splitpct"), None)
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
            col = letters.get(_squash(head.group("col") or ""), "")
            place = f"{sheet}!{col}1" if col else sheet
            return f"{place}: {message[head.end() :]}"
        return message
    sheet, letters = layout[m.group("table")]
    rows = m.group("rows").split(", ")
    col = letters.get(_squash(m.group("col") or ""), "")
    if col:
        place = ", ".join(f"{sheet}!{col}{r}" for r in rows)
    else:
        place = f"{sheet} row{'s' if len(rows) > 1 else ''} {', '.join(rows)}"
    rest = message[m.end() :]
    return f"{place}{rest}" if rest.startswith((":", " ")) else f"{place}: {rest}"
