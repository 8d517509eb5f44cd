"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server."""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from tests.bpmn import handlers  # noqa: F401  (registers testing/check, which tests/fixtures diagrams call)

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to run there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test here is an `e2e` test (so `-m "not e2e"` leaves them out); all skip without Chromium."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason=f"e2e needs Debian's Chromium at {CHROMIUM} (CI installs it)"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _english_catalog() -> None:
    """Compile the project's catalogues if missing or stale, as `make setup` does."""
    from django.utils.translation import trans_real

    from scripts.compile_messages import main as compile_messages

    compile_messages()
    trans_real._translations = {}  # type: ignore[attr-defined]


def _new_page(browser: Any) -> Any:
    """A page in a fresh context (no cookies): Chinese locale, Shanghai time, a laptop-sized window."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    return context.new_page()


def _screenshot_and_close(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    file_name = re.sub(r"[^\w.-]+", "_", name) + ".png"
    try:
        page.screenshot(path=str(SCREENSHOTS / file_name), full_page=True)
    finally:
        page.context.close()


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest, _english_catalog: None) -> Iterator[Any]:
    """A fresh context (no cookies) per test, Chinese locale, a laptop-sized window; a screenshot afterwards."""
    cache.clear()  # the login throttle counts in the cache
    page = _new_page(browser)
    yield page
    _screenshot_and_close(page, request.node.name)


@pytest.fixture
def open_page(browser: Any, page: Any, request: pytest.FixtureRequest) -> Iterator[Callable[[], Any]]:
    """Another person's browser: each call opens a page in its own fresh context, set up like `page`.

    Each is closed after the test, with a screenshot named after the test and its number (`…-2.png`).
    """
    opened: list[Any] = []

    def open_one() -> Any:
        opened.append(_new_page(browser))
        return opened[-1]

    yield open_one
    for number, other in enumerate(opened, start=2):
        _screenshot_and_close(other, f"{request.node.name}-{number}")


def login(page: Any, live_server: Any, username: str, password: str) -> None:
    """Fill and submit the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('form.vf-form button[type="submit"]')
