"""Delivery channels for notifications: e-mail through Django, SMS behind a small interface.

A channel gets one `Message` and either delivers it or raises. Each message carries the id of its
outbox row as `key`: e-mail puts it in the Message-ID header and the SMS backends write it beside
the text, so a message delivered twice after a crash (at-least-once delivery) can be recognised.

SMS backends (`ONEGO_SMS_BACKEND`): `file` (default) appends one JSON line per message to
ONEGO_DATA_DIR/sms.log; `console` prints it. A real gateway is added here as another class and
another name in `SMS_BACKENDS` (no dynamic import paths).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage

from onego.core import clock
from onego.core.pii import mask_phone, mask_text


@dataclass(frozen=True)
class Message:
    key: str
    to: str
    subject: str
    body: str


class Channel(Protocol):
    def send(self, message: Message) -> None: ...


class EmailChannel:
    def send(self, message: Message) -> None:
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            to=[message.to],
            headers={"Message-ID": f"<{message.key}@onego>"},
        )
        email.send(fail_silently=False)


class FileSmsBackend:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or Path(settings.DATA_DIR) / "sms.log"

    def send(self, message: Message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"key": message.key, "to": message.to, "text": message.body, "at": clock.now().isoformat()},
            ensure_ascii=False,
        )
        # One write of one line in append mode: lines from several workers never interleave.
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class ConsoleSmsBackend:
    # A console ends up in logs: the number is masked (a sign-in code beside a full number would let
    # whoever reads the log sign in as that person); ID numbers in the text too.
    def send(self, message: Message) -> None:
        sys.stdout.write(f"[SMS {message.key}] to {mask_phone(message.to)}: {mask_text(message.body)}\n")


SMS_BACKENDS: dict[str, type[FileSmsBackend] | type[ConsoleSmsBackend]] = {
    "file": FileSmsBackend,
    "console": ConsoleSmsBackend,
}


def sms_backend_name() -> str:
    return str(getattr(settings, "ONEGO_SMS_BACKEND", "") or "file")


def channel_for(name: str) -> Channel:
    if name == "email":
        return EmailChannel()
    if name == "sms":
        backend = SMS_BACKENDS.get(sms_backend_name())
        if backend is None:
            raise RuntimeError(
                f"ONEGO_SMS_BACKEND={sms_backend_name()!r}: use one of {', '.join(SMS_BACKENDS)}"
            )
        return backend()
    raise RuntimeError(f"unknown notification channel {name!r}")
