"""One more upload published into a local stack whose index already holds 1k, 5k, 10k
articles: time and S3/DynamoDB calls per publish, with moto as it ships and as `nashra dev`
runs it (dev/moto_patches.py), side by side in one run.

    .venv/bin/python bench/scale.py                       # 1,000, 5,000 and 10,000
    .venv/bin/python bench/scale.py --sizes 1000 5000 --uploads 5

Two passes, each a fresh dev stack in this process (moto server, poller, real handler)
with content/'s config: first patched, then with the patches removed. The index is filled
directly through the DynamoDB adapter (one transaction per article, patched: a bench-only
shortcut, not one upload each); at each size `--uploads` articles are uploaded one at a
time, each timed from PutObject until the work queue is drained, and in the patched pass a
burst of `--burst` uploads sent at once is timed per article (moto as it ships would take
minutes for one burst). The handler's S3 and DynamoDB calls are counted by a botocore
`before-call` hook on boto3's default session. Last lines: largest/smallest time per
publish for each moto, the burst's, and peak RSS after each pass; exit status 1 when the
patched ratio is over 1.3, calls per publish grow with the index, or the patched pass
passed 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from nashra.adapters.dynamodb import DynamoIndex
from nashra.core.article import Article
from nashra.core.intake import parse_article
from nashra.core.keys import ARTICLES_PREFIX
from nashra.core.site import feeds_for, parse_sections, parse_site
from nashra.dev import moto_patches
from nashra.dev.stack import DevStack, StackOptions

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SECTIONS = [s["slug"] for s in json.loads((CONTENT / "sections.json").read_bytes())]
NOW = datetime.now(UTC)
TIMEOUT = 120.0
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


class Filler:
    """Saves archive articles straight into the stack's index (one parsed article per
    section and breaking flag, copied under each id)."""

    def __init__(self, stack: DevStack) -> None:
        self.index = DynamoIndex(stack.client("dynamodb"), stack.plan.tables["IndexTable"].name)
        self.site = parse_site((CONTENT / "site.json").read_bytes())
        self.sections = parse_sections((CONTENT / "sections.json").read_bytes())
        self.templates: dict[tuple[str, bool], Article] = {}
        self.size = 0

    def article(self, n: int) -> Article:
        shape = (SECTIONS[n % len(SECTIONS)], n % 20 == 0)
        article_id = f"archive-{n:06d}"
        if shape not in self.templates:
            raw = article_bytes(article_id, n, NOW - timedelta(days=30))
            key = f"{ARTICLES_PREFIX}{article_id}.json"
            parsed = parse_article(raw, key=key, site=self.site, sections=self.sections, now=NOW)
            assert parsed.article is not None, parsed.problems
            self.templates[shape] = parsed.article
        template = self.templates[shape]
        return template.model_copy(
            update={
                "id": article_id,
                "key": f"{ARTICLES_PREFIX}{article_id}.json",
                "url": template.url.replace(template.id, article_id),
                "published": template.published - timedelta(minutes=n),
            }
        )

    def fill_to(self, size: int) -> float:
        started = time.monotonic()
        for n in range(self.size, size):
            article = self.article(n)
            self.index.save(article, feeds_for(article), None)
        self.size = max(self.size, size)
        return time.monotonic() - started


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
    seconds per article of a patched burst; peak RSS after the patched pass."""

    publishes: Results = field(default_factory=dict)
    bursts: dict[int, float] = field(default_factory=dict)
    patched_peak_mib: float = 0.0


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


def one_pass(content: Path, run: Run, mode: str, sizes: list[int], args: Any) -> None:
    """A fresh stack, its index filled to each size in turn, publishes timed at each."""
    with DevStack(StackOptions(content=content, port=0, quiet=True), say=lambda _: None) as stack:
        logging.getLogger("nashra").setLevel(logging.WARNING)  # the table, not log lines
        stack.upload_content()
        if not stack.wait_drained(TIMEOUT):
            raise RuntimeError("the config did not publish")
        filler = Filler(stack)
        for size in sizes:
            took = filler.fill_to(size)  # patched: a bench-only shortcut, fast either way
            print(f"{mode}: index filled to {size:,} articles in {took:.1f} s", file=sys.stderr)
            if mode == "patched":
                run.publishes[mode, size] = one_at_a_time(stack, f"p{size}", args.uploads)
                run.bursts[size] = burst(stack, size, args.burst)
                continue
            moto_patches.remove()
            try:
                run.publishes[mode, size] = one_at_a_time(stack, f"u{size}", args.uploads)
            finally:
                moto_patches.apply()


def run_all(sizes: list[int], args: Any) -> Run:
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-call", count_call)
    run = Run()
    with tempfile.TemporaryDirectory() as tmp:
        content = config_only(tmp)
        one_pass(content, run, "patched", sizes, args)
        run.patched_peak_mib = peak_rss_mib()
        one_pass(content, run, "moto 5.2.5", sizes, args)
    return run


def table(run: Run, sizes: list[int]) -> None:
    columns = f"{'S3':>4} {'DDB':>4}"
    header = (
        f"{'index':>8} | {'patched ms':>10} {columns} {'burst ms/art':>12} "
        f"| {'moto ms':>10} {columns}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        cells = []
        for mode in ("patched", "moto 5.2.5"):
            seconds, calls = run.publishes[mode, size]
            cells.append(f"{seconds * 1000:>10.0f} {calls['s3']:>4} {calls['dynamodb']:>4}")
        burst_ms = run.bursts[size] * 1000
        print(f"{size:>8,} | {cells[0]} {burst_ms:>12.0f} | {cells[1]}")


def report(run: Run, sizes: list[int], burst_size: int) -> bool:
    table(run, sizes)
    ok = True
    for mode in ("patched", "moto 5.2.5"):
        times = [run.publishes[mode, s][0] for s in sizes]
        calls = [run.publishes[mode, s][1] for s in sizes]
        ratio = times[-1] / times[0]
        flat = all(c == calls[0] for c in calls)
        print(
            f"{mode}: time per publish {sizes[-1]:,}/{sizes[0]:,} = {ratio:.2f}"
            f"; calls per publish {'flat' if flat else 'grow'}"
        )
        if mode == "patched":
            ok = ratio <= 1.3 and flat
    bursts = run.bursts[sizes[-1]] / run.bursts[sizes[0]]
    span = f"{sizes[-1]:,}/{sizes[0]:,}"
    print(f"patched: burst of {burst_size}, time per article {span} = {bursts:.2f}")
    print(
        f"peak RSS after the patched pass (index of {sizes[-1]:,}): {run.patched_peak_mib:.0f} MiB"
    )
    print(f"peak RSS after the moto 5.2.5 pass: {peak_rss_mib():.0f} MiB")
    return ok and run.patched_peak_mib < 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--uploads", type=int, default=5)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    run = run_all(sizes, args)
    print(f"command: {sys.executable} bench/scale.py --sizes {' '.join(map(str, sizes))}")
    ok = report(run, sizes, args.burst)
    verdict = "met" if ok else "MISSED"
    target = f"patched {sizes[-1]:,}/{sizes[0]:,} <= 1.3, flat calls, under 1 GiB"
    print(f"target ({target}): {verdict}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
