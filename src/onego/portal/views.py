"""Applicant-facing pages. Views only parse input, call selectors and render; no domain logic here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext, gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from onego.catalog import models as m
from onego.catalog.discovery import ask as ask_question
from onego.catalog.discovery import hot_packages, search_packages
from onego.catalog.i18n import describe_in_language
from onego.catalog.rules.expressions import QuestionSpec, compile_condition
from onego.catalog.selectors import (
    compile_for,
    is_offered,
    main_scenario,
    package_by_code,
    packages_offered,
    region_chain,
    theme_choices,
)
from onego.core.errors import NotFound, OneGoError

PERSON, ENTERPRISE = "person", "enterprise"

# Theme labels are Chinese model data; listed here so makemessages extracts them for the English catalog.
THEME_LABELS = [
    gettext_noop("出生"),
    gettext_noop("教育"),
    gettext_noop("就业"),
    gettext_noop("社会保障"),
    gettext_noop("婚育"),
    gettext_noop("住房"),
    gettext_noop("助残"),
    gettext_noop("退休"),
    gettext_noop("身后事"),
    gettext_noop("企业开办"),
    gettext_noop("企业变更"),
    gettext_noop("经营运行"),
    gettext_noop("信用与合规"),
    gettext_noop("企业退出"),
]
# Why a search result matched, by tier of onego.catalog.search.
MATCH_LABELS = {
    "exact": gettext_lazy("名称"),
    "prefix": gettext_lazy("名称"),
    "initials": gettext_lazy("拼音首字母"),
    "pinyin": gettext_lazy("拼音"),
    "substring": gettext_lazy("名称"),
    "keyword": gettext_lazy("关键词"),
    "item": gettext_lazy("包含事项"),
    "typo": gettext_lazy("拼音首字母（近似）"),
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _region(request: HttpRequest) -> m.Region:
    code = request.GET.get("region") or request.session.get("region") or settings.ONEGO_DEFAULT_REGION
    region = (
        m.Region.objects.filter(code=code).first()
        or m.Region.objects.filter(code=settings.ONEGO_DEFAULT_REGION).first()
        or m.Region.objects.order_by("code").first()
    )
    if region is not None:
        request.session["region"] = region.code
    return region  # type: ignore[return-value]


def _region_choices() -> list[m.Region]:
    return list(m.Region.objects.filter(level__in=["province", "city", "county"]).order_by("code"))


def home(request: HttpRequest) -> HttpResponse:
    region = _region(request)
    packages = list(packages_offered(region)) if region else []
    groups: dict[str, list[tuple[str, list[m.Package]]]] = {PERSON: [], ENTERPRISE: []}
    by_theme: dict[str, list[m.Package]] = {}
    for p in packages:
        by_theme.setdefault(p.theme, []).append(p)
    english = (get_language() or "").startswith("en")
    for theme, label, label_en in theme_choices():  # built-in and declared (catalog data) themes
        if theme in by_theme and theme.split(".")[0] in groups:
            shown = (label_en or label) if english and label_en else gettext(label)
            groups[theme.split(".")[0]].append((shown, by_theme[theme]))
    return render(
        request,
        "portal/home.html",
        {
            "region": region,
            "regions": _region_choices(),
            "person_groups": groups[PERSON],
            "enterprise_groups": groups[ENTERPRISE],
            "package_count": len(packages),
            "hot": hot_packages(region) if region else [],
        },
    )


def search(request: HttpRequest) -> HttpResponse:
    """Live results for the home page's search box (htmx), or the search page without JavaScript."""
    region = _region(request)
    query = request.GET.get("q", "").strip()[:100]
    hits = [
        {"package": h.package, "reason": MATCH_LABELS[h.hit.tier], "matched": h.hit.matched}
        for h in (search_packages(query, region) if query else [])
    ]
    context = {"region": region, "regions": _region_choices(), "query": query, "hits": hits}
    template = "portal/_search_results.html" if _is_htmx(request) else "portal/search.html"
    return render(request, template, context)


def ask(request: HttpRequest) -> HttpResponse:
    """An answer from the guides, quoting and linking its source, or a plain "I don't know"."""
    region = _region(request)
    question = request.GET.get("q", "").strip()[:200]
    answer = ask_question(question, region) if question else None
    context = {"region": region, "question": question, "answer": answer}
    template = "portal/_answer.html" if _is_htmx(request) else "portal/ask.html"
    return render(request, template, context)


def package_guide(request: HttpRequest, code: str) -> HttpResponse:
    region = _region(request)
    try:
        package = package_by_code(code)
    except NotFound:
        return render(request, "portal/not_found.html", {"what": code}, status=404)
    specs = {
        q.ident: QuestionSpec(ident=q.ident, type=q.type, choices=tuple(q.choices), text=q.text)
        for q in package.questions.all()
    }
    submitted = {
        q.ident: request.GET[q.ident] for q in package.questions.all() if request.GET.get(q.ident, "") != ""
    }
    answers: dict[str, Any] = (
        submitted if "answered" in request.GET else {**main_scenario(package), **submitted}
    )
    add = request.GET.getlist("add")
    drop = request.GET.getlist("drop")
    compiled, error = None, None
    try:
        compiled = compile_for(
            package_code=code, region_code=region.code, answers=answers, add=add, drop=drop
        )
    except OneGoError as exc:
        error = exc
    conditions = {}
    for pi in package.package_items.all():
        if pi.when:
            conditions[pi.item.code] = describe_in_language(compile_condition(pi.when), specs)
    chain = region_chain(region)
    offered_here = is_offered(package, region, chain=chain)
    points = sorted(
        m.ServicePoint.objects.filter(region__in=chain).select_related("region"),
        key=lambda p: [r.pk for r in chain].index(p.region_id),
    )[:6]
    items = {pi.item.code: pi.item for pi in package.package_items.all()}
    return render(
        request,
        "portal/package_guide.html",
        {
            "package": package,
            "region": region,
            "regions": _region_choices(),
            "compiled": compiled,
            "error": error,
            "answers": (compiled.answers if compiled else answers),
            "conditions": conditions,
            "service_points": points,
            "catalog_items": items,
            "questions": package.questions.all(),
            "theme_label": gettext(package.get_theme_display()),
            "offered_here": offered_here,
            "offered_regions": list(package.regions.all()),
            "entry_names": {e.code: e.name for e in compiled.entries} if compiled else {},
        },
    )


@require_POST
def toggle_large_text(request: HttpRequest) -> HttpResponse:
    request.session["large_text"] = not request.session.get("large_text", False)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
