"""feeds.opml, index.html, feed.css and the HTTP metadata of every published path."""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import (
    FEED_FILES,
    FORMATS,
    cache_control_for,
    content_type_for,
    render_feed,
    render_site_files,
)

Spec = Callable[[str], FeedSpec]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # XML, not rss+xml/atom+xml: browsers show those as raw text (P-CT-2).
        ("politics/rss.xml", "application/xml; charset=utf-8"),
        ("breaking/atom.xml", "application/xml; charset=utf-8"),
        ("all/feed.json", "application/feed+json; charset=utf-8"),
        ("feeds.opml", "text/x-opml; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("politics/index.html", "text/html; charset=utf-8"),
        ("feed.css", "text/css; charset=utf-8"),
        ("README", "application/octet-stream"),
    ],
)
def test_content_types_say_utf_8_ar_enc_1(path: str, expected: str) -> None:
    assert content_type_for(path) == expected


def test_formats_are_the_contract() -> None:
    assert [(f.name, f.filename, f.media_type) for f in FORMATS] == [
        ("rss", "rss.xml", "application/rss+xml"),
        ("atom", "atom.xml", "application/atom+xml"),
        ("json", "feed.json", "application/feed+json"),
    ]
    assert FEED_FILES == ("rss.xml", "atom.xml", "feed.json", "index.html")


def _max_age(header: str, name: str) -> int:
    parts = dict(p.strip().partition("=")[::2] for p in header.split(","))
    return int(parts[name])


def test_cache_control_breaking_shorter_stylesheet_longer() -> None:
    feed = cache_control_for("politics/rss.xml")
    breaking = cache_control_for("breaking/rss.xml")
    css = cache_control_for("feed.css")
    assert feed.startswith("public,") and "stale-while-revalidate=" in feed
    assert "stale-if-error=" in feed
    assert _max_age(breaking, "s-maxage") < _max_age(feed, "s-maxage") < _max_age(css, "s-maxage")
    assert _max_age(breaking, "max-age") < _max_age(feed, "max-age") < _max_age(css, "max-age")
    assert cache_control_for("index.html") == cache_control_for("feeds.opml") == feed
    # A feed's page is as fresh as its feed.
    assert cache_control_for("politics/index.html") == feed
    assert cache_control_for("breaking/index.html") == breaking


def test_site_files_are_the_three_names(news_site: Site, news_specs: tuple[FeedSpec, ...]) -> None:
    files = render_site_files(news_site, news_specs)
    assert sorted(files) == ["feed.css", "feeds.opml", "index.html"]
    assert render_site_files(news_site, news_specs) == files


def test_opml_lists_every_feed_once_in_rss(
    news_site: Site, news_specs: tuple[FeedSpec, ...]
) -> None:
    root = etree.fromstring(render_site_files(news_site, news_specs)["feeds.opml"])
    assert root.get("version") == "2.0"
    assert root.findtext("head/title") == "خلاصات نشرة"
    assert root.findtext("head/dateCreated") == "Thu, 01 Jan 2026 00:00:00 +0000"
    feeds = root.findall("body/outline")
    assert [f.get("xmlUrl") for f in feeds] == [
        f"https://feeds.nashra.example/{s.slug}/rss.xml" for s in news_specs
    ]
    assert [f.get("text") for f in feeds] == [s.title for s in news_specs]
    assert {f.get("type") for f in feeds} == {"rss"}
    assert {f.get("language") for f in feeds} == {"ar"}
    assert root.findall("body/outline/outline") == []


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html: dict[str, str | None] = {}
        self.head: list[dict[str, str | None]] = []
        self.anchors: list[str | None] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.html = attributes
        elif tag == "link" and attributes.get("rel") == "alternate":
            self.head.append(attributes)
        elif tag == "a":
            self.anchors.append(attributes.get("href"))
        elif tag == "script":
            self.scripts += 1


def test_index_page_is_arabic_rtl_with_autodiscovery(
    news_site: Site, news_specs: tuple[FeedSpec, ...]
) -> None:
    page = render_site_files(news_site, news_specs)["index.html"].decode("utf-8")
    assert page.startswith("<!DOCTYPE html>\n")
    parser = _Links()
    parser.feed(page)
    assert parser.html == {"lang": "ar", "dir": "rtl"}
    assert parser.scripts == 0 and "http://" not in page
    assert len(parser.head) == 3 * len(news_specs)
    assert parser.head[0] == {
        "rel": "alternate",
        "type": "application/rss+xml",
        "title": "كل الأخبار | نشرة (RSS)",
        "href": "all/rss.xml",  # relative: the page lives at the root of feeds_url
    }
    assert {h["type"] for h in parser.head} == {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    }
    assert "feeds.opml" in parser.anchors
    assert "health/feed.json" in parser.anchors
    assert [a for a in parser.anchors if a and a.endswith("/index.html")] == [
        f"{spec.slug}/index.html" for spec in news_specs
    ]


def test_index_page_escapes_config_text(
    make_site: Callable[..., Site], news_specs: tuple[FeedSpec, ...]
) -> None:
    site = make_site(description='<script>alert("x")</script>\x00')
    page = render_site_files(site, news_specs)["index.html"].decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x00" not in page


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feeds_point_at_the_css_that_every_feed_can_reach_fg_15(
    news_site: Site,
    news_specs: tuple[FeedSpec, ...],
    feed_spec: Spec,
    news_articles: tuple[Article, ...],
    name: str,
) -> None:
    """The instruction names text/css and a same-folder-parent path that the site files hold:
    `<feed>/<name>` plus `../feed.css` is `feed.css`, whatever host serves them."""
    feed = render_feed(news_site, feed_spec("politics"), news_articles).files[f"politics/{name}"]
    root = etree.fromstring(feed)
    pi = root.getprevious()
    assert pi is not None and pi.target == "xml-stylesheet"
    assert pi.get("type") == "text/css"
    href = pi.get("href")
    assert href == "../feed.css"
    assert posixpath.normpath(posixpath.join("politics", href)) in render_site_files(
        news_site, news_specs
    )
    assert b"xsl" not in feed.lower()


def test_the_css_shows_titles_and_summaries_and_hides_escaped_html_p_xslt_1(
    news_site: Site, news_specs: tuple[FeedSpec, ...]
) -> None:
    css = render_site_files(news_site, news_specs)["feed.css"].decode("utf-8")
    assert css.count("{") == css.count("}")
    assert '@namespace atom url("http://www.w3.org/2005/Atom");' in css
    light = css.split("@media", 1)[0]  # the rules before the dark-mode ones
    rules = {
        selector.strip(): body
        for chunk in light.split("}")
        if "{" in chunk
        for selectors, body in [chunk.rsplit("{", 1)]
        for selector in selectors.split("*/")[-1].split(";")[-1].split(",")
    }
    assert "display: none" in rules["*"]  # content:encoded, Atom content, dates: hidden
    for shown in (
        "item > title",
        "atom|entry > atom|title",
        "item > description",
        "atom|entry > atom|summary",
        "channel > title",
        "atom|feed > atom|title",
    ):
        assert "display: block" in rules[shown], shown
    assert "direction: rtl" in rules["rss"]
    assert "attr(href)" in rules['channel > atom|link[rel="self"]::after']
    assert "<" not in css  # no markup, nothing a browser could run
