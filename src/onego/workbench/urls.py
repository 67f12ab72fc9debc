from django.urls import path

from onego.workbench import (
    counter,
    dashboard,
    feedback,
    feedback_reports,
    insight,
    lead,
    licences,
    officer,
    queue,
    second_factor,
    views,
)
from onego.workbench import standards as standards_pages

app_name = "workbench"
urlpatterns = [
    path("", dashboard.index, name="index"),
    path("login/", dashboard.LoginView.as_view(), name="login"),
    path("login/verify/", second_factor.second_factor, name="second_factor"),
    path("logout/", dashboard.LogoutView.as_view(), name="logout"),
    # the comprehensive window
    path("counter/", counter.counter, name="counter"),
    path("queue/", queue.queue, name="queue"),
    path("counter/applicant/", counter.counter_applicant, name="counter_applicant"),
    path("counter/clear/", counter.counter_clear, name="counter_clear"),
    path("counter/start/", counter.counter_start, name="counter_start"),
    path("counter/cases/<uuid:case_id>/", counter.counter_case, name="counter_case"),
    path("counter/cases/<uuid:case_id>/consent/", counter.counter_consent, name="counter_consent"),
    path("counter/cases/<uuid:case_id>/save/", counter.counter_save, name="counter_save"),
    path("counter/cases/<uuid:case_id>/accept/", counter.counter_accept, name="counter_accept"),
    path("counter/cases/<uuid:case_id>/refuse/", counter.counter_refuse, name="counter_refuse"),
    path("counter/cases/<uuid:case_id>/supplement/", counter.counter_supplement, name="counter_supplement"),
    path("counter/cases/<uuid:case_id>/receipt/", counter.counter_receipt, name="counter_receipt"),
    path("counter/cases/<uuid:case_id>/notices/<int:number>/", counter.counter_notice, name="counter_notice"),
    path("counter/cases/<uuid:case_id>/deliver/", counter.counter_deliver, name="counter_deliver"),
    path("counter/cases/<uuid:case_id>/<slug:which>.pdf", counter.counter_document, name="counter_document"),
    path("counter/subcases/<uuid:subcase_id>/decide/", counter.counter_window_decide, name="counter_window"),
    path(
        "counter/cases/<uuid:case_id>/notices/issue/",
        counter.counter_issue_notice,
        name="counter_issue_notice",
    ),
    # department officers
    path("inbox/", officer.inbox, name="inbox"),
    path("subcases/<uuid:subcase_id>/", officer.review, name="review"),
    path("subcases/<uuid:subcase_id>/claim/", officer.claim, name="claim"),
    path("subcases/<uuid:subcase_id>/materials/<uuid:material_id>/", officer.material_file, name="material"),
    path("subcases/<uuid:subcase_id>/<slug:action>/", officer.decide, name="decide"),
    # lead departments
    path("lead/", lead.lead, name="lead"),
    path("lead/cases/<uuid:case_id>/", lead.conclusion, name="conclusion"),
    path("lead/cases/<uuid:case_id>/deliver/", lead.lead_deliver, name="lead_deliver"),
    path("lead/cases/<uuid:case_id>/<slug:which>.pdf", lead.lead_document, name="lead_document"),
    # 好差评: rectification work orders, supervision, the window's rating code
    path("feedback/", feedback.rectification_list, name="feedback"),
    path("feedback/supervision/", feedback.supervision, name="feedback_supervision"),
    path("feedback/invite/", feedback.invite, name="feedback_invite"),
    path("feedback/<uuid:rect_id>/", feedback.rectification_detail, name="feedback_detail"),
    path("feedback/<uuid:rect_id>/<slug:action>/", feedback.rectification_act, name="feedback_act"),
    # 办不成事 reports and departmental work orders (onego.feedback)
    path("reports/", feedback_reports.report_list, name="reports"),
    path("reports/new/", feedback_reports.report_new, name="report_new"),
    path("reports/<uuid:report_id>/", feedback_reports.report_detail, name="report_detail"),
    path("reports/<uuid:report_id>/<slug:action>/", feedback_reports.report_act, name="report_act"),
    path(
        "reports/<uuid:report_id>/photos/<uuid:photo_id>/", feedback_reports.report_photo, name="report_photo"
    ),
    path("orders/<uuid:order_id>/<slug:action>/", feedback_reports.order_act, name="order_act"),
    path("feedback/data-reads/", feedback_reports.data_reads, name="feedback_data_reads"),
    path(
        "reports/<uuid:report_id>/photos/<uuid:photo_id>/thumb/",
        feedback_reports.report_photo_thumb,
        name="report_photo_thumb",
    ),
    # the package designer
    path("designer/", views.designer, name="designer"),
    path("designer/preview/", views.preview, name="preview"),
    path("designer/save/", views.save, name="save"),
    path("designer/upload/", views.upload, name="upload"),
    path("designer/changes/", views.changes, name="changes"),
    path("designer/changes/<uuid:change_id>/", views.change, name="change"),
    path("designer/changes/<uuid:change_id>/decide/", views.change_decide, name="change_decide"),
    path("designer/history/<slug:code>/", views.history, name="history"),
    path("designer/export/packages/<slug:code>.yaml", views.export_package, name="export_package"),
    path("designer/export/items.xlsx", views.export_items, name="export_items"),
    # 运行监测看板 (onego.insight): figures from the rollups, exports of each
    path("insight/", insight.insight_dashboard, name="insight"),
    path("insight/export/<slug:figure>.<slug:ext>", insight.insight_export, name="insight_export"),
    # 标准化: standards drift, item-name review, package proposals (onego.standards)
    path("standards/drift/", standards_pages.drift, name="standards_drift"),
    path("standards/names/", standards_pages.names, name="standards_names"),
    path(
        "standards/names/<uuid:mapping_id>/review/", standards_pages.name_review, name="standards_name_review"
    ),
    path("standards/proposals/", standards_pages.proposals, name="standards_proposals"),
    path(
        "standards/proposals/refresh/", standards_pages.proposals_refresh, name="standards_proposals_refresh"
    ),
    path(
        "standards/proposals/<uuid:proposal_id>/decide/",
        standards_pages.proposal_decide_view,
        name="standards_proposal_decide",
    ),
    # The e-licence view (亮证) of a licence a case produced: onego.cases.licence_view
    path("cases/<uuid:case_id>/licences/<str:identifier>/", licences.case_licence, name="case_licence"),
    path(
        "cases/<uuid:case_id>/licences/<str:identifier>/licence.pdf",
        licences.case_licence_pdf,
        name="case_licence_pdf",
    ),
]
