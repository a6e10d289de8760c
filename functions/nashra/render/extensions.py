"""feedgen extensions for what feedgen 1.0.0 cannot write itself (docs/decisions.md, FG-1 … FG-22).

feedgen instantiates extension classes without arguments, so the values are set as
attributes after registration (`fg.nashra.hub = …`, `fe.nashra.picture = …`).
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

from nashra.core.plaintext import reads_as_markup
from nashra.render.markup import html_text
from nashra.render.model import Picture

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
FH_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 (FG-17)


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
