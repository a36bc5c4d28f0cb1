"""``agora memory``: stats, query, show and export on a real store file."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from memory_fixtures import World, fill

from agora.cli.main import main
from agora.memory import SQLiteStore


@pytest.fixture
def db(tmp_path: Path) -> tuple[Path, World]:
    path = tmp_path / "team.db"
    with SQLiteStore(path) as store:
        world = fill(store)
    return path, world


def test_stats_prints_counts(db: tuple[Path, World], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["memory", "stats", str(db[0])]) == 0
    out = capsys.readouterr().out
    assert "L1 facts" in out and "4" in out and "active" in out


def test_query_ranks_facts(db: tuple[Path, World], capsys: pytest.CaptureFixture[str]) -> None:
    path, world = db
    assert main(["memory", "query", str(path), "Babbage engine", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert world.built.id in out and world.worked.id not in out
    assert main(["memory", "query", str(path), "Babbage", "--scope", "agent:t1/a1"]) == 0
    assert "no matching facts" in capsys.readouterr().out


def test_show_a_fact_an_entity_id_or_name(
    db: tuple[Path, World], capsys: pytest.CaptureFixture[str]
) -> None:
    path, world = db
    assert main(["memory", "show", str(path), world.studied.id]) == 0
    assert "mathematics" in capsys.readouterr().out
    assert main(["memory", "show", str(path), world.ada.id]) == 0
    assert world.lived.id in capsys.readouterr().out
    assert main(["memory", "show", str(path), "charles babbage"]) == 0
    assert world.built.id in capsys.readouterr().out


def test_errors_print_their_type_and_exit_1(
    db: tuple[Path, World], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["memory", "show", str(db[0]), "nobody"]) == 1
    assert "RecordNotFoundError: no fact or entity 'nobody'" in capsys.readouterr().err
    assert main(["memory", "stats", str(tmp_path / "missing.db")]) == 1
    assert "ConfigError: no memory store" in capsys.readouterr().err
    assert main(["memory", "query", str(db[0]), "x", "--scope", "planet:mars"]) == 1
    assert "InvalidRecordError: bad scope" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["json", "graphml"])
def test_export(db: tuple[Path, World], tmp_path: Path, fmt: str) -> None:
    path, world = db
    target = tmp_path / f"out.{fmt}"
    assert main(["memory", "export", str(path), "--format", fmt, "-o", str(target)]) == 0
    if fmt == "json":
        data = json.loads(target.read_text())
        assert {f["id"] for f in data["facts"]} == {
            world.studied.id,
            world.lived.id,
            world.worked.id,
            world.built.id,
        }
        assert data["facts"][0]["agents"] == ["a1"]
    else:
        graph = nx.read_graphml(target)
        assert graph.number_of_edges() == 4
        assert graph.nodes[world.ada.id]["name"] == "Ada Lovelace"
