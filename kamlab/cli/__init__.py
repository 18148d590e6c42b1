"""The ``kamlab`` command: one entry point for every step.

The leaf of the package: every argparse line of kamlab is here, and nothing else in
kamlab imports this package. :mod:`kamlab.cli.options` holds the options the commands
share; each other module adds one group of commands (``add_commands(subparsers,
inputs)``, ``inputs`` being the parent parser of the reading options) whose ``cmd_*``
functions parse the arguments and call the layers below.

Exit codes: 0 success; 2 bad input or configuration, or an output that cannot be
written (a one-line reason on stderr); 1 an unexpected error (rerun with ``--debug`` for
the traceback); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from kamlab.cli.options import check_config_files
from kamlab.errors import KamlabError

__all__ = ["COMMAND_GROUPS", "build_parser", "main"]

COMMAND_GROUPS: list[str] = [
    "kamlab.cli.data",
    "kamlab.cli.report",
    "kamlab.cli.segment",
    "kamlab.cli.fit",
    "kamlab.cli.value",
    "kamlab.cli.portfolio",
    "kamlab.cli.plans",
    "kamlab.cli.contacts",
    "kamlab.cli.performance",
    "kamlab.cli.global_accounts",
    "kamlab.cli.teach",
]
"""The modules that add commands, in the order ``kamlab --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    from kamlab.cli.options import input_options

    parser = argparse.ArgumentParser(
        prog="kamlab",
        description="Key Account Management analytics: read customer data, summarise it per "
        "account, and build the period portfolio report.",
        epilog="Run 'kamlab COMMAND --help' for a command's options and an example.",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    inputs = input_options()
    for name in COMMAND_GROUPS:
        importlib.import_module(name).add_commands(sub, inputs)
    return parser


class Terminated(BaseException):
    """SIGTERM arrived (a scheduler or ``kill`` stopping the run): raised in the main thread
    so that, as for Ctrl-C, every ``finally`` removes its temporary files on the way out."""


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if in_main else None
    try:
        check_config_files(args)
        args.func(args)
    except Terminated:
        print(f"kamlab {args.command}: stopped (terminated)", file=sys.stderr)
        return 143
    except KamlabError as exc:
        if args.debug:
            raise
        print(f"kamlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: temporary files were removed on the way out
        if args.debug:
            raise
        print(f"kamlab {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 (the one place that turns bugs into a clean exit)
        if args.debug:
            raise
        print(
            f"kamlab {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    return 0
