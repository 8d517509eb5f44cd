"""The work calendar: 工作日 from chinese-calendar, administrators' overrides, a fallback for unknown years."""

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from domain import spreadsheet
from domain.workcalendar import excel, lunar, services
from domain.workcalendar.models import OfficialYear, WorkdayOverride
from domain.workcalendar.port import CalendarPort
from domain.workcalendar.signals import calendar_changed
from processes import ports

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def end_of(y: int, m: int, d: int) -> datetime:
    return at(y, m, d, 18, 0)


@pytest.fixture
def changed_years() -> Iterator[list[int]]:
    years: list[int] = []

    def receiver(sender: object, year: int, **kwargs: object) -> None:
        years.append(year)

    calendar_changed.connect(receiver, dispatch_uid="test-workcalendar")
    yield years
    calendar_changed.disconnect(dispatch_uid="test-workcalendar")


def xlsx(*rows: tuple[object, ...], header: tuple[str, ...] = excel.HEADERS) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "overrides.xlsx"
    return buffer


def test_the_port_is_registered_at_start_up() -> None:
    assert isinstance(ports.calendar(), CalendarPort)


def test_spring_festival_week_2026() -> None:
    """The official 2026 arrangement: off 15–23 February, Saturday 14 February worked in lieu. A task
    created on that last working day with 1 working day is due after the holiday."""
    assert all(not chinese_calendar.is_workday(date(2026, 2, 15) + timedelta(days=i)) for i in range(9))
    assert chinese_calendar.is_workday(date(2026, 2, 14))
    assert services.add_working_days(at(2026, 2, 14, 9), 1) == ports.Due(at=end_of(2026, 2, 24), provisional=False)
    assert services.add_working_days(at(2026, 2, 13, 16), 2).at == end_of(2026, 2, 24)
    # A whole week of holiday is no working time at all.
    assert services.working_days_between(at(2026, 2, 15, 0), at(2026, 2, 24, 0)) == 0.0


def test_a_make_up_saturday_counts_as_a_working_day() -> None:
    """调休: Saturday 14 February 2026 is worked, so Friday + 1 working day ends that Saturday."""
    assert date(2026, 2, 14).weekday() == 5 and services.is_working_day(date(2026, 2, 14))
    assert services.add_working_days(at(2026, 2, 13), 1).at == end_of(2026, 2, 14)
    assert not services.is_working_day(date(2026, 2, 21))  # an ordinary Saturday inside the holiday


def test_a_task_created_on_the_friday_before_a_holiday() -> None:
    """清明 2026 is Saturday 4 – Monday 6 April: from Friday 3 April, 1 working day is Tuesday 7 April,
    whether the task arrives in the morning or after hours; the start day itself never counts."""
    assert services.add_working_days(at(2026, 4, 3, 9), 1).at == end_of(2026, 4, 7)
    assert services.add_working_days(at(2026, 4, 3, 21), 1).at == end_of(2026, 4, 7)
    assert services.add_working_days(at(2026, 4, 3, 9), 0).at == end_of(2026, 4, 3)
    assert services.add_working_days(at(2026, 4, 4, 9), 0).at == end_of(2026, 4, 7)


def test_naive_and_utc_starts_are_read_in_the_calendar_timezone() -> None:
    """Thursday 2 April 20:00 UTC is already Friday 3 April in Shanghai."""
    assert services.add_working_days(datetime(2026, 4, 2, 20, tzinfo=ZoneInfo("UTC")), 1).at == end_of(2026, 4, 7)
    assert services.add_working_days(datetime(2026, 4, 3, 9), 1).at == end_of(2026, 4, 7)
    with pytest.raises(ValueError):
        services.add_working_days(at(2026, 4, 3), -1)


def test_year_boundary_into_a_year_without_official_data() -> None:
    """chinese-calendar 1.11.0 stops at 2026: a deadline into 2027 uses the fallback (1 January off)
    and is provisional, without an exception."""
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 1))
    assert not services.is_working_day(date(2027, 1, 1))
    assert services.is_provisional(date(2027, 1, 1)) and not services.is_provisional(date(2026, 12, 31))
    # Thu 31 Dec, (Fri 1 Jan off), Mon 4, Tue 5, Wed 6, Thu 7.
    assert services.add_working_days(at(2026, 12, 30), 5) == ports.Due(at=end_of(2027, 1, 7), provisional=True)
    assert services.add_working_days(at(2026, 12, 28), 2) == ports.Due(at=end_of(2026, 12, 30), provisional=False)


def test_marking_a_year_official_ends_provisional_due_dates(
    changed_years: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.official_year_mark(year=2027, source="国办发明电〔2026〕7号")
    assert changed_years == [2027]
    assert not services.add_working_days(at(2026, 12, 30), 5).provisional


def test_fallback_holidays_include_the_lunar_festivals() -> None:
    """2027 without official data: 除夕 to 初三 (5–8 Feb), 清明, 1–2 May, 端午, 中秋, 1–3 Oct are off."""
    off = [date(2027, 2, 5), date(2027, 2, 8), date(2027, 4, 5), date(2027, 5, 1), date(2027, 6, 9)]
    off += [date(2027, 9, 15), date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)]
    assert not any(services.is_working_day(day) for day in off)
    assert services.is_working_day(date(2027, 2, 4)) and services.is_working_day(date(2027, 2, 9))
    assert services.add_working_days(at(2200, 1, 1), 1).at == end_of(2200, 1, 2)  # beyond the tables: no crash


def test_lunar_festivals_agree_with_the_official_data() -> None:
    """The offline festival dates fall on the official holidays of every year chinese-calendar knows."""
    for year in range(2004, 2027):
        assert chinese_calendar.get_holiday_detail(lunar.spring_festival(year)) == (True, "Spring Festival")
    for year in range(2008, 2027):  # 清明, 端午 and 中秋 became holidays in 2008
        for day in (lunar.tomb_sweeping_day(year), lunar.dragon_boat_festival(year), lunar.mid_autumn_festival(year)):
            assert chinese_calendar.is_holiday(day), (year, day)


def test_overrides_win_over_chinese_calendar_both_ways() -> None:
    holiday, workday = date(2026, 2, 16), date(2026, 2, 24)
    assert not services.is_working_day(holiday) and services.is_working_day(workday)
    WorkdayOverride.objects.create(date=holiday, is_working_day=True, note="值班")
    override = WorkdayOverride.objects.create(date=workday, is_working_day=False, note="临时放假")
    assert services.is_working_day(holiday) and not services.is_working_day(workday)
    assert services.add_working_days(at(2026, 2, 14), 1).at == end_of(2026, 2, 16)
    assert services.add_working_days(at(2026, 2, 16), 1).at == end_of(2026, 2, 25)
    override.delete()
    assert services.is_working_day(workday)


def test_one_question_reads_the_override_table_once_per_year() -> None:
    """Inside a transaction nothing is cached across questions, but a question spanning months still
    costs one query per year it touches (plus one for the official years when it leaves 2026)."""
    with CaptureQueriesContext(connection) as queries:
        services.working_days_between(at(2026, 3, 1), at(2026, 9, 1))
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        services.add_working_days(at(2026, 12, 1), 30)
    assert len(queries) == 3


@pytest.mark.django_db(transaction=True)
def test_answers_are_cached_between_questions_and_dropped_on_change() -> None:
    """Outside a transaction a year's overrides are read once; saving an override drops them."""
    services.is_working_day(date(2026, 3, 2))
    with CaptureQueriesContext(connection) as queries:
        assert services.is_working_day(date(2026, 3, 2))
    assert len(queries) == 0
    WorkdayOverride.objects.create(date=date(2026, 3, 2), is_working_day=False)
    assert not services.is_working_day(date(2026, 3, 2))


def test_working_days_between_counts_calendar_shares_of_working_days() -> None:
    """Friday 18:00 to Monday 18:00: a quarter of Friday and three quarters of Monday."""
    assert services.working_days_between(at(2026, 3, 6, 18), at(2026, 3, 9, 18)) == 1.0
    assert services.working_days_between(at(2026, 3, 9, 18), at(2026, 3, 6, 18)) == -1.0
    assert services.working_days_between(at(2026, 3, 2, 0), at(2026, 3, 9, 0)) == 5.0


def test_working_hours_between_skip_lunch_and_the_weekend() -> None:
    """Working hours are 09:00–12:00 and 13:30–18:00."""
    assert services.working_hours_between(at(2026, 3, 2, 11), at(2026, 3, 2, 14)) == 1.5
    assert services.working_hours_between(at(2026, 3, 2, 12, 15), at(2026, 3, 2, 13, 15)) == 0.0
    # Friday 17:00 → Monday 10:00: one hour on Friday, one on Monday, none on the weekend.
    assert services.working_hours_between(at(2026, 3, 6, 17), at(2026, 3, 9, 10)) == 2.0
    assert services.working_hours_between(at(2026, 3, 2, 0), at(2026, 3, 3, 0)) == 7.5


def test_excel_import_creates_and_updates_overrides(
    changed_years: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    WorkdayOverride.objects.create(date=date(2027, 2, 7), is_working_day=True, note="旧")
    file = xlsx(
        (datetime(2027, 2, 7), "否", "春节"),
        ("2027-02-20", "是", "春节调休上班"),
        (None, None, None),
        ("2027/10/9", "是 ", None),
    )
    with django_capture_on_commit_callbacks(execute=True):
        summary = services.overrides_import(rows=excel.overrides_from_xlsx(file), official_year=2027, source="国办")
    assert (summary.created, summary.updated, summary.years) == (2, 1, [2027])
    assert dict(WorkdayOverride.objects.values_list("date", "is_working_day")) == {
        date(2027, 2, 7): False,
        date(2027, 2, 20): True,
        date(2027, 10, 9): True,
    }
    assert OfficialYear.objects.get().source == "国办" and changed_years == [2027]
    assert services.is_working_day(date(2027, 2, 20)) and not services.is_provisional(date(2027, 2, 20))


def test_excel_file_over_the_row_or_unzipped_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Like every importer, an override file is refused at the first data row over the row limit (naming
    the limit), and as a whole when it unpacks larger than allowed; nothing is imported."""
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 2)
    rows = [(f"2027-03-0{day}", "否", "") for day in range(1, 6)]
    with pytest.raises(excel.OverrideImportError) as raised:
        excel.overrides_from_xlsx(xlsx(*rows))
    assert [(error.row, error.column) for error in raised.value.errors] == [(4, "")]
    assert "超过 2 行" in str(raised.value)

    monkeypatch.setattr(spreadsheet, "MAX_UNZIPPED_BYTES", 1024)
    with pytest.raises(excel.OverrideImportError) as raised:
        excel.overrides_from_xlsx(xlsx(("2027-03-01", "否", "")))
    assert [error.row for error in raised.value.errors] == [0] and "解压后超过" in str(raised.value)
    assert not WorkdayOverride.objects.exists()


def test_excel_file_with_bad_rows_imports_nothing_and_names_every_row() -> None:
    file = xlsx(
        ("2027-02-07", "否", "春节"),
        ("2027-02-30", "否", ""),
        ("2027-02-20", "可能", ""),
        ("2027-02-07", "是", "重复"),
    )
    with pytest.raises(excel.OverrideImportError) as raised:
        excel.overrides_from_xlsx(file)
    assert [(error.row, error.column) for error in raised.value.errors] == [(3, "日期"), (4, "是否工作日"), (5, "日期")]
    assert "第 5 行" in str(raised.value) and "第 2 行" in str(raised.value)
    assert not WorkdayOverride.objects.exists()
    with pytest.raises(excel.OverrideImportError, match="是否工作日"):
        excel.overrides_from_xlsx(xlsx(("2027-01-01", "否"), header=("日期", "说明")))
    with pytest.raises(excel.OverrideImportError):
        excel.overrides_from_xlsx(io.BytesIO(b"not a workbook"))


def test_admin_import_page_template_and_error_report(admin_client: Client) -> None:
    template = admin_client.get(reverse("admin:workcalendar_workdayoverride_template"))
    assert template.status_code == 200
    header = next(load_workbook(io.BytesIO(template.content)).worksheets[0].iter_rows(values_only=True))
    assert header == excel.HEADERS
    url = reverse("admin:workcalendar_workdayoverride_import")
    assert admin_client.get(url).status_code == 200
    bad = admin_client.post(url, {"file": xlsx(("2027-02-07", "否", ""), ("someday", "否", ""))})
    assert bad.status_code == 200 and "import-errors" in bad.content.decode() and not WorkdayOverride.objects.exists()
    assert [(e.row, e.column) for e in bad.context["errors"]] == [(3, "日期")]
    good = admin_client.post(url, {"file": xlsx(("2027-02-07", "否", "春节"))})
    assert good.status_code == 302 and WorkdayOverride.objects.get().date == date(2027, 2, 7)
    assert admin_client.get(reverse("admin:workcalendar_workdayoverride_changelist")).status_code == 200


def test_admin_edit_announces_the_year(
    admin_client: Client, changed_years: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    add = reverse("admin:workcalendar_workdayoverride_add")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(add, {"date": "2027-10-09", "is_working_day": "on", "note": "调休"})
    assert response.status_code == 302 and changed_years == [2027]
    assert services.is_working_day(date(2027, 10, 9))


@pytest.mark.django_db
def test_zero_days_after_working_hours_is_the_next_working_day() -> None:
    sh = ZoneInfo("Asia/Shanghai")
    # Friday 5 June 2026: before 18:00 the same day; at 20:00 the next working day (Monday).
    assert services.add_working_days(datetime(2026, 6, 5, 10, 0, tzinfo=sh), 0).at == datetime(
        2026, 6, 5, 18, 0, tzinfo=sh
    )
    assert services.add_working_days(datetime(2026, 6, 5, 20, 0, tzinfo=sh), 0).at == datetime(
        2026, 6, 8, 18, 0, tzinfo=sh
    )
