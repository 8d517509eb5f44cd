"""督查事项: time limits by source and urgency, registration on the work calendar, sub-items, milestones,
attachments and write-off."""

import hashlib
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from domain.supervision import services as sup
from domain.supervision.errors import ItemInvalid, NotPermitted, WrongStatus
from domain.supervision.limits import time_limit_for
from domain.supervision.models import SupervisionItem
from tests import factories as f

from . import builders as b

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("source", "urgency", "days"),
    [
        ("leader_instruction", "urgent", 5),
        ("leader_instruction", "normal", 15),
        ("leader_instruction", "difficult", 30),
        ("document", "urgent", 30),
        ("minutes", "normal", 20),
        ("key_task", "difficult", 30),
    ],
)
def test_default_time_limit_by_source_and_urgency(source: str, urgency: str, days: int) -> None:
    """Leader instructions by urgency (5 / 15 / 30); documents 30 and minutes 20 whatever the urgency."""
    w = b.world()
    assert b.item(w, source=source, urgency=urgency).time_limit_days == days


@pytest.mark.parametrize(("asked", "ok"), [(1, True), (3, True), (5, True), (0, False), (6, False)])
def test_an_urgent_leader_instruction_takes_1_to_5_working_days(asked: int, ok: bool) -> None:
    """The office may set 1–5 working days for an urgent instruction; more time is an extension."""
    w = b.world()
    if ok:
        assert b.item(w, source="leader_instruction", urgency="urgent", time_limit_days=asked).time_limit_days == asked
        return
    with pytest.raises(ItemInvalid) as err:
        b.item(w, source="leader_instruction", urgency="urgent", time_limit_days=asked)
    assert err.value.fields == ["time_limit_days"] and "1 至 5" in err.value.message


def test_the_time_limit_table_is_configurable(settings: Any) -> None:
    """TONGBAN["SUPERVISION_TIME_LIMITS"] replaces a source's rule; the others keep their defaults."""
    settings.TONGBAN = {**settings.TONGBAN, "SUPERVISION_TIME_LIMITS": {"document": [10, 20], "minutes": 12}}
    assert (time_limit_for("document", "normal").default, time_limit_for("document", "normal").minimum) == (20, 10)
    assert time_limit_for("minutes", "urgent").default == 12
    assert time_limit_for("leader_instruction", "normal").default == 15


def test_every_invalid_field_is_reported_at_once() -> None:
    """A blank title, no requirements and a lead unit that is also a co-unit: three fields named together."""
    w = b.world()
    with pytest.raises(ItemInvalid) as err:
        b.item(w, title=" ", requirements="", co_department_ids=[w.lead.pk])
    assert set(err.value.fields) == {"title", "requirements", "co_department_ids"}
    assert not SupervisionItem.objects.exists()


def test_only_the_supervision_office_registers_items() -> None:
    """A unit's handler cannot register an item in the office's name."""
    w = b.world()
    with pytest.raises(NotPermitted):
        sup.item_create(fields=b.fields(w), office_id=w.office.pk, actor=f.actor(w.lead_handler))


def test_registration_counts_the_time_limit_in_working_days() -> None:
    """Minutes (20 working days) registered on Friday 5 June: Friday 3 July 18:00, for the item and each unit."""
    w = b.world()
    item = b.item(w, source="minutes")
    assert item.status == "registered" and item.due_at is None
    with time_machine.travel(b.at(6, 5), tick=False):
        units = sup.item_register(item_id=item.pk)
        assert sup.item_register(item_id=item.pk) == units, "a redelivered job gets the same answer"
    item.refresh_from_db()
    assert (item.status, item.due_at) == ("in_progress", b.at(7, 3, 18))
    assert [u["department_code"] for u in units.values()] == ["330106-SCJG", "330106-MZ"], "the lead unit first"
    lead = b.unit_of(item, w.lead)
    assert units[str(lead.pk)] == {
        "unit_id": lead.pk,
        "department_code": "330106-SCJG",
        "department_name": "西湖区市场监管局",
        "role": "lead",
        "office_department": "330106-DCS",
        "report_cycle": 5,
        "due_at": b.at(7, 3, 18).isoformat(),
    }


def test_an_item_split_into_sub_items() -> None:
    """Sub-items inherit source, urgency, office and cycle; the parent keeps no units of its own; a part may
    not be given more time than the parent, and a part cannot be split again."""
    w = b.world()
    parent = b.item(w, source="leader_instruction", urgency="normal")
    parts = [
        sup.SubItemFields(title="编目", requirements="完成编目", lead_department_id=w.lead.pk, time_limit_days=10),
        sup.SubItemFields(title="归集", requirements="完成归集", lead_department_id=w.co.pk),
    ]
    first, second = sup.item_split(item_id=parent.pk, parts=parts, actor=w.office_actor)
    assert (first.source, first.urgency, first.office_id, first.time_limit_days) == (
        "leader_instruction",
        "normal",
        w.office.pk,
        10,
    )
    assert second.time_limit_days == 15 and second.units.get().department == w.co
    assert not parent.units.exists() and list(parent.children.order_by("pk")) == [first, second]
    with pytest.raises(WrongStatus):
        sup.item_split(item_id=first.pk, parts=parts[:1], actor=w.office_actor)

    other = b.item(w, source="minutes")
    too_long = sup.SubItemFields(title="x", requirements="y", lead_department_id=w.lead.pk, time_limit_days=21)
    with pytest.raises(ItemInvalid) as err:
        sup.item_split(item_id=other.pk, parts=[too_long], actor=w.office_actor)
    assert err.value.fields == ["parts[1].time_limit_days"]


def test_a_dispatched_item_can_no_longer_be_split() -> None:
    """Once handed to its units (交办), an item keeps its shape."""
    w = b.world()
    item = b.item(w)
    SupervisionItem.objects.filter(pk=item.pk).update(dispatched_at=b.at(6, 1))
    with pytest.raises(WrongStatus):
        sup.item_split(item_id=item.pk, parts=[], actor=w.office_actor)


def test_milestones_lie_within_the_due_date_and_units_tick_them_off() -> None:
    """A checkpoint after the item's due date is refused; a handler of one of its units marks it done,
    a handler of another department may not."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1), source="minutes")  # due 29 June
    milestone = sup.milestone_add(item_id=item.pk, name="完成摸底", due_on=date(2026, 6, 10), actor=w.office_actor)
    with pytest.raises(ItemInvalid) as err:
        sup.milestone_add(item_id=item.pk, name="太晚", due_on=date(2026, 6, 30), actor=w.office_actor)
    assert err.value.fields == ["due_on"]
    with pytest.raises(NotPermitted):
        sup.milestone_done(milestone_id=milestone.pk, actor=f.actor(w.outsider))
    done = sup.milestone_done(milestone_id=milestone.pk, actor=f.actor(w.lead_handler))
    assert done.done and done.done_at is not None
    assert [m.name for m in item.milestones.all()] == ["完成摸底"]


def test_attachments_follow_the_platform_rules() -> None:
    """A PDF is stored with its size and SHA-256; a file whose content is not what its name says is refused."""
    w = b.world()
    item = b.item(w)
    pdf = SimpleUploadedFile("批示件.pdf", b"%PDF-1.7 leader instruction", content_type="application/pdf")
    attachment = sup.item_attachment_add(item_id=item.pk, upload=pdf, actor=w.office_actor)
    assert (attachment.original_name, attachment.content_type, attachment.size) == ("批示件.pdf", "application/pdf", 27)
    assert attachment.sha256 == hashlib.sha256(b"%PDF-1.7 leader instruction").hexdigest()
    assert attachment.file.read() == b"%PDF-1.7 leader instruction"
    fake = SimpleUploadedFile("纪要.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ItemInvalid) as err:
        sup.item_attachment_add(item_id=item.pk, upload=fake, actor=w.office_actor)
    assert err.value.fields == ["file"]
    assert item.attachments.count() == 1


def test_only_a_completed_item_is_written_off() -> None:
    """销号 comes after 办结: refused while units are still at work, allowed once the item is closed."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    with pytest.raises(WrongStatus):
        sup.item_write_off(item_id=item.pk, actor=w.office_actor)
    for unit in item.units.all():
        b.finish(unit, b.at(6, 3), key=f"u{unit.pk}")
    sup.item_close(item_id=item.pk)
    assert sup.item_write_off(item_id=item.pk, actor=w.office_actor).status == "written_off"
