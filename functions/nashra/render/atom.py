"""Atom 1.0 (RFC 4287) with xml:lang="ar", html content and Media RSS thumbnails.

Written directly as text (D14), in the element order and escaping of `nashra.render.xml`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from nashra.core.plaintext import reads_as_markup
from nashra.render.formats import ATOM
from nashra.render.markup import html_text
from nashra.render.media import media
from nashra.render.model import Channel, Entry, Person
from nashra.render.xml import (
    ATOM_NS,
    GENERATOR,
    attr,
    element,
    history_links,
    link,
    namespaces,
    stylesheet,
    text,
)


def _date(tag: str, moment: datetime) -> str:
    return f"<{tag}>{moment.isoformat()}</{tag}>"


def _person(person: Person) -> str:
    parts = ["<author>", element("name", person.name)]
    if person.email:
        parts.append(element("email", person.email))
    if person.uri:
        parts.append(element("uri", person.uri))
    parts.append("</author>")
    return "".join(parts)


def _head(channel: Channel) -> str:
    """The root and the feed's own elements, up to its first entry."""
    archive = channel.history.page is not None
    lang = f' xml:lang="{attr(channel.language)}"' if channel.language else ""  # AR-LANG-1
    parts = [
        f'{stylesheet(channel)}<feed{namespaces(archive)} xmlns="{ATOM_NS}"{lang}>',
        element("id", channel.id),
        element("title", channel.title),
        _date("updated", channel.updated),  # FG-6: the newest item's date
        # A feed-level author makes every entry valid, with or without bylines
        # (RFC 4287 §4.1.1: a feed without an author needs one in every entry).
        _person(Person(channel.site_title, channel.site_url)),
        # First: simple parsers (feed-extractor) take the first <link> as home (FG-3).
        link("link", channel.home_url, "alternate", "text/html"),
        link("link", channel.self_url(ATOM), "self", ATOM.media_type),
    ]
    if channel.hub:
        parts.append(link("link", channel.hub, "hub"))
    for href, rel, kind in history_links(channel, ATOM):  # RFC 5005 §4
        parts.append(link("link", href, rel, kind))
    parts.append(element("generator", GENERATOR))  # FG-7
    if channel.icon:
        parts.append(element("icon", channel.icon))
    if channel.logo:
        parts.append(element("logo", channel.logo))
    if channel.copyright:
        parts.append(element("rights", channel.copyright))
    parts.append(element("subtitle", channel.description))
    if archive:  # RFC 5005 §4; Atom's schema puts extensions before the entries
        parts.append("<fh:archive/>")
    return "".join(parts)


def _summary(summary: str) -> str:
    if "<" in summary or reads_as_markup(summary):
        # Plain text that looks like markup: the W3C validator warns ContainsUndeclaredHTML
        # on a type="text" summary holding "</b>" or "&amp;", so declare HTML and escape it.
        return f'<summary type="html">{text(html_text(summary))}</summary>'
    return f'<summary type="text">{text(summary)}</summary>'  # plain text: kept raw


def atom_entry(entry: Entry) -> bytes:
    """One `<entry>`: the same bytes in every feed and archive page that holds it (written
    and encoded once per entry, `Entry.items`)."""
    return entry.item("atom", _entry)


def _entry(entry: Entry) -> str:
    parts = [
        "<entry>",
        element("id", entry.id),  # item_id, never the URL (AR-URL-2)
        element("title", entry.title),
        _date("updated", entry.modified),  # FG-6: not the time the entry was written
        *(_person(person) for person in entry.authors),
    ]
    if entry.content_html:  # empty when the byte cap shortened the item to its summary
        parts.append(f'<content type="html">{text(entry.content_html)}</content>')
    parts.append(link("link", entry.url))  # FG-1: exactly one link, no rel (alternate)
    parts.append(_summary(entry.summary))
    parts += [f'<category term="{attr(tag)}"/>' for tag in entry.tags]
    parts.append(_date("published", entry.published))
    parts.append(media(entry.image))  # not a rel=enclosure link (FG-1)
    parts.append("</entry>")
    return "".join(parts)


def atom_bytes(channel: Channel, entries: Sequence[Entry]) -> bytes:
    """The Atom document of the entries `nashra.render.render_feed` chose, in its order."""
    items = b"".join([atom_entry(entry) for entry in entries])
    return b"".join((_head(channel).encode(), items, b"</feed>"))
