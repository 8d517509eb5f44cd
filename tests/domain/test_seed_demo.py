"""manage.py seed_demo: the demo directory, created once however often the command runs."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from domain.directory.models import Department, Membership, Role
from processes.ports import directory

pytestmark = pytest.mark.django_db


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "departments": Department.objects.count(),
        "roles": Role.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
    }


def test_running_twice_changes_nothing() -> None:
    """The second run finds everything in place: same rows, same password hashes."""
    _seed()
    first = _counts()
    hashes = dict(get_user_model().objects.values_list("username", "password"))
    output = _seed()
    assert _counts() == first
    assert dict(get_user_model().objects.values_list("username", "password")) == hashes
    assert "departments +0, roles +0, users +0, memberships +0" in output
    assert first["departments"] >= 6 and first["roles"] == 12


def test_prints_the_demo_logins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each login is printed with its password, department and roles; DEMO_PASSWORD sets the password."""
    monkeypatch.setenv("DEMO_PASSWORD", "demo-pass-1")
    output = _seed()
    reviewer_line = next(line for line in output.splitlines() if line.startswith("reviewer1 "))
    assert "demo-pass-1" in reviewer_line and "西湖区大数据局" in reviewer_line and "reviewer" in reviewer_line
    for username in ("admin", "clerk1", "supervisor1", "auditor1", "applicant1"):
        assert any(line.startswith(f"{username} ") for line in output.splitlines())
    assert get_user_model().objects.get(username="reviewer1").check_password("demo-pass-1")


def test_existing_passwords_are_kept_unless_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    _seed()
    user = get_user_model().objects.get(username="clerk1")
    user.set_password("my-own-secret")
    user.save()
    _seed()
    user.refresh_from_db()
    assert user.check_password("my-own-secret")
    monkeypatch.setenv("DEMO_PASSWORD", "reset-pass-2")
    _seed("--reset-passwords")
    user.refresh_from_db()
    assert user.check_password("reset-pass-2")


def test_reviewer_holds_the_reviewer_role_in_the_data_authority() -> None:
    """reviewer1 is a 审核员 of 西湖区大数据局, and the core's actor sees exactly that."""
    _seed()
    reviewer = get_user_model().objects.get(username="reviewer1")
    data_authority = Department.objects.get(code="330106-DSJ")
    assert data_authority.name == "西湖区大数据局"
    assert Membership.objects.filter(user=reviewer, department=data_authority, role__code="reviewer").exists()
    actor = directory().actor_for(reviewer)
    assert actor.memberships == frozenset({(data_authority.pk, "reviewer")})
    assert not actor.is_superuser


def test_admin_is_a_superuser_and_the_applicant_holds_no_role() -> None:
    _seed()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert not Membership.objects.filter(user__username="applicant1").exists()


def test_department_paths_form_the_region_tree() -> None:
    """Paths are computed from the parents' codes; a subtree is one prefix query."""
    _seed()
    district = Department.objects.get(code="330106")
    assert district.parent is not None and district.parent.code == "330100"
    assert district.path == "/330000/330100/330106/"
    assert Department.objects.get(code="330106-DSJ").path == "/330000/330100/330106/330106-DSJ/"
    subtree = set(Department.objects.filter(path__startswith=district.path).values_list("name", flat=True))
    assert subtree == {"西湖区", "西湖区大数据局", "西湖区市场监管局", "西湖区民政局", "西湖区政府督查室"}
    province = Department.objects.get(code="330000")
    assert Department.objects.filter(path__startswith=province.path).count() == 7
    assert {d.region_code for d in district.children.all()} == {"330106"}


@pytest.mark.django_db
def test_moving_a_department_re_roots_its_subtree() -> None:
    from domain.directory.models import Department

    province = Department.objects.create(code="330000", name="浙江省")
    city = Department.objects.create(code="330100", name="杭州市", parent=province)
    district = Department.objects.create(code="330106", name="西湖区", parent=city)
    bureau = Department.objects.create(code="330106-DSJ", name="大数据局", parent=district)
    other = Department.objects.create(code="330200", name="宁波市", parent=province)
    district.parent = other
    district.save()
    bureau.refresh_from_db()
    assert bureau.path == "/330000/330200/330106/330106-DSJ/"
    assert set(Department.objects.filter(path__startswith=other.path).values_list("code", flat=True)) == {
        "330200",
        "330106",
        "330106-DSJ",
    }
