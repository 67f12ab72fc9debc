"""Catalog reads are memoised per process and never stale: one revision query per call, and any write to
the catalog, by any path, is seen by the very next read.

Nothing here clears the memo by hand: a test that edits the catalog and reads again is exactly what a
second process sees, because the only thing that tells this process about the edit is the revision.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from django.db import connection, transaction
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from onego.catalog import models as m
from onego.catalog.cache import LIMITS, Generation, current_token
from onego.catalog.preview import preview_definition
from onego.catalog.revision import catalog_tables, install_after_migrate, triggered_tables, uninstall_triggers
from onego.catalog.rules.package import CompiledEntry, CompiledPackage
from onego.catalog.selectors import (
    DepartmentResolver,
    compile_for,
    compile_with_rows,
    departments_by_code,
    package_by_code,
    region_by_code,
    region_chain,
)
from onego.catalog.services import catalog_import
from onego.core.errors import NotFound, ValidationFailed
from tests.builders import catalog, restaurant_package, variant, write_folder

pytestmark = pytest.mark.django_db

NEW_BIG = {"has_licence": False, "floor_area": 500}


def restaurant(region: str = "520102") -> CompiledPackage:
    return compile_for(package_code="open-restaurant", region_code=region, answers=NEW_BIG)


def entry(compiled: CompiledPackage, code: str) -> CompiledEntry:
    return next(e for e in compiled.entries if e.code == code)


def revision_number() -> int:
    return m.CatalogRevision.objects.get().number


# --- hits: one query ----------------------------------------------------------------------------------


def test_a_repeated_compile_reads_only_the_revision(
    small_catalog: Path, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    first = restaurant()
    with django_assert_num_queries(1):
        again = restaurant()
    assert again.to_dict() == first.to_dict()


def test_other_answers_reuse_the_package_but_compile_afresh(
    small_catalog: Path, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    restaurant()
    with django_assert_num_queries(1):
        small = compile_for(
            package_code="open-restaurant",
            region_code="520102",
            answers={"has_licence": True, "floor_area": 80},
            add=["tobacco_retail_licence"],
        )
    assert [e.code for e in small.items] == ["food_business_permit", "tobacco_retail_licence"]


@pytest.mark.parametrize(
    "read",
    [
        lambda region: region_by_code(region.code),
        lambda region: region_chain(region),
        lambda region: package_by_code("open-restaurant"),
        lambda region: departments_by_code(["nm-scjg", "gy-xf"]),
        lambda region: compile_with_rows(
            package_code="open-restaurant", region_code=region.code, answers=NEW_BIG
        ),
    ],
    ids=["region_by_code", "region_chain", "package_by_code", "departments_by_code", "compile_with_rows"],
)
def test_repeated_reads_cost_one_query(
    small_catalog: Path, django_assert_num_queries: DjangoAssertNumQueries, read: Callable[[m.Region], object]
) -> None:
    region = m.Region.objects.get(code="520102")  # what callers already hold
    read(region)
    DepartmentResolver(region).resolve("market_regulation")
    with django_assert_num_queries(1):
        read(region)
    with django_assert_num_queries(1):
        DepartmentResolver(region).resolve("market_regulation")


def test_a_cached_package_answers_its_related_rows_without_queries(
    small_catalog: Path, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    package_by_code("open-restaurant")
    with django_assert_num_queries(1):
        package = package_by_code("open-restaurant")
        codes = [pi.item.code for pi in package.package_items.all()]
        fields = [f.data_element.code for f in package.package_items.all()[0].item.fields.all()]
        regions = [r.code for r in package.regions.all()]
        questions = [q.ident for q in package.questions.all()]
    assert codes == [
        "business_licence",
        "food_business_permit",
        "fire_safety_inspection",
        "tobacco_retail_licence",
    ]
    assert fields == ["person.name", "person.id_number", "person.phone", "enterprise.name"]
    assert regions == ["520000"]
    assert questions == ["has_licence", "floor_area"]


def test_the_chain_and_departments_are_those_of_the_stored_links(small_catalog: Path) -> None:
    nanming = region_by_code("520102")
    assert [r.code for r in region_chain(nanming)] == ["520102", "520100", "520000"]
    resolver = DepartmentResolver(nanming)
    assert resolver.resolve("market_regulation").code == "nm-scjg"
    assert resolver.resolve("fire_rescue", "city").code == "gy-xf"
    assert resolver.resolve("tobacco", "province").code == "gz-yc"
    assert resolver.resolve("public_security") is None
    assert set(departments_by_code(["nm-scjg", "gy-xf", "nobody"])) == {"nm-scjg", "gy-xf"}


def test_compile_with_rows_gives_the_rows_the_package_was_compiled_from(
    small_catalog: Path, tmp_path: Path
) -> None:
    first = compile_with_rows(package_code="open-restaurant", region_code="520102", answers=NEW_BIG)
    assert first.compiled.to_dict() == restaurant().to_dict()
    stored = m.Package.objects.get(code="open-restaurant")
    assert (first.package.pk, first.package.version, first.package.name) == (
        stored.pk,
        stored.version,
        stored.name,
    )
    assert (first.region.pk, first.region.code) == (m.Region.objects.get(code="520102").pk, "520102")
    first.package.name = "改过的名字"
    first.region.name = "改过的区"
    again = compile_with_rows(package_code="open-restaurant", region_code="520102", answers=NEW_BIG)
    assert (again.package.name, again.region.name) == ("开办餐饮店", "南明区")
    catalog_import(path=write_folder(tmp_path / "edited", packages=[restaurant_package(name="开饭店")]))
    edited = compile_with_rows(package_code="open-restaurant", region_code="520102", answers=NEW_BIG)
    assert (edited.package.name, edited.compiled.name) == ("开饭店", "开饭店")
    assert edited.package.version == stored.version + 1
    with pytest.raises(NotFound):
        compile_with_rows(package_code="no-such-package", region_code="520102", answers={})


# --- nothing handed out is shared ---------------------------------------------------------------------


def test_every_caller_gets_its_own_objects(small_catalog: Path) -> None:
    package = package_by_code("open-restaurant")
    package.name = "改过的名字"
    package.package_items.all()[0].item.name = "改过的事项"
    package.regions.all()[0].name = "改过的省"
    region = region_by_code("520102")
    region.name = "改过的区"
    chain = region_chain(region)
    chain[1].name = "改过的市"
    chain.append(region)
    dept = DepartmentResolver(region).resolve("market_regulation")
    assert dept is not None
    dept.name = "改过的部门"
    dept.type.name = "改过的类型"
    departments_by_code(["gy-xf"])["gy-xf"].name = "改过的支队"
    compiled = restaurant()
    compiled.entries.clear()
    compiled.answers["floor_area"] = 1

    again = package_by_code("open-restaurant")
    assert again.name == "开办餐饮店"
    assert again.package_items.all()[0].item.name == "营业执照（设立登记）"
    assert again.regions.all()[0].name == "贵州省"
    assert region_by_code("520102").name == "南明区"
    assert [r.name for r in region_chain(region_by_code("520102"))] == ["南明区", "贵阳市", "贵州省"]
    resolved = DepartmentResolver(region_by_code("520102")).resolve("market_regulation")
    assert resolved is not None
    assert (resolved.name, resolved.type.name) == ("南明区市场监督管理局", "市场监管")
    assert departments_by_code(["gy-xf"])["gy-xf"].name == "贵阳市消防救援支队"
    fresh = restaurant()
    assert len(fresh.entries) == 4
    assert fresh.answers["floor_area"] == 500


# --- every kind of write is seen by the next read -----------------------------------------------------


def test_a_reimport_is_seen_by_the_next_compile(small_catalog: Path, tmp_path: Path) -> None:
    assert entry(restaurant(), "food_business_permit").days == 5
    doc = variant(catalog())
    doc["items"][1]["promised_limit_days"] = 3
    catalog_import(path=write_folder(tmp_path / "edited", doc))
    assert entry(restaurant(), "food_business_permit").days == 3


def test_a_reimported_package_is_seen_by_package_by_code(small_catalog: Path, tmp_path: Path) -> None:
    assert package_by_code("open-restaurant").name == "开办餐饮店"
    catalog_import(path=write_folder(tmp_path / "edited", packages=[restaurant_package(name="开饭店")]))
    assert package_by_code("open-restaurant").name == "开饭店"
    assert restaurant().name == "开饭店"


def test_a_model_save_is_seen_by_the_next_compile(small_catalog: Path) -> None:
    assert entry(restaurant(), "business_licence").department == "南明区市场监督管理局"
    dept = m.Department.objects.get(code="nm-scjg")
    dept.name = "南明区市场监管局"
    dept.save()
    assert entry(restaurant(), "business_licence").department == "南明区市场监管局"
    assert (
        DepartmentResolver(region_by_code("520102")).resolve("market_regulation").name == "南明区市场监管局"
    )


def test_a_deleted_department_through_the_admin_is_seen_by_the_next_compile(
    small_catalog: Path, admin_client: Client
) -> None:
    assert entry(restaurant(), "business_licence").department_code == "nm-scjg"
    assert set(departments_by_code(["nm-scjg"])) == {"nm-scjg"}
    dept = m.Department.objects.get(code="nm-scjg")
    response = admin_client.post(f"/admin/catalog/department/{dept.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not m.Department.objects.filter(code="nm-scjg").exists()
    # The city's department takes over the county's items.
    assert entry(restaurant(), "business_licence").department_code == "gy-scjg"
    assert departments_by_code(["nm-scjg"]) == {}


def test_an_admin_edit_of_a_registry_is_seen_by_the_next_compile(
    small_catalog: Path, admin_client: Client
) -> None:
    fields = {f.element: f for g in restaurant().form for f in g.fields}
    assert fields["person.name"].prefill_registry == "population"
    registry = m.Registry.objects.get(code="population")
    page = {
        "code": registry.code,
        "name": registry.name,
        "name_en": registry.name_en,
        "department_type": str(registry.department_type_id),
    }  # "connected" left out: the checkbox is cleared
    response = admin_client.post(f"/admin/catalog/registry/{registry.pk}/change/", page)
    assert response.status_code == 302
    fields = {f.element: f for g in restaurant().form for f in g.fields}
    assert fields["person.name"].prefill_registry == ""


def test_a_changed_posting_choice_is_seen_by_the_next_compile(small_catalog: Path) -> None:
    # bank.account_type stands in for any choice element: the flag travels with the element's spec.
    fields = {f.element: f for g in restaurant().form for f in g.fields}
    assert fields["bank.account_type"].post_choices == []
    before = revision_number()
    m.DataElement.objects.filter(code="bank.account_type").update(post_choices=["基本存款账户"])
    assert revision_number() > before
    fields = {f.element: f for g in restaurant().form for f in g.fields}
    assert fields["bank.account_type"].post_choices == ["基本存款账户"]


def test_a_region_removed_from_a_package_is_seen_by_the_next_compile(small_catalog: Path) -> None:
    restaurant()
    package = m.Package.objects.get(code="open-restaurant")
    package.regions.remove(m.Region.objects.get(code="520000"))
    with pytest.raises(ValidationFailed, match="尚未在南明区提供"):
        restaurant()
    package.regions.add(m.Region.objects.get(code="520100"))
    assert restaurant().region == "520102"
    assert [r.code for r in package_by_code("open-restaurant").regions.all()] == ["520100"]


def test_bulk_writes_and_queryset_updates_are_seen(small_catalog: Path) -> None:
    assert "premises.area" not in {f.element for g in restaurant().form for f in g.fields if f.produced_by}
    m.ServiceItem.objects.filter(code="business_licence").update(produces=["premises.area"])
    assert entry(restaurant(), "business_licence").code == "business_licence"
    assert {f.element for g in restaurant().form for f in g.fields if f.produced_by} == {"premises.area"}
    licence = m.ServiceItem.objects.get(code="business_licence")
    m.ItemField.objects.bulk_create(
        [
            m.ItemField(
                item=licence, data_element=m.DataElement.objects.get(code="bank.account_type"), position=9
            )
        ]
    )
    assert "bank.account_type" in package_by_code("open-restaurant").package_items.all()[
        0
    ].item.fields.values_list("data_element__code", flat=True)
    used = {f.element: f.used_by for g in restaurant().form for f in g.fields}
    assert used["bank.account_type"] == ["business_licence", "bank_account"]


def test_raw_sql_from_outside_django_is_seen(small_catalog: Path) -> None:
    # What another process's tool would do: no model, no signal, nothing this process hears about.
    assert region_by_code("520102").name == "南明区"
    assert entry(restaurant(), "business_licence").days == 1
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_region SET name = %s WHERE code = %s", ["南明", "520102"])
        cursor.execute(
            "UPDATE catalog_serviceitem SET promised_limit_days = 2 WHERE code = 'business_licence'"
        )
    assert region_by_code("520102").name == "南明"
    assert entry(restaurant(), "business_licence").days == 2


def test_a_new_region_and_package_are_found_after_a_miss(small_catalog: Path, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        region_by_code("520103")
    with pytest.raises(NotFound):
        package_by_code("open-cafe")
    doc = variant(catalog())
    doc["regions"].append({"code": "520103", "name": "云岩区"})
    doc["departments"].append(
        {"code": "yy-scjg", "name": "云岩区市场监督管理局", "type": "market_regulation", "region": "520103"}
    )
    catalog_import(path=write_folder(tmp_path / "edited", doc, [restaurant_package(code="open-cafe")]))
    assert region_by_code("520103").name == "云岩区"
    assert package_by_code("open-cafe").code == "open-cafe"
    assert entry(restaurant("520103"), "business_licence").department_code == "yy-scjg"


# --- what a rolled-back transaction saw is never served -------------------------------------------------


def test_a_preview_inside_a_rolled_back_transaction_leaves_nothing_behind(small_catalog: Path) -> None:
    before = restaurant().to_dict()
    edited = yaml.safe_dump(restaurant_package(name="预览里的名字"), allow_unicode=True, sort_keys=False)
    preview = preview_definition(text=edited)
    assert preview.compiled is not None
    assert preview.compiled.name == "预览里的名字"
    assert restaurant().to_dict() == before
    assert package_by_code("open-restaurant").name == "开办餐饮店"


def test_an_edit_rolled_back_after_it_was_read_is_not_served(small_catalog: Path) -> None:
    restaurant()
    with transaction.atomic():
        m.ServiceItem.objects.filter(code="business_licence").update(promised_limit_days=9)
        assert entry(restaurant(), "business_licence").days == 9
        transaction.set_rollback(True)
    # The next edit, read before anything else is: a revision counter would be back where the rolled-back
    # edit left it, so the token must never repeat.
    m.ServiceItem.objects.filter(code="business_licence").update(promised_limit_days=4)
    assert entry(restaurant(), "business_licence").days == 4


def test_the_stored_catalog_is_read_again_after_a_rollback(small_catalog: Path) -> None:
    with transaction.atomic():
        m.ServiceItem.objects.filter(code="business_licence").update(promised_limit_days=9)
        assert entry(restaurant(), "business_licence").days == 9
        transaction.set_rollback(True)
    assert entry(restaurant(), "business_licence").days == 1


# --- the revision --------------------------------------------------------------------------------------


def test_every_catalog_table_carries_the_revision_trigger(db: None) -> None:
    assert triggered_tables(connection) == set(catalog_tables())


def test_writes_move_the_revision_and_reads_do_not(small_catalog: Path) -> None:
    number, token = revision_number(), current_token()
    restaurant()
    package_by_code("open-restaurant")
    assert (revision_number(), current_token()) == (number, token)
    m.Partner.objects.create(code="bank-x", name="某银行", kind="bank")
    assert revision_number() > number
    assert current_token() != token


def test_triggers_a_rebuilt_table_lost_come_back_after_migrate(small_catalog: Path) -> None:
    uninstall_triggers(connection, ["catalog_department"])
    assert "catalog_department" not in triggered_tables(connection)
    install_after_migrate(using="default")
    assert triggered_tables(connection) == set(catalog_tables())
    restaurant()
    m.Department.objects.filter(code="nm-scjg").update(name="南明区市场监管局")
    assert entry(restaurant(), "business_licence").department == "南明区市场监管局"


def test_without_a_revision_row_nothing_is_memoised_and_the_next_write_restores_it(
    small_catalog: Path, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    m.CatalogRevision.objects.all().delete()
    assert current_token() is None
    restaurant()
    with django_assert_max_num_queries(50) as captured:
        restaurant()
    assert len(captured.captured_queries) > 1  # read from the tables every time
    m.Region.objects.filter(code="520102").update(name="南明")
    assert current_token() is not None
    assert region_by_code("520102").name == "南明"
    with django_assert_max_num_queries(1):
        assert region_by_code("520102").name == "南明"


# --- a bounded memo -----------------------------------------------------------------------------------


def test_the_memo_keeps_the_most_recently_used_entries_up_to_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(LIMITS, "spec", 2)
    gen = Generation("token")
    built: list[str] = []

    def build(key: str) -> Callable[[], str]:
        def run() -> str:
            built.append(key)
            return key.upper()

        return run

    assert gen.get("spec", "a", build("a")) == "A"
    gen.get("spec", "b", build("b"))
    gen.get("spec", "a", build("a"))  # a is now the most recent
    gen.get("spec", "c", build("c"))  # b goes
    gen.get("spec", "a", build("a"))
    gen.get("spec", "b", build("b"))
    assert built == ["a", "b", "c", "b"]
    assert gen.size("spec") == 2


def test_a_failed_build_is_not_remembered() -> None:
    gen = Generation("token")

    def fail() -> str:
        raise NotFound("没有")

    with pytest.raises(NotFound):
        gen.get("region", "x", fail)
    assert gen.get("region", "x", lambda: "found") == "found"


def test_without_a_token_the_memo_builds_every_time() -> None:
    gen = Generation(None)
    calls: list[int] = []
    gen.get("region", "x", lambda: calls.append(1))
    gen.get("region", "x", lambda: calls.append(1))
    assert calls == [1, 1]


# --- two processes ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_commit_from_another_connection_is_seen_by_the_next_compile(tmp_path: Path) -> None:
    # A second database session, as another process has; it commits its edit on its own.
    catalog_import(path=write_folder(tmp_path / "catalog"))
    assert entry(restaurant(), "fire_safety_inspection").days == 7
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        cursor = other.cursor()
        cursor.execute(
            "UPDATE catalog_serviceitem SET promised_limit_days = 6 WHERE code = 'fire_safety_inspection'"
        )
        other.commit()
    finally:
        other.close()
    assert entry(restaurant(), "fire_safety_inspection").days == 6
