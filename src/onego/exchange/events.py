"""Registry events through the exchange (共享交换的事件订阅): the one door to the registries' event feeds.

    registry_events("birth_medical", after=41)   → the events with a sequence above 41, oldest first
    contact_phone(subject)                        → the phone the population register holds, or ""

The exchange reads a feed the way it reads data elements: through `onego.registries.gateway`, which asks
the registry in process (the simulator) or over signed HTTP/JSON when ONEGO_REGISTRY_ENDPOINTS names an
endpoint for it (onego/registries/adapters.py). Callers keep their own cursor (the last sequence taken
in); asking again from the same cursor gives the same events, so a retried pull is harmless.

`contact_phone` serves the platform's own notices to a person (a proactive offer's SMS): the public
service reaching the person at the number the population register holds, no applicant data shared with
any department; the number is used for the message and never stored in the clear.
"""

from __future__ import annotations

from onego.registries import gateway
from onego.registries.base import RegistryError, Subject
from onego.registries.events import PUBLISHERS, Event, EventPerson

EVENT_FEEDS: tuple[str, ...] = tuple(PUBLISHERS)

__all__ = ["EVENT_FEEDS", "Event", "EventPerson", "contact_phone", "registry_events"]


def registry_events(registry: str, *, after: int, limit: int = 100) -> list[Event]:
    """The feed of one registry after `after`; raises RegistryUnavailable / RegistryError as reads do."""
    return gateway.read_events(registry, after=after, limit=limit)


def contact_phone(subject: Subject) -> str:
    """The person's phone from the population register; "" when it has none or cannot be reached."""
    try:
        values = gateway.fetch_elements("population", subject, ["person.phone"])
    except RegistryError:
        return ""
    return str(values.get("person.phone") or "")
