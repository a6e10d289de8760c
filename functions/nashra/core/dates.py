"""Dates: editors' forms in, ASCII feed dates out (AR-DATE-1..3).

Reading (AR-DATE-1): strict ISO 8601 first; otherwise the text is rewritten into a form
dateutil understands (ASCII digits, English names for multi-word and dual month names,
no weekday, no Hijri part, zone phrases taken out) and parsed with an Arabic `parserinfo`,
never fuzzy. Day, month and year are required; a missing time means midnight (the
accepted forms in AR-DATE-1). Naive results get the site zone (AR-DATE-2).
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, tzinfo
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as dateutil_parser
from dateutil.parser import ParserError, UnknownTimezoneWarning, parserinfo

from nashra.core.problems import DateParseError
from nashra.core.text import clean_line, fold_for_key

# An ISO 8601 date, date-time or date-time with offset, nothing else.
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_WEEKDAY = re.compile(
    r"(?<!\w)(?:ال)?(?:[اإ]ثنين|ثلاثاء|[أا]ربعاء|خميس|جمعة|سبت|[أا]حد)(?!\w)[,،]?"
)
_MULTIWORD_MONTHS = (
    (re.compile(r"كانون\s+(?:ال)?ثاني"), "January"),
    (re.compile(r"كانون\s+(?:ال)?[أا]ول"), "December"),
    (re.compile(r"تشرين\s+(?:ال)?[أا]ول"), "October"),
    (re.compile(r"تشرين\s+(?:ال)?ثاني"), "November"),
)
_HIJRI_MONTH = (
    r"(?:محرم|صفر|ربيع\s+(?:ال[أا]ول|ال[آا]خر|الثاني)|جمادى\s+(?:ال[أا]ولى|ال[آا]خرة|الثانية)"
    r"|رجب|شعبان|رمضان|شوال|ذ[وي]\s+القعدة|ذ[وي]\s+الحجة)"
)
_HIJRI = re.compile(
    r"(?:\d{1,2}\s+)?" + _HIJRI_MONTH + r"\s+\d{3,4}\s*(?:هـ|ه)?\.?|\d{3,4}\s*هـ\.?"
)
# Editors mean GMT+3 = UTC+03:00; dateutil reads it POSIX-style, with the sign inverted.
_GMT_OFFSET = re.compile(
    r"(?:بتوقيت\s*)?(?:GMT|UTC|غرينتش|جرينتش)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?"
)
_ZONE_PHRASES = (
    (r"بتوقيت\s+(?:غرينتش|غرينيتش|جرينتش)|\(?ت\.?\s?غ\)?|GMT|UTC", "UTC"),
    (r"بتوقيت\s+(?:مكة(?:\s+المكرمة)?|السعودية|الرياض)", "Asia/Riyadh"),
    (r"بتوقيت\s+الكويت", "Asia/Kuwait"),
    (r"بتوقيت\s+(?:الدوحة|قطر)", "Asia/Qatar"),
    (r"بتوقيت\s+(?:الإمارات|الامارات|أبوظبي|ابوظبي|دبي)", "Asia/Dubai"),
    (r"بتوقيت\s+(?:القاهرة|مصر)", "Africa/Cairo"),
    (r"بتوقيت\s+(?:بيروت|لبنان)", "Asia/Beirut"),
    (r"بتوقيت\s+(?:بغداد|العراق)", "Asia/Baghdad"),
    (r"بتوقيت\s+(?:عمان|الأردن|الاردن)", "Asia/Amman"),
    (r"بتوقيت\s+(?:القدس|فلسطين)", "Asia/Hebron"),
)
_ZONES = tuple((re.compile(pattern), name) for pattern, name in _ZONE_PHRASES)
_AD_YEAR = re.compile(r"(\b\d{4})\s*م(?=\s|$|[,.)])")  # 2024م is "AD", not PM
_DUAL_MONTH = re.compile(r"(\w+)\s*[/(]\s*(\w+)\)?")
_YEAR_FIRST = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b")
_MIN_YEAR = 1900  # earlier years in news are almost always Hijri years typed as Gregorian
# Naive on purpose: an aware default would make dateutil stamp its zone on naive input.
_DEFAULTS = (datetime(2000, 1, 1), datetime(2001, 2, 2, 1))  # noqa: DTZ001
_EXAMPLE = "2024-01-15T10:30:00+03:00 / 15 يناير 2024 10:30 ص"


# dateutil takes any number of names per entry; its stubs say two or three, hence Any.
_JUMP: list[str] = [
    *parserinfo.JUMP,
    *("،", "؛", "في", "يوم", "الساعة", "الموافق", "عند", "تمام", "حوالي", "بتاريخ"),
    *("تاريخ", "الماضي", "المقبل", "القادم", "من", "عام", "سنة", "آخر", "اخر"),
    *("تحديث", "التحديث", "نشر", "النشر", "تم", "بتوقيت"),
]
# Levantine names of one word are here; كانون/تشرين pairs are rewritten before parsing.
_MONTHS: list[Any] = [
    ("Jan", "January", "يناير", "جانفي"),
    ("Feb", "February", "فبراير", "فيفري", "شباط"),
    ("Mar", "March", "مارس", "آذار", "اذار", "أذار"),
    ("Apr", "April", "أبريل", "ابريل", "إبريل", "أفريل", "افريل", "نيسان"),
    ("May", "May", "مايو", "ماي", "أيار", "ايار"),
    ("Jun", "June", "يونيو", "يونيه", "يونية", "جوان", "حزيران"),
    ("Jul", "July", "يوليو", "يوليه", "يولية", "جويلية", "يوليوز", "تموز"),
    ("Aug", "August", "أغسطس", "اغسطس", "أوت", "اوت", "غشت", "آب", "اب"),
    ("Sep", "Sept", "September", "سبتمبر", "شتنبر", "أيلول", "ايلول"),
    ("Oct", "October", "أكتوبر", "اكتوبر"),
    ("Nov", "November", "نوفمبر", "نونبر"),
    ("Dec", "December", "ديسمبر", "دجنبر"),
]
# Tashkeel is gone by now: مساءً arrives as مساء, صباحاً as صباحا.
_AMPM: list[Any] = [
    ("am", "a", "ص", "صباحا", "صباح", "فجرا"),
    ("pm", "p", "م", "مساء", "مساءا", "ظهرا", "عصرا"),
]
_UTCZONE: list[str] = [*parserinfo.UTCZONE, "غرينتش", "جرينتش", "غرينيتش"]


class ArabicParserInfo(parserinfo):
    """dateutil vocabulary for single Arabic tokens (its lexer splits on whitespace)."""

    JUMP = _JUMP
    MONTHS = _MONTHS
    AMPM = _AMPM
    UTCZONE = _UTCZONE


_INFO = ArabicParserInfo()


def _normalise(value: str) -> str:
    """NFC, no invisibles, tashkeel or tatweel, ASCII digits and separators."""
    text = fold_for_key(clean_line(value)[0])
    return text.replace("،", ",").replace("؛", ";").replace("٫", ".").replace("\u066c", "")


def _drop_hijri(text: str) -> tuple[str, bool]:
    """Keep the Gregorian part of «4 رجب 1445هـ الموافق 15 يناير 2024م»."""
    if "الموافق" in text:
        text = text.split("الموافق", 1)[1]
    text, count = _HIJRI.subn(" ", text)
    return text, count > 0


def _take_zone(text: str) -> tuple[str, str | None]:
    text = _GMT_OFFSET.sub(
        lambda m: f" {m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}", text
    )
    for pattern, name in _ZONES:
        if pattern.search(text):
            return pattern.sub(" ", text), name
    return text, None


def _collapse_dual_month(match: re.Match[str]) -> str:
    first, second = _INFO.month(match.group(1)), _INFO.month(match.group(2))
    return match.group(1) if first is not None and first == second else match.group(0)


def _rewrite(value: str) -> tuple[str, str | None, bool]:
    """The text dateutil gets, the zone named in words, and whether a Hijri date was seen."""
    text, hijri = _drop_hijri(_normalise(value))
    text, zone = _take_zone(text)
    text = re.sub(r"\(\s*\)", " ", text)
    for pattern, month in _MULTIWORD_MONTHS:
        text = pattern.sub(month, text)
    text = _WEEKDAY.sub(" ", _AD_YEAR.sub(r"\1", text))
    text = _DUAL_MONTH.sub(_collapse_dual_month, text)
    return re.sub(r"\s+", " ", text).strip(" -,"), zone, hijri


def _parse_iso(text: str) -> datetime | None:
    if not text.isascii() or not _ISO.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.replace(",", "."))
    except ValueError:
        return None


def _parse_words(text: str, original: str) -> datetime:
    """dateutil, twice with different defaults: a field that changes was never given."""
    year_first = bool(_YEAR_FIRST.match(text))
    info = ArabicParserInfo(dayfirst=not year_first, yearfirst=year_first)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownTimezoneWarning)
        first = dateutil_parser.parse(text, parserinfo=info, default=_DEFAULTS[0])
        second = dateutil_parser.parse(text, parserinfo=info, default=_DEFAULTS[1])
    if (first.year, first.month, first.day) != (second.year, second.month, second.day):
        raise DateParseError(
            f"incomplete date {original!r}: day, month and year are all required",
            f"تاريخ ناقص «{original}»: يلزم ذكر اليوم والشهر والسنة",
        )
    return first


def _unreadable(value: str) -> DateParseError:
    return DateParseError(
        f"unrecognised date {value!r}; write it like {_EXAMPLE}",
        f"تاريخ غير مفهوم «{value}»؛ اكتبه مثل {_EXAMPLE}",
    )


def _parse_rewritten(value: str, zone: tzinfo) -> datetime:
    text, zone_name, hijri = _rewrite(value)
    try:
        moment = _parse_iso(text) or _parse_words(text, value)
    except DateParseError:
        raise
    except (ParserError, ValueError, OverflowError, UnknownTimezoneWarning) as error:
        if hijri:
            raise DateParseError(
                f"Hijri date {value!r} without a Gregorian date; write the Gregorian date",
                f"التاريخ الهجري «{value}» غير مقبول وحده؛ اكتب التاريخ الميلادي",
            ) from error
        raise _unreadable(value) from error
    if moment.tzinfo is None and zone_name is not None:
        return moment.replace(tzinfo=ZoneInfo(zone_name))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def parse_editor_date(value: str, zone: tzinfo) -> datetime:
    """An editor's date as an aware datetime; naive input gets `zone` (AR-DATE-1/2).

    Raises `DateParseError` (English and Arabic messages) for anything else: incomplete
    dates, relative dates («أمس»), Hijri-only dates, unknown zone names.

    >>> from zoneinfo import ZoneInfo
    >>> parse_editor_date("الاثنين، ١٥ يناير ٢٠٢٤ ١٠:٣٠ ص", ZoneInfo("Asia/Kuwait")).isoformat()
    '2024-01-15T10:30:00+03:00'
    """
    if not value.strip():
        raise DateParseError("the date is empty", "التاريخ فارغ")
    moment = _parse_iso(value.strip()) or _parse_rewritten(value, zone)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    if moment.year < _MIN_YEAR:
        raise DateParseError(
            f"year {moment.year} in {value!r} is not a Gregorian year of a news article",
            f"السنة {moment.year} في «{value}» ليست سنة ميلادية لخبر (هل هي هجرية؟)",
        )
    return moment


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
