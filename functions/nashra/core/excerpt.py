"""Excerpts of plain text for summaries and descriptions (AR-EXC-1).

Lengths are counted in grapheme clusters (`regex` `\\X`), not code points: «مُحَمَّدٌ» is
nine code points but four letters, and a cut between a letter and its shadda changes
the word. Cuts fall on whitespace so that no word loses its last letters (a mid-word cut
also breaks the joined shape of the letter before it).
"""

from __future__ import annotations

import re
from itertools import islice

import regex

ELLIPSIS = "…"
_GRAPHEME = regex.compile(r"\X")
_WHITESPACE = re.compile(r"\s+")
# Punctuation that must not dangle before the ellipsis; «؟» and «!» carry meaning, stay.
_TRAILING = frozenset("،؛,;:.-–—(«\"' ")


def _graphemes(text: str, most: int) -> list[str]:
    """The first `most` grapheme clusters: a long body is never segmented past them."""
    return [m.group() for m in islice(_GRAPHEME.finditer(text), most)]


def _cut(graphemes: list[str], budget: int) -> list[str]:
    """At most `budget` graphemes, ending at a word end when there is one."""
    head = graphemes[:budget]
    if graphemes[budget].isspace():
        return head
    spaces = [i for i, g in enumerate(head) if g.isspace()]
    # A single word longer than the budget is cut inside, at a grapheme boundary.
    return head[: spaces[-1]] if spaces and spaces[-1] > 0 else head


def make_excerpt(text: str, limit: int = 280, ellipsis: str = ELLIPSIS) -> str:
    """Whitespace-collapsed `text`, cut to at most `limit` graphemes including `ellipsis`.

    >>> make_excerpt("التقى وزيرُ الدفاعِ نظيرَه الكويتيَّ في الرياض، وبحث الجانبان", 43)
    'التقى وزيرُ الدفاعِ نظيرَه الكويتيَّ في الرياض…'
    >>> make_excerpt("قصير", 10)
    'قصير'
    """
    collapsed = _WHITESPACE.sub(" ", text).strip()
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
