"""Background tasks of proactive service (django-tasks, database backend; see onego/cases/tasks.py).

`send_offer_sms` is enqueued in the transaction that makes the offer, so it commits with it; it sends at
most once (the offer row is locked and its `sms_status` checked). `outreach_tick` is the periodic job
(`onego outreach tick`): publish due registry events, pull every feed, match, re-enqueue pending SMS.
"""

from __future__ import annotations

from django_tasks import task


@task()
def send_offer_sms(offer_id: str) -> str:
    from onego.outreach.services import deliver_offer_sms

    return deliver_offer_sms(offer_id=offer_id)
