"""The one upload policy, for every channel (portal, counter, API, supplements) — and the one way a stored
file is served back.

- Size: one limit (`MAX_UPLOAD_BYTES`), whatever the channel.
- Type: decided by the file's **content** (its first bytes), never by its name alone: the name's suffix
  must be one the material allows *and* the content must be that format. Only formats whose content can
  be recognised are accepted (`SIGNATURES`): documents and images. A material the catalog lists no types
  for still accepts only `SAFE_TYPES`. HTML, scripts, SVG, GIF and anything unrecognised are refused.
- Names: the base name only, control and path characters removed, length bounded (`safe_filename`).
- Served back as an attachment, never rendered (`attachment_response`): `Content-Disposition:
  attachment`, `X-Content-Type-Options: nosniff`, `Content-Security-Policy: sandbox; default-src 'none'`,
  and a content type from the checked format, never `text/html`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.http import FileResponse

from onego.core.errors import ValidationFailed

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SAFE_TYPES: tuple[str, ...] = ("pdf", "jpg", "jpeg", "png", "ofd")
# The first bytes of every format a material may be uploaded in. OFD, DOCX and XLSX are ZIP containers.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "ofd": (b"PK\x03\x04",),
    "zip": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "tif": (b"II*\x00", b"MM\x00*"),
    "tiff": (b"II*\x00", b"MM\x00*"),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "tif": "image/tiff",
    "tiff": "image/tiff",
}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]+')
_HEAD_BYTES = 16


def allowed_types(file_types: Iterable[str] | None) -> list[str]:
    """The suffixes a material accepts: the catalog's, limited to recognisable formats; none listed →
    the safe document and image types."""
    listed = [t.lower().strip().lstrip(".") for t in (file_types or []) if t and t.strip()]
    return [t for t in listed if t in SIGNATURES] if listed else list(SAFE_TYPES)


def safe_filename(name: str | None, fallback: str = "upload") -> str:
    """The base name, without path, control or shell-special characters, at most 100 characters (the
    suffix kept)."""
    base = PurePosixPath(unicodedata.normalize("NFC", name or "").replace("\\", "/")).name
    base = _UNSAFE_NAME.sub("_", base).strip(" .")
    if not base:
        return fallback
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        return base[:100]
    return f"{stem[: 100 - len(suffix) - 1]}.{suffix[:10]}"


def suffix_of(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower().lstrip(".")


def content_matches(suffix: str, head: bytes) -> bool:
    signatures = SIGNATURES.get(suffix)
    return signatures is not None and any(head.startswith(s) for s in signatures)


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    suffix: str
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES.get(self.suffix, "application/octet-stream")


def check_upload(
    file: Any, *, label: str, field: str, file_types: Sequence[str] | None = None, filename: str = ""
) -> CheckedUpload:
    """Check one file against the policy (ValidationFailed naming `label` on `field`), and measure it.

    `file`: a Django `File` (uploaded, or `ContentFile` from the API); read in chunks, left at 0."""
    name = safe_filename(filename or getattr(file, "name", "") or "", fallback="upload")
    suffix = suffix_of(name)
    allowed = allowed_types(file_types)
    if suffix not in allowed:
        raise ValidationFailed(
            f"“{label}”只接受 {'、'.join(allowed)} 格式的文件，您选择的是 {suffix or '无扩展名的文件'}",
            field=field,
        )
    digest = hashlib.sha256()
    size = 0
    head = b""
    file.seek(0)
    for chunk in file.chunks():
        if len(head) < _HEAD_BYTES:
            head += chunk[: _HEAD_BYTES - len(head)]
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ValidationFailed(
                f"“{label}”的文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请压缩后再上传", field=field
            )
        digest.update(chunk)
    file.seek(0)
    if size == 0:
        raise ValidationFailed(f"“{label}”的文件是空的，请重新选择", field=field)
    if not content_matches(suffix, head):
        raise ValidationFailed(f"“{label}”的文件内容不是 {suffix} 格式，请检查后重新选择", field=field)
    return CheckedUpload(filename=name, suffix=suffix, size=size, sha256=digest.hexdigest())


def attachment_response(file: Any, filename: str) -> FileResponse:
    """A stored file served back as a download: never rendered inline, never sniffed as HTML, no script
    can run even if a browser tried."""
    name = safe_filename(filename, fallback="material")
    response = FileResponse(
        file,
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES.get(suffix_of(name), "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


__all__ = [
    "MAX_UPLOAD_BYTES",
    "SAFE_TYPES",
    "CheckedUpload",
    "allowed_types",
    "attachment_response",
    "check_upload",
    "safe_filename",
]
