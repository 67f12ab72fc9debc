"""`onego outreach rules|tick` and `onego registries events`."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from onego.outreach.models import Offer
from onego.registries.demo_identities import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("starter", "data_dir")]


def test_rules_lists_the_rules_and_their_examples() -> None:
    out = StringIO()
    call_command("outreach", "rules", stdout=out)
    assert "newborn-parents（孩子出生，提醒父母办理“新生儿出生一件事”）：3 个示例通过" in out.getvalue()


def test_rules_names_a_refused_rule_with_file_and_line_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "rules:\n  - code: x\n    name: x\n    explanation: x\n    event: birth_registered\n"
        "    notify: [mother]\n    package: no-such-package\n    message: x\n"
        '    when:\n      - check: "birth.days_ago <= 60"\n    examples:\n'
        "      - {name: 甲, facts: {birth.days_ago: 1}, expect: offer}\n"
        "      - {name: 乙, facts: {birth.days_ago: 90}, expect: none}\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("outreach", "rules", str(bad), stdout=StringIO(), stderr=err)
    assert exc.value.code == 1
    assert "bad.yaml:2: 规则“x”：目录中没有一件事“no-such-package”" in err.getvalue()


def test_the_simulator_publishes_and_the_tick_offers_once() -> None:
    seed_demo()
    out = StringIO()
    call_command("registries", "events", stdout=out)
    assert "出生 1" in out.getvalue()
    out = StringIO()
    call_command("outreach", "tick", stdout=out)
    assert "推送 2 条" in out.getvalue()
    call_command("outreach", "tick", stdout=StringIO())
    assert Offer.objects.count() == 2


def test_serve_runs_the_date_driven_registry_events_at_start_and_once_a_day(monkeypatch: Any) -> None:
    from onego.core.management.commands import serve

    started: list[Any] = []

    class Recorder:
        def __init__(self, children: list[Any], out: Any) -> None:
            started.extend(children)

        def run(self) -> int:
            return 0

    monkeypatch.setattr(serve, "Supervisor", Recorder)
    call_command("serve", "--task-workers", "0", "--tick-interval", "300")
    events = [c for c in started if c.name == "registry-events"]
    assert len(events) == 1
    assert events[0].argv[-2:] == ["registries", "events"]
    assert events[0].every == 24 * 3600
    assert events[0].due == 0  # due at once: the supervisor starts it with the rest

    # A machine without the tick (another runs it, or cron) does not publish them either.
    started.clear()
    call_command("serve", "--task-workers", "0", "--tick-interval", "0")
    assert [c.name for c in started] == ["web"]
