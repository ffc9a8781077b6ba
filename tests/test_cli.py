import json

import pytest

from xlspm import InputError, __version__
from xlspm.cli.main import main


def test_examples_print_each_mode(capsys):
    assert main(["examples"]) == 0
    out = capsys.readouterr().out
    for text in ("retroactive", "marginal", "flat", "linear", "3,400.00", "4,791.68"):
        assert text in out
    assert "2,395.84" in out  # the IEEE tier for the boundary ratio


def test_examples_json(capsys):
    assert main(["examples", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    payouts = {row["example"]: row["payout"] for row in payload["tiers"]}
    assert payouts["130% attainment, quota $100,000"] == 3400.0
    rounding = {row["value"]: row["excel_round"] for row in payload["rounding"]}
    assert rounding[2.675] == 2.68


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "usage: xlspm" in capsys.readouterr().out


def test_unknown_command_exits_2(capsys):
    assert main(["frobnicate"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_help_and_version_exit_0(capsys):
    assert main(["--help"]) == 0
    assert "demo" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_errors_become_messages_and_exit_2(monkeypatch, capsys):
    def boom():
        raise InputError("x[3]: got 'abc'; expected a number.")

    monkeypatch.setattr("xlspm.datasets.examples.tier_examples", boom)
    assert main(["examples"]) == 2
    assert "xlspm: error: x[3]: got 'abc'" in capsys.readouterr().err
    with pytest.raises(InputError, match=r"x\[3\]"):
        main(["--debug", "examples"])


def test_demo_runs_the_sample_workbook_into_a_new_folder(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Demo: demo_comp_plan.xlsx (20,000 transactions, 60 payees)" in printed
    assert f"Outputs in {out}/: results.xlsx" in printed
    assert (out / "results.xlsx").is_file()
    assert main(["demo", "--out", str(out)]) == 2  # never reuses a folder
    assert (
        "already exists; the demo writes into a new folder" in capsys.readouterr().err
    )


def test_demo_json_names_the_shipped_workbook_and_the_verdict(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", "d", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["workbook"].endswith("workbooks/demo_comp_plan.xlsx")
    assert report["summary"][-1]["component"] == "Total"
    assert report["parallel_run"]["verdict"].startswith("NO-GO")
    assert (tmp_path / "d" / "parallel_run.xlsx").is_file()


def test_a_missing_sample_workbook_is_an_error_not_a_skipped_step(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr("xlspm.datasets.workbooks._PLACES", (tmp_path,))
    assert main(["demo", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "sample workbook 'demo_comp_plan.xlsx': missing from this installation" in (
        err
    )
    assert not (tmp_path / "d").exists()
