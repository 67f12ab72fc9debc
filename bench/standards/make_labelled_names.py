"""Writes bench/standards/labelled_names.csv: local item names labelled with the standard item they mean.

How the set is built (docs/standards.md):
- generated: for each of the starter catalog's standard items, up to three variants drawn (seeded) from the
  ways local lists really differ: a region name in front, a filler suffix (办理/申请), half-width brackets
  and stray spaces, the bracketed qualifier dropped, a homophone typo, a dropped character, the verb moved
  to the front (核发营业执照), a common abbreviation (社会保障卡 → 社保卡);
- hand-written colloquial names (COLLOQUIAL), deliberately not copies of the aliases in
  src/onego/standards/data/synonyms.yaml, so they test generalisation;
- hand-written negatives (NEGATIVES): real service items that are not in the starter catalog, several of
  them close to one that is (营业执照遗失补领, 食品生产许可): they must not be auto-mapped.
Each row's split (tune / test) is fixed by a hash of the local name: the threshold is chosen on `tune`
only and reported on `test` (bench/standards_names.py).

Run: .venv/bin/python bench/standards/make_labelled_names.py   (the output is committed; same seed, same file)
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ITEMS = ROOT / "src" / "onego" / "catalog" / "starter" / "items"
OUT = Path(__file__).with_name("labelled_names.csv")
SEED = 17

REGIONS = [
    "贵阳市",
    "南明区",
    "观山湖区",
    "金沙县",
    "七星关区",
    "大方县",
    "织金县",
    "遵义市",
    "毕节市",
    "贵州省",
]
SUFFIXES = ["办理", "申请", "业务办理", "网上办理"]
# Common wrong characters typed for the right one (same or near pronunciation).
TYPOS = {
    "证": "正",
    "登": "等",
    "记": "纪",
    "许": "须",
    "办": "半",
    "理": "里",
    "险": "显",
    "保": "报",
    "疗": "了",
    "核": "合",
    "发": "法",
    "养": "样",
    "残": "惨",
    "销": "消",
    "营": "赢",
    "申": "伸",
    "领": "令",
    "补": "捕",
    "贴": "帖",
    "查": "察",
    "备": "被",
    "案": "按",
    "缴": "交",
    "税": "说",
}
VERBS = [
    "核发",
    "登记",
    "注销",
    "申领",
    "备案",
    "许可",
    "审批",
    "签发",
    "查询",
    "核准",
    "修复",
    "提取",
    "变更",
]
ABBREVIATIONS = {
    "社会保障卡": "社保卡",
    "社会保险": "社保",
    "医疗保险": "医保",
    "住房公积金": "公积金",
    "残疾人证": "残疾证",
    "不动产权证书": "房产证",
    "存量房": "二手房",
    "市场主体设立登记": "工商注册",
    "消防安全检查": "消防检查",
    "烟草专卖零售许可证": "烟草证",
    "出生医学证明": "出生证",
}

COLLOQUIAL = {
    "给小孩办出生证": "birth_medical_certificate",
    "新生儿办理出生医学证明": "birth_medical_certificate",
    "打疫苗的本子": "vaccination_certificate",
    "入学查验接种证": "vaccination_check",
    "办准生证": "fertility_registration",
    "单位开公积金账户": "housing_fund_unit_registration",
    "公积金单位信息变更": "housing_fund_unit_change",
    "单位公积金销户": "housing_fund_unit_deregistration",
    "公积金贷款": "housing_fund_loan",
    "个体户营业执照办理": "business_licence",
    "公司变更法人": "enterprise_change_registration",
    "公司变更地址": "enterprise_change_registration",
    "清算组成员备案": "liquidation_filing",
    "简易注销": "enterprise_deregistration",
    "食品经营许可证变更": "food_business_permit_change",
    "移出经营异常名录": "abnormal_list_removal",
    "严重违法失信名单移出": "serious_list_removal",
    "新生儿城乡居民医保参保": "resident_medical_insurance_enrolment",
    "生育津贴申领": "maternity_benefit",
    "退休人员医保待遇核定": "retiree_medical_insurance",
    "医保缴费年限不足补缴": "medical_insurance_topup",
    "单位医保开户": "medical_insurance_unit_registration",
    "开业前消防检查": "fire_safety_inspection",
    "店铺招牌审批": "outdoor_sign_permit",
    "办烟草证": "tobacco_retail_licence",
    "排水许可证": "drainage_permit",
    "挖路审批": "road_excavation_permit",
    "临时占用绿地": "green_space_occupation",
    "小孩出生报户口": "birth_registration",
    "办居住证": "residence_permit",
    "新公司印章刻制": "seal_engraving",
    "印章注销": "seal_cancellation",
    "二手房网签": "house_contract_filing",
    "房贷还清解押": "mortgage_cancellation",
    "二手房买卖过户登记": "real_estate_transfer",
    "办按揭抵押登记": "mortgage_registration",
    "社保卡补办": "social_security_card_replace",
    "社保卡挂失": "social_security_card_loss",
    "领电子社保卡": "electronic_social_security_card",
    "劳动能力鉴定": "work_capacity_appraisal",
    "办理退休": "retirement_approval",
    "养老金待遇申领": "pension_claim",
    "员工社保增员": "employee_social_insurance_registration",
    "单位社保信息变更": "social_insurance_unit_change",
    "单位社保注销": "social_insurance_unit_deregistration",
    "开社保缴费证明": "social_insurance_payment_certificate",
    "新办企业领发票": "invoice_first_application",
    "税务登记信息变更": "tax_registration_change",
    "纳税信用等级修复": "tax_credit_repair",
    "二手房契税申报": "house_transaction_tax",
    "交居民医保费": "resident_medical_insurance_premium",
    "开无欠税证明": "tax_clearance_proof",
    "普通货运经营许可": "road_freight_permit",
    "危货运输许可": "dangerous_goods_transport_permit",
    "客运经营许可": "road_passenger_permit",
    "营运车辆办道路运输证": "road_transport_certificate",
    "货车司机从业资格证": "driver_qualification",
    "报关单位注销": "customs_record_cancellation",
    "海关企业信用证明": "customs_credit_certificate",
    "残疾证换证": "disability_certificate_renewal",
    "残疾人护理补贴": "disability_nursing_subsidy",
    "残疾人生活补贴": "disability_living_subsidy",
    "辅具适配补贴": "assistive_device_subsidy",
    "小学报名": "compulsory_school_enrolment",
    "信用中国行政处罚信息修复": "credit_repair_creditchina",
    "专项信用报告": "special_credit_report",
}

NEGATIVES = [
    "结婚登记",
    "离婚登记",
    "补领结婚证",
    "护照首次申领",
    "往来港澳通行证签注",
    "机动车驾驶证换证",
    "机动车注册登记",
    "城乡居民基本养老保险参保登记",
    "失业保险金申领",
    "异地就医备案",
    "门诊慢特病待遇认定",
    "最低生活保障申请",
    "特困人员救助供养",
    "临时救助申请",
    "建设工程规划许可证核发",
    "建筑工程施工许可证核发",
    "药品经营许可证核发",
    "医疗机构执业登记",
    "医师执业注册",
    "农村宅基地用地审批",
    "林木采伐许可证核发",
    "取水许可",
    "犬只登记",
    "民办学校设立",
    "教师资格认定",
    "高龄津贴申领",
    "优抚对象抚恤补助",
    "退役军人优待证申领",
    "法律援助申请",
    "殡葬补贴申领",
    "户口迁移",
    "居民身份证换领",
    "居民身份证挂失",
    "城乡居民医保门诊报销",
    "住房公积金个人账户转移",
    "社会保障卡密码重置",
    "营业执照遗失补领",
    "食品生产许可",
    "烟草专卖批发企业许可",
    "个体工商户年度报告",
    "出生医学证明补发",
    "残疾人证迁移",
    "不动产首次登记",
    "道路运输经营许可证年度审验",
    "公共场所卫生许可",
]


def standard_items() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ITEMS.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            found.append((item["code"], item["name"]))
    return found


def variants(name: str, rng: random.Random) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = [
        ("region_prefix", rng.choice(REGIONS) + name),
        ("filler_suffix", name + rng.choice(SUFFIXES)),
        ("halfwidth_spaces", name.replace("（", " (").replace("）", ")").replace("、", " ")),
    ]
    dropped = re.sub(r"（[^）]*）", "", name)
    if dropped != name and len(dropped) >= 4:
        out.append(("qualifier_dropped", dropped))
    typo_at = [i for i, ch in enumerate(name) if ch in TYPOS]
    if typo_at:
        i = rng.choice(typo_at)
        out.append(("homophone_typo", name[:i] + TYPOS[name[i]] + name[i + 1 :]))
    if len(name) >= 6:
        i = rng.randrange(1, len(name) - 1)
        if name[i] not in "（）":
            out.append(("char_dropped", name[:i] + name[i + 1 :]))
    base = re.sub(r"（[^）]*）", "", name)
    for verb in VERBS:
        if base.endswith(verb) and len(base) - len(verb) >= 3:
            out.append(("verb_first", verb + base[: -len(verb)]))
            break
    for long, short in ABBREVIATIONS.items():
        if long in name:
            out.append(("abbreviation", name.replace(long, short)))
            break
    return out


def split_of(name: str) -> str:
    return "tune" if hashlib.sha1(name.encode()).digest()[0] % 2 == 0 else "test"


def main() -> None:
    rng = random.Random(SEED)
    rows: dict[str, tuple[str, str]] = {}
    for code, name in standard_items():
        options = variants(name, rng)
        for variation, local in rng.sample(options, k=min(3, len(options))):
            rows.setdefault(local, (code, variation))
    for local, code in COLLOQUIAL.items():
        rows.setdefault(local, (code, "colloquial"))
    for local in NEGATIVES:
        rows.setdefault(local, ("", "negative"))
    with OUT.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["local_name", "item_code", "variation", "split"])
        for local, (code, variation) in rows.items():
            writer.writerow([local, code, variation, split_of(local)])
    print(f"{len(rows)} rows -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
