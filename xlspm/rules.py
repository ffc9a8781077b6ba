"""Crediting rules (assignments): check them and index them for matching.

A rule matches a transaction when every non-blank match column equals the
transaction's value and the transaction date is within ``valid_from`` ..
``valid_to`` (inclusive, blank = open). Rules are grouped by *signature* (the
set of columns they match on); each group is indexed by a combined integer
key, so matching is one binary search per transaction and signature.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._tables import (
    OPEN_END,
    OPEN_START,
    Problems,
    blank,
    dates,
    norm_key,
    normalize,
    numbers,
    require_columns,
)
from .inputs import Payees, Transactions

__all__ = ["CREDIT_TYPES", "RuleIndex", "read_rules"]

CREDIT_TYPES = ("direct", "overlay", "rollup")
RESERVED = {"rule_id", "payee_id", "split_pct", "valid_from", "valid_to", "credit_type"}
IGNORED = {"name", "note", "notes", "comment", "comments", "description"}


@dataclass
class RuleIndex:
    """Rules as arrays plus the signature index used by the crediting kernel."""

    ids: list[str]
    payee: np.ndarray
    split: np.ndarray  # fraction of the amount (split_pct / 100)
    valid_from: np.ndarray
    valid_to: np.ndarray
    kind: np.ndarray  # 0 direct, 1 overlay
    groups: np.ndarray  # (n_signatures, n_txn) group id or -1
    ptr: np.ndarray  # CSR over group ids into ``order``
    order: np.ndarray  # rule positions
    signatures: list[tuple[str, ...]]


def _match_values(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, str]]:
    values = [{} for _ in range(len(frame))]
    for column in columns:
        empty = blank(frame[column])
        for i, (v, e) in enumerate(zip(frame[column], empty, strict=True)):
            if not e:
                values[i][column] = norm_key(v)
    return values


def _check_overlaps(frame, keys, kind, start, end, problems) -> None:
    seen: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        seen.setdefault((*key, kind[i]), []).append(i)
    for rows in seen.values():
        rows.sort(key=lambda i: start[i])
        for a, b in itertools.pairwise(rows):
            if start[b] <= end[a]:
                problems.error(
                    f"assignments: rows {frame.index[a]} and {frame.index[b]} give the "
                    "same match values to the same payee with overlapping dates; "
                    "end the first rule (valid_to) before the second starts."
                )


def _combined_keys(columns, code_sets, cards):
    key = np.zeros(len(code_sets[0]), dtype=np.int64)
    valid = np.ones(len(code_sets[0]), dtype=bool)
    for codes, card in zip(code_sets, cards, strict=True):
        valid &= codes >= 0
        key = key * card + np.maximum(codes, 0)
    return np.where(valid, key, -1)


def _index(txns: Transactions, columns_of: list[tuple], values, n_txn):
    """Group rules by signature; return per-signature txn groups and the CSR."""
    signatures = sorted(set(columns_of))
    groups = np.full((len(signatures), n_txn), -1, dtype=np.int32)
    ptrs, orders, base = [np.zeros(1, dtype=np.int64)], [], 0
    for s, sig in enumerate(signatures):
        rules = np.array(
            [i for i, c in enumerate(columns_of) if c == sig], dtype=np.int64
        )
        cards, txn_codes, rule_codes = [], [], []
        for column in sig:
            codes, texts = txns.attribute(column)
            lookup = {t: k for k, t in enumerate(texts)}
            cards.append(max(len(texts), 1))
            txn_codes.append(codes)
            rule_codes.append(
                np.array([lookup.get(values[r][column], -1) for r in rules])
            )
        rkey = _combined_keys(sig, rule_codes, cards)
        sort = np.lexsort((rules, rkey))
        rkey, rules = rkey[sort], rules[sort]
        keep = rkey >= 0  # a value no transaction has cannot match
        rkey, rules = rkey[keep], rules[keep]
        uniq, starts = np.unique(rkey, return_index=True)
        tkey = _combined_keys(sig, txn_codes, cards)
        pos = np.searchsorted(uniq, tkey)
        hit = (pos < uniq.size) & (tkey >= 0)
        hit[hit] = uniq[pos[hit]] == tkey[hit]
        groups[s] = np.where(hit, pos + base, -1)
        if uniq.size:
            offset = sum(o.size for o in orders)
            ptrs.append(np.append(starts[1:], rules.size) + offset)
        orders.append(rules)
        base += uniq.size
    order = np.concatenate(orders) if orders else np.zeros(0, dtype=np.int64)
    return groups, np.concatenate(ptrs).astype(np.int64), order, signatures


def read_rules(assignments, payees: Payees, txns: Transactions, problems: Problems):
    """Check the assignments and index them against the transactions.

    Returns
    -------
    RuleIndex
        Arrays for the crediting kernel.
    """
    if assignments is None:
        assignments = pd.DataFrame(columns=["payee_id", "split_pct"])
    frame = normalize(assignments, "assignments")
    require_columns(frame, "assignments", ("payee_id", "split_pct"), problems)
    problems.raise_if_any()
    match_cols = [c for c in frame.columns if c not in RESERVED | IGNORED]
    for column in match_cols:
        if column not in txns.frame.columns:
            problems.error(
                f"assignments.{column}: not a transaction column, so rules cannot "
                f"match on it; transactions have {', '.join(txns.frame.columns)}."
            )
    problems.raise_if_any()
    n = len(frame)
    ids = [
        norm_key(v) or f"R{frame.index[i]}"
        for i, v in enumerate(
            frame.get("rule_id", pd.Series([""] * n, index=frame.index))
        )
    ]
    first: dict[str, object] = {}
    for i, rule_id in enumerate(ids):
        if rule_id in first:
            problems.error(
                f"assignments.rule_id: {rule_id!r} is used by rows {first[rule_id]} "
                f"and {frame.index[i]}; rule ids must be unique (or left blank)."
            )
        first.setdefault(rule_id, frame.index[i])
    payee = np.array(
        [payees.index.get(norm_key(v), -1) for v in frame["payee_id"]], dtype=np.int64
    )
    for i in np.flatnonzero(payee < 0):
        problems.error(
            f"assignments.payee_id: row {frame.index[i]} names "
            f"{norm_key(frame['payee_id'].iloc[i])!r}, who is not in payees."
        )
    pct, bad = numbers(frame["split_pct"], "assignments", "split_pct", problems)
    for i in np.flatnonzero(~bad & ((pct <= 0) | (pct > 100))):
        problems.error(
            f"assignments.split_pct: row {frame.index[i]} holds {pct[i]:g}; expected "
            "a percentage above 0 and at most 100 (50 means half the amount)."
        )
    none = pd.Series([None] * n, index=frame.index, dtype=object)
    start = dates(
        frame.get("valid_from", none),
        "assignments",
        "valid_from",
        problems,
        fill=OPEN_START,
    )[0]
    end = dates(
        frame.get("valid_to", none), "assignments", "valid_to", problems, fill=OPEN_END
    )[0]
    kind_text = [
        norm_key(v).lower() or "direct" for v in frame.get("credit_type", none)
    ]
    for i, k in enumerate(kind_text):
        if k not in ("direct", "overlay"):
            problems.error(
                f"assignments.credit_type: row {frame.index[i]} holds {k!r}; expected "
                "direct or overlay (blank means direct)."
            )
    kind = np.array([k == "overlay" for k in kind_text], dtype=np.int64)
    values = _match_values(frame, match_cols)
    for i in range(n):
        if not values[i]:
            problems.error(
                f"assignments: row {frame.index[i]} has no match value; fill at "
                f"least one of {', '.join(match_cols) or 'seller, territory, account'}."
            )
    keys = [
        (*tuple(sorted(v.items())), ("payee", int(payee[i])))
        for i, v in enumerate(values)
    ]
    _check_overlaps(frame, keys, kind, start, end, problems)
    problems.raise_if_any()
    columns_of = [tuple(sorted(v)) for v in values]
    groups, ptr, order, sigs = _index(txns, columns_of, values, len(txns.day))
    return RuleIndex(
        ids, payee, pct / 100.0, start, end, kind, groups, ptr, order, sigs
    )
