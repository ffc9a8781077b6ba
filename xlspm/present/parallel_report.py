"""Present a parallel run: the workbook (Summary, Trend, Differences) and text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..io.output import atomic_output, output_path
from ..recon.parallel_run import ParallelRun
from .recon_report import _to_accept
from .results_workbook import WORKBOOK_OPTIONS, _formats, _table
from .text import frame_to_text

__all__ = ["parallel_text", "write_parallel_report"]


def write_parallel_report(run: ParallelRun, path, *, sources=(), force=False) -> Path:
    """Write the parallel-run workbook (Summary, Trend, Differences, To accept)."""
    import xlsxwriter

    path = output_path(path, sources, force, ".xlsx")
    with atomic_output(path) as staged:
        book = xlsxwriter.Workbook(str(staged), WORKBOOK_OPTIONS)
        try:
            fmt = _formats(book)
            ws = book.add_worksheet("Summary")
            ws.set_column(0, 0, 100)
            ws.write(0, 0, "Parallel run: cutover verdict", fmt["title"])
            ws.write(1, 0, run.verdict, fmt["bold"])
            for i, note in enumerate(run.notes, start=3):
                ws.write(i, 0, note)
            money = {"legacy_total", "engine_total", "net_difference", "money_diff"}
            (trend_ws,) = _table(
                book, "Trend", run.trend, fmt, money=money, percent={"match_rate"}
            )
            _trend_chart(book, trend_ws, len(run.cycles))
            _table(book, "Differences", run.differences(), fmt, money=money)
            accept = [_to_accept(r).assign(cycle=label) for label, r in run.cycles]
            _table(
                book,
                "To accept",
                pd.concat(accept, ignore_index=True),
                fmt,
                money=money,
            )
        finally:
            book.close()
    return path


def _trend_chart(book, ws, n: int) -> None:
    chart = book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "open differences",
            "categories": ["Trend", 1, 0, n, 0],
            "values": ["Trend", 1, 4, n, 4],
        }
    )
    chart.set_title({"name": "Open differences per cycle"})
    chart.set_legend({"none": True})
    ws.insert_chart(n + 3, 0, chart)


def parallel_text(run: ParallelRun) -> str:
    """Return the terminal summary: trend, reasons and verdict."""
    money = ("legacy_total", "engine_total", "net_difference")
    trend = run.trend.assign(match_rate=run.trend["match_rate"].map("{:.2%}".format))
    reasons = frame_to_text(
        run.reasons(), "Differences by reason (rows per cycle)", money=("net money",)
    )
    return "\n".join(
        [
            frame_to_text(trend, "Parallel run: trend per cycle", money=money),
            "",
            reasons,
            "",
            run.verdict,
        ]
    )
