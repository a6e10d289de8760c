"""HTML bodies: allow-list sanitising, absolute links, plain text both ways (AR-TXT-2, AR-URL-1)."""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from nashra.core import markup
from nashra.core.markup import (
    MAX_HTML_DEPTH,
    html_depth,
    html_to_text,
    is_empty_html,
    looks_like_html,
    sanitize_html,
    text_to_html,
)
from nashra.core.text import clean_text

BASE = "https://news.example.com/ar/politics/12345"
SEED_BODY = (
    "<p>التقى وزيرُ الدفاعِ اليومَ النائبَ الأول لرئيس مجلس الوزراء ووزير الدفاع والداخلية "
    "الكويتي.</p><h2>تعاون عسكري</h2><p>وبحث الجانبان سبل التعاون.</p>"
)


def clean(fragment: str) -> str:
    return sanitize_html(fragment, BASE)


# --- detection and plain text -----------------------------------------------------------


@pytest.mark.parametrize(
    "body", [SEED_BODY, "<div>نص</div>", "نص<br>نص", "<H2>عنوان</H2>", '<img src="a.jpg">']
)
def test_looks_like_html_for_fragments(body: str) -> None:
    assert looks_like_html(body)


@pytest.mark.parametrize("body", ["التقى وزير الدفاع", "a < b و c > d", "«5 > 3»", "<3 <وزير>"])
def test_plain_text_is_not_html(body: str) -> None:
    assert not looks_like_html(body)


def test_text_to_html_paragraphs_and_line_breaks() -> None:
    text = "التقى وزير الدفاع\r\nنظيره الكويتي\n\n  \nوبحث الجانبان <التعاون> & الأمن\n"
    assert text_to_html(text) == (
        "<p>التقى وزير الدفاع<br>نظيره الكويتي</p><p>وبحث الجانبان &lt;التعاون&gt; &amp; الأمن</p>"
    )


def test_text_to_html_cleans_text_ar_txt_2() -> None:
    assert text_to_html("وزير\u202e الدفاع\x0b") == "<p>وزير الدفاع</p>"


def test_text_to_html_is_already_sanitised() -> None:
    html = text_to_html("فقرة أولى\nسطر\n\nفقرة «ثانية» & <أخيرة>")
    assert clean(html) == html


# --- inline markup in a plain-text body: its paragraphs survive --------------------------

BLOCKS = ["p", "div", "h1", "h3", "ul", "ol", "li", "table", "blockquote", "figure", "pre",
          "hr", "dl", "dd"]  # fmt: skip


def test_inline_markup_body_keeps_its_paragraphs() -> None:
    body = "الفقرة الأولى عن <b>الوزير</b>.\n\nالفقرة الثانية."
    assert clean(body) == "<p>الفقرة الأولى عن <b>الوزير</b>.</p><p>الفقرة الثانية.</p>"


def test_inline_markup_body_newlines_become_line_breaks() -> None:
    body = 'سطر <a href="/x">أول</a> \r\n  سطر ثانٍ\n \n\n<i>فقرة</i> ثانية\r\rثالثة\n'
    assert clean(body) == (
        '<p>سطر <a href="https://news.example.com/x">أول</a><br>سطر ثانٍ</p>'
        "<p><i>فقرة</i> ثانية</p><p>ثالثة</p>"
    )


def test_inline_markup_body_is_still_sanitised() -> None:
    body = '<b onclick="x()">أ</b>&#x202e;\n\n<script>\n\n"<p>"\n</script>\n\n<blink>ب</blink>'
    assert clean(body) == "<p><b>أ</b></p><p>ب</p>"


def test_newlines_inside_tags_are_no_line_breaks() -> None:
    body = '<a\nhref="/x"\ntitle="سطر\n\nثانٍ">رابط</a> <!-- \n\n -->نص\n\nفقرة'
    assert clean(body) == (
        '<p><a href="https://news.example.com/x" title="سطر\n\nثانٍ">رابط</a> نص</p><p>فقرة</p>'
    )


def test_inline_markup_in_one_line_is_one_paragraph() -> None:
    assert clean("وزير <b>الدفاع</b>") == "<p>وزير <b>الدفاع</b></p>"
    assert clean("  \n\n ") == ""


@pytest.mark.parametrize("tag", BLOCKS)
def test_block_markup_is_not_split_into_paragraphs(tag: str) -> None:
    body = f"<{tag}>أ</{tag}>\n\nب <b>ج</b>\nد"
    out = clean(body)
    assert "<br>" not in out and "\n\nب <b>ج</b>\nد" in out


@pytest.mark.parametrize("tag", ["section", "article", "header", "form", "h1-x", "font"])
def test_blocks_the_sanitiser_drops_do_not_count(tag: str) -> None:
    # What is left is plain text with inline markup: its blank lines are its paragraphs.
    assert clean(f"<{tag}>أ <b>ب</b>\n\nج</{tag}>") in ("<p>أ <b>ب</b></p><p>ج</p>", "")


def test_block_elements_inside_dropped_content_do_not_count() -> None:
    assert clean('<script>"<p>"</script>أ\n\n<style>div {}</style>ب') == "<p>أ</p><p>ب</p>"
    assert clean('<a title="<p>\n\n">أ</a>\n\nب') == (
        '<p><a title="&lt;p&gt;\n\n">أ</a></p><p>ب</p>'
    )


def test_inline_paragraphs_are_deterministic_and_stable() -> None:
    body = "أ <i>ب</i>\nج\n\nد <a href='../y'>هـ</a>"
    assert clean(body) == clean(body)
    assert clean(clean(body)) == clean(body)


# --- sanitising -------------------------------------------------------------------------


def test_seed_body_survives_unchanged() -> None:
    assert clean(SEED_BODY) == SEED_BODY


def test_h1_demoted_to_h2() -> None:
    assert clean("<h1>عنوان</h1><H1 dir=rtl>آخر</H1>") == '<h2>عنوان</h2><h2 dir="rtl">آخر</h2>'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<script>alert(1)</script><p>نص</p>", "<p>نص</p>"),
        ("<style>p{}</style><iframe src=x>داخل</iframe>نص", "<p>نص</p>"),
        ("<object>o</object><embed src=x><form>f<input></form>نص", "<p>نص</p>"),
        ('<p onclick="x()" onmouseover=y style="direction:rtl" class=c id=i>نص</p>', "<p>نص</p>"),
        ("<p><!-- تعليق -->نص</p>", "<p>نص</p>"),
        ("<blink>نص</blink>", "<p>نص</p>"),
    ],
)
def test_drops_dangerous_elements_and_attributes(body: str, expected: str) -> None:
    assert clean(body) == expected


def test_keeps_direction_and_language_ar_dir_1() -> None:
    body = '<p dir="RTL" lang="ar">نص <bdi>NATO</bdi> <span dir="ltr" lang="en-US">x</span></p>'
    assert clean(body) == (
        '<p dir="rtl" lang="ar">نص <bdi>NATO</bdi> <span dir="ltr" lang="en-US">x</span></p>'
    )


def test_drops_invalid_attribute_values() -> None:
    body = '<p dir="sideways" lang="<x>">نص</p><td rowspan="x" colspan="2" scope="row">خ</td>'
    assert clean(f"{body}").startswith("<p>نص</p>")
    assert 'colspan="2"' in clean(f"<table><tr>{body[body.index('<td') :]}</tr></table>")


def test_keeps_allowed_structure() -> None:
    body = (
        '<figure><img src="https://cdn.example.com/a.jpg" alt="صورة" width="640">'
        "<figcaption>تعليق</figcaption></figure><blockquote>قول</blockquote>"
        '<ul><li>أ</li></ul><pre><code>x</code></pre><time datetime="2024-01-15">أمس</time>'
    )
    assert clean(body) == body


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("../economy/2", "https://news.example.com/ar/economy/2"),
        ("/ar/سياسة", "https://news.example.com/ar/%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9"),
        ("#قسم", BASE + "#%D9%82%D8%B3%D9%85"),
        ("https://example.com/%D9%88", "https://example.com/%D9%88"),
        ("mailto:desk@news.example.com", "mailto:desk@news.example.com"),
        ("//cdn.example.com/x", "https://cdn.example.com/x"),
    ],
)
def test_links_resolved_and_encoded_once_ar_url_1(href: str, expected: str) -> None:
    assert clean(f'<p><a href="{href}">رابط</a></p>') == f'<p><a href="{expected}">رابط</a></p>'


@pytest.mark.parametrize(
    "href",
    ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "vbscript:x",
     "data:text/html,<script>", "ftp://example.com/x", "mailto:", "http://[::1"],
)  # fmt: skip
def test_dangerous_or_unresolvable_links_dropped(href: str) -> None:
    assert clean(f'<p><a href="{href}">رابط</a></p>') == "<p><a>رابط</a></p>"


def test_image_sources_resolved_or_image_dropped_ar_url_1() -> None:
    body = '<img src="صورة.jpg" alt="صورة"><img src="data:image/png;base64,AA"><img alt="x">'
    assert clean(f"<div>{body}</div>") == (
        '<div><img src="https://news.example.com/ar/politics/%D8%B5%D9%88%D8%B1%D8%A9.jpg"'
        ' alt="صورة"></div>'
    )


def test_mailto_not_allowed_for_images() -> None:
    assert clean('<img src="mailto:a@b.c">') == ""


def test_relative_links_dropped_without_absolute_base() -> None:
    assert sanitize_html('<a href="/x">ر</a><img src="y.jpg">', "") == "<p><a>ر</a></p>"


def test_character_references_cannot_smuggle_controls_ar_txt_2() -> None:
    assert clean("<p>&#1;وزير&#x202e; &#xFEFF;الدفاع&#11;</p>") == "<p>وزير الدفاع</p>"


def test_output_is_nfc_and_folds_presentation_forms_ar_txt_1() -> None:
    nfd = unicodedata.normalize("NFD", "<p>أبريل ﻭﺯﻳﺮ</p>")
    assert clean(nfd) == "<p>أبريل وزير</p>"


def test_combining_solidus_never_breaks_a_tag() -> None:
    assert clean("<p>x</p>&#x338;<b>y</b>") == "<p>x</p>&#x338;<b>y</b>"


def test_links_carry_no_rel_for_deterministic_output() -> None:
    assert clean('<a href="https://x.example/" rel="nofollow" target="_blank">ر</a>') == (
        '<p><a href="https://x.example/">ر</a></p>'
    )


# --- reading back ---------------------------------------------------------------------


def test_html_to_text_separates_blocks_and_decodes_entities() -> None:
    assert html_to_text(SEED_BODY + "<ul><li>أ &amp; ب</li><li>ج&nbsp;د</li></ul>") == (
        "التقى وزيرُ الدفاعِ اليومَ النائبَ الأول لرئيس مجلس الوزراء ووزير الدفاع والداخلية "
        "الكويتي.\nتعاون عسكري\nوبحث الجانبان سبل التعاون.\nأ & ب\nج د"
    )


def test_html_to_text_skips_scripts_and_joins_cells() -> None:
    assert html_to_text("<script>x()</script><table><tr><td>1</td><td>2</td></tr></table>") == (
        "1 2"
    )


@pytest.mark.parametrize(
    "body", ["", "<p></p>", "<p> &nbsp;</p><br><hr>", "<p>\u200c</p>", "<a></a>"]
)
def test_empty_bodies(body: str) -> None:
    assert is_empty_html(body)


@pytest.mark.parametrize("body", ["<p>و</p>", '<img src="https://x.example/a.jpg">', "0"])
def test_non_empty_bodies(body: str) -> None:
    assert not is_empty_html(body)


def test_body_of_only_scripts_sanitises_to_empty() -> None:
    assert is_empty_html(clean("<script>x</script><iframe>y</iframe>"))


# --- properties -------------------------------------------------------------------------

TAGS = ["p", "h1", "h2", "a", "img", "script", "style", "iframe", "div", "svg", "math", "td",
        "b", "textarea", "noscript", "title", "select", "option", "template", "xmp",
        "table"]  # fmt: skip
ATTRS = ["href", "src", "onclick", "onerror", "style", "dir", "lang", "class", "xlink:href",
         "srcdoc", "formaction", "cite", "colspan"]  # fmt: skip
VALUES = ["javascript:alert(1)", "JAVA&#x09;SCRIPT:alert(1)", "data:text/html,x", "/rel",
          "x.jpg", "https://e.example/ش", "vbscript:x", "rtl", "&quot; onmouseover=x", "&#0;",
          "\x01"]  # fmt: skip
TOKENS = ["&amp;", "&#1;", "&#x202e;", "&#x338;", "&lt;script&gt;", "<!--", "-->", "<![CDATA[",
          "]]>", "\x00", "\ufeff", "ﻻ", "وزير", "َّ", " ", "\n", "<", ">", '"', "'", "=",
          "\u0338"]  # fmt: skip
PIECES = st.one_of(
    st.sampled_from(TAGS).map(lambda t: f"<{t}>"),
    st.sampled_from(TAGS).map(lambda t: f"</{t}>"),
    st.tuples(st.sampled_from(TAGS), st.sampled_from(ATTRS), st.sampled_from(VALUES)).map(
        lambda t: f'<{t[0]} {t[1]}="{t[2]}">'
    ),
    st.sampled_from(TOKENS),
    st.text(max_size=5),
)
FRAGMENTS = st.lists(PIECES, max_size=30).map("".join)
ALLOWED = {"h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "b", "em", "i", "u", "s",
           "sub", "sup", "small", "mark", "q", "cite", "abbr", "bdi", "bdo", "span", "div", "ul",
           "ol", "li", "dl", "dt", "dd", "a", "img", "figure", "figcaption", "blockquote", "pre",
           "code", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
           "time"}  # fmt: skip
URL_ATTRS = {"href", "src", "cite"}


@given(FRAGMENTS)
def test_sanitize_never_raises_and_is_safe_xml_text(fragment: str) -> None:
    out = sanitize_html(fragment, BASE)
    assert "<script" not in out.lower() and "<iframe" not in out.lower()
    # In the output a raw "<" only opens a tag (text and attribute values escape it), so
    # each "<...>" span is one tag: "javascript:" or " on…=" may be text, never in a tag.
    tags = "".join(re.findall(r"<[^>]*>", out)).lower()
    assert "javascript:" not in tags and "vbscript:" not in tags
    assert not re.search(r"\son[a-z]+\s*=", tags)
    assert unicodedata.is_normalized("NFC", out)
    # Embedded as escaped text in a feed, it must parse and come back byte for byte.
    root = etree.fromstring(f"<content>{escape(out)}</content>".encode())
    assert (root.text or "") == out


@given(FRAGMENTS)
def test_sanitized_elements_and_urls_are_on_the_allow_list(fragment: str) -> None:
    out = sanitize_html(fragment, BASE)
    # "javascript:" may appear as visible, escaped text; never in a URL attribute.
    for element in lxml_html.fragment_fromstring(out, create_parent="root").iterdescendants():
        assert element.tag in ALLOWED
        for name, value in element.attrib.items():
            assert not name.startswith("on") and name not in {"style", "class", "id"}
            if name in URL_ATTRS:
                assert value.startswith(("https://", "http://", "mailto:")) and value.isascii()


@given(st.text())
def test_text_to_html_keeps_every_word(text: str) -> None:
    html = text_to_html(text)
    assert sanitize_html(html, BASE) == html
    assert html_to_text(html).split() == clean_text(text)[0].split()


INLINE = st.lists(
    st.one_of(
        st.sampled_from(["<b>", "</b>", '<a href="../x">', "</a>", "<img src=y.jpg>", "<br>"]),
        st.sampled_from(["<script>", "</script>", "<i title='\n\n>'>", "</i>", "\r\n", "\n\n"]),
        st.sampled_from(TOKENS),
        st.text(st.characters(exclude_characters="<", exclude_categories=["Cs"]), max_size=5),
    ),
    max_size=30,
).map("".join)


@given(INLINE)
@example("<br>\n\n<br>\n\n<b>")  # lines of only <br> once left a blank line before the <p>
def test_inline_markup_paragraphs_are_a_fixed_point(fragment: str) -> None:
    once = sanitize_html(fragment, BASE)
    assert sanitize_html(once, BASE) == once
    # Every blank line of the text became a paragraph break (attribute values aside).
    assert "\n\n" not in re.sub(r'"[^"]*"', "", once)
    # The same words as when a block element keeps the body from being cut.
    structured = sanitize_html(fragment + "<hr>", BASE)
    assert html_to_text(once).split() == html_to_text(structured).split()


# B-3 / issue 8 #7: HTML depth, as a parser would build the tree, in one linear pass.
@pytest.mark.parametrize(
    ("body", "depth"),
    [
        ("نص", 0),
        ("<p>a</p><p>b</p>", 1),
        ("<div><p>a<p>b<ul><li>x<li><b>y</b></ul></div>", 4),
        ("<p>a<p>b<p>c<p>d", 1),  # an open <p> ends at the next
        ("<ul><li>a<li>b<li>c</ul>", 2),
        ("<table><tr><td>1<td>2<tr><td>3</table>", 3),
        ("<dl><dt>a<dd>b<dt>c<dd>d</dl>", 2),
        ("<p><b>x<div>y</div>", 2),  # the div ends the p (and the b in it)
        ("<br><hr><img src=x><br/>", 0),
        ("<div/><div/>", 2),  # HTML ignores the slash: these nest
        ("<svg><path/><path/></svg>", 1),  # in SVG the slash closes
        ("<!-- <div><div><div> -->", 0),
        ("<script><div><div></script><p>x</p>", 1),
        ("<div>" * 10 + "</div>" * 10, 10),
        ("<div></span></div><div>", 1),  # a stray end tag closes nothing
    ],
)
def test_html_depth_follows_the_parser_b_3(body: str, depth: int) -> None:
    assert html_depth(body) == depth


def test_html_depth_stops_past_the_bound_b_3() -> None:
    assert html_depth("<div>" * 80_000) == MAX_HTML_DEPTH + 1
    assert html_depth("<b>" * 1_000) == MAX_HTML_DEPTH + 1
    assert html_depth("<div>" * MAX_HTML_DEPTH + "x") == MAX_HTML_DEPTH


def test_lxml_agrees_on_real_depth_b_3() -> None:
    """The estimate is the depth lxml's HTML parser builds, for well-formed nesting."""
    body = "<div>" + "<blockquote><p><b>x</b></p>" * 30 + "</blockquote>" * 30 + "</div>"
    tree = lxml_html.fragment_fromstring(body, create_parent="body")
    lxml_depth = max(len(list(e.iterancestors())) for e in tree.iter()) if len(tree) else 0
    assert html_depth(body) == lxml_depth


class _Counting:
    """Counts the pushes and pops of the depth scan, the work it does per tag."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.work = 0
        original_open = markup._OpenElements.open
        original_close = markup._OpenElements.close_to

        def counted_open(stack: markup._OpenElements, name: str) -> None:
            self.work += 1
            original_open(stack, name)

        def counted_close(stack: markup._OpenElements, index: int) -> None:
            self.work += max(0, len(stack.names) - index) + 1
            original_close(stack, index)

        monkeypatch.setattr(markup._OpenElements, "open", counted_open)
        monkeypatch.setattr(markup._OpenElements, "close_to", counted_close)


@pytest.mark.parametrize(
    "unit",
    ["<p>x", "<ul><li>x", "<li>x", "<b>x</b>", "<td>1<tr>", "<a href=x>y", "<p><table><div>"],
)
def test_html_depth_work_is_linear_b_3(monkeypatch: pytest.MonkeyPatch, unit: str) -> None:
    counter = _Counting(monkeypatch)
    html_depth(unit * 1_000)
    small = counter.work
    counter.work = 0
    html_depth(unit * 10_000)
    assert counter.work <= 10 * small + 100


def test_deep_nesting_scan_stops_early_b_3(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = _Counting(monkeypatch)
    html_depth("<div>" * 80_000 + "x" + "</div>" * 80_000)
    assert counter.work <= MAX_HTML_DEPTH + 1


def test_paragraphs_of_inline_markup_are_linear() -> None:
    """A body of inline markup only is cut into paragraphs; the pieces of each line are
    joined once (string += per piece was quadratic: 130,000 <b> took 15 s)."""
    body = "<b>x</b>\n" * 3 + "<b>y</b>" * 50
    assert sanitize_html(body, "https://e.example/") == (
        "<p>" + "<b>x</b><br>" * 3 + "<b>y</b>" * 50 + "</p>"
    )


# Linear reading of large bodies: a summary reads the first page of a body, emptiness is
# decided without parsing when no character shows; both give what a full read gives.
BODY_PIECES = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<td>", "<h2>", "</h2>", "<b>", "</b>", "\n"]),
        st.sampled_from(["&amp;", "&nbsp;", " ", "\u200c", "\u0651", "👍🏽", "🇰🇼", "وزير", "x"]),
        st.text(max_size=5),
    ),
    max_size=60,
)


@given(BODY_PIECES, st.integers(min_value=1, max_value=3000))
def test_excerpt_from_the_first_page_equals_excerpt_of_all(pieces: list[str], repeat: int) -> None:
    from nashra.core.excerpt import make_excerpt

    body = sanitize_html("".join(pieces) * repeat, "https://e.example/")
    for limit in (2, 20, 280):
        assert make_excerpt(html_to_text(body, limit + 2), limit) == make_excerpt(
            html_to_text(body), limit
        )


@given(BODY_PIECES, st.integers(min_value=1, max_value=2000))
def test_fast_emptiness_equals_a_full_read(pieces: list[str], repeat: int) -> None:
    body = sanitize_html("".join(pieces) * repeat, "https://e.example/")
    reader = markup._read(body)
    assert is_empty_html(body) == (not reader.images and not markup._visible("".join(reader.parts)))


def test_excerpt_reads_only_the_first_page(monkeypatch: pytest.MonkeyPatch) -> None:
    fed = 0
    original = markup._TextReader.feed

    def counting(reader: markup._TextReader, data: str) -> None:
        nonlocal fed
        fed += len(data)
        original(reader, data)

    monkeypatch.setattr(markup._TextReader, "feed", counting)
    body = "<p>" + "وزير الدفاع " * 80_000 + "</p>"
    html_to_text(body, 282)
    assert fed <= 2 * markup._CHUNK


# One regular expression reads sanitised bodies (intake's excerpt and emptiness check);
# what it reads must be what the HTML parser reads, and it must not give up on them.
SANITISED_PIECES = st.lists(
    st.one_of(
        st.sampled_from(["<p>", "</p>", "<br>", "<br/>", "<td>", "<table><tr><th>", "<li>"]),
        st.sampled_from(['<img src="/a.jpg" alt="x &quot;y&quot; > z">', "<img>", "</b>"]),
        st.sampled_from(['<a href="/r?a=1&amp;b=2" title="1 < 2">', "<h1>", "<b dir=rtl>"]),
        st.sampled_from(["&amp;", "&lt;", "&nbsp;", "&#x202e;", "<!-- c -->", "<script>x"]),
        st.sampled_from([" ", "\n\n", "\u200c", "\u0651", "👍🏽", "وزير", "5 > 3", "a < b"]),
        st.text(max_size=5),
    ),
    max_size=40,
)


@given(SANITISED_PIECES, st.integers(min_value=1, max_value=50), st.booleans())
def test_plain_scan_reads_what_the_parser_reads(
    pieces: list[str], repeat: int, as_text: bool
) -> None:
    source = "".join(pieces) * repeat
    body = text_to_html(source) if as_text else sanitize_html(source, BASE)
    scanned, parsed = markup._scan(body), markup._read(body)
    assert scanned is not None, body
    assert "".join(scanned.parts) == "".join(parsed.parts)
    assert scanned.images == parsed.images
    assert html_to_text(body) == "\n".join(
        " ".join(line.split()) for line in "".join(parsed.parts).split("\n") if line.split()
    )


@pytest.mark.parametrize(
    "fragment",
    ["<P>x</P>", "a < b", "<script>x</script>", "<!-- c --><p>x</p>", "<p title=x>y</p>", "</p x>"],
)
def test_plain_scan_leaves_unusual_markup_to_the_parser(fragment: str) -> None:
    assert markup._scan(fragment) is None


def test_a_short_body_is_scanned_once_for_its_text_and_its_emptiness(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scans: list[str] = []
    original = markup._scan

    def counting(fragment: str, stop: object = None) -> object:
        scans.append(fragment)
        return original(fragment)

    monkeypatch.setattr(markup, "_scan", counting)
    markup._scan_whole.cache_clear()
    body = clean(SEED_BODY)
    assert not is_empty_html(body)
    assert html_to_text(body, 282).startswith("التقى وزيرُ الدفاعِ")
    assert scans == [body]
    assert is_empty_html(clean("<p>&nbsp;</p>")) and len(scans) == 1  # decided without a scan


@pytest.mark.parametrize(
    "fragment", ["<p>َّ<img>َّ</p>", "كَ<img alt='x'>ّ", "<p>ِ<img src='javascript:x'>ً</p>"]
)
def test_an_image_dropped_between_marks_leaves_them_in_nfc_order(fragment: str) -> None:
    """An image without a usable source is dropped; the marks on its two sides meet, and
    come out in NFC order (found by the property above: fatha, shadda, fatha, shadda)."""
    out = sanitize_html(fragment, BASE)
    assert "<img" not in out
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("<font face='Arial'>نص</font><center>وسط</center>", "<p>نص</p><p>وسط</p>"),
        ("<section><header>عنوان</header><article>نص</article></section>", "<p>عنوان</p><p>نص</p>"),
        ("<details><summary>ملخص</summary>تفاصيل</details>", "<p>ملخص</p><p>تفاصيل</p>"),
        ("<p>أ</p><ASIDE class='x>y'>ب</ASIDE>ج", "<p>أ</p>\n\nب\n\nج"),
    ],
)
def test_a_block_outside_the_allow_list_keeps_its_text_apart(fragment: str, expected: str) -> None:
    """A block the allow-list leaves out is a paragraph break: its text never runs into the
    text beside it, which in Arabic makes one word of two («نصوسط»)."""
    assert sanitize_html(fragment, BASE) == expected
    assert sanitize_html(expected, BASE) == expected  # a fixed point, as every output is


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("فقرة أولى\u2029فقرة ثانية\u2028سطر", "<p>فقرة أولى</p><p>فقرة ثانية<br>سطر</p>"),
        ("<b>فقرة</b>\u2029ثانية\u2028سطر", "<p><b>فقرة</b></p><p>ثانية<br>سطر</p>"),
    ],
)
def test_unicode_paragraph_and_line_separators_keep_their_meaning(body: str, expected: str) -> None:
    """Text pasted from page layout and word processors separates paragraphs with U+2029
    and lines with U+2028: they are a paragraph and a line break, not a space."""
    out = text_to_html(body) if "<" not in body else sanitize_html(body, BASE)
    assert out == expected
    assert sanitize_html(out, BASE) == out


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (
            '<p class="MsoNormal">نص<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
            "<p>فقرة</p>",
            "<p>نص</p>\n<p>فقرة</p>",
        ),
        ("<p dir='rtl'>&nbsp; <br></p><p>ب</p>", "\n<p>ب</p>"),
        ("أ<p>&nbsp;</p>ب", "<p>أ<br>ب</p>"),
    ],
)
def test_an_empty_paragraph_leaves_no_gap_and_joins_no_words(fragment: str, expected: str) -> None:
    """Word processors space paragraphs out with `<p>&nbsp;</p>`, which readers show as
    blank gaps: each goes, and the words on its two sides stay apart."""
    assert sanitize_html(fragment, BASE) == expected
    assert sanitize_html(expected, BASE) == expected


@pytest.mark.parametrize("unit", ["\u00a0", "&nbsp;", " <br>", "\t"])
def test_the_empty_paragraph_pattern_gives_up_in_linear_time(unit: str) -> None:
    """A long run of blanks that ends in text is not an empty paragraph. A pattern whose
    alternatives overlap (U+00A0 is also `\\s`) would try 2^n ways to read the run; the
    `regex` engine's timeout stands in for a hang."""
    import regex

    pattern = regex.compile(markup._EMPTY_PARAGRAPH.pattern)
    text = "<p>" + unit * 5000 + "x</p>"
    assert pattern.sub("\n", text, timeout=5) == text


@pytest.mark.parametrize("tag", ["center", "section", "article", "aside", "details"])
def test_a_body_marked_up_only_with_such_blocks_is_html(tag: str) -> None:
    """Not plain text whose tags readers would see written out («<center>ن</center>»)."""
    body = f"<{tag}>خبر</{tag}><{tag}>آخر</{tag}>"
    assert markup.looks_like_html(body)
    assert sanitize_html(body, BASE) == "<p>خبر</p><p>آخر</p>"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<font face="Arial">نص الخبر</font>', "<p>نص الخبر</p>"),
        ("نص الخبر<o:p></o:p>", "<p>نص الخبر</p>"),
        ("نص <strike>قديم</strike> جديد", "<p>نص قديم جديد</p>"),
    ],
)
def test_a_body_marked_up_only_with_unwrapped_inline_tags_is_html(body: str, expected: str) -> None:
    """What old CMSs and word processors write (`<font>`, Word's `<o:p>`): the tags go,
    not shown to readers as text."""
    assert markup.looks_like_html(body)
    assert sanitize_html(body, BASE) == expected
