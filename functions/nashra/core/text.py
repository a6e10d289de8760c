"""Arabic text rules for display text (AR-TXT-1..3, AR-DIR-2, AR-BRK-1).

Display text keeps what the editor wrote (tashkeel, tatweel, alef variants, Arabic-Indic
digits, ZWNJ/ZWJ, Arabic punctuation: AR-TXT-3) and loses only what breaks feeds or readers
(AR-TXT-2). Derived keys fold more, and that folding lives here only: `fold_for_key` for
slugs (`nashra.core.urls`) and date parsing (`nashra.core.dates`), and the same
`KEY_MARKS` for finding a «عاجل» prefix (`split_breaking`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from html.entities import html5
from typing import TypeVar

import regex

RLM = "\u200f"
# LRM, RLM, ALM. AR-TXT-2 does not list them: editors place them on purpose in bodies,
# summaries and captions to fix the display order of numbers, phone numbers and Latin
# brands, so display text keeps them. Keys and slugs drop them (AR-TXT-3, AR-URL-3).
DIRECTION_MARKS = "\u200e\u200f\u061c"

# AR-TXT-2: lxml raises on C0 controls and lone surrogates, so one bad character would
# kill the whole feed; C1, U+FFFE/U+FFFF and U+FDD0-U+FDEF are not characters to show.
_INVALID = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff"
# AR-TXT-2 / "Trojan Source": embeddings, overrides and isolates reorder what follows them.
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
# AR-TXT-2: invisible characters that only break search, dedupe and slugs.
_INVISIBLES = "\u200b\u2060\ufeff\u00ad\u180e"
_STRIPPED = re.compile(f"[{_INVALID}{_BIDI_CONTROLS}{_INVISIBLES}]")
# AR-DIR-2: a one-line field loses the marks it starts with; rtl_title adds one RLM back.
_LEADING_MARKS = re.compile(rf"^[\s{DIRECTION_MARKS}]+")
_MARKS = tuple(DIRECTION_MARKS)

# Unicode's stream-safe limit (UAX #15): no real text stacks more than 30 combining marks
# on one letter (Arabic uses 1-3), and NFC sorts a run of marks in quadratic time, so a
# megabyte of tashkeel on one letter took minutes. The marks past the 30th are removed.
MAX_MARKS_PER_LETTER = 30
_MARK_RUN = regex.compile(rf"(\P{{ccc=0}}{{{MAX_MARKS_PER_LETTER}}})\P{{ccc=0}}+")
# Characters `clean_text` never changes, whatever surrounds them: none is stripped or
# folded, none combines (canonical combining class 0) or composes with the character before
# it, and NFC keeps each as it is (a test checks all of this for each). Text of these alone
# (most Arabic prose without tashkeel, most Latin) is returned as it is after one scan.
UNTOUCHED = (
    "\t\n\r\u0020-\u007e\u00a0-\u00ac\u00ae-\u02ff\u060c\u061b\u061c\u061e-\u064a"
    "\u0660-\u066f\u0671-\u06d5\u06ee-\u06ff\u200c-\u200f\u2010-\u2027\u2030-\u205e"
)
_TOUCHED = re.compile(f"[^{UNTOUCHED}]")

# AR-TXT-1: presentation forms (U+FB50-U+FDFF, U+FE70-U+FEFE) come from PDF copy-paste;
# fold them one by one (never NFKC the whole text: it would turn x² into x2). Display text
# keeps the honorific ligatures as typed (an editorial choice); keys fold them too.
_PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]")
HONORIFIC_LIGATURES = frozenset("\ufdf2\ufdfa\ufdfb\ufdfd")  # ﷲ ﷺ ﷻ ﷽

# Derived keys only (AR-TXT-3, AR-URL-3): tashkeel, Quranic marks, tatweel, ZWSP, joiners
# and direction marks. Dropped without a trace, so a mark inside a word never splits it.
KEY_MARKS = "\u064b-\u065f\u0670\u06d6-\u06ed\u0640\u200b-\u200f\u061c"
_KEY_MARKS = re.compile(f"[{KEY_MARKS}]")
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
T = TypeVar("T")
# What `fold_for_key` changes: without one of these, a text is its own key.
_FOLDED = re.compile(f"[{KEY_MARKS}\ufb50-\ufdff\ufe70-\ufefe\u0660-\u0669\u06f0-\u06f9]")

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


def is_untouched(value: str) -> bool:
    """Whether `clean_text` returns `value` as it is, having found only `UNTOUCHED`
    characters in it (its first and only step for most text).

    >>> is_untouched("وزير الدفاع"), is_untouched("وزير\u200b")
    (True, False)
    """
    return _TOUCHED.search(value) is None


def clean_text(value: str) -> tuple[str, int]:
    """NFC text without the characters AR-TXT-2 forbids; returns (text, removed count).

    The count lets the caller warn the editor that invisible characters were dropped.
    Whitespace (TAB, LF, CR) is kept; the result is idempotent.

    >>> clean_text("\\ufeffوزير\\u200b الدفاع\\u202e")
    ('وزير الدفاع', 3)
    >>> clean_text("اتصل على \\u200e+965 2222 3333") == ("اتصل على \\u200e+965 2222 3333", 0)
    True
    >>> clean_text("ﻭﺯﻳﺮ ﷺ")
    ('وزير ﷺ', 0)
    """
    if _TOUCHED.search(value) is None:
        return value, 0
    text, removed = _STRIPPED.subn("", value)  # NFC neither makes nor needs them
    if len(text) > MAX_MARKS_PER_LETTER:  # shorter text cannot hold a run to cap
        capped = _MARK_RUN.sub(r"\1", text)  # before NFC, which would sort the whole run
        removed += len(text) - len(capped)
        text = capped
    # Removals can create new canonical sequences (a mark next to its letter).
    text = unicodedata.normalize("NFC", text)
    folded, folds = _PRESENTATION_FORMS.subn(_fold_presentation_form, text)
    # So can folds; without one, the text is NFC already.
    return (unicodedata.normalize("NFC", folded) if folds else text), removed


def clean_line(value: str) -> tuple[str, int]:
    """`clean_text` for one-line fields (titles, names, tags, captions): spaces collapsed.

    Direction marks inside the line stay; the run of them the line starts with goes
    (AR-DIR-2: `rtl_title` adds exactly one RLM back where a title needs it). The count
    is that of `clean_text`: only characters AR-TXT-2 forbids.

    >>> clean_line("  عاجل:\\n وزير\\tالدفاع ")
    ('عاجل: وزير الدفاع', 0)
    >>> clean_line("\\u200f iPhone\\u200e 16") == ("iPhone\\u200e 16", 0)
    True
    """
    text, removed = clean_text(value)
    line = " ".join(text.split())  # `\s+` -> " " and strip: they agree on every character
    return (_LEADING_MARKS.sub("", line) if line.startswith(_MARKS) else line), removed


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
    if _KEY_MARKS.search(text) is None:  # most titles: the key copy is the text itself
        return text, list(range(len(text)))
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
    """The form of a text that derived keys are built from, never display text (AR-TXT-3).

    Every presentation form folds to base letters, honorific ligatures too; `KEY_MARKS`
    (tashkeel, tatweel, joiners, direction marks) go; Arabic-Indic digits become ASCII.
    Alef variants, letters, spaces and punctuation stay: slugs keep «أ», and date parsing
    has its own words for each spelling. Callers pass text that `clean_line` has cleaned.

    >>> fold_for_key("وزيرُ الدفـــاع\u200f ١٢")
    'وزير الدفاع 12'
    >>> fold_for_key("ﷺ") == "صلى الله عليه وسلم"
    True
    """
    folded = _PRESENTATION_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return _KEY_MARKS.sub("", folded).translate(ARABIC_DIGITS)


def once_each(items: Sequence[T], text: Callable[[T], str] = str) -> list[T]:
    """`items` without those whose `text` has the same key (`fold_for_key`) as an earlier
    one's: two spellings that differ only by tashkeel, tatweel or digits are one.

    >>> once_each(["اقتصاد", "اقْتصاد", "نفط", "نفط"])
    ['اقتصاد', 'نفط']
    """
    texts = [text(item) for item in items]
    folding = any(_FOLDED.search(t) for t in texts)
    if not folding and len(set(texts)) == len(texts):
        return list(items)  # most lists: each text its own key, none twice
    key = fold_for_key if folding else str
    seen: set[str] = set()
    kept = []
    for item, shown in zip(items, texts, strict=True):
        folded = key(shown)
        if folded not in seen:
            seen.add(folded)
            kept.append(item)
    return kept


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

    Direction marks the text already starts with are replaced, never doubled. Marks
    inside it stay and are strong characters, as for `dir=auto`: «2024\u200e عام» is
    Latin-first.

    >>> rtl_title("iPhone 16 يصل") == RLM + "iPhone 16 يصل" == rtl_title(RLM + "iPhone 16 يصل")
    True
    >>> rtl_title("2024: عام") == "2024: عام" == rtl_title(RLM + "2024: عام")
    True
    """
    text = _LEADING_MARKS.sub("", text) if text.startswith(tuple(DIRECTION_MARKS)) else text
    if not _has_arabic(text):
        return text
    return RLM + text if first_strong_direction(text) == "ltr" else text
