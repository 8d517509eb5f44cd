"""绩效通 URLs (the PerformanceApp in webui/site.py mounts them under /performance/)."""

from django.urls import URLPattern, path

from . import manual, questionnaire, results, rounds, systems

urlpatterns: list[URLPattern] = [
    path("systems/", systems.system_index, name="systems"),
    path("systems/<int:indicator_system_id>/", systems.system_page, name="system"),
    path("systems/<int:indicator_system_id>/publish/", systems.system_publish, name="system_publish"),
    path("systems/<int:indicator_system_id>/copy/", systems.system_copy, name="system_copy"),
    path("nodes/<int:node_id>/", systems.node_edit, name="node_edit"),
    path("nodes/<int:node_id>/delete/", systems.node_delete, name="node_delete"),
    path("rounds/", rounds.round_index, name="rounds"),
    path("rounds/<int:round_id>/", rounds.round_page, name="round"),
    path("rounds/<int:round_id>/fields/", rounds.round_field_add, name="round_field_add"),
    path("rounds/<int:round_id>/close/", rounds.round_close, name="round_close"),
    path("rounds/<int:round_id>/score/", rounds.round_score, name="round_score"),
    path("rounds/<int:round_id>/publish/", rounds.round_publish, name="round_publish"),
    path("rounds/<int:round_id>/template.xlsx", rounds.round_template, name="round_template"),
    path("rounds/<int:round_id>/upload/", rounds.round_upload, name="round_upload"),
    path("rounds/<int:round_id>/manual/", manual.manual_scores, name="manual_scores"),
    path("rounds/<int:round_id>/ranking/", results.ranking, name="ranking"),
    path("rounds/<int:round_id>/units/<int:unit_id>/", results.unit_result_page, name="result"),
    path("rounds/<int:round_id>/units/<int:unit_id>/rectify/", results.rectify, name="rectify"),
    path("rounds/<int:round_id>/units/<int:unit_id>/compare/", results.compare, name="compare"),
    path("rounds/<int:round_id>/units/<int:unit_id>/report.xlsx", results.report_xlsx, name="report_xlsx"),
    path("rounds/<int:round_id>/units/<int:unit_id>/report.pdf", results.report_pdf, name="report_pdf"),
    path("entry/<int:unit_id>/", rounds.unit_entry, name="unit_entry"),
    path("q/<str:token>/", questionnaire.questionnaire, name="questionnaire"),
]
