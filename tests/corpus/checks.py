"""What every corpus test asserts, shared by the unit, build and handler suites.

An accepted case must come out as its expectation says (title, url, dates, counts, text
with no bidi overrides or invisible characters); a rejected one must carry every expected
rule as an error that names a field. Every feed written must parse in lxml, json and
feedparser (bozo 0).
"""

from __future__ import annotations

import html
import json
import re
import signal
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import feedparser  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.problems import Problem

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parents[1]
CONTENT = ROOT / "content"
FORMATS = ("rss.xml", "atom.xml", "feed.json")
GOOD_ID = "good-article"
GOOD_URL = f"https://www.nashra.example/gulf/{GOOD_ID}"
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=True)
# What must never reach an article or a feed: C0 controls but tab/newline, bidi embeddings
# and overrides, isolates, zero-width and joiner-like invisibles, the BOM, lone surrogates.
DIRTY = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)


def expectations() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads(
        (CORPUS / "expected.json").read_text(encoding="utf-8")
    )
    return loaded


def good_article(published: str = "2026-11-20T09:00:00+03:00", article_id: str = GOOD_ID) -> bytes:
    """The article that must be published whatever else is in its batch."""
    data = {
        "id": article_id,
        "section": "gulf",
        "title": "الكويت تستضيف اجتماعًا خليجيًا لوزراء الخارجية",
        "published": published,
        "body": "<p>يعقد وزراء خارجية دول مجلس التعاون اجتماعهم في الكويت.</p>",
        "tags": ["الكويت"],
    }
    return json.dumps(data, ensure_ascii=False).encode()


def inbox_key(name: str) -> str:
    """The inbox key a case is uploaded under (its file name under articles/)."""
    return "articles/" + Path(name).name


class CaseTimeoutError(Exception):
    """One case took longer than its stage may (issue 8: cost must stay linear)."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Interrupt Python code that runs longer than `seconds` (SIGALRM; main thread)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise CaseTimeoutError(f"{what} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def assert_rejected(
    expect: Mapping[str, Any], problems: tuple[Problem, ...] | list[Problem]
) -> None:
    errors = [p for p in problems if p.severity == "error"]
    rules = {p.rule for p in errors}
    assert errors, "rejected without an error"
    missing = set(expect.get("rules", ())) - rules
    assert not missing, f"expected rules {sorted(missing)}, got {sorted(rules)}"
    if expect.get("any_of"):
        assert rules & set(expect["any_of"]), f"expected one of {expect['any_of']}, got {rules}"
    for problem in errors:
        assert problem.field and problem.message_en and problem.message_ar, problem
    said = " ".join(f"{p.message_en} {p.message_ar}" for p in errors)
    for words in expect.get("message_includes", ()):
        assert words in said, f"{words!r} not in {said!r}"
    for words in expect.get("message_excludes", ()):
        assert words not in said, f"{words!r} in {said!r}"
    # The report must be writable as UTF-8 JSON (a lone surrogate once crashed it).
    json.dumps([p.as_dict() for p in problems], ensure_ascii=False).encode("utf-8")


def utc_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


_SIMPLE = ("id", "title", "url", "breaking", "status", "summary", "correction")
# A check's key -> what of the article it is compared with.
_DERIVED: dict[str, Callable[[Article], Any]] = {
    "published": lambda a: utc_iso(a.published),
    "updated": lambda a: utc_iso(a.updated),
    "tags": lambda a: len(a.tags),
    "authors": lambda a: len(a.authors),
    "image_length": lambda a: a.image and a.image.length,
    "caption": lambda a: a.image and a.image.caption,
    "alt": lambda a: a.image and a.image.alt,
}


def assert_article(article: Article, check: Mapping[str, Any]) -> None:
    """The published article is normalised as the case's `check` says."""
    for name in _SIMPLE:
        if name in check:
            assert getattr(article, name) == check[name], name
    for name, derive in _DERIVED.items():
        if name in check:
            assert derive(article) == check[name], name
    for fragment in check.get("body_excludes", ()):
        assert fragment not in article.body_html, fragment
    if check.get("clean"):
        texts = [article.title, article.summary, article.body_html, *article.tags]
        dirty = [t for t in texts if DIRTY.search(t)]
        assert not dirty, [DIRTY.findall(t) for t in dirty]


def read_feeds(out: Path) -> dict[str, bytes]:
    """Every feed file under a build's output folder, by `<slug>/<file>`."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.glob("*/*"))
        if p.name in FORMATS
    }


# A feed's own links as the W3C validator reads them (RFC 2396, its `rfc2396_full`): a
# scheme, then only these characters; brackets (an IPv6 host), spaces and raw Arabic are
# its InvalidUriChar, InvalidFullLink and InvalidIRI errors. CI cannot run the validator.
FEED_URI = re.compile(r"[a-zA-Z][0-9a-zA-Z+\-.]*:(//)?[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,#]+")
_URI_ELEMENTS = {"link", "guid", "id", "uri", "icon", "logo", "url"}
_URI_ATTRIBUTES = ("href", "url")


def feed_links(body: bytes) -> list[str]:
    """Every URI an RSS or Atom document gives as a link, an id, an enclosure or an image."""
    links: list[str] = []
    for element in etree.fromstring(body, STRICT).iter("*"):
        name = etree.QName(element).localname
        if name in _URI_ELEMENTS and element.text and element.text.strip():
            links.append(element.text.strip())
        links += [element.get(a) for a in _URI_ATTRIBUTES if element.get(a) is not None]
    return links


def assert_well_formed(feeds: Mapping[str, bytes]) -> None:
    """lxml (strict), json and feedparser read every feed without complaint, and every
    link in RSS and Atom is a URI the W3C validator accepts (`FEED_URI`)."""
    assert feeds, "no feed was written"
    for path, body in feeds.items():
        if path.endswith(".json"):  # feedparser reads RSS and Atom only
            assert isinstance(json.loads(body)["items"], list), path
            continue
        etree.fromstring(body, STRICT)
        parsed = feedparser.parse(body)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        bad = [link for link in feed_links(body) if not FEED_URI.fullmatch(link)]
        assert not bad, (path, bad)


def feed_titles(feeds: Mapping[str, bytes]) -> dict[str, str]:
    """The title of every feed, as a reader shows it."""
    titles: dict[str, str] = {}
    for path, body in feeds.items():
        if path.endswith(".json"):
            titles[path] = str(json.loads(body).get("title", ""))
        else:
            titles[path] = str(feedparser.parse(body).feed.get("title", ""))
    return titles


def json_item(feed: bytes, url: str) -> dict[str, Any] | None:
    """The JSON Feed item linking to `url`, if any."""
    items: list[dict[str, Any]] = json.loads(feed)["items"]
    return next((item for item in items if item.get("url") == url), None)


def assert_in_feeds(feeds: Mapping[str, bytes], article: Article, check: Mapping[str, Any]) -> None:
    """An accepted case is in `all` and its section (and `breaking` if so), or in none
    when it is a draft or scheduled (B-20); the JSON item carries the normalised title and
    date."""
    url = article.url.encode()
    slugs = ["all", article.section] + (["breaking"] if article.breaking else [])
    if article.status != "published":
        assert not any(url in body for body in feeds.values()), f"a {article.status} is in a feed"
        return
    if check.get("in_feeds") == "optional":
        return
    for slug in slugs:
        for fmt in FORMATS:
            assert url in feeds[f"{slug}/{fmt}"], f"{article.id} missing from {slug}/{fmt}"
    item = json_item(feeds["all/feed.json"], article.url)
    assert item is not None
    assert item["title"].lstrip("\u200f") == article.title
    published = datetime.fromisoformat(item["date_published"])
    assert published == article.published
    if check.get("clean"):
        assert not DIRTY.search(json.dumps(item, ensure_ascii=False)), item
    if check.get("media_html"):
        assert_media_text_shown_as_text(feeds, article)
    if article.correction:  # leads the full text, marked, in every format
        marked = "<strong>تصحيح:</strong> " + html.escape(article.correction, quote=False)
        assert marked in item["content_html"] and article.correction in item["summary"]


def assert_media_text_shown_as_text(feeds: Mapping[str, bytes], article: Article) -> None:
    """A caption that reads as markup is escaped and declared html in RSS and Atom: a
    reader shows it as written (html.unescape of text holding no tag) and the W3C
    validator has no ContainsUndeclaredHTML to warn about."""
    assert article.image is not None
    for slug in ("all", article.section):
        for name in ("rss.xml", "atom.xml"):
            root = etree.fromstring(feeds[f"{slug}/{name}"], STRICT)
            found = [
                el
                for el in root.iter("{http://search.yahoo.com/mrss/}description")
                if el.getparent().get("url") == article.image.url
            ]
            assert len(found) == 1, (slug, name)
            assert found[0].get("type") == "html" and "<" not in found[0].text
            assert html.unescape(found[0].text) == (article.image.caption or article.image.alt)
