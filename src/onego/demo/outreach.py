"""Demo data of proactive service and hot packages (docs/outreach.md), for `onego demo setup`.

The simulated registries publish what is due (王芳's son was born ten days ago: a birth event naming 王芳
and 李强), the platform pulls the feeds and makes the offers (idempotent: nothing twice on a second run),
and every region's hot packages are ranked once so the home page shows them at once.
"""

from __future__ import annotations

from onego.catalog.models import Package
from onego.outreach.hot import rank_hot_packages
from onego.outreach.services import match_events, pull_events
from onego.registries.events import publish_due_events


def seed_outreach_demo() -> str:
    if not Package.objects.filter(code="newborn-birth").exists():
        return "未生成主动服务演示：请先导入入门目录（onego catalog import …），再运行 onego demo setup。"
    published = publish_due_events()
    pulled = pull_events()
    matched = match_events()
    regions = rank_hot_packages()
    return (
        f"服务找人：数据源发布事件 {published.total} 个，收到 {pulled.received} 个，推送 {matched.offers} 条"
        f"（王芳、李强登录后首页“为您推荐”）；热点一件事：{regions} 个地区已排名。"
    )
