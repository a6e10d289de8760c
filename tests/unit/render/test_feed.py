"""render_feed: all three formats agree, bytes are stable, caps drop the oldest whole items."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Any

import feedgen.entry
import feedgen.feed
import pytest
from lxml import etree  # type: ignore[import-untyped]

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render import render_feed

Spec = Callable[[str], FeedSpec]
A = "{http://www.w3.org/2005/Atom}"
FORMAT_OF = {"rss.xml": "rss", "atom.xml": "atom", "feed.json": "json"}


def _ids(files: dict[str, bytes], slug: str) -> dict[str, list[str]]:
    rss = etree.fromstring(files[f"{slug}/rss.xml"])
    atom = etree.fromstring(files[f"{slug}/atom.xml"])
    doc = json.loads(files[f"{slug}/feed.json"])
    return {
        "rss": [g.text for g in rss.iter("guid")],
        "atom": [e.findtext(f"{A}id") for e in atom.iter(f"{A}entry")],
        "json": [i["id"] for i in doc["items"]],
    }


def test_three_files_per_feed_with_the_same_ids(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    files = render_feed(news_site, feed_spec("all"), news_articles)
    assert sorted(files) == ["all/atom.xml", "all/feed.json", "all/rss.xml"]
    ids = _ids(files, "all")
    assert ids["rss"] == ids["atom"] == ids["json"]
    assert len(ids["rss"]) == 6 and ids["rss"][0].endswith(":defence-kuwait-meeting")


def test_rendering_twice_and_in_any_input_order_is_byte_identical(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    first = render_feed(news_site, feed_spec("all"), news_articles)
    assert render_feed(news_site, feed_spec("all"), news_articles) == first
    assert render_feed(news_site, feed_spec("all"), news_articles[::-1]) == first


class _LaterClock(type):
    """Stands in for feedgen's `datetime`: isinstance still works, now() is years later."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, datetime)


class _Later(metaclass=_LaterClock):
    @staticmethod
    def now(tz: tzinfo | None = None) -> datetime:
        return datetime(2099, 12, 31, 23, 59, 59, 999, tzinfo=tz)


def test_the_clock_does_not_matter_fg_6(
    monkeypatch: pytest.MonkeyPatch,
    news_site: Site,
    feed_spec: Spec,
    news_articles: tuple[Article, ...],
) -> None:
    for spec in ("all", "health"):
        before = render_feed(news_site, feed_spec(spec), news_articles)
        with monkeypatch.context() as patch:
            patch.setattr(feedgen.feed, "datetime", _Later)
            patch.setattr(feedgen.entry, "datetime", _Later)
            after = render_feed(news_site, feed_spec(spec), news_articles)
        assert after == before
        assert not any(b"2099" in data for data in after.values())


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
                "published": article.published.replace(day=1 + n % 28, minute=n % 60),
                "updated": None,
                "body_html": body,
            }
        )
        for n in range(count)
    ]


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml", "feed.json"])
def test_byte_cap_drops_the_oldest_whole_items(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...], name: str
) -> None:
    articles = _many(news_articles[5], 40)
    full = render_feed(make_site(), feed_spec("all"), articles)
    site = make_site(max_feed_bytes=len(full[f"all/{name}"]) // 3)
    capped = render_feed(site, feed_spec("all"), articles)
    data = capped[f"all/{name}"]
    assert len(data) <= site.max_feed_bytes
    kept = _ids(capped, "all")[FORMAT_OF[name]]
    everything = _ids(full, "all")["rss"]
    assert 0 < len(kept) < len(everything)
    assert kept == everything[: len(kept)]  # a newest-first prefix: only the oldest dropped
    one_more = render_feed(make_site(items_per_feed=len(kept) + 1), feed_spec("all"), articles)[
        f"all/{name}"
    ]
    assert len(one_more) > site.max_feed_bytes  # and no more than necessary


def test_byte_cap_smaller_than_one_item_gives_a_valid_empty_feed(
    make_site: Callable[..., Site], feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    articles = _many(news_articles[5], 3)
    files = render_feed(make_site(max_feed_bytes=10_000), feed_spec("all"), articles)
    assert all(v == [] for v in _ids(files, "all").values())
    parsed: Any = etree.fromstring(files["all/rss.xml"])
    assert parsed.findtext("channel/title") == "كل الأخبار | نشرة"
