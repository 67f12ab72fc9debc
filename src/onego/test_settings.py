"""Settings for the test suite and the type checker: onego.settings in development mode unless the
environment says otherwise (production defaults would demand ONEGO_SECRET_KEY). The test runner turns
DEBUG off during the tests itself; tests of the production settings start processes with onego.settings."""

import os

os.environ.setdefault("ONEGO_DEBUG", "1")

from onego.settings import *  # noqa: E402, F403
