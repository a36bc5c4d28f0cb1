"""The BIG-bench routing eval on a tiny synthetic sdist in BIG-bench's layout."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from agora.embeddings import CachedEmbedder, HashEmbedder
from agora.errors import ConfigError, UserError
from agora.evals.bigbench import metrics, source
from agora.evals.bigbench._render import render
from agora.evals.bigbench.cli import main
from agora.evals.bigbench.diagram import reliability_svg
from agora.evals.bigbench.evaluate import Split, make_split, run, score
from agora.evals.bigbench.llm import ModelMethod
from agora.evals.bigbench.methods import (
    BM25Method,
    CentroidMethod,
    Example,
    NearestMethod,
    Ranking,
    RouterMethod,
    default_router,
)
from agora.evals.bigbench.suites import BBH_SOURCES, bigbench_suite, domains_suite
from agora.evals.routing import make_router
from agora.testing import ScriptedModel

USER_CACHE = Path.home() / ".cache" / "agora" / "bigbench"
WORDS = {
    "date_understanding": ["calendar", "yesterday", "tomorrow", "month", "date"],
    "word_sorting": ["sort", "alphabetical", "list", "words", "order"],
    "navigate": ["steps", "forward", "turn", "left", "start"],
    "sports_understanding": ["player", "goal", "scored", "match", "team"],
    "geometric_shapes": ["svg", "path", "polygon", "draws", "shape"],
}


def _task(name: str, count: int, *, head: bool = True) -> dict[str, Any]:
    words = WORDS.get(name, [name, "thing", "stuff", "other", "more"])
    examples = [
        {
            "input": f"{words[i % 5]} {words[(i + 1) % 5]} {words[(i + 2) % 5]} case {i}",
            "target": "x",
        }
        if i % 2
        else {
            "input": f"{words[i % 5]} {words[(i + 3) % 5]} item {i}",
            "target_scores": {"a": 1, "b": 0},
        }
        for i in range(count)
    ]
    task: dict[str, Any] = {"examples": examples}
    if head:
        task |= {"description": f"Tasks about {words[0]} and {words[1]}", "keywords": [words[2]]}
    return task


def _add(tar: tarfile.TarFile, name: str, data: dict[str, Any]) -> None:
    raw = json.dumps(data).encode()
    info = tarfile.TarInfo(name)
    info.size = len(raw)
    tar.addfile(info, io.BytesIO(raw))


def make_sdist(path: Path, names: list[str], count: int = 12) -> str:
    """A tar.gz in the sdist's layout; returns its sha256."""
    root = "bigbench-1.0.0/bigbench/benchmark_tasks"
    with tarfile.open(path, "w:gz") as tar:
        for name in names:
            _add(tar, f"{root}/{name}/task.json", _task(name, count // 2))
            _add(tar, f"{root}/{name}/sub/task.json", _task(name + "x", count // 2, head=False))
        _add(tar, f"{root}/no_description/task.json", {"examples": [{"input": "q"}]})
        _add(tar, "bigbench-1.0.0/README.md", {"not": "a task"})
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sdist(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "bigbench-1.0.0.tar.gz"
    return path, make_sdist(path, list(WORDS))


def test_reads_families_from_the_tarball(sdist: tuple[Path, str]) -> None:
    path, digest = sdist
    families = source.read_families(path, sha256=digest)
    assert [f.name for f in families] == sorted(WORDS)  # no description: left out
    family = families[0]
    assert family.description.startswith("Tasks about") and family.keywords
    assert family.total == 12 and len(family.examples) == 12  # task and subtask examples
    assert family.profile == f"{family.description} Keywords: {family.keywords[0]}."


def test_hash_mismatch_is_a_config_error(sdist: tuple[Path, str]) -> None:
    path, _ = sdist
    with pytest.raises(ConfigError, match="sha256"):
        source.read_families(path, sha256="0" * 64)


def test_missing_sdist_names_the_fetch_command(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="agora.evals.bigbench fetch"):
        source.load_families(tmp_path / "bigbench-1.0.0.tar.gz")


def test_index_is_written_and_reused(sdist: tuple[Path, str]) -> None:
    path, digest = sdist
    first = source.load_families(path, sha256=digest, pool=8)
    index = path.with_name("bigbench-1.0.0.index.json")
    assert json.loads(index.read_text())["sha256"] == digest
    again = source.load_families(path, sha256=digest, pool=8)
    assert again == first and all(len(f.examples) == 8 for f in again)


def test_fetch_verifies_and_keeps_nothing_on_mismatch(
    sdist: tuple[Path, str], tmp_path: Path
) -> None:
    path, digest = sdist
    cache = tmp_path / "cache"
    with pytest.raises(ConfigError, match="not kept"):
        source.fetch(cache, url=path.as_uri(), sha256="f" * 64)
    assert not any(cache.iterdir())
    got = source.fetch(cache, url=path.as_uri(), sha256=digest)
    assert got.read_bytes() == path.read_bytes()
    assert source.fetch(cache, url="file:///nowhere", sha256=digest) == got  # kept, not fetched


def test_ece_of_a_perfectly_calibrated_toy_is_zero() -> None:
    confidences = [0.25] * 4 + [0.75] * 4 + [1.0] * 3
    correct = [True, False, False, False] + [True, True, True, False] + [True] * 3
    assert metrics.ece(confidences, correct) == pytest.approx(0.0)
    assert metrics.ece([1.0, 1.0], [False, False]) == pytest.approx(1.0)
    bins = metrics.reliability(confidences, correct)
    assert len(bins) == metrics.BINS and sum(b.count for b in bins) == 11
    with pytest.raises(UserError):
        metrics.reliability([1.5], [True])


def test_dynamic_count_follows_the_router_rule() -> None:
    assert metrics.dynamic_count([0.5, 0.3, 0.2], p=0.7, k_max=4) == 2
    assert metrics.dynamic_count([0.25] * 4, p=0.99, k_max=3) == 3


def _toy_split() -> Split:
    experts = {name: " ".join(words) for name, words in WORDS.items()}
    train = [Example(n, f"{w[i]} {w[i + 1]}") for n, w in WORDS.items() for i in range(3)]
    test = [Example(n, f"{w[2]} {w[3]} {w[4]}") for n, w in WORDS.items()]
    unseen = [Example("cooking", "bake bread with flour"), Example("cooking", "boil pasta")]
    return Split(
        seed=0, experts=experts, held_out=("cooking",), train=train, test=test, unseen=unseen
    )


@pytest.mark.parametrize("kind", ["router", "bm25", "nearest", "centroid"])
def test_every_method_routes_lexical_toys_right(kind: str) -> None:
    emb = CachedEmbedder(HashEmbedder())
    method = {
        "router": RouterMethod(emb),
        "bm25": BM25Method(),
        "nearest": NearestMethod(emb),
        "centroid": CentroidMethod(emb),
    }[kind]
    result, pairs = score(method, _toy_split())
    assert result.top1 == 1.0 and result.top_k == 1.0 and result.dynamic == 1.0
    assert len(pairs) == result.test == 5 and result.unseen == 2
    assert 0.0 <= result.ece <= 1.0


def test_router_abstains_on_unseen_families_by_its_min_fit() -> None:
    # The hash embedder gives texts with no shared word a similarity of 0 < min_fit.
    result, _ = score(RouterMethod(CachedEmbedder(HashEmbedder())), _toy_split())
    assert result.abstain == 1.0 and result.false_abstain == 0.0


def test_baseline_abstains_below_its_train_threshold() -> None:
    result, _ = score(NearestMethod(CachedEmbedder(HashEmbedder())), _toy_split())
    assert result.abstain == 1.0


def test_router_is_pluggable() -> None:
    built: list[int] = []

    def factory(embedder: Any, seed: int) -> Any:
        built.append(seed)
        return make_router(embedder, {}, seed=seed)

    method = RouterMethod(CachedEmbedder(HashEmbedder()), factory=factory, learn_rounds=1, seed=3)
    result, _ = score(method, _toy_split())
    assert built == [3] and result.top1 == 1.0


class _Recorder:
    """A RouterLike that ranks experts in a fixed order and keeps what it was told."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.records: list[tuple[str, bool]] = []

    def register(self, name: str, expertise: str) -> None:
        assert name in self.order

    def route(self, task: str, *, exclude: Any = (), mode: Any = None, explore: Any = None) -> Any:
        from agora.agents.routing import Route

        names = [n for n in self.order if n not in exclude]
        return Route((names[0],), tuple((n, 1 / len(names)) for n in names), -1, "top1")

    def record(self, route: Any, agent: str, success: float | bool, task: str | None) -> None:
        self.records.append((agent, bool(success)))


@pytest.mark.parametrize(("feedback", "expected"), [("own", 1), ("forward", 3)])
def test_forwarding_feedback_records_every_attempt_up_to_the_solver(
    feedback: str, expected: int
) -> None:
    order = ["a", "b", "c", "d", "e", "f"]
    recorder = _Recorder(order)
    method = RouterMethod(
        CachedEmbedder(HashEmbedder()),
        factory=lambda embedder, seed: recorder,
        learn_rounds=1,
        feedback=feedback,  # type: ignore[arg-type]
    )
    method.fit({n: n for n in order}, [Example("c", "a task for c")])
    assert len(recorder.records) == expected
    assert recorder.records[-1] == (("c", True) if feedback == "forward" else ("a", False))
    recorder.records.clear()
    method.fit({n: n for n in order}, [Example("f", "beyond the forward budget")])
    if feedback == "forward":  # 1 + MAX_FORWARDS attempts, none of them f
        assert recorder.records == [(n, False) for n in "abcd"]
    with pytest.raises(UserError, match="feedback"):
        RouterMethod(CachedEmbedder(HashEmbedder()), feedback="all")  # type: ignore[arg-type]


def test_forwarding_feedback_beats_own_route_feedback_on_misleading_profiles() -> None:
    # Profiles that all match every task: only forwarding finds the right expert to learn.
    split = _toy_split()
    blank = {name: "general questions" for name in split.experts}
    split = Split(seed=0, experts=blank, held_out=(), train=split.train, test=split.test, unseen=[])
    tops: dict[str, list[float]] = {"own": [], "forward": []}
    for feedback, seed in [(f, s) for f in tops for s in range(3)]:
        method = RouterMethod(
            CachedEmbedder(HashEmbedder()),
            learn_rounds=1,
            feedback=feedback,  # type: ignore[arg-type]
            seed=seed,
        )
        tops[feedback].append(score(method, split)[0].top1)
    assert tops["forward"] == [1.0] * 3 and sum(tops["own"]) < 3.0


def test_dev_split_never_reads_the_test_half(sdist: tuple[Path, str]) -> None:
    path, digest = sdist
    families = source.load_families(path, sha256=digest)
    test = make_split(families, seed=0, held_out=1, per_family=12)
    dev = make_split(families, seed=0, held_out=1, per_family=12, dev=True)
    assert set(dev.train + dev.test) <= set(test.train)
    assert not set(dev.train) & set(dev.test) and dev.test
    assert not set(dev.unseen) & set(test.unseen) and dev.unseen


def test_teaching_the_train_examples_gives_the_router_the_baselines_supervision() -> None:
    report = run("domains", embedder="hash", seeds=[0, 1], learn_rounds=1)
    taught = report.row("router + train examples + forwarding feedback (1 rounds)")
    plain = report.row("router")
    assert taught.top1.mean > plain.top1.mean  # hash profiles alone are weak; examples help
    split = make_split(domains_suite(), seed=0, held_out=1, per_family=8)
    method = RouterMethod(HashEmbedder(), teach=True)
    method.fit(split.experts, split.train)
    assert method.router is not None and len(method.router._memory) == len(split.experts)


def test_domains_suite_scores_two_domain_coverage() -> None:
    report = run("domains", embedder="hash", seeds=[0], learn_rounds=1)
    row = report.row("router + forwarding feedback (1 rounds)")
    assert row.covers is not None and 0.0 <= row.covers.mean <= 1.0
    assert report.row("class centroid").covers is not None
    mixed = report.row("router + forwarding feedback (1 rounds), K by decomposition")
    assert mixed.covers is not None
    # The same training, so the same ranking: only how many experts dynamic K takes differs.
    assert [s.top1 for s in mixed.seeds] == [s.top1 for s in row.seeds]
    assert [s.ece for s in mixed.seeds] == [s.ece for s in row.seeds]
    other = run(
        "domains",
        embedder="hash",
        seeds=[0],
        learn_rounds=1,
        router=lambda emb, seed: default_router(emb, seed),
    )
    assert not any("decomposition" in r.method for r in other.rows)  # a custom router: no row
    assert (
        run("domains", embedder="hash", seeds=[0], learn_rounds=0, dev=True).rows[0].covers is None
    )


def test_model_row_with_a_scripted_model() -> None:
    split = _toy_split()
    replies = [{"expert": e.family, "confidence": 0.9} for e in split.test]
    replies += [{"expert": "none", "confidence": 0.8}, {"expert": "navigate", "confidence": 0.6}]
    model = ScriptedModel(replies)
    result, pairs = score(ModelMethod(model), split)
    model.assert_complete()
    assert result.top1 == 1.0 and result.abstain == 0.5 and result.false_abstain == 0.0
    assert result.ece == pytest.approx(0.1)
    assert "word_sorting:" in model.calls[0][1].content  # the profiles are in the prompt
    assert model.schemas[0] is not None


def test_model_reply_that_stays_invalid_counts_as_wrong() -> None:
    model = ScriptedModel([{"expert": "nobody", "confidence": 2}], cycle=True)
    method = ModelMethod(model)
    method.fit({"a": "x"}, [])
    assert method.rank(["t"]) == [Ranking((), 0.0, False)] and method.failures == 1


def test_split_is_by_example_and_seeded(sdist: tuple[Path, str]) -> None:
    path, digest = sdist
    families = source.read_families(path, sha256=digest)
    a = make_split(families, seed=1, held_out=2, per_family=10)
    b = make_split(families, seed=1, held_out=2, per_family=10)
    assert a == b and len(a.held_out) == 2 and len(a.experts) == 3
    assert {e.family for e in a.unseen} == set(a.held_out)
    assert not {e.text for e in a.train} & {e.text for e in a.test}
    assert len(a.train) == len(a.test) == 15
    with pytest.raises(UserError):
        make_split(families, seed=0, held_out=5, per_family=10)


def test_run_on_the_synthetic_sdist(sdist: tuple[Path, str], monkeypatch: Any) -> None:
    path, digest = sdist

    def load(path: Path | None, *, progress: Any) -> list[source.Family]:
        return source.load_families(path, sha256=digest, progress=progress)

    monkeypatch.setattr("agora.evals.bigbench.evaluate.load_families", load)
    monkeypatch.setattr("agora.evals.bigbench.suites.BBH_SOURCES", tuple(WORDS))
    report = run(
        "bbh",
        embedder="hash",
        seeds=[0, 1, 2],
        sdist=path,
        per_family=12,
        model=ScriptedModel([{"expert": "none", "confidence": 0.5}], cycle=True),
        model_sample=3,
    )
    methods = [r.method for r in report.rows]
    assert methods[:3] == [
        "router",
        "router + own-route feedback (2 rounds)",
        "router + forwarding feedback (2 rounds)",
    ]
    assert "router + train examples + forwarding feedback (2 rounds)" in methods
    assert {"BM25 over descriptions", "nearest train example", "class centroid"} < set(methods)
    assert report.row("model scripted").n_test == 9  # 3 per seed
    row = report.row("class centroid")
    assert row.top1.low <= row.top1.mean <= row.top1.high and len(row.seeds) == 3
    console = Console(record=True, file=io.StringIO(), width=200)
    render(report, console)
    assert "class centroid" in console.export_text()


def test_bbh_suite_names_twenty_json_tasks() -> None:
    assert len(set(BBH_SOURCES)) == 20
    with pytest.raises(ConfigError, match="no BIG-bench task"):
        bigbench_suite([], "bbh")


def test_cli_run_writes_json_and_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, svg = tmp_path / "out.json", tmp_path / "rel.svg"
    argv = ["run", "--suite", "domains", "--embedder", "hash", "--seeds", "2"]
    assert main([*argv, "--json", str(out), "--diagram", str(svg)]) == 0
    data = json.loads(out.read_text())
    assert data["suite"] == "domains" and len(data["rows"]) == 8
    assert svg.read_text().startswith("<svg")
    out_text = capsys.readouterr().out
    assert "Routing on domains" in out_text and "paired by seed" in out_text
    # every router row (5) against every baseline (3), with seed counts that add up
    assert len(data["paired"]) == 15
    rows = {r["method"]: r for r in data["rows"]}
    for p in data["paired"]:
        assert p["ahead"] + p["level"] + p["behind"] == 2
        mine, theirs = rows[p["method"]]["seeds"], rows[p["baseline"]]["seeds"]
        mean = sum(a["top1"] - b["top1"] for a, b in zip(mine, theirs, strict=True)) / 2
        assert p["diff"]["mean"] == pytest.approx(mean)


def test_cli_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--sdist", str(tmp_path / "missing.tar.gz"), "--embedder", "hash"]) == 1
    assert "ConfigError" in capsys.readouterr().err
    assert main(["run", "--suite", "domains", "--router", "no.such:thing"]) == 1
    assert "UserError" in capsys.readouterr().err
    # A folder as --json fails before the run, not after it (the results would be lost).
    assert main(["run", "--suite", "domains", "--embedder", "hash", "--json", str(tmp_path)]) == 1
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "ConfigError" in err and "is a folder; give a file path" in err and "seed 0" not in err


def test_svg_escapes_names() -> None:
    assert "&lt;b&gt;" in reliability_svg({"<b>": metrics.reliability([0.5], [True])})


@pytest.mark.slow
def test_real_sdist_bbh_minilm(tmp_path: Path) -> None:
    # The suite points AGORA_CACHE_DIR at a temporary folder; look where a user caches it.
    cached = Path(os.environ.get("AGORA_BIGBENCH_SDIST") or source.sdist_path(USER_CACHE))
    if not cached.is_file():
        pytest.skip(f"the BIG-bench sdist is not at {cached}; run `{source.FETCH_COMMAND}`")
    link = tmp_path / cached.name  # the index is written beside it, so not in the user's cache
    link.symlink_to(cached)
    report = run("bbh", embedder="minilm", seeds=[0, 1], learn_rounds=0, sdist=link)
    assert len(report.families) == 20 and link.with_name("bigbench-1.0.0.index.json").is_file()
    assert report.row("router").top1.mean > 0.5
    assert report.row("class centroid").top1.mean > report.row("BM25 over descriptions").top1.mean


@pytest.mark.slow
def test_embedded_model_picks_on_a_small_sample() -> None:
    report = run(
        "domains", embedder="hash", seeds=[0], learn_rounds=0, model="local", model_sample=3
    )
    row = report.row(next(r.method for r in report.rows if r.kind == "model"))
    assert row.n_test == 3 and 0.0 <= row.top1.mean <= 1.0


def test_ece_floor_is_what_sampling_alone_gives_a_calibrated_method() -> None:
    assert metrics.ece_floor([]) == 0.0
    assert metrics.ece_floor([1.0] * 40) == 0.0  # certain and right: no sampling error
    small, large = metrics.ece_floor([0.7] * 50), metrics.ece_floor([0.7] * 5000)
    assert 0.03 < small < 0.12 and large < 0.02 and large < small  # shrinks as 1/sqrt(n)
    assert metrics.ece_floor([0.7] * 50, seed=1) != small  # a draw, seeded


def test_rows_carry_the_ece_floor() -> None:
    report = run("domains", embedder="hash", seeds=[0], learn_rounds=0)
    for row in report.rows:
        assert row.ece_floor is not None and 0.0 <= row.ece_floor.mean <= 1.0
        assert row.seeds[0].ece_floor == row.ece_floor.mean
    assert any(row.ece_floor.mean > 0 for row in report.rows if row.ece_floor is not None)


def test_rows_carry_the_ece_of_every_seed_pooled() -> None:
    report = run("domains", embedder="hash", seeds=[0, 1], learn_rounds=0)
    for row in report.rows:
        assert row.ece_pooled is not None and row.ece_pooled_floor is not None
        # The reliability bins pool the same (confidence, right) pairs: their weighted gaps
        # are the pooled ECE.
        n = sum(b.count for b in row.reliability)
        gaps = sum(b.count * abs(b.accuracy - b.confidence) for b in row.reliability) / n
        assert row.ece_pooled == pytest.approx(gaps)
        assert n == row.n_test
    # Two seeds' examples pooled: sampling adds less than to each seed's own ECE.
    floors = [(r.ece_pooled_floor, r.ece_floor) for r in report.rows]
    assert all(p is not None and f is not None and p < f.mean for p, f in floors if f and f.mean)
    assert '"ece_pooled": ' in json.dumps(report.to_dict())
