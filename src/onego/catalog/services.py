"""Writes to the catalog. Every write is one transaction; nothing half-written."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from onego.catalog.definitions.check import check_all
from onego.catalog.definitions.parse import Definitions, read_path, read_text
from onego.catalog.definitions.reader import Issue, Issues
from onego.catalog.definitions.store import store
from onego.core.errors import ValidationFailed


class CatalogImportFailed(ValidationFailed):
    """The definitions were refused; `issues` lists every problem (file, line, field, message)."""

    code = "catalog_import_failed"

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        lines = "\n".join(str(i) for i in issues)
        super().__init__(f"导入被拒绝，共 {len(issues)} 处错误，未写入任何内容：\n{lines}")


@dataclass(frozen=True)
class ImportResult:
    counts: dict[str, int]
    dry_run: bool
    notices: tuple[str, ...] = ()  # what was read but not imported, and where it goes instead


def _contract_notices(defs: Definitions, path: Path | None) -> tuple[str, ...]:
    """Sharing contracts in a package folder are not catalog data: say exactly where they go."""
    out = []
    for file, line, count in defs.contract_files:
        where = (path / file if path.is_dir() else path) if path is not None else Path(file)
        out.append(
            f"{file}:{line}: contracts: 共享协议（{count} 份）不随目录导入，未写入；"
            f"目录导入后运行：onego exchange contracts import {where}"
        )
    return tuple(out)


def _import(defs: Definitions, issues: Issues, *, dry_run: bool, path: Path | None = None) -> ImportResult:
    if issues:
        raise CatalogImportFailed(issues.items)
    with transaction.atomic():
        check_all(defs, issues)
        if issues:
            raise CatalogImportFailed(issues.items)
        counts = store(defs)
        if dry_run:
            transaction.set_rollback(True)
    notices = (*defs.notices, *_contract_notices(defs, path))
    return ImportResult(counts=counts, dry_run=dry_run, notices=notices)


def catalog_import(*, path: Path, dry_run: bool = False) -> ImportResult:
    """Import a folder or file of definitions; all or nothing."""
    issues = Issues()
    defs = read_path(path, issues)
    return _import(defs, issues, dry_run=dry_run, path=path)


def catalog_import_text(*, text: str, name: str = "package.yaml", dry_run: bool = False) -> ImportResult:
    """Import one definition given as text (the package designer)."""
    issues = Issues()
    defs = read_text(text, name=name, issues=issues)
    return _import(defs, issues, dry_run=dry_run)


def catalog_import_upload(*, content: bytes, name: str, dry_run: bool = False) -> ImportResult:
    """Import one uploaded definition file (.yaml/.yml text or an .xlsx items workbook); all or nothing."""
    suffix = Path(name).suffix.lower()
    display = Path(name).name or "upload"
    if suffix in (".yaml", ".yml"):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogImportFailed([Issue(display, 1, "", "文件不是 UTF-8 编码")]) from exc
        return catalog_import_text(text=text, name=display, dry_run=dry_run)
    if suffix != ".xlsx":
        raise CatalogImportFailed([Issue(display, 1, "", "只能上传 .yaml、.yml 或 .xlsx 文件")])
    # The workbook reader takes a path; the file lives only as long as the import.
    with tempfile.TemporaryDirectory(prefix="onego-upload-") as folder:
        path = Path(folder) / display
        path.write_bytes(content)
        return catalog_import(path=path, dry_run=dry_run)
