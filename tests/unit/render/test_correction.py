"""A corrected article in every format (B-19): the note leads the full text, marked
«تصحيح:», and the summary; the item keeps its id and gets the later date; readers
(feedparser) see one item whose text carries the correction."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.article import Article
from nashra.core.keys import SECTIONS_KEY, SITE_KEY, feed_file
from nashra.core.site import FeedSpec, Site
from nashra.publish import Publisher
from nashra.render import render_feed
from nashra.render.fit import summary_form
from nashra.render.jsonfeed import jsonfeed_bytes
from nashra.render.model import to_channel, to_entries
from publishing import CountingStore, empty_inbox

Spec = Callable[[str], FeedSpec]
NOTE = "ذكرت نسخة سابقة أن الاجتماع يوم الأحد، والصحيح يوم الاثنين؛ 5 < 7 & <b>"
MARKED = "<p><strong>تصحيح:</strong> " + html.escape(NOTE, quote=False)
A = "{http://www.w3.org/2005/Atom}"
CONTENT_NS = "{http://purl.org/rss/1.0/modules/content/}"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def corrected(article: Article) -> Article:
    later = article.published.replace(hour=(article.published.hour + 2) % 24, day=25)
    return article.model_copy(update={"correction": NOTE, "updated": later})


def _feeds(site: Site, spec: FeedSpec, articles: tuple[Article, ...]) -> dict[str, bytes]:
    files = render_feed(site, spec, articles).files
    return {
        name: files[feed_file(spec.slug, name)] for name in ("rss.xml", "atom.xml", "feed.json")
    }


def test_the_note_leads_the_full_text_and_the_summary_in_every_format(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    story = corrected(news_articles[0])
    feeds = _feeds(news_site, feed_spec("all"), (story,))
    wrapper = '<div dir="rtl" lang="ar">'  # AR-DIR-1: inside the wrapper, first
    summary_start = f"تصحيح: {NOTE} — "

    item = etree.fromstring(feeds["rss.xml"]).find("channel/item")
    assert item.findtext(f"{CONTENT_NS}encoded").startswith(wrapper + MARKED + "</p>")
    description = item.findtext("description")  # HTML-decoded by readers: escaped once more
    assert description.startswith(html.escape(summary_start, quote=False))

    entry = etree.fromstring(feeds["atom.xml"]).find(f"{A}entry")
    content = entry.find(f"{A}content")
    assert content.get("type") == "html" and content.text.startswith(wrapper + MARKED)
    summary = entry.find(f"{A}summary")  # holds "<b>": declared html, escaped
    assert summary.get("type") == "html"
    assert summary.text.startswith(html.escape(summary_start, quote=False))

    json_item = json.loads(feeds["feed.json"])["items"][0]
    assert json_item["content_html"].startswith(wrapper + MARKED)
    assert json_item["summary"].startswith(summary_start)


def test_a_shortened_item_still_shows_the_correction(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """The byte cap may drop the full text; JSON Feed's content_text is the summary."""
    spec = feed_spec("all")
    entries = [summary_form(e) for e in to_entries(news_site, spec, (corrected(news_articles[0]),))]
    item = json.loads(jsonfeed_bytes(to_channel(news_site, spec, entries), entries))["items"][0]
    assert "content_html" not in item
    assert item["content_text"].startswith(f"تصحيح: {NOTE}")


def test_same_item_same_id_later_date_never_a_duplicate(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    spec = feed_spec("all")
    story = news_articles[0]
    before = _feeds(news_site, spec, news_articles)
    after = _feeds(news_site, spec, (corrected(story), *news_articles[1:]))
    for name in ("rss.xml", "atom.xml"):
        old, new = feedparser.parse(before[name]), feedparser.parse(after[name])
        assert new.bozo == 0
        assert [e.id for e in new.entries] == [e.id for e in old.entries]  # same items, order
        changed = [e for e in new.entries if NOTE[:20] in e.content[0].value]
        assert len(changed) == 1, name  # one item carries it: the corrected one, not a copy
        assert changed[0].id == next(e.id for e in old.entries if e.title == changed[0].title)
        assert NOTE[:20] in changed[0].summary
    new_atom = feedparser.parse(after["atom.xml"])
    corrected_entry = next(e for e in new_atom.entries if NOTE[:20] in e.content[0].value)
    assert corrected_entry.updated_parsed > corrected_entry.published_parsed
    assert new_atom.feed.updated_parsed >= corrected_entry.updated_parsed
    json_items = json.loads(after["feed.json"])["items"]
    assert len({i["id"] for i in json_items}) == len(json_items) == len(new_atom.entries)


def test_unchanged_input_same_bytes(
    news_site: Site, feed_spec: Spec, news_articles: tuple[Article, ...]
) -> None:
    """The correction's date is the editor's `updated`, never the clock (FG-6)."""
    articles = (corrected(news_articles[0]), *news_articles[1:])
    assert _feeds(news_site, feed_spec("all"), articles) == _feeds(
        news_site, feed_spec("all"), articles
    )


def test_a_correction_uploaded_later_replaces_the_item_in_place(tmp_path: Path) -> None:
    """Through the publisher: the first upload, then the same file with a correction and
    a later `updated`. One item, the same guid, the note in its text."""
    inbox = empty_inbox(tmp_path)
    store, reports = CountingStore(), MemoryReports()
    publisher = Publisher(
        source=FolderSource(inbox),
        index=MemoryIndex(),
        store=store,
        reports=reports,
        clock=lambda: NOW,
    )
    publisher.publish([SITE_KEY, SECTIONS_KEY])
    path = inbox / "articles" / "oil-prices.json"
    story = {
        "section": "economy",
        "title": "ارتفاع أسعار النفط",
        "body": "<p>ارتفع سعر البرميل إلى 90 دولارًا.</p>",
        "published": "2026-11-20T08:15:00+03:00",
    }
    path.write_text(json.dumps(story, ensure_ascii=False), "utf-8")
    publisher.publish(["articles/oil-prices.json"])
    first = feedparser.parse(store.files["economy/atom.xml"])
    story |= {"correction": "السعر 80 دولارًا لا 90.", "updated": "2026-11-20T11:00:00+03:00"}
    path.write_text(json.dumps(story, ensure_ascii=False), "utf-8")
    publisher.publish(["articles/oil-prices.json"])
    second = feedparser.parse(store.files["economy/atom.xml"])
    assert [e.id for e in second.entries] == [e.id for e in first.entries]
    assert len(second.entries) == 1
    assert "تصحيح:" in second.entries[0].content[0].value
    assert "السعر 80 دولارًا لا 90." in second.entries[0].content[0].value
    assert second.entries[0].updated == "2026-11-20T08:00:00+00:00"
    assert reports.reports == {}  # accepted without a problem: no report
