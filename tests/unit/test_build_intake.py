"""What makes a build's intake faster holds to what it replaced, and what its cache assumes
of intake holds.

- `clean_text` returns text of `UNTOUCHED` characters as it is: each is checked here to be
  one that no step of `clean_text` changes, wherever it stands.
- A default summary collapses the head of a body's text once (`plain_text`), and is the
  excerpt of the whole text; nh3's sanitiser is built once (`markup._cleaner`).
- JSON nesting is only measured when the brackets could exceed the bound; duplicate keys
  are found by the size of a dict first.
- The build cache reuses an intake result at a later time unless a date was in the future
  (`nashra.builder.ahead.Logged.volatile`): intake depends on the time through that alone.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st
from tests.characters import class_characters

from nashra.core import decode, markup, text
from nashra.core.excerpt import excerpt_of_collapsed, make_excerpt
from nashra.core.intake import parse_article
from nashra.core.markup import html_to_text, plain_text, sanitize_html
from nashra.core.problems import Problem
from nashra.core.site import Section, Site
from nashra.core.text import UNTOUCHED, clean_text

UNTOUCHED_CHARACTERS = class_characters(UNTOUCHED)


def _second_halves_of_compositions() -> set[str]:
    """Characters NFC may compose with the character before them."""
    found = set()
    for code in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            found.add(chr(int(parts[1], 16)))
    return found


def _clean_text_in_full(value: str) -> tuple[str, int]:
    """`clean_text` as first written: every step on every string, NFC twice."""
    stripped, removed = text._STRIPPED.subn("", value)
    capped = text._MARK_RUN.sub(r"\1", stripped)
    normal = unicodedata.normalize("NFC", capped)
    folded = text._PRESENTATION_FORMS.sub(text._fold_presentation_form, normal)
    return unicodedata.normalize("NFC", folded), removed + len(stripped) - len(capped)


def test_no_step_of_clean_text_changes_an_untouched_character() -> None:
    assert {"ا", "ي", "٣", "،", "a", " ", "\n", "\u200c", "\u200f", "…"} <= set(
        UNTOUCHED_CHARACTERS
    )
    composing = _second_halves_of_compositions()
    for char in UNTOUCHED_CHARACTERS:
        assert _clean_text_in_full(char) == (char, 0), hex(ord(char))
        assert unicodedata.normalize("NFC", char) == char, hex(ord(char))
        assert unicodedata.combining(char) == 0, hex(ord(char))
        assert regex.fullmatch(r"\p{ccc=0}", char), hex(ord(char))
        assert not text._PRESENTATION_FORMS.match(char), hex(ord(char))
        assert char not in composing, hex(ord(char))


MIXED = st.lists(
    st.one_of(
        st.sampled_from(UNTOUCHED_CHARACTERS),
        st.sampled_from(["\u0651", "\u0301", "\u200b", "\ufefb", "\u2000", "\x00", "\u0653"]),
        st.text(max_size=3),
    ),
    max_size=60,
).map("".join)


@given(MIXED)
def test_clean_text_is_what_every_step_gives(value: str) -> None:
    assert clean_text(value) == _clean_text_in_full(value)


@given(st.text(alphabet='[]{}"\\ax', max_size=80))
def test_nesting_is_never_deeper_than_the_brackets_opened(document: str) -> None:
    assert decode.json_depth(document) <= document.count("[") + document.count("{")


def _no_duplicates_as_first_written(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for raw_key, value in pairs:
        key = decode.printable(raw_key)
        if key in seen:
            raise ValueError(key)
        seen[key] = value
    return seen


KEYS = st.sampled_from(["a", "b", "id", "\ud800", "\udfff", "\ufffd", "عنوان"])


@given(st.lists(st.tuples(KEYS, st.integers(0, 3)), max_size=6))
def test_duplicate_keys_are_found_as_before(pairs: list[tuple[str, int]]) -> None:
    try:
        expected: object = _no_duplicates_as_first_written(pairs)
    except ValueError as error:
        expected = str(error)
    try:
        found: object = decode._no_duplicates(pairs)
        assert list(found.items()) == list(expected.items())  # type: ignore[union-attr]
    except decode._DocumentError as error:
        found = error.problem.field
    assert found == expected


BODY_PIECES = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<td>", "<h2>", "</h2>", "<b>", "</b>", "\n"]),
        st.sampled_from(["&amp;", "&nbsp;", " ", "\u200c", "\u0651", "👍🏽", "🇰🇼", "وزير", "x"]),
        st.text(max_size=5),
    ),
    max_size=60,
)


@given(BODY_PIECES, st.integers(min_value=1, max_value=3000))
def test_the_default_summary_is_the_excerpt_of_the_whole_text(
    pieces: list[str], repeat: int
) -> None:
    body = sanitize_html("".join(pieces) * repeat, "https://e.example/")
    whole = html_to_text(body)
    assert plain_text(body) == " ".join(whole.split())
    for limit in (2, 20, 280):
        expected = make_excerpt(whole, limit)
        assert excerpt_of_collapsed(plain_text(body, limit + 2), limit) == expected


FRAGMENTS = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<br/>", "<td>", "</td>", "<h2>", "<b>", "\n"]),
        st.sampled_from(['<img src="https://e.example/a.jpg">', '<img alt="x">', "<script>"]),
        st.sampled_from(['<a href="x">', '</a href="x">', "<P>", "<", "&amp;", "&lt;", " "]),
        st.text(max_size=4),
    ),
    max_size=40,
).map("".join)


@given(FRAGMENTS)
def test_a_short_body_is_read_in_one_split_as_tag_by_tag(fragment: str) -> None:
    whole, by_tag = markup._scan(fragment), markup._scan(fragment, lambda text: False)
    if by_tag is None:
        assert whole is None
    else:
        assert whole is not None
        assert ("".join(whole.parts), whole.images) == ("".join(by_tag.parts), by_tag.images)


# -- what the build cache assumes of intake ----------------------------------------------

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DATES = st.one_of(
    st.integers(-10 * 24 * 60, 10 * 24 * 60).map(
        lambda minutes: (T0 + timedelta(minutes=minutes)).isoformat()
    ),
    st.sampled_from(["1899-12-31T23:00:00Z", "أمس", "2026-11-29T15:00:00", ""]),
)


FIELDS = st.fixed_dictionaries(
    {"published": DATES},
    optional={"updated": DATES, "correction": st.just("صُحّح الرقم")},
)


@given(fields=FIELDS, later=st.integers(0, 30 * 24 * 60))
def test_a_result_without_a_date_in_the_future_holds_later(
    site: Site, sections: tuple[Section, ...], fields: dict[str, str], later: int
) -> None:
    data = {"section": "gulf", "title": "وزير الدفاع", "body": "<p>نص الخبر.</p>", **fields}
    raw = json.dumps(data, ensure_ascii=False).encode()
    first = parse_article(raw, key="articles/a.json", site=site, sections=sections, now=T0)
    if any(p.rule == "future" for p in first.problems):
        return
    if first.article is not None and first.article.status == "scheduled":
        return  # published once its time comes (B-20): the build never reuses it
    then = T0 + timedelta(minutes=later)
    assert parse_article(raw, key="articles/a.json", site=site, sections=sections, now=then) == (
        first
    )


@pytest.mark.parametrize(
    ("field", "when", "wait"),
    [
        ("published", "2027-01-20T08:00:00Z", timedelta(days=60)),  # over B-20's 30 days
        ("updated", "2026-11-30T08:00:00Z", timedelta(days=1)),  # over B-9's 6 hours
    ],
)
def test_a_date_in_the_future_is_the_one_result_that_changes(
    site: Site, sections: tuple[Section, ...], field: str, when: str, wait: timedelta
) -> None:
    data = {
        "section": "gulf",
        "title": "خبر",
        "published": "2026-11-20T08:00:00Z",
        "body": "نص.",
        field: when,
    }
    raw = json.dumps(data, ensure_ascii=False).encode()
    early = parse_article(raw, key="articles/a.json", site=site, sections=sections, now=T0)
    later = T0 + wait
    late = parse_article(raw, key="articles/a.json", site=site, sections=sections, now=later)
    assert [p.rule for p in early.problems] == ["future"]
    assert late.article is not None and late.problems == ()
    assert isinstance(early.problems[0], Problem)
