import pytest

from tests.calendar_fake import weekday_calendar


@pytest.fixture(autouse=True)
def fake_calendar():  # type: ignore[no-untyped-def]
    """Weekdays are working days; a deadline is 18:00 Shanghai on the N-th working day after the start."""
    with weekday_calendar() as calendar:
        yield calendar
