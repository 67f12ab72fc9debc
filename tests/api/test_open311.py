"""The Open311 GeoReport v2 API over 办不成事 reports.

The acceptance test drives the API with an Open311 client library from PyPI (`civicbot` 0.4.0, whose
`Open311Client` lists services, reads a service definition, validates and POSTs a request, and follows
it by id and token) over a real HTTP server: the request becomes two departmental work orders and
closes with a reply the client reads back. The rest checks the spec's details with raw HTTP.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from civicbot.http import HttpError, HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onego.catalog.models import Region
from onego.feedback.models import Report, WorkOrder
from onego.feedback.report_services import (
    OrderIn,
    open311_key_create,
    report_dispatch,
    report_reply,
    work_order_complete,
)
from tests.feedback.conftest import People, monday_morning, people  # noqa: F401 (fixtures)

VILLAGE = "520102016002"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def village(people: People) -> Region:  # noqa: F811
    county = Region.objects.get(code="520102")
    township = Region.objects.create(code="520102016", name="新华路街道", level="township", parent=county)
    return Region.objects.create(code=VILLAGE, name="新华路社区", level="village", parent=township)


@pytest.fixture
def key(village: Region) -> str:
    return open311_key_create(name="12345 热线")[1]


def test_an_open311_client_creates_and_follows_a_report_to_two_orders_and_a_reply(
    live_server: Any,
    people: People,  # noqa: F811
    key: str,
) -> None:
    endpoint = Endpoint(id="onego", name="OneGo", base_url=f"{live_server.url}/open311/v2", write=True)
    client = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))
    codes = [s["service_code"] for s in client.list_services()]
    assert codes == ["blocked", "event"]
    definition = client.get_service_definition("event")
    assert {a["code"]: a["required"] for a in definition["attributes"]} == {
        "region": True,
        "package": False,
        "item": False,
    }

    prepared = client.create_request(
        "event",
        dry_run=False,
        confirm="SEND",
        api_key=key,
        validate_remote=True,  # checks the payload against our services and definition first
        lat=26.5616,
        lng=106.7119,
        address_string="南明区新华路 12 号",
        description="餐馆后厨油烟直排、消防通道堵塞",
        attributes={"region": VILLAGE},
        first_name="王",
        phone="13800000000",
    )
    [created] = prepared.response
    request_id, token = created["service_request_id"], created["token"]
    assert client.get_token(token) == [{"service_request_id": request_id, "token": token}]
    followed = client.get_request(request_id)
    assert followed is not None
    assert followed["status"] == "open"
    assert followed["agency_responsible"] == "南明区政务服务中心"
    assert followed["description"] is None  # public read: no description without the partner's key

    report = Report.objects.get(reference=request_id)
    assert report.source == "open311"
    assert report.partner is not None
    assert report.contact_sealed
    assert "13800000000" not in report.contact_sealed
    orders = report_dispatch(
        actor=people.clerk,
        report_id=report.pk,
        orders=[OrderIn("nm-scjg", "检查后厨"), OrderIn("gy-xf", "检查消防通道")],
    )
    assert WorkOrder.objects.filter(report=report).count() == 2
    work_order_complete(actor=people.officer, order_id=orders[0].pk, result="已责令整改")
    assert client.get_request(request_id)["status"] == "open"  # type: ignore[index]
    work_order_complete(actor=people.fire, order_id=orders[1].pk, result="通道已清理")
    report_reply(actor=people.clerk, report_id=report.pk, reply="市场监管和消防已到场处置，问题已整改")

    closed = client.get_request(request_id)
    assert closed is not None
    assert closed["status"] == "closed"
    assert closed["status_notes"] == "市场监管和消防已到场处置，问题已整改"
    listed = client.list_requests(service_request_ids=[request_id], status="closed")
    assert [r["service_request_id"] for r in listed] == [request_id]


def test_a_second_client_library_follows_the_request_in_xml(
    live_server: Any,
    people: People,  # noqa: F811
    key: str,
) -> None:
    """`georeport` 0.3.1 cannot create a request; it reads services, definitions and requests, here
    in XML (parsed by xmltodict), after a partner's request was answered."""
    from georeport import GeoReport

    created = post(Client(), key).json()[0]["service_request_id"]
    report = Report.objects.get(reference=created)
    [order] = report_dispatch(actor=people.clerk, report_id=report.pk, orders=[OrderIn("nm-scjg", "核查")])
    work_order_complete(actor=people.officer, order_id=order.pk, result="已办")
    report_reply(actor=people.clerk, report_id=report.pk, reply="已协调南明区市场监管当场办结")

    client = GeoReport(f"{live_server.url}/open311/v2", output_format="xml")
    assert [s["service_code"] for s in client.get_service_list()] == ["blocked", "event"]
    definition = client.get_service_definition("blocked")
    assert [a["code"] for a in definition["attributes"]["attribute"]] == ["region", "package", "item"]
    one = client.get_service_request(created)
    assert one["status"] == "closed"
    assert one["status_notes"] == "已协调南明区市场监管当场办结"
    assert one["agency_responsible"] == "南明区政务服务中心"
    listed = client.get_service_requests(status="open,closed", service_code="blocked,event")
    assert listed["service_request_id"] == created  # xmltodict: one request is a dict


def test_the_client_library_cannot_create_without_a_valid_key(live_server: Any, key: str) -> None:
    endpoint = Endpoint(id="onego", name="OneGo", base_url=f"{live_server.url}/open311/v2", write=True)
    client = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(min_interval=0)))
    with pytest.raises(HttpError) as caught:
        client.create_request(
            "blocked",
            dry_run=False,
            confirm="SEND",
            api_key="not-a-key",
            address_string="x",
            description="y",
            attributes={"region": VILLAGE},
        )
    assert caught.value.status == 403
    assert json.loads(caught.value.body)[0]["field"] == "api_key"
    assert Report.objects.count() == 0


# --- raw HTTP, per the spec -------------------------------------------------------------------------


def post(client: Client, key: str, **over: Any) -> Any:
    data = {
        "api_key": key,
        "service_code": "blocked",
        "description": "在窗口办不了新生儿落户，说要去另一个区",
        "attribute[region]": VILLAGE,
        "address_string": "新华路 1 号",
    }
    data.update(over)
    return client.post("/open311/v2/requests.json", {k: v for k, v in data.items() if v is not None})


def xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (our own server's answer, in a test)


def test_xml_is_served_too(key: str) -> None:
    client = Client()
    root = xml(client.get("/open311/v2/services.xml").content)
    assert [e.findtext("service_code") for e in root.findall("service")] == ["blocked", "event"]
    definition = xml(client.get("/open311/v2/services/blocked.xml").content)
    assert definition.findtext("service_code") == "blocked"
    assert [a.findtext("code") for a in definition.find("attributes").findall("attribute")] == [  # type: ignore[union-attr]
        "region",
        "package",
        "item",
    ]
    response = client.post(
        "/open311/v2/requests.xml",
        {
            "api_key": key,
            "service_code": "blocked",
            "description": "x",
            "attribute[region]": VILLAGE,
            "lat": "26.5",
            "long": "106.7",
        },
    )
    assert response.status_code == 201
    assert xml(response.content).find("request").findtext("service_request_id", "").startswith("FY")  # type: ignore[union-attr]
    error = xml(client.get("/open311/v2/requests/NOPE.xml").content)
    assert error.tag == "errors"
    assert error.find("error").findtext("code") == "404"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("over", "status", "field"),
    [
        ({"attribute[region]": "520102999999"}, 400, "region"),
        ({"attribute[region]": None}, 400, "region"),
        ({"service_code": "pothole"}, 400, "service_code"),
        ({"lat": "200", "long": "106"}, 400, "lat"),
        ({"description": "长" * 2001}, 400, "description"),
        ({"media_url": "http://169.254.169.254/latest"}, 400, "media_url"),
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "forged"}, 403, "api_key"),
    ],
)
def test_bad_requests_get_the_spec_error_list_and_store_nothing(
    key: str, over: dict[str, Any], status: int, field: str
) -> None:
    response = post(Client(), key, **over)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    assert error["field"] == field
    assert error["description"]  # Chinese, for the partner to show
    assert Report.objects.count() == 0


def test_a_photo_goes_through_the_upload_policy(key: str) -> None:
    client = Client()
    fake = SimpleUploadedFile("p.png", b"<svg onload=alert(1)>", content_type="image/png")
    assert post(client, key, media=fake).json()[0]["field"] == "photos[0]"
    good = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    assert post(client, key, media=good).status_code == 201
    assert Report.objects.get().photos.count() == 1


def test_the_server_decides_source_and_routing_whatever_is_posted(key: str) -> None:
    response = post(Client(), key, source="counter", coordinator="gy-xf", reporter_index="someone")
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.source == "open311"
    assert report.coordinator.code == "nm-zwfw"
    assert report.reporter_index == ""


def test_public_reads_hide_the_description_and_blur_the_location_the_partner_sees_all(key: str) -> None:
    client = Client()
    request_id = post(client, key, lat="26.561634", long="106.711912").json()[0]["service_request_id"]
    public = client.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert public["description"] is None
    assert public["lat"] == 26.562
    assert public["address"] == "新华路社区"
    own = client.get(f"/open311/v2/requests/{request_id}.json", {"api_key": key}).json()[0]
    assert own["description"].startswith("在窗口办不了")
    assert own["lat"] == 26.561634
    other_key = open311_key_create(name="另一合作方")[1]
    other = client.get(f"/open311/v2/requests/{request_id}.json", {"api_key": other_key}).json()[0]
    assert other["description"] is None


def test_a_duplicate_post_is_a_conflict_naming_the_first(key: str) -> None:
    client = Client()
    first = post(client, key).json()[0]["service_request_id"]
    again = post(client, key)
    assert again.status_code == 409
    assert first in again.json()[0]["description"]


def test_list_filters_and_bad_filters(key: str) -> None:
    client = Client()
    post(client, key)
    assert len(client.get("/open311/v2/requests.json", {"status": "open"}).json()) == 1
    assert client.get("/open311/v2/requests.json", {"status": "closed"}).json() == []
    assert client.get("/open311/v2/requests.json", {"status": "maybe"}).json()[0]["field"] == "status"
    assert client.get("/open311/v2/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get("/open311/v2/requests.json", {"service_code": "event"}).json() == []
    assert client.get("/open311/v2/services.yaml").status_code == 404
    assert client.get("/open311/v2/discovery.json").json()["endpoints"][0]["formats"] == [
        "application/json",
        "text/xml",
    ]
