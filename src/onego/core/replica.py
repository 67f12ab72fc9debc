"""Reads that may lag go to the read replica; everything else to the primary (ONEGO_DATABASE_REPLICA_URL).

Which reads may lag is listed here, by URL name, and nowhere else (`LAGGING_READS`): public pages,
search and dashboards — pages where seeing a change a second late harms no one. Everything else reads
the primary: every write, every page that acts on a case, every API call, tasks and commands.

Within a listed page the replica is used only while nothing has been written:

- the router sends a read to the replica only when the request's state says "may lag", no write went
  through the router in this request, and no transaction is open on the primary (a read inside one
  belongs to it);
- sessions, users, staff memberships and second-factor devices always come from the primary (a session
  created a moment ago must not look signed out);
- after a request that wrote (or any non-GET), the response sets a short cookie (`onego_primary`,
  ONEGO_REPLICA_PIN_SECONDS) that keeps that browser's next requests on the primary: the page it is
  redirected to shows its own change, even though the replica may be a few hundred milliseconds behind.

Without a replica configured the router sends everything to the primary (its one database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "onego_primary"

# URL names whose reads may lag (GET/HEAD only).
LAGGING_READS: frozenset[str] = frozenset(
    {
        "portal:home",  # the front page, popular packages
        "portal:search",
        "portal:ask",
        "portal:package_guide",  # a package's public guide
        "portal:public_satisfaction",  # the public 好差评 aggregate
        "workbench:lead",  # the lead officers' dashboard of cases
        "workbench:feedback_supervision",  # the supervisor's dashboard
    }
)

# Models whose reads always go to the primary, even on a listed page.
ALWAYS_PRIMARY_APPS: frozenset[str] = frozenset({"sessions", "auth", "otp_totp", "django_otp", "accounts"})


@dataclass
class _RequestReads:
    may_lag: bool = False
    wrote: bool = False


_state: ContextVar[_RequestReads | None] = ContextVar("onego_replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def in_transaction() -> bool:
    return connections[PRIMARY].in_atomic_block


class ReplicaRouter:
    """DATABASE_ROUTERS entry: writes and migrations on the primary, listed lag-tolerant reads on the replica."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        state = _state.get()
        if (
            state is None
            or not state.may_lag
            or state.wrote
            or model._meta.app_label in ALWAYS_PRIMARY_APPS
            or not replica_configured()
            or in_transaction()
        ):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        state = _state.get()
        if state is not None:
            state.wrote = True  # sticky: the rest of this request reads the primary
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies of it

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


@contextmanager
def reads_may_lag() -> Iterator[_RequestReads]:
    """The state of a listed page, for code outside a request (a benchmark, a test)."""
    token = _state.set(_RequestReads(may_lag=True))
    try:
        yield _state.get()  # type: ignore[misc]
    finally:
        _state.reset(token)


class ReplicaReadsMiddleware:
    """Marks a request's reads as lag-tolerant when its view is listed; pins a writer to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        state = _RequestReads()
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if replica_configured() and (state.wrote or request.method not in ("GET", "HEAD")):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.ONEGO_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: Any) -> None:
        state = _state.get()
        match = request.resolver_match
        if (
            state is not None
            and match is not None
            and request.method in ("GET", "HEAD")
            and PIN_COOKIE not in request.COOKIES
            and match.view_name in LAGGING_READS
        ):
            state.may_lag = True
