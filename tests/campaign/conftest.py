from tests.cases.conftest import cases_catalog, monday_morning, staff  # noqa: F401
