"""Public proposals for new packages (新一件事建议): propose, support once per person, decide and tell.

People are identified by the blind index every app uses (the signed-in person's, decided on the server by
the portal, never sent by the browser). The proposer is told of the decision in their message centre: the
`ProposalNotice` row is written in the decision's own transaction.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from onego.catalog.models import Package, ServiceItem
from onego.core import clock
from onego.core.errors import Conflict, NotFound, ValidationFailed
from onego.standards.models import Proposal, ProposalNotice, ProposalStatus, ProposalSupport

TITLE = (4, 60)
DESCRIPTION = (10, 1000)
DEPARTMENTS = 200
MAX_ITEMS = 10
NOTE = 300
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(
    value: Any, *, field: str, label: str, bounds: tuple[int, int], multiline: bool = False
) -> str:
    """Control and direction-override characters removed, spaces collapsed, length checked (in Chinese).

    Markup is kept as typed: every page escapes it on output, so a `<script>` shows as text and never runs.
    """
    text = _CONTROL.sub("", str(value or ""))
    if multiline:
        text = "\n".join(" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")).strip()
    else:
        text = " ".join(text.split())
    low, high = bounds
    if len(text) < low:
        raise ValidationFailed(f"请填写{label}" if not text else f"{label}至少 {low} 个字", field=field)
    if len(text) > high:
        raise ValidationFailed(f"{label}不能超过 {high} 个字（现在 {len(text)} 个）", field=field)
    return text


def _items(codes: Iterable[str]) -> list[ServiceItem]:
    wanted = list(dict.fromkeys(c for c in codes if c))
    if len(wanted) > MAX_ITEMS:
        raise ValidationFailed(f"最多选择 {MAX_ITEMS} 个事项", field="items")
    items = list(ServiceItem.objects.filter(code__in=wanted))
    if len(items) != len(wanted):
        raise ValidationFailed("所选事项不在服务目录中，请从列表中选择", field="items")
    return items


@transaction.atomic
def proposal_submit(
    *,
    proposer_index: str,
    proposer_display: str,
    title: str,
    description: str,
    item_codes: Iterable[str] = (),
    departments: str = "",
) -> Proposal:
    if not proposer_index:
        raise ValidationFailed("请先登录再提交建议", field="proposer")
    clean_title = clean_text(title, field="title", label="标题", bounds=TITLE)
    clean_description = clean_text(
        description, field="description", label="说明", bounds=DESCRIPTION, multiline=True
    )
    clean_departments = clean_text(
        departments, field="departments", label="涉及部门", bounds=(0, DEPARTMENTS)
    )
    items = _items(item_codes)
    if not items and not clean_departments:
        raise ValidationFailed("请至少选择一个事项或填写涉及的部门", field="items")
    proposal = Proposal.objects.create(
        proposer_index=proposer_index,
        proposer_display=proposer_display[:60],
        title=clean_title,
        description=clean_description,
        departments=clean_departments,
    )
    proposal.items.set(items)
    return proposal


def _locked(proposal_id: Any) -> Proposal:
    try:
        uuid.UUID(str(proposal_id))
    except ValueError:
        raise NotFound("没有这条建议") from None
    proposal = Proposal.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound("没有这条建议")
    return proposal


@transaction.atomic
def proposal_support(*, proposal_id: Any, supporter_index: str) -> Proposal:
    """One support per person; the proposer's own does not count; only open proposals."""
    if not supporter_index:
        raise ValidationFailed("请先登录再支持", field="supporter")
    proposal = _locked(proposal_id)
    if proposal.status != ProposalStatus.OPEN:
        raise Conflict("该建议已处理，不再征集支持")
    if proposal.proposer_index == supporter_index:
        raise Conflict("这是您自己的建议，提出即已计入")
    try:
        with transaction.atomic():
            ProposalSupport.objects.create(proposal=proposal, supporter_index=supporter_index)
    except IntegrityError:
        raise Conflict("您已经支持过这条建议（每人一次）") from None
    Proposal.objects.filter(pk=proposal.pk).update(support_count=F("support_count") + 1)
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_decide(
    *, proposal_id: Any, decided_by: Any, status: str, package_code: str = "", note: str = ""
) -> Proposal:
    """Mark a proposal built (linking the package) or declined, and tell the proposer."""
    proposal = _locked(proposal_id)
    clean_note = clean_text(note, field="note", label="答复", bounds=(0, NOTE))
    if status == ProposalStatus.BUILT:
        package = Package.objects.filter(code=package_code, active=True).first()
        if package is None:
            raise ValidationFailed("请选择已建成的一件事套餐", field="package")
        proposal.built_package = package
        subject = f"您的建议“{proposal.title}”已建成一件事：{package.name}"
        body = f"感谢您的建议。现在可以在“{package.name}”中一次办理。" + (
            f"\n{clean_note}" if clean_note else ""
        )
    elif status == ProposalStatus.DECLINED:
        if not clean_note:
            raise ValidationFailed("暂不采纳时请写明理由", field="note")
        proposal.built_package = None
        subject = f"您的建议“{proposal.title}”暂不采纳"
        body = clean_note
    else:
        raise ValidationFailed("请选择“已建成”或“暂不采纳”", field="status")
    # A repeated decision (a retry, a double click) updates the note but tells the proposer only once.
    changed = proposal.status != status
    proposal.status = status
    proposal.decided_by = decided_by
    proposal.decided_at = clock.now()
    proposal.decision_note = clean_note
    proposal.save()
    if changed:
        ProposalNotice.objects.create(
            proposal=proposal, recipient_index=proposal.proposer_index, subject=subject, body=body
        )
    return proposal


def notices_for(recipient_index: str, *, limit: int = 50) -> list[ProposalNotice]:
    return list(
        ProposalNotice.objects.filter(recipient_index=recipient_index)
        .select_related("proposal")
        .order_by("-created_at")[:limit]
    )
