"""Build workbooks/udf_template.xlsx: xlspm UDFs next to their legacy formulas.

Run: ``.venv/bin/python workbooks/build_udf_template.py``. Open the result in
Windows desktop Excel with the xlwings add-in installed (see docs/excel.md).
"""

from pathlib import Path

import openpyxl
from openpyxl.styles import Font

RATES = [
    ("Floor", "Rate"),
    (0, 0.0),
    (0.5, 0.02),
    (0.8, 0.04),
    (1.0, 0.06),
    (1.2, 0.08),
]
REPS = [
    ("Rep", "Credited", "Quota"),
    ("Ann", 90000, 100000),
    ("Ben", 130000, 100000),
    ("Cara", 119791.96, 149739.95),
    ("Dev", 45000, 100000),
    ("Eve", 160000, 100000),
]
NOTES = [
    "xlspm UDF template: the new formulas (columns F-H) next to the legacy ones (I-K).",
    "Needs Windows desktop Excel, the xlwings add-in and the xlwings.conf sheet below.",
    "Without them the SPM_ cells show #NAME?; the legacy cells still calculate.",
]


def build(path: Path) -> Path:
    """Write the template workbook to ``path``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Plan"
    for i, line in enumerate(NOTES, start=1):
        ws.cell(i, 1, line)
    ws["A1"].font = Font(bold=True)
    top = 5
    for r, row in enumerate(REPS):
        for c, value in enumerate(row):
            ws.cell(top + r, 1 + c, value)
    headers = [
        "Attainment",
        "",
        "SPM retroactive",
        "SPM marginal",
        "SPM rate",
        "Legacy retroactive",
        "Legacy marginal",
        "Legacy rate",
    ]
    for c, h in enumerate(headers):
        ws.cell(top, 4 + c, h or None)
    first, last = top + 1, top + len(REPS) - 1
    for r in range(first, last + 1):
        ws.cell(r, 4, f"=B{r}/C{r}")
        ws.cell(r, 9, f"=ROUND(B{r}*VLOOKUP(D{r},Rates!$A$2:$B$6,2,TRUE),2)")
        ws.cell(
            r,
            10,
            f"=ROUND(C{r}*SUMPRODUCT(((D{r}>Rates!$A$2:$A$6)*(D{r}-Rates!$A$2:"
            f"$A$6)-(D{r}>Rates!$C$2:$C$6)*(D{r}-Rates!$C$2:$C$6))*Rates!$B$2:"
            "$B$6),2)",
        )
        ws.cell(r, 11, f"=VLOOKUP(D{r},Rates!$A$2:$B$6,2,TRUE)")
    span = f"D{first}:D{last}"
    quotas = f"C{first}:C{last}"
    ws.cell(first, 6, f'=SPM_TIER_PAYOUT({span},Rates!A1:B6,"retroactive",{quotas})')
    ws.cell(first, 7, f'=SPM_TIER_PAYOUT({span},Rates!A1:B6,"marginal",{quotas})')
    ws.cell(first, 8, f"=SPM_TIER_RATE({span},Rates!A1:B6)")
    ws.cell(last + 2, 1, "Version:")
    ws.cell(last + 2, 2, "=SPM_VERSION()")
    rates = wb.create_sheet("Rates")
    for r, row in enumerate(RATES, start=1):
        rates.cell(r, 1, row[0])
        rates.cell(r, 2, row[1])
    rates["C1"] = "Next floor"
    for r in range(2, len(RATES) + 1):
        rates.cell(r, 3, f"=A{r + 1}" if r < len(RATES) else 1e9)
    conf = wb.create_sheet("xlwings.conf")
    conf["A1"], conf["B1"] = "UDF Modules", "xlspm.excel.udfs"
    wb.save(path)
    return path


if __name__ == "__main__":
    print(f"wrote {build(Path(__file__).resolve().parent / 'udf_template.xlsx')}")
