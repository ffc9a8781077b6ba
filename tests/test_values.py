"""One reading of names, keys, numbers and dates, and the one xlsx reader."""

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

from xlspm.errors import InputError
from xlspm.io.xlsx import WorkbookFileError, cell_index, open_xlsx
from xlspm.schema.values import (
    column_name,
    infer_numbers,
    name_key,
    norm_key,
    norm_keys,
    parse_dates,
    parse_number,
    parse_numbers,
)


def test_names():
    assert column_name(" Start Date ") == "start_date"
    assert [name_key(n) for n in ("Rate Tables", "rate_tables", "RATE-TABLES")] == [
        "ratetables"
    ] * 3
    assert name_key("Payout ($)") == "payout"


def test_keys():
    assert [norm_key(v) for v in (101.0, " R1 ", None, np.nan, pd.NA, 1.5)] == [
        "101",
        "R1",
        "",
        "",
        "",
        "1.5",
    ]
    assert norm_key(np.float32(101.0)) == "101"
    floats = pd.Series([1e20, 101.0, 1.5, np.nan])  # 1e20 does not fit int64
    assert norm_keys(floats).tolist() == ["100000000000000000000", "101", "1.5", ""]
    mixed = pd.Series([101, "101 ", 101.0, None], dtype=object)
    assert norm_keys(mixed).tolist() == ["101", "101", "101", ""]


def test_numbers():
    cells = pd.Series(
        ["1,000", " 12 ", True, "1e3", "", None, 5, 2.5, "1,5", "-3"], dtype=object
    )
    got = parse_numbers(cells)
    assert np.flatnonzero(got.bad).tolist() == [0, 2, 8]  # commas, a boolean
    assert np.flatnonzero(got.blank).tolist() == [4, 5]
    assert got.values[[1, 3, 6, 7, 9]].tolist() == [12.0, 1000.0, 5.0, 2.5, -3.0]
    assert [parse_number(v) for v in ("1,5", " 7 ", True, 3)] == [None, 7.0, None, 3.0]


def test_infer_numbers_keeps_whole_numbers_and_text_ids():
    frame = pd.DataFrame(
        {
            "txn_id": ["1", "2"],
            "account": ["12345678901234567", "2"],  # > 2**53: must stay exact
            "amount": ["1.5", None],
            "note": ["1", "x"],
        }
    )
    out = infer_numbers(frame)
    assert out["txn_id"].tolist() == ["1", "2"]
    assert out["account"].tolist() == [12345678901234567, 2]
    assert out["amount"].iloc[0] == 1.5 and np.isnan(out["amount"].iloc[1])
    assert out["note"].tolist() == ["1", "x"]


def test_dates_read_excel_serial_numbers():
    cells = pd.Series(
        [46023, "2026-01-05", None, "31/02/2026", dt.date(2026, 1, 2), 46023.75, True],
        dtype=object,
    )
    got = parse_dates(cells)
    day = np.datetime64("2026-01-01").astype(np.int64)
    # 46023 is 2026-01-01 in Excel's 1900 date system (=DATE(2026,1,1))
    assert got.values[[0, 1, 4, 5]].tolist() == [day, day + 4, day + 1, day]
    assert np.flatnonzero(got.bad).tolist() == [3, 6]
    assert np.flatnonzero(got.blank).tolist() == [2]


def test_cell_index():
    assert cell_index("$AB$12") == (11, 27)
    with pytest.raises(InputError, match="expected a cell reference"):
        cell_index("12")


@pytest.fixture
def book(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "R&D"
    ws["B3"], ws["C3"] = "payee", "pay"
    ws["B4"], ws["C4"] = "R1", 10
    ws["B5"], ws["C5"] = "R2", "#N/A"  # an error cell
    ws["C6"] = "=C4*2"  # never calculated
    data = wb.create_sheet("Data")
    data.append(["title"])
    data.append(["id", "amount"])
    data.append(["T1", 5])
    data.add_table(Table(displayName="Deals", ref="A2:B3"))
    wb.defined_names["Payouts"] = DefinedName("Payouts", attr_text="'R&D'!$B$3:$C$5")
    wb.save(tmp_path / "b.xlsx")
    return tmp_path / "b.xlsx"


def test_reader_regions_and_scan(book):
    with open_xlsx(book) as xl:
        assert xl.find_sheet("r & d") == "R&D" and xl.find_table("deals") == "Deals"
        sheet = xl.sheet("R&D")
        assert (sheet.top, sheet.left) == (2, 1)  # used range starts at B3
        assert sheet.rows[0] == ["payee", "pay"]
        table = xl.table("Deals")
        assert (table.sheet, table.top, table.left) == ("Data", 1, 0)
        assert table.rows == [["id", "amount"], ["T1", 5]]
        named = xl.named_range("payouts")
        assert (named.top, named.left, named.rows[1]) == (2, 1, ["R1", 10])
        scan = xl.scan("R&D")
        assert scan.errors == {(4, 2): "#N/A"}  # C5
        assert scan.uncalculated == [(5, 2)]  # C6


def test_unreadable_files(tmp_path):
    text = tmp_path / "t.xlsx"
    text.write_text("a,b\n")
    with pytest.raises(WorkbookFileError, match=r"not a zip package") as info:
        open_xlsx(text)
    assert info.value.path == text and info.value.reason.startswith("not an .xlsx")
    with pytest.raises(WorkbookFileError, match=r"no such workbook"):
        open_xlsx(tmp_path / "none.xlsx")


def test_period_labels_are_read_strictly():
    from xlspm.schema.periods import parse_label

    assert parse_label("2026-Q4", "quarter") == 2026 * 4 + 3
    assert parse_label("2026-Q12", "quarter") is None  # was read as 2027-Q4
    assert parse_label("2026-Q", "quarter") is None
