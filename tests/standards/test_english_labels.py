"""Every status and label of the three issue-17 apps (insight, outreach, standards) reads in English."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import models
from django.utils import translation

from onego.insight.selectors import CHANNEL_LABELS, dashboard
from onego.outreach import models as outreach_models
from onego.standards import models as standards_models
from onego.standards.drift import KIND_LABELS, Kind

CJK = re.compile(r"[\u4e00-\u9fff]")


def choices_of(module: Any) -> list[type[models.TextChoices]]:
    """The choices the module defines (not those it imports from the catalog)."""
    return [
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, models.TextChoices) and v.__module__ == module.__name__
    ]


def test_every_status_of_offers_sms_name_mappings_and_proposals_has_english() -> None:
    kinds = choices_of(outreach_models) + choices_of(standards_models)
    assert {k.__name__ for k in kinds} >= {"OfferStatus", "SmsStatus", "MappingStatus", "ProposalStatus"}
    with translation.override("en"):
        chinese = [f"{k.__name__}.{c.name}: {c.label}" for k in kinds for c in k if CJK.search(str(c.label))]
    assert chinese == []
    with translation.override("zh-hans"):
        assert str(outreach_models.OfferStatus.OFFERED.label) == "已推送"  # Chinese first


def test_drift_kinds_and_channels_have_english() -> None:
    with translation.override("en"):
        assert [k for k in Kind if CJK.search(translation.gettext(KIND_LABELS[k]))] == []
        assert [c for c, label in CHANNEL_LABELS.items() if CJK.search(str(label))] == []


@pytest.mark.django_db
def test_every_dashboard_title_note_and_column_has_english(small_catalog: object) -> None:
    from onego.catalog.models import Region

    board = dashboard(
        region=Region.objects.get(code="520000"), start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 1)
    )
    with translation.override("en"):
        chinese = [
            text
            for f in board.figures
            for text in [str(f.title), str(f.note), *(str(c.label) for c in f.columns)]
            if CJK.search(text)
        ]
    assert chinese == []
