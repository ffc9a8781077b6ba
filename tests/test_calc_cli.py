import json

import openpyxl
import pytest

import xlspm
from workbooks import write_workbook
from xlspm.cli.main import main
from xlspm.datasets.sample import small_company


@pytest.fixture
def plan(tmp_path):
    return write_workbook(tmp_path / "plan.xlsx", small_company())


def test_calc_writes_a_workbook_that_ties_out(plan, tmp_path, capsys):
    out = tmp_path / "results.xlsx"
    assert main(["calc", str(plan), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Total" in printed and "11,770.36" in printed
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "Summary",
        "Results",
        "Statements",
        "Credits",
        "Trace",
        "Issues",
        "Tiers",
    ]
    for name in ("Summary", "Results", "Credits", "Trace", "Issues", "Tiers"):
        assert list(wb[name].tables) == [name]
        assert wb[name].freeze_panes == "A2"
    results = wb["Results"]
    header = [c.value for c in results[1]]
    due = header.index("payout_due") + 1
    assert results.cell(2, due).number_format == "#,##0.00"
    assert results.cell(2, header.index("attainment") + 1).number_format == "0.00%"
    paid = [results.cell(r, due).value for r in range(2, results.max_row + 1)]
    engine = xlspm.calculate(**small_company()).results["payout_due"]
    assert paid == engine.tolist()
    summary = wb["Summary"]
    total = next(r for r in summary.iter_rows(values_only=True) if r[0] == "Total")
    assert total[-1] == pytest.approx(engine.sum(), abs=1e-9)
    credits = wb["Credits"]
    assert credits.max_row == 25  # 24 credits and the header
    trace = [r[4] for r in wb["Trace"].iter_rows(min_row=2, values_only=True)]
    claw = "earned 600.00 - previously paid 4,800.00 = payout due -4,200.00."
    assert f"6. Year to date: {claw}" in trace
    statements = [r[0] for r in wb["Statements"].iter_rows(values_only=True) if r[0]]
    assert "Statement: R2 Ben" in statements


def test_calc_json_and_quiet(plan, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    assert main(["calc", str(plan), "-o", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"][-1]["payout_due"] == pytest.approx(11770.36)
    assert main(["calc", str(plan), "-o", str(out), "--force", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_calc_never_overwrites(plan, tmp_path, capsys):
    out = tmp_path / "r.xlsx"
    out.write_text("keep")
    assert main(["calc", str(plan), "-o", str(out)]) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert out.read_text() == "keep"
    assert main(["calc", str(plan), "-o", str(plan), "--force"]) == 2
    assert "refusing to overwrite an input workbook" in capsys.readouterr().err


def test_calc_bad_workbook_writes_nothing(tmp_path, capsys):
    def damage(wb):
        wb["Payees"]["D5"] = "XX"  # plan_id of R2 (sheet row 5)

    plan = write_workbook(tmp_path / "plan.xlsx", small_company(), edit=damage)
    out = tmp_path / "r.xlsx"
    assert main(["calc", str(plan), "-o", str(out)]) == 2
    assert "'R2' is on plan 'XX', which is not in plans" in capsys.readouterr().err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx"]


def test_calc_one_period(plan, tmp_path, capsys):
    out = tmp_path / "q2.xlsx"
    assert main(["calc", str(plan), "-o", str(out), "--period", "2026-Q2"]) == 0
    printed = capsys.readouterr().out
    assert "2026-Q1" not in printed and "-4,279.64" in printed
    periods = {
        r[4]
        for r in openpyxl.load_workbook(out)["Results"].iter_rows(
            min_row=2, values_only=True
        )
    }
    assert periods == {"2026-Q2"}
    assert (
        main(["calc", str(plan), "-o", str(out), "--force", "--period", "2027-Q1"]) == 2
    )
    assert (
        "--period: 2027-Q1 not calculated; the workbook's periods are 2026-Q1, "
        "2026-Q2" in capsys.readouterr().err
    )


def test_calc_text_in_amount_stops_and_writes_nothing(tmp_path, capsys):
    def typo(wb):
        wb["Transactions"]["C3"] = "12,000 USD"

    plan = write_workbook(tmp_path / "plan.xlsx", small_company(), edit=typo)
    out = tmp_path / "r.xlsx"
    assert main(["calc", str(plan), "-o", str(out)]) == 2
    assert "error: Transactions!C3 holds '12,000 USD'; expected a number." in (
        capsys.readouterr().err
    )
    assert not out.exists()


def test_issues_sheet_names_the_input_cells(tmp_path, capsys):
    def splits(wb):
        wb["Assignments"]["E4"] = 70  # ACME-R3: splits of T03 are 70 + 40

    plan = write_workbook(tmp_path / "plan.xlsx", small_company(), edit=splits)
    out = tmp_path / "r.xlsx"
    assert main(["calc", str(plan), "-o", str(out)]) == 0
    assert "warning: Transactions row 4 (T03): direct splits sum to 110%" in (
        capsys.readouterr().out
    )
    issues = openpyxl.load_workbook(out)["Issues"]
    messages = [r[4] for r in issues.iter_rows(min_row=2, values_only=True)]
    assert messages[0].startswith("Transactions row 4 (T03): direct splits sum to 110%")


def test_a_date_cell_formatted_as_a_number_is_its_excel_serial(tmp_path, capsys):
    def serial(wb):
        cell = wb["Transactions"]["B2"]
        # Excel: DATE(2026,1,10) = 46032 (45658 is 2025-01-01); the format is lost
        assert cell.value.isoformat().startswith("2026-01-10")
        cell.value, cell.number_format = 46032, "General"

    plain = write_workbook(tmp_path / "plain.xlsx", small_company())
    typed = write_workbook(tmp_path / "typed.xlsx", small_company(), edit=serial)
    for name, plan in (("a", plain), ("b", typed)):
        assert main(["calc", str(plan), "-o", str(tmp_path / f"{name}.xlsx")]) == 0
    capsys.readouterr()
    rows = [
        list(openpyxl.load_workbook(tmp_path / f"{n}.xlsx")["Results"].values)
        for n in "ab"
    ]
    assert rows[0] == rows[1]
