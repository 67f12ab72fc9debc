"""Regional implementations of standard items, item-name mappings and their review, public proposals.

The catalog's `ServiceItem` is the provincial standard (基本目录 + the standard guide). A region's
implementation (实施清单 + its own 办事指南) is an `ItemImplementation`: a full copy of the guide elements the
region actually publishes, so drift is what differs between the two (onego.standards.drift).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onego.catalog.models import HandlingType, Package, Region, ServiceItem
from onego.core.models import BaseModel


class ItemImplementation(BaseModel):
    """One region's implementation of a standard item, with the guide elements it publishes."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="item_implementations")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="implementations")
    local_name = models.CharField("本地事项名称", max_length=150)
    legal_basis = models.TextField("设定依据", blank=True)
    acceptance_conditions = models.TextField("受理条件", blank=True)
    legal_limit_days = models.PositiveIntegerField("法定办结时限（工作日）")
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）")
    handling_type = models.CharField("办件类型", max_length=10, choices=HandlingType.choices)
    fee_charged = models.BooleanField("是否收费", default=False)
    fee_basis = models.CharField("收费依据", max_length=300, blank=True)
    visits = models.PositiveSmallIntegerField("到办事现场次数", default=0)
    visits_reason = models.CharField("必须现场办理原因", max_length=300, blank=True)
    online = models.BooleanField("是否网办", default=True)
    online_depth = models.PositiveSmallIntegerField("网上办理深度", default=4)
    postal = models.BooleanField("支持物流快递", default=True)
    result_name = models.CharField("审批结果名称", max_length=150, blank=True)
    materials = models.JSONField(
        "申请材料",
        default=list,
        blank=True,
        help_text="[{code, name, required}]：code 为标准材料类型代码，本地自设材料 code 为空",
    )
    source = models.CharField("来源", max_length=200, blank=True)

    class Meta:
        ordering = ["region__code", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "item"], name="implementation_once_per_region")
        ]
        verbose_name = verbose_name_plural = "事项实施清单 Item implementation"

    def __str__(self) -> str:
        return f"{self.region.name} {self.local_name}"


class MappingMethod(models.TextChoices):
    EXACT = "exact", _("完全一致")
    NORMALISED = "normalised", _("规范化后一致")
    SYNONYM = "synonym", _("同义词")
    PINYIN = "pinyin", _("拼音")
    FUZZY = "fuzzy", _("模糊")
    NONE = "none", _("未匹配")
    REVIEWER = "reviewer", _("人工确认")


class MappingStatus(models.TextChoices):
    AUTO = "auto", _("自动映射")
    PENDING = "pending", _("待人工复核")
    CONFIRMED = "confirmed", _("已确认")
    CORRECTED = "corrected", _("已更正")
    REJECTED = "rejected", _("无对应标准事项")


class NameMapping(BaseModel):
    """A free-text local item name mapped to a standard item, with the matcher's confidence.

    Below the threshold the mapping waits in the review queue (`pending`) until an administrator confirms,
    corrects or rejects it; the decision is recorded in `NameMappingReview` in the same transaction.
    """

    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    local_name = models.CharField("本地事项名称", max_length=200)
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="name_mappings"
    )
    method = models.CharField("匹配方式", max_length=12, choices=MappingMethod.choices)
    confidence = models.FloatField("置信度")
    status = models.CharField("状态", max_length=10, choices=MappingStatus.choices)
    candidates = models.JSONField("候选标准事项", default=list, blank=True)

    class Meta:
        ordering = ["status", "confidence"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "local_name"], name="name_mapping_once", nulls_distinct=False
            )
        ]
        verbose_name = verbose_name_plural = "事项名称映射 Name mapping"

    def __str__(self) -> str:
        return self.local_name


class NameMappingReview(BaseModel):
    """An administrator's decision on a mapping (who, what before, what after)."""

    mapping = models.ForeignKey(NameMapping, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField("决定", max_length=10, choices=MappingStatus.choices)
    item_before = models.CharField(max_length=80, blank=True)
    item_after = models.CharField(max_length=80, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "名称映射复核 Mapping review"


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("征集中")
    BUILT = "built", _("已建成一件事")
    DECLINED = "declined", _("暂不采纳")


class Proposal(BaseModel):
    """A citizen's proposal for a new package: "things I had to do together".

    The proposer is the signed-in person, kept as the blind index every other app uses; only the masked
    name (`proposer_display`) is ever shown.
    """

    proposer_index = models.CharField("建议人盲索引", max_length=64, db_index=True)
    proposer_display = models.CharField("建议人（脱敏）", max_length=60)
    title = models.CharField("标题", max_length=60)
    description = models.TextField("说明")
    items = models.ManyToManyField(ServiceItem, blank=True, related_name="+", verbose_name="涉及事项")
    departments = models.CharField("涉及部门", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    support_count = models.PositiveIntegerField("支持数", default=0)
    built_package = models.ForeignKey(
        Package, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField("答复", max_length=300, blank=True)

    class Meta:
        ordering = ["-support_count", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="built") | Q(built_package__isnull=False),
                name="built_proposal_has_package",
            )
        ]
        verbose_name = verbose_name_plural = "新一件事建议 Proposal"

    def __str__(self) -> str:
        return self.title


class ProposalSupport(BaseModel):
    """One person's support of a proposal (once per person, by blind index)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    supporter_index = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "supporter_index"], name="support_once_per_person")
        ]
        verbose_name = verbose_name_plural = "建议支持 Proposal support"


class ProposalNotice(BaseModel):
    """A message to the proposer about their proposal, shown in their message centre (消息中心)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="notices")
    recipient_index = models.CharField(max_length=64, db_index=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "建议答复消息 Proposal notice"


class ItemCoOccurrence(BaseModel):
    """A pair of items that the same applicants applied for within a short window, in separate cases.

    Refreshed by a task (onego.standards.demand), never computed per request. `in_package` marks pairs that
    some active package already bundles: the demand for a new package is in the others.
    """

    # "" counts every case (province-wide); a region code, the cases filed in it or below (both cases).
    region_code = models.CharField("区划代码", max_length=12, blank=True, default="")
    item_a = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    item_b = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    applicants = models.PositiveIntegerField("共同申请人数")
    window_days = models.PositiveSmallIntegerField("时间窗（天）")
    in_package = models.BooleanField("已有套餐同时包含", default=False)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-applicants"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "item_a", "item_b"], name="co_occurrence_pair_once_per_region"
            )
        ]
        verbose_name = verbose_name_plural = "事项共现 Item co-occurrence"
