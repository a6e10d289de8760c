"""Arabic text rules for display text (AR-TXT-1..3, AR-DIR-2, AR-BRK-1)."""

from __future__ import annotations

import unicodedata

RLM = "\u200f"


def first_strong_direction(text: str) -> str | None:
    """'rtl' or 'ltr' after the first strong character (what `dir=auto` readers do), or None."""
    for char in text:
        bidi = unicodedata.bidirectional(char)
        if bidi in ("R", "AL"):
            return "rtl"
        if bidi == "L":
            return "ltr"
    return None


def _has_arabic(text: str) -> bool:
    return any(unicodedata.bidirectional(c) == "AL" for c in text)


def rtl_title(text: str) -> str:
    """Prefix one RLM when Arabic text starts with a Latin word (AR-DIR-2).

    >>> rtl_title("iPhone 16 يصل") == RLM + "iPhone 16 يصل"
    True
    >>> rtl_title("2024: عام") == "2024: عام"
    True
    """
    if text.startswith(RLM) or not _has_arabic(text):
        return text
    return RLM + text if first_strong_direction(text) == "ltr" else text
