"""The feeds built from content/ are compared byte for byte with tests/golden/.

After an intended change to rendering or content, regenerate with
`NASHRA_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_golden.py` and review the diff.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from nashra.cli import build

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public")
    build(ROOT / "content", out)
    if os.environ.get("NASHRA_UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(out, GOLDEN)
    return out


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_build_matches_golden_files(built: Path) -> None:
    got, want = _files(built), _files(GOLDEN)
    assert sorted(got) == sorted(want)
    changed = [name for name in want if got[name] != want[name]]
    assert changed == []


def test_second_build_is_byte_identical_and_writes_nothing(built: Path) -> None:
    before = _files(built)
    _, written, unchanged = build(ROOT / "content", built)
    assert written == []
    assert sorted(unchanged) == sorted(before)
    assert _files(built) == before


def test_every_section_and_special_feed_exists(built: Path) -> None:
    import json

    sections = json.loads((ROOT / "content" / "sections.json").read_text("utf-8"))
    for feed in ["all", "breaking", *(s["slug"] for s in sections)]:
        for name in ("rss.xml", "atom.xml", "feed.json", "index.html"):
            assert (built / feed / name).stat().st_size > 0
    for name in ("feeds.opml", "index.html", "feed.css"):
        assert (built / name).is_file()
