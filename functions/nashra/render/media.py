"""Media RSS for an item's lead image, in RSS and Atom alike (FG-5: no media:group)."""

from __future__ import annotations

from nashra.core.plaintext import reads_as_markup
from nashra.render.markup import html_text
from nashra.render.model import Picture
from nashra.render.xml import attributes_of, empty, text


def media(pic: Picture | None) -> str:
    """`media:content` with its description, then `media:thumbnail`; "" without an image."""
    if pic is None:
        return ""
    attrs = [("url", pic.url), ("medium", "image")]
    if pic.type:
        attrs.append(("type", pic.type))
    if pic.length:
        attrs.append(("fileSize", str(pic.length)))
    for name, value in (("width", pic.width), ("height", pic.height)):
        if value:
            attrs.append((name, str(value)))
    head = f"<media:content{attributes_of(attrs)}"
    if pic.text:
        # Plain text that reads as markup ("<script>…" in a caption) is escaped and
        # declared html, so readers show it as text and the W3C validator has no
        # ContainsUndeclaredHTML to warn about (Media RSS allows type plain or html).
        markup = reads_as_markup(pic.text)
        kind = "html" if markup else "plain"
        shown = html_text(pic.text) if markup else pic.text
        content = f'{head}><media:description type="{kind}">{text(shown)}</media:description>'
        content += "</media:content>"
    else:
        content = f"{head}/>"
    return content + empty("media:thumbnail", [("url", pic.url)])
