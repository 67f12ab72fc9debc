"""Generated API calls (schemathesis) over /api/v1/openapi.json: no server errors, no schema violations.

Every operation of the OpenAPI document is called with schema-valid (positive) and schema-invalid
(negative) data, anonymously and with a staff session, through the WSGI application and the test
database. Checks: not a server error, the status is documented, the body matches the documented schema,
the content type is the documented one. (`positive_data_acceptance` is left out on purpose: a
schema-valid request may still name something that does not exist, and 404/400 is right then.)

Quick here (a few examples per operation, a fixed seed); the long run is
`ONEGO_SCHEMATHESIS_EXAMPLES=200 .venv/bin/pytest tests/api/test_schemathesis.py -p no:cacheprovider`.
"""

from __future__ import annotations

import collections
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from onego.accounts.models import Role
from tests.cases.factories import import_cases_catalog, make_staff

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("ONEGO_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]


@contextlib.contextmanager
def connections_kept() -> Iterator[None]:
    """The WSGI application closes "old" database connections when a request starts and ends
    (`close_old_connections`); on PostgreSQL that closes the test's own connection inside its
    transaction. Django's test client disconnects the same receivers while it runs a request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def campaign(
    cookies: dict[str, str], headers: dict[str, str]
) -> tuple[int, collections.Counter[str], set[str]]:
    with connections_kept():
        return _campaign(cookies, headers)


def _campaign(
    cookies: dict[str, str], headers: dict[str, str]
) -> tuple[int, collections.Counter[str], set[str]]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    failures: collections.Counter[str] = collections.Counter()
    calls = 0
    answered: set[str] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in (
            (GenerationMode.POSITIVE, EXAMPLES),
            (GenerationMode.NEGATIVE, max(1, EXAMPLES - 1)),
        ):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                derandomize=True,  # the same calls on every run
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any) -> None:
                nonlocal calls
                calls += 1
                case.cookies = {**(case.cookies or {}), **cookies}
                response = case.call(headers=headers)
                answered.add(f"{case.operation.label} {response.status_code}")
                try:
                    case.validate_response(response, headers=headers, checks=CHECKS)
                except BaseException as exc:  # noqa: BLE001 - a failure group: count each failure, go on
                    for failure in getattr(exc, "exceptions", [exc]):
                        title = " ".join(str(failure).split())[:160]
                        failures[f"{case.operation.label} [{response.status_code}] {title}"] += 1

            # Unsatisfiable: no invalid variant exists (an operation without parameters or body).
            with contextlib.suppress(Unsatisfiable):
                call()
    return calls, failures, answered


def test_generated_calls_without_a_session_get_no_server_errors_and_only_documented_answers() -> None:
    calls, failures, answered = campaign({}, {})
    print(
        f"schemathesis, no session: {len(answered)} operation/status pairs, {calls} calls, {len(failures)} failures"
    )
    assert calls > 100
    assert "GET /api/v1/inbox 401" in answered
    assert dict(failures) == {}


def test_generated_calls_with_a_staff_session_get_no_server_errors_and_only_documented_answers(
    tmp_path: Path,
) -> None:
    import_cases_catalog(tmp_path)
    clerk = make_staff("clerk", "nm-zwfw", Role.CLERK)
    clerk.is_staff = True  # the exchange endpoints ask for Django staff, the case endpoints for a membership
    clerk.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(clerk)
    token = _get_new_csrf_string()
    cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": token}
    calls, failures, answered = campaign(cookies, {"X-CSRFToken": token})
    print(
        f"schemathesis, staff session: {len(answered)} operation/status pairs, {calls} calls, {len(failures)} failures"
    )
    assert calls > 100
    assert "GET /api/v1/inbox 200" in answered  # the session is really used
    assert dict(failures) == {}
