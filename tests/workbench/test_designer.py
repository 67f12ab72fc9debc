"""The package designer: staff only; live preview without storing; precise errors; save; export."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from onego.catalog import models as m
from tests.builders import restaurant_package

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staff(client: Client) -> Client:
    user = get_user_model().objects.create_user("centre-admin", password="x-long-password", is_staff=True)
    client.force_login(user)
    return client


@pytest.fixture
def reviewer(small_catalog: Path) -> Client:
    """A second administrator: publishes what another one submitted."""
    user = get_user_model().objects.create_user("centre-reviewer", password="x-long-password", is_staff=True)
    other = Client()
    other.force_login(user)
    return other


def publish(reviewer: Client, location: str, **extra: str) -> Any:
    return reviewer.post(f"{location}decide/", {"action": "publish", **extra})


def restaurant_yaml(**overrides: object) -> str:
    return yaml.safe_dump(restaurant_package(**overrides), allow_unicode=True, sort_keys=False)


def test_designer_is_for_staff_only(small_catalog: Path, client: Client) -> None:
    response = client.get("/workbench/designer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    user = get_user_model().objects.create_user("applicant", password="x-long-password")
    client.force_login(user)
    for url in ("/workbench/designer/", "/workbench/designer/export/items.xlsx"):
        assert client.get(url).status_code == 302
    assert client.post("/workbench/designer/save/", {"definition": restaurant_yaml()}).status_code == 302


def test_designer_loads_the_packages_source_and_its_preview(small_catalog: Path, staff: Client) -> None:
    page = staff.get("/workbench/designer/?package=open-restaurant").content.decode()
    source = m.Package.objects.get(code="open-restaurant").source
    assert "code: open-restaurant" in source
    assert '<textarea id="definition" name="definition"' in page
    assert "食品经营许可（新办）" in page  # compiled preview of the main scenario
    assert "定义通过全部检查（未保存）" in page
    assert 'hx-trigger="input delay:800ms from:#definition, change from:#preview"' in page


def test_preview_shows_the_compiled_items_for_the_answers(small_catalog: Path, staff: Client) -> None:
    page = staff.post(
        "/workbench/designer/preview/",
        {
            "definition": restaurant_yaml(),
            "package": "open-restaurant",
            "region": "520102",
            "answered": "1",
            "a_has_licence": "true",
            "a_floor_area": "80",
        },
        **HTMX,
    ).content.decode()
    assert "<html" not in page
    assert "食品经营许可（新办）" in page
    assert "南明区市场监督管理局" in page
    assert "公众聚集场所投入使用营业前消防安全检查（不符合您的情形）" in page
    assert "免提交" in page
    assert "逐项办理" in page
    assert 'id="issues" hx-swap-oob="true"' in page


def test_broken_yaml_shows_the_precise_error_and_stores_nothing(small_catalog: Path, staff: Client) -> None:
    before = (m.Package.objects.get(code="open-restaurant").version, m.Package.objects.count())
    text = restaurant_yaml(code="open-cafe").replace("item: food_business_permit", "item: food_permit")
    line = next(i for i, t in enumerate(text.splitlines(), start=1) if "food_permit" in t)
    page = staff.post(
        "/workbench/designer/preview/", {"definition": text, "package": "open-restaurant"}, **HTMX
    ).content.decode()
    assert f"open-restaurant.yaml:{line}: items[1].item: 未知的事项代码“food_permit”" in page
    assert f'data-line="{line}"' in page
    response = staff.post("/workbench/designer/save/", {"definition": text, "package": "open-restaurant"})
    assert response.status_code == 400
    assert "导入被拒绝：1 处错误，未写入任何内容" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not m.Package.objects.filter(code="open-cafe").exists()
    assert (m.Package.objects.get(code="open-restaurant").version, m.Package.objects.count()) == before


def test_preview_without_javascript_renders_the_whole_page(small_catalog: Path, staff: Client) -> None:
    page = staff.post(
        "/workbench/designer/preview/", {"definition": restaurant_yaml(), "package": "open-restaurant"}
    ).content.decode()
    assert "<html" in page
    assert "食品经营许可（新办）" in page


def test_save_submits_a_draft_that_a_second_administrator_publishes(
    small_catalog: Path, staff: Client, reviewer: Client
) -> None:
    text = restaurant_yaml(promised_days=6)
    response = staff.post("/workbench/designer/save/", {"definition": text, "package": "open-restaurant"})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/workbench/designer/changes/")
    # A draft: the published package (and so the public guide) is unchanged.
    package = m.Package.objects.get(code="open-restaurant")
    assert (package.promised_days, package.version) == (8, 1)
    page = staff.get(location).content.decode()
    assert "已提交待审核" in page
    assert "+promised_days: 6" in page  # the readable diff
    assert "-promised_days: 8" in page
    assert "审核通过并发布" not in page  # the author is not offered to publish
    # The author cannot publish their own change, whatever they post.
    assert publish(staff, location, reason="急用").status_code == 403
    assert m.Package.objects.get(code="open-restaurant").version == 1
    # The small catalog has no sharing contracts: a promised prefill without one blocks publishing...
    blocked = publish(reviewer, location)
    assert blocked.status_code == 400
    assert "检查未通过，不能发布" in blocked.content.decode()
    assert m.Package.objects.get(code="open-restaurant").version == 1
    # ...unless a reason is recorded.
    done = publish(reviewer, location, reason="共享协议已报批，先行发布")
    assert done.status_code == 302
    package = m.Package.objects.get(code="open-restaurant")
    assert (package.promised_days, package.version, package.source) == (6, 2, text)
    [version] = m.PackageVersion.objects.filter(package_code="open-restaurant")
    assert (version.version, version.author, version.approver) == (
        2,
        "user:centre-admin",
        "user:centre-reviewer",
    )
    assert version.reason == "共享协议已报批，先行发布"
    history = staff.get("/workbench/designer/history/open-restaurant/").content.decode()
    assert "v2" in history
    assert "+promised_days: 6" in history
    assert "user:centre-reviewer" in history


def test_save_of_a_new_package_creates_it_once_published(
    small_catalog: Path, staff: Client, reviewer: Client
) -> None:
    response = staff.post("/workbench/designer/save/", {"definition": restaurant_yaml(code="open-cafe")})
    assert not m.Package.objects.filter(code="open-cafe").exists()
    assert publish(reviewer, response["Location"], reason="新套餐试点").status_code == 302
    assert m.Package.objects.filter(code="open-cafe").exists()


def test_saving_what_is_already_published_is_refused_as_no_change(small_catalog: Path, staff: Client) -> None:
    text = staff.get("/workbench/designer/?package=open-restaurant").context["text"]
    response = staff.post("/workbench/designer/save/", {"definition": text, "package": "open-restaurant"})
    assert response.status_code == 400
    assert "与已发布的版本相同" in response.content.decode()
    assert not m.CatalogChange.objects.exists()


def test_uploaded_yaml_goes_into_the_editor_and_is_previewed(small_catalog: Path, staff: Client) -> None:
    upload = SimpleUploadedFile("cafe.yaml", restaurant_yaml(code="open-cafe").encode(), "application/x-yaml")
    page = staff.post(
        "/workbench/designer/upload/", {"upload": upload, "action": "preview", "package": "open-restaurant"}
    ).content.decode()
    assert "code: open-cafe" in page
    assert "已上传：cafe.yaml" in page
    assert "食品经营许可（新办）" in page
    assert not m.Package.objects.filter(code="open-cafe").exists()


def test_uploaded_workbook_is_published_after_review(
    small_catalog: Path, staff: Client, reviewer: Client
) -> None:
    data = staff.get("/workbench/designer/export/items.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    header = [c.value for c in wb["items"][1]]
    for row in wb["items"].iter_rows(min_row=2):
        if row[header.index("code")].value == "food_business_permit":
            row[header.index("promised_limit_days")].value = 3
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("items.xlsx", buffer.getvalue())
    response = staff.post(
        "/workbench/designer/upload/", {"upload": upload, "action": "save", "package": "open-restaurant"}
    )
    assert response.status_code == 302
    assert m.ServiceItem.objects.get(code="food_business_permit").promised_limit_days == 5
    change = m.CatalogChange.objects.get()
    assert change.items  # what the workbook changes, with the diff of the items
    assert "+promised_limit_days: 3" in change.diff
    assert publish(reviewer, response["Location"], reason="试点").status_code == 302
    assert m.ServiceItem.objects.get(code="food_business_permit").promised_limit_days == 3


def test_broken_workbook_lists_sheet_row_and_column(small_catalog: Path, staff: Client) -> None:
    data = staff.get("/workbench/designer/export/items.xlsx").content
    wb = load_workbook(io.BytesIO(data))
    wb["items"]["A2"].value = None  # an item without a code
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("items.xlsx", buffer.getvalue())
    response = staff.post(
        "/workbench/designer/upload/", {"upload": upload, "action": "save", "package": "open-restaurant"}
    )
    assert response.status_code == 400
    assert "items.xlsx#items:2: items[2].code: 缺少必填字段" in response.content.decode()


def test_upload_without_a_file_is_refused(small_catalog: Path, staff: Client) -> None:
    response = staff.post("/workbench/designer/upload/", {"action": "preview", "package": "open-restaurant"})
    assert response.status_code == 400
    assert "请选择要上传的 .yaml 或 .xlsx 文件" in response.content.decode()


def test_exports(small_catalog: Path, staff: Client) -> None:
    response = staff.get("/workbench/designer/export/packages/open-restaurant.yaml")
    assert response["Content-Disposition"] == 'attachment; filename="open-restaurant.yaml"'
    assert yaml.safe_load(response.content)["code"] == "open-restaurant"
    assert staff.get("/workbench/designer/export/packages/nope.yaml").status_code == 404
    response = staff.get("/workbench/designer/export/items.xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="items.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames == [
        "items",
        "item_fields",
        "item_materials",
    ]


def test_the_designer_shows_each_promise_no_contract_backs(small_catalog: Path, staff: Client) -> None:
    page = staff.get("/workbench/designer/?package=open-restaurant").content.decode()
    assert '<p id="pv-contracts"><strong>共享协议</strong></p>' in page
    assert "承诺“自动获取”的数据元“person.id_number”（公民身份号码）没有共享协议支持" in page
