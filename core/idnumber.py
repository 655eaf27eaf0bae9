"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

18 characters: a 6-digit administrative division code, the birth date YYYYMMDD, a 3-digit
sequence (odd for men, even for women) and a check character computed with ISO 7064
MOD 11-2. Pure functions; errors carry a code and a Chinese message.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Province-level codes of GB/T 2260 (mainland, Taiwan, Hong Kong, Macao). Prefixes are checked
# at province level only: people are registered with ID numbers issued anywhere and under
# division codes that have since been abolished, so a county-level list would refuse real ones.
PROVINCE_CODES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]
)
EARLIEST_BIRTH = date(1900, 1, 1)
# What an input field accepts before normalize(): an 18-character number typed with spaces
# ("4212 0219 8005 1710 13") is longer than 18.
ID_INPUT_MAX_LENGTH = 30


class IdNumberError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    gender: str  # "M" or "F"
    division_code: str


def check_char(first17: str) -> str:
    # map/mul rather than a generator: imports check hundreds of thousands of numbers.
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def upgrade_15_digit(number15: str) -> str:
    """The 18-digit number of an old 15-digit card (born 19xx)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def normalize(raw) -> str:
    """The one spelling of a number, applied before every check and every lookup: NFKC
    (fullwidth ４２２３… and Ｘ become ASCII, as Chinese input methods type them), no
    whitespace anywhere (fullwidth space included), x as X. Without it a fullwidth number
    passes the checks (str.isdigit accepts it) and registers a second person."""
    return "".join(unicodedata.normalize("NFKC", str(raw or "")).split()).upper()


def parse_id_number(raw, *, today: date | None = None) -> IdNumber:
    """Validate an ID number and derive birth date and gender. Raises IdNumberError."""
    number = normalize(raw)
    if not number:
        raise IdNumberError("empty", "身份证号不能为空")
    if len(number) == 15 and number.isascii() and number.isdigit():
        raise IdNumberError(
            "fifteen_digits",
            f"15位旧身份证号已停止使用，请使用18位身份证号（对应号码应为 {upgrade_15_digit(number)}，请核对证件）",
        )
    if len(number) != 18:
        raise IdNumberError("length", f"身份证号应为18位，当前为{len(number)}位")
    # isascii: other scripts' digits (e.g. Arabic-Indic) survive NFKC and pass isdigit.
    if not number.isascii() or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("characters", "身份证号前17位应为数字，最后一位为数字或X")
    if int(number[:2]) not in PROVINCE_CODES:
        raise IdNumberError("division", f"身份证号前6位地址码 {number[:6]} 不是有效的行政区划代码")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError("birth_date", f"身份证号中的出生日期 {number[6:14]} 不是有效日期") from None
    today = today or date.today()
    if birth > today or birth < EARLIEST_BIRTH:
        raise IdNumberError("birth_date", f"身份证号中的出生日期 {birth.isoformat()} 不在合理范围内")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError("check_digit", "身份证号校验位错误，请核对号码")
    gender = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=birth, gender=gender, division_code=number[:6])


def is_valid_id_number(raw) -> bool:
    try:
        parse_id_number(raw)
    except IdNumberError:
        return False
    return True


def mask_id_number(number: str) -> str:
    """420102********1234: division code and last four only, as lists show it."""
    if not number or len(number) < 10:
        return number or ""
    return number[:6] + "*" * (len(number) - 10) + number[-4:]
