"""Pure presentation rules of the applicant pages (no database): what a page says once rather than under
every field, and how an internal identifier is said in words."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.translation import gettext as _

# A reason shared by more fields than this is said once, above the form, not under each field.
SAID_ONCE_FROM = 3


@dataclass(frozen=True)
class SharedReason:
    reason: str
    count: int


@dataclass(frozen=True)
class FormNotes:
    per_field: dict[str, str]  # element → the reason shown under that field (reasons of few fields)
    once: list[SharedReason]  # reasons of many fields, shown once above the form, with how many


def form_notes(reasons: Mapping[str, str]) -> FormNotes:
    """Split the per-field "fill it in yourself" reasons: the common ones once, the rare ones by the field.

    `reasons` maps each asked element to its reason ("" for none), in form order.
    """
    counts = Counter(r for r in reasons.values() if r)
    common = [r for r, n in counts.items() if n >= SAID_ONCE_FROM]
    return FormNotes(
        per_field={el: r for el, r in reasons.items() if r and r not in common},
        once=[SharedReason(r, counts[r]) for r in common],
    )


_CONTRACT = re.compile(r"^(?P<kind>pkg|dept|item)\.(?P<code>[\w-]+)@v(?P<version>\d+)$")
CONTRACT_IN_TEXT = re.compile(r"(?:pkg|dept|item)\.[\w-]+@v\d+")


def contract_label(code: str, *, names: Mapping[str, str]) -> str:
    """A sharing contract's code said in words: `pkg.newborn-birth@v1` → 《新生儿出生一件事》数据共享协议（第 1 版）.

    `names` maps "pkg.<package code>" and "dept.<department type code>" to names in the page's language;
    an unknown code is said generically, never shown raw.
    """
    match = _CONTRACT.match(code or "")
    if match is None:
        return _("部门间数据共享协议")
    name = names.get(f"{match['kind']}.{match['code']}", "")
    version = int(match["version"])
    if not name:
        return _("部门间数据共享协议（第 %(v)d 版）") % {"v": version}
    return _("“%(name)s”数据共享协议（第 %(v)d 版）") % {"name": name, "v": version}


def contract_subjects(values: Iterable[str]) -> tuple[set[str], set[str]]:
    """The package and department-type codes that contract codes name (to look their names up)."""
    found = [m for v in values if (m := _CONTRACT.match(v or ""))]
    return {m["code"] for m in found if m["kind"] == "pkg"}, {m["code"] for m in found if m["kind"] == "dept"}
