"""Excerpts count graphemes and cut on whitespace (AR-EXC-1)."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given
from hypothesis import strategies as st

from nashra.core.excerpt import make_excerpt

SEED = "عاجل وزير الدفاع يلتقي النائب الأول لرئيس مجلس الوزراء ووزير الدفاع والداخلية الكويتي…"
BODY = (
    "التقى وزيرُ الدفاعِ اليومَ نظيرَه الكويتيَّ في الرياض، وبحث الجانبان سبلَ التعاونِ "
    "العسكري؛ كما ناقشا الأوضاع الإقليمية"
)


def graphemes(text: str) -> list[str]:
    return regex.findall(r"\X", text)


def test_counts_graphemes_not_code_points_ar_exc_1() -> None:
    word = "مُحَمَّدٌ"
    assert len(word) == 9 and len(graphemes(word)) == 4
    assert make_excerpt(word, 4) == word


def test_text_that_fits_is_only_whitespace_collapsed_ar_exc_1() -> None:
    assert make_excerpt("  وزير\n\nالدفاع\t يلتقي  ", 280) == "وزير الدفاع يلتقي"
    assert make_excerpt(SEED, 280) == SEED


def test_cuts_on_whitespace_ar_exc_1() -> None:
    assert make_excerpt(SEED, 20) == "عاجل وزير الدفاع…"
    assert make_excerpt(BODY, 40) == "التقى وزيرُ الدفاعِ اليومَ نظيرَه الكويتيَّ…"


def test_keeps_tashkeel_of_last_letter_ar_exc_1() -> None:
    excerpt = make_excerpt(BODY, 29)
    assert excerpt == "التقى وزيرُ الدفاعِ اليومَ…"
    assert "اليومَ" in excerpt


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (50, "التقى وزيرُ الدفاعِ اليومَ نظيرَه الكويتيَّ في الرياض…"),
        (84, BODY[: BODY.index("؛")] + "…"),
    ],
)
def test_strips_trailing_arabic_punctuation_ar_exc_1(limit: int, expected: str) -> None:
    assert make_excerpt(BODY, limit) == expected


@pytest.mark.parametrize("tail", [" -", " (", ":", "،", "؛", " «"])
def test_strips_each_trailing_mark_ar_exc_1(tail: str) -> None:
    text = f"وزير الدفاع{tail} يلتقي نظيره الكويتي"
    assert make_excerpt(text, 16) == "وزير الدفاع…"


def test_result_never_exceeds_limit_with_ellipsis_ar_exc_1() -> None:
    excerpt = make_excerpt(SEED, 30)
    assert len(graphemes(excerpt)) <= 30
    assert excerpt.endswith("…") and not excerpt.endswith(" …")


def test_single_long_word_cut_at_grapheme_boundary_ar_exc_1() -> None:
    word = "مُحَمَّدٌ" * 5
    excerpt = make_excerpt(word, 6)
    assert excerpt == "مُحَمَّدٌمُ…"
    assert len(graphemes(excerpt)) == 6


def test_custom_ellipsis_counts_against_limit_ar_exc_1() -> None:
    excerpt = make_excerpt(SEED, 20, ellipsis=" [...]")
    assert excerpt == "عاجل وزير [...]"
    assert len(graphemes(excerpt)) <= 20


def test_limit_without_room_for_text_is_an_error_ar_exc_1() -> None:
    with pytest.raises(ValueError, match="no room"):
        make_excerpt(SEED, 1)


# Letters, tashkeel, tatweel, trailing punctuation, a Prepend sign (U+0600), ZWJ sequences.
PIECES = [*"وزيرالدفاعكويتي", "\u064e", "\u0651", "\u064f", "\u0640", "،", "؛", "(", "«", "-",
          " ", "\n", "\t", "\u0600", "\u200d", "👨\u200d👩"]  # fmt: skip
ARABIC_WORDS = st.lists(st.lists(st.sampled_from(PIECES), min_size=1).map("".join)).map(" ".join)


@given(st.one_of(ARABIC_WORDS, st.text()), st.integers(min_value=2, max_value=60))
def test_excerpt_is_a_grapheme_prefix_within_limit_ar_exc_1(text: str, limit: int) -> None:
    excerpt = make_excerpt(text, limit)
    collapsed = graphemes(re.sub(r"\s+", " ", text).strip())
    assert len(graphemes(excerpt)) <= limit
    if len(collapsed) <= limit:
        assert graphemes(excerpt) == collapsed
    else:
        assert excerpt.endswith("…")
        kept = graphemes(excerpt.removesuffix("…"))
        assert collapsed[: len(kept)] == kept


def _excerpt_by_iteration(text: str, limit: int) -> str:
    """The excerpt as first written: `\\s+` collapsed, graphemes taken one by one."""
    collapsed = re.sub(r"\s+", " ", text).strip()
    graphemes = [m.group() for m in regex.finditer(r"\X", collapsed)][: limit + 1]
    if len(graphemes) <= limit:
        return collapsed
    head = graphemes[: limit - 1]
    if not graphemes[limit - 1].isspace():
        spaces = [i for i, g in enumerate(head) if g.isspace()]
        head = head[: spaces[-1]] if spaces and spaces[-1] > 0 else head
    while head and head[-1] in "،؛,;:.-–—(«\"' ":
        head.pop()
    return "".join(head) + "…"


GRAPHEME_HARD_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["🇰🇼", "🇸", "👨\u200d👩\u200d👧", "👍🏽", "\u200d", "\u0651", "\u0301"]),
        st.sampled_from([" ", "\n", "\u00a0", "\u3000", "\u2028", "\x1c", "،", "(", "«"]),
        st.sampled_from(["وزير", "مُحَمَّدٌ", "क्षि", "각", "\r\n", "x"]),
        st.text(max_size=4),
    ),
    max_size=80,
).map("".join)


@given(GRAPHEME_HARD_TEXT, st.integers(min_value=2, max_value=60))
def test_excerpt_matches_segmenting_the_whole_text_ar_exc_1(text: str, limit: int) -> None:
    assert make_excerpt(text, limit) == _excerpt_by_iteration(text, limit)


def test_each_character_of_the_simple_set_is_a_grapheme_beside_any_other_ar_exc_1() -> None:
    from nashra.core.excerpt import ONE_PER_CHARACTER

    simple = re.compile(f"[{ONE_PER_CHARACTER}]")
    chars = [chr(c) for c in range(0x3000) if simple.fullmatch(chr(c))]
    assert len(chars) > 400 and "ـ" in chars and "\u0651" not in chars
    for char in chars:  # every ordered pair, both ways
        text = "".join(char + other for other in chars)
        assert regex.findall(r"\X", text) == list(text), hex(ord(char))


@given(
    st.text(alphabet="وزير الدفاع،. abc«»ـ٣", max_size=300).map(
        lambda t: t + "\u0651" * (len(t) % 2)
    ),
    st.integers(min_value=2, max_value=290),
)
def test_simple_text_is_cut_as_segmenting_it_ar_exc_1(text: str, limit: int) -> None:
    assert make_excerpt(text, limit) == _excerpt_by_iteration(text, limit)
