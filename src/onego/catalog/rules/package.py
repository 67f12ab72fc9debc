"""The package compiler, as pure functions over plain data (no database).

Given a package, the applicant's region and scenario answers it decides which items apply, orders them in
stages, merges their forms (each data element once) and their materials (each type once, exempt where a
registry or e-licence can verify it), and compares the package's burden with doing the items one by one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from onego.catalog.rules.expressions import (
    ExpressionError,
    QuestionSpec,
    coerce_answer,
    compile_condition,
    evaluate,
)
from onego.catalog.rules.graph import critical_path, prerequisites, stages

APPLICANT = "applicant"  # the built-in subject: the applicant themself


# --- input ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ElementSpec:
    code: str
    name: str
    type: str
    choices: tuple[str, ...] = ()
    sensitive: bool = False
    registry: str = ""  # code of a connected registry that can supply it, or ""
    registry_name: str = ""
    post_choices: tuple[str, ...] = ()  # choices meaning "the result is posted to the applicant"
    subject: str = APPLICANT  # whose datum it is (catalog `subjects`)


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    registry: str = ""  # connected registry that verifies it
    registry_name: str = ""
    licence_type: str = ""  # e-licence type that proves it
    licence_name: str = ""
    file_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldUse:
    element: ElementSpec
    required: bool = True
    when: str = ""


@dataclass(frozen=True)
class MaterialUse:
    material: MaterialSpec
    required: bool = True
    when: str = ""
    original: bool = True
    copies: int = 1
    note: str = ""
    subject: str = APPLICANT  # whose material it is: verified for that person


@dataclass(frozen=True)
class SubjectSpec:
    """A subject other than the applicant (catalog `subjects`): whose data and materials these are."""

    code: str
    name: str
    consent: str  # guardian | representative | own
    kind: str = "person"
    identity: ElementSpec | None = None  # the element naming the person (a form field, asked once)
    name_element: str = ""


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    department_type: str
    department: str  # resolved name for the region, "" when none is configured
    department_code: str
    legal_days: int
    promised_days: int
    visits: int
    online: bool
    window_class: int
    result_name: str
    result_licence_type: str = ""
    fee: str = ""
    sole_approver: bool = False
    instant_approval: bool = False
    site_inspection: bool = False
    fields: tuple[FieldUse, ...] = ()
    materials: tuple[MaterialUse, ...] = ()
    produces: tuple[str, ...] = ()  # data element codes this item creates when approved


@dataclass(frozen=True)
class PackageEntry:
    """An item or a partner step as the package includes it."""

    code: str
    binding: str  # bound | scenario | optional
    when: str = ""
    after: tuple[str, ...] = ()
    default_selected: bool = True
    item: ItemSpec | None = None
    # partner steps only
    name: str = ""
    partner_kind: str = ""
    days: int = 0
    fields: tuple[ElementSpec, ...] = ()


@dataclass(frozen=True)
class PackageSpec:
    code: str
    name: str
    lead_department: str
    promised_days: int | None
    questions: tuple[QuestionSpec, ...]
    defaults: Mapping[str, Any]
    entries: tuple[PackageEntry, ...]
    subjects: tuple[
        SubjectSpec, ...
    ] = ()  # the catalog's subjects (all of them; the compiler keeps the used)


# --- output -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompiledEntry:
    code: str
    name: str
    kind: str  # item | partner
    binding: str
    reason: str
    department: str
    department_code: str
    days: int
    legal_days: int
    visits: int
    stage: int
    after: list[str]
    partner_kind: str = ""
    window_class: int = 0
    result_name: str = ""
    fee: str = ""
    sole_approver: bool = False
    instant_approval: bool = False
    site_inspection: bool = False
    removable: bool = False
    produces: list[str] = field(default_factory=list)  # data elements its approval assigns


@dataclass(frozen=True)
class ExcludedEntry:
    code: str
    name: str
    reason: str
    addable: bool


@dataclass(frozen=True)
class FormField:
    element: str
    name: str
    type: str
    choices: list[str]
    required: bool
    sensitive: bool
    used_by: list[str]
    prefill_registry: str
    prefill_source: str
    # The code of an earlier item of the package that creates this datum when approved: it is not asked
    # of the applicant (required is False and it does not count as typed), "" when the applicant gives it.
    produced_by: str = ""
    # Choices that mean the result is posted to the applicant (领卡方式“邮寄到家”): chosen, they make the
    # mailing fields (address.*) needed as delivery by post does. Pre-review reads them from here.
    post_choices: list[str] = field(default_factory=list)
    # The scenario question this field answers (a question bound to this element): the field and the
    # question are one input, asked once; its value must agree with the answer. "" when none.
    answers_question: str = ""
    # Shown only when this condition over the scenario answers holds (the item's `when` on the field);
    # a field a choice makes irrelevant is left out altogether. Kept for the package check.
    when: str = ""
    subject: str = APPLICANT  # whose datum it is
    # The subject this field identifies (its `identity` element): the person is named once, here.
    identifies: str = ""


@dataclass(frozen=True)
class FormGroup:
    group: str
    title: str
    fields: list[FormField]


@dataclass(frozen=True)
class MaterialLine:
    material: str
    name: str
    used_by: list[str]
    required: bool
    exempt: bool
    exempt_reason: str
    verified_by: str  # "registry:<code>", "licence:<code>", "package:<item>" or ""
    original: bool
    copies: int
    file_types: list[str]
    notes: list[str]
    subject: str = APPLICANT  # whose material: verification asks the registry about that person
    # The catalog material type when `material` is a per-person slot (`resident_id_card__father`: the
    # same type needed for several people in one package); "" when `material` is the type itself.
    material_type: str = ""

    @property
    def type_code(self) -> str:
        """The catalog material type (what contracts grant and registries verify)."""
        return self.material_type or self.material


@dataclass(frozen=True)
class Timing:
    critical_path_days: int
    critical_path: list[str]
    serial_days: int
    legal_serial_days: int
    package_promised_days: int | None


@dataclass(frozen=True)
class Burden:
    """Package against doing its items one by one. `*_separate` = one by one, each form and trip on its own."""

    fields_separate: int
    fields_merged: int
    fields_to_type: int
    uploads_separate: int
    uploads_merged: int
    uploads_to_make: int
    trips_separate: int
    trips_package: int
    days_serial: int
    days_parallel: int

    def reduction(self, before: int, after: int) -> float:
        return round(100.0 * (before - after) / before, 1) if before else 0.0

    def reductions(self) -> dict[str, float]:
        return {
            "fields": self.reduction(self.fields_separate, self.fields_to_type),
            "uploads": self.reduction(self.uploads_separate, self.uploads_to_make),
            "trips": self.reduction(self.trips_separate, self.trips_package),
            "days": self.reduction(self.days_serial, self.days_parallel),
        }


@dataclass(frozen=True)
class CompiledQuestion:
    """A scenario question as this application asks it (or does not)."""

    ident: str
    text: str
    type: str
    choices: list[str]
    bind: str  # data element code, "licence:<type>" or ""
    bind_name: str
    # "data": known data (a form value, a registry datum) answered it; "answer": the applicant answered it;
    # "default": the package's default; "": still unanswered.
    source: str
    # Whether the applicant is asked it as a question of its own: not when known data answers it, and not
    # when the datum it is bound to is a field of the merged form (that field is the one input).
    asked: bool


@dataclass(frozen=True)
class CompiledSubject:
    """A subject the package's included items need data or materials of, and how they are covered."""

    code: str
    name: str
    consent: str
    consent_text: str  # who agrees to the reads about them, as the applicant reads it
    identity: str  # the element identifying them ("" for a subject reached only through the applicant)
    name_element: str
    elements: list[str]
    materials: list[str]


CONSENT_TEXT = {
    "guardian": "由申请人作为其父母（监护人）代为授权",
    "representative": "由法定代表人本人代表企业授权",
    "own": "须由其本人授权；未经本人授权不查询其数据，请自行填写、上传",
}


@dataclass(frozen=True)
class CompiledPackage:
    package: str
    name: str
    region: str
    answers: dict[str, Any]
    unanswered: list[str]
    entries: list[CompiledEntry]
    excluded: list[ExcludedEntry]
    stages: list[list[str]]
    form: list[FormGroup]
    materials: list[MaterialLine]
    timing: Timing
    burden: Burden
    lead_department: str
    warnings: list[str] = field(default_factory=list)
    questions: list[CompiledQuestion] = field(default_factory=list)
    # Element → value for form fields that answer a question: the answer given once fills the field.
    bound_values: dict[str, Any] = field(default_factory=dict)
    subjects: list[CompiledSubject] = field(default_factory=list)  # whose data, besides the applicant's

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["burden"]["reductions"] = self.burden.reductions()
        return data

    @property
    def items(self) -> list[CompiledEntry]:
        return [e for e in self.entries if e.kind == "item"]


class CompileError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


GROUP_TITLES = {
    "person": "申请人信息",
    "applicant": "申请人信息",
    "spouse": "配偶信息",
    "mother": "母亲信息",
    "father": "父亲信息",
    "guardian": "监护人信息",
    "newborn": "新生儿信息",
    "child": "子女信息",
    "enterprise": "企业信息",
    "legal_rep": "法定代表人信息",
    "agent": "经办人信息",
    "premises": "经营场所",
    "address": "地址信息",
    "house": "房屋信息",
    "buyer": "买方信息",
    "seller": "卖方信息",
    "contact": "联系方式",
    "bank": "银行开户信息",
    "utility": "水电气网信息",
    "vehicle": "车辆信息",
    "food": "食品经营信息",
    "transport": "运输经营信息",
    "credit": "信用信息",
    "disability": "残疾信息",
    "school": "入学信息",
    "retirement": "退休信息",
    "social": "社会保障信息",
    "delivery": "送达信息",
    "bankruptcy": "破产信息",
    "listing": "上市信息",
    "sign": "户外招牌信息",
    "drainage": "排水信息",
    "driver": "驾驶员信息",
    "change": "变更事项",
    "deregistration": "注销信息",
    "mortgage": "抵押信息",
    "loan": "贷款信息",
    "project": "项目信息",
    "excavation": "道路挖掘信息",
    "green": "绿地占用信息",
    "seal": "印章信息",
    "invoice": "发票信息",
    "marriage": "婚姻信息",
    "maternity": "生育信息",
    "social_security_card": "社会保障卡信息",
    "social_insurance": "社会保险信息",
    "medical_insurance": "医疗保险信息",
    "housing_fund": "住房公积金信息",
    "employee": "职工信息",
}


def normalise_answers(
    questions: Sequence[QuestionSpec], defaults: Mapping[str, Any], answers: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Coerce raw answers to their types; refuse unknown questions; list what is still unanswered."""
    by_id = {q.ident: q for q in questions}
    unknown = sorted(set(answers) - by_id.keys())
    if unknown:
        raise CompileError(
            f"本套餐没有问题“{'、'.join(unknown)}”；可回答的问题：{', '.join(by_id) or '无'}",
            field=unknown[0],
        )
    out: dict[str, Any] = {}
    unanswered: list[str] = []
    for q in questions:
        raw = answers.get(q.ident)
        if raw is None or raw == "":
            raw = defaults.get(q.ident)
        if raw is None or raw == "":
            out[q.ident] = None
            unanswered.append(q.ident)
            continue
        try:
            out[q.ident] = coerce_answer(q, raw)
        except ExpressionError as exc:
            raise CompileError(exc.message, field=q.ident) from exc
    return out, unanswered


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def bound_answer(question: QuestionSpec, value: Any) -> Any:
    """The answer a bound datum gives to its question (typed as the question), None when it is blank.

    Raises CompileError naming the datum when the value cannot answer the question (a choice the
    question does not offer, a number that is not one).
    """
    try:
        return coerce_answer(question, value)
    except ExpressionError as exc:
        raise CompileError(
            f"“{question.bind_name or question.bind}”的值“{_shown(value)}”不能回答情形问题“{question.text or question.ident}”",
            field=question.bind,
        ) from exc


def contradiction(question: QuestionSpec, answer: Any, value: Any) -> str | None:
    """What is wrong when a bound datum's value contradicts the question's answer, in Chinese; else None.

    Both are compared as the question's type (100 and "100.0" agree; "是" and true agree).
    """
    if answer is None or value is None or value == "":
        return None
    try:
        given = coerce_answer(question, answer)
    except ExpressionError:
        return None  # an answer of the wrong type is reported where answers are read
    known = bound_answer(question, value)
    if known is None or known == given:
        return None
    source = "电子证照库" if question.bind.startswith("licence:") else "表单"
    return (
        f"情形问题“{question.text or question.ident}”的回答“{_shown(given)}”与{source}中"
        f"“{question.bind_name or question.bind}”的“{_shown(known)}”不一致，请改正其中之一"
    )


def bind_answers(
    questions: Sequence[QuestionSpec], answers: Mapping[str, Any], data: Mapping[str, Any]
) -> tuple[dict[str, Any], set[str]]:
    """Answers with every bound question answered by its datum where the datum is known.

    `data`: element code or "licence:<type>" → value (form values, registry facts). An answer that
    contradicts its datum is refused (CompileError naming the datum). Returns the answers and the ids of
    the questions known data answered.
    """
    out = dict(answers)
    from_data: set[str] = set()
    for q in questions:
        if not q.bind:
            continue
        value = data.get(q.bind)
        if value is None or value == "":
            continue
        if (msg := contradiction(q, out.get(q.ident), value)) is not None:
            raise CompileError(msg, field=q.bind)
        out[q.ident] = bound_answer(q, value)
        from_data.add(q.ident)
    return out, from_data


def _holds(condition: str, answers: Mapping[str, Any]) -> bool:
    return not condition or evaluate(compile_condition(condition), answers)


def compile_package(
    spec: PackageSpec,
    *,
    region: str,
    answers: Mapping[str, Any],
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
    data: Mapping[str, Any] | None = None,
) -> CompiledPackage:
    """Compile for these answers. `data`: known data bound questions are answered from (element code or
    "licence:<type>" → value); an answer contradicting it is refused, naming the datum."""
    given = {k for k, v in answers.items() if v is not None and v != ""}
    answers, from_data = bind_answers(spec.questions, answers, data or {})
    values, unanswered = normalise_answers(spec.questions, spec.defaults, answers)
    by_code = {e.code: e for e in spec.entries}
    for code in [*add, *drop]:
        if code not in by_code:
            raise CompileError(f"本套餐中没有事项“{code}”", field="add" if code in add else "drop")

    included: list[PackageEntry] = []
    reasons: dict[str, str] = {}
    excluded: list[ExcludedEntry] = []
    for entry in spec.entries:
        name = entry.item.name if entry.item else entry.name
        applies = _holds(entry.when, values)
        if entry.binding == "bound":
            if entry.code in drop:
                raise CompileError(f"“{name}”是依法必须一并办理的事项，不能取消", field="drop")
            included.append(entry)
            reasons[entry.code] = "依法必办"
        elif entry.binding == "scenario":
            if entry.code in drop:
                raise CompileError(f"“{name}”由您的情形决定，请修改情形答案而不是直接取消", field="drop")
            if applies:
                included.append(entry)
                reasons[entry.code] = "符合您的情形" if entry.when else "本套餐包含"
            else:
                excluded.append(ExcludedEntry(entry.code, name, "不符合您的情形", addable=False))
        else:  # optional: the applicant decides, within what the scenario allows
            chosen = (entry.default_selected or entry.code in add) and entry.code not in drop
            if not applies:
                if entry.code in add:
                    raise CompileError(f"按您的情形，“{name}”不能加办", field="add")
                excluded.append(ExcludedEntry(entry.code, name, "不符合您的情形", addable=False))
            elif chosen:
                included.append(entry)
                reasons[entry.code] = "您选择加办" if entry.code in add else "可选事项（默认办理，可取消）"
            else:
                excluded.append(ExcludedEntry(entry.code, name, "可选事项，您未选择", addable=True))

    codes = [e.code for e in included]
    after = {e.code: list(e.after) for e in included}
    levels = stages(codes, after)
    stage_of = {code: i for i, level in enumerate(levels) for code in level}

    def days_of(e: PackageEntry) -> int:
        return e.item.promised_days if e.item else e.days

    duration = {e.code: days_of(e) for e in included}
    cp_days, cp = critical_path(codes, after, duration)
    produced = {e.item.result_licence_type: e for e in included if e.item and e.item.result_licence_type}

    compiled: list[CompiledEntry] = []
    for e in included:
        if e.item:
            it = e.item
            compiled.append(
                CompiledEntry(
                    code=e.code,
                    name=it.name,
                    kind="item",
                    binding=e.binding,
                    reason=reasons[e.code],
                    department=it.department,
                    department_code=it.department_code,
                    days=it.promised_days,
                    legal_days=it.legal_days,
                    visits=it.visits,
                    stage=stage_of[e.code],
                    after=[a for a in e.after if a in stage_of],
                    window_class=it.window_class,
                    result_name=it.result_name,
                    fee=it.fee,
                    sole_approver=it.sole_approver,
                    instant_approval=it.instant_approval,
                    site_inspection=it.site_inspection,
                    removable=e.binding == "optional",
                    produces=list(it.produces),
                )
            )
        else:
            compiled.append(
                CompiledEntry(
                    code=e.code,
                    name=e.name,
                    kind="partner",
                    binding=e.binding,
                    reason=reasons[e.code],
                    department="",
                    department_code="",
                    days=e.days,
                    legal_days=e.days,
                    visits=0,
                    stage=stage_of[e.code],
                    after=[a for a in e.after if a in stage_of],
                    partner_kind=e.partner_kind,
                    removable=e.binding == "optional",
                )
            )

    form, fields_separate = _merge_form(included, values, prerequisites(after), spec.questions)
    materials, uploads_separate = _merge_materials(
        included, values, produced, {s.code: s.name for s in spec.subjects}
    )
    subjects = _subjects(spec.subjects, form, materials)
    fields_merged = sum(len(g.fields) for g in form)
    fields_to_type = sum(1 for g in form for f in g.fields if not f.prefill_registry and not f.produced_by)
    items = [e.item for e in included if e.item]
    serial = sum(duration.values())
    timing = Timing(
        critical_path_days=cp_days,
        critical_path=cp,
        serial_days=serial,
        legal_serial_days=sum(it.legal_days for it in items) + sum(e.days for e in included if not e.item),
        package_promised_days=spec.promised_days,
    )
    warnings = [f"事项“{it.name}”在本地区没有配置实施部门" for it in items if not it.department]
    if spec.promised_days is not None and cp_days > spec.promised_days:
        warnings.append(f"关键路径 {cp_days} 个工作日长于套餐承诺的 {spec.promised_days} 个工作日")
    burden = Burden(
        fields_separate=fields_separate,
        fields_merged=fields_merged,
        fields_to_type=fields_to_type,
        uploads_separate=uploads_separate,
        uploads_merged=len(materials),
        uploads_to_make=sum(1 for mat in materials if not mat.exempt),
        trips_separate=sum(it.visits for it in items),
        # One window accepts the whole package: the applicant comes at most as often as the most demanding item.
        trips_package=max((it.visits for it in items), default=0),
        days_serial=serial,
        days_parallel=cp_days,
    )
    in_form = {f.element: f for g in form for f in g.fields}
    questions = [
        CompiledQuestion(
            ident=q.ident,
            text=q.text,
            type=q.type,
            choices=list(q.choices),
            bind=q.bind,
            bind_name=q.bind_name,
            source="data"
            if q.ident in from_data
            else "answer"
            if q.ident in given
            else ""
            if values.get(q.ident) is None
            else "default",
            asked=not (q.ident in from_data or (q.bind and q.bind in in_form)),
        )
        for q in spec.questions
    ]
    # An answer the field cannot hold (a choice the element lacks, e.g. 残疾等级“尚未评定”) fills nothing.
    bound_values = {
        q.bind: values[q.ident]
        for q in spec.questions
        if q.bind in in_form
        and values.get(q.ident) is not None
        and (not in_form[q.bind].choices or values[q.ident] in in_form[q.bind].choices)
    }
    return CompiledPackage(
        package=spec.code,
        name=spec.name,
        region=region,
        answers=values,
        unanswered=unanswered,
        entries=compiled,
        excluded=excluded,
        stages=levels,
        form=form,
        materials=materials,
        timing=timing,
        burden=burden,
        lead_department=spec.lead_department,
        warnings=warnings,
        questions=questions,
        bound_values=bound_values,
        subjects=subjects,
    )


def _subjects(
    declared: Sequence[SubjectSpec], form: list[FormGroup], materials: Sequence[MaterialLine]
) -> list[CompiledSubject]:
    """The subjects the form and materials name; each one's identity is a field of the form (added,
    required, in its own group, when no included item asks for it), so the person is named once."""
    by_code = {s.code: s for s in declared}
    fields = [f for g in form for f in g.fields]
    used = {f.subject for f in fields} | {m.subject for m in materials}
    out: list[CompiledSubject] = []
    for spec in declared:
        if spec.code not in used:
            continue
        identity = spec.identity.code if spec.identity else ""
        if spec.identity is not None and identity not in {f.element for f in fields}:
            el = spec.identity
            users = sorted(
                {u for f in fields if f.subject == spec.code for u in f.used_by}
                | {u for m in materials if m.subject == spec.code for u in m.used_by}
            )
            group = identity.split(".", 1)[0]
            target = next((g for g in form if g.group == group), None)
            if target is None:
                target = FormGroup(group=group, title=GROUP_TITLES.get(group, group), fields=[])
                form.append(target)
            target.fields.append(
                FormField(
                    element=identity,
                    name=el.name,
                    type=el.type,
                    choices=list(el.choices),
                    required=True,
                    sensitive=el.sensitive,
                    used_by=users,
                    prefill_registry=el.registry,
                    prefill_source=el.registry_name,
                    subject=el.subject,
                )
            )
        for g in form:
            g.fields[:] = [
                replace(f, identifies=spec.code) if f.element == identity and identity else f
                for f in g.fields
            ]
        out.append(
            CompiledSubject(
                code=spec.code,
                name=spec.name,
                consent=spec.consent,
                consent_text=CONSENT_TEXT.get(spec.consent, spec.consent),
                identity=identity,
                name_element=spec.name_element,
                elements=[f.element for f in fields if f.subject == spec.code],
                materials=[m.material for m in materials if m.subject == spec.code],
            )
        )
    unknown = sorted(used - set(by_code) - {APPLICANT})
    if unknown:
        raise CompileError(f"未知的数据主体“{'、'.join(unknown)}”（请在 subjects 中声明）", field="subject")
    return out


def _producer(
    element: str, used_by: Sequence[str], producers: Mapping[str, list[str]], before: Mapping[str, set[str]]
) -> str:
    """The first included item creating `element` that is decided before every entry using it, or ""."""
    for code in producers.get(element, ()):
        if all(code in before.get(user, set()) for user in used_by):
            return code
    return ""


def _merge_form(
    included: Sequence[PackageEntry],
    answers: Mapping[str, Any],
    before: Mapping[str, set[str]],
    questions: Sequence[QuestionSpec] = (),
) -> tuple[list[FormGroup], int]:
    answering = {q.bind: q.ident for q in questions if q.bind}
    producers: dict[str, list[str]] = {}
    for e in included:
        for produced in e.item.produces if e.item else ():
            producers.setdefault(produced, []).append(e.code)
    fields: dict[str, dict[str, Any]] = {}
    separate = 0
    for e in included:
        uses: list[tuple[ElementSpec, bool, str]] = []
        if e.item:
            uses = [(u.element, u.required, u.when) for u in e.item.fields if _holds(u.when, answers)]
        else:
            uses = [(el, True, "") for el in e.fields]
        separate += len(uses)
        for element, required, when in uses:
            entry = fields.setdefault(
                element.code, {"element": element, "required": False, "used_by": [], "when": set()}
            )
            entry["required"] = entry["required"] or required
            entry["used_by"].append(e.code)
            entry["when"].add(when)
    groups: dict[str, list[FormField]] = {}
    for code, entry in fields.items():
        el: ElementSpec = entry["element"]
        # A producer that is not a prerequisite of some user may not have decided yet when that user is
        # decided: the datum does not exist then, so the applicant is still asked for it.
        producer = _producer(code, entry["used_by"], producers, before)
        groups.setdefault(code.split(".", 1)[0], []).append(
            FormField(
                element=code,
                name=el.name,
                type=el.type,
                choices=list(el.choices),
                required=entry["required"] and not producer,
                sensitive=el.sensitive,
                used_by=entry["used_by"],
                prefill_registry=el.registry,
                prefill_source=el.registry_name,
                produced_by=producer,
                post_choices=list(el.post_choices),
                answers_question=answering.get(code, ""),
                # Conditional only when every use of it is conditional on the same thing.
                when=next(iter(entry["when"])) if len(entry["when"]) == 1 else "",
                subject=el.subject,
            )
        )
    return [FormGroup(group=g, title=GROUP_TITLES.get(g, g), fields=f) for g, f in groups.items()], separate


SLOT_SEPARATOR = "__"


def material_slot(material: str, subject: str) -> str:
    """The line code of `material` for `subject` when the package needs that type for several people:
    the applicant's keeps the type's code, another person's is `<type>__<subject>` (a slug, so it is
    usable in addresses and keys as any material code)."""
    return material if subject == APPLICANT else f"{material}{SLOT_SEPARATOR}{subject}"


def _merge_materials(
    included: Sequence[PackageEntry],
    answers: Mapping[str, Any],
    produced: Mapping[str, PackageEntry],
    subject_names: Mapping[str, str] | None = None,
) -> tuple[list[MaterialLine], int]:
    """One line per material type and person: the same type for two people (both parents' ID cards)
    is two lines, each verified, exempted and uploaded for its own person."""
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    separate = 0
    for e in included:
        if not e.item:
            continue
        for use in e.item.materials:
            if not _holds(use.when, answers):
                continue
            separate += 1
            entry = lines.setdefault(
                (use.material.code, use.subject), {"use": use, "required": False, "used_by": [], "notes": []}
            )
            entry["required"] = entry["required"] or use.required
            if e.code not in entry["used_by"]:
                entry["used_by"].append(e.code)
            if use.note and use.note not in entry["notes"]:
                entry["notes"].append(use.note)
    people: dict[str, int] = {}
    for material, _subject in lines:
        people[material] = people.get(material, 0) + 1
    names = subject_names or {}
    out: list[MaterialLine] = []
    for (type_code, subject), entry in lines.items():
        mat: MaterialSpec = entry["use"].material
        shared = people[type_code] > 1
        code = material_slot(type_code, subject) if shared else type_code
        name = f"{mat.name}（{names.get(subject, subject)}）" if shared and subject != APPLICANT else mat.name
        exempt, reason, verified_by = False, "", ""
        producer = produced.get(mat.licence_type) if mat.licence_type else None
        if producer is not None and producer.code not in entry["used_by"] and producer.item:
            exempt, verified_by = True, f"package:{producer.code}"
            reason = f"由本套餐“{producer.item.name}”办结后通过电子证照共享"
        elif mat.licence_type and mat.licence_name:
            exempt, verified_by = True, f"licence:{mat.licence_type}"
            reason = f"调用电子证照“{mat.licence_name}”核验，免提交"
        elif mat.registry:
            exempt, verified_by = True, f"registry:{mat.registry}"
            reason = f"通过{mat.registry_name}共享核验，免提交"
        out.append(
            MaterialLine(
                material=code,
                name=name,
                used_by=entry["used_by"],
                required=entry["required"],
                exempt=exempt,
                exempt_reason=reason,
                verified_by=verified_by,
                original=entry["use"].original,
                copies=entry["use"].copies,
                file_types=list(mat.file_types),
                notes=entry["notes"],
                subject=entry["use"].subject,
                material_type=type_code if code != type_code else "",
            )
        )
    return out, separate
