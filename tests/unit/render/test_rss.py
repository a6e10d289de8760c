"""RSS 2.0: the channel contract and every feedgen workaround (docs/decisions.md, FG-1 … FG-22)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from email.utils import parsedate_to_datetime

from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.dates import format_rfc822
from nashra.core.keys import feed_file
from nashra.core.site import FeedSpec, Site
from nashra.core.urls import item_id
from nashra.render import render_feed
from nashra.render.formats import RSS

Spec = Callable[[str], FeedSpec]
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
}
# A plain-text summary that looks like markup: shown as text, never rendered.
MARKUP = "<img src=x onerror=alert(1)> <b>عريض</b> a & b"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$"
)


def _rss(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
    """The RSS document of one feed, as the publisher publishes it."""
    return render_feed(site, spec, articles).files[feed_file(spec.slug, RSS.filename)]


def _channel(data: bytes) -> etree._Element:
    return etree.fromstring(data).find("channel")


def test_declaration_stylesheet_and_compact_utf8_fg_15(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    data = _rss(news_site, feed_spec("politics"), news_articles)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    assert b'<?xml-stylesheet type="text/css" href="../feed.css"?><rss ' in data
    assert data.count(b"\n") == 1  # compact (FG-20)
    assert "وزير الدفاع".encode() in data  # raw UTF-8, not character references


def test_channel_links_self_first_hub_and_site_page_fg_2_fg_3(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    channel = _channel(_rss(news_site, feed_spec("politics"), news_articles))
    assert channel.findtext("link") == "https://www.nashra.example/politics"
    links = channel.findall("atom:link", NS)
    assert [(x.get("rel"), x.get("href")) for x in links] == [
        ("self", "https://feeds.nashra.example/politics/rss.xml"),
        ("hub", "https://hub.nashra.example/"),
    ]
    assert links[0].get("type") == "application/rss+xml"
    all_feed = _channel(_rss(news_site, feed_spec("all"), news_articles))
    assert all_feed.findtext("link") == "https://www.nashra.example"


def test_channel_metadata_ar_lang_1_fg_7(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    channel = _channel(_rss(news_site, feed_spec("politics"), news_articles))
    assert channel.findtext("title") == "سياسة | نشرة"
    assert channel.findtext("description") == "آخر الأخبار السياسية من نشرة"
    assert channel.findtext("language") == "ar"
    assert channel.findtext("copyright") == "© 2026 نشرة. جميع الحقوق محفوظة"
    assert channel.findtext("generator") == "nashra"
    assert channel.find("docs") is None
    assert channel.findtext("ttl") == "15"
    assert channel.findtext("image/url") == "https://www.nashra.example/logo.png"
    assert channel.findtext("image/link") == channel.findtext("link")
    assert channel.findtext("image/title") == channel.findtext("title")


def test_breaking_feed_has_a_shorter_ttl(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    channel = _channel(_rss(news_site, feed_spec("breaking"), news_articles))
    assert int(channel.findtext("ttl")) < 15


def test_channel_dates_are_the_newest_modified_fg_6(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    channel = _channel(_rss(news_site, feed_spec("politics"), news_articles))
    newest = news_articles[0].modified
    assert channel.findtext("lastBuildDate") == format_rfc822(newest)
    assert channel.findtext("pubDate") == "Sun, 15 Mar 2026 09:05:00 +0000"
    empty = _channel(_rss(news_site, feed_spec("health"), news_articles))
    assert empty.findtext("lastBuildDate") == "Thu, 01 Jan 2026 00:00:00 +0000"
    assert empty.findall("item") == []


def test_items_guid_text_and_content_fg_9_ar_dir_1(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    channel = _channel(_rss(news_site, feed_spec("all"), news_articles))
    items = channel.findall("item")
    assert len(items) == 6
    first = items[0]
    guid = first.find("guid")
    assert guid.text == item_id("www.nashra.example", "2026", "defence-kuwait-meeting")
    assert guid.get("isPermaLink") == "false"
    assert first.findtext("link") == "https://www.nashra.example/politics/defence-kuwait-meeting"
    assert first.findtext("description") == news_articles[0].summary  # plain text
    content = first.findtext("content:encoded", namespaces=NS)
    assert content.startswith('<div dir="rtl" lang="ar">') and content.endswith("</div>")
    assert first.find("comments") is None and first.find("author") is None


def test_pubdates_are_ascii_rfc822_in_utc_ar_date_3(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    items = _channel(_rss(news_site, feed_spec("all"), news_articles)).findall("item")
    dates = [i.findtext("pubDate") for i in items]
    assert all(RFC822.match(d) and d.isascii() for d in dates)
    parsed = [parsedate_to_datetime(d) for d in dates]
    assert parsed == sorted(parsed, reverse=True)  # newest first
    assert dates[0] == format_rfc822(news_articles[0].published)


def test_description_shows_markup_in_a_plain_text_summary_as_text(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """Readers decode <description> as HTML, so the plain-text summary is escaped once more."""
    article = news_articles[0].model_copy(update={"summary": MARKUP})
    item = _channel(_rss(news_site, feed_spec("politics"), [article])).find("item")
    description = item.findtext("description")
    assert description == html.escape(MARKUP, quote=False)
    assert description == "&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;عريض&lt;/b&gt; a &amp; b"
    assert html.unescape(description) == MARKUP  # what an HTML reader shows: the text
    assert "<" not in description and not description.startswith("<div")  # no AR-DIR-1 wrap
    content = item.findtext("content:encoded", namespaces=NS)
    assert content.startswith('<div dir="rtl" lang="ar"><figure>')  # the body is untouched


def test_authors_are_dc_creators_without_e_mail_fg_11(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    first = _channel(_rss(news_site, feed_spec("politics"), news_articles)).find("item")
    assert [c.text for c in first.findall("dc:creator", NS)] == ["سارة الكندري", "أحمد العلي"]
    assert news_articles[0].authors[0].email  # the fixture has one; RSS has no place for it
    assert first.find("author") is None and b"@" not in etree.tostring(first)


def test_categories_and_breaking_ar_brk_1(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    items = _channel(_rss(news_site, feed_spec("all"), news_articles)).findall("item")
    assert [c.text for c in items[0].findall("category")] == ["الكويت", "الدفاع", "عاجل"]
    assert [c.text for c in items[1].findall("category")] == ["تكنولوجيا", "Apple"]


def test_image_enclosure_only_with_length_and_media_under_item_fg_5(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    items = _channel(_rss(news_site, feed_spec("all"), news_articles)).findall("item")
    defence, iphone, team, oil = items[:4]
    enclosure = defence.find("enclosure")
    assert enclosure.attrib == {
        "url": "https://www.nashra.example/img/defence.jpg",
        "length": "183204",
        "type": "image/jpeg",
    }
    media = defence.find("media:content", NS)
    assert media.get("url") == enclosure.get("url") and media.get("medium") == "image"
    assert media.findtext("media:description", namespaces=NS) == (
        "وزير الدفاع ونظيره الكويتي في مدينة الكويت"
    )
    assert defence.find("media:thumbnail", NS).get("url") == enclosure.get("url")
    assert iphone.find("enclosure") is None  # no length: no enclosure
    assert iphone.find("media:content", NS).get("type") == "image/webp"
    assert team.find("enclosure").get("length") == "95310"
    assert oil.find("enclosure") is None and oil.find("media:content", NS) is None
    assert not etree.fromstring(_rss(news_site, feed_spec("all"), news_articles)).xpath(
        "//media:group", namespaces=NS
    )
