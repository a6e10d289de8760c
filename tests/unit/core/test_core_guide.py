"""The editors' guide (content/README.md): Arabic first, then English, and in step with the
code: every field in both field tables, every date it shows accepted as it says, every
rule it names one that nashra reports, its minimal article valid."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nashra.core.article import ArticleInput
from nashra.core.dates import parse_editor_date
from nashra.core.intake import parse_article
from nashra.core.problems import DateParseError
from nashra.core.site import Section, Site

ROOT = Path(__file__).resolve().parents[3]
GUIDE = (ROOT / "content" / "README.md").read_text("utf-8")
ARABIC_PART, _, ENGLISH_PART = GUIDE.partition("\n# Editors' guide")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
FIELDS = {f.alias or name for name, f in ArticleInput.model_fields.items()}


def section(part: str, heading: str) -> str:
    """The text under `heading` (any level) up to the next heading."""
    start = part.index(heading)
    rest = part[start + len(heading) :]
    end = re.search(r"^#{1,3} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def first_cells(text: str) -> list[str]:
    rows = re.findall(r"^\| (.+?) \|", text, re.MULTILINE)
    return [row for row in rows if not set(row) <= {"-", "|"}][1:]  # without the header


def test_arabic_comes_first_then_english() -> None:
    assert ENGLISH_PART, "no English part"
    assert GUIDE.startswith('<div dir="rtl" lang="ar">')
    assert "# دليل المحرر" in ARABIC_PART
    assert ARABIC_PART.rstrip().endswith("</div>\n\n---")  # the RTL block ends before it
    arabic_headings = re.findall(r"^##+ (.+)$", ARABIC_PART, re.MULTILINE)
    english_headings = re.findall(r"^##+ (.+)$", ENGLISH_PART, re.MULTILINE)
    assert len(arabic_headings) == len(english_headings)  # the same sections, in order
    assert all(re.search("[\u0621-\u064a]", h) for h in arabic_headings)


@pytest.mark.parametrize(
    ("part", "heading"), [(ARABIC_PART, "### الحقول"), (ENGLISH_PART, "### Fields")]
)
def test_every_field_is_in_both_field_tables(part: str, heading: str) -> None:
    names = {cell.strip("`") for cell in first_cells(section(part, heading))}
    assert names == FIELDS


def test_both_limit_tables_name_the_same_rules_and_nashra_reports_each() -> None:
    def rules(part: str, heading: str) -> set[str]:
        table = section(part, heading)
        return {
            r
            for row in re.findall(r"\| ([^|]+) \|$", table, re.MULTILINE)
            for r in re.findall(r"`([a-z0-9-]+)`", row)
        }

    arabic, english = rules(ARABIC_PART, "### الحدود"), rules(ENGLISH_PART, "### Limits")
    assert arabic == english
    assert {"correction-length", "correction-updated", "plain-text"} <= english
    source = "\n".join(p.read_text("utf-8") for p in (ROOT / "functions" / "nashra").rglob("*.py"))
    missing = [rule for rule in english if f'"{rule}"' not in source]
    assert missing == []


def date_examples(part: str, heading: str) -> list[str]:
    return re.findall(r'`"([^"`]+)"`', section(part, heading))


@pytest.mark.parametrize(
    "example",
    sorted(
        set(date_examples(ARABIC_PART, "## التواريخ") + date_examples(ENGLISH_PART, "## Dates"))
    ),
)
def test_every_date_the_guide_shows_is_read(example: str, site: Site) -> None:
    moment = parse_editor_date(example, site.zone, now=NOW)
    assert moment.year == 2026 and moment.utcoffset() is not None


def test_the_dates_the_guide_explains_mean_what_it_says(site: Site) -> None:
    assert parse_editor_date("05/11/2026 10:30", site.zone, now=NOW).month == 11
    assert parse_editor_date("2026-11-05T10:00:00 +03:00", site.zone, now=NOW).day == 5
    assert parse_editor_date("١٢:٣٠ ص ١٥ نوفمبر ٢٠٢٦", site.zone, now=NOW).hour == 0
    for rejected in ("15 نوفمبر", "أمس", "4 رجب 1448هـ", "15 نوفمبر 2026 الساعة الثالثة"):
        with pytest.raises(DateParseError):
            parse_editor_date(rejected, site.zone, now=NOW)


@pytest.mark.parametrize("part", [ARABIC_PART, ENGLISH_PART], ids=["ar", "en"])
def test_the_minimal_article_is_accepted(
    part: str, site: Site, sections: tuple[Section, ...]
) -> None:
    block = re.search(r"```json\n(\{\n  \"\$schema\".+?)\n```", part, re.DOTALL)
    assert block is not None
    raw = block.group(1).encode()
    result = parse_article(raw, key="articles/my-story.json", site=site, sections=sections, now=NOW)
    assert result.article is not None and result.problems == ()
    assert json.loads(raw)["$schema"] == "../schema/article.schema.json"


@pytest.mark.parametrize("part", [ARABIC_PART, ENGLISH_PART], ids=["ar", "en"])
def test_the_sample_report_is_what_nashra_reports(
    part: str, site: Site, sections: tuple[Section, ...]
) -> None:
    """The report the guide shows, word for word, is the one a file with that date gets
    (the guide's minimal article, its `published` replaced by the date the report quotes)."""
    block = re.search(r"```json\n(\{\n  \"key\".+?)\n```", part, re.DOTALL)
    assert block is not None
    shown = json.loads(block.group(1))
    [problem] = shown["problems"]
    written = re.search(r"«([^»]+)»", problem["message_ar"])
    assert written is not None
    minimal = re.search(r"```json\n(\{\n  \"\$schema\".+?)\n```", part, re.DOTALL)
    assert minimal is not None
    article = {**json.loads(minimal.group(1)), problem["field"]: written.group(1)}
    raw = json.dumps(article, ensure_ascii=False).encode()
    result = parse_article(raw, key=shown["key"], site=site, sections=sections, now=NOW)
    assert result.article is None and shown["accepted"] is False
    assert [p.as_dict() for p in result.problems] == [problem]
