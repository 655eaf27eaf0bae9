"""Contact phone numbers as the registry keeps them: a mobile number or a landline, in digits
with optional hyphens, whichever door they come through (the staff forms, the village lists)."""

import re
import unicodedata

# 11-digit mainland mobile, 13x-19x (138-0000-0000 grouped or not: 10x-12x are service and
# network numbers, never a person's); a landline with its area code (0715-8123456, optional
# extension); or a local landline of 7-8 digits. No "+86": the registry is domestic, and a
# leading "+" is what a spreadsheet takes for a formula. At most 20 characters.
PHONE_PATTERN = re.compile(r"1[3-9][0-9]-?[0-9]{4}-?[0-9]{4}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?|[2-9][0-9]{6,7}(-[0-9]{1,6})?")
_SHOWN = 24  # characters of a refused value quoted back to the user
PHONE_FORMAT_HELP = "应为11位手机号或带区号的固定电话，只含数字和连字符（如 13800000000、0715-8123456）"


class PhoneError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def normalize_phone(raw: str) -> str:
    """The number in one spelling (half-width digits and hyphens, no spaces), or PhoneError.
    Blank stays blank: a phone number is optional."""
    value = unicodedata.normalize("NFKC", raw).replace(" ", "").strip()
    if not value:
        return ""
    if not PHONE_PATTERN.fullmatch(value):
        shown = raw if len(raw) <= _SHOWN else raw[:_SHOWN] + "…"
        raise PhoneError(f"「{shown}」不是有效的联系电话：{PHONE_FORMAT_HELP}")
    return value
