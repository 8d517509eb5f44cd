"""Seed the three 类 and the standard 基础/主题 项 (idempotent: only missing nodes are created)."""

from typing import Any

from django.db import migrations

CATEGORIES = [("1", "基础信息资源"), ("2", "主题信息资源"), ("3", "部门信息资源")]
# Frozen copies of classification.BASIC_ITEMS / THEME_ITEMS as of this migration.
ITEMS = {
    "1": ["人口", "法人单位", "自然资源和空间地理", "社会信用", "电子证照"],
    "2": [
        "公共服务",
        "健康保障",
        "社会保障",
        "食品药品安全",
        "安全生产",
        "价格监管",
        "能源安全",
        "信用体系",
        "城乡建设",
        "社区治理",
        "生态环保",
        "应急维稳",
    ],
}


def seed(apps: Any, schema_editor: Any) -> None:
    node = apps.get_model("catalog", "ClassificationNode")
    for code, name in CATEGORIES:
        top, _ = node.objects.get_or_create(parent=None, code=code, defaults={"level": 1, "full_code": code, "name": name})
        for index, item in enumerate(ITEMS.get(code, []), start=1):
            segment = f"{index:02d}"
            node.objects.get_or_create(
                parent=top, code=segment, defaults={"level": 2, "full_code": f"{code}{segment}", "name": item}
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
