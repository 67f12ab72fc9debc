"""Regional implementations of standard items, item-name mappings and their review, public proposals.

The catalog's `ServiceItem` is the provincial standard (基本目录 + the standard guide). A region's
implementation (实施清单 + its own 办事指南) is an `ItemImplementation`: a full copy of the guide elements the
region actually publishes, so drift is what differs between the two (onego.standards.drift).
"""

from __future__ import annotations

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
