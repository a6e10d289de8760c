"""RSS 2.0 with content:encoded, dc:creator and Media RSS, validated clean by feedvalidator."""

from __future__ import annotations

from collections.abc import Sequence

from nashra.render.formats import RSS
from nashra.render.generator import add_entry, new_generator
from nashra.render.model import Channel, Entry


def rss_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    """The RSS 2.0 document: compact UTF-8, an XML declaration, the feed.css instruction.

    `nashra.render.render_feed` chooses and orders the entries; this only writes them.
    """
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
