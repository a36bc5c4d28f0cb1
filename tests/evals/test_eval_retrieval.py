"""The retrieval eval: corpus and split, its methods on agora's real paths, tuning, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agora import ConfigError
from agora.embeddings import HashEmbedder
from agora.evals._retrieval_bench import BASELINE, Bench, common_share
from agora.evals._retrieval_tune import tune
from agora.evals.retrieval import METRICS, main, run, scores
from agora.evals.retrieval_data import Corpus, load_corpus, split_of
from agora.memory.retrieval import _bm25

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "knowledge-spread"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="the paper's files are not here")

PEOPLE = [
    ("David Robinson", "professionally plays the sport", "basketball", "Tim Duncan plays"),
    ("Pete La Roca", "plays", "jazz", "Otis Taylor performs"),
    ("Kelly Link", "writes in the genre of", "fantasy", "David Langford writes"),
    ("Adrian III", "holds the position of", "pope", "Boniface VIII is a"),
    ("Mel Powell", "is known for performing", "swing", "Quincy Jones is known for"),
    ("Zero Motivation", "was filmed in the language", "Hebrew", "No. 17 was in"),
    ("Kitale", "is a town located in", "Kenya", "Eldoret lies in"),
    ("Dennis Rodman", "rebounded for a team playing", "basketball", "Charles Barkley plays"),
    ("Ada Lovelace", "wrote notes about the engine of", "Babbage", "Mary Somerville knew"),
    ("Otto Masing", "died in the village of", "Aksi", "Tartu is near"),
    ("Kirby Puckett", "had a career as a", "baseball player", "Tony Gwynn was a"),
    ("Kay Voser", "plays football as a", "defender", "Marco Streller played as"),
]


def counterfact(path: Path) -> Path:
    records = [
        {
            "case_id": 100 + n,
            "prompt": f"{subject} {relation}",
            "target_new": "nothing",
            "subject": subject,
            "ground_truth": truth,
            "rephrase_prompt": f"{subject}'s greatest strength is",
            "locality_prompt": local,
            "locality_ground_truth": truth,
            "fake_evidence": "invented",
        }
        for n, (subject, relation, truth, local) in enumerate(PEOPLE)
    ]
    path.write_text(json.dumps(records))
    return path


def zsre(path: Path) -> Path:
    records = [
        {
            "subject": subject,
            "src": f"What does {subject} do?",
            "pred": truth,
            "rephrase": f"What is it that {subject} does?",
            "alt": "nothing",
            "answers": [truth],
            "loc": f"nq question: who is {local}",
            "loc_ans": "someone",
            "cond": "",
            "fake_evidence": "invented",
        }
        for subject, _, truth, local in PEOPLE
    ]
    path.write_text(json.dumps(records))
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    return load_corpus(counterfact(tmp_path / "counterfact.json"))


def test_corpus_has_each_fact_and_its_locality_fact_and_two_queries_per_case(
    corpus: Corpus,
) -> None:
    assert len(corpus.queries) == 2 * len(PEOPLE)
    texts = set(corpus.docs.values())
    assert "David Robinson professionally plays the sport basketball" in texts
    assert "Tim Duncan plays basketball" in texts
    for query in corpus.queries:
        fact = corpus.docs[query.relevant]
        if query.kind == "prompt":
            assert fact.startswith(query.text) and fact != query.text
        else:
            assert query.text.split("'")[0] in fact  # the subject
    assert {q.kind for q in corpus.queries} == {"prompt", "rephrase"}


def test_zsre_layout_loads_as_question_and_answer(tmp_path: Path) -> None:
    corpus = load_corpus(zsre(tmp_path / "zsre.json"))
    assert corpus.docs[corpus.queries[0].relevant] == "What does David Robinson do? basketball"


def test_split_is_a_function_of_the_case_id_alone_and_samples_stay_held_out(
    corpus: Corpus,
) -> None:
    assert all(q.split == split_of(q.case) for q in corpus.queries)
    assert set(corpus.cases("dev")).isdisjoint(corpus.cases("held-out"))
    for seed in range(3):
        sample = corpus.sample("held-out", seed=seed, count=3)
        assert sample and all(q.split == "held-out" for q in sample)
    assert corpus.sample("held-out", seed=1, count=3) == corpus.sample("held-out", seed=1, count=3)


@pytest.mark.parametrize("path", ["missing.json", "bad.json"])
def test_bad_data_raises_a_config_error_naming_the_argument(tmp_path: Path, path: str) -> None:
    (tmp_path / "bad.json").write_text(json.dumps([{"neither": "layout"}]))
    with pytest.raises(ConfigError, match="--data"):
        load_corpus(tmp_path / path)


def test_cli_reports_bad_data_as_a_typed_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data", str(tmp_path / "nope.json"), "--embedders", "hash"]) == 1
    assert capsys.readouterr().err.startswith("ConfigError: --data")
    good = counterfact(tmp_path / "cf.json")
    assert main(["--data", str(good), "--embedders", "word2vec"]) == 1
    assert "ConfigError: --embedders" in capsys.readouterr().err


def test_a_query_identical_to_a_fact_ranks_it_first_by_every_method(corpus: Corpus) -> None:
    bench = Bench(corpus.docs, {"hash": HashEmbedder()})
    try:
        assert bench.methods[0] == BASELINE
        for doc_id, text in list(corpus.docs.items())[:6]:
            for method in bench.methods:
                assert bench.rank(method, text).ids[0] == doc_id, (method, text)
    finally:
        bench.close()


def test_the_sweeps_replayed_fusion_equals_the_retriever_at_the_defaults(corpus: Corpus) -> None:
    bench = Bench(corpus.docs, {"hash": HashEmbedder()})
    retriever = bench.retrievers["hash"]
    try:
        for query in corpus.queries:
            vector = bench.vector(retriever, retriever.embed_query(query.text))
            replay = bench.fused(bench.bm25(query.text), vector, k=60, weights={"vector": 1.0})
            assert list(bench.rank("hybrid (hash)", query.text).ids) == replay
    finally:
        bench.close()


def test_common_share_changes_the_rule_only_inside_the_block() -> None:
    before = _bm25.COMMON_SHARE
    with pytest.raises(RuntimeError), common_share(0.5):
        assert _bm25.COMMON_SHARE == 0.5
        raise RuntimeError
    assert before == _bm25.COMMON_SHARE


def test_scores_read_the_top_ten_only() -> None:
    ranked = [f"d{n}" for n in range(16)]
    assert scores(ranked, "d0") == dict.fromkeys(METRICS, 1.0)
    assert scores(ranked, "d12") == dict.fromkeys(METRICS, 0.0)
    assert scores(ranked, "d4")["mrr@10"] == pytest.approx(0.2)


def test_report_has_a_row_per_method_and_kind_with_intervals(corpus: Corpus) -> None:
    report = run([corpus], embedders={"hash": HashEmbedder()}, seeds=3, cases=3)
    methods = {r.method for r in report.rows}
    assert methods == {BASELINE, "BM25", "vector (hash)", "hybrid (hash)"}
    assert len(report.rows) == 2 * len(methods)
    for row in report.rows:
        for metric in METRICS:
            mean, low, high = row.metrics[metric]
            assert low <= mean <= high and 0.0 <= mean <= 1.0
        assert row.p95_ms >= row.p50_ms >= 0.0
    assert report.row(corpus.name, "prompt", "BM25").metrics["recall@10"][0] == 1.0


def test_tuning_reads_the_dev_half_only(corpus: Corpus) -> None:
    bench = Bench(corpus.docs, {"hash": HashEmbedder()})
    try:
        dev = [q for q in corpus.queries if q.split == "dev"]
        tuned = tune([(bench, dev)])
    finally:
        bench.close()
    assert tuned.queries == len(dev)
    assert set(tuned.fusion) == {"hash"}
    assert tuned.dev_tuned["hash"] >= tuned.dev_default["hash"]


def test_cli_writes_json_with_rows_tuning_and_deltas(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    data = [str(counterfact(tmp_path / "cf.json")), str(zsre(tmp_path / "zs.json"))]
    argv = ["--data", data[0], "--data", data[1], "--embedders", "hash", "--seeds", "2",
            "--cases", "3", "--tune", "--json", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "word overlap" in capsys.readouterr().out
    report = json.loads(out.read_text())
    assert report["setup"]["data"] == ["cf.json", "zs.json"]
    row = report["rows"][0]
    assert {"data", "queries", "method", "p50_ms", "p95_ms", *METRICS} <= set(row)
    assert set(row["mrr@10"]) == {"mean", "low", "high"}
    tuning = report["tuning"]
    assert {"common_share", "fusion", "held_out", "held_out_deltas"} <= set(tuning)
    tuned = {d["tuned"].split(" share=")[0] for d in tuning["held_out_deltas"]}
    assert tuned == {"BM25", "hybrid (hash)"}
    assert {d["default"] for d in tuning["held_out_deltas"]} == {"BM25", "hybrid (hash)"}


@needs_data
@pytest.mark.slow
def test_minilm_on_a_real_sample_finds_paraphrased_zsre_facts() -> None:
    from agora.evals.retrieval import load_embedders

    embedders = load_embedders(["hash", "minilm"])
    if "minilm" not in embedders:
        pytest.skip("MiniLM does not load offline here")
    corpus = load_corpus(DATA / "zsre_mend_train-evidence-1k.json")
    report = run([corpus], embedders=embedders, seeds=2, cases=15)
    minilm = report.row(corpus.name, "rephrase", "vector (minilm)").metrics["recall@10"][0]
    baseline = report.row(corpus.name, "rephrase", BASELINE).metrics["recall@10"][0]
    assert minilm >= 0.9 and minilm >= baseline
    assert report.row(corpus.name, "prompt", "hybrid (minilm)").metrics["recall@1"][0] >= 0.9
