"""Atom 1.0 (RFC 4287) with xml:lang="ar", html content and Media RSS thumbnails."""

from __future__ import annotations

from collections.abc import Sequence

from nashra.render.formats import ATOM
from nashra.render.generator import add_entry, new_generator
from nashra.render.model import Channel, Entry, Person


def _author(person: Person) -> dict[str, str]:
    author = {"name": person.name}  # feedgen writes name, email, uri (any order is valid)
    if person.uri:
        author["uri"] = person.uri
    if person.email:
        author["email"] = person.email
    return author


def atom_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    """The Atom document of the entries `nashra.render.render_feed` chose, in its order."""
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
        if entry.authors:  # FG-23: one call, linear
            fe.author([_author(person) for person in entry.authors])
    data: bytes = fg.atom_str(pretty=False, xml_declaration=True, encoding="UTF-8")
    return data
