from xlspm.datasets.examples import rounding_examples, tier_examples


def test_tier_examples_are_pinned(backend):
    frame = tier_examples()
    got = dict(
        zip(
            frame["example"],
            zip(frame["tier"], frame["payout"], strict=True),
            strict=True,
        )
    )
    assert got == {
        "90% attainment on $90,000 revenue": (2, 3600.0),
        "130% attainment, quota $100,000": (4, 3400.0),
        "105% attainment step bonus": (3, 2000.0),
        "125% on a $10,000 target bonus curve": (1, 15000.0),
        "45% attainment, gate at 50%": (0, 0.0),
        "160% attainment, cap $10,000": (4, 10000.0),
        "119,791.96 / 149,739.95 (Excel sees 0.8)": (2, 4791.68),
        "same deal with plain IEEE comparison": (1, 2395.84),
    }


def test_rounding_examples_are_pinned(backend):
    frame = rounding_examples()
    assert frame["excel_round"].tolist() == [2.68, 3365.67, -3.0, 1.01]
    assert frame["ieee_round"].tolist() == [2.67, 3365.66, -3.0, 1.0]
