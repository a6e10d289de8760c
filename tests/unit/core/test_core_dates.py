"""Editor dates in (AR-DATE-1/2), ASCII feed dates out (AR-DATE-3)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nashra.core.dates import DateRuleError, format_rfc822, format_rfc3339, parse_editor_date
from nashra.core.problems import DateParseError, Problem

KUWAIT = ZoneInfo("Asia/Kuwait")
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MONTHS_EG = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
             "أكتوبر", "نوفمبر", "ديسمبر"]  # fmt: skip
MONTHS_LEVANT = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب",
                 "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"]  # fmt: skip


def parsed(value: str) -> str:
    return parse_editor_date(value, KUWAIT).isoformat()


def test_strict_iso_first_ar_date_1() -> None:
    assert parsed("2024-01-15T10:30:00+03:00") == "2024-01-15T10:30:00+03:00"
    assert parsed("2024-01-15T07:30:00Z") == "2024-01-15T07:30:00+00:00"
    assert parsed("2024-01-15T10:30:00+0300") == "2024-01-15T10:30:00+03:00"


def test_aware_input_keeps_its_offset_ar_date_2() -> None:
    moment = parse_editor_date("2024-01-15T10:30:00+05:30", KUWAIT)
    assert moment.utcoffset() == timedelta(hours=5, minutes=30)


def test_naive_input_gets_site_zone_ar_date_2() -> None:
    assert parsed("2024-01-15 10:30") == "2024-01-15T10:30:00+03:00"
    cairo = parse_editor_date("2024-07-15 10:00", ZoneInfo("Africa/Cairo"))
    assert cairo.utcoffset() == timedelta(hours=3)  # Egypt's summer time, from tzdata


def test_arabic_indic_digits_ar_date_1() -> None:
    assert parsed("٢٠٢٤-٠١-١٥T١٠:٣٠:٠٠+٠٣:٠٠") == "2024-01-15T10:30:00+03:00"
    assert parsed("١٥ يناير ٢٠٢٤") == "2024-01-15T00:00:00+03:00"
    assert parsed("۱۵ يناير ۲۰۲۴") == "2024-01-15T00:00:00+03:00"


def test_year_first_is_not_day_first_ar_date_1() -> None:
    assert parsed("2024/01/02 10:00") == "2024-01-02T10:00:00+03:00"
    assert parsed("2024-01-02") == "2024-01-02T00:00:00+03:00"
    assert parsed("02/01/2024") == "2024-01-02T00:00:00+03:00"


@pytest.mark.parametrize("month", range(1, 13))
def test_egyptian_gulf_month_ar_date_1(month: int) -> None:
    assert parsed(f"15 {MONTHS_EG[month - 1]} 2024") == f"2024-{month:02d}-15T00:00:00+03:00"


@pytest.mark.parametrize("month", range(1, 13))
def test_levantine_month_ar_date_1(month: int) -> None:
    assert parsed(f"15 {MONTHS_LEVANT[month - 1]} 2024") == f"2024-{month:02d}-15T00:00:00+03:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15 ابريل 2024", "2024-04-15T00:00:00+03:00"),
        ("15 يونيه 2024", "2024-06-15T00:00:00+03:00"),
        ("15 يوليه 2024", "2024-07-15T00:00:00+03:00"),
        ("15 جانفي 2024", "2024-01-15T00:00:00+03:00"),
        ("3 غشت 2024", "2024-08-03T00:00:00+03:00"),
        ("يـنـايـر 15، 2024", "2024-01-15T00:00:00+03:00"),
        (unicodedata.normalize("NFD", "15 أبريل 2024"), "2024-04-15T00:00:00+03:00"),
    ],
)
def test_month_spelling_variants_ar_date_1(value: str, expected: str) -> None:
    assert parsed(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15 يناير/كانون الثاني 2024", "2024-01-15T00:00:00+03:00"),
        ("آخر تحديث 11 يناير/ كانون الثاني 2024", "2024-01-11T00:00:00+03:00"),
        ("5 مايو/ أيار 2025", "2025-05-05T00:00:00+03:00"),
        ("الأحد 1 سبتمبر (أيلول) 2024", "2024-09-01T00:00:00+03:00"),
    ],
)
def test_dual_month_names_ar_date_1(value: str, expected: str) -> None:
    assert parsed(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("الاثنين، ١٥ يناير ٢٠٢٤ ١٠:٣٠ ص", "2024-01-15T10:30:00+03:00"),
        ("١٠:٣٠م ١٥ يناير ٢٠٢٤", "2024-01-15T22:30:00+03:00"),
        ("15 يناير 2024 الساعة 10:30 مساءً", "2024-01-15T22:30:00+03:00"),
        ("1 تشرين الأول 2023 - 09:15 صباحاً", "2023-10-01T09:15:00+03:00"),
        ("12:15 ص 1 يناير 2024", "2024-01-01T00:15:00+03:00"),
        ("12:15 م 1 يناير 2024", "2024-01-01T12:15:00+03:00"),
        ("نشر في 15 يناير 2024، 10:30 ص", "2024-01-15T10:30:00+03:00"),
        ("15\u200f/01\u200f/2024، 10:30:00 م", "2024-01-15T22:30:00+03:00"),
    ],
)
def test_am_pm_weekday_and_filler_words_ar_date_1(value: str, expected: str) -> None:
    assert parsed(value) == expected


def test_ad_suffix_is_not_pm_ar_date_1() -> None:
    assert parsed("15 يناير 2024م") == "2024-01-15T00:00:00+03:00"


def test_hijri_part_dropped_when_gregorian_given_ar_date_1() -> None:
    expected = "2024-01-15T00:00:00+03:00"
    assert parsed("الاثنين 4 رجب 1445هـ الموافق 15 يناير 2024م") == expected
    assert parsed("4 رجب 1445 هـ - 15 يناير 2024 م") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15 يناير 2024 13:00 (بتوقيت غرينتش)", "2024-01-15T13:00:00+00:00"),
        ("15 يناير 2024 الساعة 14:00 (ت.غ)", "2024-01-15T14:00:00+00:00"),
        ("15 يناير 2024 الساعة 9 مساء بتوقيت مكة المكرمة", "2024-01-15T21:00:00+03:00"),
        ("15 يوليو 2024 10:00 بتوقيت القاهرة", "2024-07-15T10:00:00+03:00"),
        ("15 يناير 2024 10:00 بتوقيت القاهرة", "2024-01-15T10:00:00+02:00"),
    ],
)
def test_zone_phrases_ar_date_2(value: str, expected: str) -> None:
    assert parsed(value) == expected


@pytest.mark.parametrize("value", ["15 يناير 2024 10:00 GMT+3", "15 يناير 2024 10:00 بتوقيت GMT+3"])
def test_gmt_plus_sign_not_inverted_ar_date_1(value: str) -> None:
    assert parsed(value) == "2024-01-15T10:00:00+03:00"


@pytest.mark.parametrize("value", ["15 يناير", "يناير 2024", "10:30 ص", "2024", "الاثنين 10:30"])
def test_incomplete_date_rejected_ar_date_1(value: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_editor_date(value, KUWAIT)
    assert "incomplete" in caught.value.message_en
    assert "ناقص" in caught.value.message_ar


def test_hijri_only_rejected_with_reason_ar_date_1() -> None:
    with pytest.raises(DateParseError) as caught:
        parse_editor_date("4 رجب 1445هـ", KUWAIT)
    assert "Hijri" in caught.value.message_en
    assert "الهجري" in caught.value.message_ar


def test_hijri_year_typed_as_iso_rejected_ar_date_1() -> None:
    with pytest.raises(DateParseError, match="1445"):
        parse_editor_date("1445-07-04", KUWAIT)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "أمس",
        "منذ ساعتين",
        "الساعة الثالثة عصرا 15 يناير 2024",
        "15 يناير 2024 10:00 ليلا",
        "15 يناير 2024 10:00 EST",
        "2024-02-30",
        "وزير الدفاع",
    ],
)
def test_unreadable_dates_rejected_in_both_languages_ar_date_1(value: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_editor_date(value, KUWAIT)
    assert caught.value.message_en and caught.value.message_ar
    assert caught.value.message_ar != caught.value.message_en


MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from(
        [UTC, KUWAIT, ZoneInfo("Africa/Cairo"), timezone(timedelta(hours=-5))]
    ),
    allow_imaginary=False,
).map(lambda moment: moment.replace(microsecond=0))


@given(MOMENTS)
def test_iso_round_trip_in_arabic_digits_ar_date_1(moment: datetime) -> None:
    text = moment.isoformat().translate(INDIC)
    back = parse_editor_date(text, KUWAIT)
    # timestamps: PEP 495 makes an ambiguous (fold=1) time unequal to every other zone's
    assert back.timestamp() == moment.timestamp()
    assert back.utcoffset() == moment.utcoffset()


@given(MOMENTS, st.booleans())
def test_arabic_words_round_trip_ar_date_1(moment: datetime, levantine: bool) -> None:
    names = MONTHS_LEVANT if levantine else MONTHS_EG
    local = moment.astimezone(KUWAIT).replace(tzinfo=None)
    hour12, half = (local.hour % 12 or 12), ("ص" if local.hour < 12 else "م")
    text = f"{local.day} {names[local.month - 1]} {local.year} {hour12}:{local.minute:02d} {half}"
    back = parse_editor_date(text, KUWAIT)
    assert back.timestamp() == moment.timestamp() - moment.second


TOKENS = [*MONTHS_EG, *MONTHS_LEVANT, "ص", "م", "مساءً", "الساعة", "الموافق", "رجب", "1445هـ",
          "GMT+3", "بتوقيت", "القاهرة", "/", "(", ")", "،", ":", "T", "+03:00"]  # fmt: skip
DATE_SOUP = st.lists(
    st.one_of(st.sampled_from(TOKENS), st.integers(0, 3000).map(str), st.text(max_size=3)),
    max_size=8,
).map(" ".join)


@given(st.one_of(st.text(max_size=40), DATE_SOUP))
def test_never_raises_anything_but_date_parse_error_ar_date_1(value: str) -> None:
    try:
        moment = parse_editor_date(value, KUWAIT)
    except DateParseError as error:
        assert error.message_en and error.message_ar
    else:
        assert moment.tzinfo is not None and moment.utcoffset() is not None


def test_rfc822_is_ascii_english_ar_date_3() -> None:
    moment = parse_editor_date("الاثنين، ١٥ يناير ٢٠٢٤ ١٠:٣٠ ص", KUWAIT)
    assert format_rfc822(moment) == "Mon, 15 Jan 2024 07:30:00 +0000"
    assert format_rfc3339(moment) == "2024-01-15T07:30:00Z"


# Issue 8 #6: ISO-like text outside the strict pattern is read year-month-day, or rejected;
# dateutil swapped day and month in several of these (5 November became 11 May).
NOV_5 = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)  # 10:00 at +03:00


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-05T10:00:00+03:00",
        "2026-11-05T10:00:00 +03:00",
        "2026-11-05T10:00:00+03",
        "2026-11-05T10:00:00 +03",
        "2026-11-05T10:00:00+3",
        "2026-11-05T10:00:00+0300",
        "2026-11-05T10:00+03:00",
        "2026-11-05t10:00:00+03:00",
        "2026-11-05 10:00:00 +03:00",
        "2026-11-05 T 10:00 +03:00",
        "2026-11-5T10:00:00+03:00",
        "2026-11-05T10:00:00.000+03:00",
        "2026-11-05T10:00:00,000000000+03:00",
        "2026-11-05T07:00:00Z",
        "2026-11-05T07:00:00 Z",
        "2026-11-05t07:00:00z",
        "2026-11-05T07:00:00 UTC",
        "2026-11-05 10:00:00 GMT+3",
        "20261105T100000+0300",
        "2026/11/05 10:00 +03:00",
        "2026.11.05T10:00:00+03:00",
        "2026-11-05T10",  # naive: the site zone (Kuwait, +03:00)
        "2026-11-05T10:00:00",
        "٢٠٢٦-١١-٠٥T١٠:٠٠:٠٠ +٠٣",
        "2026-11-05 10:00 ص",
        "2026-11-05T10:00:00 بتوقيت مكة",
    ],
)
def test_iso_like_variants_read_right_ar_date_1(value: str) -> None:
    assert parse_editor_date(value, KUWAIT) == NOV_5


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-05T10:00+03:00:00",
        "2026-11-05T24:00:00+03:00",
        "2026-11-05T10:00:00+03:60",
        "2026-13-05T10:00:00+03:00",
        "2026-11-31T10:00:00+03:00",
        "2026-W45-4",
        "2026-309",
    ],
)
def test_iso_like_variants_rejected_never_guessed_ar_date_1(value: str) -> None:
    with pytest.raises(DateParseError):
        parse_editor_date(value, KUWAIT)


@given(
    st.datetimes(
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001
        max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    ),
    st.sampled_from(["T", "t", " ", " T "]),
    st.sampled_from(["+03:00", " +03:00", "+03", " +0300", "+3"]),
)
def test_iso_like_never_swaps_day_and_month(moment: datetime, sep: str, offset: str) -> None:
    text = f"{moment:%Y-%m-%d}{sep}{moment:%H:%M:%S}{offset}"
    back = parse_editor_date(text, UTC)
    assert (back.year, back.month, back.day) == (moment.year, moment.month, moment.day)
    assert back.utcoffset() == timedelta(hours=3)


NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("2026-11-05T10:00:00+25:00", "offset-range"),
        ("2026-11-05T10:00:00-14:01", "offset-range"),
        ("2026-11-05T10:00:00+99:59", "offset-range"),
        ("2026-11-05 10:00 GMT+25", "offset-range"),
        ("15 يناير 2024 10:00 +2400", "offset-range"),
        ("9999-12-31T23:59:59-12:00", "future"),
        ("9999-12-31T23:59:59Z", "future"),
        ("9999-12-31T23:59:59", "future"),
        ("2026-11-29T18:00:01Z", "future"),
        ("0001-01-01T00:00:00+14:00", "date-range"),
        ("1899-12-31T23:59:59Z", "date-range"),
        ("1900-01-01T00:00:00+01:00", "date-range"),
    ],
)
def test_bounds_b9_b10(value: str, rule: str) -> None:
    with pytest.raises(DateRuleError) as caught:
        parse_editor_date(value, ZoneInfo("America/Los_Angeles"), now=NOW)
    assert caught.value.rule == rule
    assert caught.value.message_en and caught.value.message_ar


@pytest.mark.parametrize(
    ("value", "year"),
    [
        ("1 يناير 0001", 1),
        ("١ يناير ٠٠٠١ ١٠:٣٠ ص", 1),
        ("5 نوفمبر 0026 10:30", 26),
        ("5 نوفمبر 026", 26),
        ("05/11/0026 10:30", 26),
        ("Nov 5 0026", 26),
    ],
)
def test_a_four_digit_year_below_100_is_that_year_never_this_century_b9(
    value: str, year: int
) -> None:
    """dateutil reads «0026» as 26 and moves a year under 100 into this century, so
    «5 نوفمبر 0026» was published as 5 November 2026: a typed year, guessed."""
    with pytest.raises(DateRuleError) as caught:
        parse_editor_date(value, KUWAIT, now=NOW)
    assert caught.value.rule == "date-range"
    assert f"year {year} in {value!r}" in caught.value.message_en


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5 نوفمبر 2026 0026", "2026-11-05T00:26:00+03:00"),  # the year written whole
        ("5 نوفمبر 2026 0830", "2026-11-05T08:30:00+03:00"),
    ],
)
def test_a_padded_number_beside_a_whole_year_is_no_year(value: str, expected: str) -> None:
    assert parse_editor_date(value, KUWAIT, now=NOW).isoformat() == expected


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-05T10:00:00+14:00",
        "2026-11-05T10:00:00-12:00",
        "2026-11-05T10:00:00-14:00",
        "2026-11-29T18:00:00Z",
        "1900-01-01T00:00:00Z",
        "1899-12-31T23:00:00-01:00",
    ],
)
def test_within_bounds_b9_b10(value: str) -> None:
    """A date at the edge of the bounds is accepted as the instant it names, in its offset."""
    moment = parse_editor_date(value, KUWAIT, now=NOW)
    named = datetime.fromisoformat(value)
    assert moment == named and moment.utcoffset() == named.utcoffset()


def test_far_future_without_now_is_read_not_overflowed() -> None:
    """Without `now`, the range is not checked, but reading never overflows."""
    moment = parse_editor_date("9999-12-31T23:59:59-12:00", KUWAIT)
    assert moment.year == 9999


@given(
    st.datetimes(
        min_value=datetime(1, 1, 2),  # noqa: DTZ001 (hypothesis attaches the zone)
        max_value=datetime(9999, 12, 30),  # noqa: DTZ001
        timezones=st.sampled_from([UTC, KUWAIT, ZoneInfo("America/St_Johns")]),
    )
)
def test_rfc822_is_what_email_utils_writes_for_utc_ar_date_3(moment: datetime) -> None:
    """The hand-written formatter against the standard library's, at every instant."""
    assert format_rfc822(moment) == format_datetime(moment.astimezone(UTC))


@pytest.mark.parametrize(
    ("value", "english", "arabic"),
    [
        (
            "2026-02-30T10:00:00+03:00",
            "names no day: February 2026 has 28 days",
            "فبراير 2026 فيه 28",
        ),
        ("2024-02-30", "names no day: February 2024 has 29 days", "فبراير 2024 فيه 29"),
        ("٢٠٢٦/١١/٣١ ١٠:٠٠", "names no day: November 2026 has 30 days", "نوفمبر 2026 فيه 30"),
        ("31/11/2026 10:00", "names no day: November 2026 has 30 days", "نوفمبر 2026 فيه 30"),
        ("٣١/٤/٢٠٢٦", "names no day: April 2026 has 30 days", "أبريل 2026 فيه 30"),
        ("2026-11-00T10:00:00Z", "names no day: November 2026 has 30 days", "نوفمبر"),
        ("2026-13-05T10:00:00+03:00", "there is no month 13", "لا يوجد شهر رقمه 13"),
        ("15/13/2026", "there is no month 13", "لا يوجد شهر رقمه 13"),
        ("99/99/2026", "there is no month 99", "لا يوجد شهر رقمه 99"),
        ("2026-11-05T25:00:00+03:00", "names no time: hours run 0 to 23", "ليس وقتًا"),
        ("2026-11-05T10:61:00+03:00", "names no time", "ليس وقتًا"),
        # A weekday that is not the date's: one of the two is a typo, never guessed.
        (
            "الخميس 20 نوفمبر 2026 10:30 ص",
            "says Thursday, but 20 November 2026 is a Friday: correct the date or the weekday",
            "يذكر يوم الخميس، لكن 20 نوفمبر 2026 يوم الجمعة",
        ),
        ("الأحد، ١٦ نوفمبر ٢٠٢٦", "says Sunday, but 16 November 2026 is a Monday", "يوم الاثنين"),
        ("يوم السبت 20/11/2026", "says Saturday, but 20 November 2026 is a Friday", "يوم الجمعة"),
        ("Thu, 20 Nov 2026 10:30:00 +0300", "says Thursday, but 20 November", "يوم الخميس"),
    ],
)
def test_an_impossible_date_says_which_field_names_nothing(
    value: str, english: str, arabic: str
) -> None:
    """Editors mistype a day past the month's end more than anything: the report says the
    month's length instead of "unrecognised", in both languages, quoting what they wrote."""
    with pytest.raises(DateParseError) as caught:
        parse_editor_date(value, KUWAIT)
    assert english in caught.value.message_en and repr(value) in caught.value.message_en
    assert arabic in caught.value.message_ar and f"«{value}»" in caught.value.message_ar


@pytest.mark.parametrize("value", ["أمس", "2026 2026 2026", "2026-1105", "5 نوفمبر"])
def test_a_date_that_is_not_numbers_of_a_day_stays_unrecognised(value: str) -> None:
    with pytest.raises(DateParseError) as caught:
        parse_editor_date(value, KUWAIT)
    assert caught.value.message_en.startswith(("unrecognised date", "incomplete date"))


def test_a_report_quotes_the_editors_date_once() -> None:
    """`check_date` reports the parser's message as it is: it already quotes the value."""
    from nashra.core.fields import check_date
    from nashra.core.site import parse_site

    site = parse_site((Path(__file__).resolve().parents[3] / "content" / "site.json").read_bytes())
    problems: list[Problem] = []
    assert check_date("published", "31/11/2026", site, problems, now=NOW) is None
    [problem] = problems
    assert (problem.field, problem.rule) == ("published", "date")
    assert problem.message_en.count("31/11/2026") == 1
    assert problem.message_ar.count("31/11/2026") == 1
