"""The ``xlspm`` command line.

Exit codes: 0 ok, 1 differences found, 2 input error. Errors are caught in
:func:`main` only; ``--debug`` re-raises them with the traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .backend import get_backend
from .errors import InputError, XlspmError

__all__ = ["main"]

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_INPUT_ERROR = 2


def _cmd_examples(args: argparse.Namespace) -> int:
    from .demo import plan_example, rounding_examples, tier_examples
    from .render import frame_to_text

    tiers = tier_examples()
    rounding = rounding_examples()
    plan, story = plan_example()
    if args.json:
        payload = {
            "tiers": tiers.to_dict(orient="records"),
            "rounding": rounding.to_dict(orient="records"),
            "plan": plan.to_dict(orient="records"),
            "explain": story,
        }
        print(json.dumps(payload, indent=2, default=float))
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


def _demo_workbook(out: Path) -> Path:
    """Return the sample workbook, or build a fresh copy in ``out``."""
    from .demo_workbook import build_demo_workbook

    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        candidate = base / "workbooks" / "demo_comp_plan.xlsx"
        if candidate.is_file():
            return candidate
    return build_demo_workbook(out / "demo_comp_plan.xlsx")


def _cmd_demo(args: argparse.Namespace) -> int:
    from datetime import datetime

    from .demo import demo_parallel_run
    from .render import frame_to_text
    from .report import summary_table, write_report
    from .workbook import read_workbook

    out = Path(args.out or f"xlspm-demo-{datetime.now():%Y%m%d-%H%M%S}")
    if out.exists():
        raise InputError(f"{out}: already exists; the demo writes into a new folder.")
    out.mkdir(parents=True)
    workbook = _demo_workbook(out)
    with _status(args, f"Reading {workbook}"):
        book = read_workbook(workbook)
    with _status(args, "Calculating"):
        res = _calculate(book, strict=False)
    with _status(args, "Writing results.xlsx"):
        write_report(res, out / "results.xlsx", source=workbook)
    with _status(args, "Reconciling the legacy workbooks"):
        run = demo_parallel_run(res, workbook, out)
    summary = summary_table(res.results)
    if args.json:
        print(
            json.dumps(
                {
                    "workbook": str(workbook),
                    "output": str(out),
                    "summary": summary.to_dict(orient="records"),
                    "parallel_run": run.to_dict() if run else None,
                },
                indent=2,
                default=str,
            )
        )
        return EXIT_OK
    n_txn, n_payees = len(book.tables["transactions"]), len(book.tables["payees"])
    title = f"Demo: {workbook.name} ({n_txn:,} transactions, {n_payees} payees)"
    print(frame_to_text(summary, title, money=("credited", "payout_due")))
    print(
        f"\nOutputs in {out}/: results.xlsx (Summary, Results, Statements, "
        "Credits, Trace, Issues)"
    )
    if run is not None:
        from .parallel_run import parallel_text

        print()
        print(parallel_text(run))
        print(
            f"Report: {out}/parallel_run.xlsx (Summary, Trend, Differences, To accept)"
        )
    print("More: xlspm examples, xlspm validate, xlspm calc, xlspm reconcile")
    return EXIT_OK


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "y", "x")


def _calculate(book, strict: bool):
    """Run a workbook's plan with its Settings; malformed cells are errors."""
    from .engine import calculate

    strict = strict or _truthy(book.settings.get("strict", ""))
    precision = str(book.settings.get("precision", "excel")).strip().lower()
    return calculate(
        **book.inputs(), strict=strict, precision=precision, bad_rows="error"
    )


def _cmd_validate(args: argparse.Namespace) -> int:
    from ._tables import PlanInputError
    from .workbook import locate, read_workbook

    report = {"workbook": str(args.workbook), "errors": [], "warnings": []}
    try:
        book = read_workbook(args.workbook)
        res = _calculate(book, args.strict)
        report["notes"] = list(book.notes)
        report["warnings"] = [locate(w, book.layout) for w in res.warnings]
        report["rows"] = len(res.results)
    except PlanInputError as exc:
        layout = book.layout if "book" in locals() else {}
        report["errors"] = [locate(p, layout) for p in exc.problems]
    report["ok"] = not report["errors"]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for kind in ("notes", "errors", "warnings"):
            for line in report.get(kind, []):
                print(f"{kind[:-1]}: {line}")
        verdict = "valid" if report["ok"] else f"{len(report['errors'])} error(s)"
        print(f"{args.workbook}: {verdict}, {len(report['warnings'])} warning(s).")
    return EXIT_OK if report["ok"] else EXIT_INPUT_ERROR


def _status(args, text: str):
    """Show a spinner on stderr while a step runs (not with --quiet or --json)."""
    import contextlib

    if args.quiet or args.json:
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(text)


def _listed(value) -> list[str]:
    return [v.strip() for v in str(value or "").split(",") if v.strip()]


def _only_periods(res, periods: list[str]):
    """Keep the result rows (and credits) of the chosen periods only."""
    if not periods:
        return res
    import dataclasses

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
    from .dask_engine import calculate_dask, connect

    inputs = book.inputs()
    frame = inputs.pop("transactions")
    files = book.transactions_files
    strict = args.strict or _truthy(book.settings.get("strict", ""))
    precision = str(book.settings.get("precision", "excel")).strip().lower()
    client = connect(
        args.scheduler, n_workers=args.workers, memory_limit=args.memory_limit
    )
    try:
        res = calculate_dask(
            frame if files is None else files,
            **inputs,
            strict=strict,
            precision=precision,
            bad_rows="error",
            client=client,
            first_row=2 if files is not None and len(files) == 1 else 0,
            progress=not (args.quiet or args.json),
        )
    except BaseException:
        _close(client)
        raise
    return res, client


def _cmd_calc(args: argparse.Namespace) -> int:
    from ._tables import PlanInputError
    from .render import frame_to_text
    from .report import summary_table, write_report
    from .workbook import locate, read_workbook

    book, client = None, None
    try:
        engine = _engine(args)
        with _status(args, f"Reading {args.workbook}"):
            book = read_workbook(
                args.workbook,
                transactions=args.transactions,
                load_transactions=engine == "local",
            )
        if engine == "dask":
            res, client = _calculate_dask(book, args)
        else:
            with _status(args, "Calculating"):
                res = _calculate(book, args.strict)
        res = _only_periods(res, args.period or _listed(book.settings.get("periods")))
        with _status(args, f"Writing {args.output}"):
            write_report(res, args.output, source=args.workbook, force=args.force)
    except PlanInputError as exc:
        layout = book.layout if book is not None else {}
        for problem in exc.problems:
            print(f"error: {locate(problem, layout)}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    finally:
        _close(client)
    summary = summary_table(res.results)
    if args.json:
        print(
            json.dumps(
                {
                    "output": str(args.output),
                    "summary": summary.to_dict(orient="records"),
                    "warnings": [locate(w, book.layout) for w in res.warnings],
                    "rejected": len(res.rejected),
                    "timings": res.timings,
                },
                indent=2,
                default=str,
            )
        )
    elif not args.quiet:
        money = ("credited", "payout_due")
        print(frame_to_text(summary, f"Control totals ({args.workbook})", money=money))
        for note in book.notes:
            print(f"note: {note}")
        for warning in res.warnings:
            print(f"warning: {locate(warning, book.layout)}")
        print(f"Wrote {args.output}")
    return EXIT_OK


def _close(client) -> None:
    """Close a Dask client, and the LocalCluster if this command started it."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise InputError(
            "xlspm serve needs the server extra: pip install 'xlspm[server]'."
        ) from None
    from .server import create_app

    app = create_app(token=args.token or os.environ.get("XLSPM_TOKEN"))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _cmd_recalc(args: argparse.Namespace) -> int:
    from .recalc import recalculate

    with _status(args, f"Recalculating {args.workbook} with LibreOffice"):
        out = recalculate(args.workbook, args.output, overwrite=args.force)
    if not args.quiet:
        print(f"Wrote {out} (every formula recalculated by LibreOffice).")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlspm",
        description="Excel-exact sales compensation engine.",
        epilog="Example: xlspm demo",
    )
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks instead of messages"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run the sample comp-plan workbook end to end",
        description="Calculate workbooks/demo_comp_plan.xlsx (built on the fly "
        "when absent), print control totals and write results.xlsx into a new "
        "folder.",
        epilog="Example: xlspm demo --out demo-results",
    )
    demo.add_argument("--out", help="folder to create (default xlspm-demo-<time>)")
    demo.add_argument("--json", action="store_true", help="print JSON instead")
    demo.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    demo.set_defaults(func=_cmd_demo)
    examples = sub.add_parser(
        "examples",
        help="print the worked examples of the tier and plan engines",
        description="Print one worked example per tier mode, Excel ROUND next to "
        "IEEE rounding, and the README's worked example company.",
        epilog="Example: xlspm examples --json",
    )
    examples.add_argument("--json", action="store_true", help="print JSON instead")
    examples.set_defaults(func=_cmd_examples)
    check = sub.add_parser(
        "validate",
        help="check a comp-plan workbook and list every problem",
        description="Read a comp-plan workbook, check every sheet and run the "
        "plan; list each problem as Sheet!A1: what was found, what was expected. "
        "Exit 0 when valid, 2 when any error.",
        epilog="Example: xlspm validate workbooks/demo_comp_plan.xlsx --json",
    )
    check.add_argument("workbook", help="the .xlsx workbook (only read)")
    check.add_argument("--json", action="store_true", help="print a JSON report")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
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
    calc.add_argument("--json", action="store_true", help="print a JSON summary")
    calc.add_argument("--quiet", action="store_true", help="print nothing on success")
    calc.set_defaults(func=_cmd_calc)
    serve = sub.add_parser(
        "serve",
        help="run the Office.js add-in backend (custom functions)",
        description="Serve the XLSPM custom functions for Excel on the web, "
        "Windows and Mac: metadata, functions JavaScript, call endpoint, "
        "manifest.xml and a task pane. Needs XLWINGS_LICENSE_KEY (xlwings PRO "
        "code; 'noncommercial' for noncommercial use).",
        epilog="Example: XLWINGS_LICENSE_KEY=noncommercial xlspm serve --port 8000",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000)")
    serve.add_argument("--token", help="require this bearer token (or XLSPM_TOKEN)")
    serve.set_defaults(func=_cmd_serve)
    recalc = sub.add_parser(
        "recalc",
        help="recalculate a workbook with LibreOffice so cached values exist",
        description="Recalculate every formula of a workbook with LibreOffice "
        "headless (forced recalculation on load, private profile) and write the "
        "result to a new file; the input is only read.",
        epilog="Example: xlspm recalc legacy.xlsx -o legacy_calculated.xlsx",
    )
    recalc.add_argument("workbook", help="the .xlsx workbook (only read)")
    recalc.add_argument("-o", "--output", required=True, help=".xlsx to create")
    recalc.add_argument(
        "--force", action="store_true", help="replace an existing output"
    )
    recalc.add_argument("--quiet", action="store_true", help="print nothing on success")
    recalc.set_defaults(func=_cmd_recalc, json=False)
    from .cli_recon import add_commands

    add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        0 ok, 1 differences found, 2 input error.
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, bad usage exits 2
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT_ERROR
    try:
        return args.func(args)
    except XlspmError as exc:
        if args.debug:
            raise
        print(f"xlspm: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK
