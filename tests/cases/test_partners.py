"""Partner steps through the partner API: signed webhooks out, retries with back-off, escalation,
signed callbacks in (good, bad, expired, replayed), idempotency, and the simulated partner."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from onego.cases import webhooks
from onego.cases.models import (
    Case,
    Notification,
    PartnerCallback,
    PartnerDelivery,
    PartnerDeliveryStatus,
    PartnerEndpoint,
    SubCaseTransition,
)
from onego.cases.services.decisions import subcase_partner_report
from onego.cases.services.partners import (
    BACKOFF,
    MAX_ATTEMPTS,
    partner_delivery_retry,
    partner_endpoint_set,
    route_partner,
    sweep_partner_deliveries,
)
from onego.cases.services.submission import case_withdraw
from onego.cases.workflow import InvalidTransition, SubCaseStatus
from onego.core import clock, pii
from onego.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.cases.conftest import Staff
from tests.cases.factories import subcase
from tests.cases.partner_builders import (
    DELIVER,
    SECRET,
    call_back,
    callback_body,
    delivery_of,
    import_partner_catalog,
    loopback_receiver,
    run_deliveries,
    signed,
    started_case,
)

pytestmark = pytest.mark.django_db
S = SubCaseStatus
D = PartnerDeliveryStatus


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path  # the SMS log of any notification sent


@pytest.fixture
def staff(db: None, tmp_path: Path) -> Staff:
    import_partner_catalog(tmp_path)
    return Staff()


def endpoint(url: str = "local:", partner: str = "gy-bank", **kw: Any) -> PartnerEndpoint:
    return partner_endpoint_set(partner_code=partner, url=url, secret=SECRET, **kw)[0]


# --- signatures (pure) ------------------------------------------------------------------------------


def test_a_signature_verifies_over_the_exact_bytes_and_time() -> None:
    body = b'{"a":1}'
    headers = webhooks.sign(SECRET, body, now=1_772_415_000)
    assert headers[webhooks.TIMESTAMP_HEADER] == "1772415000"
    assert headers[webhooks.SIGNATURE_HEADER].startswith("hmac-sha256=")
    webhooks.verify(
        SECRET,
        body,
        timestamp=headers[webhooks.TIMESTAMP_HEADER],
        given=headers[webhooks.SIGNATURE_HEADER],
        now=1_772_415_299,
    )
    cases: list[tuple[dict[str, Any], str]] = [
        ({"body": b'{"a":2}'}, "签名校验失败"),  # tampered body
        ({"secret": "another-secret-0123456789"}, "签名校验失败"),
        ({"now": 1_772_415_301}, "签名时间与平台时间相差超过 5 分钟，请求已过期或时钟不准"),
        ({"now": 1_772_414_699}, "签名时间与平台时间相差超过 5 分钟，请求已过期或时钟不准"),
        ({"timestamp": None}, "缺少签名：请求头须包含 X-OneGo-Timestamp 和 X-OneGo-Signature"),
        ({"timestamp": "soon"}, "X-OneGo-Timestamp 应为 Unix 时间（秒）"),
        ({"algorithm": "hmac-sm3"}, "签名校验失败"),  # signed with SHA-256, checked as SM3
    ]
    for change, message in cases:
        args: dict[str, Any] = {
            "secret": SECRET,
            "body": body,
            "timestamp": headers[webhooks.TIMESTAMP_HEADER],
            "given": headers[webhooks.SIGNATURE_HEADER],
            "now": 1_772_415_000,
            **change,
        }
        secret, raw = args.pop("secret"), args.pop("body")
        with pytest.raises(webhooks.SignatureInvalid) as err:
            webhooks.verify(secret, raw, **args)
        assert err.value.message == message, change


def test_sm3_signatures_for_partners_that_use_guomi() -> None:
    headers = webhooks.sign(SECRET, b"x", now=100, algorithm="hmac-sm3")
    assert headers[webhooks.SIGNATURE_HEADER].startswith("hmac-sm3=")
    webhooks.verify(
        SECRET,
        b"x",
        timestamp="100",
        given=headers[webhooks.SIGNATURE_HEADER],
        now=100,
        algorithm="hmac-sm3",
    )


def test_endpoint_urls_are_https_or_loopback_or_the_simulator() -> None:
    for ok in ("https://bank.example.cn/hook", "http://127.0.0.1:9000/x", "http://localhost/x", "local:"):
        assert webhooks.check_endpoint_url(ok) == ok
    for bad in ("http://bank.example.cn/hook", "http://10.0.0.5/x", "file:///etc/passwd", "ftp://x", ""):
        with pytest.raises(ValidationFailed):
            webhooks.check_endpoint_url(bad)


# --- configuration and routing --------------------------------------------------------------------


def test_the_shared_secret_is_encrypted_at_rest(staff: Staff) -> None:
    made, generated = partner_endpoint_set(partner_code="gz-bank", url="local:")
    assert generated is not None
    assert len(generated) >= 32
    assert pii.is_token(made.secret_sealed)
    assert generated not in made.secret_sealed
    assert pii.decrypt(made.secret_sealed) == generated
    # Changing the URL keeps the secret; giving one replaces it.
    again, none = partner_endpoint_set(partner_code="gz-bank", url="https://bank.example.cn/hook")
    assert none is None
    assert pii.decrypt(again.secret_sealed) == generated
    with pytest.raises(ValidationFailed):
        partner_endpoint_set(partner_code="gz-bank", url="local:", secret="short")
    with pytest.raises(NotFound):
        partner_endpoint_set(partner_code="no-such-bank", url="local:")


def test_the_most_local_connected_partner_of_the_kind_is_chosen(staff: Staff) -> None:
    assert route_partner("bank", "520102") is None  # nobody connected yet
    endpoint(partner="gz-bank")
    endpoint(partner="yn-bank")
    assert route_partner("bank", "520102").code == "gz-bank"  # type: ignore[union-attr]
    endpoint(partner="gy-bank")
    assert route_partner("bank", "520102").code == "gy-bank"  # type: ignore[union-attr]
    assert route_partner("bank", "520500").code == "gz-bank"  # type: ignore[union-attr]  # 毕节: province
    assert route_partner("power", "520102") is None


# --- outbound --------------------------------------------------------------------------------------


def test_starting_the_step_writes_its_delivery_and_task_in_the_same_transaction(staff: Staff) -> None:
    endpoint()
    seen: list[int] = []

    def approve_then_fail() -> None:
        with transaction.atomic():
            started_case(staff)
            seen.extend(
                [PartnerDelivery.objects.count(), DBTaskResult.objects.filter(task_path=DELIVER).count()]
            )
            raise RuntimeError("the approval rolls back")

    with pytest.raises(RuntimeError):
        approve_then_fail()
    assert seen == [1, 1]
    assert PartnerDelivery.objects.count() == 0
    assert DBTaskResult.objects.filter(task_path=DELIVER).count() == 0

    case = started_case(staff)
    delivery = delivery_of(case)
    assert (delivery.status, delivery.partner.code, delivery.attempts) == ("pending", "gy-bank", 0)  # type: ignore[union-attr]
    assert DBTaskResult.objects.filter(task_path=DELIVER).count() == 1
    assert SubCaseTransition.objects.filter(subcase=delivery.subcase, action="partner_dispatched").exists()


def test_the_step_is_posted_signed_with_only_the_data_it_needs(staff: Staff) -> None:
    with loopback_receiver() as partner:
        endpoint(partner.url)
        case = started_case(staff)
        assert run_deliveries() == ["sent"]
    [request] = partner.received
    headers = {k.lower(): v for k, v in request.headers.items()}
    webhooks.verify(
        SECRET,
        request.body,
        timestamp=headers["x-onego-timestamp"],
        given=headers["x-onego-signature"],
        now=clock.now().timestamp(),
    )
    body = json.loads(request.body)
    delivery = delivery_of(case)
    assert body["delivery"] == headers["x-onego-delivery"] == str(delivery.pk)
    assert headers["x-onego-attempt"] == "1"
    assert body["case_reference"] == case.reference
    assert body["step"] == "bank_account"
    # PartnerStep.fields of the test package: the enterprise name and the account type — nothing else.
    assert body["data"] == {
        "enterprise.name": "南明区好味道餐饮有限公司",
        "bank.account_type": "基本存款账户",
    }
    assert body["callback_url"].endswith("/api/v1/partners/callbacks/gy-bank")
    assert "person.id_number" not in request.body.decode()
    assert (delivery.status, delivery.attempts, delivery.last_http_status) == (D.SENT, 1, 200)
    reasons = [t.reason for t in delivery.subcase.transitions.filter(action="partner_sent")]
    assert reasons == ["已送达贵阳市测试银行（HTTP 200），等待合作机构办理"]


def test_a_failing_partner_is_retried_with_back_off_then_the_lead_department_is_told(
    staff: Staff, monday_morning: Any
) -> None:
    with loopback_receiver(answers=[503] * MAX_ATTEMPTS) as partner:
        endpoint(partner.url)
        case = started_case(staff)
        outcomes = run_deliveries()
        for wait in BACKOFF:
            assert run_deliveries() == []  # not before its time
            monday_morning.shift(wait + dt.timedelta(seconds=1))
            outcomes += run_deliveries()
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert len(partner.received) == MAX_ATTEMPTS
    delivery = delivery_of(case)
    assert (delivery.status, delivery.attempts, delivery.last_http_status) == (D.FAILED, MAX_ATTEMPTS, 503)
    tries = list(delivery.attempt_log.all())
    assert [t.number for t in tries] == [1, 2, 3, 4, 5]
    assert all(t.http_status == 503 and not t.ok for t in tries)
    gaps = [round((t.next_attempt_at - t.at).total_seconds() / 60) for t in tries[:-1]]  # type: ignore[operator]
    assert gaps == [1, 5, 25, 125]
    assert tries[-1].next_attempt_at is None
    # Escalated: on both timelines, and the lead department's lead officer is e-mailed.
    assert delivery.subcase.transitions.filter(action="partner_escalate").count() == 1
    assert (
        case.transitions.filter(action="partner_escalate")
        .get()
        .reason.startswith("“银行预约开户”第5次发送失败")
    )
    told = Notification.objects.get(case=case, kind="partner_failed")
    assert told.recipient == staff.lead
    assert subcase(case, "bank_account").status == S.PENDING  # not decided: the partner never saw it


def test_a_partner_that_is_down_once_gets_the_step_on_the_next_try(staff: Staff, monday_morning: Any) -> None:
    with loopback_receiver(answers=[500]) as partner:
        endpoint(partner.url)
        case = started_case(staff)
        assert run_deliveries() == ["retry"]
        assert (
            delivery_of(case)
            .subcase.transitions.filter(action="partner_retry")
            .get()
            .reason.startswith("第1次发送失败（HTTP 500")
        )
        monday_morning.shift(dt.timedelta(minutes=1, seconds=1))
        assert run_deliveries() == ["sent"]
    attempts = [{k.lower(): v for k, v in r.headers.items()}["x-onego-attempt"] for r in partner.received]
    assert attempts == ["1", "2"]
    assert delivery_of(case).status == D.SENT


def test_without_a_connected_partner_the_step_is_escalated_at_once(staff: Staff) -> None:
    case = started_case(staff)
    delivery = delivery_of(case)
    assert (delivery.status, delivery.partner) == (D.FAILED, None)
    assert DBTaskResult.objects.filter(task_path=DELIVER).count() == 0
    assert Notification.objects.filter(case=case, kind="partner_failed", recipient=staff.lead).exists()


def test_the_lead_department_sends_a_failed_step_again(staff: Staff) -> None:
    case = started_case(staff)  # nobody connected: failed at once
    bank = subcase(case, "bank_account")
    with pytest.raises(PermissionDenied):
        partner_delivery_retry(actor=staff.officer, subcase_id=bank.pk)
    endpoint()
    again = partner_delivery_retry(actor=staff.lead, subcase_id=bank.pk)
    assert (again.status, again.partner.code) == (D.PENDING, "gy-bank")  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        partner_delivery_retry(actor=staff.lead, subcase_id=bank.pk)
    assert run_deliveries() == ["sent"]


def test_a_withdrawn_case_is_not_sent(staff: Staff) -> None:
    endpoint()
    case = started_case(staff)
    case_withdraw(actor=staff.clerk, case_id=case.pk, reason="申请人不再开店")
    assert run_deliveries() == ["cancelled"]
    assert delivery_of(case).status == D.CANCELLED


def test_the_sweep_picks_up_a_delivery_whose_worker_died(staff: Staff, monday_morning: Any) -> None:
    endpoint()
    case = started_case(staff)
    DBTaskResult.objects.filter(task_path=DELIVER).delete()  # the task was lost
    assert sweep_partner_deliveries() == 0  # not overdue yet
    monday_morning.shift(dt.timedelta(minutes=11))
    assert sweep_partner_deliveries() == 1
    assert run_deliveries() == ["sent"]
    assert delivery_of(case).status == D.SENT


# --- inbound ---------------------------------------------------------------------------------------


@pytest.fixture
def sent(staff: Staff) -> Case:
    endpoint()
    endpoint(partner="gz-bank")
    case = started_case(staff)
    assert run_deliveries() == ["sent"]
    return case


def test_a_signed_callback_completes_the_step(staff: Staff, sent: Case) -> None:
    delivery = delivery_of(sent)
    body = callback_body(delivery, "done")
    result = call_back("gy-bank", body, signed(body))
    assert result.status == "applied"
    bank = subcase(sent, "bank_account")
    assert bank.status == S.APPROVED
    assert bank.external_ref == "BANK-0001"
    assert bank.opinion == "已开立基本存款账户，账号 6217 0000 1234 5678"
    assert bank.decided_by_label == "合作机构 gy-bank"
    delivery.refresh_from_db()
    assert delivery.status == D.ACKNOWLEDGED
    assert delivery.acknowledged_at is not None


def test_started_then_done_and_a_late_started_is_refused(staff: Staff, sent: Case) -> None:
    delivery = delivery_of(sent)
    for outcome in ("started", "done"):
        body = callback_body(delivery, outcome)
        call_back("gy-bank", body, signed(body))
    assert subcase(sent, "bank_account").status == S.APPROVED
    late = callback_body(delivery, "started")
    with pytest.raises(InvalidTransition):
        call_back("gy-bank", late, signed(late))
    assert subcase(sent, "bank_account").status == S.APPROVED
    assert not PartnerCallback.objects.filter(outcome="started").exclude(result="applied").exists()


def test_the_same_callback_twice_changes_nothing_the_second_time(staff: Staff, sent: Case) -> None:
    delivery = delivery_of(sent)
    body = callback_body(delivery, "done", id="cb-0001")
    headers = signed(body)
    assert call_back("gy-bank", body, headers).status == "applied"
    bank = subcase(sent, "bank_account")
    history = SubCaseTransition.objects.filter(subcase=bank).count()
    replay = call_back("gy-bank", body, headers)  # the very same request again (a replay or a retry)
    assert (replay.status, replay.subcase_status) == ("duplicate", "approved")
    assert SubCaseTransition.objects.filter(subcase=bank).count() == history
    assert subcase(sent, "bank_account").version == bank.version
    assert PartnerCallback.objects.filter(callback_id="cb-0001").count() == 1
    # A new callback id with the same news is accepted and changes nothing either.
    other = callback_body(delivery, "done", id="cb-0002")
    assert call_back("gy-bank", other, signed(other)).status == "unchanged"
    # The same id with another body is not a retry.
    forged = callback_body(delivery, "failed", id="cb-0001")
    with pytest.raises(Conflict):
        call_back("gy-bank", forged, signed(forged))


@pytest.mark.parametrize(
    ("partner", "tamper", "message"),
    [
        (
            "gy-bank",
            lambda b, h: (b, {**h, webhooks.SIGNATURE_HEADER: "hmac-sha256=" + "0" * 64}),
            "签名校验失败",
        ),
        ("gy-bank", lambda b, h: (b.replace(b"done", b"failed"), h), "签名校验失败"),
        ("gy-bank", lambda b, h: (b, signed(b, secret="someone-elses-secret-123")), "签名校验失败"),
        (
            "gy-bank",
            lambda b, h: (b, signed(b, age=301)),
            "签名时间与平台时间相差超过 5 分钟，请求已过期或时钟不准",
        ),
        ("gy-bank", lambda b, h: (b, {}), "缺少签名：请求头须包含 X-OneGo-Timestamp 和 X-OneGo-Signature"),
        ("no-such-bank", lambda b, h: (b, h), "签名校验失败"),
        ("yn-bank", lambda b, h: (b, h), "签名校验失败"),  # in the catalog, not connected
    ],
)
def test_callbacks_that_cannot_be_verified_change_nothing(
    staff: Staff, sent: Case, partner: str, tamper: Any, message: str
) -> None:
    body = callback_body(delivery_of(sent), "done")
    body, headers = tamper(body, signed(body))
    with pytest.raises(webhooks.SignatureInvalid) as err:
        call_back(partner, body, headers)
    assert err.value.message == message
    assert subcase(sent, "bank_account").status == S.PENDING
    assert PartnerCallback.objects.count() == 0


def test_a_replay_after_five_minutes_is_refused_as_expired(
    staff: Staff, sent: Case, monday_morning: Any
) -> None:
    body = callback_body(delivery_of(sent), "started")
    headers = signed(body)
    assert call_back("gy-bank", body, headers).status == "applied"
    monday_morning.shift(dt.timedelta(minutes=6))
    with pytest.raises(webhooks.SignatureInvalid):
        call_back("gy-bank", body, headers)


def test_a_partner_reports_only_its_own_steps(staff: Staff, sent: Case) -> None:
    body = callback_body(delivery_of(sent), "done")
    with pytest.raises(NotFound):
        call_back("gz-bank", body, signed(body))  # correctly signed by another connected bank
    bad = callback_body(delivery_of(sent), "maybe")
    with pytest.raises(ValidationFailed):
        call_back("gy-bank", bad, signed(bad))
    assert subcase(sent, "bank_account").status == S.PENDING


def test_a_callback_during_a_retry_ends_the_retries(staff: Staff, monday_morning: Any) -> None:
    # The partner got the step but its answer was lost (503 to us): it calls back anyway.
    with loopback_receiver(answers=[503]) as partner:
        endpoint(partner.url)
        case = started_case(staff)
        assert run_deliveries() == ["retry"]
        body = callback_body(delivery_of(case), "done")
        call_back("gy-bank", body, signed(body))
        monday_morning.shift(dt.timedelta(minutes=2))
        assert run_deliveries() == ["acknowledged"]
    assert len(partner.received) == 1
    assert delivery_of(case).status == D.ACKNOWLEDGED


def test_a_failed_step_is_a_partner_rejection(staff: Staff, sent: Case) -> None:
    body = callback_body(delivery_of(sent), "failed", message="法定代表人身份核验未通过")
    call_back("gy-bank", body, signed(body))
    bank = subcase(sent, "bank_account")
    assert (bank.status, bank.opinion) == (S.REJECTED, "法定代表人身份核验未通过")


def test_the_existing_report_service_still_refuses_to_reopen_a_finished_step(
    staff: Staff, sent: Case
) -> None:
    bank = subcase(sent, "bank_account")
    subcase_partner_report(partner="gy-bank", subcase_id=bank.pk, outcome="done")
    with pytest.raises(InvalidTransition):
        subcase_partner_report(partner="gy-bank", subcase_id=bank.pk, outcome="started")


# --- the simulated partner of the demo ------------------------------------------------------------


def test_the_simulated_partner_delivers_and_calls_back_signed(staff: Staff) -> None:
    endpoint("local:")
    case = started_case(staff)
    out = StringIO()
    call_command("partners", "simulate", stdout=out)
    bank = subcase(case, "bank_account")
    assert bank.status == S.APPROVED
    assert bank.opinion.startswith("（模拟）已开立基本存款账户，账号 6217")
    delivery = delivery_of(case)
    assert delivery.status == D.ACKNOWLEDGED
    assert delivery.attempt_log.get().http_status == 202
    assert PartnerCallback.objects.get().result == "applied"
    assert "回调 1 个" in out.getvalue()
    # Running it again finds nothing to do.
    again = StringIO()
    call_command("partners", "simulate", stdout=again)
    assert "发送 0 个，回调 0 个" in again.getvalue()


def test_the_endpoint_command_prints_a_generated_secret_once(staff: Staff) -> None:
    out = StringIO()
    call_command("partners", "endpoint", "gz-bank", "--url", "local:", stdout=out)
    assert "共享密钥（只显示这一次" in out.getvalue()
    secret = out.getvalue().strip().rsplit("：", 1)[-1]
    assert pii.decrypt(PartnerEndpoint.objects.get(partner__code="gz-bank").secret_sealed) == secret


def test_the_admin_stores_a_new_secret_encrypted_and_never_shows_it(staff: Staff, client: Any) -> None:
    from django.contrib.auth import get_user_model

    from onego.catalog.models import Partner

    admin_user = get_user_model().objects.create_superuser("root", "root@example.gov.cn", None)
    client.force_login(admin_user)
    assert client.get("/admin/cases/partnerendpoint/add/").status_code == 200
    partner = Partner.objects.get(code="gz-bank")
    form = {
        "partner": partner.pk,
        "url": "http://bank.example.cn/hook",
        "algorithm": "hmac-sha256",
        "active": "on",
    }
    refused = client.post("/admin/cases/partnerendpoint/add/", {**form, "secret": SECRET})
    assert refused.status_code == 200  # http:// to another host is refused
    assert not PartnerEndpoint.objects.exists()
    no_secret = client.post("/admin/cases/partnerendpoint/add/", {**form, "url": "local:"})
    assert no_secret.status_code == 200
    assert "新建接口须设置共享密钥" in no_secret.content.decode()
    made = client.post("/admin/cases/partnerendpoint/add/", {**form, "url": "local:", "secret": SECRET})
    assert made.status_code == 302
    saved = PartnerEndpoint.objects.get(partner=partner)
    assert pii.decrypt(saved.secret_sealed) == SECRET
    page = client.get(f"/admin/cases/partnerendpoint/{saved.pk}/change/").content.decode()
    assert SECRET not in page
    assert saved.secret_sealed not in page
    kept = client.post(f"/admin/cases/partnerendpoint/{saved.pk}/change/", {**form, "url": "local:down"})
    assert kept.status_code == 302
    saved.refresh_from_db()
    assert (saved.url, pii.decrypt(saved.secret_sealed)) == ("local:down", SECRET)
