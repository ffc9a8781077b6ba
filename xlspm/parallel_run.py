"""Parallel runs: reconcile cycle after cycle and decide on cutover.

Each cycle is one legacy workbook (a month or quarter the old process paid)
reconciled against the engine. An accepted-differences list (key columns,
``reason``, ``accepted_by``, ``note``) is carried from cycle to cycle: a row
without the period key applies to every cycle. Cutover is GO when the last
``required`` cycles are each reconciled: every difference within tolerance
or accepted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import InputError
from .recon_report import _out_path, _to_accept
from .recon_result import ReconResult
from .recon_workbooks import EngineSide, load_engine, reconcile_workbooks
from .render import frame_to_text
from .report import WORKBOOK_OPTIONS, _formats, _table

__all__ = ["ParallelRun", "parallel_run", "parallel_text", "write_parallel_report"]


@dataclass(frozen=True)
class ParallelRun:
    """The reconciliations of several cycles, their trend and the verdict.

    Attributes
    ----------
    cycles : list of (str, ReconResult)
        Cycle label (its periods) and its reconciliation, in order.
    required : int
        Consecutive reconciled cycles needed for cutover.
    notes : list of str
        What the readers noticed.
    """

    cycles: list
    required: int
    notes: list = field(default_factory=list)

    @property
    def trend(self) -> pd.DataFrame:
        """Return one row per cycle: counts, money, match rate, reconciled."""
        rows = []
        for label, result in self.cycles:
            s = result.summary()
            rows.append({"cycle": label, **{k: s[k] for k in _TREND}})
        return pd.DataFrame(rows, columns=["cycle", *_TREND])

    @property
    def cutover(self) -> bool:
        """True when the last ``required`` cycles are all reconciled."""
        last = [r.reconciled for _, r in self.cycles][-self.required :]
        return len(last) == self.required and all(last)

    @property
    def verdict(self) -> str:
        """Return the cutover verdict as a sentence."""
        streak = 0
        for _, result in reversed(self.cycles):
            if not result.reconciled:
                break
            streak += 1
        if self.cutover:
            return (
                f"GO: the last {self.required} cycle(s) reconciled (every difference "
                "within tolerance or accepted)."
            )
        return (
            f"NO-GO: {streak} consecutive reconciled cycle(s) at the end; "
            f"{self.required} needed. Explain or accept the open differences."
        )

    def reasons(self) -> pd.DataFrame:
        """Return rows per reason code and cycle, and the money, for reasons seen."""
        table = {
            label: r.counts().set_index("reason")["rows"] for label, r in self.cycles
        }
        out = pd.DataFrame(table)
        out["net money"] = sum(
            r.counts().set_index("reason")["net"] for _, r in self.cycles
        )
        out = out[out.drop(columns="net money").sum(axis=1) > 0]
        return (
            out.drop(index=["match"], errors="ignore")
            .rename_axis("reason")
            .reset_index()
        )

    def differences(self) -> pd.DataFrame:
        """Return every cycle's differences, with a ``cycle`` column first."""
        parts = [r.differences.assign(cycle=label) for label, r in self.cycles]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return out[["cycle", *[c for c in out.columns if c != "cycle"]]]

    def to_dict(self) -> dict:
        """Return the verdict, trend and each cycle's summary as plain Python."""
        return {
            "cutover": self.cutover,
            "verdict": self.verdict,
            "required": self.required,
            "trend": self.trend.to_dict(orient="records"),
            "cycles": {label: r.to_dict(limit=200) for label, r in self.cycles},
            "notes": list(self.notes),
        }


_TREND = (
    "rows",
    "differences",
    "accepted",
    "open",
    "match_rate",
    "legacy_total",
    "engine_total",
    "net_difference",
    "reconciled",
)


def _label(result: ReconResult, legacy) -> str:
    keys = result.settings["keys"]
    period = [k for k in keys if "period" in k.lower()]
    if period:
        values = sorted(result.rows[period[0]].astype(str).unique())
        if 0 < len(values) <= 3:
            return ", ".join(values)
    return Path(legacy).stem


def parallel_run(engine, legacy, *, required: int = 2, engine_sheet=None, **options):
    """Reconcile each cycle's legacy workbook against the engine.

    Parameters
    ----------
    engine : str, path-like or EngineSide
        Results workbook from ``xlspm calc``, a comp-plan workbook, or an
        engine side already loaded.
    legacy : sequence of path-like
        Legacy workbooks, one per cycle, oldest first.
    required : int, default 2
        Consecutive reconciled cycles needed for cutover.
    engine_sheet : str, optional
        The engine's results sheet.
    **options
        ``keys``, ``values``, ``legacy_sheet``, ``mapping``, ``abs_tol``,
        ``rel_tol``, ``accepted``: as for :func:`reconcile_workbooks`.

    Returns
    -------
    ParallelRun
        The cycles, their trend and the cutover verdict.
    """
    if not isinstance(required, int) or required < 1:
        raise InputError(
            f"--required: got {required!r}; it must be a whole number >= 1."
        )
    if not legacy:
        raise InputError("parallel-run: give at least one legacy workbook.")
    side = (
        engine
        if isinstance(engine, EngineSide)
        else load_engine(engine, sheet=engine_sheet)
    )
    cycles, notes = [], list(side.notes)
    for path in legacy:
        result, _, found = reconcile_workbooks(path, side, **options)
        cycles.append((_label(result, path), result))
        notes += [f"{Path(path).name}: {n}" for n in found if n not in side.notes]
    return ParallelRun(cycles, required, notes)


def write_parallel_report(run: ParallelRun, path, *, sources=(), force=False) -> Path:
    """Write the parallel-run workbook (Summary, Trend, Differences, To accept)."""
    import xlsxwriter

    path = _out_path(path, sources, force, ".xlsx")
    staged = path.with_name(f".{path.name}.xlspm-tmp")
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
            book, "To accept", pd.concat(accept, ignore_index=True), fmt, money=money
        )
    finally:
        book.close()
    os.replace(staged, path)
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
