from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A data directory of the test's own: the SMS file backend and uploads write here."""
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path
