"""JSON Feed 1.1: required keys, the same ids as RSS/Atom, RFC 3339 dates."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any

from nashra.core.article import Article
from nashra.core.dates import format_rfc3339
from nashra.core.keys import feed_file
from nashra.core.site import FeedSpec, Site
from nashra.core.urls import item_id
from nashra.render import render_feed
from nashra.render.formats import JSON

Spec = Callable[[str], FeedSpec]
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# https://www.jsonfeed.org/version/1.1/: what each object may carry.
TOP_KEYS = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment",
    "next_url", "icon", "favicon", "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
ITEM_KEYS = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary",
    "image", "banner_image", "date_published", "date_modified", "authors", "tags",
    "language", "attachments",
}  # fmt: skip


def _json(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
    """The JSON Feed document of one feed, as the publisher publishes it."""
    return render_feed(site, spec, articles).files[feed_file(spec.slug, JSON.filename)]


def _doc(site: Site, spec: FeedSpec, articles: tuple[Article, ...]) -> dict[str, Any]:
    data = _json(site, spec, articles)
    assert data.endswith(b"}\n") and data.count(b"\n") == 1
    doc: dict[str, Any] = json.loads(data.decode("utf-8"))
    return doc


def test_top_level_is_json_feed_1_1(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    doc = _doc(news_site, feed_spec("technology"), news_articles)
    assert set(doc) <= TOP_KEYS
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] == "تكنولوجيا | نشرة"
    assert doc["home_page_url"] == "https://www.nashra.example/technology"
    assert doc["feed_url"] == "https://feeds.nashra.example/technology/feed.json"
    assert doc["language"] == "ar"
    assert doc["hubs"] == [{"type": "WebSub", "url": "https://hub.nashra.example/"}]
    assert doc["favicon"] == "https://www.nashra.example/icon.png"
    assert doc["authors"] == [{"name": "نشرة", "url": "https://www.nashra.example"}]
    assert isinstance(doc["items"], list)


def test_items_have_required_keys_and_shared_ids(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    items = _doc(news_site, feed_spec("all"), news_articles)["items"]
    assert len(items) == 6
    for item in items:
        assert set(item) <= ITEM_KEYS
        assert isinstance(item["id"], str) and ("content_html" in item or "content_text" in item)
        assert item["language"] == "ar"
        assert item["content_html"].startswith('<div dir="rtl" lang="ar">')
        assert RFC3339_UTC.match(item["date_published"]) and RFC3339_UTC.match(
            item["date_modified"]
        )
    first = items[0]
    assert first["id"] == item_id("www.nashra.example", "2026", "defence-kuwait-meeting")
    assert first["date_published"] == format_rfc3339(news_articles[0].published)
    assert first["date_modified"] == "2026-03-15T09:05:00Z"
    assert first["image"] == "https://www.nashra.example/img/defence.jpg"
    assert first["tags"] == ["الكويت", "الدفاع", "عاجل"]
    assert first["authors"][0] == {  # JSON Feed 1.1 authors have no e-mail: left out
        "name": "سارة الكندري",
        "url": "https://www.nashra.example/authors/sara",
    }
    assert items[1]["title"].startswith("\u200fiPhone")


def test_summary_is_the_plain_text_as_given(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    text = "<img src=x onerror=alert(1)> <b>عريض</b> a & b"
    article = news_articles[0].model_copy(update={"summary": text})
    (item,) = _doc(news_site, feed_spec("politics"), (article,))["items"]
    assert item["summary"] == text  # JSON Feed's summary is plain text by definition


def test_empty_feed_still_has_items(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    assert _doc(news_site, feed_spec("health"), news_articles)["items"] == []
