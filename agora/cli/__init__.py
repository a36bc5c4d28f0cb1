"""The ``agora`` command line: ``agora demo`` and ``agora schema``.

`agora.cli.main.main` is the entry point; the rest are its parts: `agora.cli.demo` (the demo
team, whose entry agent routes with `agora.Router`), `agora.cli.render` (plain and live views
of a run) and `agora.cli.calculator` (the mathematician's tool).

Example:
    >>> from agora.cli.main import main
    >>> main(["--version"])
    agora ...
    0
"""
