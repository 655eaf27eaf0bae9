"""Hostile uploads are refused before any parser reads them, with a Chinese message and nothing
written; exports never hand a spreadsheet a cell it would evaluate (core.xlsx)."""

import io
import zipfile
from datetime import date

import pytest
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.datavalidation import DataValidation

from core.errors import ServiceError
from core.models import ImportJob, SecurityEvent
from core.services import imports
from core.xlsx import UnsafeFileError, check_xlsx, read_first_sheet, write_xlsx
from enrollment.models import Person
from tests import factories
from tests.spreadsheets import (
    ENROLLMENT_HEADERS,
    cells_back,
    crc_of,
    declare,
    enrollment_list,
    enrollment_row,
    read_back,
    rezip,
    upload,
    with_part,
    workbook,
)

SHEET = "xl/worksheets/sheet1.xml"
HONEST = workbook(["姓名", "身份证号"], [["张三", "421202198005171013"]])


def refusal(data: bytes, filename: str = "名单.xlsx") -> str:
    with pytest.raises(UnsafeFileError) as refused:
        check_xlsx(data, filename=filename)
    return str(refused.value)


def _insert_after_declaration(xml: bytes, text: bytes) -> bytes:
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:end] + text + xml[end:]


def _formula_in_b2(content: bytes) -> bytes:
    """The sheet with cell B2 holding =1+1 and a cached 2, as Excel saves a formula."""
    start = content.index(b'<c r="B2"')
    end = content.index(b"</c>", start) + len(b"</c>")
    return content[:start] + b'<c r="B2"><f>1+1</f><v>2</v></c>' + content[end:]


# ------------------------------------------------------------------------------ honest files


def test_an_honest_workbook_is_read_with_the_spreadsheets_row_numbers():
    # Given a list whose header sits on row 3, with an empty row 5 and an 18-digit ID as text
    data = workbook(["姓名", "身份证号", "缴费日期"], [["张三", "421202198005171013", date(2022, 10, 8)], [], ["李四", "x", None]], start_row=3)

    # When it is checked and read
    check_xlsx(data, filename="名单.XLSX")
    sheet = read_first_sheet(data)

    # Then the header is found, the empty row is skipped and row numbers are the spreadsheet's
    assert sheet.headers == ["姓名", "身份证号", "缴费日期"]
    assert [number for number, _ in sheet.rows] == [4, 6]
    assert sheet.rows[0][1] == ["张三", "421202198005171013", date(2022, 10, 8)]


def test_charts_and_dropdown_lists_are_not_mistaken_for_formulas():
    # Given a sheet with a dropdown list, a chart (whose <c:f> holds a reference) and an
    # Excel 2010 dropdown that points at another sheet (<xm:f>)
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "人数"])
    sheet.append(["甲", 1])
    sheet.append(["乙", 2])
    dropdown = DataValidation(type="list", formula1='"户主,配偶,子女"')
    sheet.add_data_validation(dropdown)
    dropdown.add("C2:C100")
    chart = BarChart()
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=3), titles_from_data=True)
    sheet.add_chart(chart, "E2")
    buffer = io.BytesIO()
    book.save(buffer)
    x14_dropdown = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" count="1"><x14:dataValidation type="list">'
        b"<x14:formula1><xm:f>Sheet2!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>D2:D9</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>"
    )
    data = rezip(buffer.getvalue(), lambda name, c: c.replace(b"</worksheet>", x14_dropdown + b"</worksheet>") if name == SHEET else c)

    # When it is checked, Then it is accepted and its rows are read
    check_xlsx(data, filename="名单.xlsx")
    assert [cells[0] for _, cells in read_first_sheet(data).rows] == ["甲", "乙"]


# ------------------------------------------------------------------------------ refused files


def test_a_csv_renamed_to_xlsx_is_refused():
    assert "不是有效的 .xlsx 文件" in refusal("姓名,身份证号\n张三,421202198005171013\n".encode())


def test_an_old_xls_file_is_refused_by_its_name():
    assert "只接受 Excel .xlsx 文件" in refusal(HONEST, filename="名单.xls")


def test_a_zip_that_is_not_a_workbook_is_refused():
    assert "缺少工作簿结构" in refusal(rezip(HONEST, lambda name, c: None if name == "xl/workbook.xml" else c))


def test_a_truncated_file_is_refused_as_damaged():
    assert "文件已损坏" in refusal(HONEST[: len(HONEST) // 2])


def test_zip_bomb_with_too_many_parts_is_refused(settings):
    data = HONEST
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive:
        for i in range(settings.IMPORT_MAX_ZIP_ENTRIES):
            archive.writestr(f"xl/media/padding{i}.bin", b"")
    assert "个部件，超过上限" in refusal(buffer.getvalue())


def test_zip_bomb_declaring_a_huge_size_is_refused_from_the_directory_alone(settings):
    # Given a part whose directory entry claims more than the limit (its bytes are a few KB:
    # the refusal comes from the directory, before anything is inflated or parsed)
    data = declare(HONEST, SHEET, size=settings.IMPORT_MAX_UNCOMPRESSED_BYTES + 1)
    assert "解压后声明大小" in refusal(data)


def test_zip_bomb_with_an_abnormal_compression_ratio_is_refused():
    # Given 20 MB of zeros that deflate to a few KB
    data = with_part(HONEST, "xl/media/image1.png", bytes(20 * 1024 * 1024))
    assert "压缩比异常" in refusal(data)


@pytest.mark.parametrize("matching_checksum", [False, True], ids=["checksum-of-all", "checksum-of-declared-bytes"])
def test_a_part_that_inflates_beyond_its_declared_size_is_refused(matching_checksum):
    # Given a sheet of 300 KB whose directory says 1,000 bytes; the stealthy variant carries the
    # checksum of its first 1,000 bytes, so a reader stopping at the declared size sees no fault
    padded = rezip(HONEST, lambda name, c: c.replace(b"</worksheet>", b"<!--" + b"A" * 300_000 + b"--></worksheet>") if name == SHEET else c)
    sheet_bytes = zipfile.ZipFile(io.BytesIO(padded)).read(SHEET)
    data = declare(padded, SHEET, size=1000, crc=crc_of(sheet_bytes[:1000]) if matching_checksum else None)

    assert "内部大小与声明不符" in refusal(data)


def test_a_binary_part_that_lies_about_its_size_is_refused_too():
    data = declare(with_part(HONEST, "xl/media/image1.png", b"\x89PNG" + bytes(100_000)), "xl/media/image1.png", size=10)
    assert "内部大小与声明不符" in refusal(data)


def test_an_encrypted_part_is_refused():
    info = zipfile.ZipFile(io.BytesIO(HONEST)).getinfo(SHEET)
    data = bytearray(HONEST)
    central = data.find(b"PK\x01\x02")
    while central != -1:  # set bit 0 (encrypted) of the sheet's general-purpose flags
        if data[central + 46 : central + 46 + len(SHEET)] == SHEET.encode():
            data[central + 8] |= 0x1
        central = data.find(b"PK\x01\x02", central + 4)
    data[info.header_offset + 6] |= 0x1
    assert "文件已加密" in refusal(bytes(data))


ENTITY_ATTACKS = {
    "billion-laughs": b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>',
    "external-entity": b'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    "lower-case": b'<!doctype foo [<!entity x "y">]>',
}


@pytest.mark.parametrize("declaration", ENTITY_ATTACKS.values(), ids=ENTITY_ATTACKS.keys())
@pytest.mark.parametrize("part", ["xl/workbook.xml", SHEET, "[Content_Types].xml", "docProps/core.xml"])
def test_xml_entity_declarations_are_refused_in_any_part(part, declaration):
    data = rezip(HONEST, lambda name, c: _insert_after_declaration(c, declaration) if name == part else c)
    assert "XML 实体声明（DTD）" in refusal(data)


def test_an_entity_declaration_hidden_in_utf16_is_refused():
    # Given a part re-encoded as UTF-16, where the bytes of "<!DOCTYPE" no longer appear
    def utf16(name, content):
        if name != "docProps/core.xml":
            return content
        body = content.decode()
        body = body[body.index("?>") + 2 :] if body.startswith("<?xml") else body
        return ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>' + body).encode("utf-16")

    assert "不是 UTF-8 编码" in refusal(rezip(HONEST, utf16))


def test_a_formula_cell_is_refused_naming_the_cell():
    data = workbook(["姓名", "缴费金额"], [["张三", "=380*0.1"]])
    message = refusal(data)
    assert "文件包含公式（单元格 B2）" in message
    assert "选择性粘贴-数值" in message


def test_a_formula_written_with_a_namespace_prefix_is_refused():
    # Given the same sheet written with an "x:" prefix on every element, as some generators do
    def prefixed(name, content):
        if name != SHEET:
            return content
        content = _formula_in_b2(content)
        xml = content.decode().replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace("</worksheet>", "</x:worksheet>")
        for tag in ("sheetData", "row", "c", "f", "v", "is", "t", "dimension", "sheetViews", "sheetView", "selection",
                    "sheetFormatPr", "pageMargins", "sheetPr", "outlinePr", "pageSetUpPr"):
            xml = xml.replace(f"<{tag} ", f"<x:{tag} ").replace(f"<{tag}>", f"<x:{tag}>").replace(f"</{tag}>", f"</x:{tag}>")
        return xml.encode()

    data = rezip(HONEST, prefixed)
    assert "文件包含公式（单元格 B2）" in refusal(data)


def test_a_formula_in_a_sheet_stored_under_another_name_is_refused():
    # Given a workbook whose relationships point its sheet at xl/data/list.bin
    def moved(name, content):
        if name == SHEET:
            return "xl/data/list.bin", _formula_in_b2(content)
        return content.replace(b"/xl/worksheets/sheet1.xml", b"/xl/data/list.bin").replace(b"worksheets/sheet1.xml", b"data/list.bin")

    assert "文件包含公式（单元格 B2）" in refusal(rezip(HONEST, moved))


def test_an_upload_over_the_size_limit_is_refused(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = len(HONEST) - 1
    assert "超过上限" in refusal(HONEST)


# ------------------------------------------------------------------------------ through the service


HOSTILE_UPLOADS = {
    "not-xlsx": ("名单.xlsx", "姓名,身份证号\n".encode(), "不是有效的 .xlsx 文件"),
    "declared-bomb": ("名单.xlsx", declare(HONEST, SHEET, size=600 * 1024 * 1024), "疑似压缩炸弹"),
    "entity-attack": ("名单.xlsx", rezip(HONEST, lambda n, c: _insert_after_declaration(c, ENTITY_ATTACKS["billion-laughs"]) if n == "xl/workbook.xml" else c), "XML 实体声明"),
    "formula": ("名单.xlsx", workbook(ENROLLMENT_HEADERS, [["张三", "=A1", "", "户主", "421202001001"]]), "文件包含公式"),
}


@pytest.mark.parametrize("name, data, message", HOSTILE_UPLOADS.values(), ids=HOSTILE_UPLOADS.keys())
def test_hostile_uploads_are_refused_recorded_and_write_nothing(clerk, village, name, data, message):
    # When a clerk uploads a hostile file
    with pytest.raises(ServiceError) as refused:
        imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=upload(data, name))

    # Then the Chinese message says why, nothing is stored, and the refusal is on record
    assert message in refused.value.message
    assert not ImportJob.objects.exists()
    assert not Person.objects.exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.FILE_REFUSED)
    assert (event.user, event.object_id) == (clerk, name)
    assert message in event.detail


def test_an_upload_over_the_limit_is_refused_before_it_is_read(clerk, settings):
    # Given a 1 KB limit (50 MB in production)
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    data = enrollment_list(*[["张三", factories.id_number(), "", "户主", "421202001001"]] * 50)
    assert len(data) > 1024

    with pytest.raises(ServiceError) as refused:
        imports.import_job_create(user=clerk, kind="enrollment_list", uploaded=upload(data))

    assert "超过上限 1 KB" in refused.value.message
    assert not ImportJob.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.FILE_REFUSED).count() == 1


def test_the_upload_page_shows_the_refusal_and_creates_no_job(clerk_client, village):
    bomb = declare(enrollment_list(enrollment_row("张三", factories.id_number(), village)), SHEET, size=600 * 1024 * 1024)

    response = clerk_client.post("/imports/new/enrollment_list/", {"file": upload(bomb)})

    assert response.status_code == 200
    assert "疑似压缩炸弹" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert not Person.objects.exists()


def test_the_upload_page_refuses_an_oversized_file_and_records_it(clerk_client, village, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    data = enrollment_list(*[enrollment_row("张三", factories.id_number(), village) for _ in range(50)])

    response = clerk_client.post("/imports/new/enrollment_list/", {"file": upload(data)})

    assert "超过上限" in response.content.decode()
    assert not ImportJob.objects.exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.FILE_REFUSED).exists()


# ------------------------------------------------------------------------------ exports


DANGEROUS_TEXT = {
    "equals": ("=HYPERLINK(\"http://evil\",\"点击\")", "'=HYPERLINK(\"http://evil\",\"点击\")"),
    "plus": ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    "minus": ("-2+3", "'-2+3"),
    "at": ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    "tab": ("\t=1+1", "'\t=1+1"),
    "carriage-return": ("\r=1+1", "'\r=1+1"),
    "nul": ("\0=1+1", "'=1+1"),
}


@pytest.mark.parametrize("value, written", DANGEROUS_TEXT.values(), ids=DANGEROUS_TEXT.keys())
def test_exported_text_a_spreadsheet_would_evaluate_is_escaped(value, written):
    # When a text cell (and a header) starting with a formula character is exported
    data = write_xlsx(["姓名", value], [[value, "普通文字"]])

    # Then both come back as plain text with a leading apostrophe, never as formulas
    # (XML reads a carriage return back as a line feed)
    written = written.replace("\r", "\n")
    header, row = read_back(data)
    assert header == ["姓名", written]
    assert row == [written, "普通文字"]
    assert all(cell.data_type == "s" for cell in cells_back(data))


def test_numbers_and_dates_are_exported_as_they_are():
    data = write_xlsx(["金额", "日期"], [[-38, date(2023, 1, 1)]])
    _header, (amount, day) = read_back(data)
    assert amount == -38
    assert day.date() == date(2023, 1, 1)
