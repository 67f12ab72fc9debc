"""The read-replica router: listed lag-tolerant reads to the replica, everything else to the primary.

Pure decisions, no database (the real streaming replica is in tests/core/test_replica_streaming.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import resolve

from onego.cases.models import Case
from onego.catalog.models import Package
from onego.core import replica
from onego.core.replica import PIN_COOKIE, PRIMARY, REPLICA, ReplicaReadsMiddleware, ReplicaRouter

router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "in_transaction", lambda: False)


def serve(
    path: str, method: str = "GET", *, write: bool = False, cookies: dict[str, str] | None = None
) -> Any:
    """Runs the middleware around a view that reads a package before (and a case after) an optional write;
    returns where each read went and the response."""
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(router.db_for_read(Package))
        if write:
            router.db_for_write(Case)
        seen.append(router.db_for_read(Case))
        seen.append(router.db_for_read(_session_model()))
        return HttpResponse("ok")

    request = getattr(RequestFactory(), method.lower())(path)
    request.COOKIES.update(cookies or {})
    request.resolver_match = resolve(path)
    middleware = ReplicaReadsMiddleware(lambda r: view(r))

    def get_response(r: HttpRequest) -> HttpResponse:
        middleware.process_view(r, view, (), {})
        return view(r)

    middleware.get_response = get_response
    return seen, middleware(request)


def _session_model() -> Any:
    from django.contrib.sessions.models import Session

    return Session


def test_outside_a_request_every_read_goes_to_the_primary(with_replica: None) -> None:
    assert router.db_for_read(Package) == PRIMARY
    assert router.db_for_write(Package) == PRIMARY


def test_a_listed_public_page_reads_the_replica_but_sessions_come_from_the_primary(
    with_replica: None,
) -> None:
    seen, response = serve("/satisfaction/")
    assert seen == [REPLICA, REPLICA, PRIMARY]
    assert PIN_COOKIE not in response.cookies


def test_after_a_write_the_rest_of_the_request_reads_the_primary_and_the_browser_is_pinned(
    with_replica: None,
) -> None:
    seen, response = serve("/satisfaction/", write=True)
    assert seen == [REPLICA, PRIMARY, PRIMARY]
    assert response.cookies[PIN_COOKIE]["max-age"] == 5
    assert response.cookies[PIN_COOKIE]["httponly"]


def test_a_pinned_browser_reads_the_primary_on_listed_pages(with_replica: None) -> None:
    seen, _ = serve("/satisfaction/", cookies={PIN_COOKIE: "1"})
    assert seen == [PRIMARY, PRIMARY, PRIMARY]


def test_pages_not_listed_and_posts_read_the_primary(with_replica: None) -> None:
    seen, _ = serve("/me/cases/")
    assert seen == [PRIMARY, PRIMARY, PRIMARY]
    seen, response = serve("/satisfaction/", method="POST")
    assert seen == [PRIMARY, PRIMARY, PRIMARY]
    assert PIN_COOKIE in response.cookies  # a POST pins even when it wrote nothing through the router


def test_reads_inside_a_transaction_stay_on_the_primary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replica, "replica_configured", lambda: True)
    monkeypatch.setattr(replica, "in_transaction", lambda: True)
    seen, _ = serve("/satisfaction/")
    assert seen == [PRIMARY, PRIMARY, PRIMARY]


def test_without_a_replica_everything_reads_the_primary_and_nothing_is_pinned() -> None:
    seen, response = serve("/satisfaction/", write=True)
    assert seen == [PRIMARY, PRIMARY, PRIMARY]
    assert PIN_COOKIE not in response.cookies


def test_every_listed_name_is_a_real_url_and_migrations_run_on_the_primary_only() -> None:
    from django.urls import reverse

    for name in replica.LAGGING_READS:
        kwargs = {"code": "x"} if name == "portal:package_guide" else {}
        assert reverse(name, kwargs=kwargs)
    assert router.allow_migrate(PRIMARY, "cases") is True
    assert router.allow_migrate(REPLICA, "cases") is False
