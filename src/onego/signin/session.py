"""Who is signed in and for whom they act, as kept in the (server-side, database) session.

The session holds, per signed-in person and per subject they act for (themselves, or an enterprise they
represent): the kind, the blind index, masked name and number for display, and one sealed token
(`core.pii.encrypt`) with the raw ID number / credit code, the name and the mobile number. The raw
number is needed for every registry call (consent preview, prefill, "who read my data"); keeping it
sealed in the session — rather than asking for it again on each of those pages — means a leaked
session table or a session-data dump shows no number, and the keys live outside the database.
The session cookie itself carries only Django's random session key.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from dataclasses import asdict, dataclass
from typing import Any

from onego.cases.services.submission import ApplicantIn
from onego.core import pii
from onego.registries.gateway import Subject

SESSION_KEY = "onego.applicant"


@dataclass(frozen=True)
class ActingSubject:
    kind: str  # person | enterprise
    index: str  # blind index (as in cases, exchange and the ledger)
    display: str  # masked person name, or the enterprise name (public)
    id_masked: str
    sealed: str  # pii token of {"key", "name", "phone"}

    def _open(self) -> dict[str, str]:
        data: dict[str, str] = json.loads(pii.decrypt(self.sealed))
        return data

    @property
    def subject(self) -> Subject:
        return Subject(kind="person" if self.kind == "person" else "enterprise", key=self._open()["key"])

    @property
    def name(self) -> str:
        return self._open()["name"]

    @property
    def phone(self) -> str:
        return self._open().get("phone", "")

    def applicant(self) -> ApplicantIn:
        data = self._open()
        return ApplicantIn(kind=self.kind, identifier=data["key"], name=data["name"])

    @classmethod
    def seal(cls, *, kind: str, key: str, name: str, phone: str = "") -> ActingSubject:
        subject = Subject(kind="person" if kind == "person" else "enterprise", key=key.strip().upper())
        display = pii.mask_name(name) if kind == "person" else name
        token = pii.encrypt(
            json.dumps({"key": subject.key, "name": name, "phone": phone}, ensure_ascii=False)
        )
        return cls(kind=kind, index=subject.index, display=display, id_masked=subject.masked, sealed=token)


@dataclass(frozen=True)
class SignedIn:
    """The person signed in, and the subject they act for now (the same person, or an enterprise)."""

    person: ActingSubject
    acting: ActingSubject
    enterprises: tuple[ActingSubject, ...] = ()

    @property
    def for_enterprise(self) -> bool:
        return self.acting.kind == "enterprise"


def store(
    session: MutableMapping[str, Any],
    *,
    person: ActingSubject,
    acting: ActingSubject | None = None,
    enterprises: tuple[ActingSubject, ...] | list[ActingSubject] = (),
) -> None:
    session[SESSION_KEY] = {
        "person": asdict(person),
        "acting": asdict(acting or person),
        "enterprises": [asdict(e) for e in enterprises],
    }


def current(session: MutableMapping[str, Any], *, account_index: str) -> SignedIn | None:
    """The signed-in applicant, if the session's person is the account's (else None: sign in again)."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        person = ActingSubject(**data["person"])
        acting = ActingSubject(**data["acting"])
        enterprises = tuple(ActingSubject(**e) for e in data.get("enterprises", []))
    except (KeyError, TypeError):
        return None
    if person.index != account_index or person.kind != "person":
        return None
    return SignedIn(person=person, acting=acting, enterprises=enterprises)


def act_for(session: MutableMapping[str, Any], signed_in: SignedIn, index: str) -> ActingSubject | None:
    """Switch to the person themselves or one of the enterprises found at sign-in; None if not among them."""
    choice = next((s for s in (signed_in.person, *signed_in.enterprises) if s.index == index), None)
    if choice is not None:
        store(session, person=signed_in.person, acting=choice, enterprises=signed_in.enterprises)
    return choice


def forget(session: MutableMapping[str, Any]) -> None:
    session.pop(SESSION_KEY, None)
