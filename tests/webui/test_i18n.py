"""One language of a service's bilingual message: a Chinese page shows the Chinese half, an English page the
English half, and anything that is not "中文 / English" is shown as it is."""

import pytest
from django.template import Context, Template
from django.utils import translation

from webui.i18n import one_language, split_languages

CLAIMED = "任务已被他人签收 / the task was claimed by someone else"
# processes/services/attachments.py: no space before the slash, and " / " inside the brackets.
EXE = "不允许上传 .exe 类型的文件（允许：pdf、docx、jpg）/ files of type .exe are not allowed"
NO_EXTENSION = (
    "不允许上传 （无扩展名 / none） 类型的文件（允许：pdf、docx）/ files of type （无扩展名 / none） are not allowed"
)


@pytest.mark.parametrize(
    ("text", "chinese", "english"),
    [
        (CLAIMED, "任务已被他人签收", "the task was claimed by someone else"),
        (EXE, "不允许上传 .exe 类型的文件（允许：pdf、docx、jpg）", "files of type .exe are not allowed"),
        (
            NO_EXTENSION,
            "不允许上传 （无扩展名 / none） 类型的文件（允许：pdf、docx）",
            "files of type （无扩展名 / none） are not allowed",
        ),
        ("文件“材料.pdf”是空的 / the file “材料.pdf” is empty", "文件“材料.pdf”是空的", "the file “材料.pdf” is empty"),
        (
            "该任务刚催办过，请 42 分钟后再试 / already reminded; try again in 42 min",
            "该任务刚催办过，请 42 分钟后再试",
            "already reminded; try again in 42 min",
        ),
    ],
)
def test_each_language_gets_its_half(text: str, chinese: str, english: str) -> None:
    """Chinese pages show the part before the separator, English pages the part after it."""
    assert split_languages(text) == (chinese, english)
    with translation.override("zh-hans"):
        assert one_language(text) == chinese
    with translation.override("en"):
        assert one_language(text) == english


@pytest.mark.parametrize(
    "text",
    [
        "已签收 3 个任务。",
        "the task was claimed",
        "input / output",  # no Chinese on the left
        "甲 / 乙",  # no English on the right
        "审核 / 复核 / 归档",
        "",
    ],
)
def test_other_text_is_left_alone(text: str) -> None:
    """A message that is not one Chinese half and one English half is shown whole, in either language."""
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert one_language(text) == text


def test_the_template_filter_picks_the_half_and_escapes_it() -> None:
    """`{{ message|one_language }}` in a template: the reader's half, HTML-escaped like any other text."""
    template = Template("{% load tongban %}{{ message|one_language }}")
    message = "名称<b>不对</b> / the name <b>is wrong</b>"
    with translation.override("en"):
        assert template.render(Context({"message": message})) == "the name &lt;b&gt;is wrong&lt;/b&gt;"
    with translation.override("zh-hans"):
        assert template.render(Context({"message": message})) == "名称&lt;b&gt;不对&lt;/b&gt;"
        assert template.render(Context({"message": None})) == ""
