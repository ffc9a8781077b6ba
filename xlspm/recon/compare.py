"""Pair two result tables by key and compare their values (used by reconcile).

Money is compared in exact integer cents (:func:`xlspm.numerics.to_cents`),
ratios (attainment, rate) with a relative tolerance. Everything here is
vectorised: a million keys take well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError
from ..kernels.dispatch import kernel
from ..numerics.rounding import CENTS_LIMIT
from ..schema.values import EXCEL_ERRORS, name_key, norm_keys, parse_numbers

__all__ = [
    "Alignment",
    "Value",
    "duplicates",
    "engine_extras",
    "numbers",
    "payout_column",
    "per_key_rows",
    "totals",
]

RATIO_ROLES = ("attainment", "rate")


def numbers(series: pd.Series, side: str, column: str):
    """Return float values (NaN for blanks and errors) and the error texts.

    Cells are read by :func:`~xlspm.schema.values.parse_numbers`; Excel error
    texts (``#N/A``) are kept apart. The error texts are ``None`` when the
    column holds no Excel error.
    """
    if pd.api.types.is_numeric_dtype(series.dtype) and series.dtype.kind != "b":
        return series.to_numpy(dtype=np.float64, na_value=np.nan), None
    parsed = parse_numbers(series)
    raw = series.to_numpy(dtype=object)
    stripped = np.array([v.strip() if isinstance(v, str) else "" for v in raw], object)
    is_error = np.isin(stripped, list(EXCEL_ERRORS))
    bad = parsed.bad & ~is_error
    if bad.any():
        rows = series.index[bad][:5].tolist()
        raise InputError(
            f"{side}.{column}: rows {', '.join(map(str, rows))}: found "
            f"{raw[bad][0]!r}; expected numbers (blank, or an Excel error such as "
            "#N/A). Fix the cells or leave them blank."
        )
    return parsed.values, (np.where(is_error, stripped, "") if is_error.any() else None)


class Alignment:
    """Both sides' rows numbered by key: ``group`` ids and the key labels."""

    def __init__(self, legacy, engine, lkeys, ekeys):
        nl = len(legacy)
        self.index = (legacy.index, engine.index)
        combined, self.key_codes, self.labels = None, [], []
        for lk, ek in zip(lkeys, ekeys, strict=True):
            code, labels = _key_codes(legacy[lk], engine[ek])
            self.key_codes.append(code)
            self.labels.append(labels)
            width = max(len(labels), 1)
            combined = code if combined is None else combined * width + code
        group, self.n = _dense(combined)
        self.legacy, self.engine = group[:nl], group[nl:]
        first = np.empty(self.n, dtype=np.int64)
        first[group[::-1]] = np.arange(group.size - 1, -1, -1)
        self.first = first  # first row (legacy rows before engine rows) per key

    def legacy_row(self) -> np.ndarray:
        """Return the legacy frame's index label of each key's first row (or NaN)."""
        nl = len(self.index[0])
        on_legacy = self.first < nl
        out = np.full(self.n, np.nan)
        labels = np.asarray(self.index[0])
        if labels.dtype.kind in "iuf":
            out[on_legacy] = labels[self.first[on_legacy]]
        return out

    def keys(self, names) -> dict:
        """Return the key columns per group as categoricals, named ``names``."""
        return {
            name: pd.Categorical.from_codes(code[self.first], categories=labels)
            for name, code, labels in zip(
                names, self.key_codes, self.labels, strict=True
            )
        }


def _key_codes(left: pd.Series, right: pd.Series):
    """Codes of both sides' values in one numbering, compared as text.

    Each side is factorised in C; only the distinct values are normalised,
    so 1001 (a number cell) equals '1001' and blanks equal ''.
    """
    cl, ul = pd.factorize(left, use_na_sentinel=True)
    ce, ue = pd.factorize(right, use_na_sentinel=True)
    texts = np.concatenate([_texts(ul), _texts(ue), np.array([""], dtype=object)])
    ucodes, labels = pd.factorize(texts)
    code_l = np.append(ucodes[: len(ul)], ucodes[-1])[cl]  # -1 (blank) -> ""
    code_e = np.append(ucodes[len(ul) : -1], ucodes[-1])[ce]
    code = np.concatenate([code_l, code_e]).astype(np.int64)
    return code, pd.Index(labels, dtype=object)


def _dense(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Renumber int64 codes densely (0..n-1), by first appearance if sparse."""
    top = int(codes.max(initial=-1)) + 1
    if top <= 4 * codes.size + 1024:  # a lookup table beats hashing
        present = np.zeros(top, dtype=bool)
        present[codes] = True
        remap = np.cumsum(present) - 1
        return remap[codes], int(present.sum())
    group, uniques = pd.factorize(codes, sort=False)
    return group, len(uniques)


def _texts(uniques) -> np.ndarray:
    """Return distinct key values as key text (:func:`norm_keys`)."""
    return norm_keys(pd.Series(uniques))


class Value:
    """One compared value column, per key."""

    def __init__(self, name, engine_name, role, legacy, engine, align, tols):
        gl, ge, n = align.legacy, align.engine, align.n
        legacy_index, engine_index = align.index
        self.name, self.engine_name, self.role = name, engine_name, role
        self.kind = "ratio" if role in RATIO_ROLES else "money"
        (lv, lerr), (ev, eerr) = legacy, engine
        if self.kind == "money":
            _check_money(lv, legacy_index, "legacy", name)
            _check_money(ev, engine_index, "engine", engine_name)
            legacy_cents = _group_sum(gl, n, lv)
            engine_cents = _group_sum(ge, n, ev)
            self.legacy_cents, self.engine_cents = legacy_cents, engine_cents
            self.legacy = legacy_cents / 100.0
            self.engine = engine_cents / 100.0
            self.cents = engine_cents - legacy_cents
            allowed = np.maximum(tols[0] * 100.0 + 1e-9, tols[1] * np.abs(engine_cents))
            self.exact = self.cents == 0
            self.within = np.abs(self.cents) <= allowed
            self.diff = self.cents / 100.0
        else:
            self.legacy = _group_first(gl, n, lv)
            self.engine = _group_first(ge, n, ev)
            self.diff = self.engine - self.legacy
            scale = np.maximum(np.abs(self.legacy), np.abs(self.engine))
            both_nan = np.isnan(self.legacy) & np.isnan(self.engine)
            # ratios equal to ratio_tol are equal: 0.7999999999999999 is 0.8
            same = (self.legacy == self.engine) | both_nan
            self.exact = same | (np.abs(self.diff) <= tols[2] * scale)
            self.within = self.exact
        self.legacy_error = _group_text(gl, n, lerr)
        self.engine_error = _group_text(ge, n, eerr)

    def errors(self, side: str = "legacy") -> np.ndarray:
        """Return a mask of keys whose cells on ``side`` hold an Excel error."""
        text = self.legacy_error if side == "legacy" else self.engine_error
        return np.zeros(self.exact.size, bool) if text is None else text != ""

    def error_at(self, i: int) -> str:
        """Return the legacy error text of key ``i`` ('' when none)."""
        return "" if self.legacy_error is None else self.legacy_error[i]


def _check_money(values, index, side: str, column: str) -> None:
    bad = np.abs(values) > CENTS_LIMIT  # NaN (blank) compares False
    if bad.any():
        rows = index[bad][:5].tolist()
        raise InputError(
            f"{side}.{column}: rows {', '.join(map(str, rows))}: found "
            f"{float(values[bad][0])!r}; money must be finite and at most "
            f"{CENTS_LIMIT:g}."
        )


def _group_sum(group, n, values) -> np.ndarray:
    """Return per-key sums of the values' exact cents (blanks add 0)."""
    out = np.zeros(n, dtype=np.int64)
    kernel("reconcile.sum_cents")(np.ascontiguousarray(values), group, out)
    return out


def _group_first(group, n, values) -> np.ndarray:
    """Return the first row's value per key (NaN for keys without rows)."""
    out, seen = np.full(n, np.nan), np.zeros(n, dtype=bool)
    kernel("reconcile.first_value")(np.ascontiguousarray(values), group, out, seen)
    return out


def _group_text(group, n, text):
    if text is None:
        return None
    out = np.full(n, "", dtype=object)
    has = text != ""
    out[group[has][::-1]] = text[has][::-1]
    return out


def per_key_rows(align, lkeys, counts, compared) -> pd.DataFrame:
    """Build the per-key frame: keys, row counts, legacy/engine/diff per value."""
    cols = align.keys(lkeys)
    cols["legacy_row"] = align.legacy_row()
    cols["legacy_rows"], cols["engine_rows"] = counts
    no_legacy, no_engine = counts[0] == 0, counts[1] == 0
    some_missing = bool(no_legacy.any() or no_engine.any())
    for c in compared:
        lv, ev, diff = c.legacy, c.engine, c.diff
        if some_missing:
            lv = np.where(no_legacy, np.nan, lv)
            ev = np.where(no_engine, np.nan, ev)
            diff = np.where(no_legacy | no_engine, np.nan, diff)
        bad = c.errors()
        if bad.any():
            lv = np.where(bad, c.legacy_error, lv.astype(object))
            diff = np.where(bad, np.nan, diff)
        cols[f"{c.name}_legacy"] = lv
        cols[f"{c.name}_engine"] = ev
        cols[f"{c.name}_diff"] = diff
    payout = payout_column(compared)
    cols["money_diff"] = payout.cents / 100.0 if payout is not None else np.nan
    return pd.DataFrame(cols, copy=False)


def payout_column(compared: list[Value]) -> Value | None:
    """Return the payout column (else the last money column), or None."""
    money = [c for c in compared if c.kind == "money"]
    chosen = [c for c in money if c.role == "payout"] or money[-1:]
    return chosen[0] if chosen else None


_EXTRAS = (
    "raw_payout",
    "previously_paid",
    "capped",
    "gated",
    "period_start",
    "period_end",
)


def engine_extras(engine, align, ekeys, lkeys) -> dict:
    """Return engine columns that help explain a row, per key, when present."""
    out = {}
    for name in _EXTRAS:
        if name in engine.columns:
            col = np.full(align.n, None, dtype=object)
            col[align.engine[::-1]] = engine[name].to_numpy(dtype=object)[::-1]
            out[name] = col
    for role, words in (
        ("payee", ("payee", "rep", "seller", "employee")),
        ("component", ("component", "plan")),
        ("period", ("period", "quarter", "month")),
    ):
        found = [
            lk
            for lk, ek in zip(lkeys, ekeys, strict=True)
            if any(w in name_key(ek) for w in words)
        ]
        out[f"{role}_key"] = found[0] if found else None
    return out


def duplicates(legacy, engine, lkeys, ekeys, lvals, evals, counts, align):
    """Return every source row of a key that occurs more than once on a side."""
    dup = (counts[0] > 1) | (counts[1] > 1)
    gl, ge = align.legacy, align.engine
    parts = []
    for side, frame, g, k, v in (
        ("legacy", legacy, gl, lkeys, lvals),
        ("engine", engine, ge, ekeys, evals),
    ):
        rows = frame.loc[dup[g], k + v]
        rows.columns = lkeys + lvals
        parts.append(rows.assign(side=side, row=rows.index).reset_index(drop=True))
    out = pd.concat(parts, ignore_index=True)
    return out[["side", "row", *lkeys, *lvals]].sort_values(
        [*lkeys, "side"], kind="stable"
    )


def totals(align, lkeys, by, compared) -> pd.DataFrame:
    """Return payout control totals per side by the ``by`` key columns."""
    payout = payout_column(compared)
    columns = [*by, "rows", "legacy", "engine", "difference"]
    if payout is None:
        return pd.DataFrame(columns=columns)
    code = np.zeros(align.n, dtype=np.int64)
    picked = [lkeys.index(b) for b in by]
    for j in picked:  # mixed-radix code of the by-columns, per key
        code = code * max(len(align.labels[j]), 1) + align.key_codes[j][align.first]
    group, n = _dense(code)
    first = np.empty(n, dtype=np.int64)
    first[group[::-1]] = np.arange(group.size - 1, -1, -1)
    out = {
        b: align.labels[j][align.key_codes[j][align.first[first]]]
        for b, j in zip(by, picked, strict=True)
    }
    out["rows"] = np.bincount(group, minlength=n)
    for side, cents in (
        ("legacy", payout.legacy_cents),
        ("engine", payout.engine_cents),
    ):
        out[side] = np.bincount(group, weights=cents, minlength=n) / 100.0
    frame = pd.DataFrame(out)
    frame["difference"] = (frame["engine"] - frame["legacy"]).round(2)
    frame = frame.sort_values(list(by), kind="stable") if by else frame
    return frame.reset_index(drop=True)[columns]
