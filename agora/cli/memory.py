"""``agora memory``: inspect a memory store file: stats, full-text query, show, export.

Example:
    >>> from agora.cli.main import main
    >>> main(["memory", "stats", "/no/such/memory.db"])
    1
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agora.errors import ConfigError, RecordNotFoundError
from agora.memory.export import write_graphml, write_json
from agora.memory.records import Entity, Fact
from agora.memory.scope import Scope
from agora.memory.stores.sqlite_store import SQLiteStore

__all__ = ["add_memory_parser", "run_memory"]

_EPILOG = """\
examples:
  agora memory stats team.db                       counts per level and fact status
  agora memory query team.db "capital of France"   facts ranked by BM25
  agora memory query team.db paris --scope team:t1 --limit 5
  agora memory show team.db f_3f2a...              a fact, or an entity and its facts
  agora memory export team.db --format graphml -o team.graphml
"""


_FACT_FIELDS = (
    "subject", "relation", "object_id", "literal", "text", "agents", "episodes", "confidence",
    "valid_from", "valid_to", "recorded_at", "status", "scope", "promoted_by",
)  # fmt: skip


def add_memory_parser(commands: Any) -> None:
    """Register ``memory`` and its subcommands on the ``agora`` subparsers `commands`."""
    memory = commands.add_parser(
        "memory",
        help="inspect a memory store: stats, query, show, export",
        description="Inspect an agora memory store (a SQLite file).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = memory.add_subparsers(dest="memory_command", metavar="SUBCOMMAND", required=True)
    helps = {
        "stats": "record counts per level and fact status",
        "query": "facts matching TEXT, ranked by BM25",
        "show": "a fact, or an entity (by id or name) with its facts",
        "export": "write the store as GraphML or JSON",
    }
    parsers = {}
    for name, text in helps.items():
        parsers[name] = sub.add_parser(name, help=text, description=text)
        parsers[name].add_argument("path", metavar="PATH", help="the memory store file")
    query = parsers["query"]
    query.add_argument("text", metavar="TEXT")
    query.add_argument("--scope", help="read as this scope: global, team:T or agent:[T/]A")
    query.add_argument("--limit", type=int, default=10, help="at most N facts (default: 10)")
    parsers["show"].add_argument("record", metavar="ENTITY_OR_FACT_ID")
    export = parsers["export"]
    export.add_argument("--format", choices=["graphml", "json"], default="json")
    export.add_argument("-o", "--output", required=True, metavar="FILE")


def run_memory(args: argparse.Namespace, out: Console) -> int:
    """Run the parsed ``agora memory`` subcommand, printing to `out`; return the exit code."""
    path = Path(args.path)
    if not path.is_file():
        raise ConfigError(f"no memory store at {str(path)!r}; pass the path of an existing file")
    with SQLiteStore(path) as store:
        if args.memory_command == "stats":
            _stats(store, out)
        elif args.memory_command == "query":
            _query(store, args, out)
        elif args.memory_command == "show":
            _show(store, args.record, out)
        else:
            writer = write_graphml if args.format == "graphml" else write_json
            writer(store, args.output)
            out.print(f"wrote {args.format} to {args.output}", markup=False, highlight=False)
    return 0


def _stats(store: SQLiteStore, out: Console) -> None:
    stats = store.stats()
    table = Table(title=f"memory {store.path}", show_header=True)
    table.add_column("records")
    table.add_column("count", justify="right")
    table.add_row("L0 episodes", str(stats.episodes))
    table.add_row("L1 entities", str(stats.entities))
    table.add_row("L1 facts", str(stats.facts))
    for status, count in sorted(stats.facts_by_status.items()):
        table.add_row(f"  {status}", str(count))
    table.add_row("L2 communities", str(stats.communities))
    table.add_row("L3 goals", str(stats.goals))
    out.print(table)


def _query(store: SQLiteStore, args: argparse.Namespace, out: Console) -> None:
    scope = None if args.scope is None else Scope.parse(args.scope)
    hits = store.search(args.text, scope=scope, limit=args.limit)
    if not hits:
        out.print("no matching facts")
    for rank, (fact_id, score) in enumerate(hits, 1):
        fact = store.get_fact(fact_id)
        if fact is not None:
            _line(out, f"{rank:>3}. {score:7.3f}  {fact.id}  [{fact.scope.key}, {fact.status}, "
                  f"confidence {fact.confidence:.2f}]")  # fmt: skip
            _line(out, f"     {fact.text}")


def _show(store: SQLiteStore, record: str, out: Console) -> None:
    fact = store.get_fact(record)
    if fact is not None:
        _print_fact(fact, out)
        return
    entities = [e for e in [store.get_entity(record)] if e] or store.find_entities(record)
    if not entities:
        raise RecordNotFoundError(f"no fact or entity {record!r}; try `agora memory query`")
    for entity in entities:
        _print_entity(store, entity, out)


def _print_fact(fact: Fact, out: Console) -> None:
    table = Table("field", "value", title=f"fact {fact.id}")
    for name in _FACT_FIELDS:
        value = getattr(fact, name)
        table.add_row(name, ", ".join(value) if isinstance(value, tuple) else str(value))
    out.print(table)


def _print_entity(store: SQLiteStore, entity: Entity, out: Console) -> None:
    out.print(f"entity {entity.id}: {entity.name} ({entity.type or 'no type'})", markup=False)
    for fact in store.facts(about=entity.id, limit=50):
        _line(out, f"  {fact.id}  [{fact.status}, {fact.confidence:.2f}]  {fact.text}")
    for community in store.communities(entity=entity.id):
        out.print(f"community {community.id}: {community.summary}", markup=False)


def _line(out: Console, text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)
