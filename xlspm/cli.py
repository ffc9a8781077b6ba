"""The ``xlspm`` command line.

Exit codes: 0 ok, 1 differences found, 2 input error. Errors are caught in
:func:`main` only; ``--debug`` re-raises them with the traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__
from .backend import get_backend
from .errors import XlspmError

__all__ = ["main"]

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_INPUT_ERROR = 2


def _cmd_demo(args: argparse.Namespace) -> int:
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
        help="run the worked examples and print them",
        description="Run the tier-engine worked examples (one per mode).",
        epilog="Example: xlspm demo --json",
    )
    demo.add_argument("--json", action="store_true", help="print JSON instead")
    demo.set_defaults(func=_cmd_demo)
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
