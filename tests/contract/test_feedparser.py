"""Round trip through feedparser, the parser behind many aggregators (AR-LANG-1, AR-URL-1)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import feedparser
import pytest

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.core.text import RLM
from nashra.core.urls import item_id
from nashra.render import render_feed
from nashra.render.model import select

FORMATS = ["rss.xml", "atom.xml"]  # feedparser 6 has no JSON Feed support


def _parse(site: Site, spec: FeedSpec, articles: tuple[Article, ...], name: str) -> Any:
    parsed = feedparser.parse(render_feed(site, spec, articles)[f"{spec.slug}/{name}"])
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


@pytest.mark.parametrize("name", FORMATS)
def test_every_feed_round_trips(
    news_site: Site,
    news_specs: tuple[FeedSpec, ...],
    news_articles: tuple[Article, ...],
    name: str,
) -> None:
    for spec in news_specs:
        parsed = _parse(news_site, spec, news_articles, name)
        expected = select(news_site, spec, news_articles)
        assert parsed.feed.language == "ar"  # AR-LANG-1
        assert parsed.feed.title == spec.title
        assert len(parsed.entries) == len(expected)
        for entry, article in zip(parsed.entries, expected, strict=True):
            title = entry.title.removeprefix(RLM)  # AR-DIR-2 mark, invisible
            assert unicodedata.normalize("NFC", title) == article.title
            assert entry.id == item_id(news_site.authority, news_site.tag_date, article.id)
            assert unquote(entry.link) == unquote(article.url)
            assert entry.link.isascii()  # AR-URL-1
            published = entry.published_parsed
            assert published[:6] == article.published.utctimetuple()[:6]


@pytest.mark.parametrize("name", FORMATS)
def test_arabic_links_decode_to_the_canonical_url_ar_url_1(
    news_site: Site,
    feed_spec: Callable[[str], FeedSpec],
    news_articles: tuple[Article, ...],
    name: str,
) -> None:
    parsed = _parse(news_site, feed_spec("politics"), news_articles, name)
    link = parsed.entries[1].link
    assert "%D8%AC%D8%AF%D9%88%D9%84" in link
    assert unquote(link) == "https://www.nashra.example/politics/gcc-summit-agenda-جدول-أعمال-القمة"


@pytest.mark.parametrize("name", FORMATS)
def test_ids_are_stable_when_title_and_url_change(
    news_site: Site,
    feed_spec: Callable[[str], FeedSpec],
    news_articles: tuple[Article, ...],
    name: str,
) -> None:
    before = _parse(news_site, feed_spec("politics"), news_articles, name)
    edited = [
        a.model_copy(update={"title": a.title + " (محدث)", "url": a.url + "-v2"})
        for a in news_articles
    ]
    after = _parse(news_site, feed_spec("politics"), tuple(edited), name)
    assert [e.id for e in after.entries] == [e.id for e in before.entries]
    assert [e.title for e in after.entries] != [e.title for e in before.entries]


def test_content_keeps_the_rtl_wrapper_and_language_ar_dir_1(
    news_site: Site, feed_spec: Callable[[str], FeedSpec], news_articles: tuple[Article, ...]
) -> None:
    for name in FORMATS:
        entry = _parse(news_site, feed_spec("politics"), news_articles, name).entries[0]
        html = entry.content[0].value
        assert html.startswith('<div dir="rtl" lang="ar">')
        assert "<h2>تعاون عسكري</h2>" in html
    atom_entry = _parse(news_site, feed_spec("politics"), news_articles, "atom.xml").entries[0]
    assert atom_entry.content[0].language == "ar"
    assert [t.term for t in atom_entry.tags] == ["الكويت", "الدفاع", "عاجل"]
    assert atom_entry.media_thumbnail[0]["url"] == "https://www.nashra.example/img/defence.jpg"


GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.mark.parametrize("feed", sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()))
def test_content_feeds_read_the_same_in_every_format(feed: str) -> None:
    """What `nashra build content` writes: RSS, Atom and JSON Feed agree on every item."""
    twin = json.loads((GOLDEN / feed / "feed.json").read_text("utf-8"))
    want = [(i["id"], i["title"], unquote(i["url"])) for i in twin["items"]]
    for name in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((GOLDEN / feed / name).read_bytes())
        assert not parsed.bozo, (name, parsed.get("bozo_exception"))
        assert parsed.feed.language == "ar"
        got = [(e.id, e.title, unquote(e.link)) for e in parsed.entries]
        assert got == want, name
        assert all(unicodedata.is_normalized("NFC", e.title) for e in parsed.entries)
