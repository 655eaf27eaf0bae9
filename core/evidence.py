"""Evidence files (证明材料) attached to applications and approvals: PDF, JPG or PNG recognised
by their first bytes (a name can lie), each under a size limit (EVIDENCE_MAX_BYTES), at most
MAX_EVIDENCE_FILES to one application."""

from django.conf import settings

from core.errors import ServiceError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_FILES = 10  # one application's files
EVIDENCE_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def evidence_type(data: bytes) -> str | None:
    """The type of an evidence file by its first bytes (the name can lie)."""
    return next((kind for magic, kind in EVIDENCE_TYPES.items() if data.startswith(magic)), None)


def checked_evidence(files) -> list[tuple[str, bytes, str]]:
    """(name, content, type) of each uploaded file; ServiceError (field "evidence") for a file
    too large or not a PDF, JPG or PNG, before anything is stored."""
    files = list(files)
    if len(files) > MAX_EVIDENCE_FILES:
        raise ServiceError("evidence_count", f"证明材料最多 {MAX_EVIDENCE_FILES} 个文件", "evidence")
    checked = []
    limit = getattr(settings, "EVIDENCE_MAX_BYTES", MAX_EVIDENCE_BYTES)
    for upload in files:
        if upload.size > limit:
            raise ServiceError("evidence_size", f"材料「{upload.name}」超过 {limit // 1048576} MB", "evidence")
        data = upload.read()
        kind = evidence_type(data)
        if kind is None:
            raise ServiceError("evidence_type", f"材料「{upload.name}」不是 PDF、JPG 或 PNG 文件", "evidence")
        checked.append((upload.name, data, kind))
    return checked
