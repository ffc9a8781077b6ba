"""What every ``xlspm`` command shares: exit codes, ``--json``, status lines.

The CLI contract: exit 0 ok, 1 differences found, 2 input error. ``--json``
means the same in every command: stdout holds exactly one JSON document (the
command's result, or ``{"ok": false, "errors": [...]}`` on an input error) and
nothing else; spinners and notes are off.
"""

from __future__ import annotations

import contextlib
import json

__all__ = [
    "EXIT_DIFFERENCES",
    "EXIT_INPUT_ERROR",
    "EXIT_OK",
    "add_output_flags",
    "listed",
    "print_json",
    "status",
]

EXIT_OK = 0
EXIT_DIFFERENCES = 1
EXIT_INPUT_ERROR = 2


def add_output_flags(parser, *, quiet: bool = True) -> None:
    """Add ``--json`` (and ``--quiet``) with the same meaning everywhere."""
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON document on stdout instead of text",
    )
    if quiet:
        parser.add_argument(
            "--quiet", action="store_true", help="print nothing on success"
        )
    else:
        parser.set_defaults(quiet=False)


def print_json(payload: dict) -> None:
    """Print ``payload`` as the command's one JSON document.

    Every document has ``ok`` first: true unless the payload says otherwise
    (an input error, or ``validate`` finding errors).
    """
    print(json.dumps({"ok": True, **payload}, indent=2, default=str))


def status(args, text: str):
    """Show a spinner on stderr while a step runs (not with --quiet or --json)."""
    if args.quiet or args.json:
        return contextlib.nullcontext()
    from rich.console import Console

    return Console(stderr=True).status(text)


def listed(value) -> list[str]:
    """Split a comma-separated setting or option into its non-blank parts."""
    return [v.strip() for v in str(value or "").split(",") if v.strip()]
