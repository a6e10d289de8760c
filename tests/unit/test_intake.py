"""Bad input: every case gets a specific problem naming the field and the rule, in Arabic
and English, and valid input passes with its text normalised."""

from __future__ import annotations

import html
import json
import random
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest

from nashra.core.article import MAX_STORED_BYTES, stored_form
from nashra.core.dates import FUTURE_TOLERANCE
from nashra.core.intake import claimed_id, parse_article
from nashra.core.problems import Problem
from nashra.core.site import Section, Site, feeds_for

GOOD: dict[str, Any] = {
    "id": "port-expansion",
    "section": "economy",
    "title": "توسعة ميناء الشويخ تبدأ الشهر المقبل",
    "published": "2026-11-20T08:15:00",
    "body": "<p>أعلنت هيئة الموانئ بدء أعمال التوسعة.</p>",
}


NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # equals the `now` fixture


def intake(
    site: Site, sections: tuple[Section, ...], raw: bytes, key: str = "articles/x.json"
) -> tuple[Any, list[Problem]]:
    result = parse_article(raw, key=key, site=site, sections=sections, now=NOW)
    return result.article, list(result.problems)


def article_bytes(**changes: Any) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False).encode()


def only_error(problems: list[Problem]) -> Problem:
    errors = [p for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    assert errors[0].message_ar and errors[0].message_en
    return errors[0]


def test_good_article_is_accepted(site: Site, sections: tuple[Section, ...]) -> None:
    article, problems = intake(site, sections, article_bytes())
    assert problems == []
    assert article.id == "port-expansion"
    assert article.url == "https://www.nashra.example/economy/port-expansion"
    assert article.published.utcoffset() is not None
    assert article.summary.startswith("أعلنت هيئة الموانئ")
    assert feeds_for(article) == {"economy", "all"}


def test_not_json(site: Site, sections: tuple[Section, ...]) -> None:
    article, problems = intake(site, sections, b'{"title": "x",,}')
    assert article is None
    problem = only_error(problems)
    assert (problem.field, problem.rule) == ("(file)", "json")
    assert "line 1" in problem.message_en


def test_windows_1256_is_named(site: Site, sections: tuple[Section, ...]) -> None:
    raw = article_bytes().decode("utf-8").encode("windows-1256")
    article, problems = intake(site, sections, raw)
    assert article is None
    problem = only_error(problems)
    assert problem.rule == "utf-8"
    assert "windows-1256" in problem.message_en


def test_bom_is_tolerated(site: Site, sections: tuple[Section, ...]) -> None:
    article, problems = intake(site, sections, b"\xef\xbb\xbf" + article_bytes())
    assert article is not None
    assert problems == []


def test_top_level_array(site: Site, sections: tuple[Section, ...]) -> None:
    _, problems = intake(site, sections, b"[" + article_bytes() + b"]")
    problem = only_error(problems)
    assert problem.rule == "json-object"
    assert "list" in problem.message_en


@pytest.mark.parametrize(
    ("raw", "field", "rule"),
    [
        (json.dumps({k: v for k, v in GOOD.items() if k != "title"}).encode(), "title", "missing"),
        (article_bytes(title="   "), "title", "required"),
        (article_bytes(section="weather"), "section", "unknown-section"),
        (article_bytes(id="Bad_ID"), "id", "id-pattern"),
        (article_bytes(id=123), "id", "string_type"),
        (article_bytes(breaking="yes"), "breaking", "bool_type"),
        (article_bytes(title="<b>عاجل</b> خبر"), "title", "plain-text"),
        (article_bytes(title="الأسعار &amp; الأجور"), "title", "plain-text"),
        (article_bytes(published="أمس بعد الظهر"), "published", "date"),
        (article_bytes(published="15 نوفمبر"), "published", "date"),
        (article_bytes(updated="2026-11-19T08:00:00"), "updated", "updated-before-published"),
        (article_bytes(published="2027-06-01T08:00:00"), "published", "future"),
        (article_bytes(updated="9999-12-31T23:59:59-12:00"), "updated", "future"),
        (article_bytes(updated="9999-12-31T23:59:59Z"), "updated", "future"),
        (article_bytes(updated="2027-06-01T08:00:00"), "updated", "future"),
        (article_bytes(published="9999-12-31T23:59:59-12:00"), "published", "future"),
        (article_bytes(published="1899-12-31T08:00:00Z"), "published", "date-range"),
        (article_bytes(updated="0001-01-01T00:00:00+14:00"), "updated", "date-range"),
        (article_bytes(published="2026-11-20T08:00:00+25:00"), "published", "offset-range"),
        (article_bytes(updated="2026-11-21T08:00:00-14:30"), "updated", "offset-range"),
        # the same checks on an article that also fails the schema
        (article_bytes(updated="9999-12-31T23:59:59-12:00", tags="x"), "updated", "future"),
        (article_bytes(published="2026-11-20T08:00+25:00", tags="x"), "published", "offset-range"),
        (
            article_bytes(image={"url": "http://cdn.nashra.example/a.jpg"}),
            "image.url",
            "absolute-url",
        ),
        (article_bytes(image={"url": "/images/a.jpg"}), "image.url", "absolute-url"),
        (article_bytes(url="javascript:alert(1)"), "url", "absolute-url"),
        (
            article_bytes(authors=[{"name": "سارة", "url": "ftp://x"}]),
            "authors[0].url",
            "absolute-url",
        ),
        (
            article_bytes(body="<script>alert(1)</script><iframe src=x></iframe>"),
            "body",
            "empty-body",
        ),
        (article_bytes(status="archived"), "status", "literal_error"),
        (b'{"id": "a", "id": "b"}', "id", "duplicate-key"),
        (article_bytes().replace(b'"id"', b'"n": NaN, "id"'), "(file)", "json"),
    ],
)
def test_bad_field_is_named(
    site: Site, sections: tuple[Section, ...], raw: bytes, field: str, rule: str
) -> None:
    article, problems = intake(site, sections, raw)
    assert article is None
    errors = [(p.field, p.rule) for p in problems if p.severity == "error"]
    assert (field, rule) in errors
    assert all(p.message_ar and p.message_en for p in problems)


def test_file_over_one_mebibyte(site: Site, sections: tuple[Section, ...]) -> None:
    raw = article_bytes(body="<p>" + "ن" * (1024 * 1024) + "</p>")
    _, problems = intake(site, sections, raw)
    assert only_error(problems).rule == "max-size"


def test_near_future_is_scheduled_b_20(site: Site, sections: tuple[Section, ...]) -> None:
    soon = (NOW + FUTURE_TOLERANCE / 2).isoformat()
    article, _ = intake(site, sections, article_bytes(published=soon))
    assert article is not None and article.status == "scheduled"


def test_controls_and_bidi_overrides_are_stripped_with_warning_ar_txt_2(
    site: Site, sections: tuple[Section, ...]
) -> None:
    article, problems = intake(site, sections, article_bytes(title="توسعة\u202e الميناء\x07"))
    assert article is not None
    assert article.title == "توسعة الميناء"
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("title", "invisible-characters", "warning")
    ]


def test_unknown_fields_warn(site: Site, sections: tuple[Section, ...]) -> None:
    article, problems = intake(site, sections, article_bytes(subtitle="x", priority=1))
    assert article is not None
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("priority", "unknown-field", "warning"),
        ("subtitle", "unknown-field", "warning"),
    ]


def test_id_defaults_to_file_name(site: Site, sections: tuple[Section, ...]) -> None:
    article, _ = intake(site, sections, article_bytes(id=None), key="articles/2026/oil-prices.json")
    assert article.id == "oil-prices"


def test_file_name_that_is_no_id(site: Site, sections: tuple[Section, ...]) -> None:
    """An Arabic file name (what an Arabic newsroom writes first) is not an id: the report
    says how to give one."""
    _, problems = intake(site, sections, article_bytes(id=None), key="articles/مقال جديد.json")
    problem = only_error(problems)
    assert problem.rule == "id-pattern"
    assert "'مقال جديد' is not a valid id" in problem.message_en
    assert 'add one, like "id": "gulf-summit-2026"' in problem.message_en
    assert 'أضف معرّفًا مثل "id": "gulf-summit-2026"' in problem.message_ar


def test_a_key_too_long_for_its_report_is_refused(
    site: Site, sections: tuple[Section, ...]
) -> None:
    """S3 keys are at most 1,024 bytes, so the report `reports/<key>` of a longer key than
    1,016 could never be written: the bound is the key's, found before any upload."""
    # 813 bytes of path, no name over the 255 bytes a content folder holds (B-21)
    folders = "articles/" + ("أ" * 120 + "/") * 2 + "أ" * 60 + "/" + "ب" * 100 + "/"
    longest = folders + "x" * (1016 - len(folders.encode()) - len(".json")) + ".json"
    assert len(longest.encode()) == 1016
    assert intake(site, sections, article_bytes(), key=longest)[0] is not None
    too_long = longest.replace("x.json", "xy.json")
    problem = only_error(intake(site, sections, article_bytes(), key=too_long)[1])
    assert (problem.field, problem.rule) == ("(file)", "file-name")
    assert "1017 bytes long, at most 1016" in problem.message_en
    assert "1017 بايت، والحد 1016" in problem.message_ar


def test_an_article_too_large_for_the_index_is_refused_by_intake_b22(
    site: Site, sections: tuple[Section, ...]
) -> None:
    """1 MiB of Arabic letters drawn at random (no prose compresses less) passes every
    other bound, but takes some 470 KB once compressed: the index could not hold it, so
    intake says so, in both languages, and `nashra validate` with it."""
    body = "".join(random.Random(3).choices("ابتثجحخدذرسشصضطظعغفقكلمنهوي ", k=500_000))
    article, problems = intake(site, sections, article_bytes(body=body))
    problem = only_error(problems)
    assert article is None and (problem.field, problem.rule) == ("body", "index-size")
    assert f"at most {MAX_STORED_BYTES:,}" in problem.message_en
    assert f"والحد {MAX_STORED_BYTES:,}" in problem.message_ar


@pytest.mark.parametrize(
    "body",
    [
        '"' * 60_000,  # every character escaped in JSON
        "\\" * 30_000,
        "<p>" + "".join(random.Random(5).choices('"\\&ء😀x ', k=40_000)) + "</p>",
        "<a href=x>و</a>" * 2_000,  # the sanitiser quotes each attribute and adds more
    ],
)
def test_the_storage_gate_bounds_the_stored_json_b22(
    site: Site, sections: tuple[Section, ...], body: str
) -> None:
    """`may_exceed_storage` skips compressing an article when twice its body and file,
    plus 16 KB, bound its JSON (which zlib never grows by more than a few bytes)."""
    raw = article_bytes(body=body, summary="«" * 1000, tags=["و" * 100] * 50)
    article, problems = intake(site, sections, raw)
    assert article is not None, problems
    stored_json = len(article.model_dump_json().encode())
    body_bytes = len(article.body_html.encode())
    assert stored_json <= 2 * (body_bytes + len(raw)) + 16_384
    assert len(stored_form(article)) <= stored_json + 64


def test_leading_breaking_word_becomes_flag_ar_brk_1(
    site: Site, sections: tuple[Section, ...]
) -> None:
    article, _ = intake(site, sections, article_bytes(title="عاجل: انقطاع الكهرباء"))
    assert article.breaking
    assert article.title == "انقطاع الكهرباء"
    assert "breaking" in feeds_for(article)


def test_draft_is_in_no_feed(site: Site, sections: tuple[Section, ...]) -> None:
    article, _ = intake(site, sections, article_bytes(status="draft"))
    assert feeds_for(article) == frozenset()


def test_plain_text_body_becomes_paragraphs(site: Site, sections: tuple[Section, ...]) -> None:
    article, _ = intake(site, sections, article_bytes(body="الفقرة الأولى.\n\nالفقرة <الثانية>."))
    assert article.body_html.count("<p>") == 2
    assert "&lt;الثانية&gt;" in article.body_html


def test_summary_markup_is_text(site: Site, sections: tuple[Section, ...]) -> None:
    """Published as written, escaped in every format; the report warns that readers will
    see the tags. Text with an ampersand that reads as nothing (AT&T) draws no warning."""
    article, problems = intake(site, sections, article_bytes(summary="ملخص <b>مهم</b>"))
    assert article.summary == "ملخص <b>مهم</b>"
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("summary", "plain-text", "warning")
    ]
    assert "readers see it as written" in problems[0].message_en and problems[0].message_ar
    article, problems = intake(site, sections, article_bytes(summary="صفقة AT&T و R&D"))
    assert article is not None and problems == []


def test_relative_body_links_are_resolved(site: Site, sections: tuple[Section, ...]) -> None:
    body = '<p><a href="/economy/older">سابق</a><img src="x.jpg" alt="صورة"></p>'
    article, _ = intake(site, sections, article_bytes(body=body))
    assert 'href="https://www.nashra.example/economy/older"' in article.body_html
    assert 'src="https://www.nashra.example/economy/x.jpg"' in article.body_html


def test_nfd_title_is_composed_ar_txt_1(site: Site, sections: tuple[Section, ...]) -> None:
    decomposed = "\u0622\u0644\u0627\u0645"  # آلام written precomposed; NFD splits the madda
    raw = article_bytes(title=unicodedata.normalize("NFD", decomposed))
    article, _ = intake(site, sections, raw)
    assert article.title == unicodedata.normalize("NFC", decomposed)


def test_every_problem_is_reported_at_once(site: Site, sections: tuple[Section, ...]) -> None:
    raw = json.dumps(
        {
            "section": "weather",
            "published": "غدًا",
            "body": "نص",
            "breaking": "yes",
            "url": "javascript:alert(1)",
        },
        ensure_ascii=False,
    ).encode()
    _, problems = intake(site, sections, raw)
    assert {(p.field, p.rule) for p in problems} == {
        ("title", "missing"),
        ("breaking", "bool_type"),
        ("section", "unknown-section"),
        ("published", "date"),
        ("url", "absolute-url"),
    }


def test_unknown_nested_fields_warn(site: Site, sections: tuple[Section, ...]) -> None:
    raw = article_bytes(
        image={"url": "https://cdn.nashra.example/a.jpg", "credit": "رويترز"},
        authors=[{"name": "سارة", "twitter": "@sara"}, "هبة"],
    )
    article, problems = intake(site, sections, raw)
    assert article is not None
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("image.credit", "unknown-field", "warning"),
        ("authors[0].twitter", "unknown-field", "warning"),
    ]


def test_author_email_that_cannot_be_published_warns(
    site: Site, sections: tuple[Section, ...]
) -> None:
    raw = article_bytes(
        authors=[
            {"name": "سارة", "email": "newsroom@nashra.example"},
            {"name": "هبة", "email": "mailto:heba@nashra.example"},
        ]
    )
    article, problems = intake(site, sections, raw)
    assert [a.email for a in article.authors] == ["newsroom@nashra.example", None]
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("authors[1].email", "email", "warning")
    ]


@pytest.mark.parametrize(
    "value", ["2026-11-20T10:30:00 +03:00", "2026-11-20T10:30:00+03", "2026-11-20t07:30:00z"]
)
def test_iso_like_dates_are_read_right_issue_8(
    site: Site, sections: tuple[Section, ...], value: str
) -> None:
    article, _ = intake(site, sections, article_bytes(published=value))
    assert article.published == datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"url": "https://[::1]/x"}, "url"),
        ({"url": "https://[2001:DB8::7]:8443/x"}, "url"),
        ({"image": {"url": "https://[2001:db8::7]/a.jpg"}}, "image.url"),
        ({"authors": [{"name": "أحمد", "url": "http://[2001:db8::7]/"}]}, "authors[0].url"),
    ],
)
def test_an_ipv6_host_is_refused_in_a_feed_link(
    site: Site, sections: tuple[Section, ...], fields: dict[str, object], field: str
) -> None:
    """A URL whose host is an IPv6 address in brackets is a valid URI, but the W3C
    validator refuses its brackets in an RSS link and in an enclosure (InvalidUriChar), so
    it is an `absolute-url` error that says to give a host name (B-12)."""
    article, problems = intake(site, sections, article_bytes(**fields))
    assert article is None
    assert [(p.field, p.rule) for p in problems] == [(field, "absolute-url")]
    assert "IPv6" in problems[0].message_en and "IPv6" in problems[0].message_ar


def test_an_ipv6_link_in_the_body_keeps_its_brackets(
    site: Site, sections: tuple[Section, ...]
) -> None:
    """Inside the body, an IPv6 link stays a link: the validator reads escaped HTML's links
    by RFC 3986, brackets and all."""
    body = '<p>انظر <a href="https://[2001:DB8::7]/x">هنا</a></p>'
    article, problems = intake(site, sections, article_bytes(body=body))
    assert problems == []
    assert 'href="https://[2001:db8::7]/x"' in article.body_html


@pytest.mark.parametrize(
    "url", ["https://user:pw@example.com/a", "https://999.1.1.1/a", "https://[::1%25eth0]/a"]
)
def test_bad_hosts_and_userinfo_are_refused_issue_8(
    site: Site, sections: tuple[Section, ...], url: str
) -> None:
    article, problems = intake(site, sections, article_bytes(url=url))
    assert article is None
    assert [(p.field, p.rule) for p in problems] == [("url", "absolute-url")]


# The input bounds (docs/decisions.md B-3..B-11): each a bilingual error naming the field.
@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"title": "خ" * 301}, "title", "title-length"),
        ({"title": "عاجل: " + "خ" * 301}, "title", "title-length"),
        ({"summary": "م" * 1001}, "summary", "summary-length"),
        ({"tags": [f"وسم{i}" for i in range(51)]}, "tags", "max-tags"),
        ({"tags": ["نفط", "و" * 101]}, "tags[1]", "tag-length"),
        ({"authors": [f"كاتب {i}" for i in range(21)]}, "authors", "max-authors"),
        ({"authors": ["ك" * 201]}, "authors[0]", "author-length"),
        ({"authors": [{"name": "ك" * 201}]}, "authors[0].name", "author-length"),
        (
            {"image": {"url": "https://cdn.example/a.jpg", "length": 104_857_601}},
            "image.length",
            "image-length",
        ),
        (
            {"image": {"url": "https://cdn.example/a.jpg", "length": -1}},
            "image.length",
            "image-length",
        ),
        ({"body": "<div>" * 65 + "نص" + "</div>" * 65}, "body", "html-depth"),
        ({"body": "<div>" * 80_000 + "نص"}, "body", "html-depth"),
        ({"body": '<p><a href="/a">ر</a></p>' * 2_001}, "body", "max-links"),
        ({"body": "<a><b>ن" * 65}, "body", "html-depth"),  # inline tags left open
        ({"body": "<a><b>ن" * 130_000}, "body", "html-depth"),
        ({"body": "<p>" + '<img src="/i.jpg" alt="ص">' * 2_001 + "</p>"}, "body", "max-links"),
        ({"body": "<b>" * 100 + "نص"}, "body", "html-depth"),
        ({"body": "<" * 300_000}, "body", "body-size"),
        ({"body": "<p>" + "&" * 300_000 + "</p>"}, "body", "body-size"),
    ],
)
def test_bounds_are_errors_naming_the_field(
    site: Site, sections: tuple[Section, ...], changes: dict[str, Any], field: str, rule: str
) -> None:
    article, problems = intake(site, sections, article_bytes(**changes))
    assert article is None
    problem = only_error(problems)
    assert (problem.field, problem.rule) == (field, rule)
    assert problem.message_en != problem.message_ar


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "خ" * 300},
        {"title": "خ" * 300 + "\u200b" * 10},  # invisible characters do not count
        {"summary": "م" * 1000},
        {"tags": [f"وسم{i}" for i in range(50)]},
        {"tags": ["و" * 100]},
        {"authors": [f"كاتب {i}" for i in range(20)]},
        {"authors": ["ك" * 200, {"name": "ك" * 200}]},
        {"image": {"url": "https://cdn.example/a.jpg", "length": 104_857_600}},
        {"image": {"url": "https://cdn.example/a.jpg", "length": 0}},
        {"body": "<div>" * 64 + "نص" + "</div>" * 64},
        {"body": "<table>" + "<tr><td>1<td><b>2</b>" * 5_000 + "</table>"},
        {"body": "<p>فقرة" * 20_000},
        {"body": '<p><a href="/a">ر</a></p>' * 2_000},
        {"body": "<b>ن" * 64},  # 64 inline tags left open, 64 deep: the bound
        {"body": "<a><b>ن</a></b>" * 20_000},  # misnested, but closed
    ],
)
def test_within_bounds_is_accepted(
    site: Site, sections: tuple[Section, ...], changes: dict[str, Any]
) -> None:
    article, problems = intake(site, sections, article_bytes(**changes))
    assert article is not None, problems


def test_deep_body_is_not_sanitised(
    site: Site, sections: tuple[Section, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """B-3 is checked before the sanitiser sees the body (80,000 <div> took 9 s in it)."""
    from nashra.core import intake as intake_module

    def refuse(*_: object) -> str:
        raise AssertionError("sanitised a body over the depth bound")

    monkeypatch.setattr(intake_module, "sanitize_html", refuse)
    _, problems = intake(site, sections, article_bytes(body="<div>" * 80_000))
    assert only_error(problems).rule == "html-depth"


# Issue 8 #2, #3, #12: hostile JSON is a report, with messages that do not mislead.
def test_lone_surrogate_key_and_value_are_reported_not_raised(
    site: Site, sections: tuple[Section, ...]
) -> None:
    raw = article_bytes()[:-1] + b', "\\ud800": 1, "caption\\udfff": "\\udc00"}'
    raw = raw.replace(b'"title": "', b'"title": "\\ud83d')
    article, problems = intake(site, sections, raw)
    assert article is not None
    assert "\ud83d" not in article.title
    assert {p.field for p in problems} == {"\ufffd", "caption\ufffd", "title"}
    json.dumps([p.as_dict() for p in problems], ensure_ascii=False).encode("utf-8")
    for p in problems:
        p.as_line().encode("utf-8")


def test_deep_json_is_a_depth_problem(site: Site, sections: tuple[Section, ...]) -> None:
    _, problems = intake(site, sections, b"[" * 100_000 + b"]" * 100_000)
    assert only_error(problems).rule == "json-depth"


def test_claimed_id_of_deep_json_is_none_not_recursion_error() -> None:
    assert claimed_id(b"[" * 100_000 + b"]" * 100_000, "articles/a.json") is None
    assert claimed_id(b'{"id": "a\\ud800"}', "articles/x.json") == "a"
    assert claimed_id(b'{"x": 1}', "articles/gulf.json") == "gulf"


def test_null_says_null(site: Site, sections: tuple[Section, ...]) -> None:
    _, problems = intake(site, sections, b"null")
    problem = only_error(problems)
    assert problem.rule == "json-object"
    assert "null" in problem.message_en and "null" in problem.message_ar
    _, problems = intake(
        site, sections, article_bytes().replace(b'"section": "economy"', b'"section": null')
    )
    problem = only_error(problems)
    assert problem.field == "section"
    assert "null" in problem.message_en and "null" in problem.message_ar
    assert "NoneType" not in problem.message_en


def test_huge_number_gets_a_plain_message(site: Site, sections: tuple[Section, ...]) -> None:
    raw = article_bytes()[:-1] + b', "width": ' + b"9" * 5000 + b"}"
    _, problems = intake(site, sections, raw)
    problem = only_error(problems)
    assert problem.rule == "json"
    assert "too long" in problem.message_en
    assert "sys" not in problem.message_en and "int_max_str_digits" not in problem.message_en


def test_utf16_is_named_utf16(site: Site, sections: tuple[Section, ...]) -> None:
    for encoding in ("utf-16", "utf-16-le", "utf-16-be"):
        raw = article_bytes().decode("utf-8").encode(encoding)
        problem = only_error(intake(site, sections, raw)[1])
        assert problem.rule == "utf-8"
        assert "UTF-16" in problem.message_en, encoding
        assert "windows-1256" not in problem.message_en


def test_bad_id_shows_an_example_not_a_regex(site: Site, sections: tuple[Section, ...]) -> None:
    problem = only_error(intake(site, sections, article_bytes(id="Gulf Summit 2026"))[1])
    assert (problem.field, problem.rule) == ("id", "id-pattern")
    assert "gulf-summit-2026" in problem.message_en and "gulf-summit-2026" in problem.message_ar
    assert "[a-z0-9]" not in problem.message_en + problem.message_ar


@pytest.mark.parametrize("authors", [[""], ["   "], ["\u200b"]])
def test_empty_author_name_is_a_problem_not_a_crash(
    site: Site, sections: tuple[Section, ...], authors: list[str]
) -> None:
    problem = only_error(intake(site, sections, article_bytes(authors=authors))[1])
    assert (problem.field, problem.rule) == ("authors[0]", "required")


def test_counts_are_checked_when_another_field_breaks_the_schema(
    site: Site, sections: tuple[Section, ...]
) -> None:
    raw = article_bytes(breaking="yes", tags=["و"] * 60_000, authors=["ك"] * 21)
    article, problems = intake(site, sections, raw)
    assert article is None
    assert {(p.field, p.rule) for p in problems} == {
        ("breaking", "bool_type"),
        ("tags", "max-tags"),
        ("authors", "max-authors"),
    }


@pytest.mark.parametrize(
    "body",
    [
        "<div>" * 64 + "نص" + "</div>" * 64,  # 128 tags: counted, and within B-3
        "<p>" + "<b>ن</b>" * 200 + "</p>",  # many tags, shallow
        '<p><a href="/a">ر</a></p>' * 2_000,  # 2,000 "=": within B-13 by the count alone
        "<p>" + "<b>ن" * 62 + "</p>",  # 64 tags: within both bounds by the count alone
    ],
)
def test_bodies_at_the_bounds_are_accepted(
    site: Site, sections: tuple[Section, ...], body: str
) -> None:
    article, problems = intake(site, sections, article_bytes(body=body))
    assert article is not None, problems
    assert not [p for p in problems if p.field == "body"]


@pytest.mark.parametrize(
    ("changes", "field", "english", "arabic"),
    [
        (
            {"authors": "فلان"},
            "authors",
            'must be a list [ ... ], even for one author: ["',
            "حتى لكاتب واحد",
        ),
        (
            {"tags": "اقتصاد"},
            "tags",
            'must be a list [ ... ], even for one tag: ["',
            "حتى لوسم واحد",
        ),
        (
            {"breaking": "yes"},
            "breaking",
            "must be true or false, without quotes",
            "دون علامتي تنصيص",
        ),
        (
            {"image": "https://x.example/a.jpg"},
            "image",
            'must be an object { ... }, like {"url"',
            "مثل",
        ),
        ({"status": "منشور"}, "status", "must be 'published' or 'draft'", "'published' أو 'draft'"),
        (
            {"section": None},
            "section",
            'this field is required: the slug of a section, like "gulf"',
            'مثل "gulf"',
        ),
        (
            {"published": None},
            "published",
            "this field is required: when it was published",
            "وقت النشر",
        ),
        (
            {"image": {"url": "https://x.example/a.jpg", "width": 0}},
            "image.width",
            "must be at least 1",
            "ألا تقل القيمة عن 1",
        ),
        (
            {"image": {"url": "https://x.example/a.jpg", "length": "5"}},
            "image.length",
            "must be a whole number",
            "عددًا صحيحًا",
        ),
    ],
)
def test_a_wrong_type_is_reported_in_editors_words(
    site: Site,
    sections: tuple[Section, ...],
    *,
    changes: dict[str, Any],
    field: str,
    english: str,
    arabic: str,
) -> None:
    """A wrong type is said as the editor would fix it, in both languages: never the
    validator's own words ("Input should be a valid dictionary or instance of …")."""
    _, problems = intake(site, sections, article_bytes(**changes))
    problem = only_error(problems)
    assert problem.field == field
    assert english in problem.message_en and arabic in problem.message_ar
    assert "Input should" not in problem.message_en and "Field required" not in problem.message_en


@pytest.mark.parametrize(
    ("body", "english"),
    [
        ("", "the body is empty: write the article's text"),
        (" \n\t ", "the body is empty: write the article's text"),
        ("<script>alert(1)</script>", "the body is empty once unsafe markup is removed"),
    ],
)
def test_an_empty_body_says_whether_markup_was_removed(
    site: Site, sections: tuple[Section, ...], body: str, english: str
) -> None:
    """A body left blank is not told that markup was removed from it."""
    _, problems = intake(site, sections, article_bytes(body=body))
    problem = only_error(problems)
    assert (problem.field, problem.rule, problem.message_en) == ("body", "empty-body", english)


def test_tags_and_authors_are_each_listed_once(site: Site, sections: tuple[Section, ...]) -> None:
    """Two spellings that differ only by tashkeel (or a name given twice) are one category
    and one author in every feed, as first written."""
    raw = article_bytes(
        tags=["اقتصاد", "اقْتصاد", " اقتصاد ", "نفط"],
        authors=["سارة", {"name": "سارَة", "url": "https://x.example/sara"}, "أحمد"],
    )
    article, problems = intake(site, sections, raw)
    assert problems == []
    assert article.tags == ("اقتصاد", "نفط")
    assert [a.name for a in article.authors] == ["سارة", "أحمد"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"tags": ["الذهب، النفط"]}, "tags[0]"),
        ({"tags": ["gold, oil"]}, "tags[0]"),
        ({"authors": ["سارة الكندري، أحمد العلي"]}, "authors[0]"),
        ({"authors": [{"name": "سارة, أحمد"}]}, "authors[0].name"),
    ],
)
def test_a_list_item_holding_a_comma_is_a_warning(
    site: Site, sections: tuple[Section, ...], changes: dict[str, Any], field: str
) -> None:
    """Several tags or authors written in one string: published as written, and the
    report says how to list them."""
    article, problems = intake(site, sections, article_bytes(**changes))
    assert article is not None
    assert [(p.field, p.rule, p.severity) for p in problems] == [(field, "one-item", "warning")]
    assert "write each as its own item" in problems[0].message_en
    assert "عنصرًا مستقلًا" in problems[0].message_ar


def test_a_link_written_without_https_is_a_warning(
    site: Site, sections: tuple[Section, ...]
) -> None:
    """«www.kuna.net.kw» in an href is a path on the article's own site, to browsers and
    to readers: published as written, and the report gives the link to write."""
    body = (
        "<p>حسب <a href=\"www.kuna.net.kw/news\">كونا</a> و<a href='WWW.kuna.net.kw/news'>هنا</a>"
        '<img src=www.example.com/a.jpg alt=""> و<a href="https://www.example.com">هناك</a></p>'
    )
    article, problems = intake(site, sections, article_bytes(body=body))
    assert article is not None
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("body", "link-scheme", "warning")
    ] * 3
    first = problems[0]
    assert "write 'https://www.kuna.net.kw/news'" in first.message_en
    assert "https://www.nashra.example/economy/www.kuna.net.kw/news" in first.message_en
    assert "اكتبه 'https://www.kuna.net.kw/news'" in first.message_ar


def test_an_image_or_link_that_cannot_be_published_is_a_warning(
    site: Site, sections: tuple[Section, ...]
) -> None:
    """What a word processor puts in a copied page (an image on the editor's computer,
    pasted bytes) is left out by the sanitiser: the report says so, once per kind."""
    body = (
        '<p>نص <img src="file:///C:/Users/a/clip_image001.png"> <img SRC=\'data:image/png;'
        'base64,AAAA\'> <img src="file:///C:/b.png"> <a href="file:///C:/x.docx">ملف</a></p>'
    )
    article, problems = intake(site, sections, article_bytes(body=body))
    assert article is not None and "file:" not in article.body_html
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("body", "lost-source", "warning")
    ] * 3
    assert [p.message_en.split(" is left out")[0] for p in problems] == [
        "an image on your computer (file:)",
        "an image pasted into the text (data:)",
        "a link to a file on your computer (file:)",
    ]
    assert "لن تُنشر" in problems[0].message_ar and "لن يُنشر" in problems[2].message_ar


@pytest.mark.parametrize("pattern_name", ["_SCHEMELESS", "_LOST_SOURCE"])
def test_the_body_warnings_read_a_hostile_run_of_spaces_in_linear_time(pattern_name: str) -> None:
    """«href=» and a megabyte of spaces: a pattern with two optional runs of spaces side by
    side would try every split of the run at every start (quadratic: hours for one file).
    The `regex` engine's timeout stands in for the hang."""
    import regex

    from nashra.core import intake as module

    pattern = regex.compile(getattr(module, pattern_name).pattern, regex.IGNORECASE)
    text = "www. data: href=" + " " * 200_000 + "x"
    assert list(pattern.finditer(text, timeout=5)) == []


@pytest.mark.parametrize(
    ("url", "given", "expected"),
    [
        ("https://cdn.example/a/photo.png", None, "image/png"),
        ("https://cdn.example/a/photo.WEBP?w=600", None, "image/webp"),
        ("https://cdn.example/a/photo", None, "image/jpeg"),
        ("https://cdn.example/a/photo.png", "image/jpeg", "image/jpeg"),
    ],
)
def test_an_image_without_a_type_gets_its_files(
    site: Site, sections: tuple[Section, ...], url: str, given: str | None, expected: str
) -> None:
    """The enclosure's type says what the file is: a PNG is not announced as a JPEG; a
    type the editor gives is kept."""
    image = {"url": url} | ({"type": given} if given else {})
    article, problems = intake(site, sections, article_bytes(image=image))
    assert problems == [] and article.image.type == expected


def test_markup_in_an_images_alt_or_caption_is_a_warning(
    site: Site, sections: tuple[Section, ...]
) -> None:
    image = {"url": "https://x.example/a.jpg", "alt": "<b>صورة</b>", "caption": "تعليق &amp; آخر"}
    article, problems = intake(site, sections, article_bytes(image=image))
    assert article.image.alt == "<b>صورة</b>" and article.image.caption == "تعليق &amp; آخر"
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("image.alt", "plain-text", "warning"),
        ("image.caption", "plain-text", "warning"),
    ]


@pytest.mark.parametrize(
    "title",
    ["الذهب &amp中文", "حقوق &copy2026", "Tom&notable و", "حب &lt3", "&gtالكويت", "رقم &frac12"],
)
def test_a_reference_decoded_without_its_semicolon_is_markup(
    site: Site, sections: tuple[Section, ...], title: str
) -> None:
    """An HTML parser decodes HTML5's legacy references with no ";" even inside a word
    ("&amp中文" reads "&中文", "&notable" "¬able"), and readers that take an RSS title for
    HTML (@rowanmanning/feed-parser, found by tests/contract/test_reader_differential.py)
    show the decoded text: the title is refused as markup, as "&nbsp" is."""
    assert html.unescape(title) != title
    article, problems = intake(site, sections, article_bytes(title=title))
    assert article is None
    assert only_error(problems).rule == "plain-text"


@pytest.mark.parametrize("title", ["AT&T و Q&A", "S&P 500", "R&D", "&الكويت", "H&M و P&G", "&alp"])
def test_an_ampersand_before_a_word_no_parser_decodes_stays_text(
    site: Site, sections: tuple[Section, ...], title: str
) -> None:
    assert html.unescape(title) == title
    article, problems = intake(site, sections, article_bytes(title=title))
    assert problems == []
    assert article.title == title
