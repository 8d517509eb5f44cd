"""清洗比对 benchmark (issue 6): cluster 250,000 fields in under 60 s with under 2 GB peak memory.

    .venv/bin/python -m tests.benchmarks.cleansing [--fields 250000] [--seed 6] [--profile] [--db]

The fields are generated, deterministically, to look like a provincial estate: thousands of tables in
a few hundred systems; every table has technical columns (id, create_time …); business tables carry the
DOMAIN.md names and their variants (身份证号 / sfzhm / GMSFHM …, the must-not-merge names too), names
built from object, property and representation words (车辆登记日期, 房屋坐落地址 …) in Chinese and as
pinyin abbreviations (40 % with the Chinese name as column comment, as probes find them; some typed
in full-width letters), numbered spellings, names with an inserted word (车辆信息登记日期), and many
unrelated column names. Only the engine is timed (no database): `cluster_fields` with the built-in
synonym sets. Peak memory is the process's RSS high-water mark (getrusage), generation included. Verified: the
DOMAIN.md groups come out as one cluster each and the must-not-merge names stay apart. Exit status 1
when a target is missed or the verification fails.

`--db` additionally runs the whole service (`cleansing_run_execute`: collect from a registered source,
cluster, write clusters, members and links) on a fresh test database of `settings.test` (PostgreSQL when
DATABASE_URL points there), reports its time and row counts, and drops the database. Informational: the
60 s target applies to the engine.
"""

import argparse
import cProfile
import os
import pstats
import random
import resource
import sys
import time
from collections.abc import Iterator

from domain.standards.cleansing import FieldRecord, cluster_fields
from domain.standards.cleansing.normalise import initials

TARGET_SECONDS = 60.0
TARGET_MB = 2048.0

MERGE_GROUPS = [
    ["身份证号", "身份证号码", "居民身份证号码", "sfzh", "sfzhm", "GMSFHM", "id_card", "证件号码", "zjhm"],
    ["统一社会信用代码", "社会信用代码", "信用代码", "tyshxydm", "uscc"],
    ["企业名称", "单位名称", "qymc"],
    ["法定代表人", "法人代表"],
    ["联系电话", "lxdh"],
    ["成立日期", "注册日期", "clrq"],
]
APART = ["组织机构代码", "营业执照注册号", "纳税人识别号", "出生日期", "户籍地址", "居住地址"]
TECHNICAL = [
    "id",
    "create_time",
    "update_time",
    "creator",
    "updater",
    "is_deleted",
    "remark",
    "status",
    "version",
    "tenant_id",
    "sort_no",
    "data_source",
    "sync_time",
    "batch_no",
    "创建时间",
    "更新时间",
    "备注",
]
OBJECTS = [
    "车辆",
    "房屋",
    "土地",
    "项目",
    "合同",
    "企业",
    "个人",
    "学校",
    "医院",
    "药品",
    "食品",
    "设备",
    "河道",
    "道路",
    "桥梁",
    "案件",
    "投诉",
    "许可",
    "证照",
    "补贴",
    "社保",
    "医保",
    "公积金",
    "税务",
    "资金",
    "账户",
    "订单",
    "货物",
    "船舶",
    "航班",
    "网点",
    "窗口",
    "事项",
    "材料",
    "会议",
    "活动",
    "人员",
    "岗位",
    "部门",
    "资产",
    "档案",
    "林地",
    "水库",
    "矿产",
    "园区",
    "楼宇",
    "电梯",
    "管网",
    "气象",
    "灾害",
]
PROPERTIES = [
    "登记",
    "审批",
    "核发",
    "变更",
    "注销",
    "检查",
    "处罚",
    "评估",
    "申报",
    "缴纳",
    "发放",
    "采购",
    "维修",
    "巡查",
    "监测",
    "受理",
    "办结",
    "备案",
    "认定",
    "年检",
    "抽检",
    "坐落",
    "所属",
    "归属",
    "管理",
    "使用",
    "建设",
    "验收",
    "报废",
    "转让",
]
REPRESENTATIONS = [
    "日期",
    "时间",
    "编号",
    "代码",
    "名称",
    "类型",
    "状态",
    "金额",
    "数量",
    "地址",
    "说明",
    "标志",
    "机关",
    "人",
    "单位",
    "面积",
    "结果",
    "次数",
    "期限",
    "等级",
]
TYPES = {
    "日期": ("date", None),
    "时间": ("datetime", None),
    "金额": ("decimal", 18),
    "数量": ("int", None),
    "面积": ("decimal", 12),
    "次数": ("int", None),
}


def _fields(total: int, rng: random.Random) -> Iterator[FieldRecord]:
    business = [o + p + r for o in OBJECTS for p in PROPERTIES for r in REPRESENTATIONS]  # 30,000 names
    abbreviations = [(initials(name), name) for name in rng.sample(business, 6000)]
    letters = "abcdefghijklmnopqrstuvwxyz"
    record_id = 0
    table = 0
    while record_id < total:
        table += 1
        width = rng.randint(20, 80)
        id_type = rng.random() < 0.5
        context = {"证件类型": "身份证"} if id_type else None
        for column in range(width):
            name, comment, data_type, length = _column(column, rng, business, abbreviations, letters, id_type)
            yield FieldRecord("bench.column", record_id, name, comment, data_type, length, context)
            record_id += 1
            if record_id >= total:
                return


def _column(
    position: int,
    rng: random.Random,
    business: list[str],
    abbreviations: list[tuple[str, str]],
    letters: str,
    id_type: bool,
) -> tuple[str, str, str, int | None]:
    if position < 4:
        return TECHNICAL[rng.randrange(len(TECHNICAL))], "", "varchar", 64
    roll = rng.random()
    if roll < 0.12:
        group = MERGE_GROUPS[rng.randrange(len(MERGE_GROUPS))]
        name = group[rng.randrange(len(group))]
        if name in ("证件号码", "zjhm") and not id_type:
            name = "身份证号"
        return name, "", "varchar", rng.choice([18, 32, 50, 100])
    if roll < 0.15:
        return APART[rng.randrange(len(APART))], "", "varchar", 50
    if roll < 0.60:
        name = business[
            min(int(rng.paretovariate(0.6)) - 1, len(business) - 1)
            if rng.random() < 0.5
            else rng.randrange(len(business))
        ]
        data_type, length = TYPES.get(name[-2:], ("varchar", rng.choice([20, 50, 100, 200])))
        variant = rng.random()
        if variant < 0.05:
            name += str(rng.randint(1, 3))
        elif variant < 0.08:
            name = name.replace("名称", "名")
        elif variant < 0.10:
            name = name[:2] + "信息" + name[2:]  # 车辆信息登记日期: an inserted word, for the similarity step
        return name, "", data_type, length
    if roll < 0.80:
        name, chinese = abbreviations[rng.randrange(len(abbreviations))]
        comment = chinese + rng.choice(["", "（必填）", " 参见字典"]) if rng.random() < 0.4 else ""  # probed comment
        spelling = rng.random()
        if spelling < 0.05:
            name = "".join(chr(ord(char) + 0xFEE0) for char in name.upper())  # ＳＦＺＨＭ, full width
        elif spelling < 0.3:
            name = name.upper()
        return name, comment, "varchar", 50
    return "f_" + "".join(rng.choice(letters) for _ in range(rng.randint(4, 9))), "", "varchar", 100


def _verify(records: list[FieldRecord], cluster_of: list[int]) -> list[str]:
    """The DOMAIN.md groups land in one cluster each; the must-not names stay out of them and apart."""
    where: dict[str, set[int]] = {}
    for record, cluster in zip(records, cluster_of, strict=True):
        where.setdefault(record.name, set()).add(cluster)
    problems = []
    group_clusters = []
    for group in MERGE_GROUPS:
        clusters = set().union(*(where.get(name, set()) for name in group))
        group_clusters.append(clusters)
        if len(clusters) != 1 or -1 in clusters:
            problems.append(f"{group[0]}: spread over clusters {sorted(clusters)[:5]}")
    merged = set().union(*group_clusters)
    for name in APART:
        if where.get(name, set()) & merged:
            problems.append(f"{name} merged into a DOMAIN.md group")
    if where.get("户籍地址", set()) & where.get("居住地址", set()):
        problems.append("户籍地址 and 居住地址 merged")
    return problems


def _db_variant(records: list[FieldRecord]) -> bool:
    """The service end to end on a fresh test database; prints time and rows, True when the run is done."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")
    import django

    django.setup()
    from django.db import connection

    from domain.standards.models import CleansingRun, ClusterMember
    from domain.standards.services import cleansing_run_execute
    from domain.standards.sources import register_field_source, unregister_field_source

    from .database import fresh_database

    # settings.test may point at SQLite: this informational run goes wherever DATABASE_URL points.
    with fresh_database("cleansing benchmark", postgresql_only=False):
        register_field_source("bench.column", lambda: iter(records))
        try:
            run = CleansingRun.objects.create(sources=["bench.column"])
            started = time.perf_counter()
            run = cleansing_run_execute(run_id=run.pk)
            elapsed = time.perf_counter() - started
            members = ClusterMember.objects.filter(cluster__run=run).count()
            print(
                f"database ({connection.vendor}) run: {elapsed:.1f} s, status {run.status}, "
                f"{run.clusters_found:,} clusters, {members:,} members, {run.links.count():,} links {run.error}"
            )
            return bool(run.status == "done")
        finally:
            unregister_field_source("bench.column")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=250_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--profile", action="store_true", help="cProfile the engine run and print the top functions")
    parser.add_argument("--db", action="store_true", help="also run the service against a fresh test database")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    records = list(_fields(args.fields, rng))
    generated = time.perf_counter() - started
    profiler = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = cluster_fields(records)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    problems = _verify(records, result.cluster_of)
    clustered = sum(1 for cluster in result.cluster_of if cluster >= 0)
    print(
        f"fields {result.fields_scanned:,}  distinct names {result.names_distinct:,}  (generated in {generated:.1f} s)"
    )
    print(
        f"clusters {len(result.clusters):,}  fields in clusters {clustered:,}  links {len(result.links):,}  "
        f"clusters joining different names {sum(1 for c in result.clusters if c.reasons):,}  "
        f"similarity comparisons {result.fuzzy_comparisons:,}"
    )
    print(
        f"engine time {elapsed:.1f} s (target < {TARGET_SECONDS:.0f} s)   "
        f"peak RSS {peak_mb:.0f} MB (target < {TARGET_MB:.0f} MB)"
    )
    for problem in problems:
        print("VERIFY FAILED:", problem)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    ok = elapsed < TARGET_SECONDS and peak_mb < TARGET_MB and not problems
    if args.db:
        ok = _db_variant(records) and ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
