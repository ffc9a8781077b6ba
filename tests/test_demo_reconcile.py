"""The demo's parallel run finds and explains every planted legacy fault."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from xlspm.cli.main import main
from xlspm.datasets.examples import DEMO_KEYS, DEMO_VALUES
from xlspm.datasets.legacy_workbooks import planted_faults
from xlspm.recon.parallel_run import parallel_run

ROOT = Path(__file__).resolve().parents[1] / "workbooks"
LEGACY = [ROOT / "legacy_comp_2026Q1.xlsx", ROOT / "legacy_comp_2026Q2.xlsx"]


@pytest.fixture(scope="module")
def run():
    return parallel_run(
        ROOT / "demo_comp_plan.xlsx", LEGACY, keys=DEMO_KEYS, values=DEMO_VALUES
    )


@pytest.fixture(scope="module")
def rows(run):
    frames = [r.rows.assign(cycle=label) for label, r in run.cycles]
    out = pd.concat(frames, ignore_index=True)
    for key in DEMO_KEYS:
        out[key] = out[key].astype(str)
    return out.set_index(DEMO_KEYS)


def test_every_planted_fault_gets_its_reason_code(rows):
    expected = {}
    for fault in planted_faults():
        for key in fault.keys:
            expected[tuple(key)] = fault.reason
    found = rows["reason"].astype(str)
    assert {k: found.loc[k] for k in expected} == expected
    # and nothing else differs: every other row matches to the cent
    others = found.drop(index=list(expected))
    assert set(others) == {"match"}


def test_crediting_gaps_name_the_missed_deals(rows):
    checked = 0
    for fault in planted_faults():
        if fault.reason != "crediting":
            continue
        for key in fault.keys:
            row = rows.loc[tuple(key)]
            assert row["stage"] == "credited"
            found = set(filter(None, row["transactions"].split(";")))
            if found:  # up to three deals are searched for
                assert found <= set(fault.txn_ids)
                checked += 1
    assert checked >= 20  # every rep-level row and most managers


def test_the_explanations_name_the_cause(rows):
    by_reason = {f.reason: tuple(f.keys[0]) for f in planted_faults()}
    detail = rows["detail"]
    assert "rounded" in detail.loc[by_reason["rounding"]]
    assert "ROUNDDOWN" in detail.loc[by_reason["rounding"]]
    assert "tier floor" in detail.loc[by_reason["tier_boundary"]]
    assert "not in the engine's rate table" in detail.loc[by_reason["rate"]]
    assert "#N/A" in detail.loc[by_reason["legacy_error"]]
    assert "manual override" in detail.loc[by_reason["payout_override"]]


def test_trend_and_verdict(run):
    trend = run.trend
    assert list(trend["cycle"]) == ["2026-Q1", "2026-Q2"]
    assert not run.cutover and run.verdict.startswith("NO-GO")
    for _, result in run.cycles:
        counts = result.counts()
        s = result.summary()
        assert round(counts["net"].sum(), 2) == s["net_difference"]


def test_make_demo_prints_the_parallel_run(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", "d"]) == 0
    printed = capsys.readouterr().out
    assert "Parallel run: trend per cycle" in printed
    assert "tier_boundary" in printed and "NO-GO" in printed
    sheets = pd.ExcelFile(
        tmp_path / "d" / "parallel_run.xlsx", engine="calamine"
    ).sheet_names
    assert sheets == ["Summary", "Trend", "Differences", "To accept"]
