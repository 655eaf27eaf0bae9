"""Places outside the city as filings and bills name them (异地就医, X000 arts. 19-20): the 34
provincial-level divisions of China by their full names, and the one way two spellings of a
province or a city are compared. Pure: no ORM, read by the location rule, the filing service,
the filing import and the settlement import alike.

A province is stored by its full name (湖北省); 湖北, 广西 or 内蒙古 typed by a clerk or sent by a
hospital's export is read as the same province. Cities are not listed (prefecture names change,
and 地区、自治州、盟 sit beside 市): a city is kept as typed and compared without a trailing 市,
so 广州 and 广州市 are one place.
"""

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
    """A destination as users read it: 广东省广州市, or 广东省（全省） for a whole province."""
    return f"{province}{city}" if city else f"{province}（全省）"
