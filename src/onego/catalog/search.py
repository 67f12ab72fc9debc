"""Package search that understands how people type Chinese: pure functions, no database.

A query is matched against each package's name (Chinese and English), its code, its keywords (synonyms such as
生孩子, 上户口, 开饭店) and the names of its items. Latin-letter queries are also matched as pinyin: full
syllables (``kaifan``), initials (``xsecs`` for 新生儿出生) or a mix (``kaifd``), always starting at a
syllable boundary so that ``an`` does not match every ``…an`` syllable. Ranking follows the tiers of
`TIERS` — exact > prefix > initials > pinyin > substring > keyword/synonym > item names — and a one-letter
typo in the initials (``kfcyd`` for kbcyd, 开办餐饮店) is accepted last. Within a tier, a match that covers
more of the matched text wins, then the more popular package, then the code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Tier → base score. Gaps of 10 leave room for coverage (<5) and popularity (<4) inside a tier.
TIERS: dict[str, int] = {
    "exact": 100,
    "prefix": 90,
    "initials": 80,
    "pinyin": 70,
    "substring": 60,
    "keyword": 50,
    "item": 40,
    "typo": 30,
}
_CJK = re.compile(r"[\u3400-\u9fff]")
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class SearchDoc:
    """What search knows about one package."""

    code: str
    name: str
    name_en: str = ""
    keywords: tuple[str, ...] = ()
    item_names: tuple[str, ...] = ()
    popularity: float = 0.0  # 0..1, see onego.catalog.popularity


@dataclass(frozen=True)
class Hit:
    code: str
    score: float
    tier: str
    matched: str  # the text that matched (name, keyword or item name), for showing why


@dataclass(frozen=True)
class _Text:
    """One searchable text with its normalised and pinyin forms."""

    raw: str
    norm: str
    syllables: tuple[str, ...]  # one per character that has a reading; Latin runs kept as one "syllable"

    @property
    def initials(self) -> str:
        return "".join(s[0] for s in self.syllables if s)

    @property
    def pinyin(self) -> str:
        return "".join(self.syllables)


def normalise(text: str) -> str:
    """Lower case, full-width to half-width, punctuation and spaces removed."""
    return _DROP.sub("", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=8192)
def _text(raw: str) -> _Text:
    norm = normalise(raw)
    syllables: list[str] = []
    for part in lazy_pinyin(norm, style=Style.NORMAL):
        part = part.lower()
        if part and _CJK.search(part) is None:
            syllables.append(part)
    return _Text(raw, norm, tuple(syllables))


def _is_latin(q: str) -> bool:
    return bool(q) and q.isascii() and q.isalnum()


def _syllable_match(query: str, syllables: Sequence[str], start: int) -> tuple[int, int] | None:
    """Match `query` against syllables from `start`, each syllable by a non-empty prefix of itself.

    Returns (syllables used, syllables matched by their first letter only) for the reading that uses full
    syllables most, or None. Full pinyin, initials and mixes (kaifd) are all such readings.
    """
    best: tuple[int, int] | None = None

    def walk(pos: int, i: int, initials_only: int) -> None:
        nonlocal best
        if pos == len(query):
            used = i - start
            if best is None or initials_only < best[1]:
                best = (used, initials_only)
            return
        if i >= len(syllables):
            return
        s = syllables[i]
        # Longest prefix first so a full-syllable reading is found before initials.
        for n in range(min(len(s), len(query) - pos), 0, -1):
            if query[pos : pos + n] == s[:n]:
                walk(pos + n, i + 1, initials_only + (1 if n == 1 and len(s) > 1 else 0))

    walk(0, start, 0)
    return best


def _pinyin_tier(query: str, text: _Text) -> tuple[str, float] | None:
    """Initials or pinyin match of a Latin query against a Chinese text, with its coverage."""
    syl = text.syllables
    if not syl or not _CJK.search(text.norm):
        return None
    n = len(syl)
    if len(query) >= 2 and text.initials.startswith(query):
        return "initials", len(query) / n
    if len(query) >= 2:
        for start in range(n):
            found = _syllable_match(query, syl, start)
            if found is None:
                continue
            used, initials_only = found
            if initials_only == used:
                # Initials from the middle of a name (e.g. "cs" in 新生儿出生): weaker than from the start.
                return "pinyin", used / n * 0.5
            return "pinyin", used / n if start == 0 else used / n * 0.7
    return None


def _typo_initials(query: str, text: _Text) -> float | None:
    """Initials with one wrong letter (kfcyd for kbcyd), for queries of 4+ letters."""
    initials = text.initials
    if len(query) < 4 or len(initials) < len(query):
        return None
    head = initials[: len(query)]
    wrong = sum(1 for a, b in zip(query, head, strict=True) if a != b)
    return len(query) / len(initials) if wrong == 1 and query[0] == head[0] else None


def _chinese_tier(query: str, text: _Text) -> tuple[str, float] | None:
    t = text.norm
    if not t or not query:
        return None
    if query == t:
        return "exact", 1.0
    if t.startswith(query):
        return "prefix", len(query) / len(t)
    if query in t:
        return "substring", len(query) / len(t)
    if len(t) >= 2 and t in query:
        # The whole name inside a longer query: "我要办新生儿出生".
        return "substring", len(t) / len(query)
    return None


def _subsequence(query: str, text: str) -> bool:
    """Every character of a Chinese query appears in order ("开餐饮店" in 开办餐饮店)."""
    if len(query) < 2 or not _CJK.search(query):
        return False
    it = iter(text)
    return all(ch in it for ch in query)


def _match_text(query: str, raw: str) -> tuple[str, float] | None:
    text = _text(raw)
    found = _chinese_tier(query, text)
    if found:
        return found
    if _is_latin(query):
        found = _pinyin_tier(query, text)
        if found:
            return found
    if _subsequence(query, text.norm):
        return "substring", len(query) / max(len(text.norm), 1) * 0.5
    return None


def _score(tier: str, coverage: float, popularity: float) -> float:
    return TIERS[tier] + 5.0 * min(max(coverage, 0.0), 0.99) + 4.0 * min(max(popularity, 0.0), 0.99)


def _match_term(term: str, doc: SearchDoc) -> tuple[str, float, str] | None:
    """Best (tier, coverage, matched text) of one query term against one package."""
    best: tuple[str, float, str] | None = None

    def consider(tier: str, coverage: float, matched: str) -> None:
        nonlocal best
        if best is None or (TIERS[tier], coverage) > (TIERS[best[0]], best[1]):
            best = (tier, coverage, matched)

    # The package itself: its Chinese name, English name and code.
    for raw in (doc.name, doc.name_en, doc.code):
        if raw and (found := _match_text(term, raw)):
            consider(found[0], found[1], doc.name)
    if best is not None:
        return best
    # Synonyms: any match against a keyword ranks in the keyword tier.
    for kw in doc.keywords:
        if found := _match_text(term, kw):
            consider("keyword", found[1], kw)
    if best is not None:
        return best
    for name in doc.item_names:
        if found := _match_text(term, name):
            consider("item", found[1], name)
    if best is not None:
        return best
    if _is_latin(term):
        for raw in (doc.name, *doc.keywords):
            if (coverage := _typo_initials(term, _text(raw))) is not None:
                consider("typo", coverage, raw)
    return best


def search(docs: Iterable[SearchDoc], query: str, *, limit: int = 20) -> list[Hit]:
    """Packages matching `query`, best first. Every whitespace-separated term must match."""
    terms = [normalise(t) for t in query.split()]
    terms = [t for t in terms if t]
    if not terms:
        return []
    hits: list[Hit] = []
    for doc in docs:
        matches = [_match_term(t, doc) for t in terms]
        if any(m is None for m in matches):
            continue
        found = [m for m in matches if m is not None]
        worst = min(found, key=lambda m: (TIERS[m[0]], m[1]))
        coverage = sum(m[1] for m in found) / len(found)
        hits.append(Hit(doc.code, round(_score(worst[0], coverage, doc.popularity), 3), worst[0], worst[2]))
    hits.sort(key=lambda h: (-h.score, h.code))
    return hits[:limit]
