"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server."""

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

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


@pytest.fixture
def page(browser: Any, live_server: Any, request: pytest.FixtureRequest, _english_catalog: None) -> Iterator[Any]:
    """A fresh context (no cookies) per test, Chinese locale, a laptop-sized window; a screenshot afterwards."""
    cache.clear()  # the login throttle counts in the cache
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    SCREENSHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    finally:
        context.close()


def login(page: Any, live_server: Any, username: str, password: str) -> None:
    """Fill and submit the real login form."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('form.vf-form button[type="submit"]')
