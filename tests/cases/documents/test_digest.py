from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import pytest

from onego.cases.documents import canonical_document_bytes, document_digest
from tests.cases.documents.factories import a_conclusion, an_integrated_licence, an_opinion, changed


def test_the_digest_is_sm3_over_the_canonical_bytes() -> None:
    doc = a_conclusion()
    digest = document_digest(doc)
    assert digest == hashlib.new("sm3", canonical_document_bytes(doc)).hexdigest()
    assert len(digest) == 64


def test_the_canonical_bytes_are_sorted_compact_utf8_json_naming_the_kind() -> None:
    raw = canonical_document_bytes(a_conclusion())
    parsed = json.loads(raw)
    assert parsed["kind"] == "conclusion"
    assert parsed["v"] == 1
    assert parsed["fields"]["package_name"] == "我要开餐馆"
    assert "我要开餐馆".encode() in raw  # not \\u-escaped: another tool can reproduce it as text
    assert raw == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert json.loads(canonical_document_bytes(an_integrated_licence()))["kind"] == "integrated_licence"


def test_the_same_instant_in_another_time_zone_gives_the_same_digest() -> None:
    doc = a_conclusion()
    in_utc = changed(doc, issued_at=doc.issued_at.astimezone(dt.UTC))
    assert document_digest(in_utc) == document_digest(doc)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("number", "南明一件事结〔2026〕0002号"),
        ("package_name", "我要开超市"),
        ("applicant_name_masked", "李*"),
        ("outcome", "partly_approved"),
        ("outcome_text", "部分准予。"),
        ("lead_department", "贵阳市云岩区政务服务中心"),
        ("issued_at", dt.datetime(2026, 3, 5, 14, 31, tzinfo=dt.UTC)),
        ("opinions", (an_opinion(decision="不予"),)),
        ("results", ()),
        ("delivery", "窗口领取"),
    ],
)
def test_changing_any_field_changes_the_digest(field: str, value: Any) -> None:
    doc = a_conclusion()
    assert document_digest(changed(doc, **{field: value})) != document_digest(doc)


def test_changing_one_permit_of_a_licence_changes_its_digest() -> None:
    lic = an_integrated_licence()
    other = changed(lic.permits[1], valid_until=dt.date(2032, 1, 1))
    assert document_digest(changed(lic, permits=(lic.permits[0], other, lic.permits[2]))) != document_digest(
        lic
    )


def test_the_full_name_is_in_the_digest_when_printed_and_old_documents_keep_theirs() -> None:
    old = a_conclusion()
    assert '"applicant_name":' not in canonical_document_bytes(old).decode()  # as issued before it existed
    named = a_conclusion(applicant_name="张三")
    assert '"applicant_name":"张三"' in canonical_document_bytes(named).decode()
    assert document_digest(named) != document_digest(a_conclusion(applicant_name="张四"))
