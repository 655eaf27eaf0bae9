"""The keyset pager (core.paging, partials/keyset_pager.html): 首页 only away from the first
page, 上一页 and 下一页 only where they lead somewhere, nothing for a list of one page."""

import pytest
from django.template.loader import render_to_string

from core.models import Region
from core.paging import keyset_page

pytestmark = pytest.mark.django_db


def _links(page):
    html = render_to_string("partials/keyset_pager.html", {"page": page, "query": "q=1"})
    return [name for name in ("首页", "上一页", "下一页") if name in html]


def test_links_follow_where_the_page_is(presets):
    regions = Region.objects.all()
    total = regions.count()
    assert total > 6
    first = keyset_page(regions, size=3)
    assert _links(first) == ["下一页"]
    second = keyset_page(regions, after=first.next_after, size=3)
    assert _links(second) == ["首页", "上一页", "下一页"]
    back = keyset_page(regions, before=second.prev_before, size=3)
    assert back.items == first.items and _links(back) == ["下一页"]  # back on the first page
    last = keyset_page(regions, after=regions.order_by("-pk")[3].pk, size=3)
    assert _links(last) == ["首页", "上一页"]
    beyond = keyset_page(regions, after=regions.order_by("-pk")[0].pk, size=3)
    assert beyond.items == [] and _links(beyond) == ["首页"]  # an empty page past the end still leads home


def test_one_page_has_no_links(presets):
    assert _links(keyset_page(Region.objects.all(), size=1000)) == []
