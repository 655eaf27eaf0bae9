"""The collection worklist's export rows (参保征缴清单.xlsx): the columns as the page shows
them, amounts as Decimal, and a 合计 row at the end. Streamed: the export never holds every row."""

from decimal import Decimal

from core.identity_codes import IdentityCode
from enrollment import worklists

EXPORT_HEADERS = ["乡镇（街道）", "村/社区", "姓名", "身份证号", "联系电话", "参保类别", "学校", "状态",
                  "资助身份", "资助金额", "应缴金额", "已缴金额", "说明"]


def export_row(row: worklists.Row, *, full_id: bool) -> list:
    village = row.village
    person = row.person
    identity = IdentityCode(row.subsidy_identity).label if row.subsidy_identity in IdentityCode.values else row.subsidy_identity
    school = row.enrollment.school.name if row.enrollment.school_id else ""
    return [village.parent.name if village.parent_id else "", village.name, person.name,
            person.id_number if full_id else person.masked_id_number, person.phone, row.category, school, row.status,
            identity, row.subsidy, row.amount_due, row.collected, row.note]


MONEY_COLUMNS = (9, 10, 11)  # 资助金额, 应缴金额, 已缴金额 (0-based)


def with_total_row(rows):
    """The rows, then a 合计 row: the count of people and the sum of each amount column, as
    the page's totals read (streamed: the export never holds every row)."""
    count, sums = 0, [Decimal("0.00") for _ in MONEY_COLUMNS]
    for row in rows:
        count += 1
        for i, column in enumerate(MONEY_COLUMNS):
            sums[i] += row[column] or 0
        yield row
    total = ["合计", None, f"{count} 人", *([None] * (MONEY_COLUMNS[0] - 3)), *sums, None]
    yield total
