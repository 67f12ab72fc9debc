"""The pure compiler: scenario questions bound to data (a form field or an e-licence) are asked once."""

from __future__ import annotations

from typing import Any

import pytest

from onego.catalog.rules.expressions import QuestionSpec
from onego.catalog.rules.package import (
    CompiledPackage,
    CompileError,
    ElementSpec,
    FieldUse,
    ItemSpec,
    PackageEntry,
    PackageSpec,
    compile_package,
    contradiction,
)

HEADS = ElementSpec(code="livestock.head_count", name="存栏数量（头）", type="integer")
KIND = ElementSpec(code="livestock.kind", name="畜种", type="choice", choices=("生猪", "牛", "羊"))
FARM = ElementSpec(code="enterprise.name", name="养殖场名称", type="string")

SCALE = QuestionSpec(ident="scale", type="number", text="存栏规模", bind=HEADS.code, bind_name=HEADS.name)
ANIMAL = QuestionSpec(
    ident="kind", type="choice", choices=("生猪", "牛"), text="畜种", bind=KIND.code, bind_name=KIND.name
)
LICENCE = QuestionSpec(
    ident="has_licence",
    type="bool",
    text="是否已取得营业执照",
    bind="licence:business_licence",
    bind_name="营业执照",
)


def _item(code: str, *fields: ElementSpec) -> ItemSpec:
    return ItemSpec(
        code=code,
        name=f"事项{code}",
        department_type="agriculture",
        department="某农业农村局",
        department_code="ag",
        legal_days=20,
        promised_days=10,
        visits=0,
        online=True,
        window_class=2,
        result_name="结果",
        fields=tuple(FieldUse(el) for el in fields),
    )


def livestock_spec() -> PackageSpec:
    """养殖场开办: the epidemic-prevention permit for pigs above 500 head, the EIA above 1000 head."""
    return PackageSpec(
        code="open-farm",
        name="开办养殖场",
        lead_department="某农业农村局",
        promised_days=None,
        questions=(SCALE, ANIMAL),
        defaults={},
        entries=(
            PackageEntry(code="farm_filing", binding="bound", item=_item("farm_filing", FARM, HEADS, KIND)),
            PackageEntry(
                code="epidemic_permit",
                binding="scenario",
                when='kind == "生猪" and scale >= 500',
                item=_item("epidemic_permit", FARM),
            ),
            PackageEntry(
                code="eia_approval",
                binding="scenario",
                when="scale >= 1000",
                item=_item("eia_approval", FARM),
            ),
        ),
    )


def compile_farm(answers: dict[str, Any], data: dict[str, Any] | None = None) -> CompiledPackage:
    return compile_package(livestock_spec(), region="520102", answers=answers, data=data)


def codes(compiled: CompiledPackage) -> list[str]:
    return [e.code for e in compiled.entries]


def test_answers_contradicting_the_form_are_refused_naming_the_field() -> None:
    # The finding: 存栏规模 100, 畜种 牛 answered, the form says 5000 head of 生猪.
    with pytest.raises(CompileError) as err:
        compile_farm({"scale": 100, "kind": "牛"}, {HEADS.code: 5000, KIND.code: "生猪"})
    assert err.value.field == "livestock.head_count"
    assert "存栏数量（头）" in err.value.message
    assert "100" in err.value.message
    assert "5000" in err.value.message


def test_the_other_contradiction_is_named_when_the_first_agrees() -> None:
    with pytest.raises(CompileError) as err:
        compile_farm({"scale": 5000, "kind": "牛"}, {HEADS.code: "5000", KIND.code: "生猪"})
    assert err.value.field == "livestock.kind"
    assert "畜种" in err.value.message


def test_known_data_answers_the_questions_and_decides_the_items() -> None:
    compiled = compile_farm({}, {HEADS.code: 5000, KIND.code: "生猪"})
    assert compiled.answers == {"scale": 5000, "kind": "生猪"}
    assert compiled.unanswered == []
    assert codes(compiled) == ["farm_filing", "epidemic_permit", "eia_approval"]
    assert [(q.ident, q.source, q.asked) for q in compiled.questions] == [
        ("scale", "data", False),
        ("kind", "data", False),
    ]


def test_the_item_set_follows_the_bound_data_when_it_changes() -> None:
    small = compile_farm({}, {HEADS.code: 100, KIND.code: "牛"})
    assert codes(small) == ["farm_filing"]
    large = compile_farm({}, {HEADS.code: 800, KIND.code: "生猪"})
    assert codes(large) == ["farm_filing", "epidemic_permit"]


def test_an_agreeing_answer_is_accepted_whatever_its_spelling() -> None:
    compiled = compile_farm({"scale": "5000", "kind": "生猪"}, {HEADS.code: 5000.0, KIND.code: "生猪"})
    assert compiled.answers["scale"] == 5000


def test_question_and_field_are_one_input_the_answer_fills_the_field() -> None:
    compiled = compile_farm({"scale": 300, "kind": "牛"})
    fields = {f.element: f for g in compiled.form for f in g.fields}
    assert fields[HEADS.code].answers_question == "scale"
    assert fields[KIND.code].answers_question == "kind"
    assert fields[FARM.code].answers_question == ""
    # The field is the one input: the question is not asked on its own, the answer given fills it.
    assert all(not q.asked and q.source == "answer" for q in compiled.questions)
    assert compiled.bound_values == {HEADS.code: 300, KIND.code: "牛"}


def test_a_bound_question_whose_field_is_not_in_the_form_is_asked() -> None:
    spec = livestock_spec()
    bare = PackageSpec(**{**spec.__dict__, "entries": spec.entries[1:]})
    compiled = compile_package(bare, region="520102", answers={"scale": 10, "kind": "牛"})
    assert all(q.asked for q in compiled.questions)
    assert compiled.bound_values == {}


def test_a_datum_that_cannot_answer_the_question_is_refused() -> None:
    with pytest.raises(CompileError) as err:
        compile_farm({}, {HEADS.code: 10, KIND.code: "羊"})  # the question offers only 生猪 and 牛
    assert err.value.field == "livestock.kind"


def test_an_e_licence_answers_a_yes_no_question() -> None:
    spec = PackageSpec(
        code="open-restaurant",
        name="开办餐饮店",
        lead_department="某局",
        promised_days=None,
        questions=(LICENCE,),
        defaults={"has_licence": False},
        entries=(
            PackageEntry(
                code="business_licence",
                binding="scenario",
                when="not has_licence",
                item=_item("business_licence"),
            ),
        ),
    )
    held = compile_package(spec, region="520102", answers={}, data={"licence:business_licence": True})
    assert held.answers["has_licence"] is True
    assert [e.code for e in held.entries] == []
    assert held.questions[0].source == "data"
    assert not held.questions[0].asked
    with pytest.raises(CompileError) as err:
        compile_package(
            spec, region="520102", answers={"has_licence": "否"}, data={"licence:business_licence": True}
        )
    assert err.value.field == "licence:business_licence"
    assert "电子证照库" in err.value.message
    unknown = compile_package(spec, region="520102", answers={})
    assert unknown.questions[0].source == "default"
    assert unknown.questions[0].asked


def test_contradiction_compares_as_the_question_type() -> None:
    assert contradiction(SCALE, 100, "100.0") is None
    assert contradiction(SCALE, 100, "") is None
    assert contradiction(SCALE, None, 5) is None
    assert contradiction(LICENCE, "是", True) is None
    message = contradiction(LICENCE, False, True)
    assert message is not None
    assert "营业执照" in message
