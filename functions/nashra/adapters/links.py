"""The `Link` header of a feed response: the feed's own rel="self" and rel="hub" links (D11).

WebSub (W3C Recommendation, §4) lets a subscriber discover the topic and hub from HTTP
`Link` headers without parsing the feed; many hubs and readers look there first. The
header is read back from the rendered document, so it can never disagree with the links
the feed itself carries (its self link is built from site.json's `feeds_url`, which can
differ from the host a reader happened to use). The CDN cannot compute it: per-object
headers come only from the object's metadata, so the publisher stores the value as
`x-amz-meta-link` and the edge turns it into `Link` (infra/cloudfront/link-header.js, and
`nashra.dev.cdn` locally).

nashra renders every link of a feed as an absolute, percent-encoded URI (AR-URL-1), as an
attribute in double quotes (XML) or a JSON string, and never writes markup unescaped
inside an entry, so a scan of the document's link elements finds exactly its own.

>>> rss = b'<channel><atom:link href="https://f.example/all/rss.xml" rel="self"/>'
>>> print(link_header("all/rss.xml", rss + b'<atom:link href="https://hub.example/" rel="hub"/>'))
<https://f.example/all/rss.xml>; rel="self", <https://hub.example/>; rel="hub"
>>> link_header("index.html", b"<html></html>") is None
True
"""

from __future__ import annotations

import json
import re
from xml.sax.saxutils import unescape

RELS = ("self", "hub")
# <link …> (Atom) and <atom:link …> (RSS): one element's attributes.
_LINK = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?link\s([^>]*)>")
_ATTR = re.compile(rb'([\w:-]+)="([^"]*)"')
_JSON_FEED = "https://jsonfeed.org/version/"
_ENTITIES = {"&quot;": '"', "&apos;": "'"}


def _xml_links(body: bytes) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _LINK.finditer(body):
        attrs = {k.decode(): unescape(v.decode(), _ENTITIES) for k, v in _ATTR.findall(match[1])}
        if attrs.get("rel") in RELS and attrs.get("href"):
            found.append((attrs["href"], attrs["rel"]))
    return found


def _json_links(body: bytes) -> list[tuple[str, str]]:
    try:
        feed = json.loads(body)
    except ValueError:
        return []
    if not isinstance(feed, dict) or not str(feed.get("version", "")).startswith(_JSON_FEED):
        return []
    found = [(feed["feed_url"], "self")] if isinstance(feed.get("feed_url"), str) else []
    hubs = feed.get("hubs")
    for hub in hubs if isinstance(hubs, list) else []:
        if isinstance(hub, dict) and isinstance(hub.get("url"), str):
            found.append((hub["url"], "hub"))
    return found


def _usable(url: str) -> bool:
    """A URI that fits in a header and in S3 metadata (ASCII, no `<`, `>` or space)."""
    return url.isascii() and url.isprintable() and not any(c in url for c in '<> "')


def link_header(path: str, body: bytes) -> str | None:
    """The `Link` value for the file at `path`: its self link first, then its hubs; None for
    a file that is not a feed or declares none."""
    if path.endswith(".xml"):
        links = _xml_links(body)
    elif path.endswith(".json"):
        links = _json_links(body)
    else:
        return None
    ordered = sorted(dict.fromkeys(links), key=lambda link: RELS.index(link[1]))
    parts = [f'<{url}>; rel="{rel}"' for url, rel in ordered if _usable(url)]
    return ", ".join(parts) or None
