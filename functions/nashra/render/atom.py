"""Atom 1.0 (RFC 4287) with xml:lang="ar", html content and Media RSS thumbnails."""

from __future__ import annotations

from collections.abc import Sequence

from nashra.core.article import Article
from nashra.core.site import FeedSpec, Site
from nashra.render.formats import ATOM
from nashra.render.generator import add_entry, new_generator
from nashra.render.model import Channel, Entry, to_channel, to_entries


def render_atom(site: Site, spec: FeedSpec, articles: Sequence[Article]) -> bytes:
    """The Atom document of one feed: newest first, at most `site.items_per_feed` entries."""
    entries = to_entries(site, spec, articles)
    return atom_bytes(to_channel(site, spec, entries), entries)


def atom_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    fg = new_generator(channel, ATOM)
    # A feed-level author makes every entry valid, with or without bylines
    # (RFC 4287 §4.1.1: a feed without an author needs one in every entry).
    fg.author({"name": channel.site_title, "uri": channel.site_url})
    if channel.icon:
        fg.icon(channel.icon)
    if channel.logo:
        fg.logo(channel.logo)
    for entry in entries:
        fe = add_entry(fg, entry, ATOM)
        for person in entry.authors:
            author = {"name": person.name}  # feedgen writes name, email, uri (any order is valid)
            if person.uri:
                author["uri"] = person.uri
            if person.email:
                author["email"] = person.email
            fe.author(author)
    data: bytes = fg.atom_str(pretty=False, xml_declaration=True, encoding="UTF-8")
    return data
