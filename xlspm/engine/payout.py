"""Pay every component: quotas and proration, attainment, tiers, YTD netting.

Rules (documented in the README):

* Quota proration: a payee who starts or leaves inside a period gets
  ``quota * active days / days in the period``.
* Attainment is credited / quota (year to date for cumulative components);
  ``basis="amount"`` puts the credited amount itself through the table.
* Payout order: tier engine (with the gate) -> kicker multiplier -> cap ->
  ROUND to ``round_to`` decimals (Excel ROUND under ``precision="excel"``).
* Cumulative components pay year-to-date earned minus what earlier periods
  of the same year already paid, so late returns claw back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError
from ..numerics.rate_table import threshold
from ..numerics.rounding import rounded
from ..numerics.tier_pay import TierOptions, lookup, pay_tiers
from ..schema.periods import KINDS, period_bounds, period_label, year_of
from .crediting import NANO
from .stages import Bucket, PeriodSlots

__all__ = ["pay_components"]


def _order(book) -> list[int]:
    """Components ordered so that kicker sources are paid first."""
    done: list[int] = []
    pending = list(range(len(book.components)))
    while pending:
        before = len(pending)
        for k in list(pending):
            comp = book.components[k]
            src = [
                j
                for j in book.by_plan[comp.plan_id]
                if book.components[j].name == comp.kicker_component
            ]
            if not src or src[0] in done:
                done.append(k)
                pending.remove(k)
        if pending and len(pending) == before:  # a loop: read_plans reports it
            raise InputError("plans: kicker components depend on each other in a loop.")
    return done


def _ytd(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    out = values.copy()
    for s in range(1, values.shape[1]):
        same = years[s] == years[s - 1]
        if same:
            out[:, s] = out[:, s - 1] + values[:, s]
    return out


def _paid_before(earned, active, years):
    """Return what earlier active periods of the same year already paid."""
    paid = np.zeros_like(earned)
    last = np.zeros(earned.shape[0])
    for s in range(earned.shape[1]):
        if s and years[s] != years[s - 1]:
            last = np.zeros(earned.shape[0])
        paid[:, s] = last
        last = np.where(active[:, s], earned[:, s], last)
    return paid


def _quotas(comp, members, pids, quotas, active, problems, people):
    """Quota grid (members x periods) from the checked quotas table."""
    quota = np.full((members.size, pids.size), np.nan)
    mine = quotas[(quotas["component"] == comp.name).to_numpy()]
    row = np.full(len(people.ids), -1, dtype=np.int64)
    row[members] = np.arange(members.size)
    a = row[mine["payee"].to_numpy(dtype=np.int64)]
    s = mine["pid"].to_numpy(dtype=np.int64) - (pids[0] if pids.size else 0)
    ok = (a >= 0) & (s >= 0) & (s < pids.size)
    quota[a[ok], s[ok]] = mine["quota"].to_numpy()[ok]
    if comp.basis == "attainment":
        missing = active & ~(quota > 0)
        if missing.any():
            problems.error(
                "quotas",
                f"component {comp.name!r} of plan {comp.plan_id!r} has no "
                f"positive quota for {_cells(comp, members, pids, missing, people)}; "
                "add a quota row (payee_id, component, period, quota) for each.",
            )
    return quota


def _cells(comp, members, pids, mask, people) -> str:
    """Name up to five payee x period cells of a component, e.g. ``P1 2026-Q1``."""
    i, j = np.nonzero(mask)
    where = [
        f"{people.ids[members[x]]} {period_label(pids[y], comp.period)}"
        for x, y in zip(i[:5], j[:5], strict=True)
    ]
    more = f" and {i.size - 5} more" if i.size > 5 else ""
    return ", ".join(where) + more


def _check_finite(comp, g: Grid, people, problems) -> None:
    """Report cells whose attainment or year-to-date quota overflows a double."""
    bad = ~np.isfinite(g.x)
    if comp.basis == "attainment":
        bad |= ~np.isfinite(g.quota_x)
    if bad.any():
        problems.error(
            "quotas",
            f"component {comp.name!r} of plan {comp.plan_id!r}: credited / "
            "quota is not a finite number for "
            f"{_cells(comp, g.members, g.pids, bad, people)}; the quotas are too "
            "close to 0 or too large. Check the quota rows.",
        )


@dataclass(frozen=True)
class Grid:
    """One component's payees x periods, before paying.

    Attributes
    ----------
    members : numpy.ndarray
        Payee positions (rows).
    pids : numpy.ndarray
        Period ids (columns).
    years : numpy.ndarray
        Year of each period.
    active : numpy.ndarray
        Payee active in the period.
    fraction : numpy.ndarray
        Active days / days in the period.
    quota : numpy.ndarray
        Quota as given (NaN when absent).
    credited : numpy.ndarray
        Credited in the period.
    credited_x, quota_x : numpy.ndarray
        Credited and prorated quota, year to date for cumulative components.
    x : numpy.ndarray
        What goes through the table (attainment or the credited amount).
    count : numpy.ndarray
        Credits counted.
    """

    members: np.ndarray
    pids: np.ndarray
    years: np.ndarray
    active: np.ndarray
    fraction: np.ndarray
    quota: np.ndarray
    credited: np.ndarray
    credited_x: np.ndarray
    quota_x: np.ndarray
    x: np.ndarray
    count: np.ndarray


def _grid(
    comp, people, members, bucket: Bucket, slots: PeriodSlots, quota_map, problems
) -> Grid:
    kind = KINDS.index(comp.period)
    pids = slots.first[kind] + np.arange(slots.n_periods[kind])
    p_first, p_last = period_bounds(pids, comp.period)
    start = np.maximum(people.start[members][:, None], p_first[None, :])
    end = np.minimum(people.end[members][:, None], p_last[None, :])
    active = start <= end
    fraction = np.where(active, (end - start + 1) / (p_last - p_first + 1), 0.0)
    quota = _quotas(comp, members, pids, quota_map, active, problems, people)
    years = year_of(pids, comp.period)
    nano = bucket.sums[members]
    prorated = np.where(active, quota * fraction, 0.0)
    if comp.cumulative:
        nano_x, quota_x = _ytd(nano, years), _ytd(prorated, years)
    else:
        nano_x, quota_x = nano, prorated
    credited_x = nano_x / NANO
    x = credited_x
    if comp.basis == "attainment":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            x = np.where(active & (quota_x > 0), credited_x / quota_x, 0.0)
    g = Grid(
        members,
        pids,
        years,
        active,
        fraction,
        quota,
        nano / NANO,
        credited_x,
        quota_x,
        x,
        bucket.counts[members],
    )
    _check_finite(comp, g, people, problems)
    return g


_ONE = np.ones(1)


def _options(comp, g: Grid) -> TierOptions:
    """Return the component's tier mode and what the table's value applies to."""
    if comp.mode == "retroactive":
        return TierOptions(mode=comp.mode, base=g.credited_x.ravel())
    if comp.mode == "marginal":
        scale = g.quota_x.ravel() if comp.basis == "attainment" else _ONE
        return TierOptions(mode=comp.mode, scale=scale)
    return TierOptions(mode=comp.mode, scale=np.array([comp.target]))


def _pay(comp, g: Grid, book, kicker_x, precision) -> dict:
    """Pay one component's grid: tier engine, gate, kicker, cap, ROUND, netting."""
    shape = g.x.shape
    flat = np.where(g.active, g.x, 0.0).ravel()
    tiers = pay_tiers(
        flat, book.tables[comp.rate_table], _options(comp, g), detail=True
    )
    gated = np.zeros(flat.size, dtype=bool)
    if comp.gate is not None:
        gated = ~(flat >= threshold(comp.gate, precision))  # as a one-floor table
    after_gate = np.where(gated, 0.0, tiers.payout)
    multiplier = np.ones(flat.size)
    if comp.kicker_table:
        _, multiplier = lookup(kicker_x.ravel(), book.tables[comp.kicker_table])
    paid = after_gate * multiplier
    capped = np.zeros(flat.size, dtype=bool)
    if comp.cap is not None:
        capped = paid > comp.cap
        paid = np.minimum(paid, comp.cap)
    earned = rounded(paid, comp.round_to, precision).reshape(shape)
    before = (
        _paid_before(earned, g.active, g.years) if comp.cumulative else 0.0 * earned
    )
    due = rounded((earned - before).ravel(), comp.round_to, precision)
    per_cell = {
        "tier": tiers.tier,
        "rate": tiers.rate,
        "raw_payout": tiers.payout,
        "gated": gated,
        "multiplier": multiplier,
        "capped": capped,
    }
    return {
        **{name: values.reshape(shape) for name, values in per_cell.items()},
        "earned": earned,
        "previously_paid": before,
        "payout_due": due.reshape(shape),
    }


def _frame(comp, g: Grid, paid: dict, people) -> pd.DataFrame:
    a, s = np.nonzero(g.active)
    p = g.members[a]
    first, last = period_bounds(g.pids[s], comp.period)
    with np.errstate(divide="ignore", invalid="ignore"):
        attainment = np.where(
            g.quota_x[a, s] > 0, g.credited_x[a, s] / g.quota_x[a, s], np.nan
        )
    cols = {
        "payee_id": np.array(people.ids, dtype=object)[p],
        "name": np.array(people.names, dtype=object)[p],
        "plan_id": comp.plan_id,
        "component": comp.name,
        "period": np.array([period_label(v, comp.period) for v in g.pids], object)[s],
        "period_start": first.astype("datetime64[D]"),
        "period_end": last.astype("datetime64[D]"),
        "credits": g.count[a, s],
        "credited": g.credited[a, s],
        "quota": g.quota[a, s],
        "proration": g.fraction[a, s],
        "credited_ytd": g.credited_x[a, s],
        "quota_ytd": g.quota_x[a, s],
        "attainment": attainment,
    }
    cols.update({k: v[a, s] for k, v in paid.items()})
    return pd.DataFrame(cols)


def pay_components(
    book, people, plan_of, buckets, slots, quota_map, problems, precision
) -> pd.DataFrame:
    """Pay every component of every plan; one row per payee x component x period."""
    plan_names = list(book.by_plan)
    grids: dict[tuple[str, str], Grid] = {}
    frames = {}
    for k in _order(book):
        comp = book.components[k]
        members = np.flatnonzero(plan_of == plan_names.index(comp.plan_id))
        g = _grid(comp, people, members, buckets[k], slots, quota_map, problems)
        if problems.errors:
            continue
        grids[(comp.plan_id, comp.name)] = g
        kicker_x = None
        if comp.kicker_table:
            src = grids[(comp.plan_id, comp.kicker_component)]
            at = np.searchsorted(src.pids, g.pids).clip(0, src.pids.size - 1)
            kicker_x = src.x[:, at]
        frames[k] = _frame(comp, g, _pay(comp, g, book, kicker_x, precision), people)
    if problems.errors:
        return pd.DataFrame()
    ordered = [frames[k] for k in range(len(book.components))]
    out = pd.concat(ordered, ignore_index=True) if ordered else pd.DataFrame()
    if out.empty:
        return out
    key = out["payee_id"].map({p: i for i, p in enumerate(people.ids)})
    return (
        out.assign(_k=key)
        .sort_values(["_k", "period_start"], kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )
