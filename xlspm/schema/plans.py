"""Plans, components, rate tables and quotas: checked and ready for the engine.

A plan is a set of components (rows of the ``plans`` table sharing a
``plan_id``). Each component says which credits count (credit types and an
optional attribute filter), over which period, whether it accumulates year
to date, and how it pays (a rate table and mode from the tier engine, basis,
target, gate, cap, kicker).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import TierTableError
from ..numerics.tiers import MODES, RateTable
from .periods import KINDS, parse_label
from .rules import CREDIT_TYPES
from .tables import (
    Problems,
    column,
    key_codes,
    normalize,
    numbers,
    require_columns,
)
from .values import column_name, norm_key

__all__ = ["Component", "PlanBook", "read_plans", "read_quotas", "read_rate_tables"]

BASES = ("attainment", "amount")
_TRUE = {"true", "yes", "y", "1", "x"}


@dataclass(frozen=True)
class Component:
    """One pay component of one plan."""

    plan_id: str
    name: str
    period: str
    cumulative: bool
    credit_types: tuple[str, ...]
    filter_column: str
    filter_values: tuple[str, ...]
    rate_table: str
    mode: str
    basis: str
    target: float
    gate: float | None
    cap: float | None
    kicker_component: str
    kicker_table: str
    round_to: int
    row: object

    @property
    def type_mask(self) -> int:
        """Bit mask of the credit types that count (bit i = CREDIT_TYPES[i])."""
        return sum(1 << CREDIT_TYPES.index(t) for t in self.credit_types)


@dataclass
class PlanBook:
    """All components, indexed by plan, plus roll-up depth per plan."""

    components: list[Component]
    by_plan: dict[str, list[int]]
    rollup_depth: dict[str, int]
    tables: dict[str, RateTable]


def _choice(frame, name, i, allowed, default, problems):
    raw = norm_key(column(frame, name).iloc[i]).lower() or default
    if raw not in allowed:
        problems.error(
            "plans",
            column=name,
            rows=[frame.index[i]],
            found=(repr(raw),),
            expected=f"one of {', '.join(allowed)}",
        )
        return default  # keep checking the rest with a valid value
    return raw


def _optional_number(values, bad, i):
    return None if bad[i] or np.isnan(values[i]) else float(values[i])


def _component(frame, i, nums, problems) -> Component:
    types = tuple(
        t.strip().lower()
        for t in (norm_key(column(frame, "credit_types").iloc[i]) or "direct").split(
            ","
        )
        if t.strip()
    )
    for t in types:
        if t not in CREDIT_TYPES:
            problems.error(
                "plans",
                column="credit_types",
                rows=[frame.index[i]],
                found=(repr(t),),
                expected=f"a comma-separated list of {', '.join(CREDIT_TYPES)}",
            )
    values = tuple(
        v.strip()
        for v in norm_key(column(frame, "filter_values").iloc[i]).split(",")
        if v.strip()
    )
    return Component(
        plan_id=norm_key(frame["plan_id"].iloc[i]),
        name=norm_key(frame["component"].iloc[i]),
        period=_choice(frame, "period", i, KINDS, "quarter", problems),
        cumulative=norm_key(column(frame, "cumulative").iloc[i]).lower() in _TRUE,
        credit_types=types,
        filter_column=column_name(norm_key(column(frame, "filter_column").iloc[i])),
        filter_values=values,
        rate_table=norm_key(frame["rate_table"].iloc[i]),
        mode=_choice(frame, "mode", i, MODES, "retroactive", problems),
        basis=_choice(frame, "basis", i, BASES, "attainment", problems),
        target=_optional_number(*nums["target"], i) or 1.0,
        gate=_optional_number(*nums["gate"], i),
        cap=_optional_number(*nums["cap"], i),
        kicker_component=norm_key(column(frame, "kicker_component").iloc[i]),
        kicker_table=norm_key(column(frame, "kicker_table").iloc[i]),
        round_to=int(_optional_number(*nums["round_to"], i) or 2),
        row=frame.index[i],
    )


def read_rate_tables(rate_tables, problems: Problems, precision: str) -> dict:
    """Group the long ``table, floor, rate`` rows into validated tables."""
    frame = normalize(rate_tables, "rate_tables")
    if not require_columns(frame, "rate_tables", ("table", "floor", "rate"), problems):
        return {}
    floor, _ = numbers(frame["floor"], "rate_tables", "floor", problems)
    rate, _ = numbers(frame["rate"], "rate_tables", "rate", problems)
    names = np.array([norm_key(v) for v in frame["table"]], dtype=object)
    tables = {}
    for name in dict.fromkeys(names):
        rows = np.flatnonzero(names == name)
        try:
            tables[name] = RateTable.build(floor[rows], rate[rows], precision)
        except TierTableError as exc:
            problems.error(
                "rate_tables",
                f"table {name!r}: {exc}",
                rows=frame.index[rows],
                sep=": ",
            )
    return tables


def read_plans(plans, tables: dict, problems: Problems) -> PlanBook:
    """Check the ``plans`` table (one row per component) and its references."""
    frame = normalize(plans, "plans")
    need = ("plan_id", "component", "rate_table")
    if not require_columns(frame, "plans", need, problems):
        problems.raise_if_any()
    nums = {
        c: numbers(column(frame, c, np.nan), "plans", c, problems, required=False)
        for c in ("target", "gate", "cap", "round_to", "rollup_depth")
    }
    components = [_component(frame, i, nums, problems) for i in range(len(frame))]
    by_plan: dict[str, list[int]] = {}
    depth: dict[str, int] = {}
    for k, comp in enumerate(components):
        names = [components[j].name for j in by_plan.get(comp.plan_id, [])]
        if comp.name in names:
            problems.error(
                "plans",
                f"repeats component {comp.name!r} of plan {comp.plan_id!r}.",
                rows=[comp.row],
            )
        by_plan.setdefault(comp.plan_id, []).append(k)
        d = _optional_number(*nums["rollup_depth"], k)
        depth[comp.plan_id] = max(depth.get(comp.plan_id, 0), int(d or 0))
        for ref in (comp.rate_table, comp.kicker_table):
            if ref and ref not in tables:
                problems.error(
                    "plans",
                    f"uses rate table {ref!r}, which is not in rate_tables.",
                    rows=[comp.row],
                )
    for comp in components:
        siblings = {components[j].name for j in by_plan[comp.plan_id]}
        if comp.kicker_component and (
            comp.kicker_component not in siblings or comp.kicker_component == comp.name
        ):
            problems.error(
                "plans",
                f"takes its kicker from {comp.kicker_component!r}, which is not "
                f"another component of plan {comp.plan_id!r}.",
                rows=[comp.row],
            )
        source = [
            components[j]
            for j in by_plan[comp.plan_id]
            if components[j].name == comp.kicker_component
        ]
        if source and source[0].period != comp.period:
            problems.error(
                "plans",
                f"takes its kicker from {source[0].name!r}, paid per "
                f"{source[0].period}; both must have the same period.",
                rows=[comp.row],
            )
        if source and source[0].kicker_component == comp.name:
            problems.error(
                "plans",
                "take their kickers from each other; one of them must not depend "
                "on the other.",
                rows=[comp.row, source[0].row],
            )
        if bool(comp.kicker_component) != bool(comp.kicker_table):
            problems.error(
                "plans",
                "needs both kicker_component and kicker_table, or neither.",
                rows=[comp.row],
            )
    return PlanBook(components, by_plan, depth, tables)


def _period_ids(labels: pd.Series, kind_idx: np.ndarray) -> np.ndarray:
    """Period id of each label under its component's kind (-1 when invalid)."""
    codes, texts = key_codes(labels)
    table = np.full((len(texts) + 1, len(KINDS)), -1, dtype=np.int64)
    for c, text in enumerate(texts):
        for k, kind in enumerate(KINDS):
            pid = parse_label(text, kind)
            table[c, k] = -1 if pid is None else pid
    return np.where(kind_idx >= 0, table[codes, np.maximum(kind_idx, 0)], -1)


def read_quotas(
    quotas, payee_index: dict, book: PlanBook, plan_of: list[str], problems: Problems
) -> pd.DataFrame:
    """Check the quotas table; return columns ``payee, component, pid, quota``.

    ``payee`` is the payee position, ``pid`` the period id of the component's
    period kind. Vectorised: a million quota rows take well under a second.
    """
    empty = pd.DataFrame({"payee": [], "component": [], "pid": [], "quota": []})
    if quotas is None:
        return empty
    frame = normalize(quotas, "quotas")
    need = ("payee_id", "component", "period", "quota")
    if not require_columns(frame, "quotas", need, problems):
        return empty
    amount, bad = numbers(frame["quota"], "quotas", "quota", problems)
    payee_codes, payee_texts = key_codes(frame["payee_id"])
    lookup = [payee_index.get(t, -1) for t in payee_texts]
    payee = np.array([*lookup, -1], dtype=np.int64)[payee_codes]
    plans = list(book.by_plan)
    plan_pos = np.array(
        [plans.index(p) if p in book.by_plan else -1 for p in plan_of] + [-1],
        dtype=np.int64,
    )[payee]
    comp_codes, comp_texts = key_codes(frame["component"])
    kind_of = np.full((len(plans) + 1, len(comp_texts) + 1), -1, dtype=np.int64)
    for c in book.components:
        if c.name in comp_texts:
            kind_of[plans.index(c.plan_id), comp_texts.index(c.name)] = KINDS.index(
                c.period
            )
    kind = kind_of[plan_pos, comp_codes]
    pid = _period_ids(frame["period"], kind)
    comp = np.array([*comp_texts, ""], dtype=object)[comp_codes]
    _quota_problems(frame, payee, plan_pos, plans, comp, kind, pid, problems)
    ok = (payee >= 0) & (kind >= 0) & (pid >= 0) & ~bad
    out = pd.DataFrame(
        {"payee": payee[ok], "component": comp[ok], "pid": pid[ok], "quota": amount[ok]}
    )
    dup = out.duplicated(["payee", "component", "pid"], keep=False).to_numpy()
    if dup.any():
        rows = frame.index[np.flatnonzero(ok)[dup]]
        problems.error(
            "quotas",
            "repeat a quota for the same payee, component and period; keep one "
            "row each.",
            rows=rows,
        )
    return out


_EXAMPLE = {"month": "2026-01", "quarter": "2026-Q1", "year": "2026"}


def _quota_problems(frame, payee, plan_pos, plans, comp, kind, pid, problems):
    unknown = np.flatnonzero(payee < 0)
    if unknown.size:
        names = [norm_key(v) for v in frame["payee_id"].iloc[unknown[:5]]]
        problems.error(
            "quotas",
            "name payees who are not in payees.",
            rows=frame.index[unknown],
            keys=names,
        )
    foreign = np.flatnonzero((payee >= 0) & (kind < 0) & (plan_pos >= 0))
    for i in foreign[:5]:
        plan = plans[plan_pos[i]]
        problems.error(
            "quotas",
            f"gives a quota for {comp[i]!r}, which is not a component of plan "
            f"{plan!r}.",
            rows=[frame.index[i]],
        )
    wrong = np.flatnonzero((kind >= 0) & (pid < 0))
    for i in wrong[:5]:
        name = KINDS[kind[i]]
        problems.error(
            "quotas",
            f"has period {norm_key(frame['period'].iloc[i])!r}; component "
            f"{comp[i]!r} is paid per {name} (e.g. {_EXAMPLE[name]}).",
            rows=[frame.index[i]],
        )
