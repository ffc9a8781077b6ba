"""``calculate``: from transactions to payouts, exactly and fast.

Pipeline: read and check the inputs; credit (rules, default seller credit,
roll-ups); aggregate credits per payee x component x period in exact integer
nano-dollars; look up and prorate quotas; pay through the tier engine
(gate, kicker, cap, Excel ROUND); net year-to-date for cumulative components.
"""

from __future__ import annotations

import contextlib
import functools
import time

import numpy as np
import pandas as pd

from ..kernels.dispatch import kernel, parallel_parts
from ..numerics.checks import as_choice
from ..numerics.rounding import DIGITS_RANGE
from ..schema.inputs import read_payees, read_transactions
from ..schema.periods import KINDS, period_ids
from ..schema.plans import read_plans, read_quotas, read_rate_tables
from ..schema.rules import read_rules
from ..schema.tables import Problems
from .crediting import credit_arrays, credits_frame
from .payout import pay_components
from .results import Results
from .stages import Bucket, CreditInputs, Filters, PeriodSlots, PlanIndex, Prepared

__all__ = [
    "Prepared",
    "calculate",
    "combine_rejected",
    "pay",
    "prepare",
    "read_credit_inputs",
]

MONTHS_PER = (1, 3, 12)  # months per period, in KINDS order


def _plan_index(book, payees, problems) -> PlanIndex:
    plan_names = list(book.by_plan)
    plan_of = np.array(
        [plan_names.index(p) if p in book.by_plan else -1 for p in payees.plan_ids],
        dtype=np.int64,
    )
    for i in np.flatnonzero(plan_of < 0):
        problems.error(
            "payees",
            f"{payees.ids[i]!r} is on plan {payees.plan_ids[i]!r}, which is not in "
            "plans.",
        )
    ptr = np.zeros(len(plan_names) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(book.by_plan[p]) for p in plan_names])
    comps = np.array([k for p in plan_names for k in book.by_plan[p]], dtype=np.int64)
    depth = np.array(
        [book.rollup_depth.get(p, 0) for p in payees.plan_ids], dtype=np.int64
    )
    return PlanIndex(plan_of, ptr, comps, depth)


def _filters(book, txns, problems) -> Filters:
    """One boolean row per distinct (column, values) filter over transactions."""
    keys, rows, comp_filter = [], [], []
    for comp in book.components:
        if not comp.filter_column:
            comp_filter.append(-1)
            continue
        if comp.filter_column not in txns.frame.columns:
            problems.error(
                "plans",
                f"filters on {comp.filter_column!r}, which is not a transaction "
                "column.",
                rows=[comp.row],
            )
            comp_filter.append(-1)
            continue
        key = (comp.filter_column, frozenset(comp.filter_values))
        if key not in keys:
            codes, texts = txns.attribute(comp.filter_column)
            wanted = np.array([t in key[1] for t in texts] + [False])
            keys.append(key)
            rows.append(wanted[codes])
        comp_filter.append(keys.index(key))
    n = txns.day.size
    filters = np.array(rows) if rows else np.zeros((0, n), dtype=bool)
    return Filters(np.array(comp_filter, dtype=np.int64), filters.reshape(len(rows), n))


def period_slots(txns) -> PeriodSlots:
    """Return the periods per kind: first id, count, and each transaction's slot."""
    day = txns.day
    span = (int(day.min()), int(day.max())) if day.size else (1, 0)
    firsts, counts = slot_range(*span)
    months = period_ids(day, "month")
    slots = np.empty((len(KINDS), day.size), np.int64)
    for j, per in enumerate(MONTHS_PER):
        np.subtract(months // per, firsts[j], out=slots[j])
    return PeriodSlots(firsts, counts, slots)


def slot_range(day_min: int, day_max: int) -> tuple[tuple, tuple]:
    """Return ``(firsts, counts)`` per period kind for days ``day_min..day_max``.

    Period ids grow with the day, so the first and last day's periods bound
    every transaction's (``day_min > day_max`` means no transactions). Used
    by :func:`period_slots` and, on partition day ranges, by the Dask engine.
    """
    if day_min > day_max:
        return (0,) * len(KINDS), (0,) * len(KINDS)
    months = period_ids(np.array([day_min, day_max], dtype=np.int64), "month")
    firsts = tuple(int(months[0]) // per for per in MONTHS_PER)
    lasts = tuple(int(months[1]) // per for per in MONTHS_PER)
    return firsts, tuple(b - a + 1 for a, b in zip(firsts, lasts, strict=True))


def aggregate(arrays, prep: Prepared, filters: Filters, slots: PeriodSlots):
    """Sum the credits into exact buckets per payee x component x period.

    Returns
    -------
    list of Bucket
        One per component, in ``prep.book.components`` order.
    """
    comps, n_payees = prep.book.components, len(prep.people.ids)
    comp_kind = np.array([KINDS.index(c.period) for c in comps], np.int64)
    comp_n = np.array([slots.n_periods[k] for k in comp_kind], dtype=np.int64)
    sizes = comp_n * n_payees
    offset = np.zeros(len(comps), dtype=np.int64)
    offset[1:] = np.cumsum(sizes)[:-1]
    sums = np.zeros(int(sizes.sum()), dtype=np.int64)
    counts = np.zeros_like(sums)
    mask = np.array([c.type_mask for c in comps], dtype=np.int64)
    kernel("aggregate.aggregate")(
        arrays.txn,
        arrays.payee,
        arrays.nano,
        arrays.kind,
        prep.plan.plan_of,
        prep.plan.plan_ptr,
        prep.plan.plan_comps,
        mask,
        filters.comp_filter,
        filters.rows,
        comp_kind,
        slots.txn_slot,
        offset,
        comp_n,
        parallel_parts(),
        sums,
        counts,
    )
    return [
        Bucket(
            sums[o : o + s].reshape(n_payees, n),
            counts[o : o + s].reshape(n_payees, n),
        )
        for o, s, n in zip(offset, sizes, comp_n, strict=True)
    ]


class StageClock:
    """Wall time per pipeline stage (``Results.timings``)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, stage: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = time.perf_counter() - start


def calculate(
    transactions,
    payees,
    assignments,
    plans,
    rate_tables,
    quotas=None,
    *,
    hierarchy=None,
    strict=False,
    precision="excel",
    bad_rows="reject",
) -> Results:
    """Credit transactions, roll them up, and pay every payee's plan.

    Parameters
    ----------
    transactions : pandas.DataFrame
        ``txn_id`` (unique), ``date``, ``amount`` (negative = return), and
        optional ``seller``, ``territory``, ``account``, ``product`` or any
        other attribute columns.
    payees : pandas.DataFrame
        ``payee_id``, ``plan_id`` and optional ``name``, ``manager_id``,
        ``start_date``, ``end_date``.
    assignments : pandas.DataFrame or None
        Crediting rules: ``payee_id``, ``split_pct`` (percent), optional
        ``rule_id``, ``valid_from``, ``valid_to``, ``credit_type`` (direct or
        overlay) and match columns named like transaction columns.
    plans : pandas.DataFrame
        One row per component (columns: user guide, Plan inputs).
    rate_tables : pandas.DataFrame
        ``table``, ``floor``, ``rate`` rows.
    quotas : pandas.DataFrame, optional
        ``payee_id``, ``component``, ``period`` (``2026-Q1``), ``quota``.
    hierarchy : pandas.DataFrame, optional
        Effective-dated reporting lines (``payee_id``, ``manager_id``,
        ``valid_from``, ``valid_to``); default ``payees.manager_id``.
    strict : bool, default False
        Turn warnings (rejected rows, splits not summing to 100 %) into errors.
    precision : {"excel", "ieee"}, default "excel"
        Tier comparison and rounding rule (see :mod:`xlspm.numerics`).
    bad_rows : {"reject", "error"}, default "reject"
        Transactions with a missing or invalid date or amount: reject them
        (listed in ``Results.rejected``, with a warning) or stop with an error
        (what the workbook commands do: a typo in a cell is not dropped).

    Returns
    -------
    Results
        ``credits``, ``results``, ``rejected``, ``warnings``; see
        :class:`xlspm.Results` and :func:`xlspm.explain`.

    Raises
    ------
    PlanInputError
        Listing every problem found in the inputs, each naming its row.
    """
    bad_rows = as_choice(bad_rows, "bad_rows", ("reject", "error"))
    problems = Problems(strict=strict)
    clock = StageClock()
    with clock("read"):
        prep = prepare(
            payees, plans, rate_tables, quotas, hierarchy, problems, precision
        )
        inputs = read_credit_inputs(transactions, assignments, prep, problems, bad_rows)
    txns = inputs.txns
    with clock("credit"):
        arrays, unassigned = credit_arrays(
            txns, prep.people, inputs.rules, prep.plan.depth, problems
        )
    with clock("aggregate"):
        slots = period_slots(txns)
        buckets = aggregate(arrays, prep, inputs.filters, slots)
    with clock("pay"):
        results = pay(prep, buckets, slots, problems, precision)
    rejected = combine_rejected([txns.rejected], [unassigned])
    make = functools.partial(
        credits_frame,
        txns=txns,
        payees=prep.people,
        rules=inputs.rules,
        extra=prep.extra,
    )
    timings = dict(clock.seconds)
    return Results(
        results,
        rejected,
        list(problems.warnings),
        prep.book,
        prep.people,
        arrays,
        make,
        timings,
    )


def combine_rejected(read_frames, credit_frames) -> pd.DataFrame:
    """Rejected rows: those the reader refused, then those nobody is credited.

    Each group in row order (frames from several partitions come in any
    order); ``table`` and ``reason`` as text.
    """
    parts = [
        pd.concat(frames, ignore_index=True).sort_values("row", kind="stable")
        for frames in (read_frames, credit_frames)
    ]
    frame = pd.concat(parts, ignore_index=True)
    return frame.astype({"table": "str", "reason": "str"})


def _check_rounding(book, problems) -> None:
    """Report rounding digits the rounding kernels cannot take (they never check)."""
    low, high = DIGITS_RANGE
    for comp in book.components:
        if not low <= comp.round_to <= high:
            problems.error(
                "plans",
                column="round_to",
                rows=[comp.row],
                found=(repr(comp.round_to),),
                expected=f"a whole number from {low} to {high} (2 rounds to cents)",
            )


def prepare(
    payees, plans, rate_tables, quotas, hierarchy, problems, precision
) -> Prepared:
    """Read rate tables, plans, payees and quotas (errors go to ``problems``)."""
    tables = read_rate_tables(rate_tables, problems, precision)
    book = read_plans(plans, tables, problems)
    _check_rounding(book, problems)
    people = read_payees(payees, hierarchy, problems)
    plan = _plan_index(book, people, problems)
    quota_map = read_quotas(quotas, people.index, book, people.plan_ids, problems)
    extra = tuple(
        dict.fromkeys(c.filter_column for c in book.components if c.filter_column)
    )
    return Prepared(book, people, plan, quota_map, extra)


def read_credit_inputs(
    transactions, assignments, prep, problems, bad_rows
) -> CreditInputs:
    """Read the transactions and index the crediting rules against them."""
    txns = read_transactions(transactions, prep.people, problems, bad_rows)
    problems.raise_if_any()
    rules = read_rules(assignments, prep.people, txns, problems)
    filters = _filters(prep.book, txns, problems)
    problems.raise_if_any()
    return CreditInputs(txns, rules, filters)


def pay(prep, buckets, slots: PeriodSlots, problems, precision) -> pd.DataFrame:
    """Pay every component from the aggregated credits (raise on any error)."""
    results = pay_components(
        prep.book,
        prep.people,
        prep.plan.plan_of,
        buckets,
        slots,
        prep.quota_map,
        problems,
        precision,
    )
    problems.raise_if_any()
    return results
