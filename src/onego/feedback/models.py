"""好差评: an evaluation per case (and per department in it), its revisions, the rectification work
orders bad ratings open, their history, and the short codes a window shows for rating on site.

The rater is kept only as the case's applicant blind index: staff pages never show who rated.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from onego.cases.models import Case
from onego.catalog.models import Department, Region
from onego.core import clock
from onego.core.models import BaseModel
from onego.feedback.report_rules import OrderStatus, ReportKind, ReportSource, ReportStatus
from onego.feedback.rules import Channel, Finding, RectStatus

USER = settings.AUTH_USER_MODEL
LEVEL_CHOICES = [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")]


class Evaluation(BaseModel):
    """One per case (the applicant's); amended in place within the window, each version kept."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="evaluation")
    rater_index = models.CharField("评价人盲索引", max_length=64)
    occasion = models.CharField("评价时办件状态", max_length=20)
    level = models.PositiveSmallIntegerField("总体评价", choices=LEVEL_CHOICES)
    tags = models.JSONField("评价指标", default=list, blank=True)
    comment = models.TextField("评价内容", blank=True)
    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices)
    first_rated_at = models.DateTimeField("首次评价时间", default=clock.now)
    rated_at = models.DateTimeField("最近评价时间", default=clock.now)
    version = models.PositiveIntegerField(default=1)
    # Denormalised for the statistics (the case never changes these after submission).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    package_code = models.CharField(max_length=80, db_index=True)
    package_name = models.CharField(max_length=100)
    # An appeal upheld by a supervisor removes the rating from the statistics; the reasons stay.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-rated_at"]
        verbose_name = verbose_name_plural = "评价 Evaluation"

    def __str__(self) -> str:
        return f"{self.case_id}: {self.get_level_display()}"


class DepartmentRating(BaseModel):
    """The rating of one department's part in the case (一事一评 of each department)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="departments")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="ratings")
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    tags = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evaluation_id", "department__code"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "department"], name="department_rating_once")
        ]
        verbose_name = verbose_name_plural = "部门评价 Department rating"


class EvaluationRevision(BaseModel):
    """Every version of an evaluation as given (the first, amendments, re-ratings after a call-back)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    level = models.PositiveSmallIntegerField(choices=LEVEL_CHOICES)
    tags = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True)
    departments = models.JSONField(default=list, blank=True)  # [{department, level, tags, comment}]
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=10)  # rate | amend | rerate
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["evaluation_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "version"], name="evaluation_revision_once")
        ]
        verbose_name = verbose_name_plural = "评价版本 Evaluation revision"


class Rectification(BaseModel):
    """整改工单: one bad rating of one department (the overall rating goes to the responsible one)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="rectifications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rectifications")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="rectifications")
    overall = models.BooleanField("针对总体评价", default=False)
    status = models.CharField(max_length=12, choices=RectStatus.choices, default=RectStatus.OPEN)
    round = models.PositiveSmallIntegerField("整改轮次", default=1)
    level = models.PositiveSmallIntegerField("引发整改的评价", choices=LEVEL_CHOICES)
    complaint = models.TextField("差评内容", blank=True)
    tags = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField(default=clock.now)
    due_on = models.DateField("整改期限")
    due_days = models.PositiveSmallIntegerField("整改工作日")
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)

    finding = models.CharField("核实结论", max_length=10, choices=Finding.choices, blank=True)
    verification = models.TextField("核实情况", blank=True)
    changes = models.TextField("整改措施", blank=True)
    reply = models.TextField("答复申请人", blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answered_on_time = models.BooleanField(null=True)  # of the first round's answer

    appeal_reason = models.TextField("申诉理由", blank=True)
    review_reason = models.TextField("复核意见", blank=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "department"],
                condition=Q(status__in=["open", "answered", "appealed"]),
                name="one_live_rectification_per_department",
            )
        ]
        indexes = [models.Index(fields=["department", "status"]), models.Index(fields=["status", "due_on"])]
        verbose_name = verbose_name_plural = "整改工单 Rectification"

    def __str__(self) -> str:
        return f"{self.department_id} {self.get_status_display()} (due {self.due_on})"


class RectificationTransition(BaseModel):
    """A history row for every move (and every event: escalation, a rater's amendment)."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=120)
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12)
    to_status = models.CharField(max_length=12)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "created_at"]
        verbose_name = verbose_name_plural = "整改工单记录 Rectification transition"


class RatingInvitation(BaseModel):
    """The short code a window clerk shows (QR or link) so the applicant can rate this visit."""

    code = models.CharField(max_length=12, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rating_invitations")
    issued_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "窗口评价码 Rating invitation"


# --- "办不成事" reports and event work orders ------------------------------------------------------


class GridWorker(BaseModel):
    """网格员: a person who walks a grid (a village or community, or a township) and reports what
    they find. Like a staff membership, it is a role a user holds; it grants reporting only."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="grid_assignments")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grid_workers")
    active = models.BooleanField("有效", default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "region"], name="grid_worker_once")]
        verbose_name = verbose_name_plural = "网格员 Grid worker"

    def __str__(self) -> str:
        return f"{self.user} @ {self.region}"


class Open311Key(BaseModel):
    """A partner's api_key for the Open311 GeoReport v2 API: only its SHA-256 is stored; the key is
    shown once when it is made (`onego feedback open311-key`)."""

    name = models.CharField("合作方名称", max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    active = models.BooleanField("有效", default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "Open311 合作方密钥 Open311 key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Open311RateWindow(models.Model):
    """One minute of Open311 calls by one caller (a partner's key, or an address reading anonymously):
    the counter behind `ONEGO_OPEN311_KEY_PER_MINUTE` / `ONEGO_OPEN311_ADDRESS_PER_MINUTE`, shared by every
    web worker (an upsert per call). Windows older than the previous one are deleted as new ones open."""

    bucket = models.CharField(max_length=80)
    minute = models.BigIntegerField()  # epoch seconds // 60
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "minute"], name="open311_rate_window_once")]
        verbose_name = verbose_name_plural = "Open311 调用计数 Open311 rate window"

    def __str__(self) -> str:
        return f"{self.bucket} @ {self.minute}: {self.calls}"


class Report(BaseModel):
    """反映: a matter that could not be done, or an event for several departments."""

    reference = models.CharField("反映编号", max_length=20, unique=True)
    token = models.CharField(max_length=24, unique=True)  # Open311 token, handed out at creation
    kind = models.CharField("类型", max_length=10, choices=ReportKind.choices)
    source = models.CharField("来源", max_length=10, choices=ReportSource.choices)
    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    description = models.TextField("反映内容")
    package_code = models.CharField(max_length=80, blank=True)
    package_name = models.CharField(max_length=100, blank=True)
    item_code = models.CharField(max_length=80, blank=True)
    item_name = models.CharField(max_length=200, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address = models.CharField("事发地址", max_length=200, blank=True)
    # Who reported (server-owned): an applicant's blind index, or a user (clerk, grid worker), or a partner.
    reporter_index = models.CharField(max_length=64, blank=True, db_index=True)
    reporter_user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner = models.ForeignKey(
        Open311Key, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_label = models.CharField(max_length=120)
    contact_sealed = models.TextField(blank=True)  # a partner's reporter's name/e-mail/phone, sealed
    coordinator = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="coordinated_reports")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    fingerprint = models.CharField(max_length=64)
    reply = models.TextField("答复", blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    replied_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"], condition=~Q(status="closed"), name="one_open_report_per_fingerprint"
            )
        ]
        indexes = [models.Index(fields=["coordinator", "status"])]
        verbose_name = verbose_name_plural = "办不成事反映 Report"

    def __str__(self) -> str:
        return f"{self.reference} {self.get_status_display()}"


def report_photo_upload_to(instance: ReportPhoto, filename: str) -> str:
    return f"feedback/reports/{instance.report_id}/{instance.pk}.{filename.rsplit('.', 1)[-1]}"


class ReportPhoto(BaseModel):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=report_photo_upload_to)
    filename = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["created_at"]
        verbose_name = verbose_name_plural = "反映照片 Report photo"


class WorkOrder(BaseModel):
    """部门工单: one department's part of a report, with its working-day deadline."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="orders")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="work_orders")
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    task = models.TextField("处置要求")
    opened_at = models.DateTimeField(default=clock.now)
    due_on = models.DateField("处置期限")
    due_days = models.PositiveSmallIntegerField("处置工作日")
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    result = models.TextField("处置结果", blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    finished_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    on_time = models.BooleanField(null=True)

    class Meta:
        ordering = ["due_on", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "department"],
                condition=Q(status="open"),
                name="one_open_order_per_department",
            )
        ]
        indexes = [models.Index(fields=["department", "status"]), models.Index(fields=["status", "due_on"])]
        verbose_name = verbose_name_plural = "部门工单 Work order"

    def __str__(self) -> str:
        return f"{self.department_id} {self.get_status_display()} (due {self.due_on})"


class ReportEvent(BaseModel):
    """The history of a report and its orders: every move and every event, with who and why."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=120)
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "created_at"]
        verbose_name = verbose_name_plural = "反映记录 Report event"
