"""督查督办 task list (任务清单) benchmark (issue 7): one page of 25 out of an office's thousands of items.

    .venv/bin/python -m tests.benchmarks.task_list [--items 5000] [--target-ratio 0.2] [--keep-db]

The Django database `tongban_bench_task_list` (BENCH_DB_NAME) on the server of DATABASE_URL is created,
migrated and dropped; the database named in DATABASE_URL itself is never written.

Built (untimed): ITEMS dispatched items of one office, each with a lead and a co-unit and a progress report
on every tenth, due dates spread so every colour occurs. Timed side by side, median of 5 runs each:
  - page: what the list page does — `item_rows(...)`, `count()` and the slice of page 40;
  - whole: every row computed (`item_list`), then the same slice — what the page did before.
  - red / text: page 1 of the red filter and of a title search, as the page does it — `count()` and the
    slice of page 1.
Printed: the times and page / whole. Exit status 1 when the page takes TARGET_RATIO of the whole or more
(a ratio measured in one run, so the machine's load cancels out), or a check fails (the page's rows are the
whole's slice; counts agree).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from typing import Any

if not os.environ.get("DJANGO_SETTINGS_MODULE", "").startswith("tests.benchmarks"):
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.benchmarks.settings"
os.environ.setdefault("BENCH_DB_NAME", "tongban_bench_task_list")

PAGE, PAGE_SIZE, RUNS = 40, 25, 5


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--target-ratio", type=float, default=0.2)
    parser.add_argument("--keep-db", action="store_true")
    return parser.parse_args(argv)


def _build(count: int) -> int:
    from django.utils import timezone

    from domain.supervision.models import ProgressReport, SupervisionItem, SupervisionUnit
    from tests import factories as f

    district = f.department("330106", "西湖区")
    office = f.department("330106-DCS", "西湖区督查室", parent=district)
    lead = f.department("330106-SCJG", "西湖区市场监管局", parent=district)
    co = f.department("330106-MZ", "西湖区民政局", parent=district)
    now = timezone.now()
    items = SupervisionItem.objects.bulk_create(
        SupervisionItem(
            title=f"督查事项 {n:05d}",
            source="document",
            source_reference=f"西政督〔2026〕{n}号",
            requirements="按要求办理。",
            office=office,
            time_limit_days=15,
            status="in_progress",
            dispatched_at=now - timedelta(days=20),
            due_at=now + timedelta(days=(n % 40) - 10),
        )
        for n in range(count)
    )
    units = SupervisionUnit.objects.bulk_create(
        SupervisionUnit(
            item=item,
            department=department,
            role=role,
            status="handling",
            due_at=item.due_at,
            assigned_at=item.dispatched_at,
            accepted_at=item.dispatched_at,
            returned_count=1 if n % 17 == 0 else 0,
        )
        for n, item in enumerate(items)
        for department, role in ((lead, "lead"), (co, "co"))
    )
    ProgressReport.objects.bulk_create(
        ProgressReport(item=unit.item, unit=unit, text="进行中", percent=40, submitted_at=now) for unit in units[::20]
    )
    return int(office.pk)


def _median(run: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _bench(args: argparse.Namespace) -> int:
    from django.db import connection
    from django.utils import timezone

    from domain.supervision.selectors import ItemRows, item_list, item_rows

    office_id = _build(args.items)
    now = timezone.now()
    start, end = (PAGE - 1) * PAGE_SIZE, PAGE * PAGE_SIZE

    def page() -> tuple[int, list[int]]:
        rows = item_rows(office_id=office_id, now=now)
        assert isinstance(rows, ItemRows)  # pages lazily
        return rows.count(), [row.item.pk for row in rows[start:end]]

    def whole() -> tuple[int, list[int]]:
        rows = item_list(office_id=office_id, now=now)
        return len(rows), [row.item.pk for row in rows[start:end]]

    def first_page(**filters: Any) -> tuple[int, list[int]]:
        """What the list page does for a filter: count the matches, then fetch page 1."""
        rows = item_rows(office_id=office_id, now=now, **filters)
        assert isinstance(rows, ItemRows)  # red and text filter in SQL and page lazily
        return rows.count(), [row.item.pk for row in rows[0:PAGE_SIZE]]

    page_s, page_result = _median(page)
    whole_s, whole_result = _median(whole)
    red_s, (red_count, red_page) = _median(lambda: first_page(colour="red"))
    text_s, (text_count, text_page) = _median(lambda: first_page(q="〔2026〕123号"))
    ratio = page_s / whole_s
    print(f"database: {connection.vendor}; {args.items} items × 2 units; page {PAGE} of {PAGE_SIZE}")
    print(f"  page  (item_rows count + slice): {page_s * 1000:8.1f} ms")
    print(f"  whole (item_list, then slice):   {whole_s * 1000:8.1f} ms")
    print(f"  red filter, page 1 ({red_count} items):  {red_s * 1000:8.1f} ms")
    print(f"  text filter, page 1 ({text_count} item):   {text_s * 1000:8.1f} ms")
    print(f"  page / whole = {ratio:.3f} (target < {args.target_ratio})")
    checks = [
        page_result == whole_result,
        text_count == len(text_page) == 1,
        red_count > 0 and len(red_page) == min(red_count, PAGE_SIZE),
    ]
    if not all(checks):
        print(f"FAILED checks: {checks}")
        return 1
    return 0 if ratio < args.target_ratio else 1


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    from .database import bench_database

    with bench_database("task list benchmark", keep=args.keep_db, postgresql_only=False):
        return _bench(args)


if __name__ == "__main__":
    sys.exit(main())
