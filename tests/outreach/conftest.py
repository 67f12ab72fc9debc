from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

import onego.catalog
from onego.catalog.services import catalog_import

STARTER = Path(onego.catalog.__file__).parent / "starter"


@pytest.fixture(scope="module")
def starter(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The starter catalog (newborn-birth, retirement, disability-services …), committed for the module."""
    with django_db_blocker.unblock():
        catalog_import(path=STARTER)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data directory of the test's own: the SMS file backend writes tmp_path/sms.log."""
    settings.DATA_DIR = tmp_path
    return tmp_path
