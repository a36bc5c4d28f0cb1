"""BIG-bench's tasks, read from the ``bigbench==1.0.0`` sdist: fetch, verify, index, load.

The sdist on PyPI (358 MB, 1,041 ``task.json`` files) is the only copy of BIG-bench's JSON
tasks that a package registry serves. Installing it pulls TensorFlow, so agora never installs
it: `fetch` downloads the file itself into agora's cache, `verify` checks its pinned sha256,
and `read_families` reads the ``task.json`` members straight from the tarball (nothing is
extracted). `load_families` caches a small parsed index (``*.index.json``) beside the sdist.

Nothing here downloads implicitly: if the sdist is missing, loading raises `ConfigError`
naming the fetch command, ``python -m agora.evals.bigbench fetch``.

``pip download --no-deps bigbench==1.0.0`` would be the obvious command, but pip 26 refuses
this sdist (its metadata declares a direct-URL dependency on ``bleurt``), so `fetch` reads the
same file from PyPI's file host, at the URL PyPI's simple index lists for it.

A *family* is one top-level BIG-bench task (``benchmark_tasks/NAME/``): its own
``task.json`` gives the description and keywords its authors wrote, and its examples are those
of the task and of all its subtasks (``benchmark_tasks/NAME/SUB/task.json``). Each example
keeps its `Target` too (the authors' ``target`` or ``target_scores``, and the ``task_prefix``
of the file it came from), so a model's answer can be scored against it.

Example:
    >>> sdist_path(Path("/tmp/cache")).name
    'bigbench-1.0.0.tar.gz'
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import tarfile
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agora.errors import ConfigError

__all__ = [
    "FETCH_COMMAND",
    "POOL",
    "SDIST_SHA256",
    "SDIST_URL",
    "Family",
    "Target",
    "cache_dir",
    "fetch",
    "load_families",
    "read_families",
    "sdist_path",
    "select",
    "verify",
]

SDIST_NAME = "bigbench-1.0.0.tar.gz"
#: sha256 of ``bigbench-1.0.0.tar.gz`` as PyPI publishes it.
SDIST_SHA256 = "1bb398a5512c6d798cdebe0dfa0ac03f67f6033fa6b39c6ef71df978c7cbc5c2"
SDIST_URL = (
    "https://files.pythonhosted.org/packages/95/f8/"
    "c019b3579df548a04cac12342cfcb878e50ddf6cfcd7fddba8cfc721c157/" + SDIST_NAME
)
FETCH_COMMAND = "python -m agora.evals.bigbench fetch"
#: Examples kept per family in the index: a seeded sample of the distinct inputs.
POOL = 100
#: Inputs are cut to this many characters (MiniLM reads 256 tokens, about 1,000 of them).
MAX_CHARS = 2000
#: Version of the index's format: 2 added the examples' targets.
_INDEX_VERSION = 2
_MEMBER = re.compile(r"(?:^|/)bigbench/benchmark_tasks/([^/]+)/(?:([^/]+)/)?task\.json$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What counts as a right answer to one example, as its task's authors wrote it.

    Attributes:
        answers: the accepted answers: the ``target`` string(s), or, for a multiple-choice
            example, the ``target_scores`` options with the top (positive) score.
        choices: the multiple-choice options in the authors' order (``()``: free-form).
        prefix: the ``task_prefix`` of the ``task.json`` the example came from (``""``: none).

    Example:
        >>> Target(answers=("3", "three")).multiple_choice
        False
    """

    answers: tuple[str, ...]
    choices: tuple[str, ...] = ()
    prefix: str = ""

    @property
    def multiple_choice(self) -> bool:
        """Whether the example offers options (its answer is one of `choices`)."""
        return bool(self.choices)


@dataclass(frozen=True, slots=True, kw_only=True)
class Family:
    """One BIG-bench task: what its authors say it is, and a sample of its inputs.

    Attributes:
        name: the task's folder name, e.g. ``"date_understanding"``.
        description: the task's own ``description``.
        keywords: the task's own ``keywords``.
        examples: up to `POOL` distinct example inputs, a sample seeded by the task name.
        total: distinct example inputs the task (with its subtasks) holds in all.
        targets: the `Target` of each of `examples`, in the same order (``()`` for families
            built without them, e.g. `agora.evals.bigbench.suites.domains_suite`).
    """

    name: str
    description: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    total: int
    targets: tuple[Target, ...] = ()

    def target_of(self, text: str) -> Target | None:
        """The `Target` of example `text` (``None``: not an example here, or no targets).

        Example:
            >>> f = Family(name="t", description="d", keywords=(), examples=("q",), total=1,
            ...            targets=(Target(answers=("a",)),))
            >>> f.target_of("q").answers, f.target_of("other")
            (('a',), None)
        """
        if len(self.targets) != len(self.examples) or text not in self.examples:
            return None
        return self.targets[self.examples.index(text)]

    @property
    def profile(self) -> str:
        """The expert profile: the description and keywords, verbatim, nothing added.

        Example:
            >>> Family(name="t", description="Sort words.", keywords=("algorithms",),
            ...        examples=(), total=0).profile
            'Sort words. Keywords: algorithms.'
        """
        if not self.keywords:
            return self.description
        return f"{self.description} Keywords: {', '.join(self.keywords)}."


def cache_dir() -> Path:
    """Where the sdist lives: ``$AGORA_CACHE_DIR/bigbench`` (default ``~/.cache/agora``)."""
    root = os.environ.get("AGORA_CACHE_DIR") or Path.home() / ".cache" / "agora"
    return Path(root) / "bigbench"


def sdist_path(directory: Path | None = None) -> Path:
    """The sdist's path in `directory` (default: `cache_dir`)."""
    return (directory or cache_dir()) / SDIST_NAME


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, sha256: str = SDIST_SHA256) -> None:
    """Raise `ConfigError` unless `path` exists and hashes to `sha256`.

    Raises:
        ConfigError: the file is missing (the message names the fetch command) or differs.
    """
    if not path.is_file():
        raise ConfigError(
            f"the BIG-bench sdist is not at {path}. Fetch it once with `{FETCH_COMMAND}` "
            "(358 MB from PyPI; set AGORA_CACHE_DIR to cache it elsewhere)"
        )
    actual = _sha256(path)
    if actual != sha256:
        raise ConfigError(
            f"{path} has sha256 {actual[:16]}…, not the pinned {sha256[:16]}…: it is corrupt "
            f"or a different file. Delete it and run `{FETCH_COMMAND}` again"
        )


def fetch(
    directory: Path | None = None,
    *,
    url: str = SDIST_URL,
    sha256: str = SDIST_SHA256,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Download the sdist into `directory` (default `cache_dir`), verify it, return its path.

    A file already there with the right hash is kept. The download goes to a ``.part`` file
    that is renamed only once its hash matches, so a failed fetch leaves nothing behind.

    Raises:
        ConfigError: the download failed or its sha256 is not the pinned one.
    """
    say = progress or (lambda _: None)
    target = sdist_path(directory)
    if target.is_file():
        verify(target, sha256)
        say(f"{target} is already there and verified")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    say(f"downloading {url} to {target}")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=60) as response, part.open("wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ConfigError(f"could not download {url}: {exc}. Check the network and retry") from None
    if digest.hexdigest() != sha256:
        part.unlink(missing_ok=True)
        raise ConfigError(
            f"the file downloaded from {url} has sha256 {digest.hexdigest()[:16]}…, not the "
            f"pinned {sha256[:16]}…; it was not kept"
        )
    part.replace(target)
    say(f"verified sha256 {sha256[:16]}…")
    return target


def _target(example: Mapping[str, Any], prefix: str) -> Target:
    """The example's `Target`: its ``target_scores`` when it has them, else its ``target``."""
    scores = example.get("target_scores")
    if isinstance(scores, Mapping) and scores:
        choices = tuple(str(c) for c in scores)
        values = [float(v) if isinstance(v, int | float) else 0.0 for v in scores.values()]
        top = max(values)
        answers = tuple(c for c, v in zip(choices, values, strict=True) if v == top and v > 0)
        return Target(answers=answers, choices=choices, prefix=prefix)
    target = example.get("target")
    texts = [target] if isinstance(target, str) else target if isinstance(target, list) else []
    return Target(answers=tuple(str(t) for t in texts), prefix=prefix)


def _inputs(task: Mapping[str, Any]) -> Iterable[tuple[str, Target]]:
    prefix = task.get("task_prefix")
    prefix = prefix.strip() if isinstance(prefix, str) else ""
    for example in task.get("examples", ()):
        text = example.get("input") if isinstance(example, Mapping) else None
        if isinstance(text, str) and text.strip():
            yield text.strip()[:MAX_CHARS], _target(example, prefix)


def _read_tasks(
    path: Path,
) -> tuple[dict[str, dict[str, Any]], dict[str, list[tuple[str, Target]]]]:
    heads: dict[str, dict[str, Any]] = {}
    inputs: dict[str, list[tuple[str, Target]]] = defaultdict(list)
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                match = _MEMBER.search(member.name)
                handle = tar.extractfile(member) if match and member.isfile() else None
                if match is None or handle is None:
                    continue
                task = json.load(handle)
                name, sub = match.group(1), match.group(2)
                if sub is None:
                    heads[name] = task
                inputs[name].extend(_inputs(task))
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise ConfigError(f"cannot read BIG-bench tasks from {path}: {exc}") from None
    return heads, inputs


def read_families(path: Path, *, sha256: str = SDIST_SHA256, pool: int = POOL) -> list[Family]:
    """Every family in the sdist at `path` (verified first), sorted by name.

    Tasks whose top-level ``task.json`` has no description are left out (none in 1.0.0).

    Raises:
        ConfigError: the file is missing, differs from `sha256`, or is not a readable tarball.
    """
    verify(path, sha256)
    heads, inputs = _read_tasks(path)
    families = []
    for name in sorted(heads):
        head = heads[name]
        description = head.get("description")
        if not isinstance(description, str) or not description.strip():
            continue
        first: dict[str, Target] = {}  # a repeated input keeps its first target
        for text, target in inputs[name]:
            first.setdefault(text, target)
        distinct = list(first.items())
        random.Random(name).shuffle(distinct)  # a prefix of it is a sample of any size
        keywords = tuple(str(k) for k in head.get("keywords", ()) if isinstance(k, str))
        families.append(
            Family(
                name=name,
                description=" ".join(description.split()),
                keywords=keywords,
                examples=tuple(text for text, _ in distinct[:pool]),
                total=len(distinct),
                targets=tuple(target for _, target in distinct[:pool]),
            )
        )
    return families


def _index_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".tar.gz") + ".index.json")


def _from_index(index: Path, sha256: str, pool: int) -> list[Family] | None:
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
        if data["version"] != _INDEX_VERSION or data["sha256"] != sha256 or data["pool"] < pool:
            return None
        return [
            Family(
                name=f["name"],
                description=f["description"],
                keywords=tuple(f["keywords"]),
                examples=tuple(f["examples"][:pool]),
                total=f["total"],
                targets=tuple(_target_from(t, f["prefixes"]) for t in f["targets"][:pool]),
            )
            for f in data["families"]
        ]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _target_from(row: list[Any], prefixes: list[str]) -> Target:
    answers, choices, prefix = row
    return Target(answers=tuple(answers), choices=tuple(choices), prefix=prefixes[prefix])


def _family_row(family: Family) -> dict[str, Any]:
    """`family` as the index stores it (each distinct task prefix once)."""
    prefixes = list(dict.fromkeys(t.prefix for t in family.targets))
    return {
        "name": family.name,
        "description": family.description,
        "keywords": list(family.keywords),
        "examples": list(family.examples),
        "total": family.total,
        "prefixes": prefixes,
        "targets": [
            [list(t.answers), list(t.choices), prefixes.index(t.prefix)] for t in family.targets
        ],
    }


def load_families(
    path: Path | None = None,
    *,
    sha256: str = SDIST_SHA256,
    pool: int = POOL,
    progress: Callable[[str], None] | None = None,
) -> list[Family]:
    """`read_families`, cached in an index file beside the sdist (rebuilt when stale).

    The sdist is verified every time; the index is used only if it records the same sha256.

    Raises:
        ConfigError: the sdist is missing (run `FETCH_COMMAND`) or fails verification.
    """
    path = path or sdist_path()
    index = _index_path(path)
    verify(path, sha256)
    cached = _from_index(index, sha256, pool)
    if cached is not None:
        return cached
    say = progress or (lambda _: None)
    say(f"indexing {path} (once; about 15 s)")
    families = read_families(path, sha256=sha256, pool=max(pool, POOL))
    payload = {
        "version": _INDEX_VERSION,
        "sha256": sha256,
        "pool": max(pool, POOL),
        "families": [_family_row(f) for f in families],
    }
    try:
        index.write_text(json.dumps(payload), encoding="utf-8")
    except OSError as exc:  # a read-only cache still works, only slower
        say(f"could not write the index {index}: {exc}")
    return [
        Family(
            name=f.name,
            description=f.description,
            keywords=f.keywords,
            examples=f.examples[:pool],
            total=f.total,
            targets=f.targets[:pool],
        )
        for f in families
    ]


def select(families: Sequence[Family], names: Sequence[str]) -> list[Family]:
    """The families called `names`, in that order.

    Raises:
        ConfigError: a name is not a family of the sdist.
    """
    by_name = {f.name: f for f in families}
    missing = [n for n in names if n not in by_name]
    if missing:
        raise ConfigError(f"no BIG-bench task named {missing}; known: {sorted(by_name)[:8]}…")
    return [by_name[n] for n in names]
