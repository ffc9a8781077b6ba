"""Cell values in, cell values out: the work behind the thin UDFs in udfs.py.

Excel hands UDFs ranges as lists of rows. Classic COM passes numbers as
floats, blanks as None, dates as datetimes, error cells as integer HRESULTs
and an omitted optional argument as -2147352572; Office.js (xlwings server)
passes blanks as ``""``, errors as ``{"type": "Error", ...}`` and dates as
serial numbers. These helpers accept both, never raise a traceback into a
cell, and shape results for spilling.
"""

from __future__ import annotations

import contextvars
import functools
import math
import os

import numpy as np
import pandas as pd

from ..errors import InputError, XlspmError
from ..schema.values import EXCEL_ERRORS, norm_key, parse_number

__all__ = [
    "cell_errors",
    "column",
    "number",
    "out_column",
    "rate_table",
    "scale",
    "table",
    "to_range",
]

COM_OMITTED = -2147352572
COM_ERRORS = {
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
GRID_ROWS, GRID_COLS = 1_048_576, 16_384
# True while the Office.js backend runs a call (set by xlspm.server).
ON_SERVER: contextvars.ContextVar = contextvars.ContextVar(
    "xlspm_on_server", default=None
)


def is_blank(value) -> bool:
    """Return whether a cell value is empty (None, "" or an omitted argument)."""
    return value is None or value == "" or value == COM_OMITTED


def error_text(value) -> str | None:
    """Return the error code of an error cell (#N/A, ...), else None."""
    if isinstance(value, dict) and value.get("type") == "Error":
        return str(value.get("basicType") or value.get("errorType") or "#VALUE!")
    if isinstance(value, int) and not isinstance(value, bool) and value in COM_ERRORS:
        return COM_ERRORS[value]
    if isinstance(value, str) and value in EXCEL_ERRORS:  # xlwings err_to_str=True
        return value
    return None


def _rows(values) -> list[list]:
    if isinstance(values, (list, tuple)):
        if values and isinstance(values[0], (list, tuple)):
            return [list(r) for r in values]
        return [[v] for v in values]
    return [[values]]


def number(value, where: str) -> float:
    """Read one cell as a number (numeric text too), else raise InputError."""
    out = parse_number(value)
    if out is None:
        raise InputError(f"{where}: got {value!r}; expected a number.")
    return out


def column(values, name: str):
    """Read a column (or row) of cells as floats, with blank and error masks.

    Returns
    -------
    tuple of (numpy.ndarray, numpy.ndarray, list)
        Values (0 where blank or error), the blank mask, and the error code
        of each cell (None when not an error).
    """
    flat = [v for row in _rows(values) for v in row]
    if all(type(v) is float or type(v) is int for v in flat):  # the common case
        x = np.array(flat, dtype=np.float64)
        return x, np.zeros(x.size, dtype=bool), [None] * x.size
    errors = [error_text(v) for v in flat]
    blank = np.array(
        [is_blank(v) and e is None for v, e in zip(flat, errors, strict=True)]
    )
    x = np.zeros(len(flat))
    for i, (v, e) in enumerate(zip(flat, errors, strict=True)):
        if e is None and not blank[i]:
            x[i] = number(v, f"{name} cell {i + 1}")
    return x, blank, errors


def rate_table(values, name: str = "rate_table"):
    """Floors and rates from a two-column range (a text header row is skipped)."""
    rows = [r for r in _rows(values) if not all(is_blank(v) for v in r)]
    if rows and all(_is_label(v) for v in rows[0][:2]):  # a header row
        rows = rows[1:]
    if not rows or len(rows[0]) < 2:
        raise InputError(
            f"{name}: expected two columns (floor, rate) with at least one row."
        )
    floors, rates = [], []
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row[:2]):
            if error_text(v) or is_blank(v):
                raise InputError(
                    f"{name} row {i}: {'floor' if j == 0 else 'rate'} is "
                    f"{error_text(v) or 'blank'}; fill it in."
                )
        floors.append(number(row[0], f"{name} row {i} floor"))
        rates.append(number(row[1], f"{name} row {i} rate"))
    return floors, rates


def _is_label(value) -> bool:
    return isinstance(value, str) and parse_number(value) is None


def table(values, name: str) -> pd.DataFrame:
    """Read a range with a header row as a DataFrame (blanks None, no errors)."""
    if isinstance(values, pd.DataFrame):
        return values
    rows = [r for r in _rows(values) if not all(is_blank(v) for v in r)]
    if not rows:
        raise InputError(
            f"{name}: the range is empty; select the table with its header row."
        )
    header = [str(h).strip() for h in rows[0]]
    data = []
    for i, row in enumerate(rows[1:], start=2):
        for j, v in enumerate(row):
            if error_text(v):
                raise InputError(
                    f"{name} row {i}, column {header[j]!r}: "
                    f"{error_text(v)}; fix the cell."
                )
        data.append([None if is_blank(v) else v for v in row])
    return pd.DataFrame(data, columns=header)


def out_column(values, blank, errors) -> list[list]:
    """Shape results as one column for spilling: blanks stay blank, errors stay."""
    if not blank.any() and not any(errors):  # the common case, at C speed
        return np.asarray(values, dtype=np.float64).reshape(-1, 1).tolist()
    out = []
    for v, b, e in zip(values, blank, errors, strict=True):
        out.append([e if e else "" if b else float(v)])
    return out


def _plain(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_range(frame: pd.DataFrame) -> list[list]:
    """Return a DataFrame as rows under a header row, ready to spill."""
    n_rows, n_cols = len(frame) + 1, len(frame.columns)
    if n_rows > GRID_ROWS or n_cols > GRID_COLS:
        raise InputError(
            f"the result has {n_rows:,} rows and {n_cols} columns; Excel's grid holds "
            f"{GRID_ROWS:,} x {GRID_COLS:,}. Run xlspm calc on the workbook instead."
        )
    rows = [list(map(str, frame.columns))]
    rows += [[_plain(v) for v in row] for row in frame.itertuples(index=False)]
    return rows


def cell_errors(func):
    """Turn xlspm errors into a short message in the cell, never a traceback.

    On the Office.js server path the message is raised as
    ``xlwings.XlwingsError`` (shown as the cell's error text).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except XlspmError as exc:
            message = f"xlspm: {exc}"
        except Exception as exc:  # a cell must never show a traceback
            message = f"xlspm: unexpected {type(exc).__name__}: {exc}"
        server = ON_SERVER.get()
        if server is None:
            server = os.environ.get("XLWINGS_ON_SERVER", "").lower() == "true"
        if server:
            import xlwings

            raise xlwings.XlwingsError(message)
        return message

    return wrapper


def credit_table(transactions, assignments, payees) -> pd.DataFrame:
    """Credits of the transactions under the rules (no plan needed).

    Every payee is put on a placeholder plan with roll-ups off, so only
    crediting runs; the result is the credits table.
    """
    from ..engine.calculate import calculate

    txns = table(transactions, "transactions")
    rules = None if is_blank(assignments) else table(assignments, "assignments")
    if is_blank(payees):  # everyone the rules or the sellers name
        ids = [] if rules is None else list(rules.get("payee_id", []))
        ids += list(txns.get("seller", []))
        people = pd.DataFrame(
            {
                "payee_id": pd.unique(
                    pd.Series([norm_key(v) for v in ids if norm_key(v)], dtype=object)
                )
            }
        )
    else:
        people = table(payees, "payees")
    people = people.assign(plan_id="_credit_only")
    plans = pd.DataFrame(
        {
            "plan_id": ["_credit_only"],
            "component": ["_"],
            "rate_table": ["_"],
            "basis": ["amount"],
        }
    )
    tables = pd.DataFrame({"table": ["_"], "floor": [0.0], "rate": [0.0]})
    res = calculate(txns, people, rules, plans, tables)
    return res.credits


def scale(values):
    """Read a UDF's optional scale: blank -> 1, one number, or one value per x.

    Several cells are returned as they are (blank and error cells as NaN):
    :func:`xlspm.numerics.tiered_payout` checks that there is one number or
    one finite value per x.
    """
    if isinstance(values, (list, tuple)):
        flat = [v for row in _rows(values) for v in row]
        if len(flat) != 1:
            numbers, blank, errors = column(values, "scale")
            missing = blank | np.array([e is not None for e in errors], dtype=bool)
            return np.where(missing, np.nan, numbers)
        values = flat[0]
    return 1.0 if is_blank(values) else number(values, "scale")
