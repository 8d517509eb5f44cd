"""The classification tree (类 → 项 → 目 → 细目) and its standard seed."""

from django.db import transaction
from django.utils.translation import gettext as _

from domain.directory.models import Department

from .choices import Category
from .errors import CatalogError
from .models import ClassificationNode

# GB/T 21063.4 基础 and 主题 项, in the standard's order (项 codes 01, 02, …).
BASIC_ITEMS = ["人口", "法人单位", "自然资源和空间地理", "社会信用", "电子证照"]
THEME_ITEMS = [
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
]
SEGMENT_DIGITS = {2: 2, 3: 3}  # 项 and 目 are fixed width; 细目 is free


@transaction.atomic
def classification_seed() -> int:
    """Create the three 类 and the standard 基础/主题 项 that are missing; returns how many were created."""
    created = 0
    for category in Category:
        top, new = ClassificationNode.objects.get_or_create(
            parent=None, code=str(category.value), defaults={"level": 1, "full_code": str(category.value)}
        )
        if top.name != str(category.label):
            top.name = str(category.label)
            top.save(update_fields=["name"])
        created += new
    for category, names in ((Category.BASIC, BASIC_ITEMS), (Category.THEME, THEME_ITEMS)):
        parent = ClassificationNode.objects.get(parent=None, code=str(category.value))
        for index, name in enumerate(names, start=1):
            code = f"{index:02d}"
            _node, new = ClassificationNode.objects.get_or_create(
                parent=parent, code=code, defaults={"level": 2, "full_code": f"{parent.full_code}{code}", "name": name}
            )
            created += new
    return created


@transaction.atomic
def classification_create(*, parent: ClassificationNode, code: str, name: str) -> ClassificationNode:
    """A child 项/目/细目 under `parent`; its code segment must have the width its level requires."""
    level = parent.level + 1
    width = SEGMENT_DIGITS.get(level)
    if level > 4 or not code.isdigit() or (width is not None and len(code) != width):
        raise CatalogError(
            _("分类代码「%(code)s」无效：%(level)s应为 %(width)s 位数字。")
            % {"code": code, "level": ClassificationNode.LEVELS.get(level, "?"), "width": width or _("若干")}
        )
    if not name.strip():
        raise CatalogError(_("分类名称必填。"))
    full_code = f"{parent.full_code}{code}"
    if ClassificationNode.objects.filter(full_code=full_code).exists():
        raise CatalogError(_("分类代码 %(code)s 已存在。") % {"code": full_code})
    return ClassificationNode.objects.create(parent=parent, level=level, code=code, full_code=full_code, name=name)


@transaction.atomic
def department_classification(*, department: Department) -> ClassificationNode:
    """The 部门 项 of `department`, created on first use with the next free 2-digit code.

    Creators queue on the 部门 类 row; each looks again once it holds the lock, so two first uses at the same
    time get one node (not a second one, or an IntegrityError on the department)."""
    existing = ClassificationNode.objects.filter(department=department).first()
    if existing is not None:
        return existing
    root = ClassificationNode.objects.select_for_update().filter(parent=None, code=str(Category.DEPARTMENT.value))
    parent = root.first() or _seeded_department_root()
    existing = ClassificationNode.objects.filter(department=department).first()
    if existing is not None:
        return existing
    used = {int(c) for c in parent.children.values_list("code", flat=True) if c.isdigit()}
    free = next((n for n in range(1, 100) if n not in used), None)
    if free is None:
        raise CatalogError(_("部门信息资源的「项」已用完 99 个代码。"))
    return ClassificationNode.objects.create(
        parent=parent,
        level=2,
        code=f"{free:02d}",
        full_code=f"{parent.full_code}{free:02d}",
        name=department.name,
        department=department,
    )


def _seeded_department_root() -> ClassificationNode:
    classification_seed()
    return ClassificationNode.objects.select_for_update().get(parent=None, code=str(Category.DEPARTMENT.value))
