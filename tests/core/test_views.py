"""Site-wide plumbing views."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from onego.core import views as core_views


def test_favicon_points_to_a_real_icon_among_the_static_files(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/onego/favicon.ico")
    found = finders.find("onego/favicon.ico")
    assert found is not None
    with open(found, "rb") as f:
        assert f.read(4) == b"\x00\x00\x01\x00"  # the ICO header: reserved 0, type 1 (icon)


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readyz_is_ready_when_the_database_answers_migrations_are_applied_and_the_queue_is_reachable(
    client: Client,
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "tasks": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_not_ready_and_names_the_check_when_a_migration_is_missing(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(core_views, "_migrations_applied", False)
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("onego", "0099_x")])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "1 migration(s) not applied (run onego migrate)"


@pytest.mark.django_db
def test_readyz_is_not_ready_when_the_task_queue_table_is_unreachable(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    def broken() -> str:
        raise DatabaseError("no such table: django_tasks_database_dbtaskresult")

    monkeypatch.setattr(core_views, "_check_tasks", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == "unreachable: DatabaseError"
