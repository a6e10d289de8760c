"""The part of a feedgen `FeedGenerator` that RSS and Atom share, set up the safe way.

One generator per format, because the self link differs (the W3C validator warns
SelfDoesntMatchLocation otherwise), and
every default that feedgen fills from the clock or with its own name is overridden.
"""

from __future__ import annotations

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator

from nashra.core.plaintext import reads_as_markup
from nashra.render.extensions import EntryMedia, FeedExtras
from nashra.render.formats import RSS, FeedFormat
from nashra.render.markup import html_text
from nashra.render.model import Channel, Entry

GENERATOR = "nashra"


def new_generator(channel: Channel, fmt: FeedFormat) -> FeedGenerator:
    """A generator with the channel metadata both XML formats carry."""
    fg = FeedGenerator()
    fg.register_extension("nashra", FeedExtras, EntryMedia)
    fg.nashra.stylesheet = channel.stylesheet  # FG-15
    fg.id(channel.id)
    fg.title(channel.title)
    fg.description(channel.description)  # RSS description = Atom subtitle
    fg.language(channel.language)  # AR-LANG-1: RSS <language>, Atom xml:lang
    # FG-3: feedgen's RSS <link> is the LAST link added, so in RSS the alternate goes last.
    # In Atom it goes first: simple parsers (feed-extractor) take the first <link> as home.
    links = [{"href": channel.self_url(fmt), "rel": "self", "type": fmt.media_type}]
    if channel.hub:
        links.append({"href": channel.hub, "rel": "hub"})  # RSS gets it via FeedExtras (FG-2)
    home = {"href": channel.home_url, "rel": "alternate", "type": "text/html"}
    history = history_links(channel, fmt)
    fg.nashra.archive = channel.history.page is not None
    if fmt.name == "atom":
        links = [home, *links, *({"href": h, "rel": r, "type": t} for h, r, t in history)]
    else:
        fg.nashra.history = history  # feedgen's RSS writer drops them (FG-2)
        links = [*links, home]
    for link in links:
        fg.link(**link)
    fg.generator(GENERATOR)  # FG-7: not python-feedgen with a version and uri
    # FG-6: the feed date is the newest item's, never the build time; also sets lastBuildDate.
    # Dates arrive in UTC; feedgen formats RSS dates under a process-global C locale
    # (FG-19), so rendering stays single-threaded.
    fg.updated(channel.updated)
    if channel.copyright:
        fg.rights(channel.copyright)  # also RSS <copyright>
    return fg


def history_links(channel: Channel, fmt: FeedFormat) -> list[tuple[str, str, str]]:
    """RFC 5005 §4 links as (href, rel, type): the live feed names the newest archive page
    (`prev-archive`); an archive page names the live feed (`current`) and the pages before
    and after it."""
    history = channel.history
    found: list[tuple[str, str, str]] = []
    if history.page is not None:
        found.append((channel.url_of(None, fmt), "current", fmt.media_type))
    for rel, page in (("prev-archive", history.prev), ("next-archive", history.next)):
        if page is not None:
            found.append((channel.url_of(page, fmt), rel, fmt.media_type))
    return found


def add_entry(fg: FeedGenerator, entry: Entry, fmt: FeedFormat) -> FeedEntry:
    """An entry with what both formats share; FG-8: appended, we sorted already."""
    fe = fg.add_entry(order="append")
    fe.id(entry.id)  # RSS guid isPermaLink="false", Atom id: item_id, never the URL
    fe.title(entry.title)
    fe.link(href=entry.url)  # FG-1: exactly one link per entry
    if fmt == RSS:
        # Readers decode <description> as HTML, but the summary is plain text that may hold
        # "<" or "&": escaped once more, it is shown, never rendered. No AR-DIR-1 wrapper:
        # it carries no markup.
        fe.description(html_text(entry.summary))
    elif "<" in entry.summary or reads_as_markup(entry.summary):
        # Plain text that looks like markup: the W3C validator warns ContainsUndeclaredHTML
        # on a type="text" summary holding "</b>" or "&amp;", so declare HTML and escape it.
        fe.summary(html_text(entry.summary), type="html")
    else:
        fe.summary(entry.summary, type="text")  # Atom declares it plain text: kept raw
    if entry.content_html:  # empty when the byte cap shortened the item to its summary
        # After description(), which also fills feedgen's Atom content: FG-9, FG-10.
        fe.content(entry.content_html, type="html")
    fe.published(entry.published)  # also the RSS <pubDate>
    fe.updated(entry.modified)  # FG-6: not the time the FeedEntry object was made
    if entry.tags:
        # One call with the list: feedgen rebuilds every RSS category on each call, so a
        # call per tag is quadratic in the number of tags.
        fe.category([{"term": tag} for tag in entry.tags])  # FG-23: one call, linear
    fe.nashra.picture = entry.image
    return fe
