"""What plain text must not look like, and what feeds do when it does.

Feed readers decode some plain-text elements as HTML, and the W3C feed validator warns
when one of them holds text that reads as markup (`ContainsHTML`, `ContainsUndeclaredHTML`,
and the RSS Profile's `CharacterData`). Its test (`validators.nonhtml` in
github.com/w3c/feedvalidator) is: an end tag of an HTML element (`</b>`), an ampersand
before an HTML 4 entity name or a word with a non-letter (`&nbsp`, `&#1575`), and in RSS
2.0 a "<" before a letter or "/" or "&#" before a digit or "x". To those, nashra adds what
an HTML parser would decode (`html.unescape`): HTML5's legacy references need no ";" and
may start a longer word (`&amp中文`, `&notable`), and readers decode them.

Where a feed can declare a field HTML (media:description, the Atom summary), text that
reads as markup is escaped and declared; where it cannot (titles, categories, author
names), intake rejects it (`nashra.core.fields.check_plain`).
"""

from __future__ import annotations

import re
from html import unescape
from html.entities import name2codepoint

from nashra.core.text import has_markup

# "<" before a letter or "/", "&#": the RSS Profile's CharacterData test.
_TAG_START = re.compile(r"<[/A-Za-z]|&#")
_AMPERSAND_WORD = re.compile(r"&(\w+)")


def reads_as_markup(text: str) -> bool:
    """True when a reader or the W3C validator could take part of `text` for markup.

    >>> reads_as_markup("<b>ظفار</b>"), reads_as_markup("x<y"), reads_as_markup("&nbsp")
    (True, True, True)
    >>> reads_as_markup("AT&T و Q&A"), reads_as_markup("نسبة <5% و a < b"), reads_as_markup("")
    (False, False, False)

    An HTML parser decodes HTML5's legacy references without their ";", even at the
    start of a longer word: readers that take the text for HTML show "&amp中文" as "&中文".

    >>> reads_as_markup("&amp中文"), reads_as_markup("Tom&notable"), reads_as_markup("&alp")
    (True, True, False)
    """
    if "<" not in text and "&" not in text:
        return False
    if has_markup(text) or _TAG_START.search(text):
        return True
    return (
        any(
            word in name2codepoint or word == "apos" or not word.isalpha()
            for word in _AMPERSAND_WORD.findall(text)
        )
        or unescape(text) != text
    )
