"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2/) over "办不成事" reports, at /open311/v2/.

- `GET services.{json|xml}` — the two report kinds as services; `GET services/{code}.{fmt}` — their
  definitions, with the attributes `region` (required: the 区划 code, down to the village), `package`
  (a published 一件事, single value list) and `item` (a catalog item code).
- `POST requests.{fmt}` — create (form-encoded, or multipart with a `media` photo); needs a partner's
  `api_key` (`onego feedback open311-key`). The reporter is the partner, the channel `open311`, the
  coordinating department is routed by the server: none of them is read from the request.
- `GET requests.{fmt}`, `GET requests/{id}.{fmt}`, `GET tokens/{token}.{fmt}` — follow a request. Public
  reads show what a public Open311 service shows without personal data: the status, the reply
  (`status_notes`), the responsible agency, the region's name and a location rounded to ~100 m. The
  description and street address are shown only with the api_key of the partner that made the request.
- Errors: the spec's `[{"code", "description"}]` (plus `field`), with 400/403/404/409, messages in Chinese.

Thin: parse, call `onego.feedback.report_services` / `report_selectors`, shape the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from onego.catalog.models import Package
from onego.core import clock
from onego.core.errors import Conflict, NotFound, OneGoError, PermissionDenied, ValidationFailed
from onego.feedback import open311_limits as limits
from onego.feedback import report_rules as rr
from onego.feedback import report_selectors as selectors
from onego.feedback.models import Open311Key, Report
from onego.feedback.report_rules import ReportKind
from onego.feedback.report_services import PhotoIn, open311_key_check, report_submit, reporter_for_partner

FORMATS = {"json", "xml"}
STATUS_CODES = {ValidationFailed: 400, PermissionDenied: 403, NotFound: 404, Conflict: 409}
CONTACT_FIELDS = ("first_name", "last_name", "email", "phone")


# --- rendering -----------------------------------------------------------------------------------


def _xml(root: str, item: str | None, data: Any) -> bytes:
    def fill(parent: ET.Element, value: Any, child: str) -> None:
        if isinstance(value, list):
            for entry in value:
                fill(ET.SubElement(parent, child), entry, child)
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, list):
                    holder = ET.SubElement(parent, key)
                    for entry in inner:
                        fill(ET.SubElement(holder, key.rstrip("s") or key), entry, key.rstrip("s"))
                else:
                    fill(ET.SubElement(parent, key), inner, key)
            return
        parent.text = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))

    element = ET.Element(root)
    if item is None:
        fill(element, data, root)
    else:
        for entry in data:
            fill(ET.SubElement(element, item), entry, item)
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="utf-8"?>' + body


def _render(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, data), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, exc: OneGoError) -> HttpResponse:
    status = next((code for kind, code in STATUS_CODES.items() if isinstance(exc, kind)), 400)
    body = [{"code": status, "description": exc.message, "field": exc.field or ""}]
    return _render(fmt if fmt in FORMATS else "json", body, root="errors", item="error", status=status)


def endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The format from the suffix, other methods 405, OneGo errors as the spec's error list, no
    cookies or CSRF (partners call with an api_key; nothing here reads a session)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return _error("json", NotFound("只支持 .json 和 .xml 格式", field="format"))
            if request.method not in methods:
                body = [
                    {"code": 405, "description": f"此地址只接受 {'、'.join(methods)} 请求", "field": "method"}
                ]
                response = _render(fmt, body, root="errors", item="error", status=405)
                response["Allow"] = ", ".join(methods)
                return response
            try:
                limited = _rate_limited(request, fmt)
                if limited is not None:
                    return limited
                return view(request, *args, fmt=fmt, **kwargs)
            except OneGoError as exc:
                return _error(fmt, exc)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


def _api_key(request: HttpRequest) -> str:
    return str(
        (request.POST.get("api_key") if request.method == "POST" else request.GET.get("api_key")) or ""
    )


def _rate_limited(request: HttpRequest, fmt: str) -> HttpResponse | None:
    """Count the call against the partner's key, or the client address when there is no key or a wrong
    one (wrong keys cannot buy fresh allowances); over the limit → 429 with Retry-After."""
    key = _api_key(request)
    partner: Open311Key | None = None
    if key:
        try:
            partner = open311_key_check(key)
        except PermissionDenied:
            partner = None
    request.open311_partner = partner  # type: ignore[attr-defined]  # _partner() reads it
    address = str(request.META.get("REMOTE_ADDR") or "unknown")
    verdict = limits.hit(limits.key_bucket(partner.pk) if partner else limits.address_bucket(address))
    if verdict.allowed:
        return None
    body = [
        {
            "code": 429,
            "description": f"调用过于频繁（每分钟最多 {verdict.limit} 次），请 {verdict.retry_after} 秒后再试",
            "field": "api_key",
        }
    ]
    response = _render(fmt, body, root="errors", item="error", status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


def _partner(request: HttpRequest, *, required: bool) -> Open311Key | None:
    key = _api_key(request)
    if not key:
        if required:
            raise PermissionDenied("提交反映需要合作方 api_key", field="api_key")
        return None
    partner: Open311Key | None = getattr(request, "open311_partner", None)
    return partner if partner is not None else open311_key_check(key)  # a wrong key: 403 here


# --- services ------------------------------------------------------------------------------------


def _service(kind: ReportKind) -> dict[str, Any]:
    return {
        "service_code": kind.value,
        "service_name": kind.label,
        "description": rr.KIND_DESCRIPTIONS[kind],
        "metadata": True,
        "type": "batch",
        "keywords": "办不成事,一件事一次办,工单" if kind == ReportKind.BLOCKED else "事件,多部门,工单",
        "group": "政务服务",
    }


def _kind(code: str) -> ReportKind:
    if code not in ReportKind.values:
        raise NotFound(f"没有服务代码“{code[:40]}”", field="service_code")
    return ReportKind(code)


@endpoint("GET")
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    return _render(
        fmt,
        {
            "changeset": "2026-12-01T00:00:00+08:00",
            "contact": "12345 政务服务便民热线",
            "key_service": "向政务服务中心申请合作方 api_key",
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": base,
                    "changeset": "2026-12-01T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        },
        root="discovery",
        item=None,
    )


@endpoint("GET")
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return _render(fmt, [_service(k) for k in ReportKind], root="services", item="service")


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    kind = _kind(code)
    packages = list(Package.objects.filter(active=True).order_by("code").values_list("code", "name")[:200])
    attributes = [
        {
            "variable": True,
            "code": "region",
            "datatype": "string",
            "required": True,
            "datatype_description": "行政区划代码：6 位（县级及以上）、9 位（乡镇街道）或 12 位（村、社区）",
            "order": 1,
            "description": "事发地所在区划",
        },
        {
            "variable": True,
            "code": "package",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "一件事代码",
            "order": 2,
            "description": "想办的一件事（如有）",
            "values": [{"key": c, "name": n} for c, n in packages],
        },
        {
            "variable": True,
            "code": "item",
            "datatype": "string",
            "required": False,
            "datatype_description": "事项代码",
            "order": 3,
            "description": "想办的事项（如有）",
        },
    ]
    return _render(
        fmt, {"service_code": kind.value, "attributes": attributes}, root="service_definition", item=None
    )


# --- requests ------------------------------------------------------------------------------------


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return dt.datetime.combine(value, dt.time(18, 0)).isoformat(timespec="seconds") + "+08:00"


def _request_out(report: Report, *, own: bool) -> dict[str, Any]:
    due = max((o.due_on for o in report.orders.all()), default=None)
    region = report.region
    return {
        "service_request_id": report.reference,
        "status": rr.open311_status(report.status),
        "status_notes": report.reply or report.get_status_display(),
        "service_name": ReportKind(report.kind).label,
        "service_code": report.kind,
        "description": report.description if own else None,
        "agency_responsible": report.coordinator.name,
        "service_notice": None,
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(due),
        "address": (f"{region.name} {report.address}".strip() if own else region.name),
        "address_id": region.code,
        "zipcode": None,
        "lat": report.latitude if own else rr.public_coordinate(report.latitude),
        "long": report.longitude if own else rr.public_coordinate(report.longitude),
        "media_url": None,
    }


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    partner = _partner(request, required=True)
    assert partner is not None
    data = request.POST
    if data.get("media_url"):
        raise ValidationFailed(
            "不接受 media_url（服务器不抓取外部地址），请以 media 文件字段上传照片", field="media_url"
        )
    kind = data.get("service_code", "")
    if kind not in ReportKind.values:
        raise ValidationFailed(f"没有服务代码“{kind[:40]}”", field="service_code")
    contact = {f: " ".join(data.get(f, "").split())[:100] for f in CONTACT_FIELDS if data.get(f, "").strip()}
    photos = [PhotoIn(f, filename=f.name or "") for f in request.FILES.getlist("media")]
    report = report_submit(
        reporter=reporter_for_partner(partner),
        kind=kind,
        description=data.get("description", ""),
        region_code=data.get("attribute[region]", ""),
        package_code=data.get("attribute[package]", ""),
        item_code=data.get("attribute[item]", ""),
        latitude=data.get("lat"),
        longitude=data.get("long"),
        address=data.get("address_string", ""),
        photos=photos,
        contact=contact or None,
    )
    body = [
        {
            "service_request_id": report.reference,
            "token": report.token,
            "service_notice": f"已转{report.coordinator.name}协调办理",
            "account_id": None,
        }
    ]
    return _render(fmt, body, root="service_requests", item="request", status=201)


def _when(value: str | None, field: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(f"{field} 应为 ISO 8601 日期时间（如 2026-03-02T09:00:00+08:00）", field=field)
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


@endpoint("GET", "POST")
def requests_(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    partner = _partner(request, required=False)
    query = request.GET
    ids = [i.strip() for i in query.get("service_request_id", "").split(",") if i.strip()][:100] or None
    # status and service_code may be comma lists (the spec: "can be declared multiple times").
    statuses = {s.strip() for s in query.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise ValidationFailed("status 只能是 open 或 closed（可用逗号分隔）", field="status")
    status = statuses.pop() if len(statuses) == 1 else ""
    codes = {c.strip() for c in query.get("service_code", "").split(",") if c.strip()}
    for c in codes:
        _kind(c)
    code = codes.pop() if len(codes) == 1 else ""
    start = _when(query.get("start_date"), "start_date")
    end = _when(query.get("end_date"), "end_date")
    if ids is None:  # service_request_id overrides every other argument (the spec)
        start, end = rr.open311_range(start, end, now=clock.now())
    rows = selectors.open311_requests(ids=ids, kind=code, status=status, start=start, end=end)
    body = [_request_out(r, own=selectors.is_own(r, partner)) for r in rows]
    return _render(fmt, body, root="service_requests", item="request")


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, *, fmt: str) -> HttpResponse:
    partner = _partner(request, required=False)
    rows = selectors.open311_requests(ids=[request_id.strip()[:40]])
    if not rows:
        raise NotFound("没有找到该反映", field="service_request_id")
    body = [_request_out(rows[0], own=selectors.is_own(rows[0], partner))]
    return _render(fmt, body, root="service_requests", item="request")


@endpoint("GET")
def token(request: HttpRequest, value: str, *, fmt: str) -> HttpResponse:
    report = selectors.open311_by_token(value)
    body = [{"service_request_id": report.reference, "token": report.token}]
    return _render(fmt, body, root="service_requests", item="request")


urlpatterns = [
    path("discovery.<str:fmt>", discovery, name="open311_discovery"),
    path("services.<str:fmt>", services, name="open311_services"),
    path("services/<str:code>.<str:fmt>", service_definition, name="open311_service"),
    path("requests.<str:fmt>", requests_, name="open311_requests"),
    path("requests/<str:request_id>.<str:fmt>", request_detail, name="open311_request"),
    path("tokens/<str:value>.<str:fmt>", token, name="open311_token"),
]
