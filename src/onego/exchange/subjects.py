"""Whose data a read is: the other people a registry answered about (pure, no database).

A prefill reads for the applicant, but some of what it reads is about someone else: a newborn's
father (`father.name`, `father.id_number`, `father.ethnicity`), the seller of a house, an enterprise's
legal representative. Each such person must find the read in their own "who read my data"
(谁在何时因何查询了我的数据), so the exchange records one read entry under that person too. A person
is known here by the identity number read with their data; the applicant themself is never repeated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from onego.core.validators import check_id_number
from onego.registries.base import Subject

# Element-code prefix → the element whose value identifies the person those elements are about.
PERSON_PREFIXES: Final = {
    f"{group}.": f"{group}.id_number"
    for group in ("father", "mother", "spouse", "guardian", "child", "newborn", "seller", "buyer", "agent")
} | {
    "legal_rep.": "legal_rep.id_number",
    "enterprise.legal_representative_": "enterprise.legal_representative_id_number",
}

ROLE_NAMES: Final = {
    "father.": "父亲",
    "mother.": "母亲",
    "spouse.": "配偶",
    "guardian.": "监护人",
    "child.": "子女",
    "newborn.": "新生儿",
    "seller.": "卖方",
    "buyer.": "买方",
    "agent.": "经办人",
    "legal_rep.": "法定代表人",
    "enterprise.legal_representative_": "法定代表人",
}


def about_others(
    values: Mapping[str, Any], elements: Iterable[str], applicant_index: str
) -> list[tuple[Subject, str, list[str]]]:
    """(person, role, the elements read about them) for every person other than the applicant whose
    data is among `elements`, identified by the valid identity number read in `values`."""
    wanted = list(elements)
    out: list[tuple[Subject, str, list[str]]] = []
    for prefix, identifier in PERSON_PREFIXES.items():
        theirs = [code for code in wanted if code.startswith(prefix)]
        number = values.get(identifier)
        if not theirs or not isinstance(number, str) or check_id_number(number) is not None:
            continue
        person = Subject("person", number.strip().upper())
        if person.index == applicant_index:
            continue
        out.append((person, ROLE_NAMES[prefix], theirs))
    return out
