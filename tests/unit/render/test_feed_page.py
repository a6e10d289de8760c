"""Each feed's page, `<feed>/index.html`: what the feed holds, for people (P-XSLT-1)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit

from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import render_feed

Spec = Callable[[str], FeedSpec]
SiteFactory = Callable[..., Site]


class _Page(HTMLParser):
    """The parts of a feed page the tests read: attributes of interesting tags, headings."""

    def __init__(self) -> None:
        super().__init__()
        self.html: dict[str, str | None] = {}
        self.alternates: list[dict[str, str | None]] = []
        self.anchors: list[str] = []
        self.codes: list[str] = []
        self.headlines: list[str] = []
        self.times: list[tuple[str, str]] = []
        self.images: list[dict[str, str | None]] = []
        self.buttons: list[dict[str, str | None]] = []
        self.scripts = 0
        self._open: list[str] = []
        self._time: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._open.append(tag)
        if tag == "html":
            self.html = attributes
        elif tag == "link" and attributes.get("rel") == "alternate":
            self.alternates.append(attributes)
        elif tag == "a":
            self.anchors.append(attributes.get("href") or "")
        elif tag == "img":
            self.images.append(attributes)
        elif tag == "button":
            self.buttons.append(attributes)
        elif tag == "script":
            self.scripts += 1
        elif tag == "time":
            self._time = attributes.get("datetime") or ""

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open[-2:] == ["h3", "a"]:
            self.headlines.append(data)
        elif self._open[-1:] == ["code"]:
            self.codes.append(data)
        elif self._open[-1:] == ["time"] and self._time is not None:
            self.times.append((self._time, data))
            self._time = None


def _page(site: Site, spec: FeedSpec, articles: tuple[Article, ...] | list[Article]) -> str:
    return render_feed(site, spec, articles).files[f"{spec.slug}/index.html"].decode("utf-8")


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    return parser


def _rss_titles(
    site: Site, spec: FeedSpec, articles: tuple[Article, ...] | list[Article]
) -> list[str]:
    rss = etree.fromstring(render_feed(site, spec, articles).files[f"{spec.slug}/rss.xml"])
    return [str(t) for t in rss.xpath("/rss/channel/item/title/text()")]


def test_every_feed_has_a_page_rendered_with_it(
    news_site: Site, news_specs: tuple[FeedSpec, ...], news_articles: tuple[Article, ...]
) -> None:
    for spec in news_specs:
        files = render_feed(news_site, spec, news_articles).files
        assert sorted(files) == sorted(
            f"{spec.slug}/{name}" for name in ("rss.xml", "atom.xml", "feed.json", "index.html")
        )


def test_the_page_is_arabic_rtl_with_the_feed_title_and_autodiscovery(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    page = _page(news_site, feed_spec("politics"), news_articles)
    parsed = _parse(page)
    assert page.startswith("<!DOCTYPE html>\n")
    assert parsed.html == {"lang": "ar", "dir": "rtl"}
    assert "<title>سياسة | نشرة</title>" in page and "<h1>سياسة | نشرة</h1>" in page
    assert "آخر الأخبار السياسية من نشرة" in page
    assert [(a["type"], a["href"]) for a in parsed.alternates] == [
        ("application/rss+xml", "rss.xml"),  # relative: the page sits beside its feeds
        ("application/atom+xml", "atom.xml"),
        ("application/feed+json", "feed.json"),
    ]
    assert "../index.html" in parsed.anchors  # back to every feed


def test_the_items_are_the_feeds_items_in_the_feeds_order(
    news_site: Site, news_specs: tuple[FeedSpec, ...], news_articles: tuple[Article, ...]
) -> None:
    for spec in news_specs:
        parsed = _parse(_page(news_site, spec, news_articles))
        assert parsed.headlines == _rss_titles(news_site, spec, news_articles), spec.slug


def test_the_page_holds_what_the_byte_cap_left_in_the_feed_b_18(
    make_site: SiteFactory, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    big = [
        a.model_copy(update={"id": f"long-{i}", "body_html": "<p>" + "نص طويل جدًا " * 400 + "</p>"})
        for i, a in enumerate(news_articles * 3)
        if a.status == "published"
    ]
    site = make_site(max_feed_bytes=30_000)
    titles = _rss_titles(site, feed_spec("all"), big)
    assert 0 < len(titles) < len(big)  # the cap did leave some out
    assert _parse(_page(site, feed_spec("all"), big)).headlines == titles


def test_subscribe_urls_copy_buttons_and_reader_links(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    parsed = _parse(_page(news_site, feed_spec("economy"), news_articles))
    urls = [
        f"https://feeds.nashra.example/economy/{n}" for n in ("rss.xml", "atom.xml", "feed.json")
    ]
    assert parsed.codes == urls
    assert [(b["data-copy"], "hidden" in b) for b in parsed.buttons] == [(u, True) for u in urls]
    assert parsed.scripts == 1
    hosts = {"feedly.com", "www.inoreader.com", "www.newsblur.com"}
    readers = {urlsplit(a).hostname: a for a in parsed.anchors if urlsplit(a).hostname in hosts}
    assert set(readers) == hosts
    # Percent-encoded once, whole: decoding once gives the feed URL back, exactly.
    assert parse_qs(urlsplit(readers["www.inoreader.com"]).query) == {"add_feed": [urls[0]]}
    assert parse_qs(urlsplit(readers["www.newsblur.com"]).query) == {"url": [urls[0]]}
    feedly = urlsplit(readers["feedly.com"]).path
    assert "%25" not in feedly and unquote(feedly) == f"/i/subscription/feed/{urls[0]}"


def test_dates_are_arabic_in_the_site_zone_ar_date_4(
    make_site: SiteFactory, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """The defence story is published 15 March 2026, 10:30 in Kuwait (07:30 UTC)."""
    kuwait = _parse(_page(make_site(timezone="Asia/Kuwait"), feed_spec("politics"), news_articles))
    assert kuwait.times[0] == ("2026-03-15T10:30:00+03:00", "الأحد ١٥ مارس ٢٠٢٦، ١٠:٣٠ ص")
    cairo = _parse(_page(make_site(timezone="Africa/Cairo"), feed_spec("politics"), news_articles))
    assert cairo.times[0] == ("2026-03-15T09:30:00+02:00", "الأحد ١٥ مارس ٢٠٢٦، ٩:٣٠ ص")


def test_titles_and_summaries_that_look_like_markup_are_shown_not_run(
    make_site: SiteFactory, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    hostile = news_articles[0].model_copy(
        update={
            "title": '<script>alert("t")</script> عنوان & "اقتباس"',
            "summary": "<img src=x onerror=alert(1)> ملخص </p></ol></main>",
        }
    )
    site = make_site(title="<b>نشرة</b>", description='"/><script>alert(2)</script>')
    page = _page(site, feed_spec("all"), [hostile])
    parsed = _parse(page)
    assert parsed.scripts == 1 and page.count("<script") == 1  # ours only
    # Shown as text, after the RLM that a Latin-first title gets (AR-DIR-2).
    assert parsed.headlines == ['\u200f<script>alert("t")</script> عنوان & "اقتباس"']
    assert "&lt;img src=x onerror=alert(1)&gt; ملخص &lt;/p&gt;&lt;/ol&gt;&lt;/main&gt;" in page
    assert "<b>نشرة" not in page and "&lt;b&gt;نشرة&lt;/b&gt;" in page
    assert len(parsed.images) == sum(1 for a in [hostile] if a.image is not None)


def test_image_with_its_alt_text_and_size(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    parsed = _parse(_page(news_site, feed_spec("politics"), news_articles))
    assert parsed.images[0] == {
        "src": "https://www.nashra.example/img/defence.jpg",
        "alt": "الوزيران في أثناء اللقاء",
        "width": "1200",
        "height": "675",
        "loading": "lazy",
        "decoding": "async",
    }


def test_same_input_same_bytes_whatever_the_order_fg_6(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    first = _page(news_site, feed_spec("all"), news_articles)
    assert _page(news_site, feed_spec("all"), news_articles) == first
    assert _page(news_site, feed_spec("all"), news_articles[::-1]) == first


def test_text_is_nfc_ar_txt_1(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    decomposed = "\u0627\u0654\u062e\u0628\u0627\u0631 cafe\u0301"  # أخبار café, as NFD
    article = news_articles[0].model_copy(update={"title": decomposed})
    page = _page(news_site, feed_spec("all"), [article])
    assert unicodedata.is_normalized("NFC", page)
    assert "أخبار café" in page


def test_an_empty_feed_says_so(news_site: Site, feed_spec: Spec) -> None:
    page = _page(news_site, feed_spec("health"), [])
    assert "لا أخبار في هذه الخلاصة بعد." in page and '<ol class="items"' not in page


def test_a_date_at_the_end_of_time_does_not_stop_the_page(
    make_site: SiteFactory, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """9999-12-31 23:30 UTC is past year 9999 in a +14 zone: the page shows it in UTC."""
    late = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    article = news_articles[0].model_copy(update={"published": late, "updated": late})
    page = _page(make_site(timezone="Pacific/Kiritimati"), feed_spec("all"), [article])
    assert _parse(page).times == [("9999-12-31T23:30:00+00:00", "الجمعة ٣١ ديسمبر ٩٩٩٩، ١١:٣٠ م")]
