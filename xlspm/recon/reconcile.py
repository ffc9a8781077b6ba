"""Reconcile a legacy spreadsheet's results against the engine's, row by row.

:func:`reconcile` pairs the rows of two tables by key columns, compares each
value column (money in exact integer cents, ratios such as attainment and
rate with a relative tolerance) and gives every key one reason code:

==================  =========================================================
``match``           every value equal (money to the cent)
``within_tolerance`` differences no larger than ``abs_tol`` / ``rel_tol``
``rounding``        only the payout differs, by a rounding rule or one cent
``tier_boundary``   attainment on or near a tier floor; the sides picked
                    neighbouring tiers
``missing_in_engine`` / ``missing_in_legacy``  the key is on one side only
``duplicate_key``   the key appears more than once on a side (never paired
                    by order)
``legacy_error``    a legacy cell holds #N/A, #DIV/0!, #REF!, #VALUE!, ...
``crediting``       credited amounts differ (first stage that diverges)
``quota``           quotas differ (or attainment with equal credit and quota)
``rate``            same attainment, different rate (e.g. a stale rate table)
``payout_override`` only the final payout differs, beyond rounding
``unexplained``     a difference the mapped columns cannot place
==================  =========================================================

The chain credited -> quota -> attainment -> rate -> payout is walked in that
order and the first stage that differs is reported. Stages are recognised
from the column names (see :func:`column_roles`) or given with ``roles``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..numerics.checks import as_choice, as_number
from ..schema.values import name_key
from .compare import (
    Alignment,
    Value,
    duplicates,
    engine_extras,
    numbers,
    per_key_rows,
    totals,
)
from .explain import explain_rows
from .result import REASONS, STAGES, ReconResult, apply_accepted

__all__ = ["REASONS", "ReconResult", "column_roles", "reconcile"]

_ROLE_WORDS = (
    ("attainment", ("attain", "achiev")),
    ("credited", ("credit",)),
    ("quota", ("quota", "target")),
    ("rate", ("rate",)),
    ("payout", ("payout", "payment", "paid", "earn", "commission", "incentive")),
)


def column_roles(names: Sequence[str], roles: Mapping[str, str] | None = None):
    """Return the chain stage of each value column.

    Parameters
    ----------
    names : sequence of str
        Value column names (engine side when mapped, else legacy).
    roles : mapping, optional
        Explicit ``{column: role}``; roles are ``credited``, ``quota``,
        ``attainment``, ``rate``, ``payout`` or ``other``.

    Returns
    -------
    dict of str to str
        ``{column: role}``. A column is recognised by its name: *credit*,
        *quota*/*target*, *attain*/*achiev*, *rate*, *payout*/*paid*/
        *earn*/*commission*/*incentive*; otherwise ``other``. When no column is
        recognised as the payout, the last money column is the payout.
    """
    out = {}
    for name in names:
        key = name_key(name)
        out[name] = next(
            (role for role, words in _ROLE_WORDS if any(w in key for w in words)),
            "other",
        )
    if "payout" not in out.values():
        money = [n for n in names if out[n] == "other"]
        if money:
            out[money[-1]] = "payout"
    for name, role in (roles or {}).items():
        if name not in out:
            raise InputError(
                f"roles: {name!r} is not a value column; value columns are "
                f"{', '.join(map(str, names))}."
            )
        out[name] = as_choice(role, f"roles[{name!r}]", (*dict(_ROLE_WORDS), "other"))
    return out


def _columns(frame, side: str, wanted: Sequence[str]) -> None:
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise InputError(
            f"{side}: no column {', '.join(map(repr, missing))}; the columns are "
            f"{', '.join(map(str, frame.columns))}. Check --key/--value and --map."
        )


def _names(arg, what: str) -> list[str]:
    names = [arg] if isinstance(arg, str) else list(arg or [])
    if not names:
        raise InputError(f"{what}: give at least one column name.")
    if len(set(names)) != len(names):
        raise InputError(f"{what}: got {names}; a column is listed twice.")
    return names


def reconcile(
    legacy: pd.DataFrame,
    engine: pd.DataFrame,
    *,
    keys,
    values,
    abs_tol: float = 0.005,
    rel_tol: float = 0.0,
    mapping: Mapping[str, str] | None = None,
    roles: Mapping[str, str] | None = None,
    ratio_tol: float = 1e-9,
    tiers: pd.DataFrame | None = None,
    credits: pd.DataFrame | None = None,
    accepted: pd.DataFrame | None = None,
    totals_by=None,
) -> ReconResult:
    """Compare a legacy results table with the engine's and explain every row.

    Parameters
    ----------
    legacy, engine : pandas.DataFrame
        The two sides. Legacy cells may hold Excel error text (``#N/A``);
        blanks count as 0 in money columns, as in a spreadsheet SUM.
    keys, values : str or list of str
        Key and value columns, named as in ``legacy``.
    abs_tol : float, default 0.005
        Money tolerance in currency units. Money is compared in integer cents
        (Excel ROUND to 2 decimals), so 0.005 means "equal to the cent" and
        0.01 accepts one cent.
    rel_tol : float, default 0.0
        Relative money tolerance (of the engine value); the larger one wins.
    mapping : mapping, optional
        ``{legacy_column: engine_column}`` where names differ.
    roles : mapping, optional
        ``{value_column: stage}`` overriding :func:`column_roles`.
    ratio_tol : float, default 1e-9
        Relative tolerance for attainment and rate columns: values this close
        count as equal (a match), as Excel shows them alike.
    tiers : pandas.DataFrame, optional
        Columns ``component``, ``floor``, ``rate``: the rate tables, to detect
        tier-boundary cases (the Tiers sheet of an ``xlspm calc`` workbook).
    credits : pandas.DataFrame, optional
        The engine's credits (``payee_id``, ``date``, ``txn_id``, ``amount``),
        to find the transactions behind a crediting gap.
    accepted : pandas.DataFrame, optional
        Accepted differences (see :func:`xlspm.recon.result.apply_accepted`).
    totals_by : list of str, optional
        Key columns of the control totals; default all keys but the first.

    Returns
    -------
    ReconResult
        One row per key with its reason code, plus totals and duplicates.

    Raises
    ------
    InputError
        If a column is missing, a tolerance is negative or a value cell holds
        text that is neither a number, a blank nor an Excel error.
    """
    started = time.perf_counter()
    lkeys, lvals = _names(keys, "keys"), _names(values, "values")
    mapping = dict(mapping or {})
    ekeys = [mapping.get(k, k) for k in lkeys]
    evals = [mapping.get(v, v) for v in lvals]
    _columns(legacy, "legacy", lkeys + lvals)
    _columns(engine, "engine", ekeys + evals)
    tols = (
        as_number(abs_tol, "abs_tol", low=0.0),
        as_number(rel_tol, "rel_tol", low=0.0),
        as_number(ratio_tol, "ratio_tol", low=0.0),
    )
    role_of = column_roles(
        evals, {mapping.get(k, k): r for k, r in (roles or {}).items()}
    )
    aligned = Alignment(legacy, engine, lkeys, ekeys)
    gl, ge, n = aligned.legacy, aligned.engine, aligned.n
    timings = {"align": time.perf_counter() - started}
    compared = [
        Value(
            lv,
            ev,
            role_of[ev],
            numbers(legacy[lv], "legacy", lv),
            numbers(engine[ev], "engine", ev),
            aligned,
            tols,
        )
        for lv, ev in zip(lvals, evals, strict=True)
    ]
    counts = (np.bincount(gl, minlength=n), np.bincount(ge, minlength=n))
    timings["compare"] = time.perf_counter() - started - timings["align"]
    frame = per_key_rows(aligned, lkeys, counts, compared)
    reason, stage = _classify(compared, counts)
    frame = explain_rows(
        frame,
        reason,
        stage,
        compared,
        engine_extras(engine, aligned, ekeys, lkeys),
        tiers=tiers,
        credits=credits,
    )
    frame = apply_accepted(frame, accepted, lkeys)
    timings["classify"] = time.perf_counter() - started - sum(timings.values())
    by = list(lkeys[1:] if totals_by is None else totals_by)
    if not set(by) <= set(lkeys):
        raise InputError(
            f"totals_by: got {by}; control totals group by key columns "
            f"({', '.join(lkeys)})."
        )
    settings = {
        "keys": lkeys,
        "values": lvals,
        "mapping": {k: mapping.get(k, k) for k in lkeys + lvals},
        "roles": {c.name: c.role for c in compared},
        "abs_tol": tols[0],
        "rel_tol": tols[1],
        "ratio_tol": tols[2],
    }
    return ReconResult(
        rows=frame,
        duplicates=duplicates(
            legacy, engine, lkeys, ekeys, lvals, evals, counts, aligned
        ),
        totals=totals(aligned, lkeys, by, compared),
        settings=settings,
        timings=timings,
    )


CHAIN = ("credited", "quota", "attainment", "rate", "payout")
_STAGE_REASON = {
    "credited": "crediting",
    "quota": "quota",
    "attainment": "quota",
    "rate": "rate",
    "payout": "payout_override",
    "other": "unexplained",
}
_R = {name: np.int8(i) for i, name in enumerate(REASONS)}
_S = {name: np.int8(i) for i, name in enumerate(STAGES)}


def _classify(compared: list[Value], counts) -> tuple[np.ndarray, np.ndarray]:
    """Return reason and first diverging stage codes per key (unrefined)."""
    n = counts[0].size
    exact = np.logical_and.reduce([c.exact for c in compared])
    placed = np.logical_and.reduce([c.within for c in compared])
    reason = np.where(exact, _R["match"], _R["within_tolerance"]).astype(np.int8)
    stage = np.zeros(n, dtype=np.int8)
    present = {c.role for c in compared}
    for role in (*CHAIN, "other"):
        differs = np.zeros(n, dtype=bool)
        for c in compared:
            if c.role == role:
                differs |= ~c.within
        first = differs & ~placed
        placed |= first
        stage[first] = _S[role]
        reason[first] = _R[_STAGE_REASON[role]]
    if "credited" not in present:
        reason[stage == _S["attainment"]] = _R["unexplained"]
    if not present & {"credited", "quota", "attainment", "rate"}:
        reason[stage == _S["payout"]] = _R["unexplained"]
    errors = np.logical_or.reduce([c.errors("legacy") for c in compared])
    engine_errors = np.logical_or.reduce([c.errors("engine") for c in compared])
    reason[engine_errors] = _R["unexplained"]
    reason[errors] = _R["legacy_error"]
    single = (counts[0] == 1) & (counts[1] == 1)
    reason[~single] = _R["duplicate_key"]
    reason[counts[1] == 0] = _R["missing_in_engine"]
    reason[counts[0] == 0] = _R["missing_in_legacy"]
    stage[~single | errors] = 0
    return reason, stage
