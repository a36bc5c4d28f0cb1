"""The ``agora`` command: ``demo`` runs a team, ``schema`` prints schemas, ``memory`` inspects one.

Example:
    >>> main(["schema", "--list"])  # doctest: +ELLIPSIS
    alert
    answer
    ...
    0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from rich.console import Console
from rich.text import Text

from agora._version import __version__
from agora.cli.demo import DEMO_TASK, run_demo
from agora.cli.keys import add_keys_parser, run_keys
from agora.cli.memory import add_memory_parser, run_memory
from agora.errors import AgoraError, UserError
from agora.models.spec import model_from_spec
from agora.protocols.schema import all_schemas

__all__ = ["build_parser", "entry", "main"]

_DEMO_EPILOG = """\
examples:
  agora demo                                  ask the default question on the embedded model
  agora demo "What is 17 * 23?"               ask your own question
  agora demo --no-tui                         one line per event (also when piped)
  agora demo --model local:/models/qwen.gguf  any GGUF file through llama.cpp
  agora demo --model openai:gpt-4o-mini       OpenAI (key from OPENAI_API_KEY)
  agora demo --model http://127.0.0.1:8080/v1#qwen2.5   an OpenAI-compatible server

The embedded model (SmolLM2-135M) is tiny: it answers simple questions but routes and uses
tools poorly. A larger model makes the same team far smarter.
"""

_SCHEMA_EPILOG = """\
examples:
  agora schema                  every kind, as one JSON object keyed by kind
  agora schema answer           the JSON Schema of the answer payload
  agora schema envelope         the envelope every message travels in
  agora schema --list           the kind names
"""

_MAIN_EPILOG = """\
examples:
  agora demo                    watch four agents answer a question on a local model
  agora schema --list           the message kinds agents exchange
  agora keys new keys.json --agents a,b   a keyring that signs as agents a, b and user
  agora demo --help             options of a command
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``agora`` command.

    Example:
        >>> build_parser().parse_args(["demo", "--no-tui"]).tui
        False
    """
    parser = argparse.ArgumentParser(
        prog="agora",
        description="agora: teams of LLM agents that exchange typed messages.",
        epilog=_MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"agora {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run a four-agent team on a question and show the messages it exchanges",
        description=(
            "Run a team of four agents (triage, geographer, mathematician, writer) on TASK.\n"
            "Triage routes the task to an expert; the geographer and the mathematician answer\n"
            "with their tools (a country atlas, a calculator), the writer in plain text.\n"
            "By default every agent runs on the embedded local model: no network is used."
        ),
        epilog=_DEMO_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "task",
        nargs="?",
        default=DEMO_TASK,
        metavar="TASK",
        help="the question (default: %(default)r)",
    )
    demo.add_argument(
        "--model",
        default="local",
        metavar="SPEC",
        help="model spec: local, local:/path.gguf, openai:NAME or http://HOST:PORT/v1#NAME "
        "(default: %(default)s, the embedded SmolLM2-135M-Instruct)",
    )
    demo.add_argument(
        "--no-tui",
        dest="tui",
        action="store_false",
        help="print one plain line per event instead of the live display "
        "(automatic when stdout is not a terminal)",
    )
    demo.add_argument(
        "--max-hops",
        type=_positive_int,
        default=12,
        metavar="N",
        help="stop the run after N message deliveries (default: %(default)s)",
    )

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the messages agents exchange",
        description="Print the JSON Schema of one message kind, or of all of them.",
        epilog=_SCHEMA_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument("kind", nargs="?", help="a message kind, or 'envelope' (default: all)")
    schema.add_argument("--list", action="store_true", help="print the kind names only")
    add_memory_parser(commands)
    add_keys_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``agora`` command with `argv` (default: ``sys.argv[1:]``); return the exit code.

    Errors agora raises on purpose print as ``ErrorType: message`` in red and return 1; an
    interrupt returns 130.

    Example:
        >>> main(["schema", "nope"])
        1
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 0
    out = Console()
    try:
        if args.command == "demo":
            return _demo(args, out)
        if args.command == "schema":
            return _schema(args, out)
        if args.command == "memory":
            return run_memory(args, out)
        if args.command == "keys":
            return run_keys(args, out)
        parser.print_help()
        return 0
    except AgoraError as exc:
        _error(f"{type(exc).__name__}: {exc}")
        return 1
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def entry() -> NoReturn:
    """The console-script entry point: ``sys.exit(main())``."""
    sys.exit(main())


def _demo(args: argparse.Namespace, out: Console) -> int:
    model = model_from_spec(args.model)
    tui = bool(args.tui) and out.is_terminal
    run_demo(args.task, model=model, console=out, tui=tui, max_hops=args.max_hops)
    return 0


def _schema(args: argparse.Namespace, out: Console) -> int:
    schemas = all_schemas()
    if args.list:
        for kind in sorted(schemas):
            out.print(kind, markup=False, highlight=False)
        return 0
    if args.kind is None:
        out.print_json(data=schemas)
        return 0
    if args.kind not in schemas:
        raise UserError(
            f"unknown message kind {args.kind!r}; known kinds: {', '.join(sorted(schemas))}"
        )
    out.print_json(data=schemas[args.kind])
    return 0


def _error(message: str) -> None:
    Console(stderr=True).print(Text(message, style="bold red"), soft_wrap=True)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
