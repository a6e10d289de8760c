"""Atom 1.0: identity, one link per entry (FG-1), typed text constructs (FG-10)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import pytest
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article, Author
from nashra.core.keys import feed_file
from nashra.core.site import FeedSpec, Site
from nashra.core.urls import item_id
from nashra.render import render_feed
from nashra.render.formats import ATOM

Spec = Callable[[str], FeedSpec]
A = "{http://www.w3.org/2005/Atom}"
NS = {"a": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _atom(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
    """The Atom document of one feed, as the publisher publishes it."""
    return render_feed(site, spec, articles).files[feed_file(spec.slug, ATOM.filename)]


def _feed(site: Site, spec: FeedSpec, articles: tuple[Article, ...]) -> etree._Element:
    return etree.fromstring(_atom(site, spec, articles))


def test_feed_identity_language_and_stylesheet_ar_lang_1(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    data = _atom(news_site, feed_spec("economy"), news_articles)
    assert b'<?xml-stylesheet type="text/css" href="../feed.css"?><feed ' in data
    feed = etree.fromstring(data)
    assert feed.tag == f"{A}feed" and feed.get(XML_LANG) == "ar"
    assert feed.findtext(f"{A}id") == "tag:www.nashra.example,2026:feed/economy"
    assert feed.findtext(f"{A}title") == "اقتصاد | نشرة"
    assert feed.findtext(f"{A}subtitle") == "أخبار الاقتصاد والأسواق والأعمال"
    assert feed.findtext(f"{A}updated") == "2026-03-15T05:00:00+00:00"
    assert feed.findtext(f"{A}author/{A}name") == "نشرة"
    assert feed.findtext(f"{A}icon") == "https://www.nashra.example/icon.png"
    assert feed.findtext(f"{A}logo") == "https://www.nashra.example/logo.png"
    assert feed.findtext(f"{A}rights") == "© 2026 نشرة. جميع الحقوق محفوظة"
    generator = feed.find(f"{A}generator")
    assert generator.text == "nashra" and generator.attrib == {}


def test_feed_links_alternate_first_then_self_and_hub(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    links = _feed(news_site, feed_spec("economy"), news_articles).findall(f"{A}link")
    assert [(x.get("rel"), x.get("type"), x.get("href")) for x in links] == [
        ("alternate", "text/html", "https://www.nashra.example/economy"),
        ("self", "application/atom+xml", "https://feeds.nashra.example/economy/atom.xml"),
        ("hub", None, "https://hub.nashra.example/"),
    ]


def test_entries_one_link_typed_text_and_rtl_content_fg_1_fg_10(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    entries = _feed(news_site, feed_spec("all"), news_articles).findall(f"{A}entry")
    assert len(entries) == 6
    first = entries[0]
    assert first.findtext(f"{A}id") == item_id(
        "www.nashra.example", "2026", "defence-kuwait-meeting"
    )
    assert [link.attrib for link in first.findall(f"{A}link")] == [
        {"href": "https://www.nashra.example/politics/defence-kuwait-meeting"}
    ]
    summary, content = first.find(f"{A}summary"), first.find(f"{A}content")
    assert summary.get("type") == "text" and summary.text == news_articles[0].summary
    assert content.get("type") == "html"
    assert content.text.startswith('<div dir="rtl" lang="ar">')
    assert first.find(f"{A}title").get("type") in (None, "text")  # plain text by default


def test_entry_dates_authors_categories(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    first = _feed(news_site, feed_spec("politics"), news_articles).find(f"{A}entry")
    assert first.findtext(f"{A}published") == "2026-03-15T07:30:00+00:00"
    assert first.findtext(f"{A}updated") == "2026-03-15T09:05:00+00:00"
    for tag in ("published", "updated"):
        assert datetime.fromisoformat(first.findtext(f"{A}{tag}")).utcoffset() is not None
    authors = [
        (a.findtext(f"{A}name"), a.findtext(f"{A}uri"), a.findtext(f"{A}email"))
        for a in first.findall(f"{A}author")
    ]
    assert authors == [
        (
            "سارة الكندري",
            "https://www.nashra.example/authors/sara",
            "sara.alkandari@nashra.example",
        ),
        ("أحمد العلي", None, None),
    ]
    assert [c.get("term") for c in first.findall(f"{A}category")] == ["الكويت", "الدفاع", "عاجل"]


def test_summary_is_plain_text_and_markup_in_it_is_escaped_html(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """Plain summaries stay type="text"; one holding "<" is declared html and escaped, so
    it still shows as text and the validator has no ContainsUndeclaredHTML to warn about."""
    plain = "ارتفع المؤشر 2% & تراجعت السندات"
    article = news_articles[0].model_copy(update={"summary": plain})
    summary = _feed(news_site, feed_spec("politics"), (article,)).find(f"{A}entry/{A}summary")
    assert summary.get("type") == "text" and summary.text == plain
    text = "<img src=x onerror=alert(1)> <b>عريض</b> a & b"
    article = news_articles[0].model_copy(update={"summary": text})
    summary = _feed(news_site, feed_spec("politics"), (article,)).find(f"{A}entry/{A}summary")
    assert summary.get("type") == "html"
    assert summary.text == "&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;عريض&lt;/b&gt; a &amp; b"


@pytest.mark.parametrize(
    ("given", "written"),
    [
        ("newsroom@nashra.example", "newsroom@nashra.example"),
        ("  o'brien+news@mail.nashra.example ", "o'brien+news@mail.nashra.example"),
        ("", None),
        ("not an address", None),
        ("mailto:newsroom@nashra.example", None),
        ("سارة <newsroom@nashra.example>", None),
        ("newsroom@localhost", None),  # no dot: the validator's DNS fallback, UnknownHost
        ("سارة@نشرة.example", None),  # not ASCII
        ("a..b@nashra.example", None),
    ],
)
def test_author_e_mail_only_when_it_is_a_plain_ascii_address(
    news_site: Site,
    feed_spec: Spec,
    news_articles: tuple[Article, ...],
    given: str,
    written: str | None,
) -> None:
    author = Author(name="سارة الكندري", email=given)
    article = news_articles[0].model_copy(update={"authors": (author,)})
    entry = _feed(news_site, feed_spec("politics"), (article,)).find(f"{A}entry")
    (person,) = entry.findall(f"{A}author")
    assert person.findtext(f"{A}name") == "سارة الكندري"
    assert person.findtext(f"{A}email") == written


def test_images_are_media_not_enclosure_links_fg_1(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    feed = _feed(news_site, feed_spec("all"), news_articles)
    assert not feed.xpath("//a:link[@rel='enclosure']", namespaces=NS)
    first = feed.find(f"{A}entry")
    thumb = first.find("media:thumbnail", NS)
    assert thumb.get("url") == "https://www.nashra.example/img/defence.jpg"


def test_empty_feed_is_dated_from_the_site_not_the_clock(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    feed = _feed(news_site, feed_spec("health"), news_articles)
    assert feed.findtext(f"{A}updated") == "2026-01-01T00:00:00+00:00"
    assert feed.findall(f"{A}entry") == []
