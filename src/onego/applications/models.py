"""The application in progress online: the draft of the guided path, saved at every step and resumable
from 我的办件, and the files uploaded while drafting (services: `onego.applications.drafts`).

Moved here from `onego.signin.models` (issue 12): the draft is the application service's, not the
sign-in's. The tables keep their names (`signin_applicationdraft`, `signin_draftupload`): the move is a
change of the migration state only (`SeparateDatabaseAndState`), so existing drafts survive it.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models

from onego.core.models import BaseModel

USER = settings.AUTH_USER_MODEL


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
    # question id -> who answered it ("电子证照库"): answers a registry gave, not asked (applications/answers.py)
    answered_by = models.JSONField(default=dict, blank=True)
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
        db_table = "signin_applicationdraft"  # moved from the signin app with its data (migration 0001)
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
        db_table = "signin_draftupload"  # moved from the signin app with its data (migration 0001)
        ordering = ["draft", "material"]
        constraints = [models.UniqueConstraint(fields=["draft", "material"], name="draft_upload_once")]
        verbose_name = verbose_name_plural = "草稿材料 Draft upload"
