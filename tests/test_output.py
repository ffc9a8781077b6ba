"""Outputs: checked before work, written atomically, removed when interrupted."""

import pytest

import xlspm
from xlspm.datasets.sample import small_company
from xlspm.io.output import atomic_output, output_path


def test_output_path_refuses_inputs_existing_files_and_wrong_suffix(tmp_path):
    src = tmp_path / "plan.xlsx"
    src.write_bytes(b"x")
    with pytest.raises(xlspm.InputError, match="refusing to overwrite an input"):
        output_path(src, [src])
    with pytest.raises(xlspm.InputError, match="already exists; pass --force"):
        output_path(src)
    assert output_path(src, force=True) == src
    with pytest.raises(xlspm.InputError, match=r"must be a \.json file"):
        output_path(tmp_path / "out.xlsx", suffix=".json")


@pytest.mark.parametrize("error", [RuntimeError("disk"), KeyboardInterrupt()])
def test_an_interrupted_write_leaves_nothing_behind(tmp_path, error):
    target = tmp_path / "out.xlsx"
    with pytest.raises(type(error)), atomic_output(target) as staged:
        staged.write_bytes(b"half a workbook")
        raise error
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_an_existing_output_survives_a_failed_replacement(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as staged:
        staged.write_bytes(b"new")
        raise RuntimeError("stop")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_write_report_interrupted_midway_leaves_no_staging_file(tmp_path, monkeypatch):
    res = xlspm.calculate(**small_company())

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("xlspm.present.results_workbook._statements", boom)
    with pytest.raises(KeyboardInterrupt):
        xlspm.write_report(res, tmp_path / "results.xlsx")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    out = xlspm.write_report(res, tmp_path / "results.xlsx")
    assert out.is_file() and [p.name for p in tmp_path.iterdir()] == ["results.xlsx"]
