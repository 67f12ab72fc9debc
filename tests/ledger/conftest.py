from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    # Row locks and real concurrency exist only on PostgreSQL; SQLite serialises writers anyway.
    if request.node.get_closest_marker("postgres_only") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set ONEGO_DATABASE_URL=postgres://...)")
