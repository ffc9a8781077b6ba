"""Every bad plan input gets a message that names the row and the fix."""

import pandas as pd
import pytest

import xlspm
from xlspm import PlanInputError
from xlspm.datasets.sample import small_company


def run(strict=False, **changes):
    inp = small_company()
    for name, change in changes.items():
        inp[name] = change(inp[name].copy())
    return xlspm.calculate(**inp, strict=strict)


def _set(column, row, value):
    def change(frame):
        if column not in frame:
            frame[column] = None
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
        return frame

    return change


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        (
            {"assignments": _set("payee_id", 2, "R9")},
            r"assignments.payee_id: row 2 names 'R9', who is not in payees",
        ),
        (
            {"transactions": _set("txn_id", 3, "T01")},
            r"transactions.txn_id: rows 0, 3 \(T01, T01\) repeat an id",
        ),
        (
            {"payees": _set("manager_id", 0, "R1")},
            r"hierarchy: managers form a cycle M1 -> R1 -> M1|cycle R1 -> M1 -> R1",
        ),
        (
            {"payees": _set("manager_id", 2, "BOSS")},
            r"payees.manager_id: row 2 \(R1\) names manager 'BOSS', who is not in",
        ),
        (
            {"payees": _set("plan_id", 2, "XX")},
            r"'R1' is on plan 'XX', which is not in plans",
        ),
        (
            {"quotas": lambda q: q.iloc[1:]},
            r"'Bookings' of plan 'AE' has no positive quota for R1 2026-Q1",
        ),
        (
            {"quotas": _set("period", 0, "2026-13")},
            r"quotas: row 0 has period '2026-13'; component 'Bookings' is paid per q",
        ),
        (
            {"quotas": _set("payee_id", 0, "ZZ")},
            r"quotas: row 0 \(ZZ\) name payees who",
        ),
        (
            {"quotas": lambda q: pd.concat([q, q.iloc[:1]])},
            r"quotas: rows 0, 0 repeat a quota for the same payee",
        ),
        (
            {"assignments": _set("split_pct", 0, 150)},
            r"assignments.split_pct: row 0 holds 150; expected a percentage above 0",
        ),
        (
            {"assignments": _set("credit_type", 0, "team")},
            r"assignments.credit_type: row 0 holds 'team'; expected direct or overlay",
        ),
        (
            {"plans": _set("rate_table", 0, "nope")},
            r"plans: row 0 uses rate table 'nope', which is not in rate_tables",
        ),
        ({"plans": _set("mode", 0, "tiered")}, r"plans.mode: row 0 holds 'tiered'"),
        ({"plans": _set("period", 0, "week")}, r"plans.period: row 0 holds 'week'"),
        (
            {"plans": _set("credit_types", 0, "direct,team")},
            r"plans.credit_types: row 0 holds 'team'",
        ),
        (
            {"rate_tables": _set("floor", 1, 0.0)},
            r"rate_tables rows 0, 1, 2: table 'AE rates': floors\[1\] = 0.0 dup",
        ),
        (
            {"payees": _set("end_date", 2, "2024-01-01")},
            r"payees: row 2 \(R1\) ends before",
        ),
        (
            {"payees": _set("start_date", 2, "someday")},
            r"payees.start_date: row 2 holds 'someday'; expected a date",
        ),
        (
            {"transactions": lambda t: t.drop(columns="amount")},
            r"transactions: missing column\(s\) amount; found txn_id, date",
        ),
        (
            {"assignments": lambda a: a.assign(notes="x", colour="red")},
            r"assignments.colour: not a transaction column",
        ),
        (
            {"plans": _set("round_to", 0, 400)},
            r"plans.round_to: row 0 holds 400; expected a whole number from -300 to",
        ),
        (
            {"quotas": _set("quota", 0, 1e-310)},
            r"component 'Bookings' of plan 'AE': credited / quota is not a finite "
            r"number for R1 2026-Q1",
        ),
    ],
)
def test_bad_inputs(changes, match):
    with pytest.raises(PlanInputError, match=match):
        run(**changes)


def test_same_payee_overlapping_dates():
    def overlap(a):
        a.loc[4, "payee_id"] = "R5"
        a.loc[4, "valid_to"] = "2026-03-01"
        return a

    with pytest.raises(
        PlanInputError,
        match=r"assignments: rows 4, 5 give the same match values "
        r"to the same payee with overlapping dates",
    ):
        run(assignments=overlap)


def test_all_problems_are_reported_at_once():
    with pytest.raises(PlanInputError) as info:
        run(plans=_set("mode", 0, "tiered"), payees=_set("plan_id", 2, "XX"))
    assert len(info.value.problems) == 2
    assert str(info.value).startswith("2 problem(s) in the plan inputs:")


def test_bad_transactions_are_rejected_with_reasons():
    def damage(t):
        t["date"] = t["date"].astype(object)
        t.loc[1, "date"] = None
        t["amount"] = t["amount"].astype(object)
        t.loc[2, "amount"] = "n/a"
        return t

    res = run(transactions=damage)
    assert res.rejected[["row", "reason"]].values.tolist() == [
        [1, "missing or invalid date"],
        [2, "missing or invalid amount"],
    ]
    assert len(res.warnings) == 2
    with pytest.raises(
        PlanInputError,
        match=r"transactions.amount: row 2 holds 'n/a'; "
        r"expected a number. These rows are rejected.",
    ):
        run(strict=True, transactions=damage)


def test_splits_not_summing_to_100_warn_or_stop():
    res = run(assignments=_set("split_pct", 2, 70))
    warning = res.warnings[0]
    assert str(warning).startswith("transactions row 2 (T03): direct splits sum to")
    assert "direct splits sum to 110%, not 100%" in str(warning)
    assert (warning.table, warning.rows, warning.keys) == (
        "transactions",
        (2,),
        ("T03",),
    )
    assert warning.severity == "warning"
    with pytest.raises(PlanInputError, match=r"direct splits sum to 110%"):
        run(strict=True, assignments=_set("split_pct", 2, 70))


def test_inputs_must_be_dataframes():
    inp = small_company()
    inp["payees"] = inp["payees"].to_dict()
    with pytest.raises(xlspm.InputError, match=r"payees: got dict; expected a pandas"):
        xlspm.calculate(**inp)


def test_kicker_must_name_a_sibling():
    def kick(p):
        p["kicker_component"] = ["Nope", None]
        p["kicker_table"] = ["AE rates", None]
        return p

    with pytest.raises(
        PlanInputError,
        match=r"takes its kicker from 'Nope', which is "
        r"not another component of plan 'AE'",
    ):
        run(plans=kick)


def test_kickers_must_not_loop_or_mix_periods():
    inp = small_company()
    plans = pd.concat([inp["plans"], inp["plans"].iloc[:1].assign(component="Extra")])
    plans = plans.reset_index(drop=True)
    plans["kicker_component"] = ["Extra", None, "Bookings"]
    plans["kicker_table"] = ["AE rates", None, "AE rates"]
    with pytest.raises(
        PlanInputError, match=r"plans: rows 0, 2 take their kickers from each"
    ):
        xlspm.calculate(**{**inp, "plans": plans})
    plans["kicker_component"] = ["Extra", None, None]
    plans["kicker_table"] = ["AE rates", None, None]
    plans.loc[2, "period"] = "month"
    with pytest.raises(
        PlanInputError, match=r"paid per month; both must have the same"
    ):
        xlspm.calculate(**{**inp, "plans": plans})


def test_bad_rows_error_mode():
    def damage(t):
        t["amount"] = t["amount"].astype(object)
        t.loc[2, "amount"] = "n/a"
        return t

    with pytest.raises(
        PlanInputError,
        match=r"transactions.amount: row 2 holds 'n/a'; "
        r"expected a number\.$",
    ):
        inp = small_company()
        inp["transactions"] = damage(inp["transactions"].copy())
        xlspm.calculate(**inp, bad_rows="error")
    with pytest.raises(
        xlspm.InputError, match=r"bad_rows: got 'skip'; expected one of"
    ):
        xlspm.calculate(**small_company(), bad_rows="skip")


def test_a_blank_amount_reads_as_a_blank_not_a_numpy_repr():
    def change(frame):
        frame["amount"] = frame["amount"].astype(object)
        frame.loc[2, "amount"] = float("nan")
        frame.loc[3, "amount"] = "n/a"
        return frame

    res = run(transactions=change)
    assert [str(w) for w in res.warnings] == [
        "transactions.amount: rows 2, 3 hold a blank, 'n/a'; expected a number. "
        "These rows are rejected."
    ]
    assert list(res.rejected["txn_id"]) == ["T03", "T04"]
