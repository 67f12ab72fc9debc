"""Compile a definition that is not saved: the package designer's live preview.

The definition (YAML text, or an uploaded .yaml/.xlsx) is imported inside a transaction exactly as a real
import would (same parser, same checks, same store), the package is compiled for the chosen region and
answers, everything the page needs is copied into plain data, and the transaction is rolled back — so the
preview can never differ from what "save" would store, and nothing is ever stored by it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from onego.catalog import models as m
from onego.catalog.advisors import contract_advisor
from onego.catalog.definitions.parse import read_text
from onego.catalog.definitions.reader import Issue, Issues
from onego.catalog.rules.package import CompiledPackage
from onego.catalog.selectors import compile_for, is_offered, main_scenario, package_by_code
from onego.catalog.services import CatalogImportFailed, catalog_import_text, catalog_import_upload
from onego.core.errors import OneGoError


@dataclass(frozen=True)
class PreviewQuestion:
    ident: str
    text: str
    text_en: str
    type: str
    choices: list[str]
    help_text: str


@dataclass(frozen=True)
class Preview:
    """What the designer shows: the import's issues, or the compiled package (or why it did not compile)."""

    issues: list[Issue] = field(default_factory=list)
    error: str = ""  # the compiler's refusal (bad answer, region not offered, ...)
    error_field: str = ""
    package_code: str = ""
    package_name: str = ""
    region_code: str = ""
    regions: list[str] = field(default_factory=list)  # codes the package is offered in
    questions: list[PreviewQuestion] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    scenario: str = ""
    compiled: CompiledPackage | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # Per datum, a promised prefill or exemption no sharing contract backs (the exchange's advice).
    contract_warnings: list[str] = field(default_factory=list)

    @property
    def names(self) -> dict[str, str]:
        """Entry code → name, to show prerequisites and the critical path by name."""
        if self.compiled is None:
            return {}
        return {
            **{x.code: x.name for x in self.compiled.excluded},
            **{e.code: e.name for e in self.compiled.entries},
        }

    @property
    def imported(self) -> bool:
        return not self.issues


def packages_in_text(text: str, *, name: str = "package.yaml") -> list[str]:
    """Codes of the packages a YAML text defines (none for a catalog file or unreadable text)."""
    defs = read_text(text, name=name, issues=Issues())
    return list(defs.records["packages"])


def _region_for(package: m.Package, wanted: str) -> str:
    if wanted and m.Region.objects.filter(code=wanted).exists():
        return wanted  # if the package is not offered there, the compiler says so
    default = m.Region.objects.filter(code=settings.ONEGO_DEFAULT_REGION).first()
    if default is not None and is_offered(package, default):
        return default.code
    offered = [r.code for r in package.regions.all()]
    return offered[0] if offered else settings.ONEGO_DEFAULT_REGION


def _inside(
    *,
    text: str,
    upload: bytes | None,
    name: str,
    package_code: str,
    region_code: str,
    answers: Mapping[str, Any] | None,
    add: Sequence[str],
    drop: Sequence[str],
) -> Preview:
    try:
        if upload is not None:
            result = catalog_import_upload(content=upload, name=name)
        else:
            result = catalog_import_text(text=text, name=name)
    except CatalogImportFailed as exc:
        return Preview(issues=list(exc.issues))
    defined = packages_in_text(text, name=name) if upload is None else []
    code = defined[0] if defined else package_code
    if not code:
        return Preview(
            counts=result.counts, error="定义已通过检查；请选择要预览的套餐", error_field="package"
        )
    try:
        package = package_by_code(code)
    except OneGoError as exc:
        return Preview(counts=result.counts, error=exc.message, error_field="package")
    questions = [
        PreviewQuestion(q.ident, q.text, q.text_en, q.type, list(q.choices or []), q.help_text)
        for q in package.questions.all()
    ]
    idents = {q.ident for q in questions}
    # Answers to questions the edited definition no longer asks are dropped, not refused.
    given = {k: v for k, v in (answers or {}).items() if k in idents and v not in ("", None)}
    used = given if answers is not None else {**main_scenario(package), **given}
    region = _region_for(package, region_code)
    base = Preview(
        package_code=package.code,
        package_name=package.name,
        region_code=region,
        regions=[r.code for r in package.regions.all()],
        questions=questions,
        answers=dict(used),
        scenario=package.scenarios[0]["name"] if package.scenarios else "",
        counts=result.counts,
    )
    try:
        compiled = compile_for(package_code=code, region_code=region, answers=used, add=add, drop=drop)
    except OneGoError as exc:
        return Preview(**{**base.__dict__, "error": exc.message, "error_field": exc.field or ""})
    advisor = contract_advisor()
    warnings = advisor.warnings(compiled) if advisor else []
    return Preview(
        **{
            **base.__dict__,
            "compiled": compiled,
            "answers": dict(compiled.answers),
            "contract_warnings": warnings,
        }
    )


def preview_definition(
    *,
    text: str = "",
    upload: bytes | None = None,
    name: str = "package.yaml",
    package_code: str = "",
    region_code: str = "",
    answers: Mapping[str, Any] | None = None,
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> Preview:
    """Import `text` (or the uploaded file) and compile a package from it, then roll everything back.

    The package compiled is the one the text defines, else `package_code` (e.g. an existing package compiled
    against an edited items workbook). `answers=None` means the package's main scenario; given answers are
    raw form values, coerced by the compiler.
    """
    with transaction.atomic():
        try:
            return _inside(
                text=text,
                upload=upload,
                name=name,
                package_code=package_code,
                region_code=region_code,
                answers=answers,
                add=add,
                drop=drop,
            )
        finally:
            transaction.set_rollback(True)
