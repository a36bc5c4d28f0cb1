"""The demo geographer's atlas: data from countryinfo, checked, resolved and narrowed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agora import ConfigError, MissingDependencyError
from agora.cli import atlas as atlas_module
from agora.cli.atlas import FACTS, Atlas, atlas_tool
from agora.cli.calculator import calculate_tool, expressions_in


def test_every_fact_of_a_country_is_a_sentence_from_the_data() -> None:
    atlas = Atlas.load()
    assert len(atlas.names) > 240
    assert atlas.answer("Japan", "capital") == "The capital of Japan is Tokyo."
    assert atlas.answer("Japan", "region").startswith("Japan is in ")
    assert "square kilometres" in atlas.answer("Japan", "area")
    assert atlas.answer("Iceland", "neighbours") == "Iceland has no land borders."
    for fact in FACTS:
        assert atlas.answer("Kenya", fact)
    with pytest.raises(ValueError, match="unknown fact"):
        atlas.answer("Kenya", "anthem")
    with pytest.raises(ValueError, match="no country named 'Atlantis'"):
        atlas.answer("Atlantis", "capital")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Perú", "Peru"),
        ("the capital of slovakia", "Slovakia"),
        ("USA", "United States"),
        ("Republic of Peru", "Peru"),
        ("Slovakai", "Slovakia"),  # a close match
        ("", None),
        ("Atlantis", None),
    ],
)
def test_names_resolve_by_spelling_alias_or_close_match(name: str, expected: str | None) -> None:
    assert Atlas.load().resolve(name) == expected


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("What is the capital of Slovakia?", ("Slovakia",)),
        ("Is Niger larger than Nigeria?", ("Niger", "Nigeria")),
        ("In which region of the world is Peru?", ("Peru",)),  # "In" is not India
        ("Is it far?", ()),  # "Is" is not Iceland
        ("What is 12 * 7?", ()),
        ("The capital of the UK?", ("United Kingdom",)),
        ("Where is Papua New Guinea?", ("Papua New Guinea",)),  # not also Guinea
    ],
)
def test_countries_a_text_names(text: str, countries: tuple[str, ...]) -> None:
    assert Atlas.load().mentioned(text) == countries


def test_the_tool_narrows_country_and_fact_to_the_task() -> None:
    tool = atlas_tool()
    props = tool.for_task("How many people live in Norway?").args_model.model_json_schema()
    assert props["properties"]["country"]["const"] == "Norway"
    assert props["properties"]["fact"]["const"] == "population"
    wide = tool.for_task("Tell me about Chile").args_model.model_json_schema()["properties"]
    assert wide["country"]["const"] == "Chile" and wide["fact"]["enum"] == list(FACTS)
    assert tool.for_task("Where is Atlantis?") is tool  # no country named: free text
    again = tool.for_task("How many people live in Norway?").args_model
    assert again is tool.for_task("How many people live in Norway?").args_model  # cached


def test_changed_data_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "data"
    shutil.copytree(atlas_module._data_folder(), copy)
    (copy / "peru.json").write_text('{"name": "Peru", "capital": "Cusco"}')
    monkeypatch.setattr(atlas_module, "_data_folder", lambda: copy)
    Atlas.load.cache_clear()
    try:
        with pytest.raises(ConfigError, match="force-reinstall 'countryinfo==1.0.1'"):
            Atlas.load()
    finally:
        Atlas.load.cache_clear()


def test_a_missing_package_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atlas_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingDependencyError, match="pip install 'countryinfo==1.0.1'"):
        atlas_module._data_folder()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("What is 12 * 7?", ("12 * 7",)),
        ("Calculate 7.5 * 4.", ("7.5 * 4",)),  # the sentence's full stop is not a decimal
        ("What is (15 + 27) * 3?", ("(15 + 27) * 3",)),
        ("What is 15 plus 27, or 10 divided by 4?", ("15 + 27", "10 / 4")),
        ("What is twelve times seven?", ()),
        ("In 2024, 3 people came.", ()),  # numbers without an operator
        ("What is 1 / 0?", ()),  # not something calculate accepts
    ],
)
def test_expressions_a_task_writes_out(text: str, found: tuple[str, ...]) -> None:
    assert expressions_in(text) == found


def test_the_calculator_tool_narrows_to_the_written_expression() -> None:
    tool = calculate_tool()
    narrowed = tool.for_task("What is 12 * 7?").args_model.model_json_schema()
    assert narrowed["properties"]["expression"]["const"] == "12 * 7"
    free = tool.for_task("What is twelve times seven?").args_model.model_json_schema()
    assert "pattern" in free["properties"]["expression"]
