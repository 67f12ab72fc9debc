"""The merged form of a case as stored: sensitive data elements sealed, everything else plain."""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from typing import Any

from onego.cases.identity import seal, unseal
from onego.cases.models import Case
from onego.cases.prereview import condition_holds
from onego.core import pii


def form_fields(snapshot: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Element code → its field in the compiled form (name, type, required, sensitive …)."""
    return {f["element"]: f for group in snapshot.get("form", []) for f in group["fields"]}


# Form fields the contact step of every channel already asks (ContactIn): filled from it, never re-asked.
CONTACT_ELEMENTS: dict[str, str] = {
    "person.phone": "phone",
    "contact.phone": "phone",
    "person.email": "email",
    "contact.email": "email",
}
POSTAL_PREFIX = "address."
POST = "post"  # cases.models.DeliveryMethod.POST


def posting_possible(snapshot: Mapping[str, Any], delivery_method: str | None) -> bool:
    """Whether the mailing fields may be needed: delivery by post, or a form choice that means posting
    (领卡方式“邮寄到家”) is in the form. Unknown delivery (None): assume it may."""
    if delivery_method is None or delivery_method == POST:
        return True
    return any(f.get("post_choices") for f in form_fields(snapshot).values())


def hidden_elements(
    snapshot: Mapping[str, Any], values: Mapping[str, Any], delivery_method: str | None
) -> set[str]:
    """The fields a choice made irrelevant: their form condition does not hold for `values`."""
    return {
        code
        for code, f in form_fields(snapshot).items()
        if f.get("shown_when") and not condition_holds(f["shown_when"], values, delivery_method)
    }


def drop_hidden(
    snapshot: Mapping[str, Any], values: Mapping[str, Any], delivery_method: str | None
) -> dict[str, Any]:
    """`values` without those of hidden fields: a value typed before the choice changed is not kept."""
    hidden = hidden_elements(snapshot, {k: unseal(v) for k, v in values.items()}, delivery_method)
    return {k: v for k, v in values.items() if k not in hidden}


def not_asked(
    snapshot: Mapping[str, Any],
    field: Mapping[str, Any],
    delivery_method: str | None,
    values: Mapping[str, Any] | None = None,
) -> str:
    """Why the application does not ask this field in its form ("" when it does).

    One rule for every channel (the portal wizard, the counter) and for `onego package check`.
    `values`: the form's values so far, for fields shown only when a choice holds (`shown_when`); None
    (the package check, which has no values) leaves them shown.
    """
    if field.get("produced_by"):
        return "produced"
    if values is not None and not condition_holds(field.get("shown_when") or "", values, delivery_method):
        return "condition"
    question = field.get("answers_question")
    if question and (snapshot.get("answers") or {}).get(question) is not None:
        return "answer"  # the question's answer is this datum: asked once, in the question
    if field["element"] in CONTACT_ELEMENTS:
        return "contact"
    if (
        field["element"].startswith(POSTAL_PREFIX)
        and not field.get("shown_when")  # its own condition says when it is needed
        and not posting_possible(snapshot, delivery_method)
    ):
        return "not_posted"
    return ""


def asked_groups(
    snapshot: Mapping[str, Any],
    *,
    delivery_method: str | None = None,
    keep: Container[str] = (),
    values: Mapping[str, Any] | None = None,
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """The form's groups as someone fills them in: each group with the fields to ask, leaving out
    fields nobody types (an earlier item of the package produces them; the question's answer or the
    contact step gave them; the mailing address when nothing is posted), and groups left empty.

    `keep`: elements shown whatever the path gave them (a value pre-review found wrong is corrected
    where it is shown). `values`: the form's values, which decide the fields shown only on a choice."""
    for group in snapshot.get("form", []):
        fields = [
            f
            for f in group["fields"]
            if (f["element"] in keep and not f.get("produced_by"))
            or not not_asked(snapshot, f, delivery_method, values)
        ]
        if fields:
            yield group, fields


def path_values(snapshot: Mapping[str, Any], *, phone: str = "", email: str = "") -> dict[str, Any]:
    """Values the application already has for form fields it does not ask again: the answers of bound
    questions (`bound_values`) and the contact step's phone and e-mail."""
    known = form_fields(snapshot)
    out: dict[str, Any] = dict(snapshot.get("bound_values") or {})
    contact = {"phone": phone, "email": email}
    for element, key in CONTACT_ELEMENTS.items():
        if element in known and contact[key]:
            out.setdefault(element, contact[key])
    return out


def fill_from_path(
    snapshot: Mapping[str, Any], form_data: Mapping[str, Any], *, phone: str = "", email: str = ""
) -> dict[str, Any]:
    """`form_data` with every field the path already answered filled where it was not given (or blank)."""
    out = dict(form_data)
    for element, value in path_values(snapshot, phone=phone, email=email).items():
        if out.get(element) in (None, ""):
            out[element] = value
    return out


def applicant_id_number(case: Case) -> str:
    """The applicant's own ID number (a person applicant; "" for an enterprise), for pre-review's check
    that a child's number typed in the form is not the applicant's own."""
    if case.applicant_kind != "person" or not case.applicant_sealed:
        return ""
    identity = unseal(case.applicant_sealed)
    return str(identity.get("identifier", "")) if isinstance(identity, dict) else ""


def sensitive_elements(snapshot: Mapping[str, Any]) -> set[str]:
    return {code for code, f in form_fields(snapshot).items() if f.get("sensitive")}


def seal_values(values: Mapping[str, Any], sensitive: set[str]) -> dict[str, Any]:
    return {k: (seal(v) if k in sensitive and v not in (None, "") else v) for k, v in values.items()}


def form_values(case: Case) -> dict[str, Any]:
    """The case's form data in clear, for pre-review, rules and authorised staff."""
    return {k: unseal(v) for k, v in (case.form_data or {}).items()}


def shown(value: Any, *, sensitive: bool, data_type: str = "") -> Any:
    """How a value appears to staff in lists and decision records."""
    if not sensitive or value in (None, ""):
        return value
    if data_type in ("id_number", "uscc", "phone", "email"):
        return pii.mask_value(data_type, value)
    return "***"
