"""Article bodies as HTML: detect, convert plain text, sanitise, and read back as text.

A body goes into `content:encoded`, Atom `content` and JSON Feed `content_html`, where
readers render it: only an allow-list of elements survives (nh3), every link and image
is absolute (DESIGN: no feed carries a relative reference) and percent-encoded once
(AR-URL-1), and the text obeys AR-TXT-1/2 like every other field. Direction is carried by
`dir`/`lang` and `<bdi>` (AR-DIR-1), never by `style`, which sanitisers strip.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3

from nashra.core.text import clean_text
from nashra.core.urls import encode_uri, is_absolute_http

_ALLOWED_TAGS = frozenset(
    {"h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "b", "em", "i", "u", "s"}
    | {"sub", "sup", "small", "mark", "q", "cite", "abbr", "bdi", "bdo", "span", "div"}
    | {"ul", "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption", "blockquote"}
    | {"pre", "code", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "time"}
)
_CELL = frozenset({"colspan", "rowspan", "scope"})
_ATTRIBUTES = {
    "*": {"dir", "lang"},
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "td": set(_CELL),
    "th": set(_CELL),
    "time": {"datetime"},
}
# Dropped with everything inside them: their content is code or UI, never article text.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "iframe", "object", "embed", "form", "noscript", "template"}
    | {"svg", "math", "textarea", "select", "button", "applet", "frameset", "noembed"}
    | {"title", "xmp", "noframes", "head"}
)
_H1 = re.compile(r"(</?)h1(?=[\s/>])", re.IGNORECASE)
_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=")[^>]*>')
_KNOWN_TAGS = "|".join(sorted(_ALLOWED_TAGS | _DROPPED_WITH_CONTENT | {"h1", "html", "body"}))
_HTML_TAG = re.compile(rf"</?(?:{_KNOWN_TAGS})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_LANG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
_WHITESPACE = re.compile(r"\s+")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
# NFC would fuse ">" with a following U+0338 into "≯" and break the tag: keep it escaped.
_COMBINING_SOLIDUS = "\u0338"

# Sanitised output with any of these is structured; without one, the body was plain text
# with inline markup, and its blank lines are its paragraphs (as in `text_to_html`).
_BLOCK_TAGS = frozenset(
    {"p", "div", "h2", "h3", "h4", "h5", "h6", "hr", "ul", "ol", "li", "dl", "dt", "dd"}
    | {"figure", "figcaption", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr"}
    | {"th", "td", "caption"}
)
# In sanitised output a raw "<" only opens a tag; an attribute value (always in double
# quotes) may hold newlines, which are not the text's line breaks.
_SANITISED_TAG = re.compile(r'<([/a-z0-9]*)[^>"]*(?:"[^"]*"[^>"]*)*>')


def looks_like_html(text: str) -> bool:
    """True when the body is an HTML fragment (it has HTML elements, not just «a < b»).

    >>> looks_like_html("<p>التقى وزير الدفاع</p>"), looks_like_html("5 > 3 و 2 < 4")
    (True, False)
    """
    return _HTML_TAG.search(text) is not None


def _protect(fragment: str) -> str:
    return fragment.replace(_COMBINING_SOLIDUS, "&#x338;")


def text_to_html(text: str) -> str:
    """Plain text as paragraphs: a blank line starts a `<p>`, a newline is a `<br>`.

    >>> text_to_html("التقى وزير الدفاع\\nنظيره الكويتي\\n\\nوبحث <التعاون> & الأمن")
    '<p>التقى وزير الدفاع<br>نظيره الكويتي</p><p>وبحث &lt;التعاون&gt; &amp; الأمن</p>'
    """
    cleaned, _ = clean_text(text)
    cleaned = cleaned.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = []
    for block in _BLANK_LINE.split(cleaned):
        lines = (_WHITESPACE.sub(" ", line).strip() for line in block.split("\n"))
        escaped = [html.escape(line, quote=False) for line in lines if line]
        if escaped:
            paragraphs.append("<p>" + "<br>".join(escaped) + "</p>")
    return _protect("".join(paragraphs))


def _has_block(sanitised: str) -> bool:
    names = (m.group(1).lstrip("/") for m in _SANITISED_TAG.finditer(sanitised))
    return any(name in _BLOCK_TAGS for name in names)


def _paragraphs(sanitised: str) -> str:
    """Sanitised inline HTML cut into paragraphs the way `text_to_html` cuts plain text.

    A blank line in the text starts a `<p>`, a newline is a `<br>`; newlines inside a tag
    (an attribute value) are not text. An element split across paragraphs is mended by
    the next sanitising pass.
    """
    paragraphs: list[list[str]] = [[""]]  # paragraphs of lines
    position = 0
    for match in [*_SANITISED_TAG.finditer(sanitised), None]:
        start = len(sanitised) if match is None else match.start()
        for i, block in enumerate(_BLANK_LINE.split(sanitised[position:start])):
            if i:
                paragraphs.append([""])
            for j, line in enumerate(block.split("\n")):
                if j:
                    paragraphs[-1].append("")
                paragraphs[-1][-1] += line
        if match is not None:
            paragraphs[-1][-1] += match.group()
            position = match.end()
    html_paragraphs = []
    for lines in paragraphs:
        kept = [line.strip() for line in lines if line.strip()]
        if kept:
            html_paragraphs.append("<p>" + "<br>".join(kept) + "</p>")
    return "".join(html_paragraphs)


def _resolve(value: str, base_url: str, schemes: frozenset[str]) -> str | None:
    """An absolute, percent-encoded URL with an allowed scheme, or None to drop it."""
    cleaned, _ = clean_text(value)
    try:
        url = encode_uri(urljoin(base_url, cleaned.strip()))
        scheme = urlsplit(url).scheme
    except ValueError:  # e.g. "http://[::1" or an impossible port
        return None
    if scheme in ("http", "https") and scheme in schemes:
        return url if is_absolute_http(url) else None
    return url if scheme == "mailto" and scheme in schemes and len(url) > len("mailto:") else None


_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_WEB_SCHEMES = frozenset({"http", "https"})
_VALUE_CHECKS: dict[str, Callable[[str], bool]] = {
    "dir": lambda v: v.lower() in ("rtl", "ltr", "auto"),
    "lang": lambda v: _LANG.fullmatch(v) is not None,
    "hreflang": lambda v: _LANG.fullmatch(v) is not None,
    "width": lambda v: v.isascii() and v.isdigit() and len(v) <= 5,
    "height": lambda v: v.isascii() and v.isdigit() and len(v) <= 5,
    "colspan": lambda v: v.isascii() and v.isdigit() and len(v) <= 3,
    "rowspan": lambda v: v.isascii() and v.isdigit() and len(v) <= 3,
    "scope": lambda v: v.lower() in ("row", "col", "rowgroup", "colgroup"),
}


def _attribute_filter(base_url: str) -> Callable[[str, str, str], str | None]:
    def check(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "href":
            return _resolve(value, base_url, _LINK_SCHEMES)
        if attribute in ("src", "cite"):
            return _resolve(value, base_url, _WEB_SCHEMES)
        if attribute in ("dir", "scope"):
            value = value.strip().lower()
        is_valid = _VALUE_CHECKS.get(attribute)
        return value if is_valid is None or is_valid(value) else None

    return check


def _sanitize(fragment: str, base_url: str) -> str:
    cleaned = nh3.clean(
        _H1.sub(r"\1h2", fragment),
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter(base_url),
        strip_comments=True,
        link_rel=None,
        url_schemes=set(_LINK_SCHEMES),
    )
    # Character references can smuggle in what AR-TXT-2 forbids (&#1;, &#x202e;).
    text, _ = clean_text(_protect(cleaned))
    return _IMG_WITHOUT_SRC.sub("", text)


def sanitize_html(fragment: str, base_url: str) -> str:
    """The body reduced to the allow-list, with absolute links and images, NFC, no controls.

    `h1` becomes `h2` (the item title is the page's heading); links carry no `rel`, so
    the output depends on the input alone. Relative `href`/`src` resolve against
    `base_url`; what cannot become http(s) (or mailto for links) is dropped.

    A body with no block element left once sanitised (`p`, `div`, headings, lists,
    tables, `blockquote`, `figure`, `pre`, `hr`) is plain text with inline markup: it is
    cut into `<p>` paragraphs at blank lines, single newlines becoming `<br>`, as
    `text_to_html` cuts plain text, and sanitised again. So one `<b>` no longer merges
    the editor's paragraphs, and the output is a fixed point: sanitising it changes nothing.

    >>> sanitize_html('<h1 onclick="x()">عنوان</h1><a href="../r">رابط</a>',
    ...               "https://news.example.com/ar/politics/1")
    '<h2>عنوان</h2><a href="https://news.example.com/ar/r">رابط</a>'
    >>> sanitize_html("عن <b>الوزير</b>\\nسطر\\n\\nفقرة", "")
    '<p>عن <b>الوزير</b><br>سطر</p><p>فقرة</p>'
    """
    html = _sanitize(fragment, base_url)
    if _has_block(html):
        return html
    # An empty paragraph held only markup that a paragraph cannot keep (a stray end tag).
    return _sanitize(_paragraphs(html), base_url).replace("<p></p>", "")


class _TextReader(HTMLParser):
    """Collects the visible text of a fragment, one line per block element."""

    BLOCKS = frozenset(
        {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "blockquote"}
        | {"pre", "figure", "figcaption", "table", "tr", "caption", "ul", "ol", "dl", "hr"}
        | {"br", "section", "article", "header", "footer"}
    )
    CELLS = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images = 0
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_WITH_CONTENT:
            self._skipping += 1
        elif tag == "img" and any(name == "src" and value for name, value in attrs):
            self.images += 1
        self._separate(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_WITH_CONTENT and self._skipping:
            self._skipping -= 1
        self._separate(tag)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)

    def _separate(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag in self.CELLS:
            self.parts.append(" ")


def _read(fragment: str) -> _TextReader:
    reader = _TextReader()
    reader.feed(fragment)
    reader.close()
    return reader


def html_to_text(fragment: str) -> str:
    """Readable plain text of HTML: entities decoded, one line per block, spaces collapsed.

    >>> html_to_text("<h2>تعاون</h2><p>وزير &amp; <b>الدفاع</b></p>")
    'تعاون\\nوزير & الدفاع'
    """
    lines = "".join(_read(fragment).parts).split("\n")
    collapsed = (_WHITESPACE.sub(" ", line).strip() for line in lines)
    return "\n".join(line for line in collapsed if line)


def is_empty_html(fragment: str) -> bool:
    """True when a sanitised body shows nothing: no visible character and no image.

    >>> is_empty_html("<p> &nbsp;</p><br>"), is_empty_html('<img src="https://x.example/a.jpg">')
    (True, False)
    """
    reader = _read(fragment)
    if reader.images:
        return False
    text = "".join(reader.parts)
    return not any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)
