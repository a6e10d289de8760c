"""Rendering: (site, feed, articles) -> bytes, for every format and the site-wide files.

Pure: no I/O of our own, no clock, no environment. Same input => byte-identical output,
because every date written comes from the articles or the site config (FG-6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nashra.core.article import Article
from nashra.core.keys import INDEX_FILE, OPML_FILE, STYLESHEET_FILE, feed_file
from nashra.core.site import FeedSpec, Site
from nashra.render.atom import atom_bytes
from nashra.render.formats import ATOM, FORMATS, JSON, RSS, FeedFormat
from nashra.render.headers import cache_control_for, content_type_for
from nashra.render.jsonfeed import jsonfeed_bytes
from nashra.render.model import Entry, to_channel, to_entries
from nashra.render.opml import render_opml
from nashra.render.page import render_index
from nashra.render.rss import rss_bytes
from nashra.render.xsl import feed_stylesheet

__all__ = [
    "FORMATS",
    "FeedFormat",
    "cache_control_for",
    "content_type_for",
    "render_feed",
    "render_site_files",
]

_Writer = Callable[[Site, FeedSpec, Sequence[Entry]], bytes]


def _writer(fmt: FeedFormat) -> _Writer:
    body = {RSS.name: rss_bytes, ATOM.name: atom_bytes, JSON.name: jsonfeed_bytes}[fmt.name]

    def write(site: Site, spec: FeedSpec, entries: Sequence[Entry]) -> bytes:
        return body(to_channel(site, spec, entries), entries)

    return write


def _fit(site: Site, spec: FeedSpec, entries: Sequence[Entry], write: _Writer) -> bytes:
    """The largest newest-first prefix whose document fits in `site.max_feed_bytes`.

    Whole items are dropped from the oldest end, never cut: readers and hubs refuse
    oversized feeds, and half an item is worse than none. Size
    grows with the item count, so a binary search needs ~log2(items) renders.
    """
    whole = write(site, spec, entries)
    if len(whole) <= site.max_feed_bytes:
        return whole
    low, high = 0, len(entries) - 1  # `low` items are known to fit (0 always does)
    while low < high:
        mid = (low + high + 1) // 2
        if len(write(site, spec, entries[:mid])) <= site.max_feed_bytes:
            low = mid
        else:
            high = mid - 1
    return write(site, spec, entries[:low])


def render_feed(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> dict[str, bytes]:
    """Every format of one feed: {"<slug>/rss.xml", "<slug>/atom.xml", "<slug>/feed.json"}.

    Drafts and articles outside the feed are left out; the rest is newest first by
    (published, id), capped at `site.items_per_feed` and then at `site.max_feed_bytes`.
    """
    entries = to_entries(site, spec, articles)
    return {
        feed_file(spec.slug, fmt.filename): _fit(site, spec, entries, _writer(fmt))
        for fmt in FORMATS
    }


def render_site_files(site: Site, specs: Sequence[FeedSpec]) -> dict[str, bytes]:
    """The site-wide files: {"feeds.opml", "index.html", "feed.xsl"}."""
    return {
        OPML_FILE: render_opml(site, specs),
        INDEX_FILE: render_index(site, specs),
        STYLESHEET_FILE: feed_stylesheet(),
    }
