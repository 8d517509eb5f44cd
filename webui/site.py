"""The viewflow Site: one Application per suite. Titles are Chinese msgids, translated at render."""

from django.urls import path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from viewflow.urls import Application, Site

from webui.views.placeholders import coming_soon
from webui.views.workbench import inbox


class WorkbenchApp(Application):
    app_name = "workbench"
    title = _("工作台")
    icon = "inbox"
    menu_template_name = None
    index_path = path("", inbox, name="index")


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
        _coming_soon_app("supervision", _("督办"), "notification_important"),
        _coming_soon_app("audit", _("审计"), "fact_check"),
        _coming_soon_app("data", _("数据通"), "storage"),
        _coming_soon_app("services", _("政务通"), "account_balance"),
        _coming_soon_app("policy", _("政策通"), "policy"),
        _coming_soon_app("performance", _("绩效通"), "insights"),
    ],
)
