"""RSS 2.0 with content:encoded, dc:creator and Media RSS, validated clean by feedvalidator."""

from __future__ import annotations

from collections.abc import Sequence

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render.formats import RSS
from nashra.render.generator import add_entry, new_generator
from nashra.render.model import Channel, Entry, to_channel, to_entries


def render_rss(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
    """The RSS 2.0 document of one feed: newest first, at most `site.items_per_feed` items.

    Compact UTF-8 with an XML declaration and the feed.xsl processing instruction.
    """
    entries = to_entries(site, spec, articles)
    return rss_bytes(to_channel(site, spec, entries), entries)


def rss_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    fg = new_generator(channel, RSS)
    fg.load_extension("dc", atom=False, rss=True)  # FG-11: name-only authors
    fg.docs("")  # FG-7: no <docs>
    fg.pubDate(channel.updated)
    fg.ttl(channel.ttl)
    fg.nashra.hub = channel.hub
    if channel.logo or channel.icon:
        fg.image(url=channel.logo or channel.icon)  # title and link copied: no mismatch
    for entry in entries:
        fe = add_entry(fg, entry, RSS)
        for person in entry.authors:
            fe.dc.dc_creator(person.name)  # name only: RSS <author> is an e-mail (FG-11)
        pic = entry.image
        if pic is not None and pic.length > 0:  # the validator wants a real length
            fe.enclosure(url=pic.url, length=str(pic.length), type=pic.type or "image/jpeg")
    data: bytes = fg.rss_str(pretty=False, xml_declaration=True, encoding="UTF-8")
    return data
