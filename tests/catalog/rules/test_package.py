"""The pure compiler: data elements produced by an earlier item of the package are not asked again."""

from __future__ import annotations

from onego.catalog.rules.expressions import QuestionSpec
from onego.catalog.rules.graph import prerequisites
from onego.catalog.rules.package import (
    CompiledPackage,
    ElementSpec,
    FieldUse,
    FormField,
    ItemSpec,
    PackageEntry,
    PackageSpec,
    compile_package,
)

ID = ElementSpec(code="newborn.id_number", name="新生儿公民身份号码", type="id_number")
NAME = ElementSpec(code="newborn.name", name="新生儿姓名", type="string")
USCC = ElementSpec(
    code="enterprise.uscc",
    name="统一社会信用代码",
    type="uscc",
    registry="enterprise",
    registry_name="企业库",
)


def spec_item(code: str, *fields: ElementSpec, produces: tuple[str, ...] = ()) -> ItemSpec:
    return ItemSpec(
        code=code,
        name=f"事项{code}",
        department_type="dept",
        department="某部门",
        department_code="d",
        legal_days=5,
        promised_days=1,
        visits=0,
        online=True,
        window_class=2,
        result_name="结果",
        fields=tuple(FieldUse(el) for el in fields),
        produces=produces,
    )


def entry(item: ItemSpec, *after: str, when: str = "") -> PackageEntry:
    return PackageEntry(code=item.code, binding="scenario", when=when, after=after, item=item)


def compile_entries(*entries: PackageEntry, answers: dict[str, bool] | None = None) -> CompiledPackage:
    spec = PackageSpec(
        code="p",
        name="套餐",
        lead_department="某部门",
        promised_days=None,
        questions=(QuestionSpec(ident="register", type="bool", text="是否登记"),),
        defaults={"register": True},
        entries=entries,
    )
    return compile_package(spec, region="520102", answers=answers or {})


def field_of(compiled: CompiledPackage, element: str) -> FormField:
    return next(f for g in compiled.form for f in g.fields if f.element == element)


REGISTRATION = spec_item("birth_registration", NAME, produces=("newborn.id_number",))
INSURANCE = spec_item("insurance", NAME, ID)
CARD = spec_item("card", ID)


def test_a_field_produced_by_a_prerequisite_of_every_user_is_not_asked() -> None:
    c = compile_entries(
        entry(REGISTRATION), entry(INSURANCE, "birth_registration"), entry(CARD, "birth_registration")
    )
    f = field_of(c, "newborn.id_number")
    assert f.produced_by == "birth_registration"
    assert f.required is False
    assert f.used_by == ["insurance", "card"]
    # Still merged (and counted as merged), but not typed: like a material exempt as produced earlier.
    assert c.burden.fields_separate == 4
    assert c.burden.fields_merged == 2
    assert c.burden.fields_to_type == 1


def test_a_transitive_prerequisite_counts_as_earlier() -> None:
    premium = spec_item("premium", ID)
    c = compile_entries(
        entry(REGISTRATION), entry(INSURANCE, "birth_registration"), entry(premium, "insurance")
    )
    assert field_of(c, "newborn.id_number").produced_by == "birth_registration"


def test_a_producer_that_is_not_a_prerequisite_of_some_user_leaves_the_field_asked() -> None:
    # `card` may be decided before the registration assigns the number: it must be asked of the applicant.
    c = compile_entries(entry(REGISTRATION), entry(INSURANCE, "birth_registration"), entry(CARD))
    f = field_of(c, "newborn.id_number")
    assert f.produced_by == ""
    assert f.required is True
    assert c.burden.fields_to_type == 2


def test_a_producer_running_in_parallel_or_after_does_not_take_the_field_out() -> None:
    later = compile_entries(entry(INSURANCE), entry(REGISTRATION, "insurance"))
    assert field_of(later, "newborn.id_number").produced_by == ""
    parallel = compile_entries(entry(INSURANCE), entry(REGISTRATION))
    assert field_of(parallel, "newborn.id_number").required is True


def test_an_item_using_what_it_produces_itself_is_still_asked() -> None:
    own = spec_item("birth_registration", ID, produces=("newborn.id_number",))
    c = compile_entries(entry(own))
    f = field_of(c, "newborn.id_number")
    assert (f.produced_by, f.required) == ("", True)


def test_a_producer_left_out_by_the_scenario_does_not_take_the_field_out() -> None:
    c = compile_entries(
        entry(REGISTRATION, when="register"),
        entry(INSURANCE, "birth_registration"),
        answers={"register": False},
    )
    assert [e.code for e in c.items] == ["insurance"]
    f = field_of(c, "newborn.id_number")
    assert (f.produced_by, f.required) == ("", True)


def test_a_partner_step_after_the_producer_is_not_asked_either() -> None:
    licence = spec_item("business_licence", produces=("enterprise.uscc",))
    bank = PackageEntry(
        code="bank_account",
        binding="optional",
        after=("business_licence",),
        name="银行开户",
        partner_kind="bank",
        days=1,
        fields=(USCC,),
    )
    c = compile_entries(entry(licence), bank)
    f = field_of(c, "enterprise.uscc")
    assert f.produced_by == "business_licence"
    assert f.prefill_registry == "enterprise"  # the registry still holds it once the licence is issued
    assert c.burden.fields_to_type == 0


def test_prerequisites_are_transitive_and_ignore_entries_outside_the_scenario() -> None:
    after = {"a": [], "b": ["a"], "c": ["b", "gone"], "d": []}
    assert prerequisites(after) == {"a": set(), "b": {"a"}, "c": {"a", "b"}, "d": set()}


def test_the_form_field_carries_the_choices_that_mean_posting() -> None:
    delivery = ElementSpec(
        code="social_security_card.delivery",
        name="领卡方式",
        type="choice",
        choices=("邮寄到家", "网点领取"),
        post_choices=("邮寄到家",),
    )
    c = compile_entries(
        entry(spec_item("card_apply", NAME, delivery)), entry(spec_item("card_replace", delivery))
    )
    f = field_of(c, "social_security_card.delivery")
    assert f.post_choices == ["邮寄到家"]
    assert f.used_by == ["card_apply", "card_replace"]
    assert field_of(c, "newborn.name").post_choices == []
    # In the stored snapshot too (what pre-review reads).
    stored = next(f for g in c.to_dict()["form"] for f in g["fields"] if f["element"] == delivery.code)
    assert stored["post_choices"] == ["邮寄到家"]
