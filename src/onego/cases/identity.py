"""Applicant identity and sensitive values inside a case, on top of `onego.core.pii`.

- `blind_index(kind, identifier)`: the same keyed index the registries and the exchange use for a
  `Subject` (kind "person" / "enterprise"), so a case can be matched with what the exchange holds
  for that applicant. The identifier itself is never stored in clear or logged.
- `mask_name` / `mask_identifier`: what lists, timelines and the API show.
- `seal` / `unseal`: any JSON value encrypted with `core.pii` (JSON first, so a number read back
  is a number), for sensitive form values, the applicant's identity and contact details.
"""

from __future__ import annotations

import json
from typing import Any

from onego.core import pii


def blind_index(kind: str, identifier: str) -> str:
    return pii.blind_index(identifier, kind=kind)


def mask_name(name: str, kind: str = "person") -> str:
    name = name.strip()
    if kind == "person":
        return pii.mask_name(name)
    # Enterprise names are public (营业执照); keep head and tail, which is how they are recognised.
    if len(name) <= 4:
        return name
    return name[:2] + "*" * min(4, len(name) - 4) + name[-2:]


def mask_identifier(identifier: str, kind: str = "person") -> str:
    return pii.mask_id_number(identifier) if kind == "person" else pii.mask_uscc(identifier)


def seal(value: Any) -> str:
    return pii.encrypt(json.dumps(value, ensure_ascii=False, default=str))


def is_sealed(value: Any) -> bool:
    return pii.is_token(value)


def unseal(value: Any) -> Any:
    """The plain value of a sealed token; anything else is returned as it is."""
    if not pii.is_token(value):
        return value
    return json.loads(pii.decrypt(value))
