"""Attachments on the task page: files for form fields and the attachments section, stored and audited,
refused when too large or not what their name says, downloadable only by people who may see the case."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from processes.models import Attachment, AuditEvent, HumanTask, TaskStatus
from processes.services.instances import instance_start
from tests import factories as f
from tests.webui.test_task_forms import client_for, field_block, page, purchase_case

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def pdf(name: str = "报价单.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def download(attachment_id: int) -> str:
    return f"/workbench/attachments/{attachment_id}/"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def case() -> tuple[HumanTask, Any]:
    return purchase_case()


def stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def complete_post(**extra: Any) -> dict[str, Any]:
    return {"action": "complete", "title": "采购", "items-0-name": "笔记本", "items-0-qty": "1", **extra}


def test_files_posted_with_the_form_are_stored_audited_and_referenced(case, media) -> None:  # type: ignore[no-untyped-def]
    """A single and a multiple attachment field: the files are stored, each with its checksum and an audit
    event, and the submitted data holds their references ("att:<id>")."""
    task, clerk = case
    files = {"quote": pdf(), "evidence": [pdf("a.pdf"), SimpleUploadedFile("b.png", PNG)]}
    response = client_for(clerk).post(page(task), complete_post(**files))
    assert response.status_code == 302
    quote, first, second = Attachment.objects.order_by("id")
    assert (quote.original_name, quote.field, quote.size, quote.uploaded_by_id) == (
        "报价单.pdf",
        "quote",
        len(PDF),
        clerk.pk,
    )
    assert quote.content_type == "application/pdf" and second.content_type == "image/png"
    assert len(quote.sha256) == 64 and quote.task_id == task.pk and quote.instance_id == task.instance_id
    assert len(stored_files(media)) == 3 and "报价单" not in quote.file.name  # stored under a random name
    done = HumanTask.objects.get(pk=task.pk)
    assert done.status == TaskStatus.COMPLETED
    assert done.submitted_data["quote"] == f"att:{quote.pk}"
    assert done.submitted_data["evidence"] == [f"att:{first.pk}", f"att:{second.pk}"]
    events = AuditEvent.objects.filter(action="attachment_added").order_by("id")
    assert [e.payload["attachment_id"] for e in events] == [quote.pk, first.pk, second.pk]
    assert events[0].payload["sha256"] == quote.sha256 and events[0].task_id == task.pk
    html = client_for(clerk).get(page(task)).content.decode()
    assert f'<a href="{download(quote.pk)}">报价单.pdf</a>' in html  # the submitted data names the file


def test_a_stored_file_is_kept_when_the_form_has_errors(case, media) -> None:  # type: ignore[no-untyped-def]
    """The form comes back with an error elsewhere: the uploaded file is listed (ticked) and posting the
    form again completes it without a second upload."""
    task, clerk = case
    client = client_for(clerk)
    response = client.post(page(task), complete_post(title="", quote=pdf()))
    html = response.content.decode()
    assert response.status_code == 400 and "此项为必填" in field_block(html, "tb-field-title")
    (quote,) = Attachment.objects.all()
    assert f'name="quote" value="att:{quote.pk}" checked' in html and "报价单.pdf" in html
    response = client.post(page(task), complete_post(quote=f"att:{quote.pk}"))
    assert response.status_code == 302 and Attachment.objects.count() == 1
    assert HumanTask.objects.get(pk=task.pk).submitted_data["quote"] == f"att:{quote.pk}"


def test_an_oversized_file_is_refused_by_its_field(case, media, settings) -> None:  # type: ignore[no-untyped-def]
    """Over the size limit: refused with a message by the field; nothing stored, nothing advances."""
    task, clerk = case
    settings.TONGBAN = {**settings.TONGBAN, "ATTACHMENT_MAX_BYTES": 16}
    response = client_for(clerk).post(page(task), complete_post(quote=pdf()))
    html = response.content.decode()
    assert response.status_code == 400
    assert "文件过大" in field_block(html, "tb-field-quote") and "too large" not in html  # one language
    assert not Attachment.objects.exists() and not stored_files(media)
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_pdf_that_is_really_a_png_is_refused(case, media) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    response = client_for(clerk).post(page(task), complete_post(quote=pdf("发票.pdf", PNG)))
    block = field_block(response.content.decode(), "tb-field-quote")
    assert response.status_code == 400 and "文件内容与扩展名 .pdf 不符" in block and "does not match" not in block
    assert not Attachment.objects.exists() and not stored_files(media)


def test_an_exe_is_refused(case, media) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    upload = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/pdf")
    response = client_for(clerk).post(page(task), {"action": "attach", "file": upload})
    html = response.content.decode()
    assert response.status_code == 400 and "不允许上传 .exe 类型的文件" in html and "are not allowed" not in html
    assert not Attachment.objects.exists() and not stored_files(media)
    # In English, the English half of the service's message only.
    upload = SimpleUploadedFile("setup.exe", b"MZ\x90\x00", content_type="application/pdf")
    html = f.in_english(client_for(clerk)).post(page(task), {"action": "attach", "file": upload}).content.decode()
    assert "files of type .exe are not allowed" in html and "不允许上传" not in html


def test_a_reference_to_another_cases_file_is_refused(case, media) -> None:  # type: ignore[no-untyped-def]
    """Posting back "att:<id>" of a file from another case does not put it into this form."""
    task, clerk = case
    dept = f.department("330108", "滨江区数据局")
    other_clerk = f.user("other_clerk", roles=["clerk"], dept=dept)
    instance = instance_start(process_key="purchase", actor=f.actor(other_clerk), department_id=dept.pk)
    other_task = HumanTask.objects.get(instance=instance)
    client_for(other_clerk).post(page(other_task), {"action": "attach", "file": pdf("x.pdf")})
    (foreign,) = Attachment.objects.all()
    response = client_for(clerk).post(page(task), complete_post(quote=f"att:{foreign.pk}"))
    assert response.status_code == 400 and "不属于本案卷" in field_block(response.content.decode(), "tb-field-quote")
    assert HumanTask.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_attachments_section_upload_with_a_note_and_listing(case, media) -> None:  # type: ignore[no-untyped-def]
    """The attachments section: a supporting document with a note is listed with name, size, uploader, time."""
    task, clerk = case
    client = client_for(clerk)
    response = client.post(page(task), {"action": "attach", "file": pdf("营业执照.pdf"), "note": "副本"}, follow=True)
    html = response.content.decode()
    (attachment,) = Attachment.objects.all()
    assert attachment.field == "" and attachment.note == "副本"
    assert "附件“营业执照.pdf”已上传" in html
    row = html[html.index(f'data-attachment-id="{attachment.pk}"') :].split("</tr>")[0]
    assert f'href="{download(attachment.pk)}">营业执照.pdf</a>' in row and "clerk" in row and "副本" in row
    assert "字节" in row or "bytes" in row
    assert client.post(page(task), {"action": "attach", "note": "x"}).status_code == 400  # no file chosen


def test_a_script_in_a_file_name_is_escaped(case, media) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    client = client_for(clerk)
    client.post(page(task), {"action": "attach", "file": pdf('<img src=x onerror="alert(1)">.pdf')})
    html = client.get(page(task)).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf" in html


def test_upload_requires_csrf(case, media) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(page(task), {"action": "attach", "file": pdf()}).status_code == 403
    assert not Attachment.objects.exists() and not stored_files(media)


def test_download_only_for_people_who_may_see_the_case(case, media) -> None:  # type: ignore[no-untyped-def]
    """The uploader, a candidate of the open task and staff download; a stranger gets 404."""
    task, clerk = case
    client_for(clerk).post(page(task), {"action": "attach", "file": pdf()})
    (attachment,) = Attachment.objects.all()
    candidate = f.user("colleague", roles=["clerk"], dept=f.department())
    stranger = f.user("stranger")
    staff = f.user("auditor", is_staff=True)
    assert client_for(stranger).get(download(attachment.pk)).status_code == 404
    assert client_for(stranger).get(download(attachment.pk + 100)).status_code == 404
    for person in (clerk, candidate, staff):
        response = client_for(person).get(download(attachment.pk))
        assert response.status_code == 200, person.username
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        response.close()
    assert Client().get(download(attachment.pk)).status_code == 302  # to the login page


def test_the_person_who_started_the_case_downloads(case, media) -> None:  # type: ignore[no-untyped-def]
    """An applicant without any role started the case: they may download its files — the very bytes the
    clerk uploaded, under the file's name — and a stranger may not."""
    _task, clerk = case
    applicant = f.user("applicant")
    instance = instance_start(process_key="purchase", actor=f.actor(applicant), department_id=f.department().pk)
    task = HumanTask.objects.get(instance=instance)
    uploaded = PDF + "申请人的合同 #2\n".encode()
    client_for(clerk).post(page(task), {"action": "attach", "file": pdf("采购合同.pdf", uploaded)})
    attachment = Attachment.objects.get(instance=instance)
    response = client_for(applicant).get(download(attachment.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == uploaded  # type: ignore[attr-defined]
    assert "filename*=utf-8''%E9%87%87%E8%B4%AD%E5%90%88%E5%90%8C.pdf" in response["Content-Disposition"]
    response.close()
    assert client_for(f.user("stranger")).get(download(attachment.pk)).status_code == 404


def test_download_headers(case, media) -> None:  # type: ignore[no-untyped-def]
    """Always a download, the Chinese name in an RFC 5987 header, no sniffing, sandboxed."""
    task, clerk = case
    client = client_for(clerk)
    client.post(page(task), {"action": "attach", "file": pdf()})
    (attachment,) = Attachment.objects.all()
    response = client.get(download(attachment.pk))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E6%8A%A5%E4%BB%B7%E5%8D%95.pdf" in disposition
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    response.close()


def test_a_stored_type_outside_the_allowed_list_downloads_as_bytes(case, media, settings) -> None:  # type: ignore[no-untyped-def]
    """An administrator narrowed the allowed types after the upload: the file is served as a byte stream."""
    task, clerk = case
    client = client_for(clerk)
    client.post(page(task), {"action": "attach", "file": SimpleUploadedFile("x.png", PNG)})
    settings.TONGBAN = {**settings.TONGBAN, "ATTACHMENT_TYPES": ["pdf"]}
    response = client.get(download(Attachment.objects.get().pk))
    assert response["Content-Type"] == "application/octet-stream"
    response.close()


def test_task_page_queries_do_not_grow_with_attachments(case, media) -> None:  # type: ignore[no-untyped-def]
    task, clerk = case
    client = client_for(clerk)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page(task)).status_code == 200
        return len(ctx.captured_queries)

    client.post(page(task), {"action": "attach", "file": pdf("1.pdf")})
    one = count()
    for n in range(4):
        client.post(page(task), {"action": "attach", "file": pdf(f"{n + 2}.pdf")})
    assert count() == one
