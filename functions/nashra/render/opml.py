"""OPML 2.0 subscription list of every feed (http://opml.org/spec2.opml)."""

from __future__ import annotations

from collections.abc import Sequence

from nashra.core.dates import format_rfc822
from nashra.core.site import FeedSpec, Site
from nashra.core.urls import feed_url
from nashra.render.formats import RSS, FeedFormat
from nashra.render.markup import safe_uri, xml_safe
from nashra.render.model import epoch, home_url
from nashra.render.xml import DECLARATION, element, empty

# One outline per feed, in RSS: a reader importing the file subscribes to every outline,
# so listing Atom too would subscribe everyone to each feed twice. index.html links all
# three formats.


def list_title(site: Site) -> str:
    """Arabic first (AR-DIR-3): «خلاصات نشرة»."""
    return f"خلاصات {xml_safe(site.title).strip()}"


def _outline(site: Site, spec: FeedSpec, fmt: FeedFormat) -> str:
    title = xml_safe(spec.title).strip() or spec.slug
    attrs = [
        ("type", "rss"),
        ("text", title),
        ("title", title),
        ("xmlUrl", safe_uri(feed_url(site.feeds_url, spec.slug, fmt.filename))),
        ("htmlUrl", safe_uri(home_url(site, spec.slug))),
    ]
    if spec.description.strip():
        attrs.append(("description", xml_safe(spec.description).strip()))
    attrs += [("language", site.language), ("version", "RSS")]  # OPML's name for RSS 0.91-2.0
    return empty("outline", attrs)


def render_opml(site: Site, specs: Sequence[FeedSpec]) -> bytes:
    """Every feed with its Arabic title, as RSS.

    `dateCreated` is the site's tag date, so the file only changes when the catalog does.
    No `<docs>`: feedvalidator's OPML checker predates 2.0 and rejects it as undefined.
    """
    head = (
        element("title", list_title(site))
        + element("dateCreated", format_rfc822(epoch(site)))
        + element("ownerName", xml_safe(site.title).strip())
    )
    body = "".join(_outline(site, spec, RSS) for spec in specs)
    return (
        f'{DECLARATION}<opml version="2.0"><head>{head}</head><body>{body}</body></opml>'.encode()
    )
