"""``python -m agora.evals.planning``: see `agora.evals.planning.cli`."""

from agora.evals.planning.cli import main

raise SystemExit(main())
