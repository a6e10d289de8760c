"""The hostile corpus (tests/corpus) through `nashra validate` and `nashra build`.

Each case is tried alone with one good article: validation never raises and gives the
expected outcome; a build never raises, publishes the good article in every format of
`all`, publishes an accepted case normalised as expected, and writes only feeds that
lxml, json and feedparser read cleanly. Config cases end in a config report, never a
traceback.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from corpus.checks import (
    CONTENT,
    CORPUS,
    DIRTY,
    FORMATS,
    GOOD_ID,
    GOOD_URL,
    assert_article,
    assert_in_feeds,
    assert_rejected,
    assert_well_formed,
    expectations,
    feed_titles,
    good_article,
    inbox_key,
    read_feeds,
    time_limit,
)
from corpus.make_corpus import materialise
from nashra.cli import main
from nashra.core.intake import parse_article
from nashra.core.site import parse_sections, parse_site

pytestmark = pytest.mark.corpus
EXPECTED = expectations()
ARTICLES = sorted(n for n in EXPECTED if n.startswith("articles/"))
CONFIGS = sorted(n for n in EXPECTED if n.startswith("config/"))
NOW = datetime.now(UTC)  # the CLI reads the clock too; clock-relative cases have ±10 min
VALIDATE_SECONDS, BUILD_SECONDS = 10, 30


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return materialise(tmp_path_factory.mktemp("corpus"), NOW)


def content_folder(root: Path, files: dict[str, bytes]) -> Path:
    """A content folder: content/'s config, the good article, then `files` on top."""
    folder = root / "content"
    (folder / "articles").mkdir(parents=True)
    for name in ("site.json", "sections.json"):
        shutil.copy(CONTENT / name, folder / name)
    (folder / "articles" / f"{GOOD_ID}.json").write_bytes(good_article())
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
    return folder


def run(argv: list[str], seconds: float, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with time_limit(seconds, " ".join(argv[:1])):
        code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("name", ARTICLES)
def test_parse_article(name: str, paths: dict[str, Path]) -> None:
    expect = EXPECTED[name]
    site = parse_site((CONTENT / "site.json").read_bytes())
    sections = parse_sections((CONTENT / "sections.json").read_bytes())
    with time_limit(VALIDATE_SECONDS, "parse_article"):
        result = parse_article(
            paths[name].read_bytes(), key=inbox_key(name), site=site, sections=sections, now=NOW
        )
    if expect["outcome"] == "rejected":
        assert result.article is None, f"accepted; expected {expect}"
        assert_rejected(expect, result.problems)
    else:
        errors = [p.as_line() for p in result.problems if p.severity == "error"]
        assert result.article is not None, errors
        assert_article(result.article, expect["check"])


@pytest.mark.parametrize("name", ARTICLES)
def test_validate_command(
    name: str, paths: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    expect = EXPECTED[name]
    code, out = run(
        ["validate", str(paths[name]), "--content", str(CONTENT)], VALIDATE_SECONDS, capsys
    )
    if expect["outcome"] == "accepted":
        assert code == 0, out
        return
    assert code == 1, out
    for rule in expect.get("rules", ()):
        assert f"[{rule}]" in out, out[:2000]
    assert "Traceback" not in out


def test_validate_folder_reports_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    """`nashra validate articles/` goes on past a file that once raised (issue 8, #8)."""
    code, out = run(["validate", str(CORPUS / "articles"), "--content", str(CONTENT)], 60, capsys)
    assert code == 1
    for name in ARTICLES:
        path = CORPUS / name
        if path.is_file() and EXPECTED[name]["outcome"] == "rejected":
            assert f"{path}: error" in out, name


@pytest.mark.parametrize("name", ARTICLES)
def test_build_with_a_good_article(
    name: str, paths: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = EXPECTED[name]
    raw = paths[name].read_bytes()
    folder = content_folder(tmp_path, {inbox_key(name): raw})
    out = tmp_path / "public"
    code, text = run(["build", str(folder), "--out", str(out)], BUILD_SECONDS, capsys)
    assert code == 0, text[-2000:]
    feeds = read_feeds(out)
    assert_well_formed(feeds)
    for fmt in FORMATS:
        assert GOOD_URL.encode() in feeds[f"all/{fmt}"], f"good article lost from all/{fmt}"
        assert GOOD_URL.encode() in feeds[f"gulf/{fmt}"], f"good article lost from gulf/{fmt}"
    if expect["outcome"] == "accepted":
        assert_accepted_case_published(raw, name, feeds, expect["check"])


def assert_accepted_case_published(
    raw: bytes, name: str, feeds: dict[str, bytes], check: dict[str, Any]
) -> None:
    site = parse_site((CONTENT / "site.json").read_bytes())
    sections = parse_sections((CONTENT / "sections.json").read_bytes())
    result = parse_article(raw, key=inbox_key(name), site=site, sections=sections, now=NOW)
    assert result.article is not None, "expected accepted"
    assert_in_feeds(feeds, result.article, check)


def config_folder(tmp_path: Path, name: str, paths: dict[str, Path]) -> Path:
    folder = content_folder(tmp_path, {})
    (folder / EXPECTED[name]["file"]).write_bytes(paths[name].read_bytes())
    return folder


@pytest.mark.parametrize("name", CONFIGS)
def test_build_with_a_hostile_config(
    name: str, paths: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = EXPECTED[name]
    folder = config_folder(tmp_path, name, paths)
    out = tmp_path / "public"
    code, text = run(["build", str(folder), "--out", str(out)], BUILD_SECONDS, capsys)
    assert "Traceback" not in text
    if expect["outcome"] == "rejected":
        assert code == 2, text[-2000:]
        for rule in expect["rules"]:
            assert f"[{rule}]" in text, text[-2000:]
        return
    assert code == 0, text[-2000:]
    feeds = read_feeds(out)
    assert_well_formed(feeds)
    assert GOOD_URL.encode() in feeds["all/feed.json"]
    dirty = {path: title for path, title in feed_titles(feeds).items() if DIRTY.search(title)}
    assert not dirty, dirty


@pytest.mark.parametrize("name", CONFIGS)
def test_validate_with_a_hostile_config(
    name: str, paths: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = EXPECTED[name]
    folder = config_folder(tmp_path, name, paths)
    article = folder / "articles" / f"{GOOD_ID}.json"
    code, text = run(["validate", str(article), "--content", str(folder)], 10, capsys)
    assert "Traceback" not in text
    if expect["outcome"] == "accepted":
        assert code == 0, text
        return
    assert code == 2, text
    for rule in expect["rules"]:
        assert f"[{rule}]" in text, text


def test_validate_names_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`nashra validate nosuch.json` says the file is missing, not the config (#12)."""
    missing = tmp_path / "nosuch.json"
    code, text = run(["validate", str(missing), "--content", str(CONTENT)], 10, capsys)
    assert code != 0
    assert "nosuch.json" in text
    assert "site configuration" not in text


@pytest.mark.parametrize("broken", [None, b"", b"{", b'{"title": "x"}'])
def test_build_without_a_usable_site_json(
    broken: bytes | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing or broken site.json is a config report and a failing exit, never 0 with
    the two config files counted as rejected articles (#11)."""
    folder = content_folder(tmp_path, {})
    if broken is None:
        (folder / "site.json").unlink()
    else:
        (folder / "site.json").write_bytes(broken)
    code, text = run(["build", str(folder), "--out", str(tmp_path / "public")], 30, capsys)
    assert code == 2, text
    assert "site.json" in text
    assert "rejected" not in text.split("site.json")[0]
    assert "Traceback" not in text
