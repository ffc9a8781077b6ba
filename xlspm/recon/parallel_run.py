"""Parallel runs: reconcile cycle after cycle and decide on cutover.

Each cycle is one legacy workbook (a month or quarter the old process paid)
reconciled against the engine. An accepted-differences list (key columns,
``reason``, ``accepted_by``, ``note``) is carried from cycle to cycle: a row
without the period key applies to every cycle. Cutover is GO when the last
``required`` cycles are each reconciled: every difference within tolerance
or accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..schema.values import name_key
from .result import ReconResult
from .workbooks import EngineSide, load_engine, reconcile_workbooks

__all__ = ["ParallelRun", "parallel_run"]


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
    period = [k for k in keys if "period" in name_key(k)]
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
