"""``python -m agora``: the ``agora`` command (see `agora.cli`)."""

from __future__ import annotations

from agora.cli.main import entry

if __name__ == "__main__":
    entry()
