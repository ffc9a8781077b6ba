"""Build the demo comp-plan workbook (seeded: same bytes of data every time).

A small company a comp analyst recognises: a VP, 5 regional managers and 54
reps; plan ``AE`` (retroactive bookings tiers, cumulative; a marginal
new-logo component with a cap; a bonus curve with a gate) and plan ``MGR``
(marginal team tiers on roll-ups, and a capped team bonus). Two quarters of
about 20,000 transactions with split deals, returns and a mid-quarter hire.

``n_payees`` and ``n_txn`` scale the same company (benchmarks): about one
manager per 12 payees, the rest reps, the last rep the mid-quarter hire. The
defaults give the demo company exactly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.comments import Comment
from openpyxl.styles import Font

__all__ = ["build_demo_workbook", "demo_inputs"]

REGIONS = ["North", "South", "East", "West", "Central"]
PRODUCTS = ["Core", "Cloud", "Services"]
# Amounts set by hand after generation (default seed only). D000303: 929.51
# less 5 cents makes R023's Q1 bookings commission an exact half cent, one of
# the planted faults of the legacy workbooks (xlspm/datasets/legacy_workbooks.py).
ADJUSTED_AMOUNTS = {"D000303": 929.46}
N_PAYEES = 60  # the demo company: VP, 5 managers, 54 reps
README = [
    "xlspm demo comp plan",
    "",
    "A fictional company: VP (P000), {m} regional managers (M01-M{m:02d}), {r} reps.",
    "Each rep owns a territory (Assignments, 100%). Deals on key accounts are",
    "split 60/40 between two reps (rows with an account and no territory).",
    "Plan AE: Bookings (retroactive tiers on YTD attainment, paid quarterly),",
    "New logos (marginal tiers on Cloud deals, capped), Bonus (curve on",
    "Bookings attainment, gate 50%). Plan MGR: Team (marginal, roll-ups),",
    "Team bonus (step bonus). Rep {hire} is hired on 2026-02-16 (prorated quota).",
    "",
    "Run: xlspm validate demo_comp_plan.xlsx",
    "     xlspm calc demo_comp_plan.xlsx -o results.xlsx",
    "Every sheet is documented in docs/workbook-format.md.",
]


def _shape(n_payees: int) -> tuple[int, int]:
    """Return (managers, reps) of a company of ``n_payees`` (VP included)."""
    if n_payees < 10:
        raise ValueError(f"n_payees: got {n_payees}; the demo company needs 10+.")
    managers = round((n_payees - 1) / 12)
    return managers, n_payees - 1 - managers


def _payees(n_payees: int = N_PAYEES):
    n_managers, n_reps = _shape(n_payees)
    reps = [f"R{i:03d}" for i in range(1, n_reps + 1)]
    managers = [f"M{i:02d}" for i in range(1, n_managers + 1)]
    rows = [("P000", "Vera Vice", None, "MGR", dt.date(2020, 1, 1))]
    regions = REGIONS + [f"Region {i}" for i in range(6, n_managers + 1)]
    rows += [
        (m, f"{regions[i]} Manager", "P000", "MGR", dt.date(2021, 1, 1))
        for i, m in enumerate(managers)
    ]
    for i, r in enumerate(reps):
        start = dt.date(2026, 2, 16) if r == reps[-1] else dt.date(2023, 1, 1)
        rows.append((r, f"Rep {i + 1:02d}", managers[i % n_managers], "AE", start))
    return pd.DataFrame(
        rows, columns=["payee_id", "name", "manager_id", "plan_id", "start_date"]
    )


def demo_inputs(
    seed: int = 2026, n_txn: int = 20_000, n_payees: int = N_PAYEES
) -> dict[str, pd.DataFrame]:
    """Return the demo company as :func:`xlspm.calculate` inputs.

    Parameters
    ----------
    seed : int, default 2026
        Seed of the random data.
    n_txn : int, default 20000
        Transactions over the two quarters.
    n_payees : int, default 60
        Payees, VP included (at least 10): about one manager per 12 payees,
        the rest reps; 20 key accounts, or one per 3 reps if more.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``transactions``, ``payees``, ``assignments``, ``plans``,
        ``rate_tables`` and ``quotas``.
    """
    rng = np.random.default_rng(seed)
    payees = _payees(n_payees)
    reps = payees.loc[payees["plan_id"] == "AE", "payee_id"].to_numpy()
    territories = np.array([f"T{i:03d}" for i in range(1, len(reps) + 1)])
    n_accounts = max(20, len(reps) // 3)
    accounts = np.array([f"KEY-{i:02d}" for i in range(1, n_accounts + 1)])
    pairs = rng.choice(len(reps), (len(accounts), 2), replace=True)
    pairs[:, 1] = np.where(
        pairs[:, 1] == pairs[:, 0], (pairs[:, 0] + 7) % len(reps), pairs[:, 1]
    )
    assignments = pd.concat(
        [
            pd.DataFrame(
                {
                    "rule_id": [f"TERR-{t}" for t in territories],
                    "territory": territories,
                    "payee_id": reps,
                    "split_pct": 100.0,
                }
            ),
            pd.DataFrame(
                {
                    "rule_id": [f"{a}-{k}" for a in accounts for k in ("A", "B")],
                    "account": np.repeat(accounts, 2),
                    "payee_id": reps[pairs.ravel()],
                    "split_pct": np.tile([60.0, 40.0], len(accounts)),
                }
            ),
        ],
        ignore_index=True,
    )
    days = rng.integers(0, 181, n_txn)
    date = pd.Timestamp("2026-01-01") + pd.to_timedelta(days, unit="D")
    home = rng.integers(0, len(reps), n_txn)
    key = rng.random(n_txn) < 0.15
    acct = rng.integers(0, len(accounts), n_txn)
    amount = np.round(rng.lognormal(7.6, 0.8, n_txn), 2)
    amount[rng.random(n_txn) < 0.03] *= -1
    transactions = pd.DataFrame(
        {
            "txn_id": [f"D{i:06d}" for i in range(1, n_txn + 1)],
            "date": date.date,
            "amount": amount,
            "territory": np.where(key, None, territories[home]),
            "account": np.where(
                key,
                accounts[acct],
                [f"ACC-{i:05d}" for i in rng.integers(1, 5000, n_txn)],
            ),
            "product": rng.choice(PRODUCTS, n_txn, p=[0.6, 0.3, 0.1]),
            "seller": np.where(key, reps[pairs[acct, 0]], reps[home]),
        }
    )
    if seed == 2026:
        fixed = transactions["txn_id"].map(ADJUSTED_AMOUNTS)
        transactions["amount"] = fixed.fillna(transactions["amount"])
    plans = pd.DataFrame(
        [
            (
                "AE",
                "Bookings",
                "quarter",
                True,
                "direct",
                None,
                None,
                "AE bookings",
                "retroactive",
                "attainment",
                None,
                None,
                None,
                None,
                None,
                0,
            ),
            (
                "AE",
                "New logos",
                "quarter",
                False,
                "direct",
                "product",
                "Cloud",
                "AE cloud",
                "marginal",
                "attainment",
                None,
                None,
                6000.0,
                None,
                None,
                0,
            ),
            (
                "AE",
                "Bonus",
                "quarter",
                False,
                "direct",
                None,
                None,
                "Bonus curve",
                "linear",
                "attainment",
                3000.0,
                0.5,
                None,
                None,
                None,
                0,
            ),
            (
                "MGR",
                "Team",
                "quarter",
                False,
                "rollup",
                None,
                None,
                "MGR team",
                "marginal",
                "attainment",
                None,
                None,
                None,
                None,
                None,
                2,
            ),
            (
                "MGR",
                "Team bonus",
                "quarter",
                False,
                "rollup",
                None,
                None,
                "MGR step",
                "flat",
                "attainment",
                1.0,
                None,
                8000.0,
                None,
                None,
                2,
            ),
        ],
        columns=[
            "plan_id",
            "component",
            "period",
            "cumulative",
            "credit_types",
            "filter_column",
            "filter_values",
            "rate_table",
            "mode",
            "basis",
            "target",
            "gate",
            "cap",
            "kicker_component",
            "kicker_table",
            "rollup_depth",
        ],
    )
    rate_tables = pd.DataFrame(
        [
            ("AE bookings", 0.0, 0.02),
            ("AE bookings", 0.5, 0.04),
            ("AE bookings", 0.8, 0.06),
            ("AE bookings", 1.0, 0.08),
            ("AE bookings", 1.25, 0.10),
            ("AE cloud", 0.0, 0.01),
            ("AE cloud", 1.0, 0.03),
            ("Bonus curve", 0.5, 0.0),
            ("Bonus curve", 1.0, 1.0),
            ("Bonus curve", 1.5, 2.0),
            ("MGR team", 0.0, 0.004),
            ("MGR team", 1.0, 0.008),
            ("MGR step", 0.0, 0.0),
            ("MGR step", 0.9, 2500.0),
            ("MGR step", 1.1, 5000.0),
        ],
        columns=["table", "floor", "rate"],
    )
    per_rep = transactions["amount"].sum() / len(reps) / 2
    leads = payees.loc[payees["plan_id"] == "MGR", "payee_id"]
    managers = leads[leads != "P000"]
    rows = []
    for q in ("2026-Q1", "2026-Q2"):
        for r in reps:
            base = round(per_rep * rng.uniform(0.8, 1.2), -3)
            rows += [
                (r, "Bookings", q, base),
                (r, "New logos", q, round(base * 0.3, -3)),
                (r, "Bonus", q, base),
            ]
        for m in leads:
            team = per_rep * (len(reps) if m == "P000" else len(reps) / len(managers))
            rows += [
                (m, "Team", q, round(team, -3)),
                (m, "Team bonus", q, round(team, -3)),
            ]
    quotas = pd.DataFrame(rows, columns=["payee_id", "component", "period", "quota"])
    return {
        "transactions": transactions,
        "payees": payees,
        "assignments": assignments,
        "plans": plans,
        "rate_tables": rate_tables,
        "quotas": quotas,
    }


NOTES = {
    "txn_id": "Unique id of the transaction.",
    "date": "Decides the period, the rule in force and the reporting lines.",
    "amount": "Money; negative for returns.",
    "payee_id": "Id of a payee (Payees sheet).",
    "split_pct": "Percent of the amount credited: 60 means 60%.",
    "quota": "Quota of the period; prorated by active days for hires/leavers.",
    "rate_table": "Name of a table on the RateTables sheet.",
    "floor": "Inclusive lower bound of the tier (0.8 = 80% attainment).",
}


def build_demo_workbook(path, *, n_txn: int = 20_000, n_payees: int = N_PAYEES) -> Path:
    """Write the demo workbook to ``path`` (a README sheet first, notes on headers).

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file to write (replaced if it exists).
    n_txn, n_payees : int, optional
        Scale the company (see :func:`demo_inputs`); the defaults give the
        committed ``workbooks/demo_comp_plan.xlsx``.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from ..io.plan_workbook import SHEETS

    path = Path(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "README"
    inputs = demo_inputs(n_txn=n_txn, n_payees=n_payees)
    n_managers, n_reps = _shape(n_payees)
    hire = f"R{n_reps:03d}"
    for line in README:
        ws.append([line.format(m=n_managers, r=n_reps, hire=hire)])
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 90
    inputs["settings"] = pd.DataFrame(
        {"setting": ["precision", "strict"], "value": ["excel", "no"]}
    )
    for table, frame in inputs.items():
        sheet = wb.create_sheet(SHEETS[table][0])
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append(
                [
                    None
                    if v is None or (isinstance(v, float) and np.isnan(v))
                    else (v.item() if hasattr(v, "item") else v)
                    for v in row
                ]
            )
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            if cell.value in NOTES:
                cell.comment = Comment(NOTES[cell.value], "xlspm")
        sheet.freeze_panes = "A2"
    wb.save(path)
    return path
