"""Answering plain questions ("孩子出生要办什么", "开饭店要多久") from the catalog itself.

Retrieval, not generation: the question is segmented with jieba, packages and item guides are ranked with
BM25, and the answer is composed from the best passage's own data (for a package, its compiled main
scenario: items, critical path, materials) and quotes the guide it comes from. Below `MIN_COVERAGE` — when
the passage explains too little of what was asked — the answer is "I don't know" rather than a guess.
Pure functions over plain data; the database side is `onego.catalog.discovery.ask`.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from onego.catalog.rules.package import CompiledPackage

if TYPE_CHECKING:
    import jieba

DONT_KNOW = "没有找到可靠的答案，请换个说法或咨询窗口"
# Share of the question's weight (IDF) that the best passage must contain. An absolute BM25 floor would
# depend on the size of the catalog; coverage does not.
MIN_COVERAGE = 0.6
K1, B = 1.5, 0.75

INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "time": ("多久", "多长时间", "几天", "多少天", "多少个工作日", "时限", "多快", "什么时候", "时间"),
    "fee": ("多少钱", "收费", "费用", "花钱", "免费", "要钱", "交钱"),
    "materials": ("材料", "带什么", "证件", "资料", "提交什么", "交什么"),
    "where": ("哪里", "在哪", "去哪", "地址", "窗口", "地点"),
}
# A word list reads best as text.
STOPWORDS = frozenset(
    """我 我们 你 您 他 她 要 想 想要 需要 需 办 办理 怎么 怎么办 怎么样 怎样 如何 什么 啥 哪些 哪个 的 了 吗 呢 啊 吧 呀
    是 有 在 去 和 与 及 或 可以 能 能否 一个 一家 一下 请问 你好 手续 流程 事 事情 一件事 还 都 就 给 让 把 被 对 从
    到 会 该 应该 得 个 些 这 那 这个 那个 情况 问 问题 知道 告诉 下 上 中 多 少 时候 多少 天 带 交 提交 钱 所以
    能 才能 办好 办完 办成 拿到 准备 申请 证 我家 刚 开个 哪里 一般
    怎么弄 怎么搞 咋办 咋弄 咋 弄 搞 帮 帮忙 替 代 代办 要交 要带 要办 明年 今年 今天 满 岁 不 做 补 已经 马上 打算
    how what do does i need to the a an for of is are my""".split()  # noqa: SIM905
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)

# Everyday phrasing (issue 15: "我想给我妈办退休" found nothing while "办退休" worked). People ask for someone
# else and in the words they speak; both are rewritten before segmentation, so that jieba does not glue a
# relative to the verb ("妈办") and the catalog's own words are matched. Kept as data; the labelled set in
# tests/catalog/data/ask_questions.yaml measures the effect.
# Who the matter is for: it does not change which matter it is, so these words are dropped.
FOR_WHOM = tuple(
    sorted(
        """我妈 我爸 我妈妈 我爸爸 我老婆 我老公 我爱人 我儿子 我女儿 我父母 我爸妈 我家人 我朋友 我奶奶 我爷爷
        我外婆 我外公 妈妈 爸爸 老妈 老爸 爸妈 父母 父亲 母亲 老公 老婆 爱人 丈夫 妻子 媳妇 儿子 女儿 闺女 朋友
        家人 亲戚 老人 爷爷 奶奶 外公 外婆 姥姥 姥爷 公公 婆婆 岳父 岳母 妈 爸""".split(),  # noqa: SIM905
        key=len,
        reverse=True,
    )
)
# Spoken words → the catalog's words (longest first).
EVERYDAY: tuple[tuple[str, str], ...] = (
    ("生了孩子", "生孩子"),
    ("生了小孩", "生小孩"),
    ("刚生", "生孩子"),
    ("宝宝", "孩子"),
    ("娃", "孩子"),
    ("想开", "开"),
    ("搬了地址", "迁址"),
    ("搬地址", "迁址"),
    ("搬家", "迁址"),
    ("不做了", "关闭"),
    ("房子", "房屋"),
    ("装水电气", "水电气报装"),
    ("丢了怎么补", "丢了 补办"),
)
_DIGITS = re.compile(r"\d+")


def everyday(question: str) -> str:
    """The question with who-it-is-for dropped and spoken words put as the catalog says them."""
    text = unicodedata.normalize("NFKC", question)
    for spoken, written in EVERYDAY:
        text = text.replace(spoken, f" {written} ")
    for word in FOR_WHOM:
        text = text.replace(word, " ")
    return _DIGITS.sub(" ", text)


_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None


def _jieba() -> jieba.Tokenizer:
    """jieba's dictionary, loaded once on first use (about a second) and quietly."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                with warnings.catch_warnings():
                    # jieba 0.42 has invalid escape sequences in its regexes; Python warns when compiling.
                    warnings.simplefilter("ignore", DeprecationWarning)
                    warnings.simplefilter("ignore", SyntaxWarning)
                    import jieba
                    import jieba.finalseg  # noqa: F401 - compiled here, under the filter, not on first cut

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


@lru_cache(maxsize=16384)
def tokens(text: str) -> tuple[str, ...]:
    """Search-mode segmentation (words and their dictionary sub-words), lower-cased, no punctuation."""
    text = unicodedata.normalize("NFKC", text).lower()
    out = []
    for tok in _jieba().cut_for_search(text):
        tok = _PUNCT.sub("", tok)
        if tok:
            out.append(tok)
    return tuple(out)


def intent(question: str) -> str:
    """What is asked about: time, fee, materials, where, or (default) which items."""
    q = unicodedata.normalize("NFKC", question).lower()
    for name, words in INTENT_WORDS.items():
        if any(w in q for w in words):
            return name
    return "items"


def query_terms(question: str) -> list[str]:
    """The words that say *what* is asked about (stopwords and intent words removed)."""
    intent_words = {w for words in INTENT_WORDS.values() for w in words}
    seen: list[str] = []
    for tok in tokens(everyday(question)):
        if tok in STOPWORDS or tok in intent_words or tok in seen:
            continue
        seen.append(tok)
    return seen


# --- passages and the index --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ItemFacts:
    """What an item's guide says, for answers about one item."""

    code: str
    name: str
    department: str
    promised_days: int
    legal_days: int
    fee: str  # "不收费" or the fee description
    materials: tuple[str, ...] = ()
    result_name: str = ""
    acceptance_conditions: str = ""


@dataclass(frozen=True)
class Passage:
    """One retrievable text: a package, or an item guide as offered inside a package (`package`)."""

    key: str  # "package:<code>" or "item:<code>"
    package: str  # the package code the answer links to
    package_name: str
    title: str
    text: str  # everything searchable, one string
    quote: str  # the guide's own words shown with the answer
    item: ItemFacts | None = None


@dataclass
class Index:
    passages: list[Passage]
    doc_tokens: list[Counter[str]]
    lengths: list[int]
    df: Counter[str] = field(default_factory=Counter)

    @property
    def avg_length(self) -> float:
        return sum(self.lengths) / len(self.lengths) if self.lengths else 1.0

    def idf(self, term: str) -> float:
        n = len(self.passages)
        return math.log((n - self.df[term] + 0.5) / (self.df[term] + 0.5) + 1.0)


def build_index(passages: Iterable[Passage]) -> Index:
    ps = list(passages)
    doc_tokens = [Counter(tokens(f"{p.title} {p.title} {p.text}")) for p in ps]  # the title counts twice
    index = Index(ps, doc_tokens, [sum(c.values()) for c in doc_tokens])
    for c in doc_tokens:
        index.df.update(c.keys())
    return index


@dataclass(frozen=True)
class Scored:
    passage: Passage
    score: float
    coverage: float
    matched: tuple[str, ...]


def retrieve(index: Index, question: str, *, limit: int = 5) -> list[Scored]:
    terms = query_terms(question)
    if not terms or not index.passages:
        return []
    avg = index.avg_length
    out = []
    for p, counts, length in zip(index.passages, index.doc_tokens, index.lengths, strict=True):
        score, got = 0.0, []
        for t in terms:
            tf = counts.get(t, 0)
            if not tf:
                continue
            got.append(t)
            score += index.idf(t) * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / avg))
        if not got:
            continue
        # Search-mode segmentation yields a compound and its parts ("刚出生", "出生"): a compound whose
        # part matched is not counted as missing.
        missing = [t for t in terms if t not in got and not any(len(u) >= 2 and u in t for u in got)]
        have = sum(index.idf(t) for t in got)
        coverage = have / (have + sum(index.idf(t) for t in missing))
        out.append(Scored(p, round(score, 4), round(coverage, 4), tuple(got)))
    # Packages before item guides at equal footing: an applicant asks about the whole thing first.
    out.sort(key=lambda s: (-s.coverage, -s.score, not s.passage.key.startswith("package:"), s.passage.key))
    return out[:limit]


# --- answers -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    question: str
    known: bool
    text: str
    intent: str = "items"
    quote: str = ""
    source_package: str = ""  # package code of the guide the answer comes from
    source_title: str = ""  # package name, or "item name（package name）"
    source_kind: str = ""  # package | item
    score: float = 0.0
    coverage: float = 0.0
    matched: tuple[str, ...] = ()


def dont_know(question: str, best: Scored | None = None) -> Answer:
    return Answer(
        question=question,
        known=False,
        text=DONT_KNOW,
        score=best.score if best else 0.0,
        coverage=best.coverage if best else 0.0,
    )


def is_reliable(best: Scored | None) -> bool:
    """Enough of the question is explained, and not by single characters alone (开, 生 match too much)."""
    return (
        best is not None
        and best.coverage >= MIN_COVERAGE
        and any(len(t) >= 2 or t.isascii() for t in best.matched)
    )


def _days(n: int) -> str:
    return "即办" if n == 0 else f"{n} 个工作日"


def _package_text(kind: str, name: str, c: CompiledPackage, scenario: str, promised: int | None) -> str:
    by_code = {e.code: e for e in c.entries}
    where = f"按最常见情形“{scenario}”" if scenario else "按默认情形"
    if kind == "time":
        path = " → ".join(by_code[x].name for x in c.timing.critical_path if x in by_code)
        head = f"{name}：承诺 {promised} 个工作日办结" if promised is not None else f"{name}："
        return (
            f"{head}（{where}并联办理最快 {c.timing.critical_path_days} 个工作日，关键路径 {path or '无'}；"
            f"逐项分别办理需 {c.timing.serial_days} 个工作日）"
        )
    if kind == "materials":
        need = [mt.name for mt in c.materials if not mt.exempt]
        exempt = [mt.name for mt in c.materials if mt.exempt]
        text = f"{name}：{where}需提交 {len(need)} 件材料"
        text += f"：{'、'.join(need)}" if need else ""
        if exempt:
            text += f"；{len(exempt)} 件免提交（共享核验）：{'、'.join(exempt)}"
        return text
    if kind == "fee":
        charged = [f"{e.name}（{e.fee}）" for e in c.items if e.fee and e.fee != "不收费"]
        if not charged:
            return f"{name}：{where}所办 {len(c.items)} 项事项均不收费"
        return f"{name}：{where}收费事项：{'；'.join(charged)}；其余事项不收费"
    if kind == "where":
        return (
            f"{name}：牵头部门 {c.lead_department}；可全程网上办理，需要现场办理时可到任一政务服务综合窗口"
            "（无差别受理），一个窗口收齐材料"
        )
    items = "、".join(f"{e.name}（{e.department or e.partner_kind or '合作机构'}）" for e in c.entries)
    return (
        f"{name}：{where}一次申请办理 {len(c.entries)} 项：{items}；"
        f"一张表单、一套材料，最快 {c.timing.critical_path_days} 个工作日办结"
    )


def _dept(it: ItemFacts) -> str:
    """The item's department type as a phrase (市场监管 → 市场监管部门)."""
    return f"{it.department}部门" if it.department else "本地实施部门"


def _item_text(kind: str, it: ItemFacts) -> str:
    if kind == "time":
        return f"{it.name}：承诺 {_days(it.promised_days)}办结（法定 {_days(it.legal_days)}）"
    if kind == "fee":
        return f"{it.name}：{it.fee}"
    if kind == "materials":
        return f"{it.name}：需要材料 {'、'.join(it.materials) or '无'}"
    if kind == "where":
        return f"{it.name}：由{_dept(it)}办理，可在政务服务综合窗口一窗受理"
    result = f"，办结发给{it.result_name}" if it.result_name else ""
    return f"{it.name}：由{_dept(it)}办理，承诺 {_days(it.promised_days)}{result}"


def compose(
    question: str,
    best: Scored,
    *,
    compiled: CompiledPackage | None = None,
    scenario: str = "",
    promised_days: int | None = None,
) -> Answer:
    """The answer for a reliable passage; `compiled` is its package compiled for the main scenario."""
    p = best.passage
    kind = intent(question)
    if p.item is not None:
        text = _item_text(kind, p.item)
        title, source = f"{p.item.name}（{p.package_name}）", "item"
    elif compiled is not None:
        text = _package_text(kind, p.package_name, compiled, scenario, promised_days)
        title, source = p.package_name, "package"
    else:
        text = f"{p.package_name}：{p.quote}" if p.quote else p.package_name
        title, source = p.package_name, "package"
    return Answer(
        question=question,
        known=True,
        text=text,
        intent=kind,
        quote=p.quote,
        source_package=p.package,
        source_title=title,
        source_kind=source,
        score=best.score,
        coverage=best.coverage,
        matched=best.matched,
    )


def package_passage(
    *,
    code: str,
    name: str,
    name_en: str = "",
    summary: str = "",
    keywords: Sequence[str] = (),
    item_names: Sequence[str] = (),
    questions: Sequence[str] = (),
) -> Passage:
    text = " ".join([name_en, summary, " ".join(keywords), " ".join(item_names), " ".join(questions)])
    quote = summary or f"包含事项：{'、'.join(item_names)}"
    return Passage(f"package:{code}", code, name, name, text, quote)


def item_passage(*, package: str, package_name: str, facts: ItemFacts, extra: Sequence[str] = ()) -> Passage:
    text = " ".join([facts.result_name, facts.department, " ".join(facts.materials), *extra])
    quote = (
        f"{facts.name}：承诺 {_days(facts.promised_days)}，法定 {_days(facts.legal_days)}；{facts.fee}；"
        f"办理部门 {_dept(facts)}"
    )
    return Passage(f"item:{facts.code}", package, package_name, facts.name, text, quote, facts)


def answer_from(index: Index, question: str) -> tuple[Scored | None, list[Scored]]:
    """The best passage if reliable (else None) and the ranked candidates."""
    ranked = retrieve(index, question)
    best = ranked[0] if ranked else None
    return (best if is_reliable(best) else None), ranked
