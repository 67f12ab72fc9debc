"""The results of an issued conclusion (issue #4 item 6): e-licences, signed documents, delivery.

`case_issue_conclusion` calls `results.produce_results`, which enqueues `produce_conclusion_results`
in the same transaction (tasks.py: a committed conclusion cannot lose its task). The task runs
`produce_results_now`, in three steps, each safe to run again:

1. **E-licences.** For each approved item sub-case whose catalog item has a `result_licence_type`,
   one short transaction: lock the Conclusion row, skip the sub-case if `conclusion.results` already
   has a row for it (the idempotency key is the sub-case id — i.e. (case, item)), else
   `registries.gateway.issue_licence` into the e-licence library, ledger entry `licence.issued`
   (holder by blind index, no raw number), and the row appended to `conclusion.results` (with the
   holder's name and masked code). The holder follows the licence type's catalog `holder`
   (`licence_holder`): a `person` licence goes to the applicant; an `enterprise` licence (营业执照,
   食品经营许可证 …) to the enterprise — the applicant when it is one, else the enterprise named in
   the form (`enterprise.name` + `enterprise.uscc`), so a person opening a restaurant does not get
   the business licence in their own name and the next case of that enterprise finds it by sharing.
   An enterprise registered in this very package gets its USCC when its business licence item is
   approved (`services/produced.py`: the enterprise registry assigns it and it is written into the
   form); without a valid code the licence goes to the applicant, and the row says why
   (`holder_note`). Issuer: the sub-case's department, by its
   USCC, or — the catalog does not hold real departments' codes — a synthetic but valid code derived
   from the department code with `make_uscc` (`registries.authorities.government_uscc`), the same
   way the simulated registries name their authorities. A licence type without a GB/T 36904 type
   code gets the registries' synthetic one likewise.
2. **Documents** (≈1.5 s each, outside any transaction): the conclusion PDF signed by the lead
   department, and — when the package granted one enterprise two e-licences or more — the
   integrated licence (一业一证) listing each permit, in that enterprise's name. Every field printed is built
   from stored rows only (the conclusion, its opinions, `results`), so a second run renders the same
   document with the same digest and token.
3. **Store**: lock the row again; if another run got there first, keep theirs. Otherwise save the
   PDFs as files under MEDIA_ROOT/conclusions/ (FileFields: the applicant download streams them, and
   a database row stays small), the printed fields (`document_fields` / `licence_fields`, to rebuild
   the document and recompute its digest on the verification page), digests and tokens, and set
   `results_status = produced`. A PDF written by a run whose transaction then fails stays orphaned
   on disk; nothing points at it.

A task that dies (e-licence library down, worker killed) leaves `results_status = pending`;
`recover_pending_results` re-enqueues those (run from `onego cases tick`).

The verification URL in the QR code is `ONEGO_PUBLIC_URL` (setting or environment; default
`http://127.0.0.1:8000`) + `/verify/<token>`.

`conclusion_deliver` records how the result reached the applicant: electronic, pickup at the window
or post with a tracking number (address sealed), with a timeline row and a message to the applicant.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from onego.accounts.models import Role
from onego.accounts.selectors import staff_of
from onego.cases.access import access_case_by_id
from onego.cases.documents import (
    ConclusionDocument,
    IntegratedLicence,
    Opinion,
    PermitLine,
    canonical_document_bytes,
    document_digest,
    render_conclusion_pdf,
    render_integrated_licence_pdf,
    signer_for,
    verification_token,
)
from onego.cases.identity import seal, unseal
from onego.cases.models import (
    ApplicantKind,
    Case,
    Conclusion,
    DeliveryMethod,
    ResultsStatus,
    SubCase,
    SubCaseKind,
)
from onego.cases.services.notify import notify_applicant
from onego.cases.workflow import InvalidTransition, SubCaseStatus, record_event
from onego.catalog.models import Department, LicenceType, ServiceItem
from onego.core import clock
from onego.core.errors import NotFound, PermissionDenied, ValidationFailed
from onego.core.uow import unit_of_work
from onego.core.validators import check_uscc
from onego.ledger.services import ledger_record
from onego.registries.authorities import government_uscc, synthetic_type_code
from onego.registries.gateway import Subject, issue_licence

logger = logging.getLogger(__name__)

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
MIN_PERMITS_FOR_INTEGRATED_LICENCE = 2
TRACKING_NUMBER_RE = re.compile(r"[A-Za-z0-9-]{6,40}")


def public_url() -> str:
    value = getattr(settings, "ONEGO_PUBLIC_URL", "")
    return (value or DEFAULT_PUBLIC_URL).rstrip("/")


def verify_url(token: str) -> str:
    return f"{public_url()}/verify/{token}"


def applicant_subject(case: Case) -> Subject:
    identity = unseal(case.applicant_sealed)
    return Subject(kind=case.applicant_kind, key=str(identity["identifier"]))  # type: ignore[arg-type]


def applicant_name(case: Case) -> str:
    return str(unseal(case.applicant_sealed)["name"])


@dataclass(frozen=True)
class Holder:
    """Who an issued licence belongs to, and why it is not whom the catalog says (`note`), if so."""

    subject: Subject
    name: str
    note: str = ""


def licence_holder(case: Case, licence_type: LicenceType) -> Holder:
    """The holder the licence type declares: the applicant (`person`) or the enterprise (`enterprise`)."""
    note = ""
    if licence_type.holder_kind == "enterprise" and case.applicant_kind != ApplicantKind.ENTERPRISE:
        stored = case.form_data or {}  # only the two values needed are unsealed
        uscc = str(unseal(stored.get("enterprise.uscc")) or "").strip().upper()
        name = str(unseal(stored.get("enterprise.name")) or "").strip()
        if uscc and name and check_uscc(uscc) is None:
            return Holder(Subject(kind="enterprise", key=uscc), name)
        note = f"{licence_type.name}应由市场主体持有，但表单中没有有效的市场主体名称和统一社会信用代码，暂按申请人签发"
    return Holder(applicant_subject(case), applicant_name(case), note=note)


def issuer_code(department: Department) -> str:
    """The department's USCC; without one, a synthetic valid code derived from its department code."""
    return department.uscc.strip().upper() or government_uscc(
        f"department:{department.code}", department.region.code
    )


# --- 1. e-licences ----------------------------------------------------------------------------------


def _licence_subcases(conclusion: Conclusion) -> list[tuple[SubCase, ServiceItem]]:
    subcases = SubCase.objects.filter(
        case_id=conclusion.case_id, kind=SubCaseKind.ITEM, status=SubCaseStatus.APPROVED
    ).select_related("department__region")
    items = {
        i.code: i
        for i in ServiceItem.objects.filter(
            code__in=[s.code for s in subcases], result_licence_type__isnull=False
        ).select_related("result_licence_type")
    }
    return [(s, items[s.code]) for s in subcases.order_by("stage", "code") if s.code in items]


def _issue_one(conclusion_id: Any, subcase: SubCase, item: ServiceItem) -> bool:
    """Issue the sub-case's e-licence unless it was already; True when issued now."""
    with unit_of_work():
        conclusion = Conclusion.objects.select_for_update().select_related("case").get(pk=conclusion_id)
        if any(r.get("subcase") == str(subcase.pk) for r in conclusion.results):
            return False
        case = conclusion.case
        lt = item.result_licence_type
        assert lt is not None  # filtered in _licence_subcases
        department = subcase.department
        if department is None:
            raise ValidationFailed(f"“{subcase.name}”没有办理部门，无法签发证照", field="department")
        owner = licence_holder(case, lt)
        holder = owner.subject
        if owner.note:
            logger.warning("licence %s of case %s: %s", lt.code, case.reference, owner.note)
        record = issue_licence(
            licence_type=lt.code,
            type_code=lt.type_code or synthetic_type_code(lt.code),
            name=lt.name,
            holder=holder,
            holder_name=owner.name,
            issuer_name=department.name,
            issuer_code=issuer_code(department),
            data={"case_reference": case.reference, "item": item.code, "item_name": item.name},
            valid_until=None,  # the catalog holds no validity periods yet: 长期有效 until it does
        )
        ledger_record(
            kind="licence.issued",
            actor=f"dept:{department.code}",
            subject_ref=holder.index,
            case_ref=str(case.pk),
            payload={
                "reference": case.reference,
                "conclusion": str(conclusion.pk),
                "item": item.code,
                "licence_type": lt.code,
                "identifier": record.identifier,
                "holder_code_type": holder.code_type,
            },
        )
        conclusion.results = [
            *conclusion.results,
            {
                "subcase": str(subcase.pk),
                "item": item.code,
                "licence_type": lt.code,
                "name": record.name,
                "identifier": record.identifier,
                "issuer": record.issuer_name,
                "valid_until": record.valid_until.isoformat() if record.valid_until else None,
                "holder_kind": holder.kind,
                "holder_name": owner.name,
                "holder_code_masked": holder.masked,
                **({"holder_note": owner.note} if owner.note else {}),
            },
        ]
        conclusion.save(update_fields=["results", "updated_at"])
        return True


# --- 2. documents -------------------------------------------------------------------------------------


def _aware(value: str | None, fallback: dt.datetime) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if value else fallback


def conclusion_document(conclusion: Conclusion) -> ConclusionDocument:
    """The conclusion document as printed, from stored rows only (same rows, same digest)."""
    case = conclusion.case
    issued_at = conclusion.issued_at
    if issued_at is None:
        raise InvalidTransition("结论尚未出具", field="conclusion")
    year = timezone.localtime(issued_at).year
    lead = conclusion.issuing_department
    opinions = tuple(
        Opinion(
            department=o["department"] or "—",
            item=o["name"],
            decision=o["status_label"],
            opinion=o["opinion"] or "—",
            # A sub-case cancelled with its prerequisite has no decision time: the join's time.
            decided_at=_aware(o.get("decided_at"), conclusion.prepared_at),
        )
        for o in conclusion.opinions
    )
    method = conclusion.delivery_method or case.delivery_method
    return ConclusionDocument(
        number=f"一件事结〔{year}〕{case.reference}号",
        case_reference=case.reference,
        package_name=case.package_name,
        applicant_name_masked=case.applicant_display,
        outcome=conclusion.outcome,
        outcome_text=conclusion.summary,
        lead_department=lead.name if lead else "",
        issued_at=issued_at,
        opinions=opinions,
        results=tuple(_held_line(case, r) for r in conclusion.results),
        delivery=DeliveryMethod(method).label if method else DeliveryMethod.ELECTRONIC.label,
        applicant_name=applicant_name(case),
    )


def _held(case: Case, row: dict[str, Any]) -> tuple[str, str, str]:
    """(kind, name, masked code) of a result row's holder; rows from before holders were recorded: the applicant."""
    if "holder_kind" in row:
        return row["holder_kind"], row["holder_name"], row["holder_code_masked"]
    return case.applicant_kind, applicant_name(case), case.applicant_id_masked


def _held_line(case: Case, row: dict[str, Any]) -> str:
    """A result as the conclusion document lists it; an enterprise's licence names the enterprise."""
    kind, name, _ = _held(case, row)
    line = f"{row['name']} {row['identifier']}"
    return f"{line}（持证主体：{name}）" if kind == "enterprise" and "holder_kind" in row else line


def integrated_licence(conclusion: Conclusion) -> IntegratedLicence | None:
    """一业一证 for an enterprise granted two e-licences or more by this package; else None.

    The holder is the enterprise the licences were issued to (not necessarily the applicant: a person
    opening a restaurant gets the restaurant's licences in the enterprise's name).
    """
    case = conclusion.case
    by_holder: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in conclusion.results:
        kind, name, code = _held(case, row)
        if kind == ApplicantKind.ENTERPRISE:
            by_holder.setdefault((name, code), []).append(row)
    if not by_holder:
        return None
    (holder_name, holder_code), rows = max(by_holder.items(), key=lambda kv: len(kv[1]))
    if len(rows) < MIN_PERMITS_FOR_INTEGRATED_LICENCE:
        return None
    assert conclusion.issued_at is not None
    lead = conclusion.issuing_department
    address = unseal(case.form_data.get("premises.address") or case.form_data.get("enterprise.address") or "")
    return IntegratedLicence(
        number=f"一业一证〔{timezone.localtime(conclusion.issued_at).year}〕{case.reference}号",
        holder_name=holder_name,
        holder_code_masked=holder_code,
        business_address=str(address) or "—",
        permits=tuple(
            PermitLine(
                name=r["name"],
                identifier=r["identifier"],
                issuer=r["issuer"],
                valid_until=dt.date.fromisoformat(r["valid_until"]) if r.get("valid_until") else None,
            )
            for r in rows
        ),
        issued_at=conclusion.issued_at,
        issuer=lead.name if lead else "",
    )


def document_to_fields(doc: ConclusionDocument | IntegratedLicence) -> dict[str, Any]:
    """The printed fields as the digest spells them (what `*_fields` keep)."""
    fields: dict[str, Any] = json.loads(canonical_document_bytes(doc))["fields"]
    return fields


def _when(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def conclusion_document_from_fields(f: dict[str, Any]) -> ConclusionDocument:
    return ConclusionDocument(
        **{k: f[k] for k in ("number", "case_reference", "package_name", "applicant_name_masked", "outcome")},
        outcome_text=f["outcome_text"],
        lead_department=f["lead_department"],
        issued_at=_when(f["issued_at"]),
        opinions=tuple(Opinion(**{**o, "decided_at": _when(o["decided_at"])}) for o in f["opinions"]),
        results=tuple(f["results"]),
        delivery=f["delivery"],
        applicant_name=f.get("applicant_name", ""),
    )


def integrated_licence_from_fields(f: dict[str, Any]) -> IntegratedLicence:
    return IntegratedLicence(
        number=f["number"],
        holder_name=f["holder_name"],
        holder_code_masked=f["holder_code_masked"],
        business_address=f["business_address"],
        permits=tuple(
            PermitLine(
                name=p["name"],
                identifier=p["identifier"],
                issuer=p["issuer"],
                valid_until=dt.date.fromisoformat(p["valid_until"]) if p["valid_until"] else None,
            )
            for p in f["permits"]
        ),
        issued_at=_when(f["issued_at"]),
        issuer=f["issuer"],
    )


# --- the task body ------------------------------------------------------------------------------------


def produce_results_now(*, conclusion_id: Any) -> str:
    """Issue the e-licences and produce the signed documents of an issued conclusion. Idempotent."""
    conclusion = Conclusion.objects.select_related("case").filter(pk=conclusion_id).first()
    if conclusion is None or conclusion.issued_at is None:
        return "skipped"
    if conclusion.results_status == ResultsStatus.PRODUCED:
        return "unchanged"
    issued = sum(_issue_one(conclusion.pk, s, item) for s, item in _licence_subcases(conclusion))

    conclusion = Conclusion.objects.select_related("case", "issuing_department").get(pk=conclusion.pk)
    lead = conclusion.issuing_department
    if lead is None:
        raise ValidationFailed("办件没有牵头部门，无法签发结论文书", field="issuing_department")
    signer = signer_for(lead.code, name=lead.name)
    doc = conclusion_document(conclusion)
    token = verification_token(doc, signer)
    pdf = render_conclusion_pdf(doc, verify_url=verify_url(token), signer=signer)
    licence = integrated_licence(conclusion)
    licence_token = licence_pdf = None
    if licence is not None:
        licence_token = verification_token(licence, signer)
        licence_pdf = render_integrated_licence_pdf(
            licence, verify_url=verify_url(licence_token), signer=signer
        )

    with unit_of_work():
        locked = Conclusion.objects.select_for_update().select_related("case").get(pk=conclusion.pk)
        if locked.results_status == ResultsStatus.PRODUCED:
            return "unchanged"
        reference = locked.case.reference
        locked.document.save(f"{reference}-conclusion.pdf", ContentFile(pdf), save=False)
        locked.document_number = doc.number
        locked.document_fields = document_to_fields(doc)
        locked.document_digest = document_digest(doc)
        locked.document_token = token
        if licence is not None and licence_pdf is not None and licence_token is not None:
            locked.licence_document.save(f"{reference}-licence.pdf", ContentFile(licence_pdf), save=False)
            locked.licence_fields = document_to_fields(licence)
            locked.licence_digest = document_digest(licence)
            locked.licence_token = licence_token
        locked.results_status = ResultsStatus.PRODUCED
        locked.results_produced_at = clock.now()
        locked.save()
        made = "、".join(["办理结论通知书", *(["一业一证综合许可证"] if licence else [])])
        licences = f"，电子证照 {len(locked.results)} 张" if locked.results else ""
        record_event(
            locked.case,
            actor=None,
            label="系统",
            action="results",
            reason=f"已生成结果：{made}（{lead.name}电子签名）{licences}",
            bump=False,
        )
    logger.info("results of conclusion %s produced (%d licences issued now)", conclusion.pk, issued)
    return "produced"


def recover_pending_results(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Re-enqueue the results of issued conclusions still pending (their task died). Duplicates are harmless."""
    from onego.cases.tasks import produce_conclusion_results

    stale = Conclusion.objects.filter(
        results_status=ResultsStatus.PENDING, issued_at__isnull=False, issued_at__lt=clock.now() - older_than
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale:
        produce_conclusion_results.enqueue(str(pk))
        count += 1
    return count


# --- delivery -----------------------------------------------------------------------------------------

DELIVERY_ROLES = (Role.CLERK, Role.OFFICER, Role.LEAD_OFFICER, Role.ADMIN)


@unit_of_work
def conclusion_deliver(
    *,
    actor: Any,
    conclusion_id: Any,
    method: str,
    address: str | None = None,
    tracking_number: str | None = None,
) -> Conclusion:
    """Record the delivery of the results: 电子送达, 窗口领取, or 邮政寄递 with an address and tracking number.

    By staff of the lead department or of the accepting window. Once per conclusion.
    """
    case_id = Conclusion.objects.filter(pk=conclusion_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound("没有找到该办结结论", field="conclusion")
    staff = staff_of(actor)
    case = access_case_by_id(actor, case_id, staff=staff)  # NotFound for "not yours" too
    if not getattr(actor, "is_superuser", False) and not any(
        d is not None and staff.has(d, DELIVERY_ROLES)
        for d in (case.lead_department_id, case.accepting_department_id)
    ):
        raise PermissionDenied("结果送达由牵头部门或受理窗口办理", field="conclusion")
    if method not in DeliveryMethod.values:
        raise ValidationFailed(f"送达方式应为：{'、'.join(DeliveryMethod.labels)}", field="method")
    address = (address or "").strip()
    tracking_number = (tracking_number or "").strip()
    if method == DeliveryMethod.POST:
        if not address:
            raise ValidationFailed("邮政寄递需填写收件地址", field="address")
        if not tracking_number:
            raise ValidationFailed("邮政寄递需填写快递单号", field="tracking_number")
        if not TRACKING_NUMBER_RE.fullmatch(tracking_number):
            raise ValidationFailed("快递单号应为6–40位字母、数字或连字符", field="tracking_number")
    elif tracking_number or address:
        raise ValidationFailed("只有邮政寄递需要填写收件地址和快递单号", field="method")

    conclusion = Conclusion.objects.select_for_update().get(pk=conclusion_id)
    if conclusion.issued_at is None:
        raise InvalidTransition("结论尚未出具，不能送达", field="conclusion")
    if conclusion.results_status != ResultsStatus.PRODUCED:
        raise InvalidTransition("结果文书正在生成，请稍后再送达", field="conclusion")
    if conclusion.delivered_at is not None:
        when = timezone.localtime(conclusion.delivered_at)
        raise InvalidTransition(f"结果已于{when:%Y-%m-%d %H:%M}送达，不能重复送达", field="conclusion")
    conclusion.delivery_method = method
    conclusion.delivery_address_sealed = seal(address) if address else ""
    conclusion.tracking_number = tracking_number
    conclusion.delivered_at = clock.now()
    conclusion.save()
    label = DeliveryMethod(method).label
    detail = {
        DeliveryMethod.ELECTRONIC: "结论文书和电子证照已送达您的电子证照库和“我的办件”，可在线下载。",
        DeliveryMethod.PICKUP: "请携带身份证件到政务服务中心窗口领取纸质结果。",
        DeliveryMethod.POST: f"纸质结果已通过邮政寄出，快递单号：{tracking_number}。",
    }[DeliveryMethod(method)]
    record_event(
        case,
        actor=actor,
        action="deliver",
        reason=f"结果送达：{label}" + (f"（快递单号 {tracking_number}）" if tracking_number else ""),
    )
    # The outbox row is written now and sent by its task after commit (notify.py).
    notify_applicant(case=case, kind="delivered", subject=f"办理结果已送达（{label}）", body=detail)
    return conclusion
