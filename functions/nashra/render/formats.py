"""The three feed formats every feed is published in, and their media types (AR-ENC-1).

Each has two types. `media_type` is the registered one, written wherever a link names
the format (autodiscovery `<link type>`, Atom and RSS `rel="self"`, OPML). `content_type`
is what HTTP says: RSS and Atom go out as `application/xml`, because browsers show
`application/rss+xml` and `application/atom+xml` as raw text and apply no stylesheet
(Chromium 156 does so even for XSLT), while any XML type gets the feed's CSS (P-CT-2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedFormat:
    """One output format: its name, file name, registered media type and HTTP type."""

    name: str
    filename: str
    media_type: str
    content_type: str


XML_CONTENT_TYPE = "application/xml; charset=utf-8"

RSS = FeedFormat("rss", "rss.xml", "application/rss+xml", XML_CONTENT_TYPE)
ATOM = FeedFormat("atom", "atom.xml", "application/atom+xml", XML_CONTENT_TYPE)
JSON = FeedFormat(
    "json", "feed.json", "application/feed+json", "application/feed+json; charset=utf-8"
)

FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM, JSON)
