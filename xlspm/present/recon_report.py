"""Present a reconciliation: xlsx report, JSON summary and terminal text.

The xlsx report has ``Summary`` (verdict, counts and money per reason code,
control totals per side, largest differences, settings; the tie-out cells are
formulas with their values cached), ``Differences`` (every row needing an
explanation, largest first, coloured by sign), ``Unmatched``, ``Duplicates``
and ``To accept`` (the open differences in the accepted-differences format,
to fill in and pass back with ``--accepted``). Written atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..io.output import atomic_output, output_path
from ..recon.result import REASONS, ReconResult
from .results_workbook import WORKBOOK_OPTIONS, _formats, _table
from .text import frame_to_text

__all__ = ["recon_text", "write_recon_json", "write_recon_report"]


def _money_columns(result: ReconResult) -> set[str]:
    roles = result.settings["roles"]
    names = [v for v, r in roles.items() if r not in ("attainment", "rate")]
    cols = {f"{v}_{side}" for v in names for side in ("legacy", "engine", "diff")}
    return cols | {"money_diff", "legacy", "engine", "difference", "net", "gross"}


def _percent_columns(result: ReconResult) -> set[str]:
    roles = result.settings["roles"]
    names = [v for v, r in roles.items() if r == "attainment"]
    return {f"{v}_{side}" for v in names for side in ("legacy", "engine", "diff")}


def _verdict(result: ReconResult) -> str:
    s = result.summary()
    if s["reconciled"]:
        return "RECONCILED: every row matches, is within tolerance or is accepted."
    return (
        f"NOT RECONCILED: {s['open']:,} open difference(s) of {s['rows']:,} rows; "
        f"net {s['net_difference']:+,.2f}."
    )


def _summary_sheet(book, result: ReconResult, fmt: dict, title: str) -> None:
    ws = book.add_worksheet("Summary")
    ws.set_column(0, 0, 28)
    ws.set_column(1, 6, 16)
    ws.write(0, 0, title, fmt["title"])
    ws.write(1, 0, _verdict(result), fmt["bold"])
    s = result.summary()
    head = [
        ("Rows (keys)", s["rows"], None),
        ("Matched or within tolerance", s["rows"] - s["differences"], None),
        ("Differences", s["differences"], None),
        ("Accepted", s["accepted"], None),
        ("Open", s["open"], None),
        ("Match rate", s["match_rate"], fmt["percent"]),
        ("Legacy total", s["legacy_total"], fmt["money"]),
        ("Engine total", s["engine_total"], fmt["money"]),
    ]
    for i, (label, value, style) in enumerate(head, start=3):
        ws.write(i, 0, label)
        ws.write(i, 1, value, style)
    row = 3 + len(head)
    ws.write(row, 0, "Net difference (engine - legacy)")
    ws.write_formula(row, 1, "=B11-B10", fmt["money"], s["net_difference"])
    counts = result.counts()
    start = row + 2
    ws.write(start, 0, "By reason", fmt["bold"])
    _block(ws, start + 1, counts, fmt, money=("net", "gross"))
    end = start + 2 + len(counts)
    ws.write(end, 0, "Total (ties out to the net difference)")
    net = float(counts["net"].sum().round(2))
    ws.write_formula(end, 3, f"=SUM(D{start + 3}:D{end})", fmt["money"], net)
    ties = "ties out" if round(net - s["net_difference"], 2) == 0 else "CHECK"
    check = f'=IF(ROUND(D{end + 1}-B{row + 1},2)=0,"ties out","CHECK")'
    ws.write_formula(end, 4, check, None, ties)
    totals_at = end + 2
    ws.write(totals_at, 0, "Control totals of the payout by side", fmt["bold"])
    money = ("legacy", "engine", "difference")
    _block(ws, totals_at + 1, result.totals, fmt, money=money)
    largest_at = totals_at + 3 + len(result.totals)
    ws.write(largest_at, 0, "Largest differences (all on Differences)", fmt["bold"])
    keys = result.settings["keys"]
    top = result.largest(20)[[*keys, "reason", "money_diff", "detail"]]
    _block(ws, largest_at + 1, top.astype({"reason": str}), fmt, money=("money_diff",))
    settings_at = largest_at + 3 + len(top)
    ws.write(settings_at, 0, "Settings", fmt["bold"])
    for i, (k, v) in enumerate(result.settings.items(), start=settings_at + 1):
        ws.write(i, 0, k)
        ws.write(i, 1, json.dumps(v) if isinstance(v, dict | list) else v)


def _block(ws, row: int, frame: pd.DataFrame, fmt: dict, money=()) -> None:
    for j, col in enumerate(frame.columns):
        ws.write(row, j, str(col), fmt["bold"])
    for i, values in enumerate(frame.itertuples(index=False), start=row + 1):
        for j, (col, v) in enumerate(zip(frame.columns, values, strict=True)):
            v = v.item() if hasattr(v, "item") else v
            if isinstance(v, float) and v != v:  # NaN: leave the cell empty
                continue
            ws.write(i, j, v, fmt["money"] if col in money else None)


def _differences_sheet(book, result: ReconResult, fmt: dict) -> None:
    rows = result.largest(len(result.rows))
    rows = rows[~rows["reason"].isin(["missing_in_engine", "missing_in_legacy"])]
    money, percent = _money_columns(result), _percent_columns(result)
    (ws,) = _table(book, "Differences", rows, fmt, money=money, percent=percent)
    red = book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"})
    green = book.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
    last = max(len(rows), 1)
    for j, col in enumerate(rows.columns):
        if str(col).endswith("_diff") or col == "money_diff":
            for rule, style in (("<", red), (">", green)):
                ws.conditional_format(
                    1,
                    j,
                    last,
                    j,
                    {"type": "cell", "criteria": rule, "value": 0, "format": style},
                )


def _to_accept(result: ReconResult) -> pd.DataFrame:
    keys = result.settings["keys"]
    rows = result.open_differences
    return rows[keys].assign(
        reason=rows["reason"].astype(str),
        accepted_by="",
        note=rows["detail"],
        money_diff=rows["money_diff"],
    )


def write_recon_report(
    result: ReconResult, path, *, sources=(), force: bool = False, title=None
) -> Path:
    """Write the reconciliation workbook atomically.

    Parameters
    ----------
    result : ReconResult
        What :func:`xlspm.reconcile` returned.
    path : str or path-like
        The ``.xlsx`` to create.
    sources : sequence of path-like
        Input workbooks; the report may never replace one of them.
    force : bool, default False
        Replace ``path`` if it exists.
    title : str, optional
        Heading of the Summary sheet.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    InputError
        If ``path`` is an input, exists without ``force``, or is not .xlsx.
    """
    import xlsxwriter

    path = output_path(path, sources, force, ".xlsx")
    with atomic_output(path) as staged:
        book = xlsxwriter.Workbook(str(staged), WORKBOOK_OPTIONS)
        try:
            fmt = _formats(book)
            money, percent = _money_columns(result), _percent_columns(result)
            _summary_sheet(book, result, fmt, title or "Reconciliation")
            _differences_sheet(book, result, fmt)
            missing = result.rows["reason"].isin(
                ["missing_in_engine", "missing_in_legacy"]
            )
            unmatched = result.rows[missing]
            _table(book, "Unmatched", unmatched, fmt, money=money, percent=percent)
            _table(book, "Duplicates", result.duplicates, fmt, money=money)
            _table(book, "To accept", _to_accept(result), fmt, money=money)
        finally:
            book.close()
    return path


def write_recon_json(result: ReconResult, path, *, sources=(), force=False) -> Path:
    """Write ``result.to_dict()`` as JSON, atomically; return the path."""
    path = output_path(path, sources, force, ".json")
    with atomic_output(path) as staged:
        staged.write_text(json.dumps(result.to_dict(), indent=2, default=str))
    return path


def recon_text(result: ReconResult, title: str = "Reconciliation", top: int = 10):
    """Return the terminal summary: verdict, reasons, totals, largest rows."""
    counts = result.counts()
    counts = counts[(counts["rows"] > 0) | counts["reason"].isin(REASONS[:1])]
    keys = result.settings["keys"]
    largest = result.largest(top)
    shown = largest[[*keys, "reason", "money_diff", "detail"]].copy()
    shown["detail"] = shown["detail"].str.slice(0, 90)
    parts = [
        title,
        _verdict(result),
        "",
        frame_to_text(counts, "By reason", money=("net", "gross")),
        "",
        frame_to_text(
            result.totals,
            "Control totals (payout)",
            money=("legacy", "engine", "difference"),
        ),
    ]
    if len(shown):
        parts += [
            "",
            frame_to_text(
                shown, f"Largest differences (top {top})", money=("money_diff",)
            ),
        ]
    return "\n".join(parts)
