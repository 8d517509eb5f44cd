"""督查事项 after 立项: the office adds checkpoints and files on the item page, a unit's handler ticks a
checkpoint off; a refusal comes back as a message with nothing saved; other people get 403."""

import os
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from domain.supervision.models import ItemAttachment, Milestone, SupervisionItem
from tests.calendar_fake import weekday_calendar
from tests.domain.supervision import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    with weekday_calendar() as calendar:
        yield calendar


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_office_adds_a_checkpoint_to_a_running_item_and_the_unit_ticks_it_off() -> None:
    """Due 22 June: a checkpoint for 15 June is added and shown; one after the due date is refused with the
    reason and not saved; the lead unit's handler marks it done and can take that back."""
    w = b.world()
    item = b.running_item(w, b.at(6, 1), source="leader_instruction")
    office = client_for(w.inspector)
    page = office.get(f"/supervision/items/{item.pk}/").content.decode()
    assert "data-milestone-add" in page and "data-attachment-add" in page

    added = office.post(f"/supervision/items/{item.pk}/milestones/", {"name": "完成摸底", "due_on": "2026-06-15"})
    assert added.status_code == 302 and added["Location"] == f"/supervision/items/{item.pk}/"
    milestone = Milestone.objects.get(item=item)
    assert (milestone.name, str(milestone.due_on), milestone.done) == ("完成摸底", "2026-06-15", False)

    late = office.post(f"/supervision/items/{item.pk}/milestones/", {"name": "太晚", "due_on": "2026-07-30"})
    assert "计划完成日期不能晚于事项办理期限。" in said(late)
    bad_date = office.post(f"/supervision/items/{item.pk}/milestones/", {"name": "无日期", "due_on": "6月30日"})
    assert "请填写计划完成日期（年-月-日）。" in said(bad_date)
    assert Milestone.objects.filter(item=item).count() == 1

    handler = client_for(w.lead_handler)
    handler_page = handler.get(f"/supervision/items/{item.pk}/").content.decode()
    assert "标记完成" in handler_page and "data-milestone-add" not in handler_page
    with time_machine.travel(b.at(6, 12), tick=False):
        handler.post(f"/supervision/milestones/{milestone.pk}/done/", {"done": "1"})
    milestone.refresh_from_db()
    assert milestone.done and milestone.done_at == b.at(6, 12)
    handler.post(f"/supervision/milestones/{milestone.pk}/done/", {"done": "0"})
    milestone.refresh_from_db()
    assert not milestone.done and milestone.done_at is None


def test_files_are_added_all_or_none_by_the_office_only(settings: Any, tmp_path: Any) -> None:
    """Two good files are saved and listed; a batch with a forbidden type saves neither file (no row, and
    nothing left on disk); a unit's handler and an outsider are refused."""
    settings.MEDIA_ROOT = str(tmp_path)
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    office = client_for(w.inspector)
    files = [
        SimpleUploadedFile("批示件.pdf", b"%PDF-1.4 one", content_type="application/pdf"),
        SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4 two", content_type="application/pdf"),
    ]
    response = office.post(f"/supervision/items/{item.pk}/attachments/", {"file": files})
    assert "已上传 2 个附件。" in said(response)
    assert sorted(a.original_name for a in ItemAttachment.objects.filter(item=item)) == ["会议纪要.pdf", "批示件.pdf"]
    page = office.get(f"/supervision/items/{item.pk}/").content.decode()
    assert "批示件.pdf" in page and "会议纪要.pdf" in page

    mixed = [
        SimpleUploadedFile("补充.pdf", b"%PDF-1.4 three", content_type="application/pdf"),
        SimpleUploadedFile("脚本.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
    ]
    refused = office.post(f"/supervision/items/{item.pk}/attachments/", {"file": mixed})
    assert said(refused) and not any("已上传" in text for text in said(refused))
    assert ItemAttachment.objects.filter(item=item).count() == 2
    stored = {a.file.name for a in ItemAttachment.objects.filter(item=item)}
    folder = os.path.dirname(next(iter(stored)))
    on_disk = {f"{folder}/{name}" for name in default_storage.listdir(folder)[1]}
    assert on_disk == stored, "the good file of the refused batch is not left on disk"

    one = SimpleUploadedFile("说明.pdf", b"%PDF-1.4 four", content_type="application/pdf")
    assert (
        client_for(w.lead_handler).post(f"/supervision/items/{item.pk}/attachments/", {"file": one}).status_code == 403
    )
    assert client_for(w.outsider).post(f"/supervision/items/{item.pk}/milestones/", {"name": "x"}).status_code == 403
    assert ItemAttachment.objects.filter(item=item).count() == 2


def test_a_closed_item_takes_no_more_checkpoints_ticks_or_files(settings: Any, tmp_path: Any) -> None:
    """Once 办结 the forms and tick buttons are gone, and forged posts are refused by the services: no new
    checkpoint, the existing one stays as it was, no file."""
    settings.MEDIA_ROOT = str(tmp_path)
    w = b.world()
    item = b.running_item(w, b.at(6, 1))
    office = client_for(w.inspector)
    office.post(f"/supervision/items/{item.pk}/milestones/", {"name": "摸底", "due_on": "2026-06-15"})
    milestone = Milestone.objects.get(item=item)
    SupervisionItem.objects.filter(pk=item.pk).update(status="completed")

    page = office.get(f"/supervision/items/{item.pk}/").content.decode()
    assert "data-milestone-add" not in page and "data-attachment-add" not in page and "标记完成" not in page
    assert "标记完成" not in client_for(w.lead_handler).get(f"/supervision/items/{item.pk}/").content.decode()

    response = office.post(f"/supervision/items/{item.pk}/milestones/", {"name": "补", "due_on": "2026-06-15"})
    assert "事项已办结，不能再添加计划节点。" in said(response)
    ticked = client_for(w.lead_handler).post(f"/supervision/milestones/{milestone.pk}/done/", {"done": "1"})
    assert "事项已办结，计划节点不能再更改。" in said(ticked)
    upload = SimpleUploadedFile("补充.pdf", b"%PDF-1.4 late", content_type="application/pdf")
    filed = office.post(f"/supervision/items/{item.pk}/attachments/", {"file": upload})
    assert "事项已办结，不能再添加附件。" in said(filed)
    milestone.refresh_from_db()
    assert Milestone.objects.filter(item=item).count() == 1 and not milestone.done
    assert not ItemAttachment.objects.filter(item=item).exists()
