import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from naive import naive_payout

from xlspm import tier_rate, tiered_payout


@st.composite
def tables(draw, min_size=1, max_size=8):
    n = draw(st.integers(min_size, max_size))
    steps = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n))
    start = draw(st.integers(-10, 10))
    floors = [(start + s) * 0.05 for s in np.cumsum(steps)]
    rates = draw(
        st.lists(
            st.sampled_from([0.0, 0.01, 0.03, 0.05, 0.1, 0.5, 1.0]),
            min_size=n,
            max_size=n,
        )
    )
    return floors, rates


values = st.lists(
    st.floats(-3.0, 5.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=60
)
modes = st.sampled_from(["retroactive", "marginal", "flat", "linear"])


@settings(max_examples=150, deadline=None)
@given(table=tables(), x=values, mode=modes, data=st.data())
def test_order_independent_and_equal_to_naive(table, x, mode, data):
    floors, rates = table
    perm = data.draw(st.permutations(range(len(x))))
    out = tiered_payout(x, floors, rates, mode=mode, scale=1000.0, round_to=2)
    shuffled = tiered_payout(
        [x[i] for i in perm], floors, rates, mode=mode, scale=1000.0, round_to=2
    )
    assert shuffled.tolist() == [out[i] for i in perm]
    assert out.tolist() == naive_payout(
        x, floors, rates, mode=mode, scale=1000.0, round_to=2
    )


@settings(max_examples=150, deadline=None)
@given(table=tables(), x=values)
def test_marginal_is_monotone_and_continuous(table, x):
    floors, rates = table  # rates are non-negative
    xs = np.sort(np.array(x))
    pay = tiered_payout(xs, floors, rates, mode="marginal", scale=1000.0)
    assert np.all(np.diff(pay) >= -1e-9)
    f = np.array(floors)
    at = tiered_payout(f, floors, rates, mode="marginal", scale=1000.0)
    just_below = tiered_payout(f - 1e-9, floors, rates, mode="marginal", scale=1000.0)
    assert np.allclose(at, just_below, atol=1e-5)


@settings(max_examples=150, deadline=None)
@given(table=tables(min_size=2), x=values)
def test_linear_passes_through_its_points(table, x):
    floors, rates = table
    assert tiered_payout(floors, floors, rates, mode="linear").tolist() == rates
    beyond = tiered_payout(floors[-1] + np.abs(x), floors, rates, mode="linear")
    assert beyond.tolist() == [rates[-1]] * len(x)


@settings(max_examples=150, deadline=None)
@given(table=tables(), x=values)
def test_retroactive_is_base_times_tier_rate(table, x):
    floors, rates = table
    base = np.arange(1, len(x) + 1) * 1000.0
    pay = tiered_payout(x, floors, rates, base=base)
    assert pay.tolist() == (base * tier_rate(x, floors, rates)).tolist()


@settings(max_examples=100, deadline=None)
@given(table=tables(), x=values, cap=st.floats(0, 100), gate=st.floats(-1, 2))
def test_cap_and_gate_bound_the_payout(table, x, cap, gate):
    floors, rates = table
    pay = tiered_payout(
        x, floors, rates, mode="marginal", scale=100.0, cap=cap, gate=gate
    )
    assert np.all(pay <= cap)
    xs = np.array(x)
    assert np.all(pay[xs < gate - 1e-12] == 0.0)
