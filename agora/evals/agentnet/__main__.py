"""``python -m agora.evals.agentnet``."""

from agora.evals.agentnet.cli import main

raise SystemExit(main())
