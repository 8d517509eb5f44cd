"""Departments (a tree), roles, and who holds which role in which department."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    # GB/T 2260 administrative-division code, e.g. 330106.
    region_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级部门"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path of codes ("/330000/330100/"), so a subtree is one indexed prefix query.
    path = models.CharField(max_length=1000, db_index=True, editable=False, default="/")

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args: object, **kwargs: object) -> None:
        parent_path = self.parent.path if self.parent_id and self.parent else "/"
        old_path = self.path
        self.path = f"{parent_path}{self.code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if old_path not in ("/", self.path):
            # Moved or recoded: re-root every descendant's path in one statement.
            from django.db.models import Value
            from django.db.models.functions import Concat, Substr

            Department.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr("path", len(old_path) + 1))
            )


class Role(models.Model):
    code = models.CharField(_("角色编码"), max_length=64, unique=True)
    name = models.CharField(_("角色名称"), max_length=200)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.ForeignKey(Role, verbose_name=_("角色"), on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.department.name} · {self.role.name}"
