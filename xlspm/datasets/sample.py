"""A small company for the README's worked example and the tests.

Two managers (M1 Maria, M2 Omar), five reps; a deal split 60/40 across the
two teams; returns (one a late return that claws back); a rep hired in the
middle of the first quarter; effective-dated territory rules.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["small_company"]


def small_company() -> dict[str, pd.DataFrame]:
    """Return the inputs of :func:`xlspm.calculate` for the worked example."""
    payees = pd.DataFrame(
        {
            "payee_id": ["M1", "M2", "R1", "R2", "R3", "R4", "R5"],
            "name": ["Maria", "Omar", "Ann", "Ben", "Cara", "Dev", "Eve"],
            "manager_id": [None, None, "M1", "M1", "M1", "M2", "M2"],
            "plan_id": ["MGR", "MGR", "AE", "AE", "AE", "AE", "AE"],
            "start_date": ["2025-01-01"] * 6 + ["2026-02-15"],
            "end_date": [None] * 7,
        }
    )
    assignments = pd.DataFrame(
        {
            "rule_id": ["W", "E", "ACME-R3", "ACME-R4", "N-old", "N-new"],
            "territory": ["West", "East", None, None, "North", "North"],
            "account": [None, None, "ACME", "ACME", None, None],
            "payee_id": ["R1", "R2", "R3", "R4", "R3", "R5"],
            "split_pct": [100, 100, 60, 40, 100, 100],
            "valid_from": [None, None, None, None, None, "2026-02-15"],
            "valid_to": [None, None, None, None, "2026-02-14", None],
        }
    )
    transactions = pd.DataFrame(
        {
            "txn_id": [f"T{i:02d}" for i in range(1, 12)],
            "date": [
                "2026-01-10",
                "2026-01-20",
                "2026-02-05",
                "2026-02-10",
                "2026-03-01",
                "2026-03-15",
                "2026-03-20",
                "2026-03-25",
                "2026-04-15",
                "2026-04-20",
                "2026-05-10",
            ],
            "amount": [
                40000.0,
                30000.0,
                50000.0,
                20000.0,
                25000.0,
                -10000.0,
                15000.0,
                30000.0,
                60000.0,
                -40000.0,
                12345.30,
            ],
            "territory": [
                "West",
                "East",
                "Central",
                "North",
                "North",
                "West",
                "South",
                "East",
                "West",
                "East",
                "North",
            ],
            "account": [
                "A1",
                "A2",
                "ACME",
                "A3",
                "A4",
                "A1",
                "A5",
                "A6",
                "A7",
                "A6",
                "A8",
            ],
            "seller": [
                "R1",
                "R2",
                "R3",
                "R3",
                "R5",
                "R1",
                "R4",
                "R2",
                "R1",
                "R2",
                "R5",
            ],
        }
    )
    plans = pd.DataFrame(
        {
            "plan_id": ["AE", "MGR"],
            "component": ["Bookings", "Team"],
            "period": ["quarter", "quarter"],
            "cumulative": [True, False],
            "credit_types": ["direct", "rollup"],
            "rate_table": ["AE rates", "MGR bands"],
            "mode": ["retroactive", "marginal"],
            "basis": ["attainment", "attainment"],
            "gate": [None, 0.5],
            "cap": [None, 5000.0],
            "rollup_depth": [0, 1],
        }
    )
    rate_tables = pd.DataFrame(
        {
            "table": ["AE rates"] * 3 + ["MGR bands"] * 2,
            "floor": [0.0, 0.5, 1.0, 0.0, 1.0],
            "rate": [0.03, 0.05, 0.08, 0.01, 0.02],
        }
    )
    reps = ["R1", "R2", "R3", "R4", "R5"]
    quotas = pd.DataFrame(
        [(r, "Bookings", q, 50000.0) for r in reps for q in ("2026-Q1", "2026-Q2")]
        + [
            (m, "Team", q, v)
            for m, v in (("M1", 150000.0), ("M2", 100000.0))
            for q in ("2026-Q1", "2026-Q2")
        ],
        columns=["payee_id", "component", "period", "quota"],
    )
    return {
        "transactions": transactions,
        "payees": payees,
        "assignments": assignments,
        "plans": plans,
        "rate_tables": rate_tables,
        "quotas": quotas,
    }
