"""Site-wide plumbing views: the icon browsers ask for at /favicon.ico."""

from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponsePermanentRedirect


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # Browsers ask for /favicon.ico whatever the page says; the file itself is a static file (hashed
    # and cached for a year in production), so this only points there.
    return HttpResponsePermanentRedirect(staticfiles_storage.url("onego/favicon.ico"))
