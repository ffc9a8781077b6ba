"""Read, check and integer-code the plan inputs (transactions, payees, hierarchy).

The result, :class:`Company`, holds contiguous arrays for the kernels. Row
labels in messages are the DataFrame index labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .tables import (
    OPEN_END,
    OPEN_START,
    Problems,
    _dense_codes,
    column,
    dates,
    key_codes,
    normalize,
    numbers,
    require_columns,
    span,
)
from .values import norm_key, norm_keys

__all__ = ["Company", "Payees", "Transactions", "read_payees", "read_transactions"]

TXN_COLUMNS = ("txn_id", "date", "amount")
PAYEE_COLUMNS = ("payee_id", "plan_id")


@dataclass
class Payees:
    """Payees as arrays; index ``i`` is the payee's position in ``ids``."""

    ids: list[str]
    names: list[str]
    plan_ids: list[str]
    start: np.ndarray
    end: np.ndarray
    mgr_ptr: np.ndarray  # CSR over payees: manager intervals
    mgr_idx: np.ndarray
    mgr_from: np.ndarray
    mgr_to: np.ndarray
    index: dict = field(default_factory=dict)

    def lookup(self, keys) -> np.ndarray:
        """Payee positions of normalised ids (-1 when unknown)."""
        return np.array([self.index.get(k, -1) for k in keys], dtype=np.int64)


@dataclass
class Transactions:
    """Accepted transactions as arrays, plus the rejected rows."""

    frame: pd.DataFrame  # accepted rows, normalised columns
    day: np.ndarray
    amount: np.ndarray
    seller: np.ndarray  # payee position or -1
    codes: dict = field(default_factory=dict)  # column -> (codes, texts)
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)

    def attribute(self, column: str) -> tuple[np.ndarray, list[str]]:
        """Integer codes of an attribute column (computed once)."""
        if column not in self.codes:
            self.codes[column] = key_codes(self.frame[column])
        return self.codes[column]


@dataclass
class Company:
    """Everything the engine needs, checked and encoded."""

    payees: Payees
    transactions: Transactions
    problems: Problems


def _edges_from_payees(frame, ids, index, problems) -> list[tuple]:
    managers = norm_keys(column(frame, "manager_id"))
    pos = pd.Index(ids).get_indexer(managers)
    unknown = np.flatnonzero((managers != "") & (pos < 0))
    for i in unknown[:5]:
        problems.error(
            "payees",
            f"names manager {managers[i]!r}, who is not in payees.",
            column="manager_id",
            rows=[frame.index[i]],
            keys=[ids[i]],
        )
    rows = np.flatnonzero(pos >= 0)
    return list(
        zip(
            rows.tolist(),
            pos[rows].tolist(),
            [int(OPEN_START)] * rows.size,
            [int(OPEN_END)] * rows.size,
            strict=True,
        )
    )


def _edges_from_hierarchy(hierarchy, index, problems) -> list[tuple]:
    hier = normalize(hierarchy, "hierarchy")
    if not require_columns(hier, "hierarchy", ("payee_id", "manager_id"), problems):
        return []
    start, end = span(hier, "hierarchy", "valid_from", "valid_to", problems)
    edges = []
    for j, (p, m) in enumerate(zip(hier["payee_id"], hier["manager_id"], strict=True)):
        for who in (norm_key(p), norm_key(m)):
            if who not in index:
                problems.error(
                    "hierarchy",
                    f"names {who!r}, who is not in payees.",
                    rows=[hier.index[j]],
                )
        if norm_key(p) in index and norm_key(m) in index:
            edges.append((index[norm_key(p)], index[norm_key(m)], start[j], end[j]))
    return edges


def _has_cycle(edges, n: int) -> bool:
    """Return whether following managers can loop (pointer doubling, vectorised).

    Exact for one manager per payee; with several (dated) lines per payee it
    answers True so that the exhaustive search runs.
    """
    up = np.full(n, -1, dtype=np.int64)
    if not edges:
        return False
    arr = np.array([e[:2] for e in edges], dtype=np.int64)
    if np.unique(arr[:, 0]).size != arr.shape[0]:
        return True
    up[arr[:, 0]] = arr[:, 1]
    for _ in range(max(1, int(np.ceil(np.log2(n + 1)))) + 1):
        up = np.where(up >= 0, up[np.maximum(up, 0)], -1)
    return bool((up >= 0).any())


def _check_cycles(edges, ids, problems) -> None:
    """Report every cycle in the manager graph (all dates together)."""
    if not _has_cycle(edges, len(ids)):
        return
    up: dict[int, set[int]] = {}
    for p, m, _, _ in edges:
        up.setdefault(p, set()).add(m)
    state: dict[int, int] = {}  # 1 visiting, 2 done
    for root in up:
        stack = [(root, iter(sorted(up.get(root, ()))))]
        path = [root]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                loop = [*path[path.index(child) :], child]
                problems.error(
                    "hierarchy",
                    "managers form a cycle "
                    + " -> ".join(ids[i] for i in loop)
                    + "; every chain of managers must end at a top payee.",
                )
                state[child] = 2
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(up.get(child, ())))))


def _csr(edges, n: int):
    edges = sorted(edges)
    ptr = np.zeros(n + 1, dtype=np.int64)
    for p, *_ in edges:
        ptr[p + 1] += 1
    arr = np.array(edges, dtype=np.int64).reshape(-1, 4)
    return np.cumsum(ptr), arr[:, 1].copy(), arr[:, 2].copy(), arr[:, 3].copy()


def read_payees(payees, hierarchy, problems: Problems) -> Payees:
    """Check and encode the payees (and the optional effective-dated hierarchy)."""
    frame = normalize(payees, "payees")
    if not require_columns(frame, "payees", PAYEE_COLUMNS, problems):
        problems.raise_if_any()
    ids = norm_keys(frame["payee_id"]).tolist()
    index: dict[str, int] = {}
    for i, key in enumerate(ids):
        if not key:
            problems.error(
                "payees", "is blank.", column="payee_id", rows=[frame.index[i]]
            )
        elif key in index:
            problems.error(
                "payees",
                f"hold the same id {key!r}; ids must be unique.",
                column="payee_id",
                rows=[frame.index[index[key]], frame.index[i]],
            )
        else:
            index[key] = i
    start, end = span(frame, "payees", "start_date", "end_date", problems)
    for i in np.flatnonzero(end < start):
        problems.error(
            "payees", "ends before it starts.", rows=[frame.index[i]], keys=[ids[i]]
        )
    if hierarchy is None:
        edges = _edges_from_payees(frame, ids, index, problems)
    else:
        edges = _edges_from_hierarchy(hierarchy, index, problems)
    _check_cycles(edges, ids, problems)
    names = norm_keys(column(frame, "name")).tolist()
    plan_ids = norm_keys(frame["plan_id"]).tolist()
    return Payees(ids, names, plan_ids, start, end, *_csr(edges, len(ids)), index=index)


def _duplicate_ids(frame: pd.DataFrame, problems: Problems) -> None:
    dense = _dense_codes(frame["txn_id"].to_numpy(), labels=False)
    if dense is not None:  # integer ids: count them, no hashing
        codes, distinct = dense
        if distinct == len(frame) and (codes >= 0).all():
            return
    else:
        codes, uniques = pd.factorize(frame["txn_id"])
        if len(uniques) == len(frame):
            return
    dup = pd.Series(codes).duplicated(keep=False).to_numpy()
    idx = np.flatnonzero(dup)
    problems.error(
        "transactions",
        "repeat an id; every transaction needs a unique txn_id.",
        column="txn_id",
        rows=frame.index[idx],
        keys=frame["txn_id"].iloc[idx],
    )


def read_transactions(
    transactions, payees: Payees, problems: Problems, bad_rows: str = "reject"
) -> Transactions:
    """Check and encode the transactions.

    Rows with a missing or invalid date or amount are rejected with their
    reason (``bad_rows="reject"``; an error when strict) or stop the run
    (``bad_rows="error"``).
    """
    frame = normalize(transactions, "transactions")
    if not require_columns(frame, "transactions", TXN_COLUMNS, problems):
        problems.raise_if_any()
    _duplicate_ids(frame, problems)
    quiet = Problems()
    day, bad_day = dates(frame["date"], "transactions", "date", quiet)
    amount, bad_amount = numbers(frame["amount"], "transactions", "amount", quiet)
    for problem in quiet.errors:
        if bad_rows == "error":
            problems.error(problem)
        else:
            problems.warn(replace(problem, text="These rows are rejected."))
    keep = ~(bad_day | bad_amount)
    bad = np.flatnonzero(~keep)
    why = np.array(
        [
            "missing or invalid date and amount",
            "missing or invalid date",
            "missing or invalid amount",
        ],
        dtype=object,
    )
    which = np.where(bad_amount[bad] & bad_day[bad], 0, np.where(bad_day[bad], 1, 2))
    rejected = pd.DataFrame(
        {
            "table": "transactions",
            "row": frame.index[bad],
            "txn_id": frame["txn_id"].to_numpy()[bad],
            "reason": why[which],
        }
    )
    kept = frame[keep] if not keep.all() else frame
    txns = Transactions(
        kept, day[keep], amount[keep], np.empty(0, np.int64), rejected=rejected
    )
    if "seller" in kept.columns:
        codes, texts = txns.attribute("seller")
        txns.seller = np.append(payees.lookup(texts), -1)[codes]
    else:
        txns.seller = np.full(len(kept), -1, dtype=np.int64)
    return txns
