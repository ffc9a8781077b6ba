"""``xlspm reconcile`` and ``xlspm parallel-run``: the migration commands.

Exit codes follow the CLI contract: 0 reconciled (every row matches, is
within tolerance or is accepted), 1 differences found, 2 input error.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError
from .common import (
    EXIT_DIFFERENCES,
    EXIT_OK,
    add_output_flags,
    print_json,
    status,
)

__all__ = ["add_commands"]


def _listed(values) -> list[str]:
    out = []
    for value in values or []:
        out += [v.strip() for v in value.split(",") if v.strip()]
    return out


def _pairs(values) -> dict[str, str]:
    out = {}
    for value in values or []:
        left, sep, right = value.partition("=")
        if not sep or not left.strip() or not right.strip():
            raise InputError(
                f"--map: got {value!r}; write LEGACY_COLUMN=ENGINE_COLUMN, "
                "e.g. --map Payout=payout_due."
            )
        out[left.strip()] = right.strip()
    return out


def _common(args) -> dict:
    keys, values = _listed(args.key), _listed(args.value)
    if not keys or not values:
        raise InputError(
            "give the key and value columns: --key COL[,COL..] --value COL[,COL..]."
        )
    accepted = None
    if args.accepted:
        from ..recon.workbooks import read_accepted

        accepted = read_accepted(args.accepted)
    return {
        "keys": keys,
        "values": values,
        "mapping": _pairs(args.map),
        "abs_tol": args.abs_tol,
        "rel_tol": args.rel_tol,
        "accepted": accepted,
    }


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from ..present.recon_report import recon_text, write_recon_report
    from ..recon.workbooks import load_engine, reconcile_workbooks

    options = _common(args)
    sources = (args.legacy, args.engine)
    with status(args, f"Reading the engine side {args.engine}"):
        engine = load_engine(args.engine, sheet=args.engine_sheet)
    with status(args, f"Reconciling {args.legacy}"):
        result, _, notes = reconcile_workbooks(
            args.legacy, engine, legacy_sheet=args.legacy_sheet, **options
        )
    title = f"Reconciliation: {Path(args.legacy).name} vs {Path(args.engine).name}"
    with status(args, f"Writing {args.output}"):
        write_recon_report(
            result, args.output, sources=sources, force=args.force, title=title
        )
    if args.json:
        print_json({"output": str(args.output), "notes": notes, **result.to_dict()})
    elif not args.quiet:
        for note in notes:
            print(f"note: {note}")
        print(recon_text(result, title))
        print(f"\nWrote {args.output}")
    return EXIT_OK if result.reconciled else EXIT_DIFFERENCES


def _cmd_parallel_run(args: argparse.Namespace) -> int:
    from ..present.parallel_report import parallel_text, write_parallel_report
    from ..recon.parallel_run import parallel_run

    options = _common(args)
    with status(args, "Reconciling every cycle"):
        run = parallel_run(
            args.engine,
            args.legacy,
            legacy_sheet=args.legacy_sheet,
            engine_sheet=args.engine_sheet,
            required=args.required,
            **options,
        )
    sources = (args.engine, *args.legacy)
    write_parallel_report(run, args.output, sources=sources, force=args.force)
    if args.json:
        print_json({"output": str(args.output), **run.to_dict()})
    elif not args.quiet:
        print(parallel_text(run))
        print(f"\nWrote {args.output}")
    return EXIT_OK if run.cutover else EXIT_DIFFERENCES


def _shared_options(parser) -> None:
    parser.add_argument(
        "--key", action="append", required=True, help="key column(s), comma-separated"
    )
    parser.add_argument(
        "--value", action="append", required=True, help="value column(s) to compare"
    )
    parser.add_argument(
        "--legacy-sheet", help="legacy sheet, Excel Table or named range"
    )
    parser.add_argument("--engine-sheet", help="engine results sheet (default Results)")
    parser.add_argument(
        "--map",
        action="append",
        metavar="LEGACY=ENGINE",
        help="legacy column = engine column where names differ (repeatable)",
    )
    parser.add_argument(
        "--abs-tol",
        type=float,
        default=0.005,
        help="money tolerance (0.005: equal to the cent; 0.01: one cent)",
    )
    parser.add_argument("--rel-tol", type=float, default=0.0, help="relative tolerance")
    parser.add_argument(
        "--accepted",
        help="accepted differences (.csv/.xlsx: keys, reason, accepted_by, note)",
    )
    parser.add_argument("-o", "--output", required=True, help="report .xlsx to create")
    parser.add_argument("--force", action="store_true", help="replace existing outputs")
    add_output_flags(parser)


def add_commands(sub) -> None:
    """Add ``reconcile`` and ``parallel-run`` to the ``xlspm`` subparsers."""
    rec = sub.add_parser(
        "reconcile",
        help="diff a legacy workbook's results against the engine and explain them",
        description="Pair the legacy results table with the engine's by key, "
        "compare money in exact cents and give every row a reason code (match, "
        "rounding, tier_boundary, crediting, quota, rate, payout_override, "
        "missing, duplicate, legacy_error, unexplained). ENGINE is a results "
        "workbook from xlspm calc or a comp-plan workbook (calculated on the "
        "spot). Exit 0 reconciled, 1 differences, 2 input error.",
        epilog="Example: xlspm reconcile workbooks/legacy_comp_2026Q1.xlsx "
        "workbooks/demo_comp_plan.xlsx --key Payee,Component,Period "
        "--value Credited,Quota,Attainment,Rate,Payout -o recon.xlsx",
    )
    rec.add_argument("legacy", help="the legacy workbook (only read)")
    rec.add_argument("engine", help="xlspm calc results or a comp-plan workbook")
    _shared_options(rec)
    rec.set_defaults(func=_cmd_reconcile)
    par = sub.add_parser(
        "parallel-run",
        help="reconcile several cycles and give the cutover verdict",
        description="Reconcile each cycle's legacy workbook against the engine, "
        "apply the accepted-differences list carried from cycle to cycle, and "
        "report the trend and the cutover verdict: GO when the last --required "
        "cycles are all reconciled. Exit 0 GO, 1 NO-GO, 2 input error.",
        epilog="Example: xlspm parallel-run workbooks/demo_comp_plan.xlsx "
        "workbooks/legacy_comp_2026Q1.xlsx workbooks/legacy_comp_2026Q2.xlsx "
        "--key Payee,Component,Period --value Credited,Quota,Attainment,Rate,"
        "Payout --accepted accepted.csv -o parallel_run.xlsx",
    )
    par.add_argument("engine", help="xlspm calc results or a comp-plan workbook")
    par.add_argument(
        "legacy", nargs="+", help="legacy workbooks, one per cycle, in order"
    )
    par.add_argument(
        "--required",
        type=int,
        default=2,
        help="consecutive reconciled cycles needed for cutover (default 2)",
    )
    _shared_options(par)
    par.set_defaults(func=_cmd_parallel_run)
