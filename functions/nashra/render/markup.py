"""The one place where text becomes safe to embed: XML characters, URIs, the RTL wrapper.

Articles arrive clean (AR-TXT-1/2), but site config and future inputs may not; lxml and
feedgen raise on a single control character (D-18), which would take down a whole feed.
So every string a renderer writes passes through `xml_safe`, and nothing here raises.
"""

from __future__ import annotations

import html
import re

from nashra.core.urls import encode_uri

# Everything outside the XML 1.0 `Char` production: C0 controls except TAB/LF/CR,
# lone surrogates and U+FFFE/U+FFFF (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot carry; everything else is kept verbatim.

    >>> xml_safe("عاجل\\x00: خبر\\ufffe")
    'عاجل: خبر'
    """
    return _NOT_XML.sub("", text)


def safe_uri(url: str) -> str:
    """An ASCII URI for any configured URL (AR-URL-1, D-14), never raising.

    `encode_uri` is idempotent, so already-encoded article URLs pass unchanged.
    """
    try:
        return encode_uri(xml_safe(url))
    except ValueError:  # e.g. an unbalanced "[" in the host: keep it, escaped for XML
        return xml_safe(url).strip()


def rtl_html(fragment: str, language: str) -> str:
    """Wrap an HTML fragment for readers that honour `dir` (AR-DIR-1, D-13: no xml:lang)."""
    lang = html.escape(language, quote=True)
    return f'<div dir="rtl" lang="{lang}">{fragment}</div>'


def figure_html(src: str, alt: str, caption: str) -> str:
    """The lead image as HTML, for readers that ignore media:* (Ghost does the same)."""
    img = f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}">'
    if caption:
        return f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>"
    return f"<figure>{img}</figure>"
