"""Dates: editors' forms in, ASCII feed dates out (AR-DATE-1..3)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime


def format_rfc822(moment: datetime) -> str:
    """RSS pubDate in UTC with English names, never a locale (AR-DATE-3).

    >>> format_rfc822(datetime(2024, 1, 15, 7, 30, tzinfo=UTC))
    'Mon, 15 Jan 2024 07:30:00 +0000'
    """
    return format_datetime(moment.astimezone(UTC))


def format_rfc3339(moment: datetime) -> str:
    """Atom / JSON Feed date in UTC (AR-DATE-3).

    >>> format_rfc3339(datetime(2024, 1, 15, 7, 30, tzinfo=UTC))
    '2024-01-15T07:30:00Z'
    """
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
