"""The package format's `bind` on a question: checked at import, stored, exported, used by the compiler."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from onego.catalog import models as m
from onego.catalog.definitions.export import export_catalog
from onego.catalog.selectors import compile_for
from onego.catalog.services import CatalogImportFailed, catalog_import
from onego.core.errors import ValidationFailed
from tests.builders import restaurant_package, write_folder

pytestmark = pytest.mark.django_db


def bound_restaurant(**binds: str) -> dict[str, Any]:
    package = restaurant_package()
    for question in package["questions"]:
        if question["id"] in binds:
            question["bind"] = binds[question["id"]]
    return package


def _refused(tmp_path: Path, package: dict[str, Any]) -> list[str]:
    with pytest.raises(CatalogImportFailed) as info:
        catalog_import(path=write_folder(tmp_path / "c", packages=[package]))
    assert not m.Package.objects.exists()
    return [str(i) for i in info.value.issues]


def test_a_binding_to_an_unknown_element_is_refused(tmp_path: Path) -> None:
    issues = _refused(tmp_path, bound_restaurant(floor_area="premises.size"))
    assert any("questions[1].bind" in i and "未知的数据元代码“premises.size”" in i for i in issues)


def test_a_binding_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    issues = _refused(tmp_path, bound_restaurant(floor_area="enterprise.name"))
    assert any("questions[1].bind" in i and "不能回答 number 类型的问题" in i for i in issues)


def test_an_e_licence_binds_only_a_yes_no_question(tmp_path: Path) -> None:
    issues = _refused(tmp_path, bound_restaurant(floor_area="licence:business_licence"))
    assert any("questions[1].bind" in i and "是/否" in i for i in issues)
    issues = _refused(tmp_path, bound_restaurant(has_licence="licence:no_such_licence"))
    assert any("未知的电子证照类型“no_such_licence”" in i for i in issues)


def test_the_binding_is_stored_exported_and_read_by_the_compiler(tmp_path: Path) -> None:
    package = bound_restaurant(has_licence="licence:business_licence", floor_area="premises.area")
    catalog_import(path=write_folder(tmp_path / "c", packages=[package]))
    export_catalog(tmp_path / "out")
    exported = (tmp_path / "out" / "packages" / "open-restaurant.yaml").read_text(encoding="utf-8")
    assert "bind: premises.area" in exported
    assert "bind: licence:business_licence" in exported

    compiled = compile_for(
        package_code="open-restaurant",
        region_code="520102",
        answers={"has_licence": False},
        data={"premises.area": 120},
    )
    assert compiled.answers["floor_area"] == 120
    area = next(f for g in compiled.form for f in g.fields if f.element == "premises.area")
    assert area.answers_question == "floor_area"
    with pytest.raises(ValidationFailed) as err:
        compile_for(
            package_code="open-restaurant",
            region_code="520102",
            answers={"has_licence": False, "floor_area": 500},
            data={"premises.area": 120},
        )
    assert err.value.field == "premises.area"
