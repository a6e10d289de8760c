"""The reference for nashra's RSS and Atom bytes: the feedgen 1.0.0 renderer nashra used
until D14, kept whole so the direct writer (`nashra.render.rss`, `atom`, `xml`) is held to
the bytes it wrote.

feedgen builds an lxml tree per document; nashra writes the same bytes as strings, in a
third of the CPU (`bench/render.py`). Every test that renders through this module and
through nashra compares the two byte for byte (tests/contract/test_feedgen_oracle.py):
feedgen stays the authority on element order, namespace declarations and escaping, and on
each FG-* workaround (docs/decisions.md) the writer inherits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from nashra.core.dates import format_rfc822
from nashra.core.plaintext import reads_as_markup
from nashra.core.site import FeedSpec, Site
from nashra.core.urls import feed_url
from nashra.render.formats import ATOM, RSS, FeedFormat
from nashra.render.markup import html_text, safe_uri, xml_safe
from nashra.render.model import Channel, Entry, Person, Picture, epoch, home_url
from nashra.render.xml import ATOM_NS, FH_NS, GENERATOR, MEDIA_NS, history_links


class FeedExtras(BaseExtension):  # type: ignore[misc]
    """Channel additions: the CSS stylesheet instruction (FG-15), the RSS hub link (FG-2),
    and RFC 5005's: `<fh:archive/>` in an archive page, and in RSS the `atom:link`s to the
    live feed and the archive pages around it (`history`: href, rel, type), which feedgen's
    RSS writer would drop (FG-2, FG-17; Atom gets them from `fg.link`)."""

    def __init__(self) -> None:
        self.stylesheet: str | None = None
        self.hub: str | None = None
        self.archive = False
        self.history: list[tuple[str, str, str]] = []

    def extend_ns(self) -> dict[str, str]:
        # Entry extensions cannot declare namespaces in feedgen; declare media:* here.
        # fh:* only where it is used: the live feeds' bytes stay as they were.
        return {"media": MEDIA_NS, "fh": FH_NS} if self.archive else {"media": MEDIA_NS}

    def _stylesheet(self, root: Any) -> None:
        if self.stylesheet:
            pi = etree.ProcessingInstruction(
                "xml-stylesheet", f'type="text/css" href="{self.stylesheet}"'
            )
            root.addprevious(pi)

    def _archived(self, parent: Any, first_item: str) -> None:
        """`<fh:archive/>` (RFC 5005 §4) with the feed's metadata, before its first item:
        Atom's schema puts extension elements before the entries."""
        if self.archive:
            _before(parent, first_item, etree.Element(f"{{{FH_NS}}}archive"))

    def extend_rss(self, rss: Any) -> Any:
        self._stylesheet(rss)
        channel = rss[0]
        if self.hub:  # feedgen's RSS writer keeps only rel=self (FG-2)
            etree.SubElement(channel, f"{{{ATOM_NS}}}link", href=self.hub, rel="hub")
        for href, rel, kind in self.history:  # RFC 5005 Appendix B: atom:link in RSS
            link = etree.Element(f"{{{ATOM_NS}}}link", href=href, rel=rel, type=kind)
            _before(channel, "item", link)
        self._archived(channel, "item")
        return rss

    def extend_atom(self, feed: Any) -> Any:
        self._stylesheet(feed)
        self._archived(feed, f"{{{ATOM_NS}}}entry")
        return feed


def _before(parent: Any, tag: str, element: Any) -> None:
    """Insert `element` before `parent`'s first `tag` child, or last when it has none."""
    first = parent.find(tag)
    if first is None:
        parent.append(element)
    else:
        first.addprevious(element)


class EntryMedia(BaseEntryExtension):  # type: ignore[misc]
    """Media RSS for the lead image, directly under the item (FG-5: no media:group).

    Atom gets this instead of a rel=enclosure link, which feedgen breaks (FG-1).
    """

    def __init__(self) -> None:
        self.picture: Picture | None = None

    def _media(self, parent: Any) -> Any:
        pic = self.picture
        if pic is None:
            return parent
        content = etree.SubElement(parent, f"{{{MEDIA_NS}}}content", url=pic.url, medium="image")
        if pic.type:
            content.set("type", pic.type)
        if pic.length:
            content.set("fileSize", str(pic.length))
        for name, value in (("width", pic.width), ("height", pic.height)):
            if value:
                content.set(name, str(value))
        if pic.text:
            # Plain text that reads as markup ("<script>…" in a caption) is escaped and
            # declared html, so readers show it as text and the W3C validator has no
            # ContainsUndeclaredHTML to warn about (Media RSS allows type plain or html).
            markup = reads_as_markup(pic.text)
            description = etree.SubElement(
                content, f"{{{MEDIA_NS}}}description", type="html" if markup else "plain"
            )
            description.text = html_text(pic.text) if markup else pic.text
        etree.SubElement(parent, f"{{{MEDIA_NS}}}thumbnail", url=pic.url)
        return parent

    extend_rss = _media
    extend_atom = _media


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


@contextmanager
def installed() -> Iterator[None]:
    """nashra renders RSS and Atom through feedgen while inside: every document a build or
    a publish writes, live feeds and archive pages, is the reference's."""
    from nashra import render
    from nashra.render import history

    saved = (dict(render._WRITERS), render.WRITES, render.render_documents.__kwdefaults__)
    saved_history = history._WRITES
    writers = {RSS: rss_bytes, ATOM: atom_bytes}
    try:
        render._WRITERS.update(writers)
        render.WRITES = tuple(render._WRITERS[fmt] for fmt in render.FORMATS)
        defaults = dict(render.render_documents.__kwdefaults__ or {})
        defaults["writes"] = render.WRITES
        render.render_documents.__kwdefaults__ = defaults
        history._WRITES = (rss_bytes, atom_bytes)
        yield
    finally:
        render._WRITERS.clear()
        render._WRITERS.update(saved[0])
        render.WRITES = saved[1]
        render.render_documents.__kwdefaults__ = saved[2]
        history._WRITES = saved_history


# OPML as lxml wrote it before D14: nashra.render.opml is held to these bytes too.
def _list_title(site: Site) -> str:
    """Arabic first (AR-DIR-3): «خلاصات نشرة»."""
    return f"خلاصات {xml_safe(site.title).strip()}"


def _opml_outline(parent: etree._Element, site: Site, spec: FeedSpec, fmt: FeedFormat) -> None:
    title = xml_safe(spec.title).strip() or spec.slug
    outline = etree.SubElement(parent, "outline", type="rss", text=title, title=title)
    outline.set("xmlUrl", safe_uri(feed_url(site.feeds_url, spec.slug, fmt.filename)))
    outline.set("htmlUrl", safe_uri(home_url(site, spec.slug)))
    if spec.description.strip():
        outline.set("description", xml_safe(spec.description).strip())
    outline.set("language", site.language)
    outline.set("version", "RSS")  # OPML's name for RSS 0.91-2.0


def render_opml(site: Site, specs: Sequence[FeedSpec]) -> bytes:
    """Every feed with its Arabic title, as RSS.

    `dateCreated` is the site's tag date, so the file only changes when the catalog does.
    No `<docs>`: feedvalidator's OPML checker predates 2.0 and rejects it as undefined.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    for name, value in (
        ("title", _list_title(site)),
        ("dateCreated", format_rfc822(epoch(site))),
        ("ownerName", xml_safe(site.title).strip()),
    ):
        etree.SubElement(head, name).text = value
    body = etree.SubElement(root, "body")
    for spec in specs:
        _opml_outline(body, site, spec, RSS)
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data
