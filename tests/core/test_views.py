"""Site-wide plumbing views."""

from __future__ import annotations

from django.contrib.staticfiles import finders
from django.test import Client


def test_favicon_points_to_a_real_icon_among_the_static_files(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/onego/favicon.ico")
    found = finders.find("onego/favicon.ico")
    assert found is not None
    with open(found, "rb") as f:
        assert f.read(4) == b"\x00\x00\x01\x00"  # the ICO header: reserved 0, type 1 (icon)
