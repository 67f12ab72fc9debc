"""fastsql: hand-written INSERT/UPDATE/locked SELECT that must store and read rows as the ORM does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries

from onego.cases.models import Case, SubCase
from onego.catalog.models import Department, Package, Region
from onego.core import fastsql
from onego.ledger.models import LedgerEntry, LedgerNode, LedgerState
from onego.registries.models import RealEstate

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUBMITTED = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=SHANGHAI)
# Parts of a row that differ between two rows by design: the key, unique columns, when it was written.
OWN = ("id", "reference", "idempotency_key", "created_at", "updated_at")


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    # Row locks exist only on PostgreSQL; SQLite serialises writers and has no FOR UPDATE.
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set ONEGO_DATABASE_URL=postgres://...)")


@dataclass
class World:
    package: Package
    region: Region
    department: Department
    other_department: Department
    user: Any


@pytest.fixture
def world(small_catalog: Path) -> World:
    return World(
        package=Package.objects.get(code="open-restaurant"),
        region=Region.objects.get(code="520102"),
        department=Department.objects.get(code="nm-scjg"),
        other_department=Department.objects.get(code="gy-xf"),
        user=get_user_model().objects.create_user(username="fastsql", password=None),
    )


def new_case(world: World, n: int, **overrides: Any) -> Case:
    """An unsaved case with every kind of column filled: JSON objects and lists, dates, aware
    datetimes with microseconds, booleans, foreign keys set and null, nullable columns empty."""
    fields: dict[str, Any] = {
        "reference": f"GY-20260302-{n:06d}",
        "package": world.package,
        "package_code": "open-restaurant",
        "package_name": "开餐馆一件事",
        "package_version": 3,
        "snapshot": {
            "entries": [{"item": "business_licence", "days": 1}],
            "form": {"企业": ["enterprise.name"]},
            "nested": {"none": None, "flag": True, "ratio": 1.5},
        },
        "region": world.region,
        "applicant_kind": "person",
        "applicant_index": "a" * 64,
        "applicant_display": "张*",
        "applicant_id_masked": "520102**********12",
        "applicant_sealed": "sealed:张三",
        "applicant_user": world.user,
        "channel": "counter",
        "status": "accepted",
        "version": 3,
        "answers": {"has_licence": False, "floor_area": 500},
        "add": ["quick_filing"],
        "drop": [],
        "form_data": {"enterprise.name": "南明区好味道餐饮有限公司", "premises.area": 500},
        "verified": {"person.name": "EX-1"},
        "delivery_method": "post",
        "idempotency_key": f"key-{n}",
        "payload_hash": "f" * 64,
        "submitted_by": world.user,
        "submitted_at": SUBMITTED,
        "accepted_at": SUBMITTED + dt.timedelta(hours=1),
        "accepted_by": world.user,
        "accepted_at_counter": True,
        "accepting_department": world.department,
        "lead_department": None,
        "clock_started_on": dt.date(2026, 3, 2),
        "promised_days": 5,
        "legal_days": 20,
        "promised_due": dt.date(2026, 3, 9),
        "legal_due": None,
        "deadline_provisional": True,
        "provisional_years": [2027],
        "concluded_at": None,
    }
    fields.update(overrides)
    return Case(**fields)


def new_subcase(case: Case, code: str, *, stage: int, department: Department | None) -> SubCase:
    return SubCase(
        case=case,
        code=code,
        name=f"子件 {code}",
        kind="item" if department else "partner",
        partner_kind="" if department else "bank",
        department=department,
        stage=stage,
        prerequisites=["business_licence"] if stage else [],
        sole_approver=stage == 0,
        promised_due=dt.date(2026, 3, 9),
    )


def values(obj: Model, *, skip: tuple[str, ...] = ()) -> dict[str, tuple[type, Any]]:
    """Every concrete field's value and its Python type, as the instance holds it."""
    found = {}
    for f in type(obj)._meta.concrete_fields:
        if f.name not in skip:
            value = getattr(obj, f.attname)
            found[f.attname] = (type(value), value)
    return found


def stored(model: type[Model], pk: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The row's columns exactly as the database hands them back, without Django's converters."""
    columns = [f.get_attname_column()[1] or "" for f in model._meta.concrete_fields if f.name not in skip]
    qn = connection.ops.quote_name
    pk_field = model._meta.pk
    assert pk_field is not None
    sql = (
        f"SELECT {', '.join(qn(c) for c in columns)} FROM {qn(model._meta.db_table)}"  # noqa: S608 - quoted names
        f" WHERE {qn(pk_field.get_attname_column()[1] or '')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk_field.get_db_prep_value(pk, connection)])
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(columns, row, strict=True))


@pytest.fixture
def statements() -> Iterator[list[str]]:
    """The SQL text handed to the database (placeholders, not the parameters interpolated)."""
    seen: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield seen


# --- insert_rows ----------------------------------------------------------------------------------


def test_inserted_rows_are_stored_exactly_as_the_orm_stores_them(world: World) -> None:
    by_orm = new_case(world, 1)
    by_orm.save(force_insert=True)
    fast = new_case(world, 2)

    fastsql.insert_rows(Case, [fast])

    assert stored(Case, fast.pk, skip=OWN) == stored(Case, by_orm.pk, skip=OWN)
    assert values(Case.objects.get(pk=fast.pk), skip=OWN) == values(Case.objects.get(pk=by_orm.pk), skip=OWN)
    again = Case.objects.get(pk=fast.pk)
    assert (again.reference, again.idempotency_key) == ("GY-20260302-000002", "key-2")
    assert again.snapshot["nested"] == {"none": None, "flag": True, "ratio": 1.5}
    assert again.submitted_at == SUBMITTED
    assert (again.applicant_user_id, again.lead_department_id, again.legal_due) == (world.user.pk, None, None)


def test_inserted_decimals_are_stored_as_the_orm_stores_them(db: None) -> None:
    def estate(number: str) -> RealEstate:
        return RealEstate(
            certificate_number=number,
            unit_number="520102001001GB00001F00010001",
            address="南明区花果园 1 栋 1 单元 101",
            region_code="520102",
            area=Decimal("88.50"),
            registered_on=dt.date(2020, 5, 6),
        )

    by_orm = estate("黔(2020)贵阳市不动产权第0000001号")
    by_orm.save(force_insert=True)
    fast = estate("黔(2020)贵阳市不动产权第0000002号")

    fastsql.insert_rows(RealEstate, [fast])

    skip = ("id", "certificate_number", "created_at", "updated_at")
    assert stored(RealEstate, fast.pk, skip=skip) == stored(RealEstate, by_orm.pk, skip=skip)
    assert RealEstate.objects.get(pk=fast.pk).area == Decimal("88.50")


def test_insert_sets_the_automatic_timestamps_on_the_instances_and_stores_them(world: World) -> None:
    moment = dt.datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=dt.UTC)
    case = new_case(world, 1)
    assert case.created_at is None

    with time_machine.travel(moment, tick=False):
        fastsql.insert_rows(Case, [case])

    assert (case.created_at, case.updated_at) == (moment, moment)
    again = Case.objects.get(pk=case.pk)
    assert (again.created_at, again.updated_at) == (moment, moment)


def test_inserted_instances_are_no_longer_new_and_know_their_database(world: World) -> None:
    case = new_case(world, 1)
    assert case._state.adding

    fastsql.insert_rows(Case, [case])

    assert case._state.adding is False
    assert case._state.db == "default"
    # So a later ORM save updates the row instead of inserting it again.
    case.package_name = "改名"
    case.save()
    assert list(Case.objects.values_list("package_name", flat=True)) == ["改名"]


def test_an_auto_increment_key_is_numbered_by_the_database(db: None) -> None:
    nodes = [LedgerNode(last_leaf=leaf, level=1, hash=f"{leaf:064x}") for leaf in (1, 3, 5)]

    fastsql.insert_rows(LedgerNode, nodes)

    ids = list(LedgerNode.objects.order_by("last_leaf").values_list("id", flat=True))
    assert len(ids) == 3
    assert all(isinstance(i, int) for i in ids)
    assert len(set(ids)) == 3
    # As documented: no RETURNING, so the instances do not learn their key.
    assert [n.pk for n in nodes] == [None, None, None]


def test_inserting_no_rows_writes_nothing(
    db: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        fastsql.insert_rows(LedgerEntry, [])
    assert not LedgerEntry.objects.exists()


def ledger_entries(first: int, count: int) -> list[LedgerEntry]:
    return [
        LedgerEntry(
            index=i,
            kind="registry.read",
            actor=f"dept:gy-scjgj/user:clerk{i}",
            case_ref=f"C2025{i:06d}",
            payload={"registry": "hukou", "elements": ["person.name"], "n": i},
            recorded_at=SUBMITTED + dt.timedelta(seconds=i),
            leaf_hash=f"{i:064x}",
        )
        for i in range(first, first + count)
    ]


def test_several_rows_are_written_in_one_statement(db: None, statements: list[str]) -> None:
    entries = ledger_entries(0, 3)

    fastsql.insert_rows(LedgerEntry, entries)

    assert len(statements) == 1
    assert statements[0].startswith("INSERT INTO")
    assert list(LedgerEntry.objects.values_list("index", "payload")) == [
        (i, {"registry": "hukou", "elements": ["person.name"], "n": i}) for i in range(3)
    ]


def test_the_insert_statement_is_built_once_per_model_and_row_count(db: None, statements: list[str]) -> None:
    fastsql.insert_rows(LedgerEntry, ledger_entries(0, 2))
    fastsql.insert_rows(LedgerEntry, ledger_entries(2, 2))
    fastsql.insert_rows(LedgerEntry, ledger_entries(4, 3))

    first, second, third = statements
    assert second is first  # the very same text, not built again
    assert third != first
    assert third.count("(%s") == 3
    assert LedgerEntry.objects.count() == 7


# --- save_fields ----------------------------------------------------------------------------------


def test_save_fields_changes_only_the_named_fields(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    case.status = "concluded"
    case.package_name = "不该写入"

    fastsql.save_fields(case, ["status"])

    again = Case.objects.get(pk=case.pk)
    assert again.status == "concluded"
    assert again.package_name == "开餐馆一件事"
    assert again.updated_at == case.updated_at  # not named: left alone


def test_save_fields_stores_values_as_save_with_update_fields_does(world: World) -> None:
    by_orm, fast = new_case(world, 1), new_case(world, 2)
    by_orm.save(force_insert=True)
    fast.save(force_insert=True)
    names = [
        "form_data",
        "provisional_years",
        "promised_due",
        "legal_due",
        "concluded_at",
        "deadline_provisional",
    ]
    for case in (by_orm, fast):
        case.form_data = {"enterprise.name": "新名称", "list": [1, "二", None]}
        case.provisional_years = [2027, 2028]
        case.promised_due = None
        case.legal_due = dt.date(2026, 4, 1)
        case.concluded_at = SUBMITTED + dt.timedelta(days=3)
        case.deadline_provisional = False

    by_orm.save(update_fields=names)
    fastsql.save_fields(fast, names)

    assert stored(Case, fast.pk, skip=OWN) == stored(Case, by_orm.pk, skip=OWN)


def test_save_fields_refreshes_updated_at_when_it_is_named(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    later = dt.datetime(2026, 3, 3, 8, 0, 0, 654321, tzinfo=dt.UTC)
    case.version += 1

    with time_machine.travel(later, tick=False):
        fastsql.save_fields(case, ["version", "updated_at"])

    assert case.updated_at == later
    again = Case.objects.get(pk=case.pk)
    assert (again.version, again.updated_at) == (4, later)


def test_save_fields_takes_a_foreign_key_by_its_field_name(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    case.lead_department = world.other_department
    case.accepting_department = None

    fastsql.save_fields(case, ["lead_department", "accepting_department"])

    again = Case.objects.get(pk=case.pk)
    assert again.lead_department_id == world.other_department.pk
    assert again.accepting_department_id is None


def test_save_fields_with_a_name_given_twice_writes_it_once(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    case.status = "concluded"

    with django_assert_num_queries(1):
        fastsql.save_fields(case, ["status", "updated_at", "status"])

    assert Case.objects.get(pk=case.pk).status == "concluded"


def test_save_fields_with_a_foreign_key_named_by_field_and_column_name_writes_it_once(world: World) -> None:
    # save(update_fields=["lead_department", "lead_department_id"]) sets the column once; PostgreSQL
    # refuses an UPDATE that assigns one column twice.
    case = new_case(world, 1)
    case.save(force_insert=True)
    case.lead_department = world.other_department

    fastsql.save_fields(case, ["lead_department", "lead_department_id"])

    assert Case.objects.get(pk=case.pk).lead_department_id == world.other_department.pk


def test_save_fields_is_one_statement(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    case.status, case.version = "concluded", 4

    with django_assert_num_queries(1):
        fastsql.save_fields(case, ["status", "version", "updated_at"])


def test_save_fields_on_a_row_that_is_not_there_is_an_error(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    Case.objects.filter(pk=case.pk).delete()
    case.status = "concluded"

    with pytest.raises(DatabaseError):
        fastsql.save_fields(case, ["status"])


def test_save_fields_refuses_the_primary_key(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)

    with django_assert_num_queries(0), pytest.raises(ValueError, match="cannot update"):
        fastsql.save_fields(case, ["status", "id"])


def test_save_fields_refuses_a_many_to_many_field(world: World) -> None:
    with pytest.raises(ValueError, match="cannot update"):
        fastsql.save_fields(world.package, ["regions"])


def test_save_fields_refuses_a_reverse_relation_with_value_error(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)

    with pytest.raises(ValueError, match="cannot update"):
        fastsql.save_fields(case, ["subcases"])


# --- locked ---------------------------------------------------------------------------------------


def test_locked_reads_the_row_as_the_orm_reads_it(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)

    found = fastsql.locked(Case, case.pk)

    assert found is not None
    assert values(found) == values(Case.objects.get(pk=case.pk))
    assert found.get_deferred_fields() == set()
    assert found.submitted_at is not None
    assert found.submitted_at.tzinfo is not None
    assert (found._state.adding, found._state.db) == (False, "default")


def test_locked_accepts_the_key_as_text(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)

    found = fastsql.locked(Case, str(case.pk))

    assert found is not None
    assert found.pk == case.pk


def test_locked_reads_decimals_as_the_orm_reads_them(db: None) -> None:
    estate = RealEstate.objects.create(
        certificate_number="黔(2020)贵阳市不动产权第0000001号",
        unit_number="520102001001GB00001F00010001",
        address="南明区花果园 1 栋 1 单元 101",
        region_code="520102",
        area=Decimal("88.50"),
        registered_on=dt.date(2020, 5, 6),
    )

    found = fastsql.locked(RealEstate, estate.certificate_number, by="certificate_number")

    assert found is not None
    assert values(found) == values(RealEstate.objects.get(pk=estate.pk))
    assert str(found.area) == "88.50"


def test_locked_by_a_unique_field_finds_the_row(db: None) -> None:
    state = LedgerState.objects.create(size=3, frontier=["ab" * 32, "cd" * 32], root_hash="ef" * 32)

    found = fastsql.locked(LedgerState, 1, by="slot")

    assert found is not None
    assert values(found) == values(LedgerState.objects.get(pk=state.pk))
    assert found.frontier == ["ab" * 32, "cd" * 32]


def test_locked_gives_none_when_there_is_no_such_row(db: None) -> None:
    LedgerState.objects.create(root_hash="")
    assert fastsql.locked(Case, "8d3b6f0e-0000-4000-8000-000000000000") is None
    assert fastsql.locked(LedgerState, 2, by="slot") is None


def test_locked_refuses_a_field_that_is_not_unique(db: None) -> None:
    with pytest.raises(ValueError, match="not unique"):
        fastsql.locked(Case, "accepted", by="status")


def test_a_locked_row_can_be_saved_back(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    found = fastsql.locked(Case, case.pk)
    assert found is not None
    found.status = "concluded"

    fastsql.save_fields(found, ["status", "updated_at"])

    assert Case.objects.get(pk=case.pk).status == "concluded"


def test_on_sqlite_the_read_has_no_lock_clause(db: None, statements: list[str]) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: it has no row locks")
    LedgerState.objects.create(root_hash="")
    statements.clear()

    fastsql.locked(LedgerState, 1, by="slot")

    assert "FOR UPDATE" not in statements[0]


@pytest.mark.postgres_only
def test_on_postgresql_the_read_ends_with_for_update(db: None) -> None:
    LedgerState.objects.create(root_hash="")

    with CaptureQueriesContext(connection) as queries:
        fastsql.locked(LedgerState, 1, by="slot")

    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].endswith(" FOR UPDATE")


def other_connection() -> Any:
    """A second connection to the test database, in autocommit: another process, in effect."""
    import psycopg

    params = {k: v for k, v in connection.get_connection_params().items() if k != "context"}
    return psycopg.connect(**params, autocommit=True)


def can_lock(other: Any, table: str, column: str, value: Any) -> bool:
    import psycopg

    try:
        sql = f'SELECT 1 FROM "{table}" WHERE "{column}" = %s FOR UPDATE NOWAIT'  # noqa: S608 - test's own names
        other.execute(sql, [value]).fetchall()
    except psycopg.errors.LockNotAvailable:
        return False
    return True


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_locked_row_cannot_be_locked_by_another_transaction() -> None:
    state = LedgerState.objects.create(root_hash="")
    with other_connection() as other:
        with transaction.atomic():
            assert fastsql.locked(LedgerState, 1, by="slot") is not None
            assert not can_lock(other, "ledger_ledgerstate", "id", state.pk)
        assert can_lock(other, "ledger_ledgerstate", "id", state.pk)


def test_multi_table_inheritance_is_refused(db: None) -> None:
    children = [m for m in apps.get_models() if m._meta.parents and not m._meta.proxy]
    if not children:
        pytest.skip("no model of the project uses multi-table inheritance")
    for model in children:
        with pytest.raises(TypeError):
            fastsql.locked(model, 1)
        with pytest.raises(TypeError):
            fastsql.insert_rows(model, [model()])


# --- locked_rows ----------------------------------------------------------------------------------


@pytest.fixture
def case_with_subcases(world: World) -> Case:
    case = new_case(world, 1)
    case.save(force_insert=True)
    for code, stage, department in [
        ("tobacco_retail_licence", 1, world.other_department),
        ("business_licence", 0, world.department),
        ("bank_account", 1, None),  # a partner step: no department
        ("food_business_permit", 1, world.department),
    ]:
        new_subcase(case, code, stage=stage, department=department).save(force_insert=True)
    elsewhere = new_case(world, 2)
    elsewhere.save(force_insert=True)
    new_subcase(elsewhere, "business_licence", stage=0, department=world.department).save(force_insert=True)
    return case


def lock_subcases(case: Case) -> list[SubCase]:
    return fastsql.locked_rows(SubCase, case.pk, by="case", order_by=("stage", "code"), related="department")


def test_locked_rows_are_the_parents_rows_in_order_as_the_orm_reads_them(case_with_subcases: Case) -> None:
    rows = lock_subcases(case_with_subcases)

    expected = list(SubCase.objects.filter(case=case_with_subcases).order_by("stage", "code"))
    assert [s.code for s in rows] == [
        "business_licence",
        "bank_account",
        "food_business_permit",
        "tobacco_retail_licence",
    ]
    assert [values(s) for s in rows] == [values(s) for s in expected]
    assert all(s._state.db == "default" and not s._state.adding for s in rows)


def test_locked_rows_read_the_related_row_along(
    case_with_subcases: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(1):
        rows = lock_subcases(case_with_subcases)

    with django_assert_num_queries(0):
        departments = {s.code: s.department for s in rows}
    for code, department in departments.items():
        if department is None:
            continue
        assert values(department) == values(Department.objects.get(pk=department.pk))
        assert department.pk == SubCase.objects.get(case=case_with_subcases, code=code).department_id


def test_locked_rows_cache_none_where_the_foreign_key_is_null(
    case_with_subcases: Case, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    rows = lock_subcases(case_with_subcases)
    partner = next(s for s in rows if s.code == "bank_account")

    with django_assert_num_queries(0):
        assert partner.department is None


def test_locked_rows_of_a_parent_without_rows_are_an_empty_list(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)

    assert lock_subcases(case) == []


@pytest.mark.postgres_only
def test_on_postgresql_locked_rows_lock_only_their_own_table(case_with_subcases: Case) -> None:
    with CaptureQueriesContext(connection) as queries:
        lock_subcases(case_with_subcases)

    assert queries.captured_queries[0]["sql"].endswith(' FOR UPDATE OF "cases_subcase"')


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_locked_rows_cannot_be_locked_by_another_transaction(world: World) -> None:
    case = new_case(world, 1)
    case.save(force_insert=True)
    new_subcase(case, "business_licence", stage=0, department=world.department).save(force_insert=True)
    with other_connection() as other:
        with transaction.atomic():
            assert len(lock_subcases(case)) == 1
            assert not can_lock(other, "cases_subcase", "case_id", case.pk)
            # The department read along is not locked: other cases' officers keep working.
            assert can_lock(other, "catalog_department", "id", world.department.pk)
        assert can_lock(other, "cases_subcase", "case_id", case.pk)


# --- statements run together (the ledger append and the unit of work's flush) ---------------------


def test_statements_run_together_all_take_effect_and_mark_the_instances_saved(
    db: None, statements: list[str]
) -> None:
    state = LedgerState.objects.create(root_hash="")
    entries = ledger_entries(0, 2)
    nodes = [LedgerNode(last_leaf=1, level=1, hash="ab" * 32)]
    state.size, state.frontier, state.root_hash = 2, ["ab" * 32], "ab" * 32
    writes = [
        fastsql.insert_statement(LedgerEntry, entries),
        fastsql.insert_statement(LedgerNode, nodes),
        fastsql.update_statement(state, ["size", "frontier", "root_hash", "updated_at"]),
    ]
    assert entries[0]._state.adding  # not written yet
    statements.clear()

    fastsql.run_together(writes)

    # PostgreSQL: one statement (the first writes as WITH parts of the last); elsewhere one each.
    assert len(statements) == (1 if connection.vendor == "postgresql" else 3)
    assert list(LedgerEntry.objects.values_list("index", flat=True)) == [0, 1]
    assert list(LedgerNode.objects.values_list("last_leaf", "level")) == [(1, 1)]
    again = LedgerState.objects.get()
    assert (again.size, again.frontier, again.root_hash) == (2, ["ab" * 32], "ab" * 32)
    assert again.updated_at == state.updated_at
    assert all(not e._state.adding and e._state.db == "default" for e in [*entries, *nodes])


def test_nothing_to_run_together_runs_nothing(
    db: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        fastsql.run_together([])


def test_an_insert_statement_of_no_rows_is_refused(db: None) -> None:
    with pytest.raises(ValueError, match="nothing to insert"):
        fastsql.insert_statement(LedgerEntry, [])


def test_statements_for_several_databases_are_refused(db: None) -> None:
    here = fastsql.insert_statement(LedgerEntry, ledger_entries(0, 1))
    elsewhere = fastsql.Statement("SELECT 1", [], "other")

    with pytest.raises(ValueError, match="several databases"):
        fastsql.run_together([here, elsewhere])
    assert not LedgerEntry.objects.exists()
