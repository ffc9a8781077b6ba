import json
import os
import subprocess
import sys

import pytest
from naive_engine import naive_credits, naive_results

import xlspm
from xlspm.datasets.sample import small_company
from xlspm.datasets.synthetic import synthetic_company


@pytest.fixture(scope="module")
def example():
    return xlspm.calculate(**small_company())


def _table(res):
    r = res.results
    return {
        (p, c, q): (cr, e, d)
        for p, c, q, cr, e, d in r[
            ["payee_id", "component", "period", "credited_ytd", "earned", "payout_due"]
        ].itertuples(index=False)
    }


# The README's worked example, every number pinned.

EXPECTED = {
    ("M1", "Team", "2026-Q1"): (140000.0, 1400.0, 1400.0),
    ("M1", "Team", "2026-Q2"): (20000.0, 0.0, 0.0),  # gate 50% not met
    ("M2", "Team", "2026-Q1"): (60000.0, 600.0, 600.0),
    ("M2", "Team", "2026-Q2"): (12345.3, 0.0, 0.0),
    ("R1", "Bookings", "2026-Q1"): (30000.0, 1500.0, 1500.0),  # after a return
    ("R1", "Bookings", "2026-Q2"): (90000.0, 4500.0, 3000.0),
    ("R2", "Bookings", "2026-Q1"): (60000.0, 4800.0, 4800.0),
    ("R2", "Bookings", "2026-Q2"): (20000.0, 600.0, -4200.0),  # late return claws back
    ("R3", "Bookings", "2026-Q1"): (50000.0, 4000.0, 4000.0),  # 60% of the split deal
    ("R3", "Bookings", "2026-Q2"): (50000.0, 2500.0, -1500.0),
    ("R4", "Bookings", "2026-Q1"): (35000.0, 1750.0, 1750.0),  # 40% + default credit
    ("R4", "Bookings", "2026-Q2"): (35000.0, 1050.0, -700.0),
    ("R5", "Bookings", "2026-Q1"): (25000.0, 2000.0, 2000.0),  # hired mid-quarter
    ("R5", "Bookings", "2026-Q2"): (37345.3, 1120.36, -879.64),
}


def test_worked_example_results(example):
    assert _table(example) == EXPECTED
    r = example.results.set_index(["payee_id", "period"])
    assert r.loc[("R5", "2026-Q1"), "proration"] == 0.5  # 45 of 90 days
    assert r.loc[("R5", "2026-Q1"), "quota_ytd"] == 25000.0
    assert r.loc[("R5", "2026-Q2"), "quota_ytd"] == 75000.0
    assert r.loc[("M1", "2026-Q2"), "gated"]
    assert r.loc[("R2", "2026-Q1"), "tier"] == 2
    assert example.rejected.empty and example.warnings == []


def test_worked_example_credits(example):
    c = example.credits
    assert len(c) == 24
    t03 = c[c["txn_id"] == "T03"].set_index("payee_id")
    assert t03["amount"].to_dict() == {
        "R3": 30000.0,
        "R4": 20000.0,
        "M1": 30000.0,
        "M2": 20000.0,
    }
    assert t03.loc["R3", "rule_id"] == "ACME-R3"
    assert t03.loc["M1", "credit_type"] == "rollup" and t03.loc["M1", "level"] == 1
    assert c.loc[c["txn_id"] == "T07", "rule_id"].iloc[0] == "default (seller)"
    north = c[c["txn_id"].isin(["T04", "T05"]) & (c["credit_type"] == "direct")]
    assert north[["payee_id", "rule_id"]].values.tolist() == [
        ["R3", "N-old"],
        ["R5", "N-new"],
    ]


def test_worked_example_explain(example):
    text = xlspm.explain(example, "R2", "Bookings", "2026-Q2")
    assert "3 credit(s) totalling 20,000.00" in text
    assert "T10  2026-04-20  direct   rule E: 100% of -40,000.00 = -40,000.00" in text
    assert "Attainment: 20,000.00 / 100,000.00 = 20.00%." in text
    assert (
        "falls in tier 1 of table 'AE rates' (from 0.00% up to 50.00%): rate 3.00%."
        in text
    )
    assert "earned 600.00 - previously paid 4,800.00 = payout due -4,200.00." in text
    hire = xlspm.explain(example, "R5", "Bookings", "2026-Q1")
    assert "prorated for active days x 0.5000" in hire
    gate = xlspm.explain(example, "M1", "Team", "2026-Q2")
    assert "Gate 50.00%: NOT met: pays 0." in gate


def test_explain_unknown_row_lists_what_exists(example):
    with pytest.raises(
        xlspm.InputError,
        match=r"no result for payee 'R1', component "
        r"'Bookings', period '2027-Q1'; that payee has: Bookings 2026-Q1",
    ):
        xlspm.explain(example, "R1", "Bookings", "2027-Q1")


# Fast against naive on seeded random companies, both backends.


def _compare(inp, res):
    want = naive_results(inp)
    got = _table(res)
    assert set(got) == set(want)
    for k, (credited, earned, due) in got.items():
        assert (credited, earned, due) == (
            want[k]["credited_ytd"],
            want[k]["earned"],
            want[k]["payout_due"],
        ), k
    fast = sorted(
        (str(t), str(p), str(k), str(r), int(lv), int(n))
        for (t, p, k, r, lv), n in zip(
            res.credits[
                ["txn_id", "payee_id", "credit_type", "rule_id", "level"]
            ].itertuples(index=False),
            res.credit_arrays.nano,
            strict=True,
        )
    )
    slow = sorted(
        (str(t), str(p), k, r, lv, n) for t, p, k, r, lv, n in naive_credits(inp)
    )
    assert fast == slow


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_matches_naive(backend, seed):
    inp = synthetic_company(1200 if backend == "numba" else 400, 60, seed=seed)
    _compare(inp, xlspm.calculate(**inp))


def test_fast_matches_naive_on_the_worked_example(backend):
    inp = small_company()
    _compare(inp, xlspm.calculate(**inp))


def test_without_numba_in_a_fresh_process():
    code = (
        "import json, xlspm\n"
        "from xlspm.datasets.sample import small_company\n"
        "r = xlspm.calculate(**small_company())\n"
        "print(json.dumps([xlspm.get_backend(), r.results['payout_due'].tolist()]))\n"
    )
    env = dict(os.environ, XLSPM_DISABLE_NUMBA="1")
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    backend, due = json.loads(out.stdout)
    assert backend == "numpy"
    assert due == [v[2] for v in EXPECTED.values()]


def test_to_dict_is_json_ready(example):
    payload = json.loads(json.dumps(example.to_dict(), default=str))
    assert payload["credit_count"] == 24
    assert len(payload["results"]) == 14
