"""Excerpts of plain text for summaries and descriptions (AR-EXC-1).

Lengths are counted in grapheme clusters (`regex` `\\X`), not code points: «مُحَمَّدٌ» is
nine code points but four letters, and a cut between a letter and its shadda changes
the word. Cuts fall on whitespace so that no word loses its last letters (a mid-word cut
also breaks the joined shape of the letter before it).
"""

from __future__ import annotations

import re
from functools import cache

import regex

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
# Characters of which UAX #29 joins none to its neighbour of the same set: Latin-1, the
# Arabic letters, digits and punctuation, general punctuation. Text of them alone has one
# grapheme per character (checked pair by pair against `\X` in the tests), so most of an
# article is segmented by slicing; tashkeel, emoji and the rest go through `\X`.
ONE_PER_CHARACTER = (
    "\u0020-\u007e\u00a0-\u00ac\u00ae-\u00ff\u0621-\u064a\u0660-\u066f\u0671-\u06d5"
    "\u06ee-\u06ff\u2010-\u2027\u2030-\u205e"
)
_ONE_PER_CHARACTER = re.compile(f"[{ONE_PER_CHARACTER}]*")
# Punctuation that must not dangle before the ellipsis; «؟» and «!» carry meaning, stay.
_TRAILING_CHARACTERS = "،؛,;:.-–—(«\"' "
_TRAILING = frozenset(_TRAILING_CHARACTERS)


@cache
def _first_graphemes(most: int) -> regex.Pattern[str]:
    return regex.compile(rf"\X{{0,{most}}}")


def _graphemes(text: str, most: int) -> list[str]:
    """The first `most` grapheme clusters: a long body is never segmented past them.

    The text they span is found in one match, then split: a boundary depends only on what
    precedes it and the character after it, so the clusters of that prefix are the text's.
    """
    head = text[: most + 1]  # the character after the last one decides where it ends
    if _ONE_PER_CHARACTER.fullmatch(head):
        return list(head[:most])
    prefix = _first_graphemes(most).match(text)
    return _GRAPHEME.findall(prefix.group()) if prefix else []


def _cut(graphemes: list[str], budget: int) -> list[str]:
    """At most `budget` graphemes, ending at a word end when there is one."""
    head = graphemes[:budget]
    if graphemes[budget].isspace():
        return head
    last_space = next((i for i in range(len(head) - 1, 0, -1) if head[i].isspace()), 0)
    # A single word longer than the budget is cut inside, at a grapheme boundary.
    return head[:last_space] if last_space > 0 else head


def make_excerpt(text: str, limit: int = 280, ellipsis: str = ELLIPSIS) -> str:
    """Whitespace-collapsed `text`, cut to at most `limit` graphemes including `ellipsis`.

    >>> make_excerpt("التقى وزيرُ الدفاعِ نظيرَه الكويتيَّ في الرياض، وبحث الجانبان", 43)
    'التقى وزيرُ الدفاعِ نظيرَه الكويتيَّ في الرياض…'
    >>> make_excerpt("قصير", 10)
    'قصير'
    """
    collapsed = " ".join(text.split())  # `\s` and str.isspace() agree on every character
    return excerpt_of_collapsed(collapsed, limit, ellipsis)


def excerpt_of_collapsed(collapsed: str, limit: int = 280, ellipsis: str = ELLIPSIS) -> str:
    """`make_excerpt` of a text whose whitespace is collapsed already (single spaces, none
    at either end), without collapsing it again.

    >>> excerpt_of_collapsed("وزير الدفاع", 8)
    'وزير…'
    """
    if limit > 0 and _ONE_PER_CHARACTER.fullmatch(collapsed, 0, limit + 2):
        return _excerpt_of_characters(collapsed, limit, ellipsis)
    graphemes = _graphemes(collapsed, limit + 1)
    if len(graphemes) <= limit:
        return collapsed
    budget = limit - len(_graphemes(ellipsis, limit))
    if budget < 1:
        raise ValueError(f"limit {limit} leaves no room for text before {ellipsis!r}")
    kept = _cut(graphemes, budget)
    # Whole graphemes only: a trailing «(» with a mark on it is one cluster, kept whole.
    while kept and kept[-1] in _TRAILING:
        kept.pop()
    return "".join(kept) + ellipsis


@cache
def _width(ellipsis: str, limit: int) -> int:
    return len(_graphemes(ellipsis, limit))


def _excerpt_of_characters(text: str, limit: int, ellipsis: str) -> str:
    """`excerpt_of_collapsed` of a text whose first `limit + 2` characters are each one
    grapheme (`ONE_PER_CHARACTER`): the same cut on the string, without listing them."""
    if len(text) <= limit:
        return text
    budget = limit - _width(ellipsis, limit)
    if budget < 1:
        raise ValueError(f"limit {limit} leaves no room for text before {ellipsis!r}")
    kept = text[:budget]
    if not text[budget].isspace():
        last_space = next((i for i in range(budget - 1, 0, -1) if kept[i].isspace()), 0)
        if last_space > 0:
            kept = kept[:last_space]
    return kept.rstrip(_TRAILING_CHARACTERS) + ellipsis
