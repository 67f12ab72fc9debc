"""Pure presentation rules of the applicant pages: reasons said once, contracts said in words."""

from __future__ import annotations

from django.utils import translation

from onego.portal.presenters import SharedReason, contract_label, contract_subjects, form_notes

NO_SOURCE = "无共享数据源，请自行填写"
DOWN = "数据源暂不可用，请自行填写/上传"


def test_a_reason_shared_by_many_fields_is_said_once_with_how_many() -> None:
    reasons = {f"f{i}": NO_SOURCE for i in range(13)} | {"phone": "", "bank": DOWN}
    notes = form_notes(reasons)
    assert notes.once == [SharedReason(NO_SOURCE, 13)]
    assert notes.per_field == {"bank": DOWN}  # a rare reason stays beside its field


def test_a_reason_of_one_or_two_fields_stays_beside_them() -> None:
    notes = form_notes({"a": NO_SOURCE, "b": NO_SOURCE, "c": ""})
    assert notes.once == []
    assert notes.per_field == {"a": NO_SOURCE, "b": NO_SOURCE}


def test_a_package_contract_is_named_by_its_package_and_version() -> None:
    names = {"pkg.newborn-birth": "新生儿出生"}
    with translation.override("zh-hans"):
        assert contract_label("pkg.newborn-birth@v2", names=names) == "“新生儿出生”数据共享协议（第 2 版）"
    with translation.override("en"):
        said = contract_label("pkg.newborn-birth@v1", names={"pkg.newborn-birth": "Newborn birth"})
    assert said == "the “Newborn birth” data-sharing agreement (version 1)"


def test_an_unknown_or_odd_contract_is_said_generically_never_raw() -> None:
    with translation.override("zh-hans"):
        assert contract_label("dept.customs@v3", names={}) == "部门间数据共享协议（第 3 版）"
        assert contract_label("something-else", names={}) == "部门间数据共享协议"
        assert "@" not in contract_label("pkg.x@v1", names={})


def test_contract_codes_name_packages_and_department_types_apart() -> None:
    assert contract_subjects(["pkg.open-restaurant@v1", "dept.civil_affairs@v2", "junk"]) == (
        {"open-restaurant"},
        {"civil_affairs"},
    )
