"""Staff pages. The package designer: edit or upload a definition, preview it compiled, submit it for
review (a draft: a second administrator publishes it), the history of each package, export.

Views parse input, call catalog services/selectors and render; the import, the checks and the compiler are
the catalog's (`preview_definition` compiles an unsaved definition and rolls back).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onego.catalog import models as m
from onego.catalog.definitions.export import package_document
from onego.catalog.definitions.reader import Issue
from onego.catalog.definitions.source import dump_yaml
from onego.catalog.definitions.xlsx import write_items_workbook
from onego.catalog.preview import Preview, preview_definition
from onego.catalog.publishing import (
    change_by_id,
    change_propose,
    change_publish,
    change_reject,
    changes_touching,
    package_history,
    pending_changes,
)
from onego.catalog.services import CatalogImportFailed
from onego.core.errors import OneGoError
from onego.workbench.staff import staff_member_required

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
NEW_PACKAGE = """\
# 新套餐：格式见 docs/package-format.md
code: new-package
name: {zh: 新的一件事, en: New package}
summary: 一句话说明办成什么事。
theme: enterprise.opening
regions: ["520000"]
lead_department: market_regulation
promised_days: 5
keywords: []
questions: []
items: []
"""


def _package_source(package: m.Package) -> str:
    return package.source.strip() + "\n" if package.source.strip() else dump_yaml(package_document(package))


def _regions() -> list[m.Region]:
    return list(m.Region.objects.filter(level__in=["province", "city", "county"]).order_by("code"))


def _answers(request: HttpRequest) -> dict[str, str] | None:
    """Answers typed in the preview (fields `a_<question>`); None before the first preview = main scenario."""
    if "answered" not in request.POST:
        return None
    return {k[2:]: request.POST.get(k, "") for k in request.POST if k.startswith("a_")}


def _file_name(code: str) -> str:
    return f"{code or 'package'}.yaml"


def _context(
    *,
    text: str,
    package_code: str,
    preview: Preview | None,
    issues: list[Issue] | None = None,
    upload_name: str = "",
) -> dict[str, Any]:
    shown = issues if issues is not None else (preview.issues if preview else [])
    return {
        "text": text,
        "package_code": package_code,
        "packages": m.Package.objects.order_by("code").only("code", "name"),
        "regions": _regions(),
        "preview": preview,
        "issues": shown,
        "upload_name": upload_name,
        "file_name": _file_name(package_code),
        "pending": pending_changes(),
        "reason": "",
    }


@staff_member_required
@require_GET
def designer(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("package", "")
    if request.GET.get("new"):
        text, code = NEW_PACKAGE, ""
    else:
        package = (
            m.Package.objects.filter(code=code).first()
            if code
            else m.Package.objects.order_by("code").first()
        )
        text, code = (_package_source(package), package.code) if package else (NEW_PACKAGE, "")
    preview = preview_definition(text=text, name=_file_name(code), package_code=code)
    return render(request, "workbench/designer.html", _context(text=text, package_code=code, preview=preview))


@staff_member_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Compile the definition in the editor for the chosen region and answers; nothing is stored."""
    text = request.POST.get("definition", "")
    code = request.POST.get("package", "")
    result = preview_definition(
        text=text,
        name=_file_name(code),
        package_code=code,
        region_code=request.POST.get("region", ""),
        answers=_answers(request),
    )
    if request.headers.get("HX-Request") == "true":
        context = {"preview": result, "regions": _regions(), "oob": True, "file_name": _file_name(code)}
        return render(request, "workbench/_preview.html", context)
    return render(request, "workbench/designer.html", _context(text=text, package_code=code, preview=result))


def _author(request: HttpRequest) -> str:
    return f"user:{request.user.get_username()}"


def _submitted(request: HttpRequest, change: Any) -> HttpResponse:
    messages.success(request, _("已提交待审核：须由另一位管理员审核后发布；发布前公众看到的仍是已发布版本。"))
    return HttpResponseRedirect(reverse("workbench:change", args=[change.pk]))


@staff_member_required
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Submit the definition for review — checked as a real import would, nothing published yet."""
    text = request.POST.get("definition", "")
    code = request.POST.get("package", "")
    reason = request.POST.get("reason", "")
    try:
        change = change_propose(author=_author(request), text=text, name=_file_name(code), reason=reason)
    except CatalogImportFailed as exc:
        context = _context(text=text, package_code=code, preview=None, issues=list(exc.issues))
        return render(request, "workbench/designer.html", context, status=400)
    except OneGoError as exc:
        issue = Issue(_file_name(code), 0, exc.field or "definition", exc.message)
        context = _context(text=text, package_code=code, preview=None, issues=[issue])
        return render(request, "workbench/designer.html", context, status=400)
    return _submitted(request, change)


@staff_member_required
@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    """Changes waiting for review, and the latest decided ones."""
    recent = m.CatalogChange.objects.exclude(status=m.ChangeStatus.PENDING).order_by("-decided_at")[:30]
    return render(
        request, "workbench/designer_changes.html", {"pending": pending_changes(), "recent": list(recent)}
    )


def _change_page(
    request: HttpRequest, change_id: Any, *, error: str = "", field: str = "", status: int = 200
) -> HttpResponse:
    try:
        change = change_by_id(change_id)
    except OneGoError as exc:
        raise Http404(exc.message) from exc
    author = change.author == _author(request)
    published = list(m.Package.objects.filter(code__in=change.packages).values_list("code", flat=True))
    context = {"change": change, "own": author, "error": error, "error_field": field, "published": published}
    return render(request, "workbench/designer_change.html", context, status=status)


@staff_member_required
@require_GET
def change(request: HttpRequest, change_id: Any) -> HttpResponse:
    return _change_page(request, change_id)


@staff_member_required
@require_POST
def change_decide(request: HttpRequest, change_id: Any) -> HttpResponse:
    """Publish (another administrator only) or send back a pending change."""
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            done = change_publish(
                change_id=change_id,
                reviewer=_author(request),
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("已发布：%(title)s") % {"title": done.title})
        elif action == "reject":
            done = change_reject(
                change_id=change_id, reviewer=_author(request), note=request.POST.get("note", "")
            )
            messages.success(request, _("已退回：%(title)s") % {"title": done.title})
        else:
            return _change_page(request, change_id, error=_("请选择发布或退回"), field="action", status=400)
    except CatalogImportFailed as exc:
        lines = "；".join(str(i) for i in exc.issues)
        return _change_page(request, change_id, error=lines, field="definition", status=400)
    except OneGoError as exc:
        if exc.code == "not_found":
            raise Http404(exc.message) from exc
        status = 403 if exc.code == "forbidden" else 409 if exc.code == "conflict" else 400
        return _change_page(request, change_id, error=exc.message, field=exc.field or "", status=status)
    return HttpResponseRedirect(reverse("workbench:change", args=[change_id]))


@staff_member_required
@require_GET
def history(request: HttpRequest, code: str) -> HttpResponse:
    """A package's published versions, each with who submitted and approved it and a readable diff."""
    package = m.Package.objects.filter(code=code).first()
    if package is None:
        raise Http404(_("没有找到该套餐"))
    context = {"package": package, "versions": package_history(code), "changes": changes_touching(code)}
    return render(request, "workbench/designer_history.html", context)


def _read_upload(request: HttpRequest) -> tuple[UploadedFile[bytes] | None, str]:
    upload = request.FILES.get("upload")
    if upload is None:
        return None, _("请选择要上传的 .yaml 或 .xlsx 文件")
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        return None, _("文件太大（上限 5 MB）")
    return upload, ""


@staff_member_required
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    """An uploaded .yaml (shown in the editor) or .xlsx items workbook: preview it, or import it."""
    code = request.POST.get("package", "")
    package = m.Package.objects.filter(code=code).first()
    current = _package_source(package) if package else NEW_PACKAGE
    file, problem = _read_upload(request)
    if file is None:
        issue = Issue("upload", 0, "upload", problem)
        return render(
            request,
            "workbench/designer.html",
            _context(text=current, package_code=code, preview=None, issues=[issue]),
            status=400,
        )
    name = Path(file.name or "upload").name
    content = file.read()
    is_yaml = name.lower().endswith((".yaml", ".yml"))
    text = current
    if is_yaml:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            issue = Issue(name, 1, "", _("文件不是 UTF-8 编码"))
            context = _context(text=current, package_code=code, preview=None, issues=[issue])
            return render(request, "workbench/designer.html", context, status=400)
    if request.POST.get("action") == "save":
        try:
            change = change_propose(
                author=_author(request),
                text=text if is_yaml else "",
                upload=None if is_yaml else content,
                name=name,
                reason=request.POST.get("reason", ""),
                channel="upload",
            )
        except CatalogImportFailed as exc:
            context = _context(
                text=text, package_code=code, preview=None, issues=list(exc.issues), upload_name=name
            )
            return render(request, "workbench/designer.html", context, status=400)
        except OneGoError as exc:
            issue = Issue(name, 0, exc.field or "upload", exc.message)
            context = _context(text=text, package_code=code, preview=None, issues=[issue], upload_name=name)
            return render(request, "workbench/designer.html", context, status=400)
        return _submitted(request, change)
    if is_yaml:
        result_preview = preview_definition(text=text, name=name, package_code=code)
    else:
        result_preview = preview_definition(upload=content, name=name, package_code=code)
    context = _context(text=text, package_code=code, preview=result_preview, upload_name=name)
    return render(request, "workbench/designer.html", context)


@staff_member_required
@require_GET
def export_package(request: HttpRequest, code: str) -> HttpResponse:
    package = m.Package.objects.filter(code=code).first()
    if package is None:
        raise Http404(_("没有找到该套餐"))
    response = HttpResponse(
        dump_yaml(package_document(package)), content_type="application/x-yaml; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{code}.yaml"'
    return response


@staff_member_required
@require_GET
def export_items(request: HttpRequest) -> HttpResponse:
    with tempfile.TemporaryDirectory(prefix="onego-export-") as folder:
        data = write_items_workbook(Path(folder) / "items.xlsx").read_bytes()
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="items.xlsx"'
    return response
