"""Results of :func:`xlspm.calculate`, and the trace that explains a number."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema.periods import parse_label, period_bounds

__all__ = ["STATEMENT_COLUMNS", "Results", "tiers_table", "trace", "trace_row"]

# What a seller sees per period (statements, the demo): the pay story in order.
STATEMENT_COLUMNS = [
    "component",
    "period",
    "credited_ytd",
    "quota_ytd",
    "attainment",
    "earned",
    "previously_paid",
    "payout_due",
]


@dataclass(frozen=True)
class Results:
    """Everything a calculation produced.

    Attributes
    ----------
    results : pandas.DataFrame
        One row per payee x component x period (columns: user guide, The
        engine in Python).
    rejected : pandas.DataFrame
        Input rows not used, with the reason (``table``, ``row``, ``txn_id``,
        ``reason``).
    warnings : list of Problem
        Problems accepted in non-strict mode (records; ``str()`` gives the
        message).
    timings : dict of str to float
        Wall seconds per stage: read, credit, aggregate, pay.
    partitions : object or None
        For a Dask run (:func:`xlspm.calculate_dask`): where the
        credits live (they are not kept; see :meth:`credits_of`).
    credit_count : int
        Number of credits.
    credits : pandas.DataFrame
        One row per (transaction, payee, credit): ``txn_id``, ``date``,
        ``payee_id``, ``credit_type`` (direct, overlay, rollup), ``rule_id``,
        ``level`` (roll-up level, 0 otherwise), ``txn_amount``, ``amount``,
        plus any attribute a component filters on. Built on first access
        (tens of millions of rows for a large company).
    """

    results: pd.DataFrame
    rejected: pd.DataFrame
    warnings: list = field(default_factory=list)
    book: object = field(default=None, repr=False)
    people: object = field(default=None, repr=False)
    credit_arrays: object = field(default=None, repr=False)
    make_credits: object = field(default=None, repr=False)
    timings: dict = field(default_factory=dict)
    partitions: object = field(default=None, repr=False)
    credit_count: int = -1

    def __post_init__(self):
        if self.credit_count < 0 and self.credit_arrays is not None:
            object.__setattr__(self, "credit_count", int(self.credit_arrays.txn.size))

    @functools.cached_property
    def credits(self) -> pd.DataFrame:
        """The credits table (see the class attributes)."""
        if self.partitions is not None:
            raise InputError(
                f"credits: this Dask run made {self.credit_count:,} credits, which "
                "stay in the partitions; use res.credits_of(payee_id) or "
                "xlspm.explain(res, payee_id, component, period) for one payee."
            )
        return self.make_credits(self.credit_arrays)

    def credits_of(self, payee_id) -> pd.DataFrame:
        """Return the credits of one payee only (cheap on large results).

        For a Dask run this is one pass over the partitions; a top manager's
        credits include a roll-up of every deal below them.
        """
        if self.partitions is not None:
            return self.partitions.credits_of(payee_id)
        p = self.people.index.get(str(payee_id), -1)
        return self.make_credits(self.credit_arrays.take(self.credit_arrays.payee == p))

    def to_dict(self) -> dict:
        """Return plain Python data (records) for JSON."""
        return {
            "results": self.results.astype(object)
            .where(self.results.notna(), None)
            .to_dict(orient="records"),
            "rejected": self.rejected.to_dict(orient="records"),
            "warnings": [str(w) for w in self.warnings],
            "credit_count": self.credit_count,
        }

    def trace(self, payee_id, component, period, max_credits=None) -> dict:
        """Return the steps behind one result row; see :func:`trace`."""
        return trace(self, payee_id, component, period, max_credits)


def _row(res: Results, payee_id, component, period):
    r = res.results
    hit = r[
        (r["payee_id"] == str(payee_id))
        & (r["component"] == str(component))
        & (r["period"] == str(period))
    ]
    if hit.empty:
        have = r.loc[r["payee_id"] == str(payee_id), ["component", "period"]]
        options = ", ".join(f"{c} {p}" for c, p in have.head(8).itertuples(index=False))
        raise InputError(
            f"explain: no result for payee {payee_id!r}, component {component!r}, "
            f"period {period!r}; that payee has: {options or 'no results'}."
        )
    return hit.iloc[0]


def _component(res: Results, plan_id, name):
    for comp in res.book.components:
        if comp.plan_id == plan_id and comp.name == name:
            return comp
    raise InputError(f"explain: component {name!r} not found in plan {plan_id!r}.")


def trace(res: Results, payee_id, component, period, max_credits=None) -> dict:
    """Return the steps behind one result row, with the inputs of each.

    Parameters
    ----------
    res : Results
        What :func:`xlspm.calculate` returned.
    payee_id, component, period : str
        The result row.
    max_credits : int, optional
        Keep only the first credits counted (``credit_count`` still holds
        the total); used by a Dask run so that a top manager's explanation
        does not gather every deal below them.

    Returns
    -------
    dict
        ``row`` (the result row), ``component`` (its definition),
        ``credits`` (the credit rows counted, a DataFrame),
        ``credit_count``, ``window`` (first and last day counted) and
        ``table`` (floors and rates).
    """
    row = _row(res, payee_id, component, period)
    if res.partitions is not None:
        return res.partitions.traces(res, [row], max_credits)[0]
    return trace_row(res, row, res.credits_of(row["payee_id"]))


def trace_row(res: Results, row, credits: pd.DataFrame) -> dict:
    """Return :func:`trace` of a result row, given that payee's credits.

    Used to trace many rows of one payee without rebuilding its credits.
    """
    comp = _component(res, row["plan_id"], row["component"])
    pid = parse_label(row["period"], comp.period)
    first, last = (int(v[0]) for v in period_bounds(np.array([pid]), comp.period))
    if comp.cumulative:
        per_year = {"month": 12, "quarter": 4, "year": 1}[comp.period]
        first = int(
            period_bounds(np.array([pid // per_year * per_year]), comp.period)[0][0]
        )
    c = credits
    days = c["date"].to_numpy().astype("datetime64[D]").astype(np.int64)
    mask = (
        (c["payee_id"] == row["payee_id"]).to_numpy() & (days >= first) & (days <= last)
    )
    mask &= c["credit_type"].isin(comp.credit_types).to_numpy()
    if comp.filter_column:
        mask &= c[comp.filter_column].astype(str).isin(comp.filter_values).to_numpy()
    table = res.book.tables[comp.rate_table]
    return {
        "row": row,
        "component": comp,
        "credits": c[mask],
        "credit_count": int(mask.sum()),
        "window": (first, last),
        "table": table,
    }


def tiers_table(res: Results) -> pd.DataFrame:
    """Return every component's rate table: plan, component, mode, floor, rate."""
    rows = []
    for comp in res.book.components:
        table = res.book.tables[comp.rate_table]
        for floor, rate in zip(table.floors, table.rates, strict=True):
            rows.append(
                (comp.plan_id, comp.name, comp.rate_table, comp.mode, floor, rate)
            )
    columns = ["plan_id", "component", "rate_table", "mode", "floor", "rate"]
    return pd.DataFrame(rows, columns=columns)
