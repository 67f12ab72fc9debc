"""Pre-review lists everything missing or wrong at once (一次性告知), without a database."""

from __future__ import annotations

from onego.cases.prereview import FieldRule, MaterialRule, Provided, by_post, pre_review, rules_from_snapshot

FIELDS = [
    FieldRule("person.name", "姓名", "string", True, prefill_source="人口库"),
    FieldRule("person.id_number", "公民身份号码", "id_number", True),
    FieldRule("person.phone", "手机号码", "phone", False),
    FieldRule("premises.area", "经营场所建筑面积", "number", True),
    FieldRule("bank.account_type", "账户类型", "choice", True, choices=("基本存款账户",)),
]
MATERIALS = [
    MaterialRule("resident_id_card", "居民身份证", True, exempt=True, verified_by="registry:population"),
    MaterialRule("business_licence", "营业执照", True, exempt=True, verified_by="licence:business_licence"),
    MaterialRule("floor_plan", "经营场所平面图", True, exempt=False, file_types=("pdf", "jpg")),
    MaterialRule("food_safety_plan", "食品安全管理制度", True, exempt=False),
    MaterialRule("lease_contract", "租赁合同", False, exempt=False),
]


def test_a_complete_submission_has_no_problem() -> None:
    form = {
        "person.name": "张三",
        "person.id_number": "11010519491231002X",
        "premises.area": "120.5",
        "bank.account_type": "基本存款账户",
    }
    given = [
        Provided("resident_id_card", reference="population:110105194912310021"),
        Provided("business_licence", "licence.pdf", 10),
        Provided("floor_plan", "floor.PDF", 10),
        Provided("food_safety_plan", "plan.docx", 10),
    ]
    assert pre_review(FIELDS, MATERIALS, form, given) == []


def test_every_problem_is_listed_once_in_form_then_material_order() -> None:
    form = {
        "person.id_number": "110105194912310021",  # wrong check character
        "person.phone": "12345",
        "premises.area": "约一百平",
        "bank.account_type": "一般账户",
    }
    given = [
        Provided("floor_plan", "floor.docx", 10),
        Provided("lease_contract", "lease.pdf", 0),
        Provided("business_licence", reference="not-a-licence-id"),
    ]
    problems = pre_review(FIELDS, MATERIALS, form, given)
    assert [(p.field, p.kind) for p in problems] == [
        ("person.name", "missing_field"),
        ("person.id_number", "invalid_field"),
        ("person.phone", "invalid_field"),
        ("premises.area", "invalid_field"),
        ("bank.account_type", "invalid_field"),
        ("material:resident_id_card", "missing_material"),
        ("material:business_licence", "invalid_reference"),
        ("material:floor_plan", "wrong_file_type"),
        ("material:food_safety_plan", "missing_material"),
        ("material:lease_contract", "empty_file"),
    ]
    messages = [p.message for p in problems]
    assert messages[0] == "请填写“姓名”（可授权从人口库获取）"
    assert messages[1] == "“公民身份号码”：居民身份证号码校验位不正确，请核对号码"  # names the field
    assert messages[7] == "“经营场所平面图”只接受 pdf、jpg 格式的文件，收到的是 docx"
    assert messages[8] == "缺少材料“食品安全管理制度”"


def test_an_exempt_material_is_asked_for_until_the_exchange_verified_it() -> None:
    # Exempt in the catalog means "a registry can verify it", not "nobody needs to give it": without the
    # verified reference (no consent, registry down) it is asked for, with the way out in the message.
    problems = pre_review([], MATERIALS[:2], {}, [])
    assert [(p.field, p.kind) for p in problems] == [
        ("material:resident_id_card", "missing_material"),
        ("material:business_licence", "missing_material"),
    ]
    assert problems[0].message == "“居民身份证”未能共享核验，请授权共享或上传材料文件"
    given = [Provided("resident_id_card", reference="population:110105194912310021")]
    assert [p.field for p in pre_review([], MATERIALS[:2], {}, given)] == ["material:business_licence"]


def test_a_material_an_earlier_item_produces_need_not_be_given() -> None:
    produced = MaterialRule(
        "business_licence", "营业执照", True, exempt=True, verified_by="package:business_licence"
    )
    assert pre_review([], [produced], {}, []) == []


def test_a_material_no_registry_can_verify_cannot_be_a_reference() -> None:
    problems = pre_review([], MATERIALS[2:], {}, [Provided("floor_plan", reference="ref-1")])
    assert problems[0].message == "“经营场所平面图”无法共享核验，请上传材料文件"


def test_a_valid_licence_identifier_is_accepted_as_the_material() -> None:
    from onego.core.validators import licence_identifier

    ident = licence_identifier("11100000000013338W011", "11520102MB1234567X", "000123")
    problems = pre_review([], MATERIALS[1:2], {}, [Provided("business_licence", reference=ident)])
    assert problems == []


# --- mailing fields: needed only when something is posted ------------------------------------------

POSTAL = [
    FieldRule("person.name", "姓名", "string", True),
    FieldRule("address.detail", "邮寄详细地址", "string", True),
    FieldRule("address.recipient", "收件人", "string", True),
    FieldRule(
        "social_security_card.delivery",
        "领卡方式",
        "choice",
        True,
        choices=("邮寄到家", "网点领取"),
        post_choices=("邮寄到家",),  # as the catalog declares it (data element `post_choices`)
    ),
]


def test_mailing_fields_are_not_asked_for_electronic_delivery_or_pickup() -> None:
    form = {"person.name": "张三", "social_security_card.delivery": "网点领取"}
    assert pre_review(POSTAL, [], form, [], delivery_method="electronic") == []
    assert pre_review(POSTAL, [], form, [], delivery_method="pickup") == []


def test_the_notice_names_the_mailing_fields_when_the_applicant_chose_post() -> None:
    form = {"person.name": "张三", "social_security_card.delivery": "网点领取"}
    problems = pre_review(POSTAL, [], form, [], delivery_method="post")
    assert [(p.field, p.kind, p.message) for p in problems] == [
        ("address.detail", "missing_field", "请填写“邮寄详细地址”（邮寄送达时必填）"),
        ("address.recipient", "missing_field", "请填写“收件人”（邮寄送达时必填）"),
    ]


def test_a_card_mailed_home_needs_the_address_whatever_the_results_delivery() -> None:
    form = {"person.name": "张三", "social_security_card.delivery": "邮寄到家"}
    problems = pre_review(POSTAL, [], form, [], delivery_method="electronic")
    assert [p.field for p in problems] == ["address.detail", "address.recipient"]


def test_a_choice_means_posting_only_when_the_catalog_says_so() -> None:
    # The same field and answer without the catalog's declaration: nothing is posted, nothing asked.
    undeclared = [FieldRule(f.element, f.name, f.type, f.required, f.choices) for f in POSTAL]
    form = {"person.name": "张三", "social_security_card.delivery": "邮寄到家"}
    assert pre_review(undeclared, [], form, [], delivery_method="electronic") == []
    # Any element may declare its own: here a certificate's 领取方式.
    certificate = [
        *POSTAL[:3],
        FieldRule(
            "certificate.collection",
            "领证方式",
            "choice",
            True,
            ("窗口领取", "快递寄送"),
            post_choices=("快递寄送",),
        ),
    ]
    form = {"person.name": "张三", "certificate.collection": "快递寄送"}
    problems = pre_review(certificate, [], form, [], delivery_method="pickup")
    assert [p.field for p in problems] == ["address.detail", "address.recipient"]
    assert (
        pre_review(
            certificate, [], {**form, "certificate.collection": "窗口领取"}, [], delivery_method="pickup"
        )
        == []
    )


def test_by_post_judges_the_whole_form_given_even_when_only_the_address_is_checked() -> None:
    # A correction asks only for the address; the card's 领卡方式 is elsewhere in the case's form.
    form = {"social_security_card.delivery": "邮寄到家"}
    assert by_post("electronic", form, POSTAL)
    assert not by_post("electronic", form, POSTAL[:3])
    assert not by_post("pickup", {"social_security_card.delivery": "网点领取"}, POSTAL)
    assert by_post("post", {}, [])


def test_the_snapshot_carries_the_posting_choices_to_pre_review() -> None:
    snapshot = {
        "form": [
            {
                "fields": [
                    {"element": "address.detail", "name": "邮寄详细地址", "type": "string", "required": True},
                    {
                        "element": "social_security_card.delivery",
                        "name": "领卡方式",
                        "type": "choice",
                        "required": True,
                        "choices": ["邮寄到家", "网点领取"],
                        "post_choices": ["邮寄到家"],
                    },
                ]
            }
        ]
    }
    fields, _ = rules_from_snapshot(snapshot)
    assert [f.post_choices for f in fields] == [(), ("邮寄到家",)]
    form = {"social_security_card.delivery": "邮寄到家"}
    assert [p.field for p in pre_review(fields, [], form, [], delivery_method="electronic")] == [
        "address.detail"
    ]


def test_mailing_fields_given_are_still_checked_and_without_a_method_stay_as_declared() -> None:
    form = {"person.name": "张三", "social_security_card.delivery": "网点领取", "address.recipient": 12}
    assert [(p.field, p.kind) for p in pre_review(POSTAL, [], form, [], delivery_method="electronic")] == [
        ("address.recipient", "invalid_field")
    ]
    assert [p.field for p in pre_review(POSTAL, [], form, [])] == ["address.detail", "address.recipient"]


def test_a_field_an_earlier_item_produces_is_never_demanded() -> None:
    # Even a snapshot that still says "required" does not demand what 出生登记 will assign.
    snapshot = {
        "form": [
            {
                "fields": [
                    {"element": "newborn.name", "name": "新生儿姓名", "type": "string", "required": True},
                    {
                        "element": "newborn.id_number",
                        "name": "新生儿公民身份号码",
                        "type": "id_number",
                        "required": True,
                        "produced_by": "birth_registration",
                    },
                ]
            }
        ]
    }
    fields, _ = rules_from_snapshot(snapshot)
    assert fields[1].produced_by == "birth_registration"
    assert [p.field for p in pre_review(fields, [], {}, [])] == ["newborn.name"]
    # A value given anyway is still checked.
    problems = pre_review(fields, [], {"newborn.name": "张小米", "newborn.id_number": "123"}, [])
    assert [(p.field, p.kind) for p in problems] == [("newborn.id_number", "invalid_field")]
