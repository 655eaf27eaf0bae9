"""Spreadsheets in and out, defensively.

Uploads are checked before any parser opens them: size, that the file is a zip (xlsx), the zip
directory's entry count and declared uncompressed sizes (zip bombs), then every part is inflated
by hand and refused when it yields more bytes than declared (zipfile itself stops at the declared
size, so it cannot see a part that lies), when its checksum or method is wrong, when an XML part
is not UTF-8 or declares a DTD/entities (entity expansion and external entities), and when a cell
holds a formula. Only then is the sheet read, with python-calamine. Exports escape every text
cell that a spreadsheet would take for a formula.
"""

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain
from xml.parsers import expat

from django.conf import settings
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineWorkbook

XLSX_CONTENT_TYPES = "[Content_Types].xml"
CHUNK = 1 << 16
OVERLAP = 256  # bytes kept between chunks so that a marker split by a chunk boundary is still seen
HEAD = 1024  # bytes looked at to tell an XML part from a binary one (images)
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# A possible formula element: <f>, <f t="shared" .../>, <x:f> (any namespace prefix: calamine
# reads prefixed sheets too); not <formula1>, not <font>. A match is confirmed by parsing.
_FORMULA_CANDIDATE = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
# UTF-16/32 byte-order marks, or an unmarked '<' in UTF-16/32: the byte checks above would not
# see "<!DOCTYPE" in them. Excel writes UTF-8 only.
_WIDE_XML = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<", b"\x00\x00\xfe\xff", b"\x00\x00\x00<")
_XML_NAMES = (".xml", ".rels", ".vml")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\0")

CORRUPT = "文件已损坏，无法作为 .xlsx 打开"
BOMB_ACTUAL = "文件内部大小与声明不符，已拒绝（疑似压缩炸弹）"


class UnsafeFileError(ValueError):
    """A file refused before parsing; the message is for the user."""


def size_text(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


def check_xlsx(data: bytes, *, filename: str = "") -> None:
    """Raise UnsafeFileError unless `data` is an acceptable .xlsx upload."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UnsafeFileError(f"文件大小 {size_text(len(data))} 超过上限 {size_text(limit)}")
    if filename and not filename.lower().endswith(".xlsx"):
        raise UnsafeFileError("只接受 Excel .xlsx 文件（请在 Excel 中另存为 .xlsx 格式）")
    if not data.startswith(b"PK\x03\x04"):
        raise UnsafeFileError("文件不是有效的 .xlsx 文件（可能是 .xls、CSV 或其他格式改了扩展名）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise UnsafeFileError(CORRUPT) from None
    _check_zip_directory(entries)
    names = {e.filename for e in entries}
    if XLSX_CONTENT_TYPES not in names or "xl/workbook.xml" not in names:
        raise UnsafeFileError("文件不是有效的 Excel 工作簿（缺少工作簿结构）")
    # Every part, whatever its name: the workbook's relationships may point a sheet at any part.
    for entry in entries:
        _check_part(data, entry)


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


def _part_chunks(data: bytes, entry: zipfile.ZipInfo):
    """The part's bytes as its compressed stream really inflates, never more than one chunk
    beyond what the directory declares, checked against the declared size and CRC."""
    offset = entry.header_offset
    header = data[offset : offset + 30]
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise UnsafeFileError(CORRUPT)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + entry.compress_size]
    if len(raw) != entry.compress_size:
        raise UnsafeFileError(CORRUPT)
    size = crc = 0
    for chunk in _inflate(raw, entry.compress_type):
        size += len(chunk)
        if size > entry.file_size:
            raise UnsafeFileError(BOMB_ACTUAL)
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if size != entry.file_size or crc != entry.CRC:
        raise UnsafeFileError(CORRUPT)


def _inflate(raw: memoryview, method: int):
    if method == zipfile.ZIP_STORED:
        for position in range(0, len(raw), CHUNK):
            yield bytes(raw[position : position + CHUNK])
        return
    if method != zipfile.ZIP_DEFLATED:
        raise UnsafeFileError("文件使用了 Excel 不使用的压缩方式，已拒绝")
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pending, position = b"", 0
    try:
        while not inflater.eof:
            if not pending and position < len(raw):
                pending, position = raw[position : position + CHUNK], position + CHUNK
            # At most CHUNK bytes out per call, whatever the ratio: memory stays bounded.
            out = inflater.decompress(pending, CHUNK)
            pending = inflater.unconsumed_tail
            if out:
                yield out
            elif not pending and position >= len(raw):
                break  # input used up before the end of the stream
    except zlib.error:
        raise UnsafeFileError(CORRUPT) from None
    if not inflater.eof:
        raise UnsafeFileError(CORRUPT)


def _check_part(data: bytes, entry: zipfile.ZipInfo) -> None:
    chunks = _part_chunks(data, entry)
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= HEAD:
            break
    if head.startswith(_WIDE_XML):
        raise UnsafeFileError("文件内部 XML 不是 UTF-8 编码，已拒绝（疑似伪造文件）")
    if not (entry.filename.endswith(_XML_NAMES) or head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")):
        for _ in chunks:  # a binary part (an image): only its size and checksum matter
            pass
        return
    tail, maybe_formula = b"", False
    for chunk in chain([head], chunks):
        window = tail + chunk
        if _DTD.search(window):
            raise UnsafeFileError("文件包含 XML 实体声明（DTD），存在安全风险，已拒绝")
        maybe_formula = maybe_formula or bool(_FORMULA_CANDIDATE.search(window))
        tail = window[-OVERLAP:]
    if maybe_formula:
        ref = _formula_cell(data, entry)
        if ref is not None:
            where = f"（单元格 {ref}）" if ref else ""
            raise UnsafeFileError(f"文件包含公式{where}；请将公式单元格改为数值（复制后“选择性粘贴-数值”）再上传")


class _FormulaFound(Exception):
    def __init__(self, ref: str):
        self.ref = ref


def _formula_cell(data: bytes, entry: zipfile.ZipInfo) -> str | None:
    """The reference of the first cell holding a formula (an <f> inside a <c>, whatever the
    namespace prefix), or None: charts (<c:f>) and data validations (<xm:f>) hold references,
    not cells. Runs only on a part already checked free of DTDs."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[tuple[str, str]] = []

    def start(name, attributes):
        local = name.rsplit(" ", 1)[-1]
        if local == "f" and stack and stack[-1][0] == "c":
            raise _FormulaFound(stack[-1][1])
        stack.append((local, attributes.get("r", "")))

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: stack.pop()
    try:
        for chunk in _part_chunks(data, entry):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _FormulaFound as found:
        return found.ref
    except expat.ExpatError:
        raise UnsafeFileError(f"文件部件 {entry.filename} 不是有效的 XML，无法作为 .xlsx 打开") from None
    return None


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
    apostrophe; numbers and dates pass as they are. Control characters that XML cannot hold are
    dropped first (openpyxl refuses them), so what is left is what gets checked."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


# Characters a sheet title may not hold, as their full-width forms: the title still reads the
# same (区划（乡镇、村／社区）导入), and Excel and openpyxl accept it.
_TITLE_CHARACTERS = str.maketrans({"/": "／", "\\": "＼", "?": "？", "*": "＊", "[": "［", "]": "］", ":": "："})
TITLE_MAX = 31  # Excel's limit for a sheet title


def sheet_title(title: str) -> str:
    """`title` as a valid sheet title: no / \\ ? * [ ] :, no apostrophe first or last, no
    control characters, at most 31 characters, never blank."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", title).translate(_TITLE_CHARACTERS)[:TITLE_MAX].strip("'").strip()
    return cleaned or "Sheet1"


def write_xlsx(headers: list[str], rows, *, title: str = "Sheet1", note_column: str | None = None, text_columns=(),
               widths: dict[int, int] | None = None) -> bytes:
    """A write-only workbook (constant memory) with escaped cells and a bold header; the
    `note_column` header (e.g. 错误原因) is highlighted; what is typed into the `text_columns`
    (1-based) stays text; `widths`: 1-based column -> width, for columns of long names."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    for i, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, max(12, len(str(header)) * 2 + 4))
        if i in text_columns:
            sheet.column_dimensions[get_column_letter(i)].number_format = "@"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=escape_cell(header))
        cell.font = Font(bold=True)
        if header == note_column:
            cell.fill = PatternFill("solid", fgColor="FFF2CC")
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_export_cell(sheet, escape_cell(_naive(v))) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MONEY_FORMAT = "#,##0.00"


def _export_cell(sheet, value):
    """Amounts (Decimal) as numbers shown 1,234.56 and dates as 2026-12-01, as on the pages;
    everything else as it is."""
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, date) and not isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def _naive(value):
    # Excel has no time zones: aware datetimes are written in local time.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# ------------------------------------------------------------------------------ import templates

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
NOTES_TITLE = "说明"
CHOICES_TITLE = "选项"
DATA_ROWS = 1048576  # Excel's last row: the drop-downs hold for every row the clerk fills
VALIDATION_TEXT_MAX = 255  # Excel's limit for a validation's prompt and error message
EXAMPLE_FILL = PatternFill("solid", fgColor="F2F2F2")
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass(frozen=True)
class TemplateColumn:
    """One column of an import template as the workbook shows it (core.imports builds them
    from an importer's Column definitions)."""

    header: str
    required: bool = False
    text: bool = False  # typed text stays text ("@"): an ID number never loses digits
    date: bool = False
    choices: tuple = ()  # a drop-down list, from the hidden 选项 sheet
    format: str = ""  # the 说明 sheet's 格式
    help: str = ""
    width: int = 12


def _clip(text: str) -> str:
    return text if len(text) <= VALIDATION_TEXT_MAX else text[: VALIDATION_TEXT_MAX - 1] + "…"


def write_template(columns: list[TemplateColumn], examples: list[list], *, title: str, rules: list[str],
                   example_note: str = "", choice_separator: str = "、") -> bytes:
    """An import template: the list sheet first (what an upload reads: header row, the example
    rows shaded and marked, ID and other text columns formatted as text and wide enough, dates
    as YYYY-MM-DD, a drop-down on every column with a fixed list), then a 说明 sheet (every
    column: required, format, allowed values, help, example; and the rules), and the lists of
    the drop-downs on a hidden 选项 sheet (an inline list is limited to 255 characters)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title(title)
    notes = workbook.create_sheet(NOTES_TITLE)
    lists = workbook.create_sheet(CHOICES_TITLE) if any(c.choices for c in columns) else None

    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.text:
            dimension.number_format = TEXT_FORMAT
        elif column.date:
            dimension.number_format = DATE_FORMAT
        cell = sheet.cell(row=1, column=index, value=escape_cell(column.header))
        cell.font = Font(bold=True, color="C00000" if column.required else None)
        if column.required:
            cell.fill = REQUIRED_FILL
    for offset, values in enumerate(examples, start=2):
        for index, (column, value) in enumerate(zip(columns, values), start=1):
            cell = sheet.cell(row=offset, column=index, value=escape_cell(value) if value not in ("", None) else None)
            cell.font = Font(italic=True, color="7F7F7F")
            cell.fill = EXAMPLE_FILL
            if column.text:
                cell.number_format = TEXT_FORMAT
            elif column.date:
                cell.number_format = DATE_FORMAT
    if examples and example_note:
        sheet.cell(row=2, column=1).comment = Comment(example_note, "医保经办")
    sheet.freeze_panes = "A2"

    if lists is not None:
        lists.sheet_state = "hidden"
        used = 0
        for index, column in enumerate(columns, start=1):
            if not column.choices:
                continue
            used += 1
            list_letter = get_column_letter(used)
            lists.cell(row=1, column=used, value=escape_cell(column.header))
            for row, label in enumerate(column.choices, start=2):
                lists.cell(row=row, column=used, value=escape_cell(label))
            source = f"{quote_sheetname(CHOICES_TITLE)}!${list_letter}$2:${list_letter}${len(column.choices) + 1}"
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list", formula1=source, allow_blank=True, showDropDown=False,
                showErrorMessage=True, errorStyle="stop", errorTitle=_clip(f"{column.header}：请从下拉列表中选择"),
                error=_clip(f"{column.header}应为：{choice_separator.join(column.choices)}"),
                showInputMessage=True, promptTitle=_clip(column.header),
                prompt=_clip(column.help or f"请从下拉列表中选择{column.header}"),
            )
            validation.add(f"{letter}2:{letter}{DATA_ROWS}")
            sheet.add_data_validation(validation)

    _write_notes(notes, columns, examples[0] if examples else [], title=title, rules=rules, separator=choice_separator)
    workbook.active = 0
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


NOTES_HEADERS = ("列名", "是否必填", "格式", "可选值", "填写说明", "示例")
NOTES_WIDTHS = (18, 10, 30, 46, 46, 28)


def _write_notes(notes, columns, example, *, title: str, rules: list[str], separator: str) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    notes.cell(row=1, column=1, value=escape_cell(f"{title}模板填写说明")).font = Font(bold=True, size=14)
    for index, (header, width) in enumerate(zip(NOTES_HEADERS, NOTES_WIDTHS), start=1):
        notes.column_dimensions[get_column_letter(index)].width = width
        notes.cell(row=3, column=index, value=header).font = Font(bold=True)
    row = 4
    for position, column in enumerate(columns):
        value = example[position] if position < len(example) else ""
        shown = value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else str(value))
        cells = (column.header, "必填" if column.required else "选填", column.format,
                 separator.join(column.choices) if column.choices else "—", column.help or "—", shown or "—")
        for index, text in enumerate(cells, start=1):
            cell = notes.cell(row=row, column=index, value=escape_cell(text))
            cell.alignment = wrap
            cell.number_format = TEXT_FORMAT
        if column.required:
            notes.cell(row=row, column=2).font = Font(bold=True, color="C00000")
        row += 1
    row += 1
    notes.cell(row=row, column=1, value="填写规则").font = Font(bold=True)
    for number, rule in enumerate(rules, start=1):
        row += 1
        notes.cell(row=row, column=1, value=escape_cell(f"{number}. {rule}"))


def read_table(data: bytes, filename: str) -> Sheet:
    """A checked upload as rows: .xlsx through check_xlsx and calamine, or .csv (UTF-8 or GBK,
    as facilities' systems export) for the kinds that accept it."""
    if filename.lower().endswith(".csv"):
        return read_csv(data)
    check_xlsx(data, filename=filename)
    return read_first_sheet(data)


def read_csv(data: bytes) -> Sheet:
    import csv

    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if len(data) > limit:
        raise UnsafeFileError(f"文件大小 {size_text(len(data))} 超过上限 {size_text(limit)}")
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnsafeFileError("CSV 文件编码无法识别（应为 UTF-8 或 GBK）")
    if "\0" in text:
        raise UnsafeFileError("文件不是文本格式的 CSV")
    headers, rows = None, []
    for number, values in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [v.strip() or None for v in values]
        if not any(cells):
            continue
        if headers is None:
            headers = [c or "" for c in cells]
        else:
            rows.append((number, cells))
    if headers is None:
        raise UnsafeFileError("文件是空的")
    return Sheet(headers=headers, rows=rows)
