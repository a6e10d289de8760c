"""feeds.opml, index.html, feed.xsl and the HTTP metadata of every published path."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser

import pytest
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import (
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
        ("politics/rss.xml", "application/rss+xml; charset=utf-8"),
        ("breaking/atom.xml", "application/atom+xml; charset=utf-8"),
        ("all/feed.json", "application/feed+json; charset=utf-8"),
        ("feeds.opml", "text/x-opml; charset=utf-8"),
        ("index.html", "text/html; charset=utf-8"),
        ("feed.xsl", "text/xsl; charset=utf-8"),
        ("README", "application/octet-stream"),
    ],
)
def test_content_types_say_utf_8_ar_enc_1(path: str, expected: str) -> None:
    assert content_type_for(path) == expected


def test_formats_are_the_contract() -> None:
    assert [(f.name, f.filename) for f in FORMATS] == [
        ("rss", "rss.xml"),
        ("atom", "atom.xml"),
        ("json", "feed.json"),
    ]


def _max_age(header: str, name: str) -> int:
    parts = dict(p.strip().partition("=")[::2] for p in header.split(","))
    return int(parts[name])


def test_cache_control_breaking_shorter_stylesheet_longer() -> None:
    feed = cache_control_for("politics/rss.xml")
    breaking = cache_control_for("breaking/rss.xml")
    xsl = cache_control_for("feed.xsl")
    assert feed.startswith("public,") and "stale-while-revalidate=" in feed
    assert "stale-if-error=" in feed
    assert _max_age(breaking, "s-maxage") < _max_age(feed, "s-maxage") < _max_age(xsl, "s-maxage")
    assert _max_age(breaking, "max-age") < _max_age(feed, "max-age") < _max_age(xsl, "max-age")
    assert cache_control_for("index.html") == cache_control_for("feeds.opml") == feed


def test_site_files_are_the_three_names(news_site: Site, news_specs: tuple[FeedSpec, ...]) -> None:
    files = render_site_files(news_site, news_specs)
    assert sorted(files) == ["feed.xsl", "feeds.opml", "index.html"]
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


def test_index_page_escapes_config_text(
    make_site: Callable[..., Site], news_specs: tuple[FeedSpec, ...]
) -> None:
    site = make_site(description='<script>alert("x")</script>\x00')
    page = render_site_files(site, news_specs)["index.html"].decode("utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page and "\x00" not in page


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_stylesheet_turns_rss_and_atom_into_an_arabic_page_fg_15(
    news_site: Site,
    news_specs: tuple[FeedSpec, ...],
    feed_spec: Spec,
    news_articles: tuple[Article, ...],
    name: str,
) -> None:
    xslt = etree.XSLT(etree.fromstring(render_site_files(news_site, news_specs)["feed.xsl"]))
    feed = render_feed(news_site, feed_spec("politics"), news_articles).files[f"politics/{name}"]
    page = xslt(etree.fromstring(feed))
    html = etree.tostring(page, encoding="unicode", method="html")
    root = page.getroot()
    assert root.get("lang") == "ar" and root.get("dir") == "rtl"
    assert root.findtext("head/title") == "سياسة | نشرة"
    headings = [a.text for a in root.iter("a") if a.getparent().tag == "h2"]
    assert headings == [
        "وزير الدفاع يبحث مع نظيره الكويتي تعزيز التعاون العسكري",
        "جدول أعمال القمة الخليجية: الأمن والاقتصاد",
    ]
    links = [a.get("href") for a in root.iter("a") if a.getparent().tag == "h2"]
    assert links[0] == "https://www.nashra.example/politics/defence-kuwait-meeting"
    assert "التقى وزير الدفاع نظيره الكويتي" in html  # the summary
    assert f"https://feeds.nashra.example/politics/{name}" in html  # copy-this-URL note
    assert "&lt;div" not in html  # escaped content HTML is never shown as text
