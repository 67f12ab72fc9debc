"""Item-name standardisation: map a free-text local item name to a standard catalog item, with a confidence.

Pure functions (no database): `build_index(standards, synonyms, region_names)` once, then
`match(name, index)` per name. The steps, first hit wins:

1. exact       the standard name itself                                             confidence 1.00
2. normalised  equal after NFKC width folding, punctuation and spaces dropped, a leading region name and
               filler words (办理, 申请 ...) removed                                  0.98
3. synonym     a colloquial alias of the item (data), or equal once local words are replaced by the
               standard's words (社保卡 → 社会保障卡; data: standards/data/synonyms.yaml)   0.95 / 0.93
4. pinyin      equal in toneless pinyin (pypinyin): homophone typos such as 残疾人正    0.90
5. fuzzy       best rapidfuzz similarity over characters and over pinyin, lowered when the
               runner-up is close (an ambiguous name should be reviewed, not guessed)   0 – 0.89

Names whose confidence is below `AUTO_ACCEPT` go to the review queue (onego.standards.services). The
threshold was chosen on the tuning half of the labelled set and measured on the held-out half
(bench/standards_names.py, docs/standards.md).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz

SYNONYMS = Path(__file__).parent / "data" / "synonyms.yaml"

# Chosen on the tuning half of bench/standards/labelled_names.csv (see docs/standards.md).
AUTO_ACCEPT = 0.69
# Below this the best candidate is not even offered as the mapping (the reviewer starts from the list).
NO_MATCH = 0.5

_PUNCT = re.compile(r"[\s()（）【】\[\]［］〔〕<>《》「」“”\"'、，,。.．·:：;；/\\\-—_]+")


@dataclass(frozen=True)
class Synonyms:
    terms: Mapping[str, str] = field(default_factory=dict)
    fillers: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)  # alias -> item code

    @classmethod
    def from_yaml(cls, path: Path = SYNONYMS) -> Synonyms:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        aliases = {
            str(alias): str(code) for code, names in (data.get("aliases") or {}).items() for alias in names
        }
        return cls(
            terms={str(k): str(v) for k, v in (data.get("terms") or {}).items()},
            fillers=tuple(str(f) for f in data.get("fillers") or ()),
            aliases=aliases,
        )


@dataclass(frozen=True)
class Candidate:
    code: str
    name: str
    score: float


@dataclass(frozen=True)
class Match:
    code: str | None
    method: str  # exact | normalised | synonym | pinyin | fuzzy | none
    confidence: float
    candidates: tuple[Candidate, ...] = ()

    @property
    def auto_accepted(self) -> bool:
        return self.code is not None and self.confidence >= AUTO_ACCEPT


@dataclass(frozen=True)
class _Entry:
    code: str
    name: str
    norm: str
    pinyin: str


@dataclass(frozen=True)
class Index:
    entries: tuple[_Entry, ...]
    by_name: Mapping[str, str]
    by_norm: Mapping[str, str]
    by_pinyin: Mapping[str, str]
    aliases: Mapping[str, str]
    terms: re.Pattern[str] | None
    term_map: Mapping[str, str]
    fillers: re.Pattern[str] | None
    prefixes: re.Pattern[str] | None


@lru_cache(maxsize=4096)
def pinyin_of(text: str) -> str:
    return " ".join(lazy_pinyin(text))


def _alternation(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in ordered)) if ordered else None


def _normalise(name: str, fillers: re.Pattern[str] | None, prefixes: re.Pattern[str] | None) -> str:
    text = _PUNCT.sub("", unicodedata.normalize("NFKC", name))
    if prefixes is not None:
        text = prefixes.sub("", text, count=1)
    if fillers is not None:
        stripped = fillers.sub("", text)
        text = stripped or text
    return text


def build_index(
    standards: Iterable[tuple[str, str]], synonyms: Synonyms, region_names: Iterable[str] = ()
) -> Index:
    """`standards`: (item code, standard name) pairs; `region_names`: names stripped from a name's start."""
    fillers = _alternation(synonyms.fillers)
    names = [n for n in region_names if n]
    prefixes = (
        re.compile("^(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + ")+")
        if names
        else None
    )
    entries = tuple(
        _Entry(code, name, norm := _normalise(name, fillers, prefixes), pinyin_of(norm))
        for code, name in standards
    )
    return Index(
        entries=entries,
        by_name={e.name: e.code for e in entries},
        by_norm={e.norm: e.code for e in entries},
        by_pinyin={e.pinyin: e.code for e in entries},
        aliases={_normalise(a, fillers, prefixes): c for a, c in synonyms.aliases.items()},
        terms=_alternation(synonyms.terms),
        term_map=dict(synonyms.terms),
        fillers=fillers,
        prefixes=prefixes,
    )


def _with_terms(text: str, index: Index) -> str:
    if index.terms is None:
        return text
    return index.terms.sub(lambda m: index.term_map[m.group(0)], text)


def _score(query: str, query_pinyin: str, entry: _Entry) -> float:
    """Similarity in 0–1: whole-name character and pinyin similarity, or a partial (contained) match
    discounted by how much of the longer name the shorter covers, so a short name does not score
    full marks against every long name containing it."""
    shorter, longer = sorted((len(query), len(entry.norm)))
    coverage = shorter / longer if longer else 0.0
    partial = fuzz.partial_ratio(query, entry.norm) * (0.5 + 0.5 * math.sqrt(coverage))
    return max(fuzz.ratio(query, entry.norm), partial, fuzz.ratio(query_pinyin, entry.pinyin) * 0.95) / 100.0


def match(name: str, index: Index, *, candidates: int = 5) -> Match:
    """The standard item `name` most likely means, how it was found and how sure the matcher is."""
    name = name.strip()
    if name in index.by_name:
        return Match(index.by_name[name], "exact", 1.0)
    norm = _normalise(name, index.fillers, index.prefixes)
    if norm in index.by_norm:
        return Match(index.by_norm[norm], "normalised", 0.98)
    if norm in index.aliases:
        return Match(index.aliases[norm], "synonym", 0.95)
    syn = _normalise(_with_terms(norm, index), index.fillers, None)
    if syn in index.by_norm:
        return Match(index.by_norm[syn], "synonym", 0.93)
    syn_pinyin = pinyin_of(syn)
    if syn_pinyin in index.by_pinyin:
        return Match(index.by_pinyin[syn_pinyin], "pinyin", 0.90)
    norm_pinyin = pinyin_of(norm)
    scored = sorted(
        (
            Candidate(e.code, e.name, max(_score(syn, syn_pinyin, e), _score(norm, norm_pinyin, e)))
            for e in index.entries
        ),
        key=lambda c: c.score,
        reverse=True,
    )
    top = tuple(scored[:candidates])
    if not top:
        return Match(None, "none", 0.0)
    best = top[0].score
    second = top[1].score if len(top) > 1 else 0.0
    # A close runner-up makes the guess unsafe: a margin of 0.10 or more keeps the score, none halves it.
    confidence = min(0.89, best * min(1.0, 0.5 + 5 * (best - second)))
    if best < NO_MATCH:
        return Match(None, "none", round(confidence, 3), top)
    return Match(top[0].code, "fuzzy", round(confidence, 3), top)


@lru_cache(maxsize=1)
def default_synonyms() -> Synonyms:
    return Synonyms.from_yaml()
