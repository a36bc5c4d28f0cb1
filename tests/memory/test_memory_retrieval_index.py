"""`VectorIndex`: the quantized embedding matrix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from agora.errors import UserError
from agora.memory import VectorIndex


def unit_rows(n: int, dim: int, seed: int = 0) -> npt.NDArray[np.float32]:
    rows = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    normed: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normed


def clustered(n: int, dim: int, seed: int = 0) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((50, dim)).astype(np.float32)
    rows = centers[rng.integers(0, 50, n)] + 0.4 * rng.standard_normal((n, dim))
    normed: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normed.astype(np.float32)


def ids(n: int) -> list[str]:
    return [f"f{i}" for i in range(n)]


def test_exact_search_returns_the_best_k_by_dot_product() -> None:
    rows = unit_rows(500, 32)
    index = VectorIndex(32, quantization="float32", train_at=0)
    assert index.add(ids(500), rows) == 500 and len(index) == 500
    query = rows[7]
    found = index.search(query, k=5)
    expected = np.argsort(-(rows @ query))[:5]
    assert [i for i, _ in found] == [f"f{i}" for i in expected]
    assert found[0][0] == "f7" and found[0][1] == pytest.approx(1.0, abs=1e-5)
    assert index.search(query, k=0) == [] and VectorIndex(4).search([1, 0, 0, 0]) == []


@pytest.mark.parametrize("quantization", ["int8", "float16"])
def test_quantized_search_matches_float32(quantization: str) -> None:
    rows, queries = unit_rows(2000, 64, seed=1), unit_rows(20, 64, seed=2)
    exact = VectorIndex(64, quantization="float32", train_at=0)
    small = VectorIndex(64, quantization=quantization, train_at=0)  # type: ignore[arg-type]
    exact.add(ids(2000), rows)
    small.add(ids(2000), rows)
    overlap, worst = [], 0.0
    for q in queries:
        want, got = exact.search(q, k=10), small.search(q, k=10)
        overlap.append(len({i for i, _ in want} & {i for i, _ in got}) / 10)
        scores = dict(want)
        worst = max([worst, *(abs(s - scores[i]) for i, s in got if i in scores)])
    assert np.mean(overlap) >= 0.9
    assert worst < 0.02
    assert small.nbytes < exact.nbytes


def test_ivf_search_has_high_recall_and_takes_incremental_adds() -> None:
    rows = clustered(4000, 32)
    index = VectorIndex(32, train_at=1000, probes=8)
    index.add(ids(4000), rows)
    recall = []
    for q in clustered(20, 32, seed=5):
        approx = {i for i, _ in index.search(q, k=10)}
        exact = {i for i, _ in index.search(q, k=10, exact=True)}
        recall.append(len(approx & exact) / 10)
    assert np.mean(recall) >= 0.9
    new = rows[3] * -1.0
    index.add(["late"], new[None, :])
    assert index.search(new, k=1)[0][0] == "late"


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rows = clustered(1500, 16)
    index = VectorIndex(16, train_at=1000)
    index.add(ids(1500), rows)
    before = index.search(rows[42], k=5)
    index.save(tmp_path / "index.npz")
    loaded = VectorIndex.load(tmp_path / "index.npz")
    assert len(loaded) == 1500 and loaded.quantization == "int8"
    assert loaded.search(rows[42], k=5) == before


def test_save_writes_exactly_the_path_given_and_replaces_it_whole(tmp_path: Path) -> None:
    index = VectorIndex(4)
    index.add(["a"], unit_rows(1, 4))
    index.save(tmp_path / "index")  # no suffix: NumPy must not add ".npz"
    index.add(["b"], unit_rows(1, 4))
    index.save(tmp_path / "index")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]
    assert len(VectorIndex.load(tmp_path / "index")) == 2


def test_loading_something_else_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="rebuild_index"):
        VectorIndex.load(tmp_path / "missing.npz")
    (tmp_path / "notes.txt").write_text("not an index")
    with pytest.raises(UserError, match="VectorIndex.save"):
        VectorIndex.load(tmp_path / "notes.txt")
    np.save(tmp_path / "array.npy", np.zeros(3))
    with pytest.raises(UserError, match="array.npy"):
        VectorIndex.load(tmp_path / "array.npy")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(UserError, match="other.npz"):
        VectorIndex.load(tmp_path / "other.npz")


def test_add_checks_shapes() -> None:
    with pytest.raises(UserError, match="ids"):
        VectorIndex(4).add(["a", "b"], unit_rows(1, 4))
    with pytest.raises(UserError, match="dim"):
        VectorIndex(0)


@pytest.mark.parametrize("quantization", ["float32", "float16", "int8"])
def test_vectors_whose_dot_products_would_overflow_are_refused(quantization: str) -> None:
    # Found by the property test: 1.3e19 is finite in float32 but its square is not.
    index = VectorIndex(2, train_at=0, quantization=quantization)  # type: ignore[arg-type]
    index.add(["x"], [[1.0, 0.0]])
    huge = 13_043_817_052_341_535_745.0
    with pytest.raises(UserError, match="above 1e.12.*normalize them first"):
        index.add(["a"], [[huge, huge]])
    assert len(index) == 1  # nothing was added
    with pytest.raises(UserError, match="query holds a value of magnitude 1.3e.19"):
        index.search([huge, huge], k=1)
    [(name, score)] = index.search([1e11, 0.0], k=1)  # large but safe: scored
    assert name == "x" and score == pytest.approx(1e11, rel=1e-6)


def test_float16_storage_refuses_values_it_cannot_hold() -> None:
    index = VectorIndex(2, train_at=0, quantization="float16")
    with pytest.raises(UserError, match="above float16's 65504.*quantization='float32'"):
        index.add(["a"], [[1e5, 0.0]])
    assert len(index) == 0
    index.add(["a"], [[6e4, 0.0]])  # within float16's range
    assert index.search([1.0, 0.0], k=1)[0][0] == "a"
