"""Builders for the applicant's side of the portal: people in the registries, signing in through the real
code flow (the code read back from the SMS file backend), and a ready catalog with a sharing contract."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from onego.core.pii import blind_index
from onego.core.validators import make_uscc
from onego.registries import models as rm
from tests.exchange.people import business_licence_for, resident, subject_of

PHONE = "13908519999"


@dataclass
class Person:
    resident: rm.Resident
    phone: str

    @property
    def id_number(self) -> str:
        return self.resident.id_number

    @property
    def name(self) -> str:
        return self.resident.name


def person(name: str = "王小红", *, phone: str = PHONE, licence: bool = True, **extra: Any) -> Person:
    """A resident with a registered mobile number (and, by default, a business licence of her shop)."""
    r = resident(name, phone=phone, phone_index=blind_index(phone, kind="phone") if phone else "", **extra)
    if licence:
        business_licence_for(subject_of(r), f"南明区{name}餐馆")
    return Person(r, phone)


def enterprise_of(legal_rep: Person, name: str = "贵阳好味道餐饮有限公司") -> rm.Enterprise:
    return rm.Enterprise.objects.create(
        uscc=make_uscc("520102", "MA6PT001"),
        name=name,
        legal_rep=legal_rep.resident,
        registered_capital=Decimal("50"),
        business_scope="餐饮服务",
        address="贵州省贵阳市南明区花果园大街2号",
        region_code="520102",
        established_on=dt.date(2024, 6, 1),
    )


def sms_lines() -> list[dict[str, Any]]:
    path = Path(settings.DATA_DIR) / "sms.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def last_code(phone: str) -> str:
    """The code in the newest message sent to this phone, as the demo reads it from ONEGO_DATA_DIR/sms.log."""
    for line in reversed(sms_lines()):
        if line["to"] == phone and (m := re.search(r"验证码是 (\d{6})", line["text"])):
            return m.group(1)
    raise AssertionError(f"no sign-in code was sent to {phone}")


def sign_in(client: Client, who: Person, *, next_url: str = "") -> Any:
    """Sign in through the pages: ID number, then the code from the SMS log. Returns the last response."""
    response = client.post("/login/", {"id_number": who.id_number, "next": next_url})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.post("/login/code/", {"code": last_code(who.phone)})


# --- the guided path over the cases test catalog (restaurant package) --------------------------------
RESTAURANT_FORM = {
    "enterprise.name": "南明区小红餐馆",
    "enterprise.uscc": make_uscc("520102", "MA6PT002"),
    "premises.area": "100",
    "bank.account_type": "基本存款账户",
}


def start(client: Client, package: str = "open-restaurant", region: str = "520102") -> str:
    """Start applying; the draft's base address (/apply/<id>/)."""
    response = client.post(f"/packages/{package}/apply/", {"region": region})
    assert response.status_code == 302, response.content.decode()[:800]
    return str(response["Location"])


def answer_all(client: Client, base: str, answers: list[str]) -> None:
    for n, value in enumerate(answers, 1):
        response = client.post(f"{base}questions/{n}/", {"answer": value})
        assert response.status_code == 302, response.content.decode()[:800]


def contact(client: Client, base: str, phone: str = PHONE) -> None:
    response = client.post(f"{base}contact/", {"phone": phone, "email": "", "delivery_method": "electronic"})
    assert response.status_code == 302, response.content.decode()[:800]


def to_form(client: Client, *, agree: bool = True) -> str:
    base = start(client)
    answer_all(client, base, ["true", "100"])
    contact(client, base)
    response = client.post(f"{base}consent/", {"decision": "agree" if agree else "decline"})
    assert response["Location"] == f"{base}form/"
    return base


def pdf(name: str = "file.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4 a test document", content_type="application/pdf")


def to_review(client: Client) -> str:
    base = to_form(client)
    response = client.post(f"{base}form/", {**RESTAURANT_FORM, "action": "next"})
    assert response["Location"] == f"{base}materials/", response.content.decode()[:800]
    for material in ("food_safety_plan", "floor_plan"):
        response = client.post(f"{base}materials/{material}/upload/", {"file": pdf(f"{material}.pdf")})
        assert response.status_code == 302, response.content.decode()[:800]
    return base
