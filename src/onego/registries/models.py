"""The other departments' authoritative data (模拟的部门业务库), each registry in its own tables.

These tables stand in for systems OneGo does not own: the population register of public security, the
birth medical certificates of health, the marriage register of civil affairs, and so on. Everything else
reads them through `onego.registries.gateway` only, as it would read a real department's interface.

ID numbers and phone numbers are never stored in the clear: `EncryptedTextField` holds an AES-GCM token
and a blind index (`*_index`, keyed HMAC-SM3, `onego.core.pii.blind_index`) is what rows are found by.
Numbers derived from an ID number (残疾人证号, 驾驶证号, 从业资格证号, 全国学籍号) are computed from the
encrypted ID when read, never stored.
"""

from __future__ import annotations

from django.db import models

from onego.core import clock
from onego.core.fields import EncryptedTextField
from onego.core.models import BaseModel
from onego.core.pii import mask_name

INDEX_LENGTH = 64  # hex HMAC-SM3


class Gender(models.TextChoices):
    # GB/T 2261.1 codes
    MALE = "1", "男"
    FEMALE = "2", "女"


# --- availability and sequences -------------------------------------------------------------------------
class RegistryState(BaseModel):
    """Whether a registry answers (switched off to rehearse a department's outage). No row: available."""

    code = models.SlugField("数据源代码", max_length=50, unique=True)
    available = models.BooleanField("可访问", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = verbose_name_plural = "数据源状态 Registry state"

    def __str__(self) -> str:
        return f"{self.code}: {'可访问' if self.available else '不可访问'}"


class RegistryStateChange(BaseModel):
    """History of availability switches (who switched what and why is in `note`)."""

    code = models.SlugField("数据源代码", max_length=50)
    available = models.BooleanField("可访问")
    note = models.CharField("说明", max_length=200, blank=True)
    changed_at = models.DateTimeField("时间", default=clock.now)

    class Meta:
        ordering = ["-changed_at"]
        verbose_name = verbose_name_plural = "数据源状态变更 Registry state change"


class RegistrySequence(BaseModel):
    """Number sequences of the simulated departments (licence serials, certificate numbers, 户号 ...)."""

    name = models.SlugField(max_length=50, unique=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "编号序列 Sequence"


class SeedRun(BaseModel):
    """One run of the synthetic data generator (so a seed is not loaded twice)."""

    seed = models.BigIntegerField("随机种子", unique=True)
    people = models.PositiveIntegerField("人口数")
    enterprises = models.PositiveIntegerField("企业数")
    region_codes = models.JSONField("区划", default=list, blank=True)
    summary = models.JSONField("生成结果", default=dict, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "合成数据批次 Seed run"


class Assignment(BaseModel):
    """A number a registry assigned (赋码) at an approval: a new enterprise's 统一社会信用代码 (enterprise),
    a newborn's 公民身份号码 (population).

    One active row per (registry, element, request key): the requester (a case) asks with its own key, so
    asking again — a retried transaction — gets the same number, never a second one. The number is stored
    encrypted with its blind index, like every other ID number here; `record` names the registry row it
    was registered with ("enterprise:<id>", "resident:<id>").

    An approval that is overturned voids its number (`status` voided, with the time and the reason): the
    row stays as the record of a number that was given and withdrawn, and that number is never given
    again. The same key then gets a new number when the item is approved again.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "有效"
        VOIDED = "voided", "已作废"

    registry = models.SlugField("数据源代码", max_length=50)
    element = models.CharField("数据元代码", max_length=80)
    request_key = models.CharField("请求键", max_length=100)
    kind = models.CharField(
        "号码类型", max_length=10, help_text="person：公民身份号码；enterprise：统一社会信用代码"
    )
    value = EncryptedTextField("所赋号码（密文）")
    value_index = models.CharField("号码索引", max_length=INDEX_LENGTH, db_index=True)
    record = models.CharField("登记记录", max_length=80)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    voided_at = models.DateTimeField("作废时间", null=True, blank=True)
    void_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registry", "element", "request_key"],
                condition=models.Q(status="active"),
                name="registry_assignment_active_once_per_key",
            )
        ]
        verbose_name = verbose_name_plural = "赋码记录 Assignment"


# --- 人口库（户籍） population -----------------------------------------------------------------------------
class Household(BaseModel):
    number = models.CharField("户号", max_length=20, unique=True)
    region_code = models.CharField("户籍所在地区划", max_length=12, db_index=True)
    address = models.CharField("户籍地址", max_length=200)
    head = models.ForeignKey(
        "Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="户主"
    )

    class Meta:
        verbose_name = verbose_name_plural = "户 Household"

    def __str__(self) -> str:
        return f"户号 {self.number}"


class Resident(BaseModel):
    id_number = EncryptedTextField("公民身份号码（密文）")
    id_index = models.CharField("身份号码索引", max_length=INDEX_LENGTH, unique=True)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    phone = EncryptedTextField("手机号码（密文）", blank=True)
    phone_index = models.CharField("手机号码索引", max_length=INDEX_LENGTH, blank=True, db_index=True)
    region_code = models.CharField("户籍所在地区划", max_length=12)
    address = models.CharField("户籍地址", max_length=200)
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="members", verbose_name="户"
    )
    relationship_to_head = models.CharField("与户主关系", max_length=20, blank=True)
    father = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children_as_father"
    )
    mother = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children_as_mother"
    )
    # Keep the index even though spouses are only read forwards: while deferred foreign keys are
    # outstanding (bulk loads insert a couple in one go), SQLite checks each new row against the children
    # referencing it, which without an index is a scan of the whole table per insert.
    spouse = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    alive = models.BooleanField("在世", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "居民 Resident"

    def __str__(self) -> str:
        return mask_name(self.name)


# --- 出生医学证明库 birth_medical --------------------------------------------------------------------------
class BirthCertificate(BaseModel):
    number = models.CharField("出生医学证明编号", max_length=20, unique=True)
    newborn_name = models.CharField("新生儿姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    birth_time = models.TimeField("出生时间", null=True, blank=True)
    birth_region = models.CharField("出生地区划", max_length=12)
    birth_place = models.CharField("出生地点（助产机构）", max_length=100)
    gestational_weeks = models.PositiveSmallIntegerField("出生孕周", null=True, blank=True)
    birth_weight = models.PositiveSmallIntegerField("出生体重（克）", null=True, blank=True)
    birth_length = models.DecimalField(
        "出生身长（厘米）", max_digits=4, decimal_places=1, null=True, blank=True
    )
    health_status = models.CharField("健康状况", max_length=10, default="良好")
    mother = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="birth_certificates_as_mother"
    )
    father = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.PROTECT, related_name="birth_certificates_as_father"
    )
    newborn = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="birth_certificates",
        help_text="落户后的居民；尚未落户为空",
    )
    issued_on = models.DateField("签发日期")

    class Meta:
        verbose_name = verbose_name_plural = "出生医学证明 Birth certificate"


# --- 婚姻登记库 marriage ---------------------------------------------------------------------------------
class MarriageRecord(BaseModel):
    certificate_number = models.CharField("结婚证字号", max_length=30, unique=True)
    party_a = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="marriages_as_a")
    party_b = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="marriages_as_b")
    registered_on = models.DateField("登记日期")
    office = models.CharField("登记机关", max_length=100)
    dissolved_on = models.DateField("解除日期（离婚）", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "结婚登记 Marriage record"


# --- 社会保险库 / 医疗保障库 / 住房公积金库 ---------------------------------------------------------------------
class SocialInsurance(BaseModel):
    class Status(models.TextChoices):
        PAYING = "paying", "正常参保缴费"
        SUSPENDED = "suspended", "暂停缴费（中断）"
        RETIRED = "retired", "已退休（领取待遇）"

    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="social_insurance")
    status = models.CharField("参保状态", max_length=12, choices=Status.choices)
    insured_since = models.DateField("参加职工基本养老保险时间")
    card_number = models.CharField("社会保障卡卡号", max_length=20, blank=True)
    employer_name = models.CharField("工作单位", max_length=100, blank=True)
    employer_uscc = models.CharField("单位统一社会信用代码", max_length=18, blank=True)
    unit_number = models.CharField("单位社会保险登记编号", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "社会保险参保 Social insurance"


class MedicalInsurance(BaseModel):
    class Scheme(models.TextChoices):
        EMPLOYEE = "employee", "职工基本医疗保险"
        RESIDENT = "resident", "城乡居民基本医疗保险"

    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="medical_insurance")
    scheme = models.CharField("参保类别", max_length=10, choices=Scheme.choices)
    status = models.CharField("参保状态", max_length=10, default="参保缴费")
    unit_number = models.CharField("单位医疗保险参保编号", max_length=20, blank=True)
    paid_months = models.PositiveIntegerField("职工医保累计缴费月数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "医疗保险参保 Medical insurance"


class HousingFund(BaseModel):
    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="housing_fund")
    account = models.CharField("个人住房公积金账号", max_length=20, unique=True)
    employer_name = models.CharField("缴存单位", max_length=100)
    employer_uscc = models.CharField("单位统一社会信用代码", max_length=18)
    unit_account = models.CharField("单位住房公积金账号", max_length=20)
    deposit_rate = models.PositiveSmallIntegerField("缴存比例（%）", default=12)
    status = models.CharField("账户状态", max_length=10, default="正常")
    opened_on = models.DateField("开户日期")

    class Meta:
        verbose_name = verbose_name_plural = "住房公积金 Housing fund"


# --- 不动产登记库 real_estate ------------------------------------------------------------------------------
class RealEstate(BaseModel):
    certificate_number = models.CharField("不动产权证书号", max_length=60, unique=True)
    unit_number = models.CharField("不动产单元号", max_length=28)
    owners = models.ManyToManyField(Resident, related_name="real_estate", verbose_name="权利人")
    address = models.CharField("坐落", max_length=200)
    region_code = models.CharField("所在区划", max_length=12, db_index=True)
    area = models.DecimalField("建筑面积（平方米）", max_digits=9, decimal_places=2)
    use = models.CharField("用途", max_length=10, default="住宅")
    registered_on = models.DateField("登记日期")
    mortgage_proof_number = models.CharField("抵押不动产登记证明号", max_length=60, blank=True)
    water_account = models.CharField("用水户号", max_length=20, blank=True)
    power_account = models.CharField("用电户号", max_length=20, blank=True)
    gas_account = models.CharField("用气户号", max_length=20, blank=True)
    network_account = models.CharField("宽带账号", max_length=20, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "不动产权 Real estate"


# --- 市场主体库 enterprise ---------------------------------------------------------------------------------
class Enterprise(BaseModel):
    class Status(models.TextChoices):
        ACTIVE = "存续", "存续"
        DEREGISTERED = "注销", "注销"
        # The registration made at an approval that was overturned (赋码作废): the row and its code stay.
        REVOKED = "撤销", "撤销登记"

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=100)
    type = models.CharField("市场主体类型", max_length=20, default="有限责任公司")
    # Empty for an enterprise registered through a case whose legal representative is not in the
    # (simulated, Guizhou-only) population register.
    legal_rep = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="represented",
        verbose_name="法定代表人",
    )
    registered_capital = models.DecimalField("注册资本（万元）", max_digits=12, decimal_places=2)
    business_scope = models.TextField("经营范围")
    address = models.CharField("住所", max_length=200)
    region_code = models.CharField("住所所在区划", max_length=12, db_index=True)
    status = models.CharField("登记状态", max_length=4, choices=Status.choices, default=Status.ACTIVE)
    established_on = models.DateField("成立日期")
    contact_name = models.CharField("联络员", max_length=50, blank=True)
    contact_phone = EncryptedTextField("联络员电话（密文）", blank=True)
    shareholders = models.JSONField("股东及出资", default=list, blank=True, help_text="[{name, amount 万元}]")

    class Meta:
        verbose_name = verbose_name_plural = "市场主体 Enterprise"

    def __str__(self) -> str:
        return self.name


class TaxRegistration(BaseModel):
    enterprise = models.OneToOneField(Enterprise, on_delete=models.CASCADE, related_name="tax")
    taxpayer_type = models.CharField("纳税人类型", max_length=10, default="小规模纳税人")
    tax_authority = models.CharField("主管税务机关", max_length=100)
    registered_on = models.DateField("登记日期")
    finance_contact_name = models.CharField("财务负责人", max_length=50, blank=True)
    finance_contact_phone = EncryptedTextField("财务负责人电话（密文）", blank=True)
    clearance_number = models.CharField("清税证明编号", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "税务登记 Tax registration"


class CreditRecord(BaseModel):
    class Kind(models.TextChoices):
        PENALTY = "penalty", "行政处罚"
        ABNORMAL = "abnormal", "经营异常名录"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="credit_records")
    kind = models.CharField("类别", max_length=10, choices=Kind.choices)
    decision_number = models.CharField("决定书文号", max_length=60, blank=True)
    authority = models.CharField("作出决定机关", max_length=100)
    decided_on = models.DateField("决定日期")
    reason = models.CharField("事由", max_length=200)
    repaired_on = models.DateField("信用修复日期", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "信用记录 Credit record"


# --- 残疾人、社会救助、免疫规划、学籍 ------------------------------------------------------------------------
class DisabilityRecord(BaseModel):
    class Category(models.TextChoices):
        # 残疾人证号 = 身份证号 + 类别 + 等级 (GB/T 26341 categories)
        VISION = "1", "视力残疾"
        HEARING = "2", "听力残疾"
        SPEECH = "3", "言语残疾"
        PHYSICAL = "4", "肢体残疾"
        INTELLECTUAL = "5", "智力残疾"
        MENTAL = "6", "精神残疾"
        MULTIPLE = "7", "多重残疾"

    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="disability")
    category = models.CharField("残疾类别", max_length=1, choices=Category.choices)
    grade = models.PositiveSmallIntegerField(
        "残疾等级", choices=[(1, "一级"), (2, "二级"), (3, "三级"), (4, "四级")]
    )
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "残疾人信息 Disability record"


class SocialAssistance(BaseModel):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="assistance")
    kind = models.CharField("救助类别", max_length=20, default="最低生活保障")
    certificate_number = models.CharField("证明编号", max_length=40)
    since = models.DateField("认定日期")
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "社会救助 Social assistance"


class Vaccination(BaseModel):
    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="vaccination")
    certificate_number = models.CharField("预防接种证编号", max_length=30)
    unit_name = models.CharField("接种单位", max_length=100)
    doses = models.PositiveSmallIntegerField("已接种剂次", default=0)
    up_to_date = models.BooleanField("按免疫程序完成", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "预防接种 Vaccination"


class StudentStatus(BaseModel):
    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="student_status")
    school_name = models.CharField("就读学校", max_length=100)
    grade = models.CharField("年级", max_length=20)
    enrolled_on = models.DateField("入学日期")

    class Meta:
        verbose_name = verbose_name_plural = "学籍 Student status"


# --- 机动车及驾驶人、道路运输 -----------------------------------------------------------------------------------
class Vehicle(BaseModel):
    plate_number = models.CharField("号牌号码", max_length=10, unique=True)
    vehicle_type = models.CharField("车辆类型", max_length=30)
    total_mass = models.PositiveIntegerField("总质量（千克）")
    owner_name = models.CharField("所有人", max_length=100)
    owner_code = EncryptedTextField("所有人证件号码（密文）")
    owner_index = models.CharField(max_length=INDEX_LENGTH, db_index=True)
    owner_code_type = models.CharField("证件类型", max_length=3, default="001")
    registered_on = models.DateField("注册登记日期")

    class Meta:
        verbose_name = verbose_name_plural = "机动车 Vehicle"


class DrivingLicence(BaseModel):
    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="driving_licence")
    licence_class = models.CharField("准驾车型", max_length=20)
    first_issued_on = models.DateField("初次领证日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    employer = models.ForeignKey(
        Enterprise, null=True, blank=True, on_delete=models.SET_NULL, related_name="drivers"
    )

    class Meta:
        verbose_name = verbose_name_plural = "机动车驾驶证 Driving licence"


class RoadTransportPermit(BaseModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="transport_permits")
    licence_number = models.CharField("道路运输经营许可证号", max_length=40, unique=True)
    business_scope = models.CharField("经营范围", max_length=200)
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至")

    class Meta:
        verbose_name = verbose_name_plural = "道路运输经营许可 Road transport permit"


class DriverQualification(BaseModel):
    resident = models.OneToOneField(Resident, on_delete=models.CASCADE, related_name="driver_qualification")
    category = models.CharField("从业资格类别", max_length=40)
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至")

    class Meta:
        verbose_name = verbose_name_plural = "从业资格 Driver qualification"


# --- 房屋交易网签备案库 housing_transaction ---------------------------------------------------------------------
class HousingTransaction(BaseModel):
    property = models.ForeignKey(RealEstate, on_delete=models.CASCADE, related_name="transactions")
    contract_number = models.CharField("网签备案编号", max_length=40, unique=True)
    buyer_name = models.CharField("买方", max_length=100)
    buyer_code = EncryptedTextField("买方证件号码（密文）")
    buyer_index = models.CharField(max_length=INDEX_LENGTH, db_index=True)
    price = models.DecimalField("成交价格（元）", max_digits=12, decimal_places=2)
    filed_on = models.DateField("备案日期")

    class Meta:
        verbose_name = verbose_name_plural = "存量房网签备案 Housing transaction"


# --- 电子证照库 elicence ----------------------------------------------------------------------------------------
class LicenceStatus(models.TextChoices):
    VALID = "valid", "有效"
    REVOKED = "revoked", "已注销"
    EXPIRED = "expired", "已过期"


class HolderCodeType(models.TextChoices):
    # GB/T 36903 持证主体代码类型
    ID_NUMBER = "111", "居民身份证"
    USCC = "001", "统一社会信用代码"


class Licence(BaseModel):
    identifier = models.CharField("证照标识（GB/T 36904）", max_length=100, unique=True)
    licence_type = models.SlugField("证照类型", max_length=60)
    type_code = models.CharField("证照类型代码", max_length=21)
    name = models.CharField("证照名称", max_length=100)
    number = models.CharField("证照编号", max_length=60, blank=True)
    holder_name = models.CharField("持证主体", max_length=100)
    holder_code = EncryptedTextField("持证主体代码（密文）")
    holder_index = models.CharField(max_length=INDEX_LENGTH)
    holder_code_type = models.CharField("持证主体代码类型", max_length=3, choices=HolderCodeType.choices)
    issuer_name = models.CharField("颁发机构", max_length=100)
    issuer_code = models.CharField("颁发机构代码", max_length=18)
    issued_on = models.DateField("颁证日期")
    valid_from = models.DateField("有效期起始")
    valid_until = models.DateField("有效期截止", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    data = models.JSONField("照面信息", default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["holder_index", "licence_type"], name="licence_holder_type")]
        verbose_name = verbose_name_plural = "电子证照 E-licence"


# --- the event feed (what the departments publish: a birth registered, a date approaching …) -------------
class RegistryEvent(BaseModel):
    """One event a simulated registry publishes, in a feed read by cursor (`sequence`, gap-free order).

    `sequence` is taken from a locked row of `RegistrySequence` in the transaction that writes the event,
    so events commit in sequence order and a reader that remembers the last sequence it saw never skips one.
    `key` makes publishing idempotent: the same birth certificate or the same approaching date is one event.
    The people concerned (`people_sealed`: [{"role", "key"}]) are encrypted; `facts` holds no identifiers.
    """

    registry = models.SlugField("数据源代码", max_length=50)
    sequence = models.BigIntegerField("序号", unique=True)
    kind = models.SlugField("事件类型", max_length=50)
    key = models.CharField("事件键", max_length=120, unique=True)
    occurred_on = models.DateField("发生日期")
    region_code = models.CharField("区划", max_length=12, blank=True)
    people_sealed = EncryptedTextField("相关人员（密文）")
    facts = models.JSONField("事实", default=dict, blank=True)

    class Meta:
        ordering = ["sequence"]
        verbose_name = verbose_name_plural = "数据源事件 Registry event"
