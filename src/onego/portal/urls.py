from django.urls import path

from onego.portal import (
    views,
    views_apply,
    views_consents,
    views_documents,
    views_feedback,
    views_licences,
    views_me,
    views_others,
    views_outreach,
    views_proposals,
    views_signin,
)

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("ask/", views.ask, name="ask"),
    path("packages/<slug:code>/", views.package_guide, name="package_guide"),
    path("display/large-text/", views.toggle_large_text, name="toggle_large_text"),
    # Applicant sign-in
    path("login/", views_signin.sign_in, name="login"),
    path("login/code/", views_signin.sign_in_code, name="login_code"),
    path("login/code/resend/", views_signin.sign_in_resend, name="login_resend"),
    path("logout/", views_signin.sign_out, name="logout"),
    path("me/subject/", views_signin.choose_subject, name="choose_subject"),
    # The guided path
    path("packages/<slug:code>/apply/", views_apply.apply_start, name="apply_start"),
    path("apply/<uuid:draft_id>/", views_apply.apply_resume, name="apply_resume"),
    path("apply/<uuid:draft_id>/questions/<int:n>/", views_apply.apply_question, name="apply_question"),
    path("apply/<uuid:draft_id>/contact/", views_apply.apply_contact, name="apply_contact"),
    path("apply/<uuid:draft_id>/consent/", views_apply.apply_consent, name="apply_consent"),
    path("apply/<uuid:draft_id>/form/", views_apply.apply_form, name="apply_form"),
    path("apply/<uuid:draft_id>/form/field/", views_apply.apply_field, name="apply_field"),
    path("apply/<uuid:draft_id>/materials/", views_apply.apply_materials, name="apply_materials"),
    path(
        "apply/<uuid:draft_id>/materials/<slug:material>/upload/",
        views_apply.apply_upload,
        name="apply_upload",
    ),
    path(
        "apply/<uuid:draft_id>/materials/<slug:material>/remove/",
        views_apply.apply_remove_upload,
        name="apply_remove_upload",
    ),
    path("apply/<uuid:draft_id>/review/", views_apply.apply_review, name="apply_review"),
    path("apply/<uuid:draft_id>/discard/", views_apply.apply_discard, name="apply_discard"),
    # 我的办件
    path("me/cases/", views_me.my_cases, name="my_cases"),
    path("me/cases/<str:case_id>/", views_me.my_case, name="my_case"),
    path("me/cases/<str:case_id>/submitted/", views_me.my_case_submitted, name="my_case_submitted"),
    path("me/cases/<str:case_id>/supplement/", views_me.my_case_supplement, name="my_case_supplement"),
    path("me/cases/<str:case_id>/correct/", views_me.my_case_correct, name="my_case_correct"),
    path("me/messages/", views_me.my_messages, name="my_messages"),
    path("me/data-reads/", views_me.my_data_reads, name="my_data_reads"),
    # 好差评: rate one's case; the window's short code; the public figures
    path("me/cases/<str:case_id>/evaluate/", views_feedback.evaluate, name="evaluate"),
    path("r/<slug:code>", views_feedback.rate_at_window, name="rate_at_window"),
    path("satisfaction/", views_feedback.public_satisfaction, name="public_satisfaction"),
    path("me/reports/", views_feedback.my_reports, name="my_reports"),  # 办不成事反映
    path(
        "me/reports/<uuid:report_id>/photos/<uuid:photo_id>/",
        views_feedback.my_report_photo,
        name="my_report_photo",
    ),
    path(
        "me/reports/<uuid:report_id>/photos/<uuid:photo_id>/thumb/",
        views_feedback.my_report_photo_thumb,
        name="my_report_photo_thumb",
    ),
    path("me/consents/", views_consents.my_consents, name="my_consents"),
    path(
        "me/consents/<str:consent_id>/withdraw/",
        views_consents.my_consent_withdraw,
        name="my_consent_withdraw",
    ),
    # Another adult's own consent: the applicant asks, the person answers as themself (onego.applications.others)
    path("apply/<uuid:draft_id>/others/", views_others.apply_others, name="apply_others"),
    path("consent/ask/<str:token>/", views_others.person_consent, name="person_consent"),
    # Result documents: the QR code's verification page (public) and the PDF (staff and applicant)
    path("verify/licence/<str:token>", views_licences.verify_licence, name="verify_licence"),
    path("verify/<str:token>", views_documents.verify_document, name="verify_document"),
    path(
        "documents/<uuid:case_id>/<slug:kind>.pdf",
        views_documents.document_download,
        name="document_download",
    ),
    # 为您推荐 (proactive offers) and 我的常用 (pins): onego.outreach
    path("me/offers/", views_outreach.my_offers, name="my_offers"),
    path("me/offers/preferences/", views_outreach.offer_preferences, name="offer_preferences"),
    path("me/offers/<uuid:offer_id>/start/", views_outreach.offer_start, name="offer_start"),
    path("me/offers/<uuid:offer_id>/dismiss/", views_outreach.offer_dismiss, name="offer_dismiss"),
    path("me/pins/", views_outreach.pin, name="pin"),
    # 新一件事建议 (onego.standards): the public list, proposing and supporting
    path("proposals/", views_proposals.proposal_list, name="proposals"),
    path("proposals/new/", views_proposals.proposal_new, name="proposal_new"),
    path("proposals/<uuid:proposal_id>/", views_proposals.proposal_detail, name="proposal_detail"),
    path(
        "proposals/<uuid:proposal_id>/support/",
        views_proposals.proposal_support_view,
        name="proposal_support",
    ),
    # 我的证照 and the e-licence view (亮证): onego.cases.licence_view
    path("me/licences/", views_licences.my_licences, name="my_licences"),
    path("me/licences/<str:identifier>/", views_licences.my_licence, name="my_licence"),
    path("me/licences/<str:identifier>/licence.pdf", views_licences.my_licence_pdf, name="my_licence_pdf"),
]
