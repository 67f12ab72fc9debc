"""Proactive service (服务找人) and each region's hot packages (热点一件事). See docs/outreach.md.

People are named by blind index (`person_index`, as in cases and the exchange); an ID number needed to
reach them again (the offer's SMS) is kept encrypted.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onego.core import clock
from onego.core.fields import EncryptedTextField
from onego.core.models import BaseModel

INDEX_LENGTH = 64


class EventCursor(BaseModel):
    """How far the platform has read one registry's event feed (the last sequence taken in)."""

    registry = models.SlugField("数据源代码", max_length=50, unique=True)
    position = models.BigIntegerField("已读到的序号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "事件读取位置 Event cursor"


class ReceivedEvent(BaseModel):
    """A registry event taken in through the exchange; `matched_at` is set once its offers are made."""

    registry = models.SlugField("数据源代码", max_length=50)
    sequence = models.BigIntegerField("序号")
    kind = models.SlugField("事件类型", max_length=50)
    key = models.CharField("事件键", max_length=120)
    occurred_on = models.DateField("发生日期")
    region_code = models.CharField("区划", max_length=12, blank=True)
    people_sealed = EncryptedTextField("相关人员（密文）")
    facts = models.JSONField("事实", default=dict, blank=True)
    matched_at = models.DateTimeField("匹配时间", null=True, blank=True)

    class Meta:
        ordering = ["registry", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["registry", "sequence"], name="outreach_event_once_per_sequence"),
            models.UniqueConstraint(fields=["key"], name="outreach_event_once_per_key"),
        ]
        verbose_name = verbose_name_plural = "收到的数据源事件 Received event"


class OfferStatus(models.TextChoices):
    OFFERED = "offered", _("已推送")
    STARTED = "started", _("已开始办理")
    DISMISSED = "dismissed", _("已忽略")
    WITHHELD = "withheld", _("本人已退订，未推送")


class SmsStatus(models.TextChoices):
    NONE = "none", _("不发送")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class Offer(BaseModel):
    """One proactive offer: one person, one rule, one event — never a second (the unique constraint).

    Recorded whether or not it was sent: an offer withheld because the person opted out is a row with
    status `withheld` and no message, so the record shows both that the rule matched and why nobody
    was told.
    """

    event = models.ForeignKey(ReceivedEvent, on_delete=models.PROTECT, related_name="offers")
    rule_code = models.SlugField("规则", max_length=80)
    rule_version = models.CharField("规则版本（内容摘要）", max_length=16)
    rule_name = models.CharField("规则名称", max_length=200)
    rule_name_en = models.CharField(max_length=200, blank=True)
    person_index = models.CharField("本人盲索引", max_length=INDEX_LENGTH, db_index=True)
    person_sealed = EncryptedTextField("本人身份号码（密文）")
    role = models.CharField("在事件中的身份", max_length=20)
    package_code = models.SlugField("推荐的一件事", max_length=80)
    package_name = models.CharField("一件事名称", max_length=100)
    package_name_en = models.CharField(max_length=150, blank=True)
    region_code = models.CharField("办理地区", max_length=12)
    answers = models.JSONField("预先回答的情形", default=dict, blank=True)
    message = models.CharField("推送内容", max_length=300)
    message_en = models.CharField(max_length=500, blank=True)
    channels = models.JSONField("推送渠道", default=list, blank=True)  # ["site", "sms"]
    status = models.CharField("状态", max_length=12, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    offered_at = models.DateTimeField("推送时间", default=clock.now)
    sms_status = models.CharField("短信", max_length=10, choices=SmsStatus.choices, default=SmsStatus.NONE)
    sms_attempts = models.PositiveSmallIntegerField(default=0)
    sms_sent_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField("开始办理时间", null=True, blank=True)
    draft_id = models.UUIDField("申请草稿", null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "rule_code", "person_index"],
                name="outreach_offer_once_per_event_rule_person",
            )
        ]
        indexes = [models.Index(fields=["sms_status", "created_at"], name="outreach_offer_sms")]
        verbose_name = verbose_name_plural = "主动服务推送 Offer"


class OptOutChoice(BaseModel):
    """A person's choice about proactive offers, append-only: the latest row per (person, rule) holds.

    `rule_code` "" means every rule. `opted_out` False is opting back in. `channel` says where it was made.
    """

    person_index = models.CharField("本人盲索引", max_length=INDEX_LENGTH, db_index=True)
    rule_code = models.CharField("规则（空为全部）", max_length=80, blank=True)
    opted_out = models.BooleanField("退订")
    channel = models.CharField("渠道", max_length=10, default="web")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "主动服务退订 Opt-out"


class HotPackage(BaseModel):
    """A region's hot package ranking, computed by a task (`onego outreach rank`), read by the home page."""

    region_code = models.CharField("区划", max_length=12)
    package_code = models.SlugField(max_length=80)
    rank = models.PositiveSmallIntegerField("名次")
    score = models.FloatField("得分")
    prior_weight = models.FloatField("先验权重")  # 1.0: only the provincial table; 0.0: only local data
    usage = models.PositiveIntegerField("本地使用量", default=0)
    computed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["region_code", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "package_code"], name="outreach_hot_once_per_region"
            )
        ]
        verbose_name = verbose_name_plural = "热点一件事 Hot package"


class Pin(BaseModel):
    """A package an applicant pinned to their own home page (also counted as a favourite)."""

    person_index = models.CharField("本人盲索引", max_length=INDEX_LENGTH, db_index=True)
    package_code = models.SlugField(max_length=80)
    region_code = models.CharField("区划", max_length=12, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person_index", "package_code"], name="outreach_pin_once_per_person"
            )
        ]
        verbose_name = verbose_name_plural = "首页固定 Pin"


class SearchTally(BaseModel):
    """How often a package was found by the portal search in a region on a day (the top hit counts)."""

    region_code = models.CharField("区划", max_length=12)
    package_code = models.SlugField(max_length=80)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_code", "package_code", "day"], name="outreach_search_once_per_day"
            )
        ]
        verbose_name = verbose_name_plural = "搜索计数 Search tally"
