"""Each shortcut that makes intake and its hand-off cheaper gives what the full path gives.

- Intake results pickle in a compact form (`core.article._Compact`) and load as the same
  objects, with the state pydantic gave them.
- An excerpt of text with one grapheme per character is cut on the string
  (`excerpt._excerpt_of_characters`), as the grapheme list was cut.
- `plain_text` collapses a shorter head first; `is_empty_html` answers from a fragment's
  first text; `_split` reads a sanitised fragment as `_scan` does tag by tag.
- `sanitize_html(..., untouched=True)` skips cleaning its output when the fragment holds
  only `UNTOUCHED` characters and no "&".
- `_clean_strings` skips untouched strings; `canonical_url` skips quoting ASCII parts;
  `_parse_canonical` reads the canonical date form as `_parse_iso` does; authors given as
  names need no `AuthorInput`.
"""

from __future__ import annotations

import pickle
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.characters import class_characters

from nashra.builder.cache import dump_result, load_result
from nashra.core import dates, excerpt, intake, markup, urls
from nashra.core.article import Article, ArticleInput, Author, AuthorInput, Image
from nashra.core.excerpt import excerpt_of_collapsed, make_excerpt
from nashra.core.fields import check_authors
from nashra.core.intake import IntakeResult, parse_article
from nashra.core.keys import file_stem
from nashra.core.problems import DateParseError, Problem
from nashra.core.site import Section, Site
from nashra.core.text import UNTOUCHED, clean_text, is_untouched

KUWAIT = ZoneInfo("Asia/Kuwait")
SITE = Site(
    title="نشرة", base_url="https://news.example.com", feeds_url="https://feeds.example.com"
)
SECTIONS = (Section(slug="gulf", title="الخليج"), Section(slug="economy", title="اقتصاد"))
NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)


UNTOUCHED_CHARACTERS = class_characters(UNTOUCHED)
ONE_PER_CHARACTER = class_characters(excerpt.ONE_PER_CHARACTER)
WORDS = ["وزير", "الدفاع", "الكويتي", "Apple", "٢٠٢٦", "«قمة»", "(", "،", "..."]


# --- the compact pickle -----------------------------------------------------------------


def _state(value: Any) -> Any:
    """Everything a model or result holds, nested, down to the zone objects."""
    if isinstance(value, Article | Author | Image):
        state = value.__getstate__()
        return (
            type(value),
            {k: _state(v) for k, v in state["__dict__"].items()},
            list(state["__dict__"]),
            state["__pydantic_fields_set__"],
            type(state["__pydantic_fields_set__"]),
            state["__pydantic_extra__"],
            state["__pydantic_private__"],
        )
    if isinstance(value, IntakeResult):
        return (_state(value.article), [_state(p) for p in value.problems])
    if isinstance(value, Problem):
        return (value.field, value.rule, value.message_en, value.message_ar, value.severity)
    if isinstance(value, tuple):
        return tuple(_state(v) for v in value)
    if isinstance(value, datetime):
        zone = value.tzinfo
        # A zone of the database is one object per name (as pickle loads it too); a fixed
        # offset is a value.
        same = id(zone) if isinstance(zone, ZoneInfo) else (zone, value.tzname())
        return (value.replace(tzinfo=None), value.fold, same, type(zone))
    return value


ZONES = st.sampled_from(
    [None, UTC, KUWAIT, ZoneInfo("America/New_York"), timezone(timedelta(hours=3))]
)
MOMENTS = st.builds(
    lambda d, zone, fold: d.replace(tzinfo=zone, fold=fold),
    st.datetimes(
        min_value=datetime(1900, 1, 2),  # noqa: DTZ001 (naive: the zone is drawn apart)
        max_value=datetime(9998, 12, 30),  # noqa: DTZ001
    ),
    ZONES,
    st.integers(0, 1),
)
TEXT = st.text(max_size=20)
AUTHORS = st.builds(Author, name=TEXT, url=st.none() | TEXT, email=st.none() | TEXT) | st.builds(
    lambda name: Author.model_construct(name=name), TEXT
)
IMAGES = st.none() | st.builds(
    Image, url=TEXT, alt=st.none() | TEXT, width=st.none() | st.integers(1, 9)
)
ARTICLES = st.builds(
    lambda fields, partial: (Article.model_construct if partial else Article)(**fields),
    st.fixed_dictionaries(
        {
            "id": TEXT,
            "key": TEXT,
            "section": TEXT,
            "title": TEXT,
            "published": MOMENTS,
            "summary": TEXT,
            "body_html": TEXT,
            "url": TEXT,
        },
        optional={
            "breaking": st.booleans(),
            "updated": st.none() | MOMENTS,
            "authors": st.lists(AUTHORS, max_size=3).map(tuple),
            "tags": st.lists(TEXT, max_size=3).map(tuple),
            "image": IMAGES,
            "status": st.sampled_from(["published", "draft", "scheduled"]),
            "correction": st.none() | TEXT,
        },
    ),
    st.booleans(),
)
PROBLEMS = st.builds(Problem, TEXT, TEXT, TEXT, TEXT, st.sampled_from(["error", "warning"]))


@given(st.none() | ARTICLES, st.lists(PROBLEMS, max_size=3).map(tuple))
def test_a_result_loads_as_the_objects_it_was(
    article: Article | None, problems: tuple[Problem, ...]
) -> None:
    result = IntakeResult(article, problems)
    loaded = load_result(dump_result(result))
    assert loaded == result
    assert _state(loaded) == _state(result)


def test_a_model_with_more_in_its_state_pickles_as_pydantic_pickles_it() -> None:
    author = Author(name="سارة")
    object.__setattr__(author, "__pydantic_private__", {"x": 1})
    assert pickle.loads(pickle.dumps(author)).__pydantic_private__ == {"x": 1}
    given: dict[str, Any] = {"id": "a", "key": "k", "surplus": 1}  # `surplus`: no field
    article = Article.model_construct(**given)
    assert pickle.loads(pickle.dumps(article)).__dict__ == article.__dict__


def test_a_zone_loads_as_the_one_object_of_its_name() -> None:
    moment = datetime(2026, 3, 1, 9, tzinfo=KUWAIT)
    article = Article(
        id="a",
        key="k",
        section="gulf",
        title="t",
        published=moment,
        summary="",
        body_html="",
        url="https://x.example/",
    )
    assert load_result(dump_result(article)).published.tzinfo is KUWAIT


# --- excerpts ---------------------------------------------------------------------------


def _excerpt_as_first_written(collapsed: str, limit: int, ellipsis: str) -> str:
    graphemes = excerpt._graphemes(collapsed, limit + 1)
    if len(graphemes) <= limit:
        return collapsed
    budget = limit - len(excerpt._graphemes(ellipsis, limit))
    if budget < 1:
        raise ValueError("no room")
    kept = excerpt._cut(graphemes, budget)
    while kept and kept[-1] in excerpt._TRAILING:
        kept.pop()
    return "".join(kept) + ellipsis


ONE_PER_CHARACTER_TEXT = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.sampled_from(ONE_PER_CHARACTER),
        st.sampled_from(["\u00a0", "\u2028", ".", "،", "«", "-", "\u0651", "👍🏽", "—", "؟"]),
    ),
    max_size=40,
).map(" ".join)


@given(ONE_PER_CHARACTER_TEXT, st.integers(1, 60), st.sampled_from(["…", "...", "", "👍🏽"]))
def test_an_excerpt_cut_on_the_string_is_the_one_cut_on_graphemes(
    text: str, limit: int, ellipsis: str
) -> None:
    try:
        expected: object = _excerpt_as_first_written(text, limit, ellipsis)
    except ValueError:
        expected = ValueError
    try:
        found: object = excerpt_of_collapsed(text, limit, ellipsis)
    except ValueError:
        found = ValueError
    assert found == expected


TASHKEEL_BODY = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<b>", "</b>", "\n", " ", "  "]),
        st.sampled_from([*WORDS, "مُحَمَّدٌ", "e\u0301", "&amp;", "\u200c"]),
    ),
    min_size=50,
    max_size=400,
).map("".join)


@given(TASHKEEL_BODY, st.sampled_from([2, 20, 100, 280]))
def test_the_head_plain_text_collapses_gives_the_excerpt_of_the_whole_text(
    body: str, limit: int
) -> None:
    html = markup.sanitize_html(body, "https://e.example/")
    whole = markup.plain_text(html)
    head = markup.plain_text(html, limit + 2)
    assert whole.startswith(head)
    assert excerpt_of_collapsed(head, limit) == make_excerpt(markup.html_to_text(html), limit)


# --- reading sanitised HTML -------------------------------------------------------------

OPENINGS = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "<h2>", "<div>", "<pre>", "<b>", "<img>", "<br>", "<P>"]),
        st.sampled_from(["<script>", "<style>", '<p dir="rtl">', "<!-- x -->", "</p>"]),
    ),
    max_size=4,
).map("".join)
FIRST_TEXT = st.sampled_from(
    [" ", "\u200c", "\u200f", "&nbsp;", "&amp;", "<", "\u00ad", "\n", "x", "و", "\u0651", ""]
)
REST = st.lists(
    st.sampled_from(["</p>", "<p>", "x", " ", '<img src="https://e.example/a.jpg">', "</b>"]),
    max_size=5,
).map("".join)


@given(OPENINGS, FIRST_TEXT, REST)
def test_emptiness_answered_from_the_first_text_is_the_answer_read(
    opening: str, first: str, rest: str
) -> None:
    fragment = opening + first + rest
    assert markup.is_empty_html(fragment) == markup._is_empty_read(fragment)


SANITISED_PIECES = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<br/>", "<td>", "</td>", "<h2>", "</h2>"]),
        st.sampled_from(['<img src="https://e.example/a.jpg">', '<img alt="x">', "<script>"]),
        st.sampled_from(['<a href="x">', '</a href="x">', "&amp;", "&lt;", " ", "\n", "وزير"]),
        st.text(max_size=3),
    ),
    max_size=40,
).map("".join)


@given(SANITISED_PIECES)
def test_a_fragment_split_at_once_reads_as_it_does_tag_by_tag(fragment: str) -> None:
    at_once = markup._split(fragment)
    by_tag = markup._scan(fragment, lambda _: False)  # a `stop` that never stops
    assert (at_once is None) == (by_tag is None)
    if at_once is not None and by_tag is not None:
        assert "".join(at_once.parts) == "".join(by_tag.parts)
        assert at_once.images == by_tag.images


UNTOUCHED_BODY = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<b>", "</b>", "<h1>", "<table><td>", "\n\n"]),
        st.sampled_from(['<a href="/r?q=1">', '<img src="a.jpg">', "<script>x</script>", "<"]),
        st.sampled_from(["&amp;", "&#x202e;", "&#769;", "&shy;", "&", "\r\n", "e"]),
        st.text(alphabet=UNTOUCHED_CHARACTERS, max_size=4),
    ),
    max_size=40,
).map("".join)


@given(UNTOUCHED_BODY)
def test_an_untouched_fragment_sanitises_as_any_fragment(fragment: str) -> None:
    assert is_untouched(fragment)
    base = "https://news.example.com/ar/gulf/1"
    assert markup.sanitize_html(fragment, base, untouched=True) == markup.sanitize_html(
        fragment, base
    )


# --- strings, URLs, dates, authors ------------------------------------------------------


def _clean_strings_as_first_written(value: Any, field: str, problems: list[Problem]) -> Any:
    if isinstance(value, str):  # the general path: every string cleaned, none skipped
        return intake._clean_string(value, field, problems)
    if isinstance(value, list):
        return [
            _clean_strings_as_first_written(v, f"{field}[{i}]", problems)
            for i, v in enumerate(value)
        ]
    if isinstance(value, dict):
        return {
            k: _clean_strings_as_first_written(v, f"{field}.{k}" if field else k, problems)
            for k, v in value.items()
        }
    return value


STRINGS = st.text(alphabet=st.sampled_from(["a", "و", " ", "\u200b", "\x00", "\u0301", "ﻭ"]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | STRINGS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["", "a", "body", "title"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.sampled_from(["", "id", "body", "tags", "image"]), JSON_VALUES))
def test_strings_are_cleaned_and_reported_as_before(data: dict[str, Any]) -> None:
    expected_problems: list[Problem] = []
    expected = _clean_strings_as_first_written(data, "", expected_problems)
    problems: list[Problem] = []
    untouched: set[str] = set()
    assert intake._clean_strings(data, "", problems, untouched) == expected
    assert problems == expected_problems
    assert untouched == {k for k, v in data.items() if isinstance(v, str) and is_untouched(v)}


@given(
    st.sampled_from(["gulf", "Gulf_2", "اقتصاد", "a b", "é", "e\u0301", "x~y.z", ""]),
    st.sampled_from(["gulf-summit-2026", "a", "ids/with/slash", "٣"]),
    st.none() | st.sampled_from(["", "وزير-الدفاع", "summit", "a b"]),
)
def test_a_canonical_url_of_ascii_parts_is_the_one_quoted(
    section: str, article_id: str, slug: str | None
) -> None:
    tail = f"{article_id}-{slug}" if slug else article_id
    quoted = (quote(unicodedata.normalize("NFC", p), safe="-._~") for p in (section, tail))
    expected = urls.encode_uri("/".join(("https://news.example.com/ar", *quoted)))
    assert urls.canonical_url("https://news.example.com/ar/", section, article_id, slug) == expected


DIGITS = st.integers(0, 99).map(lambda n: f"{n:02d}")
CANONICAL = st.builds(
    lambda y, mo, d, h, mi, s, z: f"{y:04d}-{mo}-{d}T{h}:{mi}:{s}{z}",
    st.integers(0, 9999),
    st.sampled_from(["00", "01", "02", "12", "13"]) | DIGITS,
    st.sampled_from(["00", "01", "28", "29", "30", "31", "32"]) | DIGITS,
    st.sampled_from(["00", "23", "24"]) | DIGITS,
    DIGITS,
    DIGITS,
    st.sampled_from(["", "Z"]),
)


@given(CANONICAL | st.sampled_from(["2026-01-05T10:30:00+03:00", "2026-1-5T10:30:00", "x" * 19]))
def test_the_canonical_form_is_read_as_iso(value: str) -> None:
    try:
        expected: object = dates._parse_iso(value, value)
    except DateParseError as error:
        expected = error.message_en
    found = dates._parse_canonical(value)
    if found is not None:  # else the full path reads it, as before
        assert found == expected
        assert isinstance(expected, datetime)
        assert (found.tzinfo, found.fold) == (expected.tzinfo, expected.fold)
    for zone in (KUWAIT, UTC):
        try:
            moment: object = dates.parse_editor_date(value, zone, now=NOW)
        except DateParseError as error:
            moment = error.message_en
        if found is not None and isinstance(moment, datetime):
            assert moment.replace(tzinfo=None) == found.replace(tzinfo=None)


@given(st.lists(st.sampled_from(["سارة الكندري", "", " ", "<b>x</b>", "a" * 201]), max_size=4))
def test_authors_given_as_names_are_the_authors_given_as_objects(names: list[str]) -> None:
    """Names were once read through `AuthorInput.model_construct(name=...)`."""
    fields: dict[str, Any] = {"section": "gulf", "title": "t", "published": "2026", "body": "b"}
    as_names = ArticleInput.model_validate({**fields, "authors": names})
    as_objects = ArticleInput.model_construct(
        **fields, authors=[AuthorInput.model_construct(name=name) for name in names]
    )
    named: list[Problem] = []
    objects: list[Problem] = []
    assert check_authors(as_names, named) == check_authors(as_objects, objects)

    def as_named(problem: Problem) -> Problem:  # an object's problems name `.name`
        en, ar = (m.replace("].name", "]") for m in (problem.message_en, problem.message_ar))
        return Problem(problem.field.removesuffix(".name"), problem.rule, en, ar, problem.severity)

    assert named == [as_named(p) for p in objects]


# --- the whole intake -------------------------------------------------------------------


@given(
    UNTOUCHED_BODY,
    st.sampled_from(["", "\u200b", "\u0301"]),
    st.sampled_from(["2026-11-05T10:30:00", "2026-11-05T10:30:00Z", "٥ نوفمبر ٢٠٢٦"]),
)
def test_an_untouched_body_is_sanitised_as_a_cleaned_one(
    body: str, extra: str, published: str
) -> None:
    raw = {
        "id": "a-1",
        "section": "gulf",
        "title": "وزير الدفاع",
        "published": published,
        "body": body + extra,
        "authors": ["سارة"],
        "tags": ["دفاع"],
    }
    import json

    result = parse_article(
        json.dumps(raw).encode(), key="articles/a-1.json", site=SITE, sections=SECTIONS, now=NOW
    )
    cleaned = clean_text(body + extra)[0]
    if result.article is not None and markup.looks_like_html(cleaned):
        assert result.article.body_html == markup.sanitize_html(cleaned, result.article.url)
    assert load_result(dump_result(result)) == result


@pytest.mark.parametrize("limit", [1, 2, 280])
def test_an_excerpt_of_short_text_is_the_text(limit: int) -> None:
    assert excerpt_of_collapsed("و" * limit, limit) == "و" * limit


KEY_PARTS = st.lists(st.sampled_from(["a", "و", "/", ".", ".json", "articles/", " "]))


@given(KEY_PARTS.map("".join))
def test_a_key_cut_at_its_last_slash_names_the_file_pathlib_names(key: str) -> None:
    """`keys.file_stem` cuts most keys at their last "/" instead of building a path; the
    stem (an article's id when it names none) is the one `PurePosixPath` gives."""
    assert file_stem(key) == PurePosixPath(key).name.removesuffix(".json")
