"""Every rule id that nashra's code, tests, template or docs cite is defined in
docs/decisions.md, as the first cell of a table row.

A comment such as `# FG-6: dates from the articles` is only useful if a reader can look
FG-6 up. Ids are defined once, in decisions.md's tables (`| AR-S3-1 | …`); a citation of an
id that no row defines (a retired `D-6`, a typo, an id from a document that is not in the
repository) fails here, naming the file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ROOT / "docs" / "decisions.md"
THIS_FILE = Path(__file__).resolve()

# The id families decisions.md uses, plus the retired and never-defined forms that must not
# come back: AR-TXT-2, P-KEY-1 (any middle part), FG-6, B-2, D3, and the old feedgen D-6 and
# the undefined C-4. A %-escape (`%D8`) or a longer hex number (`D800`) is not an id.
CITED_ID = re.compile(
    r"(?<![\w%+#&.-])(?:(?:AR|P)-[A-Z0-9]+-\d+|FG-\d+|B-\d+|D-?\d{1,2}|C-\d+)(?![\w-])"
)
DEFINED_ROW = re.compile(r"^\|\s*([A-Z][A-Z0-9-]*\d)\s*\|", re.MULTILINE)

CODE_DIRS = ("functions", "tests", "bench")
OTHER_FILES = (
    "template.yaml",
    "README.md",
    "docs/design.md",
    "infra/README.md",
    "content/README.md",
)
SKIP_DIRS = {"node_modules", "__pycache__", ".hypothesis", ".pytest_cache"}


def defined_ids(markdown: str) -> set[str]:
    """The ids decisions.md defines: the first cell of every table row that is an id."""
    return set(DEFINED_ROW.findall(markdown))


def cited_ids(text: str) -> Iterator[tuple[int, str]]:
    """(line number, id) for every rule id cited in `text`."""
    for number, line in enumerate(text.splitlines(), start=1):
        for match in CITED_ID.finditer(line):
            yield number, match.group(0)


def undefined_citations(text: str, defined: set[str]) -> list[tuple[int, str]]:
    return [(line, rule) for line, rule in cited_ids(text) if rule not in defined]


def scanned_files() -> Iterator[Path]:
    """Python under functions/, tests/ and bench/, the template, and the prose docs."""
    for top in CODE_DIRS:
        for folder, dirs, files in os.walk(ROOT / top):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith("egg-info"))
            for name in sorted(files):
                path = Path(folder, name)
                if name.endswith(".py") and path.resolve() != THIS_FILE:
                    yield path
    for name in OTHER_FILES:
        yield ROOT / name


@pytest.fixture(scope="module")
def defined() -> set[str]:
    return defined_ids(DECISIONS.read_text(encoding="utf-8"))


def test_decisions_define_every_family(defined: set[str]) -> None:
    """The tables are found, and each family the docs promise has rows."""
    for rule in ("AR-S3-1", "AR-TXT-2", "D1", "D9", "P-KEY-1", "P-FEED-1", "FG-1", "FG-22"):
        assert rule in defined
    assert not {rule for rule in defined if re.fullmatch(r"D-\d+|C-\d+", rule)}


def test_every_defined_id_is_a_form_the_scan_recognises(defined: set[str]) -> None:
    """A new family in decisions.md must be added to CITED_ID too, or its citations
    would never be checked."""
    assert {rule for rule in defined if not CITED_ID.fullmatch(rule)} == set()


def test_every_cited_id_is_defined(defined: set[str]) -> None:
    problems = []
    for path in scanned_files():
        text = path.read_text(encoding="utf-8")
        for line, rule in undefined_citations(text, defined):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {rule}")
    assert problems == [], "ids not defined in docs/decisions.md:\n" + "\n".join(problems)


def test_the_scan_finds_the_files_that_cite_ids() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in scanned_files()}
    assert "functions/nashra/render/xml.py" in names
    assert "template.yaml" in names
    assert not any("node_modules" in name for name in names)


SYNTHETIC_DECISIONS = """
| ID | Rule |
|---|---|
| AR-S3-1 | keys raw |
| D6 | Powertools |
| FG-6 | feed dates |

Prose that mentions P-KEY-1 outside a table defines nothing.
"""


def test_an_undefined_id_fails_and_a_defined_one_passes() -> None:
    defined = defined_ids(SYNTHETIC_DECISIONS)
    assert defined == {"AR-S3-1", "D6", "FG-6"}
    code = (
        "# AR-S3-1: the key is used raw\n"
        "fg.updated(x)  # D-6: the old feedgen id\n"
        "# FG-6 and D6 are both defined\n"
        "# see P-KEY-1, C-4 and AR-TXT-9\n"
    )
    assert undefined_citations(code, defined) == [
        (2, "D-6"),
        (4, "P-KEY-1"),
        (4, "C-4"),
        (4, "AR-TXT-9"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "'https://example.com/%D8%B3%D9%8A'",  # percent-encoded Arabic
        "U+D800–U+DFFF are surrogates",
        "UTF-8, SHA-256, ISO-8601, RFC 9110 §13.2.2",
        "x-amz-meta-sha256, BOM-1, D10X",
    ],
)
def test_things_that_are_not_ids_are_not_cited(text: str) -> None:
    assert list(cited_ids(text)) == []
