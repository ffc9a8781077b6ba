"""Problems in the plan inputs, as records: the place, what was found, what is expected.

A :class:`Problem` names its place by input table, rows (the DataFrame index:
a workbook reader sets it to the sheet row) and column. ``str()`` gives the
message in table terms::

    transactions.amount: row 4 holds 'n/a'; expected a number.

and a workbook reader gives the same record in sheet terms
(``Transactions!C4 holds 'n/a'; expected a number.``, see
:meth:`xlspm.io.plan_workbook.Workbook.describe`) from its fields, never
from the message text. :class:`Problems` collects them while inputs are read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import PlanInputError

__all__ = ["MAX_LISTED", "Problem", "Problems", "rows_text", "shown"]

MAX_LISTED = 5  # rows (and values) named in one message


def _plain(value):
    """Return a numpy scalar as the Python value (hashable, JSON-ready)."""
    return value.item() if isinstance(value, np.generic) else value


def shown(value) -> str:
    """Return a cell value as a message shows it: ``'n/a'``, ``12.5``, ``a blank``.

    Blanks (None, NaN, NaT, empty or blank text) read as ``a blank``; numpy
    scalars as their Python value (``12.5``, not ``np.float64(12.5)``).
    """
    value = _plain(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return "a blank"
    try:
        if value != value:  # NaN, NaT
            return "a blank"
    except (TypeError, ValueError):
        pass
    if isinstance(value, pd.Timestamp):
        return repr(value.isoformat())
    return repr(value)


def _head(values) -> list:
    """Return the first :data:`MAX_LISTED` items (a Series by position)."""
    values = values.iloc if hasattr(values, "iloc") else values
    return list(values[:MAX_LISTED])


def rows_text(labels, keys=None, more: int | None = None) -> str:
    """Name up to five rows, e.g. ``rows 3, 9 (txn T1, T7) and 2 more``.

    ``more`` is the number of rows beyond ``labels`` (default: beyond five).
    """
    labels = list(labels)
    if more is None:
        more = max(len(labels) - MAX_LISTED, 0)
        labels = labels[:MAX_LISTED]
    shown = ", ".join(str(v) for v in labels)
    if keys is not None:
        shown += f" ({', '.join(str(k) for k in list(keys)[:MAX_LISTED])})"
    word = "row" if len(labels) + more == 1 else "rows"
    return f"{word} {shown}" + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Problem:
    """One problem with the inputs and its place.

    Attributes
    ----------
    table : str
        The input table (``transactions``); ``""`` when the place is ``where``
        or unknown.
    text : str
        What is wrong and the fix, written to follow the place (``repeat an
        id; ...``), or, after ``found``/``expected``, the fix alone.
    column : str
        The column, when the problem is about one.
    rows : tuple
        Row labels (up to :data:`MAX_LISTED`; ``more`` counts the rest).
    keys : tuple
        The ids of those rows (``T03``), shown next to them.
    more : int
        Rows beyond ``rows``.
    found : tuple of str
        The values found, as shown (``'n/a'``).
    expected : str
        What a cell should hold (``a number``).
    severity : str
        ``error`` or ``warning``.
    where : str
        A place that is not a table row: a file, an option, a sheet range
        (``Payees!B1:C1``); shown as it is.
    sep : str
        What joins the rows to ``text``: ``" "`` when the text goes on
        about the rows (``rows 3, 4 repeat a quota``), ``": "`` when it is a
        sentence of its own (``row 4 (T03): direct splits sum to 110%``).
    """

    table: str = ""
    text: str = ""
    column: str = ""
    rows: tuple = ()
    keys: tuple = ()
    more: int = 0
    found: tuple = ()
    expected: str = ""
    severity: str = "error"
    where: str = ""
    sep: str = " "

    @classmethod
    def at(cls, table: str, text: str = "", *, rows=(), keys=None, **fields):
        """Build a record naming up to five of ``rows`` (and their ``keys``).

        ``rows`` and ``keys`` are sequences (lists, arrays, pandas objects:
        a Series of keys is taken by position).
        """
        listed = tuple(_plain(r) for r in _head(rows))
        keys = () if keys is None else tuple(str(k) for k in _head(keys))
        more = len(rows) - len(listed)
        return cls(table, text, rows=listed, keys=keys, more=more, **fields)

    def rows_part(self) -> str:
        """Return the rows as text: ``rows 3, 9 (T1, T7) and 2 more``."""
        return rows_text(self.rows, self.keys or None, self.more)

    def detail(self) -> str:
        """Return what the message says about the place."""
        if not self.expected:
            return self.text
        verb = "holds" if len(self.rows) + self.more == 1 else "hold"
        out = f"{verb} {', '.join(self.found)}; expected {self.expected}."
        return f"{out} {self.text}" if self.text else out

    def __str__(self) -> str:
        head = self.where or ".".join(p for p in (self.table, self.column) if p)
        if self.rows and not self.where:
            colon = ":" if self.sep == " " else ""
            return f"{head}{colon} {self.rows_part()}{self.sep}{self.detail()}"
        return f"{head}: {self.detail()}" if head else self.detail()


def _record(problem, severity: str, details: dict) -> Problem:
    if isinstance(problem, Problem):
        return dataclasses.replace(problem, severity=severity)
    if details:
        return Problem.at(problem, severity=severity, **details)
    return Problem(text=str(problem), severity=severity)  # a message without place


@dataclass
class Problems:
    """Errors and warnings collected while reading inputs.

    ``strict=True`` turns warnings into errors.
    """

    strict: bool = False
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def error(self, problem, text: str = "", **details) -> None:
        """Record an error: a :class:`Problem`, or ``Problem.at``'s arguments."""
        if text:
            details["text"] = text
        self.errors.append(_record(problem, "error", details))

    def warn(self, problem, text: str = "", **details) -> None:
        """Record a warning (an error when strict); arguments as :meth:`error`."""
        if text:
            details["text"] = text
        if self.strict:
            self.errors.append(_record(problem, "error", details))
        else:
            self.warnings.append(_record(problem, "warning", details))

    def raise_if_any(self) -> None:
        """Raise :class:`PlanInputError` when errors were recorded."""
        if self.errors:
            raise PlanInputError(self.errors)
