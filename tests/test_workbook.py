import json

import openpyxl
import pandas as pd
import pytest

import xlspm
from workbooks import _cell, write_workbook
from xlspm import PlanInputError
from xlspm.datasets.sample import small_company
from xlspm.io.plan_workbook import TablePlace, Workbook, column_letter, read_workbook
from xlspm.schema.problems import Problem


@pytest.fixture
def good(tmp_path):
    return write_workbook(tmp_path / "plan.xlsx", small_company())


def test_workbook_gives_the_same_results_as_the_dataframes(good):
    before = good.read_bytes()
    book = read_workbook(good)
    res = xlspm.calculate(**book.inputs())
    want = xlspm.calculate(**small_company()).results
    assert res.results["payout_due"].tolist() == want["payout_due"].tolist()
    assert book.tables["transactions"].index[0] == 2  # Excel row numbers
    assert book.layout["transactions"].letters["amount"] == "C"
    assert good.read_bytes() == before  # never modified


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "ZZ",
        "AAA",
    ]


def _expect(path, match):
    with pytest.raises(PlanInputError, match=match):
        read_workbook(path)


def test_missing_sheet(tmp_path):
    path = write_workbook(tmp_path / "p.xlsx", small_company(), drop=("plans",))
    _expect(
        path, r"Plans: missing sheet \(or Excel Table\); the workbook has Transactions"
    )


def test_not_an_xlsx(tmp_path):
    (tmp_path / "p.xlsx").write_text("txn_id,date\n1,2026-01-01\n")
    _expect(tmp_path / "p.xlsx", r"not an \.xlsx workbook \(the file is not a zip")
    (tmp_path / "p.csv").write_text("a")
    _expect(tmp_path / "p.csv", r"expected an \.xlsx workbook, got '\.csv'")
    _expect(tmp_path / "none.xlsx", r"none\.xlsx: no such workbook")


def test_password_protected(tmp_path):
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    _expect(path, r"password-protected \(encrypted\) or an old \.xls")


def test_open_in_excel(good):
    (good.parent / ("~$" + good.name)).write_bytes(b"lock")
    _expect(good, r"open in Excel \(lock file ~\$plan\.xlsx\); close it")


def test_merged_header(tmp_path):
    path = write_workbook(
        tmp_path / "p.xlsx",
        small_company(),
        edit=lambda wb: wb["Payees"].merge_cells("B1:C1"),
    )
    _expect(path, r"Payees!B1:C1: merged header cells; unmerge them")


def test_blank_rows_in_the_middle(tmp_path):
    def gap(wb):
        wb["Transactions"].insert_rows(5, amount=2)

    _expect(
        write_workbook(tmp_path / "p.xlsx", small_company(), edit=gap),
        r"Transactions!A5, Transactions!A6: blank row\(s\) between data rows",
    )


def test_formulas_without_cached_values(tmp_path):
    def formula(wb):
        wb["Transactions"]["C3"] = "=C2*2"

    _expect(
        write_workbook(tmp_path / "p.xlsx", small_company(), edit=formula),
        r"Transactions!C3: formulas without a calculated value .* xlspm recalc",
    )


def test_error_cells_are_errors_not_blanks(tmp_path):
    def errors(wb):
        wb["Transactions"]["C3"] = "#N/A"  # an error cell (t="e")
        wb["Transactions"]["C4"] = "#REF!"

    _expect(
        write_workbook(tmp_path / "p.xlsx", small_company(), edit=errors),
        r"Transactions!C3 and 1 more cells: the cell shows the error #N/A; expected",
    )


def test_data_without_header(tmp_path):
    def headless(wb):
        wb["Quotas"]["F5"] = 3

    _expect(
        write_workbook(tmp_path / "p.xlsx", small_company(), edit=headless),
        r"Quotas!F1: a column has data but no header",
    )


def test_cell_problems_are_located(tmp_path):
    def damage(wb):
        wb["Transactions"]["C4"] = "n/a"
        wb["Payees"]["F3"] = "someday"

    book = read_workbook(
        write_workbook(tmp_path / "p.xlsx", small_company(), edit=damage)
    )
    with pytest.raises(PlanInputError) as info:
        xlspm.calculate(**book.inputs(), strict=True)
    located = [book.describe(p) for p in info.value.problems]
    assert any(
        p.startswith("Payees!F3 holds 'someday'; expected a date") for p in located
    )
    assert any(
        p.startswith("Transactions!C4 holds 'n/a'; expected a number") for p in located
    )


def _book(**layout):
    return Workbook("p.xlsx", {}, layout)


def test_problems_are_placed_from_their_fields():
    book = _book(quotas=TablePlace("Quotas", {"quota": "D", "payeeid": "A"}))
    repeat = Problem.at("quotas", "repeat a quota.", rows=[3, 4])
    assert str(repeat) == "quotas: rows 3, 4 repeat a quota."
    assert book.describe(repeat) == "Quotas rows 3, 4 repeat a quota."
    other = Problem.at("plans", "uses rate table 'x'.", rows=[2])
    assert book.describe(other) == str(other) == "plans: row 2 uses rate table 'x'."
    cells = Problem.at(
        "quotas", column="quota", rows=range(3, 10), found=("'x'",), expected="a number"
    )
    assert book.describe(cells) == (
        "Quotas!D3, Quotas!D4, Quotas!D5, Quotas!D6, Quotas!D7 and 2 more hold 'x'; "
        "expected a number."
    )
    ids = Problem.at(
        "quotas",
        "name payees who are not in payees.",
        column="payee_id",
        rows=[5],
        keys=["ZZ"],
    )
    assert book.describe(ids) == "Quotas!A5 (ZZ) name payees who are not in payees."
    clause = Problem.at("quotas", "a clause.", rows=[7], keys=["K"], sep=": ")
    assert str(clause) == "quotas row 7 (K): a clause."
    assert book.describe(clause) == "Quotas row 7 (K): a clause."
    file_level = Problem(where="p.xlsx", text="no such workbook.")
    assert book.describe(file_level) == str(file_level) == "p.xlsx: no such workbook."


def test_the_test_writer_writes_real_dates(good):
    ws = openpyxl.load_workbook(good)["Transactions"]
    assert ws["B2"].is_date


def test_validate_cli_ok_and_errors(good, tmp_path, capsys):
    from xlspm.cli.main import main

    assert main(["validate", str(good)]) == 0
    assert "valid, 0 warning(s)." in capsys.readouterr().out

    def splits(wb):
        wb["Assignments"]["E4"] = 70  # ACME-R3: splits of T03 are 70 + 40

    odd = write_workbook(tmp_path / "odd.xlsx", small_company(), edit=splits)
    assert main(["validate", str(odd)]) == 0  # a warning a comp team may accept
    assert "Transactions row 4 (T03): direct splits sum to 110%" in (
        capsys.readouterr().out
    )
    assert main(["validate", str(odd), "--strict", "--json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False

    def typo(wb):
        wb["Transactions"]["C5"] = "n/a"
        wb["Transactions"]["B6"] = "31/02/2026"

    bad = write_workbook(tmp_path / "bad.xlsx", small_company(), edit=typo)
    assert main(["validate", str(bad)]) == 2  # a typo in a cell is an error
    out = capsys.readouterr().out
    assert "error: Transactions!C5 holds 'n/a'; expected a number." in out
    assert "error: Transactions!B6 holds '31/02/2026'; expected a date" in out


def test_validate_cli_reports_structure_problems(tmp_path, capsys):
    from xlspm.cli.main import main

    path = write_workbook(tmp_path / "p.xlsx", small_company(), drop=("payees",))
    assert main(["validate", str(path)]) == 2
    assert "error: Payees: missing sheet" in capsys.readouterr().out


def test_excel_tables_are_read_by_name(tmp_path):
    from openpyxl.worksheet.table import Table

    inputs = small_company()
    txns = inputs.pop("transactions")

    def add_table(wb):
        ws = wb.create_sheet("Data")
        ws.append(["Deals exported 2026-06-30"])  # a title above the table
        ws.append(list(txns.columns))
        for row in txns.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        ref = f"A2:{column_letter(len(txns.columns) - 1)}{len(txns) + 2}"
        ws.add_table(Table(displayName="Transactions", ref=ref))
        ws["C5"] = "n/a"  # amount of T03: sheet row 5

    path = write_workbook(tmp_path / "p.xlsx", inputs, edit=add_table)
    book = read_workbook(path)
    assert book.layout["transactions"].sheet == "Data"
    assert book.layout["transactions"].header_row == 2
    assert book.tables["transactions"].index[0] == 3
    res = xlspm.calculate(**book.inputs())
    assert book.describe(res.warnings[0]).startswith(
        "Data!C5 holds 'n/a'; expected a number."
    )
    header = Problem.at("transactions", "must be positive.", column="amount")
    assert book.describe(header) == "Data!C2: must be positive."  # the Table's header


def test_percent_formatted_splits(tmp_path):
    inputs = small_company()
    inputs["assignments"]["split_pct"] = inputs["assignments"]["split_pct"] / 100
    book = read_workbook(write_workbook(tmp_path / "p.xlsx", inputs))
    assert "read 0.6 as 60%" in book.notes[0]
    res = xlspm.calculate(**book.inputs())
    want = xlspm.calculate(**small_company()).results["payout_due"]
    assert res.results["payout_due"].tolist() == want.tolist()


def test_transactions_from_a_csv_named_in_settings(tmp_path):
    inputs = small_company()
    inputs["transactions"].to_csv(tmp_path / "deals.csv", index=False)
    txns = inputs.pop("transactions")
    inputs["settings"] = pd.DataFrame(
        {"setting": ["transactions_file"], "value": ["deals.csv"]}
    )

    def placeholder(wb):
        wb.create_sheet("Transactions").append(list(txns.columns))

    book = read_workbook(write_workbook(tmp_path / "p.xlsx", inputs, edit=placeholder))
    assert book.notes == ["Transactions read from deals.csv (11 rows)."]
    res = xlspm.calculate(**book.inputs())
    want = xlspm.calculate(**small_company()).results["payout_due"]
    assert res.results["payout_due"].tolist() == want.tolist()
    inputs["settings"]["value"] = ["missing.csv"]
    path = write_workbook(tmp_path / "q.xlsx", inputs, edit=placeholder)
    _expect(path, r"Settings: transactions_file 'missing.csv' not found")


def test_table_level_problems():
    book = _book(quotas=TablePlace("Quotas", {"quota": "D"}))
    missing = Problem.at("quotas", "missing column(s) quota.")
    assert book.describe(missing) == "Quotas: missing column(s) quota."
    header = Problem.at("quotas", "must be positive.", column="quota")
    assert str(header) == "quotas.quota: must be positive."
    assert book.describe(header) == "Quotas!D1: must be positive."


def test_missing_column_names_the_sheet(tmp_path, capsys):
    from xlspm.cli.main import main

    inputs = small_company()
    inputs["transactions"] = inputs["transactions"].drop(columns="amount")
    path = write_workbook(tmp_path / "p.xlsx", inputs)
    assert main(["validate", str(path)]) == 2
    out = capsys.readouterr().out
    assert "error: Transactions: missing column(s) amount; found txn_id, date" in out
