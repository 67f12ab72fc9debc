"""The signed-in applicant in a request: who they are, and the decorator that asks them to sign in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse

from onego.signin import session as applicant_session
from onego.signin.models import ApplicantAccount
from onego.signin.session import SignedIn


def signed_in_applicant(request: HttpRequest) -> SignedIn | None:
    user = request.user
    if not user.is_authenticated:
        return None
    account = ApplicantAccount.objects.filter(user=user).values_list("subject_index", flat=True).first()
    if account is None:
        return None
    return applicant_session.current(request.session, account_index=account)


def login_url(next_url: str) -> str:
    return f"{reverse('portal:login')}?{urlencode({'next': next_url})}"


ApplicantView = Callable[..., HttpResponseBase]


def applicant_required(view: ApplicantView) -> Callable[..., HttpResponseBase]:
    """Pass the signed-in applicant as the view's second argument; anyone else is sent to sign in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        signed_in = signed_in_applicant(request)
        if signed_in is None:
            return HttpResponseRedirect(login_url(request.get_full_path()))
        return view(request, signed_in, *args, **kwargs)

    return wrapper


def client_address(request: HttpRequest) -> str:
    """The address rate limits count by. Behind a reverse proxy, have it set REMOTE_ADDR (e.g. uWSGI
    or a trusted X-Forwarded-For middleware): a client-supplied header is never trusted here."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")
