"""reconcile() over DataFrames: every reason code, cents, tolerances, tie-out."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_reason, naive_sum_cents

import xlspm
from xlspm.errors import InputError
from xlspm.kernels import reconcile as kernels_nb
from xlspm.kernels import reconcile_numpy as kernels_np
from xlspm.recon.explain import find_transactions, label_bounds, rounding_rule
from xlspm.recon.reconcile import column_roles, reconcile

KEYS = ["Payee", "Component", "Period"]
VALUES = ["Credited", "Quota", "Attainment", "Rate", "Payout"]
MAPPING = {
    "Payee": "payee_id",
    "Component": "component",
    "Period": "period",
    "Credited": "credited",
    "Quota": "quota",
    "Attainment": "attainment",
    "Rate": "rate",
    "Payout": "payout_due",
}
TIERS = pd.DataFrame(
    {
        "component": "Bookings",
        "floor": [0, 0.5, 0.8, 1.0],
        "rate": [0.02, 0.04, 0.06, 0.08],
    }
)


def engine_row(payee, credited, quota=1000.0, rate=None, payout=None, raw=None):
    att = credited / quota
    rate = (
        rate
        if rate is not None
        else [0.02, 0.04, 0.06, 0.08][
            int(np.searchsorted([0.5, 0.8, 1.0], att, side="right"))
        ]
    )
    raw = credited * rate if raw is None else raw
    return {
        "payee_id": payee,
        "component": "Bookings",
        "period": "2026-Q1",
        "credited": credited,
        "quota": quota,
        "attainment": att,
        "rate": rate,
        "raw_payout": raw,
        "previously_paid": 0.0,
        "payout_due": xlspm.excel_round(raw, 2) if payout is None else payout,
        "period_start": pd.Timestamp("2026-01-01"),
        "period_end": pd.Timestamp("2026-03-31"),
    }


def as_legacy(row: dict, **changes) -> dict:
    out = {new: row[old] for new, old in MAPPING.items()}
    out.update(changes)
    return out


@pytest.fixture
def sides():
    """Legacy and engine frames with one planted case per reason code."""
    eng = [
        engine_row("R01", 400.0),  # match
        engine_row("R02", 700.0),  # crediting: legacy missed D2 (50.00)
        engine_row("R03", 600.0, quota=1000.0),  # quota: legacy 1200
        engine_row("R04", 900.0),  # rate: stale 0.05 instead of 0.06
        engine_row("R05", 800.0, rate=0.06),  # tier boundary: legacy 0.04
        engine_row("R06", 300.0),  # payout override
        engine_row("R07", 241.25, raw=4.8250, payout=4.83),  # rounding (half cent)
        engine_row("R08", 500.0),  # legacy error
        engine_row("R09", 200.0),  # duplicate key
        engine_row("R10", 100.0),  # missing in legacy
    ]
    engine = pd.DataFrame(eng)
    legacy = [
        as_legacy(eng[0]),
        as_legacy(eng[1], Credited=650.0, Attainment=0.65, Payout=26.0),
        as_legacy(eng[2], Quota=1200.0, Attainment=0.5, Rate=0.04, Payout=24.0),
        as_legacy(eng[3], Rate=0.05, Payout=45.0),
        as_legacy(eng[4], Rate=0.04, Payout=32.0),
        as_legacy(eng[5], Payout=50.0),
        as_legacy(eng[6], Payout=4.82),
        as_legacy(eng[7], Attainment="#DIV/0!", Payout="#DIV/0!"),
        as_legacy(eng[8]),
        as_legacy(eng[8]),
        {**as_legacy(eng[0]), "Payee": "R99"},  # missing in engine
    ]
    return pd.DataFrame(legacy), engine


CREDITS = pd.DataFrame(
    {
        "payee_id": ["R02"] * 4,
        "date": ["2026-01-05", "2026-02-01", "2026-03-01", "2026-04-02"],
        "txn_id": ["D1", "D2", "D3", "D4"],
        "amount": [300.0, 50.0, 350.0, 50.0],
    }
)


def run(sides, **kw):
    legacy, engine = sides
    kw.setdefault("mapping", MAPPING)
    return reconcile(legacy, engine, keys=KEYS, values=VALUES, **kw)


def reasons(result) -> dict:
    return dict(
        zip(result.rows["Payee"], result.rows["reason"].astype(str), strict=True)
    )


def test_every_reason_code_is_found(sides):
    result = run(sides, tiers=TIERS, credits=CREDITS)
    assert reasons(result) == {
        "R01": "match",
        "R02": "crediting",
        "R03": "quota",
        "R04": "rate",
        "R05": "tier_boundary",
        "R06": "payout_override",
        "R07": "rounding",
        "R08": "legacy_error",
        "R09": "duplicate_key",
        "R10": "missing_in_legacy",
        "R99": "missing_in_engine",
    }
    rows = result.rows.set_index("Payee")
    assert rows.loc["R02", "stage"] == "credited"
    assert rows.loc["R03", "stage"] == "quota"
    assert rows.loc["R04", "stage"] == "rate"
    assert rows.loc["R06", "stage"] == "payout"


def test_crediting_gap_points_at_the_missed_deal(sides):
    rows = run(sides, tiers=TIERS, credits=CREDITS).rows.set_index("Payee")
    # D2 (50.00) is the only credit in Q1 equal to the gap; D4 is in Q2
    assert rows.loc["R02", "transactions"] == "D2"
    assert "missed: D2 (50.00 on 2026-02-01)" in rows.loc["R02", "detail"]
    assert rows.loc["R02", "Credited_diff"] == 50.0


def test_details_name_the_rule(sides):
    rows = run(sides, tiers=TIERS, credits=CREDITS).rows.set_index("Payee")
    assert "rounded half to even or down (ROUNDDOWN/TRUNC)" in rows.loc["R07", "detail"]
    assert "on the 80.00% tier floor" in rows.loc["R05", "detail"]
    assert "not in the engine's rate table" in rows.loc["R04", "detail"]
    assert "#DIV/0!" in rows.loc["R08", "detail"]
    assert rows.loc["R08", "Payout_legacy"] == "#DIV/0!"


def test_without_tiers_a_boundary_case_is_a_rate_difference(sides):
    assert reasons(run(sides))["R05"] == "rate"


def test_money_diff_ties_out_to_the_control_totals(sides):
    result = run(sides, tiers=TIERS)
    s = result.summary()
    counts = result.counts()
    assert round(counts["net"].sum(), 2) == s["net_difference"]
    assert s["net_difference"] == round(s["engine_total"] - s["legacy_total"], 2)
    assert counts["rows"].sum() == len(result.rows) == 11
    engine_total = round(sides[1]["payout_due"].sum(), 2)
    assert s["engine_total"] == engine_total
    # the error cell counts as 0, the duplicate row twice
    legacy = pd.to_numeric(sides[0]["Payout"], errors="coerce").fillna(0)
    assert s["legacy_total"] == round(legacy.sum(), 2)


def test_duplicates_are_listed_not_paired(sides):
    dup = run(sides).duplicates
    assert list(dup["side"]) == ["engine", "legacy", "legacy"]
    assert set(dup["Payee"]) == {"R09"}
    assert sorted(dup.loc[dup["side"] == "legacy", "row"]) == [8, 9]


def test_cents_comparison_is_exact():
    # 3365.67 - 3365.66 is 0.010000000000218 in floats: one cent here
    legacy = pd.DataFrame({"k": ["a", "b"], "pay": [3365.66, 0.1 + 0.2]})
    engine = pd.DataFrame({"k": ["a", "b"], "pay": [3365.67, 0.3]})
    one_cent = reconcile(legacy, engine, keys="k", values="pay", abs_tol=0.01)
    assert list(one_cent.rows["reason"]) == ["within_tolerance", "match"]
    assert one_cent.rows["pay_diff"].tolist() == [0.01, 0.0]
    strict = reconcile(legacy, engine, keys="k", values="pay")
    assert list(strict.rows["reason"]) == ["rounding", "match"]
    assert not strict.reconciled and one_cent.reconciled


def test_relative_tolerance():
    legacy = pd.DataFrame({"k": ["a", "b"], "pay": [1000.0, 1000.0]})
    engine = pd.DataFrame({"k": ["a", "b"], "pay": [1000.5, 1002.0]})
    res = reconcile(legacy, engine, keys="k", values="pay", rel_tol=0.001)
    assert list(res.rows["reason"]) == ["within_tolerance", "unexplained"]


def test_numeric_and_text_keys_match():
    legacy = pd.DataFrame({"id": [1001.0, 1002.0], "pay": [1.0, 2.0]})
    engine = pd.DataFrame({"id": ["1001", " 1002 "], "pay": [1.0, 2.0]})
    res = reconcile(legacy, engine, keys="id", values="pay")
    assert list(res.rows["reason"]) == ["match", "match"]
    assert list(res.rows["id"]) == ["1001", "1002"]


def test_blank_legacy_cell_counts_as_zero():
    legacy = pd.DataFrame({"k": ["a", "b"], "pay": [None, 5.0]}, dtype=object)
    engine = pd.DataFrame({"k": ["a", "b"], "pay": [0.0, 5.0]})
    res = reconcile(legacy, engine, keys="k", values="pay")
    assert list(res.rows["reason"]) == ["match", "match"]


def test_accepted_differences_reconcile(sides):
    accepted = pd.DataFrame(
        {
            "Payee": ["R06", "R07", "R04"],
            "reason": ["payout_override", "rounding", "crediting"],
            "accepted_by": ["J. Doe", "J. Doe", "J. Doe"],
            "note": ["approved spiff", "ROUNDDOWN in legacy", "wrong reason"],
        }
    )
    rows = run(sides, accepted=accepted).rows.set_index("Payee")
    assert bool(rows.loc["R06", "accepted"]) and bool(rows.loc["R07", "accepted"])
    assert rows.loc["R06", "accepted_note"] == "approved spiff"
    assert not rows.loc["R04", "accepted"]  # accepted as crediting, found as rate


def test_all_accepted_or_matching_means_reconciled():
    legacy = pd.DataFrame({"k": ["a", "b"], "pay": [10.0, 20.0]})
    engine = pd.DataFrame({"k": ["a", "b"], "pay": [10.0, 25.0]})
    accepted = pd.DataFrame(
        {"k": ["b"], "reason": ["unexplained"], "accepted_by": ["CFO"], "note": [""]}
    )
    res = reconcile(legacy, engine, keys="k", values="pay", accepted=accepted)
    assert res.reconciled and res.summary()["open"] == 0 and res.match_rate == 0.5


def test_to_dict_is_json_ready(sides):
    payload = run(sides, tiers=TIERS, credits=CREDITS).to_dict()
    text = json.dumps(payload)
    back = json.loads(text)
    assert back["summary"]["rows"] == 11
    assert back["differences"][0]["Payee"] == "R06"  # largest money first (-44.00)
    assert back["differences"][0]["money_diff"] == -44.0
    assert {c["reason"] for c in back["counts"]} >= {"match", "tier_boundary"}


def test_column_roles_by_name_and_override():
    roles = column_roles(["Credited", "Quota", "Attainment %", "Rate", "Commission"])
    assert roles == {
        "Credited": "credited",
        "Quota": "quota",
        "Attainment %": "attainment",
        "Rate": "rate",
        "Commission": "payout",
    }
    assert column_roles(["a", "b"]) == {"a": "other", "b": "payout"}
    assert column_roles(["a"], {"a": "credited"}) == {"a": "credited"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"keys": "nope", "values": "pay"}, r"legacy: no column 'nope'"),
        (
            {"keys": "k", "values": "pay", "mapping": {"pay": "x"}},
            r"engine: no column 'x'",
        ),
        ({"keys": [], "values": "pay"}, r"keys: give at least one column"),
        ({"keys": ["k", "k"], "values": "pay"}, r"listed twice"),
        ({"keys": "k", "values": "pay", "abs_tol": -1}, r"abs_tol: got -1"),
        ({"keys": "k", "values": "pay", "rel_tol": "x"}, r"rel_tol: got 'x'"),
        (
            {"keys": "k", "values": "pay", "roles": {"zz": "rate"}},
            r"'zz' is not a value",
        ),
        (
            {"keys": "k", "values": "pay", "roles": {"pay": "bonus"}},
            r"roles\['pay'\]: got 'bonus'; expected one of 'attainment'",
        ),
        ({"keys": "k", "values": "pay", "totals_by": ["pay"]}, r"totals_by: got"),
    ],
)
def test_argument_errors(kwargs, message):
    frame = pd.DataFrame({"k": ["a"], "pay": [1.0]})
    with pytest.raises(InputError, match=message):
        reconcile(frame, frame, **kwargs)


def test_text_in_a_value_cell_is_an_error():
    legacy = pd.DataFrame({"k": ["a", "b"], "pay": [1.0, "n/a"]}, dtype=object)
    engine = pd.DataFrame({"k": ["a", "b"], "pay": [1.0, 2.0]})
    with pytest.raises(InputError, match=r"legacy.pay: rows 1: found 'n/a'; expected"):
        reconcile(legacy, engine, keys="k", values="pay")


def test_infinite_money_is_an_error():
    legacy = pd.DataFrame({"k": ["a"], "pay": [np.inf]})
    with pytest.raises(InputError, match=r"legacy.pay: rows 0: found inf"):
        reconcile(legacy, legacy, keys="k", values="pay")


def test_bad_accepted_list_is_an_error():
    frame = pd.DataFrame({"k": ["a"], "pay": [1.0]})
    bad = pd.DataFrame(
        {"k": ["a"], "reason": ["typo"], "accepted_by": ["x"], "note": [""]}
    )
    with pytest.raises(InputError, match=r"reason 'typo' is not a reason code"):
        reconcile(frame, frame, keys="k", values="pay", accepted=bad)
    nobody = bad.assign(reason="rate", accepted_by="")
    with pytest.raises(InputError, match=r"row 2 has no accepted_by"):
        reconcile(frame, frame, keys="k", values="pay", accepted=nobody)
    with pytest.raises(InputError, match=r"expected at least one key column"):
        reconcile(frame, frame, keys="k", values="pay", accepted=bad[["reason"]])


def test_rounding_rule_names():
    assert rounding_rule(4.825, 0.0, 482) == "half to even or down (ROUNDDOWN/TRUNC)"
    assert rounding_rule(4.825, 0.0, 483) == "up (ROUNDUP)"  # = Excel ROUND on a tie
    assert rounding_rule(4.8251, 0.0, 480) == ""
    assert rounding_rule(4.845, 0.0, 484) == "half to even or down (ROUNDDOWN/TRUNC)"
    assert rounding_rule(4.835, 0.0, 484) == "half to even or up (ROUNDUP)"
    assert rounding_rule(4.821, 0.0, 483) == "up (ROUNDUP)"
    assert rounding_rule(104.815, 100.0, 481) == "down (ROUNDDOWN/TRUNC)"
    assert rounding_rule(float("nan"), 0.0, 1) == ""


def test_find_transactions_one_two_three():
    cents = np.array([500, 1250, 700, 333, 999], dtype=np.int64)
    assert find_transactions(1250, cents) == [1]
    assert find_transactions(1200, cents) == [0, 2]
    assert find_transactions(1533, cents) == [0, 2, 3]
    assert find_transactions(1, cents) == []
    # the newest credits are searched first: a late triple beats an old pair
    late = np.array([100, 200, 300] + [1] * 60 + [7, 593], dtype=np.int64)
    assert find_transactions(600, late) == [0, 1, 2]


def test_label_bounds():
    assert label_bounds("2026-Q2") == (
        pd.Timestamp("2026-04-01"),
        pd.Timestamp("2026-06-30"),
    )
    assert label_bounds("2026-02")[1] == pd.Timestamp("2026-02-28")
    assert label_bounds("2026")[1] == pd.Timestamp("2026-12-31")
    assert label_bounds("Q5?") is None


def test_kernels_match_their_naive_twins(backend):
    rng = np.random.default_rng(7)
    values = np.round(rng.normal(0, 5000, 5000), 3)
    values[::97] = np.nan
    values[1::89] = 2.675  # a binary value just under the half cent
    values[2::83] = -0.005
    group = rng.integers(0, 300, values.size)
    expected = naive_sum_cents(values, group, 300)
    firsts = []
    for impl in (kernels_nb, kernels_np):  # the twins take the same arguments
        out = np.zeros(300, dtype=np.int64)
        impl.sum_cents(values, group, out)
        assert out.tolist() == expected
        first = np.full(300, np.nan)
        impl.first_value(values, group, first, np.zeros(300, dtype=bool))
        firsts.append(first)
    np.testing.assert_array_equal(firsts[0], firsts[1])


def test_empty_sides_reconcile():
    empty = pd.DataFrame(
        {"k": pd.Series([], dtype=object), "pay": pd.Series([], dtype=float)}
    )
    res = reconcile(empty, empty, keys="k", values="pay")
    assert len(res.rows) == 0 and res.reconciled and res.match_rate == 1.0


def test_reason_codes_agree_with_the_naive_walk(backend):
    rng = np.random.default_rng(11)
    n = 400
    engine = pd.DataFrame(
        [engine_row(f"P{i:03d}", float(rng.integers(1, 2000))) for i in range(n)]
    )
    legacy = engine.rename(columns={v: k for k, v in MAPPING.items()})[
        [*KEYS, *VALUES]
    ].copy()
    pick = rng.integers(0, 6, n)
    legacy.loc[pick == 1, "Credited"] += 10.0
    legacy.loc[pick == 2, "Quota"] += 100.0
    legacy.loc[pick == 3, "Rate"] += 0.01
    legacy.loc[pick == 4, "Payout"] += 0.01
    legacy.loc[pick == 5, "Payout"] += 7.0
    res = reconcile(legacy, engine, keys=KEYS, values=VALUES, mapping=MAPPING)
    for i, row in enumerate(res.rows.itertuples(index=False)):
        leg = {k.lower(): legacy.iloc[i][k] for k in VALUES}
        eng = {k.lower(): engine.iloc[i][MAPPING[k]] for k in VALUES}
        assert row.reason == naive_reason(leg, eng), row


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_result(random):
    rng = np.random.default_rng(random.randint(0, 2**32 - 1))
    n = 60
    engine = pd.DataFrame(
        {"k": [f"K{i}" for i in range(n)], "pay": np.round(rng.uniform(0, 1e4, n), 2)}
    )
    legacy = engine.copy()
    legacy.loc[rng.integers(0, n, 5), "pay"] += 1.0
    legacy = pd.concat([legacy, legacy.iloc[[0]]], ignore_index=True)
    base = reconcile(legacy, engine, keys="k", values="pay").rows
    shuffled = legacy.sample(frac=1.0, random_state=random.randint(0, 999))
    again = reconcile(shuffled, engine.iloc[::-1], keys="k", values="pay").rows
    cols = ["k", "reason", "pay_legacy", "pay_engine", "money_diff"]
    a = base[cols].astype({"k": str}).sort_values("k").reset_index(drop=True)
    b = again[cols].astype({"k": str}).sort_values("k").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_categorical=False)
