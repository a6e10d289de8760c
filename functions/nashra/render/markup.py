"""The one place where text becomes safe to embed: XML characters, URIs, the RTL wrapper.

Articles arrive clean (AR-TXT-1/2), but site config and future inputs may not; a single
control character makes a whole XML document unreadable to every reader (FG-18: feedgen
raised on it; nashra's writer, D14, would write it). So every string a renderer writes
passes through `xml_safe`, and nothing here raises.
"""

from __future__ import annotations

import html
import re

from nashra.core.urls import encode_uri, plain_email

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
    """An ASCII URI for any configured URL (AR-URL-1, FG-14), never raising.

    `encode_uri` is idempotent, so already-encoded article URLs pass unchanged.
    """
    try:
        return encode_uri(xml_safe(url))
    except ValueError:  # a guard: encode_uri percent-encodes what urlsplit rejects
        return xml_safe(url).strip()


def safe_email(address: str | None) -> str | None:
    """A public e-mail address as Atom writes it, or None when it is not a plain addr-spec.

    Never raises: "mailto:…", "Name <…>", non-ASCII or host-less values are left out
    (intake owns telling the editor); everything kept is valid for the W3C validator.

    >>> safe_email(" newsroom@nashra.example "), safe_email("mailto:newsroom@nashra.example")
    ('newsroom@nashra.example', None)
    """
    return plain_email(xml_safe(address or ""))


def html_text(text: str) -> str:
    """Plain text for a field that readers decode as HTML (RSS <description>).

    `<`, `>` and `&` become character references, so the text is shown, never rendered;
    it carries no markup, so it gets no AR-DIR-1 wrapper.

    >>> html_text("<b>عريض</b> a & b")
    '&lt;b&gt;عريض&lt;/b&gt; a &amp; b'
    """
    return html.escape(text, quote=False)


def rtl_html(fragment: str, language: str) -> str:
    """Wrap an HTML fragment for readers that honour `dir` (AR-DIR-1, FG-13: no xml:lang)."""
    lang = html.escape(language, quote=True)
    return f'<div dir="rtl" lang="{lang}">{fragment}</div>'


def figure_html(src: str, alt: str, caption: str) -> str:
    """The lead image as HTML, for readers that ignore media:* (Ghost does the same)."""
    img = f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}">'
    if caption:
        return f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>"
    return f"<figure>{img}</figure>"


def correction_html(label: str, text: str) -> str:
    """A correction note as the first paragraph of the full text, its label in bold.

    >>> correction_html("تصحيح", "الرقم الصحيح 5 < 7")
    '<p><strong>تصحيح:</strong> الرقم الصحيح 5 &lt; 7</p>'
    """
    return f"<p><strong>{html.escape(label)}:</strong> {html.escape(text, quote=False)}</p>"
