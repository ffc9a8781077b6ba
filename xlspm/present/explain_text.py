"""Render a result trace as numbered sentences (presentation only)."""

from __future__ import annotations

import math

import numpy as np

from ..engine.results import Results, trace

__all__ = ["explain", "render"]


def _money(v) -> str:
    return f"{v:,.2f}"


def _pct(v) -> str:
    return (
        "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2%}"
    )


def _day(d) -> str:
    return str(np.datetime64(int(d), "D"))


def _credit_lines(credits, count, max_credits) -> list[str]:
    lines = []
    for c in credits.head(max_credits).itertuples(index=False):
        how = f"rule {c.rule_id}"
        if c.credit_type == "rollup":
            how = f"roll-up from level {c.level} below"
        share = f"{c.amount / c.txn_amount:.0%} of " if c.txn_amount else ""
        lines.append(
            f"     {c.txn_id}  {str(c.date)[:10]}  {c.credit_type:<8} {how}: "
            f"{share}{_money(c.txn_amount)} = {_money(c.amount)}"
        )
    if count > max_credits:
        lines.append(f"     ... and {count - max_credits} more")
    return lines


def _tier_text(t, row) -> str:
    comp = t["component"]
    table = t["table"]
    i = int(row["tier"])
    attainment = comp.basis == "attainment"
    x = row["attainment"] if attainment else row["credited_ytd"]
    fmt = _pct if attainment else _money
    rate_fmt = (
        _pct if comp.mode in ("retroactive", "marginal") else (lambda v: f"{v:g}")
    )
    if i < 0:
        return f"{fmt(x)} is below the first tier of table {comp.rate_table!r}: pays 0."
    upper = table.floors[i + 1] if i + 1 < table.floors.size else None
    span = f"from {fmt(table.floors[i])} " + (
        f"up to {fmt(upper)}" if upper is not None else "and above"
    )
    return (
        f"{fmt(x)} falls in tier {i + 1} of table {comp.rate_table!r} ({span}): "
        f"rate {rate_fmt(table.rates[i])}."
    )


def _payout_text(comp, row) -> list[str]:
    how = {
        "retroactive": f"{_money(row['credited_ytd'])} credited x {_pct(row['rate'])}",
        "marginal": "each band of the table at its own rate"
        + (
            f", on quota {_money(row['quota_ytd'])}"
            if comp.basis == "attainment"
            else ""
        ),
        "flat": f"the tier's amount x target {comp.target:g}",
        "linear": f"interpolated on the curve x target {comp.target:g}",
    }[comp.mode]
    lines = [f"5. Payout ({comp.mode}): {how} = {_money(row['raw_payout'])}."]
    if comp.gate is not None:
        state = "NOT met: pays 0" if row["gated"] else "met"
        gate = _pct(comp.gate) if comp.basis == "attainment" else _money(comp.gate)
        lines.append(f"   Gate {gate}: {state}.")
    if comp.kicker_table:
        lines.append(
            f"   Kicker from {comp.kicker_component!r}: x{row['multiplier']:g}."
        )
    if comp.cap is not None:
        state = "applied" if row["capped"] else "not reached"
        lines.append(f"   Cap {_money(comp.cap)}: {state}.")
    lines.append(
        f"   Rounded to {comp.round_to} decimals: earned {_money(row['earned'])}."
    )
    return lines


def render(t: dict, max_credits: int = 20) -> str:
    """Return the explanation text of one trace (see :func:`xlspm.explain`)."""
    row, comp, credits = t["row"], t["component"], t["credits"]
    count = t.get("credit_count", len(credits))
    first, last = t["window"]
    ytd = " year to date" if comp.cumulative else ""
    head = (
        f"Payee {row['payee_id']} ({row['name'] or 'no name'}), plan {comp.plan_id}, "
        f"component {comp.name!r}, period {row['period']}"
    )
    lines = [
        head,
        f"1. Credits{ytd} ({_day(first)} to {_day(last)}, types "
        f"{', '.join(comp.credit_types)}"
        + (
            f", {comp.filter_column} in {', '.join(comp.filter_values)}"
            if comp.filter_column
            else ""
        )
        + f"): {count} credit(s) totalling {_money(row['credited_ytd'])}.",
        *_credit_lines(credits, count, max_credits),
    ]
    if comp.basis == "attainment":
        prorate = ""
        if row["proration"] < 1:
            prorate = f", prorated for active days x {row['proration']:.4f}"
        lines.append(
            f"2. Quota for {row['period']}: {_money(row['quota'])}{prorate}; "
            f"quota{ytd}: {_money(row['quota_ytd'])}."
        )
        lines.append(
            f"3. Attainment: {_money(row['credited_ytd'])} / "
            f"{_money(row['quota_ytd'])} = {_pct(row['attainment'])}."
        )
    else:
        lines.append(
            "2-3. No quota: the credited amount itself goes through the table."
        )
    lines.append(f"4. Tier: {_tier_text(t, row)}")
    lines.extend(_payout_text(comp, row))
    if comp.cumulative:
        lines.append(
            f"6. Year to date: earned {_money(row['earned'])} - previously paid "
            f"{_money(row['previously_paid'])} = payout due "
            f"{_money(row['payout_due'])}."
        )
    else:
        lines.append(f"6. Payout due: {_money(row['payout_due'])}.")
    return "\n".join(lines)


def explain(res: Results, payee_id, component, period, max_credits: int = 20) -> str:
    """Explain how one payout came about, in words a comp analyst reads.

    Parameters
    ----------
    res : xlspm.engine.results.Results
        What :func:`xlspm.calculate` returned.
    payee_id, component, period : str
        The result row (period as ``2026-Q1``, ``2026-03`` or ``2026``).
    max_credits : int, default 20
        List at most this many credits (the total is always given).

    Returns
    -------
    str
        Numbered steps: credits, quota, attainment, tier, payout, year to date.
    """
    return render(trace(res, payee_id, component, period, max_credits), max_credits)
