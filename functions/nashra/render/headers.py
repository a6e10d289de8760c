"""HTTP metadata of every published object: Content-Type and Cache-Control.

Feeds are never invalidated on the CDN per publish (DESIGN: invalidations cost money per
path), so freshness comes from a short `s-maxage` plus `stale-while-revalidate`; readers
get a few minutes of `max-age`; `stale-if-error` keeps feeds up through an origin outage.
"""

from __future__ import annotations

from posixpath import basename

from nashra.core.site import BREAKING_FEED
from nashra.render.formats import FORMATS

_BY_SUFFIX = {
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    # Under `X-Content-Type-Options: nosniff` (the CDN's security headers) browsers refuse
    # a stylesheet served as anything but `text/css` (Fetch standard, "should response to
    # request be blocked due to nosniff"); the feeds' stylesheet PI names the same type.
    ".css": "text/css; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
}
_BY_NAME = {fmt.filename: fmt.content_type for fmt in FORMATS}

FEED_CACHE = "public, max-age=300, s-maxage=60, stale-while-revalidate=600, stale-if-error=86400"
# Breaking news: seconds matter more than origin requests (AR-BRK-1).
BREAKING_CACHE = "public, max-age=60, s-maxage=15, stale-while-revalidate=30, stale-if-error=86400"
# A sealed archive page never changes (RFC 5005 §4, `nashra.history`): cached for a week,
# and browsers need not revalidate it meanwhile. The page still open is cached like its feed.
ARCHIVE_CACHE = "public, max-age=604800, s-maxage=604800, immutable"
# The stylesheet only changes with a release.
STYLESHEET_CACHE = (
    "public, max-age=86400, s-maxage=86400, stale-while-revalidate=604800, stale-if-error=604800"
)


def content_type_for(path: str) -> str:
    """Media type with charset for a published path (AR-ENC-1: UTF-8, said twice)."""
    name = basename(path)
    if name in _BY_NAME:
        return _BY_NAME[name]
    suffix = name[name.rfind(".") :] if "." in name else ""
    return _BY_SUFFIX.get(suffix, "application/octet-stream")


def cache_control_for(path: str) -> str:
    """Cache-Control for a published path: breaking (feeds and page) shorter, the stylesheet
    longer."""
    if path.lstrip("/").startswith(f"{BREAKING_FEED}/"):
        return BREAKING_CACHE
    if path.endswith(".css"):
        return STYLESHEET_CACHE
    return FEED_CACHE
