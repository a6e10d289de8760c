"""One more upload published into a local stack whose index already holds 1k, 10k, 100k
articles: time and S3/DynamoDB calls per publish, as `nashra dev` runs moto
(dev/moto_patches.py), and at the smaller sizes with moto as it ships, in one run.

    .venv/bin/python bench/scale.py                       # 1,000, 10,000 and 100,000
    .venv/bin/python bench/scale.py --sizes 1000 5000 --uploads 5 --unpatched-up-to 5000

One fresh dev stack in this process (moto server, poller, real handler) with content/'s
config. The archive is seeded straight into moto's backends, in time order, the oldest
first (a bench-only shortcut: through the pipeline 100,000 uploads take most of an hour):
for each article the inbox object (no event) and the index items the publisher's own
commit writes for a new upload (`DynamoIndex.commit` of its `Save` and `MarkSeen`: the
article, its key, its feed items and marks, its ETag), applied by moto's DynamoDB backend
instead of over HTTP. Every `--render-every` articles, and at the end of each size, the
seeded feeds are recorded as deferred and a render request is queued, as a bulk import's
busy batches leave them: the real handler renders them, sealing their RFC 5005 archive
pages and writing every page file to the feeds bucket. The publishes measured then find
what a real publish would.

At each size `--uploads` articles are uploaded one at a time, each timed from PutObject
until the work queue is drained, then a burst of `--burst` uploads sent at once is timed
per article; sizes up to `--unpatched-up-to` are measured again with the patches removed
(moto as it ships takes seconds per publish at 10,000). The handler's S3 and DynamoDB calls
are counted by a botocore `before-call` hook on boto3's default session. Last lines:
largest/smallest time per publish, the burst's, and peak RSS; exit status 1 when the
patched ratio is over 1.3 or calls per publish grow with the index.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends

from nashra.adapters.dynamodb import DynamoIndex
from nashra.adapters.local import etag
from nashra.adapters.sqs import SqsRequeue
from nashra.core.intake import parse_article
from nashra.core.keys import ARTICLES_PREFIX
from nashra.core.site import feeds_for, parse_sections, parse_site
from nashra.dev import moto_patches
from nashra.dev.stack import DevStack, StackOptions
from nashra.editor import JSON_TYPE
from nashra.ports import Deferred, MarkSeen, Save, Seen, SetDeferred
from nashra.work import Render

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SECTIONS = [s["slug"] for s in json.loads((CONTENT / "sections.json").read_bytes())]
NOW = datetime.now(UTC)
TIMEOUT = 120.0
SEED_TIMEOUT = 900.0  # one render request sealing a seeded chunk's pages
CALLS: Counter[str] = Counter()


def count_call(event_name: str, **_: Any) -> None:
    """botocore hook: `before-call.s3.PutObject` counts one S3 call."""
    CALLS[event_name.split(".")[1]] += 1


def article_bytes(article_id: str, n: int, published: datetime) -> bytes:
    body = {
        "id": article_id,
        "section": SECTIONS[n % len(SECTIONS)],
        "title": f"خبر أرشيف غرفة الأخبار رقم {n} عن الأسواق الخليجية",
        "breaking": n % 20 == 0,
        "published": published.isoformat(timespec="seconds"),
        "body": "<p>أعلنت الوزارة اليوم عن خطة جديدة لتطوير البنية التحتية في المنطقة.</p>",
        "authors": ["سارة الكندري"],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


class MotoDynamoDB:
    """The three writes `DynamoIndex.commit` makes, applied by moto's DynamoDB backend in
    this process instead of over HTTP: the same items, without a request each."""

    def __init__(self, region: str) -> None:
        self.backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][region]

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:  # noqa: N803
        for action in TransactItems:
            if "Put" in action:
                self.put_item(**action["Put"])
            else:
                self.delete_item(**action["Delete"])

    def put_item(self, TableName: str, Item: dict[str, Any]) -> None:  # noqa: N803
        self.backend.put_item(TableName, Item)

    def delete_item(self, TableName: str, Key: dict[str, Any]) -> None:  # noqa: N803
        self.backend.delete_item(TableName, Key)


class Seeder:
    """Seeds an archive into the stack, oldest first: inbox objects and index items written
    straight into moto, then a render request per chunk (see the module's docstring)."""

    def __init__(self, stack: DevStack, largest: int, render_every: int) -> None:
        self.stack = stack
        table = stack.plan.tables["IndexTable"].name
        self.index = DynamoIndex(MotoDynamoDB(stack.options.region), table)
        self.s3 = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        self.requeue = SqsRequeue(stack.client("sqs"), stack.queue_urls["WorkQueue"])
        self.site = parse_site((CONTENT / "site.json").read_bytes())
        self.sections = parse_sections((CONTENT / "sections.json").read_bytes())
        self.oldest = NOW - timedelta(minutes=largest + 60)  # article n at oldest + n min
        self.render_every = render_every
        self.size = 0

    def seed(self, n: int) -> frozenset[str]:
        """Article n's inbox object and index items; the feeds it is in."""
        article_id = f"archive-{n:06d}"
        key = f"{ARTICLES_PREFIX}{article_id}.json"
        raw = article_bytes(article_id, n, self.oldest + timedelta(minutes=n))
        parsed = parse_article(raw, key=key, site=self.site, sections=self.sections, now=NOW)
        assert parsed.article is not None, parsed.problems
        stored = self.s3.put_object(self.stack.inbox_bucket, key, raw, disable_notification=True)
        stored.set_metadata({"Content-Type": JSON_TYPE})
        feeds = feeds_for(parsed.article)
        self.index.commit([Save(parsed.article, feeds, None), MarkSeen(Seen(key, etag(raw)))])
        return feeds

    def render(self, feeds: frozenset[str]) -> None:
        """What a bulk import leaves: the feeds deferred, a render request queued; the
        handler renders them (and seals their pages) before the queue is empty."""
        self.index.commit([SetDeferred(Deferred(datetime.now(UTC), feeds))])
        self.requeue.send([Render(run=str(uuid.uuid4()))])
        if not self.stack.wait_drained(SEED_TIMEOUT):
            raise RuntimeError(f"the seeded feeds did not render within {SEED_TIMEOUT:.0f} s")

    def fill_to(self, size: int) -> tuple[float, float]:
        """Seconds seeding the index and inbox, seconds rendering the seeded feeds."""
        seeding = rendering = 0.0
        while self.size < size:
            started = time.monotonic()
            chunk = min(size, self.size + self.render_every)
            feeds: frozenset[str] = frozenset()
            for n in range(self.size, chunk):
                feeds |= self.seed(n)
            self.size = chunk
            seeded = time.monotonic()
            self.render(feeds)
            seeding += seeded - started
            rendering += time.monotonic() - seeded
        return seeding, rendering


def one_at_a_time(stack: DevStack, tag: str, uploads: int) -> tuple[float, Counter[str]]:
    """Median seconds per publish of `uploads` new articles, one at a time; calls per
    publish by service."""
    CALLS.clear()
    seconds = []
    for n in range(uploads):
        article_id = f"new-{tag}-{n:03d}"
        body = article_bytes(article_id, n, datetime.now(UTC) - timedelta(seconds=5))
        started = time.monotonic()
        stack.upload(f"{ARTICLES_PREFIX}{article_id}.json", body)
        if not stack.wait_drained(TIMEOUT):
            raise RuntimeError(f"{article_id} did not publish within {TIMEOUT:.0f} s")
        seconds.append(time.monotonic() - started)
    per_publish = Counter({k: round(v / uploads) for k, v in CALLS.items()})
    return statistics.median(seconds), per_publish


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Results = dict[tuple[str, int], tuple[float, Counter[str]]]


@dataclass
class Run:
    """What one run measured: per mode and size, seconds and calls per publish; per size,
    seconds per article of a patched burst, seconds seeding and rendering, peak RSS."""

    publishes: Results = field(default_factory=dict)
    bursts: dict[int, float] = field(default_factory=dict)
    seeding: dict[int, tuple[float, float]] = field(default_factory=dict)
    peak_mib: dict[int, float] = field(default_factory=dict)


def burst(stack: DevStack, size: int, count: int) -> float:
    """Seconds per article of `count` uploads sent at once, until the queue is drained."""
    started = time.monotonic()
    for n in range(count):
        article_id = f"burst-{size}-{n:04d}"
        body = article_bytes(article_id, n, datetime.now(UTC) - timedelta(seconds=5))
        stack.upload(f"{ARTICLES_PREFIX}{article_id}.json", body)
    if not stack.wait_drained(TIMEOUT):
        raise RuntimeError(f"a burst of {count} did not publish within {TIMEOUT:.0f} s")
    return (time.monotonic() - started) / count


def config_only(tmp: str) -> Path:
    content = Path(tmp) / "content"
    (content / "articles").mkdir(parents=True)
    for name in ("site.json", "sections.json"):
        shutil.copy(CONTENT / name, content / name)
    return content


UNPATCHED = "moto 5.2.5"


def measure(content: Path, run: Run, sizes: list[int], args: Any) -> None:
    """One stack, its archive seeded to each size in turn, publishes timed at each."""
    with DevStack(StackOptions(content=content, port=0, quiet=True), say=lambda _: None) as stack:
        logging.getLogger("nashra").setLevel(logging.WARNING)  # the table, not log lines
        stack.upload_content()
        if not stack.wait_drained(TIMEOUT):
            raise RuntimeError("the config did not publish")
        seeder = Seeder(stack, sizes[-1], args.render_every)
        for size in sizes:
            run.seeding[size] = seeder.fill_to(size)
            seeded, rendered = run.seeding[size]
            print(
                f"seeded to {size:,} articles: {seeded:.1f} s seeding, {rendered:.1f} s rendering",
                file=sys.stderr,
            )
            run.publishes["patched", size] = one_at_a_time(stack, f"p{size}", args.uploads)
            run.bursts[size] = burst(stack, size, args.burst)
            run.peak_mib[size] = peak_rss_mib()
            if size > args.unpatched_up_to:
                continue
            moto_patches.remove()
            try:
                run.publishes[UNPATCHED, size] = one_at_a_time(stack, f"u{size}", args.uploads)
            finally:
                moto_patches.apply()


def run_all(sizes: list[int], args: Any) -> Run:
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call", count_call)
    run = Run()
    with tempfile.TemporaryDirectory() as tmp:
        measure(config_only(tmp), run, sizes, args)
    return run


def publish_cells(seconds: float, calls: Counter[str]) -> str:
    return f"{seconds * 1000:>10.0f} {calls['s3']:>4} {calls['dynamodb']:>4}"


def table(run: Run, sizes: list[int]) -> None:
    columns = f"{'S3':>4} {'DDB':>4}"
    header = (
        f"{'index':>8} | {'seed s':>7} {'render s':>8} | {'patched ms':>10} {columns} "
        f"{'burst ms/art':>12} {'RSS MiB':>8} | {'moto ms':>10} {columns}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        seconds, calls = run.publishes["patched", size]
        seeded, rendered = run.seeding[size]
        cells = publish_cells(seconds, calls)
        burst_ms = run.bursts[size] * 1000
        unpatched = run.publishes.get((UNPATCHED, size))
        moto = "" if unpatched is None else publish_cells(*unpatched)
        print(
            f"{size:>8,} | {seeded:>7.1f} {rendered:>8.1f} | {cells} {burst_ms:>12.0f} "
            f"{run.peak_mib[size]:>8.0f} | {moto}"
        )


def report(run: Run, sizes: list[int], burst_size: int) -> bool:
    table(run, sizes)
    ok = True
    for mode in ("patched", UNPATCHED):
        measured = [s for s in sizes if (mode, s) in run.publishes]
        if len(measured) < 2:
            continue
        times = [run.publishes[mode, s][0] for s in measured]
        calls = [run.publishes[mode, s][1] for s in measured]
        ratio = times[-1] / times[0]
        flat = all(c == calls[0] for c in calls)
        print(
            f"{mode}: time per publish {measured[-1]:,}/{measured[0]:,} = {ratio:.2f}"
            f"; calls per publish {'flat' if flat else 'grow'}"
        )
        if mode == "patched":
            ok = ratio <= 1.3 and flat
    bursts = run.bursts[sizes[-1]] / run.bursts[sizes[0]]
    span = f"{sizes[-1]:,}/{sizes[0]:,}"
    print(f"patched: burst of {burst_size}, time per article {span} = {bursts:.2f}")
    print(f"peak RSS (index of {sizes[-1]:,}): {run.peak_mib[sizes[-1]]:.0f} MiB")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--render-every", type=int, default=10_000, help="seeded articles")
    parser.add_argument("--unpatched-up-to", type=int, default=1000, help="moto as it ships")
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    run = run_all(sizes, args)
    print(f"command: {sys.executable} bench/scale.py --sizes {' '.join(map(str, sizes))}")
    ok = report(run, sizes, args.burst)
    verdict = "met" if ok else "MISSED"
    target = f"patched {sizes[-1]:,}/{sizes[0]:,} <= 1.3, flat calls"
    print(f"target ({target}): {verdict}", flush=True)
    sys.stderr.flush()
    # Exit without freeing moto's objects one by one: at 100,000 articles that takes longer
    # than a minute, and the table is printed.
    os._exit(0 if ok else 1)


if __name__ == "__main__":
    main()
