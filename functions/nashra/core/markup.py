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
from contextvars import ContextVar
from functools import cache, lru_cache
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import nh3
import regex

from nashra.core.excerpt import ONE_PER_CHARACTER
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
# Blocks the allow-list leaves out but whose content stays (see `_RENAMED`).
_OTHER_BLOCK_NAMES = (
    "center|section|article|header|footer|main|aside|nav|address|details|summary|hgroup"
    "|dialog|fieldset|legend|menu|dir|search"
)
# One pass over the tags before sanitising (`_renamed`): `h1` becomes `h2` (group 2); a
# block of `_OTHER_BLOCK_NAMES` becomes a blank line, so the text on its two sides stays
# apart («نص<center>وسط</center>» is not «نصوسط»), and where no other block is left,
# those lines make its paragraphs (`sanitize_html`).
_RENAMED = re.compile(
    rf"(</?)(?:(h1)(?=[\s/>])|(?:{_OTHER_BLOCK_NAMES})"
    r"""(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?/?>)""",
    re.IGNORECASE,
)


def _renamed(tag: re.Match[str]) -> str:
    return tag[1] + "h2" if tag[2] else "\n\n"


_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=")[^>]*>')
# A paragraph of nothing but spaces and line breaks (`<p>&nbsp;</p>`: how a word processor
# spaces paragraphs out), as sanitised; readers would show each as a blank gap. The three
# alternatives start with different characters (`\s` holds U+00A0), so a long run that
# ends in text is given up in linear time.
_EMPTY_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(?:\s|&nbsp;|<br>)*</p>")
_KNOWN_TAGS = "|".join(
    sorted(
        _ALLOWED_TAGS
        | _DROPPED_WITH_CONTENT
        | {"h1", "html", "body"}
        | set(_OTHER_BLOCK_NAMES.split("|"))
        # Inline elements the sanitiser unwraps, which old CMSs and word processors write:
        # a body of these alone is HTML too, not text whose tags readers would see.
        | {"font", "big", "tt", "strike", "del", "ins", "kbd", "samp", "var", "dfn", "label"}
        | {"nobr", "wbr", "acronym", "o:p"}
    )
)
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


MAX_HTML_DEPTH = 64  # B-3: real bodies nest about 10 deep (a table with inline markup)
MAX_LINKS = 2_000  # B-13: links and images in one body; a link roundup has a few hundred
# HTML's formatting elements: left open, each is re-opened after every block a parser
# closes (the adoption agency), so thousands of them left open cost quadratic time.
_FORMATTING_TAG = re.compile(
    r"<(/?)(a|b|big|code|em|font|i|nobr|s|small|strike|strong|tt|u)(?=[\s/>])", re.IGNORECASE
)
_LINK_ATTRIBUTE = re.compile(r"\b(?:href|src|cite)\s*=", re.IGNORECASE)

# What an HTML parser does with a fragment's tags, enough to know how deep its tree gets
# (B-3) without building it. Comments and the content of raw-text elements are no tags; an
# unterminated comment runs to the end, as in HTML, so every match succeeds and the scan
# is linear.
_TOKEN = re.compile(r"<!--(?:[^-]|-(?!->))*(?:-->)?|<[!?][^>]*>?|<(/?)([A-Za-z][^\s/>]*)([^>]*)>")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta"}
    | {"param", "source", "track", "wbr", "image", "basefont", "bgsound", "frame"}
)
_RAW_TEXT = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"} | {"noscript"}
)
_BUTTON_SCOPE = frozenset(
    {"table", "td", "th", "caption", "button", "object", "marquee", "applet", "template"}
)
_P_CLOSERS = frozenset(
    {"address", "article", "aside", "blockquote", "center", "details", "dialog", "dir"}
    | {"div", "dl", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3"}
    | {"h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre"}
    | {"section", "summary", "table", "ul", "li", "dd", "dt", "listing", "search"}
)
# An element that closes an open one of its group (HTML's implied end tags: `<li>` ends
# the open `<li>`), unless an element of the boundary is nearer: (group, boundary) by name.
_IMPLIED_END: dict[str, tuple[str, str]] = {
    "li": ("li", "ul ol menu table"),
    "dt": ("dt dd", "dl table"),
    "dd": ("dt dd", "dl table"),
    "td": ("td th", "tr table"),
    "th": ("td th", "tr table"),
    "tr": ("tr", "thead tbody tfoot table"),
    "thead": ("thead tbody tfoot", "table"),
    "tbody": ("thead tbody tfoot", "table"),
    "tfoot": ("thead tbody tfoot", "table"),
    "a": ("a", "table td th caption"),
    "option": ("option", "select"),
    "p": ("p", " ".join(sorted(_BUTTON_SCOPE))),  # every element of _P_CLOSERS ends a `p`
}
_SETS = frozenset(part for pair in _IMPLIED_END.values() for part in pair) | {"svg math"}


def _keys(name: str) -> tuple[str, ...]:
    """The keys an open element is found by: its name and every set it belongs to."""
    return tuple(dict.fromkeys((name, *(key for key in _SETS if name in key.split()))))


_KEYS = {name: _keys(name) for key in _SETS for name in key.split()}


class _OpenElements:
    """The stack of open elements while scanning, with the positions of each name and of
    each set of names in it: finding the innermost open `li`, or table, is one look-up."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.where: dict[str, list[int]] = {}

    def innermost(self, key: str) -> int:
        positions = self.where.get(key)
        return positions[-1] if positions else -1

    def close_to(self, index: int) -> None:
        while len(self.names) > index:
            name = self.names.pop()
            for key in _KEYS.get(name, (name,)):
                self.where[key].pop()

    def close_implied(self, group: str, boundary: str) -> None:
        index = self.innermost(group)
        if index >= 0 and index > self.innermost(boundary):
            self.close_to(index)

    def open(self, name: str) -> None:
        for key in _KEYS.get(name, (name,)):
            self.where.setdefault(key, []).append(len(self.names))
        self.names.append(name)


def _tag(stack: _OpenElements, end: bool, name: str, self_closing: bool) -> None:
    if end:
        index = stack.innermost(name)
        if index >= 0:
            stack.close_to(index)
        return
    if name in _P_CLOSERS:
        stack.close_implied(*_IMPLIED_END["p"])
    if name in _IMPLIED_END:
        stack.close_implied(*_IMPLIED_END[name])
    if name not in _VOID and not (self_closing and stack.innermost("svg math") >= 0):
        stack.open(name)


def html_depth(fragment: str, limit: int = MAX_HTML_DEPTH) -> int:
    """How deeply the elements of an HTML fragment nest, as a parser would build them
    (void elements, implied end tags, raw text), in one linear pass (B-3).

    The scan stops as soon as the depth passes `limit` and returns that depth: a body
    of 80,000 nested `<div>` costs no more than one of 65.

    >>> html_depth("<div><p>a<p>b<ul><li>x<li><b>y</b></ul></div>"), html_depth("نص")
    (4, 0)
    """
    lowered = fragment.lower()
    stack = _OpenElements()
    deepest, skip_to = 0, 0
    for match in _TOKEN.finditer(lowered):
        end, name, attributes = match.groups()
        if name is None or match.start() < skip_to:
            continue  # a comment or doctype, or text inside a raw-text element
        _tag(stack, end == "/", name, attributes.endswith("/"))
        deepest = max(deepest, len(stack.names))
        if deepest > limit:
            break
        if name in _RAW_TEXT and not end:
            closing = lowered.find(f"</{name}", match.end())
            skip_to = len(lowered) if closing < 0 else closing
    return deepest


def unclosed_inline(fragment: str) -> int:
    """How many formatting elements (`<b>`, `<a>`, `<i>` …) the fragment opens and never
    closes, in one linear scan. Real bodies close what they open; thousands left open made
    the sanitiser quadratic (a 1 MiB body of `<a><b>…` did not finish in 30 s). B-3 bounds
    them with nesting.

    >>> unclosed_inline("<p><b>نص</b> <a href='/x'><i>رابط</a></p>"), unclosed_inline("</b>")
    (1, 0)
    """
    balance: dict[str, int] = {}
    for match in _FORMATTING_TAG.finditer(fragment):
        name = match.group(2).lower()
        balance[name] = balance.get(name, 0) + (-1 if match.group(1) else 1)
    return sum(count for count in balance.values() if count > 0)


def count_links(fragment: str, limit: int = MAX_LINKS) -> int:
    """How many URL attributes the fragment holds, counting stops just past `limit`; one
    linear scan before sanitising. Each URL costs a resolve and an encode (tens of µs), so
    their number, not the body's size, bounds the time a body of links takes (B-13).

    >>> count_links('<a href="/a">a</a> <img src="/b.jpg"> <p>href=</p>')
    3
    """
    found = 0
    for found, _ in enumerate(_LINK_ATTRIBUTE.finditer(fragment), start=1):
        if found > limit:
            break
    return found


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
    cleaned = _newlines(cleaned.replace("\r\n", "\n").replace("\r", "\n")).strip()
    paragraphs = []
    for block in _BLANK_LINE.split(cleaned):
        lines = (_WHITESPACE.sub(" ", line).strip() for line in block.split("\n"))
        escaped = [html.escape(line, quote=False) for line in lines if line]
        if escaped:
            paragraphs.append("<p>" + "<br>".join(escaped) + "</p>")
    return _protect("".join(paragraphs))


def _newlines(text: str) -> str:
    """Unicode's paragraph and line separators (U+2029, U+2028: text pasted from page
    layout and word processors) as the blank line and the newline they mean."""
    if "\u2028" not in text and "\u2029" not in text:
        return text
    return text.replace("\u2029", "\n\n").replace("\u2028", "\n")


def _has_block(sanitised: str) -> bool:
    names = (m.group(1).lstrip("/") for m in _SANITISED_TAG.finditer(sanitised))
    return any(name in _BLOCK_TAGS for name in names)


def _hide_newlines(tag: re.Match[str]) -> str:
    return tag.group().replace("\n", "\x00")  # NUL: never in sanitised text (AR-TXT-2)


def _paragraphs(sanitised: str) -> str:
    """Sanitised inline HTML cut into paragraphs the way `text_to_html` cuts plain text.

    A blank line in the text starts a `<p>`, a newline is a `<br>`; newlines inside a tag
    (an attribute value) are not text, so they are hidden while the text is cut. An
    element split across paragraphs is mended by the next sanitising pass.
    """
    hidden = _SANITISED_TAG.sub(_hide_newlines, _newlines(sanitised))
    html_paragraphs = []
    for block in _BLANK_LINE.split(hidden):
        kept = [text for text in (line.strip() for line in block.split("\n")) if text]
        paragraph = "<p>" + "<br>".join(kept) + "</p>"
        # Lines of nothing but `<br>`: an empty paragraph, which sanitising would turn into
        # a newline, a blank line left in the text beside the paragraphs.
        if kept and not _EMPTY_PARAGRAPH.fullmatch(paragraph):
            html_paragraphs.append(paragraph)
    return "".join(html_paragraphs).replace("\x00", "\n")


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


AttributeFilter = Callable[[str, str, str], str | None]


def _attribute_filter(base_url: str) -> AttributeFilter:
    """nh3's attribute check for one body. A URL is resolved once per body: a body of
    many links to the same page, and the second sanitising pass, cost a look-up each."""
    resolved: dict[tuple[str, str], str | None] = {}

    def resolve(value: str, kind: str) -> str | None:
        key = (kind, value)
        if key not in resolved:
            url = _resolve(value, base_url, _LINK_SCHEMES if kind == "href" else _WEB_SCHEMES)
            resolved[key] = url
            if url is not None:
                resolved[(kind, url)] = url  # idempotent: the second pass finds it
        return resolved[key]

    def check(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src", "cite"):
            return resolve(value, "href" if attribute == "href" else "src")
        if attribute in ("dir", "scope"):
            value = value.strip().lower()
        is_valid = _VALUE_CHECKS.get(attribute)
        return value if is_valid is None or is_valid(value) else None

    return check


# The attribute check of the body being sanitised. nh3 builds its sanitiser from the
# options on every `nh3.clean` call, which cost more than cleaning a typical body; one
# `nh3.Cleaner` is built once instead, and asks the check of the current body (a context
# variable: each thread, and each task, sanitises with its own).
_CHECK: ContextVar[AttributeFilter] = ContextVar("nashra_attribute_check")


def _check_attribute(tag: str, attribute: str, value: str) -> str | None:
    return _CHECK.get()(tag, attribute, value)


@cache
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(_ALLOWED_TAGS),
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        attributes=_ATTRIBUTES,
        attribute_filter=_check_attribute,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(_LINK_SCHEMES),
    )


def _sanitize(fragment: str, check: AttributeFilter, untouched: bool = False) -> str:
    token = _CHECK.set(check)
    try:
        cleaned = _cleaner().clean(_RENAMED.sub(_renamed, fragment))
    finally:
        _CHECK.reset(token)
    # An image left without a source goes before the text is cleaned: the text on its two
    # sides joins, and marks that meet there must be put in NFC order (AR-TXT-1). An empty
    # paragraph becomes a newline, which keeps the words on its two sides apart.
    cleaned = _EMPTY_PARAGRAPH.sub("\n", _IMG_WITHOUT_SRC.sub("", cleaned))
    if cleaned.isspace():  # nothing but empty paragraphs
        return ""
    # Character references can smuggle in what AR-TXT-2 forbids (&#1;, &#x202e;). Without
    # one, the output holds the fragment's characters and the serialiser's ASCII: when
    # those are all `UNTOUCHED` (no combining mark among them), `clean_text` (and
    # `_protect`) would return it as it is.
    if not (untouched and "&" not in fragment):
        cleaned, _ = clean_text(_protect(cleaned))
    return cleaned


def sanitize_html(fragment: str, base_url: str, *, untouched: bool = False) -> str:
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

    `untouched`: the caller knows that the fragment holds only `UNTOUCHED` characters
    (`nashra.core.text.is_untouched`), so a fragment without "&" needs no cleaning after
    sanitising; the answer is the same.
    """
    check = _attribute_filter(base_url)
    html = _sanitize(fragment, check, untouched)
    if _has_block(html):
        return html
    # The output of an untouched fragment without "&" is untouched too (`_sanitize`).
    again = untouched and "&" not in fragment
    # An empty paragraph held only markup that a paragraph cannot keep (a stray end tag).
    return _sanitize(_paragraphs(html), check, again).replace("<p></p>", "")


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


_CHUNK = 16_384


def _read(fragment: str, stop: Callable[[str], bool] | None = None) -> _TextReader:
    """The fragment read by `_TextReader`, in chunks; with `stop`, only until the text
    read so far satisfies it (a summary needs the first page of a body, not all of it)."""
    reader = _TextReader()
    for start in range(0, len(fragment), _CHUNK):
        reader.feed(fragment[start : start + _CHUNK])
        if stop is not None and stop("".join(reader.parts)):
            return reader
    reader.close()
    return reader


# Sanitised output (nh3's serialiser, or `text_to_html`) in a form simple enough to read
# without an HTML parser: lower-case tags with double-quoted attributes, and no "<" in
# text. A fragment with anything else is read by `_TextReader`, which gives the same text.
_PLAIN_TAG = re.compile(r'<(/?)([a-z][a-z0-9]*)((?:\s+[a-z][a-z-]*="[^"]*")*\s*(/?))>')
_PLAIN_ATTRIBUTE = re.compile(r'([a-z][a-z-]*)="([^"]*)"')
_RAW_CONTENT = _DROPPED_WITH_CONTENT | {"script", "style"}


class _PlainText:
    """What `_TextReader` collects, read from sanitised HTML by one regular expression."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.images = 0

    def tag(self, name: str, attributes: str, self_closing: bool) -> None:
        if name == "img" and any(
            key == "src" and value for key, value in _PLAIN_ATTRIBUTE.findall(attributes)
        ):
            self.images += 1
        separator = "\n" if name in _TextReader.BLOCKS else " " if name in _TextReader.CELLS else ""
        if separator:  # `<br/>` is a start and an end tag to HTMLParser: two separators
            self.parts.append(separator * (2 if self_closing else 1))

    def text(self, raw: str) -> bool:
        """Adds text between tags; False when it holds a "<" (not sanitised output)."""
        if "<" in raw:
            return False
        if raw:
            self.parts.append(html.unescape(raw) if "&" in raw else raw)
        return True


def _scan(fragment: str, stop: Callable[[str], bool] | None = None) -> _PlainText | None:
    """The fragment read as `_read` reads it, without an HTML parser, or None when it is
    not in the simple form of sanitised output (then `_read` must read it). Read whole in
    one split, or with `stop` tag by tag, asking it after every chunk."""
    if stop is None:
        return _split(fragment)
    reader, position, checked = _PlainText(), 0, _CHUNK
    for match in _PLAIN_TAG.finditer(fragment):
        end, name, attributes, self_closing = match.groups()
        if not reader.text(fragment[position : match.start()]):
            return None
        if name in _RAW_CONTENT or (end and attributes):
            return None
        reader.tag(name, attributes, bool(self_closing))
        position = match.end()
        if stop is not None and position >= checked:
            checked = position + _CHUNK
            if stop("".join(reader.parts)):
                return reader
    return reader if reader.text(fragment[position:]) else None


def _read_fast(
    fragment: str, stop: Callable[[str], bool] | None = None
) -> _PlainText | _TextReader:
    """`_read`'s result, by `_scan` when the fragment allows it.

    `_scan` asks `stop` nothing before it has read a chunk, so a shorter fragment is read
    whole whatever `stop` is, once: intake asks for its text, then whether it is empty.
    """
    if len(fragment) < _CHUNK:
        return _scan_whole(fragment) or _read(fragment, stop)
    return _scan(fragment, stop) or _read(fragment, stop)


_SEPARATOR = {name: "\n" for name in _TextReader.BLOCKS} | dict.fromkeys(_TextReader.CELLS, " ")


@lru_cache(maxsize=1)
def _scan_whole(fragment: str) -> _PlainText | None:
    return _scan(fragment)


def _split(fragment: str) -> _PlainText | None:
    """`_scan` of a whole fragment in one split rather than tag by tag."""
    pieces = _PLAIN_TAG.split(fragment)  # text, then per tag: end, name, attributes, "/", text
    texts, names, attributes = pieces[::5], pieces[2::5], pieces[3::5]
    if any("<" in text for text in texts) or not _RAW_CONTENT.isdisjoint(names):
        return None
    if (
        any(attributes)
        and any(  # most tags have no attribute
            end and given for end, given in zip(pieces[1::5], attributes, strict=True)
        )
    ):
        return None
    reader = _PlainText()
    if "img" in names:
        for name, given in zip(names, attributes, strict=True):
            if name == "img":
                reader.tag(name, given, False)  # counts it; an image separates nothing
    closings = pieces[4::5]
    if any(closings):
        separators = [
            _SEPARATOR.get(name, "") * (2 if closing else 1)  # `<br/>`: a start and an end tag
            for name, closing in zip(names, closings, strict=True)
        ]
    else:
        separators = [_SEPARATOR.get(name, "") for name in names]
    if "&" in fragment:
        texts = [html.unescape(text) if "&" in text else text for text in texts]
    parts = reader.parts = texts + separators  # then put in order: text, separator, text…
    parts[::2], parts[1::2] = texts, separators
    return reader


_ONE_PER_CHARACTER = re.compile(f"[{ONE_PER_CHARACTER}]*")


@cache
def _graphemes_at_least(count: int) -> regex.Pattern[str]:
    return regex.compile(rf"\X{{{count}}}")


def _has_graphemes(text: str, count: int) -> bool:
    return _holds(" ".join(text.split()), count)


def _holds(collapsed: str, count: int) -> bool:
    """Whether a text holds `count` graphemes."""
    if len(collapsed) < count:
        return False
    if _ONE_PER_CHARACTER.fullmatch(collapsed, 0, count):  # most text: no \X needed
        return True
    return _graphemes_at_least(count).match(collapsed) is not None


def _head(text: str, count: int) -> str:
    """A prefix of `text` that holds `count` graphemes once its whitespace is collapsed,
    when a short one does (most bodies), else `text`: an excerpt of fewer graphemes is the
    same from either (`html_to_text`), and the rest of a body need not be collapsed."""
    size = 4 * count + 16
    if len(text) <= size:
        return text
    head = text[:size]
    return head if _has_graphemes(head, count) else text


def plain_text(fragment: str, at_least: int | None = None) -> str:
    """`html_to_text` on one line: its lines joined by spaces, the way an excerpt reads it
    (`excerpt_of_collapsed(plain_text(body, n + 2), n)` is `make_excerpt(html_to_text(body),
    n)`), collapsed once rather than line by line and again.

    >>> plain_text("<h2>تعاون</h2><p>وزير &amp; <b>الدفاع</b></p>")
    'تعاون وزير & الدفاع'
    """
    stop = None if at_least is None else (lambda text: _has_graphemes(text, at_least))
    text = "".join(_read_fast(fragment, stop).parts)
    if at_least is not None:
        # The head of a text that holds `at_least` graphemes once collapsed: a short one
        # does for most text (about one grapheme per character), a longer one for text
        # with tashkeel; the whole text is collapsed only when neither does.
        for size in (at_least + at_least // 4 + 16, 4 * at_least + 16):
            if len(text) <= size:
                break
            head = " ".join(text[:size].split())
            if _holds(head, at_least):
                return head
    return " ".join(text.split())


def html_to_text(fragment: str, at_least: int | None = None) -> str:
    """Readable plain text of HTML: entities decoded, one line per block, spaces collapsed.

    With `at_least`, the text may stop once it holds that many graphemes: enough for an
    excerpt of fewer (`make_excerpt(html_to_text(body, n + 2), n)` reads a 1 MiB body's
    first page only, and gives the excerpt of the whole text).

    >>> html_to_text("<h2>تعاون</h2><p>وزير &amp; <b>الدفاع</b></p>")
    'تعاون\\nوزير & الدفاع'
    """
    stop = None if at_least is None else (lambda text: _has_graphemes(text, at_least))
    text = "".join(_read_fast(fragment, stop).parts)
    lines = (text if at_least is None else _head(text, at_least)).split("\n")
    collapsed = (" ".join(line.split()) for line in lines)  # as `\s+` -> " ", then strip
    return "\n".join(line for line in collapsed if line)


def _visible(text: str) -> bool:
    return any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)


# Start tags of allowed elements, without attributes, then a character that is no markup:
# what nearly every sanitised body starts with (`<p>التقى…`). When that character is
# visible, the text read from the fragment starts with it, so the fragment is not empty.
_OPENING_TEXT = re.compile(rf"(?:<(?:{'|'.join(sorted(_ALLOWED_TAGS))})>)*([^<&])")


def is_empty_html(fragment: str) -> bool:
    """True when a sanitised body shows nothing: no visible character and no image.

    A fragment whose first text (after start tags without attributes) starts with a
    visible character is not empty, and needs no more reading.

    >>> is_empty_html("<p> &nbsp;</p><br>"), is_empty_html('<img src="https://x.example/a.jpg">')
    (True, False)
    """
    opening = _OPENING_TEXT.match(fragment)
    if opening is not None and _visible(opening.group(1)):
        return False
    return _is_empty_read(fragment)


def _is_empty_read(fragment: str) -> bool:
    """`is_empty_html` of any fragment, read (the answer its first text may give early).

    Tags are first dropped wholesale: a body with no visible character between them (a
    megabyte of `<br>`) is empty without parsing it; otherwise parsing stops at the first
    visible character.
    """
    has_image = "<img" in fragment.lower()
    if not has_image and not _visible(html.unescape(_SANITISED_TAG.sub("", fragment))):
        return True
    reader = _read_fast(fragment, None if has_image else _visible)
    return not reader.images and not _visible("".join(reader.parts))
