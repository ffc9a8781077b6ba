"""``xlspm demo`` and ``xlspm examples``: the product on its sample data."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .common import EXIT_OK, add_output_flags, print_json, status

__all__ = ["add_commands"]


def _cmd_examples(args: argparse.Namespace) -> int:
    from .. import __version__
    from ..datasets import examples
    from ..kernels.dispatch import get_backend
    from ..present.text import frame_to_text

    tiers = examples.tier_examples()
    rounding = examples.rounding_examples()
    plan, story = examples.plan_example()
    if args.json:
        print_json(
            {
                "tiers": tiers.to_dict(orient="records"),
                "rounding": rounding.to_dict(orient="records"),
                "plan": plan.to_dict(orient="records"),
                "explain": story,
            }
        )
        return EXIT_OK
    title = f"xlspm {__version__} tier engine ({get_backend()} backend)"
    print(frame_to_text(tiers, title, money=("payout",)))
    print()
    print(frame_to_text(rounding, "Excel ROUND vs IEEE rounding"))
    print()
    money = ("credited_ytd", "quota_ytd", "earned", "previously_paid", "payout_due")
    shown = plan.assign(attainment=plan["attainment"].map("{:.2%}".format))
    print(frame_to_text(shown, "Plan engine: the worked example company", money=money))
    print()
    print(story)
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from datetime import datetime

    from ..datasets.examples import demo_parallel_run
    from ..datasets.workbooks import sample_workbook
    from ..engine.workbook import calculate_workbook
    from ..io.plan_workbook import read_workbook
    from ..present.results_workbook import summary_table, write_report

    out = Path(args.out or f"xlspm-demo-{datetime.now():%Y%m%d-%H%M%S}")
    if out.exists():
        raise InputError(f"{out}: already exists; the demo writes into a new folder.")
    workbook = sample_workbook("demo_comp_plan.xlsx")
    out.mkdir(parents=True)
    with status(args, f"Reading {workbook}"):
        book = read_workbook(workbook)
    with status(args, "Calculating"):
        res = calculate_workbook(book)
    with status(args, "Writing results.xlsx"):
        write_report(res, out / "results.xlsx", source=workbook)
    with status(args, "Reconciling the legacy workbooks"):
        run = demo_parallel_run(res, workbook, out)
    summary = summary_table(res.results)
    if args.json:
        print_json(
            {
                "workbook": str(workbook),
                "output": str(out),
                "summary": summary.to_dict(orient="records"),
                "parallel_run": run.to_dict(),
            }
        )
        return EXIT_OK
    _print_demo(book, workbook, out, summary, run)
    return EXIT_OK


def _print_demo(book, workbook, out, summary, run) -> None:
    from ..present.parallel_report import parallel_text
    from ..present.text import frame_to_text

    n_txn, n_payees = len(book.tables["transactions"]), len(book.tables["payees"])
    title = f"Demo: {workbook.name} ({n_txn:,} transactions, {n_payees} payees)"
    print(frame_to_text(summary, title, money=("credited", "payout_due")))
    print(
        f"\nOutputs in {out}/: results.xlsx (Summary, Results, Statements, "
        "Credits, Trace, Issues)"
    )
    print()
    print(parallel_text(run))
    print(f"Report: {out}/parallel_run.xlsx (Summary, Trend, Differences, To accept)")
    print("More: xlspm examples, xlspm validate, xlspm calc, xlspm reconcile")


def add_commands(sub) -> None:
    """Add ``demo`` and ``examples`` to the ``xlspm`` subparsers."""
    demo = sub.add_parser(
        "demo",
        help="run the sample comp-plan workbook end to end",
        description="Calculate the sample comp-plan workbook shipped with xlspm "
        "(demo_comp_plan.xlsx), print control totals, write "
        "results.xlsx into a new folder and reconcile the two legacy workbooks "
        "in a parallel run (parallel_run.xlsx).",
        epilog="Example: xlspm demo --out demo-results",
    )
    demo.add_argument("--out", help="folder to create (default xlspm-demo-<time>)")
    add_output_flags(demo)
    demo.set_defaults(func=_cmd_demo)
    examples = sub.add_parser(
        "examples",
        help="print the worked examples of the tier and plan engines",
        description="Print one worked example per tier mode, Excel ROUND next to "
        "IEEE rounding, and the worked example company.",
        epilog="Example: xlspm examples --json",
    )
    add_output_flags(examples, quiet=False)
    examples.set_defaults(func=_cmd_examples)
