"""`VectorIndex`: fact embeddings in one quantized numpy matrix, searched by dot product.

Rows are unit-norm embeddings (see `agora.embeddings.Embedder`), stored as ``int8`` with one
``float32`` scale per row by default (a quarter of ``float32``: 1M x 384 takes 388 MB instead
of 1.5 GB), or as ``float16`` / ``float32``. Adding is incremental (amortised doubling).

Search is exact (chunked matrix-vector product, then ``argpartition``) until the index holds
`train_at` rows; from then on it is an inverted file (IVF): a k-means coarse quantizer of about
``sqrt(n)`` lists, of which the `probes` nearest to the query are scanned exactly. Lists are
trained on the first search that needs them (or by `VectorIndex.train`), and again when the
index has grown fourfold. ``search(..., exact=True)`` always scans everything.

The index is derived data: save it with `save` / `load`, or rebuild it from the store
(`agora.memory.retrieval.Retriever.rebuild_index`).

Example:
    >>> import numpy as np
    >>> from agora.embeddings import HashEmbedder
    >>> embedder = HashEmbedder(dim=64)
    >>> index = VectorIndex(embedder.dim)
    >>> index.add(["f1", "f2"], embedder.embed(["Paris is in France", "bread needs flour"]))
    2
    >>> [fact_id for fact_id, _ in index.search(embedder.embed(["France Paris"])[0], k=1)]
    ['f1']
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from agora._checks import check_bool, check_choice, check_int, check_text, check_texts
from agora.embeddings.base import MAX_DIM
from agora.errors import UserError

__all__ = ["Quantization", "VectorIndex"]

#: How rows are stored: ``int8`` with a per-row scale, or plain ``float16`` / ``float32``.
Quantization = Literal["int8", "float16", "float32"]

_QUANTIZATIONS = ("int8", "float16", "float32")
_F32 = npt.NDArray[np.float32]
_CHUNK = 32_768  # rows decoded at a time
#: Largest magnitude a stored or query component may have: two vectors of `MAX_DIM` such
#: components have a dot product well inside float32's range (unit vectors are far below).
MAX_VALUE = 1e12
_FLOAT16_MAX = float(np.finfo(np.float16).max)


class VectorIndex:
    """A growable matrix of fact embeddings with top-k dot-product search.

    Args:
        dim: vector length; every added row and query must have it.
        quantization: storage of rows (see `Quantization`).
        train_at: rows from which search switches from exact to IVF (0: always exact).
        probes: IVF lists scanned per query; more is slower and closer to exact.
        seed: seed of the k-means sample and initialisation.
    """

    def __init__(
        self,
        dim: int,
        *,
        quantization: Quantization = "int8",
        train_at: int = 50_000,
        probes: int = 12,
        seed: int = 0,
    ) -> None:
        check_int(dim, "VectorIndex dim", low=1, high=MAX_DIM, error=UserError)
        check_choice(quantization, "VectorIndex quantization", _QUANTIZATIONS, error=UserError)
        check_int(train_at, "VectorIndex train_at", low=0, error=UserError)
        check_int(probes, "VectorIndex probes", low=1, error=UserError)
        check_int(seed, "VectorIndex seed", low=0, error=UserError)
        self.dim, self.quantization = dim, quantization
        self.train_at, self.probes, self.seed = train_at, probes, seed
        self._codes = np.zeros((1024, dim), dtype=np.dtype(quantization))
        self._scale = np.ones(1024, dtype=np.float32)
        self._ids: list[str] = []
        self._centroids: _F32 | None = None
        self._assign = np.zeros(1024, dtype=np.int32)
        self._trained_size = 0
        self._bounds: npt.NDArray[np.int64] | None = None  # list p: rows bounds[p]:bounds[p+1]
        self._sorted = 0  # rows [0, _sorted) are stored grouped by list; later ones are a tail

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def nbytes(self) -> int:
        """Bytes held by the stored rows and their scales (capacity included).

        Example:
            >>> VectorIndex(128).nbytes
            139264
        """
        return int(self._codes.nbytes + self._scale.nbytes + self._assign.nbytes)

    def add(self, ids: Sequence[str], vectors: npt.ArrayLike) -> int:
        """Append rows `vectors` under fact ids `ids`; return how many.

        Example:
            >>> VectorIndex(2).add(["a"], [[1.0, 0.0]])
            1
        """
        ids = check_texts(ids, "ids", error=UserError)
        limit = _FLOAT16_MAX if self.quantization == "float16" else MAX_VALUE
        rows = self._rows(vectors, "vectors", (-1, self.dim), limit=limit)
        if len(rows) != len(ids):
            raise UserError(f"add() got {len(ids)} ids for {len(rows)} vectors; pass one each")
        start, end = len(self._ids), len(self._ids) + len(rows)
        self._reserve(end)
        self._codes[start:end], self._scale[start:end] = self._encode(rows)
        self._ids.extend(ids)
        if self._centroids is not None:
            self._assign[start:end] = self._nearest_list(start, end)
        return len(rows)

    def search(
        self, query: npt.ArrayLike, k: int = 10, *, exact: bool = False
    ) -> list[tuple[str, float]]:
        """The `k` fact ids whose rows have the largest dot product with `query`, best first.

        Example:
            >>> index = VectorIndex(2, train_at=0)
            >>> index.add(["x", "y"], [[1.0, 0.0], [0.0, 1.0]])
            2
            >>> index.search([0.0, 1.0], k=1)
            [('y', 1.0)]
        """
        q = self._rows(query, "query", (self.dim,))
        check_int(k, "k", error=UserError)
        check_bool(exact, "exact", error=UserError)
        if not self._ids or k <= 0:
            return []
        if exact or not self._use_ivf():
            spans = [(b, min(b + _CHUNK, len(self))) for b in range(0, len(self), _CHUNK)]
        else:
            spans = self._probe(q)
        scores = np.concatenate([self._scores(q, slice(a, b)) for a, b in spans])
        top = _top(scores, k)
        rows = np.concatenate([np.arange(a, b) for a, b in spans])[top]
        ids = self._ids
        best = scores[top].tolist()
        return [(ids[r], round(s, 6)) for r, s in zip(rows.tolist(), best, strict=True)]

    def save(self, path: str | Path) -> None:
        """Write the index to `path` (NumPy ``.npz`` format, at exactly that path).

        The file is written beside `path` and renamed over it, so a crash leaves the old
        file or the new one, never half of one.

        Example:
            >>> import tempfile, os
            >>> index = VectorIndex(2)
            >>> _ = index.add(["a"], [[0.6, 0.8]])
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     index.save(os.path.join(tmp, "ix.npz"))
            ...     VectorIndex.load(os.path.join(tmp, "ix.npz")).search([0.6, 0.8], k=1)[0][0]
            'a'
        """
        _check_path(path)
        n = len(self)
        centroids = self._centroids
        if centroids is None:
            centroids = np.zeros((0, self.dim), np.float32)
        target = Path(path)
        partial = target.with_name(f".{target.name}.partial")
        try:
            with open(partial, "wb") as out:  # a file object: NumPy adds no ".npz" to the name
                np.savez(
                    out, codes=self._codes[:n], scale=self._scale[:n],
                    ids=np.array(self._ids, dtype=str), assign=self._assign[:n],
                    centroids=centroids,
                    meta=np.array([self.train_at, self.probes, self.seed, self._trained_size]),
                )  # fmt: skip
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise UserError(
                f"cannot write the vector index to {str(path)!r} ({type(exc).__name__}: {exc}); "
                "pass a path in a directory that exists and is writable"
            ) from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        _sync_dir(target.parent)

    @classmethod
    def load(cls, path: str | Path) -> VectorIndex:
        """Read an index written by `save`.

        Raises:
            UserError: `path` is missing, or is not an index written by `save`.
        """
        _check_path(path)
        try:
            return cls._read(path)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise UserError(
                f"cannot read a vector index from {str(path)!r} ({type(exc).__name__}: {exc}); "
                "pass a file written by VectorIndex.save, or rebuild the index with "
                "Retriever.rebuild_index()"
            ) from exc

    @classmethod
    def _read(cls, path: str | Path) -> VectorIndex:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("a single NumPy array, not an .npz archive")
        with loaded as data:
            codes = data["codes"]
            train_at, probes, seed, trained = (int(v) for v in data["meta"])
            index = cls(codes.shape[1], quantization=str(codes.dtype), train_at=train_at,  # type: ignore[arg-type]
                        probes=probes, seed=seed)  # fmt: skip
            index._reserve(len(codes))
            n = len(codes)
            index._codes[:n], index._scale[:n] = codes, data["scale"]
            index._assign[:n] = data["assign"]
            index._ids = [str(i) for i in data["ids"]]
            if len(data["centroids"]):
                index._centroids, index._trained_size = data["centroids"], trained
        return index

    def _rows(
        self, values: npt.ArrayLike, name: str, shape: tuple[int, ...], limit: float = MAX_VALUE
    ) -> _F32:
        """`values` as finite float32 rows of `shape`, or a `UserError` naming `name`.

        No magnitude may exceed `MAX_VALUE`, nor `limit` (float16 storage's largest value).
        """
        try:
            with np.errstate(over="ignore"):  # a float32 overflow is an inf, refused below
                rows = np.asarray(values, dtype=np.float32).reshape(shape)
        except (TypeError, ValueError) as exc:
            raise UserError(
                f"{name} must be numbers of shape {shape} (dim {self.dim}): {exc}"
            ) from None
        if not np.isfinite(rows).all():
            raise UserError(f"{name} holds NaN or infinity; pass finite unit vectors")
        peak = float(np.abs(rows).max()) if rows.size else 0.0
        if peak > MAX_VALUE:
            raise UserError(
                f"{name} holds a value of magnitude {peak:.3g}, above {MAX_VALUE:g}: its dot "
                "products could overflow float32; pass unit vectors (normalize them first)"
            )
        if peak > limit:  # float16 storage
            raise UserError(
                f"{name} hold a value of magnitude {peak:.3g}, above float16's {limit:g}; pass "
                "unit vectors or use quantization='float32'"
            )
        return rows

    def _reserve(self, size: int) -> None:
        capacity = len(self._codes)
        if size <= capacity:
            return
        capacity = max(size, 2 * capacity)
        for name in ("_codes", "_scale", "_assign"):
            old: npt.NDArray[Any] = getattr(self, name)
            new = np.zeros((capacity, *old.shape[1:]), dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _encode(self, rows: _F32) -> tuple[npt.NDArray[Any], _F32]:
        if self.quantization != "int8":
            return rows, np.ones(len(rows), dtype=np.float32)
        scale = np.maximum(np.abs(rows).max(axis=1), np.float32(1e-12)) / np.float32(127.0)
        return np.rint(rows / scale[:, None]).astype(np.int8), scale.astype(np.float32)

    def _decode(self, rows: slice | npt.NDArray[np.int64]) -> _F32:
        block = self._codes[rows].astype(np.float32)
        if self.quantization == "int8":
            block *= self._scale[rows][:, None]
        return block

    def _scores(self, q: _F32, rows: slice | npt.NDArray[np.int64]) -> _F32:
        if isinstance(rows, slice):
            rows = slice(rows.start, min(rows.stop, len(self)))
        scores: _F32 = self._codes[rows].astype(np.float32) @ q
        if self.quantization == "int8":
            scores *= self._scale[rows]
        return scores

    def _use_ivf(self) -> bool:
        n = len(self)
        if self.train_at <= 0 or n < self.train_at:
            return False
        if self._centroids is None or n > 4 * self._trained_size:
            self.train()
        return True

    def train(self) -> None:
        """Train the IVF lists now on every row (else the first search that needs them does).

        Example:
            >>> index = VectorIndex(2, train_at=1)
            >>> _ = index.add(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
            >>> index.train()
            >>> index.search([1.0, 0.0], k=1)[0][0]
            'a'
        """
        n = len(self)
        n_lists = max(8, int(np.sqrt(n)))
        rng = np.random.default_rng(self.seed)
        sample = self._decode(np.sort(rng.choice(n, size=min(n, 40 * n_lists), replace=False)))
        self._centroids = _kmeans(sample, n_lists, rng)
        self._assign[:n] = np.concatenate(
            [self._nearest_list(b, min(b + _CHUNK, n)) for b in range(0, n, _CHUNK)]
        )
        self._trained_size = n
        self._group()

    def _nearest_list(self, start: int, end: int) -> npt.NDArray[np.int32]:
        assert self._centroids is not None
        nearest = np.argmax(self._decode(slice(start, end)) @ self._centroids.T, axis=1)
        lists: npt.NDArray[np.int32] = nearest.astype(np.int32)
        return lists

    def _group(self) -> None:
        """Store rows grouped by list, so that each probed list is one contiguous slice."""
        n = len(self)
        order = np.argsort(self._assign[:n], kind="stable")
        self._codes[:n], self._scale[:n] = self._codes[order], self._scale[order]
        self._assign[:n] = self._assign[order]
        self._ids = [self._ids[i] for i in order.tolist()]
        assert self._centroids is not None
        lists = np.arange(len(self._centroids) + 1)
        self._bounds = np.searchsorted(self._assign[:n], lists).astype(np.int64)
        self._sorted = n

    def _probe(self, q: _F32) -> list[tuple[int, int]]:
        """Row spans to scan: the `probes` lists nearest to `q`, and the unsorted tail."""
        assert self._centroids is not None
        if self._bounds is None or len(self) - self._sorted > max(10_000, self._sorted // 20):
            self._group()
        assert self._bounds is not None
        bounds = self._bounds
        spans = [
            (int(bounds[p]), int(bounds[p + 1])) for p in _top(self._centroids @ q, self.probes)
        ]
        return [*spans, (self._sorted, len(self))]


def _check_path(path: object) -> None:
    if not isinstance(path, str | os.PathLike):
        raise UserError(f"path must be a file path, got {type(path).__name__}")
    check_text(os.fspath(path), "path", empty=False, error=UserError)


def _sync_dir(directory: Path) -> None:
    """Flush `directory`'s entries (a rename in it survives a power cut); best effort."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _top(scores: _F32, k: int) -> npt.NDArray[np.int64]:
    """Indices of the `k` largest `scores`, largest first (ties: lower index first)."""
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))].astype(np.int64)


def _kmeans(sample: _F32, n_lists: int, rng: np.random.Generator, rounds: int = 8) -> _F32:
    """Spherical k-means centroids (unit rows) of `sample`."""
    n_lists = min(n_lists, len(sample))
    centroids = sample[rng.choice(len(sample), size=n_lists, replace=False)].copy()
    for _ in range(rounds):
        nearest = np.argmax(sample @ centroids.T, axis=1)
        sums = np.zeros_like(centroids)
        np.add.at(sums, nearest, sample)
        empty = ~sums.any(axis=1)
        sums[empty] = centroids[empty]
        centroids = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return centroids.astype(np.float32)
