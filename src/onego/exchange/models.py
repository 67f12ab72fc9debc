"""The exchange (数据共享交换): sharing contracts, consents, verified references and prefill runs.

Nothing here points at a case row: the cases app sits above the exchange, so consents, verified
materials and prefill runs carry the case's UUID as `case_ref` and the cases app links to them.
Nothing here stores a raw ID number either: subjects are kept as their blind index.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Q

from onego.core import clock
from onego.core.models import BaseModel


class ConsumerKind(models.TextChoices):
    DEPARTMENT_TYPE = "department_type", "部门类型"
    ITEM = "item", "服务事项"
    PACKAGE = "package", "一件事套餐"


class SharingContract(BaseModel):
    """A sharing contract (共享协议/智能合约): which consumer may read which data, for which purpose.

    Rows are never edited: publishing a change writes version n+1 and deactivates version n, in the same
    transaction as the ledger entry that records the change. Anything no active, valid contract grants
    is refused (default deny).
    """

    code = models.CharField("协议编号", max_length=80)
    version = models.PositiveIntegerField("版本")
    consumer_kind = models.CharField("使用方类别", max_length=20, choices=ConsumerKind.choices)
    consumer_code = models.CharField("使用方代码", max_length=80)
    purpose = models.CharField("用途", max_length=200)
    elements = models.JSONField("可读取的数据元", default=list, blank=True)
    # Material types a registry verifies (registry-backed, not e-licences): reading "does this person hold
    # a valid 居民身份证" is a read of that registry too, so it needs a grant of its own.
    materials = models.JSONField("可核验的材料", default=list, blank=True)
    licence_types = models.JSONField("可调用的电子证照类型", default=list, blank=True)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期", null=True, blank=True)
    active = models.BooleanField("现行版本", default=True)
    published_by = models.CharField("发布人", max_length=200)
    published_at = models.DateTimeField("发布时间", default=clock.now)
    note = models.CharField("变更说明", max_length=300, blank=True)
    digest = models.CharField("内容摘要（SM3）", max_length=64)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="contract_code_version_once"),
            # At most one current version per code: a change deactivates the old row first.
            models.UniqueConstraint(
                fields=["code"], condition=Q(active=True), name="contract_one_active_version"
            ),
        ]
        indexes = [models.Index(fields=["consumer_kind", "consumer_code", "active"])]
        verbose_name = verbose_name_plural = "共享协议 Sharing contract"

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """`code@vN`, how reads cite the contract that allowed them."""
        return f"{self.code}@v{self.version}"

    @property
    def consumer_label(self) -> str:
        return f"{self.consumer_kind}:{self.consumer_code}"

    def in_force_on(self, day: dt.date) -> bool:
        return (
            self.active and self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)
        )


class SubjectKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"


class ConsentDecision(models.TextChoices):
    GRANTED = "granted", "同意"
    DECLINED = "declined", "不同意（自行填写）"


class ConsentChannel(models.TextChoices):
    """Where the consent was given — decided by the server from who gave it, never sent by a client."""

    WEB = "web", "网上（申请人本人）"
    WINDOW = "window", "窗口（申请人当面，受理员代为确认）"


class ConsentStatus(models.TextChoices):
    ACTIVE = "active", "有效"
    EXPIRED = "expired", "已过期"
    WITHDRAWN = "withdrawn", "已撤回"
    DECLINED = "declined", "未授权（自行填写）"


class Consent(BaseModel):
    """The applicant's answer to the preview (授权): bound to one case and one purpose, and it expires.

    `scope` is the preview exactly as the applicant saw it (per registry: the elements and materials, and
    the contract version that allows each), so what was agreed can always be shown again.
    """

    case_ref = models.UUIDField("办件", db_index=True)
    subject_index = models.CharField("数据主体（盲索引）", max_length=128, db_index=True)
    subject_kind = models.CharField("主体类别", max_length=10, choices=SubjectKind.choices)
    purpose = models.CharField("用途", max_length=200)
    package_code = models.CharField("一件事套餐", max_length=80)
    region_code = models.CharField("区划", max_length=12)
    scope = models.JSONField("授权范围（预览）", default=dict)
    decision = models.CharField("决定", max_length=10, choices=ConsentDecision.choices)
    actor = models.CharField("操作者", max_length=200)
    channel = models.CharField(
        "授权渠道", max_length=10, choices=ConsentChannel.choices, default=ConsentChannel.WEB
    )
    granted_at = models.DateTimeField("授权时间", null=True, blank=True)
    declined_at = models.DateTimeField("拒绝时间", null=True, blank=True)
    expires_at = models.DateTimeField("到期时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "授权 Consent"

    def __str__(self) -> str:
        return f"{self.purpose} · {self.get_decision_display()}"

    def status_at(self, when: dt.datetime) -> ConsentStatus:
        if self.decision == ConsentDecision.DECLINED:
            return ConsentStatus.DECLINED
        if self.withdrawn_at is not None and self.withdrawn_at <= when:
            return ConsentStatus.WITHDRAWN
        if self.expires_at is not None and when >= self.expires_at:
            return ConsentStatus.EXPIRED
        return ConsentStatus.ACTIVE

    @property
    def status(self) -> ConsentStatus:
        return self.status_at(clock.now())

    def scope_registries(self) -> list[dict[str, Any]]:
        registries: list[dict[str, Any]] = self.scope.get("registries", [])
        return registries


class VerifiedMaterial(BaseModel):
    """A material a registry or e-licence verified, attached to the case as a reference (not an upload).

    One row per case and material: every sub-case of the case sees the same reference.
    """

    case_ref = models.UUIDField("办件", db_index=True)
    material = models.CharField("材料类型", max_length=80)
    material_name = models.CharField("材料名称", max_length=120)
    registry = models.CharField("核验数据源", max_length=50)
    licence_type = models.CharField("电子证照类型", max_length=60, blank=True)
    reference = models.CharField("核验凭据", max_length=200)
    description = models.CharField("说明", max_length=300, blank=True)
    verified_at = models.DateTimeField("核验时间")
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="verified_materials")
    contract = models.CharField("依据的共享协议", max_length=100)

    class Meta:
        ordering = ["case_ref", "material"]
        constraints = [
            models.UniqueConstraint(fields=["case_ref", "material"], name="verified_material_once_per_case")
        ]
        verbose_name = verbose_name_plural = "核验材料 Verified material"

    def __str__(self) -> str:
        return f"{self.material_name}（{self.reference}）"


class PrefillRun(BaseModel):
    """One click of 一键填表: what was fetched (encrypted), from where, under which contract; what is manual.

    `values`: {element: {value (encrypted JSON), masked, source_registry, source_name, contract,
    fetched_at}}. `manual`: {element: reason}. `materials_manual`: {material: reason}.
    """

    case_ref = models.UUIDField("办件", db_index=True)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="prefill_runs")
    actor = models.CharField("操作者", max_length=200)
    values = models.JSONField("已填入的数据", default=dict)
    manual = models.JSONField("需自行填写的数据及原因", default=dict)
    materials_verified = models.JSONField("已核验的材料", default=list)
    materials_manual = models.JSONField("需自行上传的材料及原因", default=dict)
    ledger_indexes = models.JSONField("账本记录序号", default=list)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = verbose_name_plural = "一键填表 Prefill run"

    def __str__(self) -> str:
        return f"{self.case_ref} @ {self.started_at:%Y-%m-%d %H:%M}"


class PersonConsentStatus(models.TextChoices):
    """Another adult's own consent, asked for by the applicant (onego.exchange.person_consent)."""

    REQUESTED = "requested", "待本人授权"
    GRANTED = "granted", "本人已同意"
    DECLINED = "declined", "本人不同意"
    EXPIRED = "expired", "已过期"


class PersonConsentRequest(BaseModel):
    """The applicant asks another adult (`consent: own`: the other parent, the seller…) for their consent.

    The person is named by the applicant (ID number and phone) and reached through a one-time link; only
    that person, signed in as themself, can grant or decline (`onego.exchange.person_consent`). Their
    grant is a `Consent` of their own (subject = them), for exactly `scope`, this case and this purpose.
    """

    case_ref = models.UUIDField("办件", db_index=True)
    subject_code = models.CharField("数据主体角色", max_length=40)
    subject_name = models.CharField("角色名称", max_length=40)
    person_index = models.CharField("被请求人（盲索引）", max_length=128, db_index=True)
    person_sealed = models.TextField("被请求人证件号码（加密）")
    phone_sealed = models.TextField("通知手机号（加密）")
    phone_masked = models.CharField("通知手机号（脱敏）", max_length=20)
    requester_index = models.CharField("申请人（盲索引）", max_length=128)
    requested_by = models.CharField("请求人", max_length=200)
    package_code = models.CharField("一件事套餐", max_length=80)
    package_name = models.CharField("套餐名称", max_length=120, blank=True)
    region_code = models.CharField("区划", max_length=12)
    purpose = models.CharField("用途", max_length=200)
    scope = models.JSONField("请求授权的数据和材料", default=dict)
    token_digest = models.CharField("链接摘要", max_length=64, unique=True)
    status = models.CharField(
        "状态", max_length=10, choices=PersonConsentStatus.choices, default=PersonConsentStatus.REQUESTED
    )
    requested_at = models.DateTimeField("请求时间")
    link_expires_at = models.DateTimeField("链接到期时间")
    decided_at = models.DateTimeField("答复时间", null=True, blank=True)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="person_requests"
    )

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["case_ref", "subject_code"])]
        verbose_name = verbose_name_plural = "他人授权请求 Person consent request"

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.get_status_display()}"
