"""“No datum asked twice” over a whole walk (issue 12): every visible input of every step, by its name and
by its label, must not be asked again at a later step.

A datum is recognised by the input's name with its prefixes dropped (`f:` and `q_` at the counter, the
element's group: `person.phone` and the contact step's `phone` are one datum) and by its label with the
marks and bracketed units dropped (“经营场所建筑面积（平方米）” and “经营场所建筑面积” are one). Radio
groups are named by their fieldset's legend. Revisiting a step (an error shown back) is not asking again.
"""

from __future__ import annotations

import re
from typing import Any

_COLLECT = """() => {
  const out = [];
  for (const el of document.querySelectorAll('main input, main select, main textarea')) {
    if (['hidden', 'submit', 'button', 'file', 'reset'].includes(el.type)) continue;
    if (!el.name || el.name === 'csrfmiddlewaretoken') continue;
    const box = el.closest('label, .field, fieldset') || el;
    if (!(el.offsetParent || box.offsetParent)) continue;  // not shown
    let label = '';
    if (el.type === 'radio' || el.type === 'checkbox') {
      const legend = el.closest('fieldset') && el.closest('fieldset').querySelector('legend');
      label = legend ? legend.innerText : '';
      if (el.type === 'checkbox' && !label) { const l = el.closest('label'); label = l ? l.innerText : ''; }
    } else if (el.id) {
      const l = document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
      label = l ? l.innerText : (el.getAttribute('aria-label') || '');
    }
    out.push([el.name, label]);
  }
  return out;
}"""
_MARKS = re.compile(r"[（(][^）)]*[）)]|[*：:？?]|\s")


def datum_of_name(name: str) -> str:
    name = name.removeprefix("f:").removeprefix("q_")
    return re.split(r"[.:]", name)[-1]


def datum_of_label(label: str) -> str:
    return _MARKS.sub("", label).replace("（必填）", "")


class AskedOnce:
    """Record each step's visible inputs; fail when a later step asks a datum an earlier one asked."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}
        self.steps: list[str] = []

    def record(self, page: Any, step: str) -> list[tuple[str, str]]:
        inputs = [(str(n), str(lbl)) for n, lbl in page.evaluate(_COLLECT)]
        if step not in self.steps:
            self.steps.append(step)
        for name, label in inputs:
            for key in (f"name:{datum_of_name(name)}", f"label:{datum_of_label(label)}"):
                if key in ("label:", "name:"):
                    continue
                earlier = self.seen.setdefault(key, step)
                assert earlier == step, f"“{key}” asked at step “{earlier}” and again at “{step}” ({name})"
        return inputs
