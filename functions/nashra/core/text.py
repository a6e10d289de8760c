"""Arabic text rules for display text (AR-TXT-1..3, AR-DIR-2, AR-BRK-1).

Display text keeps what the editor wrote (tashkeel, tatweel, alef variants, Arabic-Indic
digits, ZWNJ/ZWJ, Arabic punctuation: AR-TXT-3) and loses only what breaks feeds or readers
(AR-TXT-2). Folding for comparisons lives in `fold_for_key`, never in display text.
"""

from __future__ import annotations

import re
import unicodedata
from html.entities import html5

RLM = "\u200f"

# AR-TXT-2: lxml raises on C0 controls and lone surrogates, so one bad character would
# kill the whole feed; C1, U+FFFE/U+FFFF and U+FDD0-U+FDEF are not characters to show.
_INVALID = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
# AR-TXT-2 / "Trojan Source": embeddings, overrides and isolates reorder what follows them.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# AR-DIR-2: stored text carries no direction marks; rtl_title re-adds one RLM where needed.
_BIDI_MARKS = "\u200e\u200f\u061c"
# AR-TXT-2: invisible characters that only break search, dedupe and slugs.
_INVISIBLES = "\u200b\u2060\ufeff\u00ad\u180e"
_STRIPPED = re.compile(f"[{_INVALID}{_BIDI_CONTROLS}{_BIDI_MARKS}{_INVISIBLES}]")

# AR-TXT-1: presentation forms come from PDF copy-paste; fold them one by one (never NFKC
# the whole text: it would turn x² into x2). The honorific ligatures are an editorial
# choice and stay as typed.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdcf\ufdf0-\ufdff\ufe70-\ufefe]")
HONORIFIC_LIGATURES = frozenset("\ufdf2\ufdfa\ufdfb\ufdfd")  # ﷲ ﷺ ﷻ ﷽

# Derived keys only (AR-TXT-3): tashkeel, Quranic marks, tatweel, joiners, direction marks.
_KEY_MARKS = re.compile("[\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u061c]")
_ALEF_VARIANTS = str.maketrans("أإآٱ", "اااا")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)

_WHITESPACE = re.compile(r"\s+")
# A tag needs a name right after "<" and a closing ">": «a < b» and «5 > 3» are text.
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|<!--|<!\[CDATA\[|<![A-Za-z]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|([A-Za-z][A-Za-z0-9]{1,31}));")

# AR-BRK-1, matched on a key copy (no tashkeel, tatweel or marks). A bare «عاجل» must be
# followed by a separator or a space: «عاجلة» and «عاجلون» are ordinary words.
_BREAKING_PREFIX = re.compile(
    r"\s*[#⭕🔴🚨]*\s*"
    r"(?:[«\[(【]\s*عاجل\s*[»\])】]|عاجل(?=[\s:：|\-–—/،.]))"
    r"\s*[:：|\-–—/،.]*\s*"
)


def _fold_presentation_form(match: re.Match[str]) -> str:
    char = match.group()
    return char if char in HONORIFIC_LIGATURES else unicodedata.normalize("NFKC", char)


def clean_text(value: str) -> tuple[str, int]:
    """NFC text without the characters AR-TXT-2 forbids; returns (text, removed count).

    The count lets the caller warn the editor that invisible characters were dropped.
    Whitespace (TAB, LF, CR) is kept; the result is idempotent.

    >>> clean_text("\\ufeffوزير\\u200b الدفاع\\u202e")
    ('وزير الدفاع', 3)
    >>> clean_text("ﻭﺯﻳﺮ ﷺ")
    ('وزير ﷺ', 0)
    """
    text = unicodedata.normalize("NFC", value)
    text, removed = _STRIPPED.subn("", text)
    text = _PRESENTATION_FORMS.sub(_fold_presentation_form, text)
    # Removals and folds can create new canonical sequences (a mark next to its letter).
    return unicodedata.normalize("NFC", text), removed


def clean_line(value: str) -> tuple[str, int]:
    """`clean_text` for one-line fields (titles, names, tags, captions): spaces collapsed.

    >>> clean_line("  عاجل:\\n وزير\\tالدفاع ")
    ('عاجل: وزير الدفاع', 0)
    """
    text, removed = clean_text(value)
    return _WHITESPACE.sub(" ", text).strip(), removed


def has_markup(value: str) -> bool:
    """True when the text holds an HTML/XML tag or an entity (a title must be plain text).

    >>> has_markup("وزير <b>الدفاع</b>"), has_markup("5 > 3 و a < b"), has_markup("&amp;")
    (True, False, True)
    """
    if _TAG.search(value):
        return True
    # Numeric references always decode; a named one only if HTML knows the name.
    names = (m.group(1) for m in _ENTITY.finditer(value))
    return any(name is None or f"{name};" in html5 for name in names)


def _key_with_positions(text: str) -> tuple[str, list[int]]:
    """The key copy of `text` and, for each of its characters, the index in `text`."""
    kept = [(i, c) for i, c in enumerate(text) if not _KEY_MARKS.match(c)]
    return "".join(c for _, c in kept), [i for i, _ in kept]


def split_breaking(title: str) -> tuple[bool, str]:
    """Split a leading «عاجل» off a title (AR-BRK-1) -> (is_breaking, rest).

    The prefix is found on a key copy (no tashkeel, tatweel or marks) but cut from the
    title itself, so the rest keeps its tashkeel (AR-TXT-3). Repeated prefixes all go.
    A title that is nothing but «عاجل» has no prefix: it is returned unchanged.

    >>> split_breaking("عاجـــل: وزيرُ الدفاع")
    (True, 'وزيرُ الدفاع')
    >>> split_breaking("عاجلة هي الأخبار")
    (False, 'عاجلة هي الأخبار')
    """
    text = unicodedata.normalize("NFC", title)
    key, positions = _key_with_positions(text)
    start = 0
    while match := _BREAKING_PREFIX.match(key, start):
        if match.end() >= len(key):
            break
        start = match.end()
    if start == 0:
        return False, title
    return True, text[positions[start] :].strip()


def fold_for_key(text: str) -> str:
    """The folded form of a text for derived keys and comparisons, never for display.

    Drops tashkeel, tatweel, joiners and direction marks, folds أ إ آ ٱ to ا and
    Arabic-Indic digits to ASCII (AR-TXT-3 allows this in keys only).

    >>> fold_for_key("أَحمـــد ١٢") == fold_for_key("احمد 12")
    True
    """
    cleaned, _ = clean_line(text)
    folded = _KEY_MARKS.sub("", cleaned).translate(_ALEF_VARIANTS).translate(ARABIC_DIGITS)
    return unicodedata.normalize("NFC", folded)


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
