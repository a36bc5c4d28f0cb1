"""``agora keys``: make a keyring file, list what one holds, export its public half.

Example:
    >>> from agora.cli.main import main
    >>> main(["keys", "show", "/no/such/keys.json"])
    1
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from agora.errors import ConfigError
from agora.identity import Keyring

__all__ = ["add_keys_parser", "run_keys"]

_EPILOG = """\
examples:
  agora keys new keys.json --agents triage,geo,math     HMAC keys of one trust domain
  agora keys new keys.json --agents geo --kind ed25519  key pairs (verifiers cannot forge)
  agora keys show keys.json                             agents and key kinds, no secrets
  agora keys public keys.json peers.json                the public keys, for another team
  export AGORA_KEYRING=$PWD/keys.json                   then Team(keyring=Keyring.from_env())
"""


def add_keys_parser(commands: Any) -> None:
    """Register ``keys`` and its subcommands on the ``agora`` subparsers `commands`."""
    keys = commands.add_parser(
        "keys",
        help="make and inspect keyrings: agents' signing keys",
        description="Make and inspect agora keyrings (JSON files, readable by their owner).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = keys.add_subparsers(dest="keys_command", metavar="SUBCOMMAND", required=True)
    new = sub.add_parser("new", help="write a new keyring with fresh keys")
    new.add_argument("file", type=Path)
    new.add_argument("--agents", required=True, help="comma-separated agent names")
    new.add_argument("--kind", choices=["hmac", "ed25519"], default="hmac")
    new.add_argument("--force", action="store_true", help="replace an existing file")
    show = sub.add_parser("show", help="list the agents and their key kinds")
    show.add_argument("file", type=Path)
    public = sub.add_parser("public", help="write the keyring's public keys to another file")
    public.add_argument("file", type=Path)
    public.add_argument("out", type=Path)


def run_keys(args: argparse.Namespace, out: Console) -> int:
    """Carry out an ``agora keys`` subcommand; return the exit code."""
    if args.keys_command == "new":
        if args.file.exists() and not args.force:
            raise ConfigError(f"{args.file} exists; pass --force to replace it (its keys are lost)")
        names = [name.strip() for name in args.agents.split(",") if name.strip()]
        ring = Keyring.generate(names, kind=args.kind)
        ring.save(args.file)
        out.print(f"wrote {args.file} (mode 600): {args.kind} keys for {', '.join(ring.agents)}")
        return 0
    ring = Keyring.load(args.file)
    if args.keys_command == "show":
        table = Table("agent", "kind", "signs", "verifies")
        for name in ring.agents:
            table.add_row(
                name, ring.kind(name) or "", _yes(ring.can_sign(name)), _yes(ring.can_verify(name))
            )
        out.print(table)
        return 0
    public = ring.public()
    public.save(args.out)
    out.print(f"wrote {args.out}: public keys of {', '.join(public.agents) or 'no agent'}")
    return 0


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
