"""Case services, one module per concern; every write to a case goes through one of these.

    submission    case_submit, case_pre_review, case_correct, case_submit_draft, case_issue_notice, case_withdraw
    acceptance    case_accept, case_refuse, subcase_accept_registered
    decisions     subcase_claim, subcase_approve, subcase_reject, subcase_decide_at_window,
                  subcase_reassign, subcase_review_instant, subcase_partner_report
    supplements   subcase_request_supplement, supplement_answer,
                  subcase_start_special_procedure, subcase_end_special_procedure
    conclusion    case_issue_conclusion (and fire_join, used by distribution)
    deadlines     calendar_year_entered, recompute_provisional_deadlines, reschedule_deadline_checks
    distribution  the engine behind them: distribute, start, decide, release/cancel, instant rules
    notify        the outbox (notify_applicant, notify_staff, deliver_notification, sweep_outbox)

Import from the module that owns a service (`from onego.cases.services.decisions import
subcase_approve`), so grep finds the definition.
"""
