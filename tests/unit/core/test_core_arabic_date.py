"""Arabic dates for people (AR-DATE-4): names, digits, 12-hour clock, the site's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nashra.core.arabic_date import MONTHS, WEEKDAYS, arabic_digits, format_arabic_date
from nashra.core.dates import parse_editor_date

KUWAIT = ZoneInfo("Asia/Kuwait")
CAIRO = ZoneInfo("Africa/Cairo")  # +2, and +3 in summer since 2023
ZONES = ["Asia/Kuwait", "Asia/Dubai", "Africa/Cairo", "Africa/Casablanca", "Europe/London", "UTC"]


def test_the_issue_example_ar_date_4() -> None:
    moment = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)
    assert format_arabic_date(moment, KUWAIT) == "الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ١٠:٣٠ ص"


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Kuwait", "الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ١٠:٣٠ ص"),  # +3
        ("Asia/Dubai", "الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ١١:٣٠ ص"),  # +4
        ("Africa/Cairo", "الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ٩:٣٠ ص"),  # +2 in winter
        ("America/Los_Angeles", "الاثنين ٢٣ نوفمبر ٢٠٢٦، ١١:٣٠ م"),  # the day before
        ("Pacific/Kiritimati", "الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ٩:٣٠ م"),  # +14
    ],
)
def test_the_clock_of_the_site_zone_ar_date_4(zone: str, expected: str) -> None:
    assert format_arabic_date(datetime(2026, 11, 24, 7, 30, tzinfo=UTC), ZoneInfo(zone)) == expected


def test_summer_time_moves_the_clock_in_cairo_not_in_kuwait_ar_date_4() -> None:
    winter = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 9, 0, tzinfo=UTC)
    assert format_arabic_date(winter, CAIRO).endswith("١١:٠٠ ص")
    assert format_arabic_date(summer, CAIRO).endswith("١٢:٠٠ م")  # +3: noon
    assert format_arabic_date(winter, KUWAIT).endswith("١٢:٠٠ م")
    assert format_arabic_date(summer, KUWAIT).endswith("١٢:٠٠ م")


@pytest.mark.parametrize(
    ("hour", "minute", "clock"),
    [
        (0, 0, "١٢:٠٠ ص"),  # midnight
        (0, 5, "١٢:٠٥ ص"),
        (1, 0, "١:٠٠ ص"),
        (11, 59, "١١:٥٩ ص"),
        (12, 0, "١٢:٠٠ م"),  # noon
        (12, 30, "١٢:٣٠ م"),
        (13, 0, "١:٠٠ م"),
        (23, 59, "١١:٥٩ م"),
    ],
)
def test_midnight_is_12_am_and_noon_12_pm(hour: int, minute: int, clock: str) -> None:
    moment = datetime(2026, 3, 1, hour, minute, tzinfo=KUWAIT)
    assert format_arabic_date(moment, KUWAIT) == f"الأحد ١ مارس ٢٠٢٦، {clock}"


def test_every_month_and_weekday_name() -> None:
    """Gulf and Egyptian month names; weekdays as `datetime.weekday()` counts them."""
    gulf = "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر"
    assert " ".join(MONTHS) == gulf
    days = [format_arabic_date(datetime(2026, 6, d, 9, tzinfo=UTC), UTC) for d in range(1, 8)]
    # 1 June 2026 is a Monday.
    assert [d.split()[0] for d in days] == list(WEEKDAYS)
    assert WEEKDAYS[0] == "الاثنين" and WEEKDAYS[6] == "الأحد"
    months = [format_arabic_date(datetime(2026, m, 10, 9, tzinfo=UTC), UTC) for m in range(1, 13)]
    assert [d.split()[2] for d in months] == list(MONTHS)


def test_only_arabic_indic_digits_and_the_arabic_comma() -> None:
    text = format_arabic_date(datetime(2019, 10, 28, 20, 7, tzinfo=UTC), UTC)
    assert text == "الاثنين ٢٨ أكتوبر ٢٠١٩، ٨:٠٧ م"
    assert not any(c.isascii() and c.isdigit() for c in text)
    assert "،" in text and "," not in text
    assert arabic_digits("10:30, 2026") == "١٠:٣٠, ٢٠٢٦"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_arabic_date(datetime(2026, 1, 1, 12, 0), KUWAIT)  # noqa: DTZ001


def test_a_fixed_offset_zone_works_too() -> None:
    gmt3 = timezone(timedelta(hours=3))
    assert format_arabic_date(datetime(2026, 11, 24, 7, 30, tzinfo=UTC), gmt3).endswith("١٠:٣٠ ص")


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 3, 1),  # noqa: DTZ001
        max_value=datetime(2200, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(ZONES),
)
def test_the_editors_date_parser_reads_it_back_ar_date_1(moment: datetime, zone: str) -> None:
    """What the pages show, an editor could paste into an article: the same wall clock."""
    tz = ZoneInfo(zone)
    local = moment.astimezone(tz)
    parsed = parse_editor_date(format_arabic_date(moment, tz), tz)
    wall = parsed.astimezone(tz) if parsed.tzinfo is not tz else parsed
    assert wall.replace(tzinfo=None) == local.replace(tzinfo=None, second=0, microsecond=0)


@pytest.mark.parametrize(
    "value",
    [
        "الجمعة 20 نوفمبر 2026 10:30",
        "الإثنين 16-11-2026",
        "الاربعاء ١٨ نوفمبر ٢٠٢٦",
        "الأحد 15/11/2026",
        "Fri, 20 Nov 2026 10:30:00 +0300",
        "Friday, November 20, 2026 10:30 AM",
    ],
)
def test_a_weekday_that_is_the_dates_is_read(value: str) -> None:
    assert parse_editor_date(value, KUWAIT).year == 2026
