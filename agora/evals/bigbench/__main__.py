"""``python -m agora.evals.bigbench``: see `agora.evals.bigbench.cli`."""

from agora.evals.bigbench.cli import main

raise SystemExit(main())
