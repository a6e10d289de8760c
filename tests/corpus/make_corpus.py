"""The hostile corpus of issue 8: files a careless or hostile editor could upload.

Every case is one file and one expectation in `expected.json`:

    {"outcome": "rejected", "rules": [...]}    every listed rule is among the errors
    {"outcome": "rejected", "any_of": [...]}   one of the listed rules is among them
    "message_includes" / "message_excludes"    words the errors' messages must (not) hold
    {"outcome": "accepted", "check": {...}}    the article as published: title, url, ...

Small cases are committed under `articles/` and `config/`; this script writes them and the
manifest (`python tests/corpus/make_corpus.py`). Large cases (over 100 KB) and cases whose
dates sit at the future's bounds ("now + 6 hours", "now + 30 days") are written at test time
by `materialise`, never committed.
The bounds are those of docs/decisions.md's "Input bounds" table.
"""

from __future__ import annotations

import codecs
import json
import sys
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent
MANIFEST = CORPUS / "expected.json"
MIB = 1_048_576
BOM = codecs.BOM_UTF8
PUBLISHED = "2026-11-20T10:30:00+03:00"
PUBLISHED_UTC = "2026-11-20T07:30:00+00:00"
BODY = "<p>في خطوة تعكس عمق العلاقات بين البلدين، التقى الوزيران في الكويت.</p>"
TITLE = "وزير الدفاع يلتقي نظيره الكويتي"

Expect = dict[str, Any]
Case = tuple[bytes, Expect]


def article(stem: str, **fields: Any) -> dict[str, Any]:
    """A valid article with id `stem`, then `fields` (a None value removes the field)."""
    data: dict[str, Any] = {
        "id": stem,
        "section": "gulf",
        "title": TITLE,
        "published": PUBLISHED,
        "body": BODY,
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def rejected(*rules: str) -> Expect:
    return {"outcome": "rejected", "rules": list(rules)}


def accepted(**check: Any) -> Expect:
    return {"outcome": "accepted", "check": check}


def splice(stem: str, text: str, **fields: Any) -> bytes:
    """An article whose JSON text gets `text` (raw JSON) as its last member."""
    head = json.dumps(article(stem, **fields), ensure_ascii=False)
    return (head[:-1] + ", " + text + "}").encode()


def _nested(depth: int, leaf: str = "1") -> str:
    return "[" * depth + leaf + "]" * depth


# -- structure and encoding -------------------------------------------------------------


_GOOD_BOM = dump(article("utf8-bom-accepted"))
_TEXT = json.dumps(article("x"), ensure_ascii=False)

STRUCTURE_CASES: dict[str, Case] = {
    "empty-file": (b"", rejected("json")),
    "bom-only": (BOM, rejected("json")),
    "whitespace-only": (b" \n\t \n", rejected("json")),
    "json-array": (dump([article("json-array")]), rejected("json-object")),
    "json-string": (dump("خبر عاجل"), rejected("json-object")),
    "json-number": (b"42", rejected("json-object")),
    "json-null": (b"null", rejected("json-object")),
    "json-true": (b"true", rejected("json-object")),
    "nan-value": (splice("nan-value", '"score": NaN'), rejected("json")),
    "infinity-value": (splice("infinity-value", '"score": Infinity'), rejected("json")),
    "minus-infinity": (splice("minus-infinity", '"score": -Infinity'), rejected("json")),
    "float-overflow": (splice("float-overflow", '"score": 1e999'), rejected("json")),
    "number-5000-digits": (
        splice("number-5000-digits", '"score": ' + "9" * 5000),
        rejected("json") | {"message_excludes": ["int_max_str_digits", "sys."]},
    ),
    "duplicate-title-key": (
        splice("duplicate-title-key", '"title": "عنوان آخر"'),
        rejected("duplicate-key"),
    ),
    "duplicate-nested-key": (
        splice(
            "duplicate-nested-key",
            '"image": {"url": "https://cdn.nashra.example/a.jpg", '
            '"url": "https://cdn.nashra.example/b.jpg"}',
        ),
        rejected("duplicate-key"),
    ),
    "trailing-comma": (dump(article("trailing-comma"))[:-2] + b",\n}", rejected("json")),
    "truncated": (dump(article("truncated"))[:-20], rejected("json")),
    "nul-byte-outside-string": (
        _TEXT.encode()[:-1] + b"\x00}",
        rejected("json") | {"rules": [], "any_of": ["json", "utf-8"]},
    ),
    "raw-newline-in-string": (
        splice("raw-newline-in-string", '"summary": "سطر\nسطر"'),
        rejected("json"),
    ),
    "utf16-with-bom": (
        codecs.BOM_UTF16_LE + json.dumps(article("utf16-with-bom")).encode("utf-16-le"),
        rejected("utf-8") | {"message_includes": ["UTF-16"]},
    ),
    "utf16-be-with-bom": (
        codecs.BOM_UTF16_BE + json.dumps(article("utf16-be-with-bom")).encode("utf-16-be"),
        rejected("utf-8"),
    ),
    "utf16-without-bom": (
        json.dumps(article("utf16-without-bom"), ensure_ascii=False).encode("utf-16-le"),
        rejected("utf-8"),
    ),
    "windows-1256": (
        json.dumps(article("windows-1256"), ensure_ascii=False).encode("windows-1256"),
        rejected("utf-8") | {"message_includes": ["windows-1256"]},
    ),
    "invalid-utf8-byte": (
        dump(article("invalid-utf8-byte"))[:-3] + b"\xff\n}",
        rejected("utf-8"),
    ),
    "utf8-bom-accepted": (BOM + _GOOD_BOM, accepted(title=TITLE, published=PUBLISHED_UTC)),
    "json-depth-20": (
        splice("json-depth-20", '"extra": ' + _nested(19)),
        accepted(title=TITLE),
    ),
    "json-depth-21": (
        splice("json-depth-21", '"extra": ' + _nested(20)),
        rejected("json-depth"),
    ),
    "json-depth-in-tags": (
        splice("json-depth-in-tags", '"tags": ' + _nested(40, '"x"')),
        rejected("json-depth"),
    ),
    "json-depth-objects-25": (
        splice("json-depth-objects-25", '"extra": ' + '{"a": ' * 25 + "1" + "}" * 25),
        rejected("json-depth"),
    ),
    "unknown-fields-only-warn": (
        dump(article("unknown-fields-only-warn", credit="وكالات", priority=3)),
        accepted(title=TITLE),
    ),
}


SURROGATE_CASES: dict[str, Case] = {
    "lone-surrogate-key": (
        splice("lone-surrogate-key", '"\\ud800": 1'),
        accepted(title=TITLE, clean=True),
    ),
    "lone-surrogate-title": (
        dump(article("lone-surrogate-title", title="@@")).replace(
            b"@@", b"\\udc00 " + TITLE.encode()
        ),
        accepted(clean=True),
    ),
    "lone-surrogate-body": (
        dump(article("lone-surrogate-body", body="@@")).replace(b"@@", b"\\ud83d \xd9\x86\xd8\xb5"),
        accepted(clean=True),
    ),
    "lone-surrogate-tag": (
        dump(article("lone-surrogate-tag", tags=["@@"])).replace(b"@@", b"\\ud800\xd8\xae"),
        accepted(clean=True),
    ),
    "surrogate-pair-escaped": (
        dump(article("surrogate-pair-escaped", title="@@")).replace(
            b"@@", b"\\ud83d\\udcf0 " + TITLE.encode()
        ),
        accepted(title="\U0001f4f0 " + TITLE),
    ),
}


# -- ids, sections, status, types ----------------------------------------------------------


_ID64 = "a" * 64
_NO_ID = article("x")
del _NO_ID["id"]

FIELD_CASES: dict[str, Case] = {
    "id-uppercase": (
        dump(article("Gulf-News")),
        rejected("id-pattern") | {"message_excludes": ["{0,63}", "pattern '"]},
    ),
    "id-65-chars": (dump(article("a" * 65)), rejected("id-pattern")),
    "id-64-chars": (dump(article(_ID64)), accepted(id=_ID64)),
    "id-arabic": (dump(article("خبر-عاجل")), rejected("id-pattern")),
    "id-leading-hyphen": (dump(article("-news")), rejected("id-pattern")),
    "id-with-slash": (dump(article("gulf/news")), rejected("id-pattern")),
    "Bad_File_Name": (dump(_NO_ID), rejected("id-pattern")),
    "unknown-section": (
        dump(article("unknown-section", section="sport")),
        rejected("unknown-section"),
    ),
    "section-all-reserved": (
        dump(article("section-all-reserved", section="all")),
        rejected("unknown-section"),
    ),
    "section-breaking-reserved": (
        dump(article("section-breaking-reserved", section="breaking")),
        rejected("unknown-section"),
    ),
    "status-draft": (dump(article("status-draft", status="draft")), accepted(status="draft")),
    "status-scheduled": (
        dump(article("status-scheduled", status="scheduled")),
        rejected("literal_error"),
    ),
    "null-title": (
        dump(article("null-title", title=None) | {"title": None}),
        rejected("string_type") | {"message_excludes": ["NoneType"]},
    ),
    "null-body": (dump(article("null-body") | {"body": None}), rejected("string_type")),
    "missing-title": (dump(article("missing-title", title=None)), rejected("missing")),
    "missing-published": (
        dump(article("missing-published", published=None)),
        rejected("missing"),
    ),
    "breaking-as-string": (
        dump(article("breaking-as-string", breaking="yes")),
        rejected("bool_type"),
    ),
    "published-as-number": (
        dump(article("published-as-number", published=20261120)),
        rejected("string_type"),
    ),
    "tags-not-strings": (
        dump(article("tags-not-strings", tags=[1, 2])),
        rejected("string_type"),
    ),
}


# -- title, summary, body ----------------------------------------------------------------------


def _body_case(stem: str, html: str, *gone: str) -> Case:
    return dump(article(stem, body=html)), accepted(body_excludes=list(gone), clean=True)


BODY_CASES: dict[str, Case] = {
    "body-script": _body_case(
        "body-script", "<p>نص الخبر</p><script>alert(1)</script>", "<script", "alert"
    ),
    "body-iframe": _body_case(
        "body-iframe",
        '<p>نص الخبر</p><iframe src="https://evil.example/"></iframe>',
        "<iframe",
        "evil",
    ),
    "body-onclick": _body_case(
        "body-onclick", '<p onclick="steal()">نص الخبر</p>', "onclick", "steal"
    ),
    "body-img-onerror": _body_case(
        "body-img-onerror",
        '<p>نص</p><img src="https://cdn.nashra.example/a.jpg" onerror="steal()">',
        "onerror",
    ),
    "body-svg-onload": _body_case(
        "body-svg-onload", '<p>نص الخبر</p><svg onload="steal()"></svg>', "onload", "<svg"
    ),
    "body-javascript-link": _body_case(
        "body-javascript-link",
        '<p><a href="javascript:alert(1)">رابط</a> نص</p>',
        "javascript:",
    ),
    "body-javascript-link-entities": _body_case(
        "body-javascript-link-entities",
        '<p><a href="jav&#x09;ascript:alert(1)">رابط</a> نص</p>',
        "alert",
    ),
    "body-data-uri-image": _body_case(
        "body-data-uri-image",
        '<p>نص</p><img src="data:image/svg+xml;base64,PHN2Zz4=">',
        "data:",
    ),
    "body-style-tag": _body_case(
        "body-style-tag", "<style>p{display:none}</style><p>نص الخبر</p>", "<style", "display"
    ),
    "body-style-attribute": _body_case(
        "body-style-attribute",
        '<p style="background:url(javascript:x)">نص الخبر</p>',
        "javascript",
        "style=",
    ),
    "body-form": _body_case(
        "body-form",
        '<form action="https://evil.example"><input name="p"></form><p>نص</p>',
        "<form",
        "<input",
    ),
    "body-bidi-zero-width": _body_case(
        "body-bidi-zero-width", "<p>نص\u202e الخبر\u200b هنا</p>", "\u202e", "\u200b"
    ),
    "body-only-script": (
        dump(article("body-only-script", body="<script>alert(1)</script>")),
        rejected("empty-body"),
    ),
    "body-empty": (dump(article("body-empty", body="")), rejected("empty-body")),
    "body-whitespace": (
        dump(article("body-whitespace", body=" \n\n \u00a0 ")),
        rejected("empty-body"),
    ),
    "body-html-depth-64": (
        dump(article("body-html-depth-64", body="<div>" * 63 + "<p>نص</p>" + "</div>" * 63)),
        accepted(title=TITLE),
    ),
    "body-html-depth-65": (
        dump(article("body-html-depth-65", body="<div>" * 64 + "<p>نص</p>" + "</div>" * 64)),
        rejected("html-depth"),
    ),
    "body-html-depth-unclosed": (
        dump(article("body-html-depth-unclosed", body="<span>" * 500 + "نص")),
        rejected("html-depth"),
    ),
}


_TITLE_300 = ("خبر " * 75)[:299] + "ب"
_TASHKEEL = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"

TEXT_CASES: dict[str, Case] = {
    "title-bidi-override": (
        dump(article("title-bidi-override", title="\u202eوزير الدفاع\u202c يلتقي نظيره الكويتي")),
        accepted(title=TITLE, clean=True),
    ),
    "title-isolates-and-embeddings": (
        dump(
            article(
                "title-isolates-and-embeddings",
                title="\u2067وزير\u2069 \u202bالدفاع\u202c يلتقي نظيره الكويتي",
            )
        ),
        accepted(title=TITLE, clean=True),
    ),
    "title-zero-width": (
        dump(
            article("title-zero-width", title="وزير\u200b الدفاع\ufeff يلتقي\u2060 نظيره الكويتي")
        ),
        accepted(title=TITLE, clean=True),
    ),
    "title-control-chars": (
        dump(
            article(
                "title-control-chars", title="وزير\u0007 الدفاع\u0000 يلتقي\u001b نظيره الكويتي"
            )
        ),
        accepted(title=TITLE, clean=True),
    ),
    "title-markup": (
        dump(article("title-markup", title="<b>وزير</b> الدفاع")),
        rejected("plain-text"),
    ),
    "title-script": (
        dump(article("title-script", title="<script>alert(1)</script>")),
        rejected("plain-text"),
    ),
    "title-whitespace-only": (
        dump(article("title-whitespace-only", title=" \u00a0\t ")),
        rejected("required"),
    ),
    "title-empty": (dump(article("title-empty", title="")), rejected("required")),
    "title-breaking-only": (
        dump(article("title-breaking-only", title="عاجل")),
        accepted(title="عاجل", breaking=False),  # nothing follows: not a prefix
    ),
    "title-breaking-guillemets-only": (
        dump(article("title-breaking-guillemets-only", title="«عاجل»")),
        accepted(title="«عاجل»", breaking=False),
    ),
    "title-breaking-prefix": (
        dump(article("title-breaking-prefix", title="عاجل: " + TITLE)),
        accepted(title=TITLE, breaking=True),
    ),
    "title-tashkeel-only": (
        dump(article("title-tashkeel-only", title=_TASHKEEL)),
        accepted(title=unicodedata.normalize("NFC", _TASHKEEL)),
    ),
    "title-300-chars": (
        dump(article("title-300-chars", title=_TITLE_300)),
        accepted(title=_TITLE_300),
    ),
    "title-301-chars": (
        dump(article("title-301-chars", title=_TITLE_300 + "ب")),
        rejected("title-length"),
    ),
    "title-huge-single-word": (
        dump(article("title-huge-single-word", title="ب" * 40_000)),
        rejected("title-length"),
    ),
    "summary-1000-chars": (
        dump(article("summary-1000-chars", summary="ملخص" * 250)),
        accepted(summary="ملخص" * 250),
    ),
    "summary-1001-chars": (
        dump(article("summary-1001-chars", summary="ملخص" * 250 + "م")),
        rejected("summary-length"),
    ),
    **BODY_CASES,
}


# -- dates -----------------------------------------------------------------------------------


def _published(stem: str, value: Any, expect: Expect) -> Case:
    return dump(article(stem, published=value)), expect


def _updated(stem: str, value: Any, expect: Expect) -> Case:
    return dump(article(stem, updated=value)), expect


DATE_CASES: dict[str, Case] = {
    "updated-far-future-minus-12": _updated(
        "updated-far-future-minus-12", "9999-12-31T23:59:59-12:00", rejected("future")
    ),
    "updated-far-future-utc": _updated(
        "updated-far-future-utc", "9999-12-31T23:59:59Z", rejected("future")
    ),
    "updated-far-future-plus-14": _updated(
        "updated-far-future-plus-14", "9999-12-31T23:59:59+14:00", rejected("future")
    ),
    "updated-year-2100": _updated(
        "updated-year-2100", "2100-01-01T00:00:00+03:00", rejected("future")
    ),
    "updated-before-published": _updated(
        "updated-before-published",
        "2026-11-19T10:30:00+03:00",
        rejected("updated-before-published"),
    ),
    "updated-1899": _updated("updated-1899", "1899-12-31T23:59:59Z", rejected("date-range")),
    "updated-null": (dump(article("updated-null") | {"updated": None}), accepted(updated=None)),
    "updated-valid": _updated(
        "updated-valid",
        "2026-11-21T08:00:00+03:00",
        accepted(updated="2026-11-21T05:00:00+00:00"),
    ),
    "published-year-2100": _published(
        "published-year-2100", "2100-01-01T00:00:00+03:00", rejected("future")
    ),
    "published-9999": _published("published-9999", "9999-12-31T23:59:59-12:00", rejected("future")),
    "published-space-before-offset": _published(
        "published-space-before-offset",
        "2026-11-05T10:00:00 +03:00",
        accepted(published="2026-11-05T07:00:00+00:00"),
    ),
    "published-short-offset": _published(
        "published-short-offset",
        "2026-11-05T10:00:00+03",
        accepted(published="2026-11-05T07:00:00+00:00"),
    ),
    "published-offset-plus-25": _published(
        "published-offset-plus-25", "2026-11-20T10:30:00+25:00", rejected("offset-range")
    ),
    "published-offset-plus-1400": _published(
        "published-offset-plus-1400",
        "2026-11-20T10:30:00+14:00",
        accepted(published="2026-11-19T20:30:00+00:00"),
    ),
    "published-offset-plus-1401": _published(
        "published-offset-plus-1401", "2026-11-20T10:30:00+14:01", rejected("offset-range")
    ),
    "published-offset-minus-1400": _published(
        "published-offset-minus-1400",
        "2026-11-19T10:30:00-14:00",
        accepted(published="2026-11-20T00:30:00+00:00"),
    ),
    "published-offset-minus-1401": _published(
        "published-offset-minus-1401", "2026-11-19T10:30:00-14:01", rejected("offset-range")
    ),
    "published-offset-minus-1200": _published(
        "published-offset-minus-1200",
        "2026-11-19T10:30:00-12:00",
        accepted(published="2026-11-19T22:30:00+00:00"),
    ),
    "published-1900-start": _published(
        "published-1900-start",
        "1900-01-01T00:00:00Z",
        accepted(published="1900-01-01T00:00:00+00:00"),
    ),
    "published-1899-last-second": _published(
        "published-1899-last-second", "1899-12-31T23:59:59Z", rejected("date-range")
    ),
    "published-1900-local-before-utc": _published(
        "published-1900-local-before-utc", "1900-01-01T00:00:00+03:00", rejected("date-range")
    ),
    "published-year-1": _published(
        "published-year-1", "0001-01-01T00:00:00Z", rejected("date-range")
    ),
    "published-year-1-plus-14": _published(
        "published-year-1-plus-14", "0001-01-01T00:00:00+14:00", rejected("date-range")
    ),
    "published-arabic-indic-1899": _published(
        "published-arabic-indic-1899", "١ يناير ١٨٩٩", rejected("date-range")
    ),
    "published-feb-30": _published(
        "published-feb-30", "2026-02-30T10:00:00+03:00", rejected("date")
    ),
    "published-month-13": _published(
        "published-month-13", "2026-13-05T10:00:00+03:00", rejected("date")
    ),
    "published-hour-25": _published(
        "published-hour-25", "2026-11-05T25:00:00+03:00", rejected("date")
    ),
    "published-five-digit-year": _published(
        "published-five-digit-year", "99999-01-01T00:00:00Z", rejected("date")
    ),
    "published-words": _published("published-words", "أمس", rejected("date")),
    "published-long-string": _published("published-long-string", "2026 " * 2000, rejected("date")),
    "published-arabic-indic": _published(
        "published-arabic-indic",
        "١٥ نوفمبر ٢٠٢٦ ١٠:٣٠ ص",
        accepted(published="2026-11-15T07:30:00+00:00"),
    ),
    "published-levantine-month": _published(
        "published-levantine-month",
        "12 تشرين الثاني 2026 09:00 ص",
        accepted(published="2026-11-12T06:00:00+00:00"),
    ),
    "published-date-only": _published(
        "published-date-only", "2026-11-20", accepted(published="2026-11-19T21:00:00+00:00")
    ),
}


# -- lists, image, url ---------------------------------------------------------------------


_TAGS_50 = [f"وسم {i}" for i in range(50)]
_AUTHORS_20 = [f"كاتب {i}" for i in range(20)]

LIST_CASES: dict[str, Case] = {
    "tags-50": (dump(article("tags-50", tags=_TAGS_50)), accepted(tags=50)),
    "tags-51": (dump(article("tags-51", tags=[*_TAGS_50, "وسم زائد"])), rejected("max-tags")),
    "tag-100-chars": (dump(article("tag-100-chars", tags=["و" * 100])), accepted(tags=1)),
    "tag-101-chars": (dump(article("tag-101-chars", tags=["و" * 101])), rejected("tag-length")),
    "tags-bidi": (
        dump(article("tags-bidi", tags=["\u202eالكويت", "الخليج\u200b"])),
        accepted(tags=2, clean=True),
    ),
    "authors-20": (dump(article("authors-20", authors=_AUTHORS_20)), accepted(authors=20)),
    "authors-21": (
        dump(article("authors-21", authors=[*_AUTHORS_20, "كاتب زائد"])),
        rejected("max-authors"),
    ),
    "author-200-chars": (
        dump(article("author-200-chars", authors=["ك" * 200])),
        accepted(authors=1),
    ),
    "author-201-chars": (
        dump(article("author-201-chars", authors=["ك" * 201])),
        rejected("author-length"),
    ),
    # Found by tests/unit/test_accepted_is_publishable.py: an empty author name raised.
    "author-empty-string": (
        dump(article("author-empty-string", authors=[""])),
        rejected() | {"any_of": ["required", "string_too_short", "author-length"]},
    ),
    "author-whitespace-only": (
        dump(article("author-whitespace-only", authors=[" \u200b "])),
        rejected() | {"any_of": ["required", "string_too_short", "author-length"]},
    ),
    "author-object-201-chars": (
        dump(article("author-object-201-chars", authors=[{"name": "ك" * 201}])),
        rejected("author-length"),
    ),
}


_IMAGE_URL = "https://cdn.nashra.example/images/a.jpg"


def _image_case(stem: str, expect: Expect, **fields: Any) -> Case:
    return dump(article(stem, image={"url": _IMAGE_URL, **fields})), expect


def _url_case(stem: str, value: str, expect: Expect) -> Case:
    return dump(article(stem, url=value)), expect


LINK_CASES: dict[str, Case] = {
    "image-length-100mib": _image_case(
        "image-length-100mib", accepted(image_length=104_857_600), length=104_857_600
    ),
    "image-length-over": _image_case(
        "image-length-over", rejected("image-length"), length=104_857_601
    ),
    "image-length-huge": _image_case("image-length-huge", rejected("image-length"), length=10**30),
    "image-length-negative": _image_case(
        "image-length-negative", rejected("image-length"), length=-1
    ),
    "image-length-zero": _image_case("image-length-zero", accepted(image_length=0), length=0),
    "image-url-javascript": (
        dump(article("image-url-javascript", image={"url": "javascript:alert(1)"})),
        rejected("absolute-url"),
    ),
    "image-url-data": (
        dump(article("image-url-data", image={"url": "data:image/png;base64,iVBORw0KGgo="})),
        rejected("absolute-url"),
    ),
    # A valid URI, but not in a feed's links: the W3C validator refuses its brackets (B-12).
    "url-ipv6-literal": _url_case("url-ipv6-literal", "https://[::1]/x", rejected("absolute-url")),
    "url-ipv6-full": _url_case(
        "url-ipv6-full", "https://[2001:db8::7]:8443/gulf/x", rejected("absolute-url")
    ),
    "image-url-ipv6": (
        dump(article("image-url-ipv6", image={"url": "https://[2001:db8::7]/a.jpg"})),
        rejected("absolute-url"),
    ),
    "url-ipv6-invalid": _url_case(
        "url-ipv6-invalid", "https://[zz::1]/x", rejected("absolute-url")
    ),
    "url-javascript": _url_case("url-javascript", "javascript:alert(1)", rejected("absolute-url")),
    "url-data": _url_case(
        "url-data", "data:text/html,<script>alert(1)</script>", rejected("absolute-url")
    ),
    "url-relative": _url_case("url-relative", "/gulf/x", rejected("absolute-url")),
    "url-ftp": _url_case("url-ftp", "ftp://files.nashra.example/x", rejected("absolute-url")),
    "url-no-host": _url_case("url-no-host", "https:///x", rejected("absolute-url")),
    "url-bad-port": _url_case(
        "url-bad-port", "https://www.nashra.example:99999/x", rejected("absolute-url")
    ),
    "url-arabic-path": _url_case(
        "url-arabic-path",
        "https://www.nashra.example/خبر",
        accepted(url="https://www.nashra.example/%D8%AE%D8%A8%D8%B1"),
    ),
}


# -- text that reads as markup, and corrections (issue 11) -------------------------------------

_SCRIPT_CAPTION = "<script>alert(3)</script>شاطئ في محافظة ظفار"
_UPDATED = "2026-11-21T10:30:00+03:00"
_CORRECTION = "<b>تصحيح</b>: ذكرت نسخة سابقة أن الشاطئ في مسقط & الصحيح ظفار"

MARKUP_CASES: dict[str, Case] = {
    # Fields a feed can declare HTML: kept as written, escaped and declared in the feeds.
    "caption-script": _image_case(
        "caption-script",
        accepted(caption=_SCRIPT_CAPTION, alt="<b>شاطئ</b> &nbsp", media_html=True),
        caption=_SCRIPT_CAPTION,
        alt="<b>شاطئ</b> &nbsp",
        length=1000,
    ),
    "summary-entities": (
        dump(article("summary-entities", summary="الأسعار &amp; الأجور &#1575; &nbsp")),
        accepted(summary="الأسعار &amp; الأجور &#1575; &nbsp"),
    ),
    "correction-markup": (
        dump(article("correction-markup", correction=_CORRECTION, updated=_UPDATED)),
        accepted(correction=_CORRECTION, updated="2026-11-21T07:30:00+00:00"),
    ),
    "correction-281-chars": (
        dump(article("correction-281-chars", correction="ص" * 281, updated=_UPDATED)),
        rejected("correction-length"),
    ),
    "correction-without-updated": (
        dump(article("correction-without-updated", correction="الرقم الصحيح 5")),
        rejected("correction-updated"),
    ),
    "correction-updated-not-later": (
        dump(article("correction-updated-not-later", correction="الرقم 5", updated=PUBLISHED)),
        rejected("correction-updated"),
    ),
    # Fields a feed cannot declare HTML: what readers take for markup is an error.
    "tag-markup": (dump(article("tag-markup", tags=["<b>ظفار</b>"])), rejected("plain-text")),
    "author-markup": (
        dump(article("author-markup", authors=[{"name": "<i>سارة</i> الكندري"}])),
        rejected("plain-text"),
    ),
    "title-less-than-letter": (
        dump(article("title-less-than-letter", title="التضخم x<y في الكويت")),
        rejected("plain-text"),
    ),
    "title-entity-without-semicolon": (
        dump(article("title-entity-without-semicolon", title="الذهب &nbsp الفضة")),
        rejected("plain-text"),
    ),
    "title-reference-inside-a-word": (
        dump(article("title-reference-inside-a-word", title="الذهب &amp中文 و Tom&notable")),
        rejected("plain-text"),
    ),
    "title-ampersand-and-less-than-as-text": (
        dump(article("title-ampersand-and-less-than-as-text", title="AT&T: نمو < 5%")),
        accepted(title="AT&T: نمو < 5%"),
    ),
}


def small_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for group in (
        STRUCTURE_CASES,
        SURROGATE_CASES,
        FIELD_CASES,
        TEXT_CASES,
        DATE_CASES,
        LIST_CASES,
        LINK_CASES,
        MARKUP_CASES,
    ):
        cases.update(group)
    cases["عربي"] = (dump(article("arabic-file-name")), accepted(id="arabic-file-name"))
    return {f"articles/{name}.json": case for name, case in cases.items()}


# -- large and time-relative cases (written at test time) --------------------------------------


def _results_table(stem: str, rows: int) -> bytes:
    cells = "".join(
        f"<tr><td>{i}</td><td>المتسابق {i}</td><td>{i % 60}:{i % 7}</td></tr>" for i in range(rows)
    )
    body = f"<p>نتائج سباق ماراثون الكويت كاملة.</p><table>{cells}</table>"
    return dump(article(stem, body=body, published="2026-11-25T10:30:00+03:00"))


def _fill_to(stem: str, size: int) -> bytes:
    """An article of exactly `size` bytes: its body is a run of Latin letters."""
    empty = dump(article(stem, body=""))
    return dump(article(stem, body="a" * (size - len(empty))))


def _body_of_html_size(stem: str, size: int) -> bytes:
    """Plain text whose HTML is exactly `size` bytes: one paragraph, `<p>…</p>` (7 bytes),
    each "&" written as "&amp;" (5 bytes), Latin letters as themselves."""
    escaped, letters = divmod(size - len("<p></p>"), len("&amp;"))
    return dump(article(stem, body="a" * letters + "&" * escaped))


def large_cases() -> dict[str, Callable[[], bytes]]:
    return {
        "body-html-1mib-exactly": lambda: _body_of_html_size("body-html-1mib-exactly", MIB),
        "body-html-1mib-plus-1": lambda: _body_of_html_size("body-html-1mib-plus-1", MIB + 1),
        "results-table-812kb": lambda: _results_table("results-table-812kb", 14_000),
        "file-1mib-exactly": lambda: _fill_to("file-1mib-exactly", MIB),
        "file-1mib-plus-1": lambda: _fill_to("file-1mib-plus-1", MIB + 1),
        "json-depth-100000-arrays": lambda: splice(
            "json-depth-100000-arrays", '"extra": ' + _nested(100_000)
        ),
        "json-depth-100000-objects": lambda: splice(
            "json-depth-100000-objects", '"extra": ' + '{"a":' * 100_000 + "1" + "}" * 100_000
        ),
        "json-depth-100000-unclosed": lambda: b"[" * 100_000,
        "div-80000-deep": lambda: dump(
            article("div-80000-deep", body="<div>" * 80_000 + "نص" + "</div>" * 80_000)
        ),
        "tags-8000": lambda: dump(article("tags-8000", tags=[f"وسم {i}" for i in range(8_000)])),
        "tags-60000": lambda: dump(article("tags-60000", tags=[f"t{i}" for i in range(60_000)])),
        "authors-20000": lambda: dump(
            article("authors-20000", authors=[f"a{i}" for i in range(20_000)])
        ),
        "huge-single-word-body": lambda: dump(article("huge-single-word-body", body="a" * 600_000)),
        "body-over-1mib-after-escaping": lambda: dump(
            article("body-over-1mib-after-escaping", body="&" * 250_000)
        ),
        "title-200kb": lambda: dump(article("title-200kb", title="ب" * 100_000)),
        "many-paragraphs": lambda: dump(article("many-paragraphs", body="سطر\n\n" * 40_000)),
    }


LARGE_EXPECT: dict[str, Expect] = {
    "body-html-1mib-exactly": accepted(title=TITLE, in_feeds="optional"),
    "body-html-1mib-plus-1": rejected("body-size"),
    "results-table-812kb": accepted(published="2026-11-25T07:30:00+00:00", in_feeds="optional"),
    "file-1mib-exactly": accepted(in_feeds="optional"),
    "file-1mib-plus-1": rejected("max-size"),
    "json-depth-100000-arrays": rejected("json-depth"),
    "json-depth-100000-objects": rejected("json-depth"),
    "json-depth-100000-unclosed": rejected("json-depth"),
    "div-80000-deep": rejected("html-depth"),
    "tags-8000": rejected("max-tags"),
    "tags-60000": rejected("max-tags"),
    "authors-20000": rejected("max-authors"),
    "huge-single-word-body": accepted(title=TITLE),
    "body-over-1mib-after-escaping": rejected("body-size"),
    "title-200kb": rejected("title-length"),
    "many-paragraphs": accepted(title=TITLE),
}


def dynamic_cases(now: datetime) -> dict[str, bytes]:
    """Dates just inside and just outside the future's bounds, relative to the test's
    clock: "now + 30 days" for `published` (B-20: inside, the article is scheduled) and
    "now + 6 hours" for `updated` (B-9)."""

    def at(delta: timedelta) -> str:
        return (now + delta).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    inside, outside = timedelta(hours=5, minutes=50), timedelta(hours=6, minutes=10)
    scheduled, too_far = timedelta(days=29, hours=23), timedelta(days=30, minutes=10)
    recent = at(timedelta(hours=-1))
    return {
        "published-future-inside": dump(
            article("published-future-inside", published=at(scheduled))
        ),
        "published-future-outside": dump(
            article("published-future-outside", published=at(too_far))
        ),
        "updated-future-inside": dump(
            article("updated-future-inside", published=recent, updated=at(inside))
        ),
        "updated-future-outside": dump(
            article("updated-future-outside", published=recent, updated=at(outside))
        ),
    }


DYNAMIC_EXPECT: dict[str, Expect] = {
    "published-future-inside": accepted(title=TITLE),
    "published-future-outside": rejected("future"),
    "updated-future-inside": accepted(title=TITLE),
    "updated-future-outside": rejected("future"),
}


# -- config files ------------------------------------------------------------------------------


def _site_cases(site: dict[str, Any]) -> dict[str, Case]:
    def case(expect: Expect, **changes: Any) -> Case:
        return dump(site | changes), expect | {"file": "site.json"}

    def raw(data: bytes, expect: Expect) -> Case:
        return data, expect | {"file": "site.json"}

    text = json.dumps(site, ensure_ascii=False)
    return {
        "site-tag-date-invalid": case(rejected("config-value"), tag_date="2026-13-45"),
        "site-tag-date-words": case(rejected("config-value"), tag_date="ألفان"),
        "site-duplicate-keys": raw(
            (text[:-1] + ', "title": "نشرة أخرى"}').encode(), rejected("duplicate-key")
        ),
        "site-title-bidi": case(accepted(clean_titles=True), title="\u202eنشرة\u202c"),
        "site-title-zero-width": case(accepted(clean_titles=True), title="نش\u200bرة\u200b"),
        "site-deep-nesting": raw(
            (text[:-1] + ', "extra": ' + _nested(100) + "}").encode(), rejected("json-depth")
        ),
        "site-utf16": raw(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), rejected("utf-8")),
        "site-timezone-unknown": case(rejected("config-value"), timezone="Mars/Olympus_Mons"),
        "site-base-url-javascript": case(rejected("config-value"), base_url="javascript:alert(1)"),
        "site-feeds-url-ipv6": case(rejected("config-value"), feeds_url="https://[2001:db8::7]"),
        "site-items-per-feed-negative": case(rejected("config-value"), items_per_feed=-5),
    }


def _sections_cases(sections: list[dict[str, Any]]) -> dict[str, Case]:
    def case(data: Any, expect: Expect) -> Case:
        raw = data if isinstance(data, bytes) else dump(data)
        return raw, expect | {"file": "sections.json"}

    bidi = [sections[0] | {"title": "\u202eخليج\u202c"}, *sections[1:]]
    zero = [sections[0] | {"description": "أخبار\u200b الخليج\u2060"}, *sections[1:]]
    return {
        "sections-bidi-title": case(bidi, accepted(clean_titles=True)),
        "sections-zero-width-description": case(zero, accepted(clean_titles=True)),
        "sections-deep-nesting": case(("[" * 100_000).encode(), rejected("json-depth")),
        "sections-windows-1256": case(
            json.dumps(sections, ensure_ascii=False).encode("windows-1256"), rejected("utf-8")
        ),
        "sections-duplicate-keys": case(
            b'[{"slug": "gulf", "slug": "world", "title": "\xd8\xae", "description": ""}]',
            rejected("duplicate-key"),
        ),
    }


def config_cases(content: Path) -> dict[str, Case]:
    """Hostile site.json / sections.json; `file` names the config file a case replaces."""
    site = json.loads((content / "site.json").read_text(encoding="utf-8"))
    sections = json.loads((content / "sections.json").read_text(encoding="utf-8"))
    cases = {**_site_cases(site), **_sections_cases(sections)}
    return {f"config/{name}.json": case for name, case in cases.items()}


# -- writing --------------------------------------------------------------------------------------


def manifest(content: Path) -> dict[str, Expect]:
    """Every case's expectation, by its path under tests/corpus/."""
    found = {
        name: expect for name, (_, expect) in {**small_cases(), **config_cases(content)}.items()
    }
    for name, expect in LARGE_EXPECT.items():
        found[f"articles/{name}.json"] = expect | {"generated": "large"}
    for name, expect in DYNAMIC_EXPECT.items():
        found[f"articles/{name}.json"] = expect | {"generated": "now"}
    return dict(sorted(found.items()))


def write_committed(content: Path) -> None:
    """(Re)write the committed small files and expected.json."""
    for name, (raw, _) in {**small_cases(), **config_cases(content)}.items():
        path = CORPUS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    text = json.dumps(manifest(content), ensure_ascii=False, indent=1, sort_keys=True)
    MANIFEST.write_text(text + "\n", encoding="utf-8")


def materialise(dest: Path, now: datetime) -> dict[str, Path]:
    """The path of every case: committed files in place, generated ones written to `dest`."""
    expected = json.loads(MANIFEST.read_text(encoding="utf-8"))
    made = {f"articles/{k}.json": v for k, v in dynamic_cases(now).items()}
    makers = large_cases()
    paths: dict[str, Path] = {}
    for name, expect in expected.items():
        if "generated" not in expect:
            paths[name] = CORPUS / name
            continue
        raw = made.get(name) or makers[Path(name).stem]()
        paths[name] = dest / name
        paths[name].parent.mkdir(parents=True, exist_ok=True)
        paths[name].write_bytes(raw)
    return paths


if __name__ == "__main__":
    write_committed(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS.parents[1] / "content")
