"""The documented demo identities (docs/demo-identities.md), created by `seed_demo()` for `make run`.

SYNTHETIC people and enterprises: the ID numbers are well-formed (real county codes, check digits) but
belong to nobody; their sequence numbers 9xx and organisation codes "MADC…" are never produced by the
random generator, so demo identities and seeded populations never collide. Dates that matter to a demo
(the newborn, the retirement) are relative to the day `seed_demo()` runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from onego.core import clock
from onego.core.pii import blind_index, encrypt
from onego.core.validators import make_uscc
from onego.registries import authorities as auth
from onego.registries import models as m
from onego.registries.gateway import licence_serial, reserve_numbers
from onego.registries.guizhou import county
from onego.registries.synthetic import (
    LICENCE_NAMES,
    _type_codes,
    add_years,
    fast_licence_identifier,
    id_card_validity,
    make_id_number,
)


@dataclass(frozen=True)
class DemoIdentity:
    name: str
    kind: str  # person | enterprise
    key: str  # ID number or unified social credit code (synthetic)
    phone: str
    story: str  # who they are in the demo (Chinese)
    packages: str  # the packages they demonstrate


DEMO_IDENTITIES: tuple[DemoIdentity, ...] = (
    DemoIdentity("王芳", "person", "52010219940312902X", "13908510001",
                 "南明区居民，10天前在贵阳市妇幼保健院生下儿子李沐阳（已有出生医学证明，尚未落户）；丈夫李强",
                 "新生儿出生一件事；生育津贴"),
    DemoIdentity("李强", "person", "520102199208089018", "13908510002",
                 "王芳的丈夫、户主；贵州筑城科技股份有限公司法定代表人，在职参保，有社会保障卡",
                 "新生儿出生一件事（父亲）；社会保障卡居民服务；企业上市合法合规信息核查"),
    DemoIdentity("张伟", "person", "520103198506189115", "13908510003",
                 "贵阳张记餐饮管理有限公司法定代表人，公司已有营业执照，准备开一家餐饮店（新店需水电气网报装）",
                 "开办餐饮店；企业信息变更；水电气网联合报装"),
    DemoIdentity("刘洋", "person", "520115198011029131", "13908510004",
                 "观山湖区一套住宅的所有权人（有抵押），水电气网户号齐全，已与陈静网签出售",
                 "二手房转移登记及水电气网联动过户（卖方）"),
    DemoIdentity("陈静", "person", "520102199007219242", "13908510005",
                 "购房人，在职缴存住房公积金；还想自己开一家公司",
                 "二手房转移登记（买方）；住房公积金贷款；企业开办"),
    DemoIdentity("赵建国", "person", "520523196502149317", "13908510006",
                 "金沙县职工，1965年出生、1985年参保，已到法定退休年龄，准备办理退休；妻子钱秀英已退休",
                 "退休一件事"),
    DemoIdentity("钱秀英", "person", "520523196705069325", "13908510007",
                 "赵建国的妻子，已退休", "退休一件事（配偶信息）"),
    DemoIdentity("周敏", "person", "520502197809309429", "13908510008",
                 "七星关区居民，持残疾人证（肢体残疾三级），享受最低生活保障",
                 "残疾人服务一件事"),
    DemoIdentity("孙磊", "person", "520102197504259510", "13908510009",
                 "贵阳孙氏商贸有限公司法定代表人，公司准备注销（曾被列入经营异常名录）；也是已进入破产程序的贵州恒通建材有限公司的法定代表人",
                 "企业注销登记；信用修复；企业破产信息核查"),
    DemoIdentity("黄勇", "person", "520102198601159612", "13908510010",
                 "户主；小女儿黄子涵到了上小学的年龄，大女儿黄雨桐小学六年级（小升初）；儿子黄子墨出生约4个月、已落户",
                 "教育入学"),
    DemoIdentity("吴婷", "person", "520102198810099628", "13908510011",
                 "黄勇的妻子，两个女儿的母亲", "教育入学（监护人）"),
    DemoIdentity("黄子涵", "person", "520102201905019648", "",
                 "黄勇、吴婷的小女儿，2019年出生，有预防接种证", "教育入学（入学儿童）"),
    DemoIdentity("黄雨桐", "person", "520102201302209661", "",
                 "黄勇、吴婷的大女儿，2013年出生，南明区甲秀小学六年级在籍", "教育入学（小升初）"),
    DemoIdentity("马俊", "person", "520502198212039715", "13908510014",
                 "毕节黔通运输有限公司法定代表人；公司有道路运输经营许可、两辆货车和一条行政处罚记录",
                 "开办运输企业；信用修复"),
    DemoIdentity("杨林", "person", "520502199003279733", "13908510015",
                 "毕节黔通运输有限公司的货车驾驶员，持A2驾驶证和从业资格证", "开办运输企业（驾驶员）"),
    DemoIdentity("贵阳张记餐饮管理有限公司", "enterprise", "91520103MADC00012P", "",
                 "云岩区的有限责任公司，法定代表人张伟，有营业执照", "开办餐饮店；企业信息变更"),
    DemoIdentity("贵阳孙氏商贸有限公司", "enterprise", "91520102MADC000204", "",
                 "南明区的有限责任公司，法定代表人孙磊，列入经营异常名录（未报年报），准备注销",
                 "企业注销登记；信用修复"),
    DemoIdentity("毕节黔通运输有限公司", "enterprise", "91520502MADC00039M", "",
                 "七星关区的道路货物运输企业，法定代表人马俊，有一条超限运输的行政处罚记录",
                 "开办运输企业；信用修复"),
    DemoIdentity("贵州恒通建材有限公司", "enterprise", "91520113MADC00047R", "",
                 "白云区的建材企业，法定代表人孙磊，人民法院已受理其破产申请；名下有一辆货车，欠缴税款",
                 "企业破产信息核查（债务人）"),
    DemoIdentity("贵州筑城科技股份有限公司", "enterprise", "91520115MADC00055H", "",
                 "观山湖区的股份有限公司，法定代表人李强，准备上市，李强、陈静的工作单位",
                 "企业上市合法合规信息核查"),
)  # fmt: skip


def demo_identity(name: str) -> DemoIdentity:
    return next(d for d in DEMO_IDENTITIES if d.name == name)


class _Builder:
    def __init__(self) -> None:
        self.today = clock.today()
        self.type_codes = _type_codes()
        self.people: dict[str, m.Resident] = {}

    def person(
        self,
        name: str,
        *,
        ethnicity: str = "汉族",
        address: str,
        household: m.Household | None = None,
        relationship: str = "",
    ) -> m.Resident:
        ident = demo_identity(name)
        number = ident.key
        r = m.Resident.objects.create(
            id_number=number,
            id_index=blind_index(number, kind="person"),
            name=name,
            gender=m.Gender.MALE if int(number[16]) % 2 else m.Gender.FEMALE,
            birth_date=dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
            ethnicity=ethnicity,
            phone=ident.phone,
            phone_index=blind_index(ident.phone, kind="phone") if ident.phone else "",
            region_code=number[:6],
            address=address,
            household=household,
            relationship_to_head=relationship,
        )
        self.people[name] = r
        if age(r.birth_date, self.today) >= 16:
            issued, until = id_card_validity(r.birth_date, self.today)
            self.licence(
                "resident_id_card", r, auth.public_security(county(r.region_code)), issued, until, "",
                {"name": name, "gender": r.get_gender_display(), "ethnicity": ethnicity.removesuffix("族"),
                 "birth_date": r.birth_date.isoformat(), "address": address},
            )  # fmt: skip
        return r

    def household(self, region: str, address: str) -> m.Household:
        return m.Household.objects.create(
            number=f"{reserve_numbers('household'):09d}", region_code=region, address=address
        )

    def head(self, household: m.Household, head: m.Resident) -> None:
        household.head = head
        household.save(update_fields=["head", "updated_at"])
        self.licence(
            "household_register", head, auth.public_security(county(household.region_code)),
            add_years(self.today, -3), None, household.number,
            {"household_number": household.number, "household_type": "家庭户", "head_name": head.name,
             "address": household.address, "members": household.members.count()},
        )  # fmt: skip

    def marry(self, husband: m.Resident, wife: m.Resident, on: dt.date, region: str) -> m.MarriageRecord:
        husband.spouse, wife.spouse = wife, husband
        husband.save(update_fields=["spouse", "updated_at"])
        wife.save(update_fields=["spouse", "updated_at"])
        c = county(region)
        number = f"J{region}-{on.year}-{reserve_numbers('marriage'):06d}"
        record = m.MarriageRecord.objects.create(
            certificate_number=number,
            party_a=husband,
            party_b=wife,
            registered_on=on,
            office=auth.marriage_office(c),
        )
        for holder, other in ((husband, wife), (wife, husband)):
            self.licence(
                "marriage_certificate", holder, auth.civil_affairs(c), on, None, number,
                {"certificate_number": number, "registered_on": on.isoformat(), "holder_name": holder.name,
                 "spouse_name": other.name},
            )  # fmt: skip
        return record

    def licence(
        self,
        licence_type: str,
        holder: m.Resident | m.Enterprise,
        issuer: auth.Authority,
        issued: dt.date,
        until: dt.date | None,
        number: str,
        data: dict[str, Any],
    ) -> m.Licence:
        enterprise = isinstance(holder, m.Enterprise)
        code = holder.uscc if isinstance(holder, m.Enterprise) else holder.id_number
        type_code = self.type_codes[licence_type]
        serial = licence_serial(issued.year, reserve_numbers("licence"))
        return m.Licence.objects.create(
            identifier=fast_licence_identifier(type_code, issuer.code, serial),
            licence_type=licence_type,
            type_code=type_code,
            name=LICENCE_NAMES[licence_type],
            number=number,
            holder_name=holder.name,
            holder_code=encrypt(code),
            holder_index=blind_index(code, kind="enterprise" if enterprise else "person"),
            holder_code_type="001" if enterprise else "111",
            issuer_name=issuer.name,
            issuer_code=issuer.code,
            issued_on=issued,
            valid_from=issued,
            valid_until=until,
            status=m.LicenceStatus.VALID,
            data=data,
        )

    def enterprise(
        self, name: str, *, legal_rep: m.Resident, region: str, address: str, scope: str, capital: int,
        established: dt.date, kind: str = "有限责任公司",
    ) -> m.Enterprise:  # fmt: skip
        ident = demo_identity(name)
        e = m.Enterprise.objects.create(
            uscc=ident.key,
            name=name,
            type=kind,
            legal_rep=legal_rep,
            registered_capital=Decimal(capital),
            business_scope=scope,
            address=address,
            region_code=region,
            established_on=established,
            contact_name=legal_rep.name,
            contact_phone=legal_rep.phone,
            shareholders=[{"name": legal_rep.name, "amount": str(capital)}],
        )
        c = county(region)
        m.TaxRegistration.objects.create(
            enterprise=e,
            taxpayer_type="小规模纳税人",
            tax_authority=auth.tax_office(c).name,
            registered_on=established,
            finance_contact_name=legal_rep.name,
            finance_contact_phone=legal_rep.phone,
        )
        self.licence(
            "business_licence", e, auth.market_regulation(c), established, None, e.uscc,
            {"name": name, "uscc": e.uscc, "type": e.type, "legal_representative": legal_rep.name,
             "registered_capital": f"{capital}万元", "established_on": established.isoformat(),
             "address": address, "business_scope": scope},
        )  # fmt: skip
        return e

    def insured(
        self,
        r: m.Resident,
        *,
        since: dt.date,
        employer: tuple[str, str],
        retired: bool = False,
        fund: bool = True,
    ) -> None:
        name, uscc = employer
        unit = f"{r.region_code}{uscc[-6:]}"
        m.SocialInsurance.objects.create(
            resident=r,
            status=m.SocialInsurance.Status.RETIRED if retired else m.SocialInsurance.Status.PAYING,
            insured_since=since,
            card_number=f"D{reserve_numbers('si_card'):08d}",
            employer_name="" if retired else name,
            employer_uscc="" if retired else uscc,
            unit_number="" if retired else unit,
        )
        m.MedicalInsurance.objects.create(
            resident=r,
            scheme=m.MedicalInsurance.Scheme.EMPLOYEE,
            unit_number="" if retired else unit,
            paid_months=max(1, (self.today - since).days // 30),
        )
        if fund and not retired:
            m.HousingFund.objects.create(
                resident=r,
                account=f"{r.region_code[:4]}{reserve_numbers('housing_fund'):08d}",
                employer_name=name,
                employer_uscc=uscc,
                unit_account=f"{r.region_code[:4]}{int(hashlib.sha256(uscc.encode()).hexdigest()[:8], 16) % 10**8:08d}",
                deposit_rate=12,
                opened_on=since,
            )


def age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _employer(name: str, region: str) -> tuple[str, str]:
    """An employer outside the demo's enterprise register, with a code in the demo range ("MADE…")."""
    return name, make_uscc(region, "MADE" + auth.org_body(f"demo-employer:{name}")[:4])


@transaction.atomic
def seed_demo() -> tuple[DemoIdentity, ...]:
    """Create the demo identities (idempotent: does nothing when they exist)."""
    first = DEMO_IDENTITIES[0]
    if m.Resident.objects.filter(id_index=blind_index(first.key, kind="person")).exists():
        return DEMO_IDENTITIES
    b = _Builder()
    today = b.today
    tech = ("贵州筑城科技股份有限公司", demo_identity("贵州筑城科技股份有限公司").key)

    # --- 王芳 and 李强: a newborn 10 days old, not yet registered
    addr = "贵州省贵阳市南明区花果园大街花果园社区R1区5栋2单元1203室"
    hh = b.household("520102", addr)
    li = b.person("李强", address=addr, household=hh, relationship="户主")
    wang = b.person("王芳", address=addr, household=hh, relationship="配偶")
    b.head(hh, li)
    b.marry(li, wang, dt.date(2019, 5, 20), "520102")
    b.insured(li, since=dt.date(2014, 7, 1), employer=tech)
    b.insured(wang, since=dt.date(2016, 9, 1), employer=_employer("贵阳黔程会计师事务所有限公司", "520102"))
    born = today - dt.timedelta(days=10)
    number = f"Q52{reserve_numbers('birth_certificate'):010d}"
    m.BirthCertificate.objects.create(
        number=number,
        newborn_name="李沐阳",
        gender=m.Gender.MALE,
        birth_date=born,
        birth_time=dt.time(8, 26),
        birth_region="520102",
        birth_place="贵阳市妇幼保健院",
        gestational_weeks=39,
        birth_weight=3350,
        birth_length=Decimal("50.0"),
        health_status="良好",
        mother=wang,
        father=li,
        issued_on=min(born + dt.timedelta(days=2), today),
    )

    b.enterprise(
        tech[0], legal_rep=li, region="520115", address="贵州省贵阳市观山湖区林城西路95号数博大道科创大厦12层",
        capital=8000, established=dt.date(2012, 9, 18), kind="股份有限公司",
        scope="软件开发；信息系统集成服务；数据处理和存储支持服务；人工智能应用软件开发",
    )  # fmt: skip

    # --- 张伟: a company with a business licence, opening a restaurant
    addr = "贵州省贵阳市云岩区中华北路208号3栋1单元602室"
    hh = b.household("520103", addr)
    zhang = b.person("张伟", address=addr, household=hh, relationship="户主")
    b.head(hh, zhang)
    b.insured(zhang, since=dt.date(2008, 3, 1), employer=("贵阳张记餐饮管理有限公司", "91520103MADC00012P"))
    b.enterprise(
        "贵阳张记餐饮管理有限公司", legal_rep=zhang, region="520103",
        address="贵州省贵阳市云岩区延安东路56号1层", capital=50, established=dt.date(2021, 3, 15),
        scope="餐饮服务；食品销售（仅销售预包装食品）；餐饮管理",
    )  # fmt: skip

    # --- 刘洋 sells a mortgaged flat with utility accounts to 陈静
    addr = "贵州省贵阳市观山湖区金阳街道长岭北路88号中天未来方舟F1组团9栋1单元1502室"
    hh = b.household("520115", addr)
    liu = b.person("刘洋", address=addr, household=hh, relationship="户主")
    b.head(hh, liu)
    b.insured(
        liu, since=dt.date(2004, 7, 1), employer=_employer("贵州黔缘物流有限公司", "520115"), fund=False
    )
    c = county("520115")
    n = reserve_numbers("real_estate")
    registered = dt.date(2016, 10, 18)
    cert = f"黔({registered.year}){c.registration_area}不动产权第{n:07d}号"
    house = m.RealEstate.objects.create(
        certificate_number=cert,
        unit_number=f"520115007004GB{n % 100000:05d}F00090215",
        address=addr,
        region_code="520115",
        area=Decimal("118.64"),
        use="住宅",
        registered_on=registered,
        mortgage_proof_number=f"黔({registered.year}){c.registration_area}不动产证明第{n:07d}号",
        water_account="2101503318",
        power_account="0512066734",
        gas_account="R520115008821",
        network_account="085186614402",
    )
    house.owners.add(liu)
    b.licence(
        "real_estate_certificate", liu, auth.real_estate_office(c), registered, None, cert,
        {"certificate_number": cert, "unit_number": house.unit_number, "address": addr, "area": "118.64",
         "use": "住宅", "right_holders": "刘洋", "co_ownership": "单独所有"},
    )  # fmt: skip
    addr = "贵州省贵阳市南明区遵义路31号7栋2单元803室"
    hh = b.household("520102", addr)
    chen = b.person("陈静", address=addr, household=hh, relationship="户主")
    b.head(hh, chen)
    b.insured(chen, since=dt.date(2013, 8, 1), employer=tech)
    m.HousingTransaction.objects.create(
        property=house,
        contract_number=f"GYCL{today.year}{n:07d}",
        buyer_name="陈静",
        buyer_code=chen.id_number,
        buyer_index=chen.id_index,
        price=Decimal("1280000.00"),
        filed_on=today - dt.timedelta(days=3),
    )

    # --- 赵建国 about to retire, 钱秀英 retired
    addr = "贵州省毕节市金沙县鼓场街道罗马社区新华路15号"
    hh = b.household("520523", addr)
    zhao = b.person("赵建国", address=addr, household=hh, relationship="户主")
    qian = b.person("钱秀英", address=addr, household=hh, relationship="配偶")
    b.head(hh, zhao)
    b.marry(zhao, qian, dt.date(1989, 10, 1), "520523")
    b.insured(zhao, since=dt.date(1985, 7, 1), employer=_employer("金沙县建筑工程有限公司", "520523"))
    b.insured(qian, since=dt.date(1987, 3, 1), employer=("", ""), retired=True)

    # --- 周敏: disability certificate and minimum living allowance
    addr = "贵州省毕节市七星关区市东街道松山路12号4栋1单元201室"
    hh = b.household("520502", addr)
    zhou = b.person("周敏", address=addr, household=hh, relationship="户主")
    b.head(hh, zhou)
    m.MedicalInsurance.objects.create(resident=zhou, scheme=m.MedicalInsurance.Scheme.RESIDENT)
    m.DisabilityRecord.objects.create(
        resident=zhou,
        category=m.DisabilityRecord.Category.PHYSICAL,
        grade=3,
        issued_on=dt.date(2018, 6, 1),
        valid_until=dt.date(2028, 6, 1),
    )
    m.SocialAssistance.objects.create(
        resident=zhou,
        kind="最低生活保障",
        certificate_number="七民低保〔2023〕0458号",
        since=dt.date(2023, 3, 1),
    )

    # --- 孙磊: a company to deregister, on the abnormal-operations list
    addr = "贵州省贵阳市南明区兴关路77号2栋3单元1101室"
    hh = b.household("520102", addr)
    sun = b.person("孙磊", address=addr, household=hh, relationship="户主")
    b.head(hh, sun)
    sun_co = b.enterprise(
        "贵阳孙氏商贸有限公司", legal_rep=sun, region="520102", address="贵州省贵阳市南明区新华路118号",
        capital=100, established=dt.date(2015, 8, 1), scope="日用百货、五金交电、建筑材料的批发和零售",
    )  # fmt: skip
    # the company in bankruptcy proceedings: a lorry, tax arrears (a penalty for late filing)
    debtor = b.enterprise(
        "贵州恒通建材有限公司", legal_rep=sun, region="520113", address="贵州省贵阳市白云区麦架镇沙文工业园8号",
        capital=2000, established=dt.date(2010, 4, 12), scope="建筑材料、装饰材料的生产和销售；普通货物仓储服务",
    )  # fmt: skip
    m.Vehicle.objects.create(
        plate_number="贵A3K571",
        vehicle_type="重型自卸货车",
        total_mass=25000,
        owner_name=debtor.name,
        owner_code=debtor.uscc,
        owner_index=blind_index(debtor.uscc, kind="enterprise"),
        owner_code_type="001",
        registered_on=dt.date(2017, 5, 9),
    )
    m.CreditRecord.objects.create(
        enterprise=debtor,
        kind=m.CreditRecord.Kind.PENALTY,
        decision_number="筑白税罚〔2024〕0087号",
        authority="国家税务总局贵阳市白云区税务局",
        decided_on=dt.date(2024, 3, 20),
        reason="逾期未申报纳税",
    )
    m.CreditRecord.objects.create(
        enterprise=sun_co,
        kind=m.CreditRecord.Kind.ABNORMAL,
        authority="南明区市场监督管理局",
        decided_on=dt.date(today.year - 1, 7, 1),
        reason="未按规定报送年度报告",
    )

    # --- 黄勇 and 吴婷, two daughters of school age
    addr = "贵州省贵阳市南明区甲秀南路198号11栋2单元502室"
    hh = b.household("520102", addr)
    huang = b.person("黄勇", address=addr, household=hh, relationship="户主")
    wu = b.person("吴婷", ethnicity="布依族", address=addr, household=hh, relationship="配偶")
    b.marry(huang, wu, dt.date(2012, 4, 28), "520102")
    b.insured(huang, since=dt.date(2009, 7, 1), employer=_employer("贵州多彩文化传媒有限公司", "520102"))
    for name in ("黄雨桐", "黄子涵"):
        child = b.person(name, address=addr, household=hh, relationship="女")
        child.father, child.mother = huang, wu
        child.save(update_fields=["father", "mother", "updated_at"])
        m.BirthCertificate.objects.create(
            number=f"Q52{reserve_numbers('birth_certificate'):010d}",
            newborn_name=name,
            gender=m.Gender.FEMALE,
            birth_date=child.birth_date,
            birth_region="520102",
            birth_place="贵阳市妇幼保健院",
            gestational_weeks=39,
            birth_weight=3200,
            birth_length=Decimal("49.5"),
            mother=wu,
            father=huang,
            newborn=child,
            issued_on=child.birth_date + dt.timedelta(days=2),
        )
        m.MedicalInsurance.objects.create(resident=child, scheme=m.MedicalInsurance.Scheme.RESIDENT)
    # A son born about four months before the demo data was loaded and already registered, so the
    # population register has a newborn's ID number; his number depends on that date (not documented).
    son_born = today - dt.timedelta(days=120)
    son_number = make_id_number("520102", son_born, 967)
    son = m.Resident.objects.create(
        id_number=son_number,
        id_index=blind_index(son_number, kind="person"),
        name="黄子墨",
        gender=m.Gender.MALE,
        birth_date=son_born,
        region_code="520102",
        address=addr,
        household=hh,
        relationship_to_head="子",
        father=huang,
        mother=wu,
    )
    m.BirthCertificate.objects.create(
        number=f"Q52{reserve_numbers('birth_certificate'):010d}",
        newborn_name="黄子墨",
        gender=m.Gender.MALE,
        birth_date=son_born,
        birth_time=dt.time(15, 2),
        birth_region="520102",
        birth_place="贵阳市妇幼保健院",
        gestational_weeks=38,
        birth_weight=3100,
        birth_length=Decimal("49.0"),
        mother=wu,
        father=huang,
        newborn=son,
        issued_on=son_born + dt.timedelta(days=1),
    )
    b.head(hh, huang)
    m.Vaccination.objects.create(
        resident=b.people["黄子涵"], certificate_number="520102201900318", unit_name="南明区甲秀社区卫生服务中心",
        doses=22, up_to_date=True,
    )  # fmt: skip
    m.StudentStatus.objects.create(
        resident=b.people["黄雨桐"], school_name="贵阳市南明区甲秀小学", grade="六年级",
        enrolled_on=dt.date(2019, 9, 1),
    )  # fmt: skip

    # --- 马俊's transport company, 杨林 its driver
    addr = "贵州省毕节市七星关区洪山街道招商花园城8栋1单元1602室"
    hh = b.household("520502", addr)
    ma = b.person("马俊", ethnicity="彝族", address=addr, household=hh, relationship="户主")
    b.head(hh, ma)
    transport = b.enterprise(
        "毕节黔通运输有限公司", legal_rep=ma, region="520502", address="贵州省毕节市七星关区碧阳大道物流园区B区6号",
        capital=300, established=dt.date(2018, 6, 6), scope="道路货物运输（不含危险货物）；普通货物仓储服务",
    )  # fmt: skip
    addr = "贵州省毕节市七星关区市东街道桂花路23号"
    hh = b.household("520502", addr)
    yang = b.person("杨林", address=addr, household=hh, relationship="户主")
    b.head(hh, yang)
    b.insured(yang, since=dt.date(2012, 5, 1), employer=("毕节黔通运输有限公司", transport.uscc), fund=False)
    m.RoadTransportPermit.objects.create(
        enterprise=transport,
        licence_number="黔交运管许可毕字520502000316号",
        business_scope="道路普通货物运输",
        issued_on=dt.date(2018, 7, 2),
        valid_until=dt.date(2030, 7, 1),
    )
    for plate, vtype, mass, on in (
        ("贵F72315", "重型厢式货车", 18000, dt.date(2019, 3, 8)),
        ("贵F86420", "轻型厢式货车", 4495, dt.date(2021, 11, 20)),
    ):
        m.Vehicle.objects.create(
            plate_number=plate,
            vehicle_type=vtype,
            total_mass=mass,
            owner_name=transport.name,
            owner_code=transport.uscc,
            owner_index=blind_index(transport.uscc, kind="enterprise"),
            owner_code_type="001",
            registered_on=on,
        )
    m.DrivingLicence.objects.create(
        resident=yang,
        licence_class="A2",
        first_issued_on=dt.date(2011, 4, 12),
        valid_until=dt.date(2031, 4, 12),
        employer=transport,
    )
    m.DriverQualification.objects.create(
        resident=yang, category="经营性道路货物运输驾驶员", issued_on=dt.date(2012, 3, 5),
        valid_until=dt.date(2030, 3, 4),
    )  # fmt: skip
    m.CreditRecord.objects.create(
        enterprise=transport,
        kind=m.CreditRecord.Kind.PENALTY,
        decision_number="毕七交罚〔2024〕156号",
        authority="毕节市七星关区交通运输局",
        decided_on=dt.date(2024, 9, 12),
        reason="车辆超限运输",
    )
    return DEMO_IDENTITIES


def identities_markdown() -> str:
    """The table of docs/demo-identities.md."""
    lines = [
        "| 姓名 / 名称 | 类型 | 身份证号码 / 统一社会信用代码 | 手机 | 情况 | 演示的一件事 |",
        "|---|---|---|---|---|---|",
    ]
    for d in DEMO_IDENTITIES:
        kind = "自然人" if d.kind == "person" else "企业"
        lines.append(f"| {d.name} | {kind} | `{d.key}` | {d.phone or '—'} | {d.story} | {d.packages} |")
    return "\n".join(lines)
