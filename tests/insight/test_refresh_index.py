"""Finding what changed since the last refresh reads the `updated_at` indexes of cases and sub-cases
(ADR 0014), not the whole tables: the indexes exist on every database, and on PostgreSQL the planner
uses them for the refresh's own queries once the tables are large."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from onego.cases.models import Case, SubCase
from onego.cases.services.acceptance import case_accept
from onego.core import clock
from onego.insight.refresh import changed_since
from tests.cases.factories import submit
from tests.insight.conftest import People

pytestmark = pytest.mark.django_db

OLD_CASES = 20_000


def indexed_columns(model: Any) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [c["columns"] for c in found.values() if c["index"] and not c["unique"]]


def test_cases_and_subcases_have_an_index_on_updated_at() -> None:
    assert ["updated_at"] in indexed_columns(Case)
    assert ["updated_at"] in indexed_columns(SubCase)


def clone(model: Any, *, times: int, where: str, changes: dict[str, str]) -> None:
    """Copy the rows of `model` matching `where` `times` times in one INSERT … SELECT (PostgreSQL)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = [f.column for f in model._meta.concrete_fields]
    values = [changes.get(c, connection.ops.quote_name(c)) for c in columns]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} "  # noqa: S608 - names from the model
            f"FROM {table}, generate_series(1, %s) AS g WHERE {where}",
            [times],
        )


@pytest.mark.postgres_only
def test_on_postgresql_the_refresh_finds_changed_cases_and_subcases_through_the_index(
    people: People, traveller: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the plan of PostgreSQL")
    case = case_accept(actor=people.clerk, case_id=submit(people.clerk, key="index-plan").case.pk)
    assert SubCase.objects.filter(case=case).exists()
    old = f"'{(clock.now() - dt.timedelta(days=90)).isoformat()}'::timestamptz"
    # 20 000 cases (and their sub-cases) last changed three months ago, then the one that changed now.
    clone(
        Case,
        times=OLD_CASES,
        where=f"id = '{case.pk}'",
        changes={
            "id": "gen_random_uuid()",
            "reference": "reference || '-' || g",
            "idempotency_key": "idempotency_key || '-' || g",
            "updated_at": old,
        },
    )
    clone(
        SubCase,
        times=OLD_CASES,
        where=f"case_id = '{case.pk}'",
        changes={"id": "gen_random_uuid()", "code": "code || '-' || g", "updated_at": old},
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Case._meta.db_table}")
        cursor.execute(f"ANALYZE {SubCase._meta.db_table}")
    assert Case.objects.count() == OLD_CASES + 1
    cases_query, subcases_query = changed_since(clock.now() - dt.timedelta(minutes=10))[:2]
    case_plan = cases_query.explain()
    subcase_plan = subcases_query.explain()
    print(case_plan, subcase_plan, sep="\n")
    assert "case_updated_at" in case_plan
    assert "Seq Scan on cases_case" not in case_plan
    assert "subcase_updated_at" in subcase_plan
    assert "Seq Scan on cases_subcase" not in subcase_plan
