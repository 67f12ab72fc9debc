"""Report photos on the report pages: thumbnails re-encoded by our views (no EXIF/GPS, no uploaded bytes
rendered), downloads of the original, for those who may see the report — the coordinating centre, a
department with an order, a supervisor over the region, the clerk or grid worker who reported it, the
applicant who reported it — and a 404 for everybody else."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from onego.catalog.models import Region
from onego.feedback.models import GridWorker, Report
from onego.feedback.photos import thumbnail
from tests.feedback.conftest import People
from tests.feedback.test_report_pages import FORM, logged_in
from tests.portal.applicants import person, sign_in

SECRET_GPS = b"GPS-26.5616-106.7119-SECRET"


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def jpeg_with_exif(width: int = 1600, height: int = 1200) -> bytes:
    """A real JPEG carrying EXIF (a description standing in for a GPS position) and bytes after its end."""
    image = Image.new("RGB", (width, height), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010E] = SECRET_GPS.decode()  # ImageDescription
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue() + b"<script>alert(1)</script>"


def photo_upload(name: str = "现场.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_exif(), content_type="image/jpeg")


def _report_by(client: Client, url: str) -> Report:
    response = client.post(url, {**FORM, "photos": photo_upload()})
    assert response.status_code == 302, response.content.decode()[:500]
    return Report.objects.get()


def test_the_thumbnail_is_a_small_jpeg_made_from_the_pixels_without_metadata(
    people: People, village: Region
) -> None:
    report = _report_by(logged_in(people.clerk), "/workbench/reports/new/")
    data = thumbnail(report.photos.get())
    assert SECRET_GPS not in data
    assert b"<script>" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert max(image.size) <= 480
        assert not image.getexif()


def test_the_centre_the_ordered_department_and_the_supervisor_see_thumbnails_others_get_404(
    people: People, village: Region
) -> None:
    clerk = logged_in(people.clerk)
    report = _report_by(clerk, "/workbench/reports/new/")
    photo = report.photos.get()
    thumb = f"/workbench/reports/{report.pk}/photos/{photo.pk}/thumb/"
    download = f"/workbench/reports/{report.pk}/photos/{photo.pk}/"
    page = clerk.get(f"/workbench/reports/{report.pk}/").content.decode()
    assert f'src="{thumb}"' in page
    assert f'href="{download}"' in page
    assert 'alt="照片 1：现场.jpg"' in page

    # the fire brigade sees nothing until the centre gives it an order
    fire = logged_in(people.fire)
    assert fire.get(thumb).status_code == 404
    clerk.post(
        f"/workbench/reports/{report.pk}/dispatch/",
        {"department-0": "gy-xf", "task-0": "检查消防通道"},
    )
    for who in (clerk, fire, logged_in(people.supervisor)):
        response = who.get(thumb)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert SECRET_GPS not in response.content
        original = who.get(download)
        assert original.status_code == 200
        assert original["Content-Disposition"].startswith("attachment")
    for outsider in (logged_in(people.officer), logged_in(people.bj_supervisor)):
        assert outsider.get(thumb).status_code == 404
        assert outsider.get(download).status_code == 404
    # a photo id under another report (or a random one) is "not found" too
    assert clerk.get(f"/workbench/reports/{report.pk}/photos/{report.pk}/thumb/").status_code == 404
    assert Client().get(thumb).status_code == 302  # to sign in


def test_the_grid_worker_who_reported_sees_and_downloads_their_photo(people: People, village: Region) -> None:
    grid = get_user_model().objects.create_user(username="grid", password=None, first_name="王网格")
    GridWorker.objects.create(user=grid, region=village)
    client = logged_in(grid)
    report = _report_by(client, "/workbench/reports/new/")
    photo = report.photos.get()
    thumb = f"/workbench/reports/{report.pk}/photos/{photo.pk}/thumb/"
    assert thumb in client.get("/workbench/reports/new/").content.decode()  # 我登记的反映
    assert client.get(thumb).status_code == 200
    download = client.get(f"/workbench/reports/{report.pk}/photos/{photo.pk}/")
    assert download.status_code == 200
    other_grid = get_user_model().objects.create_user(username="grid2", password=None)
    GridWorker.objects.create(user=other_grid, region=village)
    assert logged_in(other_grid).get(thumb).status_code == 404


def test_the_applicant_sees_and_downloads_their_own_photos_and_nobody_else_does(
    people: People, village: Region
) -> None:
    mine = Client()
    sign_in(mine, person("王小红"))
    report = _report_by(mine, "/me/reports/")
    photo = report.photos.get()
    thumb = f"/me/reports/{report.pk}/photos/{photo.pk}/thumb/"
    download = f"/me/reports/{report.pk}/photos/{photo.pk}/"
    page = mine.get("/me/reports/").content.decode()
    assert f'src="{thumb}"' in page
    assert f'href="{download}"' in page
    response = mine.get(thumb)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    original = mine.get(download)
    assert original.status_code == 200
    assert original["Content-Disposition"].startswith("attachment")
    assert b"".join(original.streaming_content) == jpeg_with_exif()  # type: ignore[attr-defined]

    other = Client()
    sign_in(other, person("李四", phone="13908518888"))
    assert other.get(thumb).status_code == 404
    assert other.get(download).status_code == 404
    assert Client().get(download).status_code == 302  # to sign in
    # staff reach it through the workbench's access function, not the applicant's routes
    assert logged_in(people.clerk).get(download).status_code == 302  # not an applicant: sign in


def test_an_undecodable_photo_has_no_thumbnail_but_still_downloads(people: People, village: Region) -> None:
    clerk = logged_in(people.clerk)
    fake = b"\xff\xd8\xff" + b"\x00" * 64  # passes the signature check, is no image
    clerk.post("/workbench/reports/new/", {**FORM, "photos": SimpleUploadedFile("x.jpg", fake)})
    report = Report.objects.get()
    photo = report.photos.get()
    assert clerk.get(f"/workbench/reports/{report.pk}/photos/{photo.pk}/thumb/").status_code == 404
    assert clerk.get(f"/workbench/reports/{report.pk}/photos/{photo.pk}/").status_code == 200


def test_the_photo_labels_have_english(people: People, village: Region) -> None:
    clerk = logged_in(people.clerk)
    report = _report_by(clerk, "/workbench/reports/new/")
    clerk.cookies["django_language"] = "en"
    page = clerk.get(f"/workbench/reports/{report.pk}/").content.decode()
    assert 'alt="Photo 1: 现场.jpg"' in page
    assert "Download the original 现场.jpg" in page
