"""Synthetic residents, families, enterprises and licences for the simulated registries (合成数据).

    seed(people=1_000_000, enterprises=50_000, seed=7)      # `onego demo seed --people … --seed …`

Deterministic: the same seed (and the same catalog regions) gives the same people, numbers and links,
because everything is drawn from one `random.Random(seed)` in a fixed order — including the primary keys.
Consistent: every ID number carries a real Guizhou county code, the birth date, a sequence of the right
parity and its check digit; families are linked (spouses both ways with a marriage record, children to
both parents, birth medical certificates to the mother); enterprises have valid unified social credit
codes and legal representatives who are residents; licences carry valid GB/T 36904 identifiers.

Fast: rows are generated in chunks of families and written with `executemany` (onego.registries.bulk);
ID and phone numbers are encrypted once per person, and a person's token is reused for their licences.
bench/seed_people.py measures it.

Sequences 900–999 of ID numbers and organisation codes starting "MAD" are never generated here: the
documented demo identities (onego.registries.demo_identities) use them, so the two never collide.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from functools import lru_cache
from random import Random
from typing import Any

from django.db import connection, transaction

from onego.catalog.models import LicenceType, Region
from onego.core import clock
from onego.core.errors import Conflict, ValidationFailed
from onego.core.pii import blind_index_many, encrypt_many
from onego.core.validators import USCC_ALPHABET, id_number_check_char, make_uscc
from onego.registries import authorities as auth
from onego.registries import models as m
from onego.registries.bulk import RowWriter
from onego.registries.gateway import licence_serial, reserve_numbers
from onego.registries.guizhou import COUNTIES, County, county

# --- word lists ------------------------------------------------------------------------------------------
# Surnames weighted roughly by national frequency (per mille); a few compound surnames for realism.
SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("陈", 54), ("杨", 46), ("黄", 24), ("赵", 23),
    ("吴", 21), ("周", 20), ("徐", 16), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 13), ("郭", 12),
    ("何", 12), ("罗", 11), ("高", 11), ("林", 10), ("郑", 8), ("梁", 8), ("谢", 8), ("宋", 7),
    ("唐", 7), ("许", 6), ("韩", 6), ("冯", 6), ("邓", 6), ("曹", 6), ("彭", 6), ("曾", 5), ("肖", 5),
    ("田", 5), ("董", 5), ("袁", 5), ("潘", 5), ("蒋", 5), ("蔡", 5), ("余", 5), ("杜", 5), ("叶", 4),
    ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("沈", 4), ("姚", 4), ("卢", 4),
    ("龙", 4), ("石", 4), ("韦", 4), ("熊", 3), ("雷", 3), ("陆", 3), ("向", 3), ("安", 2),
    ("令狐", 1), ("欧阳", 1), ("诸葛", 1),
)  # fmt: skip
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳峰建国志文博晨轩睿泽豪然天翔毅成东海兵亮"
)
FEMALE_CHARS = "芳娜敏静丽艳娟霞秀玲燕婷雪琳倩颖慧佳欣怡梦雨萱涵诗琪悦思彤瑶晶璐露莉红梅兰凤月蕾洁"
SHARED_CHARS = "子梓可安晓小春秋文新永一紫嘉"
# Guizhou's larger ethnic groups with rough shares (per mille, 2020 census, rounded).
ETHNICITIES: tuple[tuple[str, int], ...] = (
    ("汉族", 636), ("苗族", 120), ("布依族", 78), ("土家族", 38), ("侗族", 41), ("彝族", 23),
    ("仡佬族", 13), ("水族", 9), ("回族", 5), ("白族", 5), ("瑶族", 1),
)  # fmt: skip
MOBILE_PREFIXES = (
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178",
    "182", "183", "184", "187", "188", "198", "130", "131", "132", "155", "156", "166", "175", "176",
    "185", "186", "133", "153", "177", "180", "181", "189", "199",
)  # fmt: skip
ROADS = (
    "中华北路", "中华南路", "中山西路", "延安东路", "解放路", "新华路", "遵义路", "宝山北路", "北京路", "人民大道", "民主路", "文化路", "富水南路",
    "花果园大街", "兴关路", "甲秀南路", "西湖路", "青年路", "滨河路", "和平路", "建设路", "团结路", "育才路", "公园路", "黔灵西路",
)  # fmt: skip
TOWNS = (
    "城关镇", "龙场镇", "新场镇", "清水镇", "石桥镇", "马场镇", "大坝镇", "沙坝镇", "茶园镇", "河坝镇", "新店镇", "平寨镇",
)  # fmt: skip
VILLAGES = (
    "新寨", "大坪", "红旗", "光明", "团结", "龙井", "水井", "竹林", "高坡", "坪上", "双河", "田坝", "岩脚", "沙坝", "桃园", "松林",
)  # fmt: skip
BRANDS = (
    "鑫源", "黔程", "山水", "宏达", "盛世", "华夏", "金桥", "恒通", "瑞丰", "云峰", "黔缘", "多彩", "爽爽", "筑城", "林城", "夜郎",
    "乌江", "红枫", "百灵", "凯达", "顺达", "永盛", "兴隆", "佳和", "德润", "天成", "安顺", "黔星", "森林", "骏驰",
)  # fmt: skip
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("餐饮管理", "餐饮服务；食品销售（仅销售预包装食品）；餐饮管理"),
    ("商贸", "日用百货、五金交电、建筑材料的批发和零售"),
    ("科技", "信息技术咨询服务；软件开发；数据处理和存储支持服务"),
    ("建筑工程", "房屋建筑和市政基础设施工程施工"),
    ("物流", "道路货物运输（不含危险货物）；普通货物仓储服务"),
    ("农业开发", "蔬菜、水果种植与销售；牲畜饲养"),
    ("茶业", "茶叶种植、加工和销售"),
    ("旅游开发", "旅游开发项目策划咨询；游览景区管理"),
    ("医药", "药品零售；第二类医疗器械销售"),
    ("文化传媒", "广告设计、代理、制作、发布；组织文化艺术交流活动"),
    ("物业管理", "物业管理；家政服务"),
    ("汽车服务", "机动车修理和维护；汽车零配件零售"),
)
ENTERPRISE_TYPES: tuple[tuple[str, int], ...] = (
    ("有限责任公司", 70), ("个体工商户", 15), ("个人独资企业", 10), ("合伙企业", 5),
)  # fmt: skip

MAX_GENERATED_SEQUENCE = 899  # 900–999 belong to the demo identities
LICENCE_TYPES_ISSUED = (
    "resident_id_card",
    "household_register",
    "marriage_certificate",
    "real_estate_certificate",
    "business_licence",
)
LICENCE_NAMES = {
    "resident_id_card": "居民身份证",
    "household_register": "居民户口簿",
    "marriage_certificate": "结婚证",
    "real_estate_certificate": "不动产权证书",
    "business_licence": "营业执照",
}


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def id_card_validity(birth: dt.date, today: dt.date) -> tuple[dt.date, dt.date | None]:
    """The current 居民身份证's issue date and expiry: 10 years from 16, 20 from 26, long-term from 46."""
    issued = add_years(birth, 16)
    while True:
        age = age_on(birth, issued)
        if age >= 46:
            return issued, None
        until = add_years(issued, 10 if age < 26 else 20)
        if until > today:
            return issued, until
        issued = until


_MOD37_VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def _mod37_36_run(p: int, data: str) -> int:
    # ISO/IEC 7064 MOD 37,36 hybrid, the same steps as onego.core.validators, resumable from a state
    for ch in data:
        s = (p % 37) + _MOD37_VALUES[ch]
        p = ((s % 36 or 36) * 2) % 37
    return p


@lru_cache(maxsize=4096)
def _mod37_36_prefix(prefix: str) -> int:
    return _mod37_36_run(36, prefix)


def fast_licence_identifier(type_code: str, issuer_code: str, serial: str, version: str = "001") -> str:
    """`licence_identifier` with the check state of the (type, issuer) prefix cached: bulk loading issues
    millions of identifiers under a few hundred prefixes. Equal to `licence_identifier` (tested)."""
    p = _mod37_36_run(_mod37_36_prefix(f"1215630052{type_code}{issuer_code}"), serial + version)
    check = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(37 - p) % 36]
    return f"1.2.156.3005.2.{type_code}.{issuer_code}.{serial}.{version}.{check}"


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + id_number_check_char(first17)


# --- the generator's people ------------------------------------------------------------------------------
@dataclass(eq=False)
class Person:
    uid: str
    name: str
    male: bool
    birth: dt.date
    ethnicity: str
    id_region: str
    county: County
    address: str
    id_number: str = ""
    phone: str = ""
    alive: bool = True
    relationship: str = ""
    father: Person | None = None
    mother: Person | None = None
    spouse: Person | None = None
    household: str | None = None
    # filled when written
    id_token: str = ""
    id_index: str = ""
    phone_token: str = ""
    phone_index: str = ""


@dataclass(eq=False)
class Family:
    household: str
    number: str
    county: County
    address: str
    members: list[Person]
    couples: list[tuple[Person, Person, dt.date]] = field(default_factory=list)  # husband, wife, married on
    pending_newborn: tuple[Person, Person | None, dt.date, bool] | None = None  # mother, father, born, male
    owns_house: bool = False


@dataclass
class SeedSummary:
    seed: int
    people: int = 0
    households: int = 0
    marriages: int = 0
    birth_certificates: int = 0
    pending_newborns: int = 0
    social_insurance: int = 0
    medical_insurance: int = 0
    housing_fund: int = 0
    real_estate: int = 0
    enterprises: int = 0
    tax_registrations: int = 0
    licences: int = 0
    seconds: float = 0.0

    def as_rows(self) -> list[tuple[str, str]]:
        labels = {
            "people": "居民 residents",
            "households": "户 households",
            "marriages": "结婚登记 marriages",
            "birth_certificates": "出生医学证明 birth certificates",
            "pending_newborns": "其中未落户新生儿 newborns not yet registered",
            "social_insurance": "社会保险 social insurance",
            "medical_insurance": "医疗保险 medical insurance",
            "housing_fund": "住房公积金 housing fund",
            "real_estate": "不动产 properties",
            "enterprises": "市场主体 enterprises",
            "tax_registrations": "税务登记 tax registrations",
            "licences": "电子证照 e-licences",
        }
        data = asdict(self)
        return [(label, f"{data[key]:,}") for key, label in labels.items()]


class Generator:
    """Draws families and enterprises; pure (no database), so it can be tested and timed alone."""

    def __init__(self, rng: Random, counties: Sequence[County], today: dt.date) -> None:
        self.rng = rng
        self.counties = list(counties)
        self.today = today
        self.seen_ids: set[int] = set()
        self.seen_usccs: set[str] = set()
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_cum = self._cumulative([w for _, w in SURNAMES])
        self._eth = [e for e, _ in ETHNICITIES]
        self._eth_cum = self._cumulative([w for _, w in ETHNICITIES])
        self._uuid_prefix = rng.getrandbits(16)
        self._uuid_counter = 0
        self.employers = [self._employer(i) for i in range(200)]

    @staticmethod
    def _cumulative(weights: Sequence[int]) -> list[int]:
        total, out = 0, []
        for w in weights:
            total += w
            out.append(total)
        return out

    # --- small draws
    def uuid(self) -> str:
        """A primary key as 32 hex digits (Django's SQLite form; PostgreSQL parses it), increasing.

        RFC 9562 version 8 (custom) laid out like version 7: 16 bits of the seed and a 32-bit counter
        where v7 has its timestamp, then random bits. Keys of one run increase, so every primary-key and
        foreign-key index is appended to instead of written at random places — at a million people the
        difference between a warm and a cold index. Different seeds use different ranges.
        """
        self._uuid_counter += 1
        high = (self._uuid_prefix << 32 | self._uuid_counter) << 80
        low = self.rng.getrandbits(74)  # 12 bits beside the version, 62 after the variant
        value = high | (0x8 << 76) | ((low >> 62) << 64) | (0b10 << 62) | (low & ((1 << 62) - 1))
        return f"{value:032x}"

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._surname_cum)[0]

    def ethnicity(self) -> str:
        return self.rng.choices(self._eth, cum_weights=self._eth_cum)[0]

    def given_name(self, male: bool) -> str:
        pool = MALE_CHARS if male else FEMALE_CHARS
        r = self.rng
        if r.random() < 0.3:
            return r.choice(pool)
        first = r.choice(SHARED_CHARS) if r.random() < 0.25 else r.choice(pool)
        return first + r.choice(pool)

    def birth_date(self, min_age: int, max_age: int) -> dt.date:
        earliest = add_years(self.today, -max_age - 1) + dt.timedelta(days=1)
        latest = add_years(self.today, -min_age)
        return earliest + dt.timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def id_number(self, region: str, birth: dt.date, male: bool) -> str:
        while True:
            # odd for men, even for women, never above MAX_GENERATED_SEQUENCE
            half = (MAX_GENERATED_SEQUENCE + 1) // 2
            seq = self.rng.randrange(0, half) * 2 + 1 if male else self.rng.randrange(1, half) * 2
            number = make_id_number(region, birth, seq)
            key = int(number[:17])
            if key not in self.seen_ids:
                self.seen_ids.add(key)
                return number

    def address(self, c: County) -> str:
        r = self.rng
        if c.is_district or r.random() < 0.5:
            return (
                f"{c.full_name}{r.choice(ROADS)}{r.randint(1, 399)}号{r.randint(1, 30)}栋"
                f"{r.randint(1, 4)}单元{r.randint(1, 33)}{r.randint(1, 6):02d}室"
            )
        return f"{c.full_name}{r.choice(TOWNS)}{r.choice(VILLAGES)}村{r.randint(1, 12)}组{r.randint(1, 90)}号"

    def _employer(self, i: int) -> tuple[str, str, str, str]:
        c = self.rng.choice(self.counties)
        industry = self.rng.choice(INDUSTRIES)[0]
        name = f"{c.city_name[:2]}{self.rng.choice(BRANDS)}{industry}有限公司"
        body = "MA" + self.rng.choice("0123456789ABC") + "".join(self.rng.choices(USCC_ALPHABET, k=5))
        uscc = make_uscc(c.code, body)
        return name, uscc, f"{c.code}{i:08d}", f"{c.code[:4]}{i:010d}"

    # --- people and families
    def person(
        self, c: County, address: str, male: bool, min_age: int, max_age: int, surname: str = ""
    ) -> Person:
        birth = self.birth_date(min_age, max_age)
        id_region = c.code if self.rng.random() < 0.85 else self.rng.choice(self.counties).code
        p = Person(
            uid=self.uuid(),
            name=(surname or self.surname()) + self.given_name(male),
            male=male,
            birth=birth,
            ethnicity=self.ethnicity(),
            id_region=id_region,
            county=c,
            address=address,
        )
        p.id_number = self.id_number(id_region, birth, male)
        if age_on(birth, self.today) >= 16:
            p.phone = self.phone()
        return p

    def child_of(self, mother: Person, father: Person | None, born_after: dt.date) -> Person | None:
        """A child born to the mother aged 20–40, after `born_after`, not in the future."""
        start = max(add_years(mother.birth, 20), born_after)
        end = min(add_years(mother.birth, 40), self.today - dt.timedelta(days=61))
        if start > end:
            return None
        birth = start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))
        male = self.rng.random() < 0.52
        c = mother.county
        surname = _surname_of(father.name) if father else _surname_of(mother.name)
        child = Person(
            uid=self.uuid(),
            name=surname + self.given_name(male),
            male=male,
            birth=birth,
            ethnicity=(father or mother).ethnicity if self.rng.random() < 0.9 else mother.ethnicity,
            id_region=c.code,
            county=c,
            address=mother.address,
            father=father,
            mother=mother,
        )
        child.id_number = self.id_number(c.code, birth, male)
        if age_on(birth, self.today) >= 16:
            child.phone = self.phone()
        return child

    def _couple(self, c: County, address: str, min_age: int, max_age: int) -> tuple[Person, Person, dt.date]:
        husband = self.person(c, address, True, min_age, max_age)
        wife_min = max(20, age_on(husband.birth, self.today) - 8)
        wife_max = max(wife_min, min(max_age, age_on(husband.birth, self.today) + 3))
        wife = self.person(c, address, False, wife_min, wife_max)
        husband.spouse, wife.spouse = wife, husband
        # registered once both were of marriageable age (22 / 20), at latest today
        earliest = max(add_years(husband.birth, 22), add_years(wife.birth, 20))
        latest = min(add_years(earliest, 8), self.today)
        married = earliest + dt.timedelta(days=self.rng.randrange(max(1, (latest - earliest).days + 1)))
        return husband, wife, min(married, self.today)

    def family(self, max_size: int) -> Family:
        r = self.rng
        c = r.choice(self.counties)
        address = self.address(c)
        fam = Family(household=self.uuid(), number="", county=c, address=address, members=[])
        roll = r.random()
        if max_size == 1 or roll < 0.12:
            head = self.person(c, address, r.random() < 0.5, 18, 85)
            fam.members.append(head)
        elif roll < 0.17 and max_size >= 2:
            # a mother with children, the father not in this register
            mother = self.person(c, address, False, 24, 50)
            fam.members.append(mother)
            after = add_years(mother.birth, 20)
            for _ in range(r.randint(1, 2)):
                if len(fam.members) >= max_size:
                    break
                child = self.child_of(mother, None, after)
                if child is None:
                    break
                fam.members.append(child)
                after = child.birth + dt.timedelta(days=400)
        else:
            young = roll < 0.80
            husband, wife, married = self._couple(c, address, 22 if young else 50, 55 if young else 88)
            fam.members += [husband, wife]
            fam.couples.append((husband, wife, married))
            if young:
                after = married
                for _ in range(r.choice((0, 1, 1, 2, 2, 2, 3))):
                    if len(fam.members) >= max_size:
                        break
                    child = self.child_of(wife, husband, after)
                    if child is None or age_on(child.birth, self.today) > 25:
                        break
                    fam.members.append(child)
                    after = child.birth + dt.timedelta(days=400)
                # the husband's parents live with some young families
                if roll > 0.68 and len(fam.members) + 2 <= max_size:
                    gf, gm, g_married = self._couple(c, address, age_on(husband.birth, self.today) + 22, 95)
                    gf.name = _surname_of(husband.name) + gf.name[len(_surname_of(gf.name)) :]
                    husband.father, husband.mother = gf, gm
                    if 20 <= age_on(gm.birth, husband.birth) <= 42:
                        fam.members += [gf, gm]
                        fam.couples.append((gf, gm, g_married))
                    else:
                        husband.father = husband.mother = None
                # a newborn of the last 60 days, not yet registered (新生儿出生一件事)
                wife_age = age_on(wife.birth, self.today)
                last_birth = max((p.birth for p in fam.members if p.mother is wife), default=married)
                if 22 <= wife_age <= 40 and r.random() < 0.06 and (self.today - last_birth).days > 400:
                    born = self.today - dt.timedelta(days=r.randint(1, 60))
                    fam.pending_newborn = (wife, husband, born, r.random() < 0.52)
        head = fam.members[0]
        for p in fam.members:
            p.household = fam.household
            p.address = address
            p.relationship = _relationship(head, p)
        fam.owns_house = r.random() < 0.65 and age_on(head.birth, self.today) >= 22
        return fam

    # --- enterprises
    def uscc(self, region: str, individual: bool) -> str:
        while True:
            # body[2] never 'D': organisation codes "MAD…" are the demo identities'
            body = "MA" + self.rng.choice("0123456789ABC") + "".join(self.rng.choices(USCC_ALPHABET, k=5))
            code = make_uscc(region, body, category="2" if individual else "1")
            if code not in self.seen_usccs:
                self.seen_usccs.add(code)
                return code


def _surname_of(name: str) -> str:
    return name[:2] if name[:2] in ("令狐", "欧阳", "诸葛") else name[:1]


def _relationship(head: Person, p: Person) -> str:
    if p is head:
        return "户主"
    if p is head.spouse:
        return "配偶"
    if (
        p.father is head
        or p.mother is head
        or (head.spouse and (p.mother is head.spouse or p.father is head.spouse))
    ):
        return "子" if p.male else "女"
    if head.father is p:
        return "父亲"
    if head.mother is p:
        return "母亲"
    return "其他"


# --- the loader --------------------------------------------------------------------------------------------
def seed_counties(region_codes: Sequence[str] | None = None) -> list[County]:
    """Counties to place people in: the given codes, else the catalog's Guizhou counties, else all 88."""
    names = dict(Region.objects.filter(code__startswith="52").values_list("code", "name"))
    if region_codes:
        codes = list(region_codes)
    else:
        codes = sorted(
            Region.objects.filter(code__startswith="52", level="county").values_list("code", flat=True)
        )
        codes = [c for c in codes if len(c) == 6] or sorted(COUNTIES)
    bad = [c for c in codes if len(c) != 6 or not c.isdigit() or c.endswith("00")]
    if bad:
        raise ValidationFailed(f"需要县级行政区划代码（6位）：{', '.join(bad)}", field="region_codes")
    return [county(c, names) for c in codes]


def _type_codes() -> dict[str, str]:
    catalog = dict(LicenceType.objects.exclude(type_code="").values_list("code", "type_code"))
    return {t: catalog.get(t) or auth.synthetic_type_code(t) for t in LICENCE_TYPES_ISSUED}


class _Sequences:
    """Number sequences reserved from the database in one block per seed run."""

    NAMES = (
        "household",
        "birth_certificate",
        "marriage",
        "licence",
        "real_estate",
        "si_card",
        "housing_fund",
    )

    def __init__(self, people: int, enterprises: int) -> None:
        bound = {
            "household": people,
            "birth_certificate": people * 2,
            "marriage": people,
            "licence": people * 6 + enterprises * 2,
            "real_estate": people,
            "si_card": people,
            "housing_fund": people,
        }
        self.next = {name: reserve_numbers(name, count=max(1, bound[name])) for name in self.NAMES}

    def take(self, name: str) -> int:
        n = self.next[name]
        self.next[name] = n + 1
        return n


class _Loader:
    """Turns generated families into rows of every registry table, chunk by chunk."""

    def __init__(self, gen: Generator, seqs: _Sequences, summary: SeedSummary) -> None:
        self.gen, self.seqs, self.summary = gen, seqs, summary
        self.today = gen.today
        self.now = clock.now()
        self.type_codes = _type_codes()
        ts = ["id", "created_at", "updated_at"]
        self.w_household = RowWriter(m.Household, [*ts, "number", "region_code", "address", "head_id"])
        self.w_resident = RowWriter(
            m.Resident,
            [*ts, "id_number", "id_index", "name", "gender", "birth_date", "ethnicity", "phone", "phone_index",
             "region_code", "address", "household_id", "relationship_to_head", "father_id", "mother_id",
             "spouse_id", "alive"],
        )  # fmt: skip
        self.w_birth = RowWriter(
            m.BirthCertificate,
            [*ts, "number", "newborn_name", "gender", "birth_date", "birth_time", "birth_region", "birth_place",
             "gestational_weeks", "birth_weight", "birth_length", "health_status", "mother_id", "father_id",
             "newborn_id", "issued_on"],
        )  # fmt: skip
        self.w_marriage = RowWriter(
            m.MarriageRecord,
            [*ts, "certificate_number", "party_a_id", "party_b_id", "registered_on", "office"],
        )
        self.w_si = RowWriter(
            m.SocialInsurance,
            [*ts, "resident_id", "status", "insured_since", "card_number", "employer_name", "employer_uscc",
             "unit_number"],
        )  # fmt: skip
        self.w_mi = RowWriter(
            m.MedicalInsurance, [*ts, "resident_id", "scheme", "status", "unit_number", "paid_months"]
        )
        self.w_hf = RowWriter(
            m.HousingFund,
            [*ts, "resident_id", "account", "employer_name", "employer_uscc", "unit_account", "deposit_rate",
             "status", "opened_on"],
        )  # fmt: skip
        self.w_house = RowWriter(
            m.RealEstate,
            [*ts, "certificate_number", "unit_number", "address", "region_code", "area", "use", "registered_on",
             "mortgage_proof_number", "water_account", "power_account", "gas_account", "network_account"],
        )  # fmt: skip
        self.w_owner = RowWriter(m.RealEstate.owners.through, ["realestate_id", "resident_id"])
        self.w_enterprise = RowWriter(
            m.Enterprise,
            [*ts, "uscc", "name", "type", "legal_rep_id", "registered_capital", "business_scope", "address",
             "region_code", "status", "established_on", "contact_name", "contact_phone", "shareholders"],
        )  # fmt: skip
        self.w_tax = RowWriter(
            m.TaxRegistration,
            [*ts, "enterprise_id", "taxpayer_type", "tax_authority", "registered_on", "finance_contact_name",
             "finance_contact_phone", "clearance_number"],
        )  # fmt: skip
        self.w_licence = RowWriter(
            m.Licence,
            [*ts, "identifier", "licence_type", "type_code", "name", "number", "holder_name", "holder_code",
             "holder_index", "holder_code_type", "issuer_name", "issuer_code", "issued_on", "valid_from",
             "valid_until", "status", "data"],
        )  # fmt: skip
        self.writers = [
            self.w_household, self.w_resident, self.w_birth, self.w_marriage, self.w_si, self.w_mi, self.w_hf,
            self.w_house, self.w_owner, self.w_enterprise, self.w_tax, self.w_licence,
        ]  # fmt: skip

    def _ts(self) -> tuple[str, dt.datetime, dt.datetime]:
        return self.gen.uuid(), self.now, self.now

    # --- licences
    def licence(
        self,
        licence_type: str,
        holder_name: str,
        holder_token: str,
        holder_index: str,
        code_type: str,
        issuer: auth.Authority,
        issued: dt.date,
        until: dt.date | None,
        number: str,
        data: dict[str, Any],
        status: str = m.LicenceStatus.VALID,
    ) -> None:
        serial = licence_serial(issued.year, self.seqs.take("licence"))
        type_code = self.type_codes[licence_type]
        if status == m.LicenceStatus.VALID and until is not None and until < self.today:
            status = m.LicenceStatus.EXPIRED
        self.w_licence.add(
            *self._ts(), fast_licence_identifier(type_code, issuer.code, serial), licence_type, type_code,
            LICENCE_NAMES[licence_type], number, holder_name, holder_token, holder_index, code_type,
            issuer.name, issuer.code, issued, issued, until, status, data,
        )  # fmt: skip
        self.summary.licences += 1

    # --- one chunk of families
    def families(self, families: list[Family]) -> list[Person]:
        people = [p for f in families for p in f.members]
        self._secure(people)
        gen, today, r = self.gen, self.today, self.gen.rng
        for fam in families:
            fam.number = f"{self.seqs.take('household'):09d}"
            self.w_household.add(*self._ts_for(fam.household), fam.number, fam.county.code, fam.address,
                                 fam.members[0].uid)  # fmt: skip
            head = fam.members[0]
            ps = auth.public_security(fam.county)
            self.licence(
                "household_register", head.name, head.id_token, head.id_index, "111", ps,
                max(head.birth, today - dt.timedelta(days=r.randrange(3650))), None, fam.number,
                {"household_number": fam.number, "household_type": "家庭户", "head_name": head.name,
                 "address": fam.address, "members": len(fam.members)},
            )  # fmt: skip
            for husband, wife, married in fam.couples:
                self._marriage(husband, wife, married, fam.county)
            if fam.pending_newborn:
                mother, father, born, male = fam.pending_newborn
                self._birth(
                    mother, father, born, male, newborn=None, name_hint=_surname_of((father or mother).name)
                )
                self.summary.pending_newborns += 1
            if fam.owns_house:
                owners = [head] + ([head.spouse] if head.spouse and r.random() < 0.5 else [])
                self._house(owners, fam)
        for p in people:
            self._resident(p, gen)
        self.summary.households += len(families)
        return people

    def _ts_for(self, uid: str) -> tuple[str, dt.datetime, dt.datetime]:
        return uid, self.now, self.now

    def _secure(self, people: list[Person]) -> None:
        """Encrypt and index a chunk's ID numbers at once; replace any already in the database."""
        while True:
            indexes = blind_index_many([p.id_number for p in people], kind="person")
            taken = set(m.Resident.objects.filter(id_index__in=indexes).values_list("id_index", flat=True))
            if not taken:
                break
            for p, idx in zip(people, indexes, strict=True):
                if idx in taken:
                    p.id_number = self.gen.id_number(p.id_region, p.birth, p.male)
        tokens = encrypt_many([p.id_number for p in people])
        for p, tok, idx in zip(people, tokens, indexes, strict=True):
            p.id_token, p.id_index = tok, idx
        with_phone = [p for p in people if p.phone]
        phones = [p.phone for p in with_phone]
        for p, tok, idx in zip(
            with_phone, encrypt_many(phones), blind_index_many(phones, kind="phone"), strict=True
        ):
            p.phone_token, p.phone_index = tok, idx

    def _resident(self, p: Person, gen: Generator) -> None:
        r, today = gen.rng, self.today
        self.w_resident.add(
            *self._ts_for(p.uid), p.id_token, p.id_index, p.name, "1" if p.male else "2", p.birth, p.ethnicity,
            p.phone_token, p.phone_index, p.county.code, p.address, p.household, p.relationship,
            p.father.uid if p.father else None, p.mother.uid if p.mother else None,
            p.spouse.uid if p.spouse else None, p.alive,
        )  # fmt: skip
        self.summary.people += 1
        age = age_on(p.birth, today)
        if p.mother is not None and p.birth.year >= 1996:
            self._birth(p.mother, p.father, p.birth, p.male, newborn=p, name_hint="")
        # 居民身份证 (e-licence) from 16
        if age >= 16:
            issued, until = id_card_validity(p.birth, today)
            self.licence(
                "resident_id_card", p.name, p.id_token, p.id_index, "111", auth.public_security(p.county),
                issued, until, "",
                {"name": p.name, "gender": "男" if p.male else "女", "ethnicity": p.ethnicity.removesuffix("族"),
                 "birth_date": p.birth.isoformat(), "address": p.address},
            )  # fmt: skip
        # social insurance, medical insurance, housing fund
        retire_age = 60 if p.male else 55
        employed = 18 <= age < retire_age and r.random() < 0.62
        retired = age >= retire_age and r.random() < 0.6
        if employed or retired:
            employer = r.choice(gen.employers)
            since = add_years(p.birth, r.randint(18, 26))
            since = min(since, today)
            self.w_si.add(
                *self._ts(), p.uid, "paying" if employed else "retired", since,
                f"{r.choice('ABCDEFGH')}{self.seqs.take('si_card'):08d}",
                employer[0] if employed else "", employer[1] if employed else "", employer[2] if employed else "",
            )  # fmt: skip
            self.summary.social_insurance += 1
            months = max(1, (today - since).days // 30)
            self.w_mi.add(*self._ts(), p.uid, "employee", "参保缴费", employer[2] if employed else "", months)
            self.summary.medical_insurance += 1
            if employed and r.random() < 0.55:
                self.w_hf.add(
                    *self._ts(), p.uid, f"{p.county.code[:4]}{self.seqs.take('housing_fund'):08d}", employer[0],
                    employer[1], employer[3], r.choice((5, 8, 10, 12, 12)), "正常", since,
                )  # fmt: skip
                self.summary.housing_fund += 1
        elif r.random() < 0.95:
            self.w_mi.add(*self._ts(), p.uid, "resident", "参保缴费", "", 0)
            self.summary.medical_insurance += 1

    def _birth(
        self, mother: Person, father: Person | None, born: dt.date, male: bool, *, newborn: Person | None,
        name_hint: str,
    ) -> None:  # fmt: skip
        r = self.gen.rng
        n = self.seqs.take("birth_certificate")
        name = newborn.name if newborn else name_hint + self.gen.given_name(male)
        self.w_birth.add(
            *self._ts(), f"Q52{n:010d}", name, "1" if male else "2", born,
            dt.time(r.randrange(24), r.randrange(60)), mother.county.code, auth.hospital(mother.county, n),
            r.randint(37, 41), r.randint(2600, 4200), Decimal(r.randint(470, 540)) / 10, "良好",
            mother.uid, father.uid if father else None, newborn.uid if newborn else None,
            min(born + dt.timedelta(days=r.randint(0, 3)), self.today),
        )  # fmt: skip
        self.summary.birth_certificates += 1

    def _marriage(self, husband: Person, wife: Person, married: dt.date, c: County) -> None:
        n = self.seqs.take("marriage")
        number = f"J{c.code}-{married.year}-{n:06d}"
        self.w_marriage.add(*self._ts(), number, husband.uid, wife.uid, married, auth.marriage_office(c))
        self.summary.marriages += 1
        issuer = auth.civil_affairs(c)
        for holder, other in ((husband, wife), (wife, husband)):
            self.licence(
                "marriage_certificate", holder.name, holder.id_token, holder.id_index, "111", issuer, married,
                None, number,
                {"certificate_number": number, "registered_on": married.isoformat(), "holder_name": holder.name,
                 "spouse_name": other.name},
            )  # fmt: skip

    def _house(self, owners: list[Person], fam: Family) -> None:
        r, c = self.gen.rng, fam.county
        n = self.seqs.take("real_estate")
        registered = self.today - dt.timedelta(days=r.randrange(1, 365 * 20))
        cert = f"黔({registered.year}){c.registration_area}不动产权第{n:07d}号"
        unit = f"{c.code}{r.randrange(1, 20):03d}{r.randrange(1, 20):03d}GB{r.randrange(1, 99999):05d}F{n % 10**8:08d}"
        house = self.gen.uuid()
        area = Decimal(r.randint(4500, 16000)) / 100
        self.w_house.add(
            *self._ts_for(house), cert, unit, fam.address, c.code, area, "住宅", registered,
            "", f"{c.code[2:]}{n:07d}", f"05{n:09d}", f"R{c.code[2:4]}{n:08d}", f"0851{n:08d}",
        )  # fmt: skip
        self.summary.real_estate += 1
        issuer = auth.real_estate_office(c)
        for owner in owners:
            self.w_owner.add(house, owner.uid)
            self.licence(
                "real_estate_certificate", owner.name, owner.id_token, owner.id_index, "111", issuer, registered,
                None, cert,
                {"certificate_number": cert, "unit_number": unit, "address": fam.address, "area": str(area),
                 "use": "住宅", "right_holders": "、".join(o.name for o in owners),
                 "co_ownership": "共同共有" if len(owners) > 1 else "单独所有"},
            )  # fmt: skip

    # --- enterprises
    def enterprises(self, count: int, candidates: list[Person]) -> None:
        gen, r, today = self.gen, self.gen.rng, self.today
        adults = [p for p in candidates if 22 <= age_on(p.birth, today) <= 65]
        if count and not adults:
            raise ValidationFailed("企业的法定代表人必须是居民：请同时生成人口", field="people")
        rows = []
        for _ in range(count):
            rep = r.choice(adults)
            kind = r.choices([t for t, _ in ENTERPRISE_TYPES], weights=[w for _, w in ENTERPRISE_TYPES])[0]
            individual = kind == "个体工商户"
            c = r.choice(gen.counties)
            industry, scope = r.choice(INDUSTRIES)
            brand = r.choice(BRANDS)
            if individual:
                name = f"{c.name}{brand}{industry.removesuffix('管理')}店"
            elif kind == "合伙企业":
                name = f"{c.city_name[:2]}{brand}{industry}中心（有限合伙）"
            elif kind == "个人独资企业":
                name = f"{c.name}{brand}{industry}经营部"
            else:
                name = (
                    f"贵州{brand}{industry}有限公司"
                    if r.random() < 0.3
                    else f"{c.city_name[:2]}{brand}{industry}有限公司"
                )
            uscc = gen.uscc(c.code, individual)
            capital = Decimal(r.choice((3, 5, 10, 30, 50, 100, 200, 500, 1000)))
            established = today - dt.timedelta(days=r.randrange(30, 365 * 25))
            active = r.random() < 0.95
            rows.append((uscc, name, kind, rep, capital, scope, c, established, active))
        phones = encrypt_many([rep.phone for _, _, _, rep, *_ in rows])
        codes = encrypt_many([row[0] for row in rows])
        indexes = blind_index_many([row[0] for row in rows], kind="enterprise")
        for (uscc, name, kind, rep, capital, scope, c, established, active), phone, enc_code, idx in zip(
            rows, phones, codes, indexes, strict=True
        ):
            uid = gen.uuid()
            address = gen.address(c)
            self.w_enterprise.add(
                *self._ts_for(uid), uscc, name, kind, rep.uid, capital, scope, address, c.code,
                "存续" if active else "注销", established, rep.name, phone,
                [{"name": rep.name, "amount": str(capital)}],
            )  # fmt: skip
            tax = auth.tax_office(c)
            self.w_tax.add(
                *self._ts(), uid, r.choice(("小规模纳税人", "小规模纳税人", "一般纳税人")), tax.name, established,
                rep.name, phone, "" if active else f"{c.code}清{established.year}{r.randrange(10**6):06d}",
            )  # fmt: skip
            regulator = auth.market_regulation(c)
            self.licence(
                "business_licence", name, enc_code, idx, "001", regulator, established, None, uscc,
                {"name": name, "uscc": uscc, "type": kind, "legal_representative": rep.name,
                 "registered_capital": f"{capital}万元", "established_on": established.isoformat(),
                 "address": address, "business_scope": scope},
                status=m.LicenceStatus.VALID if active else m.LicenceStatus.REVOKED,
            )  # fmt: skip
            self.summary.enterprises += 1
            self.summary.tax_registrations += 1

    def flush(self) -> None:
        for w in self.writers:
            w.flush()


def _tune_sqlite() -> bool:
    """On SQLite, set this connection up for a bulk load; True when foreign-key checks were turned off.

    - A page cache big enough for the indexes being filled: inserts land at random places of the blind
      index and UUID indexes, and with SQLite's default 2 MB cache each chunk re-reads most index pages.
    - Foreign-key checks off while loading (possible only outside a transaction, so not under tests):
      with a couple's rows pointing at each other there are always deferred violations outstanding, and
      then SQLite looks up every child table of each parent row inserted. The whole load is checked
      once at the end instead (`check_constraints`).
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -262144")  # KiB: 256 MB
    if connection.in_atomic_block:
        return False
    return bool(connection.disable_constraint_checking())


def seed(
    *,
    people: int,
    enterprises: int,
    seed: int,
    region_codes: Sequence[str] | None = None,
    batch: int = 5000,
    progress: Callable[[SeedSummary], None] | None = None,
) -> SeedSummary:
    """Create `people` residents (in families) and `enterprises` enterprises, deterministically from `seed`."""
    if people < 0 or enterprises < 0:
        raise ValidationFailed("人数和企业数不能为负数")
    if enterprises and not people:
        raise ValidationFailed("企业的法定代表人必须是居民：请同时生成人口", field="people")
    started = time.perf_counter()
    counties = seed_counties(region_codes)
    summary = SeedSummary(seed=seed)
    with transaction.atomic():
        if m.SeedRun.objects.filter(seed=seed).exists():
            raise Conflict(f"随机种子 {seed} 的合成数据已经生成过；请换一个种子", field="seed")
        run = m.SeedRun.objects.create(
            seed=seed, people=people, enterprises=enterprises, region_codes=[c.code for c in counties]
        )
        seqs = _Sequences(people, enterprises)
    gen = Generator(Random(seed), counties, clock.today())
    loader = _Loader(gen, seqs, summary)
    checks_off = _tune_sqlite()
    try:
        chunks = max(1, -(-people // batch))
        made = 0
        for i in range(chunks):
            families: list[Family] = []
            target = min(people, (i + 1) * batch)
            while made < target:
                fam = gen.family(target - made)
                families.append(fam)
                made += len(fam.members)
            with transaction.atomic():
                chunk_people = loader.families(families)
                quota = enterprises * (i + 1) // chunks - enterprises * i // chunks
                loader.enterprises(quota, chunk_people)
                loader.flush()
            if progress:
                progress(summary)
    finally:
        if checks_off:
            connection.enable_constraint_checking()
    if checks_off:
        # What the per-row checks would have caught, checked once over the loaded tables.
        connection.check_constraints(table_names=[w.table for w in loader.writers])
    summary.seconds = round(time.perf_counter() - started, 2)
    m.SeedRun.objects.filter(pk=run.pk).update(summary=asdict(summary), finished_at=clock.now())
    return summary
