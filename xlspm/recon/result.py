"""What :func:`xlspm.reconcile` returns, and the accepted-differences list."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["CLEAN", "REASONS", "STAGES", "ReconResult", "apply_accepted"]

REASONS = (
    "match",
    "within_tolerance",
    "rounding",
    "tier_boundary",
    "missing_in_engine",
    "missing_in_legacy",
    "duplicate_key",
    "legacy_error",
    "crediting",
    "quota",
    "rate",
    "payout_override",
    "unexplained",
)
STAGES = ("", "credited", "quota", "attainment", "rate", "payout", "other")
CLEAN = ("match", "within_tolerance")  # rows that need no explanation
ACCEPT_COLUMNS = ("reason", "accepted_by", "note")


@dataclass(frozen=True)
class ReconResult:
    """A reconciliation: one row per key, with its reason code.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per key of either side: the key columns, ``legacy_rows`` and
        ``engine_rows`` (how often the key occurs), ``<value>_legacy``,
        ``<value>_engine`` and ``<value>_diff`` (engine minus legacy) per value
        column, ``reason``, ``stage`` (first diverging stage), ``money_diff``
        (payout, engine minus legacy), ``detail`` (the explanation),
        ``transactions`` (txn ids explaining a crediting gap), ``accepted``,
        ``accepted_by`` and ``accepted_note``.
    duplicates : pandas.DataFrame
        Every source row of a duplicated key (side, row, key, values).
    totals : pandas.DataFrame
        Control totals of the payout per side, by ``totals_by`` key columns.
    settings : dict
        Keys, values, mapping, roles and tolerances used.
    timings : dict of str to float
        Wall seconds per step.
    """

    rows: pd.DataFrame
    duplicates: pd.DataFrame
    totals: pd.DataFrame
    settings: dict
    timings: dict = field(default_factory=dict)

    @property
    def differences(self) -> pd.DataFrame:
        """Rows that need an explanation (not match / within tolerance)."""
        return self.rows[~self.rows["reason"].isin(CLEAN)]

    @property
    def open_differences(self) -> pd.DataFrame:
        """Differences not on the accepted-differences list."""
        diff = self.differences
        return diff[~diff["accepted"]]

    @property
    def reconciled(self) -> bool:
        """True when every row matches, is within tolerance or is accepted."""
        return self.open_differences.empty

    @property
    def match_rate(self) -> float:
        """Share of keys that match or are within tolerance (1.0 when empty)."""
        n = len(self.rows)
        return 1.0 if n == 0 else float((n - len(self.differences)) / n)

    def counts(self) -> pd.DataFrame:
        """Rows and money per reason code (every code listed, in order).

        Returns
        -------
        pandas.DataFrame
            ``reason``, ``rows``, ``accepted``, ``net`` (sum of money_diff) and
            ``gross`` (sum of its absolute values). ``net`` sums to the engine
            total minus the legacy total.
        """
        r = self.rows
        money = r["money_diff"].fillna(0.0)
        grouped = pd.DataFrame(
            {
                "rows": r.groupby("reason").size(),
                "accepted": r[r["accepted"]].groupby("reason").size(),
                "net": money.groupby(r["reason"]).sum(),
                "gross": money.abs().groupby(r["reason"]).sum(),
            }
        )
        out = grouped.reindex(list(REASONS)).fillna(0.0)
        out[["rows", "accepted"]] = out[["rows", "accepted"]].astype(np.int64)
        out[["net", "gross"]] = out[["net", "gross"]].round(2)
        return out.rename_axis("reason").reset_index()

    def largest(self, n: int = 20) -> pd.DataFrame:
        """Return the ``n`` differences with the most money at stake."""
        diff = self.differences
        order = diff["money_diff"].abs().fillna(0.0).sort_values(ascending=False)
        return diff.loc[order.index[:n]]

    def summary(self) -> dict:
        """Return the headline numbers (JSON-ready)."""
        totals = self.totals
        legacy = float(totals["legacy"].sum()) if len(totals) else 0.0
        engine = float(totals["engine"].sum()) if len(totals) else 0.0
        return {
            "rows": len(self.rows),
            "differences": len(self.differences),
            "accepted": int(self.differences["accepted"].sum()),
            "open": len(self.open_differences),
            "match_rate": round(self.match_rate, 6),
            "legacy_total": round(legacy, 2),
            "engine_total": round(engine, 2),
            "net_difference": round(engine - legacy, 2),
            "reconciled": self.reconciled,
        }

    def to_dict(self, limit: int | None = 1000) -> dict:
        """Return summary, counts, totals and differences as plain Python.

        Parameters
        ----------
        limit : int or None, default 1000
            Most differences listed (largest first); ``None`` lists all.

        Returns
        -------
        dict
            ``summary``, ``settings``, ``counts``, ``totals``, ``differences``
            and ``timings``.
        """
        diff = self.largest(len(self.rows) if limit is None else limit)
        return {
            "summary": self.summary(),
            "settings": self.settings,
            "counts": self.counts().to_dict(orient="records"),
            "totals": self.totals.to_dict(orient="records"),
            "differences": _records(diff),
            "timings": dict(self.timings),
        }


def _records(frame: pd.DataFrame) -> list[dict]:
    """Return records with NaN as None and numpy scalars as Python numbers."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
        for row in clean.to_dict(orient="records")
    ]


def apply_accepted(rows: pd.DataFrame, accepted, keys) -> pd.DataFrame:
    """Mark differences listed in an accepted-differences table.

    Parameters
    ----------
    rows : pandas.DataFrame
        The per-key rows with their ``reason``.
    accepted : pandas.DataFrame or None
        Columns: some of the key columns (those given must match; a list
        without the period key applies to every period), ``reason`` (the code
        accepted), ``accepted_by`` and ``note``.
    keys : list of str
        The key columns.

    Returns
    -------
    pandas.DataFrame
        ``rows`` (changed in place) with ``accepted``, ``accepted_by`` and
        ``accepted_note`` set.
    """
    out = rows
    out["accepted"] = False
    out["accepted_by"] = ""
    out["accepted_note"] = ""
    if accepted is None or len(accepted) == 0:
        return out
    on = [k for k in keys if k in accepted.columns]
    _check_accepted(accepted, on, keys)
    table = accepted[on + list(ACCEPT_COLUMNS)].astype(str)
    table = table.drop_duplicates([*on, "reason"], keep="last")
    probe = out[[*on, "reason"]].astype(str).reset_index()
    hit = probe.merge(table, on=[*on, "reason"], how="inner").set_index("index")
    hit = hit[~out.loc[hit.index, "reason"].isin(CLEAN)]
    out.loc[hit.index, "accepted"] = True
    out.loc[hit.index, "accepted_by"] = hit["accepted_by"]
    out.loc[hit.index, "accepted_note"] = hit["note"]
    return out


def _check_accepted(accepted: pd.DataFrame, on: list, keys) -> None:
    missing = [c for c in ACCEPT_COLUMNS if c not in accepted.columns]
    if not on or missing:
        need = ", ".join([*keys, *ACCEPT_COLUMNS])
        raise InputError(
            f"accepted differences: columns {', '.join(map(str, accepted.columns))}; "
            f"expected at least one key column and reason, accepted_by, note "
            f"(all of: {need})."
        )
    unknown = sorted(set(accepted["reason"].astype(str)) - set(REASONS))
    if unknown:
        raise InputError(
            f"accepted differences: reason {unknown[0]!r} is not a reason code; "
            f"use one of {', '.join(REASONS[2:])}."
        )
    blank = accepted["accepted_by"].isna() | (
        accepted["accepted_by"].astype(str).str.strip() == ""
    )
    if blank.any():
        raise InputError(
            f"accepted differences: row {int(np.flatnonzero(blank)[0]) + 2} has no "
            "accepted_by; every accepted difference needs the name of who accepted it."
        )
