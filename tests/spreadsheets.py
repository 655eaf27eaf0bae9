"""Spreadsheets built in code for the import tests: honest workbooks as Excel saves them (numbers
stay numbers, dates stay dates), hostile ones crafted part by part and byte by byte, and the
upload → preview → commit steps as a clerk goes through them."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.services import imports

ENROLLMENT_HEADERS = ["姓名", "身份证号", "户主身份证号", "与户主关系", "村/社区", "联系电话", "参保类别", "缴费日期"]
EMPLOYEE_HEADERS = ["姓名", "身份证号", "参保单位", "参保开始日期", "参保终止日期", "参保地"]
PAID_ON = "2022-10-08"  # buys benefit year 2023 (X000 art. 7 window), whatever today is


class Text(str):
    """A text cell even when it starts with "=" (what Excel stores for '=...); a plain str
    starting with "=" is written as a formula, as Excel does when one is typed."""


def workbook(headers, rows, *, start_row: int = 1) -> bytes:
    """An .xlsx with the header on `start_row` and one row per list (None leaves a cell empty)."""
    book = Workbook()
    sheet = book.active
    for offset, values in enumerate([headers, *rows]):
        for column, value in enumerate(values, start=1):
            if value is not None:
                cell = sheet.cell(row=start_row + offset, column=column, value=value)
                if isinstance(value, Text):
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def enrollment_row(name, id_number, village, *, head="", relation="户主", phone="", category="", paid=PAID_ON):
    return [name, id_number, head, relation, village.code, phone, category, paid]


def enrollment_list(*rows) -> bytes:
    return workbook(ENROLLMENT_HEADERS, rows)


def employee_list(*rows) -> bytes:
    return workbook(EMPLOYEE_HEADERS, rows)


def upload(data: bytes, name: str = "名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def read_back(data: bytes) -> list[list]:
    """Every row of the first sheet as openpyxl reads it (formulas as their text)."""
    return [list(row) for row in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def cells_back(data: bytes):
    return [cell for row in load_workbook(io.BytesIO(data)).active.iter_rows() for cell in row]


# ------------------------------------------------------------------------------ steps


def previewed(user, data: bytes, *, kind: str = "enrollment_list", name: str = "名单.xlsx", skip_bad_rows: bool = False):
    """Upload and preview (the dry run) as the clerk's page does for a small file."""
    job = imports.import_job_create(user=user, kind=kind, uploaded=upload(data, name), skip_bad_rows=skip_bad_rows)
    return imports.import_job_preview(job.pk)


def committed(user, data: bytes, **kwargs):
    return imports.import_job_commit(previewed(user, data, **kwargs).pk)


def statuses(job) -> dict[int, str]:
    """Spreadsheet row number -> new / changed / unchanged / error."""
    return {number: status for number, status, _summary, _error, *_choices in job.preview_rows}


def reasons(job) -> dict[int, str]:
    return {number: error for number, status, _summary, error, *_choices in job.preview_rows if status == "error"}


# ------------------------------------------------------------------------------ hostile files


def rezip(data: bytes, change) -> bytes:
    """The same archive with each part passed through change(name, content), which returns the
    new content, (new name, new content), or None to drop the part."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            result = change(info.filename, source.read(info.filename))
            if result is None:
                continue
            name, content = result if isinstance(result, tuple) else (info.filename, result)
            target.writestr(name, content)
    return out.getvalue()


def with_part(data: bytes, name: str, content: bytes, method=zipfile.ZIP_DEFLATED) -> bytes:
    """The archive with one more part appended."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", method) as archive:
        archive.writestr(name, content)
    return out.getvalue()


def declare(data: bytes, name: str, *, size: int, crc: int | None = None) -> bytes:
    """The archive with `name`'s uncompressed size (and CRC) rewritten in its local header and
    in the central directory: the part now lies about what it holds."""
    buffer = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    local = info.header_offset
    struct.pack_into("<I", buffer, local + 22, size)
    if crc is not None:
        struct.pack_into("<I", buffer, local + 14, crc)
    encoded = name.encode()
    central = buffer.find(b"PK\x01\x02")
    while central != -1:
        length = struct.unpack_from("<H", buffer, central + 28)[0]
        if bytes(buffer[central + 46 : central + 46 + length]) == encoded:
            struct.pack_into("<I", buffer, central + 24, size)
            if crc is not None:
                struct.pack_into("<I", buffer, central + 16, crc)
        central = buffer.find(b"PK\x01\x02", central + 4)
    return bytes(buffer)


def crc_of(content: bytes) -> int:
    return zlib.crc32(content)
