"""What a sweep costs: 1k, 10k and 100k-article inboxes, unchanged and with 1% changed.

    .venv/bin/python bench/sweep.py                  # in memory: 1k, 10k, 100k; moto: 1k, 10k
    .venv/bin/python bench/sweep.py --sizes 1000 --moto-sizes 1000

Each sweep runs as the work queue runs it: one chunk (one listing page) per message and per
publisher, each flushed, the next chunk handed back by a queue stub; the real `Publisher`
and `nashra.sweep` decide everything. Two inboxes:

- in memory: an inbox held in a dict (counting list pages, HEADs and GETs) over
  `MemoryIndex` (counting reads and writes). Its `newest` keeps each feed sorted instead of
  scanning every article, as a DynamoDB Query does; at 100k the index is filled directly
  (one parsed article per section and flag, copied), not by a cold sweep.
- moto: S3 and DynamoDB through the real adapters, every API call counted by botocore's
  `before-call` hook; the index is filled by a cold sweep, which is measured too.

Per sweep: wall time, listing calls, HEADs and GETs per article, index reads and writes per
article, feed renders and files written. "1% changed": every hundredth article re-uploaded
with another title. The last line checks issue 9's targets: an unchanged inbox costs one
list call per 1,000 keys and no article GET; within each chunk every touched feed is
rendered once (the last chunk renders every feed: it also heals feeds damaged by hand).
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import math
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nashra.adapters.local import MemoryIndex, MemoryReports
from nashra.core.article import Article
from nashra.core.intake import parse_article
from nashra.core.keys import ARTICLES_PREFIX, SECTIONS_KEY, SITE_KEY
from nashra.core.site import feeds_for, parse_sections, parse_site
from nashra.dev.resources import create_index_table
from nashra.lookahead import WORKERS
from nashra.ports import Fetched, Seen, Stored
from nashra.publish import Outcome, Publisher
from nashra.work import Message, Sweep

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SECTIONS = [s["slug"] for s in json.loads((CONTENT / "sections.json").read_bytes())]
INBOX, FEEDS, TABLE = "bench-inbox", "bench-feeds", "bench-index"
MOTO_BUDGET = 60.0  # seconds: a moto size runs only if the smaller one predicts it fits


def article_bytes(n: int, title: str = "عنوان الخبر") -> bytes:
    """The upload of article n: deterministic, a section by n, 5% breaking."""
    body = {
        "id": f"article-{n:06d}",
        "section": SECTIONS[n % len(SECTIONS)],
        "title": f"{title} رقم {n}",
        "breaking": n % 20 == 0,
        "published": f"2026-{1 + n % 11:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00+03:00",
        "body": "<p>أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية في المنطقة.</p>",
        "authors": ["سارة الكندري"],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def article_key(n: int) -> str:
    return f"{ARTICLES_PREFIX}article-{n:06d}.json"


def etag(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# -- the in-memory inbox and index -----------------------------------------------------------


class MemoryInbox:
    """ArticleSource over a dict, in S3's key order, counting what S3 would bill."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.keys: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        if key not in self.objects:
            bisect.insort(self.keys, key)
        self.objects[key] = (data, etag(data))

    def read(self, key: str) -> bytes | None:
        self.counts["get" if key.startswith(ARTICLES_PREFIX) else "get config"] += 1
        stored = self.objects.get(key)
        return None if stored is None else stored[0]

    def fetch(self, key: str, limit: int) -> Fetched | None:
        self.counts["get" if key.startswith(ARTICLES_PREFIX) else "get config"] += 1
        stored = self.objects.get(key)
        if stored is None:
            return None
        data, tag = stored
        return Fetched(tag, len(data), data if len(data) <= limit else None)

    def stat(self, key: str) -> Stored | None:
        self.counts["head"] += 1
        stored = self.objects.get(key)
        return None if stored is None else Stored(stored[1], len(stored[0]))

    def list_keys(self, prefix: str) -> Iterator[str]:
        self.counts["list"] += math.ceil(len(self.keys) / 1000) or 1
        yield from (k for k in self.keys if k.startswith(prefix))

    def list_page(self, prefix: str, after: str, limit: int) -> list[tuple[str, str]]:
        self.counts["list"] += 1
        start = bisect.bisect_right(self.keys, max(after, prefix))
        page = [k for k in self.keys[start : start + limit] if k.startswith(prefix)]
        return [(k, self.objects[k][1]) for k in page]


# What the publisher calls: each is one request or more on DynamoDB (`lookup` one per 100
# items, `commit` one transaction); `commit` applies its changes through `save` & co.
READS = ("get", "find_by_key", "lookup", "newest", "rejected", "seen", "seen_between")
WRITES = ("commit",)


class CountingIndex(MemoryIndex):
    """MemoryIndex counting reads and writes; each feed kept sorted by (published, id), so
    `newest` costs what a DynamoDB Query does rather than a scan of every article."""

    def __init__(self, counts: Counter[str]) -> None:
        super().__init__()
        self.counts = counts
        self.sorted: dict[str, list[tuple[datetime, str]]] = {}
        self.seen_keys: list[str] = []

    def save(self, article: Article, feeds: frozenset[str], previous: Article | None) -> None:
        for old in (previous, self._articles.get(article.id)):
            if old is not None:
                self._unlist(old)
        super().save(article, feeds, previous)
        for feed in feeds:
            bisect.insort(self.sorted.setdefault(feed, []), (article.published, article.id))

    def remove(self, article: Article) -> None:
        self._unlist(article)
        super().remove(article)

    def _unlist(self, article: Article) -> None:
        for feed in self._feeds.get(article.id, frozenset()):
            entries = self.sorted.get(feed, [])
            at = bisect.bisect_left(entries, (article.published, article.id))
            if at < len(entries) and entries[at] == (article.published, article.id):
                del entries[at]

    def newest(self, feed: str, limit: int) -> list[Article]:
        entries = self.sorted.get(feed, [])[-limit:] if limit else []
        return [self._articles[i] for _, i in reversed(entries)]

    def mark_seen(self, seen: Seen) -> None:
        if seen.key not in self._seen:
            bisect.insort(self.seen_keys, seen.key)
        super().mark_seen(seen)

    def forget_seen(self, key: str) -> None:
        if key in self._seen:
            del self.seen_keys[bisect.bisect_left(self.seen_keys, key)]
        super().forget_seen(key)

    def seen_between(self, after: str, until: str | None) -> list[Seen]:
        start = bisect.bisect_right(self.seen_keys, after)
        stop = len(self.seen_keys) if until is None else bisect.bisect_right(self.seen_keys, until)
        return [Seen(k, self._seen[k]) for k in self.seen_keys[start:stop]]


def _counted(name: str, kind: str) -> Callable[..., Any]:
    method = getattr(CountingIndex, name)

    def counted(self: CountingIndex, *args: Any, **kwargs: Any) -> Any:
        self.counts[f"index {kind}"] += 1
        return method(self, *args, **kwargs)

    return counted


for _name in READS:
    setattr(CountingIndex, _name, _counted(_name, "read"))
for _name in WRITES:
    setattr(CountingIndex, _name, _counted(_name, "write"))


class MemoryStore:
    """FeedStore in a dict: an identical body is not written again (the publisher writes
    files side by side: counted under a lock)."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self.files: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def write(
        self, path: str, body: bytes, content_type: str, cache_control: str, *, once: bool = False
    ) -> bool:
        with self.lock:
            slug = rendered(path)
            if slug is not None:
                RENDERS.append(slug)
            if self.files.get(path) == body:
                return False
            self.counts["feed put"] += 1
            self.files[path] = body
        return True

    def paths(self) -> Iterator[str]:
        yield from sorted(self.files)

    def delete(self, path: str) -> None:
        self.files.pop(path, None)


# -- running a sweep the way the work queue does ------------------------------------------------

# Feed slugs rendered since the chunk began: each render writes (or checks) its feed's
# `<slug>/rss.xml` once, whichever module renders it, so the store counts them.
RENDERS: list[str] = []


def rendered(path: str) -> str | None:
    """The feed whose render writes `path`, when it is a feed's own rss.xml."""
    slug, _, name = path.partition("/")
    return slug if name == "rss.xml" else None


class QueueStub:
    """Requeue that hands the next chunk back to the bench's loop, as SQS would."""

    def __init__(self, queue: list[Message]) -> None:
        self.queue = queue

    def send(self, messages: Any) -> None:
        self.queue.extend(messages)


@dataclass
class Chunk:
    """What one chunk's invocation did."""

    outcomes: list[Outcome]
    renders: list[str]
    written: list[str]

    def touched(self) -> set[str]:
        return {feed for outcome in self.outcomes for feed in outcome.feeds}


PublisherFactory = Callable[[QueueStub | None], Publisher]


def sweep(make: PublisherFactory) -> list[Chunk]:
    """One whole sweep, one publisher and one flush per chunk."""
    queue: list[Message] = [Sweep(run="bench")]
    chunks: list[Chunk] = []
    while queue:
        publisher = make(QueueStub(queue))
        RENDERS.clear()
        outcomes = publisher.apply(queue.pop(0))
        written = publisher.flush().written
        chunks.append(Chunk(outcomes, list(RENDERS), written))
    return chunks


@dataclass
class Row:
    backend: str
    size: int
    state: str
    seconds: float
    chunks: list[Chunk]
    counts: Counter[str] = field(default_factory=Counter)

    def per(self, name: str) -> float:
        return self.counts[name] / self.size

    def render_once_per_chunk(self) -> bool:
        """Every feed at most once per chunk; before the last chunk, only touched feeds."""
        once = all(max(Counter(c.renders).values(), default=0) <= 1 for c in self.chunks)
        touched = all(set(c.renders) <= c.touched() for c in self.chunks[:-1])
        return once and touched

    def line(self) -> str:
        c = self.counts
        return (
            f"{self.backend:6} {self.size:>7,} {self.state:10} {self.seconds:8.2f}s "
            f"{len(self.chunks):>6} {c['list']:>5} ({self.per('list') * 1000:4.2f}/1k) "
            f"{self.per('head'):6.3f} {self.per('get'):6.3f} {c['get config']:>4} "
            f"{self.per('index read'):6.3f} {self.per('index write'):6.3f} "
            f"{sum(len(ch.renders) for ch in self.chunks):>7} {c['feed put']:>6}"
        )


HEADER = (
    "store    size  inbox          time  chunks  list  (per 1k)  HEAD/a  GET/a  GETc "
    "idx r/a idx w/a renders  puts"
)


def measure(
    backend: str, size: int, state: str, make: PublisherFactory, counts: Counter[str]
) -> Row:
    counts.clear()
    start = time.perf_counter()
    chunks = sweep(make)
    row = Row(backend, size, state, time.perf_counter() - start, chunks, Counter(counts))
    print(row.line(), flush=True)
    return row


def change_one_percent(put: Callable[[str, bytes], None], size: int) -> None:
    """Every hundredth article re-uploaded with another title (spread over every chunk)."""
    for n in range(0, size, 100):
        put(article_key(n), article_bytes(n, title="عنوان مصحح"))


# -- the two inboxes ---------------------------------------------------------------------------


def fill_index(index: CountingIndex, inbox: MemoryInbox, size: int) -> None:
    """The index a settled pipeline has for the inbox, without a cold sweep: one article
    parsed per section and breaking flag, copied under every id (bench-only shortcut)."""
    site = parse_site(inbox.objects[SITE_KEY][0])
    sections = parse_sections(inbox.objects[SECTIONS_KEY][0])
    templates: dict[tuple[str, bool], tuple[int, Article]] = {}
    for n in range(size):
        shape = (SECTIONS[n % len(SECTIONS)], n % 20 == 0)
        if shape not in templates:
            raw = article_bytes(n)
            parsed = parse_article(raw, key=article_key(n), site=site, sections=sections, now=NOW)
            assert parsed.article is not None, parsed.problems
            templates[shape] = (n, parsed.article)
        first, template = templates[shape]
        article = template.model_copy(
            update={
                "id": f"article-{n:06d}",
                "key": article_key(n),
                "title": template.title.replace(f"رقم {first}", f"رقم {n}"),
                "url": template.url.replace(template.id, f"article-{n:06d}"),
                "published": template.published.replace(
                    month=1 + n % 11, day=1 + n % 28, hour=n % 24, minute=n % 60
                ),
            }
        )
        index.save(article, feeds_for(article), None)
        index.mark_seen(Seen(article_key(n), inbox.objects[article_key(n)][1]))


def fill_inbox(put: Callable[[str, bytes], None], size: int) -> None:
    """The config of content/ and `size` articles."""
    put(SITE_KEY, (CONTENT / "site.json").read_bytes())
    put(SECTIONS_KEY, (CONTENT / "sections.json").read_bytes())
    for n in range(size):
        put(article_key(n), article_bytes(n))


def factory(
    source: Any, index: Any, store: Any, reports: Any, *, workers: int = 1
) -> PublisherFactory:
    """A new publisher per chunk over the same adapters, as the handler builds one per
    batch; `requeue` hands the next chunk back (None: run every chunk at once). In memory
    there is no round trip to overlap: one call at a time (`workers`)."""

    def make(requeue: QueueStub | None) -> Publisher:
        return Publisher(
            source=source,
            index=index,
            store=store,
            reports=reports,
            clock=lambda: NOW,
            requeue=requeue,
            workers=workers,
        )

    return make


def memory_rows(size: int, *, cold: bool) -> list[Row]:
    """The sweeps of an in-memory inbox: after a cold one (`cold`), or over an index
    filled directly (100k: a cold sweep would take minutes and measure intake)."""
    counts: Counter[str] = Counter()
    inbox, index = MemoryInbox(counts), CountingIndex(counts)
    store, reports = MemoryStore(counts), MemoryReports()
    fill_inbox(inbox.put, size)
    make = factory(inbox, index, store, reports)
    make(None).publish([SITE_KEY, SECTIONS_KEY])
    rows = [measure("memory", size, "cold", make, counts)] if cold else []
    if not cold:
        fill_index(index, inbox, size)
        settle = make(None)  # the feeds a settled pipeline has published
        settle.touch_all()
        settle.flush()
    return rows + settled_rows("memory", size, make, counts, inbox.put)


def settled_rows(
    backend: str,
    size: int,
    make: PublisherFactory,
    counts: Counter[str],
    put: Callable[[str, bytes], None],
) -> list[Row]:
    """An unchanged sweep, then one after 1% of the articles changed."""
    rows = [measure(backend, size, "unchanged", make, counts)]
    change_one_percent(put, size)
    rows.append(measure(backend, size, "1% changed", make, counts))
    return rows


S3_OPS = {"ListObjectsV2": "list", "HeadObject": "head", "PutObject": "put"}
DYNAMODB_READS = {"GetItem", "Query", "BatchGetItem", "Scan"}


COUNTING = threading.Lock()  # the publisher makes its calls side by side


def count_call(counts: Counter[str], model: Any, context: dict[str, Any], **_: Any) -> None:
    """One AWS call, by what it costs: inbox lists, HEADs and GETs, feed writes, index
    reads and writes."""
    params = context.get("input_params") or {}
    op, bucket = model.name, params.get("Bucket")
    if model.service_model.service_name == "dynamodb":
        name = "index read" if op in DYNAMODB_READS else "index write"
    elif bucket == FEEDS:
        name = f"feed {S3_OPS.get(op, op)}"
        slug = rendered(params.get("Key", "")) if op == "HeadObject" else None
        if slug is not None:
            RENDERS.append(slug)  # one check per render
    elif op == "GetObject":
        name = "get" if params.get("Key", "").startswith(ARTICLES_PREFIX) else "get config"
    else:
        name = S3_OPS.get(op, op)
    with COUNTING:
        counts[name] += 1


def create_table(client: Any) -> None:
    """The index table as template.yaml declares it."""
    create_index_table(client, TABLE)


def skip_moto_table_copies() -> None:
    """moto deep-copies the whole table for every item of a TransactWriteItems, to roll
    back a failed one: each article write costs O(table), a 1k cold sweep minutes, and the
    time measured would be moto's. The bench skips those copies (nashra's transactions
    hold no conditions and none fails here); everything else moto does is unchanged."""
    import copy

    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    class NoTableCopy:
        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = NoTableCopy()  # type: ignore[assignment]


def moto_rows(size: int) -> list[Row]:
    """The same sweeps through the real S3 and DynamoDB adapters over moto; the index is
    filled by a cold sweep (measured)."""
    import boto3
    from moto import mock_aws

    from nashra.adapters.dynamodb import DynamoIndex
    from nashra.adapters.s3 import S3FeedStore, S3ReportStore, S3Source

    skip_moto_table_copies()
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        for bucket in (INBOX, FEEDS):
            s3.create_bucket(Bucket=bucket)
        create_table(dynamodb)

        def put(key: str, data: bytes) -> None:
            s3.put_object(Bucket=INBOX, Key=key, Body=data)

        fill_inbox(put, size)
        counts: Counter[str] = Counter()
        for client in (s3, dynamodb):
            client.meta.events.register("before-call", lambda **kw: count_call(counts, **kw))
        make = factory(
            S3Source(s3, INBOX),
            DynamoIndex(dynamodb, TABLE),
            S3FeedStore(s3, FEEDS),
            S3ReportStore(s3, INBOX),
            workers=WORKERS,  # as shipped: independent calls side by side
        )
        make(None).publish([SITE_KEY, SECTIONS_KEY])
        cold = measure("moto", size, "cold", make, counts)
        return [cold, *settled_rows("moto", size, make, counts, put)]


# -- the report --------------------------------------------------------------------------------


def verdict(rows: list[Row]) -> tuple[bool, str]:
    """Issue 9's targets over every row."""
    unchanged = [r for r in rows if r.state == "unchanged"]
    lists = all(r.counts["list"] <= r.size // 1000 + 1 for r in unchanged)
    gets = all(r.counts["get"] == 0 for r in unchanged)
    renders = all(r.render_once_per_chunk() for r in rows)
    ok = lists and gets and renders
    return ok, (
        f"targets {'met' if ok else 'MISSED'}: unchanged inbox: one list call per 1,000 keys "
        f"(+1 for the empty page after a full last one) {_ok(lists)}, no article GET "
        f"{_ok(gets)}; each touched feed rendered once per chunk {_ok(renders)}"
    )


def _ok(flag: bool) -> str:
    return "yes" if flag else "NO"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    parser.add_argument("--moto-sizes", type=int, nargs="*", default=[1000, 10_000])
    args = parser.parse_args()
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(name, None)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        os.environ[name] = "testing"
    print("per article (/a): HEAD, GET (articles); GETc: config GETs; idx r/w: index calls")
    print(HEADER)
    rows: list[Row] = []
    for size in args.sizes:
        rows += memory_rows(size, cold=size <= 10_000)
    rows += moto_within_budget(sorted(args.moto_sizes))
    ok, line = verdict(rows)
    print(line)
    return 0 if ok else 1


def moto_within_budget(sizes: list[int]) -> list[Row]:
    """moto sizes in increasing order, each only if the last one's time, scaled, predicts
    it fits in MOTO_BUDGET seconds."""
    rows: list[Row] = []
    last: tuple[int, float] | None = None
    for size in sizes:
        if last is not None and last[1] * size / last[0] > MOTO_BUDGET:
            predicted = last[1] * size / last[0]
            print(
                f"moto   {size:>7,} skipped: ~{predicted:.0f}s predicted, over {MOTO_BUDGET:.0f}s"
            )
            continue
        start = time.perf_counter()
        rows += moto_rows(size)
        last = (size, time.perf_counter() - start)
    return rows


if __name__ == "__main__":
    sys.exit(main())
