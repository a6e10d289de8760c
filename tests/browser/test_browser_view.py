"""A feed opened in Chromium reads as an Arabic page with no XSLT, and so does its page.

`nashra build content` is served on 127.0.0.1 with the CDN's headers and opened in
Debian's headless Chromium (tests/browsing.py). Chromium shows an XSLT-styled document
under a red "This site uses XSLT; that functionality is being removed from this browser
very soon" banner (an `<xslt-warning-banner>` element in the dumped DOM), and a feed served
as `application/rss+xml` as raw text in a `<pre>`, with no stylesheet at all (P-CT-2,
P-XSLT-1). Each check below fails for one of those: the DOM must be the feed's own XML,
the CSS's colours must be in the screenshot, and no banner may be there.

Screenshots are kept for a person to look at: tests/artifacts/browser/*.png (ignored by
git). A missing Chromium fails these tests: `make test` installs it (`make system-deps`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from browsing import Visit, find_chromium, reddish, serve, share, top_rows, visit
from nashra.cli import build

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "browser"
FEEDS = ["breaking/rss.xml", "breaking/atom.xml"]
PAGES = [*FEEDS, "breaking/index.html", "index.html"]
BANNER = ("xslt-warning-banner", "This site uses XSLT")
NOTE = (0xFF, 0xF6, 0xD6)  # feed.css: the "this is a feed" note above a feed
BACKGROUND = (0xFA, 0xFA, 0xF7)  # feed.css's and every HTML page's background


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("public")
    build(ROOT / "content", out)
    return out


@pytest.fixture(scope="module")
def visits(built_site: Path) -> Iterator[dict[str, Visit]]:
    """Every page the tests look at, opened once each, side by side (1-3 s a run)."""
    chromium = find_chromium()
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: run `make system-deps`")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(built_site) as base, ThreadPoolExecutor(max_workers=len(PAGES)) as pool:
        seen = list(pool.map(lambda path: visit(chromium, base, path, ARTIFACTS), PAGES))
    print(f"\nscreenshots: {ARTIFACTS}")
    yield {v.path: v for v in seen}


def _feed_json(site: Path, feed: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((site / feed / "feed.json").read_bytes())
    return data


def newest_title(site: Path, feed: str) -> str:
    items = _feed_json(site, feed)["items"]
    assert isinstance(items, list) and items
    return str(items[0]["title"])


def rss_url(site: Path, feed: str) -> str:
    """The public RSS URL, from the JSON Feed's own `feed_url`."""
    return str(_feed_json(site, feed)["feed_url"]).rsplit("/", 1)[0] + "/rss.xml"


@pytest.mark.parametrize("path", FEEDS)
def test_a_feed_reads_as_a_page_styled_by_css_without_xslt(
    visits: dict[str, Visit], built_site: Path, path: str
) -> None:
    seen = visits[path]
    root = "<rss " if path.endswith("rss.xml") else "<feed "
    assert seen.dom.lstrip().startswith(root), seen.dom[:300]  # XML: not text, not XSLT
    assert not any(mark in seen.dom for mark in BANNER)
    assert newest_title(built_site, "breaking") in seen.dom
    assert f'href="{rss_url(built_site, "breaking").removesuffix("rss.xml")}' in seen.dom
    top = top_rows(seen.screenshot.read_bytes(), 160)
    assert share(top, NOTE) > 0.2, "feed.css was not applied: no note above the feed"
    assert share(top, BACKGROUND) > 0.1
    assert reddish(top) == 0


def test_the_feed_page_is_rtl_with_the_newest_item_and_subscribe_links(
    visits: dict[str, Visit], built_site: Path
) -> None:
    seen = visits["breaking/index.html"]
    assert '<html lang="ar" dir="rtl">' in seen.dom
    assert not any(mark in seen.dom for mark in BANNER)
    first_item = seen.dom.split('<ol class="items"', 1)[1].split("</article>", 1)[0]
    assert newest_title(built_site, "breaking") in first_item
    url = rss_url(built_site, "breaking")
    assert f"<code>{url}</code>" in seen.dom
    encoded = url.replace(":", "%3A").replace("/", "%2F")
    assert f"https://www.inoreader.com/?add_feed={encoded}" in seen.dom
    top = top_rows(seen.screenshot.read_bytes(), 160)
    assert share(top, BACKGROUND) > 0.5 and reddish(top) == 0


def test_the_copy_buttons_are_shown_by_the_script(visits: dict[str, Visit]) -> None:
    """Served hidden (without script the URLs are there to select, and no dead button
    shows); headless Chromium has the Clipboard API, so the inline script shows them."""
    dom = visits["breaking/index.html"].dom
    buttons = [part.split(">", 1)[0] for part in dom.split("<button")[1:]]
    assert len(buttons) == 3
    assert all("data-copy=" in b and "hidden" not in b for b in buttons)


def test_the_landing_page_links_every_feed_page(visits: dict[str, Visit], built_site: Path) -> None:
    seen = visits["index.html"]
    assert '<html lang="ar" dir="rtl">' in seen.dom
    feeds = sorted(p.parent.name for p in built_site.glob("*/index.html"))
    assert "breaking" in feeds and len(feeds) >= 3
    for feed in feeds:
        assert f'href="{feed}/index.html"' in seen.dom
