"""render_feed: all three formats agree, bytes are stable, caps keep every item that fits."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import FORMATS, RenderedFeed, render_feed
from nashra.render.model import epoch

Spec = Callable[[str], FeedSpec]
A = "{http://www.w3.org/2005/Atom}"
FORMAT_OF = {"rss.xml": "rss", "atom.xml": "atom", "feed.json": "json"}


def formats(rendered: RenderedFeed) -> list[bytes]:
    """The three formats' bytes, in FORMATS order: the byte cap is theirs, not the page's."""
    names = {fmt.filename for fmt in FORMATS}
    return [data for path, data in rendered.files.items() if path.rsplit("/", 1)[1] in names]


def _ids(files: Mapping[str, bytes], slug: str) -> dict[str, list[str]]:
    rss = etree.fromstring(files[f"{slug}/rss.xml"])
    atom = etree.fromstring(files[f"{slug}/atom.xml"])
    doc = json.loads(files[f"{slug}/feed.json"])
    return {
        "rss": [g.text for g in rss.iter("guid")],
        "atom": [e.findtext(f"{A}id") for e in atom.iter(f"{A}entry")],
        "json": [i["id"] for i in doc["items"]],
    }


def test_three_formats_and_a_page_per_feed_with_the_same_ids(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    files = render_feed(news_site, feed_spec("all"), news_articles).files
    assert sorted(files) == ["all/atom.xml", "all/feed.json", "all/index.html", "all/rss.xml"]
    ids = _ids(files, "all")
    assert ids["rss"] == ids["atom"] == ids["json"]
    assert len(ids["rss"]) == 6 and ids["rss"][0].endswith(":defence-kuwait-meeting")


def test_rendering_twice_and_in_any_input_order_is_byte_identical(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    first = render_feed(news_site, feed_spec("all"), news_articles)
    assert render_feed(news_site, feed_spec("all"), news_articles) == first
    assert render_feed(news_site, feed_spec("all"), news_articles[::-1]) == first


DATE_TAGS = ("updated", "published", "lastBuildDate", "pubDate")


def _dates(data: bytes) -> set[datetime]:
    """Every date an RSS or Atom document states, parsed."""
    root = etree.fromstring(data)
    found = set()
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).localname in DATE_TAGS:
            text = element.text or ""
            found.add(parsedate_to_datetime(text) if "," in text else datetime.fromisoformat(text))
    return found


def test_every_date_written_comes_from_the_articles_or_the_site_fg_6(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """No date from the clock: each is an article's, or the site's tag date for a feed
    with no article (health)."""
    allowed = {d.astimezone(UTC) for a in news_articles for d in (a.published, a.modified)}
    allowed.add(epoch(news_site))
    for spec in ("all", "health"):
        files = render_feed(news_site, feed_spec(spec), news_articles)
        for name in ("rss.xml", "atom.xml"):
            dates = _dates(files[f"{spec}/{name}"])
            assert dates and dates <= allowed, (spec, name, dates - allowed)
    health = _dates(render_feed(news_site, feed_spec("health"), news_articles)["health/rss.xml"])
    assert health == {epoch(news_site)}


def test_drafts_are_never_included(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    files = render_feed(news_site, feed_spec("economy"), news_articles)
    assert all(b"draft-budget" not in data for data in files.values())
    assert _ids(files, "economy")["json"] == [
        "tag:www.nashra.example,2026:oil-prices-week",
        "tag:www.nashra.example,2026:dates-harvest",
    ]


def test_item_cap(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    files = render_feed(make_site(items_per_feed=3), feed_spec("all"), news_articles)
    assert all(len(v) == 3 for v in _ids(files, "all").values())


def _many(article: Article, count: int) -> list[Article]:
    body = "<p>" + "نص طويل لاختبار حجم الخلاصة. " * 200 + "</p>"
    return [
        article.model_copy(
            update={
                "id": f"story-{n:03d}",
                "key": f"articles/story-{n:03d}.json",
                "published": article.published.replace(day=1 + n % 28, minute=n % 60),
                "updated": None,
                "body_html": body,
            }
        )
        for n in range(count)
    ]


def _full(files: Mapping[str, bytes], slug: str) -> dict[str, list[bool]]:
    """Per item, in order, whether each format carries the full text."""
    rss = etree.fromstring(files[f"{slug}/rss.xml"])
    atom = etree.fromstring(files[f"{slug}/atom.xml"])
    doc = json.loads(files[f"{slug}/feed.json"])
    encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
    return {
        "rss": [item.find(encoded) is not None for item in rss.iter("item")],
        "atom": [e.find(f"{A}content") is not None for e in atom.iter(f"{A}entry")],
        "json": ["content_html" in item for item in doc["items"]],
    }


def test_byte_cap_keeps_the_newest_whole_then_summaries_then_notes_the_rest(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    articles = _many(news_articles[5], 40)
    full = render_feed(make_site(), feed_spec("all"), articles)
    site = make_site(max_feed_bytes=min(len(data) for data in formats(full)) // 3)
    capped = render_feed(site, feed_spec("all"), articles)
    assert all(len(data) <= site.max_feed_bytes for data in formats(capped))
    everything = _ids(full.files, "all")["rss"]
    kept = _ids(capped.files, "all")
    assert kept["rss"] == kept["atom"] == kept["json"] == everything[: len(kept["rss"])]
    forms = _full(capped.files, "all")
    whole, short = forms["rss"].count(True), forms["rss"].count(False)
    assert whole > 0 and short > 0  # the newest whole, then summaries: one selection
    assert forms["rss"] == forms["atom"] == forms["json"] == [True] * whole + [False] * short
    newest_first = [a.key for a in sorted(articles, key=lambda a: a.published, reverse=True)]
    assert [(key, "left out" not in p.message_en) for key, p in capped.notes] == [
        (key, n < whole + short) for n, key in enumerate(newest_first) if n >= whole
    ]
    assert {(p.field, p.rule, p.severity) for _, p in capped.notes} == {
        ("body", "feed-size", "warning")
    }


def test_byte_cap_smaller_than_any_summary_leaves_items_out_with_a_note(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    long_summary = "ملخص طويل جدا. " * 400  # ~11 KB in every format: over the 10 KB cap
    articles = [a.model_copy(update={"summary": long_summary}) for a in _many(news_articles[5], 3)]
    rendered = render_feed(make_site(max_feed_bytes=10_000), feed_spec("all"), articles)
    assert all(v == [] for v in _ids(rendered.files, "all").values())
    assert all(len(data) <= 10_000 for data in formats(rendered))
    parsed: Any = etree.fromstring(rendered["all/rss.xml"])
    assert parsed.findtext("channel/title") == "كل الأخبار | نشرة"
    assert len(rendered.notes) == 3
    assert all("left out" in p.message_en and p.rule == "feed-size" for _, p in rendered.notes)
