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


class FeedExtras(BaseExtension):  # type: ignore[misc]
    """Channel additions: the CSS stylesheet instruction (FG-15) and the RSS hub link (FG-2)."""

    def __init__(self) -> None:
        self.stylesheet: str | None = None
        self.hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        # Entry extensions cannot declare namespaces in feedgen; declare media:* here.
        return {"media": MEDIA_NS}

    def _stylesheet(self, root: Any) -> None:
        if self.stylesheet:
            pi = etree.ProcessingInstruction(
                "xml-stylesheet", f'type="text/css" href="{self.stylesheet}"'
            )
            root.addprevious(pi)

    def extend_rss(self, rss: Any) -> Any:
        self._stylesheet(rss)
        if self.hub:  # feedgen's RSS writer keeps only rel=self (FG-2)
            etree.SubElement(rss[0], f"{{{ATOM_NS}}}link", href=self.hub, rel="hub")
        return rss

    def extend_atom(self, feed: Any) -> Any:
        self._stylesheet(feed)
        return feed


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
