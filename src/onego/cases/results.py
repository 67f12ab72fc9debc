"""Hooks for what follows a conclusion and for partner steps.

`dispatch_partner_step` is wired to the partner API (services/partners.py). `produce_results` is
NOT IMPLEMENTED YET — by design.

These are the seams where the parts of issue #4 that are left for later plug in. Each is called
from exactly one place in the engine, inside that service's transaction, and today does nothing
beyond leaving the conclusion's `results_status` at "pending" (so nothing claims a result exists).

- `produce_results(conclusion=…)`, called by `case_issue_conclusion` right after the conclusion is
  issued. To be wired to:
    * e-licences: for each approved item sub-case whose catalog item has a `result_licence_type`,
      `onego.registries.gateway.issue_licence(...)` into the e-licence library (idempotent per
      sub-case: key it by the sub-case id), appending to `conclusion.results`;
    * the conclusion document (PDF with QR code and signature) saved to `conclusion.document`;
    * delivery: electronic / pickup / post (tracking number in `conclusion.tracking_number`).
  Slow or external work belongs in a django-tasks task enqueued here (same transaction), keyed by
  the conclusion id, setting `results_status = produced` when done.
- `dispatch_partner_step(subcase=…)`, called when a partner sub-case (bank account opening, utility
  transfer) becomes PENDING: a `PartnerDelivery` and its task, in the caller's transaction
  (`services.partners.partner_dispatch`); the partner reports back through the signed callback
  (`services.partner_callbacks`), which calls `services.decisions.subcase_partner_report`.
"""

from __future__ import annotations

from onego.cases.models import Conclusion, SubCase


def produce_results(*, conclusion: Conclusion) -> None:
    """Results of an issued conclusion (e-licences, PDF, delivery). Not implemented: see above."""
    return None


def dispatch_partner_step(*, subcase: SubCase) -> None:
    """Hand a partner step to its partner: signed webhook, retries with back-off (see above)."""
    # Imported here: services.partners reaches the notify/tasks modules, results is imported early.
    from onego.cases.services.partners import partner_dispatch

    partner_dispatch(subcase=subcase)
