"""Turn a driver's exception into an error kind and a message a person understands (中文 / English).

The driver's own first line is appended for the operator, with the password scrubbed out in case a
driver ever echoes its connection string.
"""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

if TYPE_CHECKING:
    from .readers import Target

_MESSAGES = {
    "auth": (
        gettext_noop("用户名或密码错误，或该用户无权访问此数据库"),
        "wrong user name or password, or no access to this database",
    ),
    "network": (
        gettext_noop("无法连接到数据库服务器，请检查主机、端口和网络"),
        "cannot reach the database server: check host, port and network",
    ),
    "timeout": (gettext_noop("连接或读取超时"), "the connection or a catalog query timed out"),
    "not_found": (gettext_noop("数据库不存在"), "the database does not exist"),
    "other": (gettext_noop("读取数据库结构失败"), "reading the database schema failed"),
    "password": (
        gettext_noop("已保存的密码无法解密，请重新填写密码"),
        "the stored password cannot be decrypted: enter it again",
    ),
    "sqlite_unset": (
        gettext_noop("未配置允许探测的 SQLite 目录（设置 TONGBAN_PROBE_SQLITE_DIRS），SQLite 探针不可用"),
        "SQLite probes are disabled: no directory is allowed (setting TONGBAN_PROBE_SQLITE_DIRS)",
    ),
    "sqlite_outside": (
        gettext_noop("SQLite 文件不在允许探测的目录中（设置 TONGBAN_PROBE_SQLITE_DIRS）"),
        "the SQLite file is outside the directories probes may read (setting TONGBAN_PROBE_SQLITE_DIRS)",
    ),
    "target_changed": (
        gettext_noop("采集过程中探针的连接目标被修改，本次结果已丢弃，请重新采集"),
        "the probe was pointed at another database during the run: its result was discarded, run it again",
    ),
}


_KINDS = ("auth", "network", "timeout", "not_found", "other")  # ErrorKind values


class ProbeFailure(Exception):
    """A run that could not read the schema; `kind` is an ErrorKind value, `message` is safe to show."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    @classmethod
    def of(cls, kind: str, target: "Target | None" = None, detail: str = "", *, text: str = "") -> "ProbeFailure":
        chinese, english = _MESSAGES[text or kind]
        where = f"（{target.host or target.database}:{target.port or ''}）" if target is not None else ""
        message = f"{_(chinese)}{where} / {english}"
        if detail:
            message += f" — {_scrub(detail, target)}"
        return cls(kind if kind in _KINDS else "other", message)


def _scrub(detail: str, target: "Target | None") -> str:
    line = detail.strip().splitlines()[0] if detail.strip() else ""
    if target is not None and target.password:
        line = line.replace(target.password, "***")
    return line[:300]


def _text(error: BaseException) -> str:
    return str(error).lower()


def classify_postgres(error: Any, target: "Target", *, connecting: bool) -> ProbeFailure:
    text, code = _text(error), getattr(error, "pgcode", None)
    if code == "57014" or "timeout expired" in text or "timed out" in text:
        kind = "timeout"
    elif (
        code in ("28P01", "28000", "42501")
        or "password authentication failed" in text
        or ("role" in text and "does not exist" in text)
    ):
        kind = "auth"
    elif code == "3D000" or ("database" in text and "does not exist" in text):
        kind = "not_found"
    elif connecting and any(
        marker in text
        for marker in ("connection refused", "could not translate host", "no route", "unreachable", "could not connect")
    ):
        kind = "network"
    else:
        kind = "other"
    return ProbeFailure.of(kind, target, str(error))


# PyMySQL / MySQL client and server error numbers.
_MYSQL_KINDS = {
    1044: "auth",
    1045: "auth",
    1698: "auth",
    1049: "not_found",
    2003: "network",
    2005: "network",
    2013: "network",
    1969: "timeout",
    3024: "timeout",
}


def classify_mysql(error: Any, target: "Target") -> ProbeFailure:
    number = error.args[0] if error.args and isinstance(error.args[0], int) else None
    kind = _MYSQL_KINDS.get(number or 0, "other")
    if "timed out" in _text(error):
        kind = "timeout"
    return ProbeFailure.of(kind, target, str(error))


def classify_sqlite(error: Any, target: "Target", *, interrupted: bool = False) -> ProbeFailure:
    text = _text(error)
    if interrupted or "interrupted" in text:
        kind = "timeout"
    elif "locked" in text:
        kind = "timeout"
    elif "unable to open" in text:
        kind = "not_found"
    else:
        kind = "other"
    return ProbeFailure.of(kind, target, str(error))
