"""Publishing with review: a change to a package or an item is a draft until a second administrator
publishes it.

- `change_propose` checks the change exactly as an import would (same parser, checks and store, inside a
  transaction that is rolled back), records what it changes, the diff against the published catalog and
  the checks that fail, and stores it as a pending `CatalogChange`. The catalog itself — so the public
  guide and every new case — is untouched.
- `change_publish` is for another administrator (never the author). It imports the change for real, in
  one transaction with its history: the checks are run again on the catalog as it is now, and failing
  ones block unless a reason is recorded; a package published meanwhile by someone else refuses the
  change (it was made against an older version). Each package whose version moves gets a
  `PackageVersion` with its definition and the diff from the version before.
- `change_reject` closes a change without touching the catalog.
- `publish_trusted` is the command line's bootstrap path (`onego catalog import`): the operator who runs
  it on the server is trusted with the database anyway; it publishes at once and records the actor, the
  same diff and history, and that no second administrator reviewed it.

Cases in flight are not affected by any of this: a case keeps the compiled package of its submission
(`Case.snapshot`), whatever is published later.
"""

from __future__ import annotations

import difflib
import hashlib
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from onego.catalog import models as m
from onego.catalog.advisors import contract_advisor
from onego.catalog.definitions.export import catalog_documents, item_document, package_document
from onego.catalog.definitions.parse import SECTIONS, Definitions, read_path, read_text
from onego.catalog.definitions.reader import Issue, Issues
from onego.catalog.definitions.source import dump_yaml
from onego.catalog.selectors import compile_for
from onego.catalog.services import (
    CatalogImportFailed,
    ImportResult,
    catalog_import,
    catalog_import_text,
    catalog_import_upload,
)
from onego.core import clock
from onego.core.errors import Conflict, NotFound, OneGoError, PermissionDenied, ValidationFailed
from onego.ledger.canonical import canonical_json
from onego.ledger.services import ledger_record

PUBLISHED_KIND = "catalog.published"
TRUSTED_NOTE = "命令行受信任的引导导入：由服务器操作员直接发布，未经第二位管理员审核"


@dataclass(frozen=True)
class Finding:
    """A check that failed: it blocks publishing unless a reason is recorded."""

    code: str  # critical_path | contracts | rule_examples | compile
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


# --- what a change touches, and how it reads ------------------------------------------------------------
def _definitions(*, text: str, upload: bytes | None, name: str) -> Definitions:
    issues = Issues()
    if upload is None:
        defs = read_text(text, name=name, issues=issues)
    else:
        with tempfile.TemporaryDirectory(prefix="onego-change-") as folder:
            path = Path(folder) / Path(name).name
            path.write_bytes(upload)
            defs = read_path(path, issues)
    if issues:
        raise CatalogImportFailed(issues.items)
    return defs


def _affected_packages(packages: Iterable[str], items: Iterable[str]) -> list[str]:
    """The packages a change defines, and those that include an item it changes."""
    codes = set(packages)
    codes |= set(
        m.PackageItem.objects.filter(item__code__in=list(items)).values_list("package__code", flat=True)
    )
    return sorted(codes)


def _documents(packages: Iterable[str], items: Iterable[str]) -> dict[str, str]:
    """The published definitions of these packages and items, as YAML (what a diff compares)."""
    docs: dict[str, str] = {}
    for p in m.Package.objects.filter(code__in=list(packages)).prefetch_related(
        "regions", "questions", "package_items__item", "partner_steps"
    ):
        docs[f"packages/{p.code}.yaml"] = dump_yaml(package_document(p))
    for i in (
        m.ServiceItem.objects.filter(code__in=list(items))
        .select_related("department_type", "result_licence_type")
        .prefetch_related("fields__data_element", "materials__material_type")
    ):
        docs[f"items/{i.code}.yaml"] = dump_yaml(item_document(i))
    return docs


def _other_documents(defs: Definitions) -> dict[str, str]:
    """The published records of the other sections a change touches (data elements, subjects, regions…),
    one document each, so a catalog file that changes no package or item still has its diff."""
    touched = {
        section: set(defs.records[section])
        for section in SECTIONS
        if section != "items" and defs.records[section]
    }
    if not touched:
        return {}
    out: dict[str, str] = {}
    for name, doc in catalog_documents().items():
        if name.startswith("packages/") or not isinstance(doc, dict):
            continue
        for section, entries in doc.items():
            if section not in touched or not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, dict) and entry.get("code") in touched[section]:
                    out[f"{section}/{entry['code']}.yaml"] = dump_yaml(entry)
    return out


def _snapshot(defs: Definitions, packages: Iterable[str], items: Iterable[str]) -> dict[str, str]:
    return {**_documents(packages, items), **_other_documents(defs)}


def readable_diff(before: dict[str, str], after: dict[str, str]) -> str:
    """A unified diff per document, published version first ("-" removed, "+" added)."""
    out: list[str] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, ""), after.get(name, "")
        if old == new:
            continue
        out += difflib.unified_diff(
            old.splitlines(),
            new.splitlines(),
            fromfile=f"{name}（已发布）" if old else "（新建）",
            tofile=f"{name}（修改后）",
            lineterm="",
        )
    return "\n".join(out)


def _versions(codes: Iterable[str]) -> dict[str, int]:
    return dict(m.Package.objects.filter(code__in=list(codes)).values_list("code", "version"))


def findings_for(packages: Sequence[str], items: Sequence[str]) -> list[Finding]:
    """The publishing checks over the catalog as it stands (call inside the change's transaction):
    every scenario's critical path within the package's promise, every promised prefill or exemption
    backed by a sharing contract, every 秒批 rule with an approve and a refer example."""
    out: list[Finding] = []
    advisor = contract_advisor()
    for package in m.Package.objects.filter(code__in=list(packages)).prefetch_related("regions"):
        regions = [r.code for r in package.regions.all()]
        if not regions:
            continue
        scenarios = package.scenarios or [{"name": "默认情形", "answers": {}}]
        seen: set[str] = set()
        for scenario in scenarios:
            label = scenario.get("name") or "默认情形"
            label = label.get("zh", "") if isinstance(label, dict) else str(label)
            try:
                compiled = compile_for(
                    package_code=package.code,
                    region_code=regions[0],
                    answers=dict(scenario.get("answers") or {}),
                )
            except OneGoError as exc:
                out.append(Finding("compile", f"套餐“{package.name}”情形“{label}”不能编译：{exc.message}"))
                continue
            promised = package.promised_days
            if promised is not None and compiled.timing.critical_path_days > promised:
                out.append(
                    Finding(
                        "critical_path",
                        f"套餐“{package.name}”情形“{label}”的关键路径 {compiled.timing.critical_path_days} 个工作日"
                        f"长于承诺的 {promised} 个工作日",
                    )
                )
            for warning in advisor.warnings(compiled) if advisor else []:
                if warning not in seen:
                    seen.add(warning)
                    out.append(Finding("contracts", f"套餐“{package.name}”：{warning}"))
    for code, name, rule in m.ServiceItem.objects.filter(code__in=list(items)).values_list(
        "code", "name", "instant_rule"
    ):
        if not rule:
            continue
        expects = {e.get("expect") for e in rule.get("examples", [])}
        lacking = [w for w, label in (("approve", "批准"), ("refer", "转人工")) if w not in expects]
        if lacking:
            out.append(
                Finding(
                    "rule_examples",
                    f"事项“{name}”（{code}）的秒批规则缺少“{'”“'.join(lacking)}”示例：每条规则至少要有一个批准和一个转人工的示例",
                )
            )
    return out


def _title(packages: Sequence[str], items: Sequence[str]) -> str:
    parts = []
    if packages:
        parts.append("套餐 " + "、".join(packages))
    if items:
        parts.append("事项 " + "、".join(items))
    title = "；".join(parts) or "目录数据"
    # CatalogChange.title is 300 characters: the whole starter catalog in one import lists far more.
    return title if len(title) <= 300 else title[:299] + "…"


# --- propose --------------------------------------------------------------------------------------------
def change_propose(
    *,
    author: str,
    text: str = "",
    upload: bytes | None = None,
    name: str = "package.yaml",
    reason: str = "",
    channel: str = "designer",
) -> m.CatalogChange:
    """Check a change as an import would and keep it as a draft for review; the catalog is not touched.

    Refused (CatalogImportFailed, every issue with file:line:field) when the definition does not import;
    refused (ValidationFailed) when it changes nothing."""
    if not author:
        raise ValidationFailed("缺少提交人", field="author")
    defs = _definitions(text=text, upload=upload, name=name)
    packages, items = sorted(defs.records["packages"]), sorted(defs.records["items"])
    with transaction.atomic():
        affected = _affected_packages(packages, items)
        before = _snapshot(defs, affected, items)
        base = _versions(affected)
        try:
            if upload is None:
                catalog_import_text(text=text, name=name)
            else:
                catalog_import_upload(content=upload, name=name)
            after = _snapshot(defs, affected, items)
            findings = findings_for(affected, items)
        finally:
            transaction.set_rollback(True)
    diff = readable_diff(before, after)
    if not diff:
        raise ValidationFailed("与已发布的版本相同，没有需要审核的修改", field="definition")
    return _store_change(
        title=_title(packages, items),
        source_name=Path(name).name,
        text=text if upload is None else "",
        content=upload,
        channel=channel,
        packages=affected,
        items=items,
        base_versions=base,
        diff=diff,
        findings=[f.as_dict() for f in findings],
        reason=reason.strip(),
        author=author,
    )


@transaction.atomic
def _store_change(**fields: Any) -> m.CatalogChange:
    return m.CatalogChange.objects.create(**fields)


# --- review ---------------------------------------------------------------------------------------------
def _pending(change_id: uuid.UUID | str) -> m.CatalogChange:
    try:
        change = m.CatalogChange.objects.select_for_update().get(pk=change_id)
    except (m.CatalogChange.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("没有找到该修改", field="change") from exc
    if change.status != m.ChangeStatus.PENDING:
        raise Conflict(f"该修改已{change.get_status_display()}，不能再审核", field="change")
    return change


def _import_change(change: m.CatalogChange) -> ImportResult:
    if change.content:
        return catalog_import_upload(content=bytes(change.content), name=change.source_name)
    return catalog_import_text(text=change.text, name=change.source_name)


@transaction.atomic
def change_publish(
    *, change_id: uuid.UUID | str, reviewer: str, reason: str = "", note: str = ""
) -> m.CatalogChange:
    """A second administrator publishes a pending change: imported for real, with its history, at once."""
    change = _pending(change_id)
    if not reviewer:
        raise ValidationFailed("缺少审核人", field="reviewer")
    if reviewer == change.author:
        raise PermissionDenied("发布须由另一位管理员审核：不能审核自己提交的修改", field="reviewer")
    moved = {
        code: (version, now)
        for code, now in _versions(change.base_versions).items()
        if (version := change.base_versions.get(code)) is not None and now != version
    }
    if moved:
        detail = "、".join(f"{code}（提交时 v{v}，现为 v{now}）" for code, (v, now) in sorted(moved.items()))
        raise Conflict(f"提交后已有新版本发布：{detail}；请在新版本上重新提交修改", field="change")
    reason = (reason or change.reason).strip()
    _publish(change, reviewer=reviewer, reason=reason)
    change.status = m.ChangeStatus.PUBLISHED
    change.reviewer = reviewer
    change.review_note = note.strip()[:300]
    change.reason = reason
    change.decided_at = clock.now()
    change.save(
        update_fields=[
            "status",
            "reviewer",
            "review_note",
            "reason",
            "decided_at",
            "findings",
            "diff",
            "updated_at",
        ]
    )
    _record_publication(change, actor=reviewer)
    return change


def change_digest(change: m.CatalogChange) -> str:
    """SM3 of what was published: the definition as submitted (the text, or the uploaded workbook's SM3),
    what it touched, its diff and the reason — recomputable from the change row, so the ledger entry
    can be checked against it (`onego ledger verify` checks the entry itself)."""
    content = bytes(change.content) if change.content else b""
    return hashlib.new(
        "sm3",
        canonical_json(
            {
                "title": change.title,
                "source_name": change.source_name,
                "text": change.text,
                "content_sm3": hashlib.new("sm3", content).hexdigest() if content else "",
                "packages": list(change.packages),
                "items": list(change.items),
                "base_versions": dict(change.base_versions),
                "diff": change.diff,
                "reason": change.reason,
                "author": change.author,
            }
        ),
    ).hexdigest()


def _record_publication(change: m.CatalogChange, *, actor: str) -> None:
    """The publication's ledger entry, in the publishing transaction: who approved what, and its digest."""
    ledger_record(
        kind=PUBLISHED_KIND,
        actor=actor,
        payload={
            "change": str(change.pk),
            "title": change.title,
            "channel": change.channel,
            "author": change.author,
            "approver": change.reviewer,
            "packages": _versions(change.packages),
            "items": list(change.items),
            "findings": [f.get("code", "") for f in change.findings],
            "reason": change.reason,
            "digest": change_digest(change),
        },
    )


def _publish(change: m.CatalogChange, *, reviewer: str, reason: str) -> None:
    """Import, re-check on the catalog as it is now, and write the package versions (caller's transaction)."""
    content = bytes(change.content) if change.content else None
    defs = _definitions(text=change.text, upload=content, name=change.source_name)
    before = _snapshot(defs, change.packages, change.items)
    versions = _versions(change.packages)
    _import_change(change)
    after = _snapshot(defs, change.packages, change.items)
    change.diff = readable_diff(before, after) or change.diff
    _bump_for_items(change.packages, versions, before, after)
    findings = findings_for(change.packages, change.items)
    change.findings = [f.as_dict() for f in findings]
    if findings and not reason:
        listed = "；".join(f.message for f in findings)
        raise ValidationFailed(f"检查未通过，不能发布：{listed}。如确需发布，请填写理由", field="reason")
    _record_versions(
        change, before=before, versions=versions, author=change.author, approver=reviewer, reason=reason
    )


def _changed_items(before: dict[str, str], after: dict[str, str]) -> set[str]:
    names = {n for n in set(before) | set(after) if n.startswith("items/") and before.get(n) != after.get(n)}
    return {n.removeprefix("items/").removesuffix(".yaml") for n in names}


def _bump_for_items(
    packages: Sequence[str], versions: dict[str, int], before: dict[str, str], after: dict[str, str]
) -> None:
    """An item-only change is a new version of every package that includes the item: the package's own
    definition did not move its version, so move it here (cases in flight keep their snapshot)."""
    changed = _changed_items(before, after)
    if not changed:
        return
    codes = set(
        m.PackageItem.objects.filter(
            package__code__in=list(packages), item__code__in=sorted(changed)
        ).values_list("package__code", flat=True)
    )
    # (PostgreSQL refuses FOR UPDATE with DISTINCT: lock the packages by code)
    including = m.Package.objects.select_for_update().filter(code__in=sorted(codes)).order_by("code")
    for package in including:
        if package.version == versions.get(package.code):
            package.version += 1
            package.save(update_fields=["version", "updated_at"])


def _record_versions(
    change: m.CatalogChange,
    *,
    before: dict[str, str],
    versions: dict[str, int],
    author: str,
    approver: str,
    reason: str,
) -> list[m.PackageVersion]:
    after = _documents(change.packages, change.items)
    now = clock.now()
    out = []
    items_of: dict[str, set[str]] = {}
    for package_code, item_code in m.PackageItem.objects.filter(
        package__code__in=change.packages
    ).values_list("package__code", "item__code"):
        items_of.setdefault(package_code, set()).add(f"items/{item_code}.yaml")
    for code, version in sorted(_versions(change.packages).items()):
        if versions.get(code) == version and m.PackageVersion.objects.filter(package_code=code).exists():
            continue  # unchanged package
        name = f"packages/{code}.yaml"
        # the package's own definition and the items it includes that this change changed
        names = [name, *sorted(n for n in items_of.get(code, set()) if before.get(n) != after.get(n))]
        out.append(
            m.PackageVersion.objects.create(
                package_code=code,
                version=version,
                source=after.get(name, ""),
                diff=readable_diff(
                    {n: before.get(n, "") for n in names}, {n: after.get(n, "") for n in names}
                ),
                change=change,
                author=author,
                approver=approver,
                reason=reason,
                published_at=now,
            )
        )
    return out


@transaction.atomic
def change_reject(*, change_id: uuid.UUID | str, reviewer: str, note: str) -> m.CatalogChange:
    """Close a pending change without publishing it (the author may withdraw their own)."""
    change = _pending(change_id)
    if not note.strip():
        raise ValidationFailed("请填写退回理由", field="note")
    change.status = m.ChangeStatus.REJECTED
    change.reviewer = reviewer
    change.review_note = note.strip()[:300]
    change.decided_at = clock.now()
    change.save(update_fields=["status", "reviewer", "review_note", "decided_at", "updated_at"])
    return change


# --- the command line's trusted bootstrap ---------------------------------------------------------------
def publish_trusted(*, path: Path, actor: str, dry_run: bool = False) -> ImportResult:
    """`onego catalog import`: publish at once, recorded as the actor's, with diff and package versions."""
    if not actor:
        raise ValidationFailed("缺少操作人（--actor）", field="actor")
    issues = Issues()
    defs = read_path(path, issues)
    if issues:
        raise CatalogImportFailed(issues.items)
    packages, items = sorted(defs.records["packages"]), sorted(defs.records["items"])
    with transaction.atomic():
        affected = _affected_packages(packages, items)
        before = _snapshot(defs, affected, items)
        versions = _versions(affected)
        result = catalog_import(path=path)
        affected = _affected_packages(packages, items)
        after = _snapshot(defs, affected, items)
        diff = readable_diff(before, after)
        _bump_for_items(affected, versions, before, after)
        if diff:
            change = m.CatalogChange.objects.create(
                title=_title(packages, items),
                source_name=path.name,
                channel="cli",
                packages=affected,
                items=items,
                base_versions=versions,
                diff=diff,
                findings=[f.as_dict() for f in findings_for(affected, items)],
                reason=TRUSTED_NOTE,
                status=m.ChangeStatus.PUBLISHED,
                author=actor,
                reviewer="",
                review_note=TRUSTED_NOTE,
                decided_at=clock.now(),
            )
            _record_versions(
                change, before=before, versions=versions, author=actor, approver="", reason=TRUSTED_NOTE
            )
            _record_publication(change, actor=actor)
        if dry_run:
            transaction.set_rollback(True)
    return ImportResult(counts=result.counts, dry_run=dry_run, notices=result.notices)


# --- reads ----------------------------------------------------------------------------------------------
def pending_changes() -> list[m.CatalogChange]:
    return list(m.CatalogChange.objects.filter(status=m.ChangeStatus.PENDING).order_by("created_at"))


def change_by_id(change_id: uuid.UUID | str) -> m.CatalogChange:
    try:
        return m.CatalogChange.objects.get(pk=change_id)
    except (m.CatalogChange.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("没有找到该修改", field="change") from exc


def package_history(code: str) -> list[m.PackageVersion]:
    return list(
        m.PackageVersion.objects.filter(package_code=code).select_related("change").order_by("-version")
    )


def changes_touching(code: str, *, limit: int = 50) -> list[m.CatalogChange]:
    """Changes whose affected packages include `code` (newest first), in Python: JSON containment is
    not portable across the two databases."""
    rows = m.CatalogChange.objects.order_by("-created_at")[:500]
    return [c for c in rows if code in (c.packages or [])][:limit]


__all__ = [
    "TRUSTED_NOTE",
    "Finding",
    "Issue",
    "change_by_id",
    "change_propose",
    "change_publish",
    "change_reject",
    "changes_touching",
    "findings_for",
    "package_history",
    "pending_changes",
    "publish_trusted",
    "readable_diff",
]
