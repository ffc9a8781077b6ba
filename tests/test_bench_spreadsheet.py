"""The scaled demo company (benchmarks/bench_spreadsheet.py) in both forms.

The legacy workbooks of a scaled company, recalculated by LibreOffice, pay
every payee what the engine pays for the plan workbook of the same company,
to the cent; the default scale is the demo company.
"""

import pandas as pd
import pytest

import xlspm
from xlspm.datasets.demo_workbook import build_demo_workbook, demo_inputs
from xlspm.datasets.legacy_workbooks import build_legacy_workbooks
from xlspm.io.plan_workbook import read_workbook
from xlspm.io.results_table import read_results_table
from xlspm.numerics.rounding import to_cents
from xlspm.recon.reconcile import reconcile

KEYS = ["Payee", "Component", "Period"]
SMALL = {"n_txn": 2_000, "n_payees": 20}


def test_scaled_company_shape():
    inputs = demo_inputs(**SMALL)
    payees = inputs["payees"]
    assert len(payees) == 20 and len(inputs["transactions"]) == 2_000
    assert (payees["plan_id"] == "MGR").sum() == 3  # the VP and 2 managers
    hire = payees[payees["start_date"] > pd.Timestamp("2026-01-01").date()]
    assert hire["payee_id"].tolist() == ["R017"]  # the last rep, prorated
    default = demo_inputs()["payees"]
    assert len(default) == 60 and default["payee_id"].iloc[-1] == "R054"


def test_faults_only_in_the_demo_company(tmp_path):
    with pytest.raises(ValueError, match="faults=False"):
        build_legacy_workbooks(tmp_path, recalc=False, **SMALL)


@pytest.mark.libreoffice
def test_scaled_legacy_workbooks_pay_what_the_engine_pays(soffice, tmp_path):
    plan = build_demo_workbook(tmp_path / "plan.xlsx", **SMALL)
    res = xlspm.calculate(**read_workbook(plan).inputs()).results
    engine = res.rename(
        columns={
            "payee_id": "Payee",
            "component": "Component",
            "period": "Period",
            "payout_due": "Payout",
        }
    )
    paths = build_legacy_workbooks(tmp_path, recalc=True, faults=False, **SMALL)
    legacy = pd.concat(
        [
            read_results_table(
                p, sheet="Payouts", columns=[*KEYS, "Payout"], keys=KEYS
            ).frame
            for p in paths
        ],
        ignore_index=True,
    )
    assert len(legacy) == len(engine) > 100
    result = reconcile(legacy, engine, keys=KEYS, values=["Payout"])
    assert result.reconciled, result.differences.head(10)
    joined = legacy.merge(engine, on=KEYS, suffixes=("_legacy", "_engine"))
    assert len(joined) == len(engine)
    assert (
        to_cents(joined["Payout_legacy"].astype(float))
        == to_cents(joined["Payout_engine"])
    ).all()
