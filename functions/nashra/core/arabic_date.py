"""Dates for people to read, in Arabic: «الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ١٠:٣٠ ص» (AR-DATE-4).

Only for HTML pages; feed dates stay ASCII (AR-DATE-3). A table of nineteen words and ten
digits, not Babel: Babel's `ar` locale writes Western digits, and its 33 MB of locale data
and 47 ms import would ride on every cold start of the publisher (docs/decisions.md).

>>> from datetime import UTC, datetime
>>> from zoneinfo import ZoneInfo
>>> format_arabic_date(datetime(2026, 11, 24, 7, 30, tzinfo=UTC), ZoneInfo("Asia/Kuwait"))
'الثلاثاء ٢٤ نوفمبر ٢٠٢٦، ١٠:٣٠ ص'
>>> arabic_digits("2026-11-24")
'٢٠٢٦-١١-٢٤'
"""

from __future__ import annotations

from datetime import datetime, tzinfo

# Gulf and Egyptian month names (the transliterated Western months), January first.
MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "مايو",
    "يونيو",
    "يوليو",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
)
# Monday first, as `datetime.weekday()` counts.
WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")
MORNING, EVENING = "ص", "م"  # صباحًا / مساءً: before and from noon
_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")  # U+0660-U+0669, Arabic-Indic


def arabic_digits(text: str) -> str:
    """`text` with its ASCII digits written as Arabic-Indic digits; the rest unchanged."""
    return text.translate(_DIGITS)


def format_arabic_date(moment: datetime, zone: tzinfo) -> str:
    """Weekday, day, month, year and 12-hour time of `moment` as a clock in `zone` shows it.

    Midnight is «١٢:٠٠ ص» and noon «١٢:٠٠ م»; the hour is not padded, the minutes are.
    `moment` must be aware: a naive one has no place on anyone's clock.
    """
    if moment.utcoffset() is None:
        raise ValueError("format_arabic_date needs an aware datetime")
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    half = MORNING if local.hour < 12 else EVENING
    text = (
        f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}، "
        f"{hour}:{local.minute:02d} {half}"
    )
    return arabic_digits(text)
