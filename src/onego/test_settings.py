"""Settings for the test suite and the type checker: onego.settings in development mode unless the
environment says otherwise (production defaults would demand ONEGO_SECRET_KEY). The test runner turns
DEBUG off during the tests itself; tests of the production settings start processes with onego.settings."""

import os

os.environ.setdefault("ONEGO_DEBUG", "1")
# Open311 call limits are off for the suite (the sweep calls every route from one address); the tests of
# the limits (tests/api/test_open311_limits.py) set their own.
os.environ.setdefault("ONEGO_OPEN311_ADDRESS_PER_MINUTE", "0")
os.environ.setdefault("ONEGO_OPEN311_KEY_PER_MINUTE", "0")

from onego.settings import *  # noqa: E402, F403
