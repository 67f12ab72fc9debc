"""The workbench's forms: they parse what was posted; the services decide whether it is acceptable.

A service refuses with a `OneGoError` naming the field (`opinion`, `reason`, `items[1].message` …);
`attach_error` puts its message on that field of the form, so the page shows it beside the input (and
keeps everything typed), or at the top of the form when the error is not about one field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onego.cases.models import DeliveryMethod, InspectionConclusion
from onego.cases.services.supplements import SPECIAL_PROCEDURES, SupplementItemIn
from onego.core.errors import OneGoError
from onego.core.validators import check_id_number, check_uscc

MAX_TEXT = 2000
SUPPLEMENT_ROWS = 5


class LookupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("申请人类型"),
        choices=[("person", _("自然人（居民身份证）")), ("enterprise", _("法人（统一社会信用代码）"))],
        initial="person",
        widget=forms.RadioSelect,
    )
    key = forms.CharField(
        label=_("证件号码"),
        max_length=18,
        min_length=18,
        error_messages={
            "required": _("请填写居民身份证号码或统一社会信用代码"),
            "min_length": _("证件号码应为18位"),
            "max_length": _("证件号码应为18位"),
        },
        help_text=_("18位居民身份证号码或统一社会信用代码；可用读卡器读入"),
    )

    def clean_key(self) -> str:
        key = str(self.cleaned_data["key"]).strip().upper()
        return key

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        key, kind = data.get("key"), data.get("kind")
        if key and kind:
            problem = check_id_number(key) if kind == "person" else check_uscc(key)
            if problem:
                self.add_error("key", problem)
        return data


class NameForm(forms.Form):
    """When no register knows the applicant, the clerk types the name from the presented document."""

    name = forms.CharField(label=_("申请人姓名或名称"), max_length=100, required=True)


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label=_("审批意见"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class RejectForm(forms.Form):
    opinion = forms.CharField(
        label=_("不予许可的理由"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("必填：写明不予许可的事实、依据和申请人的救济途径"),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SupplementForm(forms.Form):
    """Up to five things to correct, each a field or material of this item and what is wrong with it."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("请选择字段或材料")), *targets]
        for i in range(SUPPLEMENT_ROWS):
            self.fields[f"target_{i}"] = forms.ChoiceField(
                label=_("第 %(n)d 项：需补正的内容") % {"n": i + 1}, choices=choices, required=False
            )
            self.fields[f"message_{i}"] = forms.CharField(
                label=_("第 %(n)d 项：补正要求") % {"n": i + 1}, required=False, max_length=300
            )
        self.row_for_item: list[int] = []  # the service's items[k] is the form's row row_for_item[k]

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"target_{i}"], self[f"message_{i}"]) for i in range(SUPPLEMENT_ROWS)]

    def items(self) -> list[SupplementItemIn]:
        out = []
        self.row_for_item = []
        for i in range(SUPPLEMENT_ROWS):
            target = self.cleaned_data.get(f"target_{i}") or ""
            message = self.cleaned_data.get(f"message_{i}") or ""
            if not target and not message.strip():
                continue
            if not target:
                self.add_error(f"target_{i}", _("请选择需补正的字段或材料"))
                continue
            out.append(SupplementItemIn(target=target, message=message))
            self.row_for_item.append(i)
        return out

    def field_for(self, service_field: str) -> str | None:
        """`items[1].message` → `message_<row>`; `items` → the first row's target."""
        if service_field == "items":
            return "target_0"
        if service_field.startswith("items[") and "]." in service_field:
            index = int(service_field[6 : service_field.index("]")])
            name = service_field.split("].", 1)[1]
            if index < len(self.row_for_item) and name in ("target", "message"):
                return f"{name}_{self.row_for_item[index]}"
        return None


class ReassignForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, members: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"] = forms.ChoiceField(
            label=_("转交给"), choices=[("", _("请选择本部门审批人员")), *members], required=False
        )
        self.fields["reason"] = forms.CharField(
            label=_("转办原因"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
        )


class InstantReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("复核结论"),
        choices=[("uphold", _("维持秒批决定")), ("overturn", _("撤回秒批决定，转人工办理"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择复核结论")},
    )
    opinion = forms.CharField(
        label=_("复核意见"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class SpecialProcedureForm(forms.Form):
    procedure = forms.ChoiceField(
        label=_("特别程序"),
        choices=[("", _("请选择")), *((p, p) for p in SPECIAL_PROCEDURES)],
        required=False,
    )
    reason = forms.CharField(label=_("说明"), required=False, max_length=300)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class SpecialProcedureEndForm(forms.Form):
    result = forms.CharField(
        label=_("特别程序的结果"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理的理由"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class WindowDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("当场决定"),
        choices=[
            ("approve", pgettext_lazy("decision action", "准予")),
            ("reject", pgettext_lazy("decision action", "不予")),
        ],
        widget=forms.RadioSelect,
        initial="approve",
    )
    opinion = forms.CharField(
        label=_("意见"), required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


class ConclusionForm(forms.Form):
    summary = forms.CharField(
        label=_("结论意见"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不填写时使用汇总结果（准予 / 部分准予 / 不予）"),
    )
    delivery_method = forms.ChoiceField(
        label=_("送达方式"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


def attach_error(form: forms.Form, exc: OneGoError, field: str | None = None) -> None:
    """Put a service's refusal on the form field it names, else on the form as a whole."""
    translate = getattr(form, "field_for", None)
    if field is None and exc.field and translate is not None:
        field = translate(exc.field)
    name = field if field is not None else exc.field
    if name and name in form.fields:
        form.add_error(name, exc.message)
    else:
        form.add_error(None, exc.message)


class InspectionScheduleForm(forms.Form):
    when = forms.DateTimeField(
        label=_("踏勘时间"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("请按“年-月-日 时:分”填写踏勘时间")},
    )
    place = forms.CharField(label=_("踏勘地点"), required=False, max_length=200)

    def field_for(self, service_field: str) -> str | None:
        return service_field if service_field in ("when", "place") else None


class InspectionFindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("本部门踏勘意见"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    conclusion = forms.ChoiceField(
        label=_("踏勘结论"),
        choices=InspectionConclusion.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择踏勘结论")},
    )

    def field_for(self, service_field: str) -> str | None:
        """`findings[0].findings` → findings; `findings[0].conclusion` → conclusion."""
        leaf = service_field.rsplit(".", 1)[-1] if "." in service_field else service_field
        return leaf if leaf in ("findings", "conclusion") else None


class InspectionCancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), required=False, max_length=500)


class DeliveryForm(forms.Form):
    method = forms.ChoiceField(
        label=_("送达方式"),
        choices=DeliveryMethod.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择送达方式")},
    )
    address = forms.CharField(label=_("收件地址（邮政寄递）"), required=False, max_length=200)
    tracking_number = forms.CharField(label=_("快递单号（邮政寄递）"), required=False, max_length=40)
