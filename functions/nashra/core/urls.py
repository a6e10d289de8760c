"""URLs and ids (AR-URL-1..3).

Feeds carry ASCII URIs only: NFC, UTF-8, percent-encoded once with uppercase hex
(AR-URL-1). Item ids are `tag:` URIs (RFC 4151) derived from the article id alone, never
from a title or slug, so they never change (AR-URL-2).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit, urlunsplit

# Characters legal in a URI component, plus "%" so that existing escapes survive:
# encoding is idempotent ("encode exactly once").
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"
_PCT = re.compile(r"%([0-9a-fA-F]{2})")
_BAD_PCT = re.compile(r"%(?![0-9a-fA-F]{2})")


def _quote_part(part: str, safe: str) -> str:
    part = _BAD_PCT.sub("%25", part)
    encoded = quote(part, safe=safe)
    return _PCT.sub(lambda m: "%" + m.group(1).upper(), encoded)


def encode_uri(url: str) -> str:
    """Turn an IRI (or URI) into an ASCII URI, encoding each character exactly once.

    >>> encode_uri("https://example.com/سياسة/a b")
    'https://example.com/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/a%20b'
    >>> encode_uri(encode_uri("https://example.com/سياسة"))
    'https://example.com/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9'
    """
    parts = urlsplit(unicodedata.normalize("NFC", url.strip()))
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe="")
    netloc = host
    if parts.port:
        netloc = f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{quote(parts.username, safe='')}@{netloc}"
    return urlunsplit(
        (
            parts.scheme.lower(),
            netloc,
            _quote_part(parts.path, _SAFE_PATH),
            _quote_part(parts.query, _SAFE_QUERY),
            _quote_part(parts.fragment, _SAFE_QUERY),
        )
    )


def is_absolute_http(url: str, *, https_only: bool = False) -> bool:
    """True for an absolute http(s) URL with a host (never javascript:, data:, relative)."""
    parts = urlsplit(url.strip())
    schemes = ("https",) if https_only else ("http", "https")
    return parts.scheme.lower() in schemes and bool(parts.hostname)


def item_id(authority: str, tag_date: str, article_id: str) -> str:
    """The permanent id of an article in every feed (RSS guid, Atom id, JSON Feed id).

    >>> item_id("example.com", "2026", "defence-kuwait")
    'tag:example.com,2026:defence-kuwait'
    """
    return f"tag:{authority},{tag_date}:{article_id}"


def feed_url(feeds_url: str, feed: str, filename: str) -> str:
    """Public URL of one feed file: `{feeds_url}/{feed}/{filename}`."""
    return f"{feeds_url.rstrip('/')}/{feed}/{filename}"
