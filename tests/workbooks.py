"""Build real .xlsx workbooks for the tests (openpyxl)."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd

from xlspm.io.plan_workbook import SHEETS


def _cell(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if (
        isinstance(value, str)
        and len(value) == 10
        and value[4] == "-"
        and value[7] == "-"
    ):
        return dt.date.fromisoformat(value)  # a real Excel date
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def write_workbook(path, inputs: dict, *, drop=(), edit=None):
    """Write ``inputs`` (calculate's keyword arguments) as one sheet per table."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for table, frame in inputs.items():
        if frame is None or table in drop:
            continue
        ws = wb.create_sheet(SHEETS[table][0])
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
    if edit:
        edit(wb)
    wb.save(path)
    return path
