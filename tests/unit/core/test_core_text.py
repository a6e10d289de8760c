"""Arabic display-text rules: AR-TXT-1..3, AR-DIR-2, AR-BRK-1."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nashra.core.dates import parse_editor_date
from nashra.core.text import (
    HONORIFIC_LIGATURES,
    RLM,
    clean_line,
    clean_text,
    first_strong_direction,
    fold_for_key,
    has_markup,
    rtl_title,
    split_breaking,
)
from nashra.core.urls import slugify

SEED = "عاجل وزير الدفاع يلتقي النائب الأول لرئيس مجلس الوزراء ووزير الدفاع والداخلية الكويتي…"
SEED_REST = SEED.removeprefix("عاجل ")

# Every class AR-TXT-2 strips.
STRIPPED = (
    [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in range(0xFDD0, 0xFDF0)]
    + ["\ufffe", "\uffff", "\ud800", "\udfff"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u180e"]
)
# LRM, RLM, ALM: not in AR-TXT-2's list; editors place them to order numbers and brands.
MARKS = ["\u200e", "\u200f", "\u061c"]


# --- AR-TXT-1 -------------------------------------------------------------------------


def test_nfd_input_becomes_nfc_ar_txt_1() -> None:
    nfd = unicodedata.normalize("NFD", "الرئاسة الفلسطينية أبريل")
    assert nfd != "الرئاسة الفلسطينية أبريل"
    assert clean_text(nfd) == ("الرئاسة الفلسطينية أبريل", 0)


def test_canonical_reordering_of_marks_ar_txt_1() -> None:
    fatha_shadda, shadda_fatha = "م\u064e\u0651", "م\u0651\u064e"
    assert clean_text(fatha_shadda)[0] == clean_text(shadda_fatha)[0]


def test_presentation_forms_fold_to_base_letters_ar_txt_1() -> None:
    assert clean_text("ﻭﺯﻳﺮ ﺍﻟﺪﻓﺎﻉ")[0] == "وزير الدفاع"
    assert clean_text("ﻻ")[0] == "لا"


def test_no_nfkc_on_whole_text_ar_txt_1() -> None:
    # NFKC would turn x² into x2 and ﷺ into a phrase; both are the editor's choice.
    assert clean_text("x² ﷺ")[0] == "x² ﷺ"


# --- AR-TXT-2 -------------------------------------------------------------------------


def test_strips_invisibles_and_counts_them_ar_txt_2() -> None:
    dirty = "\ufeffعاجل:\u200b وزير الدفاع\u202e يلتقي\u202c نظيره الكويتي\x0b في الرياض"
    assert clean_text(dirty) == ("عاجل: وزير الدفاع يلتقي نظيره الكويتي في الرياض", 5)


def test_strips_bidi_overrides_ar_txt_2() -> None:
    assert clean_text("وزير \u2067abc\u2069 \u202eالدفاع\u202c") == ("وزير abc الدفاع", 4)


@pytest.mark.parametrize("char", STRIPPED)
def test_strips_every_forbidden_class_ar_txt_2(char: str) -> None:
    assert clean_text(f"وزير{char}الدفاع") == ("وزيرالدفاع", 1)


@pytest.mark.parametrize("mark", MARKS)
def test_keeps_direction_marks_in_text_ar_txt_2(mark: str) -> None:
    # Not in AR-TXT-2's list: they fix the display order of numbers, phones and brands.
    text = f"اتصل على{mark} +965 2222 3333{mark} أو زر متجر{mark} Apple{mark}\nسطر{mark}"
    assert clean_text(text) == (text, 0)
    assert clean_text(mark + text) == (mark + text, 0)


def test_keeps_tab_lf_cr_ar_txt_2() -> None:
    assert clean_text("وزير\tالدفاع\r\nالكويتي") == ("وزير\tالدفاع\r\nالكويتي", 0)


# --- AR-TXT-3 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kept",
    [
        "وَزِيرُ الدِّفَاعِ",  # tashkeel
        "عاجـــل",  # tatweel
        "أإآٱ ى ي ة ه ؤ ئ",  # alef/hamza variants
        "٢٠٢٤ ۱۴۰۳",  # Arabic-Indic and Eastern digits
        "می\u200cخواهم 👨\u200d👩\u200d👧",  # ZWNJ, ZWJ in an emoji sequence
        "قال، ثم؛ لماذا؟ «نعم» ترمب وشي.. قمة",  # Arabic punctuation, the headline «..»
    ],
)
def test_keeps_arabic_as_authored_ar_txt_3(kept: str) -> None:
    assert clean_text(kept) == (kept, 0)


def test_clean_line_collapses_whitespace_ar_txt_2() -> None:
    assert clean_line("  وزير\n\tالدفاع\u2028 الكويتي\u00a0 ") == ("وزير الدفاع الكويتي", 0)


def test_clean_line_strips_then_collapses_ar_txt_2() -> None:
    assert clean_line("\u200fوزير \u200b الدفاع") == ("وزير الدفاع", 1)


def test_clean_line_keeps_inner_marks_drops_leading_run_ar_dir_2() -> None:
    # rtl_title adds back exactly one RLM at render time; an editor's inner mark stays.
    assert clean_line(" \u200f \u200e\u061c وزير \u200eiPhone\u200f 16\u200f ") == (
        "وزير \u200eiPhone\u200f 16\u200f",
        0,
    )
    assert clean_line("\u200f\u202e\u200e") == ("", 1)


# Hypothesis never draws surrogates and rarely the ranges that matter: mix them in.
TEXTS = st.lists(
    st.one_of(
        st.characters(codec=None),
        st.sampled_from(STRIPPED),
        st.sampled_from([*MARKS, " ", "\n", "iPhone"]),
        st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
        st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF),
    )
).map("".join)


@given(TEXTS)
def test_clean_text_is_idempotent_and_complete_ar_txt_2(value: str) -> None:
    once, _ = clean_text(value)
    assert clean_text(once) == (once, 0)
    assert not any(char in once for char in STRIPPED)
    assert [c for c in once if c in MARKS] == [c for c in value if c in MARKS]  # all kept
    assert unicodedata.is_normalized("NFC", once)
    # Unassigned code points in the block (U+FEFD, U+FEFE) have nothing to fold to.
    assert not any(0xFE70 <= ord(c) <= 0xFEFE and unicodedata.decomposition(c) for c in once)


@given(TEXTS)
def test_clean_line_is_one_trimmed_line_ar_txt_2(value: str) -> None:
    line, _ = clean_line(value)
    assert clean_line(line) == (line, 0)
    assert line == line.strip()
    assert "\n" not in line and "  " not in line
    assert not line.startswith(tuple(MARKS))
    # Only the leading run goes: every other mark is kept, in order.
    kept = [c for c in clean_text(value)[0] if c in MARKS]
    marks = [c for c in line if c in MARKS]
    assert kept[len(kept) - len(marks) :] == marks


# --- markup in plain-text fields ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "وزير <b>الدفاع</b>",
        "<p>نص</p>",
        "وزير<br/>",
        "الدفاع &amp; الداخلية",
        "&#1608;",
        "&#x648;",
        "<!-- تعليق -->",
        '<a href="x">رابط</a>',
        "<img src=x onerror=alert(1)>",
    ],
)
def test_has_markup_finds_tags_and_entities(value: str) -> None:
    assert has_markup(value)


@pytest.mark.parametrize(
    "value", ["a < b", "«5 > 3»", "3<5 و 7>6", "AT&T", "R&D;", "وزير الدفاع", "x <- y", "<3"]
)
def test_has_markup_ignores_comparisons_and_ampersands(value: str) -> None:
    assert not has_markup(value)


# --- AR-BRK-1 -------------------------------------------------------------------------


def test_seed_headline_is_breaking_ar_brk_1() -> None:
    assert split_breaking(SEED) == (True, SEED_REST)


@pytest.mark.parametrize(
    "prefix",
    [
        "عاجل: ",
        "عاجل | ",
        "عاجل - ",
        "عاجل – ",
        "عاجل — ",
        "عاجل/ ",
        "عاجل، ",
        "عاجل:",
        "«عاجل» ",
        "[عاجل] ",
        "(عاجل) ",
        "عاجـــل | ",
        "عَاجِل: ",
        "#عاجل ",
        "🔴 عاجل: ",
        "عاجل.. ",
        "عاجل: عاجل: ",
        "\u200fعاجل: ",
    ],
)
def test_breaking_prefix_forms_ar_brk_1(prefix: str) -> None:
    assert split_breaking(prefix + SEED_REST) == (True, SEED_REST)


def test_breaking_rest_keeps_tashkeel_and_tatweel_ar_brk_1() -> None:
    assert split_breaking("عاجـل: وَزِيرُ الدفـــاع") == (True, "وَزِيرُ الدفـــاع")


@pytest.mark.parametrize(
    "title",
    ["عاجلة هي الأخبار", "عاجلون في الطريق", "عاجلًا أم آجلًا", "وزير عاجل", "عاجل", "عاجل_وزير"],
)
def test_not_a_breaking_prefix_ar_brk_1(title: str) -> None:
    assert split_breaking(title) == (False, title)


# --- derived keys ---------------------------------------------------------------------


# Every mark `KEY_MARKS` names, one of each kind: tashkeel, superscript alef, a Quranic
# mark, tatweel, ZWSP, ZWNJ, ZWJ, LRM, RLM, ALM.
KEY_MARK_SAMPLES = ["\u064e", "\u0651", "\u0670", "\u06d6", "\u0640", "\u200b", "\u200c",
                    "\u200d", "\u200e", "\u200f", "\u061c"]  # fmt: skip


def test_fold_for_key_drops_marks_and_keeps_alef_variants_ar_txt_3() -> None:
    assert fold_for_key("أَحْمَـــد إِبراهيم آل ٱلكويت ١٢") == "أحمد إبراهيم آل ٱلكويت 12"


@pytest.mark.parametrize("mark", KEY_MARK_SAMPLES)
def test_every_key_drops_the_same_marks_ar_txt_3(mark: str) -> None:
    """One list of marks for slugs, dates and the «عاجل» prefix: each ignores all of them."""
    assert fold_for_key(f"وز{mark}ير") == "وزير"
    assert slugify(f"وز{mark}ير الدفاع") == "وزير-الدفاع"
    zone = ZoneInfo("Asia/Kuwait")
    assert parse_editor_date(f"15 ين{mark}اير 2024", zone) == parse_editor_date(
        "15 يناير 2024", zone
    )
    assert split_breaking(f"عا{mark}جل: وزير الدفاع") == (True, "وزير الدفاع")


def test_fold_for_key_folds_presentation_forms_honorifics_too_ar_txt_1() -> None:
    # Display keeps ﷺ (an editorial choice); keys spell it out, without its marks.
    assert clean_text("ﷺ")[0] == "ﷺ"
    assert fold_for_key("ﷺ") == "صلى الله عليه وسلم"
    assert fold_for_key("ﻭﺯﻳﺮ ﷲ") == "وزير الله"


PRESENTATION_FORMS = [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)]  # AR-TXT-1's ranges


@pytest.mark.parametrize(
    "char", [chr(c) for c in PRESENTATION_FORMS if unicodedata.decomposition(chr(c))]
)
def test_display_and_keys_fold_the_same_presentation_forms_ar_txt_1(char: str) -> None:
    shown = clean_text(char)[0]
    assert shown == char if char in HONORIFIC_LIGATURES else shown != char
    assert not any(ord(c) in PRESENTATION_FORMS for c in fold_for_key(char))
    assert fold_for_key(shown) == fold_for_key(char)


@pytest.mark.parametrize("char", ["\ufb4f", "\ufe6b", "\uff21"])  # just outside the ranges
def test_no_fold_outside_the_presentation_forms_ar_txt_1(char: str) -> None:
    assert clean_text(char)[0] == fold_for_key(char) == char


def test_fold_for_key_never_changes_display_text_ar_txt_3() -> None:
    title = "وَزِيرُ الدفـــاع"
    assert clean_line(title)[0] == title
    assert fold_for_key(title) == "وزير الدفاع"


# --- AR-DIR-2 (existing behaviour) ----------------------------------------------------


def test_rtl_title_prefixes_rlm_for_latin_first_ar_dir_2() -> None:
    assert rtl_title("iPhone 16 يصل إلى الأسواق") == RLM + "iPhone 16 يصل إلى الأسواق"
    assert rtl_title("2024: عام الانتخابات") == "2024: عام الانتخابات"
    assert rtl_title("Apple launches") == "Apple launches"
    assert first_strong_direction("123 وزير") == "rtl"


def test_rtl_title_never_doubles_a_leading_mark_ar_dir_2() -> None:
    title = "iPhone 16 يصل إلى الأسواق"
    assert rtl_title(RLM + title) == RLM + title
    assert rtl_title(RLM + RLM + title) == RLM + title
    assert rtl_title("\u200e\u061c" + title) == RLM + title
    assert rtl_title(RLM + "2024: عام الانتخابات") == "2024: عام الانتخابات"
    # An editor's mark inside the title stays; a leading LRM-led number needs the RLM.
    assert rtl_title("وزير \u200eiPhone\u200f 16") == "وزير \u200eiPhone\u200f 16"
    assert rtl_title("2024\u200e عام") == RLM + "2024\u200e عام"


def test_rtl_title_of_a_clean_line_has_one_rlm_ar_dir_2() -> None:
    title, _ = clean_line("\u200f\u200e iPhone\u200e 16 يصل")
    assert rtl_title(title) == RLM + "iPhone\u200e 16 يصل"


@given(TEXTS)
def test_rtl_title_is_idempotent_with_at_most_one_leading_mark_ar_dir_2(value: str) -> None:
    line, _ = clean_line(value)
    title = rtl_title(line)
    assert rtl_title(title) == title
    assert title in (line, RLM + line)
    assert not line.startswith(tuple(MARKS))


# Issue 8 #7: NFC sorts a run of combining marks in quadratic time; runs past Unicode's
# stream-safe limit of 30 are cut before it (a megabyte of tashkeel on one letter).
TASHKEEL = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652"


def test_marks_past_thirty_on_one_letter_are_removed() -> None:
    from nashra.core.text import MAX_MARKS_PER_LETTER

    text, removed = clean_text("ب" + TASHKEEL * 100_000 + " وزير")
    assert text.endswith(" وزير")
    assert len(text) == 1 + MAX_MARKS_PER_LETTER + len(" وزير")
    assert removed == len(TASHKEEL) * 100_000 - MAX_MARKS_PER_LETTER
    assert clean_text(text) == (text, 0)


def test_runs_joined_by_removed_characters_are_cut_too() -> None:
    text, _ = clean_text("ب" + (TASHKEEL * 4 + "\u200b") * 10_000)
    assert len(text) == 1 + 30
    assert clean_text(text) == (text, 0)


def test_real_vocalised_text_is_kept() -> None:
    text = "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ " * 1_000
    assert clean_text(text) == (unicodedata.normalize("NFC", text), 0)


def _clean_text_in_full(value: str) -> tuple[str, int]:
    """`clean_text` as first written: every step on every string, NFC twice."""
    from nashra.core import text as module

    stripped, removed = module._STRIPPED.subn("", value)
    capped = module._MARK_RUN.sub(r"\1", stripped)
    normal = unicodedata.normalize("NFC", capped)
    folded = module._PRESENTATION_FORMS.sub(module._fold_presentation_form, normal)
    return unicodedata.normalize("NFC", folded), removed + len(stripped) - len(capped)


HARD_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["\ufefb", "\ufdf2", "\ufe8d\u0651", "\u0627\u0653", "\u0651" * 31]),
        st.sampled_from(["\u200f", "\u200e", "\u061c", "\u202e", "\ufeff", "\x00", " ", "\n"]),
        st.sampled_from(["\u0301\u0323", "e\u0301", "\u00a0", "\u3000", "وزير", "x"]),
        st.text(max_size=4),
    ),
    max_size=40,
).map("".join)


@given(HARD_TEXT)
def test_clean_text_skips_only_steps_that_change_nothing_ar_txt_2(value: str) -> None:
    full, removed = _clean_text_in_full(value)
    assert clean_text(value) == (full, removed)
    line = re.sub(r"^[\s\u200e\u200f\u061c]+", "", re.sub(r"\s+", " ", full).strip())
    assert clean_line(value) == (line, removed)


@given(st.text(alphabet="عاجل: «»وزيرـ\u0651\u064e\u200f\u200b x", max_size=30))
def test_key_copy_with_and_without_marks_ar_brk_1(title: str) -> None:
    from nashra.core import text as module

    kept = [(i, c) for i, c in enumerate(title) if not module._KEY_MARKS.match(c)]
    expected = ("".join(c for _, c in kept), [i for i, _ in kept])
    assert module._key_with_positions(title) == expected
