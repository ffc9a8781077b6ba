"""Crediting one partition of the transactions (runs on Dask workers).

Nothing here imports Dask: each function takes one pandas partition and the
broadcast :class:`PartitionContext`, and runs the single-machine engine's own
steps (the same readers and numba kernels) on it. Credits are aggregated per
payee x component x period in exact int64 nano-dollars, so adding the
partitions' sums in any order gives the single-machine totals bit for bit.
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..engine.calculate import aggregate, period_slots, read_credit_inputs
from ..engine.crediting import CreditArrays, credit_arrays, credits_frame
from ..engine.stages import CreditInputs
from ..errors import PlanInputError
from ..schema.periods import KINDS
from ..schema.tables import Problems
from ..schema.values import infer_numbers

__all__ = [
    "PartOutput",
    "PartitionContext",
    "PeriodBlock",
    "credit_partition",
    "infer_numbers",
    "merge_outputs",
    "partition_credits_of",
    "partition_traces",
]

NO_DAY = (np.iinfo(np.int64).max, np.iinfo(np.int64).min)


@dataclass(frozen=True)
class PartitionContext:
    """What every partition needs: the prepared plan inputs and the options."""

    prep: object  # engine.Prepared
    assignments: object  # DataFrame or None
    strict: bool
    bad_rows: str
    csv_text: bool = False  # columns read as text: infer numbers like pandas


@dataclass(frozen=True)
class PeriodBlock:
    """One component's credits over a run of periods (a partition's own range).

    Attributes
    ----------
    first : int
        Period id of the first column.
    sums, counts : numpy.ndarray
        int64 nano-dollars and credits counted, payees x periods.
    """

    first: int
    sums: np.ndarray
    counts: np.ndarray


@dataclass(frozen=True)
class Credited:
    """One partition, read and credited.

    Attributes
    ----------
    problems : Problems
        What reading and crediting found.
    inputs : CreditInputs
        The partition's transactions, rules and filters.
    arrays : CreditArrays
        Its credits.
    unassigned : pandas.DataFrame
        Its transactions nobody is credited for.
    """

    problems: Problems
    inputs: CreditInputs
    arrays: CreditArrays
    unassigned: pd.DataFrame


@dataclass
class PartOutput:
    """One partition's (or several merged partitions') contribution."""

    buckets: list = field(default_factory=list)  # per component, a PeriodBlock
    day_min: int = NO_DAY[0]
    day_max: int = NO_DAY[1]
    rows: int = 0
    credits: int = 0
    rejected_read: list = field(default_factory=list)
    rejected_credit: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (first row, message)
    warnings: list = field(default_factory=list)
    parts: int = 1


def _credit(frame: pd.DataFrame, ctx: PartitionContext, first_row: int) -> Credited:
    """Run the engine's reading and crediting on one partition."""
    frame = frame.set_axis(pd.RangeIndex(first_row, first_row + len(frame)))
    if ctx.csv_text:
        frame = infer_numbers(frame)
    problems, prep = Problems(strict=ctx.strict), ctx.prep
    inputs = read_credit_inputs(frame, ctx.assignments, prep, problems, ctx.bad_rows)
    arrays, unassigned = credit_arrays(
        inputs.txns, prep.people, inputs.rules, prep.plan.depth, problems
    )
    return Credited(problems, inputs, arrays, unassigned)


def credit_partition(
    frame: pd.DataFrame, ctx: PartitionContext, first_row: int
) -> PartOutput:
    """Credit one partition and aggregate its credits.

    Parameters
    ----------
    frame : pandas.DataFrame
        The partition's transactions.
    ctx : PartitionContext
        Prepared plan inputs and options.
    first_row : int
        Row number of the partition's first row in the whole dataset (rows
        are named by these numbers in messages and ``rejected``).

    Returns
    -------
    PartOutput
        Aggregated credits per component, the day range, rejected rows and
        the problems found (errors are returned, not raised).
    """
    out = PartOutput(rows=len(frame))
    try:
        done = _credit(frame, ctx, first_row)
    except PlanInputError as exc:
        out.errors = [(first_row, m) for m in exc.problems]
        return out
    txns = done.inputs.txns
    slots = period_slots(txns)
    buckets = aggregate(done.arrays, ctx.prep, done.inputs.filters, slots)
    kinds = [KINDS.index(c.period) for c in ctx.prep.book.components]
    out.buckets = [
        PeriodBlock(slots.first[k], b.sums, b.counts)
        for k, b in zip(kinds, buckets, strict=True)
    ]
    if txns.day.size:
        out.day_min, out.day_max = int(txns.day.min()), int(txns.day.max())
    out.credits = int(done.arrays.txn.size)
    out.rejected_read, out.rejected_credit = [txns.rejected], [done.unassigned]
    out.errors = [(first_row, m) for m in done.problems.errors]
    out.warnings = [(first_row, m) for m in done.problems.warnings]
    return out


def _add_bucket(a: PeriodBlock, b: PeriodBlock) -> PeriodBlock:
    """Add two blocks over the union of their periods."""
    if b.sums.shape[1] == 0:
        return a
    if a.sums.shape[1] == 0:
        return b
    first = min(a.first, b.first)
    last = max(a.first + a.sums.shape[1], b.first + b.sums.shape[1])
    sums = np.zeros((a.sums.shape[0], last - first), dtype=np.int64)
    counts = np.zeros_like(sums)
    for block in (a, b):
        at = block.first - first
        sums[:, at : at + block.sums.shape[1]] += block.sums
        counts[:, at : at + block.counts.shape[1]] += block.counts
    return PeriodBlock(first, sums, counts)


def merge_outputs(a: PartOutput | None, b: PartOutput) -> PartOutput:
    """Return the sum of two partition outputs (``a`` may be None).

    Integer sums: the result does not depend on the order of merging.
    """
    if a is None:
        return b
    if not a.buckets:
        buckets = b.buckets
    elif not b.buckets:
        buckets = a.buckets
    else:
        buckets = [_add_bucket(x, y) for x, y in zip(a.buckets, b.buckets, strict=True)]
    return PartOutput(
        buckets=buckets,
        day_min=min(a.day_min, b.day_min),
        day_max=max(a.day_max, b.day_max),
        rows=a.rows + b.rows,
        credits=a.credits + b.credits,
        rejected_read=a.rejected_read + b.rejected_read,
        rejected_credit=a.rejected_credit + b.rejected_credit,
        errors=a.errors + b.errors,
        warnings=a.warnings + b.warnings,
        parts=a.parts + b.parts,
    )


def _by_payee(arrays, people, payee_ids):
    """Yield (payee id, credit positions in order) for the payees asked."""
    order = np.argsort(arrays.payee, kind="stable")
    ordered = arrays.payee[order]
    for pid in payee_ids:
        p = people.index.get(str(pid), -1)
        lo, hi = np.searchsorted(ordered, [p, p + 1]) if p >= 0 else (0, 0)
        yield pid, order[lo:hi]


def _frame_of(arrays, idx, inputs: CreditInputs, ctx) -> pd.DataFrame:
    """Credits at positions ``idx`` with their dataset row (``_row``)."""
    part = arrays.take(idx)
    txns = inputs.txns
    frame = credits_frame(part, txns, ctx.prep.people, inputs.rules, ctx.prep.extra)
    frame["_row"] = txns.frame.index.to_numpy()[part.txn]
    return frame


def partition_credits_of(frame, ctx, first_row, payee_ids) -> dict:
    """Return the credits of some payees in one partition, by payee id."""
    done = _credit(frame, ctx, first_row)
    return {
        pid: _frame_of(done.arrays, idx, done.inputs, ctx)
        for pid, idx in _by_payee(done.arrays, ctx.prep.people, payee_ids)
    }


def partition_traces(frame, ctx, first_row, rows, max_credits) -> list:
    """Per result row: (credits counted, the first ``max_credits`` of them).

    Each payee's credits are selected once (one sort), then each of its rows
    keeps only the credits inside its window, types and filter.
    """
    from ..engine.results import trace_row

    done = _credit(frame, ctx, first_row)
    res = types.SimpleNamespace(book=ctx.prep.book)
    out = [None] * len(rows)
    wanted: dict = {}
    for i, row in enumerate(rows):
        wanted.setdefault(row["payee_id"], []).append(i)
    for pid, idx in _by_payee(done.arrays, ctx.prep.people, list(wanted)):
        credits = _frame_of(done.arrays, idx, done.inputs, ctx)
        for i in wanted[pid]:
            kept = trace_row(res, rows[i], credits)["credits"]
            head = kept if max_credits is None else kept.head(max_credits)
            out[i] = (len(kept), head)
    return out
