"""Suite-wide settings: agora's machine cache (the llama.cpp CPU probe) in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True, scope="session")
def _agora_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Keep the suite from writing the user's ``~/.cache/agora``; child processes inherit it."""
    folder = tmp_path_factory.mktemp("agora-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGORA_CACHE_DIR", str(folder))
        yield folder
