"""Explain reconciliation differences: rounding rules, tier floors, deals.

Used by :func:`xlspm.reconcile`; each function refines the reason codes of
the rows at one stage and writes the ``detail`` a migration team reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..numerics.rounding import snap15, to_cents
from ..schema.periods import KINDS, parse_label, period_bounds
from .result import REASONS, STAGES

R = {name: i for i, name in enumerate(REASONS)}
S = {name: i for i, name in enumerate(STAGES)}

__all__ = ["explain_rows", "find_transactions", "label_bounds", "rounding_rule"]

BOUNDARY_WINDOW = 0.005  # attainment within half a percentage point of a floor
RECENT = 60  # newest credits searched first
MAX_TRIPLES = 300  # three-deal combinations searched up to this many credits


def rounding_rule(raw: float, before: float, legacy_cents: int) -> str:
    """Name the rounding rule that turns the engine's raw payout into legacy's.

    Parameters
    ----------
    raw : float
        The engine's unrounded payout (year to date for cumulative plans).
    before : float
        What earlier periods paid (subtracted after rounding), or 0.
    legacy_cents : int
        The legacy payout in cents.

    Returns
    -------
    str
        The rules that give the legacy value, joined by "or": ``"half to
        even"``, ``"down (ROUNDDOWN/TRUNC)"``, ``"up (ROUNDUP)"``; ``""`` when
        none does.
    """
    if not np.isfinite(raw):
        return ""
    micro = round(float(snap15(raw)) * 1e6)  # the 15-digit value in micro-units
    q, r = divmod(abs(micro), 10_000)
    sign = -1 if micro < 0 else 1
    paid = int(to_cents(before)[0]) if np.isfinite(before) else 0
    candidates = (
        ("half to even", q + (r > 5000 or (r == 5000 and q % 2 == 1))),
        ("down (ROUNDDOWN/TRUNC)", q),
        ("up (ROUNDUP)", q + (r > 0)),
    )
    names = [n for n, cents in candidates if sign * cents - paid == legacy_cents]
    return " or ".join(names)


def find_transactions(gap: int, cents: np.ndarray) -> list[int]:
    """Positions of one, two or three credits whose cents add up to ``gap``.

    The credits should come latest first: the newest ``RECENT`` are searched
    first (one to three deals), then all of them (one or two deals; three
    while there are at most ``MAX_TRIPLES``). The first combination found is
    returned; in large sets several combinations may add up to the gap.

    Parameters
    ----------
    gap : int
        The crediting difference in cents (positive).
    cents : numpy.ndarray of int64
        The candidate credits in cents.

    Returns
    -------
    list of int
        Positions into ``cents``; empty when no combination adds up.
    """
    for window in (cents[:RECENT], cents):
        found = _search(gap, window, triples=window.size <= MAX_TRIPLES)
        if found:
            return found
    return []


def _search(gap: int, cents: np.ndarray, triples: bool) -> list[int]:
    hit = np.flatnonzero(cents == gap)
    if hit.size:
        return [int(hit[0])]
    where = {}
    for i, c in enumerate(cents.tolist()):
        where.setdefault(c, i)
    values = cents.tolist()
    for i, c in enumerate(values):
        j = where.get(gap - c)
        if j is not None and j != i:
            return sorted([i, j])
    if not triples:
        return []
    for i in range(len(values)):
        for j in range(i + 1, len(values)):
            k = where.get(gap - values[i] - values[j])
            if k is not None and k not in (i, j):
                return sorted([i, j, k])
    return []


def label_bounds(label) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of a period label (2026-Q1, 2026-03, 2026)."""
    for kind in KINDS:
        pid = parse_label(label, kind)
        if pid is not None:
            first, last = period_bounds(np.array([pid]), kind)
            return pd.Timestamp(first[0], unit="D"), pd.Timestamp(last[0], unit="D")
    return None


def _pct(x: float) -> str:
    return f"{x:.2%}" if np.isfinite(x) else "blank"


def _refine_payout(notes, reason, stage, compared, extras) -> None:
    detail = notes["detail"]
    payout = next((c for c in compared if c.role == "payout"), None)
    rows = np.flatnonzero(stage == S["payout"])
    if payout is None or not rows.size:
        return
    raw = extras.get("raw_payout")
    before = extras.get("previously_paid")
    for i in rows:
        legacy_cents = -int(payout.cents[i]) + round(payout.engine[i] * 100)
        rule = ""
        if raw is not None and raw[i] is not None:
            paid = (
                float(before[i])
                if before is not None and before[i] is not None
                else 0.0
            )
            rule = rounding_rule(float(raw[i]), paid, legacy_cents)
        if rule:
            reason[i] = R["rounding"]
            detail[i] = (
                f"payout differs by {payout.diff[i]:+.2f}: the engine's raw payout "
                f"{float(raw[i]):.6g} rounded {rule} gives the legacy value; the "
                "engine rounds half away from zero (Excel ROUND)."
            )
        elif abs(payout.cents[i]) == 1:
            reason[i] = R["rounding"]
            detail[i] = (
                f"payout differs by one cent ({payout.diff[i]:+.2f}) with every "
                "input equal: rounding at a different stage."
            )


def _tier_table(tiers, component):
    part = tiers[tiers["component"].astype(str) == str(component)]
    part = part.sort_values("floor")
    return part["floor"].to_numpy(float), part["rate"].to_numpy(float)


def _refine_rate(frame, notes, reason, stage, compared, extras, tiers) -> None:
    detail = notes["detail"]
    rate = next((c for c in compared if c.role == "rate"), None)
    att = next((c for c in compared if c.role == "attainment"), None)
    key = extras.get("component_key")
    rows = np.flatnonzero(stage == S["rate"])
    if rate is None or att is None or tiers is None or key is None or not rows.size:
        return
    for i in rows:
        floors, rates = _tier_table(tiers, frame.at[i, key])
        x = att.engine[i]
        if not floors.size or not np.isfinite(x):
            continue
        f = int(np.argmin(np.abs(floors - x)))
        near = abs(floors[f] - x) <= BOUNDARY_WINDOW
        sides = {rates[f], rates[f - 1] if f > 0 else 0.0}
        if not np.isclose(rates, rate.legacy[i], rtol=1e-9, atol=0.0).any():
            detail[i] = (
                f"same attainment {_pct(x)}, rate: engine {rate.engine[i]:g}, legacy "
                f"{rate.legacy[i]:g}, which is not in the engine's rate table for "
                f"{frame.at[i, key]}: a stale or mistyped rate-table row."
            )
            continue
        if near and {rate.legacy[i], rate.engine[i]} == sides:
            reason[i] = R["tier_boundary"]
            side = "on" if floors[f] == x else ("below" if x < floors[f] else "above")
            detail[i] = (
                f"attainment {_pct(x)} is {side} the {_pct(floors[f])} tier floor; "
                f"legacy applied rate {rate.legacy[i]:g}, the engine "
                f"{rate.engine[i]:g} (a different boundary rule, e.g. attainment "
                "rounded before the lookup)."
            )


def _credit_index(credits: pd.DataFrame) -> dict:
    """Credits grouped by payee: (dates, cents, txn ids, credit types)."""
    frame = credits.assign(
        _date=pd.to_datetime(credits["date"], errors="coerce"),
        _cents=to_cents(pd.to_numeric(credits["amount"], errors="coerce").fillna(0.0)),
    )
    out = {}
    for payee, part in frame.groupby(frame["payee_id"].astype(str), sort=False):
        out[payee] = part
    return out


def _window(frame, extras, i):
    start, end = extras.get("period_start"), extras.get("period_end")
    if start is not None and start[i] is not None and end[i] is not None:
        return pd.Timestamp(start[i]), pd.Timestamp(end[i])
    key = extras.get("period_key")
    return label_bounds(frame.at[i, key]) if key else None


def _refine_crediting(frame, notes, reason, compared, extras, credits) -> None:
    detail, txns = notes["detail"], notes["transactions"]
    credited = next((c for c in compared if c.role == "credited"), None)
    payee_key = extras.get("payee_key")
    rows = np.flatnonzero(reason == R["crediting"])
    if credited is None or credits is None or payee_key is None or not rows.size:
        return
    index = _credit_index(credits)
    for i in rows:
        gap = int(credited.cents[i])
        part = index.get(str(frame.at[i, payee_key]))
        bounds = _window(frame, extras, i)
        if part is None or bounds is None or gap == 0:
            continue
        part = part[(part["_date"] >= bounds[0]) & (part["_date"] <= bounds[1])]
        # latest first: a SUMIFS range not extended misses the newest deals
        part = part.sort_values("_date", ascending=False, kind="stable")
        found = find_transactions(abs(gap), part["_cents"].to_numpy())
        word = "missed" if gap > 0 else "counted in addition (twice?)"
        head = (
            f"credited differs by {gap / 100:+,.2f} (engine {credited.engine[i]:,.2f}, "
            f"legacy {credited.legacy[i]:,.2f}); "
        )
        if found:
            deals = part.iloc[found]
            listed = ", ".join(
                f"{t} ({c / 100:,.2f} on {d:%Y-%m-%d})"
                for t, c, d in zip(
                    deals["txn_id"], deals["_cents"], deals["_date"], strict=True
                )
            )
            txns[i] = ";".join(map(str, deals["txn_id"]))
            detail[i] = f"{head}the legacy {word}: {listed}."
        else:
            detail[i] = (
                f"{head}no combination of up to three of the engine's "
                f"{len(part)} credits in the period equals the gap."
            )


def _default_detail(frame, notes, reason, stage, compared) -> None:
    """Write a sentence for each difference no refinement explained."""
    by_role = {c.role: c for c in compared}
    detail = notes["detail"]
    for i in np.flatnonzero(reason > R["within_tolerance"]):
        code = REASONS[reason[i]]
        if detail[i]:
            continue
        c = by_role.get(STAGES[stage[i]])
        if code == "legacy_error":
            bad = [f"{v.name} = {v.error_at(i)}" for v in compared if v.error_at(i)]
            text = f"legacy cell error: {', '.join(bad)}; fix the legacy formula."
        elif code == "duplicate_key":
            text = (
                f"the key occurs {frame.at[i, 'legacy_rows']} time(s) in legacy and "
                f"{frame.at[i, 'engine_rows']} in the engine; see Duplicates."
            )
        elif code == "missing_in_engine":
            text = "only in the legacy sheet: the engine has no such payee/row."
        elif code == "missing_in_legacy":
            text = "only in the engine: the legacy sheet has no row for it."
        elif c is not None:
            text = _stage_text(code, c, i)
        else:
            text = "a value differs that the mapped columns cannot place."
        detail[i] = text


def _stage_text(code: str, c, i: int) -> str:
    fmt = (
        _pct
        if c.role == "attainment"
        else (lambda v: f"{v:,.6g}" if c.kind == "ratio" else f"{v:,.2f}")
    )
    head = f"{c.name}: engine {fmt(c.engine[i])}, legacy {fmt(c.legacy[i])}"
    tail = {
        "crediting": "credited amounts differ (no engine credits given to search).",
        "quota": "the quota (or the attainment denominator) differs.",
        "rate": "same attainment, different rate: check the legacy rate table.",
        "payout_override": (
            "only the final payout differs: a manual override, cap or gate."
        ),
        "unexplained": "the mapped columns cannot place this difference.",
    }.get(code, "")
    return f"{head}; {tail}"


def explain_rows(frame, reason, stage, compared, extras, *, tiers=None, credits=None):
    """Refine reason codes and write ``detail`` and ``transactions``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The per-key rows (changed in place and returned).
    reason, stage : numpy.ndarray of int8
        Codes into ``REASONS`` and ``STAGES`` (changed in place).
    compared : list
        The compared value columns.
    extras : dict
        Engine columns per key (raw_payout, previously_paid, period bounds)
        and which key holds the payee, component and period.
    tiers, credits : pandas.DataFrame, optional
        Rate tables and engine credits, when known.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``reason``, ``stage``, ``detail`` and ``transactions``.
    """
    notes = {
        "detail": np.full(len(frame), "", dtype=object),
        "transactions": np.full(len(frame), "", dtype=object),
    }
    _refine_payout(notes, reason, stage, compared, extras)
    _refine_rate(frame, notes, reason, stage, compared, extras, tiers)
    _refine_crediting(frame, notes, reason, compared, extras, credits)
    _default_detail(frame, notes, reason, stage, compared)
    at = len(frame.columns) - 1  # before money_diff
    frame.insert(at, "reason", pd.Categorical.from_codes(reason, REASONS))
    frame.insert(at + 1, "stage", pd.Categorical.from_codes(stage, STAGES))
    for name, text in notes.items():  # object dtype: no copy into Arrow strings
        frame[name] = pd.Series(text, index=frame.index, dtype=object, copy=False)
    return frame
