"""Real Guizhou divisions (GB/T 2260, 2023): the 9 prefecture-level and 88 county-level divisions.

Used by the synthetic data when the catalog's Region table has no county of Guizhou, and for names.
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE = "贵州省"

CITIES: dict[str, str] = {
    "520100": "贵阳市",
    "520200": "六盘水市",
    "520300": "遵义市",
    "520400": "安顺市",
    "520500": "毕节市",
    "520600": "铜仁市",
    "522300": "黔西南布依族苗族自治州",
    "522600": "黔东南苗族侗族自治州",
    "522700": "黔南布依族苗族自治州",
}

COUNTIES: dict[str, str] = {
    # 贵阳市
    "520102": "南明区",
    "520103": "云岩区",
    "520111": "花溪区",
    "520112": "乌当区",
    "520113": "白云区",
    "520115": "观山湖区",
    "520121": "开阳县",
    "520122": "息烽县",
    "520123": "修文县",
    "520181": "清镇市",
    # 六盘水市
    "520201": "钟山区",
    "520203": "六枝特区",
    "520204": "水城区",
    "520281": "盘州市",
    # 遵义市
    "520302": "红花岗区",
    "520303": "汇川区",
    "520304": "播州区",
    "520322": "桐梓县",
    "520323": "绥阳县",
    "520324": "正安县",
    "520325": "道真仡佬族苗族自治县",
    "520326": "务川仡佬族苗族自治县",
    "520327": "凤冈县",
    "520328": "湄潭县",
    "520329": "余庆县",
    "520330": "习水县",
    "520381": "赤水市",
    "520382": "仁怀市",
    # 安顺市
    "520402": "西秀区",
    "520403": "平坝区",
    "520422": "普定县",
    "520423": "镇宁布依族苗族自治县",
    "520424": "关岭布依族苗族自治县",
    "520425": "紫云苗族布依族自治县",
    # 毕节市
    "520502": "七星关区",
    "520521": "大方县",
    "520523": "金沙县",
    "520524": "织金县",
    "520525": "纳雍县",
    "520526": "威宁彝族回族苗族自治县",
    "520527": "赫章县",
    "520581": "黔西市",
    # 铜仁市
    "520602": "碧江区",
    "520603": "万山区",
    "520621": "江口县",
    "520622": "玉屏侗族自治县",
    "520623": "石阡县",
    "520624": "思南县",
    "520625": "印江土家族苗族自治县",
    "520626": "德江县",
    "520627": "沿河土家族自治县",
    "520628": "松桃苗族自治县",
    # 黔西南州
    "522301": "兴义市",
    "522302": "兴仁市",
    "522323": "普安县",
    "522324": "晴隆县",
    "522325": "贞丰县",
    "522326": "望谟县",
    "522327": "册亨县",
    "522328": "安龙县",
    # 黔东南州
    "522601": "凯里市",
    "522622": "黄平县",
    "522623": "施秉县",
    "522624": "三穗县",
    "522625": "镇远县",
    "522626": "岑巩县",
    "522627": "天柱县",
    "522628": "锦屏县",
    "522629": "剑河县",
    "522630": "台江县",
    "522631": "黎平县",
    "522632": "榕江县",
    "522633": "从江县",
    "522634": "雷山县",
    "522635": "麻江县",
    "522636": "丹寨县",
    # 黔南州
    "522701": "都匀市",
    "522702": "福泉市",
    "522722": "荔波县",
    "522723": "贵定县",
    "522725": "瓮安县",
    "522726": "独山县",
    "522727": "平塘县",
    "522728": "罗甸县",
    "522729": "长顺县",
    "522730": "龙里县",
    "522731": "惠水县",
    "522732": "三都水族自治县",
}


@dataclass(frozen=True)
class County:
    code: str
    name: str
    city_code: str
    city_name: str

    @property
    def is_district(self) -> bool:
        return self.name.endswith("区")

    @property
    def full_name(self) -> str:
        return f"{PROVINCE}{self.city_name}{self.name}"

    @property
    def registration_area(self) -> str:
        """Whose name a real-estate certificate number carries: the city for its districts, else the county."""
        if self.is_district and self.city_name.endswith("市"):
            return self.city_name
        return self.name


def county(code: str, names: dict[str, str] | None = None) -> County:
    """A county by code; `names` (code → name, e.g. from the catalog) fills in divisions not listed here."""
    names = names or {}
    city_code = code[:4] + "00"
    return County(
        code=code,
        name=COUNTIES.get(code) or names.get(code) or code,
        city_code=city_code,
        city_name=CITIES.get(city_code) or names.get(city_code) or "",
    )
