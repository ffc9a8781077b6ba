from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from naive import naive_payout, naive_snap15, naive_tier, spreadsheet_marginal

from xlspm import (
    InputError,
    RateTable,
    TierTableError,
    tier_rate,
    tiered_payout,
)
from xlspm.numerics.tier_pay import TierOptions, lookup, pay_tiers
from xlspm.numerics.tiers import tier_index

FLOORS = [0.0, 0.5, 0.8, 1.0, 1.2]
RATES = [0.0, 0.02, 0.04, 0.06, 0.08]
BOUNDARY = 119791.96 / 149739.95  # 0.7999999999999999


# Worked examples (the README shows each of these).


def test_retroactive_worked_example(backend):
    # 90% attainment is in the 80-100% tier: the whole $90,000 pays 4%.
    assert tiered_payout(0.9, FLOORS, RATES, base=90000.0, round_to=2) == 3600.0
    # Without base, x * scale is the amount: $90,000 of revenue as x.
    assert tiered_payout(90000.0, [0, 50000, 80000], [0.0, 0.02, 0.04]) == 3600.0


def test_marginal_worked_example(backend):
    # 130% of a $100,000 quota: 0.3*2% + 0.2*4% + 0.2*6% + 0.1*8% of quota.
    pay = tiered_payout(1.3, FLOORS, RATES, mode="marginal", scale=100000.0)
    assert pay == pytest.approx(600 + 800 + 1200 + 800, abs=1e-9)
    assert (
        tiered_payout(1.3, FLOORS, RATES, mode="marginal", scale=1e5, round_to=2)
        == 3400.0
    )


def test_flat_worked_example(backend):
    bonus = [0.0, 500.0, 1000.0, 2000.0, 3000.0]
    assert tiered_payout(1.05, FLOORS, bonus, mode="flat") == 2000.0
    assert (
        tiered_payout(1.05, FLOORS, [0, 0.05, 0.1, 0.2, 0.3], mode="flat", scale=10000)
        == 2000.0
    )


def test_linear_worked_example(backend):
    curve = ([0.5, 1.0, 1.5], [0.0, 1.0, 2.0])
    x = [0.4, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0]
    out = tiered_payout(x, *curve, mode="linear", scale=10000.0)
    assert out.tolist() == [0.0, 0.0, 5000.0, 10000.0, 15000.0, 20000.0, 20000.0]


def test_gate_and_cap_worked_example(backend):
    x = [0.45, 0.5, 1.6]
    base = [45000.0, 50000.0, 160000.0]
    out = tiered_payout(x, FLOORS, RATES, base=base, gate=0.5, cap=10000.0)
    assert out.tolist() == [0.0, 1000.0, 10000.0]


def test_boundary_ratio_lands_on_the_excel_tier(backend):
    assert BOUNDARY == 0.7999999999999999
    assert tier_index(BOUNDARY, FLOORS) == 2
    assert tier_index(BOUNDARY, FLOORS, precision="ieee") == 1
    excel = tiered_payout(BOUNDARY, FLOORS, RATES, base=119791.96, round_to=2)
    ieee = tiered_payout(
        BOUNDARY, FLOORS, RATES, base=119791.96, round_to=2, precision="ieee"
    )
    assert (excel, ieee) == (4791.68, 2395.84)


# Tier-floor edges.


def test_exactly_on_a_floor_is_in_that_tier(backend):
    for precision in ("excel", "ieee"):
        assert tier_index(FLOORS, FLOORS, precision=precision).tolist() == [
            0,
            1,
            2,
            3,
            4,
        ]
        assert tier_rate(FLOORS, FLOORS, RATES, precision=precision).tolist() == RATES


def test_one_ulp_below_a_floor(backend):
    below = np.nextafter(np.array(FLOORS[1:]), -np.inf)
    assert tier_index(below, FLOORS).tolist() == [1, 2, 3, 4]  # same 15 digits
    assert tier_index(below, FLOORS, precision="ieee").tolist() == [0, 1, 2, 3]
    clearly_below = np.array(FLOORS[1:]) - 1e-13
    assert tier_index(clearly_below, FLOORS).tolist() == [0, 1, 2, 3]


def test_thresholds_are_the_smallest_value_excel_puts_in_the_tier():
    floors = np.sort(np.random.default_rng(3).uniform(-5e6, 5e6, 60).round(4))
    table = RateTable.build(floors, np.ones(floors.size))
    for floor, thr in zip(floors, table.thresholds, strict=True):
        assert naive_snap15(thr) >= naive_snap15(floor)
        assert naive_snap15(float(np.nextafter(thr, -np.inf))) < naive_snap15(floor)


def test_below_first_floor_and_negative_x(backend):
    x = [-5000.0, -0.1, 0.0]
    assert tiered_payout(
        x, [0, 1], [0.1, 0.2], base=[100.0, 100.0, 100.0]
    ).tolist() == [0, 0, 10]
    assert tier_index(x, [0, 1]).tolist() == [-1, -1, 0]
    assert tier_rate(x, [0, 1], [0.1, 0.2]).tolist() == [0.0, 0.0, 0.1]
    # A negative first floor pays (claws back) negative amounts at its rate.
    clawback = tiered_payout(x, [-1e12, 0, 1], [0.05, 0.1, 0.2])
    assert clawback.tolist() == [-250.0, pytest.approx(-0.005), 0.0]
    for mode in ("marginal", "flat", "linear"):
        assert tiered_payout(x[:2], [0.0, 1.0], [1.0, 2.0], mode=mode).tolist() == [
            0.0,
            0.0,
        ]


def test_below_error_names_the_first_value(backend):
    with pytest.raises(
        InputError, match=r"x\[1\] = -0\.1 is below the first floor 0\.0 .*2 value\(s\)"
    ):
        tiered_payout([0.5, -0.1, -3.0], [0, 1], [0.1, 0.2], below="error")
    with pytest.raises(
        InputError, match=r"x\[0\] = 0\.4 is below the first floor 0\.5"
    ):
        tier_rate([0.4], [0.5, 1.0], [1.0, 2.0], below="error")
    ok = tiered_payout([0.5, 1.5], [0, 1], [0.1, 0.2], below="error", round_to=2)
    assert ok.tolist() == [0.05, 0.3]


def test_gate_compares_at_fifteen_digits(backend):
    x = 0.49999999999999994  # 0.5 at 15 digits
    assert tiered_payout(x, FLOORS, RATES, base=100.0, gate=0.5) == 2.0  # 0.5 tier
    assert tiered_payout(x, FLOORS, RATES, base=100.0, precision="ieee") == 0.0
    assert tiered_payout(x, [0.0], [0.1], base=100.0, gate=0.5) == 10.0
    assert tiered_payout(x, [0.0], [0.1], base=100.0, gate=0.5, precision="ieee") == 0.0


def test_per_element_parameters(backend):
    x = np.array([0.9, 1.1, 1.3])
    out = tiered_payout(
        x, FLOORS, RATES, mode="marginal", scale=[1e5, 2e5, 1e5], cap=[1e9, 1e9, 1000.0]
    )
    assert out.tolist() == pytest.approx([1000.0, 4000.0, 1000.0])
    gated = tiered_payout(x, FLOORS, RATES, base=[1.0, 1.0, 1.0], gate=[1.0, 1.0, 1.4])
    assert gated.tolist() == [0.0, 0.06, 0.0]


def test_round_to_uses_excel_round(backend):
    # 12,345.30 * 5% = 617.265 in decimal, 617.26499999999998... in binary.
    assert Decimal(12345.30 * 0.05) < Decimal("617.265")
    assert tiered_payout(12345.30, [0.0], [0.05], round_to=2) == 617.27
    assert (
        tiered_payout(12345.30, [0.0], [0.05], round_to=2, precision="ieee") == 617.26
    )


def test_series_in_series_out(backend):
    x = pd.Series([0.9, 1.3], index=["ann", "bob"], name="attainment")
    out = tiered_payout(x, FLOORS, RATES, mode="marginal", scale=1e5, round_to=2)
    assert isinstance(out, pd.Series)
    assert out.to_dict() == {"ann": 1000.0, "bob": 3400.0}


def test_empty_input(backend):
    assert tiered_payout([], FLOORS, RATES).tolist() == []
    assert tier_index([], FLOORS).tolist() == []


# Fast against naive on seeded random data.


def _random_case(seed, n=3000):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 9))
    floors = np.sort(rng.choice(np.arange(-4, 40) * 0.05, k, replace=False))
    rates = rng.choice([0.0, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 1.0, 1.5], k)
    x = rng.integers(-(10**6), 3 * 10**6, n) / rng.integers(5 * 10**5, 2 * 10**6, n)
    on_floor = rng.choice(floors, n // 5)
    x[: n // 5] = on_floor
    x[n // 5 : n // 5 * 2] = np.nextafter(
        on_floor, rng.choice([-np.inf, np.inf], n // 5)
    )
    rng.shuffle(x)
    scale = rng.integers(1, 10**7, n) / 100.0
    return x, floors, rates, scale, rng


@pytest.mark.parametrize("mode", ["retroactive", "marginal", "flat", "linear"])
@pytest.mark.parametrize("precision", ["excel", "ieee"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_matches_naive(backend, mode, precision, seed):
    x, floors, rates, scale, rng = _random_case(seed)
    kwargs = dict(mode=mode, precision=precision)
    if seed == 2:
        kwargs.update(gate=float(floors[0]) + 0.1, cap=rng.uniform(0, 5e4, x.size))
    if seed == 3:
        kwargs.update(round_to=2)
    if mode == "retroactive" and seed == 3:
        kwargs["base"] = scale
    else:
        kwargs["scale"] = scale
    fast = tiered_payout(x, floors, rates, **kwargs)
    naive = naive_payout(list(x), list(floors), list(rates), **kwargs)
    assert fast.tolist() == naive
    assert tier_index(x, floors, precision=precision).tolist() == [
        naive_tier(v, floors, precision) for v in x
    ]


@pytest.mark.parametrize("mode", ["retroactive", "marginal", "flat", "linear"])
@pytest.mark.parametrize("precision", ["excel", "ieee"])
def test_one_unchecked_call_gives_tier_rate_and_payout(backend, mode, precision):
    """The engine's call: index, rate and payout from one kernel call, as naive."""
    x, floors, rates, scale, rng = _random_case(4)
    table = RateTable.build(floors, rates, precision)
    terms = {"scale": scale}
    if mode == "retroactive":
        terms["base"] = rng.uniform(0, 1e5, x.size)
    options = TierOptions(mode=mode, **terms)
    paid = pay_tiers(x, table, options, detail=True)
    tiers = [naive_tier(v, floors, precision) for v in x]
    assert paid.tier.tolist() == tiers
    assert paid.rate.tolist() == [rates[t] if t >= 0 else 0.0 for t in tiers]
    assert paid.below == sum(t < 0 for t in tiers)
    naive = naive_payout(
        list(x),
        list(floors),
        list(rates),
        mode=mode,
        precision=precision,
        **{k: list(v) for k, v in terms.items()},
    )
    assert paid.payout.tolist() == naive
    assert pay_tiers(x, table, options).payout.tolist() == naive  # without detail
    index, rate = lookup(x, table)
    assert index.tolist() == tiers
    assert rate.tolist() == paid.rate.tolist()


def test_marginal_equals_the_spreadsheet_sumproduct(backend):
    x, floors, rates, scale, _ = _random_case(11, n=2000)
    ours = tiered_payout(
        x, floors, rates, mode="marginal", scale=scale, precision="ieee", round_to=2
    )
    sheet = [
        spreadsheet_marginal(v, floors, rates, q) for v, q in zip(x, scale, strict=True)
    ]
    from naive import naive_ieee_round

    assert ours.tolist() == [naive_ieee_round(v, 2) for v in sheet]


# Errors: every one names the place and the fix.


@pytest.mark.parametrize(
    ("floors", "rates", "match"),
    [
        ([], [], r"the rate table is empty"),
        ([0, 1, 2], [0.1, 0.2], r"floors has 3 values but rates has 2"),
        ([0, 1, 1, 2], [0.1] * 4, r"floors\[2\] = 1\.0 duplicates floors\[1\] = 1\.0"),
        (
            [0, 2, 1],
            [0.1] * 3,
            r"floors\[2\] = 1\.0 is below floors\[1\] = 2\.0.*Sort the table",
        ),
        (
            [0, np.nan],
            [0.1, 0.2],
            r"floors\[1\]: got nan; every floor must be a finite number",
        ),
        (
            [0, 1],
            [0.1, np.inf],
            r"rates\[1\]: got inf; every rate must be a finite number",
        ),
        (
            [0, 0.8, 0.8000000000000002],
            [0.1] * 3,
            r"floors\[2\] .* at 15 significant digits",
        ),
        ([[0, 1], [2, 3]], [0.1] * 4, r"floors: got an array of shape \(2, 2\)"),
        (["0", "x"], [0.1, 0.2], r"floors\[0\]: got '0' \(str\); expected a number"),
    ],
)
def test_bad_tables(floors, rates, match):
    with pytest.raises(TierTableError, match=match):
        tiered_payout(1.0, floors, rates)


def test_duplicates_at_fifteen_digits_are_fine_in_ieee():
    floors, x = [0, 0.8, 0.8000000000000002], 0.8
    assert tier_index(x, floors, precision="ieee") == 1
    assert tiered_payout(x, floors, [0.1, 0.2, 0.3], precision="ieee") == x * 0.2


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(x=[1.0, np.nan]), r"x\[1\]: got nan \(1 such value\(s\)\).*fill blanks"),
        (dict(x=[np.inf]), r"x\[0\]: got inf"),
        (
            dict(mode="tiered"),
            r"mode: got 'tiered'; expected one of 'retroactive', 'marginal'",
        ),
        (dict(precision="exact"), r"precision: got 'exact'"),
        (dict(below="na"), r"below: got 'na'; expected one of 'zero', 'error'"),
        (
            dict(mode="marginal", base=5.0),
            r"base: only the 'retroactive' mode pays a base",
        ),
        (dict(base=5.0, scale=2.0), r"base and scale were both given"),
        (dict(scale=[1.0, 2.0, 3.0]), r"scale: got 3 values but x has 2"),
        (dict(cap=[1.0, np.nan]), r"cap\[1\]: got nan"),
        (dict(gate="high"), r"gate: got text 'high'"),
        (
            dict(round_to=2.5),
            r"round_to: got 2\.5; expected a whole number from -15 to 15",
        ),
    ],
)
def test_bad_arguments(kwargs, match):
    args = dict(x=[0.9, 1.1], floors=FLOORS, rates=RATES) | kwargs
    with pytest.raises(InputError, match=match):
        tiered_payout(args.pop("x"), args.pop("floors"), args.pop("rates"), **args)


def test_ragged_input_is_rejected():
    with pytest.raises(InputError, match=r"x: got rows of different lengths"):
        tiered_payout([[0.1, 0.2], [0.3]], FLOORS, RATES)


def test_non_finite_values_are_found_in_large_arrays(backend):
    x = np.full(50_000, 0.9)
    x[31_337] = np.nan
    with pytest.raises(InputError, match=r"x\[31337\]: got nan \(1 such value\(s\)\)"):
        tiered_payout(x, FLOORS, RATES)
    scale = np.ones(50_000)
    scale[[7, 8]] = np.inf
    with pytest.raises(InputError, match=r"scale\[7\]: got inf \(2 such value\(s\)\)"):
        tiered_payout(np.full(50_000, 0.9), FLOORS, RATES, scale=scale)
