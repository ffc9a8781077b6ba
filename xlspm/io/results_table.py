"""Read a results table out of a legacy workbook, as the spreadsheet shows it.

The table is a sheet, an Excel Table or a named range; its header row is
found by the column names (legacy sheets often have titles above it).
Values are the ones the spreadsheet cached when it was last calculated:

* formula cells without a cached value (files written by tools that never
  calculate) are refused, naming the cells and the fix (``xlspm recalc``);
* error cells (``#N/A``, ``#DIV/0!``, ``#REF!``, ``#VALUE!`` ...) are kept as
  their error text, so reconciliation reports them instead of reading blanks;
* rows whose key cells are all blank (spacers, totals) are skipped and
  counted in the notes.

The file is only read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..schema.values import name_key
from .xlsx import CellScan, Region, Xlsx, column_letter, open_xlsx

__all__ = ["ResultsTable", "read_results_table"]

HEADER_SEARCH = 30  # rows searched for the header row


@dataclass(frozen=True)
class ResultsTable:
    """A results table read from a workbook.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows, indexed by Excel row number; error cells hold their text.
    path : pathlib.Path
        The workbook.
    sheet : str
        The sheet holding the table.
    letters : dict of str to str
        Column name -> column letter, to name cells in messages.
    notes : list of str
        What was skipped or noticed (blank rows, error cells).
    """

    frame: pd.DataFrame
    path: Path
    sheet: str
    letters: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def cell(self, row, column: str) -> str:
        """Return ``Sheet!A1`` of a value, for messages."""
        return f"{self.sheet}!{self.letters.get(column, '')}{row}"


def _region(book: Xlsx, where: str | None, wanted: list[str]) -> Region:
    """Return the region of the table asked for (its header is found later)."""
    if where is not None:
        if name := book.find_table(where):
            return book.table(name)
        if name := book.find_sheet(where):
            return book.sheet(name)
        if (region := book.named_range(where)) is not None:
            return region
        raise InputError(
            f"{book.path}: no sheet, Excel Table or named range {where!r}; the "
            f"sheets are {', '.join(book.sheet_names)}."
        )
    for name in book.sheet_names:
        region = book.sheet(name)
        if _header_at(region.rows, wanted) is not None:
            return region
    raise InputError(
        f"{book.path}: no sheet has a header row with {', '.join(wanted)} in its "
        f"first {HEADER_SEARCH} rows; name the sheet (--legacy-sheet) or map the "
        "columns (--map LEGACY=ENGINE)."
    )


def _header_at(rows, wanted: list[str]) -> int | None:
    need = {name_key(w) for w in wanted}
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        have = {name_key(v) for v in row if v != ""}
        if (need and need <= have) or (not need and have):
            return i
    return None


def _frame(header, data, first_row: int, left: int, wanted):
    canonical = {name_key(w): w for w in wanted}
    names, seen = {}, {}
    for j, h in enumerate(header):
        text = str(h).strip()
        if not text:
            continue
        name = canonical.get(name_key(text), text)
        if name in seen:
            raise InputError(
                f"column {name!r} appears twice in the header (columns "
                f"{column_letter(left + seen[name])} and {column_letter(left + j)}); "
                "rename one."
            )
        seen[name] = j
        names[j] = name
    frame = pd.DataFrame(
        [[row[j] if j < len(row) else "" for j in names] for row in data],
        columns=list(names.values()),
        dtype=object,
    )
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    letters = {name: column_letter(left + j) for j, name in names.items()}
    return frame.replace("", None), letters


def read_results_table(source, *, sheet=None, columns=(), keys=()) -> ResultsTable:
    """Read a results table (sheet, Excel Table or named range) by header names.

    Parameters
    ----------
    source : str, path-like or Xlsx
        The ``.xlsx`` workbook (only read), or one opened by
        :func:`~xlspm.io.xlsx.open_xlsx` (to read several tables of it).
    sheet : str, optional
        Sheet, Excel Table or defined name; default the first sheet whose
        header row (within the first 30 rows) has every name in ``columns``.
    columns : sequence of str
        Column names that must be present (case- and space-insensitive);
        they are returned spelled as given here.
    keys : sequence of str
        Key columns: rows where all of them are blank are skipped.

    Returns
    -------
    ResultsTable
        The rows indexed by Excel row number, error cells as their text.

    Raises
    ------
    InputError
        If the file cannot be read, the table or a column is missing, a header
        repeats, or formulas in the table were never calculated.
    """
    if isinstance(source, Xlsx):
        return _read(source, sheet, columns, keys)
    with open_xlsx(source) as book:
        return _read(book, sheet, columns, keys)


def _read(book: Xlsx, sheet, columns, keys) -> ResultsTable:
    path = book.path
    wanted = list(dict.fromkeys([*keys, *columns]))
    region = _region(book, sheet, wanted)
    name, rows, top, left = region.sheet, region.rows, region.top, region.left
    h = _header_at(rows, wanted)
    if h is None:
        first = ", ".join(str(v) for v in rows[0] if v != "") if rows else "nothing"
        raise InputError(
            f"{path.name} {name}: no header row with {', '.join(wanted)} in rows "
            f"{top + 1}-{top + HEADER_SEARCH}; row {top + 1} has {first}. Check "
            "--key/--value and --map."
        )
    first_row = top + h + 2
    try:
        frame, letters = _frame(rows[h], rows[h + 1 :], first_row, left, wanted)
    except InputError as exc:
        raise InputError(f"{path.name} {name}!{top + h + 1}: {exc}") from None
    hits, missing = _overlay(book.scan(name), frame, letters)
    frame, skipped = _drop_blank_keys(frame, keys)
    _refuse_uncalculated(path, name, missing, set(frame.index), set(keys), letters)
    hits = [h for h in hits if h[0] in frame.index]
    notes = []
    if hits:
        r, col, text = hits[0]
        notes.append(
            f"{name}: {len(hits)} error cell(s), such as {text} at "
            f"{name}!{letters[col]}{r}."
        )
    if skipped:
        notes.append(
            f"{name}: skipped {skipped} row(s) with blank keys (spacers or totals)."
        )
    return ResultsTable(frame, path, name, letters, notes)


def _overlay(scan: CellScan, frame: pd.DataFrame, letters):
    """Put error texts into the frame; return them and the uncalculated cells.

    Cells are ``(Excel row, column name)``; ``scan`` holds 0-based places.
    """
    by_letter = {v: k for k, v in letters.items()}
    rows = set(frame.index)

    def named(r, c):
        return r + 1, by_letter.get(column_letter(c))

    hits = []
    for (r, c), text in scan.errors.items():
        row, col = named(r, c)
        if col is not None and row in rows:
            hits.append((row, col, text))
            frame.at[row, col] = text
    missing = [named(r, c) for r, c in scan.uncalculated]
    missing = [(r, col) for r, col in missing if col is not None and r in rows]
    return sorted(hits), sorted(missing)


def _refuse_uncalculated(path: Path, sheet, missing, kept, keys, letters) -> None:
    """Refuse formulas never calculated in kept rows or in key cells."""
    cells = [
        f"{sheet}!{letters[col]}{r}" for r, col in missing if r in kept or col in keys
    ]
    if cells:
        more = f" and {len(cells) - 1} more cells" if len(cells) > 1 else ""
        raise InputError(
            f"{path.name} {cells[0]}{more}: formulas without a calculated value "
            "(the file was written by a tool that does not calculate); open and "
            "save it in Excel, or run: xlspm recalc "
            f"{path.name} -o {path.stem}_calculated.xlsx"
        )


def _drop_blank_keys(frame: pd.DataFrame, keys) -> tuple[pd.DataFrame, int]:
    present = [k for k in keys if k in frame.columns]
    if not present:
        return frame, 0
    blank = frame[present].isna().all(axis=1)
    return frame[~blank], int(blank.sum())
