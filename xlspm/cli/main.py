"""The ``xlspm`` command line.

Exit codes: 0 ok, 1 differences found, 2 input error. Errors are caught in
:func:`main` only; ``--debug`` re-raises them with the traceback. ``--json``
means the same in every command (see :mod:`xlspm.cli.common`).
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..errors import InputError, XlspmError
from . import calc, demo, recon
from .common import (
    EXIT_INPUT_ERROR,
    EXIT_OK,
    add_output_flags,
    print_json,
    status,
)

__all__ = ["main"]


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        raise InputError(
            "xlspm serve needs the server extra: pip install 'xlspm[server]'."
        ) from None
    from ..excel.server import create_app

    app = create_app(token=args.token or os.environ.get("XLSPM_TOKEN"))
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _cmd_recalc(args: argparse.Namespace) -> int:
    from ..io.recalc import recalculate

    with status(args, f"Recalculating {args.workbook} with LibreOffice"):
        out = recalculate(args.workbook, args.output, overwrite=args.force)
    if args.json:
        print_json({"output": str(out)})
    elif not args.quiet:
        print(f"Wrote {out} (every formula recalculated by LibreOffice).")
    return EXIT_OK


def _add_serve(sub) -> None:
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
    serve.set_defaults(func=_cmd_serve, json=False, quiet=False)


def _add_recalc(sub) -> None:
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
    add_output_flags(recalc)
    recalc.set_defaults(func=_cmd_recalc)


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
    demo.add_commands(sub)
    calc.add_commands(sub)
    _add_serve(sub)
    _add_recalc(sub)
    recon.add_commands(sub)
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
        if args.json:
            print_json({"ok": False, "errors": [str(exc)]})
        print(f"xlspm: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return EXIT_OK
