"""Applicants who sign in, their one-time codes, and the drafts of the guided path (the portal's backing layer).

- `ApplicantAccount`: the Django user a person becomes when they first sign in with an ID number and a
  one-time code. The cases engine knows applicants as users (`Case.applicant_user`), so each person gets
  one, keyed by the blind index of their ID number; the number itself is never stored here.
- `OneTimeCode`: one code sent (or, when the population register holds no mobile number, pretended to be
  sent — the page looks the same either way) — hashed, short-lived, single use, a few attempts.
The drafts of the guided path (`ApplicationDraft`, `DraftUpload`) moved to `onego.applications.models`
(issue 12), their tables kept.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

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


def draft_upload_to(instance: Any, filename: str) -> str:
    """Kept for the historical migration 0001 that names it: the drafts moved to `onego.applications`."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"drafts/{instance.draft_id}/{uuid.uuid4().hex}{suffix}"
