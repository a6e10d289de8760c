"""Accepted means publishable (issue 8): whatever intake accepts renders in every format.

Hypothesis writes article files in the schema's shape with extreme values: dates at the
edges of every range (year 1, 1899, 1900, 9999; offsets ±14:00 and beyond; Arabic forms),
empty and huge strings, every Unicode category including lone surrogates written as JSON
escapes, deep nesting, random extra keys. For each file: `parse_article` never raises;
an accepted article renders for `all` and its section into feeds that lxml, json and
feedparser read cleanly; a rejected one has an error naming a field. Configs likewise:
site.json and sections.json with extreme values are either a ConfigError naming a field
or a config whose every feed renders, with titles free of bidi and invisible characters.

Examples: 60 by default (a few seconds in `make test`); NASHRA_HYPOTHESIS_EXAMPLES=5000
for a long run. Every crash found here becomes a case in tests/corpus.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from corpus.checks import FEED_URI, feed_links
from nashra.core.intake import parse_article
from nashra.core.problems import ConfigError
from nashra.core.site import Section, Site, feed_catalog, parse_sections, parse_site
from nashra.render import render_feed, render_site_files

CONTENT = Path(__file__).resolve().parents[2] / "content"
# Never in a feed's text: controls, bidi embeddings/overrides/isolates, invisibles, BOM.
DIRTY = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
EXAMPLES = int(os.environ.get("NASHRA_HYPOTHESIS_EXAMPLES", "60"))
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # equals the `now` fixture
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=True)
FIXTURES_OK = [
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
]

INVISIBLE = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff\x00\x07\x1b\x7f"
)
ARABIC = "ابتثجحخدذرسشصضطظعغفقكلمنهويءآأإةى \u064b\u064e\u0650\u0651\u0640«»،؛؟٠١٢٣٤٥٦٧٨٩"
characters = st.one_of(
    st.characters(),  # every category but surrogates
    st.characters(categories=["Cs"]),  # lone surrogates: written as \\udXXX escapes
    st.sampled_from(INVISIBLE),
    st.sampled_from(ARABIC),
)
SIZES = (0, 1, 2, 64, 65, 100, 101, 200, 201, 300, 301, 1000, 1001, 20_000)


@st.composite
def strings(draw: st.DrawFn) -> str:
    """Short random text, or a run of one character at a size on either side of a bound."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["", " ", "عاجل", "«عاجل»", "\u064b\u064e"])) + draw(
            characters
        ) * draw(st.sampled_from(SIZES))
    return draw(st.text(characters, max_size=40))


YEARS = ("0001", "1899", "1900", "1970", "2026", "2100", "9999")
OFFSETS = ("", "Z", "+03:00", "+14:00", "-14:00", "+14:01", "-14:01", "-12:00", "+25:00")
OFFSETS_ODD = ("+03", " +03:00", "+0300", "+99:99", "-00:00")
ARABIC_DATES = (
    "١٥ نوفمبر ٢٠٢٦ ١٠:٣٠ ص",
    "12 تشرين الثاني 2026 09:00 ص",
    "١ يناير ١٨٩٩",
    "31 ديسمبر 9999 11:59 م",
    "الخميس 20 نوفمبر 2026 بتوقيت مكة",
)


@st.composite
def dates(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(st.sampled_from(ARABIC_DATES))
    if kind == 1:
        return draw(st.one_of(strings(), st.integers(), st.none()))
    year = draw(st.sampled_from(YEARS))
    month, day = draw(st.sampled_from([(1, 1), (2, 29), (2, 30), (11, 20), (12, 31), (13, 5)]))
    clock = draw(st.sampled_from(["00:00:00", "10:30:00", "23:59:59", "24:00:00", "10:30"]))
    offset = draw(st.sampled_from(OFFSETS + OFFSETS_ODD))
    return f"{year}-{month:02d}-{day:02d}T{clock}{offset}"


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


BODIES = (
    "<p>نص الخبر</p>",
    "<p onclick='x()'>نص</p><script>alert(1)</script>",
    '<a href="javascript:alert(1)">رابط</a>',
    '<img src="data:image/png;base64,AAAA">',
    "<table><tr><td>١</td><td>فريق</td></tr></table>",
    "سطر\n\nسطر",
)


@st.composite
def bodies(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        depth = draw(st.sampled_from([1, 63, 64, 65, 300]))
        return "<div>" * depth + draw(strings()) + "</div>" * depth
    if kind == 1:
        return draw(st.sampled_from(BODIES))
    return draw(st.one_of(strings(), st.none(), st.integers()))


URLS = (
    "https://www.nashra.example/gulf/x",
    "https://[::1]/x",
    "https://[2001:db8::1]:8443/خبر",
    "http://example.com/a b",
    "javascript:alert(1)",
    "data:text/html,x",
    "/relative",
    "https:///x",
    "https://example.com:99999/",
)
LENGTHS = (0, 1, 104_857_600, 104_857_601, -1, 10**30)


@st.composite
def images(draw: st.DrawFn) -> Any:
    image: dict[str, Any] = {"url": draw(st.sampled_from(URLS) | strings())}
    if draw(st.booleans()):
        image["length"] = draw(st.sampled_from(LENGTHS) | st.integers())
    if draw(st.booleans()):
        image["alt"] = draw(strings())
    return image if draw(st.integers(0, 4)) else draw(strings())


def lists_of(element: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    sized = st.sampled_from([0, 1, 20, 21, 50, 51, 300]).flatmap(
        lambda n: st.lists(element, min_size=n, max_size=n)
    )
    return st.one_of(sized, st.lists(element, max_size=5), strings())


ID_LIKE = st.sampled_from(["x", "a" * 64, "a" * 65, "Upper", "-x", "خبر", "ok-1"])
SECTIONS = st.sampled_from(["gulf", "economy", "all", "breaking", "nope", ""])
STATUSES = st.sampled_from(["published", "draft", "scheduled"])
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": ID_LIKE | strings(),
    "section": SECTIONS | strings(),
    "title": strings() | st.sampled_from(["وزير الدفاع يلتقي نظيره", "عاجل: زلزال"]),
    "breaking": st.booleans() | strings(),
    "published": dates(),
    "updated": dates(),
    "summary": strings(),
    "body": bodies(),
    "authors": lists_of(strings() | st.fixed_dictionaries({"name": strings()})),
    "tags": lists_of(strings()),
    "image": images(),
    "url": st.sampled_from(URLS) | strings(),
    "status": STATUSES | strings(),
}
BASE = {
    "section": "gulf",
    "title": "وزير الدفاع يلتقي نظيره الكويتي",
    "published": "2026-11-20T10:30:00+03:00",
    "body": "<p>نص الخبر</p>",
}


@st.composite
def article_files(draw: st.DrawFn) -> bytes:
    """An article file: a valid base with some fields replaced, removed or added."""
    data: dict[str, Any] = dict(BASE)
    changed = draw(st.sampled_from([1, 2, 6]))  # few changes: more files are accepted
    for name in draw(st.sets(st.sampled_from(sorted(FIELDS)), max_size=changed)):
        data[name] = draw(FIELDS[name])
    if draw(st.integers(0, 7)) == 0:
        data.pop(draw(st.sampled_from(sorted(BASE))))
    extras = draw(st.dictionaries(strings(), strings() | st.integers(), max_size=2))
    data.update(extras)
    if draw(st.integers(0, 5)) == 0:
        data["extra"] = nested(draw(st.sampled_from([19, 20, 21, 1000])))
    escaped = draw(st.booleans())
    try:
        text = json.dumps(data, ensure_ascii=escaped)
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only writable as a JSON escape
        return json.dumps(data, ensure_ascii=True).encode("utf-8")


def assert_readable(rendered: Any) -> None:
    """JSON Feed parses as JSON; RSS and Atom in strict lxml and in feedparser (bozo 0),
    with every link a URI the W3C validator accepts (`FEED_URI`); no text of the article
    becomes a script on the feed's page."""
    files: dict[str, bytes] = getattr(rendered, "files", rendered)
    assert files
    for path, body in files.items():
        if path.endswith(".json"):
            assert json.loads(body)["items"] is not None
            continue
        if path.endswith(".html"):  # the feed's page: its one script is nashra's own
            assert body.count(b"<script") == 1, path
            continue
        etree.fromstring(body, STRICT)
        parsed = feedparser.parse(body)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        bad = [link for link in feed_links(body) if not FEED_URI.fullmatch(link)]
        assert not bad, (path, bad)  # the W3C validator's InvalidUriChar and the like


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=FIXTURES_OK)
@given(raw=article_files())
def test_accepted_is_publishable(site: Site, sections: tuple[Section, ...], raw: bytes) -> None:
    result = parse_article(raw, key="articles/x.json", site=site, sections=sections, now=NOW)
    if result.article is None:
        errors = [p for p in result.problems if p.severity == "error"]
        assert errors, result.problems
        assert all(p.field and p.rule and p.message_en and p.message_ar for p in errors)
        json.dumps([p.as_dict() for p in result.problems], ensure_ascii=False).encode()
        return
    specs = {s.slug: s for s in feed_catalog(site, sections)}
    for slug in ("all", result.article.section):
        assert_readable(render_feed(site, specs[slug], [result.article]))


# -- configs ----------------------------------------------------------------------------------

GOOD_ARTICLE = json.dumps(BASE | {"id": "good"}, ensure_ascii=False).encode()
TAG_DATES = ("2026", "2026-11", "2024-02-29", "2026-02-29", "2026-13-45", "0001-01-01", "9999")
SITE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": strings(),
    "description": strings(),
    "base_url": st.sampled_from(URLS) | strings(),
    "feeds_url": st.sampled_from(URLS) | strings(),
    "language": st.sampled_from(["ar", "ar-KW", "", "a" * 100]) | strings(),
    "timezone": st.sampled_from(["Asia/Kuwait", "UTC", "Mars/Olympus", "", "../etc"]),
    "items_per_feed": st.sampled_from([0, 1, -1, 10**30]) | st.integers() | strings(),
    "max_feed_bytes": st.sampled_from([0, 1, 500, 10**30]) | st.integers(),
    "icon": st.sampled_from(URLS) | strings(),
    "copyright": strings(),
    "tag_authority": strings() | st.just("www.nashra.example"),
    "tag_date": st.sampled_from(TAG_DATES) | strings() | st.integers(),
    "arabic_slugs": st.booleans() | strings(),
}


@st.composite
def config_files(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """content/'s site.json and sections.json with some values made extreme."""
    site: dict[str, Any] = json.loads((CONTENT / "site.json").read_bytes())
    changed = draw(st.sampled_from([1, 2, 4]))
    for name in draw(st.sets(st.sampled_from(sorted(SITE_FIELDS)), max_size=changed)):
        site[name] = draw(SITE_FIELDS[name])
    sections: list[Any] = json.loads((CONTENT / "sections.json").read_bytes())
    if draw(st.booleans()):
        sections[0] = {"slug": draw(SECTIONS | strings()), "title": draw(strings())}
    if draw(st.integers(0, 5)) == 0:
        site["extra"] = nested(draw(st.sampled_from([19, 21, 1000])))
    return _dumps(site, draw(st.booleans())), _dumps(sections, draw(st.booleans()))


def _dumps(data: Any, escaped: bool) -> bytes:
    try:
        return json.dumps(data, ensure_ascii=escaped).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only writable as a JSON escape
        return json.dumps(data, ensure_ascii=True).encode("utf-8")


def _read_config(site_raw: bytes, sections_raw: bytes) -> tuple[Site, tuple[Section, ...]] | None:
    """The config, or None after checking the ConfigError names a field and a rule."""
    try:
        return parse_site(site_raw), parse_sections(sections_raw)
    except ConfigError as exc:
        assert exc.problems
        assert all(p.field and p.rule and p.message_en and p.message_ar for p in exc.problems)
        return None


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=FIXTURES_OK)
@given(files=config_files())
def test_accepted_config_is_publishable(files: tuple[bytes, bytes]) -> None:
    config = _read_config(*files)
    if config is None:
        return
    site, sections = config
    specs = feed_catalog(site, sections)
    result = parse_article(
        GOOD_ARTICLE, key="articles/good.json", site=site, sections=sections, now=NOW
    )
    for spec in specs:
        assert not DIRTY.search(spec.title + spec.description), spec
        articles = [result.article] if result.article is not None else []
        assert_readable(render_feed(site, spec, articles))
    for path, body in render_site_files(site, specs).items():
        if path.endswith(".opml"):
            etree.fromstring(body, STRICT)
        elif path.endswith(".html"):  # the landing page runs no script
            assert b"<script" not in body, path
