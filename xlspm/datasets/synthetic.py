"""Seeded synthetic companies for tests and benchmarks (vectorised).

A five-level hierarchy (VP, directors, senior managers, managers, reps),
one territory per rep, ``split_share`` of deals on split accounts (two reps,
60/40 or 50/50, across teams), product overlays, returns, mid-quarter hires,
three components per plan, quarterly periods, and quotas sized so that
attainments spread around 100 %.

:func:`synthetic_company` returns every table in memory;
:func:`synthetic_dataset` writes the transactions as Parquet files, one part
at a time (for datasets larger than memory), and returns the small tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["synthetic_company", "synthetic_dataset"]

YEAR = 2026
REP_TABLES = {
    "REV": ([0.0, 0.5, 0.8, 1.0, 1.2, 1.5], [0.01, 0.02, 0.03, 0.05, 0.07, 0.09]),
    "NEW": ([0.0, 1.0, 1.5], [0.02, 0.04, 0.06]),
    "CURVE": ([0.5, 1.0, 1.5], [0.0, 1.0, 2.0]),
    "KICK": ([0.0, 1.0], [1.0, 1.25]),
    "TEAM": ([0.0, 1.0], [0.005, 0.01]),
    "TEAMNEW": ([0.0, 1.0], [0.01, 0.015]),
    "STEP": ([0.0, 0.9, 1.1], [0.0, 2000.0, 4000.0]),
}
# Expected amount of a transaction: lognormal(7.3, 1.0), 3 % of them negated.
MEAN_AMOUNT = float(np.exp(7.3 + 1.0**2 / 2) * (1 - 2 * 0.03))


def _hierarchy(rng, n_payees):
    m3 = max(1, n_payees // 10)
    m2 = max(1, m3 // 10)
    m1 = max(1, m2 // 10)
    sizes = [1, m1, m2, m3]
    reps = n_payees - sum(sizes)
    if reps < 2:
        raise ValueError("n_payees must be at least 8")
    level = np.repeat(np.arange(5), [*sizes, reps])
    starts = np.concatenate([[0], np.cumsum([*sizes, reps])])
    manager = np.full(n_payees, -1)
    for k in range(1, 5):
        lo, hi = starts[k], starts[k + 1]
        manager[lo:hi] = rng.integers(starts[k - 1], starts[k], hi - lo)
    return level, manager


def _plans():
    rep = [
        (
            "REP",
            "Revenue",
            True,
            "direct",
            "",
            "",
            "REV",
            "retroactive",
            1.0,
            0.3,
            None,
            "",
            "",
        ),
        (
            "REP",
            "New business",
            False,
            "direct,overlay",
            "product",
            "NEW",
            "NEW",
            "marginal",
            1.0,
            None,
            20000.0,
            "",
            "",
        ),
        (
            "REP",
            "Bonus",
            False,
            "direct",
            "",
            "",
            "CURVE",
            "linear",
            5000.0,
            None,
            None,
            "New business",
            "KICK",
        ),
        (
            "MGR",
            "Team",
            False,
            "rollup",
            "",
            "",
            "TEAM",
            "marginal",
            1.0,
            None,
            None,
            "",
            "",
        ),
        (
            "MGR",
            "Team new",
            False,
            "rollup",
            "product",
            "NEW",
            "TEAMNEW",
            "retroactive",
            1.0,
            None,
            None,
            "",
            "",
        ),
        (
            "MGR",
            "Team step",
            False,
            "rollup",
            "",
            "",
            "STEP",
            "flat",
            1.0,
            None,
            None,
            "",
            "",
        ),
    ]
    cols = [
        "plan_id",
        "component",
        "cumulative",
        "credit_types",
        "filter_column",
        "filter_values",
        "rate_table",
        "mode",
        "target",
        "gate",
        "cap",
        "kicker_component",
        "kicker_table",
    ]
    plans = pd.DataFrame(rep, columns=cols)
    plans["period"] = "quarter"
    plans["rollup_depth"] = np.where(plans["plan_id"] == "MGR", 4, 0)
    tables = pd.DataFrame(
        [
            (name, f, r)
            for name, (fl, rt) in REP_TABLES.items()
            for f, r in zip(fl, rt, strict=False)
        ],
        columns=["table", "floor", "rate"],
    )
    return plans, tables


def synthetic_company(
    n_txn: int = 10_000, n_payees: int = 200, *, split_share=0.2, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """Build the inputs of :func:`xlspm.calculate` for a synthetic company.

    Parameters
    ----------
    n_txn : int
        Number of transactions (spread over one calendar year).
    n_payees : int
        Number of payees (about 89 % reps, the rest managers).
    split_share : float, default 0.2
        Share of deals on split accounts.
    seed : int
        Seed of the random generator: same seed, same company.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``transactions``, ``payees``, ``assignments``, ``plans``,
        ``rate_tables``, ``quotas``.
    """
    rng = np.random.default_rng(seed)
    org = _organisation(rng, n_payees)
    transactions, total = _transactions(rng, org, n_txn, split_share, first_id=1)
    plans, tables = _plans()
    quotas = _quotas(rng, org.payees, org.level, total, org.reps.size)
    return {
        "transactions": transactions,
        "payees": org.payees,
        "assignments": org.assignments,
        "plans": plans,
        "rate_tables": tables,
        "quotas": quotas,
    }


def synthetic_dataset(
    path,
    n_txn: int,
    n_payees: int,
    *,
    part_rows: int = 1_000_000,
    split_share=0.2,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Write a synthetic company's transactions as Parquet files, part by part.

    The same company as :func:`synthetic_company` (hierarchy, accounts,
    overlays, plans, rate tables), with the transactions generated and
    written ``part_rows`` at a time, so that no more than one part is ever
    in memory: ``path/part-00000.parquet``, ``path/part-00001.parquet``, ...
    The rows are not those of :func:`synthetic_company` with the same seed
    (the draws are made part by part), but the same ``seed``, sizes and
    ``part_rows`` always write the same files.

    Parameters
    ----------
    path : str or path-like
        Directory to write to (created if missing; must hold no
        ``part-*.parquet`` files yet).
    n_txn : int
        Number of transactions, at least 1.
    n_payees : int
        Number of payees, at least 8.
    part_rows : int, default 1_000_000
        Rows per file (the last file holds the remainder).
    split_share : float, default 0.2
        Share of deals on split accounts.
    seed : int, default 0
        Seed of the random generator.

    Returns
    -------
    dict of str to pandas.DataFrame
        The small tables: ``payees``, ``assignments``, ``plans``,
        ``rate_tables``, ``quotas`` (no ``transactions``). Quotas are sized
        from the expected total amount, so attainments spread around 100 %
        as in :func:`synthetic_company`.

    Notes
    -----
    ``txn_id`` is a unique int64, 1 to ``n_txn`` in file order. Needs
    pyarrow (``pip install "xlspm[dask]"``).
    """
    if n_txn < 1 or part_rows < 1:
        raise ValueError("n_txn and part_rows must be at least 1")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    stale = sorted(folder.glob("part-*.parquet"))
    if stale:
        raise FileExistsError(
            f"{folder} already holds {stale[0].name} (and {len(stale) - 1} more "
            "parts); write the dataset to an empty directory."
        )
    rng = np.random.default_rng(seed)
    org = _organisation(rng, n_payees)
    plans, tables = _plans()
    quotas = _quotas(rng, org.payees, org.level, n_txn * MEAN_AMOUNT, org.reps.size)
    for k, first in enumerate(range(0, n_txn, part_rows)):
        rows = min(part_rows, n_txn - first)
        part, _ = _transactions(rng, org, rows, split_share, first_id=first + 1)
        part.to_parquet(folder / f"part-{k:05d}.parquet", index=False)
        del part
    return {
        "payees": org.payees,
        "assignments": org.assignments,
        "plans": plans,
        "rate_tables": tables,
        "quotas": quotas,
    }


@dataclass(frozen=True)
class _Organisation:
    """Payees and assignments, and what the transactions are drawn from."""

    payees: pd.DataFrame
    assignments: pd.DataFrame
    level: np.ndarray
    ids: np.ndarray
    reps: np.ndarray
    pair: np.ndarray
    n_accounts: int
    n_specialists: int


def _organisation(rng, n_payees) -> _Organisation:
    """Draw the hierarchy, hires, split accounts and overlay specialists."""
    level, manager = _hierarchy(rng, n_payees)
    ids = np.arange(n_payees) + 100_000
    reps = np.flatnonzero(level == 4)
    start = np.full(n_payees, np.datetime64(f"{YEAR - 1}-01-01"))
    hires = rng.choice(reps, max(1, reps.size // 50), replace=False)
    start[hires] = np.datetime64(f"{YEAR}-01-01") + rng.integers(10, 330, hires.size)
    payees = pd.DataFrame(
        {
            "payee_id": ids,
            "name": [f"Payee {i}" for i in ids],
            "manager_id": np.where(manager >= 0, ids[np.maximum(manager, 0)], -1),
            "plan_id": np.where(level == 4, "REP", "MGR"),
            "start_date": start,
        }
    )
    payees["manager_id"] = payees["manager_id"].where(manager >= 0, None)
    n_accounts = max(1, reps.size // 2)
    pair = rng.choice(reps, (n_accounts, 2))
    pair[:, 1] = np.where(
        pair[:, 1] == pair[:, 0],
        reps[(np.searchsorted(reps, pair[:, 0]) + 1) % reps.size],
        pair[:, 1],
    )
    split = rng.choice([60.0, 50.0], n_accounts)
    n_specialists = max(1, reps.size // 20)
    specialists = rng.choice(reps, n_specialists, replace=False)
    assignments = pd.concat(
        [
            pd.DataFrame(
                {"territory": reps, "payee_id": ids[reps], "split_pct": 100.0}
            ),
            pd.DataFrame(
                {
                    "account": np.repeat(np.arange(n_accounts), 2),
                    "payee_id": ids[pair.ravel()],
                    "split_pct": np.column_stack([split, 100 - split]).ravel(),
                }
            ),
            pd.DataFrame(
                {
                    "product": "NEW",
                    "region": np.arange(n_specialists),
                    "payee_id": ids[specialists],
                    "split_pct": 100.0,
                    "credit_type": "overlay",
                }
            ),
        ],
        ignore_index=True,
    )
    return _Organisation(
        payees, assignments, level, ids, reps, pair, n_accounts, n_specialists
    )


def _transactions(rng, org: _Organisation, n_txn, split_share, first_id):
    """Draw ``n_txn`` transactions; return them and their total amount."""
    ids, reps, pair = org.ids, org.reps, org.pair
    day = np.datetime64(f"{YEAR}-01-01") + rng.integers(0, 365, n_txn)
    home = rng.choice(reps, n_txn)
    is_split = rng.random(n_txn) < split_share
    account = rng.integers(0, org.n_accounts, n_txn)
    territory = np.where(is_split, np.nan, home.astype(float))
    owner = np.where(is_split, pair[account, 0], home)
    amount = np.round(rng.lognormal(7.3, 1.0, n_txn), 2)
    amount[rng.random(n_txn) < 0.03] *= -1
    transactions = pd.DataFrame(
        {
            "txn_id": np.arange(n_txn, dtype=np.int64) + first_id,
            "date": day,
            "amount": amount,
            "seller": ids[owner],
            "territory": territory,
            "account": np.where(is_split, account, -1 - account),
            "product": np.where(rng.random(n_txn) < 0.25, "NEW", "CORE"),
            "region": rng.integers(0, org.n_specialists, n_txn),
        }
    )
    return transactions, amount.sum()


def _quotas(rng, payees, level, total, n_reps):
    per_rep_quarter = total / max(n_reps, 1) / 4
    comps = {
        4: [("Revenue", 1.0), ("New business", 0.3), ("Bonus", 1.0)],
        3: [("Team", 10.0), ("Team new", 3.0), ("Team step", 10.0)],
    }
    rows = []
    for q in range(1, 5):
        for lvl, items in comps.items():
            who = (
                payees["payee_id"].to_numpy()[level <= lvl]
                if lvl == 3
                else payees["payee_id"].to_numpy()[level == 4]
            )
            scale = 10.0 ** (3 - level[level <= 3]) if lvl == 3 else 1.0
            for name, share in items:
                base = per_rep_quarter * share * scale
                quota = np.round(base * rng.uniform(0.7, 1.3, who.size), -2)
                rows.append(
                    pd.DataFrame(
                        {
                            "payee_id": who,
                            "component": name,
                            "period": f"{YEAR}-Q{q}",
                            "quota": np.maximum(quota, 100.0),
                        }
                    )
                )
    return pd.concat(rows, ignore_index=True)
