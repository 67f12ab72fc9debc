"""Hooks for what follows a conclusion and for partner steps.

Each is called from exactly one place in the engine, inside that service's transaction.

- `produce_results(conclusion=…)`, called by `case_issue_conclusion` right after the conclusion is
  issued: enqueues the durable task `tasks.produce_conclusion_results` in the same transaction
  (so a committed conclusion cannot lose it; a rolled-back one leaves no task). The task
  (`services.results.produce_results_now`, idempotent, keyed by the conclusion and per sub-case)
  issues the e-licences into the e-licence library, renders and signs the conclusion PDF (and the
  integrated licence, 一业一证), and sets `results_status = produced`. Delivery is
  `services.results.conclusion_deliver`.
- `dispatch_partner_step(subcase=…)`, called when a partner sub-case (bank account opening, utility
  transfer) becomes PENDING: a `PartnerDelivery` and its task, in the caller's transaction
  (`services.partners.partner_dispatch`); the partner reports back through the signed callback
  (`services.partner_callbacks`), which calls `services.decisions.subcase_partner_report`.
"""

from __future__ import annotations

from onego.cases.models import Conclusion, SubCase


def produce_results(*, conclusion: Conclusion) -> None:
    """Enqueue the production of the results (e-licences, signed PDFs), in the caller's transaction."""
    # Imported here: tasks are imported by services, and results is imported early.
    from onego.cases.tasks import produce_conclusion_results

    produce_conclusion_results.enqueue(str(conclusion.pk))


def dispatch_partner_step(*, subcase: SubCase) -> None:
    """Hand a partner step to its partner: signed webhook, retries with back-off (see above)."""
    # Imported here: services.partners reaches the notify/tasks modules, results is imported early.
    from onego.cases.services.partners import partner_dispatch

    partner_dispatch(subcase=subcase)
