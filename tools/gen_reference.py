"""Generate the unit tree and the device inventory of CityOps Command Hall.

Writes two reference files under ``cityops/resources``:

- ``units.json``: Hangzhou's administrative tree on four levels (city, district, street,
  community), exactly 2,497 units, plus the professional department types and the departments
  that handle cases;
- ``devices.json``: the 273 networked outdoor LED screens ("one picture") in their groups and the
  lighting cabinets with their circuits and lighting groups ("one switch").

Why generated rather than hand-written: the seed document fixes the sizes (2,497 units,
273 screens) but an accurate list of Hangzhou's roughly 3,000 villages and communities is neither
needed nor freely licensed, and a couple of thousand hand-typed rows would be unreviewable. What
is real and what is made up:

- real: the city, its 13 districts/counties (2021 admin codes, names, kinds, approximate centres,
  2020-census population used as a weight), the number and kind of streets/towns/townships per
  district, and the 14 streets of Shangcheng District with approximate positions;
- generated: every other street/town name and every community/village, composed from a pool of
  place-like syllables (romanised with a small table kept here) and placed at plausible
  coordinates around their parent; LED screens and lighting cabinets likewise.

The output is deterministic: one ``random.Random(SEED)`` stream consumed in a fixed order, no
network, stdlib only. Rerunning gives byte-identical files, so the JSON can be committed and
diffed. Run it as ``.venv/bin/python tools/gen_reference.py``.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from cityops.domain.geography import load_districts

SEED = 2497
TOTAL_UNITS = 2497  # 1 city + 13 districts + streets + communities (seed document)
LED_SCREENS = 273  # seed document
COMMUNITY_FLOOR = 6  # every street gets at least this many in the district quota

RESOURCES = Path(__file__).resolve().parent.parent / "cityops" / "resources"

CITY: dict[str, Any] = {
    "code": "330100",
    "name_zh": "杭州市",
    "name_en": "Hangzhou",
    "lon": 120.1551,
    "lat": 30.2741,
}

# fmt: off
# --------------------------------------------------------------------------- real district facts
# code, name_zh, name_en, kind, centre lon, lat, population (10k, 2020 census),
# (subdistricts 街道, towns 镇, townships 乡), street scatter radius km, urban core?
District = tuple[str, str, str, str, float, float, float, tuple[int, int, int], float, bool]
DISTRICTS: list[District] = [
    ("330102", "上城区", "Shangcheng District", "district", 120.19, 30.25, 132.1,
     (14, 0, 0), 6.0, True),
    ("330105", "拱墅区", "Gongshu District", "district", 120.145, 30.322, 118.0,
     (18, 0, 0), 5.0, True),
    ("330106", "西湖区", "Xihu District", "district", 120.092, 30.255, 114.9,
     (10, 2, 0), 7.5, True),
    ("330108", "滨江区", "Binjiang District", "district", 120.212, 30.208, 50.4,
     (3, 0, 0), 4.0, True),
    ("330109", "萧山区", "Xiaoshan District", "district", 120.264, 30.184, 201.1,
     (12, 10, 0), 16.0, False),
    ("330110", "余杭区", "Yuhang District", "district", 119.978, 30.300, 122.6,
     (7, 5, 0), 14.0, False),
    ("330111", "富阳区", "Fuyang District", "district", 119.960, 30.049, 83.2,
     (5, 13, 6), 24.0, False),
    ("330112", "临安区", "Lin'an District", "district", 119.725, 30.234, 63.5,
     (5, 13, 0), 30.0, False),
    ("330113", "临平区", "Linping District", "district", 120.299, 30.419, 117.5,
     (7, 1, 0), 8.0, False),
    ("330114", "钱塘区", "Qiantang District", "district", 120.452, 30.303, 76.9,
     (7, 0, 0), 10.0, False),
    ("330122", "桐庐县", "Tonglu County", "county", 119.691, 29.797, 45.3,
     (4, 6, 4), 22.0, False),
    ("330127", "淳安县", "Chun'an County", "county", 119.042, 29.609, 32.9,
     (0, 11, 12), 30.0, False),
    ("330182", "建德市", "Jiande City", "county_city", 119.281, 29.475, 44.2,
     (3, 12, 1), 25.0, False),
]

# The 14 real streets of Shangcheng District (2021), with approximate centres.
SHANGCHENG_STREETS: list[tuple[str, str, float, float]] = [
    ("湖滨", "Hubin", 120.168, 30.257),
    ("清波", "Qingbo", 120.163, 30.243),
    ("小营", "Xiaoying", 120.1805, 30.2576),
    ("望江", "Wangjiang", 120.186, 30.236),
    ("南星", "Nanxing", 120.172, 30.220),
    ("紫阳", "Ziyang", 120.178, 30.242),
    ("凯旋", "Kaixuan", 120.190, 30.272),
    ("采荷", "Caihe", 120.197, 30.259),
    ("闸弄口", "Zhanongkou", 120.196, 30.290),
    ("四季青", "Sijiqing", 120.214, 30.252),
    ("笕桥", "Jianqiao", 120.224, 30.313),
    ("丁兰", "Dinglan", 120.215, 30.33),
    ("彭埠", "Pengbu", 120.227, 30.286),
    ("九堡", "Jiubao", 120.283, 30.302),
]

# --------------------------------------------------------------------------- name syllables
# Syllables chosen for generated place names, with their pinyin (reading as in place names).
PINYIN: dict[str, str] = {
    "东": "dong", "西": "xi", "南": "nan", "北": "bei", "新": "xin", "安": "an", "平": "ping",
    "宁": "ning", "和": "he", "兴": "xing", "丰": "feng", "华": "hua", "清": "qing", "云": "yun",
    "金": "jin", "玉": "yu", "龙": "long", "凤": "feng", "青": "qing", "翠": "cui", "碧": "bi",
    "春": "chun", "秋": "qiu", "明": "ming", "光": "guang", "德": "de", "福": "fu", "永": "yong",
    "长": "chang", "文": "wen", "仁": "ren", "义": "yi", "嘉": "jia", "乐": "le", "康": "kang",
    "泰": "tai", "昌": "chang", "瑞": "rui", "祥": "xiang", "盛": "sheng", "景": "jing",
    "梅": "mei", "竹": "zhu", "桂": "gui", "枫": "feng", "柳": "liu", "莲": "lian", "荷": "he",
    "松": "song", "柏": "bai", "樟": "zhang", "桑": "sang", "茶": "cha", "杏": "xing", "石": "shi",
    "白": "bai", "红": "hong", "紫": "zi", "黄": "huang", "大": "da", "小": "xiao", "上": "shang",
    "下": "xia", "前": "qian", "后": "hou", "中": "zhong", "高": "gao", "沈": "shen",
    "蒋": "jiang", "俞": "yu", "汪": "wang", "方": "fang", "章": "zhang", "潘": "pan",
    "邵": "shao", "朱": "zhu", "陈": "chen", "徐": "xu", "塘": "tang", "桥": "qiao", "溪": "xi",
    "山": "shan", "湖": "hu", "江": "jiang", "浦": "pu", "湾": "wan", "岭": "ling", "坞": "wu",
    "埠": "bu", "墩": "dun", "庄": "zhuang", "里": "li", "园": "yuan", "口": "kou", "港": "gang",
    "洲": "zhou", "沙": "sha", "坪": "ping", "田": "tian", "阳": "yang", "源": "yuan",
    "泉": "quan", "林": "lin", "岙": "ao", "畈": "fan", "堰": "yan", "坂": "ban", "门": "men",
    "苑": "yuan", "坊": "fang", "庭": "ting", "城": "cheng", "河": "he", "家": "jia",
    "坑": "keng", "头": "tou", "洋": "yang", "垄": "long",
}
# fmt: on
HEADS = "东西南北新安平宁和兴丰华清云金玉龙凤青翠碧春秋明光德福永长文仁义嘉乐康泰昌瑞祥盛景"
HEADS_NATURE = "梅竹桂枫柳莲荷松柏樟桑茶杏石白红紫黄大小上下前后中高"
SURNAMES = "沈蒋俞汪方章潘邵朱陈徐"
STREET_TAILS = "塘桥溪山湖江浦湾岭埠墩庄阳源泉林港洲沙坪田门"
URBAN_TAILS = "苑园里坊庭城景湾桥塘河港浦林"
RURAL_TAILS = "家坞岙畈塘山溪坑坪田桥埠岭湾庄墩头口洋垄源堰坂"
# Names a generated street must not take: the districts and the real Shangcheng streets.
RESERVED_STEMS = {d[1][:-1] for d in DISTRICTS} | {s[0] for s in SHANGCHENG_STREETS}


def romanise(stem: str) -> str:
    """Pinyin of a generated stem, capitalised, with the apostrophe before a, o, e (Xi'an)."""
    out = ""
    for i, ch in enumerate(stem):
        syl = PINYIN[ch]
        if i and syl[0] in "aoe":
            out += "'"
        out += syl
    return out.capitalize()


def pick_stem(rng: random.Random, heads: str, tails: str, taken: set[str]) -> str:
    while True:
        stem = rng.choice(heads) + rng.choice(tails)
        if stem[0] != stem[1] and stem not in taken:
            taken.add(stem)
            return stem


# --------------------------------------------------------------------------- helpers
def apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder apportionment of ``total`` over ``weights`` (ties by position)."""
    s = sum(weights)
    quotas = [total * w / s for w in weights]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def jitter(
    rng: random.Random, lon: float, lat: float, radius_km: float, district: str
) -> tuple[float, float]:
    """A point uniformly inside a disc of ``radius_km`` around (lon, lat), rounded to ~1 m,
    and inside the real boundary of ``district`` (resampled on a shrinking disc, so a street
    near a border does not spill into the neighbour; the map and the simulator rely on it)."""
    boundary = load_districts()[district]
    for _ in range(60):
        r = radius_km * math.sqrt(rng.random())
        theta = rng.random() * 2.0 * math.pi
        dlat = r * math.sin(theta) / 111.0
        dlon = r * math.cos(theta) / (111.0 * math.cos(math.radians(lat)))
        point = round(lon + dlon, 5), round(lat + dlat, 5)
        if boundary.contains(*point):
            return point
        radius_km *= 0.9
    plon, plat = boundary.random_point(rng)
    return round(plon, 5), round(plat, 5)


# --------------------------------------------------------------------------- departments
DEPARTMENT_TYPES: list[tuple[str, str, str]] = [
    ("sanitation", "环卫", "Sanitation"),
    ("landscaping", "园林绿化", "Landscaping and greening"),
    ("roads", "市政道路", "Municipal roads"),
    ("bridges", "桥梁", "Bridges and tunnels"),
    ("lighting", "城市照明", "Urban lighting"),
    ("water_supply", "供水", "Water supply"),
    ("drainage", "排水", "Drainage"),
    ("gas", "燃气", "Gas"),
    ("power", "电力", "Electric power"),
    ("telecom", "通信", "Telecommunications"),
    ("heat", "供热", "Heat supply"),
    ("traffic", "交通", "Transport"),
    ("enforcement", "综合行政执法", "Comprehensive administrative law enforcement"),
    ("housing", "住房和物业", "Housing and property management"),
    ("construction", "建设工程管理", "Construction management"),
    ("market", "市场监管", "Market regulation"),
    ("environment", "生态环境", "Ecology and environment"),
    ("water_affairs", "林业水利", "Forestry and water resources"),
    ("emergency", "应急管理", "Emergency management"),
    ("fire", "消防救援", "Fire and rescue"),
    ("public_security", "公安", "Public security"),
    ("street_office", "街道办事处", "Street office"),
]

CITY_DEPARTMENTS: dict[str, tuple[str, str]] = {
    "sanitation": (
        "杭州市城市管理局市容环卫处",
        "Hangzhou City Management Bureau, Sanitation Division",
    ),
    "landscaping": (
        "杭州市园林文物局",
        "Hangzhou Municipal Administration of Gardens and Cultural Relics",
    ),
    "roads": ("杭州市市政设施管理中心", "Hangzhou Municipal Facilities Management Centre"),
    "bridges": ("杭州市城市桥隧管理中心", "Hangzhou Urban Bridge and Tunnel Management Centre"),
    "lighting": ("杭州市城市照明管理中心", "Hangzhou Urban Lighting Management Centre"),
    "water_supply": ("杭州市水务集团", "Hangzhou Water Group"),
    "drainage": ("杭州市排水有限公司", "Hangzhou Drainage Co., Ltd."),
    "gas": ("杭州市燃气集团", "Hangzhou Gas Group"),
    "power": ("国网杭州供电公司", "State Grid Hangzhou Power Supply Company"),
    "telecom": ("中国电信杭州分公司", "China Telecom Hangzhou Branch"),
    "heat": ("杭州市热电集团", "Hangzhou Thermal Power Group"),
    "traffic": ("杭州市交通运输局", "Hangzhou Transportation Bureau"),
    "enforcement": (
        "杭州市综合行政执法局",
        "Hangzhou Comprehensive Administrative Law Enforcement Bureau",
    ),
    "housing": (
        "杭州市住房保障和房产管理局",
        "Hangzhou Housing Security and Real Estate Management Bureau",
    ),
    "construction": ("杭州市城乡建设委员会", "Hangzhou Urban and Rural Construction Commission"),
    "market": ("杭州市市场监督管理局", "Hangzhou Administration for Market Regulation"),
    "environment": ("杭州市生态环境局", "Hangzhou Ecology and Environment Bureau"),
    "water_affairs": ("杭州市林业水利局", "Hangzhou Forestry and Water Resources Bureau"),
    "emergency": ("杭州市应急管理局", "Hangzhou Emergency Management Bureau"),
    "fire": ("杭州市消防救援支队", "Hangzhou Fire and Rescue Detachment"),
    "public_security": ("杭州市公安局", "Hangzhou Public Security Bureau"),
}

# Per district: type -> (zh suffix after the district name, en suffix after the English name)
DISTRICT_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("sanitation", "城市管理局环卫所", "City Management Bureau, Sanitation Station"),
    ("landscaping", "城市管理局园林绿化管理所", "City Management Bureau, Landscaping Station"),
    ("roads", "城市管理局市政设施管理所", "City Management Bureau, Municipal Facilities Station"),
    ("enforcement", "综合行政执法局", "Comprehensive Administrative Law Enforcement Bureau"),
    ("drainage", "排水管理中心", "Drainage Management Centre"),
    (
        "housing",
        "住房和城乡建设局物业管理科",
        "Housing and Urban-Rural Development Bureau, Property Management Section",
    ),
    (
        "construction",
        "建设工程质量安全监督站",
        "Construction Quality and Safety Supervision Station",
    ),
    ("market", "市场监督管理局", "Administration for Market Regulation"),
]


# --------------------------------------------------------------------------- units
def build_units(rng: random.Random) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Return the unit list (sorted by code: parents before children) and, per district code,
    its street records (with an extra private ``_kind`` key stripped before writing)."""
    units: list[dict[str, Any]] = [
        {
            "code": CITY["code"],
            "level": "city",
            "name_zh": CITY["name_zh"],
            "name_en": CITY["name_en"],
            "parent": None,
            "lon": CITY["lon"],
            "lat": CITY["lat"],
        }
    ]
    n_streets = sum(sum(d[7]) for d in DISTRICTS)
    n_communities = TOTAL_UNITS - 1 - len(DISTRICTS) - n_streets
    floor_total = COMMUNITY_FLOOR * n_streets
    shares = apportion(n_communities - floor_total, [d[6] for d in DISTRICTS])
    quotas = [COMMUNITY_FLOOR * sum(d[7]) + s for d, s in zip(DISTRICTS, shares, strict=True)]

    street_stems: set[str] = set(RESERVED_STEMS)
    streets_by_district: dict[str, list[dict[str, Any]]] = {}
    for dist, quota in zip(DISTRICTS, quotas, strict=True):
        code, name_zh, name_en, kind, lon, lat, _pop, (n_sub, n_town, n_tsp), radius, core = dist
        units.append(
            {
                "code": code,
                "level": "district",
                "kind": kind,
                "name_zh": name_zh,
                "name_en": name_en,
                "parent": CITY["code"],
                "lon": lon,
                "lat": lat,
            }
        )
        # streets: subdistricts first (the seat is the first), then towns, then townships
        kinds = ["sub"] * n_sub + ["town"] * n_town + ["township"] * n_tsp
        streets: list[dict[str, Any]] = []
        for i, skind in enumerate(kinds):
            scode = f"{code}{i + 1:03d}"
            if code == "330102":
                stem, stem_en, slon, slat = SHANGCHENG_STREETS[i]
            else:
                stem = pick_stem(rng, HEADS, STREET_TAILS, street_stems)
                stem_en = romanise(stem)
                # the first street is the district seat, close to the centre
                slon, slat = jitter(rng, lon, lat, radius * (0.12 if i == 0 else 1.0), code)
            suffix_zh, suffix_en = {
                "sub": ("街道", "Subdistrict"),
                "town": ("镇", "Town"),
                "township": ("乡", "Township"),
            }[skind]
            streets.append(
                {
                    "code": scode,
                    "level": "street",
                    "name_zh": stem + suffix_zh,
                    "name_en": f"{stem_en} {suffix_en}",
                    "parent": code,
                    "lon": slon,
                    "lat": slat,
                    "_kind": skind,
                }
            )
        streets_by_district[code] = streets
        # communities: at least 3 per street, the rest by random size (townships smaller)
        size = {"sub": 1.0, "town": 0.8, "township": 0.55}
        weights = [size[s["_kind"]] * rng.uniform(0.6, 1.5) for s in streets]
        per_street = [3 + n for n in apportion(quota - 3 * len(streets), weights)]
        for street, n in zip(streets, per_street, strict=True):
            units.append({k: v for k, v in street.items() if k != "_kind"})
            units.extend(_communities(rng, street, n, core))
    units.sort(key=lambda u: u["code"])
    return units, streets_by_district


def _communities(
    rng: random.Random, street: dict[str, Any], n: int, core: bool
) -> list[dict[str, Any]]:
    skind = street["_kind"]
    taken: set[str] = set()
    out: list[dict[str, Any]] = []
    radius = {"sub": 1.3 if core else 2.2, "town": 3.5, "township": 4.5}[skind]
    for j in range(n):
        if skind == "sub":
            urban = core or rng.random() < 0.7
        elif skind == "town":
            urban = j == 0  # the town seat is a community, the rest are villages
        else:
            urban = False
        if urban:
            stem = pick_stem(rng, HEADS + HEADS_NATURE, URBAN_TAILS, taken)
            zh, en = stem + "社区", f"{romanise(stem)} Community"
        else:
            stem = pick_stem(rng, HEADS + HEADS_NATURE + SURNAMES, RURAL_TAILS, taken)
            zh, en = stem + "村", f"{romanise(stem)} Village"
        lon, lat = jitter(rng, street["lon"], street["lat"], radius, street["code"][:6])
        out.append(
            {
                "code": f"{street['code']}{j + 1:03d}",
                "level": "community",
                "name_zh": zh,
                "name_en": en,
                "parent": street["code"],
                "lon": lon,
                "lat": lat,
            }
        )
    return out


def build_departments() -> list[dict[str, Any]]:
    deps: list[dict[str, Any]] = []
    for dtype, _zh, _en in DEPARTMENT_TYPES:
        if dtype in CITY_DEPARTMENTS:
            zh, en = CITY_DEPARTMENTS[dtype]
            deps.append(
                {
                    "code": f"DEP-{CITY['code']}-{dtype}",
                    "name_zh": zh,
                    "name_en": en,
                    "dept_type": dtype,
                    "scope": CITY["code"],
                }
            )
    for dist in DISTRICTS:
        code, dzh, den = dist[0], dist[1], dist[2]
        for dtype, zh_suffix, en_suffix in DISTRICT_DEPARTMENTS:
            deps.append(
                {
                    "code": f"DEP-{code}-{dtype}",
                    "name_zh": dzh + zh_suffix,
                    "name_en": f"{den} {en_suffix}",
                    "dept_type": dtype,
                    "scope": code,
                }
            )
    return deps


# --------------------------------------------------------------------------- devices
# fmt: off
# Screens per district (sum 273): most in the urban core, a handful in the counties.
LED_PER_DISTRICT = {
    "330102": 60, "330105": 40, "330106": 38, "330108": 30, "330109": 32, "330110": 28,
    "330113": 12, "330114": 12, "330111": 6, "330112": 5, "330122": 4, "330127": 3,
    "330182": 3,
}
# Groups per district: (name_zh, name_en, weight, anchor street indices or None = spread)
LED_GROUPS: dict[str, list[tuple[str, str, float, list[int] | None]]] = {
    "330102": [("湖滨商圈", "Hubin shopping area", 3, [0, 2]),
               ("钱江新城", "Qianjiang New Town", 3.3, [9, 7]),
               ("主干道沿线", "Along the main roads", 2.4, None),
               ("交通枢纽", "Transport hubs", 1.3, [12])],
    "330105": [("武林商圈", "Wulin shopping area", 3, [0, 1]),
               ("运河沿线", "Along the Grand Canal", 2, [2, 3]),
               ("申花商圈", "Shenhua business area", 1.5, [4]),
               ("主干道沿线", "Along the main roads", 2, None)],
    "330106": [("西湖景区周边", "Around the West Lake Scenic Area", 2, [0, 1]),
               ("黄龙商圈", "Huanglong business area", 2, [2]),
               ("文三路沿线", "Along Wensan Road", 1.5, [3, 4])],
    "330108": [("江南大道沿线", "Along Jiangnan Avenue", 2, None),
               ("星光大道商圈", "Starlight Avenue shopping area", 1.5, [0]),
               ("高新区园区", "Hi-tech zone parks", 1.5, [1, 2])],
    "330109": [("钱江世纪城", "Qianjiang Century City", 2.5, [1]),
               ("萧山城区商圈", "Xiaoshan downtown", 2, [0]),
               ("主干道沿线", "Along the main roads", 2, None),
               ("交通枢纽", "Transport hubs", 1, [2])],
    "330110": [("未来科技城", "Future Sci-Tech City", 2.5, [0, 1]),
               ("良渚文化城", "Liangzhu Culture City", 1.5, [2]),
               ("主干道沿线", "Along the main roads", 2, None)],
    "330113": [("临平新城", "Linping New City", 1, [0]),
               ("主干道沿线", "Along the main roads", 1, None)],
    "330114": [("下沙商圈", "Xiasha business area", 1, [0, 1]),
               ("主干道沿线", "Along the main roads", 1, None)],
    "330111": [("富春江沿线", "Along the Fuchun River", 1, [0]),
               ("城区主干道", "Downtown main roads", 1, [0, 1])],
    "330112": [("锦城城区", "Jincheng downtown", 1.5, [0]),
               ("青山湖科技城", "Qingshan Lake Sci-Tech City", 1, [1])],
    "330122": [("县城中心", "County town centre", 1, [0]),
               ("交通干线", "Trunk roads", 1, [0, 1])],
    "330127": [("千岛湖景区", "Qiandao Lake Scenic Area", 1, [0]),
               ("县城中心", "County town centre", 1, [0])],
    "330182": [("新安江城区", "Xin'anjiang downtown", 1, [0]),
               ("交通干线", "Trunk roads", 1, [0, 1])],
}
SCREEN_MODELS: list[tuple[int, int, float, float]] = [
    # width_px, height_px, size_m2, weight
    (1920, 1080, 24.0, 5), (1920, 1080, 40.0, 3), (3840, 2160, 96.0, 2), (1280, 720, 12.0, 3),
    (2560, 1440, 60.0, 2), (3840, 1080, 48.0, 1), (1080, 1920, 18.0, 1),
]
# Lighting cabinets per district (sum 420).
CABINETS_PER_DISTRICT = {
    "330102": 50, "330105": 50, "330106": 45, "330108": 30, "330109": 55, "330110": 40,
    "330111": 25, "330112": 22, "330113": 25, "330114": 25, "330122": 18, "330127": 18,
    "330182": 17,
}
# Named scenic landscape groups: district -> [(slug, name_zh, name_en, anchor street indices)]
SCENIC_GROUPS: dict[str, list[tuple[str, str, str, list[int]]]] = {
    "330102": [("qianjiang", "钱江新城灯光秀", "Qianjiang New Town light show", [9])],
    "330105": [("canal", "大运河亮灯", "Grand Canal lighting", [2, 3])],
    "330106": [("westlake", "西湖景区亮灯", "West Lake Scenic Area lighting", [0, 1])],
    "330109": [("xianghu", "湘湖夜景", "Xianghu Lake night scene", [3])],
    "330127": [("qiandaohu", "千岛湖夜景", "Qiandao Lake night scene", [0])],
}
# fmt: on


def _weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights=weights, k=1)[0]


def build_devices(
    rng: random.Random, streets_by_district: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    names = {d[0]: (d[1], d[2]) for d in DISTRICTS}
    led_groups: list[dict[str, Any]] = []
    screens: list[dict[str, Any]] = []
    for dist in DISTRICTS:
        dcode = dist[0]
        streets = streets_by_district[dcode]
        # "spread" groups use subdistricts when the district has any, else all streets
        spread = [s for s in streets if s["_kind"] == "sub"] or streets
        specs = LED_GROUPS[dcode]
        counts = apportion(LED_PER_DISTRICT[dcode], [g[2] for g in specs])
        for gi, ((gzh, gen, _w, anchors), n) in enumerate(zip(specs, counts, strict=True)):
            gcode = f"LEDG-{dcode}-{gi + 1:02d}"
            led_groups.append(
                {
                    "code": gcode,
                    "name_zh": f"{names[dcode][0]}{gzh}",
                    "name_en": f"{names[dcode][1]}: {gen}",
                    "district": dcode,
                }
            )
            pool = spread if anchors is None else [streets[i] for i in anchors]
            for k in range(n):
                street = rng.choice(pool)
                w, h, m2, _ = _weighted(rng, SCREEN_MODELS, [m[3] for m in SCREEN_MODELS])
                lon, lat = jitter(rng, street["lon"], street["lat"], 1.2, street["code"][:6])
                screens.append(
                    {
                        "id": f"LED-{len(screens) + 1:04d}",
                        "name_zh": f"{gzh}{k + 1}号屏",
                        "name_en": f"{gen}, screen {k + 1}",
                        "group": gcode,
                        "district": dcode,
                        "street": street["code"],
                        "lon": lon,
                        "lat": lat,
                        "width_px": w,
                        "height_px": h,
                        "size_m2": m2,
                    }
                )

    cabinets: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    for dist in DISTRICTS:
        dcode = dist[0]
        streets = streets_by_district[dcode]
        scenic = SCENIC_GROUPS.get(dcode, [])
        scenic_streets = [streets[i]["code"] for _, _, _, idx in scenic for i in idx]
        weights = [{"sub": 3.0, "town": 1.0, "township": 0.5}[s["_kind"]] for s in streets]
        street_circuits: list[str] = []
        landscape_circuits: list[str] = []
        by_street: dict[str, list[str]] = {}
        for ci in range(CABINETS_PER_DISTRICT[dcode]):
            if ci < 3 * len(scenic_streets):  # make sure each scenic area has cabinets
                street = next(
                    s for s in streets if s["code"] == scenic_streets[ci % len(scenic_streets)]
                )
            else:
                street = _weighted(rng, streets, weights)
            p_landscape = 0.65 if street["code"] in scenic_streets else 0.25
            cid = f"LC-{dcode}-{ci + 1:03d}"
            lon, lat = jitter(rng, street["lon"], street["lat"], 1.5, dcode)
            circuits: list[dict[str, Any]] = []
            for k in range(rng.randint(2, 6)):
                kind = "landscape" if rng.random() < p_landscape else "street"
                lamps = rng.randint(20, 80) if kind == "street" else rng.randint(10, 200)
                circuit_id = f"{cid}-C{k + 1}"
                circuits.append({"id": circuit_id, "kind": kind, "lamps": lamps})
                if kind == "street":
                    street_circuits.append(circuit_id)
                else:
                    landscape_circuits.append(circuit_id)
                    by_street.setdefault(street["code"], []).append(circuit_id)
            cabinets.append(
                {
                    "id": cid,
                    "district": dcode,
                    "street": street["code"],
                    "lon": lon,
                    "lat": lat,
                    "circuits": circuits,
                }
            )
        dzh, den = names[dcode]
        groups.append(
            {
                "code": f"LG-{dcode}-street",
                "name_zh": f"{dzh}道路照明",
                "name_en": f"{den} street lighting",
                "kind": "street",
                "district": dcode,
                "circuits": street_circuits,
            }
        )
        groups.append(
            {
                "code": f"LG-{dcode}-landscape",
                "name_zh": f"{dzh}景观亮灯",
                "name_en": f"{den} landscape lighting",
                "kind": "landscape",
                "district": dcode,
                "circuits": landscape_circuits,
            }
        )
        for slug, szh, sen, idx in scenic:
            members = [c for i in idx for c in by_street.get(streets[i]["code"], [])]
            groups.append(
                {
                    "code": f"LG-{dcode}-{slug}",
                    "name_zh": szh,
                    "name_en": sen,
                    "kind": "landscape",
                    "district": dcode,
                    "circuits": sorted(members),
                }
            )

    return {
        "meta": {
            "generated_by": "tools/gen_reference.py",
            "seed": SEED,
            "note_zh": "设备清单为生成的示例数据：273块联网户外LED屏与路灯控制柜、回路及亮灯分组",
            "note_en": "Generated sample inventory: 273 networked outdoor LED screens, lighting "
            "cabinets with their circuits, and lighting groups. The one switch for "
            "all lights is the union of the groups and is not listed.",
        },
        "led_groups": led_groups,
        "led_screens": screens,
        "lighting_cabinets": cabinets,
        "lighting_groups": groups,
    }


# --------------------------------------------------------------------------- output
def render(doc: dict[str, Any]) -> str:
    """Stable JSON: top-level keys in order, one record per line for lists."""
    parts = []
    for key, value in doc.items():
        k = json.dumps(key, ensure_ascii=False)
        if isinstance(value, list) and value:
            body = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
            parts.append(f" {k}: [\n{body}\n ]")
        else:
            parts.append(f" {k}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> None:
    rng = random.Random(SEED)
    units, streets_by_district = build_units(rng)
    units_doc = {
        "meta": {
            "generated_by": "tools/gen_reference.py",
            "seed": SEED,
            "note_zh": "区县为真实数据；街道与社区名称为生成的示例数据（上城区街道为真实名称）",
            "note_en": "Districts and counties are real (2021 boundaries and codes); street, town "
            "and community names are generated sample data (the 14 streets of "
            "Shangcheng District are real).",
        },
        "department_types": [
            {"code": c, "name_zh": zh, "name_en": en} for c, zh, en in DEPARTMENT_TYPES
        ],
        "units": units,
        "departments": build_departments(),
    }
    devices_doc = build_devices(rng, streets_by_district)
    if len(units) != TOTAL_UNITS or len(devices_doc["led_screens"]) != LED_SCREENS:
        raise SystemExit(
            f"sizes drifted: {len(units)} units, {len(devices_doc['led_screens'])} LED"
        )
    RESOURCES.mkdir(parents=True, exist_ok=True)
    for name, doc in (("units.json", units_doc), ("devices.json", devices_doc)):
        (RESOURCES / name).write_text(render(doc), encoding="utf-8", newline="\n")
        print(f"wrote {RESOURCES / name}")


if __name__ == "__main__":
    main()
