"""Regional implementations of standard items, item-name mappings and their review, public proposals.

The catalog's `ServiceItem` is the provincial standard (基本目录 + the standard guide). A region's
implementation (实施清单 + its own 办事指南) is an `ItemImplementation`: a full copy of the guide elements the
region actually publishes, so drift is what differs between the two (onego.standards.drift).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onego.catalog.models import HandlingType, Region, ServiceItem
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
    EXACT = "exact", "完全一致"
    NORMALISED = "normalised", "规范化后一致"
    SYNONYM = "synonym", "同义词"
    PINYIN = "pinyin", "拼音"
    FUZZY = "fuzzy", "模糊"
    NONE = "none", "未匹配"
    REVIEWER = "reviewer", "人工确认"


class MappingStatus(models.TextChoices):
    AUTO = "auto", "自动映射"
    PENDING = "pending", "待人工复核"
    CONFIRMED = "confirmed", "已确认"
    CORRECTED = "corrected", "已更正"
    REJECTED = "rejected", "无对应标准事项"


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
