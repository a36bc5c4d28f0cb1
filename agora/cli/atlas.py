"""`atlas_tool`: the demo geographer's tool, country facts from the ``countryinfo`` package.

The data is not agora's: ``countryinfo`` (MIT, pinned as a dependency) ships one JSON file per
country (capital, population, area, region, borders). agora reads those files directly, without
importing the package, and checks a digest of the folder before use, so a changed or partial
install is refused instead of answering from it.

The tool's arguments are enums: ``country`` is one of the country names in the data, ``fact``
one of `FACTS`. Under llama.cpp's JSON-Schema grammar even a 135M-parameter model can then only
name a real country and a known fact, and the answer is a sentence built from the data.

Example:
    >>> atlas = Atlas.load()
    >>> atlas.answer("Peru", "capital")
    'The capital of Peru is Lima.'
    >>> atlas.answer("Peru", "neighbours")
    'Peru borders Bolivia, Brazil, Chile, Colombia and Ecuador.'
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.util
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from agora.agents.tools import Tool
from agora.errors import ConfigError, MissingDependencyError

__all__ = ["ATLAS_DISTRIBUTION", "FACTS", "FACT_WORDS", "Atlas", "Fact", "atlas_tool"]

#: The package whose data the atlas reads.
ATLAS_DISTRIBUTION = "countryinfo==1.0.1"
#: sha256 over the sorted (file name, content) pairs of its ``data/`` folder.
ATLAS_SHA256 = "a12409366764f5eaa9ee915c7e7f4a07c6e977f140f8edb91dd1931b81542344"

#: What the atlas knows about each country.
Fact = Literal["capital", "population", "area", "region", "neighbours"]
FACTS: tuple[str, ...] = ("capital", "population", "area", "region", "neighbours")


@dataclass(frozen=True, slots=True)
class _Country:
    name: str
    capital: str
    population: int | None
    area: float | None
    region: str
    borders: tuple[str, ...]  # ISO 3166 alpha-3 codes


class Atlas:
    """Country facts read from the ``countryinfo`` package's data files."""

    def __init__(
        self, countries: dict[str, _Country], codes: dict[str, str], aliases: dict[str, str]
    ) -> None:
        self._countries = countries
        self._codes = codes
        self._keys = {_key(name): name for name in countries}
        for alias, name in aliases.items():
            self._keys.setdefault(_key(alias), name)
        self._keys.pop("", None)

    @classmethod
    @cache
    def load(cls) -> Atlas:
        """The atlas of the installed ``countryinfo`` data (read and checked once).

        Raises:
            MissingDependencyError: the package is not installed.
            ConfigError: its data folder does not hash to the pinned digest.
        """
        folder = _data_folder()
        files = sorted(folder.glob("*.json"))
        digest = hashlib.sha256()
        countries: dict[str, _Country] = {}
        codes: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for path in files:
            raw = path.read_bytes()
            digest.update(path.name.encode() + b"\0" + raw)
            data = json.loads(raw)
            country = _parse(data)
            if country is not None:
                name = country[0].name
                countries[name] = country[0]
                codes[country[1]] = name
                for alias in (*_strings(data.get("altSpellings")), data.get("nativeName")):
                    if isinstance(alias, str):
                        aliases[alias] = name
        if digest.hexdigest() != ATLAS_SHA256:
            raise ConfigError(
                f"the country data in {folder} does not match {ATLAS_DISTRIBUTION}; reinstall "
                f"it: pip install --force-reinstall '{ATLAS_DISTRIBUTION}'"
            )
        return cls(countries, codes, aliases)

    @property
    def names(self) -> tuple[str, ...]:
        """Every country the atlas has a capital for, sorted."""
        return tuple(sorted(self._countries))

    def capital(self, country: str) -> str:
        """The capital of `country` (one of `names`)."""
        return self._country(country).capital

    def answer(self, country: str, fact: str) -> str:
        """One sentence stating `fact` about `country`.

        Raises:
            ValueError: an unknown country or fact (a tool error the model can correct).
        """
        c = self._country(country)
        if fact == "capital":
            return f"The capital of {c.name} is {c.capital}."
        if fact == "population":
            if c.population is None:
                return f"The atlas has no population figure for {c.name}."
            return f"{c.name} has a population of {c.population:,}."
        if fact == "area":
            if c.area is None:
                return f"The atlas has no area for {c.name}."
            return f"{c.name} covers {c.area:,.0f} square kilometres."
        if fact == "region":
            return f"{c.name} is in {c.region}."
        if fact == "neighbours":
            names = [self._codes[code] for code in c.borders if code in self._codes]
            if not names:
                return f"{c.name} has no land borders."
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            return f"{c.name} borders {listed}."
        raise ValueError(f"unknown fact {fact!r}; use one of {', '.join(FACTS)}")

    def resolve(self, name: str) -> str | None:
        """The atlas's name for `name`: exact, case-insensitive, contained, or a close match.

        Example:
            >>> Atlas.load().resolve("the capital of slovakia"), Atlas.load().resolve("Perú")
            ('Slovakia', 'Peru')
        """
        if name in self._countries:
            return name
        key = _key(name)
        if not key:
            return None
        found = self._keys.get(key)
        if found is not None:
            return found
        # Names inside a longer text; short keys (ISO codes such as "per") only match whole.
        inside = [n for k, n in self._keys.items() if len(k) > 3 and f" {k} " in f" {key} "]
        if inside:
            return max(inside, key=len)
        close = difflib.get_close_matches(key, list(self._keys), n=1, cutoff=0.8)
        return self._keys[close[0]] if close else None

    def mentioned(self, text: str) -> tuple[str, ...]:
        """The countries `text` names (whole words; a name inside a longer one is dropped).

        Example:
            >>> Atlas.load().mentioned("Is Niger larger than Nigeria or Papua New Guinea?")
            ('Niger', 'Nigeria', 'Papua New Guinea')
        """
        key = f" {_key(text)} "
        hits = {
            k: n
            for k, n in self._keys.items()
            if f" {k} " in key and _is_name(k, text, canonical=_key(n) == k)
        }
        kept = {
            n for k, n in hits.items() if not any(k != o and f" {k} " in f" {o} " for o in hits)
        }
        return tuple(sorted(kept))

    def _country(self, name: str) -> _Country:
        resolved = self.resolve(name)
        if resolved is None:
            raise ValueError(f"no country named {name!r} in the atlas; use its English name")
        return self._countries[resolved]


#: Words that name a fact in a question (matched whole, case-insensitively).
FACT_WORDS: dict[str, tuple[str, ...]] = {
    "capital": ("capital",),
    "population": ("population", "people", "inhabitants", "populous"),
    "area": ("area", "large", "larger", "big", "bigger", "size", "square", "km2"),
    "region": ("region", "continent", "where", "located", "part of the world"),
    "neighbours": ("border", "borders", "neighbour", "neighbours", "neighbor", "neighbors"),
}


def atlas_tool() -> Tool:
    """The ``atlas`` tool: a country and a fact in, a sentence from the data out.

    For each task its arguments are narrowed (`Tool.narrow`): ``country`` becomes an enum of
    the countries the task names, and ``fact`` an enum of the facts its words ask for
    (`FACT_WORDS`), so a small model under a grammar only chooses among what the task
    mentions; a task that names none gets a free ``country`` (resolved by `Atlas.resolve`)
    and every fact.

    Example:
        >>> tool = atlas_tool()
        >>> narrowed = tool.for_task("What is the capital of Peru?").args_model
        >>> schema = narrowed.model_json_schema()["properties"]
        >>> schema["country"]["const"], schema["fact"]["const"], tool.name
        ('Peru', 'capital', 'atlas')
    """
    atlas = Atlas.load()

    def atlas_lookup(country: str, fact: str) -> str:
        return atlas.answer(country, fact)

    def narrow(task: str) -> type[BaseModel] | None:
        countries = atlas.mentioned(task)
        words = f" {_key(task)} "
        facts = tuple(f for f in FACTS if any(f" {w} " in words for w in FACT_WORDS[f]))
        return _narrowed_args(countries, facts or FACTS) if countries else None

    atlas_lookup.__annotations__ = {
        "country": Annotated[str, Field(min_length=1, max_length=60)],
        "fact": Fact,
        "return": str,
    }
    return Tool.from_function(
        atlas_lookup,
        name="atlas",
        description="Look up a fact about a country: its capital, population, area, region "
        "or neighbours.",
        narrow=narrow,
    )


@lru_cache(maxsize=1024)
def _narrowed_args(countries: tuple[str, ...], facts: tuple[str, ...]) -> type[BaseModel]:
    country: Any = Literal.__getitem__(countries)
    fact: Any = Literal.__getitem__(facts)
    return create_model(
        "atlas_args",
        __config__=ConfigDict(extra="forbid"),
        country=(country, ...),
        fact=(fact, ...),
    )


def _data_folder() -> Path:
    spec = importlib.util.find_spec("countryinfo")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError(
            f"the demo's atlas reads {ATLAS_DISTRIBUTION}: pip install '{ATLAS_DISTRIBUTION}'"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _parse(data: Any) -> tuple[_Country, str] | None:
    if not isinstance(data, dict) or not data.get("capital") or not data.get("name"):
        return None
    iso: dict[str, Any] = data["ISO"] if isinstance(data.get("ISO"), dict) else {}
    region = data.get("intermediateregion") or data.get("subregion") or data.get("region") or ""
    if data.get("region") and data["region"] not in region:
        region = f"{region} ({data['region']})" if region else data["region"]
    return (
        _Country(
            name=str(data["name"]),
            capital=str(data["capital"]),
            population=_number(data.get("population"), int),
            area=_number(data.get("area"), float),
            region=str(region),
            borders=tuple(str(code) for code in data.get("borders") or ()),
        ),
        str(iso.get("alpha3", "")),
    )


def _is_name(key: str, text: str, canonical: bool) -> bool:
    """Whether `key` names a country in `text`.

    Long names count anywhere. Short ones are common words too ("is", "in", "per"): a
    country's own short name ("Peru", "Chad") counts when capitalised, a short alias or
    ISO code ("USA", "UK") only when written in capitals.
    """
    if len(key) > 4:
        return True
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.findall(r"[A-Za-z]+", plain) if w.casefold() == key]
    if canonical:
        return any(w[:1].isupper() for w in words)
    return any(w.isupper() for w in words)


def _key(name: str) -> str:
    """`name` folded for matching: no accents, case, punctuation or extra spaces."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain.casefold()).split())


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    try:
        return kind(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
