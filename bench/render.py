"""nashra's XML writer against feedgen, the renderer it replaced (D14), on archive pages.

    .venv/bin/python bench/render.py                 # 2,000 articles, pages of 50, 5 rounds
    .venv/bin/python bench/render.py --articles 500 --rounds 3

The articles come from `bench/build.py`'s generator, through intake and `to_entry`, as a
build renders them; then every page of 50 is written in RSS and Atom by nashra's writer
and by the feedgen reference (`tests/feedgen_oracle.py`), interleaved round by round, and
checked byte for byte. CPU seconds of this process (`time.process_time`). The last line is
the ratio feedgen / nashra: how many times faster the writer is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import feedgen_oracle  # noqa: E402
from build import make_content  # noqa: E402
from nashra.adapters.local import FolderSource  # noqa: E402
from nashra.core.intake import parse_article  # noqa: E402
from nashra.core.site import FeedSpec  # noqa: E402
from nashra.publish import read_config  # noqa: E402
from nashra.render.atom import atom_bytes  # noqa: E402
from nashra.render.model import Channel, Entry, History, to_channel, to_entry  # noqa: E402
from nashra.render.rss import rss_bytes  # noqa: E402

PAGE = 50
Write = Callable[[Channel, Sequence[Entry]], bytes]


def pages(count: int) -> list[tuple[Channel, list[Entry]]]:
    """Every page of 50 of `count` generated articles, as a build's archive holds them."""
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp)
        make_content(content, count)
        config = read_config(FolderSource(content))
        now = datetime(2027, 1, 1, tzinfo=UTC)
        articles = []
        for path in sorted((content / "articles").glob("*.json")):
            key = f"articles/{path.name}"
            result = parse_article(
                path.read_bytes(), key=key, site=config.site, sections=config.sections, now=now
            )
            assert result.article is not None, result.problems
            articles.append(result.article)
    site, spec = config.site, FeedSpec(slug="all", title="كل الأخبار", description="نشرة")
    entries = [to_entry(site, article) for article in articles]
    found = []
    for n in range(0, len(entries), PAGE):
        page = entries[n : n + PAGE]
        history = History(page=n // PAGE + 1, prev=n // PAGE or None, next=n // PAGE + 2)
        found.append((to_channel(site, spec, page, history), page))
    return found


def write_all(documents: list[tuple[Channel, list[Entry]]], writes: Sequence[Write]) -> float:
    start = time.process_time()
    for channel, entries in documents:
        for write in writes:
            write(channel, entries)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    documents = pages(args.articles)
    ours, theirs = (rss_bytes, atom_bytes), (feedgen_oracle.rss_bytes, feedgen_oracle.atom_bytes)
    for channel, entries in documents:  # the same bytes, or the comparison means nothing
        for mine, reference in zip(ours, theirs, strict=True):
            assert mine(channel, entries) == reference(channel, entries)
    times: dict[str, list[float]] = {"nashra": [], "feedgen": []}
    for _ in range(args.rounds):  # interleaved, so drift hits both alike
        times["nashra"].append(write_all(documents, ours))
        times["feedgen"].append(write_all(documents, theirs))
    items = sum(len(entries) for _, entries in documents)
    print(f"{len(documents)} pages of {PAGE} ({items:,} items), RSS and Atom, {args.rounds} rounds")
    print(f"{'writer':<10}{'median CPU s':>14}{'µs per item and format':>26}")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"{name:<10}{median:>14.3f}{median / items / 2 * 1e6:>26.1f}")
    ratio = statistics.median(times["feedgen"]) / statistics.median(times["nashra"])
    print(f"feedgen / nashra: {ratio:.1f}x")


if __name__ == "__main__":
    main()
