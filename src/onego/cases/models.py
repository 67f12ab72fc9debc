"""Cases (办件): one application for one package, its sub-cases (子件) and everything around them.

A case keeps a snapshot of the compiled package it was submitted against (items, merged form,
material list, time limits), so a later catalog change never changes a case under way. Statuses
and the moves between them live in workflow.py; services are the only writers.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from onego.cases.workflow import (
    CASE_TRANSITIONS,
    SUBCASE_TRANSITIONS,
    CaseStatus,
    Outcome,
    SubCaseStatus,
)
from onego.catalog.models import Department, Package, Partner, Region
from onego.core import clock
from onego.core.models import BaseModel

USER = settings.AUTH_USER_MODEL


class Channel(models.TextChoices):
    WEB = "web", "网上申请"
    APP = "app", "移动端/接口"
    COUNTER = "counter", "窗口申请"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"


class SubCaseKind(models.TextChoices):
    ITEM = "item", "审批事项"
    PARTNER = "partner", "合作机构环节"


class DeliveryMethod(models.TextChoices):
    ELECTRONIC = "electronic", "电子送达"
    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮政寄递"


class ReferenceCounter(models.Model):
    """Per prefix and day, the last serial handed out (GY-20261124-000123)."""

    prefix = models.CharField(max_length=8)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="reference_counter_once")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.day:%Y%m%d}: {self.last}"


class Case(BaseModel):
    transition_table = CASE_TRANSITIONS
    noun = "办件"

    reference = models.CharField("办件编号", max_length=40, unique=True)
    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="cases")
    package_code = models.CharField(max_length=80)
    package_name = models.CharField(max_length=100)
    package_version = models.PositiveIntegerField()
    # The compiled package at submission (entries, form, materials, timing): the case's own copy.
    snapshot = models.JSONField(default=dict)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases")

    applicant_kind = models.CharField("申请人类型", max_length=12, choices=ApplicantKind.choices)
    applicant_index = models.CharField("申请人盲索引", max_length=64, db_index=True)
    applicant_display = models.CharField("申请人（脱敏）", max_length=60)
    applicant_id_masked = models.CharField("证件号码（脱敏）", max_length=30)
    applicant_sealed = models.TextField("申请人身份（加密）")
    contact_sealed = models.TextField("联系方式（加密）", blank=True)
    applicant_user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_applied"
    )

    channel = models.CharField("申请渠道", max_length=10, choices=Channel.choices)
    status = models.CharField("状态", max_length=20, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    version = models.PositiveIntegerField(default=0)

    answers = models.JSONField("情形答案", default=dict, blank=True)
    add = models.JSONField(default=list, blank=True)
    drop = models.JSONField(default=list, blank=True)
    form_data = models.JSONField("表单数据", default=dict, blank=True)  # sensitive values sealed
    verified = models.JSONField("核验来源", default=dict, blank=True)  # element → exchange reference
    delivery_method = models.CharField(
        "送达方式", max_length=12, choices=DeliveryMethod.choices, default=DeliveryMethod.ELECTRONIC
    )

    idempotency_key = models.CharField("幂等键", max_length=100)
    payload_hash = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases_submitted"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)

    # First handlers (首办责任): the clerk who accepted and the lead department, until the conclusion.
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_accepted"
    )
    accepted_at_counter = models.BooleanField("窗口受理", default=False)
    accepting_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_accepted"
    )
    lead_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="cases_led"
    )

    clock_started_on = models.DateField(null=True, blank=True)
    promised_days = models.PositiveIntegerField(default=0)
    legal_days = models.PositiveIntegerField(default=0)
    promised_due = models.DateField("承诺办结日", null=True, blank=True)
    legal_due = models.DateField("法定办结日", null=True, blank=True)
    deadline_provisional = models.BooleanField("期限暂定", default=False, db_index=True)
    provisional_years = models.JSONField(default=list, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant_index", "idempotency_key"], name="case_idempotency_once"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "region"]),
            # What changed since the dashboard's last refresh (onego.insight.refresh; ADR 0014).
            models.Index(fields=["updated_at"], name="case_updated_at"),
        ]
        verbose_name = verbose_name_plural = "办件 Case"

    def __str__(self) -> str:
        return f"{self.reference} {self.package_name}"

    def history_fields(self) -> dict[str, Any]:
        return {}


class SubCase(BaseModel):
    """The part of a case one department decides (one item), or one partner step."""

    transition_table = SUBCASE_TRANSITIONS
    noun = "子件"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subcases")
    code = models.CharField("事项/环节代码", max_length=80)
    name = models.CharField("名称", max_length=150)
    kind = models.CharField(max_length=10, choices=SubCaseKind.choices, default=SubCaseKind.ITEM)
    partner_kind = models.CharField(max_length=20, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="subcases"
    )
    status = models.CharField(max_length=20, choices=SubCaseStatus.choices, default=SubCaseStatus.WAITING)
    # Optimistic check for callers that show a version (the API): a stale one is refused.
    version = models.PositiveIntegerField(default=0)
    prerequisites = models.JSONField("前置事项", default=list, blank=True)
    stage = models.PositiveSmallIntegerField(default=0)
    window_class = models.PositiveSmallIntegerField(default=2)
    sole_approver = models.BooleanField(default=False)
    instant_approval = models.BooleanField(default=False)
    site_inspection = models.BooleanField(default=False)
    promised_days = models.PositiveIntegerField(default=0)
    legal_days = models.PositiveIntegerField(default=0)

    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="subcases_assigned"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField("审批意见", blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="subcases_decided"
    )
    decided_by_label = models.CharField(max_length=120, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    external_ref = models.CharField("合作机构业务号", max_length=120, blank=True)

    clock_started_on = models.DateField(null=True, blank=True)
    promised_due = models.DateField(null=True, blank=True)
    legal_due = models.DateField(null=True, blank=True)
    deadline_provisional = models.BooleanField(default=False, db_index=True)
    provisional_years = models.JSONField(default=list, blank=True)
    # The last warning sent (green/yellow/red/overdue), so a warning is never sent twice.
    warned_level = models.CharField(max_length=10, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Bumped whenever the deadline moves; a scheduled check carrying an older token does nothing.
    check_token = models.PositiveIntegerField(default=0)

    class Meta:
        # case_id, not case: ordering by the relation would join cases_case into every query for
        # its own ordering (-created_at). Lists across cases order explicitly.
        ordering = ["case_id", "stage", "code"]
        constraints = [models.UniqueConstraint(fields=["case", "code"], name="subcase_code_once")]
        indexes = [
            models.Index(fields=["department", "status"]),
            # What changed since the dashboard's last refresh (onego.insight.refresh; ADR 0014).
            models.Index(fields=["updated_at"], name="subcase_updated_at"),
        ]
        verbose_name = verbose_name_plural = "子件 Sub-case"

    def __str__(self) -> str:
        return f"{self.name}（{self.get_status_display()}）"

    def history_fields(self) -> dict[str, Any]:
        return {"case_id": self.case_id}


class _Transition(BaseModel):
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField("操作人", max_length=120)
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    reason = models.TextField("原因/意见", blank=True)
    at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["at", "created_at"]


class CaseTransition(_Transition):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")

    class Meta(_Transition.Meta):
        verbose_name = verbose_name_plural = "办件流转记录 Case transition"


class SubCaseTransition(_Transition):
    subcase = models.ForeignKey(SubCase, on_delete=models.CASCADE, related_name="transitions")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subcase_transitions")

    class Meta(_Transition.Meta):
        verbose_name = verbose_name_plural = "子件流转记录 Sub-case transition"


class OneTimeNotice(BaseModel):
    """一次性告知: everything missing or wrong at pre-review, in one list."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    number = models.PositiveSmallIntegerField()
    problems = models.JSONField(default=list)  # [{field, kind, message}]
    issued_at = models.DateTimeField(default=clock.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["case_id", "number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="notice_number_once")]
        verbose_name = verbose_name_plural = "一次性告知书 One-time notice"


class MaterialKind(models.TextChoices):
    UPLOAD = "upload", "上传文件"
    REFERENCE = "reference", "共享核验"


def material_upload_to(instance: Material, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}{suffix}"


class Material(BaseModel):
    """One material of a case, given once and used by every sub-case that needs it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField("材料类型", max_length=80)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=MaterialKind.choices)
    file = models.FileField(upload_to=material_upload_to, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    reference = models.CharField("核验凭据", max_length=200, blank=True)
    verified_by = models.CharField(
        max_length=80, blank=True
    )  # registry:<code> | licence:<code> | package:<item>
    provided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    replaced_at = models.DateTimeField(null=True, blank=True)  # superseded by a supplement; kept

    class Meta:
        ordering = ["case_id", "code", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "code"], condition=Q(replaced_at__isnull=True), name="material_once_per_case"
            )
        ]
        verbose_name = verbose_name_plural = "申请材料 Material"


class SupplementStatus(models.TextChoices):
    OPEN = "open", "待补正"
    ANSWERED = "answered", "已补正"
    CANCELLED = "cancelled", "已取消"


class Supplement(BaseModel):
    """补正: one list to the applicant; requests of several departments while open join the same list."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supplements")
    status = models.CharField(max_length=10, choices=SupplementStatus.choices, default=SupplementStatus.OPEN)
    # [{subcase, item, department, target, kind: field|material|other, message}]
    items = models.JSONField(default=list)
    requested_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["case_id", "requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="one_open_supplement_per_case"
            )
        ]
        verbose_name = verbose_name_plural = "补正 Supplement"


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", "补正"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序"
    SITE_INSPECTION = "site_inspection", "现场踏勘"  # only where the item's guide excludes it from the limit


class ClockPause(BaseModel):
    """A stop of the clock [started_on, ended_on) caused by one sub-case; it stops the case clock too."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="pauses")
    subcase = models.ForeignKey(SubCase, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField(max_length=20, choices=PauseKind.choices)
    reason = models.CharField(max_length=300, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    supplement = models.ForeignKey(
        Supplement, null=True, blank=True, on_delete=models.SET_NULL, related_name="pauses"
    )

    class Meta:
        ordering = ["case_id", "started_on"]
        verbose_name = verbose_name_plural = "计时暂停 Clock pause"


class InstantDecision(BaseModel):
    """秒批: the rule, the data it used and where that data was verified; reviewable by an officer."""

    subcase = models.OneToOneField(SubCase, on_delete=models.CASCADE, related_name="instant_decision")
    rule_code = models.CharField(max_length=80)
    rule_title = models.CharField(max_length=200)
    approved = models.BooleanField()
    inputs = models.JSONField(default=dict)  # element → value (sensitive values sealed)
    shown_inputs = models.JSONField(default=dict)  # element → value as staff see it (masked)
    sources = models.JSONField(default=dict)  # element → verification reference
    reasons = models.JSONField(default=list)
    decided_at = models.DateTimeField(default=clock.now)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_verdict = models.CharField(
        max_length=12, blank=True, choices=[("upheld", "维持"), ("overturned", "撤回重审")]
    )
    review_opinion = models.TextField(blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "秒批记录 Instant decision"


class ResultsStatus(models.TextChoices):
    PENDING = "pending", "待生成"
    PRODUCED = "produced", "已生成"


class Conclusion(BaseModel):
    """One conclusion per case (一张结论): prepared when the join fires, issued by the lead department.

    The results (e-licences, the signed conclusion PDF, the integrated licence) are filled in by the
    results task (services/results.py); delivery by `conclusion_deliver`.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="conclusion")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # [{code, name, department, status, opinion, decided_by, decided_at}] — every sub-case's opinion.
    opinions = models.JSONField(default=list)
    prepared_at = models.DateTimeField(default=clock.now)
    issuing_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="conclusions"
    )
    issued_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField("结论意见", blank=True)

    results_status = models.CharField(
        max_length=10, choices=ResultsStatus.choices, default=ResultsStatus.PENDING
    )
    # [{subcase, item, licence_type, name, identifier, issuer, valid_until}]: one row per sub-case whose
    # e-licence was issued — the key that keeps a re-run from issuing twice (services/results.py).
    results = models.JSONField(default=list, blank=True)
    results_produced_at = models.DateTimeField(null=True, blank=True)
    # The signed conclusion PDF (under MEDIA_ROOT/conclusions/), the fields it printed (to rebuild the
    # document and recompute its digest on the verification page), its SM3 digest and QR token.
    document = models.FileField(upload_to="conclusions/", blank=True)
    document_number = models.CharField("文书编号", max_length=80, blank=True)
    document_fields = models.JSONField(default=dict, blank=True)
    document_digest = models.CharField(max_length=64, blank=True, db_index=True)
    document_token = models.TextField(blank=True)
    # The integrated licence (一业一证), when the package granted an enterprise two permits or more.
    licence_document = models.FileField(upload_to="conclusions/", blank=True)
    licence_fields = models.JSONField(default=dict, blank=True)
    licence_digest = models.CharField(max_length=64, blank=True, db_index=True)
    licence_token = models.TextField(blank=True)
    delivery_method = models.CharField(max_length=12, choices=DeliveryMethod.choices, blank=True)
    delivery_address_sealed = models.TextField(blank=True)
    tracking_number = models.CharField("快递单号", max_length=60, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办结结论 Conclusion"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    FAILED = "failed", "发送失败"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    SMS = "sms", "短信"


class Notification(BaseModel):
    """The outbox: written in the transaction of the step it reports, sent by a task after commit."""

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    to_applicant = models.BooleanField(default=False)
    recipient = models.ForeignKey(USER, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=NotificationChannel.choices)
    kind = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = verbose_name_plural = "通知 Notification"


# --- partner steps (合作机构环节) through the partner API ------------------------------------------


class SignatureAlgorithm(models.TextChoices):
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256"
    HMAC_SM3 = "hmac-sm3", "HMAC-SM3（国密）"


class PartnerEndpoint(BaseModel):
    """Where a partner (catalog Partner) receives its steps, and the secret both sides sign with.

    `url` is an https:// webhook; http:// only on the loopback interface (development and tests);
    `local:` is the in-process simulated partner of the demo (`onego partners simulate`), and
    `local:down` one that always answers 503 (to watch retries). The shared secret is kept
    encrypted with `core.pii` and only decrypted to sign or verify.
    """

    partner = models.OneToOneField(Partner, on_delete=models.CASCADE, related_name="endpoint")
    url = models.CharField("接收地址（Webhook）", max_length=500)
    secret_sealed = models.TextField("共享密钥（加密）")
    algorithm = models.CharField(
        "签名算法", max_length=12, choices=SignatureAlgorithm.choices, default=SignatureAlgorithm.HMAC_SHA256
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["partner__code"]
        verbose_name = verbose_name_plural = "合作机构接口 Partner endpoint"

    def __str__(self) -> str:
        return f"{self.partner.code} → {self.url}"


class PartnerDeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已送达，待合作机构办理"
    ACKNOWLEDGED = "acknowledged", "合作机构已回执"
    FAILED = "failed", "发送失败，已督办"
    CANCELLED = "cancelled", "已取消"


class PartnerDelivery(BaseModel):
    """One hand-over of a partner sub-case to its partner, retried with back-off until it lands.

    Written in the transaction that starts the sub-case (with its task); every try is a
    `PartnerDeliveryAttempt`. Sent = the partner's webhook answered 2xx; acknowledged = the
    partner called back (started / done / failed). At most one live delivery per sub-case.
    """

    subcase = models.ForeignKey(SubCase, on_delete=models.CASCADE, related_name="partner_deliveries")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="partner_deliveries")
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    status = models.CharField(
        max_length=12, choices=PartnerDeliveryStatus.choices, default=PartnerDeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subcase"],
                condition=Q(status__in=["pending", "sent"]),
                name="one_live_partner_delivery",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = verbose_name_plural = "合作机构环节发送 Partner delivery"

    def __str__(self) -> str:
        return f"{self.subcase_id} → {self.partner_id}: {self.get_status_display()}"


class PartnerDeliveryAttempt(BaseModel):
    """One POST to the partner's webhook: what came back, and when the next try is planned."""

    delivery = models.ForeignKey(PartnerDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=clock.now)
    ok = models.BooleanField(default=False)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="partner_attempt_number_once")
        ]
        verbose_name = verbose_name_plural = "合作机构发送尝试 Partner delivery attempt"


class PartnerCallback(BaseModel):
    """A signed callback accepted from a partner, kept by the partner's callback id.

    The unique (partner, callback_id) is the replay protection and the idempotency key: the same
    callback again changes nothing; the same id with a different body is refused.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="callbacks")
    callback_id = models.CharField(max_length=100)
    delivery = models.ForeignKey(
        PartnerDelivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    outcome = models.CharField(max_length=10)
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(default=clock.now)
    result = models.CharField(max_length=12, blank=True)  # applied | unchanged

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "callback_id"], name="partner_callback_once")
        ]
        verbose_name = verbose_name_plural = "合作机构回调 Partner callback"


# --- joint site inspection (联合踏勘) --------------------------------------------------------------


class InspectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "已安排"
    HELD = "held", "已踏勘"
    CANCELLED = "cancelled", "已取消"


class InspectionConclusion(models.TextChoices):
    PASS = "pass", "符合要求"
    FAIL = "fail", "不符合要求"
    CONDITIONAL = "conditional", "整改后符合"


class JointInspection(BaseModel):
    """One appointment at the site with every department whose item needs an inspection."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inspections")
    scheduled_for = models.DateTimeField("踏勘时间")
    place = models.CharField("踏勘地点", max_length=200)
    lead_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="inspections_led"
    )
    status = models.CharField(
        max_length=10, choices=InspectionStatus.choices, default=InspectionStatus.SCHEDULED
    )
    scheduled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    scheduled_by_label = models.CharField(max_length=120, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["case_id", "scheduled_for"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="scheduled"), name="one_scheduled_inspection_per_case"
            )
        ]
        verbose_name = verbose_name_plural = "联合踏勘 Joint inspection"

    def __str__(self) -> str:
        return f"{self.scheduled_for:%Y-%m-%d %H:%M} {self.place}（{self.get_status_display()}）"


class InspectionParticipant(BaseModel):
    """One inspecting sub-case in a joint inspection, and its department's findings."""

    inspection = models.ForeignKey(JointInspection, on_delete=models.CASCADE, related_name="participants")
    subcase = models.ForeignKey(SubCase, on_delete=models.CASCADE, related_name="inspection_parts")
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="inspection_parts"
    )
    # The item's guide excludes inspection time from its limit: the clock stops until the findings.
    pauses_clock = models.BooleanField(default=False)
    findings = models.TextField("踏勘意见", blank=True)
    conclusion = models.CharField("踏勘结论", max_length=12, choices=InspectionConclusion.choices, blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_by_label = models.CharField(max_length=120, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["inspection", "subcase__stage", "subcase__code"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "subcase"], name="inspection_subcase_once")
        ]
        verbose_name = verbose_name_plural = "踏勘参加部门 Inspection participant"
