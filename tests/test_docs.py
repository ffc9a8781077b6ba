"""The README's and docstrings' examples run and give the printed results."""

import doctest
from pathlib import Path

import pytest

import xlspm.numerics.rounding
import xlspm.numerics.tiers

ROOT = Path(__file__).resolve().parents[1]


def test_readme_examples():
    lines = (ROOT / "README.md").read_text().splitlines()
    text = "\n".join("" if line.startswith("```") else line for line in lines)
    test = doctest.DocTestParser().get_doctest(text, {}, "README.md", None, 0)
    runner = doctest.DocTestRunner()
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 3
    assert result.failed == 0


@pytest.mark.parametrize("module", [xlspm.numerics.rounding, xlspm.numerics.tiers])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted >= 1
    assert result.failed == 0


def test_readme_demo_output_is_current(capsys):
    from xlspm.cli.main import main

    main(["examples"])
    printed = capsys.readouterr().out.strip().splitlines()
    readme = (ROOT / "README.md").read_text()
    for line in printed[1:]:  # the title names the backend in use
        assert line.rstrip() in readme


def test_readme_error_messages_are_real():
    from xlspm import TierTableError, tiered_payout

    readme = (ROOT / "README.md").read_text()
    with pytest.raises(TierTableError) as info:
        tiered_payout(1.0, [0, 1, 1, 2], [0.1] * 4)
    assert f"TierTableError: {info.value}" in readme
