"""The service catalog: regions, departments, items and their guides, materials, data elements, packages.

Codes (`code`) are the stable natural keys used by YAML definitions, the API and the compiler; the UUID
primary key never leaves the database.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from onego.core.models import BaseModel
from onego.core.validators import validate_region_code


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇（街道）"
    VILLAGE = "village", "村（社区）"


LEVEL_ORDER = [c.value for c in RegionLevel]


class Region(BaseModel):
    """A GB/T 2260 division (6 digits) or, below county level, a 12-digit statistical division code."""

    code = models.CharField("区划代码", max_length=12, unique=True, validators=[validate_region_code])
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=150, blank=True)
    level = models.CharField("层级", max_length=10, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "行政区划 Region"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class DepartmentType(BaseModel):
    """A kind of department found at several levels, e.g. 市场监管 (market_regulation)."""

    code = models.SlugField("类型代码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=50)
    name_en = models.CharField("英文名称", max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "部门类型 Department type"

    def __str__(self) -> str:
        return self.name


class Department(BaseModel):
    code = models.SlugField("部门代码", max_length=80, unique=True)
    name = models.CharField("名称", max_length=120)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    type = models.ForeignKey(DepartmentType, on_delete=models.PROTECT, related_name="departments")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    address = models.CharField("地址", max_length=200, blank=True)
    phone = models.CharField("咨询电话", max_length=40, blank=True)

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = verbose_name_plural = "部门 Department"

    def __str__(self) -> str:
        return self.name


class PartnerKind(models.TextChoices):
    BANK = "bank", "银行"
    POWER = "power", "供电"
    WATER = "water", "供水"
    GAS = "gas", "供气"
    NETWORK = "network", "通信网络"
    OTHER = "other", "其他"


class Partner(BaseModel):
    """An organisation outside government that executes partner steps through the API (banks, utilities)."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField("名称", max_length=120)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    kind = models.CharField("类别", max_length=20, choices=PartnerKind.choices)
    regions = models.ManyToManyField(Region, blank=True, related_name="partners")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "合作机构 Partner"

    def __str__(self) -> str:
        return self.name


class Registry(BaseModel):
    """Catalog entry of an authoritative data source (its data and adapters live in the exchange)."""

    code = models.SlugField("数据源代码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=150, blank=True)
    department_type = models.ForeignKey(DepartmentType, on_delete=models.PROTECT, related_name="registries")
    connected = models.BooleanField(
        "已接入共享", default=True, help_text="只有已接入的数据源可以免交材料、自动填表"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "数据源 Registry"

    def __str__(self) -> str:
        return self.name


class DataType(models.TextChoices):
    STRING = "string", "文本"
    TEXT = "text", "长文本"
    NUMBER = "number", "数字"
    INTEGER = "integer", "整数"
    DATE = "date", "日期"
    BOOL = "bool", "是/否"
    CHOICE = "choice", "选项"
    ID_NUMBER = "id_number", "居民身份证号码"
    USCC = "uscc", "统一社会信用代码"
    REGION_CODE = "region_code", "行政区划代码"
    PHONE = "phone", "手机号码"
    EMAIL = "email", "电子邮箱"


class DataElement(BaseModel):
    """One standard datum (数据元), e.g. `person.id_number`. Every form field maps to one."""

    code = models.CharField("数据元代码", max_length=80, unique=True)
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=150, blank=True)
    type = models.CharField("类型", max_length=20, choices=DataType.choices, default=DataType.STRING)
    choices = models.JSONField("选项", default=list, blank=True)
    post_choices = models.JSONField(
        "表示邮寄送达的选项",
        default=list,
        blank=True,
        help_text="选项中意为“结果邮寄给申请人”的（如领卡方式“邮寄到家”）：选中时邮寄地址必填",
    )
    max_length = models.PositiveIntegerField(null=True, blank=True)
    sensitive = models.BooleanField("个人敏感信息", default=False)
    registry = models.ForeignKey(
        Registry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_elements",
        help_text="可从该数据源共享获取（免填）",
    )
    help_text = models.CharField("填写说明", max_length=200, blank=True)
    subject = models.CharField(
        "数据主体",
        max_length=40,
        default="applicant",
        blank=True,
        help_text="这项数据是谁的：applicant（申请人）或 subjects 中声明的主体（子女、法定代表人……）",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "数据元 Data element"

    def __str__(self) -> str:
        return f"{self.name} {self.code}"

    def clean(self) -> None:
        # The import checks the same (definitions/parse.py); this is for edits in the admin.
        if problem := post_choices_problem(self.type, list(self.choices or []), self.post_choices):
            raise ValidationError({"post_choices": problem})

    @property
    def group(self) -> str:
        return self.code.split(".", 1)[0]


def post_choices_problem(type_: str, choices: list[str], post_choices: object) -> str:
    """What is wrong with a data element's `post_choices`, in Chinese; "" when fine."""
    if post_choices in (None, []):
        return ""
    if not isinstance(post_choices, list) or not all(isinstance(c, str) for c in post_choices):
        return "应为选项文本的列表，如 [邮寄到家]"
    if type_ != DataType.CHOICE:
        return "只有选项类型（type: choice）的数据元可以声明表示邮寄送达的选项"
    unknown = [c for c in post_choices if c not in choices]
    if unknown:
        return f"“{'、'.join(unknown)}”不是本数据元的选项；可选：{'、'.join(choices)}"
    twice = sorted({c for c in post_choices if post_choices.count(c) > 1})
    if twice:
        return f"选项“{'、'.join(twice)}”重复列出"
    return ""


class LicenceType(BaseModel):
    """A kind of e-licence (电子证照), e.g. 营业执照; `type_code` is its GB/T 36904 type code when known."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=150, blank=True)
    type_code = models.CharField("证照类型代码", max_length=21, blank=True)
    issuer_type = models.ForeignKey(DepartmentType, on_delete=models.PROTECT, related_name="licence_types")
    holder_kind = models.CharField(max_length=10, choices=[("person", "自然人"), ("enterprise", "法人")])

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "电子证照类型 Licence type"

    def __str__(self) -> str:
        return self.name


class MaterialType(BaseModel):
    """A kind of document, e.g. 居民身份证; verifiable through a registry or as an e-licence."""

    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField("名称", max_length=120)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    description = models.TextField("说明", blank=True)
    licence_type = models.ForeignKey(
        LicenceType, null=True, blank=True, on_delete=models.PROTECT, related_name="material_types"
    )
    registry = models.ForeignKey(
        Registry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="material_types",
        help_text="能核验该材料的数据源",
    )
    source = models.CharField(
        "来源渠道", max_length=120, blank=True, help_text="如：申请人自备、公安部门核发"
    )
    file_types = models.JSONField("允许的文件类型", default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "材料类型 Material type"

    def __str__(self) -> str:
        return self.name


class ItemType(models.TextChoices):
    LICENSING = "licensing", "行政许可"
    BENEFIT = "benefit", "行政给付"
    CONFIRMATION = "confirmation", "行政确认"
    REWARD = "reward", "行政奖励"
    ADJUDICATION = "adjudication", "行政裁决"
    LEVY = "levy", "行政征收"
    FILING = "filing", "备案"
    PUBLIC_SERVICE = "public_service", "公共服务"
    OTHER = "other", "其他行政权力"


class HandlingType(models.TextChoices):
    IMMEDIATE = "immediate", "即办件"
    PROMISED = "promised", "承诺件"


class WindowClass(models.IntegerChoices):
    DECIDED_AT_WINDOW = 1, "一类（窗口直接办理）"
    BACK_OFFICE = 2, "二类（窗口受理、后台办理）"
    PASSED_ON = 3, "三类（窗口登记、转部门受理）"


class ServiceItem(BaseModel):
    """A service item (事项) of one department type, with the standard guide elements."""

    code = models.SlugField("事项代码", max_length=80, unique=True)
    basic_code = models.CharField(
        "基本编码", max_length=12, blank=True, help_text="GB/T 39554.1 基本目录编码"
    )
    name = models.CharField("事项名称", max_length=150)
    name_en = models.CharField("英文名称", max_length=200, blank=True)
    item_type = models.CharField("事项类型", max_length=20, choices=ItemType.choices)
    department_type = models.ForeignKey(DepartmentType, on_delete=models.PROTECT, related_name="items")
    level = models.CharField(
        "行使层级", max_length=10, choices=RegionLevel.choices, default=RegionLevel.COUNTY
    )
    legal_basis = models.TextField("设定依据")
    acceptance_conditions = models.TextField("受理条件")
    legal_limit_days = models.PositiveIntegerField("法定办结时限（工作日）")
    promised_limit_days = models.PositiveIntegerField("承诺办结时限（工作日）")
    handling_type = models.CharField("办件类型", max_length=10, choices=HandlingType.choices)
    special_procedures = models.TextField(
        "特别程序", blank=True, help_text="听证、检验、检测、鉴定等，不计入时限"
    )
    fee_charged = models.BooleanField("是否收费", default=False)
    fee_description = models.CharField("收费标准", max_length=300, blank=True)
    fee_basis = models.CharField("收费依据", max_length=300, blank=True)
    visits = models.PositiveSmallIntegerField("到办事现场次数", default=0)
    visits_reason = models.CharField("必须现场办理原因", max_length=300, blank=True)
    online = models.BooleanField("是否网办", default=True)
    online_depth = models.PositiveSmallIntegerField(
        "网上办理深度", default=4, help_text="1–4 级，4 为全程网办"
    )
    postal = models.BooleanField("支持物流快递", default=True)
    result_name = models.CharField("审批结果名称", max_length=150)
    result_licence_type = models.ForeignKey(
        LicenceType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_by_items",
        help_text="办结后签发的电子证照类型",
    )
    produces = models.JSONField(
        "办结后产生的数据元",
        default=list,
        blank=True,
        help_text="数据元代码列表：本事项办结时新产生的数据（如出生登记产生公民身份号码）",
    )
    window_class = models.PositiveSmallIntegerField("窗口分类", choices=WindowClass.choices, default=2)
    sole_approver_eligible = models.BooleanField("可独任审批", default=False)
    needs_site_inspection = models.BooleanField("需现场踏勘", default=False)
    instant_approval_eligible = models.BooleanField("可秒批", default=False)
    instant_rule = models.JSONField(
        "秒批规则",
        default=dict,
        blank=True,
        help_text="定义文件中的 instant_rule（版本、通俗说明、检查、示例）；见 catalog/instant_rules.py",
    )
    service_object = models.CharField(
        "服务对象",
        max_length=20,
        choices=[("person", "自然人"), ("enterprise", "法人"), ("both", "自然人和法人")],
        default="both",
    )
    notes = models.TextField("备注", blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "服务事项 Service item"

    def __str__(self) -> str:
        return self.name

    @property
    def instant_explanation(self) -> str:
        """The plain-language explanation of the item's declared 秒批 rule ("" when none)."""
        rule = self.instant_rule or {}
        return str(rule.get("explanation", "")) if rule.get("checks") else ""

    @property
    def instant_explanation_en(self) -> str:
        rule = self.instant_rule or {}
        return str(rule.get("explanation_en", "")) if rule.get("checks") else ""


class ItemField(BaseModel):
    """A field of an item's own form, mapped to a data element; `when` is a condition over the answers."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fields")
    data_element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="item_fields")
    required = models.BooleanField("必填", default=True)
    when = models.CharField("适用条件", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item", "position"]
        constraints = [models.UniqueConstraint(fields=["item", "data_element"], name="item_field_once")]
        verbose_name = verbose_name_plural = "事项表单字段 Item field"


class ItemMaterial(BaseModel):
    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    material_type = models.ForeignKey(MaterialType, on_delete=models.PROTECT, related_name="item_materials")
    required = models.BooleanField("必要", default=True)
    original = models.BooleanField("原件", default=True)
    copies = models.PositiveSmallIntegerField("份数", default=1)
    when = models.CharField("适用条件", max_length=300, blank=True)
    note = models.CharField("受理标准", max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    subject = models.CharField(
        "材料主体",
        max_length=40,
        default="applicant",
        blank=True,
        help_text="这份材料是谁的（核验时查询此人）",
    )

    class Meta:
        ordering = ["item", "position"]
        # one line per material type and person (the same type for two people is two lines)
        constraints = [
            models.UniqueConstraint(
                fields=["item", "material_type", "subject"], name="item_material_once_per_subject"
            )
        ]
        verbose_name = verbose_name_plural = "事项材料 Item material"


class Theme(models.TextChoices):
    PERSON_BIRTH = "person.birth", "出生"
    PERSON_SCHOOL = "person.school", "教育"
    PERSON_WORK = "person.work", "就业"
    PERSON_SOCIAL_SECURITY = "person.social_security", "社会保障"
    PERSON_MARRIAGE = "person.marriage", "婚育"
    PERSON_HOUSING = "person.housing", "住房"
    PERSON_DISABILITY = "person.disability", "助残"
    PERSON_RETIREMENT = "person.retirement", "退休"
    PERSON_DEATH = "person.death", "身后事"
    ENTERPRISE_OPENING = "enterprise.opening", "企业开办"
    ENTERPRISE_CHANGE = "enterprise.change", "企业变更"
    ENTERPRISE_OPERATION = "enterprise.operation", "经营运行"
    ENTERPRISE_CREDIT = "enterprise.credit", "信用与合规"
    ENTERPRISE_CANCELLATION = "enterprise.cancellation", "企业退出"


def builtin_theme_label(code: str) -> str:
    return dict(Theme.choices).get(code, "")


class PackageTheme(BaseModel):
    """A theme declared as catalog data (`themes:`), beside the built-in `Theme` choices (e.g. 农业农村).

    The code starts with `person.` or `enterprise.`: the portal shows it under that audience.
    """

    code = models.CharField("主题代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    name_en = models.CharField("英文名称", max_length=80, blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = verbose_name_plural = "主题 Theme"

    def __str__(self) -> str:
        return self.name


APPLICANT_SUBJECT = "applicant"


class SubjectConsent(models.TextChoices):
    """Who may agree to registry reads about a subject who is not the applicant."""

    GUARDIAN = "guardian", "申请人作为监护人代为授权"
    REPRESENTATIVE = "representative", "法定代表人本人代表企业授权"
    OWN = "own", "须由本人授权"


class DataSubject(BaseModel):
    """Whose a datum or a material is (数据主体): the vocabulary packages draw on, as catalog data.

    `applicant` is built in and never stored. Another subject is identified in the application by its
    `identity` element (a form field, collected once); registry reads and verifications about it are made
    for that person, under the consent `consent` says may cover them.
    """

    code = models.SlugField("主体代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    name_en = models.CharField("英文名称", max_length=80, blank=True)
    kind = models.CharField(
        max_length=10, choices=[("person", "自然人"), ("enterprise", "法人")], default="person"
    )
    identity = models.CharField(
        "身份数据元", max_length=80, blank=True, help_text="标识此人的数据元，如 child.id_number"
    )
    name_element = models.CharField("姓名数据元", max_length=80, blank=True)
    consent = models.CharField("授权方式", max_length=20, choices=SubjectConsent.choices)
    position = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = verbose_name_plural = "数据主体 Data subject"

    def __str__(self) -> str:
        return self.name


class DataGroup(BaseModel):
    """The title of a form group (the part of data-element codes before the dot), as catalog data."""

    code = models.CharField("分组代码", max_length=40, unique=True)
    name = models.CharField("标题", max_length=50)
    name_en = models.CharField("英文标题", max_length=80, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "表单分组 Form group"

    def __str__(self) -> str:
        return self.name


class QuestionType(models.TextChoices):
    BOOL = "bool", "是/否"
    CHOICE = "choice", "单选"
    NUMBER = "number", "数字"
    TEXT = "text", "文本"


class Binding(models.TextChoices):
    BOUND = "bound", "法定必办"
    SCENARIO = "scenario", "按情形"
    OPTIONAL = "optional", "可选"


class Package(BaseModel):
    """A package (一件事): a bundle of items that together achieve one goal of the applicant."""

    code = models.SlugField("套餐代码", max_length=80, unique=True)
    name = models.CharField("名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=150, blank=True)
    summary = models.TextField("办事指引摘要", blank=True)
    summary_en = models.TextField(blank=True)
    theme = models.CharField(
        "主题", max_length=40, help_text="内置主题（Theme）或目录中声明的主题（PackageTheme）"
    )
    lead_department_type = models.ForeignKey(
        DepartmentType, on_delete=models.PROTECT, related_name="led_packages"
    )
    regions = models.ManyToManyField(Region, related_name="packages", help_text="在这些区划及其下级提供")
    promised_days = models.PositiveIntegerField("承诺办结时限（工作日）", null=True, blank=True)
    keywords = models.JSONField("同义词/关键词", default=list, blank=True)
    scenarios = models.JSONField(
        "常见情形", default=list, blank=True, help_text="[{name, answers}]，第一项为最常见情形"
    )
    notes = models.TextField("说明（含不确定之处的取舍）", blank=True)
    source = models.TextField("定义原文 (YAML)", blank=True)
    source_name = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["theme", "code"]
        verbose_name = verbose_name_plural = "一件事套餐 Package"

    def __str__(self) -> str:
        return self.name

    def get_theme_display(self) -> str:
        """The theme's name: a declared theme's, else the built-in one's, else its code."""
        declared = PackageTheme.objects.filter(code=self.theme).values_list("name", flat=True).first()
        return declared or builtin_theme_label(self.theme) or self.theme


class PackageQuestion(BaseModel):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="questions")
    ident = models.SlugField("标识", max_length=60)
    text = models.CharField("问题", max_length=200)
    text_en = models.CharField(max_length=300, blank=True)
    type = models.CharField(max_length=10, choices=QuestionType.choices)
    choices = models.JSONField(default=list, blank=True)
    default = models.JSONField(null=True, blank=True)
    help_text = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    bind = models.CharField(
        "绑定数据",
        max_length=120,
        blank=True,
        help_text="回答本问题的数据：数据元代码，或 licence:<证照类型>（申请人持有有效电子证照）",
    )

    class Meta:
        ordering = ["package", "position"]
        constraints = [models.UniqueConstraint(fields=["package", "ident"], name="question_ident_once")]
        verbose_name = verbose_name_plural = "情形问题 Question"


class PackageItem(BaseModel):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="package_items")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="package_items")
    binding = models.CharField(max_length=10, choices=Binding.choices, default=Binding.SCENARIO)
    when = models.CharField("适用条件", max_length=300, blank=True)
    after = models.JSONField("前置事项", default=list, blank=True)
    default_selected = models.BooleanField("可选事项默认选中", default=True)
    note = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["package", "position"]
        constraints = [models.UniqueConstraint(fields=["package", "item"], name="package_item_once")]
        verbose_name = verbose_name_plural = "套餐事项 Package item"


class PartnerStep(BaseModel):
    """A step executed by a partner (bank account opening, utility transfer) inside a package."""

    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="partner_steps")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=200, blank=True)
    partner_kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    when = models.CharField(max_length=300, blank=True)
    after = models.JSONField(default=list, blank=True)
    days = models.PositiveIntegerField("承诺时限（工作日）", default=1)
    binding = models.CharField(max_length=10, choices=Binding.choices, default=Binding.OPTIONAL)
    default_selected = models.BooleanField(default=True)
    fields = models.JSONField("需要的数据元", default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["package", "position"]
        constraints = [
            models.UniqueConstraint(fields=["package", "code"], name="partner_step_code_once"),
            models.CheckConstraint(condition=~Q(code=""), name="partner_step_code_set"),
        ]
        verbose_name = verbose_name_plural = "合作机构环节 Partner step"


class ServicePoint(BaseModel):
    """Where applicants can go: halls, community centres, self-service terminals."""

    KIND_CHOICES = [("hall", "政务服务大厅"), ("community", "社区便民服务中心"), ("terminal", "自助服务终端")]
    code = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="service_points")
    address = models.CharField(max_length=200)
    hours = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["region__code", "code"]
        verbose_name = verbose_name_plural = "服务网点 Service point"


class CatalogRevision(BaseModel):
    """The catalog's revision: one row that changes with every write to any catalog table.

    Database triggers change it (onego.catalog.revision), in the writing statement's own transaction, so
    nothing gets past them: not the admin, not `bulk_create`, `QuerySet.update` or raw SQL, not another
    process. The per-process caches of catalog reads (onego.catalog.cache) compare `token` on every use.
    `token` is random and new on every change, so a revision written by a transaction that then rolled
    back (a package preview, a dry-run import, a test) is never seen again; `number` counts changes.
    """

    slot = models.PositiveSmallIntegerField(unique=True, default=1, editable=False)
    number = models.BigIntegerField("修订号", default=0)
    token = models.UUIDField(default=uuid.uuid4)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(slot=1), name="catalog_revision_single_row")]
        verbose_name = verbose_name_plural = "服务目录修订 Catalog revision"

    def __str__(self) -> str:
        return f"第 {self.number} 次修订"


class Translation(BaseModel):
    """The English of a Chinese text the catalog shows people that has no `*_en` field of its own: a
    question's choices, a data element's options, a material's note, an item's result name.

    Declared in a catalog folder's `translations:` section (docs/package-format.md, "Translations") and
    read by onego.catalog.i18n, which also knows every `name`/`name_en` pair of the other tables.
    """

    code = models.CharField("中文原文", max_length=300, unique=True)
    en = models.TextField("英文")

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "目录译文 Catalog translation"

    def __str__(self) -> str:
        return f"{self.code} → {self.en}"


class ChangeStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    PUBLISHED = "published", "已发布"
    REJECTED = "rejected", "已退回"


class CatalogChange(BaseModel):
    """A change to packages or items (designer, upload or command line): a draft until published.

    The change is kept as it was submitted (YAML text or an .xlsx workbook) with what it changes, the diff
    against the published catalog, and the checks that failed. Nothing of it reaches the catalog — so
    neither the public guide nor a new case — until a second administrator publishes it
    (onego.catalog.publishing). Published and rejected changes are the catalog's history.
    """

    title = models.CharField("修改内容", max_length=300)
    source_name = models.CharField("文件名", max_length=200)
    text = models.TextField("定义（YAML）", blank=True)
    content = models.BinaryField("上传的事项表（xlsx）", null=True, blank=True)
    channel = models.CharField(
        "途径", max_length=10, choices=[("designer", "设计器"), ("upload", "上传"), ("cli", "命令行")]
    )
    packages = models.JSONField("涉及的套餐", default=list, blank=True)
    items = models.JSONField("涉及的事项", default=list, blank=True)
    base_versions = models.JSONField("提交时已发布的套餐版本", default=dict, blank=True)
    diff = models.TextField("与已发布版本的差异", blank=True)
    findings = models.JSONField("未通过的检查", default=list, blank=True)
    reason = models.TextField("检查未通过仍发布的理由", blank=True)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING)
    author = models.CharField("提交人", max_length=150)
    reviewer = models.CharField("审核人", max_length=150, blank=True)
    review_note = models.CharField("审核意见", max_length=300, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = verbose_name_plural = "目录修改 Catalog change"

    def __str__(self) -> str:
        return self.title


class PackageVersion(BaseModel):
    """One published version of a package: its definition as published and the diff from the one before."""

    package_code = models.SlugField("套餐代码", max_length=80)
    version = models.PositiveIntegerField("版本")
    source = models.TextField("发布的定义（YAML）")
    diff = models.TextField("与上一版本的差异", blank=True)
    change = models.ForeignKey(
        CatalogChange, null=True, blank=True, on_delete=models.PROTECT, related_name="versions"
    )
    author = models.CharField("提交人", max_length=150)
    approver = models.CharField("审核人", max_length=150, blank=True)
    reason = models.TextField("检查未通过仍发布的理由", blank=True)
    published_at = models.DateTimeField("发布时间")

    class Meta:
        ordering = ["package_code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["package_code", "version"], name="package_version_once")
        ]
        verbose_name = verbose_name_plural = "套餐版本 Package version"
