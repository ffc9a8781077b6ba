import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_excel_round, naive_ieee_round, naive_snap15

from xlspm import InputError, excel_round
from xlspm.numerics.rounding import ieee_round, round_half_away, snap15


def test_issue_examples(backend):
    assert excel_round(2.675, 2) == 2.68
    assert excel_round(3365.6649999999995, 2) == 3365.67
    assert excel_round(-2.5, 0) == -3.0


def test_python_and_numpy_round_differ_from_excel():
    # The reason this module exists: the built-ins give other cents.
    assert round(2.675, 2) == 2.67
    assert np.round(3365.6649999999995, 2) == 3365.66
    assert np.round(2.5) == 2.0


def test_snap_puts_the_boundary_ratio_on_the_floor(backend):
    ratio = 119791.96 / 149739.95
    assert ratio == 0.7999999999999999
    assert snap15(ratio) == 0.8
    assert snap15(0.1 + 0.2) == 0.3


@pytest.mark.parametrize(
    ("value", "digits", "excel", "ieee"),
    [
        (2.675, 2, 2.68, 2.67),
        (1.005, 2, 1.01, 1.0),
        (-1.005, 2, -1.01, -1.0),
        (0.5, 0, 1.0, 1.0),
        (-0.5, 0, -1.0, -1.0),
        (1.5, 0, 2.0, 2.0),
        (1234.5, -2, 1200.0, 1200.0),
        (-1250.0, -2, -1300.0, -1300.0),
        (0.0049, 2, 0.0, 0.0),
        (-0.0049, 2, 0.0, 0.0),
        (123456789.125, 2, 123456789.13, 123456789.13),
        (1e-300, 2, 0.0, 0.0),
    ],
)
def test_rounding_table(backend, value, digits, excel, ieee):
    assert excel_round(value, digits) == excel
    assert ieee_round(value, digits) == ieee
    assert round_half_away(value, digits, precision="excel") == excel
    assert round_half_away(value, digits, precision="ieee") == ieee


def test_rounded_zero_is_positive_zero(backend):
    assert math.copysign(1.0, excel_round(-0.001, 2)) == 1.0
    assert math.copysign(1.0, ieee_round(-0.001, 2)) == 1.0


def test_digits_beyond_fifteen_give_the_fifteen_digit_value(backend):
    x = 123456789012.3456
    assert excel_round(x, 4) == 123456789012.346
    assert excel_round(x, 20) == snap15(x)


def test_special_values_pass_through(backend):
    out = excel_round(np.array([np.nan, np.inf, -np.inf, 0.0, 1e300]), 2)
    assert np.isnan(out[0])
    assert out[1:].tolist() == [np.inf, -np.inf, 0.0, 1e300]
    assert np.isnan(snap15(np.nan))
    assert snap15(1e-300) == 1e-300


def _money(rng, n):
    cents = rng.integers(-(10**9), 10**9, n) / 100.0
    rates = rng.choice([0.01, 0.025, 0.035, 0.05, 0.075, 0.1, 0.125, 1 / 3], n)
    return cents * rates


def _wide(rng, n):
    return rng.standard_normal(n) * 10.0 ** rng.integers(-12, 18, n)


def _half_ties(rng, n):
    return (rng.integers(-(10**6), 10**6, n) + 0.5) / 10.0 ** rng.integers(0, 6, n)


@pytest.mark.parametrize("make", [_money, _wide, _half_ties])
@pytest.mark.parametrize("digits", [0, 2, 4, -2])
def test_fast_matches_naive_on_random_data(backend, make, digits):
    x = make(np.random.default_rng(20261122 + digits), 4000)
    assert excel_round(x, digits).tolist() == [naive_excel_round(v, digits) for v in x]
    assert ieee_round(x, digits).tolist() == [naive_ieee_round(v, digits) for v in x]


@pytest.mark.parametrize("make", [_money, _wide, _half_ties])
def test_snap_matches_string_formatting(backend, make):
    x = make(np.random.default_rng(7), 4000)
    assert snap15(x).tolist() == [naive_snap15(v) for v in x]


def test_snap_at_powers_of_ten_and_ulp_neighbours(backend):
    powers = 10.0 ** np.arange(-12, 16)
    x = np.concatenate(
        [powers, np.nextafter(powers, 0), np.nextafter(powers, np.inf), -powers]
    )
    assert snap15(x).tolist() == [naive_snap15(v) for v in x]
    assert excel_round(x, 3).tolist() == [naive_excel_round(v, 3) for v in x]


def test_shapes_and_types_are_kept(backend):
    assert isinstance(excel_round(2.675, 2), float)
    grid = excel_round(np.array([[2.675, 1.005], [0.5, -0.5]]), 2)
    assert grid.shape == (2, 2)
    assert grid.tolist() == [[2.68, 1.01], [0.5, -0.5]]
    series = excel_round(pd.Series([2.675, 1.005], index=["a", "b"], name="pay"), 2)
    assert isinstance(series, pd.Series)
    assert series.to_dict() == {"a": 2.68, "b": 1.01}
    assert series.name == "pay"
    assert excel_round([2.675], 2.0).tolist() == [2.68]
    assert excel_round([], 2).tolist() == []


finite = st.floats(
    min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False
)


@settings(max_examples=300, deadline=None)
@given(x=finite, digits=st.integers(-6, 10))
def test_excel_round_invariants(x, digits):
    r = excel_round(x, digits)
    assert r == naive_excel_round(x, digits)
    assert excel_round(-x, digits) == -r or r == 0.0
    assert excel_round(r, digits) == r  # idempotent
    assert abs(r - snap15(x)) <= 0.5 * 10.0**-digits * (1 + 1e-12) + abs(x) * 1e-15


@settings(max_examples=300, deadline=None)
@given(x=finite)
def test_snap_invariants(x):
    s = snap15(x)
    assert s == naive_snap15(x)
    assert snap15(s) == s


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: excel_round(1.0, 2.5), r"digits: got 2\.5; expected a whole number"),
        (lambda: excel_round(1.0, True), r"digits: got True"),
        (lambda: excel_round(1.0, 301), r"digits: got 301; .* from -300 to 300"),
        (lambda: excel_round("2.675", 2), r"x: got text '2\.675'; expected a number"),
        (
            lambda: excel_round([1.0, "a"], 2),
            r"x\[1\]: got 'a' \(str\); expected a number",
        ),
        (lambda: excel_round([1.0, None], 2), r"x\[1\]: got None \(NoneType\)"),
        (lambda: ieee_round(1.0, "2"), r"digits: got '2'"),
        (lambda: snap15({"a": 1}), r"x: got \{'a': 1\} \(dict\); expected a number"),
        (
            lambda: round_half_away(1.0, 2, precision="decimal"),
            r"precision: got 'decimal'; expected one of 'excel', 'ieee'",
        ),
    ],
)
def test_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()


def test_snap_is_exact_over_the_whole_domain(backend):
    rng = np.random.default_rng(11)
    x = rng.standard_normal(20000) * 10.0 ** rng.integers(-279, 289, 20000)
    x[:3] = [5.517132536800415e-83, 5e-10, -1.5e-9]  # near-ties found by Hypothesis
    assert snap15(x).tolist() == [naive_snap15(v) for v in x]
    assert excel_round(x, 3).tolist() == [naive_excel_round(v, 3) for v in x]


def test_as_number():
    from xlspm.numerics.checks import as_number

    assert as_number(3, "tol", low=0.0) == 3.0
    assert as_number(0.0, "tol", low=0.0) == 0.0
    for bad, rule in ((-1, "a number >= 0"), (float("nan"), "a number >= 0")):
        with pytest.raises(InputError, match=rf"tol: got .*; expected {rule}\."):
            as_number(bad, "tol", low=0.0)
    for bad in (True, "0.01", None):
        with pytest.raises(InputError, match=r"x: got .*; expected a number\."):
            as_number(bad, "x")
