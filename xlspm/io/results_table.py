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

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .plan_workbook import _check_file, _sheet_xml_paths, _squash, column_letter

__all__ = ["ResultsTable", "read_results_table"]

HEADER_SEARCH = 30  # rows searched for the header row
_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]+)([0-9]+)"[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>([^<]*)</v>',
    re.S,
)
_FORMULA_NO_VALUE = re.compile(
    rb'<c r="([A-Z]+)([0-9]+)"[^>]*>\s*<f[^>]*(?:/>|>[^<]*</f>)\s*'
    rb"(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)
_DEFINED = re.compile(
    r'<definedName[^>]*name="([^"]+)"[^>]*>([^<]+)</definedName>', re.S
)


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


def _open(path: Path):
    import python_calamine as pc

    problems = _check_file(path)
    if problems:
        raise InputError(problems[0])
    try:
        return pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    except pc.PasswordError as exc:
        raise InputError(
            f"{path}: password-protected; save a copy without one."
        ) from exc
    except pc.CalamineError as exc:
        raise InputError(f"{path}: cannot be read as a workbook ({exc}).") from exc


def _defined_names(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        text = z.read("xl/workbook.xml").decode("utf8", "replace")
    return {_squash(n): ref.strip() for n, ref in _DEFINED.findall(text)}


def _cell_index(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?([0-9]+)", ref.strip())
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _region(book, path: Path, where: str | None, wanted: list[str]):
    """Return (sheet name, rows, first row, first col) of the table asked for."""
    sheets = {_squash(n): n for n in book.sheet_names}
    tables = {_squash(n): n for n in (book.table_names or [])}
    if where is not None:
        key = _squash(where)
        if key in tables:
            t = book.get_table_by_name(tables[key])
            # calamine gives the first data row as start; the header is above it
            return t.sheet, [t.columns, *t.to_python()], t.start[0] - 1, t.start[1]
        if key in sheets:
            return _sheet_rows(book, sheets[key])
        names = _defined_names(path)
        if key in names and "!" in names[key]:
            return _named(book, names[key])
        raise InputError(
            f"{path}: no sheet, Excel Table or named range {where!r}; the sheets "
            f"are {', '.join(book.sheet_names)}."
        )
    for name in book.sheet_names:
        found = _sheet_rows(book, name)
        if _header_at(found[1], wanted) is not None:
            return found
    raise InputError(
        f"{path}: no sheet has a header row with {', '.join(wanted)} in its first "
        f"{HEADER_SEARCH} rows; name the sheet (--legacy-sheet) or map the columns "
        "(--map LEGACY=ENGINE)."
    )


def _sheet_rows(book, name: str):
    sheet = book.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=True)
    start = sheet.start or (0, 0)
    return name, rows, start[0], start[1]


def _named(book, ref: str):
    sheet_part, cells = ref.rsplit("!", 1)
    sheet = sheet_part.strip("'").replace("''", "'")
    first, _, last = cells.partition(":")
    (r0, c0), (r1, c1) = _cell_index(first), _cell_index(last or first)
    name, rows, top, left = _sheet_rows(book, sheet)
    part = [row[c0 - left : c1 - left + 1] for row in rows[r0 - top : r1 - top + 1]]
    return name, part, r0, c0


def _header_at(rows, wanted: list[str]) -> int | None:
    need = {_squash(w) for w in wanted}
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        have = {_squash(v) for v in row if v != ""}
        if (need and need <= have) or (not need and have):
            return i
    return None


def _scan(path: Path, sheet: str):
    """Return the sheet's error cells {(col, row): text} and uncalculated cells."""
    part = _sheet_xml_paths(path).get(sheet)
    if part is None:
        return {}, []
    with zipfile.ZipFile(path) as z:
        data = z.read(part)
    errors = {(c.decode(), int(r)): v.decode() for c, r, v in _ERROR_CELL.findall(data)}
    missing = [(c.decode(), int(r)) for c, r in _FORMULA_NO_VALUE.findall(data)]
    return errors, missing


def _frame(header, data, first_row: int, left: int, wanted):
    canonical = {_squash(w): w for w in wanted}
    names, seen = {}, {}
    for j, h in enumerate(header):
        text = str(h).strip()
        if not text:
            continue
        name = canonical.get(_squash(text), text)
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


def read_results_table(path, *, sheet=None, columns=(), keys=()) -> ResultsTable:
    """Read a results table (sheet, Excel Table or named range) by header names.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` workbook (only read).
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
    path = Path(path)
    book = _open(path)
    wanted = list(dict.fromkeys([*keys, *columns]))
    name, rows, top, left = _region(book, path, sheet, wanted)
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
    hits, missing = _overlay(path, name, frame, letters)
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


def _overlay(path: Path, sheet: str, frame: pd.DataFrame, letters):
    """Put error texts into the frame; return them and the uncalculated cells."""
    errors, missing = _scan(path, sheet)
    by_letter = {v: k for k, v in letters.items()}
    rows = frame.index
    hits = [
        (r, by_letter[c], t)
        for (c, r), t in errors.items()
        if c in by_letter and r in rows
    ]
    for r, col, text in hits:
        frame.at[r, col] = text
    missing = [(r, by_letter[c]) for c, r in missing if c in by_letter and r in rows]
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
