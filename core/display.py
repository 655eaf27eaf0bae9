"""What users read, in plain Chinese: amounts with thousands separators and two decimals,
rates as percentages, and policy sources as document and article (咸宁办法 第二十条) with the
document's full title on hover. Code and stored data keep the short keys (X000 art. 20); this
module is the one table that turns them into words, for pages, prints and exports alike."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.html import format_html, format_html_join

from core.money import money

# The policy documents of ../shared/policy/seeds by their keys (RULES.md header): the short
# name users read and the full title shown on hover.
DOCUMENTS = {
    "X000": ("咸宁办法", "咸宁市城乡居民基本医疗保险实施办法（征求意见稿）"),
    "S001": ("十堰救助办法", "十堰市关于健全重特大疾病医疗保险和救助制度的实施办法（征求意见稿）"),
    "W002": ("武汉门诊共济细则", "武汉市建立健全职工基本医疗保险门诊共济保障机制的实施细则（征求意见稿）"),
    "J003": ("吉林六统一方案", "吉林省加快推进城乡居民基本医疗保险制度“六统一”实施方案（吉医改办联发〔2017〕2号）"),
    "N004": ("咸宁2022年通知", "关于做好2022年城乡居民基本医疗保障工作的通知（咸医保发〔2022〕22号）"),
}
# The 十堰 employee measures, printed in the S001 seed after the assistance measures: cited as
# "S001 art. 8 (employee measures)", an article of the measures, not of the assistance document.
EMPLOYEE_MEASURES = ("十堰职工门诊共济细则", "十堰市职工基本医疗保险门诊共济保障实施细则（征求意见稿）")
# The project's rulebook, where it interprets what the documents leave open.
RULEBOOK = ("经办规则", "本系统经办规则（对政策文件未明确事项的解释，经办机构确认后生效）")

# English notes that the stored sources carry next to a reference.
NOTES = {
    "not from the sources": "文件未规定",
    "national 2021 guidance": "国家2021年指导意见",
    "咸宁: ": "咸宁：",
    "(2022 figures minus 30)": "（2022年标准减30元）",
    "RULES 2.1: national 2023 standard": "经办规则 第2.1节：国家2023年标准",
    " section 1: the medical-assistance class of each identity": " 第1节：各身份的医疗救助类别",
}

_DIGITS = "零一二三四五六七八九"
# A section or sub-article: Chinese or Arabic numerals and parenthesised numbers, 三(四)2.
_PART = r"(?:[一二三四五六七八九十\d]+|\([一二三四五六七八九十\d]+\))"
_REFERENCE = re.compile(
    r"(?P<doc>X000|S001|W002|J003|N004)\s*"
    r"(?:(?P<arts>arts?\.)\s*(?P<first>\d+)(?:\s*-\s*(?P<last>\d+))?(?P<sub>{part}*)"
    r"|§\s*(?P<section>{part}+))?(?P<employee>\s*\(employee measures\))?"
    r"|RULES\.md(?:\s*(?P<rule>\d+(?:\.\d+)*))?".replace("{part}", _PART)
)


def chinese_number(n: int) -> str:
    """1-999 in Chinese numerals as articles are numbered: 20 → 二十, 12 → 十二, 105 → 一百零五."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if rest == 0 else ("零" + chinese_number(rest) if rest < 10 else ("一" + chinese_number(rest) if rest < 20 else chinese_number(rest)))
    return _DIGITS[n // 100] + "百" + tail


@dataclass(frozen=True)
class SourcePart:
    """One piece of a source: a document reference (label, with its title) or a note."""

    text: str
    title: str = ""


def _reference(match: re.Match) -> SourcePart:
    if match["doc"] is None:  # RULES.md
        label, title = RULEBOOK
        rule = match["rule"]
        return SourcePart(f"{label} 第{rule}节" if rule else label, title)
    label, title = EMPLOYEE_MEASURES if match["employee"] else DOCUMENTS[match["doc"]]
    if match["arts"]:
        first, last = int(match["first"]), match["last"]
        article = f"第{chinese_number(first)}至{chinese_number(int(last))}条" if last else f"第{chinese_number(first)}条"
        return SourcePart(f"{label} {article}{match['sub'] or ''}", f"{title} {article}")
    if match["section"]:
        return SourcePart(f"{label} {match['section']}", title)
    return SourcePart(label, title)


def _note(text: str) -> str:
    for english, chinese in NOTES.items():
        text = text.replace(english, chinese)
    return re.sub(r"\s*\(([^()]*)\)", r"（\1）", text)  # a note in brackets, as Chinese text brackets it


def source_parts(source: str) -> list[SourcePart]:
    """A stored source ("X000 art. 20(二)1; N004 §二") as the parts users read."""
    parts, position = [], 0
    source = source or ""
    for match in _REFERENCE.finditer(source):
        between = source[position:match.start()]
        if between:
            parts.append(SourcePart(_note(between)))
        parts.append(_reference(match))
        position = match.end()
    if source[position:]:
        parts.append(SourcePart(_note(source[position:])))
    return [SourcePart(re.sub(r";\s*", "；", p.text), p.title) for p in parts]


def source_text(source: str) -> str:
    """The source as plain text, for exports and prints: 咸宁办法 第二十条(二)1；咸宁2022年通知 二."""
    return "".join(part.text for part in source_parts(source))


def source_html(source: str):
    """The source as HTML: each reference in a span whose title is the document's full title."""
    return format_html_join(
        "", "{}", ((format_html('<span class="source-ref" title="{}">{}</span>', p.title, p.text) if p.title else p.text,)
                   for p in source_parts(source)))


def _decimal(value):
    if value is None or value == "":
        return None
    if isinstance(value, float):  # a float never reaches an amount; show it as its repr
        value = repr(value)
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def yuan(value, blank: str = "—") -> str:
    """An amount as users read it: 200,000.00 (thousands separators, two decimals). None and
    blanks show as `blank`; text that is not a number is returned unchanged."""
    if value.__class__ is Decimal:  # the common case: a stored or computed amount
        return f"{money(value):,.2f}"
    number = _decimal(value)
    if number is None:
        return blank if value in (None, "") else str(value)
    return f"{money(number):,.2f}"


def percent(rate) -> str:
    """A rate stored as a fraction (0.70) as a percentage: 70%, 8.5%, 100%."""
    number = _decimal(rate)
    if number is None:
        return "—" if rate in (None, "") else str(rate)
    shown = (number * 100).quantize(Decimal("0.01")).normalize()
    return f"{shown:f}%"
