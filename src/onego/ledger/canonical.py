"""The exact bytes a ledger entry's leaf hash covers, and the checks that keep them reproducible.

A leaf hash is only useful if anyone can recompute it years later from the stored row — on SQLite or
PostgreSQL, in Python or in a department's own tool. So the encoding is canonical JSON (sorted keys, no
whitespace, UTF-8, no ASCII escaping) of a flat object, and payloads are restricted to values that
survive a database round trip unchanged: no floats (PostgreSQL's jsonb gives `1e16` back as
`10000000000000000`), no NUL characters (jsonb rejects them), no lone surrogates (not UTF-8).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from onego.core.errors import ValidationFailed
from onego.core.validators import check_id_number

# Bumped if the leaf encoding ever changes; old entries keep verifying under their own version.
# 1: entries appended under the global lock, the index inside the hashed content (before migration
#    ledger 0002). 2: entries written pending with a signed promise, numbered later by the sequencer
#    (onego.ledger.sequencer): the leaf covers the index and the hash of the promised content.
LEAF_FORMAT = 1
LEAF_FORMAT_SEQUENCED = 2

KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# An 18-character run that could be a 居民身份证号码; confirmed with the checksum before refusing.
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")

MAX_DEPTH = 20


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_timestamp(value: dt.datetime) -> str:
    """UTC, microseconds always present: the one spelling of an instant (databases keep µs)."""
    if value.tzinfo is None:
        raise ValueError("ledger timestamps must be timezone-aware")
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_bytes(
    *,
    index: int,
    kind: str,
    actor: str,
    subject_ref: str,
    case_ref: str,
    payload: Any,
    recorded_at: dt.datetime,
) -> bytes:
    return canonical_json(
        {
            "v": LEAF_FORMAT,
            "index": index,
            "kind": kind,
            "actor": actor,
            "subject_ref": subject_ref,
            "case_ref": case_ref,
            "payload": payload,
            "recorded_at": format_timestamp(recorded_at),
        }
    )


def promise_bytes(
    *,
    kind: str,
    actor: str,
    subject_ref: str,
    case_ref: str,
    payload: Any,
    recorded_at: dt.datetime,
) -> bytes:
    """What a format-2 entry's promise covers: its content and its time, but no index (the
    sequencer gives the index later). Not the row's id either: like the index, it only says where
    the content is kept, so moving content between rows is caught as a reordering."""
    return canonical_json(
        {
            "v": LEAF_FORMAT_SEQUENCED,
            "kind": kind,
            "actor": actor,
            "subject_ref": subject_ref,
            "case_ref": case_ref,
            "payload": payload,
            "recorded_at": format_timestamp(recorded_at),
        }
    )


def sequenced_leaf_bytes(*, index: int, entry_hash_hex: str) -> bytes:
    """The bytes of a format-2 leaf: the index the sequencer gave and the hash of the promised content."""
    return canonical_json({"v": LEAF_FORMAT_SEQUENCED, "index": index, "entry_hash": entry_hash_hex.lower()})


def promise_message(entry_hash_hex: str) -> bytes:
    """The bytes a signed entry timestamp (the promise) covers: ASCII `OneGo-SET-v1|<entry hash hex>`.
    Tagged, like tree heads, so neither signature can be replayed as the other."""
    return f"OneGo-SET-v1|{entry_hash_hex.lower()}".encode("ascii")


def contains_id_number(text: str) -> bool:
    return any(check_id_number(m.group()) is None for m in _ID_CANDIDATE.finditer(text))


def _check_text(value: str, where: str) -> None:
    if "\x00" in value:
        raise ValidationFailed(f"账本记录不能包含 NUL 字符（{where}）", field=where)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed(f"账本记录含有无法编码为 UTF-8 的字符（{where}）", field=where) from exc
    # The ledger can never be edited, so a raw ID number written into it could never be taken out.
    if contains_id_number(value):
        raise ValidationFailed(
            f"账本记录不得包含居民身份证号码原文，请使用盲索引（{where}）",
            field=where,
        )


def normalise_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Check a payload and return it exactly as it will read back from the database."""
    if not isinstance(payload, Mapping):
        raise ValidationFailed("账本记录的 payload 必须是 JSON 对象", field="payload")
    _check_value(payload, "payload", 0)
    result: dict[str, Any] = json.loads(canonical_json(payload))
    return result


def _check_value(value: Any, where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise ValidationFailed(f"账本记录嵌套过深（{where}）", field="payload")
    if value is None or isinstance(value, bool | int):
        return
    if isinstance(value, str):
        _check_text(value, where)
        return
    if isinstance(value, float):
        raise ValidationFailed(
            f"账本记录不接受浮点数，请用字符串或整数表示（{where}）",
            field="payload",
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationFailed(f"账本记录的键必须是字符串（{where}）", field="payload")
            _check_text(key, f"{where}.{key}")
            _check_value(item, f"{where}.{key}", depth + 1)
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(item, f"{where}[{i}]", depth + 1)
        return
    raise ValidationFailed(f"账本记录不接受 {type(value).__name__} 类型的值（{where}）", field="payload")


def check_fields(*, kind: str, actor: str, subject_ref: str, case_ref: str) -> None:
    if not KIND_RE.match(kind):
        raise ValidationFailed(f"账本记录类型“{kind}”应形如 registry.read", field="kind")
    if not actor.strip():
        raise ValidationFailed("账本记录必须写明操作者", field="actor")
    for name, value in (("actor", actor), ("subject_ref", subject_ref), ("case_ref", case_ref)):
        _check_text(value, name)
