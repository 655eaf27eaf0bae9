"""Every import template downloads for every user allowed to import that list (issue 8: the
regions template was a 500 for every officer, its title holding a "/")."""

import io
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from core.services import imports
from core.xlsx import check_xlsx, read_first_sheet, sheet_title

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", sorted(imports.IMPORTERS))
@pytest.mark.parametrize("role", ["officer", "clerk"])
def test_every_template_downloads_for_whoever_may_import_it(client, request, role, kind):
    # Given an officer or a clerk
    user = request.getfixturevalue(role)
    importer = imports.importer_class(kind)
    client.force_login(user)
    # When they download the template of a list
    response = client.get(f"/imports/template/{kind}.xlsx")
    # Then it is the list's headers in a workbook we would accept back, or 403 without the permission
    if not user.has_perm(importer.permission):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    data = response.content
    check_xlsx(data, filename="t.xlsx")
    assert read_first_sheet(data).headers == [c.header for c in importer.columns]
    # the list first, then the 说明 sheet, and the hidden 选项 sheet of the drop-downs where a column is coded
    sheets = load_workbook(io.BytesIO(data), read_only=True).sheetnames
    assert sheets[:2] == [sheet_title(importer.title), "说明"]
    assert sheets[2:] == (["选项"] if any(c.choices for c in importer.columns) else [])
    disposition = response["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == f"{importer.title}模板.xlsx"
    assert "/" not in disposition.split("filename*=", 1)[1]


def test_each_role_gets_the_templates_of_its_own_lists(officer, clerk):
    # The test above is not vacuous: officers get the regions and settlements, clerks the village lists.
    assert officer.has_perm(imports.importer_class("regions").permission)
    assert officer.has_perm(imports.importer_class("settlements").permission)
    assert clerk.has_perm(imports.importer_class("enrollment_list").permission)


@pytest.mark.parametrize("title, expected", [
    ("区划（乡镇、村/社区）导入", "区划（乡镇、村／社区）导入"),
    ("a\\b?c*d[e]f:g", "a＼b？c＊d［e］f：g"),
    ("'引号'", "引号"),
    ("\x01", "Sheet1"),
    ("长" * 40, "长" * 31),
])
def test_sheet_titles_are_made_valid_in_the_one_place_that_writes_them(title, expected):
    assert sheet_title(title) == expected
