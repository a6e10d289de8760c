"""RSS 2.0 with content:encoded, dc:creator and Media RSS, validated clean by feedvalidator.

Written directly as text (D14), in the element order and escaping of `nashra.render.xml`.
"""

from __future__ import annotations

from collections.abc import Sequence

from nashra.core.dates import format_rfc822
from nashra.render.formats import RSS
from nashra.render.markup import html_text
from nashra.render.media import media
from nashra.render.model import Channel, Entry
from nashra.render.xml import (
    ATOM_NS,
    CONTENT_NS,
    DC_NS,
    GENERATOR,
    element,
    empty,
    history_links,
    link,
    namespaces,
    stylesheet,
    text,
)


def _head(channel: Channel) -> str:
    """The root and the channel's own elements, up to its first item."""
    archive = channel.history.page is not None
    ns = namespaces(archive, ("dc", DC_NS), ("atom", ATOM_NS), ("content", CONTENT_NS))
    # FG-3: the channel <link> is the page the feed mirrors; the self link an atom:link.
    parts = [
        f'{stylesheet(channel)}<rss{ns} version="2.0"><channel>',
        element("title", channel.title),
        element("link", channel.home_url),
        element("description", channel.description),
        link("atom:link", channel.self_url(RSS), "self", RSS.media_type),
    ]
    if channel.copyright:
        parts.append(element("copyright", channel.copyright))
    parts.append(element("generator", GENERATOR))  # FG-7: no <docs>
    if channel.logo or channel.icon:  # title and link copied: no mismatch
        parts.append(
            f"<image>{element('url', channel.logo or channel.icon or '')}"
            f"{element('title', channel.title)}{element('link', channel.home_url)}</image>"
        )
    date = format_rfc822(channel.updated)  # FG-6: the newest item's date, never the build time
    parts += [
        element("language", channel.language),  # AR-LANG-1
        f"<lastBuildDate>{date}</lastBuildDate><pubDate>{date}</pubDate>",
        f"<ttl>{channel.ttl}</ttl>",
    ]
    if channel.hub:  # WebSub (FG-2)
        parts.append(link("atom:link", channel.hub, "hub"))
    for href, rel, kind in history_links(channel, RSS):  # RFC 5005 Appendix B
        parts.append(link("atom:link", href, rel, kind))
    if archive:
        parts.append("<fh:archive/>")  # RFC 5005 §4
    return "".join(parts)


def rss_item(entry: Entry) -> bytes:
    """One `<item>`: the same bytes in every feed and archive page that holds it (written
    and encoded once per entry, `Entry.items`)."""
    return entry.item("rss", _item)


def _item(entry: Entry) -> str:
    # Readers decode <description> as HTML, but the summary is plain text that may hold
    # "<" or "&": escaped once more, it is shown, never rendered. No AR-DIR-1 wrapper:
    # it carries no markup.
    parts = [
        "<item>",
        element("title", entry.title),
        element("link", entry.url),  # FG-1: exactly one link per entry
        element("description", html_text(entry.summary)),
    ]
    if entry.content_html:  # empty when the byte cap shortened the item to its summary
        parts.append(element("content:encoded", entry.content_html))
    # guid isPermaLink="false": item_id, never the URL (AR-URL-2)
    parts.append(f'<guid isPermaLink="false">{text(entry.id)}</guid>')
    parts += [element("category", tag) for tag in entry.tags]
    pic = entry.image
    if pic is not None and pic.length > 0:  # the validator wants a real length
        attrs = [("url", pic.url), ("length", str(pic.length)), ("type", pic.type or "image/jpeg")]
        parts.append(empty("enclosure", attrs))
    parts.append(f"<pubDate>{format_rfc822(entry.published)}</pubDate>")
    parts.append(media(entry.image))
    # name only: RSS <author> is an e-mail (FG-11)
    parts += [element("dc:creator", person.name) for person in entry.authors]
    parts.append("</item>")
    return "".join(parts)


def rss_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    """The RSS 2.0 document: compact UTF-8, an XML declaration, the feed.css instruction.

    `nashra.render.render_feed` chooses and orders the entries; this only writes them.
    """
    items = b"".join([rss_item(entry) for entry in entries])
    return b"".join((_head(channel).encode(), items, b"</channel></rss>"))
