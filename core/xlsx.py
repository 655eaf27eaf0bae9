"""Spreadsheets in and out, defensively.

Uploads are checked before any parser opens them: size, that the file is a zip (xlsx), the zip
directory's entry count and declared uncompressed sizes (zip bombs), the actual bytes read
against what was declared, DTD/entity declarations in any XML part (entity expansion and
external entities), and formula cells. Only then is the sheet read, with python-calamine.
Exports escape every text cell that a spreadsheet would take for a formula.
"""

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

XLSX_CONTENT_TYPES = "[Content_Types].xml"
CHUNK = 1 << 16
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# A formula element <f>, <f t="shared" .../>; not <formula1> of data validations, not <font>.
_FORMULA = re.compile(rb"<f[\s>/]")
_CELL_REF = re.compile(rb'<c\s[^>]*?r="([A-Z]+[0-9]+)"')
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")


class UnsafeFileError(ValueError):
    """A file refused before parsing; the message is for the user."""


def check_xlsx(data: bytes, *, filename: str = "") -> None:
    """Raise UnsafeFileError unless `data` is an acceptable .xlsx upload."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UnsafeFileError(f"文件大小 {len(data) / 1048576:.1f} MB 超过上限 {limit // 1048576} MB")
    if filename and not filename.lower().endswith(".xlsx"):
        raise UnsafeFileError("只接受 Excel .xlsx 文件（请在 Excel 中另存为 .xlsx 格式）")
    if not data.startswith(b"PK\x03\x04"):
        raise UnsafeFileError("文件不是有效的 .xlsx 文件（可能是 .xls、CSV 或其他格式改了扩展名）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise UnsafeFileError("文件已损坏，无法作为 .xlsx 打开") from None
    _check_zip_directory(entries)
    names = {e.filename for e in entries}
    if XLSX_CONTENT_TYPES not in names or "xl/workbook.xml" not in names:
        raise UnsafeFileError("文件不是有效的 Excel 工作簿（缺少工作簿结构）")
    for entry in entries:
        if entry.filename.endswith((".xml", ".rels", ".vml")):
            _check_xml_part(archive, entry)


def _check_zip_directory(entries) -> None:
    if len(entries) > settings.IMPORT_MAX_ZIP_ENTRIES:
        raise UnsafeFileError(f"文件内部包含 {len(entries)} 个部件，超过上限，已拒绝（疑似压缩炸弹）")
    declared = sum(e.file_size for e in entries)
    if declared > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        raise UnsafeFileError(f"文件解压后声明大小 {declared / 1048576:.0f} MB 超过上限，已拒绝（疑似压缩炸弹）")
    for e in entries:
        if e.compress_size and e.file_size / e.compress_size > settings.IMPORT_MAX_COMPRESSION_RATIO and e.file_size > 1 << 20:
            raise UnsafeFileError(f"文件部件 {e.filename} 压缩比异常，已拒绝（疑似压缩炸弹）")
        if e.flag_bits & 0x1:
            raise UnsafeFileError("文件已加密，请去除密码保护后再上传")


def _check_xml_part(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> None:
    """Stream one XML part: never more bytes than declared, no DTD, and (worksheets) no formula."""
    is_sheet = entry.filename.startswith("xl/worksheets/") and entry.filename.endswith(".xml")
    read = 0
    tail = b""
    with archive.open(entry) as stream:
        while chunk := stream.read(CHUNK):
            read += len(chunk)
            if read > entry.file_size:
                raise UnsafeFileError("文件内部大小与声明不符，已拒绝（疑似压缩炸弹）")
            window = tail + chunk
            if _DTD.search(window):
                raise UnsafeFileError("文件包含 XML 实体声明（DTD），存在安全风险，已拒绝")
            if is_sheet:
                match = _FORMULA.search(window)
                if match:
                    refs = _CELL_REF.findall(window[: match.start()])
                    where = f"（单元格 {refs[-1].decode()}）" if refs else ""
                    raise UnsafeFileError(f"文件包含公式{where}；请将公式单元格改为数值（复制后“选择性粘贴-数值”）再上传")
            tail = window[-256:]


@dataclass
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list]]  # (spreadsheet row number, cell values)


def read_first_sheet(data: bytes) -> Sheet:
    """The first worksheet: the first non-empty row is the header; blank rows are skipped.
    Values come as str / int / float / date / datetime / bool / None."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # skip_empty_area=False keeps row numbers equal to the spreadsheet's.
        raw = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as error:  # noqa: BLE001 - calamine raises its own parse errors; report them as a bad file
        raise UnsafeFileError(f"无法读取工作表：{error}") from None
    headers, rows = None, []
    for index, values in enumerate(raw, start=1):
        cells = [None if v == "" else v for v in values]
        if not any(v is not None for v in cells):
            continue
        if headers is None:
            headers = [str(v).strip() if v is not None else "" for v in cells]
            continue
        rows.append((index, cells))
    if headers is None:
        raise UnsafeFileError("工作表是空的")
    return Sheet(headers=headers, rows=rows)


def escape_cell(value):
    """Text that a spreadsheet would evaluate (= + - @, tab, CR, NUL first) gets a leading
    apostrophe; numbers and dates pass as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_xlsx(headers: list[str], rows, *, title: str = "Sheet1", note_column: str | None = None) -> bytes:
    """A write-only workbook (constant memory) with escaped cells and a bold header; the
    `note_column` header (e.g. 错误原因) is highlighted."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for i, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(12, len(str(header)) * 2 + 4)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=escape_cell(header))
        cell.font = Font(bold=True)
        if header == note_column:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([escape_cell(_naive(v)) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _naive(value):
    # Excel has no time zones: aware datetimes are written in local time.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
