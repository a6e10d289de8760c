"""OPML 2.0 subscription list of every feed (http://opml.org/spec2.opml)."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree  # type: ignore[import-untyped]  # no stubs pinned (report: types-lxml)

from nashra.core.dates import format_rfc822
from nashra.core.site import FeedSpec, Site
from nashra.render.formats import ATOM, RSS, FeedFormat
from nashra.render.markup import safe_uri, xml_safe
from nashra.render.model import epoch, home_url

# OPML's `version` names the RSS flavour: "RSS" covers 0.91-2.0; Atom has no value.
_GROUPS: tuple[tuple[FeedFormat, str, str | None], ...] = (
    (RSS, "RSS 2.0", "RSS"),
    (ATOM, "Atom 1.0", None),
)


def list_title(site: Site) -> str:
    """Arabic first (AR-DIR-3): «خلاصات نشرة»."""
    return f"خلاصات {xml_safe(site.title).strip()}"


def _outline(parent: etree._Element, site: Site, spec: FeedSpec, fmt: FeedFormat) -> None:
    title = xml_safe(spec.title).strip() or spec.slug
    outline = etree.SubElement(parent, "outline", type="rss", text=title, title=title)
    outline.set("xmlUrl", safe_uri(f"{site.feeds_url}/{spec.slug}/{fmt.filename}"))
    outline.set("htmlUrl", safe_uri(home_url(site, spec.slug)))
    if spec.description.strip():
        outline.set("description", xml_safe(spec.description).strip())
    outline.set("language", site.language)


def render_opml(site: Site, specs: Sequence[FeedSpec]) -> bytes:
    """One group per format (RSS first), each listing every feed with its Arabic title.

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
    for fmt, label, version in _GROUPS:
        # A folder outline carries only `text` (feedvalidator: MissingOutlineType otherwise).
        group = etree.SubElement(body, "outline", text=label)
        for spec in specs:
            _outline(group, site, spec, fmt)
            if version:
                group[-1].set("version", version)
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data
