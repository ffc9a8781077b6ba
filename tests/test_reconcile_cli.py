"""Legacy workbooks read from real xlsx files; reconcile and parallel-run CLI."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

import xlspm
from workbooks import write_workbook
from xlspm.cli.main import main
from xlspm.datasets.sample import small_company
from xlspm.errors import InputError
from xlspm.io.results_table import read_results_table

KEYS = "Payee,Component,Period"
VALUES = "Credited,Quota,Attainment,Rate,Payout"
HEADER = [
    "Payee",
    "Component",
    "Period",
    "Credited",
    "Quota",
    "Attainment",
    "Rate",
    "Payout",
]


@pytest.fixture(scope="module")
def engine_rows():
    return xlspm.calculate(**small_company()).results


@pytest.fixture
def plan(tmp_path):
    return write_workbook(tmp_path / "plan.xlsx", small_company())


def legacy_book(path, results, *, edit=None, title=True):
    """Write the engine's results as a legacy 'Payouts' sheet (values)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Payouts"
    if title:
        ws.append(["Commissions - DRAFT"])
        ws.append([])
    ws.append(HEADER)
    cols = [
        "payee_id",
        "component",
        "period",
        "credited",
        "quota",
        "attainment",
        "rate",
    ]
    for row in results[[*cols, "payout_due"]].itertuples(index=False):
        ws.append([v.item() if hasattr(v, "item") else v for v in row])
    ws.append([None, None, None, None, None, None, "Total", "=SUM(H4:H99)"])
    if edit:
        edit(ws)
    wb.save(path)
    return path


def cell_of(ws, payee, component, column):
    for row in ws.iter_rows(min_row=1):
        if row[0].value == payee and row[1].value == component:
            return row[HEADER.index(column)]
    raise KeyError(payee)


def test_reader_finds_the_header_under_a_title(tmp_path, engine_rows):
    path = legacy_book(tmp_path / "legacy.xlsx", engine_rows)
    table = read_results_table(path, columns=["payout"], keys=["payee", "component"])
    assert table.sheet == "Payouts"
    assert table.frame.index[0] == 4  # Excel row of the first data row
    assert list(table.frame.columns[:3]) == ["payee", "component", "Period"]
    assert len(table.frame) == len(engine_rows)  # the total row is skipped
    assert "skipped 1 row(s) with blank keys" in table.notes[0]
    assert table.cell(5, "payout") == "Payouts!H5"


def test_reader_keeps_error_cells_as_errors(tmp_path, engine_rows):
    def edit(ws):
        ws["H5"] = "#N/A"  # openpyxl writes an error cell (t="e")
        ws["F6"] = "#DIV/0!"

    path = legacy_book(tmp_path / "legacy.xlsx", engine_rows, edit=edit)
    frame = read_results_table(path, columns=HEADER, keys=["Payee"]).frame
    assert frame.loc[5, "Payout"] == "#N/A" and frame.loc[6, "Attainment"] == "#DIV/0!"


def test_reader_refuses_formulas_without_values(tmp_path, engine_rows):
    def edit(ws):
        ws["H4"] = "=D4*G4"  # openpyxl stores no cached value

    path = legacy_book(tmp_path / "legacy.xlsx", engine_rows, edit=edit)
    with pytest.raises(InputError, match=r"Payouts!H4: formulas without a calculated"):
        read_results_table(path, columns=["Payout"], keys=["Payee"])
    with pytest.raises(
        InputError, match=r"xlspm recalc legacy.xlsx -o legacy_calculated"
    ):
        read_results_table(path, columns=["Payout"], keys=["Payee"])


def test_reader_reads_tables_and_named_ranges(tmp_path, engine_rows):
    n = len(engine_rows)

    def edit(ws):
        ws.add_table(Table(displayName="Pay", ref=f"A3:H{3 + n}"))

    path = legacy_book(tmp_path / "legacy.xlsx", engine_rows, edit=edit)
    wb = openpyxl.load_workbook(path)
    wb.defined_names["LegacyPay"] = DefinedName(
        "LegacyPay", attr_text="Payouts!$A$3:$H$5"
    )
    wb.save(path)
    table = read_results_table(path, sheet="pay", columns=["Payout"])
    assert len(table.frame) == n and table.frame.index[0] == 4
    named = read_results_table(path, sheet="LegacyPay", columns=["Payout"])
    assert list(named.frame.index) == [4, 5]
    assert named.frame.loc[4, "Payee"] == engine_rows["payee_id"].iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"sheet": "Nope", "columns": ["Payout"]},
            r"no sheet, Excel Table or named range 'Nope'",
        ),
        ({"columns": ["Bonus"]}, r"no sheet has a header row with Bonus"),
        (
            {"sheet": "Payouts", "columns": ["Bonus"]},
            r"no header row with Bonus in rows 1-30",
        ),
    ],
)
def test_reader_errors(tmp_path, engine_rows, kwargs, message):
    path = legacy_book(tmp_path / "legacy.xlsx", engine_rows)
    with pytest.raises(InputError, match=message):
        read_results_table(path, **kwargs)


def test_reader_refuses_a_repeated_header(tmp_path, engine_rows):
    def edit(ws):
        ws["G3"] = "Payout"

    path = legacy_book(tmp_path / "legacy.xlsx", engine_rows, edit=edit)
    with pytest.raises(
        InputError, match=r"column 'Payout' appears twice .*columns G and H"
    ):
        read_results_table(path, columns=["Payout"])


def test_reader_refuses_non_workbooks(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    with pytest.raises(InputError, match=r"not an .xlsx workbook"):
        read_results_table(path)


def reconcile_cli(legacy, engine, out, *extra):
    return main(
        [
            "reconcile",
            str(legacy),
            str(engine),
            "--key",
            KEYS,
            "--value",
            VALUES,
            "-o",
            str(out),
            *extra,
        ]
    )


def test_identical_results_reconcile_exit_0(tmp_path, plan, engine_rows, capsys):
    legacy = legacy_book(tmp_path / "legacy.xlsx", engine_rows)
    out = tmp_path / "recon.xlsx"
    before = legacy.read_bytes()
    assert reconcile_cli(legacy, plan, out) == 0
    printed = capsys.readouterr().out
    assert "RECONCILED" in printed and "NOT RECONCILED" not in printed
    assert reconcile_cli(legacy, plan, out, "--force", "--json") == 0
    payload = json.loads(capsys.readouterr().out)  # stdout is one JSON document
    assert payload["ok"] is True and payload["output"] == str(out)
    summary = payload["summary"]
    assert summary["reconciled"] and summary["differences"] == 0
    assert summary["engine_total"] == round(engine_rows["payout_due"].sum(), 2)
    assert legacy.read_bytes() == before  # the input is only read


def test_differences_exit_1_and_the_report_ties_out(tmp_path, plan, engine_rows):
    first = engine_rows.iloc[0]

    def edit(ws):
        cell_of(ws, first["payee_id"], first["component"], "Payout").value = 12345.0

    legacy = legacy_book(tmp_path / "legacy.xlsx", engine_rows, edit=edit)
    calc = tmp_path / "results.xlsx"
    assert main(["calc", str(plan), "-o", str(calc), "--quiet"]) == 0
    out = tmp_path / "recon.xlsx"
    assert reconcile_cli(legacy, calc, out, "--quiet") == 1
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [
        "Summary",
        "Differences",
        "Unmatched",
        "Duplicates",
        "To accept",
    ]
    diff = pd.read_excel(out, sheet_name="Differences", engine="calamine")
    assert list(diff["Payee"]) == [first["payee_id"]]
    assert diff["reason"].iloc[0] == "payout_override"
    assert diff["money_diff"].iloc[0] == round(first["payout_due"] - 12345.0, 2)
    summary = openpyxl.load_workbook(out)["Summary"]
    cells = {r[0].value: r for r in summary.iter_rows()}
    assert cells["Net difference (engine - legacy)"][1].value == "=B11-B10"
    tie = cells["Total (ties out to the net difference)"]
    assert tie[3].value.startswith("=SUM(D")
    values = openpyxl.load_workbook(out, data_only=True)["Summary"]
    row = tie[0].row
    assert values.cell(row, 5).value == "ties out"
    assert values.cell(row, 4).value == round(first["payout_due"] - 12345.0, 2)
    largest = cells["Largest differences (all on Differences)"][0].row
    assert values.cell(largest + 2, 1).value == first["payee_id"]
    assert values.cell(largest + 2, 4).value == "payout_override"


def test_reconcile_input_errors_exit_2(tmp_path, plan, engine_rows, capsys):
    legacy = legacy_book(tmp_path / "legacy.xlsx", engine_rows)
    out = tmp_path / "recon.xlsx"
    assert (
        main(
            [
                "reconcile",
                str(legacy),
                str(plan),
                "--key",
                "Payee",
                "--value",
                "Bonus",
                "-o",
                str(out),
            ]
        )
        == 2
    )
    assert "no sheet has a header row with Payee, Bonus" in capsys.readouterr().err
    assert reconcile_cli(legacy, plan, out, "--map", "Payout") == 2
    assert "--map: got 'Payout'" in capsys.readouterr().err
    assert reconcile_cli(legacy, plan, out, "--map", "Payout=nothing") == 2
    assert "engine: no column 'nothing'" in capsys.readouterr().err
    assert reconcile_cli(legacy, plan, legacy) == 2
    assert "refusing to overwrite an input workbook" in capsys.readouterr().err
    out.write_bytes(b"x")
    assert reconcile_cli(legacy, plan, out) == 2
    assert "already exists; pass --force" in capsys.readouterr().err
    assert not out.with_name(f".{out.name}.xlspm-tmp").exists()


def test_parallel_run_carries_accepted_differences(tmp_path, plan, engine_rows, capsys):
    q1 = engine_rows[engine_rows["period"].str.endswith("Q1")]
    row = q1.iloc[1]

    def edit(ws):
        cell_of(ws, row["payee_id"], row["component"], "Payout").value = 1.0

    cycle1 = legacy_book(tmp_path / "c1.xlsx", q1, edit=edit)
    cycle2 = legacy_book(
        tmp_path / "c2.xlsx", engine_rows[~engine_rows.index.isin(q1.index)]
    )
    out = tmp_path / "run.xlsx"
    args = [
        "parallel-run",
        str(plan),
        str(cycle1),
        str(cycle2),
        "--key",
        KEYS,
        "--value",
        VALUES,
    ]
    assert main([*args, "-o", str(out)]) == 1
    assert "NO-GO: 1 consecutive reconciled cycle(s)" in capsys.readouterr().out
    to_accept = pd.read_excel(out, sheet_name="To accept", engine="calamine")
    assert list(to_accept["Payee"]) == [row["payee_id"]]
    assert to_accept["reason"].iloc[0] == "payout_override"
    accepted = tmp_path / "accepted.csv"
    to_accept.assign(accepted_by="Comp lead")[
        ["Payee", "Component", "reason", "accepted_by", "note"]
    ].to_csv(accepted, index=False)
    capsys.readouterr()
    assert (
        main(
            [
                *args,
                "--accepted",
                str(accepted),
                "-o",
                str(tmp_path / "run2.xlsx"),
                "--json",
            ]
        )
        == 0
    )
    payload = json.loads(capsys.readouterr().out)
    assert payload["cutover"] and payload["verdict"].startswith("GO")
    assert [c["accepted"] for c in payload["trend"]] == [1, 0]
    assert pd.read_excel(tmp_path / "run2.xlsx", sheet_name="Trend", engine="calamine")[
        "open"
    ].tolist() == [0, 0]
