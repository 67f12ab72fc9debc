"""The catalog's English as data: every text of the starter catalog has English, the check lists what is
missing, and the compiler's sentences around names are said in English with the names looked up."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

import onego.catalog
from onego.catalog import models as m
from onego.catalog.i18n import (
    element_label,
    has_chinese,
    in_english,
    in_language,
    missing_english,
    region_label,
)
from onego.catalog.services import catalog_import

STARTER = Path(onego.catalog.__file__).parent / "starter"


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock():
        catalog_import(path=STARTER)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter")]


def test_every_text_of_the_starter_catalog_has_english() -> None:
    missing = missing_english()
    assert missing == [], "\n".join(f"{x.where} {x.kind} {x.text}" for x in missing)


def test_the_check_lists_a_choice_without_english_and_the_command_fails() -> None:
    m.Translation.objects.filter(code="随母").delete()
    assert [(x.kind, x.where, x.text) for x in missing_english()] == [
        ("问题选项", "packages:newborn-birth:hukou_with", "随母")
    ]
    out = StringIO()
    with pytest.raises(CommandError, match="1 处目录文字没有英文"):
        call_command("catalog", "translations", stdout=out)
    assert "packages:newborn-birth:hukou_with\t问题选项\t随母" in out.getvalue()


def test_a_name_without_name_en_is_listed_by_its_record() -> None:
    m.MaterialType.objects.filter(code="birth_certificate_application").update(name_en="")
    listed = {(x.where, x.text) for x in missing_english()}
    assert ("material_types:birth_certificate_application", "出生医学证明首次签发登记表") in listed


def test_names_notes_and_choices_are_english_from_the_catalog() -> None:
    department = m.Department.objects.get(code="nm-health")
    assert in_english(department.name) == department.name_en
    assert in_english("随母") == "With the mother (mother's household)"
    assert in_english("已在医保定点机构直接结算的免交") is not None
    assert in_english("没有这个词") is None


def test_the_compilers_sentences_are_english_with_the_names_looked_up() -> None:
    licence = m.LicenceType.objects.get(name="居民身份证")
    assert in_english("调用电子证照“居民身份证”核验，免提交") == (
        f"Checked against the e-licence “{licence.name_en}”: no need to submit"
    )
    said = in_english("由本套餐“出生医学证明首次签发”办结后通过电子证照共享")
    assert said is not None
    assert not has_chinese(said)
    assert in_english("可选事项，您未选择") == "Optional; you did not choose it"


def test_chinese_pages_keep_the_chinese_and_english_pages_fall_back_visibly() -> None:
    with translation.override("zh-hans"):
        assert in_language("随母") == "随母"
    with translation.override("en"):
        assert in_language("随母") == "With the mother (mother's household)"
        assert in_language("一个没有译文的说明") == "一个没有译文的说明"  # visibly Chinese, never blank
        assert in_language("") == ""


def test_a_translation_section_is_refused_without_its_english(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text("translations:\n  - {zh: 随父}\n", encoding="utf-8")
    with pytest.raises(onego.catalog.services.CatalogImportFailed) as exc:
        catalog_import(path=tmp_path)
    assert [(i.file, i.line, i.message) for i in exc.value.issues] == [("t.yaml", 2, "缺少必填字段")]


def test_a_region_code_is_said_as_its_name_from_the_city_down() -> None:
    with translation.override("zh-hans"):
        assert region_label("520102") == "贵阳市南明区"
        assert region_label("520100") == "贵阳市"
        assert region_label("***") == "***"  # a masked value stays masked
        assert region_label("999999") == "999999"  # an unknown code is not invented
    with translation.override("en"):
        said = region_label("520102")
    assert said.startswith("Nanming District")
    assert not has_chinese(said)


def test_staff_read_a_region_code_as_its_name() -> None:
    from onego.workbench.presenters import display_value

    with translation.override("zh-hans"):
        assert display_value("520102", "region_code") == "贵阳市南明区"
        assert display_value("520102") == "520102"  # only region-code fields are translated
        assert display_value(True) == "是"


def test_a_data_element_code_is_said_as_its_name() -> None:
    with translation.override("zh-hans"):
        assert element_label("person.name") == "姓名"
        assert element_label("no.such_element") == "no.such_element"
    with translation.override("en"):
        assert element_label("person.name") == "Name"
