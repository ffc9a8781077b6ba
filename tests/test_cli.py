import json

import pytest

from xlspm import InputError, __version__
from xlspm.cli import main


def test_demo_prints_each_mode(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for text in ("retroactive", "marginal", "flat", "linear", "3,400.00", "4,791.68"):
        assert text in out
    assert "2,395.84" in out  # the IEEE tier for the boundary ratio


def test_demo_json(capsys):
    assert main(["demo", "--json"]) == 0
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

    monkeypatch.setattr("xlspm.demo.tier_examples", boom)
    assert main(["demo"]) == 2
    assert "xlspm: error: x[3]: got 'abc'" in capsys.readouterr().err
    with pytest.raises(InputError, match=r"x\[3\]"):
        main(["--debug", "demo"])
