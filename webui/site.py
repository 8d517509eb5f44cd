"""The viewflow Site: one Application per suite. Titles are Chinese msgids, translated at render."""

from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from webui.views import (
    designer,
    flows,
    flows_migration,
    flows_versions,
    form_editor,
    notifications,
    supervision,
    supervision_items,
    supervision_items_plan,
    supervision_items_problems,
    supervision_ranking,
    supervision_reports,
    workbench,
)
from webui.views.attachments import attachment_download
from webui.views.audit import audit_event, audit_export_download, audit_search, audit_verify_chain
from webui.views.case import case_page
from webui.views.data import urls as data_urls
from webui.views.data.home import data_home
from webui.views.performance import home as performance_home
from webui.views.performance import urls as performance_urls
from webui.views.placeholders import coming_soon
from webui.views.task import task_page
from webui.views.workbench import inbox


class WorkbenchApp(Application):
    """The clerk's pages. The task and case pages live here too, so they keep the shell's menu."""

    app_name = "workbench"
    title = _("工作台")
    icon = "inbox"
    menu_template_name = None
    index_path = path("", inbox, name="index")
    claim_path = path("claim/", workbench.inbox_claim, name="inbox_claim")
    filter_save_path = path("filters/", workbench.inbox_filter_save, name="inbox_filter_save")
    filter_delete_path = path(
        "filters/<int:filter_id>/delete/", workbench.inbox_filter_delete, name="inbox_filter_delete"
    )
    task_path = path("tasks/<int:task_id>/", task_page, name="task_page")
    case_path = path("cases/<int:instance_id>/", case_page, name="case")
    attachment_path = path("attachments/<int:attachment_id>/", attachment_download, name="attachment_download")


class NotificationsApp(Application):
    app_name = "notifications"
    title = _("通知")
    icon = "notifications"
    menu_template_name = None
    index_path = path("", notifications.notification_list, name="index")
    badge_path = path("badge/", notifications.notification_badge, name="badge")
    read_all_path = path("read-all/", notifications.notifications_read_all, name="read_all")
    read_path = path("<int:notification_id>/read/", notifications.notification_read, name="read")
    open_path = path("<int:notification_id>/open/", notifications.notification_open, name="open")


class FlowsApp(Application):
    app_name = "flows"
    title = _("流程")
    icon = "account_tree"
    menu_template_name = None
    index_path = path("", flows.definitions, name="index")
    # Before "<key>/": these fixed paths win over a process key of the same name.
    incidents_path = path("incidents/", flows.incidents, name="incidents")
    retry_path = path("incidents/<int:incident_id>/retry/", flows.retry, name="retry")
    skip_path = path("incidents/<int:incident_id>/skip/", flows.skip, name="skip")
    designer_path = path("designer/", designer.drafts, name="designer")
    designer_new_path = path("designer/new/", designer.draft_new, name="designer_new")
    designer_upload_path = path("designer/upload/", designer.draft_upload_page, name="designer_upload")
    designer_modeler_path = path("designer/<int:draft_id>/", designer.modeler, name="designer_modeler")
    designer_delete_path = path("designer/<int:draft_id>/delete/", designer.draft_remove, name="designer_delete")
    form_list_path = path("designer/<int:draft_id>/forms/", form_editor.form_list, name="form_list")
    form_editor_path = path(
        "designer/<int:draft_id>/forms/<str:form_key>/", form_editor.form_editor, name="form_editor"
    )
    form_preview_path = path(
        "designer/<int:draft_id>/forms/<str:form_key>/preview/", form_editor.form_preview, name="form_editor_preview"
    )
    form_delete_path = path(
        "designer/<int:draft_id>/forms/<str:form_key>/delete/", form_editor.form_delete, name="form_delete"
    )
    versions_path = path("<str:key>/", flows_versions.versions, name="versions")
    diff_path = path("<str:key>/diff/", flows_versions.diff, name="diff")
    migrate_path = path("<str:key>/migrate/", flows_migration.migrate, name="migrate")
    migrate_dry_run_path = path("<str:key>/migrate/dry-run/", flows_migration.migrate_dry_run, name="migrate_dry_run")
    migrate_run_path = path("<str:key>/migrate/run/", flows_migration.migrate_run, name="migrate_run")
    migration_rollback_path = path(
        "<str:key>/migrate/batches/<int:batch_id>/rollback/",
        flows_migration.migration_rollback_view,
        name="migration_rollback",
    )
    migration_job_path = path(
        "<str:key>/migrate/jobs/<int:job_id>/", flows_migration.migration_job_view, name="migration_job"
    )
    download_path = path("<str:key>/v<int:version>/bpmn/", flows_versions.definition_download, name="download")


class SupervisionApp(Application):
    app_name = "supervision"
    title = _("督办")
    icon = "notification_important"
    menu_template_name = None
    index_path = path("", supervision.supervision_list, name="index")
    remind_path = path("tasks/<int:task_id>/remind/", supervision.supervision_remind, name="remind")
    reassign_path = path("reassign/", supervision.supervision_reassign, name="reassign")
    extensions_path = path("extensions/", supervision.extensions, name="extensions")
    decide_path = path("extensions/<int:request_id>/decide/", supervision.extension_decision, name="decide")
    league_path = path("league/", supervision.league, name="league")
    league_xlsx_path = path("league/xlsx/", supervision.league_download, name="league_xlsx")
    items_path = path("items/", supervision_items.item_index, name="items")
    item_new_path = path("items/new/", supervision_items.item_new, name="item_new")
    item_path = path("items/<int:item_id>/", supervision_items.item_page, name="item")
    item_dispatch_path = path("items/<int:item_id>/dispatch/", supervision_items.item_dispatch, name="item_dispatch")
    item_write_off_path = path(
        "items/<int:item_id>/write-off/", supervision_items.item_write_off, name="item_write_off"
    )
    item_split_path = path("items/<int:item_id>/split/", supervision_items.item_split, name="item_split")
    milestone_add_path = path(
        "items/<int:item_id>/milestones/", supervision_items_plan.milestone_add, name="milestone_add"
    )
    milestone_done_path = path(
        "milestones/<int:milestone_id>/done/", supervision_items_plan.milestone_done, name="milestone_done"
    )
    attachment_add_path = path(
        "items/<int:item_id>/attachments/", supervision_items_plan.attachment_add, name="attachment_add"
    )
    item_attachment_path = path(
        "items/attachments/<int:attachment_id>/", supervision_items.item_attachment, name="item_attachment"
    )
    problems_path = path("problems/", supervision_items_problems.problem_index, name="problems")
    problem_resolve_path = path(
        "problems/<int:problem_id>/resolve/", supervision_items_problems.problem_resolve, name="problem_resolve"
    )
    problem_assign_path = path(
        "problems/<int:problem_id>/assign/", supervision_items_problems.problem_assign, name="problem_assign"
    )
    ranking_path = path("ranking/", supervision_ranking.ranking, name="ranking")
    ranking_publish_path = path("ranking/publish/", supervision_ranking.ranking_publish_view, name="ranking_publish")
    ranking_snapshots_path = path("ranking/snapshots/", supervision_ranking.snapshot_list, name="ranking_snapshots")
    ranking_snapshot_path = path(
        "ranking/snapshots/<int:snapshot_id>/", supervision_ranking.snapshot_page, name="ranking_snapshot"
    )
    ranking_snapshot_verify_path = path(
        "ranking/snapshots/<int:snapshot_id>/verify/",
        supervision_ranking.snapshot_verify,
        name="ranking_snapshot_verify",
    )
    ranking_snapshot_xlsx_path = path(
        "ranking/snapshots/<int:snapshot_id>/xlsx/",
        supervision_ranking.snapshot_download,
        name="ranking_snapshot_xlsx",
    )
    reports_path = path("reports/", supervision_reports.reports, name="reports")
    reports_download_path = path("reports/download/", supervision_reports.report_download, name="reports_download")
    reports_stored_xlsx_path = path(
        "reports/stored/<int:report_id>/xlsx/",
        supervision_reports.stored_report_download,
        {"kind": "xlsx"},
        name="reports_stored_xlsx",
    )
    reports_stored_pdf_path = path(
        "reports/stored/<int:report_id>/pdf/",
        supervision_reports.stored_report_download,
        {"kind": "pdf"},
        name="reports_stored_pdf",
    )


class DataApp(Application):
    app_name = "data"
    title = _("数据通")
    icon = "storage"
    menu_template_name = None
    index_path = path("", data_home, name="index")
    urlpatterns = data_urls.urlpatterns


class PerformanceApp(Application):
    app_name = "performance"
    title = _("绩效通")
    icon = "insights"
    menu_template_name = None
    index_path = path("", performance_home.performance_home, name="index")
    urlpatterns = performance_urls.urlpatterns


class AuditApp(Application):
    app_name = "audit"
    title = _("审计")
    icon = "fact_check"
    menu_template_name = None
    index_path = path("", audit_search, name="index")
    event_path = path("events/<int:event_id>/", audit_event, name="event")
    verify_path = path("verify/", audit_verify_chain, name="verify")
    export_path = path("export/", audit_export_download, name="export")


def _coming_soon_app(name: str, title: Promise, icon: str) -> Application:
    """A suite whose pages a later issue fills in; until then its index says so."""
    cls = type(
        f"{name.title()}App",
        (Application,),
        {
            "app_name": name,
            "title": title,
            "icon": icon,
            "menu_template_name": None,
            "index_path": path("", coming_soon, name="index"),
        },
    )
    return cls()


site = Site(
    title="通办 Tongban",
    viewsets=[
        WorkbenchApp(),
        FlowsApp(),
        SupervisionApp(),
        AuditApp(),
        NotificationsApp(),
        DataApp(),
        _coming_soon_app("services", _("政务通"), "account_balance"),
        _coming_soon_app("policy", _("政策通"), "policy"),
        PerformanceApp(),
    ],
)
