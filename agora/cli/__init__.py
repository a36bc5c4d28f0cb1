"""The ``agora`` command line: ``agora demo`` and ``agora schema`` (see `agora.cli.main`).

Example:
    >>> from agora.cli import main
    >>> main(["--version"])
    agora ...
    0
"""

from __future__ import annotations

from agora.cli.main import entry, main

__all__ = ["entry", "main"]
