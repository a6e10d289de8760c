"""URLs and ids (AR-URL-1..3).

Feeds carry ASCII URIs only: NFC, UTF-8, percent-encoded once with uppercase hex
(AR-URL-1). Item ids are `tag:` URIs (RFC 4151) derived from the article id alone, never
from a title or slug, so they never change (AR-URL-2).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import SplitResult, quote, urlsplit, urlunsplit

import regex

from nashra.core.keys import feed_file
from nashra.core.text import clean_line, fold_for_key, split_breaking

# Characters legal in a URI component, plus "%" so that existing escapes survive:
# encoding is idempotent ("encode exactly once").
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"
_PCT = re.compile(r"%([0-9a-fA-F]{2})")
_BAD_PCT = re.compile(r"%(?![0-9a-fA-F]{2})")
# A host name: no whitespace, controls or delimiters (IDN letters are fine, AR-URL-1).
_HOST = re.compile(r"[^\s\x00-\x1f\x7f/?#@\\\[\]:]+")
_DOTTED_NUMBERS = re.compile(r"[0-9.]+")
# What `encode_uri` returns unchanged: an http(s) URI already encoded once, with a lower-case
# host name and no port, user, empty query or empty fragment. Feeds hold tens of thousands
# of them (every article's URL, encoded at intake): recognised in one match, not split and
# quoted again (tests/unit/test_urls.py holds the two paths to the same answer).
_U = r"(?:[A-Za-z0-9/:@!$&'()*+,;=\-._~]|%[0-9A-F]{2})"
_ENCODED = re.compile(rf"https?://[a-z0-9.\-]+(?:/{_U}*)?(?:\?(?:{_U}|\?)+)?(?:#(?:{_U}|\?)+)?")


def _quote_part(part: str, safe: str) -> str:
    part = _BAD_PCT.sub("%25", part)
    encoded = quote(part, safe=safe)
    return _PCT.sub(lambda m: "%" + m.group(1).upper(), encoded)


@functools.lru_cache(maxsize=1024)
def _ascii_host(host: str, bracketed: bool) -> str:
    """The host as it goes in an ASCII URI: IDNA for names, `[...]` kept for IPv6 (B-12)."""
    if bracketed:
        return f"[{host.lower()}]"
    try:  # a character IDNA lets through but no host may hold (a space) is escaped once
        return _quote_part(host.encode("idna").decode("ascii"), "%")
    except UnicodeError:  # an empty or overlong label: escaped once, like the path
        return _quote_part(host, "%")


def _netloc(parts: SplitResult, port: int | None) -> str:
    netloc = _ascii_host(parts.hostname or "", parts.netloc.rpartition("@")[2].startswith("["))
    if port is not None:
        netloc = f"{netloc}:{port}"
    if parts.username is not None:
        userinfo = _quote_part(parts.username, "%")  # escaped once, like the path
        if parts.password is not None:
            userinfo += ":" + _quote_part(parts.password, "%")
        netloc = f"{userinfo}@{netloc}"
    return netloc


def encode_uri(url: str) -> str:
    """Turn an IRI (or URI) into an ASCII URI, encoding each character exactly once.

    >>> encode_uri("https://example.com/سياسة/a b")
    'https://example.com/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9/a%20b'
    >>> encode_uri(encode_uri("https://example.com/سياسة"))
    'https://example.com/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9'
    >>> encode_uri("https://[::1]:8080/x")
    'https://[::1]:8080/x'
    """
    if _ENCODED.fullmatch(url):
        return url
    text = unicodedata.normalize("NFC", url.strip())
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:  # "https://[" or a port out of range: not a URL, but never a crash
        return _quote_part(text, _SAFE_QUERY + "#")
    return urlunsplit(
        (
            parts.scheme.lower(),
            _netloc(parts, port),
            _quote_part(parts.path, _SAFE_PATH),
            _quote_part(parts.query, _SAFE_QUERY),
            _quote_part(parts.fragment, _SAFE_QUERY),
        )
    )


_GRAPHEME = regex.compile(r"\X")
BREAKING_WORD = "عاجل"


def _slug_words(title: str) -> list[str]:
    _, rest = split_breaking(clean_line(title)[0])
    # AR-URL-3: no tashkeel, tatweel (a "letter" to Unicode), joiners or direction marks;
    # ASCII digits; honorific ligatures spelt out (AR-TXT-1 table).
    text = fold_for_key(rest).lower()
    # Letters (with their marks) and ASCII digits; everything else separates words.
    kept = (
        c if unicodedata.category(c)[0] in "LM" or (c.isascii() and c.isdigit()) else " "
        for c in unicodedata.normalize("NFC", text)
    )
    words = "".join(kept).split()
    # «عاجل» never reaches a slug (AR-BRK-1), not even as a whole title or as «عاجل_…».
    while words and words[0] == BREAKING_WORD:
        words.pop(0)
    return words


def slugify(title: str, max_chars: int = 60) -> str:
    """The decorative Arabic part of an article URL (AR-URL-3); no transliteration.

    Cut at a word boundary to at most `max_chars` characters (each Arabic letter is six
    once percent-encoded); a first word longer than that is cut between graphemes.

    >>> slugify("عاجـــل | وزيرُ الدفاعِ يلتقي نظيرَه «الكويتي».. ويبحث ٣ ملفات؟")
    'وزير-الدفاع-يلتقي-نظيره-الكويتي-ويبحث-3-ملفات'
    """
    slug = ""
    for word in _slug_words(title):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_chars:
            break
        slug = candidate
    if not slug and (words := _slug_words(title)):
        for grapheme in _GRAPHEME.findall(words[0]):
            if len(slug) + len(grapheme) > max_chars:
                break
            slug += grapheme
    # Cutting «عاجل٠…» can leave exactly the word that never starts a slug.
    return "" if slug == BREAKING_WORD else slug


# What `quote(..., safe="-._~")` leaves as it is, and NFC too: ids and most section slugs.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def canonical_url(base_url: str, section: str, article_id: str, slug: str | None = None) -> str:
    """`{base_url}/{section}/{article_id}[-{slug}]` as an ASCII URI (AR-URL-1/2).

    The id is authoritative and the slug decorative: a title edit changes the slug, never
    the item id. Components are raw text and are percent-encoded here, exactly once.

    >>> canonical_url("https://news.example.com/ar", "politics", "12345", "وزير-الدفاع")
    'https://news.example.com/ar/politics/12345-%D9%88%D8%B2%D9%8A%D8%B1-%D8%A7%D9%84%D8%AF%D9%81%D8%A7%D8%B9'
    """
    tail = f"{article_id}-{slug}" if slug else article_id
    if _UNRESERVED.fullmatch(section) and _UNRESERVED.fullmatch(tail):
        parts: tuple[str, ...] | Iterator[str] = (section, tail)  # NFC and quoted already
    else:
        parts = (quote(unicodedata.normalize("NFC", p), safe="-._~") for p in (section, tail))
    return encode_uri("/".join((base_url.rstrip("/"), *parts)))


def _is_ip(host: str, version: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    try:
        return isinstance(ipaddress.ip_address(host), version)
    except ValueError:
        return False


@functools.lru_cache(maxsize=1024)
def _valid_host(host: str, bracketed: bool) -> bool:
    """B-12: an IPv6 literal in brackets (no zone id, no IPvFuture), a dotted-decimal IPv4
    address (not 999.1.1.1), or a name whose labels IDNA can encode (1-63 characters each,
    no empty label)."""
    if bracketed:
        return "%" not in host and _is_ip(host, ipaddress.IPv6Address)
    if _DOTTED_NUMBERS.fullmatch(host):
        return _is_ip(host, ipaddress.IPv4Address)
    try:
        host.rstrip(".").encode("idna")
    except UnicodeError:
        return False
    return _HOST.fullmatch(host) is not None


def names_an_ipv6_host(url: str) -> bool:
    """Whether the URL's host is an IPv6 address in brackets (`https://[2001:db8::1]/`).

    Such a URL is a valid URI (RFC 3986) and may stay a link inside an article's body, but
    not be a feed's own link: the W3C validator reads RSS links, enclosures and Atom
    enclosures by RFC 2396, which has no brackets (InvalidUriChar), and a site's IPv6
    host makes its `tag:` ids invalid (RFC 4151 names a host by DNS name). No newsroom
    publishes at an address, so such a URL in an article's fields or the site's config is
    refused (B-12)."""
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        return False
    return netloc.rpartition("@")[2].startswith("[")


def is_absolute_http(url: str, *, https_only: bool = False) -> bool:
    """True for an absolute http(s) URL with a valid host (B-12): never javascript:,
    data:, relative, a host that cannot be reached, or user:password@ (credentials in a
    public feed are a leak, and browsers refuse such links)."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises for a port out of range
    except ValueError:  # e.g. "https://[": an editor's typo must be a problem, not a crash
        return False
    schemes = ("https",) if https_only else ("http", "https")
    if parts.scheme.lower() not in schemes or "@" in parts.netloc:
        return False
    return _valid_host(parts.hostname or "", parts.netloc.startswith("["))


# A bare ASCII addr-spec (RFC 5322 dot-atom @ a dotted host name): what Atom <email> takes
# and the W3C validator accepts without a DNS look-up.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_TLD = r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@(?:{_LABEL}\.)+{_TLD}")
_EMAIL_MAX = 254  # RFC 5321 path limit


def plain_email(address: str) -> str | None:
    """The address stripped, if it is a plain ASCII addr-spec; else None.

    >>> plain_email(" newsroom@nashra.example "), plain_email("mailto:newsroom@nashra.example")
    ('newsroom@nashra.example', None)
    """
    candidate = address.strip()
    return candidate if len(candidate) <= _EMAIL_MAX and _EMAIL.fullmatch(candidate) else None


def item_id(authority: str, tag_date: str, article_id: str) -> str:
    """The permanent id of an article in every feed (RSS guid, Atom id, JSON Feed id).

    >>> item_id("example.com", "2026", "defence-kuwait")
    'tag:example.com,2026:defence-kuwait'
    """
    return f"tag:{authority},{tag_date}:{article_id}"


def feed_url(feeds_url: str, feed: str, filename: str) -> str:
    """Public URL of one feed file: `{feeds_url}/{feed}/{filename}`.

    >>> feed_url("https://feeds.example.com/", "gulf", "rss.xml")
    'https://feeds.example.com/gulf/rss.xml'
    """
    return f"{feeds_url.rstrip('/')}/{feed_file(feed, filename)}"
