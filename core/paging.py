"""Keyset pagination and capped counts: deep pages cost the same as the first, and a list
never counts a whole table on each request."""

from dataclasses import dataclass

DEFAULT_PAGE_SIZE = 50
COUNT_CAP = 1000


@dataclass
class KeysetPage:
    items: list
    next_after: int | None
    prev_before: int | None
    count: int
    count_capped: bool
    first: bool = True  # the list's first page (no 首页 link)

    @property
    def count_display(self) -> str:
        return f"{self.count}+" if self.count_capped else str(self.count)


def capped_count(queryset, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """COUNT over at most cap+1 rows (SELECT COUNT(*) FROM (... LIMIT cap+1))."""
    n = queryset.order_by()[: cap + 1].count()
    return (cap, True) if n > cap else (n, False)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def keyset_page(queryset, *, after=None, before=None, size: int = DEFAULT_PAGE_SIZE, with_count: bool = True) -> KeysetPage:
    """Rows ordered by primary key: the page after a key, the page before one, or the first."""
    after, before = _int(after), _int(before)
    if before is not None:
        rows = list(queryset.filter(pk__lt=before).order_by("-pk")[: size + 1])
        has_more_before = len(rows) > size
        rows = list(reversed(rows[:size]))
        next_after = rows[-1].pk if rows else None
        prev_before = rows[0].pk if rows and has_more_before else None
        first = not has_more_before
    else:
        base = queryset.filter(pk__gt=after) if after is not None else queryset
        rows = list(base.order_by("pk")[: size + 1])
        has_next = len(rows) > size
        rows = rows[:size]
        next_after = rows[-1].pk if rows and has_next else None
        prev_before = rows[0].pk if rows and after is not None else None
        first = after is None
    count, capped = capped_count(queryset) if with_count else (len(rows), False)
    return KeysetPage(rows, next_after, prev_before, count, capped, first)
