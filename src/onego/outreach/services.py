"""Writes of proactive service: taking registry events in, making offers, the offer's SMS, opting out,
and the one-click start. Every write is one transaction with its ledger entry; the SMS is sent after
commit by a task enqueued in that transaction (the database task backend commits it with the offer).

    pull_events()        every feed: new events → ReceivedEvent (the cursor moves in the same transaction)
    match_events()       every event not yet matched → one Offer per person per rule (unique), notified
    deliver_offer_sms()  the task body: send one offer's SMS at most once
    opt_out() / opt_in() a person's choice, per rule or for all, recorded append-only
    offer_start()        one click: the package's application started through onego.applications, the
                         scenario questions the rule knows answered; consent is still asked there
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from onego.applications.drafts import draft_answer, draft_questions, draft_start
from onego.applications.models import ApplicationDraft
from onego.cases.channels import Message, channel_for
from onego.catalog import models as cm
from onego.catalog.rules.expressions import QuestionSpec
from onego.catalog.selectors import is_offered
from onego.core import clock
from onego.core.errors import NotFound, ValidationFailed
from onego.exchange.events import EVENT_FEEDS, contact_phone, registry_events
from onego.ledger.services import ledger_record
from onego.outreach.eligibility import RULES_DIR, Rule, RuleSet, check_package_answers, matches, read_rules
from onego.outreach.models import (
    EventCursor,
    Offer,
    OfferStatus,
    OptOutChoice,
    Pin,
    ReceivedEvent,
    SmsStatus,
)
from onego.registries.base import RegistryError, Subject
from onego.signin.session import SignedIn

logger = logging.getLogger(__name__)

ACTOR = "platform:outreach"
SMS_MAX_ATTEMPTS = 5
PULL_PAGE = 200


# --- the rules in force ---------------------------------------------------------------------------------
def active_rules() -> RuleSet:
    """The rules that passed their examples and name a package (and answers) the catalog has."""
    ruleset = read_rules(RULES_DIR)
    if ruleset.issues:
        logger.warning("outreach rules refused:\n%s", ruleset.problems_text())
    ok: list[Rule] = []
    for rule in ruleset.rules:
        problems = catalog_problems(rule)
        if problems:
            logger.warning("outreach rule %s refused: %s", rule.code, "; ".join(problems))
            continue
        ok.append(rule)
    return RuleSet(tuple(ok), ruleset.issues)


def catalog_problems(rule: Rule) -> list[str]:
    package = cm.Package.objects.filter(code=rule.package).first()
    questions = (
        {
            q.ident: QuestionSpec(ident=q.ident, type=q.type, choices=tuple(q.choices), text=q.text)
            for q in package.questions.all()
        }
        if package
        else {}
    )
    return check_package_answers(rule, package_exists=package is not None, questions=questions)


# --- taking events in -----------------------------------------------------------------------------------
@dataclass
class PullResult:
    received: int = 0
    unavailable: tuple[str, ...] = ()


def pull_events(*, registries: tuple[str, ...] = EVENT_FEEDS, limit: int = PULL_PAGE) -> PullResult:
    """Read each feed from its cursor through the exchange; store what is new and move the cursor, in one
    transaction per page. Idempotent: a page read twice (a retry after a crash) is stored once."""
    out = PullResult()
    down: list[str] = []
    for registry in registries:
        while True:
            cursor, _ = EventCursor.objects.get_or_create(registry=registry)
            try:
                # Read outside any transaction: network I/O must not hold locks.
                events = registry_events(registry, after=cursor.position, limit=limit)
            except RegistryError as exc:
                logger.warning("event feed %s: %s", registry, exc.message)
                down.append(registry)
                break
            if not events:
                break
            with transaction.atomic():
                locked = EventCursor.objects.select_for_update().get(pk=cursor.pk)
                fresh = [e for e in events if e.sequence > locked.position]
                for e in fresh:
                    _, created = ReceivedEvent.objects.get_or_create(
                        key=e.key,
                        defaults={
                            "registry": registry,
                            "sequence": e.sequence,
                            "kind": e.kind,
                            "occurred_on": e.occurred_on,
                            "region_code": e.region_code,
                            "people_sealed": json.dumps(
                                [{"role": p.role, "key": p.key} for p in e.people], ensure_ascii=False
                            ),
                            "facts": e.facts,
                        },
                    )
                    out.received += int(created)
                if fresh:
                    locked.position = max(e.sequence for e in fresh)
                    locked.save(update_fields=["position", "updated_at"])
            if len(events) < limit:
                break
    out.unavailable = tuple(down)
    return out


# --- offers ---------------------------------------------------------------------------------------------
def _opted_out(person_index: str, rule_code: str) -> bool:
    """The latest choice about this rule, else about all rules; no choice: not opted out."""
    for code in (rule_code, ""):
        latest = (
            OptOutChoice.objects.filter(person_index=person_index, rule_code=code)
            .order_by("-created_at")
            .values_list("opted_out", flat=True)
            .first()
        )
        if latest is not None:
            return bool(latest)
    return False


def _region_for(event: ReceivedEvent) -> str:
    region = cm.Region.objects.filter(code=event.region_code).first()
    if region is not None and region.level in ("county", "city"):
        return region.code
    return str(settings.ONEGO_DEFAULT_REGION)


@dataclass
class MatchResult:
    events: int = 0
    offers: int = 0
    withheld: int = 0


def match_events(*, ruleset: RuleSet | None = None, limit: int = 500) -> MatchResult:
    """Make the offers of every event not yet matched: one per person per rule per event.

    Each event is one transaction (its offers, their ledger entries, their SMS tasks, and the mark that
    it was matched). A retry — the task run again, two workers at once — finds the event matched, or
    its offers already there (the unique constraint), and makes no second offer.
    """
    rules = ruleset or active_rules()
    out = MatchResult()
    pending = list(
        ReceivedEvent.objects.filter(matched_at__isnull=True)
        .order_by("registry", "sequence")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in pending:
        with transaction.atomic():
            event = ReceivedEvent.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if event is None or event.matched_at is not None:
                continue
            people = json.loads(event.people_sealed or "[]")
            for rule in rules.for_event(event.kind):
                if not matches(rule, event.facts):
                    continue
                for person in people:
                    if person["role"] not in rule.notify:
                        continue
                    made = _make_offer(event=event, rule=rule, role=person["role"], key=person["key"])
                    if made is None:
                        continue
                    if made.status == OfferStatus.WITHHELD:
                        out.withheld += 1
                    else:
                        out.offers += 1
            event.matched_at = clock.now()
            event.save(update_fields=["matched_at", "updated_at"])
            out.events += 1
    return out


def _make_offer(*, event: ReceivedEvent, rule: Rule, role: str, key: str) -> Offer | None:
    from onego.outreach.tasks import send_offer_sms

    subject = Subject("person", key)
    if Offer.objects.filter(event=event, rule_code=rule.code, person_index=subject.index).exists():
        return None
    package = cm.Package.objects.get(code=rule.package)
    withheld = _opted_out(subject.index, rule.code)
    region_code = _region_for(event)
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                event=event,
                rule_code=rule.code,
                rule_version=rule.version,
                rule_name=rule.name,
                rule_name_en=rule.name_en,
                person_index=subject.index,
                person_sealed=key,
                role=role,
                package_code=package.code,
                package_name=package.name,
                package_name_en=package.name_en,
                region_code=region_code,
                answers=dict(rule.answers),
                message=rule.message[:300],
                message_en=rule.message_en[:500],
                channels=[] if withheld else ["site", "sms"],
                status=OfferStatus.WITHHELD if withheld else OfferStatus.OFFERED,
                sms_status=SmsStatus.NONE if withheld else SmsStatus.PENDING,
            )
    except IntegrityError:
        return None
    ledger_record(
        kind="outreach.offer",
        actor=ACTOR,
        subject_ref=subject.index,
        payload={
            "offer": str(offer.pk),
            "rule": rule.code,
            "rule_version": rule.version,
            "event": event.key,
            "package": package.code,
            "channels": offer.channels,
            "status": offer.status,
        },
    )
    if not withheld:
        send_offer_sms.enqueue(str(offer.pk))
    return offer


def sms_text(offer: Offer) -> str:
    base = str(getattr(settings, "ONEGO_PUBLIC_URL", "") or "").rstrip("/")
    where = f"{base}/me/offers/" if base else "“一件事一次办”网站首页“为您推荐”"
    return f"【一件事一次办】{offer.message} 一键办理请登录：{where}。不想再收到此类提醒，可在该页面退订。"


def deliver_offer_sms(*, offer_id: str) -> str:
    """Send one offer's SMS if it is still pending (row locked while it is sent: at most once per worker).

    The phone is read from the population register through the exchange first, outside the
    transaction (a registry over HTTP must not hold the row lock); the row is then locked and checked
    again, so an opt-out that came in between still stops the message."""
    first = Offer.objects.filter(pk=offer_id).only("sms_status", "person_sealed").first()
    if first is None:
        return "missing"
    if first.sms_status != SmsStatus.PENDING:
        return str(first.sms_status)
    phone = contact_phone(Subject("person", first.person_sealed))
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        if offer.sms_status != SmsStatus.PENDING:
            return str(offer.sms_status)
        if _opted_out(offer.person_index, offer.rule_code):
            offer.sms_status = SmsStatus.NONE
            offer.save(update_fields=["sms_status", "updated_at"])
            return "opted_out"
        offer.sms_attempts += 1
        if not phone:
            offer.sms_status = (
                SmsStatus.FAILED if offer.sms_attempts >= SMS_MAX_ATTEMPTS else SmsStatus.PENDING
            )
            offer.save(update_fields=["sms_status", "sms_attempts", "updated_at"])
            return "no_phone"
        try:
            channel_for("sms").send(
                Message(key=f"offer-{offer.pk}", to=phone, subject="", body=sms_text(offer))
            )
        except Exception as exc:  # any channel failure: left pending for the tick, given up after a few
            logger.warning("offer sms %s: %s", offer.pk, type(exc).__name__)
            if offer.sms_attempts >= SMS_MAX_ATTEMPTS:
                offer.sms_status = SmsStatus.FAILED
            offer.save(update_fields=["sms_status", "sms_attempts", "updated_at"])
            return "failed"
        offer.sms_status = SmsStatus.SENT
        offer.sms_sent_at = clock.now()
        offer.save(update_fields=["sms_status", "sms_attempts", "sms_sent_at", "updated_at"])
        return "sent"


def sweep_offer_sms() -> int:
    """Re-enqueue offers whose SMS is still pending (a lost task, a registry that did not answer)."""
    from onego.outreach.tasks import send_offer_sms

    ids = list(Offer.objects.filter(sms_status=SmsStatus.PENDING).values_list("pk", flat=True)[:1000])
    with transaction.atomic():
        for pk in ids:
            send_offer_sms.enqueue(str(pk))
    return len(ids)


# --- the person's side ----------------------------------------------------------------------------------
def access_offer(*, person_index: str, offer_id: Any) -> Offer:
    """The offer if it is this person's and was sent to them; NotFound alike otherwise."""
    try:
        pk = offer_id if isinstance(offer_id, uuid.UUID) else uuid.UUID(str(offer_id))
    except (TypeError, ValueError, AttributeError):
        raise NotFound("没有找到该推荐", field="offer") from None
    offer = (
        Offer.objects.filter(pk=pk, person_index=person_index).exclude(status=OfferStatus.WITHHELD).first()
    )
    if offer is None:
        raise NotFound("没有找到该推荐", field="offer")
    return offer


@transaction.atomic
def opt_out(*, person_index: str, rule_code: str = "", channel: str = "web") -> OptOutChoice:
    """Stop offers of one rule ("" = every rule). Recorded, and in the ledger; pending SMS are not sent."""
    return _choose(person_index=person_index, rule_code=rule_code, opted_out=True, channel=channel)


@transaction.atomic
def opt_in(*, person_index: str, rule_code: str = "", channel: str = "web") -> OptOutChoice:
    return _choose(person_index=person_index, rule_code=rule_code, opted_out=False, channel=channel)


def _choose(*, person_index: str, rule_code: str, opted_out: bool, channel: str) -> OptOutChoice:
    if (
        rule_code
        and active_rules().by_code(rule_code) is None
        and not Offer.objects.filter(rule_code=rule_code, person_index=person_index).exists()
    ):
        raise ValidationFailed(f"没有编号为“{rule_code}”的主动服务规则", field="rule")
    choice = OptOutChoice.objects.create(
        person_index=person_index, rule_code=rule_code, opted_out=opted_out, channel=channel
    )
    if opted_out:
        pending = Offer.objects.filter(person_index=person_index, sms_status=SmsStatus.PENDING)
        if rule_code:
            pending = pending.filter(rule_code=rule_code)
        pending.update(sms_status=SmsStatus.NONE, updated_at=clock.now())
    ledger_record(
        kind="outreach.opt_out" if opted_out else "outreach.opt_in",
        actor=f"applicant:{person_index}",
        subject_ref=person_index,
        payload={"rule": rule_code or "*", "channel": channel},
    )
    return choice


def opted_out_rules(person_index: str) -> dict[str, bool]:
    """rule code ("" = all) → whether the person is opted out now (latest choice per rule)."""
    out: dict[str, bool] = {}
    for code, value in (
        OptOutChoice.objects.filter(person_index=person_index)
        .order_by("created_at")
        .values_list("rule_code", "opted_out")
    ):
        out[code] = bool(value)
    return out


@transaction.atomic
def offer_dismiss(*, signed_in: SignedIn, offer_id: Any) -> Offer:
    offer = access_offer(person_index=signed_in.person.index, offer_id=offer_id)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == OfferStatus.OFFERED:
        offer.status = OfferStatus.DISMISSED
        offer.dismissed_at = clock.now()
        offer.save(update_fields=["status", "dismissed_at", "updated_at"])
    return offer


@transaction.atomic
def offer_start(*, user: Any, signed_in: SignedIn, offer_id: Any) -> ApplicationDraft:
    """One click: start (or resume) the package's application and answer the scenario questions the rule
    knows. The draft then asks what only the applicant can say, and asks for consent before anything is
    fetched (onego.applications.drafts): the offer never grants consent on the person's behalf."""
    if signed_in.for_enterprise:
        raise ValidationFailed("该推荐是给您本人的，请先切换为以个人身份办理", field="subject")
    offer = access_offer(person_index=signed_in.person.index, offer_id=offer_id)
    package = cm.Package.objects.filter(code=offer.package_code).first()
    region = cm.Region.objects.filter(code=offer.region_code).first()
    if package is None or region is None or not is_offered(package, region):
        raise ValidationFailed("该一件事目前不在您所在地区提供", field="region")
    draft = draft_start(
        user=user, signed_in=signed_in, package_code=offer.package_code, region_code=region.code
    )
    asked = {q.ident for q in draft_questions(draft)}
    for ident, value in offer.answers.items():
        if ident in asked and ident not in (draft.answers or {}):
            draft_answer(draft=draft, ident=ident, raw=value)
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    if locked.status != OfferStatus.STARTED:
        locked.status = OfferStatus.STARTED
        locked.started_at = clock.now()
    locked.draft_id = draft.pk
    locked.save(update_fields=["status", "started_at", "draft_id", "updated_at"])
    ledger_record(
        kind="outreach.start",
        actor=f"applicant:{signed_in.person.index}",
        subject_ref=signed_in.person.index,
        payload={"offer": str(offer.pk), "package": offer.package_code, "draft": str(draft.pk)},
    )
    return ApplicationDraft.objects.get(pk=draft.pk)


# --- pins (常用) ----------------------------------------------------------------------------------------
MAX_PINS = 12


@transaction.atomic
def pin_package(*, person_index: str, package_code: str, region_code: str = "") -> Pin:
    """Pin a package to the person's home page (idempotent); it also counts as a favourite in the region."""
    package = cm.Package.objects.filter(code=package_code, active=True).first()
    if package is None:
        raise NotFound("没有找到该一件事", field="package")
    existing = Pin.objects.filter(person_index=person_index, package_code=package.code).first()
    if existing is not None:
        return existing
    if Pin.objects.filter(person_index=person_index).count() >= MAX_PINS:
        raise ValidationFailed(f"首页最多固定 {MAX_PINS} 件事，请先取消一些", field="package")
    region = cm.Region.objects.filter(code=region_code).values_list("code", flat=True).first() or ""
    try:
        with transaction.atomic():
            return Pin.objects.create(
                person_index=person_index, package_code=package.code, region_code=region
            )
    except IntegrityError:  # pinned twice at once
        return Pin.objects.get(person_index=person_index, package_code=package.code)


@transaction.atomic
def unpin_package(*, person_index: str, package_code: str) -> bool:
    deleted, _ = Pin.objects.filter(person_index=person_index, package_code=package_code).delete()
    return bool(deleted)
