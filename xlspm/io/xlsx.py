"""The one xlsx reader: open a workbook; read sheets, Excel Tables and named ranges.

Cell values come from python-calamine (Rust); nothing else in xlspm imports
it. The package XML is scanned only for what calamine does not report: cells
showing an Excel error (calamine reads them as ``""``), formulas without a
cached value (files written by tools that never calculate) and defined
names. Names of sheets, Tables and defined names are matched by
:func:`~xlspm.schema.values.name_key` (case, spaces and underscores ignored).
The file is only read.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from xml.sax.saxutils import unescape

from ..errors import InputError
from ..schema.values import name_key

__all__ = [
    "CellScan",
    "Region",
    "WorkbookFileError",
    "Xlsx",
    "cell_index",
    "check_path",
    "column_letter",
    "open_xlsx",
]

SUFFIXES = (".xlsx", ".xlsm")
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # encrypted (password) packages and old .xls
ZIP_MAGIC = b"PK\x03\x04"
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


class WorkbookFileError(InputError):
    """The file cannot be read as an xlsx workbook.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    reason : str
        What is wrong and the fix (the message without the path).
    """

    def __init__(self, path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


def column_letter(index: int) -> str:
    """Return the Excel column letter of a 0-based column index (0 -> A)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _column_index(letters: str) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def cell_index(ref: str) -> tuple[int, int]:
    """Return the 0-based (row, column) of a cell reference (``$C$3`` -> (2, 2))."""
    m = re.fullmatch(r"\$?([A-Za-z]+)\$?([0-9]+)", ref.strip())
    if m is None:
        raise InputError(f"{ref!r}: expected a cell reference such as C3.")
    return int(m.group(2)) - 1, _column_index(m.group(1).upper())


def check_path(path, *, suffixes=SUFFIXES, lock: bool = True) -> None:
    """Raise :class:`WorkbookFileError` unless ``path`` looks like an xlsx file.

    The file must exist, be named with one of ``suffixes``, not be held open
    by Excel (a lock file; checked when ``lock``) and be a zip package (not
    encrypted, not an old ``.xls``, not text).
    """
    path = Path(path)
    if not path.is_file():
        raise WorkbookFileError(path, "no such workbook.")
    if path.suffix.lower() not in suffixes:
        raise WorkbookFileError(
            path, f"expected an .xlsx workbook, got '{path.suffix or 'no'}' file."
        )
    owner = path.with_name("~$" + path.name)
    if lock and owner.exists():
        raise WorkbookFileError(
            path,
            f"the workbook is open in Excel (lock file {owner.name}); close it in "
            "Excel and run again.",
        )
    with path.open("rb") as f:
        head = f.read(4)
    if head == OLE_MAGIC:
        raise WorkbookFileError(
            path,
            "the file is password-protected (encrypted) or an old .xls saved as "
            ".xlsx; save a copy as .xlsx without a password.",
        )
    if head != ZIP_MAGIC:
        raise WorkbookFileError(
            path,
            "not an .xlsx workbook (the file is not a zip package); open it in "
            "Excel and save it as .xlsx.",
        )


@dataclass(frozen=True)
class Region:
    """A rectangle of cell values.

    Attributes
    ----------
    sheet : str
        The sheet it is on.
    rows : list of list
        Cell values (``""`` for a blank cell), row by row.
    top, left : int
        0-based row and column of ``rows[0][0]`` on the sheet.
    merged : tuple
        Merged ranges ``((row, col), (row, col))`` (0-based, inclusive) that
        calamine reports for the sheet.
    """

    sheet: str
    rows: list
    top: int = 0
    left: int = 0
    merged: tuple = ()


@dataclass(frozen=True)
class CellScan:
    """What the sheet's XML says that calamine does not.

    Attributes
    ----------
    errors : dict
        ``(row, col)`` (0-based) -> the error the cell shows (``#N/A``), in
        sheet order.
    uncalculated : list of tuple
        ``(row, col)`` (0-based) of formulas without a cached value.
    """

    errors: dict = field(default_factory=dict)
    uncalculated: list = field(default_factory=list)


class Xlsx:
    """An open workbook (see :func:`open_xlsx`)."""

    def __init__(self, path: Path, book, tables: bool = True):
        self.path = path
        self._book = book
        self.sheet_names: list[str] = list(book.sheet_names)
        self.table_names: list[str] = list(book.table_names or []) if tables else []

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        self._book.close()

    def find_sheet(self, name) -> str | None:
        """Return the sheet that ``name`` names (by :func:`name_key`), or None."""
        return _find(self.sheet_names, name)

    def find_table(self, name) -> str | None:
        """Return the Excel Table that ``name`` names, or None."""
        return _find(self.table_names, name)

    def sheet(self, name: str, *, from_a1: bool = False) -> Region:
        """Read a sheet's used range (from A1 when ``from_a1``)."""
        sheet = self._book.get_sheet_by_name(name)
        rows = sheet.to_python(skip_empty_area=not from_a1)
        top, left = (0, 0) if from_a1 else (sheet.start or (0, 0))
        return Region(name, rows, top, left, tuple(sheet.merged_cell_ranges or ()))

    def table(self, name: str) -> Region:
        """Read an Excel Table: its header row, then its data rows."""
        t = self._book.get_table_by_name(name)
        top, left = t.start  # calamine's start is the first data row
        return Region(t.sheet, [list(t.columns), *t.to_python()], top - 1, left)

    @cached_property
    def defined_names(self) -> dict[str, str]:
        """Defined names (by :func:`name_key`) -> reference (``Sheet!$A$1:$C$9``)."""
        with zipfile.ZipFile(self.path) as z:
            text = z.read("xl/workbook.xml").decode("utf8", "replace")
        found = _DEFINED.findall(text)
        return {name_key(_unescape(n)): _unescape(r).strip() for n, r in found}

    def named_range(self, name) -> Region | None:
        """Read the range a defined name refers to, or None when there is none."""
        ref = self.defined_names.get(name_key(name), "")
        if "!" not in ref:
            return None
        sheet_part, cells = ref.rsplit("!", 1)
        sheet = sheet_part.strip("'").replace("''", "'")
        if sheet not in self.sheet_names:  # e.g. #REF! after a sheet was deleted
            return None
        first, _, last = cells.partition(":")
        (r0, c0), (r1, c1) = cell_index(first), cell_index(last or first)
        whole = self.sheet(sheet)
        rows = [
            row[c0 - whole.left : c1 - whole.left + 1]
            for row in whole.rows[r0 - whole.top : r1 - whole.top + 1]
        ]
        return Region(sheet, rows, r0, c0)

    @cached_property
    def _parts(self) -> dict[str, str]:
        """Sheet name -> its part in the package (``xl/worksheets/sheet1.xml``)."""
        with zipfile.ZipFile(self.path) as z:
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
                part = target if target.startswith("xl/") else "xl/" + target
                out[_unescape(name.group(1))] = part
        return out

    def scan(self, sheet: str) -> CellScan:
        """Find the sheet's error cells and formulas without a cached value."""
        part = self._parts.get(sheet)
        if part is None:
            return CellScan()
        with zipfile.ZipFile(self.path) as z:
            data = z.read(part)
        errors, missing = {}, []
        if b't="e"' in data:
            errors = {
                (int(r) - 1, _column_index(c.decode())): v.decode()
                for c, r, v in _ERROR_CELL.findall(data)
            }
        if b"<f" in data:
            missing = [
                (int(r) - 1, _column_index(c.decode()))
                for c, r in _FORMULA_NO_VALUE.findall(data)
            ]
        return CellScan(errors, missing)


def _unescape(text: str) -> str:
    """Undo XML escaping in an attribute (``R&amp;D`` -> ``R&D``)."""
    return unescape(text, {"&quot;": '"', "&apos;": "'"})


def _find(names: list[str], name) -> str | None:
    key = name_key(name)
    return next((n for n in names if name_key(n) == key), None)


def open_xlsx(path, *, tables: bool = True) -> Xlsx:
    """Open an xlsx workbook for reading.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx``/``.xlsm`` file (only read).
    tables : bool, default True
        Load the Excel Tables (ListObjects) too.

    Returns
    -------
    Xlsx
        The open workbook.

    Raises
    ------
    WorkbookFileError
        If the file is missing, not an xlsx package, password-protected, open
        in Excel or damaged; the message says how to fix it.
    """
    import python_calamine as pc

    path = Path(path)
    check_path(path)
    try:
        book = pc.CalamineWorkbook.from_path(str(path), load_tables=tables)
    except pc.PasswordError as exc:
        raise WorkbookFileError(
            path, "password-protected; save a copy without a password."
        ) from exc
    except pc.CalamineError as exc:
        raise WorkbookFileError(
            path,
            f"cannot be read as a workbook ({exc}); open it in Excel and save "
            "it again.",
        ) from exc
    return Xlsx(path, book, tables)
