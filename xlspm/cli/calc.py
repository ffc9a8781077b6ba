"""``xlspm validate`` and ``xlspm calc``: check and calculate a plan workbook."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..errors import InputError
from .common import (
    EXIT_INPUT_ERROR,
    EXIT_OK,
    add_output_flags,
    listed,
    print_json,
    status,
)

__all__ = ["add_commands"]


def _cmd_validate(args: argparse.Namespace) -> int:
    from ..engine.workbook import calculate_workbook
    from ..errors import PlanInputError
    from ..io.plan_workbook import read_workbook

    report = {"workbook": str(args.workbook), "errors": [], "warnings": []}
    book = None
    try:
        book = read_workbook(args.workbook)
        res = calculate_workbook(book, strict=args.strict)
        report["notes"] = list(book.notes)
        report["warnings"] = [book.describe(w) for w in res.warnings]
        report["rows"] = len(res.results)
    except PlanInputError as exc:
        report["errors"] = _described(book, exc.problems)
    report["ok"] = not report["errors"]
    if args.json:
        print_json(report)
    else:
        for kind in ("notes", "errors", "warnings"):
            for line in report.get(kind, []):
                print(f"{kind[:-1]}: {line}")
        verdict = "valid" if report["ok"] else f"{len(report['errors'])} error(s)"
        print(f"{args.workbook}: {verdict}, {len(report['warnings'])} warning(s).")
    return EXIT_OK if report["ok"] else EXIT_INPUT_ERROR


def _only_periods(res, periods: list[str]):
    """Keep the result rows (and credits) of the chosen periods only."""
    if not periods:
        return res
    known = set(res.results["period"])
    unknown = [p for p in periods if p not in known]
    if unknown:
        raise InputError(
            f"--period: {', '.join(unknown)} not calculated; the workbook's periods "
            f"are {', '.join(sorted(known))}."
        )
    rows = res.results[res.results["period"].isin(periods)].reset_index(drop=True)
    return dataclasses.replace(res, results=rows)


def _engine(args) -> str:
    engine = args.engine or "local"
    if engine != "dask":
        for flag, value in (
            ("--scheduler", args.scheduler),
            ("--workers", args.workers),
        ):
            if value:
                raise InputError(f"{flag}: needs --engine dask.")
    return engine


def _calculate_dask(book, args):
    """Run the workbook's plan on Dask (a LocalCluster unless --scheduler)."""
    from ..distributed.engine import calculate_dask, connect
    from ..engine.workbook import workbook_options

    inputs = book.inputs()
    frame = inputs.pop("transactions")
    files = book.transactions_files
    opts = workbook_options(book, strict=args.strict)
    client = connect(
        args.scheduler, n_workers=args.workers, memory_limit=args.memory_limit
    )
    try:
        res = calculate_dask(
            frame if files is None else files,
            **inputs,
            strict=opts.strict,
            precision=opts.precision,
            bad_rows="error",
            client=client,
            first_row=2 if files is not None and len(files) == 1 else 0,
            progress=not (args.quiet or args.json),
        )
    except BaseException:
        _close(client)
        raise
    return res, client


def _close(client) -> None:
    """Close a Dask client, and the LocalCluster if this command started it."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _cmd_calc(args: argparse.Namespace) -> int:
    from ..engine.workbook import calculate_workbook
    from ..errors import PlanInputError
    from ..io.plan_workbook import read_workbook
    from ..present.results_workbook import summary_table, write_report

    book, client = None, None
    try:
        engine = _engine(args)
        with status(args, f"Reading {args.workbook}"):
            book = read_workbook(
                args.workbook,
                transactions=args.transactions,
                load_transactions=engine == "local",
            )
        if engine == "dask":
            res, client = _calculate_dask(book, args)
        else:
            with status(args, "Calculating"):
                res = calculate_workbook(book, strict=args.strict)
        res = _only_periods(res, args.period or listed(book.settings.get("periods")))
        with status(args, f"Writing {args.output}"):
            write_report(
                res,
                args.output,
                source=args.workbook,
                force=args.force,
                describe=book.describe,
            )
    except PlanInputError as exc:
        errors = _described(book, exc.problems)
        if args.json:
            print_json({"ok": False, "errors": errors})
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    finally:
        _close(client)
    _print_calc(args, book, res, summary_table(res.results))
    return EXIT_OK


def _described(book, problems) -> list[str]:
    """Problems as messages, placed on the workbook's sheets when it was read."""
    return [str(p) if book is None else book.describe(p) for p in problems]


def _print_calc(args, book, res, summary) -> None:
    if args.json:
        print_json(
            {
                "output": str(args.output),
                "summary": summary.to_dict(orient="records"),
                "warnings": [book.describe(w) for w in res.warnings],
                "rejected": len(res.rejected),
                "timings": res.timings,
            }
        )
    elif not args.quiet:
        from ..present.text import frame_to_text

        money = ("credited", "payout_due")
        print(frame_to_text(summary, f"Control totals ({args.workbook})", money=money))
        for note in book.notes:
            print(f"note: {note}")
        for warning in res.warnings:
            print(f"warning: {book.describe(warning)}")
        print(f"Wrote {args.output}")


def add_commands(sub) -> None:
    """Add ``validate`` and ``calc`` to the ``xlspm`` subparsers."""
    check = sub.add_parser(
        "validate",
        help="check a comp-plan workbook and list every problem",
        description="Read a comp-plan workbook, check every sheet and run the "
        "plan; list each problem as Sheet!A1: what was found, what was expected. "
        "Exit 0 when valid, 2 when any error.",
        epilog="Example: xlspm validate workbooks/demo_comp_plan.xlsx --json",
    )
    check.add_argument("workbook", help="the .xlsx workbook (only read)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    add_output_flags(check, quiet=False)
    check.set_defaults(func=_cmd_validate)
    calc = sub.add_parser(
        "calc",
        help="calculate a comp-plan workbook and write the results workbook",
        description="Read a comp-plan workbook, credit, roll up and pay every "
        "payee, and write Summary, Results, Statements, Credits, Trace and "
        "Issues sheets to a new workbook (never the input; atomically).",
        epilog="Example: xlspm calc workbooks/demo_comp_plan.xlsx -o results.xlsx",
    )
    calc.add_argument("workbook", help="the .xlsx workbook (only read)")
    calc.add_argument("-o", "--output", required=True, help="results .xlsx to create")
    calc.add_argument("--force", action="store_true", help="replace an existing output")
    calc.add_argument(
        "--period",
        action="append",
        help="report only this period (2026-Q1, 2026-03, 2026); repeatable",
    )
    calc.add_argument("--strict", action="store_true", help="treat warnings as errors")
    calc.add_argument(
        "--transactions",
        metavar="PATH",
        help="transactions outside the workbook: CSV or Parquet file, directory or "
        "glob (default: Settings transactions_file, else the sheet)",
    )
    _dask_options(calc)
    add_output_flags(calc)
    calc.set_defaults(func=_cmd_calc)


def _dask_options(calc) -> None:
    calc.add_argument(
        "--engine",
        choices=("local", "dask"),
        help="local: one process (default); dask: credit partitions on a Dask "
        "cluster (needs pip install 'xlspm[dask]')",
    )
    calc.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: a running scheduler, e.g. tcp://10.0.0.5:8786 "
        "(default: a LocalCluster on this machine)",
    )
    calc.add_argument(
        "--workers", type=int, help="LocalCluster workers (default: one per core)"
    )
    calc.add_argument(
        "--memory-limit",
        default="auto",
        help="memory per LocalCluster worker, e.g. 1GB (default: auto)",
    )
