"""Stored files on an S3-compatible object store (ONEGO_STORAGE=s3, django-storages).

Against moto's S3 server on loopback, started by the test (`moto[server]` from PyPI; nothing is
downloaded at run time). Uploads land in the bucket, not on disk; officers and applicants get them only
through OneGo's views after the same access checks; the bucket serves nothing to anyone without keys.
"""

from __future__ import annotations

import datetime as dt
import socket
import urllib.error
import urllib.request
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.storage import storages
from django.test import override_settings

from onego.cases.models import Material
from tests.cases.factories import import_cases_catalog, make_staff, subcase
from tests.cases.results_builders import ResultsStaff, concluded
from tests.workbench.conftest import People, accepted_case, signed_in

pytestmark = pytest.mark.django_db
BUCKET = "onego-test"
KEYS = {"access_key": "test-access", "secret_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any, tmp_path: Path) -> Iterator[Any]:
    import boto3

    settings.MEDIA_ROOT = tmp_path / "media"  # must stay empty
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket=BUCKET)
    storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": BUCKET,
            "endpoint_url": s3_endpoint,
            "region_name": "us-east-1",
            **KEYS,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
    with override_settings(STORAGES={**settings.STORAGES, "default": storage}):
        yield client
    objects = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in objects:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client: Any) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def on_disk(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_uploaded_materials_go_to_the_bucket_and_officers_get_them_through_the_access_check(
    people: People, bucket: Any, settings: Any, s3_endpoint: str
) -> None:
    assert type(storages["default"]).__name__ == "S3Storage"
    case = accepted_case(people)
    plan = Material.objects.get(case=case, code="food_safety_plan")
    assert plan.file.name in keys(bucket)
    assert on_disk(settings) == []
    head = bucket.head_object(Bucket=BUCKET, Key=plan.file.name)
    assert head["ServerSideEncryption"] == "AES256"

    food = subcase(case, "food_business_permit")
    url = f"/workbench/subcases/{food.pk}/materials/{plan.pk}/"
    response = signed_in(people.officer).get(url)
    assert response.status_code == 200
    assert "Location" not in response  # streamed by OneGo, not a redirect to the store
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment")
    fire = subcase(case, "fire_safety_inspection")
    assert (
        signed_in(people.fire).get(f"/workbench/subcases/{fire.pk}/materials/{plan.pk}/").status_code == 404
    )
    assert signed_in(people.fire).get(url).status_code == 404

    # The store itself answers nobody without keys: no public URL to the material exists.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_endpoint}/{BUCKET}/{plan.file.name}", timeout=5)  # noqa: S310 (loopback)
    assert refused.value.code == 403


def test_conclusion_pdfs_are_produced_into_the_bucket_and_downloaded_through_onego(
    bucket: Any, settings: Any, tmp_path: Path, client: Any
) -> None:
    with time_machine.travel(
        dt.datetime(2026, 3, 2, 9, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True
    ):
        import_cases_catalog(tmp_path)
        conclusion = concluded(ResultsStaff())
    stored = keys(bucket)
    assert conclusion.document.name in stored
    assert conclusion.licence_document.name in stored
    assert on_disk(settings) == []
    url = f"/documents/{conclusion.case_id}/conclusion.pdf"
    assert client.get(url).status_code == 404  # anonymous
    client.force_login(make_staff("bj-clerk", "bj-zwfw", "clerk"))
    assert client.get(url).status_code == 404  # not this case's staff
    assert conclusion.issued_by is not None
    client.force_login(conclusion.issued_by)
    page = client.get(url)
    assert page.status_code == 200
    body = b"".join(page.streaming_content)
    assert body.startswith(b"%PDF")
    assert body == bucket.get_object(Bucket=BUCKET, Key=conclusion.document.name)["Body"].read()
