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
    assert sheets[2:] == (["选项"] if importer.choices_for(user) else [])
    disposition = response["Content-Disposition"]
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == f"{importer.title}模板.xlsx"
    assert "/" not in disposition.split("filename*=", 1)[1]


def test_each_role_gets_the_templates_of_its_own_lists(officer, clerk):
    # The test above is not vacuous: officers get the regions and settlements, clerks the village lists.
    assert officer.has_perm(imports.importer_class("regions").permission)
    assert officer.has_perm(imports.importer_class("settlements").permission)
    assert clerk.has_perm(imports.importer_class("enrollment_list").permission)


def test_the_approvals_template_offers_the_region_s_chronic_and_special_diseases(client, officer):
    # The catalogue is the region's data: the 病种 drop-down is built from it, 两病 left out.
    client.force_login(officer)
    book = load_workbook(io.BytesIO(client.get("/imports/template/chronic_approvals.xlsx").content))
    offered = {cell.value for row in book["选项"].iter_rows() for cell in row if cell.value}
    assert {"结核病", "尿毒症透析"} <= offered and "高血压" not in offered
    validations = book.worksheets[0].data_validations.dataValidation
    assert any("选项" in (v.formula1 or "") for v in validations)


@pytest.mark.parametrize("title, expected", [
    ("区划（乡镇、村/社区）导入", "区划（乡镇、村／社区）导入"),
    ("a\\b?c*d[e]f:g", "a＼b？c＊d［e］f：g"),
    ("'引号'", "引号"),
    ("\x01", "Sheet1"),
    ("长" * 40, "长" * 31),
])
def test_sheet_titles_are_made_valid_in_the_one_place_that_writes_them(title, expected):
    assert sheet_title(title) == expected
