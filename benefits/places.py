"""Places outside the city as filings and bills name them (异地就医, X000 arts. 19-20): the 34
provincial-level divisions of China by their full names, and the one way two spellings of a
province or a city are compared. Pure: no ORM, read by the location rule, the filing service,
the filing import and the settlement import alike.

A province is stored by its full name (湖北省); 湖北, 广西 or 内蒙古 typed by a clerk or sent by a
hospital's export is read as the same province. Cities are not listed (prefecture names change,
and 地区、自治州、盟 sit beside 市), so a city is checked by its form (city_name): Chinese
characters ending in 市、州、地区、盟 or 林区 (神农架林区); a bare name gets 市 (武汉 → 武汉市); a
county or district (嘉鱼县、咸安区) is not a city. The four municipalities (北京市 …) are their own
city: their city is blank. Cities are compared without a trailing 市, so 广州 and 广州市 are one.

Whether a place lies inside a pooling region (统筹区) is one question for the filing service and
the settlement service alike: place_in_pooling_region, over the names of the region's cities and
counties (PoolingArea, read once per region by benefits.services.filings.pooling_area).
"""

import re
from dataclasses import dataclass

# The 23 provinces, 5 autonomous regions, 4 municipalities and 2 special administrative regions.
PROVINCES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区",
    "辽宁省", "吉林省", "黑龙江省",
    "上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省",
    "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省",
    "重庆市", "四川省", "贵州省", "云南省", "西藏自治区",
    "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
    "台湾省", "香港特别行政区", "澳门特别行政区",
)
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")  # provincial-level cities: the province is the city
# Longest first: 广西壮族自治区 loses 壮族自治区, not only 自治区.
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


_BY_SHORT = {_short(name): name for name in PROVINCES}


def _clean(value) -> str:
    return "".join(str(value or "").split())  # inner spaces too: "湖 北" is a typing slip


def province_name(value) -> str | None:
    """The full name of a provincial-level division (湖北 → 湖北省, 广西 → 广西壮族自治区), or
    None for a name that is not one of the 34."""
    raw = _clean(value)
    if raw in PROVINCES:
        return raw
    return _BY_SHORT.get(raw) or _BY_SHORT.get(_short(raw))


def city_key(value) -> str:
    """A city's name as compared: without spaces and a trailing 市 (广州市 and 广州 are one)."""
    raw = _clean(value)
    return raw[:-1] if raw.endswith("市") and len(raw) > 1 else raw


def same_province(a, b) -> bool:
    """Two spellings of one province (湖北 and 湖北省); unknown names compare as typed."""
    return (province_name(a) or _clean(a)) == (province_name(b) or _clean(b))


def same_city(a, b) -> bool:
    return city_key(a) == city_key(b)


def place_text(province: str, city: str = "") -> str:
    """A destination as users read it: 广东省广州市, 广东省（全省） for a whole province, 北京市 for
    a municipality (its own city; never 上海市上海市)."""
    if province in MUNICIPALITIES or province_name(province) in MUNICIPALITIES:
        return province_name(province) or province
    return f"{province}{city}" if city else f"{province}（全省）"


# ------------------------------------------------------------------------------ a city's form

CITY_ENDINGS = ("市", "自治州", "地区", "盟", "林区")  # 地级市、自治州、地区、盟; 神农架林区
# Autonomous prefectures as people write them (恩施州): complete as typed. Any other name ending
# in 州 is a city (广州 → 广州市, 荆州 → 荆州市).
PREFECTURES_SHORT = frozenset((
    "恩施州", "湘西州", "延边州", "甘孜州", "阿坝州", "凉山州", "黔东南州", "黔南州", "黔西南州", "楚雄州", "红河州", "文山州",
    "西双版纳州", "大理州", "德宏州", "怒江州", "迪庆州", "临夏州", "甘南州", "海北州", "黄南州", "海南州", "果洛州", "玉树州",
    "海西州", "昌吉州", "博州", "博尔塔拉州", "巴州", "巴音郭楞州", "克州", "克孜勒苏州", "伊犁州",
))
COUNTY_ENDINGS = ("县", "区", "旗")  # county-level: not a city (a 林区 is checked first)
_CHINESE = re.compile(r"^[\u4e00-\u9fff·]+$")


class PlaceError(ValueError):
    """A city that cannot be one; the message says why, in Chinese."""


def city_name(province: str, city) -> str:
    """The city as stored: blank for the whole province and for a municipality (北京市 is its own
    city: 北京 or 北京市 typed as its city is blank); else Chinese characters ending in 市、自治州、地区、
    盟 or 林区 (or an autonomous prefecture's short name, 恩施州), a bare name getting 市 (武汉 → 武汉市) and the province typed before it dropped
    (湖北省武汉市 → 武汉市). PlaceError for a county or district, a district of a municipality,
    or a name that is not Chinese. `province` is the full name (province_name)."""
    raw = _clean(city)
    if province in MUNICIPALITIES and city_key(raw) in (city_key(province), _short(province)):
        return ""
    for prefix in (province, _short(province)):
        if prefix and raw.startswith(prefix) and len(raw) > len(prefix):
            raw = raw[len(prefix):]
            break
    if not raw:
        return ""
    if province in MUNICIPALITIES:
        raise PlaceError(f"{province}是直辖市，就医城市请留空（不填区、县）")
    if not _CHINESE.match(raw):
        raise PlaceError(f"就医城市「{raw[:20]}」应为中文地名，如 广州市")
    if raw.endswith(CITY_ENDINGS) or raw in PREFECTURES_SHORT:
        return raw if len(raw) > 1 else raw + "市"
    if raw.endswith(COUNTY_ENDINGS) and len(raw) > 1:
        raise PlaceError(f"「{raw}」是县（区），就医城市请填写其所在的市、自治州、地区或盟（如 广州市），或留空表示全省")
    return raw + "市"


# ------------------------------------------------------------------------------ inside a pooling region

_PLACE_SUFFIXES = ("特别行政区", "自治州", "自治县", "地区", "林区", "市", "县", "区", "州", "盟", "旗")


def place_key(name) -> str:
    """A city's or county's name without its kind (咸宁市 → 咸宁, 嘉鱼县 → 嘉鱼; 房县 stays: a
    one-character stem is no name)."""
    raw = _clean(name)
    for suffix in _PLACE_SUFFIXES:
        if raw.endswith(suffix) and len(raw) - len(suffix) >= 2:
            return raw[: -len(suffix)]
    return raw


@dataclass(frozen=True)
class PoolingArea:
    """A pooling region as places are matched against it: its province, its own name, whether
    it is the whole province (吉林), and the keys (place_key) of its own name and of the cities
    and counties under it (咸宁: 咸宁、咸安、嘉鱼、通城、崇阳、通山、赤壁)."""

    province: str
    name: str
    whole_province: bool
    keys: frozenset

    @property
    def text(self) -> str:
        return self.province if self.whole_province else f"{self.province}{self.name}"


def place_in_pooling_region(province, city, pooling_region: PoolingArea | None) -> bool:
    """X000 arts. 19-20: the place (a filing's destination, a bill's place) lies inside the
    pooling region: same province and either the region is the province, or the city names the
    region or a city or county under it (咸宁、咸宁市、咸安区、嘉鱼县 for 咸宁市). A place without a
    province, a whole province around a city region, or no region at all is not inside."""
    if pooling_region is None or not _clean(province):
        return False
    if not same_province(province, pooling_region.province):
        return False
    if pooling_region.whole_province:
        return True
    return bool(_clean(city)) and place_key(city) in pooling_region.keys
