"""Corrections at intake (B-19): plain text within the bound, and an `updated` after
`published` so that readers see the item change in place."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from nashra.core.article import MAX_CORRECTION_CHARS
from nashra.core.intake import parse_article
from nashra.core.problems import Problem
from nashra.core.site import Section, Site

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
STORY: dict[str, Any] = {
    "id": "port-expansion",
    "section": "economy",
    "title": "توسعة ميناء الشويخ تبدأ الشهر المقبل",
    "published": "2026-11-20T08:15:00+03:00",
    "updated": "2026-11-21T09:00:00+03:00",
    "body": "<p>أعلنت هيئة الموانئ بدء أعمال التوسعة.</p>",
    "correction": "ذكرت نسخة سابقة أن التوسعة تبدأ هذا الشهر، والصحيح الشهر المقبل.",
}


def intake(site: Site, sections: tuple[Section, ...], **changes: Any) -> tuple[Any, list[Problem]]:
    data = {k: v for k, v in {**STORY, **changes}.items() if v is not None}
    raw = json.dumps(data, ensure_ascii=False).encode()
    result = parse_article(raw, key="articles/x.json", site=site, sections=sections, now=NOW)
    return result.article, list(result.problems)


def rules(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in problems if p.severity == "error"]


def test_a_correction_with_a_later_updated_is_kept_as_clean_text(
    site: Site, sections: tuple[Section, ...]
) -> None:
    # NFD input, a bidi override and runs of spaces: cleaned like every text field.
    article, problems = intake(
        site, sections, correction="  تصحيح\u202e   الرقم: ا\u0654ربعة < 7 &amp; «صحيح»  "
    )
    assert rules(problems) == []
    # «&amp;» is published as written: the report says readers will see it so (a warning).
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("correction", "invisible-characters", "warning"),
        ("correction", "plain-text", "warning"),
    ]
    assert article.correction == "تصحيح الرقم: أربعة < 7 &amp; «صحيح»"
    assert article.updated == datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
    assert article.modified > article.published


def test_no_correction_field_means_none(site: Site, sections: tuple[Section, ...]) -> None:
    article, problems = intake(site, sections, correction=None, updated=None)
    assert problems == [] and article.correction is None


@pytest.mark.parametrize(
    ("length", "accepted"), [(MAX_CORRECTION_CHARS, True), (MAX_CORRECTION_CHARS + 1, False)]
)
def test_correction_length_is_bounded_after_cleaning_b_19(
    site: Site, sections: tuple[Section, ...], length: int, accepted: bool
) -> None:
    # Invisible characters do not count: the bound applies to what readers see.
    text = "ص" * length + "\u200b" * 10
    article, problems = intake(site, sections, correction=text)
    assert (article is not None) is accepted
    if not accepted:
        assert rules(problems) == [("correction", "correction-length")]
        error = next(p for p in problems if p.rule == "correction-length")
        assert f"{length:,}" in error.message_en and "280" in error.message_ar


@pytest.mark.parametrize(
    "updated",
    [None, "2026-11-20T08:15:00+03:00", "2026-11-20T05:15:00Z"],
    ids=["missing", "same-as-published", "same-instant-other-offset"],
)
def test_a_correction_needs_an_updated_after_published_b_19(
    site: Site, sections: tuple[Section, ...], updated: str | None
) -> None:
    article, problems = intake(site, sections, updated=updated)
    assert article is None
    assert rules(problems) == [("updated", "correction-updated")]
    error = problems[0]
    assert "updated" in error.message_en and "updated" in error.message_ar


def test_an_unreadable_updated_is_reported_once(site: Site, sections: tuple[Section, ...]) -> None:
    _, problems = intake(site, sections, updated="أمس")
    assert rules(problems) == [("updated", "date")]


def test_an_empty_correction_is_an_error_not_a_silent_drop(
    site: Site, sections: tuple[Section, ...]
) -> None:
    _, problems = intake(site, sections, correction=" \u200b ")
    assert ("correction", "required") in rules(problems)


def test_other_problems_do_not_hide_the_missing_updated(
    site: Site, sections: tuple[Section, ...]
) -> None:
    """Every problem of the file at once: a bad section does not stop the date check."""
    _, problems = intake(site, sections, section="nowhere", updated=None)
    assert set(rules(problems)) == {
        ("section", "unknown-section"),
        ("updated", "correction-updated"),
    }


def test_a_correction_must_be_a_string(site: Site, sections: tuple[Section, ...]) -> None:
    article, problems = intake(site, sections, correction=["x"])
    assert article is None and rules(problems) == [("correction", "string_type")]


def test_markup_in_a_correction_is_published_as_written_with_a_warning(
    site: Site, sections: tuple[Section, ...]
) -> None:
    article, problems = intake(site, sections, correction="الصحيح <b>الاثنين</b> لا الأحد")
    assert article.correction == "الصحيح <b>الاثنين</b> لا الأحد"
    assert [(p.field, p.rule, p.severity) for p in problems] == [
        ("correction", "plain-text", "warning")
    ]
    assert "readers see it as written" in problems[0].message_en
