"""The records that travel between the engine's stages.

``prepare`` -> :class:`Prepared` (plans, payees, quotas and the
:class:`PlanIndex`); ``read_credit_inputs`` -> :class:`CreditInputs`
(transactions, rules, :class:`Filters`); crediting ->
:class:`~xlspm.engine.crediting.CreditArrays`; ``aggregate`` -> one
:class:`Bucket` per component over the :class:`PeriodSlots`; ``pay`` -> the
results frame. The kernels take the arrays inside these records as
positional arguments; nothing above them passes positional tuples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Bucket", "CreditInputs", "Filters", "PeriodSlots", "PlanIndex", "Prepared"]


@dataclass(frozen=True)
class PlanIndex:
    """Which components each payee is paid on, as arrays for the kernels.

    Attributes
    ----------
    plan_of : numpy.ndarray
        Each payee's plan position in ``book.by_plan`` (-1: unknown plan).
    plan_ptr : numpy.ndarray
        Plan ``p``'s components are ``plan_comps[plan_ptr[p]:plan_ptr[p + 1]]``.
    plan_comps : numpy.ndarray
        Component positions, grouped by plan.
    depth : numpy.ndarray
        Roll-up depth of each payee's plan (0: no roll-up credit).
    """

    plan_of: np.ndarray
    plan_ptr: np.ndarray
    plan_comps: np.ndarray
    depth: np.ndarray


@dataclass(frozen=True)
class Prepared:
    """The small inputs, read and checked: everything but the transactions.

    Attributes
    ----------
    book : xlspm.schema.plans.PlanBook
        Components, plans and rate tables.
    people : xlspm.schema.inputs.Payees
        Payees, their dates and reporting lines.
    plan : PlanIndex
        Components per payee.
    quota_map : pandas.DataFrame
        Checked quotas (``payee, component, pid, quota``).
    extra : tuple of str
        Transaction columns the components filter on.
    """

    book: object
    people: object
    plan: PlanIndex
    quota_map: object
    extra: tuple


@dataclass(frozen=True)
class Filters:
    """Component filters over the transactions.

    Attributes
    ----------
    comp_filter : numpy.ndarray
        Each component's row in ``rows`` (-1: counts every transaction).
    rows : numpy.ndarray
        One boolean row per distinct (column, values) filter, one column per
        transaction.
    """

    comp_filter: np.ndarray
    rows: np.ndarray


@dataclass(frozen=True)
class CreditInputs:
    """The transactions and what crediting and aggregation read with them.

    Attributes
    ----------
    txns : xlspm.schema.inputs.Transactions
        The checked transactions.
    rules : xlspm.schema.rules.RuleIndex
        The crediting rules, indexed against the transactions.
    filters : Filters
        Component filters over the transactions.
    """

    txns: object
    rules: object
    filters: Filters


@dataclass(frozen=True)
class PeriodSlots:
    """The periods the transactions fall in, per period kind (``KINDS`` order).

    Attributes
    ----------
    first : tuple of int
        Period id of each kind's first period.
    n_periods : tuple of int
        Number of periods of each kind, from the first to the last.
    txn_slot : numpy.ndarray or None
        ``txn_slot[kind, t]``: transaction ``t``'s period, counted from
        ``first[kind]``; None where only the ranges are known (Dask).
    """

    first: tuple
    n_periods: tuple
    txn_slot: np.ndarray | None = None


@dataclass(frozen=True)
class Bucket:
    """One component's credits, summed per payee x period.

    Attributes
    ----------
    sums : numpy.ndarray
        int64 nano-dollars, payees x periods.
    counts : numpy.ndarray
        Credits counted, payees x periods.
    """

    sums: np.ndarray
    counts: np.ndarray
