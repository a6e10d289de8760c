"""The three feed formats every feed is published in, and their media types (AR-ENC-1)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeedFormat:
    """One output format: its name, file name inside the feed folder and HTTP media type."""

    name: str
    filename: str
    content_type: str

    @property
    def media_type(self) -> str:
        """The type without parameters, for `<link type=…>`: `application/rss+xml`."""
        return self.content_type.split(";", 1)[0]


RSS = FeedFormat("rss", "rss.xml", "application/rss+xml; charset=utf-8")
ATOM = FeedFormat("atom", "atom.xml", "application/atom+xml; charset=utf-8")
JSON = FeedFormat("json", "feed.json", "application/feed+json; charset=utf-8")

FORMATS: tuple[FeedFormat, ...] = (RSS, ATOM, JSON)
