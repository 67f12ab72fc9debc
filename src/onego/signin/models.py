"""Applicants who sign in, their one-time codes, and the drafts of the guided path (the portal's backing layer).

- `ApplicantAccount`: the Django user a person becomes when they first sign in with an ID number and a
  one-time code. The cases engine knows applicants as users (`Case.applicant_user`), so each person gets
  one, keyed by the blind index of their ID number; the number itself is never stored here.
- `OneTimeCode`: one code sent (or, when the population register holds no mobile number, pretended to be
  sent — the page looks the same either way) — hashed, short-lived, single use, a few attempts.
- `ApplicationDraft` / `DraftUpload`: the guided path saved at every step, resumable from 我的办件.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models

from onego.core import clock
from onego.core.models import BaseModel

USER = settings.AUTH_USER_MODEL


class ApplicantAccount(BaseModel):
    user = models.OneToOneField(USER, on_delete=models.CASCADE, related_name="applicant_account")
    subject_index = models.CharField("身份证号码盲索引", max_length=64, unique=True)
    name_masked = models.CharField("姓名（脱敏）", max_length=40)
    id_masked = models.CharField("身份证号码（脱敏）", max_length=30)
    last_signed_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "申请人账户 Applicant account"

    def __str__(self) -> str:
        return f"{self.name_masked} {self.id_masked}"


class OneTimeCode(BaseModel):
    subject_index = models.CharField(max_length=64, db_index=True)
    # A keyed hash of the client's address: enough to count requests per address, not to recover it.
    client_ref = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    # False when the register holds no mobile number: nothing was sent and no code can match.
    delivered = models.BooleanField(default=False)
    requested_at = models.DateTimeField(default=clock.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["subject_index", "requested_at"]),
            models.Index(fields=["client_ref", "requested_at"]),
        ]
        verbose_name = verbose_name_plural = "登录验证码 One-time code"


class DraftStep(models.TextChoices):
    QUESTIONS = "questions", "情形问题"
    CONTACT = "contact", "联系方式"
    CONSENT = "consent", "授权共享"
    FORM = "form", "填写表单"
    MATERIALS = "materials", "上传材料"
    REVIEW = "review", "核对提交"


class DraftStatus(models.TextChoices):
    OPEN = "open", "填写中"
    SUBMITTED = "submitted", "已提交"
    DISCARDED = "discarded", "已放弃"


class ConsentChoice(models.TextChoices):
    NONE = "", "未选择"
    GRANTED = "granted", "同意共享"
    DECLINED = "declined", "自行填写"


class ApplicationDraft(BaseModel):
    """One application in progress. Values typed or fetched are kept sealed (`core.pii`), never in clear."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="application_drafts")
    subject_kind = models.CharField(max_length=12)  # person | enterprise: whom the application is for
    subject_index = models.CharField(max_length=64, db_index=True)
    package_code = models.CharField(max_length=80)
    package_name = models.CharField(max_length=100)
    region_code = models.CharField(max_length=12)
    status = models.CharField(max_length=10, choices=DraftStatus.choices, default=DraftStatus.OPEN)
    step = models.CharField(max_length=10, choices=DraftStep.choices, default=DraftStep.QUESTIONS)
    answers = models.JSONField(default=dict, blank=True)
    contact_sealed = models.TextField(blank=True)  # {"phone", "email"}
    delivery_method = models.CharField(max_length=12, default="electronic")
    contact_done = models.BooleanField(default=False)
    # The draft case (cases app) the consent and prefill are bound to; replaced when the answers change.
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    generation = models.PositiveSmallIntegerField(default=1)
    consent_id = models.UUIDField(null=True, blank=True)
    consent_choice = models.CharField(max_length=10, choices=ConsentChoice.choices, blank=True, default="")
    prefill_run_id = models.UUIDField(null=True, blank=True)
    prefill_note = models.CharField(max_length=300, blank=True)
    # element -> {source_registry, source_name, contract}: where each fetched value came from (no values).
    sources = models.JSONField(default=dict, blank=True)
    manual = models.JSONField(default=dict, blank=True)  # element -> why the applicant types it
    # [{material, name, reference, description, registry}] verified by the exchange for this case.
    verified_materials = models.JSONField(default=list, blank=True)
    materials_manual = models.JSONField(default=dict, blank=True)  # material -> why it is uploaded
    values_sealed = models.TextField(blank=True)  # {element: value}, fetched and typed
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = verbose_name_plural = "申请草稿 Application draft"

    def __str__(self) -> str:
        return f"{self.package_name}（{self.get_status_display()}）"

    @property
    def idempotency_key(self) -> str:
        """The key of this draft's case: a new generation (answers changed) is a new application."""
        return f"web-{self.pk.hex}-{self.generation}"


def draft_upload_to(instance: DraftUpload, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"drafts/{instance.draft_id}/{uuid.uuid4().hex}{suffix}"


class DraftUpload(BaseModel):
    """A material uploaded once while drafting; handed to the case when the draft is submitted."""

    draft = models.ForeignKey(ApplicationDraft, on_delete=models.CASCADE, related_name="uploads")
    material = models.CharField(max_length=80)
    name = models.CharField(max_length=120)
    file = models.FileField(upload_to=draft_upload_to)
    filename = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["draft", "material"]
        constraints = [models.UniqueConstraint(fields=["draft", "material"], name="draft_upload_once")]
        verbose_name = verbose_name_plural = "草稿材料 Draft upload"
