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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._tables import Problems, rows_text
from .backend import get_backend
from .inputs import Payees, Transactions
from .kernels import crediting as _k
from .kernels import numerics as _num
from .kernels import numerics_numpy as _num_np
from .kernels._compile import KERNEL_LOCK
from .rules import CREDIT_TYPES, RuleIndex

__all__ = ["CreditArrays", "credit_arrays", "credits_frame"]

NANO = 1e9
MAX_ABS_AMOUNT = 9e9  # nano-dollar sums must fit in int64


@dataclass
class CreditArrays:
    """Credits as parallel arrays (one entry per credit)."""

    txn: np.ndarray
    payee: np.ndarray
    amount: np.ndarray
    rule: np.ndarray  # rule position, -1 default (seller), -2 roll-up
    kind: np.ndarray  # index into CREDIT_TYPES
    level: np.ndarray  # 0 for direct/overlay, hierarchy level for roll-ups

    @property
    def nano(self) -> np.ndarray:
        """Credited amounts in int64 nano-dollars.

        The exact binary amount rounded to 9 decimals, ties to even.
        """
        if get_backend() == "numba":
            out = np.empty(self.amount.size, dtype=np.int64)
            with KERNEL_LOCK:
                _num.to_units(self.amount, 9, out)
            return out
        return _num_np.to_units(self.amount, 9)

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


def _kernel(fn):
    return fn if get_backend() == "numba" else getattr(fn, "py_func", fn)


def _base_credits(txns: Transactions, rules: RuleIndex):
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
    _kernel(_k.count_credits)(*args, txns.day, txns.seller, counts, split_sum, status)
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    m = int(ptr[-1])
    out = [
        np.empty(m, np.int32),
        np.empty(m, np.int32),
        np.empty(m),
        np.empty(m, np.int32),
        np.empty(m, np.int8),
    ]
    _kernel(_k.fill_credits)(
        *args, rules.payee, txns.day, txns.amount, txns.seller, ptr, status, *out
    )
    return ptr, out, split_sum, status


def _rollups(txns, payees: Payees, depth, ptr, payee, amount):
    n = txns.day.size
    max_depth = int(depth.max()) if depth.size else 0
    if max_depth == 0 or n == 0:
        return [
            np.empty(0, np.int32),
            np.empty(0, np.int32),
            np.empty(0),
            np.empty(0, np.int8),
        ]
    max_base = int(np.diff(ptr).max())
    counts = np.zeros(n, dtype=np.int64)
    args = (
        ptr,
        payee,
        amount,
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
        max_base,
    )
    e = np.empty(0, np.int64)
    _kernel(_k.rollup)(*args, counts, True, e, e, np.empty(0), e)
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    m = int(counts.sum())
    out = [
        np.empty(m, np.int64),
        np.empty(m, np.int64),
        np.empty(m),
        np.empty(m, np.int64),
    ]
    _kernel(_k.rollup)(*args, offsets, False, *out)
    return out


def _report(txns: Transactions, payees, split_sum, status, problems: Problems):
    frame = txns.frame
    bad = np.flatnonzero(status == _k.UNASSIGNED)
    if bad.size:
        problems.warn(
            f"transactions {rows_text(frame.index[bad], frame['txn_id'].iloc[bad])}: "
            "no direct crediting rule matches and the seller is blank or not a payee; "
            "rejected. Add a rule or a seller."
        )
    odd = np.flatnonzero(status == _k.SPLIT_MISMATCH)
    if odd.size:
        sums = ", ".join(f"{100 * s:g}%" for s in split_sum[odd[:5]])
        problems.warn(
            f"transactions {rows_text(frame.index[odd], frame['txn_id'].iloc[odd])}: "
            f"direct splits sum to {sums}, not 100%; credited as the rules say. Fix "
            "the splits, or pass strict=True to stop on this."
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
            f"transactions.amount: {rows_text(txns.frame.index[idx])} exceed "
            f"{MAX_ABS_AMOUNT:,.0f}; amounts that large are not supported."
        )
        problems.raise_if_any()
    with KERNEL_LOCK:
        ptr, (b_txn, b_payee, b_amount, b_rule, b_kind), split_sum, status = (
            _base_credits(txns, rules)
        )
        r_txn, r_payee, r_amount, r_level = _rollups(
            txns, payees, depth, ptr, b_payee, b_amount
        )
    rejected = _report(txns, payees, split_sum, status, problems)
    n_r = r_txn.size
    arrays = CreditArrays(
        txn=np.concatenate([b_txn, r_txn]),
        payee=np.concatenate([b_payee, r_payee]),
        amount=np.concatenate([b_amount, r_amount]),
        rule=np.concatenate([b_rule, np.full(n_r, -2, dtype=np.int32)]),
        kind=np.concatenate([b_kind, np.full(n_r, _k.ROLLUP, dtype=np.int8)]),
        level=np.concatenate([np.zeros(b_txn.size, dtype=np.int8), r_level]),
    )
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
