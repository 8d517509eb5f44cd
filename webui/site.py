"""The viewflow Site: one Application per suite. Titles are Chinese msgids, translated at render."""

from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from webui.views import supervision
from webui.views.audit import audit_event, audit_export_download, audit_search, audit_verify_chain
from webui.views.placeholders import coming_soon
from webui.views.workbench import inbox


class WorkbenchApp(Application):
    app_name = "workbench"
    title = _("工作台")
    icon = "inbox"
    menu_template_name = None
    index_path = path("", inbox, name="index")


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
        _coming_soon_app("flows", _("流程"), "account_tree"),
        SupervisionApp(),
        AuditApp(),
        _coming_soon_app("data", _("数据通"), "storage"),
        _coming_soon_app("services", _("政务通"), "account_balance"),
        _coming_soon_app("policy", _("政策通"), "policy"),
        _coming_soon_app("performance", _("绩效通"), "insights"),
    ],
)
