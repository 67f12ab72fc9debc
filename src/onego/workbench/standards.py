"""标准化 pages for service-centre administrators (onego.standards): standards drift per region, the
item-name review queue."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onego.accounts.models import Role
from onego.catalog.models import Package, ServiceItem
from onego.core.errors import NotFound, ValidationFailed
from onego.standards.drift import KIND_LABELS
from onego.standards.matching import AUTO_ACCEPT
from onego.standards.models import MappingStatus
from onego.standards.naming import mapping_review, names_map, recent_mappings, review_queue
from onego.standards.proposals import proposal_decide
from onego.standards.selectors import (
    RegionDrift,
    access_demand_region,
    demand_pairs,
    drift_report,
    ranked_proposals,
    region_and_below,
)
from onego.standards.tasks import refresh_co_occurrence
from onego.workbench.staff import forbidden, staff_member_required, staff_of_request, staff_required


def _drift_scope(request: HttpRequest) -> list[str] | None:
    """None for service-centre administrators (every region); a supervisor's own regions otherwise."""
    if getattr(request.user, "is_staff", False):
        return None
    return sorted(staff_of_request(request).regions([Role.SUPERVISOR]))


@staff_required()
@require_GET
def drift(request: HttpRequest) -> HttpResponse:
    """Standards drift: administrators see every region; a supervisor (监督员) only their own and below,
    whatever `?region=` asks for (another region answers like an unknown one)."""
    scope = _drift_scope(request)
    if scope == []:
        return forbidden(request, _("标准偏离只对服务中心管理员和监督员开放。"))
    region = request.GET.get("region", "").strip()[:12]
    error = ""
    report: list[RegionDrift] = []
    try:
        if scope is None:
            report = drift_report(region_code=region or None)
        else:
            allowed = {code for r in scope for code in region_and_below(r)}
            if region and region not in allowed:
                raise ValidationFailed(f"区划代码 {region} 不存在", field="region")
            for r in [region] if region else scope:
                report += drift_report(region_code=r)
    except ValidationFailed as exc:
        error = exc.message
    return render(
        request,
        "workbench/standards/drift.html",
        {
            "region": region,
            "error": error,
            "report": report,
            "total": sum(r.non_conforming for r in report),
            "implemented": sum(r.implemented for r in report),
            "kinds": KIND_LABELS,
            "administrator": scope is None,
        },
        status=400 if error else 200,
    )


MAX_NAMES = 200


def _names_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context: dict[str, Any] = {
        "queue": review_queue(),
        "recent": recent_mappings(),
        "items": ServiceItem.objects.order_by("name").only("code", "name"),
        "threshold": AUTO_ACCEPT,
        "names_text": "",
        "region": "",
        "error": None,
    }
    context.update(extra)
    return render(request, "workbench/standards/names.html", context, status=status)


@staff_member_required
@require_http_methods(["GET", "POST"])
def names(request: HttpRequest) -> HttpResponse:
    """The review queue; POST maps the pasted local names (one per line)."""
    if request.method == "GET":
        return _names_page(request)
    text = request.POST.get("names", "")
    region = request.POST.get("region", "").strip()[:12]
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        if not lines:
            raise ValidationFailed(_("请至少填写一个本地事项名称（每行一个）"), field="names")
        if len(lines) > MAX_NAMES:
            raise ValidationFailed(_("一次最多提交 %(n)s 个名称") % {"n": MAX_NAMES}, field="names")
        mapped = names_map(names=lines, region_code=region or None)
    except ValidationFailed as exc:
        return _names_page(request, status=400, error=exc, names_text=text[:20000], region=region)
    queued = sum(1 for m in mapped if m.status == MappingStatus.PENDING)
    messages.success(
        request, _("已映射 %(n)s 个名称，其中 %(q)s 个待人工复核。") % {"n": len(mapped), "q": queued}
    )
    return HttpResponseRedirect(reverse("workbench:standards_names"))


@staff_member_required
@require_POST
def name_review(request: HttpRequest, mapping_id: Any) -> HttpResponse:
    try:
        mapping = mapping_review(
            mapping_id=mapping_id,
            reviewer=request.user,
            decision=request.POST.get("decision", ""),
            item_code=request.POST.get("item", ""),
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ValidationFailed as exc:
        return _names_page(request, status=400, error=exc, failed=str(mapping_id))
    messages.success(request, _("已记录：%(name)s") % {"name": mapping.local_name})
    return HttpResponseRedirect(reverse("workbench:standards_names"))


def _proposals_page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    by = "demand" if request.GET.get("by") == "demand" else "support"
    # The demand of the administrator's own region (their departments'; the province for the centre's
    # own account), or a region below it chosen with ?region=.
    try:
        region = access_demand_region(staff=staff_of_request(request), code=request.GET.get("region"))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    context: dict[str, Any] = {
        "by": by,
        "region": region,
        "ranked": ranked_proposals(by=by, region=region),
        "pairs": demand_pairs(region=region),
        "packages": Package.objects.filter(active=True).order_by("name").only("code", "name"),
        "error": None,
        "failed": "",
    }
    context.update(extra)
    return render(request, "workbench/standards/proposals.html", context, status=status)


@staff_member_required
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    """Proposals ranked by support or by the demand the cases show, and the pairs applied for together."""
    return _proposals_page(request)


@staff_member_required
@require_POST
def proposals_refresh(request: HttpRequest) -> HttpResponse:
    refresh_co_occurrence.enqueue()
    messages.success(request, _("已安排重新计算事项共现，稍后刷新本页查看。"))
    return HttpResponseRedirect(reverse("workbench:standards_proposals"))


@staff_member_required
@require_POST
def proposal_decide_view(request: HttpRequest, proposal_id: Any) -> HttpResponse:
    try:
        proposal = proposal_decide(
            proposal_id=proposal_id,
            decided_by=request.user,
            status=request.POST.get("status", ""),
            package_code=request.POST.get("package", ""),
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except ValidationFailed as exc:
        return _proposals_page(request, status=400, error=exc, failed=str(proposal_id))
    messages.success(request, _("已记录并通知建议人：%(title)s") % {"title": proposal.title})
    return HttpResponseRedirect(reverse("workbench:standards_proposals"))
