"""The UDFs as Excel calls them: COM values (Windows) and Office.js values."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import xlwings

import xlspm
from xlspm.datasets.sample import small_company
from xlspm.excel import cells as u
from xlspm.excel import udfs as f

NA_COM = -2146826246
NA_JS = {"type": "Error", "basicType": "#N/A"}
OMITTED = -2147352572
TABLE = [
    ("Floor", "Rate"),
    (0.0, 0.0),
    (0.5, 0.02),
    (0.8, 0.04),
    (1.0, 0.06),
    (1.2, 0.08),
]


def test_tier_payout_with_com_values():
    x = ((0.9,), (None,), (NA_COM,), ("1.3",), (119791.96 / 149739.95,))
    out = f.SPM_TIER_PAYOUT(x, TABLE, "retroactive", 100000.0, OMITTED, OMITTED)
    assert out == [[3600.0], [""], ["#N/A"], [10400.0], [3200.0]]


def test_tier_payout_with_office_js_values():
    x = [[0.9], [""], [NA_JS], [1.3]]
    out = f.SPM_TIER_PAYOUT(x, [list(r) for r in TABLE], "marginal", 100000, "", "")
    assert out == [[1000.0], [""], ["#N/A"], [3400.0]]
    assert f.SPM_TIER_PAYOUT([[0.45]], TABLE, "", 1000, "", 0.5) == [[0.0]]  # gated


def test_tier_rate_and_round():
    assert f.SPM_TIER_RATE([[0.7999999999999999], [1.25]], TABLE) == [[0.04], [0.08]]
    x = [[2.675], [3365.6649999999995], [-2.5], [None]]
    assert f.SPM_ROUND(x, 2) == [[2.68], [3365.67], [-2.5], [""]]
    assert f.SPM_ROUND(2.5, OMITTED) == [[3.0]]


def _range(frame, serial_dates=False):
    rows = [list(frame.columns)]
    for rec in frame.itertuples(index=False):
        row = []
        for v in rec:
            if isinstance(v, str) and len(v) == 10 and v[4] == "-":
                d = dt.date.fromisoformat(v)
                v = (
                    (d - dt.date(1899, 12, 30)).days
                    if serial_dates
                    else dt.datetime(d.year, d.month, d.day)
                )
            row.append("" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
        rows.append(row)
    return rows


@pytest.mark.parametrize("serial_dates", [False, True])  # COM datetimes, JS serials
def test_calc_and_explain_spill(serial_dates):
    c = {k: _range(v, serial_dates) for k, v in small_company().items()}
    args = (
        c["transactions"],
        c["payees"],
        c["assignments"],
        c["plans"],
        c["rate_tables"],
        c["quotas"],
    )
    out = f.SPM_CALC(*args)
    header = out[0]
    due = [row[header.index("payout_due")] for row in out[1:]]
    assert due == xlspm.calculate(**small_company()).results["payout_due"].tolist()
    lines = f.SPM_EXPLAIN(*args, "R2", "Bookings", "2026-Q2")
    assert lines[-1] == [
        "6. Year to date: earned 600.00 - previously paid 4,800.00 "
        "= payout due -4,200.00."
    ]


def test_credit_without_payees():
    c = {k: _range(v) for k, v in small_company().items()}
    out = f.SPM_CREDIT(c["transactions"], c["assignments"], OMITTED)
    assert out[0][:5] == ["txn_id", "date", "payee_id", "credit_type", "rule_id"]
    assert len(out) == 1 + 12  # 11 transactions, T03 split in two; no roll-ups


def test_user_errors_are_short_messages_not_tracebacks():
    out = f.SPM_TIER_PAYOUT([[0.9]], TABLE, "tiered")
    assert out.startswith("xlspm: mode: got 'tiered'; expected one of")
    bad_table = [("Floor", "Rate"), (0.0, 0.01), (NA_COM, 0.02)]
    assert (
        f.SPM_TIER_RATE([[1.0]], bad_table)
        == "xlspm: rate_table row 2: floor is #N/A; fill it in."
    )
    assert (
        f.SPM_TIER_PAYOUT([["abc"]], TABLE)
        == "xlspm: x cell 1: got 'abc'; expected a number."
    )
    assert "Traceback" not in f.SPM_CALC([["x"]], [["y"]], "", "", "", "")
    assert (  # text with a thousands separator is not read as 1000 (nor 1,5 as 15)
        f.SPM_TIER_PAYOUT([["1,000"]], TABLE)
        == "xlspm: x cell 1: got '1,000'; expected a number."
    )
    assert f.SPM_TIER_PAYOUT([[0.9]], TABLE, "", 1000, "lots") == (
        "xlspm: cap: got 'lots'; expected a number."
    )
    out = f.SPM_TIER_PAYOUT([[0.9], [0.9]], TABLE, "", [[1000], [None]])
    assert out.startswith("xlspm: scale[1]: got nan")  # a blank is not zero
    out = f.SPM_TIER_PAYOUT([[0.9], [0.9]], TABLE, "", [[1], [2], [3]])
    assert out.startswith("xlspm: scale: got 3 values but x has 2")
    assert f.SPM_TIER_PAYOUT([[0.9], [0.9]], TABLE, "", [[1000], ["2000"]]) == [
        [36.0],
        [72.0],
    ]


def test_server_path_raises_xlwings_errors(monkeypatch):
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    with pytest.raises(xlwings.XlwingsError, match=r"xlspm: mode: got 'tiered'"):
        f.SPM_TIER_PAYOUT([[0.9]], TABLE, "tiered")


def test_results_larger_than_the_grid_say_what_to_do():
    big = pd.DataFrame({"a": range(u.GRID_ROWS)})
    with pytest.raises(xlspm.InputError, match=r"1,048,577 rows .* Run xlspm calc"):
        u.to_range(big)


def test_version():
    assert f.SPM_VERSION() == xlspm.__version__


@pytest.mark.libreoffice
def test_template_udfs_equal_the_legacy_formulas(soffice, tmp_path):
    """The UDFs give the cents LibreOffice computes for the legacy formulas.

    LibreOffice calculates the template's VLOOKUP/SUMPRODUCT columns; the UDFs
    are called as Excel would call them.
    """
    import openpyxl

    from xlspm.io.recalc import recalculate

    root = Path(__file__).resolve().parents[1]
    out = recalculate(root / "workbooks" / "udf_template.xlsx", tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(out, data_only=True)
    plan, rates = wb["Plan"], wb["Rates"]
    rows = list(plan.iter_rows(min_row=6, max_row=10, values_only=True))
    table = [r[:2] for r in rates.iter_rows(values_only=True)]
    x = [[r[3]] for r in rows]
    quota = [[r[2]] for r in rows]
    retro = f.SPM_TIER_PAYOUT(x, table, "retroactive", quota)
    marginal = f.SPM_TIER_PAYOUT(x, table, "marginal", quota)
    assert [v[0] for v in retro] == [r[8] for r in rows]
    assert [v[0] for v in marginal] == [r[9] for r in rows]
    assert [v[0] for v in f.SPM_TIER_RATE(x, table)] == [r[10] for r in rows]
    assert rows[2][8] == 4791.68  # 119,791.96 / 149,739.95 pays the 80% tier
    assert wb["xlwings.conf"]["B1"].value == "xlspm.excel.udfs"
