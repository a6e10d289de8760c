"""Rendering: (site, feed, articles) -> bytes, for every format and the site-wide files.

Pure: no I/O of our own, no clock, no environment. Same input => byte-identical output,
because every date written comes from the articles or the site config (FG-6).

One article never stops or empties a feed: an article that cannot be rendered is left out
of it, and one too large for the byte cap is shortened to its summary or left out
(`nashra.render.fit`); each such article gets a note for its editor, and the feed publishes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from nashra.core.article import Article
from nashra.core.keys import INDEX_FILE, OPML_FILE, STYLESHEET_FILE, feed_file
from nashra.core.problems import Problem
from nashra.core.site import FeedSpec, Site
from nashra.render import notes
from nashra.render.atom import atom_bytes
from nashra.render.feed_page import render_feed_page
from nashra.render.fit import Budget, Write, place
from nashra.render.formats import ATOM, FORMATS, JSON, RSS, FeedFormat
from nashra.render.headers import cache_control_for, content_type_for
from nashra.render.jsonfeed import jsonfeed_bytes
from nashra.render.model import (
    LIVE,
    Channel,
    Entry,
    History,
    entry_of,
    select,
    to_channel,
)
from nashra.render.opml import render_opml
from nashra.render.page import render_index
from nashra.render.rss import rss_bytes
from nashra.render.stylesheet import feed_stylesheet

__all__ = [
    "FEED_FILES",
    "FORMATS",
    "FeedFormat",
    "RenderedFeed",
    "cache_control_for",
    "content_type_for",
    "render_feed",
    "render_site_files",
]

_WRITERS: dict[FeedFormat, Write] = {RSS: rss_bytes, ATOM: atom_bytes, JSON: jsonfeed_bytes}
WRITES: tuple[Write, ...] = tuple(_WRITERS[fmt] for fmt in FORMATS)
# Every file of one feed's folder: the three formats and the feed's page, `<slug>/<name>`.
FEED_FILES: tuple[str, ...] = (*(fmt.filename for fmt in FORMATS), INDEX_FILE)
Note = tuple[str, Problem]
Item = tuple[Article, Entry]


@dataclass(frozen=True)
class RenderedFeed(Mapping[str, bytes]):
    """Every file of one feed, and a note per article the feed could not hold in full.

    `notes` pairs an article's inbox key with a `Problem` for its report: rule
    "feed-size" (a warning: shortened to its summary, or left out, by the byte cap) or
    "render" (an error: rendering it raised, so it is left out). It reads as its files.
    """

    files: dict[str, bytes]
    notes: tuple[Note, ...] = ()

    def __getitem__(self, path: str) -> bytes:
        return self.files[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)


def _entries(
    site: Site, spec: FeedSpec, articles: Sequence[Article], out: list[Note], limit: int | None
) -> list[Item]:
    """The feed's articles as entries; one that cannot be converted is left out, noted."""
    items: list[Item] = []
    for article in select(site, spec, articles, limit):
        try:
            items.append((article, entry_of(site, article)))
        except Exception as exc:  # one article's failure stays with it (issue 8)
            out.append((article.key, notes.failed(spec.slug, article, exc)))
    return items


def _documents(
    channel: Channel, entries: Sequence[Entry], writes: Sequence[Write]
) -> list[bytes] | None:
    """Every format with every entry, or None when rendering one of them raised."""
    try:
        return [write(channel, entries) for write in writes]
    except Exception:  # found and noted item by item in `_renderable`
        return None


def _renderable(
    site: Site, spec: FeedSpec, items: Sequence[Item], out: list[Note], writes: Sequence[Write]
) -> list[Item]:
    """The items that render alone in every format; the others are noted and left out."""
    kept: list[Item] = []
    for article, entry in items:
        try:
            channel = to_channel(site, spec, [entry])  # its own date, in its own channel
            for write in writes:
                write(channel, [entry])
        except Exception as exc:  # one article's failure stays with it (issue 8)
            out.append((article.key, notes.failed(spec.slug, article, exc)))
        else:
            kept.append((article, entry))
    return kept


def _capped(
    site: Site,
    spec: FeedSpec,
    channel: Channel,
    items: Sequence[Item],
    out: list[Note],
    *,
    writes: Sequence[Write],
) -> list[Entry]:
    """The entries the byte cap keeps, each whole or as its summary (`fit.place`)."""
    cap = site.max_feed_bytes
    budget = Budget.of(cap, channel, writes)
    kept: list[Entry] = []
    for article, entry in items:
        try:
            placed = place(entry, channel, writes, budget)
        except Exception as exc:  # one article's failure stays with it (issue 8)
            out.append((article.key, notes.failed(spec.slug, article, exc)))
            continue
        if placed.form == "summary":
            out.append((article.key, notes.shortened(spec.slug, cap)))
        elif placed.form == "left-out":
            out.append((article.key, notes.left_out(spec.slug, cap)))
        if placed.entry is not None:
            kept.append(placed.entry)
    return kept


@dataclass(frozen=True)
class Documents:
    """One feed document in several formats: its channel, the entries it holds, the bytes of
    each format (in the order asked for) and a note per article it could not hold in full."""

    channel: Channel
    entries: list[Entry]
    docs: list[bytes]
    notes: list[Note]


def past_cap(entries: Sequence[Entry], cap: int) -> bool:
    """Whether the entries' full texts alone are past the cap, so every document holding
    them all whole is too: each format writes an entry's full text whole and escaped, at
    least a byte a character. Such a document is never written (ten 1 MiB articles would
    make it tens of megabytes, only to be dropped for the capped one)."""
    return sum(len(entry.content_html) for entry in entries) > cap


def render_documents(
    site: Site,
    spec: FeedSpec,
    articles: Sequence[Article],
    *,
    writes: Sequence[Write] = WRITES,
    history: History = LIVE,
    limit: int | None = None,
) -> Documents:
    """The feed's articles in each of `writes`: newest first by (published, id), capped at
    `limit` items (default `site.items_per_feed`) and then at `site.max_feed_bytes`.

    The feed's date is the newest among the items that render, even one the cap left out,
    so the channel measured is the channel written. One render per format when every item
    renders and fits; otherwise every item is measured once more, never the feed; and a
    feed whose full texts alone are past the cap (`past_cap`) is not rendered whole at all.
    `history` places the document in the feed's archive (RFC 5005, `nashra.history`).
    """
    out: list[Note] = []
    items = _entries(site, spec, articles, out, limit)
    channel = to_channel(site, spec, [entry for _, entry in items], history)
    entries = [entry for _, entry in items]
    over = past_cap(entries, site.max_feed_bytes)
    docs = None if over else _documents(channel, entries, writes)
    if docs is None:
        items = _renderable(site, spec, items, out, writes)
        channel = to_channel(site, spec, [entry for _, entry in items], history)
        entries = [entry for _, entry in items]
        docs = None if over else [write(channel, entries) for write in writes]
    if docs is None or any(len(doc) > site.max_feed_bytes for doc in docs):
        entries = _capped(site, spec, channel, items, out, writes=writes)
        docs = [write(channel, entries) for write in writes]
    return Documents(channel, entries, docs, out)


def render_feed(
    site: Site, spec: FeedSpec, articles: Sequence[Article], archive: int | None = None
) -> RenderedFeed:
    """Every file of one feed: `<slug>/rss.xml`, `atom.xml`, `feed.json` and `index.html`.

    Drafts and articles outside the feed are left out; the rest is `render_documents`'.
    The page (`feed_page`) shows the items the formats hold, dates in the site's zone.
    `archive` is the feed's newest archive page, which RSS and Atom link to as
    `prev-archive` (RFC 5005 §4; None: the feed has no archive).
    """
    rendered = render_documents(site, spec, articles, history=History(prev=archive))
    page = render_feed_page(rendered.channel, rendered.entries, site.zone)
    paths = [feed_file(spec.slug, name) for name in FEED_FILES]
    files = dict(zip(paths, [*rendered.docs, page], strict=True))
    return RenderedFeed(files, tuple(rendered.notes))


def render_site_files(site: Site, specs: Sequence[FeedSpec]) -> dict[str, bytes]:
    """The site-wide files: {"feeds.opml", "index.html", "feed.css"}."""
    return {
        OPML_FILE: render_opml(site, specs),
        INDEX_FILE: render_index(site, specs),
        STYLESHEET_FILE: feed_stylesheet(),
    }
