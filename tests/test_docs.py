"""The README and the docs are true of the code.

Every ``>>>`` example runs and prints what the page shows; every ``$ xlspm``
command shown with its output runs and prints those lines; the API reference
lists exactly ``xlspm.__all__``; the benchmark page is the rendering of
``docs/benchmarks/results.json``; the README stays short and its links resolve.
"""

import doctest
import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest

import xlspm
import xlspm.numerics.rounding
import xlspm.numerics.tiers

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
PAGES = [README, *sorted(DOCS.glob("*.md"))]

# Pages whose examples carry their story: each must keep at least this many.
MIN_EXAMPLES = {
    "README.md": 6,
    "engine.md": 8,
    "numerics.md": 8,
    "reconciliation.md": 3,
}


def _name(page: Path) -> str:
    return page.name


def _doctest(page: Path):
    lines = page.read_text().splitlines()
    text = "\n".join("" if line.startswith("```") else line for line in lines)
    test = doctest.DocTestParser().get_doctest(text, {}, page.name, str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    return runner.summarize(verbose=False)


@pytest.mark.parametrize(
    "page", [p for p in PAGES if ">>> " in p.read_text()], ids=_name
)
def test_page_examples_run(page, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples open workbooks/... as in a checkout
    result = _doctest(page)
    assert result.attempted >= MIN_EXAMPLES.get(page.name, 1)
    assert result.failed == 0


def test_pages_with_examples_keep_them():
    for name in MIN_EXAMPLES:
        page = README if name == "README.md" else DOCS / name
        assert page.read_text().count(">>> ") >= MIN_EXAMPLES[name], name


@pytest.mark.parametrize("module", [xlspm.numerics.rounding, xlspm.numerics.tiers])
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted >= 1
    assert result.failed == 0


def _transcripts():
    """Yield the steps of each console block that shows output.

    A step is a ``$`` command (a trailing backslash continues it) and the
    lines shown after it; ``...`` stands for lines left out.
    """
    for page in PAGES:
        blocks = re.findall(r"```console\n(.*?)```", page.read_text(), re.S)
        for number, block in enumerate(blocks, 1):
            steps = []
            lines = iter(block.splitlines())
            for line in lines:
                if line.startswith("$ "):
                    command = line[2:]
                    while command.endswith("\\"):
                        command = command[:-1] + " " + next(lines).strip()
                    steps.append((command, []))
                elif steps:
                    steps[-1][1].append(line.rstrip())
            if any(out for _, out in steps):
                yield pytest.param(steps, id=f"{page.name}-{number}")


def _broken_workbook(path: Path) -> None:
    """Write the demo workbook with text in an amount cell and a bad date."""
    import openpyxl

    wb = openpyxl.load_workbook(ROOT / "workbooks" / "demo_comp_plan.xlsx")
    wb["Transactions"]["C5"] = "n/a"
    wb["Transactions"]["B7"] = "2026-13-45"
    wb.save(path)


def _run(command: str, capsys) -> tuple[int, list[str]]:
    from xlspm.cli.main import main

    argv = shlex.split(command, comments=True)
    code = main(argv[1:])
    printed = capsys.readouterr()
    return code, [line.rstrip() for line in (printed.out + printed.err).splitlines()]


def _in_order(shown: list[str], printed: list[str]) -> list[str]:
    """Return the shown lines missing from ``printed`` (in order)."""
    rest = iter(printed)
    return [
        line
        for line in shown
        if line.strip() not in ("", "...") and not any(line == p for p in rest)
    ]


@pytest.mark.parametrize("steps", list(_transcripts()))
def test_shown_commands_print_what_the_docs_show(steps, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "workbooks").symlink_to(ROOT / "workbooks")
    if any("broken.xlsx" in command for command, _ in steps):
        _broken_workbook(tmp_path / "broken.xlsx")
    code = None
    for command, shown in steps:
        if command.strip() == "echo $?":
            assert shown == [str(code)], f"exit code of the previous command: {code}"
            continue
        assert command.startswith("xlspm "), (
            f"{command!r}: only xlspm commands can be checked; show no output "
            "for it, or run it as an xlspm command"
        )
        code, printed = _run(command, capsys)
        missing = _in_order(shown, printed)
        assert not missing, f"$ {command}\nnot printed (in order):\n" + "\n".join(
            missing
        )


def test_examples_output_is_in_the_engine_guide(capsys):
    from xlspm.cli.main import main

    main(["examples"])
    printed = capsys.readouterr().out.strip().splitlines()
    page = (DOCS / "engine.md").read_text()
    for line in printed[1:]:  # the title names the backend in use
        assert line.rstrip() in page


def test_cli_reference_shows_every_command_with_its_usage(capsys):
    from xlspm.cli.main import main

    main(["--help"])
    commands = re.findall(r"^    ([a-z][a-z-]+)(?:\s|$)", capsys.readouterr().out, re.M)
    assert {"calc", "reconcile", "parallel-run"} <= set(commands)
    page = (DOCS / "cli.md").read_text()
    flat = " ".join(page.split())
    for command in commands:
        assert main([command, "--help"]) == 0
        usage = capsys.readouterr().out.split("\n\n")[0].removeprefix("usage: ")
        assert f"## {command}\n" in page
        assert " ".join(usage.split()) in flat, f"usage of {command}"


def test_numerics_error_messages_are_real():
    from xlspm import TierTableError, tiered_payout

    page = (DOCS / "numerics.md").read_text()
    with pytest.raises(TierTableError) as info:
        tiered_payout(1.0, [0, 1, 1, 2], [0.1] * 4)
    assert f"TierTableError: {info.value}" in page


def test_readme_is_a_short_front_door():
    lines = README.read_text().splitlines()
    assert len(lines) < 250


def test_readme_and_docs_links_resolve():
    for page in PAGES:
        text = page.read_text()
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_api_reference_lists_exactly_the_public_api():
    page = (DOCS / "api.md").read_text()
    listed = re.findall(r"^::: xlspm\.(\S+)$", page, re.M)
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(xlspm.__all__)


def test_architecture_page_names_every_subpackage():
    page = (DOCS / "architecture.md").read_text()
    tree = re.search(r"```text\nxlspm/\n(.*?)```", page, re.S).group(1)
    shown = set(re.findall(r"^\s+(\w+)/", tree, re.M))
    actual = {p.parent.name for p in (ROOT / "xlspm").glob("*/__init__.py")}
    assert shown == actual


def test_benchmark_page_is_rendered_from_results_json():
    spec = importlib.util.spec_from_file_location(
        "bench_report", ROOT / "benchmarks" / "_report.py"
    )
    report = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(report)
    saved = json.loads((DOCS / "benchmarks" / "results.json").read_text())
    runs = saved.pop("runs")
    charts = {
        run["name"]: f"benchmarks/{run['name']}.png"
        for run in runs
        if (DOCS / "benchmarks" / f"{run['name']}.png").is_file()
    }
    assert len(charts) >= 5
    expected = report.page(saved, runs, "benchmarks", charts)
    assert (DOCS / "benchmarks.md").read_text() == expected, (
        "docs/benchmarks.md differs from results.json: run "
        "`python benchmarks/run_all.py --report-only` (make docs does)"
    )


def test_docs_build_is_wired_into_make_test():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: .*\bdocs\b", makefile, re.M)
    docs = re.search(r"^docs: .*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "run_all.py --report-only" in docs
    assert "mkdocs build --strict" in docs
