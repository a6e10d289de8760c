"""site.json and sections.json are read as strictly as articles, cleaned like article
text, and every value is bounded: a bad value is a report, never a crash in a later batch
(issue: one file never stops publishing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nashra.core.problems import ConfigError
from nashra.core.site import MAX_SECTIONS, feed_catalog, parse_sections, parse_site

CONTENT = Path(__file__).resolve().parents[2] / "content"
SITE = json.loads((CONTENT / "site.json").read_text(encoding="utf-8"))
SECTIONS = json.loads((CONTENT / "sections.json").read_text(encoding="utf-8"))


def site_bytes(**changes: Any) -> bytes:
    return json.dumps({**SITE, **changes}, ensure_ascii=False).encode("utf-8")


def rules_of(raw: bytes, parse: Any = parse_site) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        parse(raw)
    for problem in caught.value.problems:
        assert problem.message_en and problem.message_ar
    return [(p.field, p.rule) for p in caught.value.problems]


@pytest.mark.parametrize("tag_date", ["2026-13-45", "2026-02-30", "2026-00", "0000"])
def test_tag_date_must_be_a_real_date(tag_date: str) -> None:
    """It goes into every item id (RFC 4151): an impossible date failed every batch."""
    assert rules_of(site_bytes(tag_date=tag_date)) == [
        ("config/site.json:tag_date", "config-value")
    ]


@pytest.mark.parametrize("tag_date", ["2026", "2026-02", "2024-02-29"])
def test_real_tag_dates_are_accepted(tag_date: str) -> None:
    assert parse_site(site_bytes(tag_date=tag_date)).tag_date == tag_date


def test_duplicate_keys_are_rejected_like_in_articles() -> None:
    raw = site_bytes()[:-1] + b', "title": "\xd8\xa3\xd8\xae\xd8\xb1\xd9\x89"}'
    assert rules_of(raw) == [("config/site.json:title", "duplicate-key")]
    assert rules_of(b'[{"slug": "a", "title": "x", "slug": "b"}]', parse_sections) == [
        ("config/sections.json:slug", "duplicate-key")
    ]


def test_site_and_section_text_is_cleaned_before_it_reaches_every_feed_title() -> None:
    site = parse_site(site_bytes(title="\u202eنشرة\u200b", description="خلاصة\u2066 اليوم"))
    sections = parse_sections(
        json.dumps([{"slug": "gulf", "title": "خليج\u202e\u200b"}]).encode("utf-8")
    )
    assert (site.title, site.description, sections[0].title) == ("نشرة", "خلاصة اليوم", "خليج")
    titles = [spec.title for spec in feed_catalog(site, sections)]
    assert all("\u202e" not in t and "\u200b" not in t for t in titles)


def test_a_title_of_invisible_characters_only_is_empty() -> None:
    assert rules_of(site_bytes(title="\u200b\u202e")) == [
        ("config/site.json:title", "config-value")
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "ن" * 201}, "title"),
        ({"description": "ن" * 1001}, "description"),
        ({"max_feed_bytes": 10_000_001}, "max_feed_bytes"),
        ({"items_per_feed": 1001}, "items_per_feed"),
        ({"tag_authority": "a" * 254}, "tag_authority"),
    ],
)
def test_every_site_value_is_bounded(changes: dict[str, Any], field: str) -> None:
    assert rules_of(site_bytes(**changes)) == [(f"config/site.json:{field}", "config-value")]


def test_sections_are_bounded() -> None:
    many = [{"slug": f"s{n}", "title": f"قسم {n}"} for n in range(MAX_SECTIONS + 1)]
    assert rules_of(json.dumps(many).encode("utf-8"), parse_sections) == [
        ("config/sections.json", "config-value")
    ]
    assert len(parse_sections(json.dumps(many[:MAX_SECTIONS]).encode("utf-8"))) == MAX_SECTIONS


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"title": "\\ud800", "base_url": "https://a.example", "feeds_url": "https://f.example"}',
        "\ufeff{}".encode("utf-16"),
        b"",
        b"null",
    ],
)
def test_hostile_config_bytes_are_reports_not_crashes(raw: bytes) -> None:
    for parse in (parse_site, parse_sections):
        with pytest.raises(ConfigError) as caught:
            parse(raw)
        assert caught.value.problems
        json.dumps([p.as_dict() for p in caught.value.problems], ensure_ascii=False).encode()


def test_content_config_is_unchanged_by_the_checks() -> None:
    site = parse_site((CONTENT / "site.json").read_bytes())
    assert site.title == SITE["title"] and site.tag_date == SITE["tag_date"]
    assert [s.slug for s in parse_sections((CONTENT / "sections.json").read_bytes())] == [
        s["slug"] for s in SECTIONS
    ]


@pytest.mark.parametrize(
    ("changes", "english", "arabic"),
    [
        ({"timezone": "Kuwait"}, "unknown time zone 'Kuwait'; write a zone of the tz", "«Kuwait»"),
        (
            {"base_url": "www.nashra.example"},
            "must be an absolute http(s) URL, like",
            "رابطًا كاملًا",
        ),
        ({"hub": "hub.example"}, "must be an absolute http(s) URL", "رابطًا كاملًا"),
        ({"language": "Arabic"}, "must be a language tag, like ar or ar-KW", "رمز لغة"),
        ({"tag_authority": "Nashra Example"}, "must be a host name in lower case", "اسم نطاق"),
        ({"tag_date": "2026-02-30"}, "'2026-02-30' is not a real date", "«2026-02-30» ليس تاريخًا"),
        ({"title": "\u200f\u200e"}, "the title is empty once invisible characters", "العنوان فارغ"),
        ({"items_per_feed": 0}, "must be at least 1", "ألا تقل القيمة عن 1"),
    ],
)
def test_a_bad_site_value_is_said_in_both_languages(
    changes: dict[str, Any], english: str, arabic: str
) -> None:
    """What an operator reads in the report: the fix, in English and in Arabic, never the
    validator's own words ("String should match pattern …", "Value error, …")."""
    with pytest.raises(ConfigError) as caught:
        parse_site(site_bytes(**changes))
    [problem] = caught.value.problems
    assert english in problem.message_en and arabic in problem.message_ar
    for words in ("should match pattern", "Value error", "Input should"):
        assert words not in problem.message_en and words not in problem.message_ar


def test_a_section_slug_is_said_in_words() -> None:
    raw = json.dumps([*SECTIONS, {"slug": "Gulf News", "title": "أخبار"}]).encode()
    with pytest.raises(ConfigError) as caught:
        parse_sections(raw)
    [problem] = caught.value.problems
    assert problem.field == f"config/sections.json:[{len(SECTIONS)}].slug"
    assert "lower-case latin letters, digits and hyphens" in problem.message_en
    assert "حروفًا لاتينية صغيرة" in problem.message_ar


def test_both_config_files_are_reported_at_once(tmp_path: Path) -> None:
    """A bad site.json does not hide a bad sections.json: one report says all, once each
    (`nashra build` reads the config for each of the two keys)."""
    from nashra.builder import build

    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    (content / "site.json").write_bytes(site_bytes(timezone="Kuwait"))
    (content / "sections.json").write_text(
        json.dumps([*SECTIONS, {"slug": "Gulf News", "title": "أخبار"}]), encoding="utf-8"
    )
    built = build(content, tmp_path / "out")
    assert [p.field for p in built.config_problems] == [
        "config/site.json:timezone",
        f"config/sections.json:[{len(SECTIONS)}].slug",
    ]


def test_a_bad_slug_does_not_hide_a_slug_given_twice() -> None:
    raw = json.dumps(
        [*SECTIONS, {"slug": "Gulf News", "title": "أ"}, {"slug": "gulf", "title": "ب"}]
    ).encode()
    assert rules_of(raw, parse_sections) == [
        (f"config/sections.json:[{len(SECTIONS)}].slug", "config-value"),
        ("config/sections.json", "section-slug"),
    ]


@pytest.mark.parametrize("parse", [parse_site, parse_sections])
def test_a_file_level_problem_names_the_file_once(parse: Any) -> None:
    """Not «config/sections.json:config/sections.json»."""
    [(field, rule)] = rules_of(b" " * (2 * 1024 * 1024), parse)
    assert field in ("config/site.json", "config/sections.json") and rule == "max-size"
