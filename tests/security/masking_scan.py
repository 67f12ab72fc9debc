"""Masking scan (the standing campaign, SECURITY.md TM-19): every response the Django test client gets and
every log line the project's handlers would write, during the suites that render pages and answer the API
(tests/portal, tests/workbench, tests/api, tests/security), is scanned for

* full ID numbers (居民身份证号码): 18 characters whose GB 11643 check character is right — a run of
  digits that merely looks like one (a reference number, a hash) is not counted;
* mobile phone numbers (11 digits, 1[3-9]…);
* bank card or account numbers: 16–19 digits passing the Luhn check.

A finding fails the test that produced it, unless the viewer is entitled:

* the applicant signed in (the portal's session) sees their own values: their ID number, the phone
  registered to them, and the values they gave on their own cases (contact phone, bank account);
* a staff member sees a case's values in full where the workbench shows them unmasked on purpose: an
  officer of a department that has a sub-case of that case to handle (`officer_sees_in_full`), or a window
  clerk of the case's region (the counter works with the applicant in front of them);
* anyone: a value they posted themselves in this very request, shown back in the form (a refused
  sign-in, a counter form with an error);
* in DEBUG only: the synthetic demo identities the demo's sign-in page names (docs/demo-identities.md);
* log lines: nobody — the log is masked for everyone.

Installed from tests/conftest.py (`pytest_plugins`); `scan_text` is the pure part, tested on its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from onego.core.validators import id_number_check_char

SCANNED = ("tests/portal/", "tests/workbench/", "tests/api/", "tests/security/", "tests/campaign/")

_ID = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d{9})(?![0-9A-Za-z])")
_DIGITS = re.compile(r"(?<![0-9A-Za-z])(\d{16,19})(?![0-9A-Za-z])")


@dataclass(frozen=True)
class Finding:
    kind: str  # id_number | phone | bank_account
    value: str


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _is_id_number(candidate: str) -> bool:
    v = candidate.upper()
    if id_number_check_char(v[:17]) != v[17]:
        return False
    month, day = int(v[10:12]), int(v[12:14])
    return 1 <= month <= 12 and 1 <= day <= 31 and v[6:8] in ("19", "20")


def scan_text(text: str) -> list[Finding]:
    """Full ID numbers (check-digit aware), phone numbers and Luhn-valid card numbers in `text`."""
    found: list[Finding] = []
    ids = set()
    for m in _ID.finditer(text):
        if _is_id_number(m.group(1)):
            ids.add(m.group(1))
            found.append(Finding("id_number", m.group(1).upper()))
    for m in _PHONE.finditer(text):
        found.append(Finding("phone", m.group(1)))
    for m in _DIGITS.finditer(text):
        if m.group(1) not in ids and _luhn(m.group(1)) and not _is_id_number(m.group(1).ljust(18, "0")[:18]):
            found.append(Finding("bank_account", m.group(1)))
    return found


# --- entitlement -------------------------------------------------------------------------------------------


def _owner_values(request: Any) -> set[str]:
    """Values the signed-in applicant owns: their registered phone and their cases' contact phones."""
    from onego.signin.session import SESSION_KEY

    session = getattr(request, "session", None)
    data = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(data, dict):
        return set()
    indexes = {data.get("person", {}).get("index"), data.get("acting", {}).get("index")} - {None}
    return {"owner-index:" + i for i in indexes}


def _published_demo_identity(value: str) -> bool:
    """The synthetic demo identities (docs/demo-identities.md) named on the demo's own pages in DEBUG."""
    from django.conf import settings

    from onego.registries.demo_identities import DEMO_IDENTITIES

    return settings.DEBUG and any(value in (d.key, d.phone) for d in DEMO_IDENTITIES)


def _entitled(finding: Finding, request: Any) -> bool:
    from onego.core.pii import blind_index

    if _published_demo_identity(finding.value):
        return True

    if request is not None and _sent_by_the_viewer(finding.value, request):
        return True
    user = getattr(request, "user", None)
    owner = _owner_values(request)
    if owner:  # an applicant's session: their own values only
        indexes = {v.split(":", 1)[1] for v in owner}
        if finding.kind == "id_number":
            return blind_index(finding.value, kind="person") in indexes
        return _phone_of(finding.value, owner)
    if user is None or not getattr(user, "is_authenticated", False) or owner:
        return False
    if finding.kind == "id_number":
        return _staff_sees_case_values(user, applicant_index=blind_index(finding.value, kind="person"))
    if finding.kind == "phone":
        return _staff_sees_phone(user, finding.value)
    return False


def _sent_by_the_viewer(value: str, request: Any) -> bool:
    """The form the viewer just posted, shown back to them (a refused sign-in, a counter form with an
    error): they typed it."""
    try:
        sent = [v for values in request.POST.lists() for v in values[1]]
    except Exception:  # a body that is not a form
        return False
    return any(value.upper() in str(v).upper() for v in sent)


def _phone_of(phone: str, owner: set[str]) -> bool:
    from onego.cases.models import Case
    from onego.core.pii import blind_index
    from onego.registries.models import Resident

    indexes = {v.split(":", 1)[1] for v in owner if v.startswith("owner-index:")}
    if Resident.objects.filter(id_index__in=indexes, phone_index=blind_index(phone, kind="phone")).exists():
        return True
    return any(_case_has_value(case, phone) for case in Case.objects.filter(applicant_index__in=indexes))


def _case_has_value(case: Any, value: str) -> bool:
    from onego.cases.formdata import form_values
    from onego.cases.services.notify import case_contact

    try:
        contact = case_contact(case)
    except Exception:  # a case without contact details
        contact = {}
    return value in {str(v) for v in form_values(case).values()} | {str(v) for v in contact.values()}


def _cases_user_may_see_in_full(user: Any) -> Any:
    from django.db.models import Q

    from onego.accounts.models import Membership, Role
    from onego.cases.models import Case, SubCase
    from onego.cases.workflow import CaseStatus, SubCaseStatus

    memberships = list(Membership.objects.filter(user=user).select_related("department__region"))
    departments = [m.department_id for m in memberships]
    handled = (
        SubCase.objects.filter(department_id__in=departments)
        .exclude(status__in=[SubCaseStatus.WAITING, SubCaseStatus.CANCELLED])
        .values("case_id")
    )
    regions = [m.department.region.code for m in memberships if m.role == Role.CLERK and m.department.region]
    at_counter = Q()
    for code in regions:
        at_counter |= Q(region__code__startswith=code.rstrip("0") or code)
    query = Q(pk__in=handled) & ~Q(status=CaseStatus.WITHDRAWN)
    if regions:
        query |= at_counter
    if user.is_superuser:
        return Case.objects.all()
    return Case.objects.filter(query)


def _staff_sees_case_values(user: Any, *, applicant_index: str) -> bool:
    return _cases_user_may_see_in_full(user).filter(applicant_index=applicant_index).exists()


def _staff_sees_phone(user: Any, phone: str) -> bool:
    return any(_case_has_value(case, phone) for case in _cases_user_may_see_in_full(user)[:200])


# --- the plugin: capture responses and log lines -----------------------------------------------------------


@dataclass
class _Collected:
    problems: list[str] = field(default_factory=list)
    responses: int = 0
    log_lines: int = 0


_current: _Collected | None = None
TOTALS = {"tests": 0, "responses": 0, "log_lines": 0, "findings": 0}


def _scan_response(response: Any) -> None:
    if _current is None or getattr(response, "streaming", False):
        return
    content_type = response.get("Content-Type", "")
    if not any(t in content_type for t in ("text/", "json", "javascript", "xml")):
        return
    _current.responses += 1
    body = response.content.decode("utf-8", "replace")
    request = getattr(response, "wsgi_request", None)
    for finding in scan_text(body):
        if not _entitled(finding, request):
            path = request.get_full_path() if request is not None else "?"
            _current.problems.append(f"response {path}: full {finding.kind} {finding.value}")


class _CaptureHandler(logging.Handler):
    """A copy of the project's handler on a logger: the same filters (PII masking) and formatter."""

    def __init__(self, original: logging.Handler) -> None:
        super().__init__()
        self.filters = list(original.filters)
        self.setFormatter(original.formatter)

    def emit(self, record: logging.LogRecord) -> None:
        if _current is None:
            return
        try:
            line = self.format(record)
        except Exception:
            return
        _current.log_lines += 1
        for finding in scan_text(line):
            _current.problems.append(f"log {record.name}: full {finding.kind} {finding.value}")


def _install_log_capture() -> list[tuple[logging.Logger, logging.Handler]]:
    installed = []
    loggers = [logging.getLogger(), *[logging.getLogger(n) for n in list(logging.root.manager.loggerDict)]]
    for logger in loggers:
        originals = [h for h in getattr(logger, "handlers", []) if type(h).__module__.startswith("logging")]
        if originals:
            handler = _CaptureHandler(originals[0])
            logger.addHandler(handler)
            installed.append((logger, handler))
    return installed


@pytest.fixture(autouse=True)
def _masking_scan(request: pytest.FixtureRequest) -> Iterator[None]:
    global _current
    if not request.node.nodeid.startswith(SCANNED) or request.node.get_closest_marker("no_masking_scan"):
        yield
        return
    from django.test import client as test_client

    original = test_client.Client.request

    def scanned(self: Any, **kwargs: Any) -> Any:
        response = original(self, **kwargs)
        try:
            _scan_response(response)
        except Exception as exc:  # the database may be gone (a failing test): say so, do not hide it
            if _current is not None:
                _current.problems.append(f"masking scan could not judge a response: {exc!r}")
        return response

    collected = _Collected()
    _current = collected
    installed = _install_log_capture()
    test_client.Client.request = scanned  # type: ignore[method-assign]
    try:
        yield
    finally:
        test_client.Client.request = original  # type: ignore[method-assign]
        for logger, handler in installed:
            logger.removeHandler(handler)
        _current = None
        TOTALS["tests"] += 1
        TOTALS["responses"] += collected.responses
        TOTALS["log_lines"] += collected.log_lines
        TOTALS["findings"] += len(collected.problems)
    if collected.problems:
        unique = list(dict.fromkeys(collected.problems))
        pytest.fail("masking scan: personal data shown to someone not entitled:\n" + "\n".join(unique[:20]))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TOTALS["tests"]:
        terminalreporter.write_line(
            f"masking scan: {TOTALS['tests']} tests, {TOTALS['responses']} responses and "
            f"{TOTALS['log_lines']} log lines scanned, {TOTALS['findings']} findings"
        )
