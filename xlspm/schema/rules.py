"""Crediting rules (assignments): check them and index them for matching.

A rule matches a transaction when every non-blank match column equals the
transaction's value and the transaction date is within ``valid_from`` ..
``valid_to`` (inclusive, blank = open). Rules are grouped by *signature* (the
set of columns they match on); each group is indexed by a combined integer
key, so matching is one binary search per transaction and signature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .inputs import Payees, Transactions
from .tables import (
    Problems,
    column,
    normalize,
    numbers,
    require_columns,
    span,
)
from .values import norm_keys

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


def _check_overlaps(frame, texts, payee, kind, start, end, problems) -> None:
    """Report rules that overlap in time for the same values, payee and type.

    Consecutive rules in start order are compared.
    """
    keys = pd.DataFrame({f"c{j}": t for j, t in enumerate(texts)})
    keys["payee"], keys["kind"], keys["start"], keys["end"] = payee, kind, start, end
    keys["row"] = np.arange(len(keys))
    cols = [c for c in keys.columns if c not in ("start", "end", "row")]
    keys = keys.sort_values([*cols, "start"], kind="stable")
    same = (keys[cols].shift() == keys[cols]).all(axis=1).to_numpy()
    clash = same & (keys["start"].to_numpy() <= keys["end"].shift().to_numpy())
    rows = keys["row"].to_numpy()
    for b in np.flatnonzero(clash)[:5]:
        problems.error(
            "assignments",
            "give the same match values to the same payee with overlapping dates; "
            "end the first rule (valid_to) before the second starts.",
            rows=[frame.index[rows[b - 1]], frame.index[rows[b]]],
        )


def _combined_keys(code_sets, cards):
    if len(code_sets) == 1:  # one column: its codes are the keys (-1 = blank)
        return code_sets[0]
    key = np.zeros(len(code_sets[0]), dtype=np.int64)
    valid = np.ones(len(code_sets[0]), dtype=bool)
    for codes, card in zip(code_sets, cards, strict=True):
        valid &= codes >= 0
        key = key * card + np.maximum(codes, 0)
    return np.where(valid, key, -1)


def _lookup(uniq: np.ndarray, tkey: np.ndarray, space: int, base: int) -> np.ndarray:
    """Group id of each transaction key (``uniq`` position + ``base``, or -1).

    A dense table when the key space is small (one random read per
    transaction), else a binary search.
    """
    if space <= max(4 * tkey.size, 1 << 20):
        table = np.full(space + 1, -1, dtype=np.int32)
        table[uniq] = np.arange(uniq.size, dtype=np.int32) + base
        return table[np.where(tkey >= 0, tkey, space)]
    pos = np.searchsorted(uniq, tkey)
    hit = (pos < uniq.size) & (tkey >= 0)
    hit[hit] = uniq[pos[hit]] == tkey[hit]
    return np.where(hit, pos + base, -1)


def _index(txns: Transactions, match_cols, texts, sig_bits, n_txn):
    """Group rules by signature; return per-signature txn groups and the CSR."""
    signatures = [int(b) for b in np.unique(sig_bits) if b]
    groups = np.full((len(signatures), n_txn), -1, dtype=np.int32)
    ptrs, orders, base = [np.zeros(1, dtype=np.int64)], [], 0
    names = []
    for s, bits in enumerate(signatures):
        cols = [j for j in range(len(match_cols)) if bits >> j & 1]
        names.append(tuple(match_cols[j] for j in cols))
        rules = np.flatnonzero(sig_bits == bits)
        cards, txn_codes, rule_codes = [], [], []
        for j in cols:
            codes, values = txns.attribute(match_cols[j])
            cards.append(max(len(values), 1))
            txn_codes.append(codes)
            rule_codes.append(pd.Index(values).get_indexer(texts[j][rules]))
        rkey = _combined_keys(rule_codes, cards)
        sort = np.lexsort((rules, rkey))
        rkey, rules = rkey[sort], rules[sort]
        keep = rkey >= 0  # a value no transaction has cannot match
        rkey, rules = rkey[keep], rules[keep]
        uniq, starts = np.unique(rkey, return_index=True)
        tkey = _combined_keys(txn_codes, cards)
        groups[s] = _lookup(uniq, tkey, int(np.prod(cards, dtype=np.float64)), base)
        if uniq.size:
            offset = sum(o.size for o in orders)
            ptrs.append(np.append(starts[1:], rules.size) + offset)
        orders.append(rules)
        base += uniq.size
    order = np.concatenate(orders) if orders else np.zeros(0, dtype=np.int64)
    return groups, np.concatenate(ptrs).astype(np.int64), order, names


def _rule_ids(frame, problems) -> list[str]:
    n = len(frame)
    given = (
        norm_keys(frame["rule_id"]) if "rule_id" in frame else np.full(n, "", object)
    )
    ids = [g or f"R{label}" for g, label in zip(given, frame.index, strict=True)]
    dup = pd.Series(ids).duplicated(keep=False).to_numpy()
    if dup.any():
        idx = np.flatnonzero(dup)
        problems.error(
            "assignments",
            "reuse a rule id; rule ids must be unique (or left blank).",
            column="rule_id",
            rows=frame.index[idx],
            keys=[ids[i] for i in idx[:5]],
        )
    return ids


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
    for name in match_cols:
        if name not in txns.frame.columns:
            problems.error(
                "assignments",
                "not a transaction column, so rules cannot match on it; "
                f"transactions have {', '.join(txns.frame.columns)}.",
                column=name,
            )
    problems.raise_if_any()
    n = len(frame)
    ids = _rule_ids(frame, problems)
    payee_text = norm_keys(frame["payee_id"])
    payee = np.array([payees.index.get(k, -1) for k in payee_text], dtype=np.int64)
    unknown = np.flatnonzero(payee < 0)
    for i in unknown[:5]:
        problems.error(
            "assignments",
            f"names {payee_text[i]!r}, who is not in payees.",
            column="payee_id",
            rows=[frame.index[i]],
        )
    pct, bad = numbers(frame["split_pct"], "assignments", "split_pct", problems)
    for i in np.flatnonzero(~bad & ((pct <= 0) | (pct > 100)))[:5]:
        problems.error(
            "assignments",
            column="split_pct",
            rows=[frame.index[i]],
            found=(f"{pct[i]:g}",),
            expected="a percentage above 0 and at most 100 (50 means half the amount)",
        )
    start, end = span(frame, "assignments", "valid_from", "valid_to", problems)
    kind_text = np.char.lower(norm_keys(column(frame, "credit_type")).astype(str))
    kind_text = np.where(kind_text == "", "direct", kind_text)
    for i in np.flatnonzero(~np.isin(kind_text, ["direct", "overlay"]))[:5]:
        problems.error(
            "assignments",
            column="credit_type",
            rows=[frame.index[i]],
            found=(repr(str(kind_text[i])),),
            expected="direct or overlay (blank means direct)",
        )
    kind = (kind_text == "overlay").astype(np.int64)
    texts = [norm_keys(frame[c]) for c in match_cols]
    filled = (
        np.column_stack([t != "" for t in texts]) if texts else np.zeros((n, 0), bool)
    )
    sig_bits = filled @ (1 << np.arange(len(match_cols), dtype=np.int64))
    for i in np.flatnonzero(sig_bits == 0)[:5]:
        problems.error(
            "assignments",
            "has no match value; fill at least one of "
            f"{', '.join(match_cols) or 'seller, territory, account'}.",
            rows=[frame.index[i]],
        )
    _check_overlaps(frame, texts, payee, kind, start, end, problems)
    problems.raise_if_any()
    groups, ptr, order, sigs = _index(txns, match_cols, texts, sig_bits, len(txns.day))
    return RuleIndex(
        ids, payee, pct / 100.0, start, end, kind, groups, ptr, order, sigs
    )
