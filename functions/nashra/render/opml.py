"""OPML 2.0 subscription list of every feed (http://opml.org/spec2.opml)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from nashra.core.dates import format_rfc822
from nashra.core.site import FeedSpec, Site
from nashra.core.urls import feed_url
from nashra.render.formats import RSS, FeedFormat
from nashra.render.markup import safe_uri, xml_safe
from nashra.render.model import epoch, home_url

# One outline per feed, in RSS: a reader importing the file subscribes to every outline,
# so listing Atom too would subscribe everyone to each feed twice. index.html links all
# three formats.


def list_title(site: Site) -> str:
    """Arabic first (AR-DIR-3): «خلاصات نشرة»."""
    return f"خلاصات {xml_safe(site.title).strip()}"


def _outline(parent: etree._Element, site: Site, spec: FeedSpec, fmt: FeedFormat) -> None:
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
        ("title", list_title(site)),
        ("dateCreated", format_rfc822(epoch(site))),
        ("ownerName", xml_safe(site.title).strip()),
    ):
        etree.SubElement(head, name).text = value
    body = etree.SubElement(root, "body")
    for spec in specs:
        _outline(body, site, spec, RSS)
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data
