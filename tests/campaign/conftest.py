from tests.cases.conftest import _postgres_only, cases_catalog, monday_morning, staff  # noqa: F401
