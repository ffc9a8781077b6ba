"""The tier engine against a real spreadsheet.

LibreOffice recalculates the VLOOKUP / SUMPRODUCT / INDEX-MATCH / ROUND formulas
a comp workbook uses, and every cached result must equal xlspm's to the cent.
"""

import numpy as np
import openpyxl
import pytest

from xlspm import excel_round, tiered_payout
from xlspm.io.recalc import recalculate

FLOORS = [0.0, 0.5, 0.8, 1.0, 1.2]
RATES = [0.0, 0.02, 0.04, 0.06, 0.08]
BONUS = [0.0, 500.0, 1000.0, 2000.0, 3000.0]
CURVE = ([0.5, 1.0, 1.5], [0.0, 1.0, 2.0])
TARGET = 10000.0
N = 3000

RETRO = "ROUND(IFERROR(C{r}*VLOOKUP(D{r},Rates!$A$2:$C$6,3,TRUE),0),2)"
MARGINAL = (
    "ROUND(B{r}*SUMPRODUCT(((D{r}>Rates!$A$2:$A$6)*(D{r}-Rates!$A$2:$A$6)"
    "-(D{r}>Rates!$B$2:$B$6)*(D{r}-Rates!$B$2:$B$6))*Rates!$C$2:$C$6),2)"
)
FLAT = "IFERROR(VLOOKUP(D{r},Rates!$A$2:$D$6,4,TRUE),0)"
GATED = (
    "ROUND(MIN(IF(D{r}<0.5,0,"
    "IFERROR(C{r}*VLOOKUP(D{r},Rates!$A$2:$C$6,3,TRUE),0)),5000),2)"
)
_M = "MATCH(D{r},Rates!$F$2:$F$4,1)"
LINEAR = (
    "ROUND(IF(D{r}<0.5,0,IF(D{r}>=1.5,Rates!$G$4,"
    f"INDEX(Rates!$G$2:$G$4,{_M})+(D{{r}}-INDEX(Rates!$F$2:$F$4,{_M}))"
    f"*(INDEX(Rates!$G$2:$G$4,{_M}+1)-INDEX(Rates!$G$2:$G$4,{_M}))"
    f"/(INDEX(Rates!$F$2:$F$4,{_M}+1)-INDEX(Rates!$F$2:$F$4,{_M}))))*{TARGET},2)"
)
HALF = "ROUND(A{r}*0.05,2)"
FORMULAS = {"retro": RETRO, "marginal": MARGINAL, "flat": FLAT, "gated": GATED}
FORMULAS |= {"linear": LINEAR, "half": HALF}


def _company(seed=20261122):
    rng = np.random.default_rng(seed)
    quota = rng.integers(50_000, 500_000, N).astype(float)
    credited = rng.integers(-2_000_000, 80_000_000, N) / 100.0
    near = slice(0, N // 2)  # half the reps sit on or a cent off a tier floor
    floors = rng.choice(FLOORS[1:] + CURVE[0], N // 2)
    credited[near] = (
        np.round(floors * quota[near], 2) + rng.integers(-1, 2, N // 2) / 100
    )
    credited[0], quota[0] = 119791.96, 149739.95  # 0.7999999999999999
    half = slice(N // 2, N // 2 + 300)  # amounts whose 5% is an exact half cent
    credited[half] = (rng.integers(10**5, 10**7, 300) * 20 + 10) / 100.0
    base = np.round(credited * rng.uniform(0.8, 1.0, N), 2)
    base[0] = credited[0]
    return credited, quota, base


def _workbook(path, credited, quota, base):
    wb = openpyxl.Workbook()
    rates = wb.active
    rates.title = "Rates"
    rates.append(["lo", "hi", "rate", "bonus", None, "curve_at", "multiple"])
    his = [*FLOORS[1:], 1e300]
    for i in range(len(FLOORS)):
        curve = [CURVE[0][i], CURVE[1][i]] if i < 3 else [None, None]
        rates.append([FLOORS[i], his[i], RATES[i], BONUS[i], None, *curve])
    calc = wb.create_sheet("Calc")
    calc.append(["credited", "quota", "base", "attainment", *FORMULAS])
    for i in range(N):
        r = i + 2
        row = [credited[i], quota[i], base[i], f"=A{r}/B{r}"]
        calc.append(row + ["=" + f.format(r=r) for f in FORMULAS.values()])
    wb.save(path)


def _engine(credited, quota, base):
    att = credited / quota
    return {
        "retro": tiered_payout(att, FLOORS, RATES, base=base, round_to=2),
        "marginal": tiered_payout(
            att, FLOORS, RATES, mode="marginal", scale=quota, round_to=2
        ),
        "flat": tiered_payout(att, FLOORS, BONUS, mode="flat"),
        "gated": tiered_payout(
            att, FLOORS, RATES, base=base, gate=0.5, cap=5000.0, round_to=2
        ),
        "linear": tiered_payout(att, *CURVE, mode="linear", scale=TARGET, round_to=2),
        "half": excel_round(credited * 0.05, 2),
    }


@pytest.mark.libreoffice
def test_engine_matches_libreoffice_to_the_cent(soffice, tmp_path):
    credited, quota, base = _company()
    src = tmp_path / "tiers.xlsx"
    _workbook(src, credited, quota, base)
    before = src.read_bytes()
    out = recalculate(src, tmp_path / "tiers_recalculated.xlsx")
    assert src.read_bytes() == before  # the input is never modified
    sheet = openpyxl.load_workbook(out, data_only=True, read_only=True)["Calc"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == N
    engine = _engine(credited, quota, base)
    for col, name in enumerate(FORMULAS, start=4):
        sheet_values = [row[col] for row in rows]
        mismatches = [
            (i, sheet_values[i], engine[name][i])
            for i in range(N)
            if sheet_values[i] != engine[name][i]
        ]
        assert mismatches == [], f"{name}: first differences {mismatches[:5]}"
    # The planted boundary rep: the spreadsheet pays the 80% tier, like xlspm;
    # plain IEEE comparison and rounding would not match the spreadsheet.
    assert rows[0][4] == 4791.68
    att = credited / quota
    ieee = tiered_payout(att, FLOORS, RATES, base=base, round_to=2, precision="ieee")
    assert ieee[0] == 2395.84
    assert sum(ieee[i] != rows[i][4] for i in range(N)) >= 1
    naive_round = np.round(credited * 0.05, 2)
    assert sum(naive_round[i] != rows[i][9] for i in range(N)) > 50
