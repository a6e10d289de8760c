"""A feed's page is published and pruned with its feed; an old feed.xsl is left alone.

Two `nashra build`s of content/'s configuration into one folder, the second without one
section, as when an editor removes it from sections.json (P-XSLT-1). No article is
needed: every feed and page is written, empty, from the configuration alone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from nashra.cli import build
from nashra.render import FEED_FILES

CONTENT = Path(__file__).resolve().parents[2] / "content"


def _config(folder: Path, sections: list[dict[str, str]]) -> Path:
    (folder / "articles").mkdir(parents=True)
    shutil.copy(CONTENT / "site.json", folder / "site.json")
    (folder / "sections.json").write_text(json.dumps(sections, ensure_ascii=False), "utf-8")
    return folder


def test_a_removed_sections_page_goes_with_its_feeds_and_feed_xsl_stays(tmp_path: Path) -> None:
    out = tmp_path / "public"
    sections = json.loads((CONTENT / "sections.json").read_text("utf-8"))
    build(_config(tmp_path / "before", sections), out)
    gone = sections[-1]["slug"]
    assert sorted(p.name for p in (out / gone).iterdir()) == sorted(FEED_FILES)
    (out / "feed.xsl").write_bytes(b"<xsl:stylesheet/>")  # as a deployed bucket still has

    _, written, _ = build(_config(tmp_path / "after", sections[:-1]), out)

    assert not (out / gone).exists() or list((out / gone).iterdir()) == []
    assert (out / "feed.xsl").read_bytes() == b"<xsl:stylesheet/>"  # unreferenced, kept
    assert f'href="{gone}/index.html"' not in (out / "index.html").read_text("utf-8")
    assert "index.html" in written  # the landing page no longer lists it
    kept = sections[0]["slug"]
    assert sorted(p.name for p in (out / kept).iterdir()) == sorted(FEED_FILES)
