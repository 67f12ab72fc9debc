"""Report photos served back to those who may see the report — never by a public URL.

- **Who**: `access_report_photo` (staff: the coordinating department, a department with an order, a
  supervisor over the region; and the clerk or grid worker who reported it) and
  `access_applicant_photo` (the applicant who reported it). Anybody else, and a photo of another
  report, gets the same "not found" as a missing one.
- **Thumbnail** (shown inline on the report pages): the stored photo decoded and re-encoded by Pillow as a
  small JPEG — the pixels only: EXIF (camera, time, GPS position), comments and anything appended to the
  file are dropped, so what a browser renders is an image we produced, never the uploaded bytes.
  Decompression bombs are refused by Pillow's pixel limit; an undecodable file gets no thumbnail (404),
  its download still works.
- **Download** (the original, for evidence): `core.uploads.attachment_response` — an attachment, never
  rendered, `nosniff`, sandboxed.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from PIL import Image, ImageOps, UnidentifiedImageError

from onego.accounts.selectors import staff_of
from onego.core.errors import NotFound
from onego.feedback.models import Report, ReportPhoto
from onego.feedback.report_services import _uuid, may_see_report

THUMB_PX = 480  # the longer side, enough for a 2x screen at 240 CSS px
THUMB_QUALITY = 80
# Pillow refuses (DecompressionBombError) images over twice this; ours is lower than its default.
MAX_PIXELS = 40_000_000


def _photo(report: Report | None, photo_id: Any) -> ReportPhoto:
    pk = _uuid(photo_id)
    photo = next((p for p in report.photos.all() if p.pk == pk), None) if report and pk else None
    if photo is None:
        raise NotFound("没有找到该照片", field="photo")
    return photo


def _report(report_id: Any) -> Report | None:
    pk = _uuid(report_id)
    if pk is None:
        return None
    return Report.objects.select_related("region").prefetch_related("photos", "orders").filter(pk=pk).first()


def access_report_photo(user: Any, report_id: Any, photo_id: Any) -> ReportPhoto:
    """A photo for a workbench user: staff who may see the report, or the user who reported it."""
    report = _report(report_id)
    if report is not None and not (
        (report.reporter_user_id is not None and report.reporter_user_id == getattr(user, "pk", None))
        or may_see_report(
            staff_of(user), report, order_departments=[o.department_id for o in report.orders.all()]
        )
    ):
        report = None
    return _photo(report, photo_id)


def access_applicant_photo(applicant_index: str, report_id: Any, photo_id: Any) -> ReportPhoto:
    """A photo of the applicant's own report (by the blind index of the signed-in applicant)."""
    report = _report(report_id)
    if report is not None and (not applicant_index or report.reporter_index != applicant_index):
        report = None
    return _photo(report, photo_id)


def thumbnail(photo: ReportPhoto, *, size: int = THUMB_PX) -> bytes:
    """The photo as a small JPEG made from its pixels only (no metadata); NotFound if undecodable."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with photo.file.open("rb") as handle, Image.open(handle) as opened:
            if opened.format not in ("JPEG", "PNG"):
                raise NotFound("该照片无法预览", field="photo")
            opened.draft("RGB", (size, size))  # JPEG: decode at a reduced scale (fast, little memory)
            image = ImageOps.exif_transpose(opened)  # upright as taken; the EXIF itself is not kept
            image.thumbnail((size, size))
            out = io.BytesIO()
            image.convert("RGB").save(out, format="JPEG", quality=THUMB_QUALITY, optimize=True)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise NotFound("该照片无法预览", field="photo") from exc
    return out.getvalue()


def thumbnail_response(photo: ReportPhoto) -> HttpResponse:
    response = HttpResponse(thumbnail(photo), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
