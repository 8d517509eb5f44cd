"""The directory as the orchestration core sees it (processes.ports.Directory)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from processes.ports import Actor, Person

from .models import Department, Membership, Role


class DirectoryPort:
    def actor_for(self, user: Any) -> Actor:
        if user is None or not user.is_authenticated:
            return Actor(user_id=None, username="anonymous")
        pairs = Membership.objects.filter(user_id=user.pk).values_list("department_id", "role__code")
        return Actor(
            user_id=user.pk,
            username=user.get_username(),
            memberships=frozenset(pairs),
            is_superuser=bool(user.is_superuser),
            is_staff=bool(user.is_staff),
        )

    def known_role_codes(self) -> set[str]:
        return set(Role.objects.values_list("code", flat=True))

    def roles(self) -> list[tuple[str, str]]:
        return list(Role.objects.order_by("code").values_list("code", "name"))

    def department_id_for_code(self, code: str) -> int | None:
        return Department.objects.filter(code=code).values_list("id", flat=True).first()

    def user_id_for_username(self, username: str) -> int | None:
        return get_user_model().objects.filter(username=username, is_active=True).values_list("id", flat=True).first()

    def users_with_role(self, *, department_id: int, role_code: str) -> list[int]:
        return list(
            Membership.objects.filter(department_id=department_id, role__code=role_code, user__is_active=True)
            .values_list("user_id", flat=True)
            .distinct()
        )

    def parent_department_id(self, department_id: int) -> int | None:
        return Department.objects.filter(pk=department_id).values_list("parent_id", flat=True).first()

    def department_subtree_ids(self, department_id: int) -> list[int]:
        path = Department.objects.filter(pk=department_id).values_list("path", flat=True).first()
        if path is None:
            return []
        return list(Department.objects.filter(path__startswith=path).values_list("id", flat=True))

    def department_ids_of_user(self, user_id: int) -> list[int]:
        return list(Membership.objects.filter(user_id=user_id).values_list("department_id", flat=True).distinct())

    def people_who_may_hold(
        self, *, role_codes: list[str], department_id: int | None, usernames: list[str]
    ) -> list[Person]:
        holders = Membership.objects.filter(role__code__in=role_codes)
        if department_id is not None:
            holders = holders.filter(department_id=department_id)
        rows = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(pk__in=holders.values("user_id")) | Q(username__in=usernames))
            .order_by("username")
            .values_list("id", "username", "first_name", "last_name")
        )
        return [
            Person(user_id=pk, username=name, full_name=f"{first} {last}".strip()) for pk, name, first, last in rows
        ]
