"""Noise for the real-facts fusion eval: a general typo model and qualifier edits on names.

Neither process was written around `agora.memory.Fuser`'s rules (its one-edit test, its
case/space/punctuation key): a typo is one to three random keyboard or OCR edits anywhere in
the name, and a qualifier edit drops or swaps a part of a name the way people shorten
names ("University of Bern" → "Bern", "Edward B. Young" → "Young Edward").

Example:
    >>> import random
    >>> typo(random.Random(0), "Kenya African National Union") != "Kenya African National Union"
    True
    >>> qualifier_variants("University of Tennessee")
    ['Tennessee']
    >>> qualifier_variants("David Robinson")
    ['Robinson David', 'Robinson, David']
"""

from __future__ import annotations

import random
import re

__all__ = ["qualifier_variants", "typo"]

_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# OCR confusions, both directions.
_OCR = (("rn", "m"), ("cl", "d"), ("l", "1"), ("O", "0"), ("e", "c"), ("vv", "w"), ("h", "b"))
_OCR_PAIRS = _OCR + tuple((b, a) for a, b in _OCR)


def _neighbours() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for c, key in enumerate(row):
            around = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(_ROWS):
                    around += [_ROWS[other][i] for i in (c - 1, c) if 0 <= i < len(_ROWS[other])]
            near[key] = "".join(around)
    return near


_NEAR = _neighbours()


def _edit(rng: random.Random, name: str) -> str:
    """One random edit: keyboard slip, OCR confusion, drop, double, transpose or space."""
    i = rng.randrange(len(name))
    kind = rng.choice(("key", "ocr", "drop", "double", "swap", "space"))
    char = name[i]
    if kind == "key" and char.lower() in _NEAR:
        slip = rng.choice(_NEAR[char.lower()])
        return name[:i] + (slip.upper() if char.isupper() else slip) + name[i + 1 :]
    if kind == "ocr":
        hits = [(j, a, b) for a, b in _OCR_PAIRS for j in _find_all(name, a)]
        if hits:
            j, a, b = rng.choice(hits)
            return name[:j] + b + name[j + len(a) :]
    if kind == "swap" and i + 1 < len(name):
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "space":
        if char == " ":
            return name[:i] + name[i + 1 :]
        return name[:i] + " " + name[i:] if i > 0 else name
    if kind == "double":
        return name[:i] + char + name[i:]
    return name[:i] + name[i + 1 :] if len(name) > 2 else name + char


def _find_all(text: str, part: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(part), text)]


def typo(rng: random.Random, name: str) -> str:
    """`name` with 1–3 random edits (more only in longer names); never unchanged.

    A second edit comes half the time in names of 6+ characters, a third 40% of the time in
    names of 10+.

    Example:
        >>> typo(random.Random(1), "basketball")
        'bssketball'
    """
    edits = 1 + (len(name) >= 6 and rng.random() < 0.5) + (len(name) >= 10 and rng.random() < 0.4)
    out = name
    for _ in range(20):
        out = name
        for _ in range(edits):
            out = _edit(rng, out)
        out = " ".join(out.split())
        if out.casefold() != name.casefold() and out:
            return out
    return name + name[-1]


_AFFIXES = (
    re.compile(r"^(?:University|College|Republic|Kingdom|Province|County) of (.+)$"),
    re.compile(r"^(.+?) (?:University|College|Records|Inc\.?|Ltd\.?|F\.?C\.?|Company)$"),
    re.compile(r"^The (.+)$"),
    re.compile(r"^(.+?) \(.+\)$"),
    re.compile(r"^(.+?), .+$"),
    re.compile(r"^\d{1,2} ([A-Z][a-z]+ \d{3,4})$"),  # "13 June 1971" -> "June 1971"
)
_PERSON = re.compile(r"^[A-Z][\w'’-]+(?: [A-Z][\w'’.-]*)+$")


def qualifier_variants(name: str) -> list[str]:
    """Shortened or reordered forms of `name`: qualifiers dropped, first and last swapped.

    Empty when no rule applies (a one-word name, a number).

    Example:
        >>> qualifier_variants("Edward B. Young")
        ['Edward Young', 'Young, Edward B.', 'Young Edward B.']
    """
    out: list[str] = []
    for pattern in _AFFIXES:
        match = pattern.match(name)
        if match and match.group(1).strip():
            out.append(match.group(1).strip())
    words = name.split()
    if _PERSON.match(name) and 2 <= len(words) <= 4 and not out:
        if len(words) > 2:
            out.append(f"{words[0]} {words[-1]}")  # middle name or initial dropped
            last, rest = words[-1], " ".join(words[:-1])
            out += [f"{last}, {rest}", f"{last} {rest}"]
        else:
            out += [f"{words[1]} {words[0]}", f"{words[1]}, {words[0]}"]
    return [v for v in dict.fromkeys(out) if v != name]
