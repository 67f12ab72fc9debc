"""Template helpers of the package designer's review pages."""

from __future__ import annotations

from django import template

register = template.Library()

# A diff line's kind by its first character; the +/- stays visible, so colour is never the only sign.
_KINDS = {"+": "added", "-": "removed", "@": "hunk"}


@register.filter
def diff_lines(text: str) -> list[dict[str, str]]:
    """A unified diff as lines with their kind (added, removed, hunk, file, same), for a readable view."""
    out = []
    for line in (text or "").splitlines():
        kind = "file" if line.startswith(("+++", "---")) else _KINDS.get(line[:1], "same")
        out.append({"kind": kind, "text": line})
    return out
