"""Write calculation results as a workbook a comp team can open and hand on.

Sheets: ``Summary`` (control totals per component and period), ``Results``,
``Statements`` (one block per payee), ``Credits``, ``Trace`` (every result
row explained step by step), ``Issues`` (rejected rows and warnings),
``Tiers`` (the rate tables, so a reconciliation can spot tier boundaries). Each
table is an Excel Table with filters, money and percent formats, a frozen
header row and fitted column widths. The file is written to a temporary
name beside the target and renamed: it appears complete or not at all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..engine.results import STATEMENT_COLUMNS, tiers_table
from ..io.output import atomic_output, output_path

__all__ = ["EXCEL_MAX_ROWS", "summary_table", "write_report"]

EXCEL_MAX_ROWS = 1_048_576
MONEY = {
    "credited",
    "credited_ytd",
    "quota",
    "quota_ytd",
    "raw_payout",
    "earned",
    "previously_paid",
    "payout_due",
    "amount",
    "txn_amount",
}
PERCENT = {"attainment", "proration"}
TRACE_LIMIT = 5_000
# cells are written as given: no formula, URL or number sniffing of strings
WORKBOOK_OPTIONS = {
    "nan_inf_to_errors": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """Control totals per component and period, and a grand total row.

    ``credited`` is this period's credit and ``payout_due`` what is paid for
    the period, so both add up across periods (year-to-date columns would not).
    """
    if results.empty:
        return pd.DataFrame(
            columns=[
                "component",
                "period",
                "payees",
                "credited",
                "payout_due",
            ]
        )
    grouped = (
        results.groupby(["component", "period"], sort=True)
        .agg(
            payees=("payee_id", "nunique"),
            credited=("credited", "sum"),
            payout_due=("payout_due", "sum"),
        )
        .reset_index()
    )
    total = pd.DataFrame(
        [
            {
                "component": "Total",
                "period": "",
                "payees": results["payee_id"].nunique(),
                "credited": grouped["credited"].sum(),
                "payout_due": grouped["payout_due"].sum(),
            }
        ]
    )
    return pd.concat([grouped, total], ignore_index=True)


def _formats(book):
    return {
        "money": book.add_format({"num_format": "#,##0.00"}),
        "percent": book.add_format({"num_format": "0.00%"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
    }


def _cell(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def _column_values(series: pd.Series) -> list:
    """Return a column as Python values for xlsxwriter (NaN -> None).

    Dates become Excel serial numbers (formatted as dates by the column
    style): xlsxwriter's own datetime conversion is per cell and slow.
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.to_numpy(dtype="datetime64[ns]")
        serial = (values - EXCEL_EPOCH) / np.timedelta64(1, "D")
        return [None if v != v else v for v in serial.tolist()]
    if pd.api.types.is_float_dtype(series):
        return [None if v != v else v for v in series.to_numpy().tolist()]
    if pd.api.types.is_integer_dtype(series) or pd.api.types.is_bool_dtype(series):
        return series.to_numpy().tolist()
    return [_cell(v) for v in series.to_numpy(dtype=object)]


def _rows_for_excel(frame: pd.DataFrame) -> list[list]:
    """Return the rows of ``frame`` as lists of Python values."""
    columns = [_column_values(frame[c]) for c in frame.columns]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _table(
    book,
    name: str,
    frame: pd.DataFrame,
    fmt: dict,
    first_row: int = 0,
    *,
    money=MONEY,
    percent=PERCENT,
):
    """Write ``frame`` as an Excel Table on a new sheet (split past the row limit)."""
    frame = frame.reset_index(drop=True)
    per_sheet = EXCEL_MAX_ROWS - 1 - first_row
    chunks = max(1, -(-len(frame) // per_sheet))
    sheets = []
    for c in range(chunks):
        part = frame.iloc[c * per_sheet : (c + 1) * per_sheet]
        ws = book.add_worksheet(name if c == 0 else f"{name} {c + 1}")
        columns = []
        for col in part.columns:
            style = None
            if col in money:
                style = fmt["money"]
            elif col in percent:
                style = fmt["percent"]
            elif pd.api.types.is_datetime64_any_dtype(part[col]):
                style = fmt["date"]
            columns.append({"header": str(col), **({"format": style} if style else {})})
        data = _rows_for_excel(part)
        last_row = first_row + max(len(data), 1)
        ws.add_table(
            first_row,
            0,
            last_row,
            max(len(columns) - 1, 0),
            {
                "data": data,
                "columns": columns,
                "name": f"{name.replace(' ', '')}{c + 1 if c else ''}",
                "style": "Table Style Light 9",
            },
        )
        ws.freeze_panes(first_row + 1, 0)
        for j, col in enumerate(part.columns):
            sample = (
                part[col]
                .head(200)
                .map(
                    lambda v: len(f"{v:,.2f}") if isinstance(v, float) else len(str(v))
                )
            )
            width = max([len(str(col)), *sample.tolist()], default=8) + 2
            ws.set_column(j, j, min(width, 60))
        sheets.append(ws)
    return sheets


def _statements(book, results: pd.DataFrame, fmt: dict) -> None:
    ws = book.add_worksheet("Statements")
    cols = STATEMENT_COLUMNS
    row = 0
    ws.set_column(0, 1, 16)
    ws.set_column(2, len(cols), 15)
    for payee, part in results.groupby("payee_id", sort=False):
        name = part["name"].iloc[0] or ""
        ws.write(row, 0, f"Statement: {payee} {name}".strip(), fmt["title"])
        ws.write(row + 1, 0, f"Plan {part['plan_id'].iloc[0]}")
        for j, col in enumerate(cols):
            ws.write(row + 2, j, col, fmt["bold"])
        for i, rec in enumerate(part[cols].itertuples(index=False)):
            for j, (col, value) in enumerate(zip(cols, rec, strict=True)):
                style = (
                    fmt["money"]
                    if col in MONEY
                    else fmt["percent"]
                    if col in PERCENT
                    else None
                )
                ws.write(row + 3 + i, j, _cell(value), style)
        total_row = row + 3 + len(part)
        ws.write(total_row, 0, "Total payout due", fmt["bold"])
        ws.write(
            total_row, len(cols) - 1, float(part["payout_due"].sum()), fmt["money"]
        )
        row = total_row + 3


def _trace_texts(res):
    """Yield (result row, explanation) for the first TRACE_LIMIT rows.

    Each payee's credits are built once for all of its rows.
    """
    from ..engine.results import trace_row
    from .explain_text import render

    head = res.results.head(TRACE_LIMIT)
    if res.partitions is not None:  # Dask: one pass over the partitions
        rows = [row for _, row in head.iterrows()]
        for row, t in zip(rows, res.partitions.traces(res, rows, 20), strict=True):
            yield row, render(t)
        return
    for payee, rows in head.groupby("payee_id", sort=False):
        credits = res.credits_of(payee)
        for _, row in rows.iterrows():
            yield row, render(trace_row(res, row, credits))


def _trace_rows(res) -> pd.DataFrame:
    rows = []
    for rec, text in _trace_texts(res):
        for step, line in enumerate(text.splitlines()):
            rows.append(
                {
                    "payee_id": rec.payee_id,
                    "component": rec.component,
                    "period": rec.period,
                    "step": step,
                    "explanation": line,
                }
            )
    if len(res.results) > TRACE_LIMIT:
        rows.append(
            {
                "payee_id": "",
                "component": "",
                "period": "",
                "step": 0,
                "explanation": f"Only the first {TRACE_LIMIT:,} result rows are "
                "traced here; use xlspm.explain for the others.",
            }
        )
    return pd.DataFrame(
        rows, columns=["payee_id", "component", "period", "step", "explanation"]
    )


def _credits(res) -> pd.DataFrame:
    """Return the credits, or for a Dask run a note on where they are."""
    if res.partitions is None:
        return res.credits
    return pd.DataFrame(
        {
            "note": [
                f"{res.credit_count:,} credits were made on Dask and stay in the "
                "transaction partitions. The Trace sheet lists the credits behind "
                "each traced row; in Python, Results.credits_of(payee_id) and "
                "xlspm.explain gather one payee's."
            ]
        }
    )


def _issues(res, describe=str) -> pd.DataFrame:
    rejected = res.rejected.assign(kind="rejected row")
    rejected["message"] = rejected["reason"]
    messages = [describe(w) for w in res.warnings]
    warnings = pd.DataFrame({"kind": "warning", "message": messages}, dtype=object)
    frame = pd.concat([rejected, warnings], ignore_index=True)
    cols = ["kind", "table", "row", "txn_id", "message"]
    return frame.reindex(columns=cols).astype(object).fillna("")


def write_report(res, path, *, source=None, force: bool = False, describe=str) -> Path:
    """Write the results workbook atomically.

    Parameters
    ----------
    res : Results
        What :func:`xlspm.calculate` returned.
    path : str or path-like
        The ``.xlsx`` to create.
    source : str or path-like, optional
        The input workbook; the output may never replace it.
    force : bool, default False
        Replace ``path`` if it exists.
    describe : callable, default str
        Turns a warning (a :class:`~xlspm.schema.problems.Problem`) into the
        Issues sheet's message; :meth:`xlspm.io.plan_workbook.Workbook.describe`
        names the input workbook's cells.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        If ``path`` is the input, exists without ``force``, or is not .xlsx.
    """
    import xlsxwriter

    path = output_path(path, [source], force, ".xlsx")
    with atomic_output(path) as staged:
        book = xlsxwriter.Workbook(str(staged), WORKBOOK_OPTIONS)
        try:
            fmt = _formats(book)
            _table(book, "Summary", summary_table(res.results), fmt)
            _table(book, "Results", res.results, fmt)
            _statements(book, res.results, fmt)
            _table(book, "Credits", _credits(res), fmt)
            _table(book, "Trace", _trace_rows(res), fmt)
            _table(book, "Issues", _issues(res, describe), fmt)
            if res.book is not None:
                _table(book, "Tiers", tiers_table(res), fmt)
        finally:
            book.close()
    return path
