"""One publish into a feed whose history is 1,000 or 10,000 articles (RFC 5005 archives, D12).

For each size, side by side in one run: an in-memory index holding N articles of one
section (so `economy` and `all` each have N, and N / 50 archive pages), sealed by one first
render (timed: it writes each page once); then 20 publishes of one new story each, by a new
publisher each, as the Lambda function does. Counted per publish: the archived articles
read back (between the boundary and the live feed, and the marked ones), the archive pages
rendered and sealed; timed: the publish. The reads and renders must not grow with N; the
time grows only with what the in-memory index does for every feed read (it sorts a feed's
articles to find its newest, where DynamoDB reads them in order).

    .venv/bin/python bench/archive.py [--sizes 1000 10000] [--publishes 20]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from nashra.adapters.local import FolderSource, MemoryIndex, MemoryReports
from nashra.core.article import Article
from nashra.core.keys import CONFIG_KEYS
from nashra.ports import Place
from nashra.publish import Publisher

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2020, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
BODY = "<p>" + "أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية في المنطقة " * 12 + "</p>"


class CountingIndex(MemoryIndex):
    """MemoryIndex that counts the archived articles the publisher reads back."""

    def __init__(self) -> None:
        super().__init__()
        self.read = 0

    def between(self, feed: str, after: Place | None, before: Place) -> Iterator[Article]:
        for article in super().between(feed, after, before):
            self.read += 1
            yield article

    def marked(self, feed: str, upto: Place) -> list[Article]:
        found = super().marked(feed, upto)
        self.read += len(found)
        return found


class PageStore:
    """FeedStore in memory that counts archive pages written."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.pages = 0

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        if self.files.get(path) == body:
            return False
        self.files[path] = body
        self.pages += "/archive/" in path
        return True

    def paths(self) -> Iterator[str]:
        yield from sorted(self.files)

    def delete(self, path: str) -> None:
        self.files.pop(path, None)


def article(n: int) -> Article:
    return Article(
        id=f"a{n:06d}",
        key=f"articles/a{n:06d}.json",
        section="economy",
        title=f"خبر رقم {n}",
        summary="ملخص الخبر",
        body_html=BODY,
        url=f"https://www.nashra.example/economy/a{n:06d}",
        published=T0 + timedelta(hours=n),
    )


def measure(size: int, publishes: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="nashra-archive-") as tmp:
        inbox = Path(tmp)
        (inbox / "articles").mkdir()
        for name in ("site.json", "sections.json"):
            shutil.copy(ROOT / "content" / name, inbox / name)
        index, store = CountingIndex(), PageStore()
        for n in range(size):
            index.save(article(n), frozenset({"economy", "all"}), None)

        def publisher() -> Publisher:
            return Publisher(
                source=FolderSource(inbox),
                index=index,
                store=store,
                reports=MemoryReports(),
                clock=lambda: NOW,
            )

        started = time.perf_counter()
        publisher().publish(list(CONFIG_KEYS))  # renders every feed: seals the history
        first = time.perf_counter() - started
        first_pages, index.read, store.pages = store.pages, 0, 0
        times = []
        for n in range(size, size + publishes):
            story = article(n)
            data = {
                "id": story.id,
                "section": "economy",
                "title": story.title,
                "body": BODY,
                "published": story.published.isoformat(),
            }
            (inbox / story.key).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
            started = time.perf_counter()
            publisher().publish([story.key])
            times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(publishes):
            for feed in ("economy", "all"):
                index.newest(feed, 50)
        scans = (time.perf_counter() - started) / publishes
        return {
            "scans": scans,
            "first": first,
            "first_pages": first_pages,
            "publish": statistics.median(times),
            "read": index.read / publishes,
            "pages": store.pages / publishes,
        }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--publishes", type=int, default=20)
    args = parser.parse_args(argv)
    rows = {size: measure(size, args.publishes) for size in args.sizes}
    print(
        f"{'articles':>9} | {'first render':>12} | {'pages written':>13} | "
        f"{'publish (median)':>16} | {'archived read':>13} | {'pages written':>13} | "
        f"{'in-memory newest 50 x2':>22}"
    )
    for size, row in rows.items():
        print(
            f"{size:>9,} | {row['first']:>11.2f}s | {row['first_pages']:>13,.0f} | "
            f"{row['publish'] * 1000:>14.0f}ms | {row['read']:>13.1f} | {row['pages']:>13.2f} | "
            f"{row['scans'] * 1000:>20.1f}ms"
        )
    small, large = rows[min(rows)], rows[max(rows)]
    publish = large["publish"] / small["publish"]
    read = large["read"] / max(small["read"], 1e-9)
    print(
        f"ratio {max(rows):,}/{min(rows):,} articles: archived articles read per publish "
        f"{read:.2f}x, publish time {publish:.2f}x"
    )


if __name__ == "__main__":
    main()
