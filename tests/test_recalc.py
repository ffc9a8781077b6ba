import openpyxl
import pytest

from xlspm import InputError, LibreOfficeError
from xlspm.io.recalc import find_soffice, recalculate


def _book(path):
    wb = openpyxl.Workbook()
    wb.active.append([2.675, "=ROUND(A1,2)", "=A1*2"])
    wb.save(path)
    return path


@pytest.mark.libreoffice
def test_recalculate_fills_cached_values(soffice, tmp_path):
    src = _book(tmp_path / "in.xlsx")
    assert openpyxl.load_workbook(src, data_only=True).active["B1"].value is None
    out = recalculate(src, tmp_path / "out.xlsx")
    values = openpyxl.load_workbook(out, data_only=True).active
    assert (values["B1"].value, values["C1"].value) == (2.68, 5.35)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]


def test_missing_input(tmp_path):
    with pytest.raises(InputError, match=r"nope\.xlsx: no such workbook"):
        recalculate(tmp_path / "nope.xlsx", tmp_path / "out.xlsx")


def test_wrong_suffix(tmp_path):
    src = tmp_path / "data.csv"
    src.write_text("a,b\n")
    with pytest.raises(InputError, match=r"expected an \.xlsx workbook, got '\.csv'"):
        recalculate(src, tmp_path / "out.xlsx")


def test_output_must_be_new(tmp_path):
    src = _book(tmp_path / "in.xlsx")
    with pytest.raises(InputError, match=r"must be a new file, not the input"):
        recalculate(src, src)
    (tmp_path / "out.xlsx").write_text("keep me")
    with pytest.raises(InputError, match=r"out\.xlsx: already exists; .* --force"):
        recalculate(src, tmp_path / "out.xlsx")
    assert (tmp_path / "out.xlsx").read_text() == "keep me"


def test_missing_libreoffice_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("XLSPM_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        LibreOfficeError, match=r"apt-get install -y .*libreoffice-calc"
    ):
        find_soffice()
    monkeypatch.setenv("XLSPM_SOFFICE", "/no/such/soffice")
    with pytest.raises(LibreOfficeError, match=r"XLSPM_SOFFICE is '/no/such/soffice'"):
        recalculate(_book(tmp_path / "in.xlsx"), tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def _fake_soffice(tmp_path, body):
    script = tmp_path / "fake-soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return str(script)


def test_libreoffice_timeout_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("XLSPM_SOFFICE", _fake_soffice(tmp_path, "sleep 30"))
    src = _book(tmp_path / "in.xlsx")
    with pytest.raises(
        LibreOfficeError, match=r"did not finish recalculating .* in 1 s"
    ):
        recalculate(src, tmp_path / "out.xlsx", timeout=1)
    assert not (tmp_path / "out.xlsx").exists()


def test_libreoffice_failure_is_reported(monkeypatch, tmp_path):
    body = "echo 'Error: source file could not be loaded' >&2; exit 1"
    monkeypatch.setenv("XLSPM_SOFFICE", _fake_soffice(tmp_path, body))
    src = _book(tmp_path / "in.xlsx")
    with pytest.raises(
        LibreOfficeError, match=r"wrote no output .*\(exit 1\): Error: source"
    ):
        recalculate(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.libreoffice
def test_recalc_cli(soffice, tmp_path, capsys):
    from xlspm.cli.main import main

    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    assert main(["recalc", str(src), "-o", str(out)]) == 0
    assert "every formula recalculated by LibreOffice" in capsys.readouterr().out
    assert openpyxl.load_workbook(out, data_only=True).active["B1"].value == 2.68
    assert main(["recalc", str(src), "-o", str(out)]) == 2
    assert (
        "already exists; choose a new name or pass --force" in capsys.readouterr().err
    )
    assert main(["recalc", str(src), "-o", str(out), "--force", "--quiet"]) == 0


def test_recalc_cli_without_libreoffice(monkeypatch, tmp_path, capsys):
    from xlspm.cli.main import main

    monkeypatch.setenv("XLSPM_SOFFICE", "/no/such/soffice")
    src = _book(tmp_path / "in.xlsx")
    assert main(["recalc", str(src), "-o", str(tmp_path / "o.xlsx"), "--quiet"]) == 2
    assert "XLSPM_SOFFICE is '/no/such/soffice'" in capsys.readouterr().err
