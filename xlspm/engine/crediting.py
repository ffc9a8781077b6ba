"""Crediting: which payee gets credit for which transaction, and roll-ups.

Every active matching rule credits ``amount * split_pct / 100`` to its payee
(``direct`` or ``overlay``). A transaction no direct rule matches is credited
100 % to its ``seller``; with no known seller it is rejected with its reason.
Managers then receive ``rollup`` credit for their reports' credits, walking
the (effective-dated) hierarchy up to the roll-up depth of each manager's
plan: once per manager per transaction, the sum of the credits below them
capped at the transaction amount (so a split deal, or a direct plus an
overlay credit, never counts twice for the same manager).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from ..kernels import crediting as _k
from ..kernels.dispatch import kernel
from ..schema.inputs import Payees, Transactions
from ..schema.rules import CREDIT_TYPES, RuleIndex
from ..schema.tables import OPEN_END, OPEN_START, Problems

__all__ = ["CreditArrays", "RollupInputs", "credit_arrays", "credits_frame"]

NANO = 1e9
MAX_ABS_AMOUNT = 9e9  # nano-dollar sums must fit in int64


@dataclass(frozen=True)
class CreditArrays:
    """Credits as parallel arrays (one entry per credit).

    Attributes
    ----------
    txn, payee : numpy.ndarray
        Transaction and payee position of each credit.
    amount : numpy.ndarray
        Credited amount.
    rule : numpy.ndarray
        Rule position; -1 the default (seller) credit, -2 a roll-up.
    kind : numpy.ndarray
        Index into ``CREDIT_TYPES``.
    level : numpy.ndarray
        0 for direct and overlay credits, the hierarchy level for roll-ups.
    """

    txn: np.ndarray
    payee: np.ndarray
    amount: np.ndarray
    rule: np.ndarray
    kind: np.ndarray
    level: np.ndarray

    @property
    def nano(self) -> np.ndarray:
        """Credited amounts in int64 nano-dollars.

        The exact binary amount rounded to 9 decimals, ties to even.
        """
        out = np.empty(self.amount.size, dtype=np.int64)
        kernel("numerics.to_units")(self.amount, 9, out)
        return out

    def take(self, mask) -> CreditArrays:
        """Return the credits selected by a boolean mask or index array."""
        return CreditArrays(
            self.txn[mask],
            self.payee[mask],
            self.amount[mask],
            self.rule[mask],
            self.kind[mask],
            self.level[mask],
        )

    def columns(self) -> tuple[np.ndarray, ...]:
        """Return the columns in the kernels' order (txn ... level)."""
        return (self.txn, self.payee, self.amount, self.rule, self.kind, self.level)


def _allocate(size: int) -> CreditArrays:
    """Credit columns; untouched capacity costs address space, not memory."""
    return CreditArrays(
        np.empty(size, np.int32),
        np.empty(size, np.int32),
        np.empty(size),
        np.empty(size, np.int32),
        np.empty(size, np.int8),
        np.zeros(size, np.int8),
    )


@dataclass(frozen=True)
class RollupInputs:
    """What the roll-up kernel reads, in the kernel's argument order.

    Attributes
    ----------
    b_ptr : numpy.ndarray
        Transaction ``t``'s base credits are ``b_ptr[t]:b_ptr[t + 1]``.
    b_payee, b_amount : numpy.ndarray
        Payee position and amount of each base credit.
    day, amount : numpy.ndarray
        Each transaction's day number and amount.
    m_ptr, m_idx, m_from, m_to : numpy.ndarray
        Effective-dated reporting lines per payee (CSR layout).
    depth : numpy.ndarray
        Roll-up depth of each payee's plan.
    p_start, p_end : numpy.ndarray
        Each payee's first and last active day.
    max_depth : int
        Deepest roll-up of any plan.
    chain : numpy.ndarray
        Ancestor table for a static hierarchy (see :func:`_chain`), or an
        empty table when reporting lines are dated.
    max_base : int
        Most base credits of any one transaction (sizes the kernel buffers).
    """

    b_ptr: np.ndarray
    b_payee: np.ndarray
    b_amount: np.ndarray
    day: np.ndarray
    amount: np.ndarray
    m_ptr: np.ndarray
    m_idx: np.ndarray
    m_from: np.ndarray
    m_to: np.ndarray
    depth: np.ndarray
    p_start: np.ndarray
    p_end: np.ndarray
    max_depth: int
    chain: np.ndarray
    max_base: int

    def args(self) -> tuple:
        """Return the fields as the kernel's leading positional arguments."""
        return tuple(getattr(self, f.name) for f in fields(self))


def _chain(payees: Payees, depth: np.ndarray, max_depth: int) -> np.ndarray:
    """Ancestor table for a static hierarchy (empty when reporting lines are dated).

    ``chain[p, L-1]`` is the manager ``L`` levels above ``p`` if that manager's
    plan rolls up from that far (-1 if not; -2 past the top of the tree).
    """
    n = len(payees.ids)
    if np.any(payees.mgr_from != OPEN_START) or np.any(payees.mgr_to != OPEN_END):
        return np.empty((0, max_depth), dtype=np.int32)
    up = np.full(n, -2, dtype=np.int64)
    has = np.diff(payees.mgr_ptr) > 0
    up[has] = payees.mgr_idx[payees.mgr_ptr[:-1][has]]
    chain = np.empty((n, max_depth), dtype=np.int32)
    cur = np.arange(n)
    for level in range(1, max_depth + 1):
        nxt = np.where(cur >= 0, up[np.maximum(cur, 0)], -2)
        takes = (nxt >= 0) & (depth[np.maximum(nxt, 0)] >= level)
        chain[:, level - 1] = np.where(nxt < 0, -2, np.where(takes, nxt, -1))
        cur = nxt
    return chain


def _credit_all(txns: Transactions, payees: Payees, rules: RuleIndex, depth):
    """Write base credits, then roll-ups, into one set of columns."""
    n = txns.day.size
    counts = np.zeros(n, dtype=np.int64)
    split_sum = np.zeros(n)
    status = np.zeros(n, dtype=np.int64)
    args = (
        rules.groups,
        rules.ptr,
        rules.order,
        rules.valid_from,
        rules.valid_to,
        rules.kind,
        rules.split,
    )
    kernel("crediting.count_credits")(
        *args, txns.day, txns.seller, counts, split_sum, status
    )
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    m = int(ptr[-1])
    max_depth = int(depth.max()) if depth.size else 0
    cols = _allocate(m * (1 + max_depth))
    base = cols.take(slice(0, m))
    kernel("crediting.fill_credits")(
        *args,
        rules.payee,
        txns.day,
        txns.amount,
        txns.seller,
        ptr,
        status,
        *base.columns()[:5],  # every column but the level (0 for base credits)
    )
    total = m
    if max_depth and n:
        roll = RollupInputs(
            ptr,
            base.payee,
            base.amount,
            txns.day,
            txns.amount,
            payees.mgr_ptr,
            payees.mgr_idx,
            payees.mgr_from,
            payees.mgr_to,
            depth,
            payees.start,
            payees.end,
            max_depth,
            _chain(payees, depth, max_depth),
            int(counts.max()),
        )
        rollup = kernel("crediting.rollup")
        sizes = np.zeros(n, dtype=np.int64)
        rollup(*roll.args(), sizes, True, *cols.take(slice(0, 0)).columns())
        offsets = np.zeros(n, dtype=np.int64)
        np.cumsum(sizes[:-1], out=offsets[1:])
        offsets += m
        total = m + int(sizes.sum())
        rollup(*roll.args(), offsets, False, *cols.columns())
    return cols.take(slice(0, total)), split_sum, status


def _report(txns: Transactions, split_sum, status, problems: Problems):
    frame = txns.frame
    bad = np.flatnonzero(status == _k.UNASSIGNED)
    if bad.size:
        problems.warn(
            "transactions",
            "no direct crediting rule matches and the seller is blank or not a payee; "
            "rejected. Add a rule or a seller.",
            rows=frame.index[bad],
            keys=frame["txn_id"].iloc[bad],
            sep=": ",
        )
    odd = np.flatnonzero(status == _k.SPLIT_MISMATCH)
    if odd.size:
        sums = ", ".join(f"{100 * s:g}%" for s in split_sum[odd[:5]])
        problems.warn(
            "transactions",
            f"direct splits sum to {sums}, not 100%; credited as the rules say. Fix "
            "the splits, or pass strict=True to stop on this.",
            rows=frame.index[odd],
            keys=frame["txn_id"].iloc[odd],
            sep=": ",
        )
    return pd.DataFrame(
        {
            "table": "transactions",
            "row": frame.index[bad],
            "txn_id": frame["txn_id"].to_numpy()[bad],
            "reason": "no direct crediting rule matched and the seller is not a payee",
        }
    )


def credit_arrays(
    txns, payees, rules, depth, problems
) -> tuple[CreditArrays, pd.DataFrame]:
    """Run crediting and roll-up; return the credits and the rejected rows."""
    too_big = np.abs(txns.amount) > MAX_ABS_AMOUNT
    if too_big.any():
        idx = np.flatnonzero(too_big)
        problems.error(
            "transactions",
            f"exceed {MAX_ABS_AMOUNT:,.0f}; amounts that large are not supported.",
            column="amount",
            rows=txns.frame.index[idx],
        )
        problems.raise_if_any()
    arrays, split_sum, status = _credit_all(txns, payees, rules, depth)
    rejected = _report(txns, split_sum, status, problems)
    return arrays, rejected


def credits_frame(
    arrays: CreditArrays,
    txns: Transactions,
    payees: Payees,
    rules: RuleIndex,
    extra: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Present the credits: one row per (transaction, payee, credit)."""
    rule_names = [*rules.ids, "default (seller)", "rollup"]
    rule_codes = np.where(
        arrays.rule >= 0, arrays.rule, len(rules.ids) - 1 - arrays.rule
    )
    frame = pd.DataFrame(
        {
            "txn_id": txns.frame["txn_id"].to_numpy()[arrays.txn],
            "date": txns.day[arrays.txn].astype("datetime64[D]"),
            "payee_id": pd.Categorical.from_codes(arrays.payee, payees.ids),
            "credit_type": pd.Categorical.from_codes(arrays.kind, CREDIT_TYPES),
            "rule_id": pd.Categorical.from_codes(rule_codes, rule_names),
            "level": arrays.level.astype(np.int64),
            "txn_amount": txns.amount[arrays.txn],
            "amount": arrays.amount,
        }
    )
    for column in extra:
        codes, texts = txns.attribute(column)
        frame[column] = pd.Categorical.from_codes(codes[arrays.txn], texts)
    return frame
