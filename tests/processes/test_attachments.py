"""attachment_add: who may upload, which files pass (by extension and by their first bytes), and that a
failed database write leaves no file behind."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from processes.errors import Conflict, PermissionDenied, ValidationFailed
from processes.models import Attachment, AuditEvent, HumanTask, TaskStatus
from processes.services.attachments import (
    attachment_add,
    attachment_id_of,
    attachment_ref,
    attachment_refs_kept,
    clean_name,
)
from processes.services.inbox import human_task_complete
from processes.services.instances import instance_start
from tests import factories as f
from tests.webui.test_task_forms import purchase_case

pytestmark = pytest.mark.django_db(transaction=True)

ZIP = b"PK\x03\x04" + b"\0" * 26
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 8


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def case() -> tuple[HumanTask, Any]:
    return purchase_case()


def files_in(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("a.pdf", b"%PDF-1.7\n"),
        ("a.PNG", b"\x89PNG\r\n\x1a\n\0"),
        ("a.jpg", b"\xff\xd8\xff\xe0"),
        ("a.jpeg", b"\xff\xd8\xff\xdb"),
        ("a.docx", ZIP),
        ("a.xlsx", ZIP),
        ("a.ofd", ZIP),
        ("a.zip", ZIP),
        ("a.doc", OLE),
        ("a.xls", OLE),
        ("说明.txt", "纯文本".encode("gb18030")),
    ],
)
def test_files_that_are_what_their_name_says_are_accepted(case, name: str, content: bytes) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    attachment = attachment_add(task_id=task.pk, actor=f.actor(clerk), upload=SimpleUploadedFile(name, content))
    assert attachment.size == len(content) and attachment.file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("a.docx", b"%PDF-1.4", "不符"),
        ("a.jpg", b"\x89PNG\r\n\x1a\n", "不符"),
        ("a.doc", ZIP, "不符"),
        ("a.txt", b"MZ\x90\x00\x03\x00", "不符"),
        ("a.html", b"<html>", "不允许"),
        ("a.pdf.exe", b"%PDF-1.4", "不允许"),
        ("noextension", b"%PDF-1.4", "不允许"),
        ("empty.pdf", b"", "空"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(case, media, name: str, content: bytes, why: str) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    with pytest.raises(ValidationFailed) as refused:
        attachment_add(task_id=task.pk, actor=f.actor(clerk), upload=SimpleUploadedFile(name, content), field="quote")
    assert why in refused.value.message and list(refused.value.detail) == ["quote"]
    assert not Attachment.objects.exists() and not files_in(media)


def test_the_size_limit_is_inclusive(case, settings) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    settings.TONGBAN = {**settings.TONGBAN, "ATTACHMENT_MAX_BYTES": 10}
    actor = f.actor(clerk)
    attachment_add(task_id=task.pk, actor=actor, upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4\n\n"))
    with pytest.raises(ValidationFailed, match="文件过大"):
        attachment_add(task_id=task.pk, actor=actor, upload=SimpleUploadedFile("b.pdf", b"%PDF-1.4\n\n\n"))


def test_only_people_who_may_act_on_an_open_task_upload(case) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    outsider = f.user("outsider", roles=["reviewer"], dept=f.department())
    with pytest.raises(PermissionDenied):
        attachment_add(task_id=task.pk, actor=f.actor(outsider), upload=SimpleUploadedFile("a.pdf", b"%PDF-1"))
    human_task_complete(task_id=task.pk, actor=f.actor(clerk), data={"title": "t", "items": [{"name": "n", "qty": 1}]})
    with pytest.raises(Conflict):
        attachment_add(task_id=task.pk, actor=f.actor(clerk), upload=SimpleUploadedFile("a.pdf", b"%PDF-1"))
    assert not Attachment.objects.exists()


def test_a_failed_database_write_deletes_the_stored_file(case, media, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The audit append fails after the file was written: no row, no event, and the file is gone again."""
    task, clerk = case

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr("processes.services.attachments.audit_append", broken)
    with pytest.raises(RuntimeError):
        attachment_add(task_id=task.pk, actor=f.actor(clerk), upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    assert not Attachment.objects.exists() and not files_in(media)
    assert not AuditEvent.objects.filter(action="attachment_added").exists()
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_names_and_references() -> None:
    assert clean_name("C:\\Users\\me\\报价单.pdf") == "报价单.pdf"
    assert clean_name("../../etc/passwd") == "passwd" and clean_name("a\x00b\u202e.pdf") == "ab.pdf"
    assert clean_name("") == "file" and len(clean_name("x" * 300 + ".pdf")) == 255
    assert clean_name("x" * 300 + ".pdf").endswith(".pdf")
    assert attachment_ref(12) == "att:12" and attachment_id_of("att:12") == 12
    assert attachment_id_of("att:x") is None and attachment_id_of(12) is None and attachment_id_of("12") is None


def test_a_form_keeps_only_its_own_cases_attachments(case) -> None:  # type: ignore[no-untyped-def]
    """References posted back are split per field: this case's files are kept (in order); another case's
    file or a made-up reference is refused by its field."""
    task, clerk = case
    own = attachment_add(task_id=task.pk, actor=f.actor(clerk), upload=SimpleUploadedFile("a.txt", b"a"))
    other = instance_start(process_key="purchase", actor=f.actor(clerk), department_id=task.department_id)
    other_task = HumanTask.objects.get(instance=other)
    foreign = attachment_add(task_id=other_task.pk, actor=f.actor(clerk), upload=SimpleUploadedFile("b.txt", b"b"))
    posted = {
        "quote": [attachment_ref(foreign.pk)],
        "evidence": [attachment_ref(own.pk), "att:999999", "not-a-ref"],
    }
    kept, errors = attachment_refs_kept(instance_id=task.instance_id, posted=posted)
    assert kept == {"quote": [], "evidence": [attachment_ref(own.pk)]}
    assert errors == {
        "quote": [f"附件 {attachment_ref(foreign.pk)} 不属于本案卷，请重新上传。"],
        "evidence": ["附件 att:999999 不属于本案卷，请重新上传。", "附件 not-a-ref 不属于本案卷，请重新上传。"],
    }
    assert attachment_refs_kept(instance_id=task.instance_id, posted={}) == ({}, {})
